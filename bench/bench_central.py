"""Centre benchmark: 50 office hubs shipping a peak day at once.

    .venv/bin/python bench/bench_central.py [--offices 50] [--visitors 600] [--batch 500] [--procs 4]

Starts its own throwaway PostgreSQL (fsync on, as in production) and a real ``talon central
serve`` process, pairs the offices, generates one realistic peak office day with the real core
(server/reports/sample.py drives the real Hub: issue, call, serve, transfer, pauses, ratings),
and has every office ship that day's log under its own office id, in batches of ``--batch``,
each office sending its next batch as soon as the previous one is acknowledged (what a hub with
a backlog does). The senders are ``--procs`` processes with one thread per office; bodies are
encoded beforehand so the senders cost little CPU (the machine's 2 cores are shared with the
centre and PostgreSQL anyway).

Prints events/s over the whole run (first request to last acknowledgement), batch
acknowledgement latencies (p50/p95/p99/max), the centre's and PostgreSQL's CPU, the load
average, and checks that the centre holds every event exactly once.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def children_cpu(pid: int) -> float:
    """CPU of the live child processes of ``pid`` (the centre's projector process)."""
    total = 0.0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def postgres_cpu(data_dir: Path) -> float:
    """CPU of every PostgreSQL process of the cluster (the postmaster and its children)."""
    pid_file = data_dir / "postmaster.pid"
    try:
        master = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = 0.0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            if int(p.name) == master or int(fields[1]) == master:
                total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) \
                    / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def peak_day(visitors: int, seed: int, full_view: bool = False) -> list[dict]:
    from server.central.protocol import shipped_view
    from server.reports.sample import DayPlan, build_office_day, sample_office
    from server.store import Store

    db = Path(tempfile.mkdtemp(prefix="talon-bench-day-")) / "day.sqlite"
    build_office_day(db, sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=6),
                     DayPlan(day=date(2026, 11, 16), visitors=visitors, opens=__import__("datetime").time(8, 0),
                             closes=__import__("datetime").time(20, 0), seed=seed))
    store = Store(db)
    events = [{**{k: e[k] for k in ("seq", "type", "at", "day", "data")},
               "view": e["view"] if full_view else shipped_view(e["view"])}
              for e in store.events_after("demo", 0, limit=10_000_000)]
    store.close()
    return events


def sender(args) -> list[tuple]:
    """One process: a thread per office, each posting its batches one after another."""
    url, offices, start_at, interval = args
    out: list[tuple] = []
    lock = threading.Lock()

    def ship(office: str, key: str, bodies: list[bytes], phase: float) -> None:
        s = requests.Session()
        s.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        mine = []
        for k, (body, n) in enumerate(bodies):
            if interval:  # open loop: this office's next batch is due at its own time, acked or not
                due = start_at + phase + k * interval
                while time.time() < due:
                    time.sleep(min(0.01, max(0.0, due - time.time())))
            t = time.perf_counter()
            r = s.post(f"{url}/api/v1/central/offices/{office}/events", data=body, timeout=60)
            dt = time.perf_counter() - t
            if r.status_code != 200:
                raise RuntimeError(f"{office}: {r.status_code} {r.text[:200]}")
            mine.append((time.time() - dt, time.time(), dt, n))
        with lock:
            out.extend(mine)

    while time.time() < start_at:
        time.sleep(0.005)
    threads = [threading.Thread(target=ship, args=o) for o in offices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def wal_lsn(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


def wal_bytes_since(url: str, lsn: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (lsn,)).fetchone()[0])


def print_sizes(url: str) -> None:
    """Bytes on disk per stored row (table, its indexes and TOAST: pg_total_relation_size), for
    docs/scale.md's extrapolation."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        data, view, row = conn.execute("SELECT avg(pg_column_size(data)), avg(pg_column_size(view)), "
                                       "avg(pg_column_size(e.*)) FROM events e").fetchone()
        print(f"events columns: data {data:.0f} bytes, view {view:.0f} bytes, whole row {row:.0f} bytes (jsonb)")
        for table in ("events", "tickets", "segments", "day_services", "projected_days"):
            rows, size = conn.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}").fetchone()
            heap = conn.execute(f"SELECT pg_relation_size('{table}')").fetchone()[0]
            print(f"size {table}: {rows} rows, {size / 1e6:.1f} MB with indexes and TOAST "
                  f"({size / max(rows, 1):.0f} bytes/row; heap alone {heap / max(rows, 1):.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offices", type=int, default=50)
    ap.add_argument("--visitors", type=int, default=600, help="visitors of the peak day per office")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=64, help="the centre's waitress threads")
    ap.add_argument("--project-every", type=float, default=2.0, help="the centre's projection pass (0: off)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--rate", type=float, default=0.0,
                    help="offered events/s over all offices (open loop: each office sends a batch every "
                         "batch*offices/rate s); 0: every office sends as fast as it is acknowledged")
    ap.add_argument("--full-view", action="store_true",
                    help="ship each event's whole view, as hubs did before the thin view (an A/B)")
    args = ap.parse_args()

    from pg_support import CentralProcess

    from server.central.pgcluster import throwaway
    from server.central.store import CentralStore

    cluster = throwaway("talon-bench-pg-")
    centre = None
    try:
        url = cluster.url()
        store = CentralStore(url)
        store.migrate()
        t = time.time()
        events = peak_day(args.visitors, args.seed, args.full_view)
        print(f"peak day generated with the real core: {len(events)} events per office "
              f"({args.visitors} visitors) in {time.time() - t:.1f} s")
        keys = {f"office-{i:02d}": store.pair(store.issue_pairing_code(f"office-{i:02d}"))["key"]
                for i in range(args.offices)}
        centre = CentralProcess(url, cluster.dir.parent, threads=args.threads, project_every=args.project_every)
        centre.start()
        bodies = []
        for i in range(0, len(events), args.batch):
            part = events[i:i + args.batch]
            bodies.append((part, len(part)))
        per_office = []
        for office, key in keys.items():
            encoded = [(json.dumps({"log": f"log-{office}", "after": part[0]["seq"] - 1, "events": part},
                                   ensure_ascii=False).encode(), n) for part, n in bodies]
            per_office.append((office, key, encoded, len(per_office) / args.offices))
        interval = args.batch * args.offices / args.rate if args.rate else 0.0
        if interval:
            per_office = [(o, k, b, phase * interval) for o, k, b, phase in per_office]
        groups = [per_office[i::args.procs] for i in range(args.procs)]
        load_before = os.getloadavg()
        wal0 = wal_lsn(url)
        cpu0, pg0 = cpu_seconds(centre.proc.pid), postgres_cpu(cluster.data)
        kids0 = children_cpu(centre.proc.pid)
        start_at = time.time() + 1.5
        with mp.get_context("fork").Pool(args.procs) as pool:
            results = pool.map(sender, [(centre.url, g, start_at, interval) for g in groups])
        samples = [s for r in results for s in r]
        first = min(s[0] for s in samples)
        last = max(s[1] for s in samples)
        cpu1, pg1 = cpu_seconds(centre.proc.pid), postgres_cpu(cluster.data)
        kids1 = children_cpu(centre.proc.pid)
        load_after = os.getloadavg()
        total = sum(s[3] for s in samples)
        lat = sorted(s[2] * 1000 for s in samples)

        def pct(p):
            return lat[min(len(lat) - 1, max(0, int(round(p / 100 * len(lat))) - 1))]

        wall = last - first
        stored = store.event_count()
        exact = stored == total == len(events) * args.offices and all(
            store.high_water_mark(o) == len(events) for o in keys)
        print(f"offices: {args.offices}, batch: {args.batch} events, batches: {len(samples)}, "
              + (f"offered {args.rate:,.0f} events/s (a batch per office every {interval:.2f} s)" if interval
                 else "closed loop (each office sends its next batch when the last is acknowledged)"))
        print(f"events: {total} in {wall:.2f} s -> {total / wall:,.0f} events/s sustained")
        print(f"batch acknowledgement ms: p50 {pct(50):.1f}, p95 {pct(95):.1f}, p99 {pct(99):.1f}, "
              f"max {lat[-1]:.1f}, mean {statistics.fmean(lat):.1f}")
        print(f"centre CPU {cpu1 - cpu0:.1f} s (+ {kids1 - kids0:.1f} s in its projector process), "
              f"PostgreSQL CPU {pg1 - pg0:.1f} s over {wall:.1f} s wall")
        print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} "
              f"{load_after[1]:.2f}; cores: {os.cpu_count()}")
        print(f"stored exactly once: {exact} ({stored} rows)")
        wal = wal_bytes_since(url, wal0)
        print(f"WAL written while sending: {wal / 1e6:.1f} MB ({wal / max(total, 1):.0f} bytes/event, "
              f"projection included)")
        if args.project_every:
            t = time.time()
            while time.time() - t < 120 and any(o["projected_seq"] < o["high_water_mark"] for o in store.offices()):
                time.sleep(0.5)
            print(f"projections caught up {time.time() - last:.1f} s after the last batch")
            print_sizes(url)
        store.close()
    finally:
        if centre:
            centre.stop()
        cluster.destroy()


if __name__ == "__main__":
    main()
