"""The queue's API: state, issuing tickets, calling them, the ticket's life, windows."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from ..app_context import current_hub
from ..domain import estimate
from ..hub import ticket_view, window_view
from ..store import catalogue, journal
from . import schemas as S
from .framework import ANY, ApiError, api, check_office, current_principal

bp = Blueprint("queue", __name__, url_prefix="/api/v1")

STAFF = ("operator", "administrator", "admin")
HALL_STAFF = ("administrator", "admin")


hub = current_hub  # the app's hub (server/app_context.py), under this module's old name


def office_of_ticket(ticket: int) -> str:
    office = hub().office_of("ticket", ticket)
    if office is None:
        raise ApiError(404, "ticket_not_found", "Талон не найден")
    check_office(current_principal(), office)
    return office


def office_of_window(window: int) -> str:
    office = hub().office_of("window", window)
    if office is None:
        raise ApiError(404, "window_not_found", "Окно не найдено")
    check_office(current_principal(), office)
    return office


def ticket_answer(office: str, ticket_id: int, fresh: bool = False) -> dict:
    """The ticket as a client shows it. ``fresh``: it was issued in this same request, so its
    printed estimate is the estimate now, and the people ahead of it in its own service are
    simply those before it in age order (no second projection of the whole queue)."""
    h = hub()
    with h.lock(office):
        hall = h.hall(office)
        t = hall.tickets.get(ticket_id)
        if t is None:  # a ticket of an earlier day: read the projection
            row = journal.past_ticket(h.store, ticket_id)
            if row is None:
                raise ApiError(404, "ticket_not_found", "Талон не найден")
            return {**row, "individual": bool(row["individual"])}
        v = ticket_view(hall, t)
        now = h.clock.now()
        v["people_ahead"] = 0
        if fresh and t.state.value == "waiting":
            v["people_ahead"] = hall.people_ahead_of_new(t, now)
            v["estimate_now"] = v["estimate"]
        elif t.state.value == "waiting":
            projected = estimate.project(hall, now)  # once: people ahead and the estimate both
            at = projected.get(t.id)
            v["people_ahead"] = sum(1 for tid, when in projected.items()
                                    if at is not None and (when, tid) < (at, t.id)
                                    and hall.tickets[tid].service == t.service) if at is not None \
                else hall.people_ahead(t, now)
            v["estimate_now"] = list(estimate.wait_range(hall, at - now)) if at is not None else None
        v["token"] = t.token
        v["url"] = catalogue.ticket_url(h.store, office, t.token)  # the centre's public page when set (issue 18)
        s = hall.services.get(t.service)
        v["checklist"] = s.checklist if s else []
        return v


@api(bp, "/offices", summary="Offices this hub serves", tag="offices", roles=None,
     response={"type": "array", "items": {"type": "object"}})
def offices():
    return jsonify([{k: o[k] for k in ("id", "name", "company", "address", "profile")} for o in hub().offices()])


@api(bp, "/offices/<office>/state", summary="Full snapshot of the hall", tag="offices", roles=ANY,
     response=S.STATE)
def office_state(office):
    check_office(current_principal(), office)
    return jsonify(hub().snapshot(office))


@api(bp, "/offices/<office>/tickets", "POST", summary="Issue a ticket (Idempotency-Key makes a retry safe)",
     tag="tickets", roles=("kiosk", "administrator", "admin"), body=S.ISSUE, response=S.TICKET, status=201,
     headers={"Idempotency-Key": "A retry with the same key returns the same ticket"})
def issue_ticket(office, body):
    principal = current_principal()
    check_office(principal, office)
    h = hub()
    h.office(office)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100 and key.isprintable()):
        raise ApiError(400, "invalid", "Неверный ключ повтора запроса (Idempotency-Key)")
    source = body.get("source") or ("kiosk" if "kiosk" in principal.roles else "administrator")
    if body.get("individual") and not set(principal.roles) & set(HALL_STAFF):
        raise ApiError(403, "forbidden", "Индивидуальный формат назначает администратор")
    request_fingerprint = {k: body.get(k) for k in sorted(body)}
    with h.lock(office):
        if key is not None:
            seen = h.store.idempotent_ticket(office, key)
            if seen is not None:
                if json.loads(seen["request"]) != request_fingerprint:
                    raise ApiError(409, "idempotency_mismatch",
                                   "Этот ключ повтора уже использован для другого запроса")
                resp = jsonify(ticket_answer(office, seen["ticket"]))
                resp.status_code = 201
                resp.headers["Idempotent-Replay"] = "true"
                return resp

        def command(hall, now):
            return hall.issue(body["service"], now, client_type=body.get("client_type"),
                              individual=body.get("individual", False), priority=body.get("priority", 0),
                              source=source)

        def remember(conn, ticket, now):
            if key is not None:
                h.store.remember_idempotency(conn, office, key, ticket.id, request_fingerprint, now)

        ticket = h.execute(office, command, also=remember)
        resp = jsonify(ticket_answer(office, ticket.id, fresh=True))
        resp.status_code = 201
        return resp


@api(bp, "/tickets/<int:ticket>", summary="One ticket", tag="tickets", roles=ANY, response=S.TICKET)
def get_ticket(ticket):
    return jsonify(ticket_answer(office_of_ticket(ticket), ticket))


def acting() -> dict:
    """Who acts, for the core's ownership rule: ``actor`` (the login) and ``admin`` (an administrator
    may act at any window; an operator only at their own)."""
    p = current_principal()
    return {"actor": p.login if p else None, "admin": bool(p and set(p.roles) & set(HALL_STAFF))}


def _ticket_action(name, summary, body_schema, run, roles=STAFF):
    def view(ticket, body):
        office = office_of_ticket(ticket)
        who = acting()
        hub().execute(office, lambda hall, now: run(hall, ticket, now, body, who))
        return jsonify(ticket_answer(office, ticket))

    view.__name__ = f"ticket_{name.replace('-', '_')}"
    api(bp, f"/tickets/<int:ticket>/{name}", "POST", summary=summary, tag="tickets", roles=roles,
        body=body_schema, response=S.TICKET,
        extra_responses={403: "The ticket is at another operator's window (not_your_window) or still "
                              "waiting (not_your_ticket); administrators may act on any",
                         409: "The ticket is not in a state that allows this"})(view)


_ticket_action("recall", "Call the ticket again (recalls are counted)", S.EMPTY,
               lambda hall, t, now, b, who: hall.recall(t, now, **who))
_ticket_action("start", "The visitor came: service starts", S.EMPTY,
               lambda hall, t, now, b, who: hall.start(t, now, **who))
_ticket_action("finish", "Service finished (optional outcome code)", S.FINISH,
               lambda hall, t, now, b, who: hall.finish(t, now, b.get("outcome"), **who))
_ticket_action("no-show", "The visitor did not come", S.EMPTY,
               lambda hall, t, now, b, who: hall.no_show(t, now, **who))
_ticket_action("cancel", "Cancel a waiting or called ticket", S.CANCEL,
               lambda hall, t, now, b, who: hall.cancel(t, now, b.get("reason"), **who))
_ticket_action("phase", "Enter a sub-phase of service (digital, upsell) or leave it (null)", S.PHASE,
               lambda hall, t, now, b, who: hall.set_phase(t, b["phase"], now, **who))
_ticket_action("accounts", "How many accounts the request covers (a per-account norm scales, 001:841)",
               S.ACCOUNTS, lambda hall, t, now, b, who: hall.set_accounts(t, b["accounts"], now, **who))
_ticket_action("transfer", "Queue the same visitor for another service or window (code and visit kept)",
               S.TRANSFER, lambda hall, t, now, b, who: hall.transfer(t, now, service=b.get("service"),
                                                                      window=b.get("window"),
                                                                      hold=bool(b.get("hold")), **who))
_ticket_action("escalate", "Pass the visitor up the ladder: senior specialist, then head", S.ESCALATE,
               lambda hall, t, now, b, who: hall.escalate(t, now, b.get("level"), **who))
_ticket_action("postpone", "The visitor steps aside and goes back to the queue", S.EMPTY,
               lambda hall, t, now, b, who: hall.postpone(t, now, **who))
_ticket_action("resolve", "«Решено администратором»: settled without a window", S.EMPTY,
               lambda hall, t, now, b, who: hall.resolve(t, now, **who), roles=HALL_STAFF)

NOT_YOURS = {403: "The window is held by another operator (not_your_window); administrators may act at any"}


def _operator_args() -> tuple[str | None, bool]:
    """(login, administrator?) for the window commands, whose acting operator is also who sits there."""
    who = acting()
    return who["actor"], who["admin"]


@api(bp, "/windows/<int:window>/call-next", "POST", summary="Atomically take the next ticket (204 when none)",
     tag="windows", roles=STAFF, body=S.EMPTY, response=S.TICKET,
     extra_responses={204: "Nobody is waiting for this window", 409: "The window is not open or is busy",
                      **NOT_YOURS})
def call_next(window, body):
    office = office_of_window(window)
    login, admin = _operator_args()
    ticket = hub().execute(office, lambda hall, now: hall.call_next(window, now, login, admin=admin))
    if ticket is None:
        return "", 204
    return jsonify(ticket_answer(office, ticket.id))


@api(bp, "/windows/<int:window>/call", "POST", summary="Call one chosen waiting ticket to this window",
     tag="windows", roles=STAFF, body=S.CALL, response=S.TICKET, extra_responses=NOT_YOURS)
def call_ticket(window, body):
    office = office_of_window(window)
    login, admin = _operator_args()
    hub().execute(office, lambda hall, now: hall.call_ticket(window, body["ticket"], now, login, admin=admin))
    return jsonify(ticket_answer(office, body["ticket"]))


def _window_answer(office, window):
    h = hub()
    with h.lock(office):
        hall = h.hall(office)
        return window_view(hall, hall.window(window), h.clock.now())


@api(bp, "/windows/<int:window>/open", "POST", summary="Open the window (or come back from a break)",
     tag="windows", roles=STAFF, body=S.OPEN, response=S.WINDOW, extra_responses=NOT_YOURS)
def open_window(window, body):
    office = office_of_window(window)
    login, admin = _operator_args()
    hub().execute(office, lambda hall, now: hall.open_window(window, now, login, admin=admin))
    return jsonify(_window_answer(office, window))


@api(bp, "/windows/<int:window>/pause", "POST", summary="Pause with a reason (the break guard may refuse)",
     tag="windows", roles=STAFF, body=S.PAUSE, response=S.WINDOW, extra_responses=NOT_YOURS)
def pause_window(window, body):
    office = office_of_window(window)
    who = acting()
    override = bool(body.get("override"))
    hub().execute(office, lambda hall, now: hall.pause_window(window, body["reason"], now, override=override, **who))
    return jsonify(_window_answer(office, window))


@api(bp, "/windows/<int:window>/close", "POST", summary="Close the window", tag="windows", roles=STAFF,
     body=S.CLOSE, response=S.WINDOW, extra_responses=NOT_YOURS)
def close_window(window, body):
    office = office_of_window(window)
    who = acting()
    force = bool(body.get("force")) and who["admin"]
    hub().execute(office, lambda hall, now: hall.close_window(window, now, force=force, **who))
    return jsonify(_window_answer(office, window))


@api(bp, "/windows/<int:window>", summary="One window", tag="windows", roles=ANY, response=S.WINDOW)
def get_window(window):
    return jsonify(_window_answer(office_of_window(window), window))
