"""hub_client.models against the OpenAPI document a real hub publishes: every field the document
names for a ticket, a window and the hall state is in the model with a type that holds what the
document allows (and is not optional where the document requires it), and the hub's real answers
read through the models and back without a field lost or changed."""
from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

import pytest
import requests

from hub_client.models import HallState, NormView, Ticket, WindowView, Wire

JSON_OF: dict[Any, set[Any]] = {int: {"integer"}, float: {"number", "integer"}, str: {"string"},
                                bool: {"boolean"}, dict: {"object"}, list: {"array"}, type(None): {"null"}}

#: (model, path, method, status) of the answers the models read
ANSWERS = [
    (Ticket, "/api/v1/tickets/{ticket}", "get", "200"),
    (Ticket, "/api/v1/offices/{office}/tickets", "post", "201"),
    (Ticket, "/api/v1/windows/{window}/call-next", "post", "200"),
    (WindowView, "/api/v1/windows/{window}", "get", "200"),
    (WindowView, "/api/v1/windows/{window}/open", "post", "200"),
    (HallState, "/api/v1/offices/{office}/state", "get", "200"),
]


@pytest.fixture(scope="module")
def document(shared_hub):
    return requests.get(shared_hub.url + "/api/openapi.json", timeout=10).json()


def allowed(annotation: Any) -> set[Any]:
    """The JSON types (or, for a Literal, the values) a model's annotation holds."""
    origin = get_origin(annotation)
    if origin is Literal:
        return set(get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        out: set[Any] = set()
        for arg in get_args(annotation):
            out |= allowed(arg)
        return out
    return JSON_OF[origin or annotation]


def answer_schema(document: dict, path: str, method: str, status: str) -> dict:
    return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def check_model(model: type[Wire], schema: dict, where: str) -> int:
    hints = typing.get_type_hints(model)
    props = schema.get("properties", {})
    assert props, f"{where}: the document names no fields"
    required = set(schema.get("required", []))
    for name, prop in props.items():
        assert name in hints, f"{where}: {model.__name__} has no field «{name}»"
        can = allowed(hints[name])
        if "enum" in prop:
            assert set(prop["enum"]) <= can, f"{where}.{name}: {prop['enum']} not all in {can}"
        elif "type" in prop:
            kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            assert set(kinds) <= can, f"{where}.{name}: the document allows {kinds}, the model {can}"
        if name in required:
            assert "null" not in can and None not in can, f"{where}.{name} is required, the model has it optional"
        sub = model.nested.get(name)
        if sub is not None and "items" in prop:
            check_model(sub[0], prop["items"], f"{where}.{name}[]")
    return len(props)


@pytest.mark.parametrize(("model", "path", "method", "status"), ANSWERS,
                         ids=[f"{m.__name__}:{meth} {p}" for m, p, meth, _ in ANSWERS])
def test_models_hold_every_field_of_the_published_schema(document, model, path, method, status):
    assert check_model(model, answer_schema(document, path, method, status), f"{method} {path}") >= 3


def test_the_check_catches_a_missing_field_and_a_wrong_type(document):
    schema = answer_schema(document, "/api/v1/tickets/{ticket}", "get", "200")
    with pytest.raises(AssertionError, match="no field"):
        check_model(Ticket, {**schema, "properties": {**schema["properties"], "novelty": {"type": "string"}}}, "t")
    with pytest.raises(AssertionError, match="allows"):
        check_model(Ticket, {**schema, "properties": {**schema["properties"], "code": {"type": "integer"}}}, "t")
    with pytest.raises(AssertionError, match="optional"):
        check_model(Ticket, {**schema, "required": [*schema["required"], "window"]}, "t")


def values_fit(model: Wire) -> None:
    hints = typing.get_type_hints(type(model))
    for name in model.names():
        value = getattr(model, name)
        can = allowed(hints[name])
        if isinstance(value, Wire):
            values_fit(value)
            continue
        if isinstance(value, list):
            for x in value:
                if isinstance(x, Wire):
                    values_fit(x)
        kind = next(k for t, ks in JSON_OF.items() for k in ks if isinstance(value, t) and not (
            t is int and isinstance(value, bool)))
        assert kind in can or value in can, f"{type(model).__name__}.{name} = {value!r} ({kind}), model: {can}"


def test_real_answers_read_through_the_models_and_back(shared_hub):
    admin = shared_hub.client("admin")
    issued = admin.issue("demo", "consult")
    state = admin.state("demo")
    window = state["windows"][0]
    opened = admin.window(window["id"], "open")
    called = admin.call_next(window["id"])
    for model, answer in ((Ticket, issued), (Ticket, admin.ticket(issued["id"])), (Ticket, called),
                          (WindowView, opened), (WindowView, admin.window(window["id"])),
                          (HallState, admin.state("demo"))):
        typed = model.from_json(answer)
        values_fit(typed)
        assert typed.to_json() == answer
    hall = HallState.from_json(admin.state("demo"))
    assert all(isinstance(t, Ticket) for t in hall.waiting + hall.calls)
    assert any(t.id == called["id"] and t.state == "called" for t in hall.calls)
    assert all(isinstance(w, WindowView) for w in hall.windows)
    norms = [NormView.read(s.get("wait_norm")) for s in hall.services]
    assert any(n is not None and n.limit > 0 and n.target is not None and n.target <= n.limit for n in norms)
