"""The public booking page (issue 16): phone first, no account, plain polite Russian.

Server-rendered forms (it works without JavaScript; one small script only moves the focus to the
result): choose a topic → a day → a time, then name, phone and consent to process personal data
(152-ФЗ) → the booking's code, a QR code of this page and an ``.ics`` file for the phone's calendar.
``/book/<office>/<code>`` shows a booking, cancels it or moves it to another time.

CSRF: every form carries a value signed with the hub's visitor key (``server/web/visitor.py``
``VisitorState.sign``) over the office, the booking's code (cancel, move) and a random value of this
browser's own cookie (``talon_book``, HttpOnly, SameSite=Lax); a post whose value does not match is
refused with a Russian 403 page before anything is read or written.

The rules and the writes are the API's (``server/api/bookings.py``): the same capacity check in
one transaction, the same refusals, the same slowing of wrong codes.
"""
from __future__ import annotations

import base64
import hmac
import io
import logging
import re
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from ..api import bookings as api
from ..api.framework import ApiError
from ..app_context import current_hub
from ..domain import booking as B
from ..store import bookings as store
from .headers import csp, protect_page

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

bp = Blueprint("booking", __name__, template_folder="templates",
               static_folder=str(HERE / "static" / "booking"), static_url_path="/book/static")

CSP = csp()
WEEKDAY_WORDS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
          "октября", "ноября", "декабря")


def day_words(d: date) -> str:
    return f"{WEEKDAY_WORDS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]}"


COOKIE = "talon_book"
COOKIE_RE = re.compile(r"^[0-9a-f]{32}$")
CSRF_WORDS = "Страница устарела. Пожалуйста, откройте её снова и отправьте форму ещё раз."


def _browser_key() -> str:
    """This browser's random value (the ``talon_book`` cookie); a new one is set with the answer."""
    if "book_key" not in g:
        got = request.cookies.get(COOKIE, "")
        g.book_key_new = not COOKIE_RE.match(got)
        g.book_key = secrets.token_hex(16) if g.book_key_new else got
    return g.book_key


def csrf_for(office: str, code: str = "") -> str:
    """The value a form of this browser for this office (and booking) must send back."""
    from .visitor import vs  # the hub's persisted signing key, shared with the visitor's page

    return vs().sign("book", f"{office}:{code}:{_browser_key()}", 32)


def check_csrf(office: str, code: str = "") -> None:
    """Refuse (403, nothing read or written) a post without this browser's value for this form."""
    sent = request.form.get("csrf", "")
    known = request.cookies.get(COOKIE, "")
    if not (COOKIE_RE.match(known) and hmac.compare_digest(sent.encode(), csrf_for(office, code).encode())):
        log.info("booking form refused without its CSRF value (%s %s)", request.method, request.path)
        raise ApiError(403, "csrf", CSRF_WORDS)


@bp.context_processor
def _template_helpers():
    return {"csrf_for": csrf_for}


@bp.after_request
def headers(resp):
    if request.blueprint == "booking":
        protect_page(resp, CSP, no_store=("text/html", "text/calendar"), robots=True)
        if g.get("book_key_new"):
            resp.set_cookie(COOKIE, g.book_key, max_age=90 * 86400, httponly=True, samesite="Lax", path="/book")
    return resp


def office_info(office: str) -> dict:
    try:
        info = current_hub().office(office)
    except Exception:
        raise ApiError(404, "office_not_found", "Офис не найден") from None
    return {"id": office, "name": info["name"], "address": info.get("address", ""),
            "phone": (info.get("texts") or {}).get("phone", "")}


def page(template: str, status: int = 200, **context):
    resp = Response(render_template(template, **context), status=status, mimetype="text/html")
    return resp


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    office = request.view_args.get("office") if request.view_args else None
    return page("booking/message.html", exc.status, title="Не получилось", text=exc.message,
                office={"id": office, "name": ""} if office else None)


@bp.errorhandler(api._TooMany)
def too_many(exc):
    seconds = max(1, int(exc.wait + 0.999))
    resp = page("booking/message.html", 429, title="Слишком много попыток",
                text=f"{api.MISS_WORDS}. Пожалуйста, повторите через {seconds} с.", office=None)
    resp.headers["Retry-After"] = str(seconds)
    return resp


@bp.get("/book/<office>")
def start(office):
    """Step by step in one address: topic, then day, then time and the visitor's details."""
    info = office_info(office)
    rules = api.rules_of(office)
    h = current_hub()
    with h.lock(office):
        hall = h.hall(office)
        services = [s for s in sorted(hall.services.values(), key=lambda s: (s.order, s.letter))
                    if s.active and rules.bookable(s.id)]
        today = hall.schedule.local(h.clock.now()).date()
    service_id = request.args.get("service")
    chosen = next((s for s in services if s.id == service_id), None)
    if service_id and chosen is None:
        raise ApiError(404, "service_not_bookable", "На эту услугу запись не ведётся")
    day_text = request.args.get("date")
    context = {"office": info, "services": services, "service": chosen, "errors": {}, "form": {},
               "reception": rules.reception,
               "reception_words": rules.reception.hours_words() if rules.reception else ""}
    if chosen is None:
        return page("booking/start.html", **context)
    if not day_text:
        days = []
        for d in B.bookable_days(today, rules):
            free = _free_slots(office, chosen.id, d)
            days.append({"date": d.isoformat(), "words": day_words(d), "free": len(free)})
        return page("booking/days.html", days=days, **context)
    d = api.parse_day(day_text)
    return page("booking/form.html", day={"date": d.isoformat(), "words": day_words(d)},
                slots=_free_slots(office, chosen.id, d), **context)


def _free_slots(office: str, service_id: str, d: date) -> list[dict]:
    slots, rules, s = api.day_slots(office, service_id, d)
    taken = store.taken(current_hub().store, office, service_id, d.isoformat())
    now = current_hub().clock.now()
    out = []
    for x in slots:
        if x.capacity <= 0 or not B.can_book(x.start.timestamp(), now, rules):
            continue
        free = x.capacity - taken.get(x.start.timestamp(), 0)
        if free > 0:
            out.append({"value": x.start.strftime("%Y-%m-%dT%H:%M"), "time": x.key, "free": free})
    return out


@bp.post("/book/<office>")
def submit(office):
    info = office_info(office)
    check_csrf(office)
    form = request.form
    service_id, slot = form.get("service", ""), form.get("slot", "")
    name, phone_text = " ".join(form.get("name", "").split())[:100], form.get("phone", "")[:30]
    errors = {}
    if not slot:
        errors["slot"] = "Пожалуйста, выберите время"
    if not name:
        errors["name"] = "Пожалуйста, укажите имя"
    phone = B.normal_phone(phone_text)
    if phone is None:
        errors["phone"] = "Неверный номер телефона. Пример: +7 912 345-67-89"
    if form.get("consent") != "yes":
        errors["consent"] = "Чтобы записаться, нужно согласие на обработку персональных данных"
    if not errors:
        try:
            chosen, capacity, rules = api.resolve_slot(office, service_id, slot)
            row, _ = store.create(current_hub().store, office=office, service=service_id,
                                  day=chosen.start.date().isoformat(), slot_start=chosen.start.timestamp(),
                                  slot_end=chosen.end.timestamp(), capacity=capacity, name=name, phone=phone,
                                  now=current_hub().clock.now())
            return redirect(url_for("booking.show", office=office, code=row["code"], made=1), code=303)
        except store.BookingRefused as exc:
            errors["slot"] = api._refusal(exc).message
        except ApiError as exc:
            if exc.status >= 500 or exc.code in ("service_not_bookable", "office_not_found"):
                raise
            errors["slot"] = exc.message
    # back to the form with the answers kept and the errors said
    rules = api.rules_of(office)
    h = current_hub()
    with h.lock(office):
        s = h.hall(office).services.get(service_id)
    if s is None or not rules.bookable(service_id):
        raise ApiError(404, "service_not_bookable", "На эту услугу запись не ведётся")
    d = api.parse_day(slot[:10] if slot else form.get("date", ""))
    return page("booking/form.html", 400, office=info, service=s, day={"date": d.isoformat(), "words": day_words(d)},
                slots=_free_slots(office, service_id, d), errors=errors,
                form={"name": name, "phone": phone_text, "slot": slot, "consent": form.get("consent") == "yes"},
                reception=rules.reception, reception_words="")


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@bp.get("/book/<office>/find")
def find(office):
    office_info(office)
    code = "".join(c for c in request.args.get("code", "") if c.isdigit())
    return redirect(url_for("booking.show", office=office, code=code or "0"), code=303)


@bp.get("/book/<office>/<code>")
def show(office, code):
    info = office_info(office)
    row = api.guarded_lookup(office, code)
    view = api.public_view(office, row)
    d = date.fromisoformat(view["date"])
    link = request.host_url.rstrip("/") + url_for("booking.show", office=office, code=code)
    other_slots = []
    if view["state"] == "booked" and request.args.get("move"):
        md = api.parse_day(request.args.get("date") or view["date"])
        other_slots = [x for x in _free_slots(office, row["service"], md) if x["value"] != view["slot"]]
        rules = api.rules_of(office)
        h = current_hub()
        with h.lock(office):
            today = h.hall(office).schedule.local(h.clock.now()).date()
        move_days = [{"date": x.isoformat(), "words": day_words(x)} for x in B.bookable_days(today, rules)]
        return page("booking/move.html", office=info, booking=view, day_words=day_words(md), move_date=md.isoformat(),
                    slots=other_slots, days=move_days)
    return page("booking/show.html", office=info, booking=view, day_words=day_words(d),
                made=bool(request.args.get("made")), qr=_qr_data_uri(link), link=link)


@bp.post("/book/<office>/<code>/cancel")
def cancel(office, code):
    office_info(office)
    check_csrf(office, code)
    api.guarded_lookup(office, code)
    try:
        store.cancel(current_hub().store, office, code, current_hub().clock.now())
    except store.BookingRefused as exc:
        raise api._refusal(exc) from None
    return redirect(url_for("booking.show", office=office, code=code), code=303)


@bp.post("/book/<office>/<code>/move")
def move(office, code):
    office_info(office)
    check_csrf(office, code)
    row = api.guarded_lookup(office, code)
    if row["state"] != "booked":
        raise api._refusal(store.BookingRefused("not_booked"))
    chosen, capacity, _ = api.resolve_slot(office, row["service"], request.form.get("slot", ""))
    try:
        store.move(current_hub().store, office, code, day=chosen.start.date().isoformat(),
                   slot_start=chosen.start.timestamp(), slot_end=chosen.end.timestamp(), capacity=capacity,
                   now=current_hub().clock.now())
    except store.BookingRefused as exc:
        raise api._refusal(exc) from None
    return redirect(url_for("booking.show", office=office, code=code), code=303)


def ics_text(*, code: str, summary: str, start: float, end: float, location: str, now: float,
             description: str) -> str:
    """An iCalendar (RFC 5545) event: times in UTC, text escaped, lines ending CRLF."""

    def esc(text: str) -> str:
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n"))

    def utc(t: float) -> str:
        return datetime.fromtimestamp(t, UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Talon//Booking//RU", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:{code}-{int(start)}@talon", f"DTSTAMP:{utc(now)}",
             f"DTSTART:{utc(start)}", f"DTEND:{utc(end)}", f"SUMMARY:{esc(summary)}",
             f"LOCATION:{esc(location)}", f"DESCRIPTION:{esc(description)}",
             "BEGIN:VALARM", "TRIGGER:-PT1H", "ACTION:DISPLAY", f"DESCRIPTION:{esc(summary)}", "END:VALARM",
             "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


@bp.get("/book/<office>/<code>.ics")
def ics(office, code):
    info = office_info(office)
    row = api.guarded_lookup(office, code)
    view = api.public_view(office, row)
    text = ics_text(code=code, summary=f"{view['service_name']} — {info['name']}", start=row["slot_start"],
                    end=row["slot_end"], location=info["address"] or info["name"], now=current_hub().clock.now(),
                    description=f"Код записи: {code}. Талон можно получить в терминале с {view['check_in_from']}.")
    resp = Response(text, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'attachment; filename="zapis-{code}.ics"'
    return resp
