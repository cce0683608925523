"""Reports benchmark: the daily report of a 3,000-ticket day as JSON, and the yearly pack over
600,000 tickets.

    .venv/bin/python bench/bench_reports.py [--day-tickets 3000] [--year-tickets 600000] [--repeat 7]

1. **Day.** A big office (40 windows, 08:00–20:00) lives through one day of ``--day-tickets``
   visitors driven through the real Hub in-process (server/reports/sample.py: real core, real
   event log, real projection). Then ``GET /api/v1/offices/demo/reports/daily?format=json`` is
   timed through the Flask app (sign-in token, routing, the report, JSON), and the report's
   computation alone, and the other formats once each.
2. **Year.** ``--year-tickets`` tickets spread over the working days of a year are written
   straight into a SQLite file (bulk insert of tickets, segments with transfers and every
   outcome, the windows' pause events, ratings) — not through HTTP. Then the yearly pack is timed
   as JSON (the 12 months' SQL aggregation), and the month of most visits.

Figures go to stdout; docs/bench/reports.md keeps a copy with the command.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.reports import build, export  # noqa: E402
from server.reports.sample import DayPlan, build_office_day, fill_year, sample_office  # noqa: E402
from server.store import Store  # noqa: E402
from server.store.config import import_office  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary(name: str, times: list[float], limit: float | None = None) -> None:
    med = statistics.median(times)
    verdict = "" if limit is None else ("  ✓ within " if max(times) <= limit else "  ✗ over ") + ms(limit)
    print(f"  {name:<44} median {ms(med):>8}  min {ms(min(times)):>8}  max {ms(max(times)):>8}{verdict}")


# ---------------------------------------------------------------------- the day

def bench_day(tmp: Path, tickets: int, repeat: int) -> None:
    from server.app import create_app

    db = tmp / "day.sqlite"
    day = datetime.now(MSK).date() - timedelta(days=1)
    definition = sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=34)
    print(f"Day: {tickets} visitors, 40 windows, 08:00–20:00, {day} (through the real Hub, in-process)")
    t0 = time.perf_counter()
    result = build_office_day(db, definition, DayPlan(day=day, visitors=tickets, opens=datetime.strptime(
        "08:00", "%H:%M").time(), closes=datetime.strptime("20:00", "%H:%M").time(), overtime=30, seed=1))
    print(f"  generated in {time.perf_counter() - t0:.1f} s: {result['days'][0]['commands']} commands")
    store = Store(db)
    counts = store.one("SELECT count(*) AS t FROM tickets WHERE day = ?", (day.isoformat(),))
    segs = store.one("SELECT count(*) AS s FROM segments WHERE day = ?", (day.isoformat(),))
    events = store.one("SELECT count(*) AS e FROM events WHERE day = ?", (day.isoformat(),))
    print(f"  tickets {counts['t']}, segments {segs['s']}, events {events['e']}")

    app = create_app(db)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"login": "head", "password": "head-demo"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/offices/demo/reports/daily?date={day.isoformat()}&format=json"
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.data
    rep = first.json
    print(f"  report: {rep['visits']['issued']} visits, mean wait {rep['total']['wait']['avg'] / 60:.1f} min, "
          f"{len(first.data):,} bytes of JSON".replace(",", " "))
    summary("GET …/reports/daily?format=json (Flask)", timed(lambda: client.get(url, headers=headers), repeat), 0.300)
    now = time.time()
    summary("build.daily() alone", timed(lambda: build.daily(store, "demo", day, now), repeat))
    summary("build.daily() + json.dumps", timed(
        lambda: json.dumps(build.daily(store, "demo", day, now), ensure_ascii=False), repeat))
    for fmt in ("html", "csv", "xlsx", "pdf"):
        summary(f"export {fmt}", timed(lambda f=fmt: export.render(rep, f), 3 if fmt != "pdf" else 2))


# ---------------------------------------------------------------------- the year

def bench_year(tmp: Path, tickets: int, repeat: int) -> None:
    db = tmp / "year.sqlite"
    year = datetime.now(MSK).year - 1
    print(f"Year {year}: {tickets} tickets bulk-inserted into SQLite")
    t0 = time.perf_counter()
    import_office(Store(db), sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=24))
    info = fill_year(db, "demo", year, tickets)
    print(f"  written in {time.perf_counter() - t0:.1f} s: {info['days']} working days, {info['segments']} segments, "
          f"{info['events']} pause events, {info['ratings']} ratings; file {db.stat().st_size / 1e6:.0f} MB")
    store = Store(db)
    now = time.time()
    rep = build.yearly(store, "demo", year, now)
    assert sum(m["visits"]["issued"] for m in rep["months"]) == info["tickets"]
    print(f"  year: mean wait {rep['total']['wait']['avg'] / 60:.2f} min, mean service "
          f"{rep['total']['service']['avg'] / 60:.2f} min, {rep['total']['pauses']} pauses")

    def cold():
        store.conn.execute("DELETE FROM report_months")
        json.dumps(build.yearly(store, "demo", year, now), ensure_ascii=False)

    def cpu(fn):
        c0 = time.process_time()
        fn()
        return time.process_time() - c0

    summary("yearly + json.dumps, counted afresh", timed(cold, 3), 3.0)
    print(f"  {'  (CPU time of one such run)':<44} {ms(cpu(cold)):>15}")
    # the office has moved on to the next year: every month of the year is closed and kept
    store.conn.execute("INSERT INTO events (office, day, type, at, data) VALUES ('demo', ?, 'day.started', ?, '{}')",
                       (f"{year + 1}-01-09", now))
    summary("yearly + json.dumps, first time (months kept)", timed(cold, 1), 3.0)
    summary("yearly + json.dumps, months already kept", timed(
        lambda: json.dumps(build.yearly(store, "demo", year, now), ensure_ascii=False), repeat), 3.0)
    busiest = max(range(12), key=lambda i: rep["months"][i]["visits"]["issued"]) + 1
    summary(f"build.monthly() {year}-{busiest:02d} + json.dumps", timed(
        lambda: json.dumps(build.monthly(store, "demo", year, busiest, now), ensure_ascii=False), repeat))
    from server.app import create_app

    client = create_app(db).test_client()
    token = client.post("/api/v1/auth/login", json={"login": "head", "password": "head-demo"}).json["token"]
    url = f"/api/v1/offices/demo/reports/yearly?year={year}&format=json"
    summary("GET …/reports/yearly?format=json (Flask, kept)", timed(
        lambda: client.get(url, headers={"Authorization": f"Bearer {token}"}), repeat), 3.0)
    for fmt in ("xlsx", "pdf"):
        summary(f"GET …/reports/yearly?format={fmt} (Flask, kept)", timed(
            lambda f=fmt: client.get(url.replace("json", f), headers={"Authorization": f"Bearer {token}"}), 2), 3.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--day-tickets", type=int, default=3000)
    ap.add_argument("--year-tickets", type=int, default=600_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", choices=("day", "year"), default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "day"):
            bench_day(Path(tmp), args.day_tickets, args.repeat)
        if args.only in (None, "year"):
            bench_year(Path(tmp), args.year_tickets, args.repeat)


if __name__ == "__main__":
    main()
