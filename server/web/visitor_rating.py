"""The rating of a visit (``POST /t/<token>/rating``) and the questionnaire after it
(``POST /t/<token>/survey``, 000:622–762): checked by :mod:`server.domain.rating` and
:mod:`server.domain.survey`, written through ``Hub.record`` (the event and the row in one
transaction). Routes on the visitor's blueprint (server/web/visitor.py)."""
from __future__ import annotations

import logging

from flask import jsonify, redirect, request, url_for

from ..domain import rating
from ..domain import survey as survey_rules
from ..domain.model import QueueError
from ..store import survey as survey_store
from ..store import visitor as visitor_store
from . import forms
from .forms import check_limits
from .visitor import bp, message_page, render_ticket, wants_json
from .visitor_view import TOKEN_RE, Found, current_view, find, today_ticket, vs

log = logging.getLogger(__name__)


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
        rating.check(t, hall.schedule.office_day(now), visitor_store.is_rated(hub.store, t.id))
        row = rating.rating_row(t, score, comment, now)
        # the comment stays in the ratings table: the event goes to every screen of the office
        hub.record(found.office, "rating.given",
                   {"ticket": t.id, "score": score, "service": row["service"], "window": row["window"],
                    "operator": row["operator"], "commented": bool(comment)},
                   write=lambda conn: visitor_store.save_rating(conn, row))
        log.info("rating %d for ticket %s (window %s)", score, t.code, row["window"])
    return current_view(state, found)


@bp.post("/t/<token>/rating")
def ticket_rating(token):
    check_limits(token if TOKEN_RE.match(token) else None, post=True)
    found = find(token)
    raw_score, raw_comment, csrf = _rating_input()
    state = vs()
    as_json = wants_json()
    if not forms.same(csrf, forms.csrf_value(found.token)):
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


# ---------------------------------------------------------------------- the questionnaire (000:622–762)

def give_survey(found: Found, answers: dict) -> bool:
    """Record a visit's answers once (one transaction); True when written now, False when the
    same answers were recorded before (a retry). Other answers after the first: 409."""
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
    if not forms.same(csrf, forms.csrf_value(found.token)):
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


#: For the head's reports: the ratings of an office over days (server/store/visitor.py).
rating_rows = visitor_store.rating_rows
