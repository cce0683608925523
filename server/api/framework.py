"""How API routes are declared: one decorator gives auth, input validation and the OpenAPI entry.

Every route of ``/api`` is declared with :func:`api`, naming the roles allowed and the JSON
schemas of its body and query; the OpenAPI document is built from these same declarations,
so the contract can not drift from the code.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, current_app, g, jsonify, request
from jsonschema import Draft202012Validator

from ..domain.model import QueueError

ROLES = ("operator", "administrator", "head", "admin", "kiosk", "board")
ANY = ROLES  # any signed-in principal


@dataclass
class RouteSpec:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    roles: tuple[str, ...] | None  # None: public
    body: dict | None = None
    query: dict | None = None
    response: dict | None = None
    status: int = 200
    extra_responses: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    content_types: tuple[str, ...] = ("application/json",)


SPECS: list[RouteSpec] = []


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, **details):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    resp = jsonify(body)
    resp.status_code = status
    return resp


@dataclass
class Principal:
    login: str | None
    device: str | None
    roles: tuple[str, ...]
    office: str | None

    @property
    def who(self) -> str:
        return self.login or f"device:{self.device}"

    def may_act_in(self, office: str) -> bool:
        return self.office is None or self.office == office


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_principal() -> Principal | None:
    """The signed-in user or device, from ``Authorization: Bearer`` (or ``access_token`` for
    EventSource, which can not send headers)."""
    if "principal" in g:
        return g.principal
    token = None
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[7:].strip()
    elif request.args.get("access_token"):
        token = request.args["access_token"]
    principal = None
    if token:
        principal = current_app.config["TALON_AUTH"].principal(token)
    g.principal = principal
    return principal


_FIELD_WORDS = {
    "required": "обязательное поле «{field}» не указано",
    "type": "поле «{path}» имеет неверный тип",
    "enum": "недопустимое значение поля «{path}»",
    "additionalProperties": "лишнее поле в запросе",
    "minLength": "поле «{path}» слишком короткое",
    "maxLength": "поле «{path}» слишком длинное",
    "minimum": "значение поля «{path}» слишком мало",
    "maximum": "значение поля «{path}» слишком велико",
    "pattern": "поле «{path}» имеет неверный формат",
    "minItems": "в поле «{path}» слишком мало элементов",
    "maxItems": "в поле «{path}» слишком много элементов",
}


def _explain(err) -> str:
    path = ".".join(str(p) for p in err.absolute_path) or "запрос"
    fieldname = ""
    if err.validator == "required":
        m = re.search(r"'([^']+)' is a required property", err.message)
        fieldname = m.group(1) if m else ""
    template = _FIELD_WORDS.get(err.validator, "поле «{path}» заполнено неверно")
    return "Неверные данные: " + template.format(path=path, field=fieldname)


def validate(schema: dict, data: Any) -> None:
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ApiError(400, "invalid", _explain(errors[0]), field=".".join(map(str, errors[0].absolute_path)))


def _coerce_query(schema: dict) -> dict:
    out = {}
    props = schema.get("properties", {})
    for key, value in request.args.items():
        if key == "access_token":
            continue
        kind = props.get(key, {}).get("type")
        if kind == "integer":
            try:
                out[key] = int(value)
            except ValueError:
                raise ApiError(400, "invalid", f"Неверные данные: «{key}» должно быть целым числом")
        elif kind == "number":
            try:
                out[key] = float(value)
            except ValueError:
                raise ApiError(400, "invalid", f"Неверные данные: «{key}» должно быть числом")
        elif kind == "boolean":
            out[key] = value.lower() in ("1", "true", "yes")
        else:
            out[key] = value
    return out


def api(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, tag: str,
        roles: tuple[str, ...] | None, body: dict | None = None, query: dict | None = None,
        response: dict | None = None, status: int = 200, extra_responses: dict | None = None,
        headers: dict | None = None, content_types: tuple[str, ...] = ("application/json",)):
    """Declare an API route. The view gets path arguments, plus ``body`` and/or ``query``."""

    def decorate(fn: Callable):
        endpoint = f"{fn.__name__}_{method.lower()}"
        prefix = bp.url_prefix or ""
        SPECS.append(RouteSpec(prefix + rule, method, f"{bp.name}.{endpoint}", summary, tag, roles, body, query, response,
                               status, extra_responses or {}, headers or {}, content_types))

        @functools.wraps(fn)
        def view(**kwargs):
            principal = current_principal()
            if roles is not None:
                if principal is None:
                    raise ApiError(401, "unauthorized", "Нужно войти в систему")
                if not set(principal.roles) & set(roles):
                    raise ApiError(403, "forbidden", "Недостаточно прав для этого действия")
            if body is not None:
                data = request.get_json(silent=True)
                if data is None:
                    if request.data.strip():
                        raise ApiError(400, "invalid", "Тело запроса должно быть JSON")
                    data = {}
                validate(body, data)
                kwargs["body"] = data
            if query is not None:
                q = _coerce_query(query)
                validate(query, q)
                kwargs["query"] = q
            return fn(**kwargs)

        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
        return view

    return decorate


def check_office(principal: Principal | None, office: str) -> None:
    if principal is not None and not principal.may_act_in(office):
        raise ApiError(403, "forbidden", "Нет доступа к этому офису")


def queue_error_response(exc: QueueError):
    return error_response(exc.status, exc.code, exc.message, **exc.details)
