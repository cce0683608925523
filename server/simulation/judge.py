"""Judging dispatch and the wait estimate on a family of days (issue 13, points 1 and 3).

Every member of the family is simulated under each policy with the same visitors; the figures
of each day are kept, and every figure is given as the mean and the worst case over the family.
The estimate's figures are per visitor (pooled over the family) and per day:

- *hit*: the real wait fell inside the printed range; overall and per hour of the day (pooled
  over the family, hours with at least ``HOUR_MIN`` visitors);
- *MAE*: mean |projected wait − real wait| (minutes) over visitors whose real wait was under
  15 minutes; *relative error*: mean |projected − real| / real over the others;
- *width rule*: the share of printed ranges no wider than 0.4 × their middle + 4 minutes.
"""
from __future__ import annotations

import statistics
import time as _time
from dataclasses import dataclass, field

from .engine import simulate
from .report import quantile
from .scenario import MINUTE, Scenario

HOUR_MIN = 30
SHORT = 15.0  # minutes: below, the absolute error counts; above, the relative one


@dataclass
class Day:
    """One member of the family under one policy."""

    name: str
    load: float
    visitors: int
    within_norm: float
    p95: float
    max_wait: float
    long_visits: int
    hits: int
    estimated: int
    abs_short: list[float] = field(default_factory=list, repr=False)
    rel_long: list[float] = field(default_factory=list, repr=False)
    width_ok: int = 0
    by_hour: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)  # hour → (hits, n)
    seconds: float = 0.0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.estimated if self.estimated else 1.0

    @property
    def mae_short(self) -> float:
        return statistics.fmean(self.abs_short) if self.abs_short else 0.0

    @property
    def rel_error(self) -> float:
        return statistics.fmean(self.rel_long) if self.rel_long else 0.0


def judge_day(sc: Scenario, policy: str) -> Day:
    started = _time.perf_counter()
    outcome = simulate(sc, policy, 1, sc.seed)[0]
    hall = sc.make_hall(policy)
    visit_norm = hall.profile.visit_total
    limit = visit_norm.limit * MINUTE if visit_norm else None
    visits = [v for v in outcome.visits if v.measured]
    waits = [v.wait / MINUTE for v in visits]
    day = Day(name=sc.name, load=sc.load(), visitors=len(visits),
              within_norm=(sum(v.within_norm for v in visits) / len(visits)) if visits else 1.0,
              p95=quantile(waits, 0.95), max_wait=max(waits, default=0.0),
              long_visits=sum(1 for v in visits if limit is not None and v.total > limit),
              hits=0, estimated=0)
    for v in visits:
        if not v.estimate:
            continue
        lo, hi = v.estimate
        real = v.wait / MINUTE
        hit = lo <= real <= hi
        day.estimated += 1
        day.hits += hit
        hour = int(v.clock // 3600)
        h, n = day.by_hour.get(hour, (0, 0))
        day.by_hour[hour] = (h + hit, n + 1)
        day.width_ok += (hi - lo) <= 0.4 * (lo + hi) / 2 + 4 + 1e-9
        point = v.point if v.point is not None else (lo + hi) / 2
        if real < SHORT:
            day.abs_short.append(abs(point - real))
        else:
            day.rel_long.append(abs(point - real) / real)
    day.seconds = _time.perf_counter() - started
    return day


@dataclass
class Verdict:
    """The family's figures under one policy."""

    policy: str
    days: list[Day]

    def _mean(self, f) -> float:
        return statistics.fmean(f(d) for d in self.days) if self.days else 0.0

    def summary(self) -> dict:
        ds = self.days
        est = sum(d.estimated for d in ds)
        hours: dict[int, tuple[int, int]] = {}
        for d in ds:
            for h, (hit, n) in d.by_hour.items():
                a, b = hours.get(h, (0, 0))
                hours[h] = (a + hit, b + n)
        per_hour = {h: hit / n for h, (hit, n) in sorted(hours.items()) if n >= HOUR_MIN}
        day_hours = [hit / n for d in ds for h, (hit, n) in d.by_hour.items() if n >= HOUR_MIN]
        short = [x for d in ds for x in d.abs_short]
        rel = [x for d in ds for x in d.rel_long]
        return {
            "policy": self.policy, "days": len(ds), "visitors": sum(d.visitors for d in ds),
            "within_norm": {"mean": self._mean(lambda d: d.within_norm), "worst": min(d.within_norm for d in ds)},
            "p95_wait": {"mean": self._mean(lambda d: d.p95), "worst": max(d.p95 for d in ds)},
            "max_wait": {"mean": self._mean(lambda d: d.max_wait), "worst": max(d.max_wait for d in ds)},
            "long_visits": {"mean": self._mean(lambda d: d.long_visits), "worst": max(d.long_visits for d in ds)},
            "hit": {"overall": sum(d.hits for d in ds) / est if est else 1.0,
                    "mean": self._mean(lambda d: d.hit_rate), "worst": min(d.hit_rate for d in ds),
                    "worst_hour_pooled": min(per_hour.values(), default=1.0),
                    "worst_day_hour": min(day_hours, default=1.0),
                    "day_hours_below_70": sum(1 for x in day_hours if x < 0.70),
                    "day_hours": len(day_hours), "per_hour": per_hour},
            "mae_short": {"overall": statistics.fmean(short) if short else 0.0,
                          "mean": self._mean(lambda d: d.mae_short), "worst": max(d.mae_short for d in ds)},
            "rel_long": {"overall": statistics.fmean(rel) if rel else 0.0, "n": len(rel),
                         "mean": self._mean(lambda d: d.rel_error), "worst": max(d.rel_error for d in ds)},
            "width_ok": sum(d.width_ok for d in ds) / est if est else 1.0,
            "seconds": sum(d.seconds for d in ds),
        }


def judge(members: list[Scenario], policies=("fifo", "norm-aware"), on_day=None) -> dict[str, Verdict]:
    out = {p: Verdict(p, []) for p in policies}
    for sc in members:
        for p in policies:
            d = judge_day(sc, p)
            out[p].days.append(d)
            if on_day:
                on_day(sc, p, d)
    return out


def compare(fifo: Verdict, smart: Verdict, min_load: float = 0.85) -> dict:
    """The issue's dispatch targets, day by day at load ≥ ``min_load``."""
    pairs = [(a, b) for a, b in zip(fifo.days, smart.days, strict=False) if a.load >= min_load - 1e-9]
    if not pairs:
        return {"days": 0}
    gains = [b.within_norm - a.within_norm for a, b in pairs]
    return {
        "days": len(pairs),
        "gain_mean_pp": 100 * statistics.fmean(gains), "gain_worst_pp": 100 * min(gains),
        "p95_no_worse_share": sum(b.p95 <= a.p95 + 1e-9 for a, b in pairs) / len(pairs),
        "max_ratio_worst": max((b.max_wait / a.max_wait) if a.max_wait else 1.0 for a, b in pairs),
        "max_ratio_mean": statistics.fmean((b.max_wait / a.max_wait) if a.max_wait else 1.0 for a, b in pairs),
        "long_visits_fifo": sum(a.long_visits for a, _ in pairs),
        "long_visits_smart": sum(b.long_visits for _, b in pairs),
        "long_visits_days_worse": sum(b.long_visits > a.long_visits for a, b in pairs),
    }


def format_verdicts(verdicts: dict[str, Verdict], title: str = "") -> str:
    lines = [title] if title else []
    for p, v in verdicts.items():
        s = v.summary()
        lines += [
            f"Политика {p}: дней {s['days']}, посетителей {s['visitors']}",
            f"  в пределах норматива: среднее {100 * s['within_norm']['mean']:.1f} %, худший день "
            f"{100 * s['within_norm']['worst']:.1f} %",
            f"  p95 ожидания: среднее {s['p95_wait']['mean']:.1f} мин, худший {s['p95_wait']['worst']:.1f} мин; "
            f"максимум: среднее {s['max_wait']['mean']:.1f}, худший {s['max_wait']['worst']:.1f} мин",
            f"  визитов дольше 33 мин: в среднем {s['long_visits']['mean']:.1f} в день, худший день "
            f"{s['long_visits']['worst']}",
            f"  прогноз: в диапазоне {100 * s['hit']['overall']:.1f} % (по дням: среднее "
            f"{100 * s['hit']['mean']:.1f} %, худший {100 * s['hit']['worst']:.1f} %), худший час "
            f"{100 * s['hit']['worst_hour_pooled']:.1f} % (по всем дням вместе), худший час одного дня "
            f"{100 * s['hit']['worst_day_hour']:.1f} % ({s['hit']['day_hours_below_70']} из "
            f"{s['hit']['day_hours']} часов ниже 70 %)",
            f"  ошибка при ожидании < 15 мин: {s['mae_short']['overall']:.2f} мин (худший день "
            f"{s['mae_short']['worst']:.2f}); при ≥ 15 мин: {100 * s['rel_long']['overall']:.1f} % "
            f"(худший день {100 * s['rel_long']['worst']:.1f} %, посетителей {s['rel_long']['n']})",
            f"  ширина диапазона ≤ 0,4 × середины + 4 мин: {100 * s['width_ok']:.1f} %",
        ]
    if "fifo" in verdicts and "norm-aware" in verdicts:
        c = compare(verdicts["fifo"], verdicts["norm-aware"])
        if c["days"]:
            lines.append(
                f"norm-aware против fifo при загрузке ≥ 0,85 ({c['days']} дн.): норматив "
                f"{c['gain_mean_pp']:+.1f} п.п. в среднем, худший день {c['gain_worst_pp']:+.1f} п.п.; p95 не хуже "
                f"в {100 * c['p95_no_worse_share']:.0f} % дней; максимум / максимум fifo: худший "
                f"{c['max_ratio_worst']:.2f}, средний {c['max_ratio_mean']:.2f}; визитов > 33 мин "
                f"{c['long_visits_smart']} против {c['long_visits_fifo']} (хуже в {c['long_visits_days_worse']} дн.)")
    return "\n".join(lines)
