"""The break rota: the planned lunches and breaks of each window (001:353: breaks are never taken
by everyone at once).

Pure data, no I/O, no clock. The office keeps one rota (office data, set on the stand); the hall
carries it as ``hall.rota`` (set from the office's settings the way ``hall.schedule`` is, and
refreshed with them). A rota is kept **per window number** (the number on the physical sign).

Stable interface (other parts of the core read it; keep it):

- ``Break(start: time, end: time, kind: "lunch" | "break")`` — one planned break, local office
  time, ``[start, end)``; ``Break.label()`` → «обед 13:00–13:45»; ``Break.span(day, tz)`` →
  ``(start, end)`` as aware datetimes of that day.
- ``Rota.breaks_on(window_number, day: date) -> tuple[Break, ...]`` — that window's breaks on a
  date, sorted: the weekday's own list when there is one, otherwise the every-day list.
- ``Rota.planned_at(window_number, local_datetime, slack_minutes=0) -> Break | None`` — the
  planned break going on at that local moment (``slack_minutes`` widens it on both sides).
- ``Rota.next_break(window_number, local_datetime) -> Break | None`` — the break going on, or
  the next one later the same day; None when no more today.
- ``Rota.windows()`` — the window numbers that have any planned break.
- ``Rota.to_json()`` / ``Rota.from_json(d)`` — ``{"breaks": [{"window": 1, "day": "every" |
  "mon".."sun", "start": "13:00", "end": "13:45", "kind": "lunch"}, ...]}``.
- ``Rota.check(schedule, window_numbers=None)`` — raises ``RotaError`` (a ``ValueError`` with a
  Russian message and a ``code``) when a break is outside reception hours (``outside_hours``) or
  when at some minute of reception every window would be on a planned break (``hall_empty``,
  001:353). ``window_numbers`` are the office's windows (a window with no planned break is always
  there); without it, only the rota's own windows count.

Construction (``Rota(entries)`` or ``from_json``) already refuses a bad entry (``invalid``) and two
breaks of one window that overlap on some day (``overlap``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .schedule import WEEKDAYS, Schedule, parse_hhmm

EVERY = "every"
DAYS = (EVERY, *WEEKDAYS)
KINDS = ("lunch", "break")
KIND_WORDS = {"lunch": "обед", "break": "перерыв"}
DAY_WORDS = {EVERY: "каждый день", "mon": "понедельник", "tue": "вторник", "wed": "среда",
             "thu": "четверг", "fri": "пятница", "sat": "суббота", "sun": "воскресенье"}


class RotaError(ValueError):
    """A rota that can not be kept; ``code`` names the rule, the message is for people."""

    def __init__(self, message: str, code: str = "invalid", **details):
        super().__init__(message)
        self.code = code
        self.details = details


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class Break:
    """One planned break of a window, local office time, from ``start`` up to ``end``."""

    start: time
    end: time
    kind: str = "lunch"

    def label(self) -> str:
        return f"{KIND_WORDS.get(self.kind, 'перерыв')} {_hhmm(self.start)}–{_hhmm(self.end)}"

    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)

    def span(self, day: date, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return datetime.combine(day, self.start, zone), datetime.combine(day, self.end, zone)

    def to_json(self) -> dict:
        return {"start": _hhmm(self.start), "end": _hhmm(self.end), "kind": self.kind}


@dataclass(frozen=True)
class Entry:
    """A rota line: window ``window`` takes ``brk`` on ``day`` ("every" or a weekday)."""

    window: int
    day: str
    brk: Break

    def to_json(self) -> dict:
        return {"window": self.window, "day": self.day, **self.brk.to_json()}

    @classmethod
    def from_json(cls, d: dict) -> Entry:
        if not isinstance(d, dict):
            raise RotaError("Строка графика перерывов должна быть объектом")
        try:
            window = d["window"]
            if isinstance(window, bool) or not isinstance(window, int) or window < 1:
                raise RotaError("Номер окна должен быть целым числом от 1")
            day = d.get("day", EVERY)
            if day not in DAYS:
                raise RotaError(f"Неизвестный день недели «{day}»")
            kind = d.get("kind", "lunch")
            if kind not in KINDS:
                raise RotaError("Вид перерыва: обед (lunch) или перерыв (break)")
            start, end = parse_hhmm(d["start"]), parse_hhmm(d["end"])
        except RotaError:
            raise
        except (KeyError, ValueError, TypeError, AttributeError):
            raise RotaError("Укажите окно и время перерыва в виде ЧЧ:ММ, например 13:00") from None
        if not start < end:
            raise RotaError(f"Окно {window}: начало перерыва должно быть раньше конца "
                            f"({_hhmm(start)}–{_hhmm(end)})", window=window)
        return cls(window, day, Break(start, end, kind))


@dataclass(frozen=True)
class Rota:
    """The office's planned breaks, per window number."""

    entries: tuple[Entry, ...] = field(default_factory=tuple)

    def __post_init__(self):
        object.__setattr__(self, "entries", tuple(sorted(
            self.entries, key=lambda e: (e.window, DAYS.index(e.day), e.brk.start))))
        self._check_overlaps()

    # ------------------------------------------------------------------ reading

    def windows(self) -> list[int]:
        return sorted({e.window for e in self.entries})

    def __bool__(self) -> bool:
        return bool(self.entries)

    def _lists(self, window_number: int) -> dict[str, list[Break]]:
        out: dict[str, list[Break]] = {}
        for e in self.entries:
            if e.window == window_number:
                out.setdefault(e.day, []).append(e.brk)
        return out

    def breaks_for_weekday(self, window_number: int, weekday: str) -> tuple[Break, ...]:
        lists = self._lists(window_number)
        chosen = lists.get(weekday, lists.get(EVERY, []))
        return tuple(sorted(chosen, key=lambda b: b.start))

    def breaks_on(self, window_number: int, day: date) -> tuple[Break, ...]:
        return self.breaks_for_weekday(window_number, WEEKDAYS[day.weekday()])

    def planned_at(self, window_number: int, local: datetime, slack_minutes: float = 0) -> Break | None:
        """The planned break of this window going on at the local moment ``local`` (± slack)."""
        t = local.hour * 60 + local.minute + local.second / 60
        for b in self.breaks_on(window_number, local.date()):
            if _minutes(b.start) - slack_minutes <= t < _minutes(b.end) + slack_minutes:
                return b
        return None

    def next_break(self, window_number: int, local: datetime) -> Break | None:
        """The break going on now, or the next one later today (None: no more breaks today)."""
        t = local.hour * 60 + local.minute + local.second / 60
        for b in self.breaks_on(window_number, local.date()):
            if t < _minutes(b.end):
                return b
        return None

    # ------------------------------------------------------------------ rules

    def _check_overlaps(self) -> None:
        for window in self.windows():
            lists = self._lists(window)
            days = [d for d in WEEKDAYS if d in lists] + ([EVERY] if EVERY in lists else [])
            for day in days:
                brs = sorted(lists[day], key=lambda b: b.start)
                for a, b in zip(brs, brs[1:], strict=False):
                    if b.start < a.end:
                        raise RotaError(
                            f"Окно {window}, {DAY_WORDS[day]}: перерывы {_hhmm(a.start)}–{_hhmm(a.end)} "
                            f"и {_hhmm(b.start)}–{_hhmm(b.end)} пересекаются", code="overlap",
                            window=window, day=day)

    def check(self, schedule: Schedule, window_numbers=None) -> None:
        """Refuse a rota outside reception hours, or one that leaves no window at some minute of
        reception (001:353). Checked for every weekday of the weekly timetable."""
        numbers = sorted(set(window_numbers) if window_numbers is not None else set(self.windows()))
        for window in self.windows():
            if window_numbers is not None and window not in numbers:
                raise RotaError(f"В офисе нет окна {window}", code="unknown_window", window=window)
        for wd in WEEKDAYS:
            hours = schedule.week.get(wd)
            plans = {n: self.breaks_for_weekday(n, wd) for n in numbers}
            for n, brs in plans.items():
                if hours is None and wd not in self._lists(n):
                    continue  # "every" day means every working day
                for b in brs:
                    if hours is None or not (hours.open <= b.start and b.end <= hours.close):
                        where = (f"с {_hhmm(hours.open)} до {_hhmm(hours.close)}" if hours
                                 else "в этот день офис закрыт")
                        raise RotaError(
                            f"Окно {n}, {DAY_WORDS[wd]}: {b.label()} — вне часов приёма ({where})",
                            code="outside_hours", window=n, day=wd)
            if hours is None or len(numbers) < 2:
                continue  # a one-window office takes its lunch in the timetable (the hall's guard agrees)
            for a, z in hours.intervals():
                for m in range(_minutes(a), _minutes(z)):
                    if all(any(_minutes(b.start) <= m < _minutes(b.end) for b in plans[n]) for n in numbers):
                        at = f"{m // 60:02d}:{m % 60:02d}"
                        raise RotaError(
                            f"{DAY_WORDS[wd].capitalize()}, {at}: по графику на перерыве все окна сразу — "
                            f"так нельзя (перерывы не берут все одновременно)", code="hall_empty",
                            day=wd, at=at)

    # ------------------------------------------------------------------ JSON

    def to_json(self) -> dict:
        return {"breaks": [e.to_json() for e in self.entries]}

    @classmethod
    def from_json(cls, d: dict | None) -> Rota:
        if not d:
            return cls()
        if not isinstance(d, dict) or not isinstance(d.get("breaks", []), list):
            raise RotaError("График перерывов: ожидается объект со списком «breaks»")
        return cls(tuple(Entry.from_json(x) for x in d.get("breaks", [])))

    def with_window_breaks(self, window_number: int, day: str, breaks) -> Rota:
        """A copy where ``window_number``'s list for ``day`` is replaced by ``breaks``."""
        kept = tuple(e for e in self.entries if not (e.window == window_number and e.day == day))
        return Rota(kept + tuple(Entry(window_number, day, b) for b in breaks))


def minutes_until(local: datetime, t: time) -> float:
    """Minutes from the local moment to ``t`` the same day (negative when past)."""
    return (datetime.combine(local.date(), t, local.tzinfo) - local) / timedelta(minutes=1)
