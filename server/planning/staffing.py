"""Staffing advice for the office head (issue 13 point 5): how many windows to open each hour of a
day, and when lunches fit, so that at least a chosen share of visitors (default 80 %) waits no
longer than its norm (001:379-419: the waiting norms; 001:353: breaks never all at once).

1. ``erlang_windows``: per hour, the fewest windows for which Erlang C (M/M/c, all open windows
   taking every topic) puts the share of visitors within their waiting norm at or above target.
2. ``shifts_for``: the hours become continuous shifts (window k works from the first to the last
   hour that needs k windows), ``cover_services`` stretches them so that every topic expected in
   an hour has a window on duty that takes it, and ``place_lunches`` fits a 45-minute lunch into each shift in
   the quietest time where the windows left still meet the hour's need, never all at once.
3. ``make_plan`` checks the plan by simulating the day on the real queue core
   (``server/simulation/engine.py``: the Hall's own dispatch, break guard and rota) and adds a
   window to each hour where the simulation misses the target, a few rounds at most.

Pure apart from the simulation (which is itself the pure core with simulated time).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from ..domain.model import Service, Window
from ..domain.rota import EVERY, Break, Entry, Rota
from ..domain.schedule import DayHours
from ..simulation.erlang import wait_share_within
from .forecast import Forecast

DEFAULT_TARGET = 0.8
LUNCH_MINUTES = 45
WALK_MINUTES = 0.6  # the visitor's walk to the window after the call: the window waits too
NO_NORM_MINUTES = 15.0  # a profile without a waiting norm: plan for 15 minutes
LUNCH_FROM, LUNCH_TO = 11 * 60, 16 * 60  # lunches go into these hours when the shift and the load allow
MIN_VISITORS_TO_RAISE = 3.0  # an hour with fewer expected visitors is too thin to judge by simulation


def hhmm(minute: int | float) -> str:
    m = int(round(minute))
    return f"{m // 60:02d}:{m % 60:02d}"


def _min(t: time) -> int:
    return t.hour * 60 + t.minute


# ---------------------------------------------------------------------- Erlang C per hour

def share_within(servers: int, per_hour: dict[str, float], minutes: dict[str, float],
                 norms: dict[str, float | None]) -> float:
    """The expected share of this hour's visitors whose wait is within their norm, with ``servers``
    windows taking every topic (a pooled M/M/c queue)."""
    lam = sum(per_hour.values())
    if lam <= 0:
        return 1.0
    mean = sum(n * (minutes.get(s, 8.0) + WALK_MINUTES) for s, n in per_hour.items()) / lam
    lam_min = lam / 60.0
    mu = 1.0 / mean
    if servers <= 0 or lam_min >= servers * mu:
        return 0.0
    share = 0.0
    for s, n in per_hour.items():
        norm = norms.get(s)
        share += n / lam * wait_share_within(servers, lam_min, mu, norm if norm is not None else NO_NORM_MINUTES)
    return share


def erlang_windows(per_hour: dict[str, float], minutes: dict[str, float], norms: dict[str, float | None],
                   target: float, most: int) -> tuple[int, float]:
    """(windows, expected share within norm): the fewest windows (1 at least, ``most`` at most)
    meeting ``target``; ``most`` when even all windows fall short."""
    for c in range(1, most + 1):
        share = share_within(c, per_hour, minutes, norms)
        if share >= target:
            return c, share
    return most, share_within(most, per_hour, minutes, norms)


# ---------------------------------------------------------------------- shifts and lunches

@dataclass
class Shift:
    window: int  # the window's number
    start: int  # minutes after midnight
    end: int
    lunch: tuple[int, int] | None = None

    def to_json(self) -> dict:
        return {"window": self.window, "start": hhmm(self.start), "end": hhmm(self.end),
                "lunch": [hhmm(self.lunch[0]), hhmm(self.lunch[1])] if self.lunch else None}


def shifts_for(need: dict[int, int], windows: list[int], hours: DayHours) -> list[Shift]:
    """Continuous shifts: the k-th window works from the first to the last hour that needs k."""
    out = []
    top = max(need.values(), default=0)
    for k in range(1, min(top, len(windows)) + 1):
        busy = [h for h, c in need.items() if c >= k]
        start = max(min(busy) * 60, _min(hours.open))
        end = min((max(busy) + 1) * 60, _min(hours.close))
        out.append(Shift(windows[k - 1], start, end))
    return out


def cover_services(shifts: list[Shift], wanted: dict[int, set[str]], windows: list[Window],
                   hours: DayHours) -> list[int]:
    """Every topic gets a window in every hour it is expected (in place): where no window on duty
    serves a topic in such an hour, the window that serves it best (its highest weight, the first in
    ``windows`` order) stretches its shift over that hour, or gets a shift for it. Without this a
    topic taken by one window only (businesses at window 6) goes unserved for the hours that window
    is not needed for the others. ``wanted``: hour → the topics expected in it. Answers the numbers
    of the windows whose shift was stretched or added."""
    first, last = _min(hours.open), _min(hours.close)
    changed: list[int] = []
    for h in sorted(wanted):
        a, b = max(h * 60, first), min(h * 60 + 60, last)
        if a >= b:
            continue
        for sid in sorted(wanted[h]):
            if any(s.start < b and s.end > a and _serves(windows, s.window, sid) for s in shifts):
                continue
            able = [w for w in windows if w.services.get(sid, 0) > 0]
            if not able:
                continue  # no window of the office takes it: nothing a plan can do
            best = max(able, key=lambda w: (w.services[sid], -windows.index(w)))
            mine = next((s for s in shifts if s.window == best.number), None)
            if mine is None:
                shifts.append(Shift(best.number, a, b))
            else:
                mine.start, mine.end = min(mine.start, a), max(mine.end, b)
            if best.number not in changed:
                changed.append(best.number)
    return changed


def _serves(windows: list[Window], number: int, sid: str) -> bool:
    return any(w.number == number and w.services.get(sid, 0) > 0 for w in windows)


def on_duty(shifts: list[Shift], minute: int, skip: int | None = None) -> int:
    """Windows working (not at lunch) at ``minute``."""
    return sum(1 for s in shifts if s.window != skip and s.start <= minute < s.end
               and not (s.lunch and s.lunch[0] <= minute < s.lunch[1]))


def place_lunches(shifts: list[Shift], need: dict[int, int], load: dict[int, float], hours: DayHours,
                  length: int = LUNCH_MINUTES, step: int = 15) -> list[str]:
    """Fit a lunch into every shift of four hours or more (in place), in the quietest time where the
    windows left still meet each hour's need; never all windows at once (001:353). Answers notes
    for the lunches that could not keep the need (placed where they hurt least)."""
    notes = []
    reception = [(_min(a), _min(b)) for a, b in hours.intervals()]

    def in_reception(m: int) -> bool:
        return any(a <= m < b for a, b in reception)

    for s in sorted(shifts, key=lambda s: (s.start, s.window)):
        if s.end - s.start < 240:
            continue
        best = None
        first = s.start + 120
        last = s.end - 90 - length
        for c in range(first - first % step, last + 1, step):
            if c < first:
                continue
            minutes = [m for m in range(c, c + length) if in_reception(m)]
            left = [on_duty(shifts, m, skip=s.window) for m in minutes]
            if minutes and min(left) < 1:
                continue  # never every window at once
            short = sum(max(0, need.get(m // 60, 0) - n) for m, n in zip(minutes, left, strict=True))
            quiet = sum(load.get(m // 60, 0.0) for m in minutes) / 60.0
            outside = not (LUNCH_FROM <= c and c + length <= LUNCH_TO)  # lunch at lunchtime when it can
            together = sum(1 for o in shifts if o.window != s.window and o.lunch
                           and o.lunch[0] < c + length and c < o.lunch[1])  # staggered: one at a time
            score = (short, outside, together, round(quiet, 1), abs(c + length / 2 - 13 * 60))
            if best is None or score < best[0]:
                best = (score, c)
        if best is None:
            notes.append(f"Окну {s.window} обед не поставить: без него в зале не останется окна")
            continue
        s.lunch = (best[1], best[1] + length)
        if best[0][0] > 0:
            notes.append(f"Обед окна {s.window} ({hhmm(best[1])}–{hhmm(best[1] + length)}) не укладывается "
                         f"в потребность часа: лучше ещё одно окно на это время")
    return notes


# ---------------------------------------------------------------------- the plan

@dataclass
class HourPlan:
    hour: int
    visitors: float
    by_service: dict[str, float]
    erlang: int  # windows Erlang C asks for
    erlang_share: float
    need: int  # windows asked for after the simulation's corrections
    windows: int  # windows on duty in the plan's shifts (lunches aside)
    at_lunch: list[int] = field(default_factory=list)
    simulated_share: float | None = None
    simulated_visitors: int = 0

    def to_json(self) -> dict:
        return {"hour": self.hour, "from": hhmm(self.hour * 60), "to": hhmm(self.hour * 60 + 60),
                "visitors": round(self.visitors, 1), "by_service": {s: round(n, 2) for s, n in self.by_service.items()},
                "erlang_windows": self.erlang, "erlang_share": round(self.erlang_share, 3),
                "windows": self.windows, "at_lunch": self.at_lunch,
                "simulated_share": None if self.simulated_share is None else round(self.simulated_share, 3),
                "simulated_visitors": self.simulated_visitors}


@dataclass
class Plan:
    office: str
    day: date
    target: float
    forecast: Forecast
    hours: list[HourPlan]
    shifts: list[Shift]
    closed: bool = False
    simulated_share: float | None = None
    rounds: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool | None:
        return None if self.simulated_share is None else self.simulated_share >= self.target

    def peak_windows(self) -> int:
        return max((h.windows for h in self.hours), default=0)

    def rota(self) -> Rota:
        """The plan's lunches as a rota (window numbers, every day)."""
        return Rota(tuple(Entry(s.window, EVERY, Break(time(s.lunch[0] // 60, s.lunch[0] % 60),
                                                       time(s.lunch[1] // 60, s.lunch[1] % 60), "lunch"))
                          for s in self.shifts if s.lunch))

    def to_json(self) -> dict:
        return {"office": self.office, "date": self.day.isoformat(), "target": self.target, "closed": self.closed,
                "source": self.forecast.source, "days_used": self.forecast.days_used,
                "visitors": round(self.forecast.day_total(), 1),
                "hours": [h.to_json() for h in self.hours], "shifts": [s.to_json() for s in self.shifts],
                "simulated_share": None if self.simulated_share is None else round(self.simulated_share, 3),
                "held": self.held, "rounds": self.rounds, "notes": self.notes,
                "forecast": self.forecast.to_json()}


@dataclass
class OfficeSetup:
    """What the plan needs of the office: its services and windows, norms and the day's hours."""

    office: str
    services: dict[str, Service]
    windows: list[Window]
    profile: str  # the norm profile's preset id
    profile_overrides: dict
    hours: DayHours | None
    tz: str = "Europe/Moscow"

    def norms(self) -> dict[str, float | None]:
        from ..domain.norms import profile as norm_profile
        p = norm_profile(self.profile, self.profile_overrides or None)
        out = {}
        for sid, s in self.services.items():
            n = p.wait_norm(s.kind)
            out[sid] = n.limit if n else None
        return out

    def window_order(self) -> list[Window]:
        """Windows that take the most topics first: they are opened first."""
        return sorted(self.windows, key=lambda w: (-len([s for s, v in w.services.items() if v > 0]), w.number))


def make_plan(setup: OfficeSetup, fc: Forecast, target: float = DEFAULT_TARGET, *, simulate: bool = True,
              sim_days: int = 4, seed: int = 7, rounds: int = 4) -> Plan:
    if setup.hours is None:
        return Plan(setup.office, fc.day, target, fc, [], [], closed=True,
                    notes=["В этот день офис не работает"])
    norms = setup.norms()
    windows = setup.window_order()
    numbers = [w.number for w in windows]
    reception = [(_min(a), _min(b)) for a, b in setup.hours.intervals()]
    open_hours = sorted({m // 60 for a, b in reception for m in range(a, b)})
    hours: list[HourPlan] = []
    for h in open_hours:
        per = fc.planned(h)
        c, share = erlang_windows(per, fc.minutes, norms, target, len(windows))
        if not per:
            c, share = 1, 1.0  # the office is open: one window at least
        expected = {s: n for s, n in fc.rates.get(h, {}).items() if n > 0}
        hours.append(HourPlan(h, sum(expected.values()), expected, c, share, c, 0))
    plan = Plan(setup.office, fc.day, target, fc, hours, [])
    for round_ in range(rounds + 1):
        _staff(plan, setup, numbers)
        plan.rounds = round_
        if not simulate:
            break
        _simulate(plan, setup, sim_days, seed)
        raise_ = [h for h in plan.hours if h.simulated_share is not None and h.simulated_share < target
                  and h.visitors >= MIN_VISITORS_TO_RAISE and h.need < len(windows)]
        if not raise_ or round_ == rounds:
            break
        for h in raise_:
            h.need += 1
    if any(h.need >= len(windows) and h.simulated_share is not None and h.simulated_share < target
           for h in plan.hours):
        plan.notes.append("Даже все окна офиса не дают целевую долю в часы пик")
    return plan


def _staff(plan: Plan, setup: OfficeSetup, numbers: list[int]) -> None:
    need = {h.hour: h.need for h in plan.hours}
    shifts = shifts_for(need, numbers, setup.hours)
    cover_services(shifts, {h.hour: {s for s, n in h.by_service.items() if n > 0} for h in plan.hours},
                   setup.window_order(), setup.hours)
    notes = [] if setup.hours.break_start else place_lunches(
        shifts, need, {h.hour: h.visitors for h in plan.hours}, setup.hours)
    plan.shifts = shifts
    plan.notes = [n for n in plan.notes if not n.startswith(("Обед окна", "Окну "))] + notes
    for h in plan.hours:
        h.windows = sum(1 for s in shifts if s.start < h.hour * 60 + 60 and s.end > h.hour * 60)
        h.at_lunch = [s.window for s in shifts
                      if s.lunch and s.lunch[0] < h.hour * 60 + 60 and s.lunch[1] > h.hour * 60]


def scenario_for(plan: Plan, setup: OfficeSetup, days: int, seed: int):
    """The planned day as a simulator scenario: forecast arrivals, the plan's shifts and lunches."""
    from ..simulation.scenario import Scenario, ServiceTime, Topic
    from ..simulation.scenario import Shift as SimShift
    by_number = {w.number: w for w in setup.windows}
    mix = plan.forecast.mix()
    topics = [Topic(s, share, ServiceTime(max(0.5, plan.forecast.minutes.get(s, 8.0)), 0.6))
              for s, share in sorted(mix.items()) if s in setup.services]
    arrivals = [(h.hour * 3600.0, h.hour * 3600.0 + 3600.0, h.visitors * plan.forecast.margin)
                for h in plan.hours if h.visitors > 0]
    shifts = [SimShift(by_number[s.window].id, time(s.start // 60, s.start % 60),
                       time(min(s.end, 1439) // 60, min(s.end, 1439) % 60),
                       (time(s.lunch[0] // 60, s.lunch[0] % 60), float(s.lunch[1] - s.lunch[0])) if s.lunch else None)
              for s in plan.shifts]
    return Scenario(name="plan", title="План дня", about="", profile=setup.profile,
                    services=list(setup.services.values()), windows=list(setup.windows),
                    open=setup.hours.open, close=setup.hours.close, arrivals=arrivals, topics=topics,
                    shifts=shifts, no_show=0.03, days=days, seed=seed, first_day=plan.day,
                    policies=("norm-aware",), tz=setup.tz, profile_overrides=setup.profile_overrides or {})


def _simulate(plan: Plan, setup: OfficeSetup, days: int, seed: int) -> None:
    from ..simulation.engine import simulate
    if not plan.shifts or not any(h.visitors > 0 for h in plan.hours):
        for h in plan.hours:
            h.simulated_share, h.simulated_visitors = None, 0
        plan.simulated_share = None
        return
    outcomes = simulate(scenario_for(plan, setup, days, seed), "norm-aware")
    share_of(plan, [v for o in outcomes for v in o.visits], [c for o in outcomes for c in o.unserved])


def share_of(plan: Plan, visits, unserved: list[float] = ()) -> None:
    """Fill the hours' and the day's simulated share within norm from simulated visits; a visitor
    nobody called all day (``unserved``: issue times, seconds after midnight) is outside the norm."""
    within: dict[int, list[int]] = {}
    for v in visits:
        if v.no_show or not v.measured:
            continue
        slot = within.setdefault(int(v.clock // 3600), [0, 0])
        slot[0] += 1 if v.within_norm else 0
        slot[1] += 1
    for clock in unserved:
        within.setdefault(int(clock // 3600), [0, 0])[1] += 1
    for h in plan.hours:
        got = within.get(h.hour)
        h.simulated_share = got[0] / got[1] if got and got[1] else None
        h.simulated_visitors = got[1] if got else 0
    total = sum(x[1] for x in within.values())
    plan.simulated_share = sum(x[0] for x in within.values()) / total if total else None


# ---------------------------------------------------------------------- the rota proposal

def propose_rota(setup_for_weekday, forecasts: dict[str, Forecast],
                 target: float = DEFAULT_TARGET) -> tuple[Rota, list[str]]:
    """«Предложить график»: every window of the office works the whole day; each gets a 45-minute
    lunch in the quietest time that keeps each hour's Erlang need, staggered, never all at once.
    ``setup_for_weekday(wd) -> OfficeSetup``; ``forecasts``: weekday → its forecast."""
    per_day: dict[str, list[tuple[int, int, int]]] = {}
    notes: list[str] = []
    common_lunch = False  # a working day whose timetable has the office's own lunch break
    for wd, fc in forecasts.items():
        setup = setup_for_weekday(wd)
        if setup.hours is None or setup.hours.break_start:
            common_lunch = common_lunch or setup.hours is not None
            continue  # closed, or the office's own lunch break is everyone's lunch
        norms = setup.norms()
        windows = setup.window_order()
        hours = setup.hours
        need = {}
        for a, b in hours.intervals():
            for h in range(_min(a) // 60, (_min(b) - 1) // 60 + 1):
                per = fc.planned(h)
                need[h] = erlang_windows(per, fc.minutes, norms, target, len(windows))[0] if per else 1
        shifts = [Shift(w.number, _min(hours.open), _min(hours.close)) for w in windows]
        day_notes = place_lunches(shifts, need, {h: fc.total(h) for h in need}, hours)
        notes += [f"{wd}: {n}" for n in day_notes]
        per_day[wd] = sorted((s.window, s.lunch[0], s.lunch[1]) for s in shifts if s.lunch)
    entries = []
    # «every day» only when every working day has these lunches: a Saturday without the office's
    # lunch break keeps its own list, or its lunches would fall into the weekdays' common lunch
    same = len({tuple(v) for v in per_day.values()}) == 1 and len(per_day) > 0 and not common_lunch
    for wd, lunches in per_day.items():
        for number, a, b in lunches:
            entries.append(Entry(number, EVERY if same else wd,
                                 Break(time(a // 60, a % 60), time(b // 60, b % 60), "lunch")))
        if same:
            break
    return Rota(tuple(entries)), notes
