"""The company's yearly disclosure (004:203–209) from the centre's roll-ups, and one office-day's rebuild.

    .venv/bin/python bench/bench_disclosure.py [--offices 100] [--tickets-per-day 205] [--runs 5] [--day-visitors 750]

Starts its own throwaway PostgreSQL (server/central/pgcluster.py, fsync on), migrates the
centre's schema and loads, with COPY, a year of ``day_figures`` roll-up rows for ``--offices``
offices (365 days each; ``--tickets-per-day`` visits per office-day, 100 × 365 × 205 ≈ 7.5 million
tickets' worth of sums), each office with its configuration (the demo office's settings under
its own id, name, region and one of four time zones).

Then, ``--runs`` times each:

* the company's yearly disclosure from the roll-ups - every office's year and the company's
  pooled year, the JSON figures (server/reports/build.py ``yearly_reports`` over
  ``CentralSource``), then the one XLSX and the one PDF of every office (target: the figures ≤ 3 s);
* rebuilding one office-day's projections and roll-ups from its events: a real generated peak
  day of ``--day-visitors`` visitors (server/reports/sample.py drives the real hub) stored at the
  centre as a hub ships it, rebuilt by ``CentralStore.rebuild_day`` (target ≤ 100 ms).

Prints each run's time, min-max, and the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONES = ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok")
REGIONS = ("Москва", "Свердловская область", "Новосибирская область", "Приморский край", "Тверская область")


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def peak_day(visitors: int, day: date) -> tuple[dict, list[dict]]:
    """A generated office day: the office's settings snapshot and its event log."""
    from server.reports.sample import DayPlan, build_office_day, sample_office
    from server.reports.source import config_snapshot
    from server.store import Store

    db = Path(tempfile.mkdtemp(prefix="talon-bench-disclosure-")) / "day.sqlite"
    build_office_day(db, sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=6),
                     DayPlan(day=day, visitors=visitors, opens=dtime(8, 0), closes=dtime(20, 0), seed=5))
    store = Store(db)
    settings = config_snapshot(store, "demo")
    events = [{k: e[k] for k in ("seq", "type", "at", "day", "data", "view")}
              for e in store.events_after("demo", 0, limit=10_000_000)]
    store.close()
    return settings, events


def roll_up_rows(office: str, year: int, per_day: int, rng: random.Random):
    """A year of plausible day sums (visits, waits, services, norms, ratings, pauses) for one office."""
    d = date(year, 1, 1)
    while d.year == year:
        n = max(1, int(rng.gauss(per_day, per_day * 0.15)))
        segs = int(n * 1.08)
        served = int(n * 0.9)
        waited = int(segs * 0.95)
        wait_avg = rng.uniform(240, 900)
        svc_count = int(segs * 0.92)
        svc_avg = rng.uniform(300, 720)
        normed_w = waited
        within_w = int(waited * rng.uniform(0.8, 0.99))
        within_s = int(svc_count * rng.uniform(0.75, 0.98))
        ratings = int(n * 0.3)
        dist = [int(ratings * p) for p in (0.03, 0.04, 0.13, 0.3)]
        dist.append(ratings - sum(dist))
        yield (office, d, segs, served, waited, waited * wait_avg, wait_avg * 4.2, normed_w, within_w,
               svc_count, svc_count * svc_avg, svc_avg * 3.5, svc_count, within_s,
               int(n * 0.04), int(n * 0.03), int(n * 0.05), int(n * 0.02), int(n * 0.01), int(n * 0.02),
               int(n * 0.01), int(n * 0.05),
               n, served, served * (wait_avg + svc_avg), (wait_avg + svc_avg) * 3.0, int(served * 0.04),
               int(n * 0.02), int(n * 0.04), int(n * 0.03), n - served - int(n * 0.09),
               ratings, sum((i + 1) * c for i, c in enumerate(dist)), *dist, int(ratings * 0.2),
               12, 12 * 900.0, "bench")
        d += timedelta(days=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offices", type=int, default=100)
    ap.add_argument("--tickets-per-day", type=int, default=205)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--day-visitors", type=int, default=750)
    ap.add_argument("--no-files", action="store_true", help="time the figures only (no XLSX, PDF)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one office-day's rebuild")
    args = ap.parse_args()

    from server.central.pgcluster import throwaway
    from server.central.protocol import check_batch
    from server.central.report_source import DAY_FIGURES_COLUMNS, CentralSource
    from server.central.store import CentralStore
    from server.reports import build, export_pdf, export_xlsx
    from server.reports.source import settings_hash

    cluster = throwaway("talon-bench-pg-")
    try:
        url = cluster.url()
        store = CentralStore(url)
        store.migrate()
        day = date(args.year, 11, 16)
        t = time.perf_counter()
        settings, events = peak_day(args.day_visitors, day)
        tickets = sum(1 for e in events if e["type"] == "ticket.issued")
        print(f"generated the peak day: {tickets} tickets, {len(events)} events in {time.perf_counter() - t:.1f} s")

        offices = [f"o{i:03d}" for i in range(args.offices)]
        rng = random.Random(3)
        t = time.perf_counter()
        with store.connection() as conn, conn.transaction():
            for i, office in enumerate(offices):
                tz = ZONES[i % len(ZONES)]
                s = json.loads(json.dumps(settings))
                s["office"].update(id=office, name=f"Центр обслуживания № {i + 1}")
                s["tz"] = tz
                s["schedule"]["tz"] = tz
                conn.execute("INSERT INTO offices (id, name, region) VALUES (%s, %s, %s)",
                             (office, s["office"]["name"], REGIONS[i % len(REGIONS)]))
                conn.execute("INSERT INTO office_configs (office, valid_from, hash, tz, settings) "
                             "VALUES (%s, %s, %s, %s, %s)",
                             (office, datetime(args.year - 1, 12, 1).timestamp(), settings_hash(s), tz, json.dumps(s)))
            cols = ", ".join(f'"{c}"' for c in DAY_FIGURES_COLUMNS)
            with conn.cursor() as cur, cur.copy(f"COPY day_figures ({cols}) FROM STDIN") as copy:
                for office in offices:
                    for row in roll_up_rows(office, args.year, args.tickets_per_day, rng):
                        copy.write_row(row)
        with store.connection() as conn:
            conn.execute("ANALYZE day_figures")
            n = conn.execute("SELECT count(*) AS n, sum(v_issued) AS t FROM day_figures").fetchone()
        print(f"loaded {n['n']:,} office-day roll-ups ({n['t']:,} tickets' worth) with COPY in "
              f"{time.perf_counter() - t:.1f} s")

        # one office's real day, stored as the hub ships it
        office = offices[0]
        for k in range(0, len(events), 2000):
            _ident, _after, checked = check_batch(office, {"log": "bench-log", "events": events[k:k + 2000]})
            store.ingest(office, "bench-log", checked)

        src = CentralSource(store)
        now = datetime(args.year + 1, 1, 10, tzinfo=ZoneInfo("Europe/Moscow")).timestamp()
        scope = {"id": "company", "name": "Компания: все офисы"}
        figures_t, xlsx_t, pdf_t, rebuild_t, rebuild_cpu = [], [], [], [], []
        print(load())
        for run in range(args.runs):
            t0 = time.perf_counter()
            pooled, own = build.yearly_reports(src, offices, scope, args.year, now)
            t1 = time.perf_counter()
            figures_t.append(t1 - t0)
            line = f"run {run + 1}: figures of {len(own)} offices + company {t1 - t0:.3f} s"
            if not args.no_files:
                doc = build.disclosure_document(pooled, own)
                x = export_xlsx.render(doc)
                t2 = time.perf_counter()
                p = export_pdf.render(doc)
                t3 = time.perf_counter()
                xlsx_t.append(t2 - t1)
                pdf_t.append(t3 - t2)
                line += f", XLSX {t2 - t1:.2f} s ({len(x) // 1024} KB), PDF {t3 - t2:.2f} s ({len(p) // 1024} KB)"
            t4, c4 = time.perf_counter(), time.process_time()
            r = store.rebuild_day(office, day.isoformat())
            rebuild_t.append(time.perf_counter() - t4)
            rebuild_cpu.append(time.process_time() - c4)
            line += (f"; rebuild {office} {day}: {r['events']} events, {r['tickets']} tickets "
                     f"{rebuild_t[-1] * 1000:.0f} ms (this process's CPU {rebuild_cpu[-1] * 1000:.0f} ms)")
            print(line, "|", load())
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            store.rebuild_day(office, day.isoformat())
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        assert pooled["total"]["visits"]["issued"] == sum(o["total"]["visits"]["issued"] for o in own)

        def span(xs, unit=1.0, fmt="{:.3f}"):
            median = fmt.format(statistics.median(xs) * unit)
            return f"{fmt.format(min(xs) * unit)}-{fmt.format(max(xs) * unit)} (median {median})"

        print(f"disclosure figures: {span(figures_t)} s over {args.runs} runs (target <= 3 s)")
        if xlsx_t:
            print(f"disclosure XLSX: {span(xlsx_t, fmt='{:.2f}')} s; PDF: {span(pdf_t, fmt='{:.2f}')} s")
        print(f"rebuild of one office-day ({tickets} tickets): {span(rebuild_t, 1000, '{:.0f}')} ms "
              f"(target <= 100 ms); "
              f"the bench process's CPU in it {span(rebuild_cpu, 1000, '{:.0f}')} ms")
        print(load())
        store.close()
    finally:
        cluster.destroy()
        try:
            cluster.dir.parent.rmdir()
        except OSError:
            pass


if __name__ == "__main__":
    main()
