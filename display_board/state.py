"""What the hall board shows, built from the hub's snapshot and then from its events.

No Qt, no network, no queue rules: the hub decides who is called where; this module only
remembers what the hall must see. It keeps **ticket codes and window numbers only** —
never a name, a login or an account number (152-ФЗ, DESIGN §7): ``Call`` has no field
that could hold one, and nothing else of a ticket is copied from the hub's views.

``BoardState.apply(event)`` returns an ``Update``: the calls to flash and announce
(``ticket.called`` and ``ticket.recalled``), and whether the office's settings changed
(``config.changed``: the board then fetches the texts and hours again). Events the state
has already seen (``seq`` not above the one it reflects) are ignored, so a snapshot taken
while the stream runs, or a replay after a reconnect, never counts anything twice.

The formatting helpers at the end (date, hours, «откроемся завтра в 8:00») are pure text
in plain Russian, without abbreviations (001:203).
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from server.domain import events as catalogue

log = logging.getLogger(__name__)

# What the board does with each event type: the hub's event catalogue says it (server/domain/events.py).
RELOAD = catalogue.board_does("reload")        # the settings changed: fetch the texts and hours again
RESET = catalogue.board_does("reset")          # a new day: clear the board
ANNOUNCE = catalogue.board_does("announce")    # a call or a recall: flash it and say it aloud
RECALLED = catalogue.name("ticket.recalled")
ISSUED = catalogue.name("ticket.issued")
WINDOW_OPENED = catalogue.name("window.opened")

#: Ticket states in which the visitor is invited to (or is already at) a window.
ACTIVE_STATES = ("called", "serving")
RECENT_SIZE = 12


@dataclass(frozen=True)
class Call:
    """One ticket invited to a window, as the hall sees it: the code and the window number."""

    ticket: int                 # the hub's id, to follow the ticket (never shown)
    code: str                   # «А-012»
    window: int | str           # the number painted on the window's sign
    called_at: float            # hub time of the (last) call
    recalls: int = 0
    serving: bool = False       # the visitor has reached the window
    invited_at: float = 0.0     # hub time of the last call or recall: the board's order

    @property
    def window_label(self) -> str:
        return str(self.window)


@dataclass(frozen=True)
class CallNews:
    """A call or recall that just happened: the board flashes it and says it aloud."""

    call: Call
    recall: bool
    at: float                   # hub time of the event
    seq: int


@dataclass(frozen=True)
class WindowInfo:
    id: int
    number: int | str
    state: str = "closed"       # open | paused | closed
    pause_reason: str | None = None
    ticket_code: str | None = None
    services: tuple[tuple[str, int], ...] = ()   # (service id, weight), to guess likely windows

    def serves(self, service: str) -> int:
        return dict(self.services).get(service, 0)


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    letter: str
    name: str
    order: int = 0
    active: bool = True
    open: bool = True


@dataclass
class Update:
    news: list[CallNews] = field(default_factory=list)
    config_changed: bool = False
    changed: bool = False       # anything visible changed
    issued: list[tuple[int, str, str]] = field(default_factory=list)   # (ticket, code, service)
    windows_opened: list[int] = field(default_factory=list)

    def merge(self, other: Update) -> Update:
        self.news.extend(other.news)
        self.issued.extend(other.issued)
        self.windows_opened.extend(other.windows_opened)
        self.config_changed |= other.config_changed
        self.changed |= other.changed
        return self


class BoardState:
    """The board's memory of the hall. Fed by ``load_snapshot`` and then ``apply``."""

    def __init__(self, recent_size: int = RECENT_SIZE) -> None:
        self.loaded = False
        self.seq = 0
        self.day: str | None = None
        self.office_name = ""
        self.texts: dict[str, str] = {}
        self.schedule: dict = {}
        self.open = True
        self.opens_at: str | None = None
        self.services: dict[str, ServiceInfo] = {}
        self.windows: dict[int, WindowInfo] = {}
        self.waiting: dict[int, tuple[str, str]] = {}   # ticket id → (service id, code)
        self.calls: dict[int, Call] = {}
        self.recent: deque[Call] = deque(maxlen=recent_size)

    # --- from the snapshot -----------------------------------------------------------------

    def load_snapshot(self, snap: dict) -> None:
        """Replace everything with the hub's ``/state`` answer."""
        self.load_config(snap)
        self.seq = int(snap.get("seq") or 0)
        if snap.get("day") != self.day:
            self.recent.clear()
        self.day = snap.get("day")
        self.windows = {w["id"]: _window(w) for w in snap.get("windows", [])}
        self.waiting = {t["id"]: (t["service"], t["code"]) for t in snap.get("waiting", [])}
        self.calls = {}
        for t in snap.get("calls", []):
            call = _call(t)
            if call is not None:
                self.calls[call.ticket] = call
        self.loaded = True

    def load_config(self, snap: dict) -> None:
        """Only the office's settings (texts, hours, topics): the queue is left as it is."""
        office = snap.get("office") or {}
        self.office_name = office.get("name") or ""
        self.texts = {k: str(v) for k, v in (office.get("texts") or {}).items() if v}
        self.schedule = snap.get("schedule") or {}
        self.open = bool(snap.get("open", True))
        self.opens_at = snap.get("opens_at")
        self.services = {s["id"]: ServiceInfo(s["id"], s.get("letter", ""), s.get("name", s["id"]),
                                              int(s.get("order") or 0), bool(s.get("active", True)),
                                              bool(s.get("open", True)))
                         for s in snap.get("services", [])}
        for w in snap.get("windows", []):
            old = self.windows.get(w["id"])
            if old is not None:  # the number or the topics of a window may have been edited
                self.windows[w["id"]] = WindowInfo(old.id, w.get("number", old.number), old.state,
                                                   old.pause_reason, old.ticket_code,
                                                   tuple(sorted((w.get("services") or {}).items())))

    # --- from the events -------------------------------------------------------------------

    def apply(self, event: Any) -> Update:
        """Take one hub event (``hub_client.HubEvent``); answers what the board should do."""
        update = Update()
        if event.seq <= self.seq:
            return update
        self.seq = event.seq
        kind = event.type
        if kind in RELOAD:
            update.config_changed = True
            return update
        if kind in RESET:
            self.day = event.data.get("day", self.day)
            self.calls.clear()
            self.waiting.clear()
            self.recent.clear()
            update.changed = True
            return update
        view = event.view or {}
        window = view.get("window")
        if window:
            before = self.windows.get(window["id"])
            self.windows[window["id"]] = _window(window)
            update.changed = True
            if kind == WINDOW_OPENED and (before is None or before.state != "open"):
                update.windows_opened.append(window["id"])
        ticket = view.get("ticket")
        if ticket:
            self._ticket(ticket, update)
            if kind == ISSUED and ticket.get("state") == "waiting":
                update.issued.append((ticket["id"], ticket["code"], ticket["service"]))
            if kind in ANNOUNCE:
                call = self.calls.get(ticket["id"])
                if call is not None:
                    # a recall brings the ticket back to the top of the board
                    call = self.calls[call.ticket] = replace(call, invited_at=float(event.at))
                    update.news.append(CallNews(call, kind == RECALLED, float(event.at), event.seq))
        return update

    def _ticket(self, t: dict, update: Update) -> None:
        tid = t["id"]
        state = t.get("state")
        if state == "waiting":
            self.waiting[tid] = (t["service"], t["code"])
        else:
            self.waiting.pop(tid, None)
        call = _call(t)
        if call is not None:
            old = self.calls.get(tid)
            if old is not None and old.window == call.window and old.invited_at > call.invited_at:
                call = replace(call, invited_at=old.invited_at)
            self.calls[tid] = call
        elif tid in self.calls:
            ended = self.calls.pop(tid)
            self.recent.appendleft(replace(ended, serving=False))
        update.changed = True

    # --- what to show ----------------------------------------------------------------------

    def current_calls(self) -> list[Call]:
        """The tickets invited now, the newest call first."""
        return sorted(self.calls.values(), key=lambda c: (-c.invited_at, -c.ticket))

    def recent_calls(self, limit: int | None = None) -> list[Call]:
        """Calls that are over, the latest first (a ticket shown once: its latest window)."""
        seen: set[int] = set()
        out = []
        for call in self.recent:
            if call.ticket in seen or call.ticket in self.calls:
                continue
            seen.add(call.ticket)
            out.append(call)
        return out[:limit] if limit is not None else out

    def waiting_by_service(self) -> list[tuple[ServiceInfo, int]]:
        """(topic, number waiting) for every topic offered, in the kiosk's order."""
        counts: dict[str, int] = {}
        for service, _code in self.waiting.values():
            counts[service] = counts.get(service, 0) + 1
        shown = [s for s in self.services.values() if s.active or counts.get(s.id)]
        return [(s, counts.get(s.id, 0)) for s in sorted(shown, key=lambda s: (s.order, s.letter))]

    def windows_in_order(self) -> list[WindowInfo]:
        return sorted(self.windows.values(), key=lambda w: _number_key(w.number))

    def likely_windows(self, service: str, limit: int = 3) -> list[WindowInfo]:
        """Windows that serve ``service`` and are working (open or on a break), best first.

        Only a guess for rendering phrases ahead — the hub decides the real window.
        """
        working = [w for w in self.windows.values() if w.serves(service) and w.state in ("open", "paused")]
        working.sort(key=lambda w: (w.state != "open", -w.serves(service), _number_key(w.number)))
        return working[:limit]

    def waiting_for_window(self, window_id: int, limit: int = 5) -> list[tuple[int, str]]:
        """(ticket, code) of the first waiting tickets that ``window_id`` may call."""
        window = self.windows.get(window_id)
        if window is None:
            return []
        tickets = sorted((tid, code) for tid, (service, code) in self.waiting.items() if window.serves(service))
        return tickets[:limit]


def _call(t: dict) -> Call | None:
    if t.get("state") not in ACTIVE_STATES:
        return None
    number = t.get("window_number")
    if number is None:
        return None
    called_at = float(t.get("called_at") or 0.0)
    return Call(ticket=int(t["id"]), code=str(t["code"]), window=number, called_at=called_at,
                recalls=int(t.get("recalls") or 0), serving=t.get("state") == "serving", invited_at=called_at)


def _window(w: dict) -> WindowInfo:
    return WindowInfo(id=int(w["id"]), number=w.get("number", w["id"]), state=str(w.get("state") or "closed"),
                      pause_reason=w.get("pause_reason"), ticket_code=w.get("ticket_code"),
                      services=tuple(sorted((w.get("services") or {}).items())))


def _number_key(number: int | str) -> tuple:
    text = str(number)
    digits = "".join(ch for ch in text if ch.isdigit())
    return (int(digits) if digits else 0, text)


# --- text for people ----------------------------------------------------------------------

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
#: «во вторник», «в среду»: the accusative after «в».
WEEKDAY_ON = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
              "в воскресенье")
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")


def office_zone(schedule: dict) -> tzinfo:
    """The office's time zone (the board may sit in a PC set to another one)."""
    name = (schedule or {}).get("tz") or "Europe/Moscow"
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - Windows without the tzdata package: the PC's own zone
        log.warning("time zone %s is unknown on this computer; showing the computer's local time", name)
        return datetime.now().astimezone().tzinfo or UTC


def clock_text(moment: datetime) -> str:
    return f"{moment.hour:d}:{moment.minute:02d}"


def date_text(moment: datetime) -> str:
    """«понедельник, 23 ноября»."""
    return f"{WEEKDAY_NAMES[moment.weekday()]}, {moment.day} {MONTHS_GENITIVE[moment.month - 1]}"


def _hhmm(text: str) -> str:
    hh, _, mm = text.partition(":")
    return f"{int(hh)}:{mm}"


def day_hours_text(hours: dict | None) -> str:
    """«8:00–20:00, перерыв 13:00–14:00», «круглосуточно» or «выходной»."""
    if not hours:
        return "выходной"
    if hours.get("open") == "00:00" and hours.get("close") in ("23:59", "24:00"):
        return "круглосуточно"
    text = f"{_hhmm(hours['open'])}–{_hhmm(hours['close'])}"
    brk = hours.get("break")
    if brk and len(brk) == 2:
        text += f", перерыв {_hhmm(brk[0])}–{_hhmm(brk[1])}"
    return text


def _day_span(first: int, last: int) -> str:
    if first == last:
        return WEEKDAY_NAMES[first]
    if last == first + 1:
        return f"{WEEKDAY_NAMES[first]}, {WEEKDAY_NAMES[last]}"
    return f"{WEEKDAY_NAMES[first]} – {WEEKDAY_NAMES[last]}"


def week_hours_lines(schedule: dict) -> list[str]:
    """The weekly timetable, days with the same hours grouped: [«понедельник – пятница: …», …]."""
    week = (schedule or {}).get("week") or {}
    texts = [day_hours_text(week.get(key)) for key in WEEKDAY_KEYS]
    if len(set(texts)) == 1:
        return ["ежедневно, " + texts[0] if texts[0] != "выходной" else "приём не ведётся"]
    lines = []
    start = 0
    for i in range(1, 8):
        if i == 7 or texts[i] != texts[start]:
            span = _day_span(start, i - 1)
            lines.append(f"{span}: {texts[start]}" if texts[start] != "выходной"
                         else f"{span} — {'выходные' if i - 1 > start else 'выходной'}")
            start = i
    return lines


def today_hours(schedule: dict, today: date) -> str | None:
    """Today's hours when they differ from the week (a holiday, a special working day)."""
    schedule = schedule or {}
    iso = today.isoformat()
    if iso in (schedule.get("holidays") or []):
        return "сегодня праздничный день, приём не ведётся"
    special = (schedule.get("special") or {}).get(iso)
    if special:
        return f"сегодня особый график: {day_hours_text(special)}"
    return None


def opening_text(opens_at: str | None, now: datetime) -> str:
    """«Откроемся сегодня в 14:00», «… завтра в 8:00», «… в понедельник, 25 ноября, в 8:00»."""
    if not opens_at:
        return ""
    try:
        moment = datetime.fromisoformat(opens_at)
    except ValueError:
        return ""
    if moment.tzinfo is not None and now.tzinfo is not None:
        moment = moment.astimezone(now.tzinfo)
    days = (moment.date() - now.date()).days
    at = clock_text(moment)
    if days <= 0:
        return f"Откроемся сегодня в {at}"
    if days == 1:
        return f"Откроемся завтра в {at}"
    if days < 7:
        return f"Откроемся {WEEKDAY_ON[moment.weekday()]}, {moment.day} {MONTHS_GENITIVE[moment.month - 1]}, в {at}"
    return f"Откроемся {moment.day} {MONTHS_GENITIVE[moment.month - 1]} в {at}"


def window_status_text(window: WindowInfo) -> str:
    """What the window's tile says under its number."""
    if window.state == "closed":
        return "закрыто"
    if window.state == "paused":
        return "перерыв"
    return window.ticket_code or "свободно"


def info_slides(texts: dict[str, str]) -> list[str]:
    """The hall information the administrator wrote (``ticker``), one slide per paragraph,
    then how to reach the company (phone, site)."""
    slides = []
    ticker = (texts or {}).get("ticker", "")
    for part in ticker.replace("\r", "").split("\n"):
        part = " ".join(part.split())
        if part:
            slides.append(part)
    contacts = []
    if (texts or {}).get("phone"):
        contacts.append(f"Телефон контакт-центра: {texts['phone']}")
    if (texts or {}).get("site"):
        contacts.append(f"Сайт: {texts['site']}")
    if contacts:
        slides.append(". ".join(contacts))
    return slides


__all__ = ["BoardState", "Call", "CallNews", "ServiceInfo", "Update", "WindowInfo", "clock_text",
           "date_text", "day_hours_text", "info_slides", "office_zone", "opening_text",
           "today_hours", "week_hours_lines", "window_status_text"]
