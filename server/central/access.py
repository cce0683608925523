"""Who may see what at the centre: the company's staff, their roles, and sign-in.

Roles (issue 11, point 5):

* ``company_admin`` - the company administrator: every office;
* ``regional_head`` - a regional head: the offices whose region is one of theirs;
* ``office_head`` - an office head: the offices named in their account.

For a centre route::

    @bp.get("/company/offices/<office>")
    @staff_required()                       # any staff; or staff_required("company_admin")
    def one(office):
        row = require_office(office)        # 404 unknown_office / 403 forbidden
        me = current_staff()

Without a valid session the answer is 401 ``unauthorized``; a role not allowed, or an office the
account can not see, is 403 ``forbidden`` (Russian messages). A session is a cookie
(HttpOnly, SameSite=Strict) set by ``POST /api/v1/central/session``, or ``Authorization:
Bearer TOKEN`` for API clients. Failed sign-ins slow the account and the address down with the
hub's own growing delays (server/api/limits.py :class:`AttemptGuard`).
"""
from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass

from flask import Blueprint, current_app, g, jsonify, request

from ..api.limits import AttemptGuard, wait_words
from .staff_store import ROLE_NAMES, ROLES, StaffStore
from .store import Refused

log = logging.getLogger(__name__)

COOKIE = "talon_central_session"

bp = Blueprint("central_access", __name__, url_prefix="/api/v1/central")


@dataclass(frozen=True)
class Staff:
    login: str
    name: str
    role: str  # "company_admin" | "regional_head" | "office_head"
    regions: frozenset[str]
    offices: frozenset[str]

    def can_see(self, office_id: str, region: str | None) -> bool:
        if self.role == "company_admin":
            return True
        if self.role == "regional_head":
            return region is not None and region in self.regions
        if self.role == "office_head":
            return office_id in self.offices
        return False

    @classmethod
    def from_row(cls, row: dict) -> Staff:
        return cls(login=row["login"], name=row["name"], role=row["role"],
                   regions=frozenset(row.get("regions") or ()), offices=frozenset(row.get("offices") or ()))

    def as_json(self) -> dict:
        return {"login": self.login, "name": self.name, "role": self.role, "role_name": ROLE_NAMES.get(self.role, ""),
                "regions": sorted(self.regions), "offices": sorted(self.offices)}


# ---------------------------------------------------------------------- helpers for routes

def staff_store() -> StaffStore:
    """The app's :class:`StaffStore` (made on first use over the centre's store)."""
    s = current_app.config.get("CENTRAL_STAFF")
    if s is None:
        s = current_app.config["CENTRAL_STAFF"] = StaffStore(current_app.config["CENTRAL_STORE"])
    return s


def _guard() -> AttemptGuard:
    guard = current_app.config.get("CENTRAL_GUARD")
    if guard is None:
        guard = current_app.config["CENTRAL_GUARD"] = AttemptGuard(time.time)
    return guard


def request_token() -> str:
    """The session token of this request: ``Authorization: Bearer`` first, then the cookie."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE, "")


def signed_in() -> Staff | None:
    """The staff member of this request's session, or ``None`` (looked up once per request)."""
    if "central_staff" in g:
        return g.central_staff
    token = request_token()
    row = staff_store().session_staff(token) if token and len(token) < 200 else None  # only its hash is sent
    g.central_staff = Staff.from_row(row) if row else None
    return g.central_staff


def current_staff() -> Staff:
    """Inside a :func:`staff_required` route: who is signed in."""
    staff = signed_in()
    if staff is None:
        raise Refused(401, "unauthorized", "Войдите в систему: нужна учётная запись сотрудника компании")
    return staff


def staff_required(*roles: str):
    """A decorator for centre routes: 401 without a valid session, 403 for a role not in ``roles``
    (no roles given: any staff member)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def wrap(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            staff = current_staff()
            if roles and staff.role not in roles:
                raise Refused(403, "forbidden", "Недостаточно прав: эта страница доступна другим ролям")
            return view(*args, **kwargs)
        return guarded
    return wrap


def require_office(office_id: str) -> dict:
    """The office's row (id, name, region, high_water_mark, last_batch_at) if the signed-in staff
    member may see it: 403 ``forbidden`` otherwise, 404 ``unknown_office`` if there is no such office
    (an account that could not see it anyway gets 403: it does not learn which offices exist)."""
    staff = current_staff()
    row = staff_store().office(office_id) if len(office_id) <= 200 and "\x00" not in office_id else None
    if not staff.can_see(office_id, row["region"] if row else None):
        raise Refused(403, "forbidden", "Нет доступа к этому офису: он не входит в ваши регионы или офисы")
    if row is None:
        raise Refused(404, "unknown_office", "Такого офиса в центре нет")
    return row


def visible_offices() -> list[dict]:
    """Every office the signed-in staff member may see (rows as :func:`require_office`)."""
    staff = current_staff()
    return [r for r in staff_store().offices() if staff.can_see(r["id"], r["region"])]


# ---------------------------------------------------------------------- sign-in and sign-out

def _too_many(seconds: float):
    seconds = max(1, math.ceil(seconds))
    resp = jsonify({"error": "too_many_attempts",
                    "message": f"Слишком много неудачных попыток входа. Пожалуйста, повторите через "
                               f"{wait_words(seconds)}",
                    "details": {"retry_after": seconds}})
    resp.status_code = 429
    resp.headers["Retry-After"] = str(seconds)
    return resp


@bp.post("/session")
def sign_in():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "invalid", "Неверные данные: нужен JSON с полями login и password")
    login, password = body.get("login"), body.get("password")
    if not isinstance(login, str) or not isinstance(password, str) or not login.strip() or not password:
        raise Refused(400, "invalid", "Укажите имя входа и пароль")
    if len(login) > 100 or len(password) > 200:
        raise Refused(400, "invalid", "Имя входа или пароль слишком длинные")
    if "\x00" in login:
        raise Refused(400, "invalid", "Имя входа содержит недопустимый символ")
    login = login.strip()
    keys = [("account", login), ("address", request.remote_addr or "unknown")]
    with _guard().attempt(keys) as attempt:
        if attempt.wait > 0:
            log.warning("sign-in of %r from %s refused for %.0f s after failures", login[:40],
                        request.remote_addr, attempt.wait)
            return _too_many(attempt.wait)
        row = staff_store().check_password(login, password)
        attempt.ok = row is not None  # a failure is counted when the block ends (an exception counts none)
    if row is None:
        log.info("failed sign-in at the centre from %s", request.remote_addr)
        raise Refused(401, "wrong_password", "Неверное имя входа или пароль")
    staff = Staff.from_row(row)
    token = staff_store().new_session(staff.login)
    g.central_staff = staff
    log.info("%s (%s) signed in at the centre", staff.login, staff.role)
    resp = jsonify({"token": token, "staff": staff.as_json()})
    resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure, path="/",
                    max_age=int(14 * 3600))
    return resp


@bp.get("/session")
@staff_required()
def who_am_i():
    return jsonify({"staff": current_staff().as_json()})


@bp.delete("/session")
def sign_out():
    token = request_token()
    if token and len(token) < 200:
        staff_store().end_session(token)
    resp = jsonify({"ok": True})
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict", secure=request.is_secure)
    return resp


# ---------------------------------------------------------------------- who sees what

def _office_json(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"] or row["id"], "region": row["region"]}


@bp.get("/staff/offices")
@staff_required()
def my_offices():
    """The offices the signed-in staff member may see."""
    return jsonify({"offices": [_office_json(r) for r in visible_offices()]})


@bp.get("/staff/offices/<office>")
@staff_required()
def my_office(office: str):
    return jsonify(_office_json(require_office(office)))


@bp.get("/staff")
@staff_required("company_admin")
def staff_list():
    """The company's staff accounts (company administrator only; no password hashes)."""
    return jsonify({"staff": [{**Staff.from_row(r).as_json(), "active": r["active"]}
                              for r in staff_store().all_staff()]})
