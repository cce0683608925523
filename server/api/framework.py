"""How API routes are declared: one decorator gives auth, input validation and the OpenAPI entry.

Every route of ``/api`` is declared with :func:`api`, naming the roles allowed and the JSON
schemas of its body and query; the OpenAPI document is built from these same declarations,
so the contract can not drift from the code.
"""
from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from werkzeug.routing import IntegerConverter

from ..auth import Principal
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

#: The largest integer SQLite stores (a signed 64-bit integer); every id fits in it.
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
#: Bounds of a JSON number that no declaration bounds itself: finite, and well inside SQLite's range.
MAX_NUMBER = 1e15


def digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit`` (no sign)."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, ch in enumerate(text):
        low = 1 if i == 0 and len(text) > 1 else 0
        if int(ch) - 1 >= low:
            rest = len(text) - i - 1
            parts.append(text[:i] + f"[{low}-{int(ch) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every rule of the hub: a number of at most :data:`MAX_INT`, so a path id
    out of range is simply a route that does not match (404), never an ``OverflowError`` in
    SQLite. The bound is in the regular expression itself: werkzeug checks a rule's methods
    before its converters, so a bound checked only in ``to_python`` turns into a 405 where two
    rules share a path. Registered under the name ``int`` by :func:`install_converters`, so no
    rule has to name it."""

    regex = digits_at_most(2**63 - 1)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False):
        super().__init__(map, fixed_digits, min if min is not None else (MIN_INT if signed else 0),
                         MAX_INT if max is None else max, signed)


def install_converters(app: Flask) -> None:
    """Rules bind their converters when they are added, so this must run before the first rule
    with ``<int:...>``: :func:`api` has every blueprint that declares a route do it first thing
    when it is registered (the hub registers the auth routes before any other blueprint)."""
    app.url_map.converters["int"] = BoundedIntConverter


def path_int_schema() -> dict:
    """The OpenAPI schema of an ``<int:...>`` path parameter (what :class:`BoundedIntConverter` takes)."""
    return {"type": "integer", "minimum": 0, "maximum": MAX_INT}


def _types(schema: dict) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def bounded(schema: dict | None) -> dict | None:
    """A copy of ``schema`` where every integer and number that declares no bounds of its own gets
    them: integers within SQLite's 64-bit range, numbers within ±:data:`MAX_NUMBER`. Applied to
    every body and query at declaration, so an out-of-range value is a 400, whatever route."""
    if schema is None:
        return None

    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        kinds = _types(out)
        if "integer" in kinds:
            out.setdefault("minimum", MIN_INT)
            out.setdefault("maximum", MAX_INT)
        elif "number" in kinds:
            out.setdefault("minimum", -MAX_NUMBER)
            out.setdefault("maximum", MAX_NUMBER)
        return out

    return walk(copy.deepcopy(schema))


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


def validator(schema: dict) -> Draft202012Validator:
    """A compiled validator (built once per route, at declaration)."""
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


#: Validators of schemas given as dicts (not compiled at declaration), by the schema object: each
#: is built once, not on every call (issue 17). The schema is kept with it, so its id stays its own.
_COMPILED: dict[int, tuple[dict, Draft202012Validator]] = {}


def compiled(schema: dict) -> Draft202012Validator:
    hit = _COMPILED.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    v = Draft202012Validator(schema)
    _COMPILED[id(schema)] = (schema, v)
    return v


def validate(schema: dict | Draft202012Validator, data: Any) -> None:
    v = schema if isinstance(schema, Draft202012Validator) else compiled(schema)
    errors = sorted(v.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = best_match([errors[0]])  # into anyOf/oneOf: «too small», not «filled wrongly»
        raise ApiError(400, "invalid", _explain(err), field=".".join(map(str, err.absolute_path)))


def _coerce_query(schema: dict) -> dict:
    out = {}
    props = schema.get("properties", {})
    for key, value in request.args.items():
        if key == "access_token":
            continue
        prop = props.get(key, {})
        kind = prop.get("type") if isinstance(prop, dict) else None
        if kind == "integer":
            try:
                out[key] = int(value)
            except ValueError:
                raise ApiError(400, "invalid", f"Неверные данные: «{key}» должно быть целым числом") from None
        elif kind == "number":
            try:
                out[key] = float(value)
            except ValueError:
                raise ApiError(400, "invalid", f"Неверные данные: «{key}» должно быть числом") from None
            if not math.isfinite(out[key]):
                raise ApiError(400, "invalid", f"Неверные данные: «{key}» должно быть числом")
        elif kind == "boolean":
            out[key] = value.lower() in ("1", "true", "yes")
        else:
            out[key] = value
    return out


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _check_text(node) -> None:
    """Strings must be valid Unicode (a lone surrogate from ``\\ud800`` can not be stored)."""
    if isinstance(node, str):
        node.encode("utf-8")
    elif isinstance(node, list):
        for x in node:
            _check_text(x)
    elif isinstance(node, dict):
        for k, x in node.items():
            _check_text(k)
            _check_text(x)


def request_json() -> Any:
    """The request's JSON body, or ``{}`` when it has none. Refused with 400: a body that is not
    JSON, not UTF-8, nested beyond reason, with NaN/Infinity or with broken Unicode."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(400, "invalid", "Тело запроса должно быть JSON")
    try:
        data = json.loads(raw, parse_constant=_no_constant)
        _check_text(data)
    except (ValueError, RecursionError):  # UnicodeError is a ValueError too
        raise ApiError(400, "invalid", "Тело запроса должно быть JSON") from None
    return data


def api(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, tag: str,
        roles: tuple[str, ...] | None, body: dict | None = None, query: dict | None = None,
        response: dict | None = None, status: int = 200, extra_responses: dict | None = None,
        headers: dict | None = None, content_types: tuple[str, ...] = ("application/json",)):
    """Declare an API route. The view gets path arguments, plus ``body`` and/or ``query``."""

    body = bounded(body)
    query = bounded(query)
    body_validator = validator(body) if body is not None else None
    query_validator = validator(query) if query is not None else None

    def decorate(fn: Callable):
        if not getattr(bp, "_talon_bounded_ints", False):  # first thing when the blueprint registers
            bp.deferred_functions.insert(0, lambda state: install_converters(state.app))
            bp._talon_bounded_ints = True
        endpoint = f"{fn.__name__}_{method.lower()}"
        prefix = bp.url_prefix or ""
        SPECS.append(RouteSpec(prefix + rule, method, f"{bp.name}.{endpoint}", summary, tag, roles, body, query,
                               response, status, extra_responses or {}, headers or {}, content_types))

        @functools.wraps(fn)
        def view(**kwargs):
            principal = current_principal()
            if roles is not None:
                if principal is None:
                    raise ApiError(401, "unauthorized", "Нужно войти в систему")
                if not set(principal.roles) & set(roles):
                    raise ApiError(403, "forbidden", "Недостаточно прав для этого действия")
            if body is not None:
                data = request_json()
                validate(body_validator, data)
                kwargs["body"] = data
            if query is not None:
                q = _coerce_query(query)
                validate(query_validator, q)
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
