"""The rating and the survey on the centre's public pages (issue 18 point 1).

A visitor whose phone is on mobile data follows the ticket's page at the centre; after the visit
that page offers the same 1-5 rating and the same questionnaire as the hub's page
(server/web/visitor_rating.py), by the same rules (:mod:`server.domain.rating`,
:mod:`server.domain.survey`). The centre only holds the answers (``public_answers``, SQL in
:mod:`server.central.public_answers_store`); the office's hub pulls them
(``GET /api/v1/central/offices/{office}/answers`` with its key, :data:`hub_bp` on the STAFF app),
applies each once by its id as if given at the hub (server/central_pull.py) and acknowledges
them (``POST …/answers/ack``), so they enter the hub's reports - and, as the hub's own
``rating.given`` / ``survey.answered`` events, the company's - exactly once.

Routes of :data:`bp` (public listener only, server/central/public_app.py ``PUBLIC_BLUEPRINTS``):

* ``GET /t/{token}/rating`` - the rating form after the visit, then the questionnaire, then thanks;
* ``POST /t/{token}/rating`` - ``score`` 1-5 and an optional ``comment`` (a form, or JSON);
* ``POST /t/{token}/survey`` - the answers (a form, or JSON ``{"answers": {question: option(s)}}``).

A visit may be rated here while its office day is the office's latest day the centre knows of
(the centre can not trust its own clock against an office's, so it does not judge the hour) and
once it has finished (the shipped events say so). CSRF: a random value in this browser's cookie
(``talon_answer``, HttpOnly, SameSite=Lax) that every form (``csrf``) or JSON post
(``X-CSRF-Token``) must repeat; without it: 403 and nothing held.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, url_for

from ..domain import rating as rating_rules
from ..domain import survey as survey_rules
from ..domain.model import QueueError
from . import public_answers_store as answers
from .protocol import token_hash
from .store import Refused

log = logging.getLogger(__name__)

bp = Blueprint("central_answers", __name__, template_folder="templates")
hub_bp = Blueprint("central_answers_hub", __name__, url_prefix="/api/v1/central")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
COOKIE = "talon_answer"
COOKIE_RE = re.compile(r"^[0-9a-f]{32}$")
CSRF_WORDS = "Страница устарела. Пожалуйста, откройте её снова и отправьте ответ ещё раз."
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
SCORES = ((5, "Отлично"), (4, "Хорошо"), (3, "Удовлетворительно"), (2, "Плохо"), (1, "Очень плохо"))
MAX_PULL = 200


# ---------------------------------------------------------------------- the visit of a token

def _store():
    return current_app.config["CENTRAL_STORE"]


def visit_of(token: str) -> dict:
    """The visit a page token names; 404 when the centre knows no such ticket."""
    found = answers.find_visit(_store(), token_hash(token)) if TOKEN_RE.match(token or "") else None
    if found is None:
        raise Refused(404, "ticket_not_found", "Талон не найден. Проверьте, пожалуйста, ссылку или код на талоне.")
    return found


def rating_refusal(visit: dict) -> Refused | None:
    """Why this visit can not be rated here now (the hub's words, server/domain/rating.py)."""
    if visit["latest_day"] is not None and visit["day"] != visit["latest_day"]:
        return Refused(409, "day_over", "Оценить обслуживание можно только в день визита")
    if visit["state"] == "finished":
        return None
    if visit["state"] in ("no_show", "cancelled", "expired"):
        return Refused(409, "not_served", "Этот визит завершился без обслуживания, оценить его нельзя")
    return Refused(409, "not_finished", "Оценить обслуживание можно после окончания приёма")


# ---------------------------------------------------------------------- CSRF (double submit)

def _browser_key() -> str:
    if "answer_key" not in g:
        got = request.cookies.get(COOKIE, "")
        g.answer_key_new = not COOKIE_RE.match(got)
        g.answer_key = secrets.token_hex(16) if g.answer_key_new else got
    return g.answer_key


def _check_csrf(sent: object) -> None:
    known = request.cookies.get(COOKIE, "")
    if not (isinstance(sent, str) and COOKIE_RE.match(known) and hmac.compare_digest(sent.encode(), known.encode())):
        raise Refused(403, "csrf", CSRF_WORDS)


@bp.after_request
def _headers(resp: Response) -> Response:
    if request.blueprint == "central_answers":
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Cache-Control"] = "no-store"
        if g.get("answer_key_new"):
            resp.set_cookie(COOKIE, g.answer_key, max_age=86400, httponly=True, samesite="Lax", path="/t/")
    return resp


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    if _wants_json():
        resp = jsonify({"error": exc.code, "message": exc.message, **exc.details})
        resp.status_code = exc.status
        return resp
    title = {403: "Страница устарела", 404: "Талон не найден"}.get(exc.status, "Не получилось")
    return Response(render_template("central_public/message.html", title=title, text=exc.message, hint="",
                                    office=None), status=exc.status, mimetype="text/html")


def _page(token: str, visit: dict, status: int = 200, error: str = "") -> Response:
    rated = answers.answer_of(_store(), visit["office"], visit["ticket"], "rating") is not None
    surveyed = answers.answer_of(_store(), visit["office"], visit["ticket"], "survey") is not None
    refusal = None if rated else rating_refusal(visit)
    html = render_template("central_public/answers.html", token=token, csrf=_browser_key(), rated=rated,
                           surveyed=surveyed, refusal=refusal.message if refusal else "", error=error,
                           scores=SCORES, questions=survey_rules.QUESTIONS, offer=survey_rules.OFFER,
                           intro=survey_rules.INTRO, thanks=survey_rules.THANKS, office=None)
    return Response(html, status=status, mimetype="text/html")


# ---------------------------------------------------------------------- the rating

@bp.get("/t/<token>/rating")
def rating_page(token: str):
    return _page(token, visit_of(token))


@bp.post("/t/<token>/rating")
def give_rating(token: str):
    visit = visit_of(token)
    body = request.get_json(silent=True) if request.is_json else None
    if request.is_json and not isinstance(body, dict):
        raise Refused(400, "invalid", "Неверные данные оценки")
    source = body if body is not None else request.form
    _check_csrf(request.headers.get("X-CSRF-Token") or source.get("csrf") or "")
    try:
        score = rating_rules.parse_score(source.get("score"))
        comment = rating_rules.clean_comment(source.get("comment"))
    except QueueError as exc:
        if not _wants_json():
            return _page(token, visit, exc.status, exc.message)
        raise Refused(exc.status, exc.code, exc.message) from None
    held = answers.answer_of(_store(), visit["office"], visit["ticket"], "rating")
    if held is not None:
        raise Refused(409, "already_rated", "Оценка за этот визит уже получена. Спасибо!")
    problem = rating_refusal(visit)
    if problem is not None:
        raise problem
    ident, _ = answers.hold(_store(), visit["office"], visit["ticket"], visit["day"], "rating",
                            {"score": score, "comment": comment})
    log.info("rating %d held for office %s ticket %s (answer %d)", score, visit["office"], visit["ticket"], ident)
    if _wants_json():
        resp = jsonify({"ok": True, "answer": ident, "offer": survey_rules.OFFER})
        resp.status_code = 201
        return resp
    return redirect(url_for("central_answers.rating_page", token=token), 303)


# ---------------------------------------------------------------------- the questionnaire

def _form_answers(form) -> dict:
    out: dict = {}
    for q in survey_rules.QUESTIONS:
        chosen = [v for v in form.getlist(q.id) if v]
        if chosen:
            out[q.id] = chosen if q.multiple else chosen[0]
    return out


@bp.post("/t/<token>/survey")
def give_survey(token: str):
    visit = visit_of(token)
    body = request.get_json(silent=True) if request.is_json else None
    if request.is_json and not isinstance(body, dict):
        raise Refused(400, "invalid", "Неверные данные анкеты")
    _check_csrf(request.headers.get("X-CSRF-Token") or (body or request.form).get("csrf") or "")
    try:
        given = survey_rules.validate(body.get("answers") if body is not None else _form_answers(request.form))
        rated = answers.answer_of(_store(), visit["office"], visit["ticket"], "rating") is not None
        before = answers.answer_of(_store(), visit["office"], visit["ticket"], "survey")
        write = survey_rules.check(rated, before["body"] if before else None, given)
    except QueueError as exc:
        if not _wants_json():
            return _page(token, visit, exc.status, exc.message)
        raise Refused(exc.status, exc.code, exc.message) from None
    written = False
    if write:
        _, written = answers.hold(_store(), visit["office"], visit["ticket"], visit["day"], "survey", given)
    if _wants_json():
        resp = jsonify({"ok": True, "message": survey_rules.THANKS})
        resp.status_code = 201 if written else 200
        return resp
    return redirect(url_for("central_answers.rating_page", token=token), 303)


# ---------------------------------------------------------------------- the hub's pull (staff app)

@hub_bp.get("/offices/<office>/answers")
def pull(office: str):
    """The office's answers not acknowledged yet (its hub's key)."""
    from .app import _hub_office

    _hub_office(office)
    return jsonify({"answers": answers.waiting(_store(), office, MAX_PULL)})


@hub_bp.post("/offices/<office>/answers/ack")
def acknowledge(office: str):
    """``{"ids": [...], "outcomes": {id: "applied" | "refused:<code>"}}``: not sent again."""
    from .app import _hub_office

    _hub_office(office)
    body = request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    outcomes = body.get("outcomes") or {} if isinstance(body, dict) else {}
    if (not isinstance(ids, list) or len(ids) > MAX_PULL or not all(isinstance(i, int) for i in ids)
            or not isinstance(outcomes, dict)):
        raise Refused(400, "invalid", "Неверные данные: ожидается список номеров ответов (ids)")
    clean = {int(k): str(v)[:60] for k, v in outcomes.items() if str(k).isdigit()}
    return jsonify({"acknowledged": answers.acknowledge(_store(), office, ids, clean)})
