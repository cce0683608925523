"""Benchmark: the kiosk against a real hub on loopback.

Run:  .venv/bin/python bench/bench_kiosk.py [--tickets 300] [--starts 5]

1. Touch → print job bytes ready: the visitor's touch on a topic (a real click on the real
   window, offscreen) → the hub issues the ticket over HTTP on loopback → the ticket screen →
   the spooler renders the ESC/POS bytes and hands them to the printer (a python-escpos Dummy
   at the machine's edge records the moment). p50 / p95 / max in ms; the issue's target is
   p95 ≤ 150 ms. The touch → ticket-on-screen time is shown beside it.
2. Cold start to an interactive screen: ``talon kiosk …`` started as a new process until the
   idle screen is up with the hub's data (``--ready-file``), and its resident memory then;
   target ≤ 3 s and ≤ 200 MB. ``python -m kiosk.app`` (no hub-side imports) is shown too.
3. Resident memory of the kiosk process after all the tickets of part 1 (target ≤ 200 MB).

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import HubProcess  # noqa: E402

log = logging.getLogger("bench_kiosk")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def rss_mb(pid: int | None = None) -> float | None:
    """Resident memory (VmRSS) in MB, from /proc (Linux); None elsewhere."""
    path = Path(f"/proc/{pid or 'self'}/status")
    try:
        for line in path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def touch_to_bytes(hub: HubProcess, tickets: int, workdir: Path) -> dict:
    from escpos.printer import Dummy
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
    from PySide6.QtTest import QTest

    from kiosk.app import build
    from kiosk.settings import KioskSettings

    class Edge(QObject):
        job = Signal()

        def __init__(self):
            super().__init__()
            self.ready_at: list[float] = []

        def connect(self, profile):
            edge = self

            class Printer(Dummy):
                def _raw(self, msg):
                    if bytes(msg).startswith(b"\x1b@"):
                        edge.ready_at.append(time.perf_counter())
                        edge.job.emit()

                def _read(self):
                    return b"\x12"

                def close(self):
                    pass

            return Printer(profile=profile.capability())

    settings = workdir / "kiosk.json"
    KioskSettings(idle_timeout_s=300, ticket_timeout_s=300, heartbeat_s=30).save(settings)
    edge = Edge()
    window = build(["--hub", hub.url, "--key", hub.kiosk_key, "--settings", str(settings), "--window", "1920x1080",
                    "--printer", "epson-tm-t88"], connect=edge.connect)
    app = window.app
    window.show()
    window.start()
    deadline = time.time() + 20
    while window.current is not window.idle and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if window.current is not window.idle:
        raise SystemExit("the kiosk did not reach its idle screen")
    services = ["consult", "cash", "owner", "certificate"]
    to_bytes, to_screen = [], []
    shown = {}
    window.stack.currentChanged.connect(lambda _: shown.setdefault("at", time.perf_counter()))
    for n in range(tickets + 5):
        QTest.mouseClick(window.idle.start_button, Qt.MouseButton.LeftButton)
        QTest.mouseClick(window.choice.buttons["individual"], Qt.MouseButton.LeftButton)
        button = window.topic_screen.buttons[services[n % len(services)]]
        loop = QEventLoop()
        edge.job.connect(loop.quit)
        QTimer.singleShot(5000, loop.quit)
        shown.clear()
        before = len(edge.ready_at)
        touched = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        if len(edge.ready_at) == before:
            loop.exec()
        edge.job.disconnect(loop.quit)
        if len(edge.ready_at) == before:
            raise SystemExit(f"ticket {n}: no print job within 5 s")
        if n >= 5:  # the first few warm up caches and connections
            to_bytes.append((edge.ready_at[-1] - touched) * 1000)
            to_screen.append((shown.get("at", edge.ready_at[-1]) - touched) * 1000)
        QTest.mouseClick(window.footer.back, Qt.MouseButton.LeftButton)
    memory = rss_mb()
    window.shutdown()
    return {"bytes": to_bytes, "screen": to_screen, "rss_after": memory}


def cold_start(hub: HubProcess, command: list[str], starts: int, workdir: Path) -> dict:
    times, memory = [], []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    for n in range(starts):
        tag = f"{command[-1].replace('.', '-')}-{n}"
        ready = workdir / f"ready-{tag}.json"
        settings = workdir / f"cold-{tag}.json"
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *command, "--hub", hub.url, "--key", hub.kiosk_key,
                                 "--settings", str(settings), "--printer-file", str(workdir / "cold.bin"),
                                 "--window", "1920x1080", "--ready-file", str(ready)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not ready.exists():
                if proc.poll() is not None:
                    raise SystemExit(f"the kiosk exited with {proc.returncode}")
                if time.perf_counter() - started > 30:
                    raise SystemExit("the kiosk was not ready in 30 s")
                time.sleep(0.005)
            times.append(time.perf_counter() - started)
            time.sleep(0.3)
            memory.append(rss_mb(proc.pid))
            json.loads(ready.read_text() or "{}")
        finally:
            proc.terminate()
            proc.wait(10)
    return {"times": times, "rss": [m for m in memory if m is not None]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        hub = HubProcess(workdir / "hub.sqlite").start()
        try:
            starts = {
                "talon kiosk": cold_start(hub, ["-m", "server.cli", "kiosk"], args.starts, workdir),
                "python -m kiosk.app": cold_start(hub, ["-m", "kiosk.app"], args.starts, workdir),
            }
            flow = touch_to_bytes(hub, args.tickets, workdir)
        finally:
            hub.stop()

    print(f"kiosk benchmark ({os.cpu_count()} CPUs, hub on loopback, offscreen Qt)")
    b, s = flow["bytes"], flow["screen"]
    print(f"touch -> print job bytes ready, {len(b)} tickets (ms): p50 {statistics.median(b):.1f}  "
          f"p95 {percentile(b, 0.95):.1f}  max {max(b):.1f}   (target p95 <= 150)")
    print(f"touch -> ticket on screen          (ms): p50 {statistics.median(s):.1f}  "
          f"p95 {percentile(s, 0.95):.1f}  max {max(s):.1f}")
    for name, r in starts.items():
        t, m = r["times"], r["rss"]
        mem = f"  RSS at ready: median {statistics.median(m):.0f} MB, max {max(m):.0f} MB" if m else ""
        print(f"cold start `{name}` to the idle screen, {len(t)} starts (s): median {statistics.median(t):.2f}  "
              f"max {max(t):.2f}   (target <= 3){mem}")
    if flow["rss_after"] is not None:
        print(f"RSS after {len(b) + 5} tickets: {flow['rss_after']:.0f} MB   (target <= 200)")


if __name__ == "__main__":
    main()
