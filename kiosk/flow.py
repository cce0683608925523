"""What the kiosk says and offers, from the hub's data: plain Python, no Qt, no network.

The hub decides the queue (who is served, when the office is open, the estimate); this module
only turns its answers into the kiosk's words: the greeting for the time of day, the office
hours, «приём начнётся завтра в 9:00», which topics to offer to whom, and the ticket to print.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from babel.dates import format_date

from .printing import PAPER_LOW, PAPER_OUT, PRINTER_NOT_READY, PRINTER_OFFLINE, TicketPrint
from .printing.ticket import queue_text, wait_text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SHORT = {"mon": "пн", "tue": "вт", "wed": "ср", "thu": "чт", "fri": "пт", "sat": "сб", "sun": "вс"}
# «в понедельник», «во вторник», «в среду» … (accusative, with the right preposition)
ON_WEEKDAY = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
              "в воскресенье")

INDIVIDUAL, BUSINESS = "individual", "business"


@dataclass(frozen=True)
class ClientChoice:
    id: str
    name: str
    hint: str


CLIENT_CHOICES = (
    ClientChoice(INDIVIDUAL, "Физическое лицо", "Для себя: квартира, частный дом, дача, гараж"),
    ClientChoice(BUSINESS, "Юридическое лицо или ИП", "Для организации или предпринимателя"),
)

# Spooler incident kinds -> the printer state the hub's heartbeat knows, worst first.
HEARTBEAT_STATE = {PAPER_OUT: "paper_out", PRINTER_OFFLINE: "offline", PRINTER_NOT_READY: "error",
                   PAPER_LOW: "paper_low"}
# Kinds that stop printing: these open a "printer" incident on the hub (downtime is counted, 001:784).
DOWN_KINDS = frozenset({PAPER_OUT, PRINTER_OFFLINE, PRINTER_NOT_READY})


@dataclass(frozen=True)
class Topic:
    """A service as the kiosk offers it."""

    id: str
    letter: str
    name: str
    hint: str
    client_type: str
    open: bool
    opens_at: str | None
    checklist: tuple[str, ...] = field(default=())

    @classmethod
    def from_hub(cls, s: dict) -> Topic:
        return cls(id=s["id"], letter=s.get("letter", ""), name=s["name"], hint=s.get("hint") or "",
                   client_type=s.get("client_type") or "any", open=bool(s.get("open", True)),
                   opens_at=s.get("opens_at"), checklist=tuple(s.get("checklist") or ()))


# ---------------------------------------------------------------------- time and words

def office_zone(state: dict | None) -> tzinfo:
    """The office's time zone (from its schedule); the machine's own when unknown."""
    name = ((state or {}).get("schedule") or {}).get("tz")
    if name:
        try:
            return ZoneInfo(name)
        except Exception:  # an unknown zone name must not stop the kiosk
            pass
    return datetime.now().astimezone().tzinfo


def greeting(now: datetime) -> str:
    """A greeting for the time of day."""
    hour = now.hour
    if 4 <= hour < 12:
        return "Доброе утро!"
    if 12 <= hour < 17:
        return "Добрый день!"
    if 17 <= hour < 23:
        return "Добрый вечер!"
    return "Здравствуйте!"


def clock_text(now: datetime) -> str:
    return now.strftime("%H:%M")


def date_text(now: datetime) -> str:
    """«понедельник, 23 ноября»."""
    return format_date(now.date(), "EEEE, d MMMM", locale="ru")


def _hhmm(text: str) -> str:
    hh, mm = text.split(":")
    return f"{int(hh)}:{mm}"


def _day_hours(hours: dict | None) -> str:
    if not hours:
        return "выходной"
    if hours["open"] == "00:00" and hours["close"] in ("23:59", "24:00") and not hours.get("break"):
        return "круглосуточно"
    text = f"{_hhmm(hours['open'])}–{_hhmm(hours['close'])}"
    if hours.get("break"):
        text += f", перерыв {_hhmm(hours['break'][0])}–{_hhmm(hours['break'][1])}"
    return text


def hours_lines(schedule: dict | None) -> list[str]:
    """The weekly hours in a few lines: «Пн–пт: 8:00–20:00, перерыв 13:00–14:00», «Сб, вс: выходной»."""
    week = (schedule or {}).get("week") or {}
    texts = [_day_hours(week.get(d)) for d in WEEKDAYS]
    if len(set(texts)) == 1:
        return [f"Ежедневно: {texts[0]}"]
    groups: list[tuple[int, int, str]] = []
    for i, text in enumerate(texts):
        if groups and groups[-1][2] == text and groups[-1][1] == i - 1:
            groups[-1] = (groups[-1][0], i, text)
        else:
            groups.append((i, i, text))
    merged: dict[str, list[str]] = {}
    for a, b, text in groups:
        if a == b:
            days = DAY_SHORT[WEEKDAYS[a]]
        elif b == a + 1:
            days = f"{DAY_SHORT[WEEKDAYS[a]]}, {DAY_SHORT[WEEKDAYS[b]]}"
        else:
            days = f"{DAY_SHORT[WEEKDAYS[a]]}–{DAY_SHORT[WEEKDAYS[b]]}"
        merged.setdefault(text, []).append(days)
    lines = []
    for text, days in merged.items():
        label = ", ".join(days)
        lines.append(f"{label[0].upper()}{label[1:]}: {text}")
    return lines


def opens_text(opens_at: str | None, now: datetime) -> str:
    """When reception starts, relative to ``now``: «сегодня в 14:00», «завтра, 24 ноября, в 9:00»."""
    if not opens_at:
        return ""
    when = datetime.fromisoformat(opens_at)
    if now.tzinfo is not None:
        when = when.astimezone(now.tzinfo)
    at = f"в {when.hour}:{when.minute:02d}"
    days = (when.date() - now.date()).days
    day_month = format_date(when.date(), "d MMMM", locale="ru")
    if days <= 0:
        return f"сегодня {at}"
    if days == 1:
        return f"завтра, {day_month}, {at}"
    if days < 7:
        return f"{ON_WEEKDAY[when.weekday()]}, {day_month}, {at}"
    return f"{day_month} {at}"


def closed_message(opens_at: str | None, now: datetime) -> tuple[str, str]:
    """Title and text when the office does not receive visitors now."""
    when = opens_text(opens_at, now)
    if when:
        return "Сейчас приём не ведётся", f"Приём начнётся {when}. Талоны выдаются в часы приёма."
    return "Сейчас приём не ведётся", "Талоны выдаются в часы приёма. Пожалуйста, уточните время у сотрудника."


def service_closed_message(name: str, opens_at: str | None, now: datetime) -> tuple[str, str]:
    """Title and text for a topic that is not offered now."""
    when = opens_text(opens_at, now)
    if when:
        return (f"«{name}»: сейчас приём не ведётся",
                f"Приём по этой теме начнётся {when}. Вы можете выбрать другую тему.")
    return (f"«{name}»: сейчас эта услуга не оказывается",
            "Пожалуйста, выберите другую тему или нажмите «Нужна помощь сотрудника».")


HUB_DOWN_TITLE = "Нет связи с сервером очереди"
HUB_DOWN_TEXT = ("Сейчас талон выдать нельзя. Киоск сам подключится снова, это может занять минуту. "
                 "Если Вам нужна помощь, обратитесь, пожалуйста, к администратору зала.")
HUB_DOWN_ISSUE_TEXT = ("Талон ещё не выдан. Мы пробуем снова, пожалуйста, подождите немного. "
                       "Номер талона появится на экране, как только связь восстановится.")


# ---------------------------------------------------------------------- topics

def topics(state: dict | None) -> list[Topic]:
    """The topics offered at all (the ones the administrator switched off are not shown; the
    director's reception only while it is going on, 004:227-229: on other days and hours it is
    booked, not queued for)."""
    return [Topic.from_hub(s) for s in (state or {}).get("services", [])
            if s.get("active", True) and not (s.get("reception") and not s.get("open", True))]


def client_choice_needed(items: list[Topic]) -> bool:
    """Ask «физическое или юридическое лицо» only where the office serves both."""
    kinds = {t.client_type for t in items}
    return INDIVIDUAL in kinds and BUSINESS in kinds


def topics_for(items: list[Topic], client_type: str | None) -> list[Topic]:
    """The topics for one kind of client (all of them when the office does not ask)."""
    if client_type is None:
        return list(items)
    return [t for t in items if t.client_type in ("any", client_type)]


# ---------------------------------------------------------------------- the ticket

def wait_bounds(estimate) -> tuple[int | None, int | None]:
    """The hub's estimate in minutes as whole minutes for print: floor of the low end, ceiling of the high."""
    if not estimate or len(estimate) != 2 or estimate[0] is None or estimate[1] is None:
        return None, None
    low = max(0, math.floor(float(estimate[0])))
    high = max(low, math.ceil(float(estimate[1])))
    return low, high


def visitor_link(ticket_url: str, base: str) -> str:
    """The absolute address of the visitor's page ``/t/{token}``."""
    return urljoin(base.rstrip("/") + "/", ticket_url.lstrip("/"))


def ticket_print(answer: dict, state: dict, base_url: str) -> TicketPrint:
    """The ticket to print from the hub's answer (an issued ticket or ``GET /tickets/{id}``)."""
    office = state.get("office") or {}
    texts = office.get("texts") or {}
    wait_min, wait_max = wait_bounds(answer.get("estimate_now") or answer.get("estimate"))
    if answer.get("opens_at") and answer.get("estimate_after_opening"):  # no window open yet
        wait_min, wait_max = wait_bounds(answer["estimate_after_opening"])
        extra_opens = {"opens_at": str(answer["opens_at"])}
    else:
        extra_opens = {}
    extra = {}
    if texts.get("recording"):
        extra["recording_notice"] = texts["recording"]
    if texts.get("farewell"):
        extra["farewell"] = texts["farewell"]
    return TicketPrint(
        company=office.get("company") or "",
        office_name=office.get("name") or "",
        office_address=office.get("address") or "",
        code=answer["code"],
        service_name=answer.get("service_name") or answer.get("service") or "",
        people_ahead=max(0, int(answer.get("people_ahead") or 0)),
        wait_min=wait_min,
        wait_max=wait_max,
        issued_at=datetime.fromtimestamp(float(answer["issued_at"]), office_zone(state)),
        url=visitor_link(answer["url"], base_url),
        contact_phone=texts.get("phone") or "",
        checklist=list(answer.get("checklist") or []),
        individual=bool(answer.get("individual")),
        **extra, **extra_opens,
    )


def ticket_lines(ticket: TicketPrint) -> tuple[str, str]:
    """The two sentences shown under the code: people ahead, and the wait as a range."""
    wait = wait_text(ticket.wait_min, ticket.wait_max)
    if wait and ticket.opens_at:
        return queue_text(ticket.people_ahead), (f"Окно откроется в {ticket.opens_at}, ожидание примерно "
                                                 f"{wait} после открытия")
    return queue_text(ticket.people_ahead), (f"Примерное время ожидания: {wait}" if wait else "")


def printer_heartbeat(active: dict[str, str]) -> dict:
    """The ``printer`` part of a heartbeat from the spooler's open incidents (kind -> detail)."""
    for kind, state in HEARTBEAT_STATE.items():
        if kind in active:
            return {"state": state, "detail": active[kind][:300]}
    return {"state": "ok"}


def local(at: float, zone: tzinfo) -> datetime:
    """A moment (epoch seconds) in the office's time zone."""
    return datetime.fromtimestamp(at, zone)
