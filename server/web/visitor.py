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

The parts: this module (the blueprint, the pages and their errors, the desk QR's redirect),
:mod:`server.web.visitor_view` (the ticket of a token and what the phone shows),
:mod:`server.web.visitor_rating` (the rating and the questionnaire),
:mod:`server.web.visitor_stream` (the page's event stream, on the office's broadcaster of
:mod:`server.events`), :mod:`server.web.visitor_admin` (the desk QR link for administrators),
:mod:`server.web.forms` (the rate limiter and CSRF, shared with the booking forms) and
:mod:`server.store.visitor` (its SQL).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..api.framework import ApiError, error_response
from ..domain import rating
from ..domain.model import QueueError
from ..store import visitor as visitor_store
from . import forms
from .forms import SlidingWindow, TooMany, check_limits, count_miss
from .headers import csp, protect_page
from .visitor_view import (
    SCORE_WORDS,
    TOKEN_RE,
    Found,
    Gone,
    Unknown,
    VisitorState,
    compute_figures,
    current_view,
    day_words,
    find,
    people,
    survey_page,
    visitor_view,
    vs,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

bp = Blueprint("visitor", __name__, template_folder="templates",
               static_folder=str(HERE / "static" / "visitor"), static_url_path="/visitor/static")

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{10,64}$")

#: Content Security Policy of the visitor's pages: the hub's own script and style only.
CSP = csp()

POLL_SECONDS = 4          # the page's fallback polling interval

#: Kept importable from here (tests, bench): they live in the parts named above.
__all__ = ["bp", "SlidingWindow", "TooMany", "Found", "Gone", "Unknown", "VisitorState", "compute_figures",
           "people", "visitor_view", "vs", "find", "current_view", "check_limits", "count_miss", "day_words"]


@bp.record_once
def _setup(state):
    state.app.extensions["talon_visitor"] = VisitorState(state.app)
    forms.guard(state.app)


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
        "csrf": forms.csrf_value(found.token),
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


@bp.get("/t/<token>/rating")
def ticket_rating_page(token):
    """The form's address opened in a browser (a bookmark, a reload): the page, at its rating."""
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    return redirect(url_for("visitor.ticket_page", token=found.token, _anchor="rating"), 303)


# ---------------------------------------------------------------------- the desk QR (001:509)

@bp.get("/w/<int:window>/rate")
def desk_rate(window):
    check_limits()
    state = vs()
    key = request.args.get("k", "")
    if not KEY_RE.match(key) or not forms.same(key, state.desk_key(window)):
        count_miss()
        return message_page(404, "QR-код не распознан",
                            "Этот QR-код, к сожалению, не подходит для оценки обслуживания.",
                            "Пожалуйста, оцените обслуживание по QR-коду на Вашем талоне или обратитесь "
                            "к администратору зала.", code="not_found")
    row = visitor_store.window_place(state.hub.store, window)
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



# the other parts put their routes on this blueprint (imported last: they import it from here)
from . import visitor_admin, visitor_rating, visitor_stream  # noqa: E402, F401
