"""Typed wire models: a ticket, a window, a norm and the hall state as the hub's answers give them.

The hub publishes their schemas in its OpenAPI document (``GET /api/openapi.json``; built in
``server/api/schemas.py``: ``TICKET``, ``WINDOW``, ``STATE``); ``tests/test_wire_models.py``
checks every field and type here against it, and reads real answers through them. An event is
``hub_client.HubEvent`` (its types and their data are the document's ``x-events`` catalogue).

``from_json`` takes the fields it knows and keeps the rest in ``extra`` (the hub may add a field
without breaking a client); ``to_json`` gives the same dict back. No Qt, no network here.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from .stream import HubEvent

__all__ = ["HallState", "HubEvent", "NormView", "Ticket", "TicketState", "WindowState", "WindowView",
           "Wire"]

TicketState = Literal["waiting", "called", "serving", "finished", "no_show", "cancelled"]
WindowState = Literal["closed", "open", "paused"]

W = TypeVar("W", bound="Wire")


@dataclass
class Wire:
    """Base of the wire models: unknown fields are kept in ``extra``."""

    #: fields holding other wire models: name → (model, is a list)
    nested: ClassVar[dict[str, tuple[type[Wire], bool]]] = {}
    #: the fields the hub sent that this model does not name
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)
    #: the named fields the hub sent (``to_json`` leaves out those it did not)
    sent: frozenset[str] | None = field(default=None, kw_only=True, repr=False, compare=False)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in ("extra", "sent"))

    @classmethod
    def from_json(cls: type[W], d: Mapping[str, Any]) -> W:
        known = cls.names()
        values: dict[str, Any] = {}
        for name in known:
            if name not in d:
                continue
            value = d[name]
            sub = cls.nested.get(name)
            if sub is not None and value is not None:
                model, many = sub
                value = [model.from_json(x) for x in value] if many else model.from_json(value)
            values[name] = value
        extra = {k: v for k, v in d.items() if k not in known}
        return cls(**values, extra=extra, sent=frozenset(values))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.names():
            if self.sent is not None and name not in self.sent:
                continue
            value = getattr(self, name)
            if isinstance(value, Wire):
                value = value.to_json()
            elif isinstance(value, list):
                value = [x.to_json() if isinstance(x, Wire) else x for x in value]
            out[name] = value
        return {**out, **self.extra}


@dataclass
class NormView(Wire):
    """A norm in minutes as the hub states it (``services[].wait_norm``, ``profile.digital``, …):
    ``target`` should usually hold, ``limit`` must not pass (a single figure is both)."""

    limit: float
    target: float | None = None
    source: str = ""

    @classmethod
    def read(cls, d: Mapping[str, Any] | None) -> NormView | None:
        """The norm in ``d``, or None when the hub states none."""
        if not d or d.get("limit") is None:
            return None
        limit = float(d["limit"])
        target = d.get("target")
        return cls(limit=limit, target=min(float(target), limit) if target is not None else limit,
                   source=str(d.get("source") or ""))

    @property
    def limit_s(self) -> float:
        return self.limit * 60.0


@dataclass
class Ticket(Wire):
    """A ticket as ``GET /tickets/{id}``, an issue, a call and the state's lists give it."""

    id: int
    code: str
    state: TicketState
    office: str | None = None
    day: str | None = None
    service: str | None = None
    service_name: str | None = None
    letter: str | None = None
    number: int | None = None
    window: int | None = None
    window_number: int | None = None
    recalls: int | None = None
    estimate: list[Any] | None = None
    token: str | None = None
    people_ahead: int | None = None
    url: str | None = None
    # beyond the published schema: what the console reads (server/hub.py ticket_view)
    issued_at: float | None = None
    queued_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    phase: str | None = None
    phase_started_at: float | None = None
    level: str | None = None
    wait_limit: float | None = None
    service_limit: float | None = None


@dataclass
class WindowView(Wire):
    """A window as ``GET /windows/{id}``, its actions and the state's ``windows`` give it."""

    id: int
    number: int
    state: WindowState
    services: dict[str, int] | None = None
    operator: str | None = None
    ticket: int | None = None
    # beyond the published schema
    zone: str | None = None
    ticket_code: str | None = None


@dataclass
class HallState(Wire):
    """The office as ``GET /offices/{office}/state`` gives it."""

    office: dict[str, Any]
    services: list[dict[str, Any]]
    windows: list[WindowView]
    waiting: list[Ticket]
    calls: list[Ticket]
    seq: int
    log: str
    # beyond the published schema
    now: float | None = None
    day: str | None = None
    profile: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None

    nested: ClassVar[dict[str, tuple[type[Wire], bool]]] = {
        "windows": (WindowView, True), "waiting": (Ticket, True), "calls": (Ticket, True)}
