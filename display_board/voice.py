"""Phrases to WAV files: pyttsx3 (espeak-ng on Linux, SAPI5 on Windows), with a disk cache.

``Voice.render(text)`` returns the path of a WAV that says ``text`` in Russian, or ``None``
when speech is unavailable (no espeak-ng, no Russian voice, the engine failed or hung): the
fault is logged and the board carries on with the chime alone. ``Voice.prepare(text)`` does
the same in the background, so the board can render the phrases of the tickets that are
waiting before they are called.

Facts this module is built on (DESIGN §9, re-checked with pyttsx3 2.99):

* ``save_to_file`` only *remembers* a file: the driver renders when ``runAndWait()`` runs,
  and two ``save_to_file`` before one ``runAndWait()`` write only the last file. So every
  phrase gets exactly one ``save_to_file`` followed by one ``runAndWait()``.
* espeak-ng initialises once per process and pyttsx3 hands out one engine per driver, so all
  synthesis goes through one module-wide lock, on one worker thread per ``Voice``. On
  Windows that thread initialises COM for itself (SAPI5 is a COM server).
* ``runAndWait()`` of the espeak driver polls until the synthesiser says it is done; if
  espeak-ng fails inside its callback it never says so, and the call never returns. Callers
  therefore wait with a timeout; a stuck engine is asked to end its loop, logged, and left
  alone for a while (``cooldown_s``) — the board never waits on it again meanwhile.
* Found while stress-testing (several renders in parallel processes):
  - a new pyttsx3 driver starts "busy", so the first ``runAndWait()`` returned before the
    file was written → ``shared_engine`` makes the engine once and runs it empty first;
  - espeak-ng queues a change of rate or voice like a phrase, and pyttsx3's
    ``runAndWait()`` starts by cancelling whatever espeak-ng is still "playing" → properties
    are set only when they change, we wait for espeak-ng to be idle, and a phrase that still
    comes out empty is tried again (``ATTEMPTS``);
  - a file is taken only once its header and its length agree (never half-written).
* The espeak driver prints «Audio saved to …» for each file; that line comes from pyttsx3.

The cache key is a hash of the engine driver, the voice, the rate and the text, so that a
change of any of them renders afresh. Files are written under a temporary name and moved
into place, so a half-written WAV is never played and two boards sharing a folder are safe.
Pure ``pathlib``/``threading``/``wave``: no POSIX-only calls.
"""
from __future__ import annotations

import hashlib
import logging
import os
import queue
import sys
import threading
import time
import uuid
import wave
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from .chime import write_wav
from .speech import spoken_text

log = logging.getLogger(__name__)

DEFAULT_VOICE = "ru"
DEFAULT_RATE_WPM = 150      # slower than espeak's 175: a hall echoes, visitors are not in a hurry
RENDER_TIMEOUT_S = 10.0     # espeak-ng needs ~20 ms per phrase, SAPI5 well under a second
COOLDOWN_S = 60.0           # after a failure, how long before the engine is tried again
MAX_CACHE_FILES = 2000      # oldest files beyond this are removed (a day is a few hundred)
ATTEMPTS = 3                # a phrase the engine returned no sound for is tried again

_ENGINE_LOCK = threading.Lock()  # one synthesiser per process: see the module docstring
_FORMAT = "talon-voice-2"        # part of every cache key; bump when rendering changes (2: speech.spoken_text)
_APPLIED: dict[int, tuple] = {}  # id(engine) -> (voice, rate) last set on it


class SpeechUnavailable(RuntimeError):
    """No speech engine, or no Russian voice in it."""


def default_cache_dir() -> Path:
    """Where rendered phrases live: the user's cache folder, on Windows and on Linux."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        root = Path(base) if base else Path.home() / "AppData" / "Local"
        return root / "Talon" / "cache" / "speech"
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "talon" / "speech"


# --- WAV helpers ---------------------------------------------------------------------------

def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def read_wav_mono16(path: Path) -> tuple[int, array]:
    """(rate, 16-bit mono samples) of a PCM WAV of any width and channel count."""
    with wave.open(str(path), "rb") as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        raw = wav.readframes(wav.getnframes())
    if width == 1:  # unsigned 8-bit
        values = array("h", ((b - 128) << 8 for b in raw))
    elif width == 2:
        values = array("h")
        values.frombytes(raw)
        if sys.byteorder == "big":
            values.byteswap()
    elif width in (3, 4):
        values = array("h", (int.from_bytes(raw[i + width - 2:i + width], "little", signed=True)
                             for i in range(0, len(raw), width)))
    else:
        raise wave.Error(f"{path}: {8 * width}-bit samples are not supported")
    if channels > 1:
        values = array("h", (sum(values[i:i + channels]) // channels
                             for i in range(0, len(values), channels)))
    return rate, values


def _resample(samples: array, source: int, target: int) -> array:
    """Linear interpolation; only used when a part comes at another rate (e.g. SAPI5)."""
    if source == target or not samples:
        return samples
    count = max(1, int(len(samples) * target / source))
    last = len(samples) - 1
    out = array("h", bytes(2 * count))
    ratio = source / target
    for i in range(count):
        position = i * ratio
        j = int(position)
        if j >= last:
            out[i] = samples[last]
        else:
            frac = position - j
            out[i] = int(samples[j] + (samples[j + 1] - samples[j]) * frac)
    return out


def join_wavs(parts: Sequence[Path], out: Path, gap_s: float = 0.4) -> Path:
    """Write ``parts`` one after another, ``gap_s`` of silence between them, into ``out``.

    The result is 16-bit mono at the highest rate among the parts (the chime is made at the
    speech's rate, so usually nothing is resampled).
    """
    if not parts:
        raise ValueError("nothing to join")
    decoded = [read_wav_mono16(Path(part)) for part in parts]
    rate = max(r for r, _ in decoded)
    gap = array("h", bytes(2 * int(gap_s * rate)))
    joined = array("h")
    for index, (part_rate, samples) in enumerate(decoded):
        if index:
            joined.extend(gap)
        joined.extend(_resample(samples, part_rate, rate))
    return write_wav(Path(out), joined, rate)


# --- the engine --------------------------------------------------------------------------

_ENGINES: dict[str | None, Any] = {}


def shared_engine(driver: str | None = None) -> Any:
    """The process's pyttsx3 engine for ``driver``, made once and kept for good.

    Kept for good because espeak-ng initialises once per process and a pyttsx3 driver that is
    garbage-collected unregisters the synthesiser's callback (``destroy``) — even when a newer
    driver has registered its own. And made with an empty ``runAndWait()``: a new pyttsx3
    driver starts out "busy", so its first commands wait in a queue and its first
    ``runAndWait()`` returns before the sound has been written (seen under load).
    """
    with _ENGINE_LOCK:
        engine = _ENGINES.get(driver)
        if engine is None:
            import pyttsx3  # imported here: the board still starts when pyttsx3 is missing
            engine = pyttsx3.init(driver)
            engine.runAndWait()  # nothing queued: only clears the new driver's busy state
            _ENGINES[driver] = engine
        return engine


def _voice_rank(voice: Any, wanted: str) -> int | None:
    """How well a pyttsx3 voice matches ``wanted`` (0 best), or None when it does not."""
    wanted = wanted.lower()
    ident = str(getattr(voice, "id", "")).lower()
    if ident == wanted or ident.rsplit("/", 1)[-1] == wanted:
        return 0  # espeak-ng: "zle/ru"
    languages = [str(lang).lower().replace("_", "-") for lang in (getattr(voice, "languages", None) or [])]
    if wanted in languages or f"{wanted}-{wanted}" in languages:
        return 1  # "ru", SAPI5: "ru-ru"
    if any(lang.split("-")[0] == wanted for lang in languages):
        return 2  # a regional variant, e.g. espeak-ng "ru-lv"
    if wanted == "ru" and "russian" in str(getattr(voice, "name", "")).lower():
        return 3  # "Microsoft Irina Desktop - Russian"
    return None


def _choose_voice(engine: Any, wanted: str) -> str:
    try:
        voices = list(engine.getProperty("voices") or [])
    except Exception:  # noqa: BLE001 - a driver without a voice list: trust the name
        log.debug("the speech engine does not list its voices", exc_info=True)
        return wanted
    ranked = [(rank, index, voice) for index, voice in enumerate(voices)
              if (rank := _voice_rank(voice, wanted)) is not None]
    if not ranked:
        raise SpeechUnavailable(f"the speech engine has no voice for {wanted!r}")
    return min(ranked, key=lambda item: item[:2])[2].id


def _init_com_for_this_thread() -> None:
    if sys.platform == "win32":
        try:
            import comtypes
            comtypes.CoInitialize()
        except Exception:  # noqa: BLE001 - pyttsx3 will report the real problem
            log.debug("could not initialise COM for the speech thread", exc_info=True)


class Voice:
    """Renders Russian phrases to cached WAV files, on a background thread of its own.

    Thread-safe: ``render``, ``prepare`` and ``cached`` may be called from any thread; the
    same phrase asked for twice at once is rendered once.
    """

    def __init__(self, cache_dir: Path | None = None, *, voice: str = DEFAULT_VOICE,
                 rate: int = DEFAULT_RATE_WPM, driver: str | None = None,
                 engine_factory: Callable[[str | None], Any] = shared_engine,
                 render_timeout_s: float = RENDER_TIMEOUT_S, cooldown_s: float = COOLDOWN_S,
                 max_cache_files: int = MAX_CACHE_FILES) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.voice = voice
        self.rate = int(rate)
        self.driver = driver
        self.render_timeout_s = render_timeout_s
        self.cooldown_s = cooldown_s
        self.max_cache_files = max_cache_files
        self.engine_calls = 0     # phrases handed to the engine (a cache hit does not count)
        self.engine_attempts = 0  # save_to_file + runAndWait pairs, retries included
        self._engine_factory = engine_factory
        self._engine: Any = None
        self._voice_id: str | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, Future] = {}
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._closed = False
        self._broken_until = 0.0
        self._busy_since: float | None = None
        self._pruned = False

    # --- public ---------------------------------------------------------------------------

    def cache_key(self, text: str) -> str:
        recipe = "\x1f".join((_FORMAT, self.driver or sys.platform, self.voice,
                              str(self.rate), _clean(text)))
        return hashlib.sha256(recipe.encode("utf-8")).hexdigest()[:40]

    def cache_path(self, text: str) -> Path:
        return self.cache_dir / f"{self.cache_key(text)}.wav"

    def cached(self, text: str) -> Path | None:
        """The WAV of ``text`` if it has been rendered already, else None (never renders)."""
        path = self.cache_path(text)
        try:
            if path.stat().st_size > 44:  # more than a bare WAV header
                return path
        except OSError:
            pass
        return None

    def render(self, text: str, timeout: float | None = None) -> Path | None:
        """The WAV that says ``text``; renders it (and waits) when it is not cached yet.

        Returns None — after logging why — when speech is unavailable, failed or took longer
        than ``timeout`` (default ``render_timeout_s``).
        """
        if not _clean(text):
            return None
        path = self.cached(text)
        if path is not None:
            _touch(path)
            return path
        future = self._submit(text)
        wait = self.render_timeout_s if timeout is None else timeout
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            self._engine_stuck(f"rendering {text!r} took longer than {wait:.1f} s")
            return None

    def prepare(self, text: str) -> Future:
        """Render ``text`` in the background; the future gives its path (or None)."""
        if not _clean(text):
            return _done(None)
        path = self.cached(text)
        if path is not None:
            return _done(path)
        return self._submit(text)

    @property
    def available(self) -> bool:
        """False while the engine is known to be missing or broken (the chime still plays)."""
        return time.monotonic() >= self._broken_until

    def compose(self, parts: Sequence[Path], gap_s: float = 0.4) -> Path | None:
        """One WAV of ``parts`` in sequence (e.g. chime, phrase, phrase), cached like phrases."""
        parts = [Path(part) for part in parts]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        recipe = "\x1f".join([_FORMAT, f"{gap_s:.3f}"] + [f"{p.name}:{_size(p)}" for p in parts])
        out = self.cache_dir / "announcements" / f"{hashlib.sha256(recipe.encode()).hexdigest()[:40]}.wav"
        if out.exists():
            _touch(out)
            return out
        try:
            return join_wavs(parts, out, gap_s)
        except (OSError, EOFError, wave.Error, ValueError):
            log.exception("could not join %s into one announcement", [p.name for p in parts])
            return None

    def close(self, timeout: float = 1.0) -> None:
        """Stop the worker thread (it is a daemon: a stuck engine never blocks the exit)."""
        with self._lock:
            self._closed = True
            worker = self._worker
        if worker is not None:
            self._jobs.put(None)
            worker.join(timeout)

    # --- the worker -------------------------------------------------------------------------

    def _submit(self, text: str) -> Future:
        key = self.cache_key(text)
        with self._lock:
            self._check_stuck_locked()
            if key in self._pending:
                return self._pending[key]
            if self._closed or not self.available:
                return _done(None)
            future: Future = Future()
            self._pending[key] = future
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="talon-voice", daemon=True)
                self._worker.start()
        self._jobs.put((key, _clean(text), future))
        return future

    def _work(self) -> None:
        _init_com_for_this_thread()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            key, text, future = job
            result: Path | None = None
            try:
                if self.available:
                    result = self._synthesise(key, text)
            except SpeechUnavailable as exc:
                self._give_up_for_a_while(str(exc))
            except Exception as exc:  # noqa: BLE001 - a speech fault must never stop the board
                log.exception("speech engine failed on %r", text)
                self._give_up_for_a_while(f"{type(exc).__name__}: {exc}")
            finally:
                with self._lock:
                    self._pending.pop(key, None)
                future.set_result(result)

    def _synthesise(self, key: str, text: str) -> Path | None:
        final = self.cache_dir / f"{key}.wav"
        if self.cached(text) is not None:
            return final  # rendered meanwhile, e.g. by another board sharing the folder
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._prune_once()
        engine = self._get_engine()
        self.engine_calls += 1
        for attempt in range(1, ATTEMPTS + 1):
            tmp = self.cache_dir / f".{key}.{uuid.uuid4().hex}.tmp.wav"
            try:
                with _ENGINE_LOCK:
                    self.engine_attempts += 1
                    self._busy_since = time.monotonic()
                    try:
                        # The engine may be shared with another Voice: set ours when it differs
                        # (only then: espeak-ng queues every change, see below).
                        if _APPLIED.get(id(engine)) != (self._voice_id, self.rate):
                            engine.setProperty("voice", self._voice_id)
                            engine.setProperty("rate", self.rate)
                            _APPLIED[id(engine)] = (self._voice_id, self.rate)
                        _wait_until_espeak_is_quiet()
                        # exactly one file per runAndWait(); «к» said as a word, not a letter
                        engine.save_to_file(spoken_text(text), str(tmp))
                        engine.runAndWait()
                    finally:
                        self._busy_since = None
                frames = _complete_frames(tmp, wait_s=min(2.0, self.render_timeout_s))
                if frames > 0:
                    os.replace(tmp, final)
                    log.debug("rendered %r to %s (%d frames, attempt %d)", text, final.name,
                              frames, attempt)
                    return final
                log.debug("attempt %d to render %r gave no sound", attempt, text)
            finally:
                _remove(tmp)
            time.sleep(0.02 * attempt)
        log.warning("the speech engine wrote no sound for %r (%d attempts)", text, ATTEMPTS)
        return None

    def _get_engine(self) -> Any:
        if self._engine is None:
            try:
                engine = self._engine_factory(self.driver)
            except Exception as exc:  # noqa: BLE001 - ImportError, OSError, RuntimeError, COM…
                raise SpeechUnavailable(f"no speech engine ({type(exc).__name__}: {exc})") from exc
            self._voice_id = _choose_voice(engine, self.voice)
            self._engine = engine
            log.info("speech engine ready: voice %s, %d words per minute", self._voice_id, self.rate)
        return self._engine

    # --- faults -----------------------------------------------------------------------------

    def _give_up_for_a_while(self, reason: str) -> None:
        was_available = self.available
        self._broken_until = time.monotonic() + self.cooldown_s
        if was_available:
            log.error("speech is unavailable (%s); calls are announced with the chime only, "
                      "next try in %.0f s", reason, self.cooldown_s)

    def _check_stuck_locked(self) -> None:
        busy = self._busy_since
        if busy is not None and time.monotonic() - busy > self.render_timeout_s and self.available:
            self._engine_stuck(f"the engine has been busy for {time.monotonic() - busy:.1f} s")

    def _engine_stuck(self, reason: str) -> None:
        self._give_up_for_a_while(f"engine hung: {reason}")
        engine = self._engine
        if engine is not None:
            try:
                engine.endLoop()  # ends the espeak driver's polling loop, if that is where it hangs
            except Exception:  # noqa: BLE001 - best effort
                log.debug("could not stop the hung speech engine", exc_info=True)

    def _prune_once(self) -> None:
        if self._pruned:
            return
        self._pruned = True
        for folder in (self.cache_dir, self.cache_dir / "announcements"):
            try:
                files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
            except OSError:
                continue
            for old in files[:max(0, len(files) - self.max_cache_files)]:
                try:
                    old.unlink()
                except OSError:
                    pass


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _done(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _touch(path: Path) -> None:
    try:
        path.touch(exist_ok=True)  # keeps phrases in use from being pruned
    except OSError:
        pass


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _frames(path: Path) -> int:
    """Frames of a WAV that has been written to its end (0: empty); -1 while not there yet."""
    try:
        size = path.stat().st_size
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            expected = frames * wav.getsampwidth() * wav.getnchannels()
        return frames if size >= 44 + expected else -1  # the header says more than is there yet
    except (OSError, EOFError, wave.Error):
        return -1


def _complete_frames(path: Path, wait_s: float) -> int:
    """Frames of ``path`` once it is complete; waits up to ``wait_s`` for a late writer."""
    deadline = time.monotonic() + wait_s
    while True:
        frames = _frames(path)
        if frames >= 0 or time.monotonic() >= deadline:
            return max(frames, 0)
        time.sleep(0.005)


def _wait_until_espeak_is_quiet(limit_s: float = 1.0) -> None:
    """Let espeak-ng finish the previous message before the next one starts.

    espeak-ng runs its commands (a phrase, but also a change of rate or voice) through a queue
    of its own and reports ``IsPlaying()`` until that queue is empty; pyttsx3's
    ``runAndWait()`` begins with ``stop()``, which cancels whatever espeak-ng is playing *then*
    — the new phrase, under load (the file comes out empty). Only looked at when the espeak
    driver is already loaded; the retries in ``_synthesise`` cover the rest.
    """
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    if espeak is None:
        return
    deadline = time.monotonic() + limit_s
    try:
        while espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.002)
    except Exception:  # noqa: BLE001 - best effort
        log.debug("could not ask espeak-ng whether it is busy", exc_info=True)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.debug("could not remove %s", path, exc_info=True)
