"""Company dashboard benchmark: 50 offices shipping at once → how soon each change is on the
dashboard's SSE stream.

    .venv/bin/python bench/bench_dashboard.py [--offices 50] [--batch 5] [--every 1.0] [--seconds 60]
                                              [--viewers 5]

Starts its own throwaway PostgreSQL (fsync on) and a real ``talon central serve``; pairs the
offices; generates one peak office day with the real core (bench/bench_central.py's
``peak_day``: the real Hub driven by server/reports/sample.py) and has every office ship it under
its own id, ``--batch`` events every ``--every`` seconds (the offices' phases spread over the
second), as a hub does when its office is busy - 50 offices x 5 events/s is about fifty times
the event rate of 50 offices on a peak day (600 visitors in 12 hours, ~7 events each). The
senders are processes with one thread per office.

``--viewers`` staff members (company administrators) follow ``/api/v1/central/company/stream``;
for every batch the time from its POST to the first frame on each viewer's stream whose row of
that office has ``seq`` at or past the batch's last event is the latency. Prints p50/p95/max over
all batches and viewers, batches never seen, the centre's CPU and the load average.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


def sender(args) -> list[tuple]:
    """One process: a thread per office, a batch every ``every`` seconds; answers
    (office, last seq, time sent, ack seconds) per batch."""
    url, offices, start_at, every, seconds = args
    out: list[tuple] = []
    lock = threading.Lock()

    def ship(office: str, key: str, bodies: list[tuple[bytes, int]], phase: float) -> None:
        s = requests.Session()
        s.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        mine = []
        for k, (body, last_seq) in enumerate(bodies):
            due = start_at + phase + k * every
            if due > start_at + seconds:
                break
            while time.time() < due:
                time.sleep(min(0.01, max(0.0, due - time.time())))
            sent = time.time()
            r = s.post(f"{url}/api/v1/central/offices/{office}/events", data=body, timeout=60)
            if r.status_code != 200:
                raise RuntimeError(f"{office}: {r.status_code} {r.text[:200]}")
            mine.append((office, last_seq, sent, time.time() - sent))
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


class Viewer:
    """A staff member following the dashboard's stream: (office, seq, arrival time) per row."""

    def __init__(self, url: str, login: str, password: str):
        self.session = requests.Session()
        r = self.session.post(url + "/api/v1/central/session", json={"login": login, "password": password},
                              timeout=30)
        r.raise_for_status()
        self.url = url
        self.seen: list[tuple[str, int, float]] = []
        self.frames = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._follow()
        except requests.RequestException:
            pass  # the centre stopped at the end of the run

    def _follow(self) -> None:
        with self.session.get(self.url + "/api/v1/central/company/stream?heartbeat=1", stream=True,
                              timeout=60) as resp:
            kind = None
            for line in resp.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    now = time.time()
                    data = json.loads(line[6:])
                    self.frames += 1
                    rows = data["offices"] if kind == "snapshot" else [data] if kind == "office" else []
                    for row in rows:
                        self.seen.append((row["id"], row["seq"], now))
                    if kind == "snapshot":
                        self.ready.set()

    def first_at(self) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for office, seq, at in list(self.seen):
            out.setdefault(office, []).append((seq, at))
        return out


def latencies(batches: list[tuple], viewer: Viewer) -> tuple[list[float], int]:
    seen = viewer.first_at()
    out, missed = [], 0
    for office, last_seq, sent, _ack in batches:
        arrivals = [at for seq, at in seen.get(office, []) if seq >= last_seq and at >= sent]
        if arrivals:
            out.append(min(arrivals) - sent)
        else:
            missed += 1
    return out, missed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offices", type=int, default=50)
    ap.add_argument("--visitors", type=int, default=100,
                    help="visitors of the generated day per office (its first batch*seconds/every events are sent)")
    ap.add_argument("--batch", type=int, default=5, help="events per batch")
    ap.add_argument("--every", type=float, default=1.0, help="seconds between an office's batches")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the offices ship")
    ap.add_argument("--viewers", type=int, default=5, help="staff following the stream")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=64, help="the centre's waitress threads")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from bench_central import cpu_seconds, peak_day
    from pg_support import CentralProcess

    from server.central.pgcluster import throwaway
    from server.central.staff_store import StaffStore
    from server.central.store import CentralStore

    cluster = throwaway("talon-bench-dash-")
    centre = None
    try:
        url = cluster.url()
        store = CentralStore(url)
        store.migrate()
        staff = StaffStore(store)
        for v in range(args.viewers):
            staff.add_staff(f"viewer{v}", f"Наблюдатель {v}", "viewer-password", "company_admin")
        t = time.time()
        events = peak_day(args.visitors, args.seed)
        print(f"peak day generated with the real core: {len(events)} events per office "
              f"({args.visitors} visitors) in {time.time() - t:.1f} s")
        keys = {}
        for i in range(args.offices):
            office = f"office-{i:02d}"
            store.add_office(office, f"ЦОК № {i + 1}")
            staff.set_office_region(office, f"Регион {i % 5 + 1}")
            keys[office] = store.pair(store.issue_pairing_code(office))["key"]
        centre = CentralProcess(url, cluster.dir.parent, threads=args.threads, project_every=2.0).start()
        n_batches = int(args.seconds / args.every) + 1
        per_office = []
        for office, key in keys.items():
            bodies = []
            for k in range(n_batches):
                part = events[k * args.batch:(k + 1) * args.batch]
                if not part:
                    break
                bodies.append((json.dumps({"log": f"log-{office}", "after": part[0]["seq"] - 1, "events": part},
                                          ensure_ascii=False).encode(), part[-1]["seq"]))
            per_office.append((office, key, bodies, args.every * len(per_office) / args.offices))
        viewers = [Viewer(centre.url, f"viewer{v}", "viewer-password") for v in range(args.viewers)]
        for v in viewers:
            if not v.ready.wait(60):
                raise RuntimeError("a viewer got no snapshot")
        groups = [per_office[i::args.procs] for i in range(args.procs)]
        load_before = os.getloadavg()
        cpu0 = cpu_seconds(centre.proc.pid)
        start_at = time.time() + 1.5
        with mp.get_context("fork").Pool(args.procs) as pool:
            results = pool.map(sender, [(centre.url, g, start_at, args.every, args.seconds) for g in groups])
        batches = [b for r in results for b in r]
        time.sleep(5)  # the last frames
        cpu1 = cpu_seconds(centre.proc.pid)
        load_after = os.getloadavg()
        wall = max(b[2] + b[3] for b in batches) - min(b[2] for b in batches)
        lat, missed = [], 0
        for v in viewers:
            got, miss = latencies(batches, v)
            lat += got
            missed += miss
        lat.sort()
        acks = sorted(b[3] for b in batches)

        def pct(xs, p):
            return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs))) - 1))]

        n_events = sum(min(args.batch, len(events)) for _ in batches)
        print(f"offices: {args.offices}, a batch of {args.batch} events every {args.every:g} s each "
              f"({args.offices * args.batch / args.every:,.0f} events/s offered), {len(batches)} batches, "
              f"{n_events} events in {wall:.1f} s; viewers: {args.viewers}")
        print(f"batch -> dashboard stream, s (over {len(lat)} batch x viewer pairs): p50 {pct(lat, 50):.3f}, "
              f"p95 {pct(lat, 95):.3f}, p99 {pct(lat, 99):.3f}, max {lat[-1]:.3f}; never seen: {missed}")
        print(f"batch acknowledgement, s: p50 {pct(acks, 50):.3f}, p95 {pct(acks, 95):.3f}, max {acks[-1]:.3f}")
        print(f"frames per viewer: {sum(v.frames for v in viewers) / len(viewers):.0f}")
        print(f"centre CPU {cpu1 - cpu0:.1f} s over {wall + 5:.1f} s; load average before {load_before[0]:.2f}, "
              f"after {load_after[0]:.2f}; cores: {os.cpu_count()}")
        print(f"target p95 <= 2 s: {'met' if pct(lat, 95) <= 2.0 and not missed else 'NOT met'}")
        store.close()
    finally:
        if centre:
            centre.stop()
        cluster.destroy()


if __name__ == "__main__":
    main()
