"""Dispatch and the wait estimate judged on a family of office days (issue 13, points 1 and 3).

    .venv/bin/python bench/bench_family.py                 # the test half of 30 busy + 10 quiet days
    .venv/bin/python bench/bench_family.py --half tune     # the half the parameters were tuned on
    .venv/bin/python bench/bench_family.py --count 30 --seed 1 --quiet-count 10 --json out.json

Per policy (fifo, norm-aware): the mean and the worst day of the share within the waiting norm,
the p95 and the longest wait, visits over 33 minutes; for the estimate the share of real waits
inside the printed range (overall, per day, per hour of the day), the mean absolute error where
the real wait is under 15 minutes and the relative error above, and the share of ranges that keep
the width rule (≤ 0.4 × middle + 4 minutes). Then norm-aware against fifo day by day at load ≥ 0.85.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.simulation import family, judge  # noqa: E402

log = logging.getLogger("bench_family")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=30, help="busy days in the family (default 30)")
    ap.add_argument("--quiet-count", type=int, default=10, help="quiet days in the family (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--half", choices=("tune", "test", "all"), default="test")
    ap.add_argument("--policy", action="append", dest="policies")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    policies = args.policies or ["fifo", "norm-aware"]
    data = {}
    for kind, count in (("peak", args.count), ("quiet", args.quiet_count)):
        if count <= 0:
            continue
        started = time.perf_counter()
        members = family.family(kind, count, args.seed, args.half)
        verdicts = judge.judge(members, policies)
        log.info(judge.format_verdicts(
            verdicts, f"\n== {kind}: {count} дн., seed {args.seed}, половина {args.half} ({len(members)} дн.), "
                      f"{time.perf_counter() - started:.0f} с =="))
        data[kind] = {"members": [sc.family | {"name": sc.name} for sc in members],
                      "policies": {p: v.summary() for p, v in verdicts.items()}}
        if "fifo" in verdicts and "norm-aware" in verdicts:
            data[kind]["compare"] = judge.compare(verdicts["fifo"], verdicts["norm-aware"])
    if args.json:
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
