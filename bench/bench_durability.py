"""What durability costs: ticket issue throughput and latency with SQLite synchronous=NORMAL vs FULL.

    .venv/bin/python bench/bench_durability.py [--tickets 400] [--workers 1,4] [--rounds 2] [--raw 2000] [--dir PATH]

For each mode (TALON_SYNC=NORMAL, TALON_SYNC=FULL) and each number of concurrent kiosks, starts a
real hub process (waitress) on a fresh SQLite file in ``--dir`` (default: a temporary folder; put it
on the disk the hub will really use), issues ``--tickets`` tickets over HTTP from that many threads
(each request with its Idempotency-Key, as a kiosk sends it) and prints tickets per second and the
latency of one issue (p50, p95, max). Rounds alternate the modes so that a busy moment of the
machine does not fall on one mode only. First, the sync alone: one-row commits of a bare SQLite
file in this process under each mode. Also prints the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support import HubProcess


def pct(values, p):
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def run(folder: Path, mode: str, workers: int, tickets: int) -> dict:
    db = folder / f"bench-{mode}-{workers}-{uuid.uuid4().hex[:6]}.sqlite"
    os.environ["TALON_SYNC"] = mode
    hub = HubProcess(db, extra_args=("--backup-keep-days", "0")).start()
    try:
        url = f"{hub.url}/api/v1/offices/demo/tickets"
        services = ["cash", "consult", "certificate", "owner"]
        latencies: list[float] = []
        lock = threading.Lock()
        per = tickets // workers

        def kiosk(k: int):
            s = requests.Session()
            mine = []
            for i in range(per):
                headers = {"Authorization": f"Bearer {hub.kiosk_key}", "Idempotency-Key": uuid.uuid4().hex}
                t0 = time.perf_counter()
                r = s.post(url, json={"service": services[(k + i) % len(services)]}, headers=headers, timeout=60)
                mine.append(time.perf_counter() - t0)
                r.raise_for_status()
            with lock:
                latencies.extend(mine)

        for _ in range(10):  # warm up (connections, page cache), not counted
            requests.post(url, json={"service": "cash"},
                          headers={"Authorization": f"Bearer {hub.kiosk_key}"}, timeout=60).raise_for_status()
        threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(workers)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        return {"mode": mode, "workers": workers, "n": len(latencies), "per_s": len(latencies) / wall,
                "p50": pct(latencies, 50) * 1000, "p95": pct(latencies, 95) * 1000,
                "max": max(latencies) * 1000, "mean": statistics.mean(latencies) * 1000}
    finally:
        hub.stop()
        os.environ.pop("TALON_SYNC", None)


def raw_commits(folder: Path, mode: str, n: int) -> dict:
    """The sync alone: ``n`` one-row commits (WAL) in this process, no HTTP, no hall."""
    import sqlite3
    path = folder / f"raw-{mode}-{uuid.uuid4().hex[:6]}.sqlite"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={mode}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (data) VALUES (?)", ("x" * 300,))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return {"per_s": n / sum(times), "p50": pct(times, 50) * 1000, "p95": pct(times, 95) * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=400)
    ap.add_argument("--workers", default="1,4")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--raw", type=int, default=2000, help="one-row commits per mode, without the hub")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="talon-durability-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"folder {folder}; load average before {os.getloadavg()}")
    for mode in ("NORMAL", "FULL", "NORMAL", "FULL"):
        raw = raw_commits(folder, mode, args.raw)
        print(f"raw SQLite commits {mode:6}: {raw['per_s']:7.0f} commits/s, p50 {raw['p50']:5.2f} ms, "
              f"p95 {raw['p95']:5.2f} ms", flush=True)
    results: dict[tuple[str, int], list[dict]] = {}
    for r in range(args.rounds):
        modes = ("NORMAL", "FULL") if r % 2 == 0 else ("FULL", "NORMAL")
        for workers in [int(w) for w in args.workers.split(",")]:
            for mode in modes:
                res = run(folder, mode, workers, args.tickets)
                results.setdefault((mode, workers), []).append(res)
                print(f"round {r + 1} {mode:6} kiosks {workers}: {res['per_s']:6.1f} tickets/s, "
                      f"p50 {res['p50']:5.1f} ms, p95 {res['p95']:5.1f} ms, max {res['max']:6.1f} ms", flush=True)
    print(f"load average after {os.getloadavg()}")
    print("\nmode    kiosks  tickets/s (median of rounds)  p50 ms  p95 ms  max ms")
    for (mode, workers), rs in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"{mode:7} {workers:6}  {statistics.median(r['per_s'] for r in rs):10.1f}"
              f"  {statistics.median(r['p50'] for r in rs):20.1f}  {statistics.median(r['p95'] for r in rs):6.1f}"
              f"  {max(r['max'] for r in rs):6.1f}")


if __name__ == "__main__":
    main()
