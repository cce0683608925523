"""Casework on the stand: home visits (000:348, 002:170), written requests, claims and complaints
(004:206) with their deadlines, the personal-data access log and the keeping period (issue 16,
points 3, 4, 7).

Lists show names and phones masked; opening one record shows them and writes a row to the
access log (who, when, which record). Events carry ids and kinds only, never names, phones or
addresses, so the board, the visitor's page and the company centre never see them. Rules:
:mod:`server.domain.casework`; SQL: :mod:`server.store.casework`.
"""
from __future__ import annotations

import logging
import threading
from datetime import date

from flask import Blueprint, jsonify

from ..app_context import current_hub
from ..domain import casework as rules
from ..domain.schedule import Schedule
from ..settings import current as current_settings
from ..store import bookings as bookings_store
from ..store import casework as store_cw
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

log = logging.getLogger(__name__)
bp = Blueprint("casework", __name__, url_prefix="/api/v1")

STAFF = ("admin", "administrator", "head")
KEEPERS = ("admin", "head")  # who sets the keeping period and runs the clean-up by hand
#: a new record's id is taken before its event is written (the event names it): one at a time
_NEW_RECORD = threading.Lock()

NAME = {"type": "string", "minLength": 1, "maxLength": 200}
PHONE = {"type": "string", "minLength": 1, "maxLength": 40}
ADDRESS = {"type": "string", "minLength": 1, "maxLength": 300}
WHY = {"type": "string", "minLength": 1, "maxLength": 500}
VISIT_NEW = S.obj({
    "name": NAME, "phone": PHONE, "address": ADDRESS, "reason": WHY,
    "channel": {"enum": list(rules.VISIT_CHANNELS)}, "consent": S.BOOL,
    "lives_alone": S.BOOL, "disability": S.BOOL, "over_65": S.BOOL,
}, ["name", "phone", "address", "reason", "consent", "lives_alone", "disability", "over_65"])
VISIT_ACTION = S.obj({"action": {"enum": ["schedule", "done", "refuse"]}, "date": S.DATE,
                      "reason": {"type": "string", "maxLength": 500}}, ["action"])
REQUEST_NEW = S.obj({
    "kind": {"enum": list(rules.KINDS)}, "channel": {"enum": list(rules.CHANNELS)},
    "subject": WHY, "name": NAME, "contact": {"type": "string", "minLength": 1, "maxLength": 300},
    "consent": S.BOOL,
}, ["kind", "subject", "name", "contact", "consent"])
SETTINGS = S.obj({"personal_data_days": {"type": "integer", "minimum": rules.PERSONAL_DATA_DAYS_RANGE[0],
                                         "maximum": rules.PERSONAL_DATA_DAYS_RANGE[1]}},
                 ["personal_data_days"])
ACCESS_QUERY = S.obj({"kind": {"enum": ["visit", "request", "booking"]}, "record": S.ID_INT})


def _office(office: str) -> tuple[dict, Schedule]:
    check_office(current_principal(), office)
    row = current_hub().office(office)
    return row, Schedule.from_json(row["schedule"])


def _who() -> str:
    p = current_principal()
    return p.who if p else "?"


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        code, words = problems[0]
        raise ApiError(400, code, words, problems=[{"code": c, "message": m} for c, m in problems])


def _today(schedule: Schedule, now: float) -> date:
    return date.fromisoformat(schedule.office_day(now))


# ---------------------------------------------------------------------- views

def visit_json(r: dict, full: bool = False) -> dict:
    out = {"id": r["id"], "day": r["day"], "channel": r["channel"], "reason": r["reason"], "state": r["state"],
           "state_words": rules.VISIT_STATE_WORDS.get(r["state"], r["state"]),
           "scheduled_for": r["scheduled_for"], "refusal": r["refusal"], "forgotten": r["forgotten"] is not None,
           "eligible_because": _because(r)}
    if full:
        out.update(name=r["name"], phone=r["phone"], address=r["address"])
    else:
        out.update(name=rules.mask_name(r["name"]), phone=rules.mask_phone(r["phone"]), address="")
    return out


def _because(r: dict) -> str:
    why = [w for w, flag in (("инвалидность", r["disability"]), ("старше 65 лет", r["over_65"])) if flag]
    return "одиноко проживает; " + ", ".join(why)


def request_json(r: dict, today: date, full: bool = False) -> dict:
    due = date.fromisoformat(r["due"])
    answered = date.fromisoformat(r["answered_day"]) if r["answered_day"] else None
    status = rules.request_status(r["state"], due, today, answered)
    t = rules.Term(r["term_days"], bool(r["term_working"]), r["term_source"])
    out = {"id": r["id"], "day": r["day"], "kind": r["kind"], "kind_words": rules.KIND_NAMES.get(r["kind"], r["kind"]),
           "channel": r["channel"], "subject": r["subject"], "state": r["state"], "due": r["due"],
           "term": t.words(), "term_source": t.source, "status": status, "status_words": rules.STATUS_WORDS[status],
           "days_left": (due - today).days, "answered_day": r["answered_day"], "forgotten": r["forgotten"] is not None}
    if full:
        out.update(name=r["name"], contact=r["contact"])
    else:
        out.update(name=rules.mask_name(r["name"]), contact="")
    return out


# ---------------------------------------------------------------------- terms and settings

@api(bp, "/offices/<office>/casework/terms", summary="Kinds of written requests and their deadlines here",
     tag="casework", roles=STAFF)
def terms(office):
    row, _ = _office(office)
    out = []
    for kind in rules.KINDS:
        for channel in rules.CHANNELS:
            t = rules.term(row["profile"], kind, channel)
            out.append({"kind": kind, "kind_words": rules.KIND_NAMES[kind], "channel": channel,
                        "channel_words": rules.CHANNEL_NAMES[channel], "days": t.days, "working": t.working,
                        "words": t.words(), "source": t.source})
    return jsonify({"profile": row["profile"], "terms": out,
                    "channels": [{"id": c, "words": rules.CHANNEL_NAMES[c]} for c in rules.CHANNELS],
                    "kinds": [{"id": k, "words": rules.KIND_NAMES[k]} for k in rules.KINDS]})


@api(bp, "/offices/<office>/casework/settings", summary="The keeping period of personal data",
     tag="casework", roles=STAFF)
def get_settings(office):
    _office(office)
    return jsonify({"personal_data_days": store_cw.personal_data_days(current_hub().store, office),
                    "default": rules.PERSONAL_DATA_DAYS, "range": list(rules.PERSONAL_DATA_DAYS_RANGE)})


@api(bp, "/offices/<office>/casework/settings", "PUT", summary="Set the keeping period of personal data",
     tag="casework", roles=KEEPERS, body=SETTINGS)
def put_settings(office, body):
    _office(office)
    hub = current_hub()
    days = int(body["personal_data_days"])
    hub.record(office, "casework.settings_changed", {"personal_data_days": days},
               lambda conn: store_cw.set_personal_data_days(conn, office, days, hub.clock.now(), _who()))
    return jsonify({"personal_data_days": days})


# ---------------------------------------------------------------------- home visits

@api(bp, "/offices/<office>/casework/visits", summary="Home visits (names and phones masked)",
     tag="casework", roles=STAFF)
def list_visits(office):
    _office(office)
    return jsonify({"visits": [visit_json(r) for r in store_cw.visits(current_hub().store, office)]})


@api(bp, "/offices/<office>/casework/visits", "POST", summary="Register a home visit request (000:348, 002:170)",
     tag="casework", roles=STAFF, body=VISIT_NEW, status=201)
def create_visit(office, body):
    _, schedule = _office(office)
    body.setdefault("channel", "phone")
    _refuse(rules.visit_problems(body["name"], body["phone"], body["address"], body["reason"], body["consent"],
                                 body["lives_alone"], body["disability"], body["over_65"]))
    hub = current_hub()
    made = {}

    def write(conn):
        now = hub.clock.now()
        store_cw.add_visit(conn, office, ident, body, now, schedule.office_day(now), _who())
        store_cw.log_access(conn, office, now, _who(), "visit", ident, "create", "name,phone,address")
        made["id"] = ident

    # the event and the row are written in one transaction
    with _NEW_RECORD, hub.lock(office):
        ident = store_cw.next_id(hub.store, "home_visits")
        hub.record(office, "visit.requested", {"visit": ident, "channel": body["channel"]}, write)
    row = store_cw.visit(hub.store, office, made["id"])
    log.info("home visit %s registered in %s by %s", made["id"], office, _who())
    return jsonify(visit_json(row, full=True)), 201


@api(bp, "/offices/<office>/casework/visits/<int:visit>", summary="One home visit in full (the access is logged)",
     tag="casework", roles=STAFF)
def get_visit(office, visit):
    _office(office)
    hub = current_hub()
    row = store_cw.visit(hub.store, office, visit)
    if row is None:
        raise ApiError(404, "not_found", "Такой заявки на выезд нет")
    with hub.store.write() as conn:
        store_cw.log_access(conn, office, hub.clock.now(), _who(), "visit", visit, "read", "name,phone,address")
    return jsonify(visit_json(row, full=True))


@api(bp, "/offices/<office>/casework/visits/<int:visit>/action", "POST",
     summary="Schedule a home visit, mark it done, or refuse it with a reason", tag="casework", roles=STAFF,
     body=VISIT_ACTION)
def act_on_visit(office, visit, body):
    _, schedule = _office(office)
    hub = current_hub()
    with hub.lock(office):
        row = store_cw.visit(hub.store, office, visit)
        if row is None:
            raise ApiError(404, "not_found", "Такой заявки на выезд нет")
        now = hub.clock.now()
        when = None
        if body.get("date"):
            try:
                when = date.fromisoformat(body["date"])
            except ValueError:
                raise ApiError(400, "bad_date", "Неверная дата выезда") from None
        reason = (body.get("reason") or "").strip()
        state = rules.visit_move(row["state"], body["action"], reason, when, _today(schedule, now))
        data = {"visit": visit, "state": state}
        if when and body["action"] == "schedule":
            data["date"] = when.isoformat()

        def write(conn):
            store_cw.move_visit(conn, office, visit, state, now, schedule.office_day(now), _who(),
                                when.isoformat() if when and body["action"] == "schedule" else None,
                                reason if body["action"] == "refuse" else None)
            closing = body["action"] != "schedule"
            store_cw.log_access(conn, office, now, _who(), "visit", visit, "close" if closing else "change",
                                "state,refusal" if body["action"] == "refuse" else "state,scheduled_for"
                                if not closing else "state")

        hub.record(office, f"visit.{state}", data, write)
    return jsonify(visit_json(store_cw.visit(hub.store, office, visit)))


# ---------------------------------------------------------------------- written requests

@api(bp, "/offices/<office>/casework/requests",
     summary="Written requests, claims and complaints with their deadlines (names masked)",
     tag="casework", roles=STAFF)
def list_requests(office):
    _, schedule = _office(office)
    hub = current_hub()
    today = _today(schedule, hub.clock.now())
    items = [request_json(r, today) for r in store_cw.requests(hub.store, office)]
    summary = {s: sum(1 for i in items if i["status"] == s) for s in rules.STATUS_WORDS}
    return jsonify({"today": today.isoformat(), "requests": items, "summary": summary})


@api(bp, "/offices/<office>/casework/requests", "POST", summary="Register a written request, claim or complaint",
     tag="casework", roles=STAFF, body=REQUEST_NEW, status=201)
def create_request(office, body):
    row, schedule = _office(office)
    body.setdefault("channel", "paper")
    _refuse(rules.request_problems(body["kind"], body["channel"], body["subject"], body["name"], body["contact"],
                                   body["consent"]))
    hub = current_hub()
    made = {}
    t = rules.term(row["profile"], body["kind"], body["channel"])
    with _NEW_RECORD, hub.lock(office):
        now = hub.clock.now()
        today = _today(schedule, now)
        due = rules.due_date(today, t, schedule.holidays, frozenset(schedule.special))

        def write(conn):
            store_cw.add_request(conn, office, ident, body, now, today.isoformat(), due.isoformat(), t, _who())
            store_cw.log_access(conn, office, now, _who(), "request", ident, "create", "name,contact")
            made["id"] = ident

        ident = store_cw.next_id(hub.store, "written_requests")
        hub.record(office, "request.registered",
                   {"request": ident, "kind": body["kind"], "channel": body["channel"], "due": due.isoformat()}, write)
    log.info("written request %s (%s) registered in %s by %s", made["id"], body["kind"], office, _who())
    return jsonify(request_json(store_cw.request(hub.store, office, made["id"]), today, full=True)), 201


@api(bp, "/offices/<office>/casework/requests/<int:req>", summary="One written request in full (the access is logged)",
     tag="casework", roles=STAFF)
def get_request(office, req):
    _, schedule = _office(office)
    hub = current_hub()
    row = store_cw.request(hub.store, office, req)
    if row is None:
        raise ApiError(404, "not_found", "Такого обращения нет")
    now = hub.clock.now()
    with hub.store.write() as conn:
        store_cw.log_access(conn, office, now, _who(), "request", req, "read", "name,contact")
    return jsonify(request_json(row, _today(schedule, now), full=True))


@api(bp, "/offices/<office>/casework/requests/<int:req>/answer", "POST", summary="Mark a written request answered",
     tag="casework", roles=STAFF, body=S.EMPTY)
def answer(office, req, body):
    _, schedule = _office(office)
    hub = current_hub()
    with hub.lock(office):
        row = store_cw.request(hub.store, office, req)
        if row is None:
            raise ApiError(404, "not_found", "Такого обращения нет")
        rules.answer_request(row["state"])
        now = hub.clock.now()
        today = _today(schedule, now)
        late = today > date.fromisoformat(row["due"])

        def write(conn):
            store_cw.answer_request(conn, office, req, now, today.isoformat(), _who())
            store_cw.log_access(conn, office, now, _who(), "request", req, "close", "state")

        hub.record(office, "request.answered", {"request": req, "kind": row["kind"], "late": late}, write)
    return jsonify(request_json(store_cw.request(hub.store, office, req), today))


# ---------------------------------------------------------------------- personal data

@api(bp, "/offices/<office>/casework/access-log", summary="Who saw, made, changed or blanked personal data",
     tag="casework", roles=KEEPERS, query=ACCESS_QUERY)
def access(office, query):
    _office(office)
    rows = store_cw.access_log(current_hub().store, office, record_kind=query.get("kind"), record=query.get("record"))
    return jsonify({"access": rows})


@api(bp, "/offices/<office>/casework/forget", "POST",
     summary="Blank personal data whose keeping period ended (the daily job, run now)", tag="casework",
     roles=KEEPERS, body=S.EMPTY)
def forget_now(office, body):
    _office(office)
    return jsonify(forget_office(current_hub(), office))


def forget_office(hub, office: str) -> dict:
    """The keeping period's clean-up of one office at the hub's clock: casework records, then the
    bookings' personal data if that module is there. Logged with counts (no names)."""
    days = store_cw.personal_data_days(hub.store, office)
    with hub.lock(office):
        now = hub.clock.now()
        done: dict = {}

        def write(conn):
            done.update(store_cw.forget_expired(conn, office, now, days))

        with hub.store.write() as conn:
            write(conn)
        if done.get("visits") or done.get("requests"):
            hub.record(office, "personal_data.forgotten", {"visits": done["visits"], "requests": done["requests"],
                                                           "days": days})
    done["bookings"] = _forget_bookings(hub, office, now - days * 86400.0, now)
    log.info("personal data kept %d days in %s: blanked %s", days, office, done)
    return {**done, "days": days}


def _forget_bookings(hub, office: str, before: float, now: float) -> int:
    """The bookings' names and phones whose slot ended before ``before`` (server/store/bookings.py;
    it works over the whole file, so a hub of several offices blanks them at the first office's
    period - the shortest would be the careful choice when offices differ)."""
    return bookings_store.forget_personal_data(hub.store, before, now)


class DailyForgetting:
    """The hub's daily job for personal data: once per office day (at the hub's clock, so a test
    hub's moved clock counts), blank what outlived the office's keeping period. Started by
    ``talon hub`` beside the daily backups (server/backup.py ``start_hub_checked``); it looks every
    ``every`` seconds (``TALON_FORGET_EVERY``, an hour by default) whether the day changed."""

    def __init__(self, hub, every: float | None = None):
        self.hub = hub
        self.every = every if every is not None else current_settings().forget_every
        self.last: dict[str, str] = {}
        self._stop = threading.Event()

    def run_once(self) -> dict:
        done = {}
        for office in store_cw.offices(self.hub.store):
            row = self.hub.office(office)
            day = Schedule.from_json(row["schedule"]).office_day(self.hub.clock.now())
            if self.last.get(office) == day:
                continue
            done[office] = forget_office(self.hub, office)
            self.last[office] = day
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a failed clean-up must not stop the hub; it is logged
                log.exception("the daily clean-up of personal data failed")
            self._stop.wait(self.every)

    def start(self) -> DailyForgetting:
        threading.Thread(target=self._loop, name="personal-data", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
