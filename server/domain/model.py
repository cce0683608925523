"""The things of the hall: services (topics), windows, tickets and their segments."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import time
from enum import StrEnum
from typing import Any


class QueueError(Exception):
    """A refusal by the queue rules. ``status`` is the HTTP status the hub answers with."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Invalid(QueueError):
    status = 400
    code = "invalid"


class NotFound(QueueError):
    status = 404
    code = "not_found"


class Conflict(QueueError):
    status = 409
    code = "conflict"


class Forbidden(QueueError):
    """The rule allows this action, but not to this person (another operator's window)."""

    status = 403
    code = "forbidden"


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (TicketState.CALLED, TicketState.SERVING)

    @property
    def terminal(self) -> bool:
        return self in (TicketState.FINISHED, TicketState.NO_SHOW, TicketState.CANCELLED)


class WindowState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


CLIENT_TYPES = ("individual", "business", "any")  # физическое лицо / юридическое лицо, ИП / все
PAUSE_REASONS = ("lunch", "technical", "other")
PHASES = ("digital", "upsell")
LEVELS = ("specialist", "senior", "head")
PRIMARY, SECONDARY = 2, 1


@dataclass
class Service:
    id: str
    letter: str
    name: str
    hint: str = ""
    kind: str = "consultation"
    client_type: str = "any"
    checklist: list[str] = field(default_factory=list)
    until: time | None = None  # closes earlier than the office
    active: bool = True
    order: int = 0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["until"] = self.until.strftime("%H:%M") if self.until else None
        return d


@dataclass
class Window:
    id: int
    number: int
    services: dict[str, int]  # service id → weight (2 primary, 1 secondary)
    zone: str = ""
    level: str = "specialist"
    state: WindowState = WindowState.CLOSED
    pause_reason: str | None = None
    since: float | None = None
    operator: str | None = None
    ticket: int | None = None  # the ticket being called or served here
    #: when what the hall sees last changed (opened, paused, closed, a visitor called, the
    #: service started, the window free again); rebuilt by replaying the day's log
    state_since: float | None = None

    def serves(self, service_id: str) -> bool:
        return self.services.get(service_id, 0) > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "zone": self.zone, "level": self.level,
            "services": dict(self.services), "state": str(self.state),
            "pause_reason": self.pause_reason, "since": self.since,
            "state_since": self.state_since if self.state_since is not None else self.since,
            "operator": self.operator, "ticket": self.ticket,
        }


@dataclass
class Segment:
    """One stretch of a visit: waited for a service, was called, served (or not), ended."""

    service: str
    queued_at: float
    called_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    window: int | None = None
    operator: str | None = None
    outcome: str | None = None  # finished, no_show, cancelled, transferred, escalated, postponed, resolved
    recalls: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # phase → seconds spent in it
    level: str = "specialist"
    #: how many accounts (or connection points) this request covers, set by the operator; a
    #: per-account norm scales with it (001:841)
    accounts: int = 1

    @property
    def wait(self) -> float | None:
        return None if self.called_at is None else self.called_at - self.queued_at

    @property
    def service_time(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


@dataclass
class Ticket:
    id: int
    office: str
    day: str
    service: str
    letter: str
    number: int
    token: str
    issued_at: float
    queued_at: float
    source: str = "kiosk"
    client_type: str = "any"
    individual: bool = False
    priority: int = 0
    state: TicketState = TicketState.WAITING
    window: int | None = None  # the window calling / serving it now (or last)
    operator: str | None = None
    target_window: int | None = None  # a transfer to one window
    target_level: str = "specialist"  # an escalation
    recalls: int = 0
    phase: str | None = None
    phase_started_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    outcome: str | None = None
    segments: list[Segment] = field(default_factory=list)
    estimate: tuple[float, float] | None = None  # the printed range in whole minutes, given at issue
    #: when no window of its service was open at issue: when the first one was expected to open
    #: (epoch seconds); the printed range then counts from issue and includes the wait until then
    opens_at: float | None = None
    #: a booking checked in on time (issue 16): its code and its slot's start (epoch seconds);
    #: from the slot's start the ticket is called ahead of walk-ins (dispatch.appointment_due)
    appointment: str | None = None
    appointment_at: float | None = None

    @property
    def code(self) -> str:
        return ticket_code(self.letter, self.number)

    @property
    def segment(self) -> Segment:
        return self.segments[-1]

    @property
    def accounts(self) -> int:
        """Accounts the current request covers (the current segment's; 1 until the operator says)."""
        return self.segments[-1].accounts if self.segments else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "office": self.office, "day": self.day, "code": self.code,
            "service": self.service, "letter": self.letter, "number": self.number,
            "state": str(self.state), "source": self.source, "client_type": self.client_type,
            "individual": self.individual, "priority": self.priority,
            "issued_at": self.issued_at, "queued_at": self.queued_at,
            "called_at": self.called_at, "started_at": self.started_at, "ended_at": self.ended_at,
            "window": self.window, "operator": self.operator, "target_window": self.target_window,
            "target_level": self.target_level, "recalls": self.recalls, "phase": self.phase,
            "phase_started_at": self.phase_started_at, "outcome": self.outcome,
            "segments": len(self.segments),
            **({"appointment": self.appointment, "appointment_at": self.appointment_at}
               if self.appointment is not None else {}),
            # the operator's count of accounts (001:841), named only when it is not the usual one
            **({"accounts": self.accounts} if self.accounts != 1 else {}),
        }


def ticket_code(letter: str, number: int) -> str:
    """«А-012»: the letter of the service and the day's number, three digits."""
    return f"{letter}-{number:03d}"
