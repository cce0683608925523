"""hub_client.qt.HubBridge, the one bridge of the kiosk, the console and the board, against a real hub:
answers and refusals come back on the Qt thread, the office's events arrive in order with the
stream's status, a burst is handed over as one batch, a stopped stream says nothing more, and a
closed bridge starts and delivers nothing."""
from __future__ import annotations

import socket
import threading

import pytest

from hub_client import HubError, HubEvent
from hub_client.qt import HubBridge, _Reload, _Status

WAIT = 15_000


@pytest.fixture(scope="module")
def admin(shared_hub):
    return shared_hub.client("admin")


@pytest.fixture
def bridges():
    made: list[HubBridge] = []
    yield made
    for bridge in made:
        bridge.close()


@pytest.fixture
def make_bridge(bridges):
    def make(qtbot, hub, token, **kw) -> HubBridge:
        bridge = HubBridge(hub.url if hub is not None else "", token, **kw)
        bridges.append(bridge)
        return bridge
    return make


def test_answers_and_refusals_come_back_on_the_qt_thread(qtbot, shared_hub, admin, make_bridge):
    bridge = make_bridge(qtbot, shared_hub, admin.token)
    got: list[tuple[str, object, bool]] = []
    main = threading.current_thread()
    bridge.run(lambda c: c.state("demo"), lambda r: got.append(("ok", r, threading.current_thread() is main)))
    bridge.run(lambda c: c.ticket(987654), None,
               lambda e: got.append(("err", e, threading.current_thread() is main)))
    assert bridge.pending == 2
    qtbot.waitUntil(lambda: len(got) == 2 and bridge.pending == 0, timeout=WAIT)
    kinds = dict((k, v) for k, v, _ in got)
    assert kinds["ok"]["office"]["id"] == "demo"
    assert isinstance(kinds["err"], HubError) and kinds["err"].status == 404
    assert all(on_main for _, _, on_main in got)


def test_a_new_token_is_used_by_every_worker(qtbot, shared_hub, admin, make_bridge):
    bridge = make_bridge(qtbot, shared_hub, None, workers=2)
    errors: list[Exception] = []
    bridge.run(lambda c: c.me(), None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=WAIT)
    assert isinstance(errors[0], HubError) and errors[0].status == 401
    bridge.token = admin.token
    answers: list[dict] = []
    for _ in range(4):
        bridge.run(lambda c: c.me(), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 4, timeout=WAIT)
    assert {a["login"] for a in answers} == {"admin"}


def test_events_come_in_order_after_the_status_and_on_the_qt_thread(qtbot, shared_hub, admin, make_bridge):
    bridge = make_bridge(qtbot, shared_hub, admin.token)
    seen: list[object] = []
    batches: list[int] = []
    main = threading.current_thread()
    off_main: list[str] = []

    def on_event(e: HubEvent) -> None:
        if threading.current_thread() is not main:
            off_main.append(e.type)
        seen.append(e.seq)

    def on_status(ok: bool) -> None:
        seen.append(("status", ok))

    hooked: list[bool] = []
    start = admin.state("demo")["seq"]
    bridge.follow("demo", start, on_event, on_status, on_events=lambda b: batches.append(len(b)),
                  status_hook=lambda ok: hooked.append(threading.current_thread() is not main))
    qtbot.waitUntil(lambda: bridge.connected and ("status", True) in seen, timeout=WAIT)
    codes = [admin.issue("demo", "consult")["id"] for _ in range(5)]
    qtbot.waitUntil(lambda: len([s for s in seen if isinstance(s, int)]) >= 5, timeout=WAIT)
    seqs = [s for s in seen if isinstance(s, int)]
    assert seen[0] == ("status", True)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > start
    assert sum(batches) == len(seqs) and not off_main
    assert hooked == [True]  # the hook ran once, in the stream's thread
    assert len(codes) == 5


def test_inbox_keeps_the_order_of_events_status_and_reload(qtbot, shared_hub, make_bridge):
    """What the stream's thread hands over is delivered in that order, events batched between."""
    bridge = make_bridge(qtbot, shared_hub, None)
    order: list[object] = []
    bridge._on_events = lambda b: order.append([e.seq for e in b])
    bridge._on_status = lambda ok: order.append(ok)
    bridge._on_reload = lambda: order.append("reload")

    def ev(seq: int) -> HubEvent:
        return HubEvent(seq=seq, type="ticket.issued", at=0.0, data={}, view={})

    def feed() -> None:
        for item in (ev(1), ev(2), _Status(False), _Status(True), ev(3), _Reload(), ev(4), ev(5)):
            bridge._put(item)

    t = threading.Thread(target=feed)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(order) and order[-1] == [4, 5], timeout=WAIT)
    assert order == [[1, 2], False, True, [3], "reload", [4, 5]]


def test_a_dead_hub_is_reported_as_not_connected_once(qtbot, bridges):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bridge = HubBridge(f"http://127.0.0.1:{port}", None)
    bridges.append(bridge)
    states: list[bool] = []
    bridge.follow("demo", None, None, states.append, reconnect_delay=0.2)
    qtbot.waitUntil(lambda: states == [False], timeout=WAIT)
    qtbot.wait(600)  # a few failed reconnects later it has said nothing more
    assert states == [False]


def test_a_stopped_stream_and_a_closed_bridge_say_nothing_more(qtbot, shared_hub, admin, make_bridge):
    bridge = make_bridge(qtbot, shared_hub, admin.token)
    first: list[int] = []
    bridge.follow("demo", admin.state("demo")["seq"], lambda e: first.append(e.seq))
    qtbot.waitUntil(lambda: bridge.connected, timeout=WAIT)
    second: list[int] = []
    bridge.follow("demo", admin.state("demo")["seq"], lambda e: second.append(e.seq))
    qtbot.waitUntil(lambda: bridge.connected, timeout=WAIT)
    admin.issue("demo", "cash")
    qtbot.waitUntil(lambda: len(second) == 1, timeout=WAIT)
    assert first == []
    assert bridge.close(wait=5.0) is True
    answers: list[object] = []
    bridge.run(lambda c: c.state("demo"), answers.append, answers.append)
    admin.issue("demo", "cash")
    qtbot.wait(500)
    assert answers == [] and second == second[:1] and bridge.pending == 0 and not bridge.following
