"""The visitor's page at the centre (issue 18): ``/t/{token}`` from the events the office ships.

Served only by the public listener (server/central/public_app.py), for a phone on mobile data
that can not reach the office's LAN. The token never reaches the centre: the hub ships its sha256
(``protocol.shipped_data``); the page hashes the token of its address and finds the ticket's
``ticket.issued`` by that hash (an index, migration 13).

The page's facts are the office-day's shipped events replayed through the hub's own core
(``Hall.apply``), kept in memory per office-day and moved on with the events that arrived since
(one cheap query per office per :data:`OFFICE_TTL`, shared by all the phones of the office). It
shows what the hub's page shows - the code, the topic, the people ahead, «Вас приглашают к окну
N», the end of the visit - in the same words, and polls ``/t/{token}.json`` every
:data:`POLL_SECONDS`. When the office's last contact (its last batch, or its heartbeat while it
has nothing to ship) is older than :data:`STALE_AFTER` seconds it says so: «Обновлено 40 секунд
назад — нет связи с офисом».

The hub's route ``POST /api/v1/central/offices/{office}/heartbeat`` (the office's key) is in
:data:`hub_bp`, registered in the STAFF app (server/central/app.py), never on the public listener.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory

from ..domain.hall import Hall
from ..domain.model import TicketState
from .protocol import token_hash
from .public_store import PublicStore
from .store import Refused

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
#: The hub's visitor stylesheet, served read-only from where it lives (one look for both pages).
HUB_VISITOR_STATIC = HERE.parent / "web" / "static" / "visitor"

# no blueprint static folder: flask-limiter leaves static endpoints unlimited, and every public
# route must count against the address's budget (the two files are served by hub_stylesheet / script)
bp = Blueprint("central_public", __name__, template_folder="templates")
hub_bp = Blueprint("central_heartbeat", __name__, url_prefix="/api/v1/central")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
POLL_SECONDS = 1.5   # the page's polling interval (a phone on mobile data: ~0.6 kB a poll)
OFFICE_TTL = 0.5     # an office's mark is read at most this often for all its phones
#: Seconds without a batch or a heartbeat after which the page says «нет связи с офисом» (an idle
#: office's hub sends a heartbeat every 10 s, so three are missed first).
STALE_AFTER = 30.0  # an app's own: $TALON_PUBLIC_STALE_AFTER (server/settings.py), app.config PUBLIC_STALE_AFTER
IDLE_EVICT = 600.0   # an office-day no page asked for in this long is dropped from memory

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

STATE_OUTCOME_WORDS = {  # the hub's words (server/web/visitor.py)
    "no_show": "Талон закрыт: Вас приглашали к окну, но, к сожалению, не дождались.",
    "cancelled": "Талон отменён.",
    "expired": "Талон закрыт в конце рабочего дня.",
}
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
          "октября", "ноября", "декабря")


class NotFound(Exception):
    pass


class Gone(Exception):
    def __init__(self, day: str):
        super().__init__(day)
        self.day = day


# ---------------------------------------------------------------------- words (no I/O)

def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def people(n: int) -> str:
    return f"{n} {plural(n, 'человек', 'человека', 'человек')}"


def age_words(seconds: float) -> str:
    """«40 секунд назад», «2 минуты назад», «3 часа назад»."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} {plural(s, 'секунду', 'секунды', 'секунд')} назад"
    m = s // 60
    if m < 60:
        return f"{m} {plural(m, 'минуту', 'минуты', 'минут')} назад"
    h = m // 60
    return f"{h} {plural(h, 'час', 'часа', 'часов')} назад"


def freshness(batch_age: float | None, heartbeat_age: float | None, stale_after: float = STALE_AFTER) -> dict:
    """How fresh the office's information is: the age of its last contact with the centre."""
    ages = [a for a in (batch_age, heartbeat_age) if a is not None]
    age = min(ages) if ages else None
    stale = age is None or age > stale_after
    out = {"age": None if age is None else round(age, 1), "stale": stale, "say": ""}
    if age is None:
        out["say"] = "Сведения из офиса ещё не поступали — нет связи с офисом"
    elif stale:
        out["say"] = f"Обновлено {age_words(age)} — нет связи с офисом"
    return out


def day_words(day: str) -> str:
    try:
        y, m, d = (int(x) for x in day.split("-"))
        return f"{d} {MONTHS[m - 1]}"
    except (ValueError, IndexError):
        return day


# ---------------------------------------------------------------------- the office-day, replayed

class OfficeDay:
    """An office-day's hall rebuilt from its shipped events, moved on as more arrive."""

    def __init__(self, office: str, day: str, epoch: int):
        self.office, self.day, self.epoch = office, day, epoch
        self.hall = Hall(office=office)
        self.upto = 0
        self.windows: dict[int, int] = {}     # window id -> its number (from the shipped views)
        self.services: dict[str, str] = {}    # service id -> its name
        self.used = time.monotonic()
        self.lock = threading.Lock()

    def apply(self, events: list[dict]) -> None:
        for e in events:
            view = e.get("view") or {}
            w, t = view.get("window"), view.get("ticket")
            if isinstance(w, dict) and isinstance(w.get("id"), int) and w.get("number") is not None:
                self.windows[w["id"]] = w["number"]
            if isinstance(t, dict) and t.get("service") and t.get("service_name"):
                self.services[t["service"]] = t["service_name"]
            try:
                self.hall.apply({"type": e["type"], "at": e["at"], "office": self.office, "day": e["day"],
                                 "data": e["data"]})
            except (KeyError, AttributeError, IndexError, TypeError, ValueError) as exc:
                log.warning("office %s: event %s (%s) does not replay: %r", self.office, e["seq"], e["type"], exc)
            self.upto = e["seq"]


class Live:
    """The public app's memory: office-days replayed, offices' marks read at most every OFFICE_TTL."""

    def __init__(self, store: PublicStore):
        self.store = store
        self.lock = threading.Lock()
        self.days: dict[tuple[str, str], OfficeDay] = {}
        self.offices: dict[str, tuple[float, dict]] = {}
        self.office_locks: dict[str, threading.Lock] = {}

    def office(self, office: str) -> dict | None:
        with self.lock:
            lock = self.office_locks.setdefault(office, threading.Lock())
        with lock:  # one read per office at a time; the phones of the office share it
            cached = self.offices.get(office)
            if cached is not None and time.monotonic() - cached[0] < OFFICE_TTL:
                return cached[1]
            row = self.store.office_state(office)
            if row is not None:
                self.offices[office] = (time.monotonic(), row)
            return row

    def office_day(self, office: str, day: str, state: dict) -> OfficeDay:
        key = (office, day)
        now = time.monotonic()
        with self.lock:
            od = self.days.get(key)
            if od is None or od.epoch != state["epoch"]:
                od = self.days[key] = OfficeDay(office, day, state["epoch"])
            od.used = now
            for k in [k for k, v in self.days.items() if now - v.used > IDLE_EVICT]:
                del self.days[k]
        with od.lock:
            if state["hwm"] > od.upto:
                od.apply(self.store.day_events(office, day, od.epoch, od.upto, state["hwm"]))
                od.upto = max(od.upto, state["hwm"])
        return od


def live() -> Live:
    app = current_app
    lv = app.extensions.get("talon_public_live")
    if lv is None:
        lv = app.extensions["talon_public_live"] = Live(PublicStore(app.config["CENTRAL_STORE"]))
    return lv


def ticket_view(od: OfficeDay, ticket: int) -> dict:
    """What the phone shows, in the hub page's words (server/web/visitor.py ``visitor_view``)."""
    hall = od.hall
    t = hall.tickets.get(ticket)
    if t is None:
        raise NotFound()
    state = str(t.state)
    v = {"code": t.code, "service": od.services.get(t.service, ""), "state": state, "outcome": None,
         "ahead": None, "window": None, "recalls": t.recalls, "final": False, "say": {}}
    say = v["say"]
    if t.state is TicketState.WAITING:
        ahead = hall.queued_ahead(t)  # the centre has the log, not the office's policy (docs/central.md)
        v["ahead"] = ahead
        say["title"] = f"Талон {t.code}"
        say["ahead"] = "Перед Вами никого нет — Вас скоро пригласят" if ahead == 0 else f"Перед Вами {people(ahead)}"
        say["estimate"] = "Время ожидания подскажет администратор зала"
    elif t.state.active:
        number = od.windows.get(t.window) if t.window is not None else None
        v["window"] = number
        shown = number if number is not None else ""
        if t.state is TicketState.CALLED:
            say["title"] = f"Вас приглашают к окну {shown}"
            say["call"] = f"Вас приглашают к окну {shown}"
            say["hint"] = "Пожалуйста, подойдите к окну. Номер окна указан над ним."
        else:
            say["title"] = f"Вас обслуживают в окне {shown}"
            say["serving"] = f"Вас обслуживают в окне {shown}"
            say["hint"] = "Пожалуйста, дождитесь окончания приёма."
    else:
        v["final"] = True
        v["outcome"] = t.outcome if t.state is TicketState.FINISHED else (
            "expired" if t.outcome == "expired" else state)
        if t.state is TicketState.FINISHED:
            say["title"] = "Приём завершён"
            say["done"] = "Приём завершён. Спасибо, что обратились к нам!"
        else:
            say["title"] = "Талон закрыт"
            say["closed"] = STATE_OUTCOME_WORDS.get(v["outcome"], "Талон закрыт.")
            say["hint"] = ("Если Вы ещё в центре обслуживания и Вам нужна помощь, обратитесь, "
                           "пожалуйста, к администратору зала.")
    return v


def current(token: str) -> tuple[dict, dict]:
    """(the ticket's view, the office's freshness and name) for a token; NotFound / Gone."""
    if not TOKEN_RE.match(token or ""):
        raise NotFound()
    lv = live()
    found = lv.store.find_ticket(token_hash(token))
    if found is None:
        raise NotFound()
    state = lv.office(found["office"])
    if state is None:
        raise NotFound()
    if state["last_day"] and state["last_day"] > found["day"]:
        raise Gone(found["day"])  # the office has begun a later day: a ticket lasts its own day
    od = lv.office_day(found["office"], found["day"], state)
    with od.lock:  # another phone's request may be moving the hall on
        view = ticket_view(od, found["ticket"])
    office = {"name": state["name"] or "",
              **freshness(state["batch_age"], state["heartbeat_age"],
                          current_app.config.get("PUBLIC_STALE_AFTER", STALE_AFTER))}
    return view, office


# ---------------------------------------------------------------------- answers

def _protect(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _message(status: int, title: str, text: str, hint: str, code: str, json_wanted: bool):
    if json_wanted:
        resp = jsonify({"error": code, "message": text})
    else:
        resp = Response(render_template("central_public/message.html", title=title, text=text, hint=hint),
                        mimetype="text/html")
    resp.status_code = status
    return _protect(resp)


def _answer(token: str, json_wanted: bool):
    try:
        view, office = current(token)
    except NotFound:
        return _message(404, "Талон не найден",
                        "Мы не нашли такой талон. Проверьте, пожалуйста, ссылку или ещё раз отсканируйте "
                        "QR-код на талоне.", "Если что-то не получается, администратор зала с радостью поможет.",
                        "not_found", json_wanted)
    except Gone as exc:
        return _message(410, "Талон больше не действует",
                        f"Этот талон действовал только в день выдачи ({day_words(exc.day)}).",
                        "Чтобы обратиться снова, возьмите, пожалуйста, новый талон в терминале у входа. "
                        "Будем рады Вам помочь.", "gone", json_wanted)
    if json_wanted:
        return _protect(jsonify({"view": view, "office": office}))
    data = {"view": view, "office": office, "poll": POLL_SECONDS,
            "urls": {"json": request.path + ".json"}}
    html = render_template("central_public/ticket.html", view=view, office=office, data=data)
    return _protect(Response(html, mimetype="text/html"))


@bp.get("/t/<token>")
def ticket_page(token: str):
    return _answer(token, json_wanted=False)


@bp.get("/t/<token>.json")
def ticket_json(token: str):
    return _answer(token, json_wanted=True)


@bp.get("/t-static/visitor.css")
def hub_stylesheet():
    """The hub's own visitor stylesheet (read-only): both pages look the same."""
    return send_from_directory(HUB_VISITOR_STATIC, "visitor.css", max_age=3600)


@bp.get("/t-static/public.js")
def script():
    return send_from_directory(HERE / "static" / "public", "public.js", max_age=3600)


# ---------------------------------------------------------------------- the hubs' heartbeat (STAFF app)

@hub_bp.post("/offices/<office>/heartbeat")
def heartbeat(office: str):
    """An idle office's hub says it is in touch (its key, of this office): the public page's
    «обновлено … назад» counts from the later of this and the office's last batch."""
    from .app import _hub_office  # the staff app's key check (same rules as a batch)

    if len(office) > 200:
        raise Refused(404, "office_not_found", "Офис не зарегистрирован в центре")
    _hub_office(office)
    PublicStore(current_app.config["CENTRAL_STORE"]).note_heartbeat(office)
    return jsonify({"ok": True})
