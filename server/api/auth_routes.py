"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from . import schemas as S
from .framework import ANY, ApiError, api, current_principal

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


@api(bp, "/login", "POST", summary="Sign in with login and password (or PIN) → bearer token", tag="auth",
     roles=None, body=S.LOGIN,
     response=S.obj({"token": S.STR, "roles": {"type": "array"}}, ["token", "roles"], extra=True))
def login(body):
    result = current_app.config["TALON_AUTH"].login(body["login"], body.get("password"), body.get("pin"))
    if result is None:
        raise ApiError(401, "bad_credentials", "Неверный логин или пароль")
    return jsonify(result)


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
        row = current_app.config["TALON_HUB"].store.one("SELECT name FROM users WHERE login = ?", (p.login,))
        name = row["name"] if row else None
    return jsonify({"login": p.login, "name": name, "device": p.device, "roles": list(p.roles),
                    "office": p.office})
