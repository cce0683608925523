"""Backtest of the staffing plan (issue 13 point 5) on a simulated quarter.

A quarter of working days (13 weeks, Monday to Friday) is drawn from a scenario: each weekday has
its own level (Monday busiest, Friday busy) and each day its own noise, so the same weekday of
other weeks is a good but imperfect guide. Every day from the third week on is planned from the
weeks before it only (the same weekday, up to six weeks back: server/planning/forecast.py), the
plan being Erlang C per hour, then checked and corrected by simulating the day on the real core
(server/planning/staffing.py). Then the day itself is simulated with the plan's windows and
lunches, with the day's own visitors, and the share of visitors within their waiting norm is
compared with the target.

Printed: how often the target held with the simulation-checked plan, and with Erlang C alone
(the first answer), the mean share within norm, the window-hours each plan asked for.

    .venv/bin/python bench/bench_plan.py [--scenario quiet-day] [--weeks 13] [--target 0.8] [--seed 5]
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.domain.schedule import WEEKDAYS, DayHours
from server.planning import forecast as F
from server.planning import staffing as P
from server.simulation.engine import Simulator, simulate
from server.simulation.scenario import load

log = logging.getLogger("bench_plan")
WEEKDAY_LEVEL = {"mon": 1.35, "tue": 1.1, "wed": 1.0, "thu": 1.0, "fri": 1.2}


def day_scenario(base, day: date, seed: int, rng: random.Random, busy: float):
    """The scenario of one calendar day: the weekday's level times the day's own noise."""
    level = WEEKDAY_LEVEL[WEEKDAYS[day.weekday()]] * rng.uniform(0.85, 1.15) * busy
    return replace(base, arrivals=[(a, b, r * level) for a, b, r in base.arrivals], days=1, seed=seed,
                   first_day=day, name=f"day-{day}")


def counts_of(sc) -> dict[int, dict[str, int]]:
    """The day's visitors per hour and topic (the same draw as the day's simulation)."""
    sim = Simulator(sc, "norm-aware", record_points=False)
    out: dict[int, dict[str, int]] = {}
    for v in sim.visitors(0, random.Random(f"{sc.seed}:0")):
        hour = int((v.arrive - sc.day_start(0)) // 3600)
        slot = out.setdefault(hour, {})
        slot[v.topic] = slot.get(v.topic, 0) + 1
    return out


def run_actual(sc_day, plan: P.Plan, setup: P.OfficeSetup) -> float | None:
    """The day as it happens: its own visitors, the plan's windows and lunches."""
    staffed = P.scenario_for(plan, setup, 1, sc_day.seed)
    actual = replace(staffed, arrivals=sc_day.arrivals, topics=sc_day.topics, seed=sc_day.seed,
                     walk=sc_day.walk, no_show=sc_day.no_show, cash_time=sc_day.cash_time,
                     cash_service=sc_day.cash_service)
    visits = [v for o in simulate(actual, "norm-aware") for v in o.visits if not v.no_show and v.measured]
    return sum(v.within_norm for v in visits) / len(visits) if visits else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="quiet-day")
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--target", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--busy", type=float, default=1.6, help="scale of the scenario's arrivals")
    ap.add_argument("--sim-days", type=int, default=2, help="simulated days per plan check")
    ap.add_argument("--no-margin", action="store_true", help="plan for the mean day (no busy-day margin)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    base = load(args.scenario)
    hours = DayHours(base.open, base.close)
    setup = P.OfficeSetup("bench", {s.id: s for s in base.services}, list(base.windows), base.profile,
                          base.profile_overrides, hours, base.tz)
    # window minutes per visitor by topic, as the hub learns them from its segments (a consultation
    # that goes on to the cash desk brings the cash desk's minutes too)
    cash = base.cash_time.mean if base.cash_time else 0.0
    minutes = {t.service: t.time.mean + t.then_cash * cash for t in base.topics}
    rng = random.Random(args.seed)
    start = date(2026, 1, 5)  # a Monday
    days = [start + timedelta(days=i) for i in range(args.weeks * 7) if (start + timedelta(days=i)).weekday() < 5]
    scenarios = {d: day_scenario(base, d, args.seed * 1000 + i, rng, args.busy) for i, d in enumerate(days)}
    history = {d: counts_of(sc) for d, sc in scenarios.items()}

    rows = []
    t0 = time.perf_counter()
    for d in days:
        past = [(p.isoformat(), history[p]) for p in (d - timedelta(weeks=k) for k in range(1, F.WEEKS + 1))
                if p in history]
        fc = F.from_history(d, past, minutes)
        if fc is None:
            continue  # the first weeks: too little history
        if args.no_margin:
            fc.margin = 1.0
        checked = P.make_plan(setup, fc, args.target, sim_days=args.sim_days, seed=args.seed)
        erlang = P.make_plan(setup, fc, args.target, simulate=False)
        got = run_actual(scenarios[d], checked, setup)
        got_erlang = run_actual(scenarios[d], erlang, setup)
        # the control: every window of the office the whole day, no lunches - if even this misses
        # the target, no plan could hold it (the day is beyond the office)
        full = replace(checked, shifts=[P.Shift(w.number, P._min(hours.open), P._min(hours.close))
                                        for w in setup.windows])
        got_full = run_actual(scenarios[d], full, setup)
        visitors = sum(sum(x.values()) for x in history[d].values())
        rows.append({"day": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "visitors": visitors,
                     "forecast": round(fc.day_total(), 1), "share": got, "share_erlang": got_erlang,
                     "share_all_windows": got_full,
                     "window_hours": sum(h.windows for h in checked.hours),
                     "window_hours_erlang": sum(h.windows for h in erlang.hours), "rounds": checked.rounds})
        log.info("%s %s", d, rows[-1])
    elapsed = time.perf_counter() - t0

    def held(key, among=None):
        return sum(1 for r in (rows if among is None else among) if r[key] is not None and r[key] >= args.target)

    feasible = [r for r in rows if r["share_all_windows"] is not None and r["share_all_windows"] >= args.target]

    summary = {
        "scenario": args.scenario, "busy": args.busy, "weeks": args.weeks, "target": args.target, "seed": args.seed,
        "days_planned": len(rows),
        "held_checked": held("share"), "held_erlang": held("share_erlang"),
        "held_checked_share": round(held("share") / len(rows), 3) if rows else None,
        "held_erlang_share": round(held("share_erlang") / len(rows), 3) if rows else None,
        "mean_share_checked": round(statistics.fmean(r["share"] for r in rows), 3),
        "mean_share_erlang": round(statistics.fmean(r["share_erlang"] for r in rows), 3),
        "days_feasible": len(feasible),
        "held_checked_feasible": held("share", feasible), "held_erlang_feasible": held("share_erlang", feasible),
        "worst_share_checked": round(min(r["share"] for r in rows), 3),
        "worst_share_erlang": round(min(r["share_erlang"] for r in rows), 3),
        "window_hours_checked": round(statistics.fmean(r["window_hours"] for r in rows), 1),
        "window_hours_erlang": round(statistics.fmean(r["window_hours_erlang"] for r in rows), 1),
        "forecast_error_pct": round(100 * statistics.fmean(abs(r["forecast"] - r["visitors"]) / r["visitors"]
                                                             for r in rows), 1),
        "seconds": round(elapsed, 1),
    }
    if args.json:
        print(json.dumps({"summary": summary, "days": rows}, ensure_ascii=False, indent=1))
        return
    print(f"Backtest of the staffing plan: {args.scenario} ×{args.busy}, {args.weeks} weeks, target {args.target:.0%}")
    print(f"days planned (from the weeks before each):  {summary['days_planned']}")
    print(f"target held, plan checked by simulation:   {summary['held_checked']}/{len(rows)} "
          f"({summary['held_checked_share']:.0%}); mean share {summary['mean_share_checked']:.1%}, "
          f"worst {summary['worst_share_checked']:.1%}; window-hours/day {summary['window_hours_checked']}")
    print(f"target held, Erlang C alone:               {summary['held_erlang']}/{len(rows)} "
          f"({summary['held_erlang_share']:.0%}); mean share {summary['mean_share_erlang']:.1%}, "
          f"worst {summary['worst_share_erlang']:.1%}; window-hours/day {summary['window_hours_erlang']}")
    print(f"days where all {len(setup.windows)} windows all day (no lunches) hold the target: {len(feasible)}; "
          f"among them held: checked {summary['held_checked_feasible']}, Erlang C {summary['held_erlang_feasible']}")
    print(f"forecast error (visitors per day, mean abs): {summary['forecast_error_pct']} %")
    print(f"elapsed: {summary['seconds']} s")


if __name__ == "__main__":
    main()
