"""Hub benchmark: live-event latency with 200 SSE subscribers, and a sustained mixed flow.

    .venv/bin/python bench/bench_hub.py [--subscribers 200] [--calls 300] [--seconds 20] [--workers 8]

Starts a real hub process (waitress) on a fresh SQLite file with the demo office. The
subscribers live in a child process (one selector loop over raw sockets) and stamp each event on arrival;
the caller stamps each call before sending it, so "call → received" includes the hub's whole
work (HTTP, rule, commit, publish, fan-out). Both use the machine's wall clock.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import re
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support import HubProcess  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        import os
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
    import subprocess
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "200", "--gil",
                             "-f", "raw", "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=320)
    ap.add_argument("--profile", help="write a py-spy profile (raw) of the hub during the mixed flow here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    hub = HubProcess(tmp / "bench.sqlite", threads=args.threads).start()
    try:
        admin = hub.client("admin")
        lat, got, expected, cpu = bench_latency(hub, admin, args.subscribers, args.calls)
        print(f"call → event at each of {args.subscribers} subscribers: {got}/{expected} deliveries")
        print(f"  p50 {pct(lat, 50):.1f} ms   p95 {pct(lat, 95):.1f} ms   p99 {pct(lat, 99):.1f} ms   "
              f"max {max(lat):.1f} ms")
        print(f"  hub CPU {1000 * cpu / args.calls:.2f} ms per call (call-next + no-show, fan-out to every subscriber)")
        hub.stop()
        hub = HubProcess(tmp / "bench2.sqlite", threads=args.threads).start()
        admin = hub.client("admin")
        c0 = cpu_seconds(hub.proc.pid)
        ops, elapsed, received = bench_mixed(hub, admin, args.subscribers, args.seconds, args.workers,
                                                 args.profile)
        c1 = cpu_seconds(hub.proc.pid)
        print(f"mixed flow (issue, call-next, start, finish), {args.workers} clients, "
              f"{args.subscribers} subscribers connected, {elapsed:.1f} s:")
        print(f"  {len(ops) / elapsed:.0f} ops/s   p50 {statistics.median(ops):.1f} ms   "
              f"p99 {pct(ops, 99):.1f} ms   events delivered to subscribers: {received} calls")
        print(f"  hub CPU {1000 * (c1 - c0) / max(1, len(ops)):.2f} ms per op "
              f"(capacity ≈ {len(ops) / max(1e-9, c1 - c0):.0f} ops per CPU-second)")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
