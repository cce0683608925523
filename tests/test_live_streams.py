"""Event streams outside waitress's poll loop: a closed stream frees its worker, and a client that
reads slowly gets every byte in order (the parked worker writes out what the socket did not take)."""
import socket
import threading
import time
from types import SimpleNamespace

import pytest
import requests
from support import HubProcess

from server.api.live import ParkedStream


def open_stream(hub, token):
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    s.sendall(f"GET /api/v1/offices/demo/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
              f"Accept: text/event-stream\r\n\r\n".encode())
    data = b""
    while b": connected" not in data:
        chunk = s.recv(4096)
        assert chunk, "the hub closed the stream"
        data += chunk
    return s


def test_closed_streams_free_their_workers(tmp_path):
    hub = HubProcess(tmp_path / "hub.sqlite", threads=6).start()
    try:
        admin = hub.client("admin")
        for _ in range(5):   # 20 streams through 6 worker threads: each must be given back
            streams = [open_stream(hub, admin.token) for _ in range(4)]
            for s in streams:
                s.close()
            time.sleep(ParkedStream.WATCH * 2 + 0.2)
        r = requests.get(f"{hub.url}/api/v1/offices/demo/state", headers=admin.headers(), timeout=5)
        assert r.status_code == 200
        live = open_stream(hub, admin.token)   # and a stream still gets the events
        admin.issue("demo", "cash")
        live.settimeout(5)
        data = b""
        while b"ticket.issued" not in data:
            data += live.recv(65536)
        live.close()
    finally:
        hub.stop()


def test_a_slow_reader_gets_every_byte_in_order():
    hub_side, client_side = socket.socketpair()
    hub_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client_side.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hub_side.setblocking(False)
    closed = []
    channel = SimpleNamespace(handle_close=lambda: closed.append(True))
    parked = ParkedStream(SimpleNamespace(chunked_response=True), channel, hub_side)
    frames = [f"id: {i}\nevent: x\ndata: {'я' * 300}\n\n".encode() for i in range(400)]
    for f in frames:                                 # nobody reads yet: most of it waits
        parked.send(f)
    assert len(parked.backlog) > 100_000
    done = threading.Event()
    watcher = threading.Thread(target=parked.watch, args=(done,))
    watcher.start()
    expected = b"".join(b"%X\r\n%s\r\n" % (len(f), f) for f in frames)
    got = b""
    client_side.settimeout(5)
    while len(got) < len(expected):
        got += client_side.recv(65536)
    assert got == expected
    client_side.close()                              # the client goes: the watcher notices
    watcher.join(5)
    assert not watcher.is_alive()
    with pytest.raises(ConnectionError):
        parked.send(b"data: late\n\n")
    parked.close()
    assert closed == [True]
    hub_side.close()


def test_a_client_that_never_reads_is_dropped_not_buffered_without_end():
    hub_side, client_side = socket.socketpair()
    hub_side.setblocking(False)
    parked = ParkedStream(SimpleNamespace(chunked_response=False), SimpleNamespace(handle_close=lambda: None),
                          hub_side)
    frame = b"data: " + b"x" * 10_000 + b"\n\n"
    with pytest.raises(ConnectionError):
        for _ in range(ParkedStream.MAX_BACKLOG // len(frame) + 1000):
            parked.send(frame)
    assert len(parked.backlog) <= ParkedStream.MAX_BACKLOG
    hub_side.close()
    client_side.close()


def test_a_revoked_boards_open_stream_ends(tmp_path):
    hub = HubProcess(tmp_path / "hub.sqlite").start()
    try:
        admin = hub.client("admin")
        devices = admin.get("/api/v1/offices/demo/devices")
        board = next(d for d in devices if d["kind"] == "board")
        stream = open_stream(hub, hub.board_key)
        admin.post("/api/v1/offices/demo/devices/revoke", {"device": board["id"]})
        stream.settimeout(5)
        deadline = time.time() + 5
        data = b""
        while time.time() < deadline:
            chunk = stream.recv(65536)
            if not chunk:
                break
            data += chunk
        else:
            pytest.fail("the stream stayed open after the board's key was withdrawn")
        stream.close()
        r = requests.get(f"{hub.url}/api/v1/offices/demo/events", headers={"Authorization": f"Bearer {hub.board_key}"},
                         timeout=5)
        assert r.status_code == 401
    finally:
        hub.stop()
