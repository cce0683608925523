"""The OpenAPI 3.1 document, built from the route declarations (so it can not drift)."""
from __future__ import annotations

import re

from .framework import SPECS
from .schemas import ERROR

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def sub(m):
        conv, name = m.group(1), m.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer"} if conv == "int" else {"type": "string"}})
        return "{" + name + "}"

    return _PARAM.sub(sub, rule), params


def document(registered: set[str] | None = None) -> dict:
    """The document for the routes of one app (``registered``: its endpoint names)."""
    paths: dict = {}
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
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
        ok_content = {ct: {"schema": spec.response or {}} for ct in spec.content_types}
        op["responses"][str(spec.status)] = {"description": "OK", "content": ok_content}
        for status, text in spec.extra_responses.items():
            op["responses"][str(status)] = ({"description": text} if status < 400 else {"description": text, **err})
        op["responses"].setdefault("400", {"description": "Bad input: nothing changed", **err})
        if spec.roles is not None:
            op["responses"]["401"] = {"description": "No or unknown token", **err}
            op["responses"]["403"] = {"description": f"Roles allowed: {', '.join(spec.roles)}", **err}
            op["security"] = [{"bearer": []}]
        op["responses"].setdefault("404", {"description": "Not found", **err})
        paths.setdefault(path, {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Talon hub API", "version": "1.0.0",
                 "description": "The electronic queue hub: tickets, windows, live events, reports. "
                                "Errors are {error, message}; bad input changes nothing."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
