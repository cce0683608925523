"""The attention chime that comes before every call, synthesised by Talon itself.

Three bell strokes rising through a major chord (C5 – E5 – G5), the familiar «внимание» of
station and hall announcements: short enough not to annoy the people waiting (≈ 1.5 s), loud
enough to make them look at the board before the voice says the ticket.

Each stroke is a small bell: the fundamental, which dominates (it is what the ear and the
tests take for the pitch), plus two quieter partials that die away faster, a 5 ms attack so
the speaker does not click, and an exponential decay. Pure Python (``math``, ``array``,
``wave``) so that the board needs no numpy, and no sound file is downloaded or shipped.
"""
from __future__ import annotations

import hashlib
import math
import os
import sys
import uuid
import wave
from array import array
from pathlib import Path

#: The strokes of the chime, in Hz: C5, E5, G5 (equal temperament, A4 = 440 Hz).
CHIME_NOTES_HZ: tuple[float, ...] = (523.25, 659.25, 783.99)
STROKE_SPACING_S = 0.32   # from one stroke to the next
DECAY_S = 0.30            # time constant of a stroke's fundamental
TAIL_S = 0.90             # the last stroke rings this long
PEAK = 0.40               # of full scale: about the loudness (RMS) of espeak-ng speech
DEFAULT_RATE = 22050      # the rate espeak-ng writes, so the chime joins the speech as is

# (frequency ratio, relative amplitude, decay divisor) of the partials of one bell stroke.
_PARTIALS = ((1.0, 1.0, 1.0), (2.0, 0.30, 1.8), (3.0, 0.12, 2.6))
_ATTACK_S = 0.005
_FADE_OUT_S = 0.03


def chime_samples(rate: int = DEFAULT_RATE, notes: tuple[float, ...] = CHIME_NOTES_HZ,
                  spacing_s: float = STROKE_SPACING_S, decay_s: float = DECAY_S,
                  tail_s: float = TAIL_S, peak: float = PEAK) -> array:
    """The chime as 16-bit mono samples at ``rate``."""
    if not notes:
        raise ValueError("a chime needs at least one note")
    total = int(round(((len(notes) - 1) * spacing_s + tail_s) * rate))
    mix = [0.0] * total
    attack = max(1, int(_ATTACK_S * rate))
    for index, frequency in enumerate(notes):
        start = int(round(index * spacing_s * rate))
        for ratio, amplitude, divisor in _PARTIALS:
            step = 2.0 * math.pi * frequency * ratio / rate
            if frequency * ratio >= rate / 2:
                continue  # above Nyquist: would alias
            # exp(-t / tau) computed incrementally: one multiplication per sample.
            damping = math.exp(-divisor / (decay_s * rate))
            envelope = amplitude
            for n in range(total - start):
                ramp = n / attack if n < attack else 1.0
                mix[start + n] += ramp * envelope * math.sin(step * n)
                envelope *= damping
    loudest = max(abs(value) for value in mix) or 1.0
    scale = peak * 32767.0 / loudest
    fade = max(1, int(_FADE_OUT_S * rate))
    samples = array("h", bytes(2 * total))
    for n, value in enumerate(mix):
        if n >= total - fade:
            value *= (total - n) / fade
        samples[n] = int(round(value * scale))
    return samples


def write_wav(path: Path, samples: array, rate: int) -> Path:
    """Write 16-bit mono ``samples`` as a WAV file at ``path`` (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()  # WAV is little-endian
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())
    os.replace(tmp, path)
    return path


def write_chime(path: Path, rate: int = DEFAULT_RATE, **shape) -> Path:
    """Synthesise the chime and write it to ``path``; ``shape`` goes to ``chime_samples``."""
    return write_wav(path, chime_samples(rate, **shape), rate)


def ensure_chime(directory: Path, rate: int = DEFAULT_RATE) -> Path:
    """The default chime as a WAV in ``directory``, synthesised once and then reused."""
    recipe = repr((CHIME_NOTES_HZ, STROKE_SPACING_S, DECAY_S, TAIL_S, PEAK, _PARTIALS, rate))
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    path = Path(directory) / f"chime-{rate}-{digest}.wav"
    if not path.exists():
        write_chime(path, rate)
    return path
