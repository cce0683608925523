"""Hub benchmark: live-event latency with 200 SSE subscribers, a sustained mixed flow, a long queue,
a soak; and the same side by side with another git revision (issue 17 points 3 and 4).

    .venv/bin/python bench/bench_hub.py [--subscribers 200] [--calls 300] [--seconds 20] [--workers 6]
    .venv/bin/python bench/bench_hub.py --compare REF [--repeat 3] [--waiting 10000]
    .venv/bin/python bench/bench_hub.py --soak 600 --rate R
    .venv/bin/python bench/bench_hub.py --profile FILE [--tree DIR]

Starts a real hub process (waitress) on a fresh SQLite file with the demo office. The
subscribers live in a child process (one selector loop over raw sockets) and stamp each event on arrival;
the caller stamps each call before sending it, so "call → received" includes the hub's whole
work (HTTP, rule, commit, publish, fan-out). Both use the machine's wall clock.

``--compare REF`` extracts REF with ``git archive`` into a temporary folder and runs both hubs
(this checkout's and REF's, each from its own tree) alternately, ``--repeat`` times each, the load
average printed before and after every run; at the end each figure's range and the ratio of the
medians. Hub CPU per operation (``/proc/PID/stat``) is the figure least moved by other load on
the machine: it is printed first.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from support import HubProcess, free_port  # noqa: E402


class TreeHub(HubProcess):
    """``talon hub`` run from a given source tree (this checkout or an extracted revision): the
    same as tests/support.py's HubProcess, with the tree as working folder and import path."""

    def __init__(self, tree: Path, db: Path, threads: int = 320):
        self.tree = Path(tree)
        self.db = Path(db)
        self.extra_args = ()
        self.port = free_port()
        self.threads = threads
        self.proc = None
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(self.tree)}
        out = subprocess.run([sys.executable, "-m", "server.cli", "init", "--db", str(self.db), "--demo",
                              "--round-the-clock"], cwd=self.tree, env=env, capture_output=True, text=True,
                             check=True).stdout
        from support import _line_value
        self.kiosk_key = _line_value(out, "ключ киоска:")
        self.board_key = _line_value(out, "ключ табло:")

    def start(self, timeout: float = 30.0) -> TreeHub:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(self.tree)}
        self.log = open(self.db.with_suffix(".log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "hub", "--db", str(self.db), "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", str(self.threads), "--testing-clock"],
            cwd=self.tree, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: see {self.db.with_suffix('.log')}")
            try:
                if requests.get(self.url + "/api/v1/offices", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("hub did not start in time")


def load() -> str:
    """The load average (1, 5, 15 min) as /proc/loadavg gives it."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


# ---------------------------------------------------------------------- subscribers (child process)

CALLED = re.compile(rb"event: ticket\.called\ndata: \{[^\n]*?\"data\":\{\"ticket\":(\d+)")


def subscribers_main(port, token, n, seconds, conn):
    """n raw sockets in one selector loop: a stamp per ``ticket.called`` frame at each socket."""
    sel = selectors.DefaultSelector()
    request = (f"GET /api/v1/offices/demo/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode()
    buffers = {}
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        buffers[s] = b""
    time.sleep(1.0)
    conn.send("ready")
    results = []
    stop_at = time.time() + seconds
    while time.time() < stop_at:
        for key, _ in sel.select(timeout=0.2):
            chunk = key.fileobj.recv(1 << 16)
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            now = time.time()
            buf = buffers[key.fileobj] + chunk
            cut = buf.rfind(b"\n\n")
            if cut < 0:
                buffers[key.fileobj] = buf
                continue
            for m in CALLED.finditer(buf, 0, cut + 2):
                results.append((int(m.group(1)), now))
            buffers[key.fileobj] = buf[cut + 2:]
    conn.send(results)


def start_subscribers(hub, token, n, seconds):
    parent, child = mp.Pipe()
    proc = mp.Process(target=subscribers_main, args=(hub.port, token, n, seconds, child), daemon=True)
    proc.start()
    assert parent.recv() == "ready"
    return proc, parent


# ---------------------------------------------------------------------- the two measurements

def bench_latency(hub, admin, subscribers, calls):
    window = admin.state("demo")["windows"][0]["id"]
    admin.window(window, "open")
    for _ in range(calls):
        admin.issue("demo", "consult")
    proc, pipe = start_subscribers(hub, admin.token, subscribers, seconds=calls * 0.05 + 15)
    sent = {}
    s = requests.Session()
    h = admin.headers()
    c0 = cpu_seconds(hub.proc.pid)
    for _ in range(calls):
        t0 = time.time()
        r = s.post(f"{hub.url}/api/v1/windows/{window}/call-next", json={}, headers=h)
        t = r.json()
        sent[t["id"]] = t0
        s.post(f"{hub.url}/api/v1/tickets/{t['id']}/no-show", json={}, headers=h)
        time.sleep(0.02)
    cpu = cpu_seconds(hub.proc.pid) - c0
    results = pipe.recv()
    proc.join(5)
    lat = [(got - sent[tid]) * 1000 for tid, got in results if tid in sent]
    return lat, len(results), subscribers * calls, cpu


def profile(pid: int, seconds: float, out: str | None):
    """Sample the hub with py-spy (if installed) while a measurement runs: ``--profile FILE``."""
    if not out:
        return None
    import shutil
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    # --nonblocking: without it py-spy stops the hub at every sample, and at 200 Hz that alone
    # made the hub ten times slower (41 ops/s); --gil: only samples that hold the GIL
    return subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "200", "--gil",
                             "--nonblocking", "-f", "raw", "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bench_mixed(hub, admin, subscribers, seconds, workers, profile_to=None):
    state = admin.state("demo")
    windows = [w["id"] for w in state["windows"]]
    kiosk_headers = {"Authorization": f"Bearer {hub.kiosk_key}"}
    proc, pipe = start_subscribers(hub, admin.token, subscribers, seconds=seconds + 10)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.time() + seconds
    services = ["consult", "cash", "consult_cash", "owner", "certificate"]

    def worker(i):
        # http.client on a kept-alive connection: the client should cost little next to the hub
        # (requests spends about a millisecond of CPU per call, on the same two cores)
        conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
        h = {**admin.headers(), "Content-Type": "application/json"}
        kh = {**kiosk_headers, "Content-Type": "application/json"}
        w = windows[i % len(windows)]
        mine = []
        k = 0

        def post(path, body, headers):
            t0 = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            r = conn.getresponse()
            data = r.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if r.status >= 400:
                raise RuntimeError(f"{path}: {r.status} {data[:200]!r}")
            return r.status, data

        while time.time() < stop:
            k += 1
            post("/api/v1/offices/demo/tickets", {"service": services[k % len(services)]}, kh)
            status, data = post(f"/api/v1/windows/{w}/call-next", {}, h)
            if status != 200:
                continue
            tid = json.loads(data)["id"]
            for action in ("start", "finish"):
                post(f"/api/v1/tickets/{tid}/{action}", {}, h)
        with lock:
            latencies.extend(mine)

    for w in windows:
        try:
            admin.window(w, "open")
        except Exception:
            pass
    # workers share windows: two operators per window would collide, so one worker per window
    workers = min(workers, len(windows))
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    t_start = time.time()
    for t in threads:
        t.start()
    spy = profile(hub.proc.pid, max(1, seconds - 2), profile_to)
    for t in threads:
        t.join()
    if spy is not None:
        spy.wait()
    elapsed = time.time() - t_start
    received = pipe.recv()
    proc.join(5)
    return latencies, elapsed, len(received)


def bench_queue(hub, admin, waiting, fill_seconds, samples=60):
    """Issue and call-next with a long queue: ``waiting`` tickets issued first (by four clients, for
    at most ``fill_seconds``), then ``samples`` issues and ``samples`` call-nexts timed one by one.
    Answers (issue times, call-next times, tickets waiting when measured)."""
    kh = {"Authorization": f"Bearer {hub.kiosk_key}", "Content-Type": "application/json"}
    h = {**admin.headers(), "Content-Type": "application/json"}
    window = admin.state("demo")["windows"][0]["id"]
    admin.window(window, "open")
    stop = time.time() + fill_seconds
    count = [0]
    lock = threading.Lock()

    def filler():
        conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
        while time.time() < stop:
            with lock:
                if count[0] >= waiting:
                    return
                count[0] += 1
            conn.request("POST", "/api/v1/offices/demo/tickets", body=b'{"service":"consult"}', headers=kh)
            r = conn.getresponse()
            r.read()
            if r.status >= 400:
                raise RuntimeError(f"issue: {r.status}")

    threads = [threading.Thread(target=filler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)

    def timed(path, body, headers):
        t0 = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status >= 400:
            raise RuntimeError(f"{path}: {r.status} {data[:200]!r}")
        return (time.perf_counter() - t0) * 1000, data

    issue = [timed("/api/v1/offices/demo/tickets", b'{"service":"consult"}', kh)[0] for _ in range(samples)]
    call = []
    for _ in range(samples):
        ms, data = timed(f"/api/v1/windows/{window}/call-next", b"{}", h)
        call.append(ms)
        conn.request("POST", f"/api/v1/tickets/{json.loads(data)['id']}/no-show", body=b"{}", headers=h)
        conn.getresponse().read()
    return issue, call, len(admin.state("demo")["waiting"])


def bench_soak(hub, admin, subscribers, seconds, rate, every=30.0):
    """The mixed flow at a fixed rate (``rate`` operations per second, open loop) for ``seconds``,
    with ``subscribers`` streams open; the hub's RSS printed every ``every`` seconds."""
    windows = [w["id"] for w in admin.state("demo")["windows"]]
    for w in windows:
        admin.window(w, "open")
    proc, pipe = start_subscribers(hub, admin.token, subscribers, seconds=seconds + 15)
    stop = time.time() + seconds
    kh = {"Authorization": f"Bearer {hub.kiosk_key}", "Content-Type": "application/json"}
    h = {**admin.headers(), "Content-Type": "application/json"}
    lat: list[float] = []
    lock = threading.Lock()
    per_worker = rate / len(windows)  # operations per second per window
    services = ["consult", "cash", "consult_cash", "owner", "certificate"]

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
        due = time.time()
        k = 0

        def post(path, body, headers):
            nonlocal due
            due += 1.0 / per_worker
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            t0 = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            r = conn.getresponse()
            data = r.read()
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
            return r.status, data

        while time.time() < stop:
            k += 1
            post("/api/v1/offices/demo/tickets", {"service": services[k % len(services)]}, kh)
            status, data = post(f"/api/v1/windows/{windows[i]}/call-next", {}, h)
            if status != 200:
                continue
            tid = json.loads(data)["id"]
            for action in ("start", "finish"):
                post(f"/api/v1/tickets/{tid}/{action}", {}, h)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(windows))]
    t0 = time.time()
    for t in threads:
        t.start()
    samples = []
    c0 = cpu_seconds(hub.proc.pid)
    while time.time() < stop:
        time.sleep(max(0.0, min(every, stop - time.time())))
        with lock:
            done, window_lat = len(lat), lat[:]
            lat.clear()
        elapsed = time.time() - t0
        rss = rss_mb(hub.proc.pid)
        samples.append((elapsed, rss))
        print(f"  soak {elapsed:5.0f} s: RSS {rss:6.1f} MB   {done / every:5.0f} ops/s   "
              f"p99 {pct(window_lat, 99):6.1f} ms   load {load()}", flush=True)
    for t in threads:
        t.join(10)
    cpu = cpu_seconds(hub.proc.pid) - c0
    pipe.recv()
    proc.join(5)
    return samples, cpu


# ---------------------------------------------------------------------- a profile's shares

SHARES = [  # each sample goes to the first group with one of these on its stack, in this order
    ("wait estimate (server/domain/estimate.py)", ["server/domain/estimate.py"]),
    ("dispatch (server/domain/dispatch.py)", ["server/domain/dispatch.py"]),
    ("rest of the core (server/domain)", ["server/domain/"]),
    ("JSON-schema validation (jsonschema)", ["jsonschema/"]),
    ("SSE frame encoding (events.sse_frame)", ["sse_frame"]),
    ("sends to subscribers", ["Subscriber.send", "ParkedStream.send"]),
    ("broadcaster, the rest (tail walk, heartbeats)", ["_broadcast", "OfficeStream."]),
    ("SQLite write/commit (server/store)", ["server/store/"]),
    ("views for events/answers (hub.ticket_view etc)", ["ticket_view", "window_view", "service_view", "Hub._view"]),
    ("rate limiter (api/limits, flask_limiter)", ["limits.py", "flask_limiter", "limits/"]),
    ("auth (principal lookup)", ["auth.py", "current_principal"]),
    ("Flask/werkzeug request handling", ["flask/", "werkzeug/"]),
    ("waitress (HTTP, channels)", ["waitress/"]),
]


def shares(path: str) -> None:
    """Print a py-spy raw profile's samples by group (as docs/bench/hub.md gives them)."""
    counts: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            continue
        stack, n = line.rsplit(" ", 1)
        total += int(n)
        name = next((name for name, keys in SHARES if any(k in stack for k in keys)), "other")
        counts[name] = counts.get(name, 0) + int(n)
    print(f"{total} samples")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {100 * n / max(1, total):5.1f} %  {name}")


# ---------------------------------------------------------------------- one run, and the comparison

def run_once(tree: Path, tmp: Path, args, tag: str) -> dict:
    """Every figure for one tree on fresh hubs: the call → event latency, the mixed flow, the long queue."""
    out = {"load_before": load()}
    hub = TreeHub(tree, tmp / f"{tag}-lat.sqlite", args.threads).start()
    try:
        admin = hub.client("admin")
        lat, got, expected, cpu = bench_latency(hub, admin, args.subscribers, args.calls)
        out.update(lat_p50=pct(lat, 50), lat_p95=pct(lat, 95), lat_p99=pct(lat, 99),
                   cpu_per_call=1000 * cpu / args.calls, delivered=f"{got}/{expected}")
    finally:
        hub.stop()
    hub = TreeHub(tree, tmp / f"{tag}-mixed.sqlite", args.threads).start()
    try:
        admin = hub.client("admin")
        c0 = cpu_seconds(hub.proc.pid)
        ops, elapsed, received = bench_mixed(hub, admin, args.subscribers, args.seconds, args.workers,
                                             args.profile if tag.endswith("profile") else None)
        c1 = cpu_seconds(hub.proc.pid)
        out.update(cpu_per_op=1000 * (c1 - c0) / max(1, len(ops)), ops_s=len(ops) / elapsed,
                   mixed_p50=statistics.median(ops), mixed_p99=pct(ops, 99), rss_mb=rss_mb(hub.proc.pid))
    finally:
        hub.stop()
    if args.waiting:
        hub = TreeHub(tree, tmp / f"{tag}-queue.sqlite", args.threads).start()
        try:
            issue, call, waiting = bench_queue(hub, hub.client("admin"), args.waiting, args.fill_seconds)
            out.update(issue_p50=statistics.median(issue), call_next_p50=statistics.median(call), waiting=waiting)
        finally:
            hub.stop()
    out["load_after"] = load()
    return out


FIGURES = [  # key, label, format; CPU per operation first: the figure least moved by other load
    ("cpu_per_op", "hub CPU per mixed op, ms", "{:.2f}"),
    ("cpu_per_call", "hub CPU per call + no-show (latency run), ms", "{:.2f}"),
    ("ops_s", "mixed flow, ops/s", "{:.0f}"),
    ("mixed_p50", "mixed flow p50, ms", "{:.1f}"),
    ("mixed_p99", "mixed flow p99, ms", "{:.1f}"),
    ("lat_p50", "call → event p50, ms", "{:.1f}"),
    ("lat_p95", "call → event p95, ms", "{:.1f}"),
    ("lat_p99", "call → event p99, ms", "{:.1f}"),
    ("issue_p50", "issue p50 with the long queue, ms", "{:.1f}"),
    ("call_next_p50", "call-next p50 with the long queue, ms", "{:.1f}"),
    ("waiting", "tickets waiting in the long queue", "{:.0f}"),
    ("rss_mb", "hub RSS after the mixed flow, MB", "{:.0f}"),
]


def describe(r: dict) -> str:
    parts = [f"{label.split(',')[0]} {fmt.format(r[k])}" for k, label, fmt in FIGURES if k in r]
    return "; ".join(parts) + f"; load {r['load_before']} → {r['load_after']}"


def extract(ref: str, into: Path) -> Path:
    """``git archive REF`` of this repository, unpacked into ``into`` (no worktree, no checkout)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def compare(args, tmp: Path) -> None:
    if args.ref_tree:  # a tree made by hand (e.g. this commit with some files as they were)
        trees = {"this checkout": ROOT, str(args.ref_tree): args.ref_tree}
    else:
        ref_name = args.compare
        rev = subprocess.run(["git", "rev-parse", "--short", ref_name], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
        trees = {"this checkout": ROOT, f"{ref_name} ({rev})": extract(ref_name, tmp / "ref")}
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for round_ in range(args.repeat):
        for i, (name, tree) in enumerate(trees.items()):
            r = run_once(tree, tmp, args, f"r{round_}-{i}")
            results[name].append(r)
            print(f"round {round_ + 1} {name}: {describe(r)}", flush=True)
    print()
    names = list(trees)
    print(f"{'figure':<46} " + "  ".join(f"{n[:24]:>24}" for n in names) + "   ratio ref/this (medians)")
    for key, label, fmt in FIGURES:
        if not all(key in r for rs in results.values() for r in rs):
            continue
        cells = []
        meds = []
        for n in names:
            vals = [r[key] for r in results[n]]
            meds.append(statistics.median(vals))
            cells.append(f"{fmt.format(min(vals))}–{fmt.format(max(vals))}")
        ratio = meds[1] / meds[0] if meds[0] else float("nan")
        print(f"{label:<46} " + "  ".join(f"{c:>24}" for c in cells) + f"   {ratio:.2f}×")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=320)
    ap.add_argument("--waiting", type=int, default=0,
                    help="also time issue and call-next with this many tickets waiting (the issue's figure: 10000)")
    ap.add_argument("--fill-seconds", type=float, default=120,
                    help="at most this long to fill the long queue (the count reached is printed)")
    ap.add_argument("--compare", metavar="REF", help="a git revision to measure side by side (e.g. HEAD~5)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ref-tree", type=Path, help="compare with this source tree instead of a revision")
    ap.add_argument("--tree", type=Path, default=ROOT, help="run the hub from this source tree (default: this one)")
    ap.add_argument("--soak", type=float, metavar="SECONDS", help="a soak at --rate ops/s; RSS every 30 s")
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--profile", help="write a py-spy profile (raw) of the hub during the mixed flow here")
    ap.add_argument("--shares", metavar="RAW", help="only print the groups' shares of a py-spy raw profile")
    args = ap.parse_args()
    if args.shares:
        shares(args.shares)
        return
    tmp = Path(tempfile.mkdtemp(prefix="talon-bench-hub-"))
    if args.compare or args.ref_tree:
        compare(args, tmp)
        return
    if args.soak:
        hub = TreeHub(args.tree, tmp / "soak.sqlite", args.threads).start()
        try:
            print(f"soak: {args.rate:.0f} ops/s for {args.soak:.0f} s, {args.subscribers} subscribers, "
                  f"load {load()}; RSS at start {rss_mb(hub.proc.pid):.1f} MB", flush=True)
            samples, cpu = bench_soak(hub, hub.client("admin"), args.subscribers, args.soak, args.rate)
            first = next((rss for t, rss in samples if t >= 60), samples[0][1])
            last5 = [rss for t, rss in samples if t >= samples[-1][0] - 300]
            print(f"RSS after the first minute {first:.1f} MB, at the end {samples[-1][1]:.1f} MB "
                  f"({100 * (samples[-1][1] / first - 1):+.1f} %); last five minutes "
                  f"{min(last5):.1f}–{max(last5):.1f} MB; hub CPU {cpu:.0f} s")
        finally:
            hub.stop()
        return
    r = run_once(args.tree, tmp, args, "profile")
    for key, label, fmt in FIGURES:
        if key in r:
            print(f"{label:<46} {fmt.format(r[key])}")
    print(f"call → event deliveries {r['delivered']}; load {r['load_before']} → {r['load_after']}")


if __name__ == "__main__":
    main()
