"""Scenarios of an office day, as data (``scenarios/*.toml``).

A scenario names the office (the demo office, or its own services and windows), the norm
profile, reception hours, how many visitors come in each hour, what they come for (the topic
mix), how long each topic takes at the window, how people behave (walk to the window, no-shows,
going on to the cash desk) and when each window is staffed, with its lunch break.

Times in the file are minutes (service times, walks) and ``HH:MM`` clock times; the simulator
works in seconds. See ``docs/simulation.md`` for the format.
"""
from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..domain.hall import Hall, Settings
from ..domain.model import Service, Window
from ..domain.norms import PRESETS
from ..domain.norms import profile as norm_profile
from ..domain.rota import EVERY, Break, Entry, Rota, RotaError
from ..domain.schedule import WEEKDAYS, DayHours, Schedule, parse_hhmm

MINUTE = 60.0
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
DISTRIBUTIONS = ("lognormal", "exponential", "gamma", "fixed")


class ScenarioError(ValueError):
    """The scenario file can not be used; the message says why, in Russian."""


@dataclass(frozen=True)
class ServiceTime:
    """A service-time distribution in minutes: its mean and coefficient of variation."""

    mean: float
    cv: float = 0.5
    dist: str = "lognormal"

    def draw(self, rng: random.Random) -> float:
        """One service time, in seconds."""
        m = self.mean * MINUTE
        if self.dist == "fixed" or self.cv <= 0:
            return m
        if self.dist == "exponential":
            return rng.expovariate(1.0 / m)
        if self.dist == "gamma":
            shape = 1.0 / (self.cv * self.cv)
            return rng.gammavariate(shape, m / shape)
        sigma2 = math.log(1.0 + self.cv * self.cv)
        return rng.lognormvariate(math.log(m) - sigma2 / 2.0, math.sqrt(sigma2))

    @property
    def variance(self) -> float:
        cv = 1.0 if self.dist == "exponential" else (0.0 if self.dist == "fixed" else self.cv)
        return (cv * self.mean * MINUTE) ** 2


@dataclass(frozen=True)
class Topic:
    """What a visitor comes for: a service of the office, its share and its service time."""

    service: str
    share: float
    time: ServiceTime
    then_cash: float = 0.0  # share who go on to the cash desk (a transfer) after this service


@dataclass(frozen=True)
class Shift:
    """When an operator works at a window, and the lunch break (start, minutes)."""

    window: int
    start: time
    end: time
    lunch: tuple[time, float] | None = None


@dataclass
class Scenario:
    name: str
    title: str
    about: str
    profile: str
    services: list[Service]
    windows: list[Window]
    open: time
    close: time
    arrivals: list[tuple[float, float, float]]  # (from, to) seconds after midnight, visitors per hour
    topics: list[Topic]
    shifts: list[Shift]
    walk: tuple[float, float] = (0.2, 1.0)  # minutes, uniform
    no_show: float = 0.0
    recall_every: float = 1.0  # minutes
    recalls: int = 2
    wrap_up: float = 0.0  # minutes between finishing one visitor and calling the next
    cash_service: str = "cash"
    cash_time: ServiceTime | None = None  # service time at the cash desk after a consultation
    days: int = 10
    seed: int = 1
    first_day: date = date(2026, 11, 23)
    policies: tuple[str, ...] = ("fifo", "norm-aware")
    warmup: float = 0.0  # minutes at the start of each day left out of the figures
    tz: str = "Europe/Moscow"
    profile_overrides: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    family: dict = field(default_factory=dict)  # how a member of a family of days was drawn (family.py)

    # ------------------------------------------------------------------ the hall

    def schedule(self) -> Schedule:
        hours = DayHours(self.open, self.close)
        return Schedule(tz=self.tz, week={d: hours for d in WEEKDAYS})

    def make_hall(self, policy: str) -> Hall:
        """A fresh hall of the real core for this scenario, dispatching with ``policy``."""
        settings = Settings(**{**{k: v for k, v in self.settings.items() if k in Settings.__dataclass_fields__},
                               "policy": policy})
        return Hall(office="sim", services={s.id: _copy_service(s) for s in self.services},
                    windows={w.id: Window(id=w.id, number=w.number, services=dict(w.services), zone=w.zone,
                                          level=w.level) for w in self.windows},
                    profile=norm_profile(self.profile, self.profile_overrides or None),
                    schedule=self.schedule(), rota=self.rota(), settings=settings)

    def rota(self) -> Rota:
        """The lunches of the staff as the office's break rota (window numbers, every day)."""
        numbers = {w.id: w.number for w in self.windows}
        entries = []
        for s in self.shifts:
            if s.lunch:
                start = _sec(s.lunch[0])
                end = min(start + s.lunch[1] * MINUTE, 23 * 3600.0 + 59 * 60.0)
                entries.append(Entry(numbers.get(s.window, s.window), EVERY,
                                     Break(s.lunch[0], time(int(end // 3600), int(end % 3600 // 60)), "lunch")))
        try:
            return Rota(tuple(entries))
        except RotaError:
            return Rota()  # overlapping lunches of one window: the simulator still plays them

    def forecast(self) -> dict:
        """Visitors expected per hour of the day per (service, priority): the scenario's hourly
        arrivals by its topic mix, and the cash desk's transfers (priority 1). The estimate uses it
        as the office's history of the same weekday would be used at a hub."""
        mix = self.topic_mix()
        out: dict = {}
        for a, b, rate in self.arrivals:
            for hour in range(int(a // 3600), int(math.ceil(b / 3600))):
                share = (min(b, (hour + 1) * 3600.0) - max(a, hour * 3600.0)) / 3600.0
                if share <= 0 or hour > 23:
                    continue
                for t in self.topics:
                    n = rate * share * mix[t.service]
                    out.setdefault((t.service, 0), [0.0] * 24)[hour] += n
                    if t.then_cash and self.cash_service:
                        out.setdefault((self.cash_service, 1), [0.0] * 24)[hour] += n * t.then_cash * (1 - self.no_show)
        return out

    def day_start(self, index: int) -> float:
        """Epoch seconds of midnight (office time) of the ``index``-th simulated day."""
        d = self.first_day + timedelta(days=index)
        return datetime.combine(d, time(0, 0), ZoneInfo(self.tz)).timestamp()

    # ------------------------------------------------------------------ figures

    def topic_mix(self) -> dict[str, float]:
        total = sum(t.share for t in self.topics)
        return {t.service: t.share / total for t in self.topics}

    def visitors_per_day(self) -> float:
        return sum((b - a) / 3600.0 * rate for a, b, rate in self.arrivals)

    def mean_walk(self) -> float:
        return (self.walk[0] + self.walk[1]) / 2.0 * MINUTE

    def offered_work(self) -> float:
        """Expected seconds of window time one visitor needs (walks, no-shows and cash included)."""
        cash = self.cash_time
        occupied_no_show = self.recall_every * MINUTE * (self.recalls + 1)
        work = 0.0
        mix = self.topic_mix()
        for topic in self.topics:
            share = mix[topic.service]
            one = (1 - self.no_show) * (self.mean_walk() + topic.time.mean * MINUTE) + self.no_show * occupied_no_show
            if topic.then_cash and cash is not None:
                one += (1 - self.no_show) * topic.then_cash * (self.mean_walk() + cash.mean * MINUTE)
            one += self.wrap_up * MINUTE
            work += share * one
        return work

    def staffed_seconds(self) -> float:
        """Window time staffed within reception hours (lunches left out)."""
        total = 0.0
        day_open, day_close = _sec(self.open), _sec(self.close)
        for s in self.shifts:
            a, b = max(_sec(s.start), day_open), min(_sec(s.end), day_close)
            total += max(0.0, b - a) - (s.lunch[1] * MINUTE if s.lunch else 0.0)
        return total

    def load(self) -> float:
        """Offered load: the window time visitors need over the window time staffed (≈ ρ)."""
        staffed = self.staffed_seconds()
        return self.visitors_per_day() * self.offered_work() / staffed if staffed else math.inf

    def topic(self, service: str) -> Topic:
        for t in self.topics:
            if t.service == service:
                return t
        raise ScenarioError(f"в сценарии нет темы «{service}»")

    def with_days(self, days: int | None = None, seed: int | None = None) -> Scenario:
        from dataclasses import replace
        return replace(self, days=days if days is not None else self.days,
                       seed=seed if seed is not None else self.seed)


def _copy_service(s: Service) -> Service:
    return Service(id=s.id, letter=s.letter, name=s.name, hint=s.hint, kind=s.kind,
                   client_type=s.client_type, checklist=list(s.checklist), until=s.until,
                   active=s.active, order=s.order)


def _sec(t: time) -> float:
    return t.hour * 3600.0 + t.minute * 60.0


# ---------------------------------------------------------------------- loading


def find(name_or_path: str | Path) -> Path:
    """A scenario by name (``peak-day`` → ``scenarios/peak-day.toml``) or by its file path."""
    p = Path(name_or_path)
    if p.suffix.lower() == ".toml" and p.exists():
        return p
    candidate = SCENARIO_DIR / f"{name_or_path}.toml"
    if candidate.exists():
        return candidate
    if p.exists():
        return p
    known = ", ".join(available()) or "нет"
    raise ScenarioError(f"сценарий «{name_or_path}» не найден (есть: {known})")


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")) if SCENARIO_DIR.exists() else []


def load(name_or_path: str | Path) -> Scenario:
    path = find(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: ошибка в файле: {exc}") from exc
    try:
        return parse(data, name=path.stem)
    except ScenarioError as exc:
        raise ScenarioError(f"{path.name}: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{path.name}: неверное значение: {exc}") from exc


def _time(text: str, what: str) -> time:
    try:
        return parse_hhmm(str(text))
    except (ValueError, TypeError):
        raise ScenarioError(f"{what}: время должно быть в виде ЧЧ:ММ, а не «{text}»") from None


def _service_time(d: dict, what: str) -> ServiceTime:
    st = ServiceTime(mean=float(d["mean"]), cv=float(d.get("cv", 0.5)), dist=str(d.get("dist", "lognormal")))
    if st.dist not in DISTRIBUTIONS:
        raise ScenarioError(f"{what}: неизвестное распределение «{st.dist}» (есть: {', '.join(DISTRIBUTIONS)})")
    if st.mean <= 0 or st.cv < 0:
        raise ScenarioError(f"{what}: среднее время должно быть больше нуля")
    return st


def parse(data: dict, name: str = "scenario") -> Scenario:
    profile = data.get("profile", "rosatom-2026")
    if profile not in PRESETS:
        raise ScenarioError(f"неизвестный профиль нормативов «{profile}»")
    services, windows = _office(data)
    service_ids = {s.id for s in services}

    hours = data.get("hours") or {}
    open_, close = _time(hours.get("open", "08:00"), "hours.open"), _time(hours.get("close", "20:00"), "hours.close")
    if not open_ < close:
        raise ScenarioError("часы приёма: открытие должно быть раньше закрытия")

    arrivals = []
    for key, rate in sorted((data.get("arrivals") or {}).items()):
        start = _time(key, "arrivals")
        arrivals.append((_sec(start), float(rate)))
    if not arrivals:
        raise ScenarioError("нет раздела [arrivals]: сколько посетителей приходит в каждый час")
    spans = []
    for i, (start, rate) in enumerate(arrivals):
        end = arrivals[i + 1][0] if i + 1 < len(arrivals) else _sec(close)
        start, end = max(start, _sec(open_)), min(end, _sec(close))
        if end > start and rate > 0:
            spans.append((start, end, rate))

    topics = []
    for sid, t in (data.get("topics") or {}).items():
        if sid not in service_ids:
            raise ScenarioError(f"тема «{sid}» не является услугой офиса")
        topics.append(Topic(service=sid, share=float(t["share"]), time=_service_time(t["service"], f"topics.{sid}"),
                            then_cash=float(t.get("then_cash", 0.0))))
    if not topics or sum(t.share for t in topics) <= 0:
        raise ScenarioError("нет раздела [topics]: с какими вопросами приходят посетители")

    visitors = data.get("visitors") or {}
    walk = tuple(float(x) for x in visitors.get("walk", (0.2, 1.0)))
    if len(walk) != 2 or walk[0] < 0 or walk[1] < walk[0]:
        raise ScenarioError("visitors.walk: два числа минут, от и до")
    cash_service = visitors.get("cash_service", "cash" if "cash" in service_ids else "")
    if any(t.then_cash for t in topics) and cash_service not in service_ids:
        raise ScenarioError("переход в кассу задан, а услуги кассы нет (visitors.cash_service)")
    cash_time = _service_time(visitors["cash_time"], "visitors.cash_time") if "cash_time" in visitors else None
    if cash_time is None and any(t.then_cash for t in topics):
        try:
            cash_time = next(t.time for t in topics if t.service == cash_service)
        except StopIteration:
            raise ScenarioError("укажите visitors.cash_time: время у кассы после консультации") from None

    shifts = []
    window_ids = {w.id for w in windows}
    staff = data.get("staff")
    if staff is None:  # everyone works the whole day, no lunch
        staff = [{"window": w.number} for w in windows]
    for s in staff:
        number = int(s["window"])
        wid = next((w.id for w in windows if w.number == number), None)
        if wid is None or wid not in window_ids:
            raise ScenarioError(f"staff: нет окна {number}")
        lunch = None
        if s.get("lunch"):
            lunch = (_time(s["lunch"][0], f"staff окно {number}: lunch"), float(s["lunch"][1]))
        shifts.append(Shift(window=wid, start=_time(s.get("from", hours.get("open", "08:00")), "staff.from"),
                            end=_time(s.get("to", hours.get("close", "20:00")), "staff.to"), lunch=lunch))

    policies = tuple(data.get("policies", ("fifo", "norm-aware")))
    from ..domain.dispatch import POLICIES
    for p in policies:
        if p not in POLICIES:
            raise ScenarioError(f"неизвестная политика вызова «{p}» (есть: {', '.join(POLICIES)})")

    return Scenario(
        name=name, title=data.get("title", name), about=data.get("about", ""), profile=profile,
        services=services, windows=windows, open=open_, close=close, arrivals=spans, topics=topics,
        shifts=shifts, walk=walk, no_show=float(visitors.get("no_show", 0.0)),
        recall_every=float(visitors.get("recall_every", 1.0)), recalls=int(visitors.get("recalls", 2)),
        wrap_up=float(visitors.get("wrap_up", 0.0)), cash_service=cash_service, cash_time=cash_time,
        days=int(data.get("days", 10)), seed=int(data.get("seed", 1)),
        first_day=date.fromisoformat(str(data.get("first_day", "2026-11-23"))), policies=policies,
        warmup=float(data.get("warmup", 0.0)), tz=data.get("tz", "Europe/Moscow"),
        profile_overrides=data.get("profile_overrides") or {}, settings=data.get("settings") or {},
    )


def _office(data: dict) -> tuple[list[Service], list[Window]]:
    """The services and windows: the demo office's (``office = "demo"``) or the file's own."""
    if data.get("office") == "demo":  # the demo office's services; its windows unless the file has its own
        from ..demo import demo_definition
        definition = demo_definition()
        raw_services, raw_windows = definition["services"], data.get("windows") or definition["windows"]
    else:
        raw_services, raw_windows = data.get("services") or [], data.get("windows") or []
    if not raw_services or not raw_windows:
        raise ScenarioError("нужны услуги и окна: office = \"demo\" или разделы [[services]] и [[windows]]")
    services = [Service(id=s["id"], letter=s["letter"], name=s["name"], kind=s.get("kind", "consultation"),
                        client_type=s.get("client_type", "any"), order=int(s.get("order", 0)))
                for s in raw_services]
    ids = {s.id for s in services}
    windows = []
    for w in raw_windows:
        unknown = set(w["services"]) - ids
        if unknown:
            raise ScenarioError(f"окно {w['number']}: неизвестные услуги {', '.join(sorted(unknown))}")
        windows.append(Window(id=int(w["number"]), number=int(w["number"]), zone=w.get("zone", ""),
                              level=w.get("level", "specialist"),
                              services={k: int(v) for k, v in w["services"].items()}))
    for override in (data.get("window_services") or {}).items():  # tweak the demo office's windows
        number, svc = int(override[0]), override[1]
        for w in windows:
            if w.number == number:
                w.services = {k: int(v) for k, v in svc.items()}
    return services, windows
