"""PDF reports benchmark, side by side with another revision (issue 17 point 5).

    .venv/bin/python bench/bench_pdf.py [--compare REF] [--repeat 3] [--day-tickets 3000] [--year-tickets 300000]

1. A 3,000-ticket day is lived through the real Hub in-process (server/reports/sample.py) and a
   year of tickets is bulk-written into another SQLite file; both once, shared by both revisions.
2. For each revision (this checkout, and REF checked out by ``git worktree`` into a temporary
   folder), interleaved ``--repeat`` times: the daily PDF rendered in one process, once cold and
   five times warm (median), and ``talon report year --format pdf`` timed from the command line
   (a fresh process: imports, fonts, the year's SQL, charts, the PDF). The load average is
   printed with each round; the ratios at the end compare medians.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MSK = ZoneInfo("Europe/Moscow")

DAY_PDF = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from server.reports import export
rep = json.load(open(sys.argv[2]))
t = time.perf_counter(); export.render(rep, "pdf"); cold = time.perf_counter() - t
warm = []
for _ in range(5):
    t = time.perf_counter(); export.render(rep, "pdf"); warm.append(time.perf_counter() - t)
warm.sort()
print(json.dumps({"cold": cold, "warm": warm[2]}))
"""


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def prepare(tmp: Path, day_tickets: int, year_tickets: int) -> tuple[Path, Path, int]:
    from server.reports import build
    from server.reports.sample import DayPlan, build_office_day, fill_year, sample_office
    from server.store import Store
    from server.store.config import import_office

    day = datetime.now(MSK).date() - timedelta(days=1)
    db = tmp / "day.sqlite"
    t0 = time.perf_counter()
    build_office_day(db, sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=34),
                     DayPlan(day=day, visitors=day_tickets, opens=datetime.strptime("08:00", "%H:%M").time(),
                             closes=datetime.strptime("20:00", "%H:%M").time(), overtime=30, seed=1))
    report = build.daily(Store(db), "demo", day, time.time())
    day_json = tmp / "daily.json"
    day_json.write_text(json.dumps(report, ensure_ascii=False))
    print(f"day {day}: {report['visits']['issued']} visits, made in {time.perf_counter() - t0:.0f} s")
    year = datetime.now(MSK).year - 1
    ydb = tmp / "year.sqlite"
    t0 = time.perf_counter()
    import_office(Store(ydb), sample_office("rosatom-2026", opens="08:00", closes="20:00", extra_windows=24))
    info = fill_year(ydb, "demo", year, year_tickets)
    print(f"year {year}: {info['tickets']} tickets, made in {time.perf_counter() - t0:.0f} s")
    return day_json, ydb, year


def measure(tree: Path, day_json: Path, ydb: Path, year: int, tmp: Path) -> dict:
    py = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
    r = subprocess.run([py, "-c", DAY_PDF, str(tree), str(day_json)], capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    pdf = tmp / "year.pdf"
    t = time.perf_counter()
    subprocess.run([py, "-m", "server.cli", "report", "year", "--db", str(ydb), "--year", str(year),
                    "-o", str(pdf)], cwd=tree, capture_output=True, text=True, check=True,
                   env={**os.environ, "PYTHONPATH": str(tree)})
    out["year_cli"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", metavar="REF", help="a git revision to measure side by side (e.g. HEAD~5)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--day-tickets", type=int, default=3000)
    ap.add_argument("--year-tickets", type=int, default=300_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="talon-bench-pdf-"))
    day_json, ydb, year = prepare(tmp, args.day_tickets, args.year_tickets)
    trees = {"this checkout": ROOT}
    if args.compare:
        ref = tmp / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", str(ref), args.compare], cwd=ROOT, check=True,
                       capture_output=True)
        trees[args.compare] = ref
    results: dict[str, list[dict]] = {name: [] for name in trees}
    try:
        for round_ in range(args.repeat):
            for name, tree in trees.items():
                r = measure(tree, day_json, ydb, year, tmp)
                r["load"] = load()
                results[name].append(r)
                print(f"round {round_ + 1} {name:<16} daily PDF cold {r['cold'] * 1000:6.0f} ms, warm "
                      f"{r['warm'] * 1000:6.0f} ms; yearly PDF from the command line {r['year_cli']:5.2f} s; "
                      f"load {r['load']}", flush=True)
    finally:
        if args.compare:
            subprocess.run(["git", "worktree", "remove", "--force", str(trees[args.compare])], cwd=ROOT,
                           capture_output=True)
    print()
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("cold", "warm", "year_cli")}
           for name, rs in results.items()}
    for name, rs in results.items():
        rng = {k: (min(r[k] for r in rs), max(r[k] for r in rs)) for k in ("cold", "warm", "year_cli")}
        print(f"{name:<16} daily warm {rng['warm'][0] * 1000:.0f}–{rng['warm'][1] * 1000:.0f} ms, cold "
              f"{rng['cold'][0] * 1000:.0f}–{rng['cold'][1] * 1000:.0f} ms; yearly CLI "
              f"{rng['year_cli'][0]:.2f}–{rng['year_cli'][1]:.2f} s")
    if args.compare:
        a, b = med["this checkout"], med[args.compare]
        print(f"ratio {args.compare} / this checkout (medians): daily warm {b['warm'] / a['warm']:.2f}×, "
              f"cold {b['cold'] / a['cold']:.2f}×, yearly CLI {b['year_cli'] / a['year_cli']:.2f}×")


if __name__ == "__main__":
    main()
