"""Streams that can't lie: every event once and in order after a restart; a client ahead of the
log, or from another life of the file (a new log identity), is told to reload.

Real hub processes on real SQLite files (stopped and started on the same file), the Flask
generator path on the same files, hub_client's EventStream, and the stand's Stand.liveStream in
Chromium. Scenarios:

* restart, then resume from an earlier Last-Event-ID: each id exactly once, in order (the bug:
  the stream made after the first commit counted its events in its floor *and* its tail);
* Last-Event-ID ahead of the log: ``hello``, then ``reload`` (id = the log's last seq), then the
  events from the present;
* a new log identity (``Store.new_log_identity()`` on the stopped hub's file) with ``?log=old``:
  ``reload``; with the right identity: no reload;
* the restored file of an earlier copy: EventStream and the stand reload, then follow the new
  life of the log (whose ids are lower than the ones they saw).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests
from support import HubProcess

from hub_client import EventStream
from server.store import Store

OFFICE = "demo"


# ---------------------------------------------------------------------- reading a stream

class Frame:
    def __init__(self, event: str, id: str | None, data: str):
        self.event, self.id, self.data = event, id, data

    @property
    def info(self) -> dict:
        return json.loads(self.data)

    def __repr__(self) -> str:
        return f"Frame({self.event!r}, id={self.id!r})"


def frames_of(buffer: bytes) -> tuple[list[Frame], bytes]:
    """Complete SSE frames in ``buffer`` (as EventSource reads them) and the rest."""
    out = []
    *blocks, rest = buffer.replace(b"\r\n", b"\n").split(b"\n\n")
    for block in blocks:
        event, ident, data = "message", None, []
        for line in block.decode("utf-8").split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "id":
                ident = value
            elif name == "data":
                data.append(value)
        if data:
            out.append(Frame(event, ident, "\n".join(data)))
    return out, rest


def event_ids(frames: list[Frame]) -> list[int]:
    return [int(f.id) for f in frames if f.event not in ("hello", "reload")]


class Reader:
    """An event stream of a real hub read raw in a thread; ``wait`` for a condition on its frames."""

    def __init__(self, hub: HubProcess, token: str, last_event_id: int | str | None = None,
                 log: str | None = None):
        self.frames: list[Frame] = []
        self.status: int | None = None
        self.body = b""
        self.cond = threading.Condition()
        self.stopped = False
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        params = {"heartbeat": "0.2", **({"log": log} if log else {})}
        self.thread = threading.Thread(target=self._run, args=(f"{hub.url}/api/v1/offices/{OFFICE}/events",
                                                               headers, params), daemon=True)
        self.thread.start()

    def _run(self, url, headers, params):
        with requests.get(url, headers=headers, params=params, stream=True, timeout=(5, 30)) as resp:
            with self.cond:
                self.status = resp.status_code
                self.cond.notify_all()
            if resp.status_code != 200:
                with self.cond:
                    self.body = resp.content
                    self.cond.notify_all()
                return
            buffer = b""
            for chunk in resp.iter_content(chunk_size=None):
                if self.stopped:
                    return
                frames, buffer = frames_of(buffer + chunk)
                with self.cond:
                    self.frames += frames
                    self.cond.notify_all()

    def wait(self, predicate, timeout: float = 20.0, what: str = "") -> list[Frame]:
        with self.cond:
            ok = self.cond.wait_for(lambda: predicate(self.frames), timeout=timeout)
            assert ok, f"waited {timeout} s for {what or predicate}: got {self.frames}"
            return list(self.frames)

    def close(self) -> None:
        self.stopped = True
        self.thread.join(5)


def logged_seqs(db: Path, after: int = 0) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM events WHERE office = ? AND seq > ? ORDER BY seq",
                                           (OFFICE, after))]


def copy_file(src: Path, dst: Path) -> None:
    """A consistent copy of a hub's file (SQLite's backup API), as a backup would be."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        s.backup(d)
    finally:
        d.close()
        s.close()


def restore_copy(copy: Path, db: Path) -> str:
    """Put an earlier copy in place of the stopped hub's file and give it a new log identity (what
    ``talon restore`` does); answers the new identity."""
    copy_file(copy, db)
    store = Store(db)
    try:
        return store.new_log_identity()
    finally:
        store.close()


def identity_of(db: Path) -> str:
    store = Store(db)
    try:
        return store.log_identity()
    finally:
        store.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """One hub for the module (making the demo file is the slow part): each test that needs a
    fresh stream restarts it itself, and works from the file's state as it finds it."""
    h = HubProcess(tmp_path_factory.mktemp("hub") / "hub.sqlite").start()
    yield h
    h.stop()


# ---------------------------------------------------------------------- the log identity

def test_a_file_has_one_log_identity_until_a_new_one_is_made(tmp_path):
    db = tmp_path / "a.sqlite"
    store = Store(db)
    first = store.log_identity()
    assert len(first) >= 16 and first == store.log_identity()
    store.close()
    assert identity_of(db) == first                       # kept in the file, across openings
    assert identity_of(tmp_path / "b.sqlite") != first    # another file, another log
    store = Store(db)
    fresh = store.new_log_identity()
    assert fresh != first and store.log_identity() == fresh
    store.close()
    assert identity_of(db) == fresh


def test_a_file_made_before_the_identity_gets_one_on_migration(tmp_path):
    db = tmp_path / "old.sqlite"
    Store(db).close()
    with sqlite3.connect(db) as conn:   # as the file was before the migration existed
        conn.execute("DROP TABLE meta")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_log_identity'")
    store = Store(db)
    ident = store.log_identity()
    assert ident and store.one("SELECT count(*) AS n FROM meta WHERE key = 'log'")["n"] == 1
    store.close()
    assert identity_of(db) == ident


# ---------------------------------------------------------------------- a real hub, restarted

def test_after_a_restart_every_event_comes_once_and_in_order(hub):
    admin = hub.client("admin")
    s0 = admin.state(OFFICE)["seq"]
    admin.issue(OFFICE, "consult")
    admin.issue(OFFICE, "cash")
    hub.stop()
    hub.start()
    admin = hub.client("admin")
    admin.issue(OFFICE, "consult")   # the first commit of this life makes the office's stream
    admin.issue(OFFICE, "owner")
    expected = logged_seqs(hub.db, s0)
    assert len(expected) >= 4
    reader = Reader(hub, admin.token, last_event_id=s0)
    try:
        reader.wait(lambda fr: event_ids(fr) and event_ids(fr)[-1] >= expected[-1], what="the missed events")
        live = admin.issue(OFFICE, "cash")   # and what comes live after the replay
        last = admin.state(OFFICE)["seq"]
        frames = reader.wait(lambda fr: event_ids(fr) and event_ids(fr)[-1] >= last, what="the live event")
        time.sleep(0.5)   # anything sent twice would have come by now
        frames = reader.frames
    finally:
        reader.close()
    ids = event_ids(frames)
    assert ids == logged_seqs(hub.db, s0), "each event exactly once, in the log's order"
    assert frames[0].event == "hello" and frames[0].info == {"log": identity_of(hub.db), "seq": expected[-1]}
    assert frames[0].id == str(s0)   # hello: the stream goes on after the client's own Last-Event-ID
    every_id = [int(f.id) for f in frames if f.id is not None]
    assert all(a < b for a, b in zip(every_id, every_id[1:], strict=False)), every_id
    assert not [f for f in frames if f.event == "reload"]
    assert any(json.loads(f.data)["data"].get("ticket") == live["id"] for f in frames if f.event == "ticket.issued")


def test_the_generator_path_after_a_restart_agrees(hub, tmp_path):
    """Flask's test client (no waitress): the same file opened by a second app, the same answer."""
    from server.app import create_app

    db = tmp_path / "hub.sqlite"
    copy_file(hub.db, db)  # the demo office, as the running hub has it

    def signed_in(app):
        c = app.test_client()
        r = c.post("/api/v1/auth/login", json={"login": "admin", "password": "admin-demo"})
        return c, {"Authorization": f"Bearer {r.get_json()['token']}"}

    ident = identity_of(db)
    first, auth = signed_in(create_app(db))
    s0 = first.get(f"/api/v1/offices/{OFFICE}/state", headers=auth).get_json()["seq"]
    for service in ("consult", "cash"):
        assert first.post(f"/api/v1/offices/{OFFICE}/tickets", json={"service": service},
                          headers=auth).status_code == 201
    app = create_app(db)    # a restart: a new hub on the same file
    client, auth = signed_in(app)
    for service in ("consult", "owner"):
        assert client.post(f"/api/v1/offices/{OFFICE}/tickets", json={"service": service},
                           headers=auth).status_code == 201
    expected = logged_seqs(db, s0)

    def read(last_event_id, log=None, until=lambda fr: False, timeout=10.0):
        url = f"/api/v1/offices/{OFFICE}/events?heartbeat=0.1" + (f"&log={log}" if log else "")
        resp = client.get(url, headers={**auth, "Last-Event-ID": str(last_event_id)}, buffered=False)
        assert resp.status_code == 200
        frames, buffer, deadline = [], b"", time.monotonic() + timeout
        for chunk in resp.response:
            got, buffer = frames_of(buffer + chunk)
            frames += got
            if until(frames) or time.monotonic() > deadline:
                break
        resp.close()
        return frames

    frames = read(s0, until=lambda fr: event_ids(fr) and event_ids(fr)[-1] >= expected[-1])
    assert event_ids(frames) == expected
    assert frames[0].event == "hello" and frames[0].info["seq"] == expected[-1]
    ahead = read(999999, until=lambda fr: len(fr) >= 2)
    assert [f.event for f in ahead[:2]] == ["hello", "reload"]
    assert ahead[0].id == str(expected[-1]) and ahead[1].info["reason"] == "ahead"
    other = read(expected[-1], log="0" * 32, until=lambda fr: len(fr) >= 2)
    assert [f.event for f in other[:2]] == ["hello", "reload"] and other[1].info["log"] == ident
    same = read(expected[-1], log=ident, timeout=0.6)
    assert [f.event for f in same] == ["hello"]


def test_a_client_ahead_of_the_log_is_told_to_reload_then_follows_the_present(hub):
    admin = hub.client("admin")
    admin.issue(OFFICE, "consult")
    state = admin.state(OFFICE)
    reader = Reader(hub, admin.token, last_event_id=999999)
    try:
        frames = reader.wait(lambda fr: len(fr) >= 2, what="hello and reload")
        hello, reload = frames[:2]
        assert hello.event == "hello" and hello.id == str(state["seq"])   # the client's Last-Event-ID, reset
        assert hello.info == {"log": state["log"], "seq": state["seq"]}
        assert reload.event == "reload" and reload.id is None
        assert reload.info["reason"] == "ahead" and reload.info["log"] == state["log"]
        assert "заново" in reload.info["message"]
        t = admin.issue(OFFICE, "cash")
        frames = reader.wait(lambda fr: event_ids(fr), what="the next event")
    finally:
        reader.close()
    issued = [f for f in frames if f.event == "ticket.issued"]
    assert issued and json.loads(issued[0].data)["data"]["ticket"] == t["id"]
    assert event_ids(frames)[0] > state["seq"]
    assert [f.event for f in frames].count("reload") == 1


def test_another_log_identity_gets_reload_the_same_one_does_not(hub):
    admin = hub.client("admin")
    admin.issue(OFFICE, "consult")
    before = admin.state(OFFICE)
    assert before["log"] == identity_of(hub.db)
    hub.stop()
    fresh = Store(hub.db)
    new_log = fresh.new_log_identity()
    fresh.close()
    hub.start()
    admin = hub.client("admin")
    state = admin.state(OFFICE)
    assert state["log"] == new_log != before["log"]
    stale = Reader(hub, admin.token, last_event_id=before["seq"], log=before["log"])
    current = Reader(hub, admin.token, last_event_id=before["seq"], log=new_log)
    try:
        frames = stale.wait(lambda fr: len(fr) >= 2, what="hello and reload")
        assert [f.event for f in frames[:2]] == ["hello", "reload"]
        assert frames[0].info["log"] == new_log
        assert frames[1].info == {**frames[1].info, "log": new_log, "seq": state["seq"], "reason": "log"}
        assert current.wait(lambda fr: fr, what="hello")[0].event == "hello"
        admin.issue(OFFICE, "cash")
        last = admin.state(OFFICE)["seq"]
        for reader in (stale, current):
            reader.wait(lambda fr: event_ids(fr) and event_ids(fr)[-1] >= last, what="the new event")
        time.sleep(0.3)
        assert [f.event for f in current.frames].count("reload") == 0
        assert [f.event for f in stale.frames].count("reload") == 1
    finally:
        stale.close()
        current.close()


def test_a_bad_log_identity_or_event_id_is_a_clear_400(hub):
    admin = hub.client("admin")
    url = f"{hub.url}/api/v1/offices/{OFFICE}/events"
    for params, headers in (({"log": "не-журнал"}, {}), ({"log": "x" * 65}, {}), ({}, {"Last-Event-ID": "abc"}),
                            ({"heartbeat": "nan"}, {}), ({"heartbeat": "inf"}, {}), ({"heartbeat": "-inf"}, {})):
        r = requests.get(url, params=params, headers={**admin.headers(), **headers}, timeout=5)
        assert r.status_code == 400, (params, headers, r.text)
        body = r.json()
        assert body["error"] == "invalid" and any("а" <= ch <= "я" for ch in body["message"].lower())


# ---------------------------------------------------------------------- the clients obey

def test_event_stream_reloads_after_a_restore_and_follows_the_new_life(hub, tmp_path):
    admin = hub.client("admin")
    state = admin.state(OFFICE)
    got, statuses, lock = [], [], threading.Lock()

    def on_event(e):
        with lock:
            got.append(e)

    def on_status(ok):
        with lock:
            statuses.append(ok)

    def until(predicate, timeout=20.0, what=""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with lock:
                if predicate():
                    return
            time.sleep(0.05)
        raise AssertionError(f"waited {timeout} s for {what}: events {[(e.seq, e.type) for e in got]}, "
                             f"statuses {statuses}")

    stream = EventStream(hub.url, OFFICE, admin.token, on_event=on_event, on_status=on_status,
                         last_event_id=state["seq"], reconnect_delay=0.2).start()
    try:
        until(lambda: statuses == [True], what="connected")
        until(lambda: stream.log == state["log"], what="hello")
        hub.stop()
        copy_file(hub.db, tmp_path / "copy.sqlite")   # the backup, taken now
        hub.start()
        for service in ("consult", "cash", "owner"):
            admin.issue(OFFICE, service)
        high = admin.state(OFFICE)["seq"]
        until(lambda: got and got[-1].seq == high, what="the events after the backup")
        assert stream.reloads == 0
        resyncs = statuses.count(True)
        before = [e.seq for e in got]
        assert before == sorted(set(before)) and before[-1] == high

        hub.stop()
        new_log = restore_copy(tmp_path / "copy.sqlite", hub.db)
        hub.start()
        until(lambda: stream.reloads == 1, what="the reload")
        until(lambda: statuses.count(True) >= resyncs + 2, what="the app's resync (on_status(True) again)")
        assert stream.log == new_log
        restored = admin.state(OFFICE)
        assert restored["log"] == new_log and restored["seq"] < high and stream.last_event_id == restored["seq"]
        t = admin.issue(OFFICE, "consult")           # an id of the new life, below what was seen
        until(lambda: got[-1].type == "ticket.issued" and got[-1].data.get("ticket") == t["id"], what="the new event")
        assert got[-1].seq <= high
        after = [e.seq for e in got][len(before):]   # the new life: each of its events once, in order
        assert after == logged_seqs(hub.db, restored["seq"])
        assert stream.reloads == 1
    finally:
        stream.stop()


def test_the_stand_reloads_after_the_hubs_file_got_a_new_identity(browser, hub, tmp_path):
    admin = hub.client("admin")
    kept = admin.issue(OFFICE, "consult")
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15000)
    try:
        page.goto(hub.url + "/stand/")
        page.wait_for_url("**/stand/login**")
        page.fill("#login", "hall")
        page.fill("#password", "hall-demo")
        page.click("#login-submit")
        page.wait_for_selector("#monitor[aria-busy=false]")
        page.wait_for_selector("#link-state.link-ok")
        page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{kept['id']}']")
        # a second follower through the same Stand.liveStream, recording what it is told
        page.evaluate("""() => {
            window.rec = { opens: 0, reloads: 0, ids: [] };
            window.follower = Stand.liveStream("demo", Stand.session(), ["ticket.issued"],
                (e) => rec.ids.push(Number(e.lastEventId)), () => rec.opens++, () => {}, () => rec.reloads++);
        }""")
        first_log = admin.state(OFFICE)["log"]
        page.wait_for_function(f"() => follower.log() === '{first_log}' && rec.opens === 1")

        hub.stop()
        copy_file(hub.db, tmp_path / "copy.sqlite")
        hub.start()
        gone = [admin.issue(OFFICE, s) for s in ("cash", "owner")]   # not in the backup
        high = admin.state(OFFICE)["seq"]
        try:
            page.wait_for_function(f"() => rec.ids.length && rec.ids[rec.ids.length - 1] === {high}")
        except Exception:
            print("DEBUG", high, page.evaluate("JSON.stringify(rec)"), logged_seqs(hub.db))
            with sqlite3.connect(hub.db) as c:
                print(list(c.execute("select seq, type from events")))
            raise
        page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{gone[-1]['id']}']")

        hub.stop()
        new_log = restore_copy(tmp_path / "copy.sqlite", hub.db)
        hub.start()
        page.wait_for_function(f"() => rec.reloads === 1 && follower.log() === '{new_log}'", timeout=20000)
        for t in gone:   # the monitor shows the restored hall, not the one it had seen
            page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}']", state="detached", timeout=20000)
        page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{kept['id']}']")
        new = admin.issue(OFFICE, "certificate")
        seq = admin.state(OFFICE)["seq"]
        assert seq <= high   # ids of the new life the page had already seen in the old one
        page.wait_for_function(f"() => rec.ids[rec.ids.length - 1] === {seq}", timeout=20000)
        page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{new['id']}']", timeout=20000)
        page.wait_for_selector("#link-state.link-ok")
        assert page.evaluate("rec.reloads") == 1   # reopened with the new identity: no reload again
    finally:
        ctx.close()
    assert errors == [], errors


def test_the_board_reloads_after_a_restore_and_does_not_announce_old_calls(hub, qtbot, tmp_path):
    """A board that stayed on while its hub was restored from an earlier copy: it loads the
    restored hall at once (not at its next periodic resync), announces none of the calls it holds,
    and announces the calls of the new life, whose ids it had already seen in the old one."""
    from test_board import RecordingPlayer, row_texts

    from display_board.app import BoardApp
    from display_board.voice import Voice
    from hub_client import HubError

    admin = hub.client("admin")
    try:
        admin.window(1, "open")
    except HubError as exc:
        assert exc.status == 409   # open already
    for _ in range(3):
        admin.issue(OFFICE, "consult", source="kiosk")
    first = admin.call_next(1)
    player = RecordingPlayer()
    board = BoardApp(hub.url, hub.board_key, player=player, voice=Voice(tmp_path / "speech"),
                     resync_s=3600, reconnect_delay=0.2)
    board.window.resize(1920, 1080)
    qtbot.addWidget(board.window)
    board.window.show()
    try:
        with qtbot.waitSignal(board.loaded, timeout=15_000):
            board.start()
        qtbot.waitUntil(lambda: board.connected and row_texts(board)[:1] == [(first["code"], "1")], timeout=15_000)

        hub.stop()
        copy_file(hub.db, tmp_path / "copy.sqlite")
        hub.start()
        admin = hub.client("admin")
        admin.act(first["id"], "start")
        admin.act(first["id"], "finish")
        second = admin.call_next(1)            # announced: a call of the old life
        high = admin.state(OFFICE)["seq"]
        qtbot.waitUntil(lambda: board.state.seq == high and row_texts(board)[:1] == [(second["code"], "1")],
                        timeout=15_000)
        qtbot.waitUntil(lambda: len(player.played) == 1, timeout=20_000)

        hub.stop()
        restore_copy(tmp_path / "copy.sqlite", hub.db)
        hub.start()
        admin = hub.client("admin")
        restored = admin.state(OFFICE)
        assert restored["seq"] < high
        # the restored hall, at once: the first call is at window 1 again, the second is not
        qtbot.waitUntil(lambda: board.state.seq == restored["seq"] and row_texts(board)[:1] == [(first["code"], "1")],
                        timeout=15_000)
        assert second["code"] not in [code for code, _ in row_texts(board)]
        assert board.stream is not None and board.stream.log == restored["log"]
        admin.act(first["id"], "start")
        admin.act(first["id"], "finish")
        again = admin.call_next(1)             # a call of the new life, with an id the board saw before
        seq = admin.state(OFFICE)["seq"]
        assert seq <= high
        qtbot.waitUntil(lambda: board.state.seq == seq and row_texts(board)[:1] == [(again["code"], "1")],
                        timeout=15_000)
        qtbot.waitUntil(lambda: len(player.played) == 2, timeout=20_000)
        assert board.announcer.wait_idle(10)
        said = [a.code for a in board.announcer.history if a.outcome == "played"]
        assert said == [second["code"], again["code"]], [(a.code, a.outcome) for a in board.announcer.history]
    finally:
        board.stop()


def test_a_stream_whose_first_connection_fails_says_so():
    """An app that starts following just as its hub dies must hear «not connected» (the kiosk
    waited for a change from False to False, which never came, and never showed «no link»)."""
    import socket
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    said = []
    stream = EventStream(f"http://127.0.0.1:{port}", "demo", None, lambda e: None,
                         on_status=said.append, reconnect_delay=0.2).start()
    try:
        deadline = time.time() + 5
        while not said and time.time() < deadline:
            time.sleep(0.02)
    finally:
        stream.stop()
    assert said and said[0] is False
    assert said.count(False) == 1  # said once, not on every retry
