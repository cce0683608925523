"""The simulator's figures per dispatch policy, the printed report, and the chart."""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .engine import DayOutcome, Visit, simulate
from .erlang import mean_wait
from .scenario import MINUTE, Scenario


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolation quantile of ``values`` (any order); 0 for an empty list."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class TopicFigures:
    service: str
    name: str
    visitors: int
    within_norm: float | None  # share of visitors of this topic within every waiting norm
    norm_minutes: float | None
    mean_wait: float  # minutes


@dataclass
class Figures:
    """Everything printed for one policy."""

    policy: str
    days: int
    visitors: int  # measured visitors (after the warm-up), called at least once
    refused: int
    within_norm: float  # share of visitors whose every wait was within its norm
    topics: list[TopicFigures]
    mean_wait: float  # minutes, issue → first call
    p90_wait: float
    p95_wait: float
    max_wait: float
    mean_wait_ci: float  # half-width (minutes) of the 95 % interval from the per-day means
    visit_limit: float | None  # minutes (33 on rosatom-2026)
    long_visits: int
    long_visit_share: float
    no_shows: int
    utilisation: dict[int, float]  # window number → busy / open
    estimate_n: int
    estimate_mae: float  # minutes: |projected wait at issue − real wait|
    estimate_mae_printed: float  # minutes: |middle of the printed range − real wait|
    estimate_within: float  # share whose real wait fell within the printed range
    estimate_width: float  # mean width of the printed range, minutes
    estimate_bias: float  # mean (real − middle), minutes
    lunch_refusals: int
    seconds: float  # how long the simulation took
    commands: int  # core commands run

    def to_json(self) -> dict:
        return asdict(self)


def figures(scenario: Scenario, policy: str, outcomes: list[DayOutcome], seconds: float = 0.0) -> Figures:
    hall = scenario.make_hall(policy)
    visits: list[Visit] = [v for o in outcomes for v in o.visits if v.measured]
    waits = [v.wait / MINUTE for v in visits]
    visit_norm = hall.profile.visit_total
    visit_limit = visit_norm.limit if visit_norm else None
    long_visits = sum(1 for v in visits if visit_limit is not None and v.total > visit_limit * MINUTE)

    topics = []
    for t in scenario.topics:
        mine = [v for v in visits if v.topic == t.service]
        service = hall.services[t.service]
        norm = hall.profile.wait_norm(service.kind)
        topics.append(TopicFigures(
            service=t.service, name=service.name, visitors=len(mine),
            within_norm=(sum(v.within_norm for v in mine) / len(mine)) if mine else None,
            norm_minutes=norm.limit if norm else None,
            mean_wait=statistics.fmean(v.wait / MINUTE for v in mine) if mine else 0.0))

    per_day = [statistics.fmean(v.wait / MINUTE for v in o.visits if v.measured)
               for o in outcomes if any(v.measured for v in o.visits)]
    ci = (1.96 * statistics.stdev(per_day) / math.sqrt(len(per_day))) if len(per_day) > 1 else math.inf

    opened: dict[int, float] = {}
    busy: dict[int, float] = {}
    for o in outcomes:
        for w, s in o.open_seconds.items():
            opened[w] = opened.get(w, 0.0) + s
        for w, s in o.busy_seconds.items():
            busy[w] = busy.get(w, 0.0) + s
    utilisation = {hall.windows[w].number: (busy.get(w, 0.0) / s if s else 0.0) for w, s in sorted(opened.items())}

    est = [(v.estimate, v.wait / MINUTE) for v in visits if v.estimate]
    errors = [abs((lo + hi) / 2 - real) for (lo, hi), real in est]
    point_errors = [abs(v.point - v.wait / MINUTE) for v in visits if v.point is not None]
    return Figures(
        policy=policy, days=len(outcomes), visitors=len(visits), refused=sum(o.refused for o in outcomes),
        within_norm=(sum(v.within_norm for v in visits) / len(visits)) if visits else 0.0,
        topics=topics,
        mean_wait=statistics.fmean(waits) if waits else 0.0, p90_wait=quantile(waits, 0.9),
        p95_wait=quantile(waits, 0.95), max_wait=max(waits, default=0.0), mean_wait_ci=ci,
        visit_limit=visit_limit, long_visits=long_visits,
        long_visit_share=long_visits / len(visits) if visits else 0.0,
        no_shows=sum(v.no_show for v in visits), utilisation=utilisation,
        estimate_n=len(est), estimate_mae=statistics.fmean(point_errors) if point_errors else 0.0,
        estimate_mae_printed=statistics.fmean(errors) if errors else 0.0,
        estimate_within=(sum(lo <= real <= hi for (lo, hi), real in est) / len(est)) if est else 0.0,
        estimate_width=statistics.fmean(hi - lo for (lo, hi), _ in est) if est else 0.0,
        estimate_bias=statistics.fmean(real - (lo + hi) / 2 for (lo, hi), real in est) if est else 0.0,
        lunch_refusals=sum(o.lunch_refusals for o in outcomes), seconds=seconds,
        commands=sum(o.commands for o in outcomes))


@dataclass
class Result:
    scenario: Scenario
    days: int
    seed: int
    figures: dict[str, Figures] = field(default_factory=dict)
    outcomes: dict[str, list[DayOutcome]] = field(default_factory=dict)

    def to_json(self) -> dict:
        sc = self.scenario
        return {"scenario": sc.name, "title": sc.title, "profile": sc.profile, "days": self.days,
                "seed": self.seed, "load": sc.load(), "visitors_per_day": sc.visitors_per_day(),
                "erlang_c": erlang_reference(sc),
                "policies": {p: f.to_json() for p, f in self.figures.items()}}


def run(scenario: Scenario, policies: list[str] | tuple[str, ...] | None = None, days: int | None = None,
        seed: int | None = None, on_day=None) -> Result:
    """Simulate the scenario under each policy with the same visitors; collect the figures."""
    policies = list(policies or scenario.policies)
    days = days if days is not None else scenario.days
    seed = seed if seed is not None else scenario.seed
    result = Result(scenario, days, seed)
    for policy in policies:
        started = time.perf_counter()
        outcomes = simulate(scenario, policy, days, seed, on_day=on_day)
        result.outcomes[policy] = outcomes
        result.figures[policy] = figures(scenario, policy, outcomes, time.perf_counter() - started)
    return result


def erlang_reference(sc: Scenario) -> dict | None:
    """Erlang C for a scenario that is an M/M/c queue (one topic, exponential, constant rate,
    identical windows open all day, no walks, no-shows, breaks or transfers), else None."""
    if len(sc.topics) != 1 or sc.topics[0].time.dist != "exponential" or sc.topics[0].then_cash:
        return None
    if sc.no_show or sc.walk[1] > 0 or sc.wrap_up or any(s.lunch for s in sc.shifts):
        return None
    if len({rate for _, _, rate in sc.arrivals}) != 1:
        return None
    servers = sum(1 for w in sc.windows if w.serves(sc.topics[0].service))
    lam = sc.arrivals[0][2] / 60.0  # per minute
    mu = 1.0 / sc.topics[0].time.mean
    return {"servers": servers, "arrivals_per_minute": lam, "service_minutes": sc.topics[0].time.mean,
            "utilisation": lam / (servers * mu), "mean_wait": mean_wait(servers, lam, mu)}


# ---------------------------------------------------------------------- printing

def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _min(x: float) -> str:
    return f"{x:.1f} мин"


def format_report(result: Result) -> str:
    sc = result.scenario
    lines = [f"Сценарий «{sc.title}» ({sc.name}), нормативы {sc.profile}",
             f"Дней: {result.days}, посетителей в день ≈ {sc.visitors_per_day():.0f}, "
             f"расчётная загрузка окон {sc.load():.2f}, начальное число {result.seed}"]
    if sc.warmup:
        lines.append(f"Первые {sc.warmup:.0f} мин каждого дня в расчёт не входят (разгон)")
    ref = erlang_reference(sc)
    for policy, f in result.figures.items():
        lines += ["", f"Политика вызова: {policy}   ({f.visitors} посетителей, {f.seconds:.1f} с, "
                      f"{f.commands} команд ядра)"]
        lines.append(f"  В пределах норматива ожидания: {_pct(f.within_norm)}")
        for t in f.topics:
            norm = f"норматив {t.norm_minutes:g} мин" if t.norm_minutes is not None else "без норматива"
            lines.append(f"    {t.name} ({norm}): {_pct(t.within_norm)}, в среднем {_min(t.mean_wait)}, "
                         f"посетителей {t.visitors}")
        lines.append(f"  Ожидание: среднее {_min(f.mean_wait)} (± {f.mean_wait_ci:.2f}), p90 {_min(f.p90_wait)}, "
                     f"p95 {_min(f.p95_wait)}, максимум {_min(f.max_wait)}")
        if f.visit_limit is not None:
            lines.append(f"  Визитов дольше {f.visit_limit:g} мин: {f.long_visits} ({_pct(f.long_visit_share)})")
        lines.append("  Загрузка окон: " + ", ".join(f"№{n} {_pct(u)}" for n, u in f.utilisation.items()))
        lines.append(f"  Прогноз ожидания: средняя ошибка {_min(f.estimate_mae)} (от середины напечатанного "
                     f"диапазона {_min(f.estimate_mae_printed)}), реальное ожидание в указанном диапазоне у "
                     f"{_pct(f.estimate_within)}, ширина диапазона в среднем {_min(f.estimate_width)}, "
                     f"смещение {f.estimate_bias:+.1f} мин")
        lines.append(f"  Неявок: {f.no_shows}; отказов в перерыве (защита последнего окна): {f.lunch_refusals}"
                     + (f"; не выдано талонов: {f.refused}" if f.refused else ""))
        if ref:
            diff = (f.mean_wait - ref["mean_wait"]) / ref["mean_wait"] if ref["mean_wait"] else 0.0
            lines.append(f"  Erlang C (c={ref['servers']}, загрузка {ref['utilisation']:.3f}): "
                         f"среднее ожидание {_min(ref['mean_wait'])}; "
                         f"моделирование {_min(f.mean_wait)}, расхождение {100 * diff:+.1f} %")
    if "fifo" in result.figures and len(result.figures) > 1:
        base = result.figures["fifo"]
        lines.append("")
        for policy, f in result.figures.items():
            if policy == "fifo":
                continue
            lines.append(f"{policy} против fifo: в пределах норматива "
                         f"{100 * (f.within_norm - base.within_norm):+.1f} п.п., "
                         f"p95 ожидания {f.p95_wait - base.p95_wait:+.1f} мин, "
                         f"среднее {f.mean_wait - base.mean_wait:+.1f} мин")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the chart

def chart(result: Result, path: str | Path, bin_minutes: int = 15) -> Path:
    """Wait over the day: mean and 90th percentile by the time the ticket was issued, per policy,
    and the share within the norm. Written as PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc = result.scenario
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    colours = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad"]
    for i, (policy, outcomes) in enumerate(result.outcomes.items()):
        bins: dict[int, list[Visit]] = {}
        for o in outcomes:
            for v in o.visits:
                if v.measured:
                    bins.setdefault(int(v.clock // (bin_minutes * 60)), []).append(v)
        keys = sorted(bins)
        xs = [(k + 0.5) * bin_minutes / 60.0 for k in keys]
        colour = colours[i % len(colours)]
        top.plot(xs, [statistics.fmean(v.wait / MINUTE for v in bins[k]) for k in keys], color=colour,
                 linewidth=2, label=f"{policy}: среднее")
        top.plot(xs, [quantile([v.wait / MINUTE for v in bins[k]], 0.9) for k in keys], color=colour,
                 linestyle="--", linewidth=1, label=f"{policy}: 90 %")
        bottom.plot(xs, [100 * sum(v.within_norm for v in bins[k]) / len(bins[k]) for k in keys], color=colour,
                    linewidth=2, label=policy)
    hall = sc.make_hall("fifo")
    norms = sorted({n.limit for s in hall.services.values() if (n := hall.profile.wait_norm(s.kind))})
    for n in norms:
        top.axhline(n, color="#999999", linewidth=0.8, linestyle=":")
        top.annotate(f"норматив {n:g} мин", xy=(1.0, n), xycoords=("axes fraction", "data"),
                     xytext=(-4, 2), textcoords="offset points", ha="right", fontsize=7, color="#666666")
    top.set_ylabel("ожидание, мин")
    top.set_title(f"«{sc.title}»: ожидание в течение дня ({result.days} дн.)")
    top.legend(loc="upper left", fontsize=8, ncol=2)
    top.grid(alpha=0.3)
    bottom.set_ylabel("в пределах норматива, %")
    bottom.set_xlabel("время выдачи талона, ч")
    bottom.set_ylim(0, 100)
    bottom.grid(alpha=0.3)
    bottom.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
