"""The hall's sound: the chime, the voice (real espeak-ng WAVs), and the announcement queue.

The WAVs here are real (the chime synthesised, the speech rendered by espeak-ng through
pyttsx3). Only the sound card is faked: ``RecordingPlayer`` takes real time to "play" and
records what it was given and when. The Qt tests drive the real ``QMediaPlayer`` offscreen.
"""
import logging
import os
import re
import shutil
import subprocess
import threading
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from display_board import chime, speech
from display_board.announcer import Announcer, AnnouncerSettings, NoSoundDevice, PlaybackError, QtPlayer
from display_board.voice import Voice, join_wavs, read_wav_mono16, shared_engine, wav_duration

HAVE_ESPEAK = shutil.which("espeak-ng") is not None
needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed")


def read(path: Path) -> tuple[int, np.ndarray]:
    rate, samples = read_wav_mono16(path)
    return rate, np.asarray(samples, dtype=np.float64)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2)))


def dominant_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    return float(np.fft.rfftfreq(8 * len(x), 1.0 / rate)[np.argmax(spectrum)])


class CountingEngine:
    """Wraps a real pyttsx3 engine and records what it was asked to say."""

    def __init__(self, engine):
        self._engine = engine
        self.texts: list[str] = []

    def save_to_file(self, text, filename):
        self.texts.append(text)
        self._engine.save_to_file(text, filename)

    def __getattr__(self, name):
        return getattr(self._engine, name)


class RecordingPlayer:
    """The sound card's stand-in: takes real time (a fraction of the WAV's length)."""

    def __init__(self, speed: float = 0.05, fail: Exception | None = None):
        self.speed = speed
        self.fail = fail
        self.played: list[dict] = []
        self._lock = threading.Lock()
        self.playing = 0
        self.max_playing = 0

    def play(self, wav, volume):
        with self._lock:
            self.playing += 1
            self.max_playing = max(self.max_playing, self.playing)
        start = time.perf_counter()
        try:
            if self.fail is not None:
                raise self.fail
            time.sleep(wav_duration(wav) * self.speed)
        finally:
            with self._lock:
                self.playing -= 1
            self.played.append({"wav": Path(wav), "volume": volume, "start": start,
                                "end": time.perf_counter(), "duration": wav_duration(wav)})


@pytest.fixture
def engine_log():
    return []


@pytest.fixture
def voice(tmp_path, engine_log):
    pytest.importorskip("pyttsx3")
    if not HAVE_ESPEAK:
        pytest.skip("espeak-ng is not installed")

    def factory(driver):
        engine = CountingEngine(shared_engine(driver))
        engine_log.append(engine)
        return engine

    v = Voice(tmp_path / "speech", engine_factory=factory)
    yield v
    v.close()


@pytest.fixture
def make_announcer(voice):
    made = []

    def make(player, **settings):
        announcer = Announcer(player, voice, AnnouncerSettings(**settings))
        made.append(announcer)
        return announcer

    yield make
    for announcer in made:
        announcer.close()


# --- the chime ------------------------------------------------------------------------------

def test_the_chime_is_a_real_wav_with_the_tones_we_made(tmp_path):
    path = chime.ensure_chime(tmp_path)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    rate, x = read(path)
    assert 1.2 <= len(x) / rate <= 2.0
    assert rms(x) > 1000 and np.max(np.abs(x)) < 32767  # audible, never clipped
    assert np.max(np.abs(x[:int(0.003 * rate)])) < np.max(np.abs(x)) / 2  # soft attack: no click
    for index, expected in enumerate(chime.CHIME_NOTES_HZ):
        start = int((index * chime.STROKE_SPACING_S + 0.02) * rate)
        end = int(((index + 1) * chime.STROKE_SPACING_S - 0.02) * rate)
        found = dominant_hz(x[start:end], rate)
        assert abs(found - expected) / expected < 0.015, (index, found, expected)
    assert chime.ensure_chime(tmp_path) == path  # made once, then reused


def test_the_chime_can_be_made_at_another_rate(tmp_path):
    path = chime.write_chime(tmp_path / "c.wav", rate=44100, notes=(440.0,), tail_s=0.5)
    rate, x = read(path)
    assert rate == 44100 and abs(dominant_hz(x[:int(0.3 * rate)], rate) - 440.0) < 5


# --- the voice: real espeak-ng through pyttsx3 ----------------------------------------------

def espeak_phonemes(text: str) -> str:
    done = subprocess.run(["espeak-ng", "-v", "ru", "-q", "-x", text],
                          capture_output=True, text=True, encoding="utf-8", timeout=30)
    return " ".join(done.stdout.split())


@needs_espeak
def test_a_call_is_rendered_to_real_russian_speech(voice, engine_log):
    text = speech.call_phrase("А-012", 3)
    path = voice.render(text)
    assert path is not None and path.exists()
    # the engine was given exactly the words (one phrase per file; a retry says the same)
    # («ко»: espeak-ng reads a lone «к» as the letter «ка», see speech.spoken_text)
    assert set(engine_log[0].texts) == {"Талон А двенадцать, пройдите ко окну три"}
    rate, x = read(path)
    seconds = len(x) / rate
    assert 1.5 <= seconds <= 6.0, seconds
    assert rms(x) > 500, rms(x)  # not silence (16-bit scale)
    # there is sound throughout, not a click followed by silence
    quarters = np.array_split(x, 4)
    assert sum(rms(q) > 200 for q in quarters) >= 3
    # what espeak-ng makes of our words: «двенадцать» and «три», and no «ноль»
    phonemes = espeak_phonemes(text)
    assert espeak_phonemes("двенадцать") in phonemes
    assert espeak_phonemes("три") in phonemes
    zero = re.compile(r"(^|\s)n'o")  # «ноль» as a word is n'ol, the digit 0 is read n'ojl
    assert zero.search(espeak_phonemes("ноль")) and not zero.search(phonemes)
    # ... which is why digits never reach it: «А-012» as such is read with a «ноль»
    assert zero.search(espeak_phonemes("Талон А-012"))


@needs_espeak
def test_a_longer_number_makes_a_longer_phrase(voice):
    short = voice.render(speech.call_phrase("А-1", 1))
    long = voice.render(speech.call_phrase("А-999", 18))
    assert wav_duration(long) > wav_duration(short) + 0.5


@needs_espeak
def test_a_second_render_comes_from_the_cache_without_the_engine(voice, engine_log, tmp_path):
    text = speech.call_phrase("Б-7", 4)
    first = voice.render(text)
    assert first is not None and voice.engine_calls == 1
    handed = len(engine_log[0].texts)
    second = voice.render(text)
    assert second == first and voice.engine_calls == 1
    assert len(engine_log[0].texts) == handed and set(engine_log[0].texts) == {speech.spoken_text(text)}
    # a new board process with the same cache folder does not render it again either
    again = Voice(voice.cache_dir, engine_factory=lambda driver: pytest.fail("engine used"))
    assert again.render(text) == first and again.engine_calls == 0
    # another rate or another text is another file
    assert voice.cache_path(text) != Voice(voice.cache_dir, rate=120).cache_path(text)
    assert voice.cache_path(text) != voice.cache_path(speech.call_phrase("Б-7", 5))


@needs_espeak
def test_the_same_phrase_asked_for_at_once_is_rendered_once(voice):
    text = speech.call_phrase("В-33", 9)
    results = []
    threads = [threading.Thread(target=lambda: results.append(voice.render(text))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and results[0] is not None
    assert voice.engine_calls == 1


@needs_espeak
def test_prepare_renders_in_the_background(voice):
    texts = [speech.call_phrase(f"Г-{n:03d}", n % 20 + 1) for n in range(1, 7)]
    futures = [voice.prepare(text) for text in texts]
    assert all(f.result(timeout=30) is not None for f in futures)
    assert voice.engine_calls == len(texts)
    for text in texts:  # each one exactly one save_to_file + runAndWait, each its own file
        assert voice.render(text) is not None
    assert voice.engine_calls == len(texts)
    assert len({voice.render(text) for text in texts}) == len(texts)


# --- the voice's faults (no espeak, a hung engine, no Russian voice) -------------------------

class FakeVoice:
    def __init__(self, id, languages, name=""):
        self.id, self.languages, self.name = id, languages, name


class HangingEngine:
    """An engine that never finishes, until somebody ends its loop."""

    def __init__(self):
        self.released = threading.Event()
        self.end_loop_called = False

    def getProperty(self, name):
        return [FakeVoice("zle/ru", ["ru"])]

    def setProperty(self, name, value):
        pass

    def save_to_file(self, text, filename):
        pass

    def runAndWait(self):
        self.released.wait(30)

    def endLoop(self):
        self.end_loop_called = True
        self.released.set()


def test_no_speech_engine_logs_and_returns_none(tmp_path, caplog):
    def missing(driver):
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    v = Voice(tmp_path, engine_factory=missing)
    with caplog.at_level(logging.ERROR, logger="display_board.voice"):
        assert v.render("Талон А один, пройдите к окну один") is None
    assert "speech is unavailable" in caplog.text and "libespeak" in caplog.text
    assert not v.available
    assert v.prepare("Талон А два, пройдите к окну один").result(timeout=1) is None
    v.close()


def test_a_hung_engine_does_not_hang_the_board(tmp_path, caplog):
    engine = HangingEngine()
    v = Voice(tmp_path, engine_factory=lambda driver: engine)
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR, logger="display_board.voice"):
        assert v.render("Талон А один, пройдите к окну один", timeout=0.5) is None
    assert time.perf_counter() - started < 2.0
    assert "hung" in caplog.text
    assert engine.end_loop_called
    # while it cools down, the board is not kept waiting at all
    started = time.perf_counter()
    assert v.render("Талон А два, пройдите к окну один", timeout=5) is None
    assert time.perf_counter() - started < 0.2
    v.close()


def test_a_wav_written_after_run_and_wait_returns_is_waited_for(tmp_path):
    """pyttsx3's first runAndWait() on a new driver may return before the file is written."""

    class LateEngine(HangingEngine):
        def save_to_file(self, text, filename):
            self.filename = filename

        def runAndWait(self):
            def write():
                samples = (np.sin(np.arange(22050) / 10.0) * 9000).astype("<i2").tobytes()
                with open(self.filename, "wb") as f:  # header first, the sound a bit later
                    f.write(b"RIFF" + (36 + len(samples)).to_bytes(4, "little") + b"WAVEfmt "
                            + (16).to_bytes(4, "little") + (1).to_bytes(2, "little")
                            + (1).to_bytes(2, "little") + (22050).to_bytes(4, "little")
                            + (44100).to_bytes(4, "little") + (2).to_bytes(2, "little")
                            + (16).to_bytes(2, "little") + b"data"
                            + len(samples).to_bytes(4, "little"))
                    f.flush()
                    time.sleep(0.1)
                    f.write(samples)

            threading.Timer(0.05, write).start()

    v = Voice(tmp_path, engine_factory=lambda driver: LateEngine())
    path = v.render("Талон А один, пройдите к окну один")
    assert path is not None and abs(wav_duration(path) - 1.0) < 0.001
    v.close()


def test_an_empty_file_from_the_engine_is_tried_again(tmp_path):
    """espeak-ng under load may cancel a phrase (pyttsx3 stops what is "playing"): retry."""

    class FlakyEngine(HangingEngine):
        attempts = 0

        def save_to_file(self, text, filename):
            self.filename = filename

        def runAndWait(self):
            FlakyEngine.attempts += 1
            seconds = 0 if FlakyEngine.attempts == 1 else 1
            samples = (np.sin(np.arange(22050 * seconds) / 10.0) * 9000).astype("<i2")
            with wave.open(self.filename, "wb") as w:
                w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
                w.writeframes(samples.tobytes())

    v = Voice(tmp_path, engine_factory=lambda driver: FlakyEngine())
    path = v.render("Талон А один, пройдите к окну один")
    assert path is not None and abs(wav_duration(path) - 1.0) < 0.001
    assert (v.engine_calls, v.engine_attempts) == (1, 2)
    assert not list(tmp_path.glob(".*.tmp.wav"))  # no half-made files left behind
    v.close()


def test_an_engine_without_a_russian_voice_is_not_used(tmp_path, caplog):
    class EnglishOnly(HangingEngine):
        def getProperty(self, name):
            return [FakeVoice("gmw/en", ["en"]), FakeVoice("gmw/en-us", ["en-us"])]

    engine = EnglishOnly()
    v = Voice(tmp_path, engine_factory=lambda driver: engine)
    with caplog.at_level(logging.ERROR, logger="display_board.voice"):
        assert v.render("Талон А один, пройдите к окну один") is None
    assert "no voice for 'ru'" in caplog.text
    v.close()


def test_the_russian_voice_is_found_on_espeak_and_on_sapi5():
    from display_board.voice import _choose_voice

    V = FakeVoice

    class E:
        def __init__(self, voices):
            self.voices = voices

        def getProperty(self, name):
            return self.voices

    espeak = E([V("gmw/en", ["en"]), V("zle/ru-lv", ["ru-lv"]), V("zle/ru", ["ru"])])
    assert _choose_voice(espeak, "ru") == "zle/ru"
    token = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Speech\Voices\Tokens\TTS_MS_RU-RU_IRINA_11.0"
    sapi = E([V("TTS_MS_EN-US_ZIRA_11.0", ["en_US"], "Microsoft Zira Desktop - English"),
              V(token, ["ru_RU"], "Microsoft Irina Desktop - Russian")])
    assert _choose_voice(sapi, "ru") == token


def test_wavs_of_other_rates_and_channels_are_joined(tmp_path):
    rate = 44100
    t = np.arange(int(0.5 * rate)) / rate
    stereo = (np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 8000).astype("<i2")
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(stereo.tobytes())
    bell = chime.write_chime(tmp_path / "bell.wav", rate=22050)
    out = join_wavs([bell, tmp_path / "stereo.wav"], tmp_path / "joined.wav", gap_s=0.25)
    got_rate, x = read(out)
    assert got_rate == 44100
    assert abs(len(x) / got_rate - (wav_duration(bell) + 0.25 + 0.5)) < 0.01
    tail = x[-int(0.4 * rate):]
    assert abs(dominant_hz(tail, rate) - 440) < 5


# --- the announcer ---------------------------------------------------------------------------

def test_announcements_never_overlap(make_announcer):
    player = RecordingPlayer(speed=0.05)
    announcer = make_announcer(player, volume=0.6)
    calls = [("А-001", 1), ("Б-002", 2), ("В-003", 3), ("Г-004", 4), ("Д-005", 5)]
    threads = [threading.Thread(target=announcer.announce, args=call) for call in calls]
    for t in threads:  # five operators press «Вызвать» at the same moment
        t.start()
    for t in threads:
        t.join()
    assert announcer.wait_idle(60)
    assert len(player.played) == 5 and player.max_playing == 1
    spans = sorted((p["start"], p["end"]) for p in player.played)
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert next_start >= end
    assert {h.code for h in announcer.history} == {code for code, _ in calls}
    assert all(h.outcome == "played" for h in announcer.history)
    bell = wav_duration(chime.ensure_chime(announcer.voice.cache_dir))
    for played in player.played:
        assert played["volume"] == 0.6
        assert played["duration"] > bell + 1.5  # the chime, then a real phrase
        rate, x = read(played["wav"])
        assert rms(x[int((bell + 0.4) * rate):]) > 500  # speech after the chime


def test_calls_are_said_in_the_order_they_came(make_announcer):
    player = RecordingPlayer(speed=0.02)
    announcer = make_announcer(player)
    for n in range(1, 6):
        announcer.announce(f"А-{n:03d}", n)
    assert announcer.wait_idle(60)
    assert [h.code for h in announcer.history] == ["А-001", "А-002", "А-003", "А-004", "А-005"]
    assert [h.text for h in announcer.history][1] == "Талон А два, пройдите к окну два"


def test_a_recall_repeats_the_call(make_announcer):
    player = RecordingPlayer(speed=0.02)
    announcer = make_announcer(player, recall_repeat=2)
    assert announcer.announce("А-012", 3)
    assert announcer.announce("А-012", 3, recall=True)  # said again, even right after the call
    assert announcer.wait_idle(60)
    call, recall = announcer.history
    assert call.text == "Талон А двенадцать, пройдите к окну три"
    assert recall.text == "Повторно приглашается талон А двенадцать, пройдите, пожалуйста, к окну три"
    assert len(player.played) == 2
    phrase = wav_duration(announcer.voice.render(recall.text))
    bell = wav_duration(chime.ensure_chime(announcer.voice.cache_dir))
    # chime, phrase, phrase: the recall's phrase is said twice
    assert abs(player.played[1]["duration"] - (bell + 2 * phrase + 2 * 0.4)) < 0.05


def test_the_same_call_is_not_said_twice_but_a_recall_is(make_announcer):
    player = RecordingPlayer(speed=0.05)
    announcer = make_announcer(player)
    now = time.time()
    assert announcer.announce("Б-001", 1, called_at=now)
    assert announcer.announce("Б-002", 2, called_at=now)
    assert not announcer.announce("Б-002", 2)  # still waiting: not queued twice
    assert announcer.wait_idle(60)
    assert not announcer.announce("Б-001", 1, called_at=now)  # the same event, replayed
    assert announcer.announce("Б-001", 1, recall=True, called_at=now + 30)
    assert announcer.wait_idle(60)
    assert [(h.code, h.recall) for h in announcer.history] == [
        ("Б-001", False), ("Б-002", False), ("Б-001", True)]


def test_an_old_call_is_not_announced(make_announcer, caplog):
    player = RecordingPlayer()
    announcer = make_announcer(player, max_age_s=60)
    with caplog.at_level(logging.INFO, logger="display_board.announcer"):
        assert not announcer.announce("А-005", 2, called_at=time.time() - 300)
        assert not announcer.announce(
            "А-006", 2, called_at=datetime.now(UTC) - timedelta(minutes=2))
    assert announcer.announce("А-007", 2, called_at=datetime.now(UTC) - timedelta(seconds=5))
    assert announcer.wait_idle(60)
    assert [p["wav"] for p in player.played] and len(player.played) == 1
    assert [h.outcome for h in announcer.history] == ["stale", "stale", "played"]
    assert "not announcing А-005" in caplog.text


def test_a_call_that_grew_old_in_the_queue_is_dropped(make_announcer):
    player = RecordingPlayer(speed=0.3)  # the first announcement takes ~1.5 s
    announcer = make_announcer(player, max_age_s=1.0)
    assert announcer.announce("А-001", 1)
    time.sleep(0.05)
    assert announcer.announce("А-002", 2)  # fresh now, 1.5 s old when its turn comes
    assert announcer.wait_idle(60)
    assert [h.outcome for h in announcer.history] == ["played", "stale"]
    assert len(player.played) == 1


def test_a_broken_player_is_logged_and_the_queue_goes_on(make_announcer, caplog):
    player = RecordingPlayer(fail=PlaybackError("device unplugged"))
    announcer = make_announcer(player)
    with caplog.at_level(logging.WARNING, logger="display_board.announcer"):
        for n in range(1, 4):
            announcer.announce(f"В-{n:03d}", n)
        assert announcer.wait_idle(60)
    assert [h.outcome for h in announcer.history] == ["player-error"] * 3
    assert caplog.text.count("the hall does not hear the calls") == 1  # logged once, not per call
    assert not announcer.sound_ok
    player.fail = None
    announcer.announce("В-004", 4)
    assert announcer.wait_idle(60)
    assert announcer.history[-1].outcome == "played" and announcer.sound_ok


def test_without_speech_the_chime_still_plays(tmp_path, caplog):
    def missing(driver):
        raise RuntimeError("could not initialize espeak")

    v = Voice(tmp_path, engine_factory=missing)
    player = RecordingPlayer()
    announcer = Announcer(player, v)
    with caplog.at_level(logging.ERROR):
        announcer.announce("А-001", 1)
        assert announcer.wait_idle(10)
    assert announcer.history[0].outcome == "played"
    assert abs(player.played[0]["duration"] - wav_duration(chime.ensure_chime(tmp_path))) < 0.01
    assert "speech is unavailable" in caplog.text
    announcer.close()
    v.close()


def test_a_code_that_can_not_be_read_is_logged_and_skipped(make_announcer, caplog):
    player = RecordingPlayer()
    announcer = make_announcer(player)
    with caplog.at_level(logging.ERROR):
        announcer.announce("???", 1)
        announcer.announce("А-001", 1)
        assert announcer.wait_idle(60)
    assert [h.outcome for h in announcer.history] == ["unreadable", "played"]
    assert "can not read aloud" in caplog.text


def test_settings_are_checked_and_can_change(make_announcer):
    with pytest.raises(ValueError):
        AnnouncerSettings(volume=1.5)
    with pytest.raises(ValueError):
        AnnouncerSettings(repeat=0)
    with pytest.raises(ValueError):
        AnnouncerSettings(template="Пройдите к окну {window}")
    player = RecordingPlayer(speed=0.01)
    announcer = make_announcer(player)
    announcer.update_settings(volume=0.3, template="Талон {ticket}, окно {window}", chime=False)
    announcer.announce("Е-010", 9)
    assert announcer.wait_idle(60)
    assert announcer.history[0].text == "Талон Е десять, окно девять"
    assert player.played[0]["volume"] == 0.3
    assert player.played[0]["duration"] < 3.0  # no chime in front


# --- the real Qt player (offscreen, no sound card on this machine) -------------------------

@pytest.mark.qt
def test_no_sound_device_calls_are_still_processed(qtbot, voice, caplog):
    player = QtPlayer(audio_outputs=lambda: [])  # a machine with no sound card
    announcer = Announcer(player, voice)
    with caplog.at_level(logging.WARNING, logger="display_board.announcer"):
        for n in range(1, 4):
            announcer.announce(f"Ж-{n:03d}", n)
        qtbot.waitUntil(lambda: announcer.pending == 0, timeout=30000)
    assert [h.outcome for h in announcer.history] == ["no-sound"] * 3
    assert [h.text for h in announcer.history][0] == "Талон Жэ один, пройдите к окну один"
    assert all(h.wav is not None and h.wav.exists() for h in announcer.history)
    assert "NoSoundDevice" in caplog.text and caplog.text.count("does not hear") == 1
    assert not announcer.sound_ok
    announcer.close()


@pytest.mark.qt
def test_qt_player_plays_a_real_wav_to_its_end(qtbot, tmp_path):
    started = []
    player = QtPlayer(require_device=False, on_started=lambda: started.append(time.perf_counter()))
    wav = chime.write_chime(tmp_path / "bell.wav", notes=(523.25,), tail_s=0.6)
    errors, spans = [], []

    def worker():
        try:
            for _ in range(2):  # the same file twice is played twice
                begin = time.perf_counter()
                player.play(wav, 0.5)
                spans.append(time.perf_counter() - begin)
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=20000)
    assert not errors
    assert len(started) == 2
    assert all(0.5 <= span <= 3.0 for span in spans), spans


@pytest.mark.qt
def test_qt_player_reports_no_device_and_a_bad_file(qtbot, tmp_path):
    player = QtPlayer(audio_outputs=lambda: [])
    wav = chime.write_chime(tmp_path / "bell.wav", notes=(523.25,), tail_s=0.3)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    outcome = []

    def worker():
        for path in (wav, bad):
            try:
                player.play(path, 1.0)
                outcome.append(None)
            except PlaybackError as exc:
                outcome.append(type(exc))

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=20000)
    assert outcome == [NoSoundDevice, PlaybackError]
    with pytest.raises(RuntimeError):
        player.play(wav, 1.0)  # from the GUI thread it would block the board


@pytest.mark.qt
def test_qt_player_does_not_eat_pythons_none_and_true(qtbot, tmp_path):
    """Playing must not leak references to None/True: each leak is one step to a crash.

    PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every call of a C++
    method returning void (``setSource``, ``play``, ``setVolume``, …) and one to ``True`` on
    every ``Signal.emit()``; after a few thousand such calls Python aborts with «Fatal Python
    error: none_dealloc» — the board would die in the middle of a working day. (Python ≥ 3.12
    makes None and True immortal, and PySide6 6.11 is not affected.) The player already uses
    ``QMetaObject.invokeMethod`` instead of signals; the void calls it can not avoid.
    """
    import gc
    import sys

    player = QtPlayer(require_device=False)
    player_ref = {"p": player}
    wav = chime.write_chime(tmp_path / "tick.wav", notes=(880.0,), tail_s=0.05)

    def plays(n):
        thread = threading.Thread(target=lambda: [player_ref["p"].play(wav, 0.5) for _ in range(n)])
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=30000)

    plays(2)
    gc.collect()
    before = sys.getrefcount(None), sys.getrefcount(True)
    plays(20)
    gc.collect()
    drift = sys.getrefcount(None) - before[0], sys.getrefcount(True) - before[1]
    assert drift[0] > -20 and drift[1] > -20, (
        f"20 announcements dropped {-drift[0]} references to None and {-drift[1]} to True: "
        "this PySide6 build corrupts reference counts on this Python (PySide6 6.12.0 on "
        "CPython 3.11 does) — use PySide6 < 6.12 or Python ≥ 3.12")
