"""The hall board against a real hub: from «Вызвать» to the code on the screen (and in the hall).

Starts a real hub process (demo office, its clock moved to a weekday morning so the office is
open and the real hours show), runs the board offscreen in this process, and measures for
each call:

* **event → on screen**: from the hub's event time (``called_at``, hub clock = this machine's
  clock) to the board's ``call_shown`` signal, emitted after the row has been painted;
* **call-next returned → on screen**: from the operator's HTTP answer to the same signal
  (negative when the board drew the call before the operator's answer arrived);
* **event → sound starts**: from the event to the WAV being handed to the sound card (a stand-in
  that records the moment; there is no sound card here), with the phrases rendered ahead by the
  board (``--no-prepare`` switches the look-ahead off, for the comparison).

``--screenshots DIR`` also writes ``board-landscape.png`` (1920×1080) and ``board-portrait.png``
(1080×1920) with a few calls on the board, the newest one flashing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_board.py [-n 60] [--no-prepare] \\
        [--screenshots docs/screenshots]
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import wave
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from support import HubProcess  # noqa: E402

from display_board.announcer import AnnouncerSettings  # noqa: E402
from display_board.app import BoardApp  # noqa: E402
from display_board.voice import Voice  # noqa: E402

log = logging.getLogger("bench_board")


class StandInSoundCard:
    """Records when each announcement reaches the "sound card"; plays for a 50th of its length."""

    def __init__(self, speed: float = 0.02) -> None:
        self.speed = speed
        self.started: list[float] = []   # time.time()

    def play(self, wav, volume) -> None:
        self.started.append(time.time())
        with wave.open(str(wav), "rb") as w:
            time.sleep(w.getnframes() / w.getframerate() * self.speed)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def spin(app: QApplication, until, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        if until():
            return True
        time.sleep(0.001)
    return False


def weekday_morning_offset() -> float:
    """Seconds to add to the hub's clock so that it is 10:30 on the next weekday in Moscow."""
    zone = ZoneInfo("Europe/Moscow")
    now = datetime.now(zone)
    target = now.replace(hour=10, minute=30, second=0, microsecond=0)
    while target <= now or target.weekday() >= 5:
        target += timedelta(days=1)
    return target.timestamp() - time.time()


def top_up(admin, number: int) -> bool:
    """Issue a ticket for window ``number`` when none of the waiting ones is of a service it serves
    (other windows took them): «call N was not shown» at call 40 of ``-n 60`` was exactly that."""
    state = admin.state("demo")
    window = next(w for w in state["windows"] if w["number"] == number)
    if any(window["services"].get(t["service"]) for t in state["waiting"]):
        return False
    primary = max(window["services"], key=lambda s: window["services"][s])
    admin.issue("demo", primary, source="kiosk")
    return True


def run(count: int, prepare: bool, screenshots: Path | None) -> dict:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    work = Path(tempfile.mkdtemp(prefix="talon-bench-board-"))
    hub = HubProcess(work / "hub.sqlite", round_the_clock=False).start()
    board = None
    try:
        admin = hub.client("admin")
        offset = admin.post("/api/v1/testing/clock", {"offset": weekday_morning_offset()})["offset"]
        for w in range(1, 7):
            admin.window(w, "open")
        # a mix that every window has its share of (window 5 takes cash, consult_cash, instalment,
        # certificate; window 6 business, contract, cash); top_up() below adds more where it runs short
        services = ["consult", "cash", "instalment", "consult", "consult_cash", "business", "certificate", "owner",
                    "cash", "contract", "consult", "instalment"]
        for i in range(count + 12):
            admin.issue("demo", services[i % len(services)], source="kiosk")
        card = StandInSoundCard()
        board = BoardApp(hub.url, hub.board_key, player=card, voice=Voice(work / "speech"),
                         settings=AnnouncerSettings(max_age_s=3600))
        if not prepare:
            board._queue_prepare = lambda *args, **kwargs: None   # the look-ahead off
        board.window.resize(1920, 1080)
        board.window.show()
        board.start()
        if not spin(app, lambda: board.state.loaded and board.connected):
            raise SystemExit("the board did not connect")
        spin(app, lambda: board.preparing == 0, timeout=60)    # phrases of the waiting tickets
        shown: dict[str, float] = {}
        board.window.call_shown.connect(lambda code, window, at: shown.setdefault(code, at))

        on_screen, after_http, to_sound = [], [], []
        window_ticket: dict[int, dict] = {}
        for i in range(count):
            window = 1 + i % 6
            previous = window_ticket.get(window)
            if previous is not None:
                admin.act(previous["id"], "start")
                admin.act(previous["id"], "finish")
            if top_up(admin, window):  # its phrase prepared like the others', outside the timing
                spin(app, lambda: board.preparing == 0, timeout=60)
            box: dict = {}

            def call(w=window, b=box) -> None:
                b["call"] = admin.call_next(w)
                b["returned"] = time.time()
            thread = threading.Thread(target=call)
            sounds_before = len(card.started)
            thread.start()
            if not spin(app, lambda box=box: "call" in box and box["call"] is not None
                        and box["call"]["code"] in shown):
                raise SystemExit(f"call {i} was not shown: {box}")
            thread.join()
            ticket = box["call"]
            window_ticket[window] = ticket
            called_at = ticket["called_at"] - offset          # the hub's clock is moved by ``offset``
            on_screen.append(shown[ticket["code"]] - called_at)
            after_http.append(shown[ticket["code"]] - box["returned"])
            if spin(app, lambda sounds_before=sounds_before: len(card.started) > sounds_before, timeout=15):
                to_sound.append(card.started[sounds_before] - called_at)
            spin(app, lambda: board.announcer.pending == 0, timeout=15)
            spin(app, lambda: False, timeout=0.05)
        result = {"on_screen": on_screen, "after_http": after_http, "to_sound": to_sound,
                  "engine_calls": board.voice.engine_calls}
        if screenshots is not None:
            shoot(app, board, admin, screenshots)
        return result
    finally:
        if board is not None:
            board.stop()
        hub.stop()


def shoot(app: QApplication, board: BoardApp, admin, folder: Path) -> None:
    """Both layouts with a few calls, a break, a closed window; the newest call flashing."""
    folder.mkdir(parents=True, exist_ok=True)

    def free(window: int) -> None:
        ticket = admin.window(window).get("ticket")
        if ticket:
            admin.act(ticket, "start")
            admin.act(ticket, "finish")
    free(4)
    admin.window(4, "close")
    free(5)
    admin.window(5, "pause", reason="lunch")
    for size, name, window in (((1920, 1080), "board-landscape.png", 2), ((1080, 1920), "board-portrait.png", 3)):
        board.window.resize(*size)
        free(window)
        board.window.flashing.clear()   # in a real hall calls are minutes apart: only the newest flashes
        code = admin.call_next(window)["code"]
        spin(app, lambda code=code: bool(board.window.calls.calls) and board.window.calls.calls[0].code == code)
        spin(app, lambda: board.window.flash_phase, timeout=1)
        board.window.grab().save(str(folder / name))
        log.info("wrote %s", folder / name)


def describe(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"{name}: n={len(ms)} median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
            f"max {max(ms):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=60)
    parser.add_argument("--no-prepare", action="store_true", help="do not render phrases ahead")
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    result = run(args.count, not args.no_prepare, args.screenshots)
    print(describe("hub event -> on screen", result["on_screen"]))
    print(describe("call-next answer -> on screen", result["after_http"]))
    print(describe("hub event -> sound starts" + (" (no look-ahead)" if args.no_prepare else ""),
                   result["to_sound"]))
    print(f"phrases rendered by the speech engine: {result['engine_calls']}")


if __name__ == "__main__":
    main()
