"""The hall board with its announcer (``talon board``, the command: display_board/command.py).

The board is a thin client (DESIGN §2): the hub's snapshot and event stream, through
``hub_client`` only, make a ``BoardState``; the ``BoardWindow`` shows it; the ``Announcer``
(display_board/announcer.py) says the calls. Threads:

* the **GUI thread** owns the state, the widgets and the Qt sound player;
* the **event stream** thread (``hub_client.EventStream``, through ``hub_client.qt.HubBridge``)
  puts events in the bridge's inbox and wakes the GUI thread; the GUI thread applies everything
  waiting at once, so a burst (a replay after a reconnect) is drawn once, and a single call is
  on screen within a few milliseconds of arriving;
* one **hub worker** thread (the bridge's pool, one thread: the calls run in order) makes the
  HTTP calls (snapshot, heartbeat every 30 s, sound incidents), so the screen never waits on
  the network;
* the announcer's and the voice's own threads (speech is rendered ahead, see docs/board.md).

Resilience: with no sound device the board keeps showing and flashing calls, logs the fault,
tells the hall to watch the board, and reports a «sound» incident to the hub (closed again
when sound comes back). After a drop the stream reconnects with ``Last-Event-ID``; the events
it missed are applied (the calls appear, the recent list fills in) but calls older than
``max_age_s`` are neither flashed nor announced. Ages are measured on the **hub's** clock
(estimated from every heartbeat), so a board PC with a wrong clock neither repeats old calls
nor stays silent.

``BoardApp`` is put together from its parts: ``sound_watch.py`` (the heartbeat, sound faults and
the «sound» incident) and ``phrases_ahead.py`` (speech rendered ahead); this module holds the
hub's snapshot, the event stream and the calls shown and announced. The window is
``board.py`` (its parts in ``panels.py``), the picture of the hall ``state.py``.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hub_client import EventStream, HubClient, HubError, HubEvent, HubUnavailable
from hub_client.qt import HubBridge

from .announcer import Announcer, AnnouncerSettings, Player, QtPlayer, SilentPlayer
from .board import FLASH_S, BoardWindow
from .phrases_ahead import PhrasesAhead
from .sound_watch import SOUND_NOTE, SoundWatch  # noqa: F401 (SOUND_NOTE: the note the tests look for)
from .state import BoardState, CallNews, Update, office_zone
from .voice import Voice

log = logging.getLogger(__name__)

HEARTBEAT_S = 30.0
RESYNC_S = 60.0          # the office's texts, hours and «open» flag are fetched again this often
RETRY_S = 3.0            # first connection: try again this often
OFFLINE_NOTE_AFTER_S = 3.0
PREPARE_PER_WINDOW = 5   # when a window opens: its first waiting tickets

OFFLINE_NOTE = "Нет связи с сервером очереди — табло обновится само, как только связь вернётся"


class HubClock:
    """The hub's time as seen from this PC: its own clock plus the offset of the last sync."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.synced = False

    def now(self) -> float:
        return time.time() + self.offset

    def sync(self, hub_now: float, sent: float, received: float) -> None:
        offset = float(hub_now) - (sent + received) / 2
        if self.synced and abs(offset - self.offset) > 2:
            log.info("hub clock moved by %+.1f s against this computer", offset - self.offset)
        self.offset = offset
        self.synced = True


class BoardApp(SoundWatch, PhrasesAhead, QObject):
    """Connects the hub, the state, the window and the announcer. Create after QApplication."""

    loaded = Signal()                      # the first snapshot is on the board
    events_applied = Signal(int)           # the state now reflects this event seq
    sound_changed = Signal(bool)           # sound works / has failed
    _announced = Signal(object)
    _prepared = Signal()

    def __init__(self, hub_url: str, key: str, office: str | None = None, *,
                 orientation: str = "auto", show_waiting: bool = True, sound: bool = True,
                 player: Player | None = None, voice: Voice | None = None,
                 settings: AnnouncerSettings | None = None, cache_dir: Path | None = None,
                 audio_outputs: Callable[[], Sequence[Any]] | None = None,
                 heartbeat_s: float = HEARTBEAT_S, resync_s: float = RESYNC_S,
                 flash_s: float = FLASH_S, reconnect_delay: float = 1.0) -> None:
        super().__init__()
        self.hub_url = hub_url.rstrip("/")
        self.key = key
        self.office = office
        self.clock = HubClock()
        self.state = BoardState()
        self.window = BoardWindow(orientation=orientation, show_waiting=show_waiting, flash_s=flash_s)
        self.reconnect_delay = reconnect_delay
        self.connected = False
        self.latencies: deque[float] = deque(maxlen=1000)   # hub event → on screen, seconds
        # one worker: the heartbeat and the sound incident it reports run in order
        self.hub = HubBridge(self.hub_url, key, timeout=5.0, retries=1, workers=1, name="talon-board-hub",
                             parent=self)
        self._stream_client = HubClient(self.hub_url, token=key, timeout=2.0, retries=0)
        self._closed = False
        self._zone = office_zone({})
        self._zone_name: str | None = None

        # sound
        self.sound_enabled = sound
        self.voice = voice or Voice(cache_dir)
        if player is None:
            player = QtPlayer() if sound else SilentPlayer()
        self.player = player
        if audio_outputs is None and isinstance(player, QtPlayer):
            from PySide6.QtMultimedia import QMediaDevices
            audio_outputs = QMediaDevices.audioOutputs
            self._devices = QMediaDevices(self)
            self._devices.audioOutputsChanged.connect(self._check_sound_device)
        self._audio_outputs = audio_outputs
        self.announcer = Announcer(player, self.voice, settings, clock=self.clock.now,
                                   on_done=self._announced.emit)
        self.sound_ok = True
        self._sound_state: dict | None = {"state": "ok"} if sound else None
        self._incident_wanted = False      # a «sound» incident should be open at the hub
        self._incident_open = False        # … and the hub has been told so
        self._incident_detail = ""
        self._prep_queue: deque[tuple[str, int | str, bool, int | None]] = deque()
        self._prep_seen: set[tuple[str, str, bool]] = set()
        self._prep_busy = False

        self._announced.connect(self._on_announced)
        self._prepared.connect(self._on_prepared)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._tick)
        self._heartbeat_timer = QTimer(self)
        self._heartbeat_timer.setInterval(int(heartbeat_s * 1000))
        self._heartbeat_timer.timeout.connect(self._heartbeat)
        self._resync_timer = QTimer(self)
        self._resync_timer.setInterval(int(resync_s * 1000))
        self._resync_timer.timeout.connect(lambda: self._fetch("config"))
        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.setInterval(int(OFFLINE_NOTE_AFTER_S * 1000))
        self._offline_timer.timeout.connect(self._show_offline)

    def _show_offline(self) -> None:
        if not self._closed and not self.connected:
            self.window.set_note("connection", OFFLINE_NOTE)

    # --- life --------------------------------------------------------------------------------

    def start(self) -> BoardApp:
        self._tick()
        self._clock_timer.start()
        self._heartbeat_timer.start()
        self._resync_timer.start()
        self._check_sound_device()
        self._fetch("full")
        return self

    def stop(self) -> None:
        self._closed = True
        for timer in (self._clock_timer, self._heartbeat_timer, self._resync_timer, self._offline_timer):
            timer.stop()
        self.announcer.close()
        self.voice.close()
        # the stream stops; a hub call under way may finish before the window goes
        self.hub.close(wait=5.0)

    @property
    def stream(self) -> EventStream | None:
        """The office's event stream while the board follows it."""
        return self.hub.stream

    # --- the hub -----------------------------------------------------------------------------

    def _fetch(self, purpose: str) -> None:
        """Get the office's snapshot in the hub worker; ``purpose`` is «full», «config» or «reload»
        (the stream said the hub's log is another life of the file: load everything afresh).

        ``floor`` is the last event the board had applied when it asked: a snapshot that
        reflects less than that means the hub's log went back (restored from a backup).
        """
        floor = self.state.seq

        def call(client: HubClient) -> dict[str, Any]:
            if self.office is None:
                self.office = client.me()["office"]
            sent = time.time()
            snap: dict[str, Any] = client.state(self.office)
            self.clock.sync(snap["now"], sent, time.time())
            return snap
        self.hub.run(call, lambda snap: self._on_snapshot(snap, purpose, floor),
                     lambda exc: self._on_hub_failed(purpose, exc))

    def _on_hub_failed(self, purpose: str, exc: Exception) -> None:
        if self._closed:
            return
        if isinstance(exc, HubError) and exc.status in (401, 403):
            log.error("the hub does not accept this board's key (%s); ask the administrator for the "
                      "board key («ключ табло»)", exc.message)
            text = "Табло не подключено: сервер очереди не принял ключ табло"
            delay = 30.0
        else:
            log.warning("hub unavailable (%s: %s); trying again", type(exc).__name__, exc)
            text = "Подключение к серверу очереди…"
            delay = RETRY_S
        if purpose == "full" and not self.state.loaded:
            self.window.show_connecting(text)
            QTimer.singleShot(int(delay * 1000), self._retry_full)
        elif purpose == "reload":
            QTimer.singleShot(int(delay * 1000), lambda: self._closed or self._fetch("reload"))

    def _retry_full(self) -> None:
        if not self._closed and not self.state.loaded:
            self._fetch("full")

    def _on_snapshot(self, snap: dict, purpose: str, floor: int) -> None:
        if self._closed:
            return
        if purpose == "full" and not self.state.loaded:
            self._load(snap)
        elif purpose == "reload" or int(snap.get("seq") or 0) < floor:
            log.warning("the hub's event log is behind this board or another one (event %s, board at %s, "
                        "stream said reload: %s): the hub was restored from a backup or replaced; loading "
                        "its state afresh", snap.get("seq"), floor, purpose == "reload")
            self.hub.unfollow(wait=True)    # with the events of the log that is gone
            self.state = BoardState()
            self._load(snap)
        else:
            self.state.load_config(snap)
            self._set_zone()
            self.window.show_state(self.state)

    def _load(self, snap: dict) -> None:
        self.state.load_snapshot(snap)
        self._set_zone()
        self._tick()
        self.window.show_state(self.state)
        log.info("board of office %s shows %d calls, %d waiting (event %d)", self.office,
                 len(self.state.calls), len(self.state.waiting), self.state.seq)
        for tid, (service, code) in sorted(self.state.waiting.items())[:30]:
            self._prepare_ticket(tid, code, service, limit=2)
        self._start_stream(self.state.seq, snap.get("log"))
        self.loaded.emit()

    def _start_stream(self, last_seq: int, log_identity: str | None = None) -> None:
        if self.hub.following or self.office is None:
            return
        # on «reload» (the hub's log is another life of the file) the snapshot is read afresh
        self.hub.follow(self.office, last_seq, on_events=self._apply_events, on_status=self._on_stream_status,
                        on_reload=lambda: self._fetch("reload"), status_hook=self._sync_on_connect,
                        log_identity=log_identity, reconnect_delay=self.reconnect_delay)

    # stream thread ------------------------------------------------------------------------

    def _sync_on_connect(self, connected: bool) -> None:
        if connected:
            # Before the missed events are handed over: learn the hub's time, so that the calls
            # made while the board was away are judged by their real age.
            try:
                sent = time.time()
                answer = self._stream_client.heartbeat(**self._heartbeat_body())
                self.clock.sync(answer["now"], sent, time.time())
            except (HubError, HubUnavailable, KeyError, TypeError) as exc:
                log.warning("could not sync with the hub after connecting: %s", exc)

    # GUI thread ---------------------------------------------------------------------------

    def _on_stream_status(self, connected: bool) -> None:
        if self._closed:
            return
        was = self.connected
        self.connected = connected
        if connected:
            self._offline_timer.stop()
            self.window.set_note("connection", None)
            if not was:
                log.info("event stream connected (after event %s)", self.stream.last_event_id if self.stream else "?")
        else:
            log.warning("event stream lost; reconnecting with Last-Event-ID %s",
                        self.stream.last_event_id if self.stream else "?")
            if not self._offline_timer.isActive():
                self._offline_timer.start()

    def _apply_events(self, events: list[HubEvent]) -> None:
        if not events or self._closed:
            return
        update = Update()
        for event in events:
            update.merge(self.state.apply(event))
        if update.changed or update.news:
            self.window.show_state(self.state)
        if update.news:
            self._show_and_announce(update.news)
        if update.config_changed:
            self._fetch("config")
        for tid, code, service in update.issued:
            self._prepare_ticket(tid, code, service)
        for wid in update.windows_opened:
            window = self.state.windows.get(wid)
            if window is not None:
                for tid, code in self.state.waiting_for_window(wid, PREPARE_PER_WINDOW):
                    self._queue_prepare(code, window.number, False, tid)
        self.events_applied.emit(self.state.seq)

    def _show_and_announce(self, news: list[CallNews]) -> None:
        now = self.clock.now()
        max_age = self.announcer.settings.max_age_s
        fresh = [n for n in news if now - n.at <= max_age]
        old = [n for n in news if now - n.at > max_age]
        if fresh:
            self.window.show_news(fresh, flash=True)
        if old:
            log.info("%d calls made while the board was away are shown, not announced: %s", len(old),
                     ", ".join(f"{n.call.code}→{n.call.window_label}" for n in old))
            self.window.show_news(old, flash=False)
        shown = self.clock.now()
        for n in fresh:
            self.latencies.append(shown - n.at)
        for n in news:
            # The announcer itself drops calls older than max_age_s (and records them as «stale»).
            said = self.announcer.announce(n.call.code, n.call.window, recall=n.recall, called_at=n.at)
            if said and not n.recall and self.sound_enabled:
                self._queue_prepare(n.call.code, n.call.window, True, None)

    def _tick(self) -> None:
        self.window.set_clock(datetime.fromtimestamp(self.clock.now(), self._zone))

    def _set_zone(self) -> None:
        name = (self.state.schedule or {}).get("tz")
        if name != self._zone_name:
            self._zone_name = name
            self._zone = office_zone(self.state.schedule)



def main(argv: Sequence[str] | None = None) -> int:
    """``talon board``: see display_board/command.py."""
    from .command import main as run
    return run(argv)
