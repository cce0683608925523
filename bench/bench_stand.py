"""Administrator stand benchmark: how fast a ticket reaches the hall monitor, and what alerts cost.

    .venv/bin/python bench/bench_stand.py [--tickets 30] [--waiting 200]

1. A real hub process and the hall monitor in headless Chromium: a ticket is issued through the
   API (as the kiosk does) and the time until its row is on the page is measured, one ticket at
   a time, with the queue growing to ``--tickets``.
2. The pure alert computation (:func:`server.domain.alerts.hall_alerts`) for a hall with
   ``--waiting`` waiting tickets, 6 windows serving and 4 devices, timed over many runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from core_support import at, make_hall  # noqa: E402
from support import HubProcess  # noqa: E402

from server.domain.alerts import hall_alerts  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def monitor_latency(tickets: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        hub = HubProcess(Path(tmp) / "hub.sqlite").start()
        try:
            kiosk = hub.client(token=hub.kiosk_key)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(hub.url + "/stand/")
                page.wait_for_url("**/stand/login**")
                page.fill("#login", "hall")
                page.fill("#password", "hall-demo")
                page.click("#login-submit")
                page.wait_for_selector("#link-state.link-ok")
                out = []
                for i in range(tickets):
                    t = kiosk.issue("demo", ("consult", "cash", "owner")[i % 3])
                    start = time.monotonic()
                    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}']", timeout=5000)
                    out.append((time.monotonic() - start) * 1000)
                    time.sleep(0.2)
                browser.close()
                return out
        finally:
            hub.stop()


def alerts_cost(waiting: int, runs: int = 200) -> tuple[list[float], int]:
    t0 = at("2026-11-23 09:00")
    hall = make_hall(windows=6)
    for w in range(1, 7):
        hall.open_window(w, t0)
    services = list(hall.services)
    for i in range(waiting + 6):
        hall.issue(services[i % len(services)], t0 + i * 5)
    for w in range(1, 7):
        t = hall.call_next(w, t0 + 3600)
        hall.start(t.id, t0 + 3600)
    now = t0 + 3600 + 600
    devices = [{"id": f"kiosk-{i}", "kind": "kiosk", "name": f"Киоск {i}", "last_seen": now - 30 * i,
                "status": {"printer": {"state": "ok"}}} for i in range(4)]
    times = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        count = len(hall_alerts(hall, now, devices=devices))
        times.append((time.perf_counter() - start) * 1000)
    return times, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--waiting", type=int, default=200)
    args = parser.parse_args()
    lat = monitor_latency(args.tickets)
    print(f"ticket issued → row on the hall monitor ({len(lat)} tickets): median {statistics.median(lat):.0f} ms, "
          f"p95 {percentile(lat, 0.95):.0f} ms, max {max(lat):.0f} ms")
    times, count = alerts_cost(args.waiting)
    print(f"alerts for {args.waiting} waiting, 6 serving, 4 devices ({count} alerts): "
          f"median {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms")


if __name__ == "__main__":
    main()
