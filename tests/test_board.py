"""The hall board offscreen against a real hub process.

Everything is real — the hub over HTTP and SSE, the Qt widgets (offscreen), the speech WAVs
(espeak-ng), the Qt media player — except two things at the machine's edge: the sound card
(``RecordingPlayer`` takes real time to "play" and records when) and, for the reconnect test,
the network cable (``CablePuller``, a TCP hop the test can cut).
"""
import logging
import os
import socket
import threading
import time
import wave

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtWidgets import QLabel

from display_board.announcer import NoSoundDevice, QtPlayer
from display_board.app import SOUND_NOTE, BoardApp
from display_board.board import LANDSCAPE, PORTRAIT
from display_board.voice import Voice
from hub_client import EventStream
from server.demo import DEMO_PINS, OPERATOR_NAMES


class RecordingPlayer:
    """The sound card's stand-in: "plays" for a tenth of the WAV's length, records when."""

    def __init__(self, speed: float = 0.1):
        self.speed = speed
        self.played: list[tuple[str, float, float]] = []   # (wav name, start, end) perf_counter
        self.playing = 0
        self.max_playing = 0
        self._lock = threading.Lock()

    def play(self, wav, volume):
        with self._lock:
            self.playing += 1
            self.max_playing = max(self.max_playing, self.playing)
        start = time.perf_counter()
        try:
            with wave.open(str(wav), "rb") as w:
                time.sleep(w.getnframes() / w.getframerate() * self.speed)
        finally:
            with self._lock:
                self.playing -= 1
                self.played.append((str(wav), start, time.perf_counter()))


class CablePuller:
    """A TCP hop between the board and the hub; ``cut()`` pulls the cable, ``mend()`` puts it back."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = True
        self.closed = False
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.up = False
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets.clear()

    def mend(self):
        self.up = True

    def close(self):
        self.closed = True
        self.cut()
        self.server.close()


@pytest.fixture
def make_board(qtbot, tmp_path):
    boards = []

    def make(url, key, *, player=None, size=(1920, 1080), **kwargs) -> BoardApp:
        board = BoardApp(url, key, player=player if player is not None else RecordingPlayer(),
                         voice=Voice(tmp_path / "speech"), **kwargs)
        board.window.resize(*size)
        qtbot.addWidget(board.window)
        board.window.show()
        boards.append(board)
        with qtbot.waitSignal(board.loaded, timeout=10_000):
            board.start()
        qtbot.waitUntil(lambda: board.connected, timeout=10_000)
        return board

    yield make
    for board in boards:
        board.stop()


class Shown:
    """Records the board's ``call_shown`` signal."""

    def __init__(self, board: BoardApp):
        self.items: list[tuple[str, str, float]] = []
        board.window.call_shown.connect(lambda code, window, at: self.items.append((code, window, at)))

    def of(self, code: str):
        return [item for item in self.items if item[0] == code]

    def has(self, code: str) -> bool:
        return bool(self.of(code))


def in_thread(fn, *args, **kwargs):
    """Run an HTTP call off the GUI thread (the board must stay free to draw); returns a box."""
    box = {}

    def run():
        box["result"] = fn(*args, **kwargs)
        box["returned"] = time.time()
    thread = threading.Thread(target=run)
    thread.start()
    box["thread"] = thread
    return box


def row_texts(board: BoardApp):
    return [(r.code.text(), r.number.text()) for r in board.window.calls.rows if r.isVisibleTo(board.window)]


# --- the calls ---------------------------------------------------------------------------------

def test_a_call_is_on_the_board_within_100_ms_of_the_hub_event(hub, make_board, qtbot):
    admin = hub.client("admin")
    for w in range(1, 7):
        admin.window(w, "open")
    # enough cash tickets that windows 4 and 5 find one whichever topics windows 1-3 take
    # (norm-aware may call a cash ticket first at a window that serves both)
    for service in ("consult", "consult", "consult", "cash", "cash", "cash", "cash", "cash", "cash", "business"):
        admin.issue("demo", service, source="kiosk")
    board = make_board(hub.url, hub.board_key)
    shown = Shown(board)
    latencies = []
    for window in (1, 2, 3, 4, 5, 6):
        box = in_thread(admin.call_next, window)
        qtbot.waitUntil(lambda box=box: "result" in box, timeout=5000)
        call = box["result"]
        qtbot.waitUntil(lambda call=call: shown.has(call["code"]), timeout=2000)
        code, number, shown_at = shown.of(call["code"])[-1]
        assert number == str(window)
        latencies.append(shown_at - call["called_at"])           # from the hub's event time
        assert shown_at - box["returned"] < 0.1                   # from call-next returning
        assert (call["code"], str(window)) == row_texts(board)[0]  # on top of the board
        box["thread"].join()
    assert max(latencies) < 0.1, latencies
    assert min(latencies) > 0
    # the windows strip follows: a window's tile shows its ticket
    tiles = {t.head.text(): t.body.text() for t in board.window.windows.tiles if t.isVisibleTo(board.window)}
    assert tiles["Окно 3"] == board.state.windows[3].ticket_code


def test_announcements_queue_without_overlap_and_a_recall_repeats(hub, make_board, qtbot):
    admin = hub.client("admin")
    for w in (1, 2, 3):
        admin.window(w, "open")
    for _ in range(3):
        admin.issue("demo", "consult", source="kiosk")
    player = RecordingPlayer(speed=0.1)
    board = make_board(hub.url, hub.board_key, player=player)
    # three operators press «Вызвать» at the same moment
    boxes = [in_thread(admin.call_next, w) for w in (1, 2, 3)]
    for box in boxes:
        box["thread"].join()
    calls = {box["result"]["code"]: box["result"] for box in boxes}
    qtbot.waitUntil(lambda: len(board.window.calls.calls) == 3, timeout=3000)
    assert all(board.window.is_flashing(c["id"]) for c in calls.values())  # seen by those who can't hear
    qtbot.waitUntil(lambda: len(player.played) == 3, timeout=15_000)
    first = next(iter(calls.values()))
    # the first visitor did not come: the operator invites again
    in_thread(admin.act, first["id"], "recall")["thread"].join()
    qtbot.waitUntil(lambda: len(player.played) == 4, timeout=15_000)
    assert board.announcer.wait_idle(5)

    played = sorted(player.played, key=lambda p: p[1])
    assert player.max_playing == 1
    for (_, _, end), (_, start, _) in zip(played, played[1:], strict=False):
        assert start >= end, "two announcements overlapped"
    said = [(a.text, a.outcome) for a in board.announcer.history]
    texts = [t for t, outcome in said if outcome == "played"]
    assert len(texts) == 4
    assert sorted(texts[:3]) == sorted(f"Талон А {w}, пройдите к окну {n}" for w, n in (
        (_words(calls, c), _window_words(calls[c]["window_number"])) for c in calls))
    assert texts[3].startswith("Повторно приглашается талон")
    assert texts[3].endswith(f"к окну {_window_words(first['window_number'])}")
    assert board.window.is_flashing(first["id"])                  # the recall flashes again
    assert row_texts(board)[0] == (first["code"], str(first["window_number"]))


WORDS = {1: "один", 2: "два", 3: "три"}


def _words(calls, code):
    return WORDS[int(code.split("-")[1])]


def _window_words(n):
    return WORDS[int(n)]


def test_phrases_are_rendered_ahead_for_waiting_tickets(hub, make_board, qtbot):
    admin = hub.client("admin")
    admin.window(4, "open")
    admin.window(5, "open")
    board = make_board(hub.url, hub.board_key)
    ticket = admin.issue("demo", "cash", source="kiosk")
    phrases = [f"Талон Бэ {WORDS[ticket['number']]}, пройдите к окну {n}" for n in ("четыре", "пять")]
    qtbot.waitUntil(lambda: all(board.voice.cached(p) for p in phrases), timeout=10_000)
    calls_before = board.voice.engine_calls
    box = in_thread(admin.call_next, 4)
    box["thread"].join()
    qtbot.waitUntil(lambda: any(a.outcome == "played" for a in board.announcer.history), timeout=10_000)
    # the call's phrase was ready; only the recall phrase (rendered just in case) is new
    recall = f"Повторно приглашается талон Бэ {WORDS[ticket['number']]}, пройдите, пожалуйста, к окну четыре"
    qtbot.waitUntil(lambda: board.voice.cached(recall) is not None, timeout=10_000)
    assert board.voice.engine_calls - calls_before <= 1


# --- resilience --------------------------------------------------------------------------------

def test_without_a_sound_device_calls_are_shown_and_the_fault_reported(hub, make_board, qtbot, caplog):
    caplog.set_level(logging.INFO)
    admin = hub.client("admin")
    admin.window(1, "open")
    admin.issue("demo", "consult", source="kiosk")
    incidents = []
    watch = EventStream(hub.url, "demo", admin.token,
                        lambda e: incidents.append(e) if e.type.startswith("incident.") else None).start()
    try:
        no_outputs = lambda: []  # noqa: E731 - a PC whose speakers are unplugged
        board = make_board(hub.url, hub.board_key, player=QtPlayer(audio_outputs=no_outputs),
                           audio_outputs=no_outputs)
        shown = Shown(board)
        call = admin.call_next(1)
        qtbot.waitUntil(lambda: shown.has(call["code"]), timeout=3000)
        assert row_texts(board)[0] == (call["code"], "1")
        qtbot.waitUntil(lambda: any(a.code == call["code"] and a.outcome == "no-sound"
                                    for a in board.announcer.history), timeout=10_000)
        assert board.window.is_flashing(call["id"])
        assert not board.sound_ok
        assert SOUND_NOTE in board.window.visible_texts()
        qtbot.waitUntil(lambda: any(e.type == "incident.opened" for e in incidents), timeout=10_000)
    finally:
        watch.stop()
    opened = [e for e in incidents if e.type == "incident.opened"]
    assert len(opened) == 1 and opened[0].data["kind"] == "sound"
    assert "звук" in opened[0].data["detail"]
    devices = {d["kind"]: d for d in admin.get("/api/v1/offices/demo/devices")}
    assert devices["board"]["status"]["sound"]["state"] == "no_device"
    assert devices["board"]["online"]
    assert any("SOUND FAULT" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    # the next call is shown too, and the hub is not told twice
    admin.issue("demo", "consult", source="kiosk")
    admin.act(call["id"], "start")
    admin.act(call["id"], "finish")
    second = admin.call_next(1)
    qtbot.waitUntil(lambda: shown.has(second["code"]), timeout=3000)
    qtbot.wait(300)
    assert len([e for e in incidents if e.type == "incident.opened"]) == 1


class FlakySoundCard(RecordingPlayer):
    """Unplugged for the first ``failures`` announcements, then plugged in."""

    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures

    def play(self, wav, volume):
        if self.failures > 0:
            self.failures -= 1
            raise NoSoundDevice("no audio output device")
        super().play(wav, volume)


def test_when_sound_comes_back_the_incident_is_closed(hub, make_board, qtbot):
    admin = hub.client("admin")
    admin.window(1, "open")
    admin.window(2, "open")
    for _ in range(2):
        admin.issue("demo", "consult", source="kiosk")
    incidents = []
    watch = EventStream(hub.url, "demo", admin.token,
                        lambda e: incidents.append(e.type) if e.type.startswith("incident.") else None).start()
    try:
        board = make_board(hub.url, hub.board_key, player=FlakySoundCard(failures=1))
        admin.call_next(1)
        qtbot.waitUntil(lambda: incidents == ["incident.opened"], timeout=10_000)
        assert SOUND_NOTE in board.window.visible_texts()
        admin.call_next(2)
        qtbot.waitUntil(lambda: incidents == ["incident.opened", "incident.closed"], timeout=10_000)
    finally:
        watch.stop()
    assert board.sound_ok
    assert SOUND_NOTE not in board.window.visible_texts()
    devices = {d["kind"]: d for d in admin.get("/api/v1/offices/demo/devices")}
    assert devices["board"]["status"]["sound"]["state"] == "ok"


def test_after_a_drop_it_shows_what_it_missed_and_does_not_announce_old_calls(hub, make_board, qtbot):
    admin = hub.client("admin")
    for w in (1, 2, 3):
        admin.window(w, "open")
    for _ in range(4):
        admin.issue("demo", "consult", source="kiosk")
    cable = CablePuller(hub.port)
    player = RecordingPlayer()
    try:
        board = make_board(cable.url, hub.board_key, player=player, reconnect_delay=0.3)
        shown = Shown(board)
        cable.cut()
        qtbot.waitUntil(lambda: not board.connected, timeout=5000)
        # while the board is away: two calls, one of them already finished, and time passes
        missed = [admin.call_next(1), admin.call_next(2)]
        admin.act(missed[0]["id"], "start")
        admin.act(missed[0]["id"], "finish")
        admin.post("/api/v1/testing/clock", {"advance": 120})
        last_seq = hub.client(token=hub.board_key).state("demo")["seq"]
        qtbot.waitUntil(lambda: "Нет связи с сервером очереди" in " ".join(board.window.visible_texts()),
                        timeout=6000)
        cable.mend()
        qtbot.waitUntil(lambda: board.connected and board.state.seq >= last_seq, timeout=10_000)
        qtbot.waitUntil(lambda: shown.has(missed[1]["code"]), timeout=3000)
        # shown: the call still open on the board, the finished one among the recent calls
        assert row_texts(board)[0] == (missed[1]["code"], "2")
        assert missed[0]["code"] in [c.code for c in board.state.recent_calls()]
        assert not board.window.is_flashing(missed[1]["id"])
        assert "Нет связи с сервером очереди" not in " ".join(board.window.visible_texts())
        assert board.announcer.wait_idle(5)
        assert player.played == []
        outcomes = {a.code: a.outcome for a in board.announcer.history}
        assert outcomes == {missed[0]["code"]: "stale", missed[1]["code"]: "stale"}
        # a call made now is flashed and announced as usual
        box = in_thread(admin.call_next, 3)
        box["thread"].join()
        fresh = box["result"]
        qtbot.waitUntil(lambda: shown.has(fresh["code"]), timeout=3000)
        assert board.window.is_flashing(fresh["id"])
        qtbot.waitUntil(lambda: len(player.played) == 1, timeout=10_000)
        # nothing came twice: the stream resumed after the last event it had (Last-Event-ID)
        assert len(shown.of(missed[1]["code"])) == 1
        assert board.state.seq == hub.client(token=hub.board_key).state("demo")["seq"]
    finally:
        cable.close()


def test_hall_texts_follow_the_administrator(hub, make_board, qtbot):
    admin = hub.client("admin")
    board = make_board(hub.url, hub.board_key)
    assert board.window.info.slides[0].startswith("Передать показания")
    hall = hub.client("hall")
    hall.request("PUT", "/api/v1/offices/demo/texts", json={
        "ticker": "Приём показаний продлён до 25 числа.\nОплатить можно в кассе и в приложении.",
        "recording": "В зале ведётся видеозапись"})
    qtbot.waitUntil(lambda: board.window.info.slides[:2] == [
        "Приём показаний продлён до 25 числа.", "Оплатить можно в кассе и в приложении."], timeout=5000)
    assert board.window.info.text.text() == "Приём показаний продлён до 25 числа."
    assert board.window.footer.recording.text() == "● В зале ведётся видеозапись"
    board.window.info.next_slide()
    assert board.window.info.text.text() == "Оплатить можно в кассе и в приложении."
    assert admin.token


def test_the_board_shows_codes_and_window_numbers_never_names(hub, make_board, qtbot):
    admin = hub.client("admin")
    operator = hub.client()
    operator.login("op1", pin=DEMO_PINS["op1"])
    me = operator.me()
    admin.window(1, "open")
    for _ in range(3):
        admin.issue("demo", "consult", source="kiosk")
    board = make_board(hub.url, hub.board_key)
    shown = Shown(board)
    call = operator.call_next(1)
    qtbot.waitUntil(lambda: shown.has(call["code"]), timeout=3000)
    texts = " ".join(board.window.visible_texts())
    assert call["code"] in texts
    for secret in OPERATOR_NAMES + [me.get("name") or "", "op1", call["token"], "Петрова", "Николаев"]:
        if secret:
            assert secret not in texts
    hidden = " ".join(label.text() for label in board.window.findChildren(QLabel))
    assert all(name not in hidden for name in OPERATOR_NAMES)


# --- layouts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size,mode,min_code_px", [((1920, 1080), LANDSCAPE, 100), ((1080, 1920), PORTRAIT, 110)])
def test_layouts_fit_the_screen_with_large_codes(hub, make_board, qtbot, size, mode, min_code_px):
    admin = hub.client("admin")
    for w in range(1, 7):
        admin.window(w, "open")
    admin.window(6, "close")
    admin.window(5, "pause", reason="lunch")
    for _ in range(5):
        admin.issue("demo", "consult", source="kiosk")
    board = make_board(hub.url, hub.board_key, size=size)
    shown = Shown(board)
    codes = [admin.call_next(w)["code"] for w in (1, 2, 3)]
    qtbot.waitUntil(lambda: all(shown.of(c) for c in codes), timeout=3000)
    window = board.window
    assert window.mode == mode and (window.width(), window.height()) == size
    image = window.grab()
    assert (image.width(), image.height()) == size
    rows = [r for r in window.calls.rows if r.isVisibleTo(window)]
    assert [r.code.text() for r in rows] == codes[::-1]
    for row in rows:
        assert row.code.font().pixelSize() >= min_code_px
        # the code and the window number are drawn whole, inside the screen
        for label in (row.code, row.number):
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
            box = label.geometry().translated(label.parentWidget().mapTo(window, label.parentWidget().rect().topLeft()))
            assert window.rect().contains(box)
    parts = [window.header, window.calls, window.windows, window.info, window.footer]
    for part in parts + [window.recent, window.waiting]:
        assert part.isVisibleTo(window)
        assert window.rect().contains(part.geometry()), part.objectName()
    for a in parts:
        for b in parts:
            if a is not b:
                assert not a.geometry().intersects(b.geometry()), (a.objectName(), b.objectName())
    tiles = {t.head.text(): t.body.text() for t in window.windows.tiles if t.isVisibleTo(window)}
    assert tiles["Окно 6"] == "закрыто" and tiles["Окно 5"] == "перерыв" and tiles["Окно 4"] == "свободно"
    assert tiles["Окно 1"] == codes[0]
    texts = window.visible_texts()
    assert "● Ведётся аудио- и видеозапись" in texts
    assert any(t.startswith("Часы работы: ") for t in texts)
    assert window.header.time.text() and window.header.date.text()


def test_a_hub_restored_from_a_backup_is_followed_again(hub, make_board, qtbot, tmp_path):
    """The hub's log went back (restored from yesterday evening's copy): the board reloads."""
    import shutil

    from support import HubProcess

    admin = hub.client("admin")
    admin.window(1, "open")
    for _ in range(4):
        admin.issue("demo", "consult", source="kiosk")
    hub.stop()
    backup = tmp_path / "backup"
    backup.mkdir()
    for f in hub.db.parent.glob(hub.db.name + "*"):
        shutil.copy2(f, backup / f.name)
    again = HubProcess(hub.db, port=hub.port).start()
    try:
        board = make_board(hub.url, hub.board_key, resync_s=0.5, reconnect_delay=0.2)
        admin = again.client("admin")
        first = admin.call_next(1)
        admin.act(first["id"], "start")
        admin.act(first["id"], "finish")
        admin.call_next(1)
        seq_before = again.client(token=hub.board_key).state("demo")["seq"]
        qtbot.waitUntil(lambda: board.state.seq >= seq_before, timeout=5000)
        again.stop()
        for f in backup.iterdir():
            shutil.copy2(f, hub.db.parent / f.name)
        again = HubProcess(hub.db, port=hub.port).start()
        admin = again.client("admin")
        restored = admin.call_next(1)      # the backup did not know the calls above
        assert restored["code"] == first["code"]
        hub_seq = again.client(token=hub.board_key).state("demo")["seq"]
        assert hub_seq < seq_before
        qtbot.waitUntil(lambda: row_texts(board) == [(restored["code"], "1")] and board.state.seq == hub_seq,
                        timeout=10_000)
        # and it follows the restored hub's events from there on
        shown = Shown(board)
        admin.act(restored["id"], "recall")
        qtbot.waitUntil(lambda: shown.has(restored["code"]), timeout=5000)
        assert board.window.is_flashing(restored["id"])
    finally:
        again.stop()


def test_talon_board_command(hub, tmp_path):
    """``talon board --hub URL --key KEY --portrait`` as the installer runs it (with --screenshot to end)."""
    import subprocess
    import sys

    from PySide6.QtGui import QColor, QImage
    from support import ROOT

    admin = hub.client("admin")
    admin.window(2, "open")
    admin.issue("demo", "consult", source="kiosk")
    call = admin.call_next(2)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    png = tmp_path / "board.png"
    done = subprocess.run([sys.executable, "-m", "server.cli", "board", "--hub", hub.url, "--key", hub.board_key,
                           "--portrait", "--screenshot", str(png)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "board of office demo shows 1 calls" in done.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1080, 1920)
    # the newest call's row is highlighted across the screen (a band over 100 px high)
    band = [y for y in range(0, 800) if image.pixelColor(760, y) == QColor("#13294A")]
    assert len(band) > 100, "no call row on the board"
    refused = subprocess.run([sys.executable, "-m", "server.cli", "board", "--hub", hub.url], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "ключ табло" in refused.stderr
    assert call["code"]


def test_a_board_pairs_with_the_code_from_the_stand_and_keeps_its_key(hub, tmp_path):
    """``talon board --hub URL --pair CODE`` once; afterwards ``talon board --hub URL`` alone."""
    import subprocess
    import sys

    from support import ROOT

    admin = hub.client("admin")
    code = admin.post("/api/v1/offices/demo/devices", {"kind": "board", "name": "Табло у касс"})["pairing_code"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}

    def board(*args):
        return subprocess.run([sys.executable, "-m", "server.cli", "board", "--hub", hub.url, *args,
                               "--screenshot", str(tmp_path / "b.png")], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)

    first = board("--pair", code)
    assert first.returncode == 0, first.stderr[-2000:]
    key_file = tmp_path / "config" / "talon" / "board.key"
    key = key_file.read_text(encoding="utf-8").strip()
    me = hub.client(token=key).me()
    assert "board" in me["roles"]
    again = board()                                   # no code, no key: the kept key is used
    assert again.returncode == 0, again.stderr[-2000:]
    used = board("--pair", code)                      # a code works once
    assert used.returncode == 2 and "Привязать табло не удалось" in used.stderr
    kiosk_code = admin.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": "Второй киоск"})["pairing_code"]
    wrong = board("--pair", kiosk_code, "--key-file", str(tmp_path / "other.key"))
    assert wrong.returncode == 2 and "не для табло" in wrong.stderr
    assert not (tmp_path / "other.key").exists()


def test_outside_hours_the_board_says_when_the_office_opens(qtbot):
    """The widgets alone, fed the snapshot a closed office's hub gives in the evening."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from display_board.board import BoardWindow
    from display_board.state import BoardState
    from server.demo import demo_definition

    office = demo_definition(round_the_clock=False)
    snap = {"seq": 1, "day": "2026-11-23", "open": False, "opens_at": "2026-11-24T08:00:00+03:00",
            "office": {"name": office["office"]["name"], "texts": office["office"]["texts"]},
            "schedule": office["office"]["schedule"],
            "services": [{"id": s["id"], "letter": s["letter"], "name": s["name"], "order": s["order"]}
                         for s in office["services"]],
            "windows": [{"id": i, "number": w["number"], "state": "closed", "services": w["services"]}
                        for i, w in enumerate(office["windows"], 1)],
            "waiting": [], "calls": []}
    state = BoardState()
    state.load_snapshot(snap)
    window = BoardWindow()
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    window.set_clock(datetime(2026, 11, 23, 20, 40, tzinfo=ZoneInfo("Europe/Moscow")))
    window.show_state(state)
    texts = window.visible_texts()
    assert "Приём закрыт\nОткроемся завтра в 8:00" in texts
    assert ("Часы работы: понедельник – пятница: 8:00–20:00, перерыв 13:00–14:00; суббота: 9:00–15:00; "
            "воскресенье — выходной") in texts
    assert [t.body.text() for t in window.windows.tiles] == ["закрыто"] * 6
    assert "понедельник, 23 ноября" in texts and "20:40" in texts
