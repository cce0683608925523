"""Queue operations against queue length, in process (issue 17 point 1): the core's ``Hall.issue``
(with the new ticket's estimate and people ahead, as the kiosk's answer computes them) and
``Hall.call_next`` on the demo office's services and six windows with N tickets waiting.

    .venv/bin/python bench/bench_core_queue.py [--waiting 10,1000,10000] [--repeat 3] [--compare REF]
    .venv/bin/python bench/bench_core_queue.py --profile 10000

``--compare REF`` extracts the git revision REF with ``git archive`` and runs the same measurement
on both trees alternately (this checkout's first), ``--repeat`` times each, each run in its own
Python process, the load average printed with every run; then the medians and their ratio.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("bench_core_queue")

#: the measurement, run in a child process with the tree under test first on sys.path
CHILD = r"""
import json, random, sys, time
from server.demo import demo_definition
from server.domain.hall import Hall, Settings
from server.domain.model import Service, Window
from server.domain.norms import PRESETS
from server.domain.schedule import always_open

def build(policy):
    d = demo_definition(round_the_clock=True)
    services = {s["id"]: Service(s["id"], s["letter"], s["name"], kind=s["kind"], client_type=s["client_type"])
                for s in d["services"]}
    windows = {w["number"]: Window(id=w["number"], number=w["number"], services=dict(w["services"]))
               for w in d["windows"]}
    return Hall(office="demo", services=services, windows=windows, profile=PRESETS["rosatom-2026"],
                schedule=always_open(), settings=Settings(policy=policy))

def run(n, policy, samples):
    rng = random.Random(17)
    hall = build(policy)
    names = list(hall.services)
    now = 1_795_000_000.0  # 2026-11-18, a Wednesday
    for w in hall.windows:
        hall.open_window(w, now)
    for i in range(n):  # the queue is filled by its events (issuing 10,000 the old way takes minutes)
        now += 0.25
        s = hall.services[rng.choice(names)]
        number = hall.counters.get(s.letter, 0) + 1
        hall.emit("ticket.issued", now, ticket=hall._new_id(), service=s.id, letter=s.letter, number=number,
                  code=f"{s.letter}-{number:03d}", token=str(i), source="kiosk", client_type="any",
                  individual=rng.random() < 0.01, priority=0, estimate=None)
    hall.take_pending()
    issue, call = [], []
    for i in range(samples):
        now += 0.25
        s = rng.choice(names)
        a = time.perf_counter()
        t = hall.issue(s, now)
        hall.people_ahead_of_new(t, now)
        issue.append((time.perf_counter() - a) * 1000)
        w = 1 + i % len(hall.windows)
        a = time.perf_counter()
        got = hall.call_next(w, now)
        call.append((time.perf_counter() - a) * 1000)
        if got is not None:
            hall.start(got.id, now)
            hall.finish(got.id, now + 1)
        hall.take_pending()
    return {"issue_p50": statistics.median(issue), "call_p50": statistics.median(call),
            "waiting": len(hall.waiting())}

import statistics
args = json.loads(sys.argv[1])
out = {}
for n in args["waiting"]:
    for policy in args["policies"]:
        out[f"{policy} {n}"] = run(n, policy, args["samples"])
print(json.dumps(out))
"""


def measure(tree: Path, waiting: list[int], policies: list[str], samples: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    arg = json.dumps({"waiting": waiting, "policies": policies, "samples": samples})
    done = subprocess.run([sys.executable, "-c", CHILD, arg], cwd=tree, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def extract(ref: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="talon-ref-"))
    archive = subprocess.run(["git", "archive", ref, "server"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--waiting", default="10,1000,10000", help="queue lengths, comma-separated")
    ap.add_argument("--policies", default="norm-aware,fifo")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare", metavar="REF", help="a git revision to measure side by side")
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile issue + call-next at N waiting (this tree)")
    args = ap.parse_args()
    waiting = [int(x) for x in args.waiting.split(",")]
    policies = args.policies.split(",")
    if args.profile:
        code = CHILD.replace("args = json.loads(sys.argv[1])",
                             "args = json.loads(sys.argv[1]); import cProfile, pstats")
        code = code.replace("out[f\"{policy} {n}\"] = run(n, policy, args[\"samples\"])",
                            "pr = cProfile.Profile(); pr.enable(); run(n, policy, args['samples']); pr.disable(); "
                            "pstats.Stats(pr, stream=sys.stderr).sort_stats('cumulative').print_stats(30)")
        arg = json.dumps({"waiting": [args.profile], "policies": policies[:1], "samples": args.samples})
        subprocess.run([sys.executable, "-c", code, arg], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       check=True, stdout=subprocess.DEVNULL)
        return
    trees = {"this": ROOT}
    if args.compare:
        trees["ref " + args.compare] = extract(args.compare)
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for r in range(args.repeat):
        for name, tree in trees.items():
            before = load()
            got = measure(tree, waiting, policies, args.samples)
            runs[name].append(got)
            log.info("run %d %-14s load %s → %s  %s", r + 1, name, before, load(),
                     "  ".join(f"{k}: issue {v['issue_p50']:.3f} call {v['call_p50']:.3f}" for k, v in got.items()))
    log.info("\nmedians of %d runs, ms (p50 of %d operations each)", args.repeat, args.samples)
    names = list(trees)
    for key in runs[names[0]][0]:
        for op in ("issue_p50", "call_p50"):
            meds = [statistics.median(run[key][op] for run in runs[name]) for name in names]
            ranges = [f"{min(run[key][op] for run in runs[n]):.3f}-{max(run[key][op] for run in runs[n]):.3f}"
                      for n in names]
            ratio = f"  ratio ref/this {meds[1] / meds[0]:.1f}×" if len(meds) > 1 and meds[0] > 0 else ""
            log.info("%-18s %-9s %s%s", key, op, "  ".join(f"{n}: {m:.3f} ({rg})" for n, m, rg in
                                                            zip(names, meds, ranges, strict=True)), ratio)
    log.info("load average at the end: %s", load())


if __name__ == "__main__":
    main()
