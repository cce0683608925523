"""The fan-out's cost and order (issue 17 point 2): the office lock is let go before publishing,
racing writers still publish in seq order, the broadcaster walks only new events, each frame's
bytes are shared by every subscriber, the tail is bounded in bytes, a new subscriber's short
heartbeat is kept. In process on a real SQLite file (server.hub.Hub, server.events.OfficeStream),
and over HTTP on a real hub process with raw SSE sockets."""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections import deque

import pytest
import requests

from server import events as ev
from server.cli import create_demo
from server.events import OfficeStream, Subscriber
from server.hub import Hub
from server.store.db import Store

IDS = re.compile(rb"^id: (\d+)\nevent: ([a-z._]+)\n", re.M)


def wait_until(predicate, timeout: float = 20.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class Collector:
    """A subscriber's connection: keeps every write (the same object the broadcaster passed)."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, data: bytes) -> None:
        with self.lock:
            self.writes.append(data)

    def text(self) -> bytes:
        with self.lock:
            return b"".join(self.writes)

    def ids(self) -> list[int]:
        return [int(m.group(1)) for m in IDS.finditer(self.text()) if m.group(2) != b"hello"]


class CountingDeque(deque):
    """The stream's tail, counting the items any walk over it visits (forwards or backwards)."""

    visited = 0

    def __iter__(self):
        for item in super().__iter__():
            CountingDeque.visited += 1
            yield item

    def __reversed__(self):
        for item in super().__reversed__():
            CountingDeque.visited += 1
            yield item


def event(seq: int, size: int = 0) -> dict:
    return {"seq": seq, "type": "ticket.issued", "at": 1.0 * seq, "day": "2026-12-03",
            "data": {"ticket": seq, "pad": "ж" * size}, "view": {}}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    db = tmp_path_factory.mktemp("fanout") / "hub.sqlite"
    store = Store(db)
    create_demo(store, True)
    hub = Hub(store)
    w = hub.execute("demo", lambda hall, now: next(iter(hall.windows.values())))
    hub.execute("demo", lambda hall, now: hall.open_window(w.id, now))
    return hub


def issue(hub):
    return hub.execute("demo", lambda hall, now: hall.issue("consult", now))


# ---------------------------------------------------------------------- the office lock and the order

def test_the_office_lock_is_free_while_a_commits_events_are_published(hub):
    issue(hub)
    stream = hub.stream("demo")
    before = hub.store.last_seq("demo")
    done = threading.Event()
    with stream.cond:  # nobody can put frames into the tail now: the publish waits
        writer = threading.Thread(target=lambda: (issue(hub), done.set()), daemon=True)
        writer.start()
        assert wait_until(lambda: hub.store.last_seq("demo") > before), "the command did not commit"
        lock = hub.lock("demo")
        got = lock.acquire(timeout=5)  # held through the publish before: another command waited
        if got:
            lock.release()
        assert got, "the office lock is still held while the events are published"
        assert not done.is_set()  # the answer waits for the publish: nobody hears of an unpublished event
    writer.join(10)
    assert done.is_set() and stream.last == hub.store.last_seq("demo")


def test_racing_writers_publish_every_event_once_in_seq_order(hub, caplog):
    stream = hub.stream("demo")
    reader = Collector()
    stream.attach(Subscriber(reader, cursor=None, heartbeat=15.0))
    start = stream.last
    errors = []

    def writer():
        try:
            for _ in range(40):
                issue(hub)
        except Exception as exc:  # reported below
            errors.append(exc)

    with caplog.at_level(logging.ERROR, logger="server.events"):
        threads = [threading.Thread(target=writer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors
    last = hub.store.last_seq("demo")
    assert stream.last == last  # every answer came after its events were published
    assert wait_until(lambda: reader.ids()[-1:] == [last])
    got = reader.ids()
    assert got == list(range(start + 1, last + 1)), "an id missing, repeated or out of order"
    assert not [r for r in caplog.records if "out of order" in r.getMessage()]
    stored = [e["seq"] for e in hub.store.events_after("demo", start, limit=10_000)]
    assert stored == got


def test_state_gives_the_seq_of_the_last_published_event(hub):
    issue(hub)
    snap = hub.snapshot("demo")
    assert snap["seq"] == hub.store.last_seq("demo") == hub.stream("demo").last


# ---------------------------------------------------------------------- the broadcaster's work

def test_the_broadcaster_walks_only_the_new_events_not_the_whole_tail():
    stream = OfficeStream(0, lambda after, upto: [], "log1")
    stream.tail = CountingDeque(maxlen=ev.TAIL)
    stream.publish([event(s) for s in range(1, 5001)])
    sub = Collector()
    stream.attach(Subscriber(sub, cursor=4990, heartbeat=15.0))
    assert sub.ids() == list(range(4991, 5001))
    CountingDeque.visited = 0
    stream.publish([event(5001), event(5002)])
    assert wait_until(lambda: sub.ids()[-1:] == [5002])
    frames, cursor = stream.after(4999, stream.from_store)  # the generator-style reader too
    assert cursor == 5002 and len(frames) == 3
    assert CountingDeque.visited < 50, f"{CountingDeque.visited} tail items visited for 2 new events"


def test_each_frame_is_encoded_once_and_the_same_bytes_go_to_every_subscriber(monkeypatch):
    stream = OfficeStream(0, lambda after, upto: [], "log1")
    subs = [Collector() for _ in range(3)]
    for c in subs:
        stream.attach(Subscriber(c, cursor=None, heartbeat=15.0))
    calls = []
    real = ev.sse_frame
    monkeypatch.setattr(ev, "sse_frame", lambda e: calls.append(e["seq"]) or real(e))  # counts, then encodes
    stream.publish([event(1), event(2)])
    assert calls == [1, 2]
    assert wait_until(lambda: all(c.ids() == [1, 2] for c in subs))
    blobs = [c.writes[-1] for c in subs]
    assert all(b is blobs[0] for b in blobs)


def test_the_tail_is_bounded_in_bytes_and_a_late_client_reads_the_rest_from_the_store():
    log = [event(s, size=4000) for s in range(1, 1501)]  # ~12 MB of frames, three times the bound

    def from_store(after, upto):
        return [e for e in log if after < e["seq"] <= upto]

    stream = OfficeStream(0, from_store, "log1")
    stream.publish(log)
    assert stream.tail_bytes <= ev.TAIL_BYTES
    assert stream.tail_bytes == sum(len(f) for _, f in stream.tail)
    assert stream.floor == stream.tail[0][0] - 1 > 0 and stream.last == 1500
    late = Collector()
    stream.attach(Subscriber(late, cursor=0, heartbeat=15.0))
    assert late.ids() == list(range(1, 1501))


def test_a_subscriber_that_joins_with_a_short_heartbeat_gets_it_at_once():
    stream = OfficeStream(0, lambda after, upto: [], "log1")
    slow = Collector()
    stream.attach(Subscriber(slow, cursor=None, heartbeat=15.0))
    time.sleep(0.05)  # the broadcaster is now asleep until the 15 s beat
    quick = Collector()
    stream.attach(Subscriber(quick, cursor=None, heartbeat=0.1))
    assert wait_until(lambda: ev.HEARTBEAT_FRAME in quick.text(), timeout=5), "no heartbeat within 5 s"
    assert ev.HEARTBEAT_FRAME not in slow.text()


# ---------------------------------------------------------------------- over HTTP, a real hub process

def open_streams(hub_proc, token: str, n: int) -> list[socket.socket]:
    request = (f"GET /api/v1/offices/demo/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode()
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", hub_proc.port), timeout=30)
        s.sendall(request)
        socks.append(s)
    return socks


def test_over_http_racing_clients_every_stream_sees_each_seq_once_in_order(shared_hub):
    admin = shared_hub.client("admin")
    streams = open_streams(shared_hub, admin.token, 20)
    buffers = [b"" for _ in streams]
    hello = re.compile(rb"event: hello\ndata: (.*)\n")
    for i, s in enumerate(streams):  # each stream's hello: where it starts (the body is chunked)
        deadline = time.monotonic() + 30
        while not hello.search(buffers[i]) and time.monotonic() < deadline:
            buffers[i] += s.recv(65536)
    starts = [json.loads(hello.search(b).group(1))["seq"] for b in buffers]
    headers = {"Authorization": f"Bearer {shared_hub.kiosk_key}"}
    errors = []

    def client():
        with requests.Session() as http:
            for _ in range(25):
                r = http.post(f"{shared_hub.url}/api/v1/offices/demo/tickets", json={"service": "cash"},
                              headers=headers, timeout=30)
                if r.status_code not in (200, 201):
                    errors.append(r.text)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    last = admin.state("demo")["seq"]
    for i, s in enumerate(streams):
        deadline = time.monotonic() + 30
        while f"id: {last}\n".encode() not in buffers[i] and time.monotonic() < deadline:
            buffers[i] += s.recv(65536)
        s.close()
        ids = [int(m.group(1)) for m in IDS.finditer(buffers[i]) if m.group(2) != b"hello"]
        assert ids == list(range(starts[i] + 1, last + 1)), f"stream {i}: an id missing, repeated or out of order"


# ---------------------------------------------------------------------- per-request costs

def test_a_batch_is_framed_as_an_http_chunk_once_for_every_subscriber():
    from server.api.live import ParkedStream

    streams = []
    for _ in range(3):
        p = ParkedStream.__new__(ParkedStream)  # frame() needs only whether the answer is chunked
        p.chunked = True
        streams.append(p)
    blob = b"id: 7\nevent: ticket.called\ndata: {}\n\n"
    chunks = [p.frame(blob) for p in streams]
    assert chunks[0] == b"%X\r\n%s\r\n" % (len(blob), blob)
    assert all(c is chunks[0] for c in chunks), "the chunk was built again for each subscriber"
    other = b"id: 8\nevent: ticket.finished\ndata: {}\n\n"
    assert streams[1].frame(other) == b"%X\r\n%s\r\n" % (len(other), other)


def test_a_schema_given_as_a_dict_is_compiled_once_and_still_refuses_bad_input():
    from server.api import framework

    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 5}}}
    framework.validate(schema, {"n": 1})
    first = framework.compiled(schema)
    framework.validate(schema, {"n": 2})
    assert framework.compiled(schema) is first
    with pytest.raises(framework.ApiError) as err:
        framework.validate(schema, {"n": 9})
    assert err.value.status == 400 and err.value.message == "Неверные данные: значение поля «n» слишком велико"
