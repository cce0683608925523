"""A family of office days: busy days built in different ways, and quiet days, drawn at random
from a seed (issue 13, point 1).

One scenario file tunes the queue for one day only. A family draws each day's office, staff and
visitors from a space of days the way a newcomer would try them:

- **the shape of the day**: an *opening surge* (the first one or two hours bring 1.4–1.9 times
  the usual flow), a *lunch surge* (12:00–14:00 bring 1.3–1.7 times the flow while half the
  windows are at lunch at once: the lunch rota goes in two waves), or both, or a flat day with
  staggered lunches;
- **windows that serve only some topics**: up to three of the individuals' windows become a
  cash desk (payments and certificates) or a consultation-only window (no payments);
- **the mix of topics**: heavy on long consultations (re-registration, instalments, consultation
  with payment) and on cash, by random factors;
- **the load**: the arrival rates are scaled so that the day's offered load (``Scenario.load``)
  is drawn in 0.85–0.95 for busy days and 0.30–0.60 for quiet days.

Every member is a one-day :class:`Scenario` of the real simulator with its own seed; the same
``(kind, count, seed)`` always gives the same family. Members with an even index form the
*tune* half, odd ones the *test* half: dispatch and the estimate are tuned on the one and judged
on the other.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, time, timedelta

from .scenario import Scenario, ServiceTime, Shift, Topic
from .scenario import load as load_scenario

KINDS = ("peak", "quiet")
HALVES = ("tune", "test", "all")

#: the individuals' topics (windows 1…8) and the business windows' ones (9, 10)
CASH_ONLY = {"cash": 2, "certificate": 1, "consult_cash": 1}
CONSULT_ONLY = {"consult": 1, "owner": 1, "instalment": 1, "certificate": 1, "contract": 1}
LONG_TOPICS = ("owner", "instalment", "consult_cash")


def base() -> Scenario:
    """The office every family member starts from: ``scenarios/peak-day.toml``."""
    return load_scenario("peak-day")


def _hours(sc: Scenario) -> list[int]:
    return list(range(sc.open.hour, sc.close.hour))


def member(kind: str, index: int, seed: int, template: Scenario | None = None) -> Scenario:
    """The ``index``-th day of the family ``kind`` drawn from ``seed``."""
    if kind not in KINDS:
        raise ValueError(f"неизвестное семейство дней «{kind}» (есть: {', '.join(KINDS)})")
    sc = template or base()
    rng = random.Random(f"family:{kind}:{seed}:{index}")
    hours = _hours(sc)
    shape = [1.0] * len(hours)
    if kind == "peak":
        surge = rng.choice(("opening", "lunch", "both", "flat"))
        load = rng.uniform(0.85, 0.95)
    else:
        surge = rng.choice(("opening", "flat"))
        load = rng.uniform(0.30, 0.60)
    lunch_waves = surge in ("lunch", "both")
    if surge in ("opening", "both"):
        peak = rng.uniform(1.4, 1.9)
        for i in range(rng.choice((1, 2))):
            shape[i] *= peak if i == 0 else (1 + peak) / 2
    if lunch_waves:
        lunch = rng.uniform(1.3, 1.7)
        for i, h in enumerate(hours):
            if h in (12, 13):
                shape[i] *= lunch

    # the mix: heavy on long consultations and on cash, by random factors
    long_factor = rng.uniform(1.0, 2.2)
    cash_factor = rng.uniform(0.8, 1.8)
    topics = []
    for t in sc.topics:
        share = t.share * (long_factor if t.service in LONG_TOPICS else 1.0) \
            * (cash_factor if t.service == "cash" else 1.0)
        mean = t.time.mean * rng.uniform(0.9, 1.15)
        topics.append(Topic(service=t.service, share=share, time=ServiceTime(mean, t.time.cv, t.time.dist),
                            then_cash=t.then_cash))

    # windows that serve only some topics
    windows = [replace(w, services=dict(w.services)) for w in sc.windows]
    individuals = [w for w in windows if "consult" in w.services]
    specialised = rng.choice((0, 0, 1, 2, 3)) if kind == "peak" else rng.choice((0, 1))
    for w in rng.sample(individuals, min(specialised, len(individuals) - 3)):
        w.services = dict(CASH_ONLY if rng.random() < 0.5 else CONSULT_ONLY)

    # staff: everyone all day; lunches staggered, or in two waves of half the windows (a lunch rota)
    shifts = []
    numbers = [s.window for s in sc.shifts]
    order = numbers[:]
    rng.shuffle(order)
    for k, wid in enumerate(order):
        if lunch_waves:
            start = time(12, 0) if k % 2 == 0 else time(13, 0)
        else:
            minutes = 11 * 60 + 30 + (k * 225) // max(1, len(order) - 1)
            minutes -= minutes % 15
            start = time(minutes // 60, minutes % 60)
        shifts.append(Shift(window=wid, start=sc.open, end=sc.close, lunch=(start, 45.0)))
    shifts.sort(key=lambda s: s.window)

    day_seed = rng.randrange(1, 2 ** 31)
    first_day = sc.first_day + timedelta(days=index)
    draft = replace(sc, name=f"{kind}-{seed}-{index}", title=f"{kind} #{index}", topics=topics,
                    windows=windows, shifts=shifts, days=1, seed=day_seed, first_day=first_day,
                    arrivals=[(a, b, 1.0) for a, b in ((h * 3600.0, (h + 1) * 3600.0) for h in hours)])
    draft.about = f"{surge}, load {load:.2f}, specialised windows {specialised}"
    # scale the hourly shape to the drawn load
    unit = replace(draft, arrivals=[(a, b, s) for (a, b, _), s in zip(draft.arrivals, shape, strict=False)])
    factor = load / unit.load()
    out = replace(unit, arrivals=[(a, b, s * factor) for (a, b, _), s in zip(draft.arrivals, shape, strict=False)])
    out.family = {"kind": kind, "index": index, "surge": surge, "load": round(out.load(), 3),
                  "specialised": specialised, "long_factor": round(long_factor, 2),
                  "cash_factor": round(cash_factor, 2), "half": half_of(index)}
    return out


def half_of(index: int) -> str:
    return "tune" if index % 2 == 0 else "test"


def family(kind: str, count: int, seed: int = 1, half: str = "all") -> list[Scenario]:
    """``count`` members of the family (all of them, or only the ``tune``/``test`` half)."""
    if half not in HALVES:
        raise ValueError(f"неизвестная половина семейства «{half}» (есть: {', '.join(HALVES)})")
    template = base()
    return [member(kind, i, seed, template) for i in range(count) if half == "all" or half_of(i) == half]


def first_day_of(sc: Scenario) -> date:
    return sc.first_day
