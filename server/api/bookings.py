"""Appointments (issue 16): slots, booking, looking up, cancelling and moving by the code, the
staff's list of the day and check-in (which issues the ticket).

Rules are in ``server/domain/booking.py``; SQL in ``server/store/bookings.py``. The visitor's
name and phone stay in the bookings table: answers to the public routes show only a masked
phone, and the ticket check-in makes carries only the booking's code.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask import Blueprint, jsonify, request

from ..app_context import current_hub
from ..domain import booking as B
from ..domain.booking import BookingError, BookingRules
from ..store import bookings as store
from ..store import casework as casework_store
from ..store.config import office_row
from . import limits
from .framework import ApiError, api, check_office, current_principal
from .queue import ticket_answer

bp = Blueprint("bookings", __name__, url_prefix="/api/v1")

STAFF_LIST = ("admin", "administrator", "head")
CHECK_IN = ("kiosk", "administrator", "admin")
CODE_RE = re.compile(r"^\d{8}$")

SLOT = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$",
        "description": "the slot's start, office time: YYYY-MM-DDTHH:MM"}
SERVICE_ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,39}$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NEW_BOOKING = {"type": "object", "additionalProperties": False,
               "required": ["name", "phone", "service", "slot", "consent"],
               "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                              "phone": {"type": "string", "minLength": 5, "maxLength": 30},
                              "service": SERVICE_ID, "slot": SLOT,
                              "consent": {"type": "boolean",
                                          "description": "consent to process personal data (152-ФЗ)"}}}
MOVE = {"type": "object", "additionalProperties": False, "required": ["slot"], "properties": {"slot": SLOT}}
SLOTS_QUERY = {"type": "object", "additionalProperties": False, "required": ["service", "date"],
               "properties": {"service": SERVICE_ID, "date": DATE}}
DAY_QUERY = {"type": "object", "additionalProperties": False, "properties": {"date": DATE}}
BOOKING = {"type": "object", "required": ["code", "service", "slot", "state"], "additionalProperties": True}
MISS_WORDS = "Слишком много неверных кодов записи с этого устройства"


# ---------------------------------------------------------------------- helpers

def rules_of(office: str) -> BookingRules:
    row = office_row(current_hub().store, office)
    if row is None:
        raise ApiError(404, "office_not_found", "Офис не найден")
    try:
        return BookingRules.from_json(row["settings"].get("booking"))
    except BookingError as exc:
        raise ApiError(409, exc.code, f"Запись не настроена: {exc}") from None


def _service(hall, rules: BookingRules, service_id: str):
    s = hall.services.get(service_id)
    if s is None or not s.active or not rules.bookable(service_id):
        raise ApiError(404, "service_not_bookable", "На эту услугу запись не ведётся")
    return s


def _slot_minutes(hall, rules: BookingRules, s) -> int:
    norm = hall.profile.for_kind(s.kind).service if hall.profile else None
    return rules.slot_length(norm.limit if norm else None)


def day_slots(office: str, service_id: str, day: date) -> tuple[list[B.Slot], BookingRules, object]:
    """The service's slots of the day with capacity, from the hall's configuration."""
    rules = rules_of(office)
    h = current_hub()
    with h.lock(office):
        hall = h.hall(office)
        s = _service(hall, rules, service_id)
        out = B.slots(day, service_id, schedule=hall.schedule, rota=hall.rota, windows=list(hall.windows.values()),
                      rules=rules, slot_minutes=_slot_minutes(hall, rules, s))
        return out, rules, s


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "bad_date", "Неверная дата: ожидается ГГГГ-ММ-ДД") from None


def resolve_slot(office: str, service_id: str, slot_text: str) -> tuple[B.Slot, int, BookingRules]:
    """The slot a request names, with its capacity; 409 when it can not be booked (now)."""
    day = parse_day(slot_text[:10])
    slots, rules, _ = day_slots(office, service_id, day)
    hall_tz = current_hub().hall(office).schedule.zone
    try:
        start = datetime.fromisoformat(slot_text).replace(tzinfo=hall_tz)
    except ValueError:
        raise ApiError(400, "bad_slot", "Неверное время записи: ожидается ГГГГ-ММ-ДДТЧЧ:ММ") from None
    slot = B.find_slot(slots, start.timestamp())
    if slot is None or slot.capacity <= 0:
        raise ApiError(409, "no_such_slot", "На это время запись не ведётся. Пожалуйста, выберите другое время")
    if not B.can_book(slot.start.timestamp(), current_hub().clock.now(), rules):
        raise ApiError(409, "slot_past", "На это время записаться уже нельзя. Пожалуйста, выберите другое время")
    return slot, slot.capacity, rules


def mask_phone(phone: str) -> str:
    return f"+7 *** ***-{phone[-4:-2]}-{phone[-2:]}" if len(phone) >= 4 else ""


def public_view(office: str, row: dict, rules: BookingRules | None = None) -> dict:
    """What the visitor's own page shows: no name, the phone masked."""
    h = current_hub()
    rules = rules or rules_of(office)
    with h.lock(office):
        hall = h.hall(office)
        s = hall.services.get(row["service"])
        local = hall.schedule.local(row["slot_start"])
        end = hall.schedule.local(row["slot_end"])
        info = h.office(office)
    now = h.clock.now()
    return {
        "code": row["code"], "office": office, "office_name": info["name"], "address": info.get("address", ""),
        "service": row["service"], "service_name": s.name if s else row["service"],
        "slot": local.strftime("%Y-%m-%dT%H:%M"), "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"), "end": end.strftime("%H:%M"),
        "at": row["slot_start"], "state": B.status(row["state"], row["slot_start"], now, rules),
        "phone": mask_phone(row["phone"]),
        "check_in_from": hall.schedule.local(B.check_in_from(row["slot_start"], rules)).strftime("%H:%M"),
        "ticket": row["ticket"],
    }


def staff_view(office: str, row: dict, rules: BookingRules, hall) -> dict:
    now = current_hub().clock.now()
    s = hall.services.get(row["service"])
    t = hall.tickets.get(row["ticket"]) if row["ticket"] else None
    return {"code": row["code"], "service": row["service"], "service_name": s.name if s else row["service"],
            "time": hall.schedule.local(row["slot_start"]).strftime("%H:%M"), "at": row["slot_start"],
            "name": row["name"], "phone": row["phone"],
            "state": B.status(row["state"], row["slot_start"], now, rules),
            "ticket": row["ticket"], "ticket_code": t.code if t else None,
            "ticket_state": str(t.state) if t else None}


def guarded_lookup(office: str, code: str) -> dict:
    """The booking of a code; wrong codes are slowed per address (like pairing codes)."""
    address = limits.client_address()
    with limits.guard().attempt([("pairing", "booking:" + address)]) as attempt:
        if attempt.wait > 0:
            raise _TooMany(attempt.wait)
        row = store.by_code(current_hub().store, office, code) if CODE_RE.match(code) else None
        attempt.ok = row is not None
    if row is None:
        raise ApiError(404, "booking_not_found", "Запись с таким кодом не найдена. Пожалуйста, проверьте код")
    return row


class _TooMany(Exception):
    def __init__(self, wait: float):
        self.wait = wait


@bp.errorhandler(_TooMany)
def _too_many(exc: _TooMany):
    return limits.refusal(exc.wait, MISS_WORDS)


def actor() -> str:
    """Who the personal-data access log names for a change made here: the signed-in staff member,
    or ``visitor`` (the visitor on the public page, by the booking's code)."""
    p = current_principal()
    return p.who if p else store.VISITOR


def office_checked(office: str) -> None:
    check_office(current_principal(), office)
    try:
        current_hub().office(office)
    except Exception:
        raise ApiError(404, "office_not_found", "Офис не найден") from None


# ---------------------------------------------------------------------- public routes

@api(bp, "/offices/<office>/booking/services", summary="Services that take bookings", tag="bookings",
     roles=None, response={"type": "object"})
@limits.flood_limit()
def booking_services(office):
    office_checked(office)
    rules = rules_of(office)
    h = current_hub()
    with h.lock(office):
        hall = h.hall(office)
        services = [{"id": s.id, "name": s.name, "hint": s.hint, "letter": s.letter,
                     "reception": bool(rules.reception and rules.reception.service == s.id)}
                    for s in sorted(hall.services.values(), key=lambda s: (s.order, s.letter))
                    if s.active and rules.bookable(s.id)]
        today = hall.schedule.local(h.clock.now()).date()
        reception_open = bool(rules.reception and rules.reception.open_at(hall.schedule.local(h.clock.now())))
    return jsonify({"services": services, "days": [d.isoformat() for d in B.bookable_days(today, rules)],
                    "reception": ({**rules.reception.to_json(), "hours": rules.reception.hours_words(),
                                   "open_now": reception_open}
                                  if rules.reception else None)})


@api(bp, "/offices/<office>/booking/slots", summary="A service's free slots of a day", tag="bookings",
     roles=None, query=SLOTS_QUERY, response={"type": "object"})
@limits.flood_limit()
def booking_slots(office, query):
    office_checked(office)
    day = parse_day(query["date"])
    slots, rules, s = day_slots(office, query["service"], day)
    taken = store.taken(current_hub().store, office, s.id, day.isoformat())
    now = current_hub().clock.now()
    out = []
    for x in slots:
        if x.capacity <= 0:
            continue
        free = max(0, x.capacity - taken.get(x.start.timestamp(), 0))
        out.append({**x.to_json(), "free": free if B.can_book(x.start.timestamp(), now, rules) else 0})
    return jsonify({"service": s.id, "service_name": s.name, "date": day.isoformat(), "slots": out})


@api(bp, "/offices/<office>/bookings", "POST", summary="Book a slot (Idempotency-Key makes a retry safe)",
     tag="bookings", roles=None, body=NEW_BOOKING, response=BOOKING, status=201,
     headers={"Idempotency-Key": "A retry with the same key returns the same booking"},
     extra_responses={409: "The slot is full (slot_full), this phone already has it (same_phone), or it "
                           "can not be booked"})
@limits.flood_limit()
def create_booking(office, body):
    office_checked(office)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100 and key.isprintable()):
        raise ApiError(400, "invalid", "Неверный ключ повтора запроса (Idempotency-Key)")
    if body["consent"] is not True:
        raise ApiError(400, "consent_required",
                       "Чтобы записаться, нужно согласие на обработку персональных данных")
    name = " ".join(body["name"].split())
    if not name:
        raise ApiError(400, "bad_name", "Пожалуйста, укажите имя")
    phone = B.normal_phone(body["phone"])
    if phone is None:
        raise ApiError(400, "bad_phone", "Неверный номер телефона. Пример: +7 912 345-67-89")
    slot, capacity, rules = resolve_slot(office, body["service"], body["slot"])
    fingerprint = {k: body[k] for k in sorted(body)}
    try:
        row, replay = store.create(current_hub().store, office=office, service=body["service"],
                                   day=slot.start.date().isoformat(), slot_start=slot.start.timestamp(),
                                   slot_end=slot.end.timestamp(), capacity=capacity, name=name, phone=phone,
                                   now=current_hub().clock.now(), idem_key=key, request=fingerprint, by=actor())
    except store.BookingRefused as exc:
        raise _refusal(exc) from None
    resp = jsonify(public_view(office, row, rules))
    resp.status_code = 201
    if replay:
        resp.headers["Idempotent-Replay"] = "true"
    return resp


def _refusal(exc: store.BookingRefused) -> ApiError:
    return {
        "slot_full": ApiError(409, "slot_full", "На это время мест больше нет. Пожалуйста, выберите другое время"),
        "same_phone": ApiError(409, "same_phone", "С этим номером телефона на это время уже есть запись"),
        "idempotency_mismatch": ApiError(409, "idempotency_mismatch",
                                         "Этот ключ повтора уже использован для другого запроса"),
        "not_booked": ApiError(409, "not_booked", "Эту запись уже нельзя изменить: она отменена или использована"),
    }.get(exc.code, ApiError(409, exc.code, "Запись не удалась. Пожалуйста, попробуйте ещё раз"))


@api(bp, "/offices/<office>/bookings/<code>", summary="A booking by its code", tag="bookings", roles=None,
     response=BOOKING, extra_responses={429: "Too many wrong codes from this address"})
@limits.flood_limit()
def get_booking(office, code):
    office_checked(office)
    return jsonify(public_view(office, guarded_lookup(office, code)))


@api(bp, "/offices/<office>/bookings/<code>", "DELETE", summary="Cancel a booking by its code", tag="bookings",
     roles=None, response=BOOKING, extra_responses={429: "Too many wrong codes from this address"})
@limits.flood_limit()
def cancel_booking(office, code):
    office_checked(office)
    guarded_lookup(office, code)
    try:
        row = store.cancel(current_hub().store, office, code, current_hub().clock.now(), by=actor())
    except store.BookingRefused as exc:
        raise _refusal(exc) from None
    return jsonify(public_view(office, row))


@api(bp, "/offices/<office>/bookings/<code>", "PATCH", summary="Move a booking to another slot", tag="bookings",
     roles=None, body=MOVE, response=BOOKING, extra_responses={429: "Too many wrong codes from this address"})
@limits.flood_limit()
def move_booking(office, code, body):
    office_checked(office)
    row = guarded_lookup(office, code)
    if row["state"] != "booked":
        raise _refusal(store.BookingRefused("not_booked"))
    slot, capacity, rules = resolve_slot(office, row["service"], body["slot"])
    try:
        row = store.move(current_hub().store, office, code, day=slot.start.date().isoformat(),
                         slot_start=slot.start.timestamp(), slot_end=slot.end.timestamp(), capacity=capacity,
                         now=current_hub().clock.now(), by=actor())
    except store.BookingRefused as exc:
        raise _refusal(exc) from None
    return jsonify(public_view(office, row, rules))


# ---------------------------------------------------------------------- staff and the kiosk

SETTINGS = {"type": "object", "additionalProperties": False, "properties": {
    "share": {"type": "number", "minimum": 0, "maximum": 1},
    "slot_minutes": {"type": ["integer", "null"], "minimum": B.MIN_SLOT, "maximum": B.MAX_SLOT},
    "early": {"type": "integer", "minimum": 0, "maximum": 240},
    "late": {"type": "integer", "minimum": 0, "maximum": 240},
    "grace": {"type": "integer", "minimum": 0, "maximum": 240},
    "horizon_days": {"type": "integer", "minimum": 1, "maximum": 90},
    "services": {"type": ["array", "null"], "items": SERVICE_ID, "maxItems": 100},
    "reception": {"type": ["object", "null"], "additionalProperties": False,
                  "required": ["service", "days", "from", "to"], "properties": {
                      "service": SERVICE_ID,
                      "days": {"type": "array", "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                               "minItems": 1, "maxItems": 7},
                      "from": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                      "to": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                      "windows": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 999},
                                  "maxItems": 50},
                      "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}}}}


@api(bp, "/offices/<office>/booking/settings", summary="The office's booking settings", tag="bookings",
     roles=STAFF_LIST, response={"type": "object"})
def get_booking_settings(office):
    office_checked(office)
    return jsonify(rules_of(office).to_json())


@api(bp, "/offices/<office>/booking/settings", "PUT", summary="Change the office's booking settings (admin)",
     tag="bookings", roles=("admin",), body=SETTINGS, response={"type": "object"})
def put_booking_settings(office, body):
    office_checked(office)
    try:
        rules = BookingRules.from_json(body)
    except BookingError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    h = current_hub()
    with h.lock(office):
        hall = h.hall(office)
        unknown = [s for s in (rules.services or ()) if s not in hall.services]
        if rules.reception and rules.reception.service not in hall.services:
            unknown.append(rules.reception.service)
        if unknown:
            raise ApiError(400, "unknown_service", f"В офисе нет услуги «{unknown[0]}»")
        numbers = {w.number for w in hall.windows.values()}
        missing = [n for n in (rules.reception.windows if rules.reception else ()) if n not in numbers]
        if missing:
            raise ApiError(400, "unknown_window", f"В офисе нет окна {missing[0]}")
    store.save_settings(h.store, office, rules.to_json())
    h.reload_config(office)  # the hall's settings carry the reception's hours
    h.record(office, "config.changed", {"what": "booking"})
    return jsonify(rules.to_json())


@api(bp, "/offices/<office>/bookings", summary="The day's bookings (names and phones: staff only)",
     tag="bookings", roles=STAFF_LIST, query=DAY_QUERY, response={"type": "object"})
def list_bookings(office, query):
    office_checked(office)
    rules = rules_of(office)
    h = current_hub()
    with h.lock(office):
        hall = h.hall(office)
        day = parse_day(query["date"]) if query.get("date") else hall.schedule.local(h.clock.now()).date()
        rows = store.of_day(h.store, office, day.isoformat())
        items = [staff_view(office, r, rules, hall) for r in rows]
    shown = [r["id"] for r in rows if r["name"] or r["phone"]]
    if shown:  # who saw whose name and phone is logged (152-ФЗ practice), as for casework records
        p = current_principal()
        with h.store.write() as conn:
            now = h.clock.now()
            for ident in shown:
                casework_store.log_access(conn, office, now, p.who if p else "?", "booking", ident, "read",
                                          "name,phone")
    counts = {k: sum(1 for x in items if x["state"] == k) for k in ("booked", "arrived", "released", "cancelled")}
    return jsonify({"date": day.isoformat(), "bookings": items, "counts": counts})


@api(bp, "/offices/<office>/bookings/<code>/check-in", "POST",
     summary="The visitor came: check in by the code and get the ticket", tag="bookings", roles=CHECK_IN,
     response={"type": "object"}, status=201,
     extra_responses={409: "Too early (too_early), too late (released), or already checked in",
                      429: "Too many wrong codes from this address"})
def check_in(office, code):
    office_checked(office)
    rules = rules_of(office)
    h = current_hub()
    with h.lock(office):  # one check-in per code: the state is read and changed under the office's lock
        row = guarded_lookup(office, code)
        if row["state"] == "arrived":
            raise ApiError(409, "already_checked_in", "По этой записи талон уже получен")
        if row["state"] == "cancelled":
            raise ApiError(409, "cancelled", "Эта запись отменена")
        now = h.clock.now()
        how = B.arrival(row["slot_start"], now, rules)
        hall = h.hall(office)
        if how == B.EARLY:
            since = hall.schedule.local(B.check_in_from(row["slot_start"], rules)).strftime("%H:%M")
            day = hall.schedule.local(row["slot_start"]).date()
            when = since if day == hall.schedule.local(now).date() else \
                f"{day.strftime('%d.%m')} с {since}"
            raise ApiError(409, "too_early", f"Талон по записи можно получить с {when}. Пожалуйста, подойдите позже",
                           check_in_from=since)
        if how == B.RELEASED:
            raise ApiError(409, "released", "Время записи прошло. Пожалуйста, возьмите обычный талон")
        on_time = how == B.ON_TIME
        source = "kiosk" if "kiosk" in current_principal().roles else "administrator"

        def command(hall, now):
            return hall.issue(row["service"], now, source=source, check_hours=False,
                              appointment=code if on_time else None,
                              appointment_at=row["slot_start"] if on_time else None)

        def mark(conn, ticket, now):
            store.mark_arrived(conn, office, code, ticket.id, now)

        ticket = h.execute(office, command, also=mark)
    answer = ticket_answer(office, ticket.id, fresh=True)
    answer["booking"] = {"code": code, "on_time": on_time,
                         "time": hall.schedule.local(row["slot_start"]).strftime("%H:%M")}
    resp = jsonify(answer)
    resp.status_code = 201
    return resp

