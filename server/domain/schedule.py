"""Reception hours: the weekly timetable, the lunch break, evening hours and holidays.

Outside reception hours no ticket is issued, and the answer says when the office opens.
A service may close earlier than the office (its own ``until`` time).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(text: str) -> time:
    hh, mm = text.split(":")
    t = time(int(hh), int(mm))
    return t


@dataclass(frozen=True)
class DayHours:
    """One day's reception: open–close, with an optional break inside it."""

    open: time
    close: time
    break_start: time | None = None
    break_end: time | None = None

    def intervals(self) -> list[tuple[time, time]]:
        if self.break_start and self.break_end:
            return [(self.open, self.break_start), (self.break_end, self.close)]
        return [(self.open, self.close)]

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"open": self.open.strftime("%H:%M"), "close": self.close.strftime("%H:%M")}
        if self.break_start and self.break_end:
            d["break"] = [self.break_start.strftime("%H:%M"), self.break_end.strftime("%H:%M")]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DayHours:
        brk = d.get("break") or [None, None]
        hours = cls(parse_hhmm(d["open"]), parse_hhmm(d["close"]),
                    parse_hhmm(brk[0]) if brk[0] else None, parse_hhmm(brk[1]) if brk[1] else None)
        if not hours.open < hours.close:
            raise ValueError("время открытия должно быть раньше времени закрытия")
        # a break with a start and no end compares time with None: a TypeError, which the callers refuse as well
        if hours.break_start and not (hours.open < hours.break_start < hours.break_end < hours.close):  # type: ignore[operator]
            raise ValueError("перерыв должен быть внутри часов приёма")
        return hours


@dataclass(frozen=True)
class Schedule:
    """The office's weekly timetable in its own time zone."""

    tz: str = "Europe/Moscow"
    week: dict[str, DayHours | None] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    #: extra working days with their own hours (e.g. a Saturday worked instead of a holiday)
    special: dict[date, DayHours] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.zone)

    def office_day(self, at: float) -> str:
        """The office day (ISO date in the office's own time zone) a moment belongs to."""
        return self.local(at).date().isoformat()

    def hours_on(self, day: date) -> DayHours | None:
        if day in self.special:
            return self.special[day]
        if day in self.holidays:
            return None
        return self.week.get(WEEKDAYS[day.weekday()])

    def is_open(self, at: float, until: time | None = None) -> bool:
        """Is reception going on at ``at``? ``until`` is a service's own earlier closing time."""
        now = self.local(at)
        hours = self.hours_on(now.date())
        if hours is None:
            return False
        t = now.time()
        if until is not None and t >= until:
            return False
        return any(a <= t < b for a, b in hours.intervals())

    def next_opening(self, at: float, until: time | None = None, horizon_days: int = 31) -> datetime | None:
        """The next moment reception starts (for a service closing at ``until``), or None."""
        now = self.local(at)
        for offset in range(horizon_days + 1):
            day = now.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is None:
                continue
            for a, _b in hours.intervals():
                if until is not None and a >= until:
                    continue
                start = datetime.combine(day, a, self.zone)
                if start > now:
                    return start
        return None

    def closes_at(self, at: float) -> datetime | None:
        """When the current reception interval ends (lunch or evening), if open now."""
        now = self.local(at)
        hours = self.hours_on(now.date())
        if hours is None:
            return None
        for a, b in hours.intervals():
            if a <= now.time() < b:
                return datetime.combine(now.date(), b, self.zone)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "tz": self.tz,
            "week": {d: (h.to_json() if h else None) for d, h in
                     ((d, self.week.get(d)) for d in WEEKDAYS)},
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "special": {d.isoformat(): h.to_json() for d, h in sorted(self.special.items())},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Schedule:
        ZoneInfo(d.get("tz", "Europe/Moscow"))  # raises on an unknown zone
        week = {}
        for day, hours in (d.get("week") or {}).items():
            if day not in WEEKDAYS:
                raise ValueError(f"неизвестный день недели: {day}")
            week[day] = DayHours.from_json(hours) if hours else None
        return cls(
            tz=d.get("tz", "Europe/Moscow"),
            week=week,
            holidays=frozenset(date.fromisoformat(x) for x in d.get("holidays", [])),
            special={date.fromisoformat(k): DayHours.from_json(v) for k, v in (d.get("special") or {}).items()},
        )


def weekdays(open_: str, close: str, brk: tuple[str, str] | None = None,
             days: tuple[str, ...] = WEEKDAYS[:5]) -> dict[str, Any]:
    hours = DayHours(parse_hhmm(open_), parse_hhmm(close),
                     parse_hhmm(brk[0]) if brk else None, parse_hhmm(brk[1]) if brk else None)
    return {d: hours for d in days}


def always_open(tz: str = "Europe/Moscow") -> Schedule:
    """Round the clock, every day: for tests and simulations that ignore the timetable."""
    h = DayHours(time(0, 0), time(23, 59))
    return Schedule(tz=tz, week={d: h for d in WEEKDAYS})
