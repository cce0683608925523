"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..app_context import current_hub
from ..store import users as user_store
from . import limits
from . import schemas as S
from .framework import ANY, ApiError, api, current_principal

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")
bp.record_once(lambda state: limits.init_app(state.app))  # the hub's one limiter, with the first blueprint


@api(bp, "/login", "POST", summary="Sign in with login and password (or PIN) → bearer token", tag="auth",
     roles=None, body=S.LOGIN,
     response=S.obj({"token": S.STR, "roles": {"type": "array"}}, ["token", "roles"], extra=True),
     extra_responses={429: "Too many failed attempts for this account or from this address: Retry-After "
                           "says when to try again (even the right password waits)"})
@limits.flood_limit()
def login(body):
    """Failures slow the account and the address (server/api/limits.py): while a delay lasts the
    attempt is refused with 429 and ``Retry-After`` without checking the password or PIN."""
    name = body["login"]
    address = limits.client_address()
    keys = [("account", name.strip().casefold()), ("address", address)]
    with limits.guard().attempt(keys) as attempt:
        if attempt.wait > 0:
            offices = _count_failure(name, address)
            what = "Слишком много неудачных попыток входа" + (" по ПИН-коду" if "pin" in body else "")
            return limits.refusal(attempt.wait, what, offices=offices)
        result = current_app.config["TALON_AUTH"].login(name, body.get("password"), body.get("pin"))
        attempt.ok = result is not None
    if result is None:
        _count_failure(name, address)
        raise ApiError(401, "bad_credentials", "Неверный логин или пароль")
    return jsonify(result)


def _count_failure(name: str, address: str) -> list[str]:
    """A failed or refused sign-in, for the stand's alert of a burst (the office of the account,
    or every office of the hub when the login is unknown or serves them all). Answers those offices."""
    row = user_store.user(current_hub().store, name)
    offices = [row["office"]] if row and row["office"] else limits.all_offices()
    # only real logins are named on the stand: an unknown «login» may be a password typed in the wrong box
    limits.record_bursts(limits.guard().note(address=address, offices=offices, login=name if row else None))
    return offices


@api(bp, "/logout", "POST", summary="End this token", tag="auth", roles=ANY, body=S.EMPTY)
def logout(body):
    auth = request.headers.get("Authorization", "")
    current_app.config["TALON_AUTH"].logout(auth[7:].strip())
    return "", 204


@api(bp, "/me", summary="Who this token belongs to", tag="auth", roles=ANY,
     response=S.obj({"login": {"type": ["string", "null"]}, "roles": {"type": "array"}}, extra=True))
def me():
    p = current_principal()
    name = None
    if p.login:
        row = user_store.user(current_hub().store, p.login)
        name = row["name"] if row else None
    return jsonify({"login": p.login, "name": name, "device": p.device, "roles": list(p.roles),
                    "office": p.office})
