"""Alerts for the hall administrator: computed from the hall, the devices and ``now``, nothing else.

An alert is a condition that holds *now*; it has a stable id (``wait_over:ticket:17``) so that the
administrator can acknowledge it. An acknowledgement covers the occurrence that existed when it
was given: an alert whose ``since`` is later than the acknowledgement (the same kiosk down again,
the same visitor waiting again after a transfer) is a new occurrence and shows as new.

What raises an alert, and where the rule comes from:

* a wait nearing its norm (``near`` share of it, 75 % by default) and a wait over it (001:379–413);
* a service (the current segment at a window) running over its norm (001:392–413, 000:335, 002:153);
* a visit — issue to now, all segments — over the profile's whole-visit limit, 33 min (001:418–419);
* people waiting and no window open, or nobody open who may serve them (002:128, 001:353);
* a kiosk or board not heard from, or its printer not printing, with for how long; past 60 minutes
  of reception time the alert turns red (001:784);
* the help button pressed at a kiosk, until the administrator acknowledges it;
* a burst of failed sign-ins or pairing codes (someone may be guessing a password), from one
  address or at the office from several, until acknowledged or quiet for ``BURST_SHOWN``.

Pure: the shell passes device rows, open incidents, help requests and acknowledgements in.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from . import dispatch
from .hall import Hall
from .model import Ticket, TicketState, WindowState

#: The share of a waiting norm at which the «nearing the norm» alert appears.
NEAR_SHARE = 0.75
#: A device is «not on line» when its last heartbeat is older than this (devices beat every ~30 s).
DEVICE_TIMEOUT = 90.0
#: 001:784: a self-service terminal may be out of order for no more than 60 minutes of working time.
DEVICE_DOWN_LIMIT = 60 * 60.0
#: A burst of failed sign-ins stays on the stand this long after it was last recorded.
BURST_SHOWN = 30 * 60.0

WARNING, DANGER = "warning", "danger"
LEVEL_ORDER = {DANGER: 0, WARNING: 1}

DEVICE_WORDS: dict[Any, str] = {"kiosk": "Киоск", "board": "Табло"}
DEVICE_AT: dict[Any, str] = {"kiosk": "на киоске", "board": "у табло"}
PRINTER_WORDS: dict[Any, str] = {
    "paper_out": "закончилась бумага",
    "cover_open": "открыта крышка принтера",
    "offline": "принтер не отвечает",
    "error": "ошибка принтера",
}
INCIDENT_WORDS: dict[Any, str] = {
    "printer": "неисправен принтер",
    "kiosk": "неисправность киоска",
    "board": "неисправность табло",
    "sound": "нет звука",
    "network": "нет связи с сетью",
}


@dataclass
class Alert:
    id: str
    kind: str
    level: str
    title: str
    text: str
    since: float | None = None  # when the condition began (None: not known)
    source: str = ""            # the rule's citation, e.g. «001:388–389»
    ticket: int | None = None
    code: str | None = None
    window: int | None = None   # the window's number as on its sign
    device: str | None = None
    limit: float | None = None  # the norm, seconds, where there is one
    acknowledged: dict[str, Any] | None = None  # {"login", "at"}
    dismiss_on_ack: bool = False      # gone once acknowledged (a help request answered)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, now: float) -> dict[str, Any]:
        d = asdict(self)
        d.pop("dismiss_on_ack")
        d["elapsed"] = None if self.since is None else max(0.0, now - self.since)
        return d


# ---------------------------------------------------------------------- words

def duration_words(seconds: float) -> str:
    """«45 с», «7 мин», «1 ч 05 мин» — for the administrator's eyes."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} с"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} мин"
    return f"{minutes // 60} ч {minutes % 60:02d} мин"


def counted(n: int, one: str, few: str, many: str) -> str:
    """``n`` with the Russian plural form that goes with it: 1 посетитель, 3 посетителя, 11 посетителей."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


def people_words(n: int) -> str:
    return counted(n, "посетитель", "посетителя", "посетителей")


def norm_words(limit_seconds: float) -> str:
    minutes = limit_seconds / 60.0
    return f"{minutes:g} мин"


def wait_level(waited: float, limit: float | None, near: float = NEAR_SHARE) -> str:
    """«ok», «near» or «over»: how a wait stands against its norm (no norm: always «ok»)."""
    if not limit:
        return "ok"
    if waited >= limit:
        return "over"
    if waited >= near * limit:
        return "near"
    return "ok"


# ---------------------------------------------------------------------- the alerts

def hall_alerts(hall: Hall, now: float, *, devices: Iterable[Mapping[str, Any]] = (),
                incidents: Iterable[Mapping[str, Any]] = (),
                help_requests: Iterable[Mapping[str, Any]] = (), acks: Mapping[str, Mapping[str, Any]] | None = None,
                near: float = NEAR_SHARE, auth_bursts: Iterable[Mapping[str, Any]] = ()) -> list[Alert]:
    """Every alert that holds at ``now``, the unacknowledged and most serious first.

    ``devices``: rows with ``id, kind, name, last_seen, status`` (status: the last heartbeat body,
    a dict) and optionally ``status_since`` (when the device last reported a change).
    ``incidents``: open incidents with ``id, device, kind, detail, opened_at``.
    ``help_requests``: ``seq, at, device, screen, comment`` of help button presses.
    ``acks``: alert id → ``{"login", "at"}``.
    ``auth_bursts``: ``auth.burst`` events (``seq, at`` and their data) of the office.
    """
    devices = list(devices)
    alerts: list[Alert] = []
    alerts += ticket_alerts(hall, now, near)
    alerts += hall_staffing_alerts(hall, now)
    alerts += device_alerts(hall, now, devices, list(incidents))
    alerts += help_alerts(hall, now, help_requests, {d["id"]: d for d in devices})
    alerts += security_alerts(now, auth_bursts)
    out = []
    for a in alerts:
        ack = (acks or {}).get(a.id)
        if ack is not None and (a.since is None or ack["at"] >= a.since):
            if a.dismiss_on_ack:
                continue
            a.acknowledged = {"login": ack.get("login"), "at": ack["at"]}
        out.append(a)
    out.sort(key=lambda a: (a.acknowledged is not None, LEVEL_ORDER.get(a.level, 9),
                            a.since if a.since is not None else now, a.id))
    return out


def _today(hall: Hall, now: float) -> list[Ticket]:
    day = hall.schedule.office_day(now)
    return [t for t in hall.tickets.values() if t.day == day and not t.state.terminal]


def _window_number(hall: Hall, window_id: int | None) -> int | None:
    w = hall.windows.get(window_id) if window_id is not None else None
    return w.number if w else None


def ticket_alerts(hall: Hall, now: float, near: float = NEAR_SHARE) -> list[Alert]:
    """Waits nearing and over their norm, services over their norm, visits over the whole limit."""
    out: list[Alert] = []
    visit = hall.profile.visit_total
    for t in sorted(_today(hall, now), key=lambda t: t.id):
        service = hall.services.get(t.service)
        name = service.name if service else t.service
        norms = hall.profile.for_kind(service.kind) if service else None
        if t.state is TicketState.WAITING:
            limit = hall.wait_limit(t)
            waited = now - t.queued_at
            level = wait_level(waited, limit, near)
            if level == "over" and limit is not None:
                out.append(Alert(
                    id=f"wait_over:ticket:{t.id}", kind="wait_over", level=DANGER,
                    title="Превышен норматив ожидания",
                    text=(f"Талон {t.code} («{name}») ждёт {duration_words(waited)} "
                          f"при нормативе {norm_words(limit)}"),
                    since=t.queued_at + limit, source=norms.wait.source if norms and norms.wait else "",
                    ticket=t.id, code=t.code, limit=limit))
            elif level == "near" and limit is not None:
                out.append(Alert(
                    id=f"wait_near:ticket:{t.id}", kind="wait_near", level=WARNING,
                    title="Ожидание приближается к нормативу",
                    text=(f"Талон {t.code} («{name}») ждёт {duration_words(waited)} "
                          f"из {norm_words(limit)} по нормативу"),
                    since=t.queued_at + near * limit, source=norms.wait.source if norms and norms.wait else "",
                    ticket=t.id, code=t.code, limit=limit))
        elif t.state is TicketState.SERVING and t.started_at is not None:
            limit = hall.service_limit(t)
            running = now - t.started_at
            if limit and running > limit:
                window = _window_number(hall, t.window)
                norm = hall.profile.service_norm(service.kind if service else "consultation", t.segment.level)
                out.append(Alert(
                    id=f"service_over:ticket:{t.id}", kind="service_over", level=DANGER,
                    title="Приём дольше норматива",
                    text=((f"Окно {window}, талон" if window is not None else "Талон")  # a window since removed
                          + f" {t.code} («{name}»): приём идёт {duration_words(running)} "
                          f"при нормативе {norm_words(limit)}"),
                    since=t.started_at + limit, source=norm.source if norm else "",
                    ticket=t.id, code=t.code, window=window, limit=limit))
        if visit is not None:
            total = now - t.issued_at
            limit = visit.limit_seconds
            if total > limit:
                where = (f", сейчас у окна {_window_number(hall, t.window)}" if t.state.active
                         else ", ждёт вызова")
                out.append(Alert(
                    id=f"visit_over:ticket:{t.id}", kind="visit_over", level=DANGER,
                    title=f"Визит дольше {visit.limit:g} минут",
                    text=(f"Посетитель с талоном {t.code} в центре обслуживания уже {duration_words(total)} "
                          f"(не более {norm_words(limit)} на весь визит){where}"),
                    since=t.issued_at + limit, source=visit.source, ticket=t.id, code=t.code,
                    window=_window_number(hall, t.window) if t.state.active else None, limit=limit))
    return out


def hall_staffing_alerts(hall: Hall, now: float) -> list[Alert]:
    """People waiting with no window open (002:128), or no open window allowed to serve them."""
    waiting = [t for t in _today(hall, now) if t.state is TicketState.WAITING]
    if not waiting:
        return []
    open_windows = [w for w in hall.windows.values() if w.state is WindowState.OPEN]
    if not open_windows:
        # the condition began when the last window stopped receiving, or when the first visitor came
        left = max((w.since for w in hall.windows.values() if w.since is not None), default=None)
        first = min(t.queued_at for t in waiting)
        since = max(first, left) if left is not None else first
        return [Alert(
            id="no_window:office", kind="no_window", level=DANGER,
            title="Ждут посетители, а ни одно окно не открыто",
            text=(f"В зале ждут {people_words(len(waiting))}, ни одно окно не ведёт приём. "
                  f"Пожалуйста, откройте окно или верните сотрудника с перерыва"),
            since=since, source="002:128", extra={"waiting": len(waiting)})]
    out = []
    stranded: dict[str, list[Any]] = {}
    for t in waiting:
        if not any(dispatch.eligible(w, [t]) for w in open_windows):
            stranded.setdefault(t.service, []).append(t)
    for service_id, tickets in sorted(stranded.items()):
        s = hall.services.get(service_id)
        name = s.name if s else service_id
        out.append(Alert(
            id=f"no_window:service:{service_id}", kind="no_window_service", level=DANGER,
            title=f"Услугу «{name}» сейчас никто не принимает",
            text=(f"Ждут {people_words(len(tickets))} (талоны {', '.join(t.code for t in tickets[:5])}"
                  f"{'…' if len(tickets) > 5 else ''}), а открытые окна эту услугу не оказывают. "
                  f"Откройте подходящее окно или переведите посетителей"),
            since=min(t.queued_at for t in tickets), source="002:128",
            extra={"service": service_id, "waiting": len(tickets)}))
    return out


def _reception_start(hall: Hall, now: float) -> float | None:
    """When today's reception began (so a kiosk switched off overnight counts from the opening)."""
    local = hall.schedule.local(now)
    hours = hall.schedule.hours_on(local.date())
    if hours is None:
        return None
    return datetime.combine(local.date(), hours.open, hall.schedule.zone).timestamp()


def _device_name(d: Mapping[str, Any]) -> str:
    return f"{DEVICE_WORDS.get(d.get('kind'), 'Устройство')} «{d.get('name') or d.get('id')}»"


def device_alerts(hall: Hall, now: float, devices: list[Mapping[str, Any]],
                  incidents: list[Mapping[str, Any]]) -> list[Alert]:
    """Kiosks and boards not on line, printers not printing, other open incidents (001:784).

    Raised only during reception hours (a kiosk may be switched off at night); a device that has
    never been heard from is not yet installed and raises nothing.
    """
    if not hall.schedule.is_open(now):
        return []
    opened = _reception_start(hall, now)

    def working_since(since: float | None) -> float | None:
        if since is None:
            return None
        return max(since, opened) if opened is not None else since

    def level_for(since: float | None) -> str:
        return DANGER if since is not None and now - since >= DEVICE_DOWN_LIMIT else WARNING

    def down_words(since: float | None) -> str:
        if since is None:
            return ""
        left = DEVICE_DOWN_LIMIT - (now - since)
        tail = (f"до предела в 60 мин осталось {duration_words(left)}" if left > 0
                else "предел в 60 мин превышен")
        return f" — уже {duration_words(now - since)}; {tail}"

    out: list[Alert] = []
    offline: set[str] = set()
    by_id = {d["id"]: d for d in devices}
    for d in sorted(devices, key=lambda d: (d.get("kind") or "", d.get("name") or "", d["id"])):
        last = d.get("last_seen")
        if not last:
            continue
        if now - last > DEVICE_TIMEOUT:
            offline.add(d["id"])
            since = working_since(last)
            out.append(Alert(
                id=f"device_down:device:{d['id']}", kind="device_down", level=level_for(since),
                title=f"{DEVICE_WORDS.get(d.get('kind'), 'Устройство')} не на связи",
                text=f"{_device_name(d)} не выходит на связь{down_words(since)}",
                since=since, source="001:784", device=d["id"]))
    printer_incidents = {i["device"]: i for i in incidents if i.get("kind") == "printer"}
    for d in sorted(devices, key=lambda d: (d.get("name") or "", d["id"])):
        if d["id"] in offline or not d.get("last_seen"):
            continue
        status = d.get("status") or {}
        state = (status.get("printer") or {}).get("state")
        incident = printer_incidents.get(d["id"])
        if state in PRINTER_WORDS or incident is not None:
            since = working_since(incident["opened_at"] if incident else d.get("status_since"))
            what = PRINTER_WORDS.get(state) or (incident.get("detail") if incident else "") or "принтер не печатает"
            out.append(Alert(
                id=f"printer_down:device:{d['id']}", kind="printer_down", level=level_for(since),
                title="Принтер киоска не печатает",
                text=f"{_device_name(d)}: {what}{down_words(since)}. Талоны можно выдать со стойки",
                since=since, source="001:784", device=d["id"]))
        elif state == "paper_low":
            out.append(Alert(
                id=f"paper_low:device:{d['id']}", kind="paper_low", level=WARNING,
                title="Заканчивается бумага", text=f"{_device_name(d)}: заканчивается бумага для талонов",
                since=d.get("status_since"), device=d["id"]))
    for i in sorted(incidents, key=lambda i: i["id"]):
        if i.get("kind") == "printer" or i.get("device") in offline:
            continue
        d = by_id.get(i.get("device"), {"id": i.get("device"), "kind": None, "name": i.get("device")})
        since = working_since(i.get("opened_at"))
        detail = f" ({i['detail']})" if i.get("detail") else ""
        out.append(Alert(
            id=f"incident:{i['id']}", kind="incident",
            level=level_for(since) if i.get("kind") in ("kiosk", "network") else WARNING,
            title="Неисправность оборудования",
            text=f"{_device_name(d)}: {INCIDENT_WORDS.get(i.get('kind'), i.get('kind'))}{detail}{down_words(since)}",
            since=since, source="001:784" if i.get("kind") in ("kiosk", "network") else "",
            device=i.get("device")))
    return out


def help_alerts(hall: Hall, now: float, help_requests: Iterable[Mapping[str, Any]],
                devices: Mapping[Any, Mapping[str, Any]]) -> list[Alert]:
    """«Нужна помощь сотрудника» pressed today: shown until the administrator acknowledges it."""
    today = hall.schedule.office_day(now)
    out = []
    for h in sorted(help_requests, key=lambda h: h["seq"]):
        if hall.schedule.office_day(h["at"]) != today or h["at"] > now:
            continue
        device = devices.get(h.get("device")) if h.get("device") else None
        if device:
            where = f"{DEVICE_AT.get(device.get('kind'), 'на устройстве')} «{device.get('name') or device['id']}»"
        else:
            where = f"на устройстве «{h['device']}»" if h.get("device") else "со стойки администратора"
        clock = hall.schedule.local(h["at"]).strftime("%H:%M")
        screen = f", экран «{h['screen']}»" if h.get("screen") else ""
        comment = f". Комментарий: {h['comment']}" if h.get("comment") else ""
        out.append(Alert(
            id=f"help:event:{h['seq']}", kind="help", level=DANGER,
            title="Посетителю нужна помощь",
            text=f"В {clock} нажата кнопка «Нужна помощь» {where}{screen}{comment}",
            since=h["at"], device=h.get("device"), dismiss_on_ack=True))
    return out


def attempts_words(n: int) -> str:
    return counted(n, "неудачная попытка", "неудачные попытки", "неудачных попыток")


def security_alerts(now: float, bursts: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Many failed sign-ins (or wrong pairing codes) in a few minutes: from one address, or at the
    office from several. One alert per address (per office), from its latest burst; shown for
    ``BURST_SHOWN`` after it, gone once acknowledged (a new burst after that shows again)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for b in sorted(bursts, key=lambda b: (b["at"], b.get("seq", 0))):
        if b["at"] > now or now - b["at"] > BURST_SHOWN:
            continue
        key = f"address:{b['address']}" if b.get("scope") == "address" and b.get("address") else "office:all"
        latest[key] = b
    out = []
    for key, b in sorted(latest.items()):
        minutes = max(1, round(float(b.get("window") or 300) / 60))
        attempts = attempts_words(int(b.get("attempts") or 0))
        logins = list(b.get("logins") or [])
        more = int(b.get("more_logins") or 0)
        tried = ""
        if logins:
            tried = f" Учётные записи: {', '.join(logins)}{f' и ещё {more}' if more else ''}."
        if key.startswith("address:"):
            where = f"с компьютера по адресу {b['address']}"
        else:
            where = f"в этом центре обслуживания с {b.get('addresses', 2)} разных адресов"
        text = (f"За {minutes} мин — {attempts} входа {where}.{tried} Возможно, кто-то подбирает пароль, "
                f"ПИН-код или код привязки устройства: вход для этих учётных записей и адресов временно замедлен. "
                f"Пожалуйста, проверьте, кто работает за этим компьютером, и при необходимости смените пароли")
        # the id's value: letters, digits, «.», «-», «_» (an IPv6 address's «:» become «.»)
        ident = "".join(ch if ch.isalnum() or ch in "._-" else "." for ch in key.split(":", 1)[1])[:60] or "x"
        out.append(Alert(
            id=f"auth_burst:{key.split(':', 1)[0]}:{ident}", kind="auth_burst", level=DANGER,
            title="Много неудачных попыток входа", text=text, since=b["at"], dismiss_on_ack=True,
            extra={"address": b.get("address"), "attempts": b.get("attempts"), "logins": logins}))
    return out
