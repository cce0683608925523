"""Visitor page benchmark: many phones following their own ticket while the queue moves.

    .venv/bin/python bench/bench_visitor.py [--phones 100] [--calls 60] [--threads 320]

Starts a real hub process (waitress) on a fresh SQLite file with the demo office, issues one
consultation ticket per phone, and opens ``/t/<token>/events`` for each phone (raw sockets in one
selector loop in a child process, each frame stamped on arrival). Then a window calls the next
ticket ``--calls`` times (each call is followed by a no-show, so the window is free again).

Figures: "call → the called phone shows the call" and "call → every other phone has its new
number of people ahead" (every call moves every waiting consultation one place up, so every
phone gets a frame), the hub's CPU per call with all the phones attached, and the time of the
polling fallback (``/t/<token>.json``) and of the page itself.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import selectors
import socket
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_hub import cpu_seconds, pct
from support import HubProcess


def phones_main(port, paths, seconds, conn):
    """One socket per phone; every ``event: ticket`` frame is stamped: (phone, time, seq, view)."""
    sel = selectors.DefaultSelector()
    buffers = {}
    for i, path in enumerate(paths):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        buffers[s] = b""
    frames = []
    ready_at = time.time() + 1.5
    ready_sent = False
    stop_at = time.time() + seconds
    while time.time() < stop_at:
        if not ready_sent and time.time() >= ready_at:
            conn.send("ready")
            ready_sent = True
        for key, _ in sel.select(timeout=0.1):
            chunk = key.fileobj.recv(1 << 16)
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            now = time.time()
            buf = buffers[key.fileobj] + chunk
            *whole, rest = buf.split(b"\n\n")
            buffers[key.fileobj] = rest
            for block in whole:
                seq, data, kind = None, None, None
                for line in block.split(b"\n"):
                    if line.startswith(b"id: "):
                        seq = int(line[4:])
                    elif line.startswith(b"event: "):
                        kind = line[7:]
                    elif line.startswith(b"data: "):
                        data = line[6:]
                if kind == b"ticket":
                    view = json.loads(data)
                    frames.append((key.data, now, seq, view["state"], view["ahead"]))
    conn.send(frames)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phones", type=int, default=100)
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--threads", type=int, default=320)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    hub = HubProcess(tmp / "bench.sqlite", threads=args.threads).start()
    try:
        admin = hub.client("admin")
        window = admin.state("demo")["windows"][0]["id"]
        tickets = [admin.issue("demo", "consult") for _ in range(args.phones)]
        by_id = {t["id"]: i for i, t in enumerate(tickets)}

        # the page and the polling fallback, before the phones attach
        s = requests.Session()
        page_ms, json_ms = [], []
        for t in tickets:
            t0 = time.perf_counter()
            s.get(hub.url + t["url"]).raise_for_status()
            page_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            s.get(hub.url + t["url"] + ".json").raise_for_status()
            json_ms.append((time.perf_counter() - t0) * 1000)

        parent, child = mp.Pipe()
        proc = mp.Process(target=phones_main, daemon=True,
                          args=(hub.port, [t["url"] + "/events" for t in tickets], args.calls * 0.25 + 15, child))
        proc.start()
        assert parent.recv() == "ready"
        admin.window(window, "open")
        time.sleep(1.0)
        h = admin.headers()
        sent = []
        c0 = cpu_seconds(hub.proc.pid)
        for _ in range(min(args.calls, args.phones - 1)):
            t0 = time.time()
            r = s.post(f"{hub.url}/api/v1/windows/{window}/call-next", json={}, headers=h)
            called = r.json()
            sent.append((called["id"], t0))
            time.sleep(0.1)
            s.post(f"{hub.url}/api/v1/tickets/{called['id']}/no-show", json={}, headers=h).raise_for_status()
            time.sleep(0.1)
        c1 = cpu_seconds(hub.proc.pid)
        frames = parent.recv()
        proc.join(5)

        per_phone: dict[int, list] = {}
        for f in frames:
            per_phone.setdefault(f[0], []).append(f)
        call_ms, others_ms, missing = [], [], 0
        for tid, t0 in sent:
            phone = by_id[tid]
            done = {x for x, at in sent if at <= t0}
            shown = [f for f in per_phone.get(phone, []) if f[3] == "called" and f[1] >= t0]
            if not shown:
                missing += 1
                continue
            call_ms.append((shown[0][1] - t0) * 1000)
            seq = shown[0][2]
            latest = 0.0
            for other, t in enumerate(tickets):
                if t["id"] in done:
                    continue
                got = [f for f in per_phone.get(other, []) if f[2] >= seq and f[1] >= t0]
                if got:
                    latest = max(latest, got[0][1] - t0)
                else:
                    missing += 1
            others_ms.append(latest * 1000)
        n = len(sent)
        print(f"{args.phones} phones on /t/<token>/events, {n} calls (each followed by a no-show)")
        print(f"  call → the called phone shows it: p50 {pct(call_ms, 50):.1f} ms  p95 {pct(call_ms, 95):.1f} ms"
              f"  max {max(call_ms):.1f} ms")
        print(f"  call → every other phone updated: p50 {pct(others_ms, 50):.1f} ms  p95 {pct(others_ms, 95):.1f} ms"
              f"  max {max(others_ms):.1f} ms")
        print(f"  frames received {len(frames)}, expected updates missing: {missing}")
        print(f"  hub CPU {1000 * (c1 - c0) / n:.1f} ms per call + no-show with {args.phones} phones attached")
        print(f"page /t/<token>: p50 {pct(page_ms, 50):.1f} ms  p95 {pct(page_ms, 95):.1f} ms; "
              f"/t/<token>.json: p50 {pct(json_ms, 50):.1f} ms  p95 {pct(json_ms, 95):.1f} ms "
              f"({args.phones} waiting)")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
