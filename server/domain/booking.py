"""Appointments (issue 16): the slots a service offers on a day, their capacity, and the rules of
arriving for one. Pure: no I/O, no clock of its own (time is passed in).

- **Slots** of a service on a day are cut from the office's reception hours (``schedule.py``,
  lunch in the timetable included) into pieces of ``slot_minutes`` (the setting, else the
  service's norm, else ``DEFAULT_SLOT``). A slot must fit whole inside one reception interval.
- **Capacity**: each window that serves the service and is not on a planned break of the rota
  (``rota.py``) during the slot keeps ``share`` of its time for bookings. The shares are summed
  slot by slot over the day and a slot gets the whole bookings the running sum reaches at its end:
  with 20 % and two windows a day of 10 slots holds 4 bookings, spread over the day (slots
  3, 5, 8 and 10), never more than ``share`` of the windows' time.
- **The director's reception** (004:227–229: e.g. Monday and Wednesday 15:00–17:00) is a service
  with its own days and hours and its own windows (the head's office); its slots exist only
  inside those hours, and it is offered on the kiosk only then (:meth:`Reception.open_at`).
- **Arriving**: check-in is accepted from ``early`` minutes before the slot to ``late`` minutes
  after its start (an appointment ticket); later, up to ``grace`` minutes after the start, the
  visitor gets an ordinary ticket (a walk-in); after ``grace`` a booking nobody checked in for is
  released (a no-show) and check-in is refused.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from .model import Window
from .rota import Rota
from .schedule import WEEKDAYS, Schedule, parse_hhmm

DEFAULT_SLOT = 15  # minutes, when neither the setting nor the service's norm says
MIN_SLOT, MAX_SLOT = 5, 120

#: what :func:`arrival` says about a check-in at some moment
EARLY, ON_TIME, LATE, RELEASED = "early", "on_time", "late", "released"

#: a booking's states as the store keeps them; ``released`` is also computed on read
BOOKED, ARRIVED, CANCELLED = "booked", "arrived", "cancelled"


class BookingError(ValueError):
    """Settings that can not be kept; ``code`` names the rule, the message is for people."""

    def __init__(self, message: str, code: str = "invalid_booking_settings"):
        super().__init__(message)
        self.code = code


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


@dataclass(frozen=True)
class Reception:
    """The director's reception: a service offered only on ``days`` from ``start`` to ``end``,
    served only at the windows numbered ``windows`` (the head's office), ``share`` of that time
    kept for bookings."""

    service: str
    days: tuple[str, ...]
    start: time
    end: time
    windows: tuple[int, ...] = ()
    share: float = 1.0

    def open_at(self, local: datetime) -> bool:
        """Is the reception going on at this local moment?"""
        return WEEKDAYS[local.weekday()] in self.days and self.start <= local.time() < self.end

    def next_opening(self, local: datetime) -> datetime | None:
        """The next start of the reception after the local moment (within a week), or None."""
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if WEEKDAYS[day.weekday()] not in self.days:
                continue
            start = datetime.combine(day, self.start, local.tzinfo)
            if start > local:
                return start
        return None

    def hours_words(self) -> str:
        """«пн, ср 15:00–17:00»"""
        short = {"mon": "пн", "tue": "вт", "wed": "ср", "thu": "чт", "fri": "пт", "sat": "сб", "sun": "вс"}
        return f"{', '.join(short[d] for d in WEEKDAYS if d in self.days)} {_hhmm(self.start)}–{_hhmm(self.end)}"

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "days": [d for d in WEEKDAYS if d in self.days],
                "from": _hhmm(self.start), "to": _hhmm(self.end), "windows": list(self.windows),
                "share": self.share}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reception:
        try:
            days = tuple(d["days"])
            start, end = parse_hhmm(d["from"]), parse_hhmm(d["to"])
            windows = tuple(int(n) for n in d.get("windows") or ())
            share = float(d.get("share", 1.0))
            service = str(d["service"])
        except (KeyError, ValueError, TypeError, AttributeError):
            raise BookingError("Приём руководителя: укажите услугу, дни и часы в виде ЧЧ:ММ") from None
        if not days or any(x not in WEEKDAYS for x in days):
            raise BookingError("Приём руководителя: дни недели — mon, tue, wed, thu, fri, sat, sun")
        if not start < end:
            raise BookingError("Приём руководителя: начало должно быть раньше конца")
        if not 0 < share <= 1:
            raise BookingError("Приём руководителя: доля времени для записи — от 0 до 1")
        return cls(service, days, start, end, windows, share)


@dataclass(frozen=True)
class BookingRules:
    """The office's booking settings (``settings["booking"]``), minutes unless said."""

    share: float = 0.2
    slot_minutes: int | None = None
    early: int = 15
    late: int = 10
    grace: int = 30
    horizon_days: int = 14
    #: the services that take bookings (None: every active service)
    services: tuple[str, ...] | None = None
    reception: Reception | None = None

    def bookable(self, service_id: str) -> bool:
        if self.reception is not None and service_id == self.reception.service:
            return True
        return self.services is None or service_id in self.services

    def slot_length(self, service_norm_minutes: float | None) -> int:
        """The slot length: the setting, else the service's norm rounded up, else ``DEFAULT_SLOT``."""
        if self.slot_minutes:
            return self.slot_minutes
        if service_norm_minutes:
            return min(MAX_SLOT, max(MIN_SLOT, math.ceil(service_norm_minutes)))
        return DEFAULT_SLOT

    def to_json(self) -> dict[str, Any]:
        return {"share": self.share, "slot_minutes": self.slot_minutes, "early": self.early,
                "late": self.late, "grace": self.grace, "horizon_days": self.horizon_days,
                "services": list(self.services) if self.services is not None else None,
                "reception": self.reception.to_json() if self.reception else None}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> BookingRules:
        d = d or {}
        if not isinstance(d, dict):
            raise BookingError("Настройки записи: ожидается объект")
        try:
            rules = cls(share=float(d.get("share", 0.2)),
                        slot_minutes=int(d["slot_minutes"]) if d.get("slot_minutes") else None,
                        early=int(d.get("early", 15)), late=int(d.get("late", 10)),
                        grace=int(d.get("grace", 30)), horizon_days=int(d.get("horizon_days", 14)),
                        services=tuple(d["services"]) if d.get("services") is not None else None,
                        reception=Reception.from_json(d["reception"]) if d.get("reception") else None)
        except BookingError:
            raise
        except (ValueError, TypeError):
            raise BookingError("Настройки записи: доли и минуты — числа") from None
        if not 0 <= rules.share <= 1:
            raise BookingError("Доля времени окон для записи — от 0 до 1 (например, 0.2)")
        if rules.slot_minutes is not None and not MIN_SLOT <= rules.slot_minutes <= MAX_SLOT:
            raise BookingError(f"Длина интервала записи — от {MIN_SLOT} до {MAX_SLOT} минут")
        if min(rules.early, rules.late, rules.grace) < 0 or rules.grace < rules.late:
            raise BookingError("Опоздание с обычным талоном не может быть меньше опоздания по записи")
        if not 1 <= rules.horizon_days <= 90:
            raise BookingError("Запись открыта на срок от 1 до 90 дней вперёд")
        return rules


@dataclass(frozen=True)
class Slot:
    """One bookable interval: local start and end, and how many bookings it takes."""

    start: datetime
    end: datetime
    capacity: int
    windows: int = 0  # windows offering the service during the slot

    @property
    def key(self) -> str:
        return _hhmm(self.start.time())

    def to_json(self) -> dict[str, Any]:
        return {"time": self.key, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "at": self.start.timestamp(), "capacity": self.capacity}


def _overlaps(rota: Rota, number: int, start: datetime, end: datetime) -> bool:
    for b in rota.breaks_on(number, start.date()):
        if b.start < end.time() and start.time() < b.end:
            return True
    return False


def offering_windows(windows: Iterable[Window], service_id: str, reception: Reception | None = None) -> list[Window]:
    """The windows that offer the service: those serving it; for the director's reception only
    the head's windows (its ``windows`` numbers, else the windows of level ``head``)."""
    if reception is not None and reception.service == service_id:
        if reception.windows:
            return [w for w in windows if w.number in reception.windows]
        return [w for w in windows if w.level == "head"]
    return [w for w in windows if w.serves(service_id)]


def slots(day: date, service_id: str, *, schedule: Schedule, rota: Rota, windows: Iterable[Window],
          rules: BookingRules, slot_minutes: int) -> list[Slot]:
    """The service's slots on ``day`` with their capacity (slots of capacity 0 included)."""
    hours = schedule.hours_on(day)
    if hours is None or not rules.bookable(service_id):
        return []
    reception = rules.reception if rules.reception and rules.reception.service == service_id else None
    if reception is not None and WEEKDAYS[day.weekday()] not in reception.days:
        return []
    share = reception.share if reception is not None else rules.share
    offering = offering_windows(windows, service_id, rules.reception)
    zone = schedule.zone
    step = timedelta(minutes=slot_minutes)
    out: list[Slot] = []
    running = 0.0
    for a, b in hours.intervals():
        if reception is not None:
            a, b = max(a, reception.start), min(b, reception.end)
        start = datetime.combine(day, a, zone)
        close = datetime.combine(day, b, zone)
        while start + step <= close:
            end = start + step
            present = [w for w in offering if not _overlaps(rota, w.number, start, end)]
            before = math.floor(running + 1e-9)
            running += share * len(present)
            out.append(Slot(start, end, math.floor(running + 1e-9) - before, len(present)))
            start = end
    return out


def find_slot(day_slots: list[Slot], at: float) -> Slot | None:
    """The slot starting exactly at ``at`` (epoch seconds)."""
    for s in day_slots:
        if abs(s.start.timestamp() - at) < 1:
            return s
    return None


def bookable_days(today: date, rules: BookingRules) -> list[date]:
    """The days a visitor may book now: today and the next ``horizon_days`` − 1."""
    return [today + timedelta(days=i) for i in range(rules.horizon_days)]


def can_book(slot_start: float, now: float, rules: BookingRules) -> bool:
    """A slot may be booked until it starts (and no further ahead than the horizon)."""
    return now < slot_start <= now + rules.horizon_days * 86400


def arrival(slot_start: float, now: float, rules: BookingRules) -> str:
    """How a check-in at ``now`` stands for a slot starting at ``slot_start``."""
    if now < slot_start - rules.early * 60:
        return EARLY
    if now <= slot_start + rules.late * 60:
        return ON_TIME
    if now <= slot_start + rules.grace * 60:
        return LATE
    return RELEASED


def status(state: str, slot_start: float, now: float, rules: BookingRules) -> str:
    """A booking's state as people see it: a booking nobody came for by the grace is released."""
    if state == BOOKED and now > slot_start + rules.grace * 60:
        return RELEASED
    return state


def check_in_from(slot_start: float, rules: BookingRules) -> float:
    """The first moment check-in is accepted."""
    return slot_start - rules.early * 60


def normal_phone(text: str) -> str | None:
    """A Russian phone number as +7XXXXXXXXXX (from «8 912 345-67-89», «+7 (912) …»), else None."""
    digits = "".join(c for c in str(text) if c.isdigit())
    if str(text).lstrip().startswith("+") and not (len(digits) == 11 and digits[0] == "7"):
        return None  # the international form: a Russian number in it is +7 and ten digits
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] == "0":
        return None
    return "+7" + digits


def reception_of(booking_settings: dict[str, Any] | None, service_id: str) -> Reception | None:
    """The director's reception when ``service_id`` is its service (settings that can not be read
    count as none: they are checked when they are set)."""
    if not booking_settings or not isinstance(booking_settings, dict) or not booking_settings.get("reception"):
        return None
    try:
        reception = Reception.from_json(booking_settings["reception"])
    except BookingError:
        return None
    return reception if reception.service == service_id else None
