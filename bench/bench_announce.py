"""How long from «Вызвать» to the first sound in the hall?

Measures, for each call, the time from ``Announcer.announce()`` to the moment the announcement
starts playing, in two cases:

* **prepared** — the phrase was rendered ahead (``Announcer.prepare``, as the board does for
  the tickets that are waiting): target p95 ≤ 500 ms;
* **cold** — a phrase never rendered before: target p95 ≤ 1.5 s.

With ``--player qt`` (the default) "starts playing" is the real ``QMediaPlayer`` entering
its playing state (offscreen; a machine without a sound card plays into nothing, which takes
the same path); each announcement is then cut short so the run does not last minutes. With
``--player fake`` it is the moment the announcer hands the WAV to the player.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_announce.py [-n 40] [--player qt|fake]
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from display_board.announcer import Announcer, AnnouncerSettings
from display_board.voice import Voice

TARGETS_MS = {"prepared": 500.0, "cold": 1500.0}
LETTERS = "АБВГДЕЖЗИКЛМНПРСТУФХЦЧШЭЮЯ"


class HandOverPlayer:
    """Counts "started" when the WAV is handed over; plays nothing."""

    def __init__(self) -> None:
        self.last_started_at: float | None = None

    def play(self, wav: Path, volume: float) -> None:
        self.last_started_at = time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(count: int, player_kind: str) -> dict[str, list[float]]:
    app = None
    if player_kind == "qt":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

        from display_board.announcer import QtPlayer

        app = QCoreApplication.instance() or QCoreApplication(sys.argv)
        holder: dict = {}
        # Cut each announcement as soon as it sounds: we measure the start, not the length.
        player = QtPlayer(require_device=False, on_started=lambda: holder["player"].stop())
        holder["player"] = player
    else:
        player = HandOverPlayer()

    cache = Path(tempfile.mkdtemp(prefix="talon-bench-"))
    voice = Voice(cache)
    announcer = Announcer(player, voice, AnnouncerSettings(max_age_s=3600))

    def wait_until_idle() -> None:
        if app is None:
            announcer.wait_idle(60)
            return
        loop = QEventLoop()
        timer = QTimer()

        def check() -> None:  # a slot returns nothing (PySide6 mishandles returned bools)
            if announcer.pending == 0:
                loop.quit()

        timer.timeout.connect(check)
        timer.start(2)
        loop.exec()
        timer.stop()

    # Warm up: the speech engine and the chime are made once per process, not per call.
    voice.render("Талон А один, пройдите к окну один")
    announcer.announce("А-999", 1)
    wait_until_idle()

    results: dict[str, list[float]] = {"prepared": [], "cold": []}
    for mode in ("prepared", "cold"):
        for n in range(count):
            letter = LETTERS[n % len(LETTERS)]
            number = n + 1 if mode == "prepared" else 500 + n
            code, window = f"{letter}-{number:03d}", n % 20 + 1
            if mode == "prepared":
                prepared = announcer.prepare(code, window)
                if prepared is None or prepared.result(timeout=30) is None:
                    raise SystemExit(f"could not prepare {code}")
            player.last_started_at = None
            began = time.perf_counter()
            announcer.announce(code, window)
            wait_until_idle()
            outcome = announcer.history[-1].outcome
            if player.last_started_at is None or outcome != "played":
                raise SystemExit(f"{code} was not played ({outcome})")
            results[mode].append((player.last_started_at - began) * 1000.0)
    announcer.close()
    voice.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=40, help="calls per case")
    parser.add_argument("--player", choices=("qt", "fake"), default="qt")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    results = run(args.count, args.player)
    print(f"call → announcement starts playing ({args.player} player, {args.count} calls each)")
    print(f"{'case':<10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'target':>10}  verdict")
    ok = True
    for mode, values in results.items():
        p50, p95 = statistics.median(values), percentile(values, 95)
        passed = p95 <= TARGETS_MS[mode]
        ok &= passed
        print(f"{mode:<10}{p50:>9.1f}{p95:>9.1f}{max(values):>9.1f}{'≤ ' + format(TARGETS_MS[mode], '.0f'):>10}"
              f"  {'ok' if passed else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
