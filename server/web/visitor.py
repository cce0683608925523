"""The visitor's own page: ``/t/<token>`` on the visitor's phone, and the rating of the visit.

The QR code on the ticket opens ``/t/<token>`` (no login; the token is the ticket's
``secrets.token_urlsafe(16)``, valid for the office day the ticket was issued). The page shows
the ticket's code, its topic, the people ahead and the estimated wait, and the call
(«Вас приглашают к окну 3») — only this visitor's own ticket, nothing about anyone else and
nothing personal. It follows ``/t/<token>/events``: Server-Sent Events that carry this
visitor's *own view* whenever it changes (the stream watches the office's log, but never
forwards it); when the hub has no room for another stream the page polls ``/t/<token>.json``.

After the visit the same page takes one rating (``POST /t/<token>/rating``), written through
``Hub.record`` as the ``rating.given`` event and a row of the ``ratings`` table in one
transaction. The rules of rating are in :mod:`server.domain.rating`.

The desk QR of 001:509 is ``/w/<window>/rate?k=<key>``: the key is signed per window, and the
link redirects to the page of the visit being served at that window (or the one that just
finished there). Administrators get the link and a printable QR from
``GET /api/v1/windows/<window>/rating-link`` and ``…/rating-qr.svg``.

Abuse: forms carry a per-ticket CSRF value (HMAC of the token with the hub's persisted key);
every request is rate-limited in memory per client address and per token (sliding windows),
unknown tokens more strictly; errors are polite Russian pages (404, 410, 429), never a trace.
See docs/visitor.md.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..api.framework import ApiError, api, check_office, current_principal, error_response
from ..domain import estimate, rating
from ..domain import survey as survey_rules
from ..domain.hall import Hall
from ..domain.model import QueueError, Ticket, TicketState, WindowState
from .headers import csp, protect_page

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

bp = Blueprint("visitor", __name__, template_folder="templates",
               static_folder=str(HERE / "static" / "visitor"), static_url_path="/visitor/static")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{10,64}$")

#: Content Security Policy of the visitor's pages: the hub's own script and style only.
CSP = csp()

POLL_SECONDS = 4          # the page's fallback polling interval
STREAM_REFRESH = 5.0      # a stream re-reads its view at least this often (estimates age)
STREAM_HEARTBEAT = 15.0
FIGURES_TTL = 15.0        # people ahead / estimates are shared by all phones for this long

#: Rate limits: (requests, seconds). Phones on the guest Wi-Fi may share one address (NAT),
#: so the per-address limits are wide; a token is one phone; unknown tokens are the abuse.
LIMITS = {
    "address": (1200, 60.0),   # every visitor request from one address
    "token": (60, 60.0),       # page, JSON, stream opens of one ticket (polling is 15 a minute)
    "post": (10, 60.0),        # rating submissions of one ticket
    "miss": (30, 60.0),        # unknown or expired tokens, bad desk keys, from one address
}

SCORE_WORDS = rating.SCORE_WORDS
STATE_OUTCOME_WORDS = {
    "no_show": "Талон закрыт: Вас приглашали к окну, но, к сожалению, не дождались.",
    "cancelled": "Талон отменён.",
    "expired": "Талон закрыт в конце рабочего дня.",
}
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
          "октября", "ноября", "декабря")


# ---------------------------------------------------------------------- rate limiting

class SlidingWindow:
    """At most ``limit`` hits per ``period`` seconds per key (a log of hit times per key)."""

    def __init__(self, limit: int, period: float, max_keys: int = 20000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.period, self.max_keys, self.clock = limit, period, max_keys, clock
        self.hits: dict[object, deque] = {}
        self.lock = threading.Lock()

    def _trim(self, key, now: float) -> deque:
        dq = self.hits.get(key)
        if dq is None:
            dq = deque()
            if len(self.hits) >= self.max_keys:
                self._prune(now)
            self.hits[key] = dq
        while dq and dq[0] <= now - self.period:
            dq.popleft()
        return dq

    def _prune(self, now: float) -> None:
        for k in [k for k, dq in self.hits.items() if not dq or dq[-1] <= now - self.period]:
            del self.hits[k]
        while len(self.hits) >= self.max_keys:  # still full: forget the quietest keys
            del self.hits[min(self.hits, key=lambda k: self.hits[k][-1] if self.hits[k] else 0.0)]

    def blocked(self, key) -> float:
        """Seconds until ``key`` may be hit again (0: it may now). Does not count a hit."""
        with self.lock:
            now = self.clock()
            dq = self.hits.get(key)
            if not dq:
                return 0.0
            while dq and dq[0] <= now - self.period:
                dq.popleft()
            return max(0.0, dq[0] + self.period - now) if len(dq) >= self.limit else 0.0

    def hit(self, key) -> float:
        """Count a hit; answer 0 if it was allowed, else the seconds to wait (not counted)."""
        with self.lock:
            now = self.clock()
            dq = self._trim(key, now)
            if len(dq) >= self.limit:
                return max(0.001, dq[0] + self.period - now)
            dq.append(now)
            return 0.0


class TooMany(Exception):
    def __init__(self, retry_after: float):
        super().__init__("too many requests")
        self.retry_after = retry_after


class Unknown(Exception):
    """A made-up or mistyped token (or desk key)."""


class Gone(Exception):
    """A real ticket of an earlier office day."""

    def __init__(self, day: str, office: str | None = None):
        super().__init__(day)
        self.day = day
        self.office = office


# ---------------------------------------------------------------------- per-app state

@dataclass
class Found:
    ticket: int
    office: str
    day: str
    token: str


class VisitorState:
    """What the visitor pages keep in memory per app: limits, the signing key, shared figures."""

    def __init__(self, app):
        self.app = app
        self.limits = {name: SlidingWindow(*spec) for name, spec in LIMITS.items()}
        self.max_streams = int(os.environ.get("TALON_VISITOR_STREAMS", "120"))
        self.streams = 0
        self.streams_lock = threading.Lock()
        self._key: bytes | None = None
        self._key_lock = threading.Lock()
        self.figures: dict[str, tuple[tuple, dict]] = {}  # office → (cache key, figures)

    @property
    def hub(self):
        return self.app.config["TALON_HUB"]

    # -------------------------------------------------------------- signing

    def key(self) -> bytes:
        """The hub's persisted visitor key (the ``site_keys`` table): stable across restarts, so
        a printed desk QR keeps working."""
        if self._key is None:
            with self._key_lock:
                if self._key is None:
                    store = self.hub.store
                    row = store.one("SELECT value FROM site_keys WHERE name = 'visitor'")
                    if row is None:
                        with store.write() as conn:
                            conn.execute("INSERT OR IGNORE INTO site_keys (name, value, created) "
                                         "VALUES ('visitor', ?, ?)", (secrets.token_hex(32), time.time()))
                        row = store.one("SELECT value FROM site_keys WHERE name = 'visitor'")
                    self._key = bytes.fromhex(row["value"])
        return self._key

    def sign(self, purpose: str, value: str, length: int = 22) -> str:
        mac = hmac.new(self.key(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:length]

    def csrf(self, token: str) -> str:
        return self.sign("csrf", token, 32)

    def desk_key(self, window: int) -> str:
        return self.sign("desk", str(window))

    # -------------------------------------------------------------- streams

    def take_stream(self) -> bool:
        with self.streams_lock:
            if self.streams >= self.max_streams:
                return False
            self.streams += 1
            return True

    def give_stream(self) -> None:
        with self.streams_lock:
            self.streams -= 1


@bp.record_once
def _setup(state):
    state.app.extensions["talon_visitor"] = VisitorState(state.app)


def vs() -> VisitorState:
    return current_app.extensions["talon_visitor"]


def client_address() -> str:
    return request.remote_addr or "?"


def check_limits(token: str | None = None, post: bool = False) -> None:
    """Count this request against the limits; raise :class:`TooMany` when one is spent."""
    limits = vs().limits
    addr = client_address()
    wait = limits["miss"].blocked(addr)  # an address that guesses tokens is paused altogether
    if not wait:
        wait = limits["address"].hit(addr)
    if not wait and token is not None:
        wait = limits["token"].hit(token)
    if not wait and post and token is not None:
        wait = limits["post"].hit(token)
    if wait:
        raise TooMany(wait)


def count_miss() -> None:
    vs().limits["miss"].hit(client_address())


# ---------------------------------------------------------------------- finding the ticket

def find(token: str) -> Found:
    """The ticket of a token (of any day); :class:`Unknown` for a made-up one."""
    if not TOKEN_RE.match(token or ""):
        count_miss()
        raise Unknown()
    row = vs().hub.store.one("SELECT id, office, day FROM tickets WHERE token = ?", (token,))
    if row is None:
        count_miss()
        raise Unknown()
    return Found(row["id"], row["office"], row["day"], token)


def today_ticket(hall: Hall, found: Found, now: float) -> Ticket:
    """The ticket in today's hall; :class:`Gone` if it belongs to an earlier office day."""
    today = hall.schedule.office_day(now)
    t = hall.tickets.get(found.ticket)
    if found.day != today or t is None or t.day != today:
        raise Gone(found.day, found.office)
    return t


def compute_figures(hall: Hall, now: float) -> dict[int, tuple]:
    """People ahead and the estimate range (minutes) of every waiting ticket, from one run of
    the estimate's projection. The counting is :meth:`Hall.people_ahead`'s: visitors of the same
    service expected to be called first (by the time of queueing when no open window serves it)."""
    projected = estimate.project(hall, now)
    out: dict[int, tuple] = {}
    ahead_of_service: dict[str, int] = {}
    for tid in sorted(projected, key=lambda x: (projected[x], x)):
        t = hall.tickets[tid]
        n = ahead_of_service.get(t.service, 0)
        ahead_of_service[t.service] = n + 1
        out[tid] = (n, estimate.wait_range(hall, projected[tid] - now))
    waiting = hall.waiting()
    for t in waiting:
        if t.id not in out:
            n = sum(1 for x in waiting if x.service == t.service and x.queued_at <= t.queued_at and x.id != t.id)
            out[t.id] = (n, (None, None))
    return out


def figures(state: VisitorState, office: str, hall: Hall, now: float) -> dict[int, tuple]:
    """:func:`compute_figures`, once per event of the office (or per :data:`FIGURES_TTL`) for all
    the phones of the office. Call under the office lock."""
    key = (state.hub.stream(office).last, int(now // FIGURES_TTL))
    cached = state.figures.get(office)
    if cached is not None and cached[0] == key:
        return cached[1]
    out = compute_figures(hall, now)
    state.figures[office] = (key, out)
    return out


def people(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} человек"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} человека"
    return f"{n} человек"


def minutes(low: float, high: float) -> str:
    if int(low) <= 0:
        return f"до {int(high)} мин"
    return f"{int(low)}–{int(high)} мин"


def day_words(day: str) -> str:
    try:
        y, m, d = (int(x) for x in day.split("-"))
        return f"{d} {MONTHS[m - 1]}"
    except (ValueError, IndexError):
        return day


def visitor_view(hall: Hall, t: Ticket, today: str, figs: dict, score: int | None) -> dict:
    """What the visitor's phone shows: this ticket only, with the Russian sentences to show."""
    s = hall.services.get(t.service)
    state = str(t.state)
    v = {"code": t.code, "service": s.name if s else "", "state": state, "outcome": None,
         "ahead": None, "estimate": None, "window": None, "recalls": t.recalls,
         "rated": score is not None, "score": score, "can_rate": False, "final": False, "say": {}}
    say = v["say"]
    if t.state is TicketState.WAITING:
        ahead, (low, high) = figs.get(t.id, (0, (None, None)))
        v["ahead"] = ahead
        v["estimate"] = [low, high] if low is not None else None
        say["title"] = f"Талон {t.code}"
        say["ahead"] = ("Перед Вами никого нет — Вас скоро пригласят" if ahead == 0
                        else f"Перед Вами {people(ahead)}")
        say["estimate"] = (f"Примерное время ожидания: {minutes(low, high)}" if low is not None
                           else "Время ожидания подскажет администратор зала")
        opening = estimate.opening_text(hall, t)
        if opening and not any(w.state is WindowState.OPEN and w.serves(t.service) for w in hall.windows.values()):
            say["estimate"] = opening[0].upper() + opening[1:]  # no window of its service open yet
    elif t.state.active:
        w = hall.windows.get(t.window) if t.window is not None else None
        v["window"] = w.number if w else None
        number = v["window"] if v["window"] is not None else ""
        if t.state is TicketState.CALLED:
            say["title"] = f"Вас приглашают к окну {number}"
            say["call"] = f"Вас приглашают к окну {number}"
            say["hint"] = "Пожалуйста, подойдите к окну. Номер окна указан над ним."
        else:
            say["title"] = f"Вас обслуживают в окне {number}"
            say["serving"] = f"Вас обслуживают в окне {number}"
            say["hint"] = "После приёма на этой странице можно будет оценить качество обслуживания."
    else:
        v["final"] = True
        seg = rating.served_segment(t) or (t.segment if t.segments else None)
        w = hall.windows.get(seg.window) if seg is not None and seg.window is not None else None
        v["window"] = w.number if w else None
        v["outcome"] = t.outcome if t.state is TicketState.FINISHED else (
            "expired" if t.outcome == "expired" else state)
        refusal = rating.refusal(t, today, score is not None)
        v["can_rate"] = refusal is None
        if t.state is TicketState.FINISHED:
            say["title"] = "Приём завершён"
            say["done"] = "Приём завершён. Спасибо, что обратились к нам!"
            if score is not None:
                say["thanks"] = f"Спасибо за оценку! Ваша оценка: {score} из 5 — {SCORE_WORDS[score]}."
            elif refusal is not None:
                say["note"] = refusal.message
        else:
            say["title"] = "Талон закрыт"
            say["closed"] = STATE_OUTCOME_WORDS.get(v["outcome"], "Талон закрыт.")
            say["hint"] = ("Если Вы ещё в центре обслуживания и Вам нужна помощь, обратитесь, "
                           "пожалуйста, к администратору зала.")
    return v


def current_view(state: VisitorState, found: Found) -> dict:
    """This visitor's view now (:class:`Gone` once the office day is over)."""
    hub = state.hub
    with hub.lock(found.office):
        hall = hub.hall(found.office)
        now = hub.clock.now()
        t = today_ticket(hall, found, now)
        figs = figures(state, found.office, hall, now) if t.state is TicketState.WAITING else {}
        score = None
        if t.state is TicketState.FINISHED:
            row = hub.store.one("SELECT score FROM ratings WHERE ticket = ?", (t.id,))
            score = row["score"] if row else None
        return visitor_view(hall, t, hall.schedule.office_day(now), figs, score)


# ---------------------------------------------------------------------- answers

def wants_json() -> bool:
    path = request.path
    if path.endswith(".json") or path.endswith("/events"):
        return True
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def message_page(status: int, title: str, text: str, hint: str = "", *, code: str = "",
                 headers: dict | None = None, office: str | None = None, **extra):
    """A polite page (or JSON for the page's own scripts) with this status."""
    if wants_json():
        resp = jsonify({"error": code or str(status), "message": text, **extra})
    else:
        resp = Response(render_template("visitor/message.html", title=title, text=text, hint=hint,
                                        status=status, office=office_texts(office) if office else None),
                        mimetype="text/html")
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def not_found_page():
    return message_page(404, "Талон не найден",
                        "Мы не нашли такой талон. Проверьте, пожалуйста, ссылку или ещё раз "
                        "отсканируйте QR-код на талоне.",
                        "Если что-то не получается, администратор зала с радостью поможет.",
                        code="not_found")


def gone_page(day: str, office: str | None = None):
    return message_page(410, "Талон больше не действует",
                        f"Этот талон действовал только в день выдачи ({day_words(day)}).",
                        "Чтобы обратиться снова, возьмите, пожалуйста, новый талон в терминале "
                        "у входа. Будем рады Вам помочь.", code="gone", office=office)


def too_many_page(wait: float):
    seconds = max(1, int(wait + 0.999))
    return message_page(429, "Слишком много запросов",
                        "С этого устройства пришло слишком много запросов.",
                        f"Пожалуйста, подождите немного (около {seconds} с) и обновите страницу.",
                        code="too_many_requests", headers={"Retry-After": str(seconds)},
                        retry_after=seconds)


@bp.after_request
def security_headers(resp):
    if request.blueprint != "visitor" or request.path.startswith("/api/"):
        return resp
    protect_page(resp, CSP, no_store=("text/html", "application/json"), robots=True)
    return resp


@bp.errorhandler(HTTPException)
@bp.errorhandler(Exception)
def on_error(exc):
    if request.path.startswith("/api/"):
        if isinstance(exc, ApiError):
            return error_response(exc.status, exc.code, exc.message, **exc.details)
        if isinstance(exc, QueueError):
            return error_response(exc.status, exc.code, exc.message, **exc.details)
        if isinstance(exc, HTTPException):
            return error_response(exc.code or 500, "http_error", exc.description or exc.name)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Внутренняя ошибка: изменения не сохранены")
    if isinstance(exc, TooMany):
        return too_many_page(exc.retry_after)
    if isinstance(exc, Unknown):
        return not_found_page()
    if isinstance(exc, Gone):
        return gone_page(exc.day, exc.office)
    if isinstance(exc, HTTPException):
        if exc.code == 404:
            return not_found_page()
        if exc.code == 413:
            return message_page(413, "Слишком длинное сообщение",
                                "Сообщение слишком длинное. Сократите его, пожалуйста.", code="too_large")
        return message_page(exc.code or 400, "Запрос не выполнен",
                            "Этот запрос выполнить не получилось.",
                            "Пожалуйста, вернитесь к странице талона и обновите её.", code="bad_request")
    if isinstance(exc, QueueError):
        return message_page(exc.status, "Запрос не выполнен", exc.message, code=exc.code)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return message_page(500, "Что-то пошло не так",
                        "К сожалению, страница сейчас недоступна.",
                        "Пожалуйста, обновите её через минуту. Ваш талон и очередь сохранены.",
                        code="internal")


# ---------------------------------------------------------------------- the visitor's page

def office_texts(office: str) -> dict:
    try:
        info = vs().hub.office(office)
    except QueueError:
        return {}
    texts = info.get("texts") or {}
    return {"name": info.get("name", ""), "phone": texts.get("phone", ""), "site": texts.get("site", ""),
            "farewell": texts.get("farewell", "")}


def page_data(found: Found, view: dict) -> dict:
    return {
        "view": view,
        "csrf": vs().csrf(found.token),
        "poll": POLL_SECONDS,
        "urls": {"events": url_for("visitor.ticket_events", token=found.token),
                 "json": url_for("visitor.ticket_json", token=found.token),
                 "rating": url_for("visitor.ticket_rating", token=found.token)},
    }


def render_ticket(found: Found, view: dict, status: int = 200, error: str = ""):
    data = page_data(found, view)
    html = render_template("visitor/ticket.html", view=view, data=data, office=office_texts(found.office),
                           score_words=SCORE_WORDS, error=error, comment_max=rating.COMMENT_MAX,
                           survey=survey_page(found, view))
    return Response(html, status=status, mimetype="text/html")


@bp.get("/t/<token>")
def ticket_page(token):
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    return render_ticket(found, current_view(vs(), found))


@bp.get("/t/<token>.json")
def ticket_json(token):
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    return jsonify(current_view(vs(), found))


def sse(kind: str, data: dict, seq: int | None = None) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: {body}\n\n".encode()


@bp.get("/t/<token>/events")
def ticket_events(token):
    """This visitor's own view as Server-Sent Events (``event: ticket``), sent whenever it
    changes; ``event: gone`` when the office day is over. The stream ends after a final view."""
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    state = vs()
    stream = state.hub.stream(found.office)
    seq0 = stream.last  # read before the view: an event in between wakes the loop at once
    first = current_view(state, found)  # Gone / errors are answered before the stream starts
    if not state.take_stream():
        return message_page(503, "Сервер занят", "Сейчас страница обновляется реже.",
                            code="streams_busy", headers={"Retry-After": "30"})
    store = state.hub.store
    disconnected = request.environ.get("waitress.client_disconnected")

    def generate():
        try:
            view = first
            seq = seq0
            yield b"retry: 2000\n" + sse("ticket", view, seq)
            last_sent = view
            beat = time.monotonic() + STREAM_HEARTBEAT
            while not view["final"]:
                stream.wait(seq, STREAM_REFRESH)
                if disconnected is not None and disconnected():
                    return
                seq = stream.last
                try:
                    view = current_view(state, found)
                except Gone:
                    yield sse("gone", {"message": "Талон больше не действует"})
                    return
                if view != last_sent:
                    yield sse("ticket", view, seq)
                    last_sent = view
                    beat = time.monotonic() + STREAM_HEARTBEAT
                elif time.monotonic() >= beat:
                    yield b": heartbeat\n\n"
                    beat = time.monotonic() + STREAM_HEARTBEAT
        except Exception:  # the stream's own failure must not leave a trace on the phone
            log.exception("visitor stream of ticket %s failed", found.ticket)
        finally:
            state.give_stream()
            store.close()

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---------------------------------------------------------------------- the rating

def _rating_input() -> tuple[object, object, str]:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise QueueError("Неверные данные оценки", code="invalid")
        csrf = request.headers.get("X-CSRF-Token") or body.get("csrf") or ""
        return body.get("score"), body.get("comment"), csrf if isinstance(csrf, str) else ""
    form = request.form
    return form.get("score"), form.get("comment"), form.get("csrf", "")


def give_rating(found: Found, score: int, comment: str) -> dict:
    """Check the rules and record the rating (event + row, one transaction); the new view."""
    state = vs()
    hub = state.hub
    with hub.lock(found.office):
        hall = hub.hall(found.office)
        now = hub.clock.now()
        t = today_ticket(hall, found, now)
        rated = hub.store.one("SELECT 1 AS x FROM ratings WHERE ticket = ?", (t.id,)) is not None
        rating.check(t, hall.schedule.office_day(now), rated)
        row = rating.rating_row(t, score, comment, now)

        def write(conn):
            cols = ", ".join(f'"{c}"' for c in row)
            conn.execute(f"INSERT INTO ratings ({cols}) VALUES ({', '.join('?' for _ in row)})",
                         tuple(row.values()))

        # the comment stays in the ratings table: the event goes to every screen of the office
        hub.record(found.office, "rating.given",
                   {"ticket": t.id, "score": score, "service": row["service"], "window": row["window"],
                    "operator": row["operator"], "commented": bool(comment)}, write=write)
        log.info("rating %d for ticket %s (window %s)", score, t.code, row["window"])
    return current_view(state, found)


@bp.post("/t/<token>/rating")
def ticket_rating(token):
    check_limits(token if TOKEN_RE.match(token) else None, post=True)
    found = find(token)
    raw_score, raw_comment, csrf = _rating_input()
    state = vs()
    as_json = wants_json()
    if not hmac.compare_digest(csrf.encode(), state.csrf(found.token).encode()):
        text = "Страница устарела. Обновите её, пожалуйста, и отправьте оценку ещё раз."
        if as_json:
            return message_page(403, "Страница устарела", text, code="csrf")
        return render_ticket(found, current_view(state, found), 403, text)
    try:
        view = give_rating(found, rating.parse_score(raw_score), rating.clean_comment(raw_comment))
    except QueueError as exc:
        view = current_view(state, found)
        if as_json:
            resp = jsonify({"error": exc.code, "message": exc.message, "view": view})
            resp.status_code = exc.status
            return resp
        return render_ticket(found, view, exc.status, exc.message)
    if as_json:
        resp = jsonify({"ok": True, "view": view})
        resp.status_code = 201
        return resp
    return redirect(url_for("visitor.ticket_page", token=found.token, _anchor="rating"), 303)


@bp.get("/t/<token>/rating")
def ticket_rating_page(token):
    """The form's address opened in a browser (a bookmark, a reload): the page, at its rating."""
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    return redirect(url_for("visitor.ticket_page", token=found.token, _anchor="rating"), 303)


# ---------------------------------------------------------------------- the questionnaire (000:622–762)

def survey_page(found: Found, view: dict) -> dict:
    """What the page needs for the questionnaire offered after the rating (server/domain/survey.py)."""
    from ..store import survey as survey_store

    done = view.get("state") == "finished" and survey_store.answers_of(vs().hub.store, found.ticket) is not None
    return {"questions": [q.to_json() for q in survey_rules.QUESTIONS], "done": done,
            "offer": survey_rules.OFFER, "intro": survey_rules.INTRO, "thanks": survey_rules.THANKS,
            "url": url_for("visitor.ticket_survey", token=found.token)}


def give_survey(found: Found, answers: dict) -> bool:
    """Record a visit's answers once (one transaction); True when written now, False when the
    same answers were recorded before (a retry). Other answers after the first: 409."""
    from ..store import survey as survey_store

    hub = vs().hub
    with hub.lock(found.office):
        hall = hub.hall(found.office)
        now = hub.clock.now()
        t = today_ticket(hall, found, now)
        if not survey_rules.check(survey_store.rated(hub.store, t.id), survey_store.answers_of(hub.store, t.id),
                                  answers):
            return False
        pairs = survey_rules.rows(answers)
        saved = []
        # the answers (no personal data) as an event too, shipped to the company centre, which
        # counts the yearly pack's section from it; the table and the event in one transaction
        hub.record(found.office, "survey.answered", {"ticket": t.id, "answers": [list(p) for p in pairs]},
                   write=lambda conn: saved.append(survey_store.save(conn, t.id, found.office, t.day, pairs, now)))
        log.info("survey: %d answers for ticket %s", len(answers), t.code)
        return bool(saved and saved[0])


@bp.post("/t/<token>/survey")
def ticket_survey(token):
    """The questionnaire's answers of this visit (JSON ``{"answers": {question: option or [options]}}``,
    the page's CSRF value in ``X-CSRF-Token``): 201 written, 200 the same answers again."""
    check_limits(token if TOKEN_RE.match(token) else None, post=True)
    found = find(token)
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return error_json(400, "invalid", "Неверные данные анкеты")
    csrf = request.headers.get("X-CSRF-Token") or body.get("csrf") or ""
    if not isinstance(csrf, str) or not hmac.compare_digest(csrf.encode(), vs().csrf(found.token).encode()):
        return error_json(403, "csrf", "Страница устарела. Обновите её, пожалуйста, и отправьте ответы ещё раз.")
    try:
        written = give_survey(found, survey_rules.validate(body.get("answers")))
    except QueueError as exc:
        return error_json(exc.status, exc.code, exc.message)
    resp = jsonify({"ok": True, "message": survey_rules.THANKS})
    resp.status_code = 201 if written else 200
    return resp


def error_json(status: int, code: str, message: str):
    resp = jsonify({"error": code, "message": message})
    resp.status_code = status
    return resp


# ---------------------------------------------------------------------- the desk QR (001:509)

@bp.get("/w/<int:window>/rate")
def desk_rate(window):
    check_limits()
    state = vs()
    key = request.args.get("k", "")
    if not KEY_RE.match(key) or not hmac.compare_digest(key.encode(), state.desk_key(window).encode()):
        count_miss()
        return message_page(404, "QR-код не распознан",
                            "Этот QR-код, к сожалению, не подходит для оценки обслуживания.",
                            "Пожалуйста, оцените обслуживание по QR-коду на Вашем талоне или обратитесь "
                            "к администратору зала.", code="not_found")
    row = state.hub.store.one("SELECT office, number FROM windows WHERE id = ?", (window,))
    if row is None:
        count_miss()
        raise Unknown()
    hub = state.hub
    with hub.lock(row["office"]):
        hall = hub.hall(row["office"])
        t = rating.desk_visit(hall, window, hub.clock.now())
        token = t.token if t is not None else None
    if token is None:
        return message_page(200, "Оценка обслуживания",
                            f"Сейчас у окна {row['number']} нет приёма, который можно оценить.",
                            "Оценить обслуживание можно и по QR-коду на Вашем талоне — после окончания "
                            "приёма. Спасибо!", code="no_visit", office=row["office"])
    return redirect(url_for("visitor.ticket_page", token=token, _anchor="rating"), 303)


@bp.route("/t/", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/t/<path:rest>", methods=["GET", "POST"])
@bp.route("/w/<path:rest>", methods=["GET", "POST"])
def not_found(rest):
    check_limits()
    count_miss()
    return not_found_page()


# ---------------------------------------------------------------------- for administrators

DESK_ROLES = ("administrator", "admin")


def _desk_link(window: int) -> dict:
    state = vs()
    row = state.hub.store.one("SELECT office, number FROM windows WHERE id = ?", (window,))
    if row is None:
        raise ApiError(404, "window_not_found", "Окно не найдено")
    check_office(current_principal(), row["office"])
    path = url_for("visitor.desk_rate", window=window, k=state.desk_key(window))
    return {"window": window, "number": row["number"], "office": row["office"], "path": path,
            "url": request.host_url.rstrip("/") + path}


@api(bp, "/api/v1/windows/<int:window>/rating-link",
     summary="The desk QR link of a window for rating the visit served there (001:509)",
     tag="visitor", roles=DESK_ROLES,
     response={"type": "object", "properties": {"window": {"type": "integer"}, "number": {"type": "integer"},
                                                 "office": {"type": "string"}, "path": {"type": "string"},
                                                 "url": {"type": "string"}}})
def rating_link(window):
    return jsonify(_desk_link(window))


@api(bp, "/api/v1/windows/<int:window>/rating-qr.svg",
     summary="The desk QR code (SVG) of a window for rating the visit served there (001:509)",
     tag="visitor", roles=DESK_ROLES, content_types=("image/svg+xml",))
def rating_qr(window):
    import qrcode
    import qrcode.image.svg

    link = _desk_link(window)
    img = qrcode.make(link["url"], image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml")


# ---------------------------------------------------------------------- for the head's reports

def rating_rows(store, office: str, first_day: str, last_day: str) -> list[dict]:
    """Rows of the ``ratings`` table of an office for days ``first_day``..``last_day`` (ISO
    dates, inclusive), ready for :func:`server.domain.rating.summarize`."""
    return store.query("SELECT ticket, office, day, score, comment, service, window, operator, at "
                       "FROM ratings WHERE office = ? AND day BETWEEN ? AND ? ORDER BY at",
                       (office, first_day, last_day))
