"""The OpenAPI 3.1 document, built from the route declarations (so it can not drift)."""
from __future__ import annotations

import re

from ..domain import events
from .framework import SPECS, path_int_schema
from .schemas import ERROR

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def sub(m):
        conv, name = m.group(1), m.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": path_int_schema() if conv == "int" else {"type": "string"}})
        return "{" + name + "}"

    return _PARAM.sub(sub, rule), params


#: Success answers some views give besides the one their declaration names. They belong in those
#: declarations (``extra_responses={201: ...}``); until their owners move them there, they are
#: documented here so that the document says everything the hub answers.
OTHER_SUCCESS: dict[str, dict[int, str]] = {
    "auth.logout_post": {204: "Signed out: the token no longer works"},
    "devices.incident_post": {201: "A new incident was opened (200: it was already open, or it is closed)"},
}


def _takes_credentials(spec) -> bool:
    """A public route that checks a secret (sign-in): a wrong one is a 401."""
    props = (spec.body or {}).get("properties", {})
    return spec.roles is None and bool({"password", "pin"} & set(props))


def open_answer(schema: dict | None) -> dict:
    """An answer's schema as published: answers may carry fields beyond the documented ones
    (clients ignore what they do not know, so the hub can add a field without breaking them), so
    ``additionalProperties: false`` is dropped at every level; the documented fields keep their
    types. Bodies and queries stay closed."""
    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        return {k: walk(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}

    return walk(schema or {})


def _ref() -> dict:
    return {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def standard_errors(spec, has_path_params: bool) -> dict[str, str]:
    """The 4xx and 503 answers any route of this shape can give, with what they mean. The rule:
    400 when it takes a body, a query or a header; 401/403 when roles are set; 404 when something
    is named (a path parameter, or an id in the body or query); 405 for another method on the
    same path is not listed (it is not this operation); 409 for anything that changes state;
    413 for a body over the limit; 429 when requests come too fast (sign-in, pairing, pages);
    503 when the hub's storage can not take the change or is busy."""
    out: dict[str, str] = {}
    has_input = spec.body is not None or spec.query is not None or bool(spec.headers)
    if has_input:
        out["400"] = "Bad input: nothing changed"
    if spec.roles is not None:
        out["401"] = "No or unknown token"
        out["403"] = f"Roles allowed: {', '.join(spec.roles)}; or another office"
    elif _takes_credentials(spec):
        out["401"] = "Wrong login, password or PIN"
    if has_path_params or has_input:
        out["404"] = "Not found"
    if spec.method != "GET":
        out["409"] = "Conflict with the current state: nothing changed"
    if spec.body is not None:
        out["413"] = "Request body too large"
    out["429"] = "Too many requests: try again later"
    out["503"] = "Storage unavailable or busy: nothing changed, try again later"
    return out


def event_schema_name(kind: str) -> str:
    """``ticket.no_show`` → ``Event_ticket_no_show``: a components/schemas key for an event's data."""
    return "Event_" + re.sub(r"[^A-Za-z0-9_]", "_", kind)


def document(registered: set[str] | None = None) -> dict:
    """The document for the routes of one app (``registered``: its endpoint names)."""
    paths: dict = {}
    err = _ref()
    for spec in SPECS:
        if registered is not None and spec.endpoint not in registered:
            continue
        path, params = _path(spec.rule)
        op: dict = {
            "operationId": spec.endpoint.replace(".", "_"),
            "summary": spec.summary,
            "tags": [spec.tag],
            "x-roles": list(spec.roles) if spec.roles is not None else [],
            "x-public": spec.roles is None,
            "parameters": list(params),
            "responses": {},
        }
        for name, text in spec.headers.items():
            op["parameters"].append({"name": name, "in": "header", "required": False,
                                     "description": text, "schema": {"type": "string"}})
        if spec.query:
            for name, schema in spec.query.get("properties", {}).items():
                op["parameters"].append({"name": name, "in": "query",
                                         "required": name in spec.query.get("required", []), "schema": schema})
        if spec.body is not None:
            op["requestBody"] = {"required": bool(spec.body.get("required")),
                                 "content": {"application/json": {"schema": spec.body}}}
        ok_content = {ct: {"schema": open_answer(spec.response)} for ct in spec.content_types}
        op["responses"][str(spec.status)] = ({"description": "Done, nothing to answer"} if spec.status == 204
                                             else {"description": "OK", "content": ok_content})
        for status, text in {**OTHER_SUCCESS.get(spec.endpoint, {}), **spec.extra_responses}.items():
            op["responses"][str(status)] = ({"description": text} if status < 400 else {"description": text, **err})
        for status, text in standard_errors(spec, bool(params)).items():
            op["responses"].setdefault(status, {"description": text, **_ref()})
        if spec.roles is not None:
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Talon hub API", "version": "1.0.0",
                 "description": "The electronic queue hub: tickets, windows, live events, reports. "
                                "Errors are {error, message}; bad input changes nothing."},
        "servers": [{"url": "/"}],
        "paths": paths,
        # the event catalogue (server/domain/events.py): every type on the live stream and in the log,
        # its data (components/schemas/Event_<name>) and what the board and the stand do with it
        "x-events": [{**{k: v for k, v in e.to_json().items() if k != "data"},
                      "data": {"$ref": f"#/components/schemas/{event_schema_name(e.name)}"}}
                     for e in events.CATALOGUE],
        "components": {
            "schemas": {"Error": ERROR, **{event_schema_name(e.name): e.schema() for e in events.CATALOGUE}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
