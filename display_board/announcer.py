"""The hall's announcement queue: chime + «Талон А двенадцать, пройдите к окну три».

``Announcer.announce(code, window)`` returns at once; a worker thread says the calls one
after another, each only when the previous one has finished playing, so two operators
pressing «Вызвать» together are heard one after the other, never on top of each other.

* A **recall** (``recall=True``) is always said again — even right after the call — with the
  polite recall phrase, ``recall_repeat`` times in a row.
* A call older than ``max_age_s`` (by the event's own time, e.g. replayed after the board
  reconnects to the hub) is **not announced at all**, neither when it arrives nor when its
  turn comes after a long queue: the visitor has long gone to the window, and reading out a
  stale call would send somebody else there.
* **Sound is best effort.** No sound card, no speech engine, a broken file: the fault is
  logged once, the queue moves on, and the board keeps showing (and flashing) the calls.

The ``Player`` is the edge of the machine: ``play(wav, volume)`` blocks until the file has
been played. ``QtPlayer`` is the real one (QMediaPlayer + QAudioOutput — QSoundEffect errors
without a sound device, QMediaPlayer does not, DESIGN §9); tests use fakes.
"""
from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from . import chime, speech
from .voice import wav_duration

log = logging.getLogger(__name__)


# --- settings and records ------------------------------------------------------------------

@dataclass(frozen=True)
class AnnouncerSettings:
    """What the administrator can tune for the hall's sound (see ``Announcer.settings``)."""

    volume: float = 0.8                       # 0…1, as the volume slider shows it
    repeat: int = 1                           # times the phrase of a call is said
    # A recall is itself the repetition (the hall hears the ticket a second time, in the
    # recall wording). Said twice more it would hold the other windows' calls back ~13 s.
    recall_repeat: int = 1                    # times the phrase of a recall is said
    template: str = speech.CALL_TEMPLATE
    recall_template: str = speech.RECALL_TEMPLATE
    max_age_s: float = 60.0                   # older calls are not announced
    chime: bool = True                        # the attention chime before the phrase
    gap_s: float = 0.4                        # silence between chime and phrases

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.volume) <= 1.0:
            raise ValueError(f"volume must be within 0…1, not {self.volume}")
        for name in ("repeat", "recall_repeat"):
            if not 1 <= int(getattr(self, name)) <= 5:
                raise ValueError(f"{name} must be 1…5, not {getattr(self, name)}")
        if self.max_age_s <= 0 or self.gap_s < 0:
            raise ValueError("max_age_s must be positive and gap_s not negative")
        speech.check_template(self.template)
        speech.check_template(self.recall_template)


@dataclass
class Announcement:
    """One call as the announcer handled it (kept in ``Announcer.history``)."""

    code: str
    window: int | str
    recall: bool
    called_at: float                          # the event's time, seconds since the epoch
    text: str | None = None
    wav: Path | None = None
    outcome: str = "queued"                   # played | stale | unreadable | silent | no-sound | player-error
    queued_at: float = field(default_factory=time.perf_counter)
    started_at: float | None = None           # perf_counter when handed to the player
    finished_at: float | None = None


# --- players -------------------------------------------------------------------------------

class PlaybackError(RuntimeError):
    """The WAV could not be played."""


class NoSoundDevice(PlaybackError):
    """The machine has no audio output (the board still shows the calls)."""


class Player(Protocol):
    def play(self, wav: Path, volume: float) -> None:
        """Play ``wav`` at ``volume`` (0…1) and return when it has finished.

        Called from the announcer's thread, never from the GUI thread. Raises
        ``PlaybackError`` (``NoSoundDevice``) when it could not play.
        """


class SilentPlayer:
    """A board whose sound is switched off: nothing is played, nothing is waited for."""

    def play(self, wav: Path, volume: float) -> None:
        log.debug("sound is off: not playing %s", Path(wav).name)


@lru_cache(maxsize=1)
def _bridge_type() -> type:
    from PySide6.QtCore import QObject, Slot

    class _Bridge(QObject):
        """Lives in the GUI thread; runs play/stop requests from the announcer's thread there.

        The requests come through ``QMetaObject.invokeMethod`` with no arguments (the
        arguments wait on the Python side), not through a custom ``Signal``: in PySide6 6.12
        every ``Signal.emit()`` drops a reference to ``True`` and ``QTimer.singleShot`` /
        ``postEvent`` from a thread drop one to ``None``; a board that announces a few hundred
        calls would abort with "Fatal Python error: bool_dealloc". ``invokeMethod`` is clean.
        """

        def __init__(self, on_start: Callable[[], None], on_stop: Callable[[], None]):
            super().__init__()
            self._on_start, self._on_stop = on_start, on_stop

        @Slot()
        def start(self) -> None:
            self._on_start()

        @Slot()
        def stop(self) -> None:
            self._on_stop()

    return _Bridge


def _invoke(target: Any, slot: str) -> None:
    """Run ``target.slot()`` in the thread ``target`` lives in (queued)."""
    from PySide6.QtCore import QMetaObject, Qt

    QMetaObject.invokeMethod(target, slot, Qt.ConnectionType.QueuedConnection)


class QtPlayer:
    """Plays WAVs through Qt Multimedia (``QMediaPlayer`` + ``QAudioOutput``).

    Create it in the GUI thread, after the ``QApplication``; the GUI thread must run its event
    loop. ``play`` (from the announcer's thread) hands the file to the GUI thread and waits
    for the end of the media, at most the file's length plus ``margin_s``.

    With ``require_device`` (the default) a machine with no audio output raises
    ``NoSoundDevice`` at once instead of "playing" into nothing; the default output device is
    looked up for every file, so a speaker plugged in later is used. ``on_started`` is called
    in the GUI thread when sound starts (e.g. to flash the board in step with the voice).
    """

    def __init__(self, *, require_device: bool = True,
                 audio_outputs: Callable[[], Sequence[Any]] | None = None,
                 on_started: Callable[[], None] | None = None, margin_s: float = 3.0) -> None:
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        self._require_device = require_device
        self._audio_outputs = audio_outputs or QMediaDevices.audioOutputs
        self._on_started = on_started
        self._margin_s = margin_s
        self._bridge = _bridge_type()(self._start, self._stop)
        self._player = QMediaPlayer(self._bridge)
        self._output = QAudioOutput(self._bridge)
        self._player.setAudioOutput(self._output)
        self._player.mediaStatusChanged.connect(self._on_status)
        self._player.errorOccurred.connect(self._on_error)
        self._player.playbackStateChanged.connect(self._on_state)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._token = 0
        self._request: tuple[str, float, int] | None = None
        self._error: PlaybackError | None = None
        self.last_started_at: float | None = None  # perf_counter of the last start of sound

    def play(self, wav: Path, volume: float) -> None:
        from PySide6.QtCore import QThread

        if QThread.currentThread() is self._bridge.thread():
            raise RuntimeError("QtPlayer.play blocks until the end: call it from a worker thread")
        wav = Path(wav)
        try:
            limit = wav_duration(wav) + self._margin_s
        except Exception as exc:  # noqa: BLE001
            raise PlaybackError(f"not a playable WAV: {wav} ({exc})") from exc
        with self._lock:
            self._token += 1
            self._request = (str(wav.resolve()), float(volume), self._token)
            self._error = None
            self._done.clear()
        _invoke(self._bridge, "start")
        if not self._done.wait(limit):
            _invoke(self._bridge, "stop")
            raise PlaybackError(f"{wav.name} did not finish playing within {limit:.1f} s "
                                "(is the GUI event loop running?)")
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Cut the current announcement short (any thread); its ``play`` returns normally."""
        _invoke(self._bridge, "stop")

    # GUI thread from here on.
    def _start(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QMediaDevices, QtAudio

        with self._lock:
            request, self._request = self._request, None
        if request is None or request[2] != self._token:
            return
        path, volume, token = request
        if not list(self._audio_outputs()):
            if self._require_device:
                self._finish(token, NoSoundDevice("no audio output device"))
                return
        else:
            device = QMediaDevices.defaultAudioOutput()
            if not device.isNull() and device != self._output.device():
                self._output.setDevice(device)
        # The setting is what a volume slider shows; the sound card wants a linear gain.
        self._output.setVolume(QtAudio.convertVolume(
            max(0.0, min(1.0, volume)), QtAudio.VolumeScale.LogarithmicVolumeScale,
            QtAudio.VolumeScale.LinearVolumeScale))
        self._player.setSource(QUrl())  # so that the same file twice is played twice
        self._player.setSource(QUrl.fromLocalFile(path))
        self._player.play()

    def _stop(self) -> None:
        self._player.stop()
        self._finish(self._token, None)

    def _on_status(self, status: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._finish(self._token, None)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._finish(self._token, PlaybackError(f"invalid media: {self._player.source().toLocalFile()}"))

    def _on_error(self, error: Any, message: str) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if error != QMediaPlayer.Error.NoError:
            self._finish(self._token, PlaybackError(message or str(error)))

    def _on_state(self, state: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if state == QMediaPlayer.PlaybackState.PlayingState:
            self.last_started_at = time.perf_counter()
            if self._on_started is not None:
                self._on_started()

    def _finish(self, token: int, error: PlaybackError | None) -> None:
        with self._lock:
            if token == self._token and not self._done.is_set():
                self._error = error
                self._done.set()


# --- the announcer -------------------------------------------------------------------------

class Announcer:
    """Queues calls and says them one at a time through ``player``.

    ``voice`` renders phrases (``display_board.voice.Voice``); ``settings`` may be replaced
    at any time (``update_settings``): the next announcement uses the new values. ``clock``
    gives seconds since the epoch, like the events' times. ``on_done`` is called (in the
    announcer's thread) with each ``Announcement`` once it has been handled.
    """

    def __init__(self, player: Player, voice: Any, settings: AnnouncerSettings | None = None, *,
                 clock: Callable[[], float] = time.time,
                 on_done: Callable[[Announcement], None] | None = None,
                 history_size: int = 200) -> None:
        self.player = player
        self.voice = voice
        self.settings = settings or AnnouncerSettings()
        self.history: deque[Announcement] = deque(maxlen=history_size)
        self._clock = clock
        self._on_done = on_done
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._unfinished = 0
        self._waiting: set[tuple[str, str]] = set()  # calls (not recalls) queued, for de-duplication
        self._seen: deque[tuple] = deque(maxlen=500)  # recent events, so a replayed one is said once
        self._chime: Path | None = None
        self._chime_failed = False
        self._sound_ok = True
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="talon-announcer", daemon=True)
        self._worker.start()

    # --- public ---------------------------------------------------------------------------

    def announce(self, code: str, window: int | str, recall: bool = False, *,
                 called_at: float | datetime | None = None) -> bool:
        """Queue the call of ``code`` to ``window``; False when it is not going to be said.

        ``called_at`` is the time of the call event (seconds since the epoch or an aware
        ``datetime``); None means now. A call equal to one already waiting is not queued twice,
        and neither is the same event (same code, window, kind and ``called_at``) seen again,
        as happens when the board replays missed events after a reconnect.
        """
        item = Announcement(str(code), window, bool(recall), _epoch(called_at, self._clock))
        if self._closed:
            return False
        if self._is_stale(item):
            self._record(item)
            return False
        key = (item.code, str(item.window))
        event = (item.code, str(item.window), item.recall, item.called_at)
        with self._idle:
            if called_at is not None:
                if event in self._seen:
                    log.debug("%s to window %s: this event was announced already", *key)
                    return False
                self._seen.append(event)
            if not item.recall:
                if key in self._waiting:
                    log.debug("%s to window %s is already waiting to be announced", *key)
                    return False
                self._waiting.add(key)
            self._unfinished += 1
        self._queue.put(item)
        self.prepare(item.code, item.window, item.recall)  # render while the hall hears the previous one
        return True

    def prepare(self, code: str, window: int | str, recall: bool = False) -> Future | None:
        """Render the phrase ahead of time (e.g. for the next waiting tickets)."""
        try:
            text = self._phrase(code, window, recall, self.settings)
        except ValueError:
            return None
        return self.voice.prepare(text)

    def update_settings(self, **changes: Any) -> AnnouncerSettings:
        self.settings = dataclasses.replace(self.settings, **changes)
        return self.settings

    @property
    def pending(self) -> int:
        """Announcements queued or being played."""
        with self._idle:
            return self._unfinished

    @property
    def sound_ok(self) -> bool:
        """False since the last playback failed (e.g. no sound card), until one succeeds."""
        return self._sound_ok

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been handled; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def close(self, timeout: float = 1.0) -> None:
        """Stop after the announcement being played; what is still queued is dropped."""
        self._closed = True
        self._queue.put(None)
        self._worker.join(timeout)

    # --- the worker -------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if not item.recall:
                with self._idle:
                    self._waiting.discard((item.code, str(item.window)))
            try:
                if not self._closed:
                    self._handle(item)
            except Exception:  # noqa: BLE001 - one bad call must not silence the hall
                item.outcome = "player-error"
                log.exception("announcing %s to window %s failed", item.code, item.window)
            finally:
                self._record(item)
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()

    def _handle(self, item: Announcement) -> None:
        settings = self.settings
        if self._is_stale(item):
            return
        try:
            item.text = self._phrase(item.code, item.window, item.recall, settings)
        except ValueError as exc:
            item.outcome = "unreadable"
            log.error("can not read aloud the call of %r to window %r: %s", item.code, item.window, exc)
            return
        item.wav = self._build(item.text, settings.recall_repeat if item.recall else settings.repeat,
                               settings)
        if item.wav is None:
            item.outcome = "silent"
            log.warning("nothing to play for %s to window %s", item.code, item.window)
            return
        item.started_at = time.perf_counter()
        try:
            self.player.play(item.wav, settings.volume)
        except Exception as exc:  # noqa: BLE001 - the board must keep showing calls
            item.outcome = "no-sound" if isinstance(exc, NoSoundDevice) else "player-error"
            self._sound_failed(item, exc)
        else:
            item.outcome = "played"
            if not self._sound_ok:
                log.info("sound is back: %s to window %s was played", item.code, item.window)
            self._sound_ok = True
        finally:
            item.finished_at = time.perf_counter()

    def _build(self, text: str, repeat: int, settings: AnnouncerSettings) -> Path | None:
        phrase = self.voice.render(text)  # None: speech unavailable, logged by the voice
        parts: list[Path] = []
        if settings.chime and (bell := self._chime_path()) is not None:
            parts.append(bell)
        if phrase is not None:
            parts.extend([phrase] * repeat)
        return self.voice.compose(parts, settings.gap_s) if parts else None

    def _chime_path(self) -> Path | None:
        if self._chime is None and not self._chime_failed:
            try:
                self._chime = chime.ensure_chime(Path(self.voice.cache_dir))
            except Exception:  # noqa: BLE001
                self._chime_failed = True
                log.exception("could not make the chime; calls go without it")
        return self._chime

    def _sound_failed(self, item: Announcement, exc: Exception) -> None:
        if self._sound_ok:
            log.warning("the hall does not hear the calls (%s: %s); the board keeps showing "
                        "them, and sound is tried again with every call",
                        type(exc).__name__, exc)
        else:
            log.debug("still no sound for %s to window %s: %s", item.code, item.window, exc)
        self._sound_ok = False

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _phrase(code: str, window: int | str, recall: bool, settings: AnnouncerSettings) -> str:
        if recall:
            return speech.recall_phrase(code, window, settings.recall_template)
        return speech.call_phrase(code, window, settings.template)

    def _is_stale(self, item: Announcement) -> bool:
        age = self._clock() - item.called_at
        if age > self.settings.max_age_s:
            item.outcome = "stale"
            log.info("not announcing %s to window %s: the call is %.0f s old (limit %.0f s)",
                     item.code, item.window, age, self.settings.max_age_s)
            return True
        return False

    def _record(self, item: Announcement) -> None:
        self.history.append(item)
        if self._on_done is not None:
            try:
                self._on_done(item)
            except Exception:  # noqa: BLE001
                log.exception("on_done callback failed")


def _epoch(value: float | datetime | None, clock: Callable[[], float]) -> float:
    if value is None:
        return clock()
    if isinstance(value, datetime):
        return value.timestamp()  # a naive datetime is taken as local time
    return float(value)
