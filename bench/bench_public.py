"""Public page benchmark (issue 18): a call at the office → «Вас приглашают» on a phone that
follows the centre's public page of that ticket, with N offices shipping at once.

    .venv/bin/python bench/bench_public.py [--offices 50] [--calls 30] [--phones 100] [--batch 5] [--every 1.0]

Starts its own throwaway PostgreSQL (fsync on, as in production), a real ``talon central serve``
with its public listener (``--public-port``), and one real office hub (``talon hub --central``,
the demo office) shipping to it as in service. ``--offices`` - 1 other offices ship a peak day
generated with the real core (bench/bench_central.py ``peak_day``; tokens hashed as a hub ships
them), ``--batch`` events every ``--every`` s each (bench/bench_dashboard.py ``sender``: 50 x 5
events/s is about fifty times the event rate of 50 offices on a peak day), and ``--phones``
phones poll the public pages of those offices' tickets every 1.5 s (the page's own interval).

The measured phone polls ``/t/{token}.json`` of a ticket of the real office every 1.5 s, as the
page's script does. Each round: a ticket is issued at the hub, the phone sees it waiting, the
operator calls it (the time of the call request is t0), the phone's first answer that says
«Вас приглашают к окну N» is t1; latency = t1 - t0 (the hub's shipping, the centre's ingest,
the page's replay and the phone's polling interval all included). Prints p50/p95/max, the
load average and the centre's CPU.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

POLL = 1.5  # the page's polling interval (server/central/public_routes.py POLL_SECONDS)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs))) - 1))]


class Phones:
    """``n`` phones polling public pages every POLL seconds (threads; a phase each)."""

    def __init__(self, base: str, tokens: list[str], n: int, threads: int = 8):
        self.base, self.tokens, self.n = base, tokens, n
        self.stop = threading.Event()
        self.answers: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(k, threads), daemon=True) for k in range(threads)]

    def start(self) -> Phones:
        for t in self.threads:
            t.start()
        return self

    def _run(self, k: int, of: int) -> None:
        s = requests.Session()
        mine = [self.tokens[i % len(self.tokens)] for i in range(k, self.n, of)]
        if not mine:
            return
        gap = POLL / len(mine)
        while not self.stop.is_set():
            for token in mine:
                t = time.perf_counter()
                try:
                    code = s.get(f"{self.base}/t/{token}.json", timeout=10).status_code
                except requests.RequestException:
                    code = 0
                with self.lock:
                    self.answers[code] = self.answers.get(code, 0) + 1
                self.stop.wait(max(0.0, gap - (time.perf_counter() - t)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offices", type=int, default=50, help="offices shipping, the real one included")
    ap.add_argument("--calls", type=int, default=30, help="calls measured at the real office")
    ap.add_argument("--phones", type=int, default=100, help="other phones polling public pages")
    ap.add_argument("--visitors", type=int, default=200, help="visitors of the generated day per synthetic office")
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=64, help="the centre's waitress threads (each listener)")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()

    from bench_central import cpu_seconds, peak_day
    from bench_dashboard import sender
    from pg_support import CentralProcess, OfficeHub, free_port

    from server.central.pgcluster import throwaway
    from server.central.protocol import shipped_data
    from server.central.store import CentralStore

    cluster = throwaway("talon-bench-public-")
    centre = hub = phones = None
    pool = None
    try:
        url = cluster.url()
        store = CentralStore(url, min_size=1, max_size=4)
        store.migrate()
        t = time.time()
        events = peak_day(args.visitors, args.seed)
        tokens = [e["data"]["token"] for e in events if e["type"] == "ticket.issued"]
        events = [{**e, "data": shipped_data(e["type"], e["data"])} for e in events]
        print(f"peak day generated with the real core: {len(events)} events per office in {time.time() - t:.1f} s")
        keys = {}
        for i in range(args.offices - 1):
            office = f"office-{i:02d}"
            store.add_office(office, f"ЦОК № {i + 1}")
            keys[office] = store.pair(store.issue_pairing_code(office))["key"]
        demo_key = store.pair(store.issue_pairing_code("demo", "Измеряемый офис"))["key"]
        public_port = free_port()
        centre = CentralProcess(url, cluster.dir.parent, threads=args.threads, project_every=2.0,
                                extra_args=("--public-port", str(public_port),
                                            "--public-limit", "100000 per minute")).start()
        public = f"http://127.0.0.1:{public_port}"
        hub = OfficeHub(Path(tempfile.mkdtemp(prefix="talon-bench-public-")) / "hub.sqlite", centre.url, demo_key,
                        batch=500, retry_max=1.0).start()
        admin = hub.client("admin")
        windows = admin.state("demo")["windows"]
        window = windows[0]
        if admin.window(window["id"]).get("state") != "open":
            admin.window(window["id"], "open")
        for w in windows[1:]:
            if w.get("state") == "open":
                admin.window(w["id"], "close")

        # the other offices ship for as long as the calls take (with room to spare)
        seconds = args.calls * 6.0 + 30
        n_batches = int(seconds / args.every) + 1
        per_office = []
        for office, key in keys.items():
            bodies = []
            for k in range(n_batches):
                part = events[k * args.batch:(k + 1) * args.batch]
                if not part:
                    break
                bodies.append((json.dumps({"log": f"log-{office}", "after": part[0]["seq"] - 1, "events": part},
                                          ensure_ascii=False).encode(), part[-1]["seq"]))
            per_office.append((office, key, bodies, args.every * len(per_office) / max(1, len(keys))))
        groups = [per_office[i::args.procs] for i in range(args.procs)]
        start_at = time.time() + 2.0
        pool = mp.get_context("fork").Pool(args.procs)
        shipping = pool.map_async(sender, [(centre.url, g, start_at, args.every, seconds) for g in groups])
        # the other offices' visitors: phones polling the pages of the day's first tickets (shipped first)
        phones = Phones(public, tokens[:max(1, args.phones)], args.phones).start() if args.phones else None
        time.sleep(8)  # the load settles
        load_before = os.getloadavg()
        cpu0 = cpu_seconds(centre.proc.pid)
        s = requests.Session()

        def view(token: str) -> dict | None:
            r = s.get(f"{public}/t/{token}.json", timeout=10)
            return r.json()["view"] if r.status_code == 200 else None

        lat: list[float] = []
        for _ in range(args.calls):
            mine = admin.issue("demo", "consult")
            deadline = time.time() + 60
            while (v := view(mine["token"])) is None or v["state"] != "waiting":
                if time.time() > deadline:
                    raise RuntimeError("the ticket never reached the public page")
                time.sleep(POLL)
            # the phone polls on its own beat (every POLL s from its last poll); the call comes at a
            # random point of that beat
            beat = time.perf_counter()
            time.sleep(random.uniform(0, POLL))
            t0 = time.perf_counter()
            called = admin.call_next(window["id"])
            assert called and called["id"] == mine["id"], called
            while True:
                beat += POLL
                now = time.perf_counter()
                if now < beat:
                    time.sleep(beat - now)
                v = view(mine["token"])
                if v is not None and v["state"] == "called" and v["say"].get("call", "").startswith("Вас приглашают"):
                    lat.append(time.perf_counter() - t0)
                    break
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("the call never reached the public page")
            admin.act(mine["id"], "start")
            admin.act(mine["id"], "finish")
        cpu1 = cpu_seconds(centre.proc.pid)
        load_after = os.getloadavg()
        if phones:
            phones.stop.set()
        batches = shipping.get(timeout=seconds + 120)
        acks = sorted(b[3] for r in batches for b in r)
        print(f"offices shipping: {args.offices} (1 real hub + {args.offices - 1} x {args.batch} events every "
              f"{args.every:g} s = {(args.offices - 1) * args.batch / args.every:,.0f} events/s offered); "
              f"other phones polling: {args.phones} every {POLL:g} s")
        print(f"call -> «Вас приглашают» on the phone, s (over {len(lat)} calls): p50 {pct(lat, 50):.2f}, "
              f"p95 {pct(lat, 95):.2f}, max {max(lat):.2f}")
        print(f"other offices' batch acknowledgement, s: p50 {pct(acks, 50):.3f}, p95 {pct(acks, 95):.3f}, "
              f"max {acks[-1]:.3f} ({len(acks)} batches)")
        if phones:
            print(f"other phones' answers: {dict(sorted(phones.answers.items()))}")
        print(f"centre CPU {cpu1 - cpu0:.1f} s during the calls; load average before {load_before[0]:.2f}, "
              f"after {load_after[0]:.2f}; cores: {os.cpu_count()}")
        print(f"target p95 <= 3 s: {'met' if pct(lat, 95) <= 3.0 else 'NOT met'}")
        store.close()
    finally:
        if phones:
            phones.stop.set()
        if pool is not None:
            pool.terminate()
        if hub:
            hub.kill()
        if centre:
            centre.stop()
        cluster.destroy()


if __name__ == "__main__":
    main()
