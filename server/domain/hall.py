"""The hall of one office: the queue's state and the commands that change it.

Every command checks the rules against the current state, then *emits* events; an event is
applied to the state at once (``apply``) and collected, so that the hub can write the same
events to its log in one transaction. Replaying the log through ``apply`` rebuilds the state
after a restart. Time is always passed in (``now``, seconds since the epoch).
"""
from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from . import booking, dispatch, estimate, events
from . import waiting as waiting_line
from .model import (
    CLIENT_TYPES,
    LEVELS,
    PAUSE_REASONS,
    PHASES,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Segment,
    Service,
    Ticket,
    TicketState,
    Window,
    WindowState,
    ticket_code,
)
from .norms import ROSATOM_2026, NormProfile
from .rota import Rota
from .schedule import Schedule, always_open
from .waiting import WaitingLine, ahead_of

PLANNED_SLACK = 10  # minutes either side of a planned break in the rota that still count as it
RECENT = 100  # service times remembered per service for the wait estimate
QUEUED_LOG = 400  # recent times visitors joined each service's queue (arrival rates for the estimate)
MAX_ACCOUNTS = 99  # accounts one request may cover (the operator's entry; 001:841 norms scale with it)


@dataclass
class Settings:
    policy: str = "norm-aware"
    transfer_position: str = "head"  # a transferred visitor goes to the head of the new queue
    estimate_low: float = 0.8
    estimate_high: float = 1.25
    #: the office's booking settings (server/domain/booking.py ``BookingRules`` JSON): the
    #: director's reception takes walk-in tickets only in its own hours
    booking: dict | None = None


@dataclass
class Hall:
    office: str
    services: dict[str, Service] = field(default_factory=dict)
    windows: dict[int, Window] = field(default_factory=dict)
    profile: NormProfile = ROSATOM_2026
    schedule: Schedule = field(default_factory=always_open)
    #: the planned lunches and breaks per window number (server/domain/rota.py), office data
    rota: Rota = field(default_factory=Rota)
    #: visitors expected per hour of the office day, {(service, priority): [per hour 0…23]}: the
    #: office's history of the same weekday (or a scenario's plan); the estimate's arrivals to come
    forecast: dict = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    day: str | None = None
    counters: dict[str, int] = field(default_factory=dict)
    #: office day → letter → the number already printed that the day's numbering continues above
    #: (``numbering.floor``: a restore from an older backup carries the numbers printed since)
    floors: dict[str, dict[str, int]] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    #: the tickets of the office day before this one, as they ended (for the store to record them)
    yesterday: dict[int, Ticket] = field(default_factory=dict, repr=False)
    recent: dict[str, deque] = field(default_factory=dict)
    #: seconds a window was taken per call (call → end: walk, recalls, service, no-shows), per service
    occupancy: dict[str, deque] = field(default_factory=dict)
    #: (time, priority) each visitor joined a service's queue (issue, transfer, return), per service
    queued_log: dict[str, deque] = field(default_factory=dict)
    next_id: Callable[[], int] | None = None
    pending: list[dict] = field(default_factory=list)
    _id_seq: int = 0
    _top_id: int = field(default=0, repr=False)  # the highest id among ``tickets`` (0: none)
    _waiting: dict[int, Ticket] = field(default_factory=dict, repr=False)  # index of waiting tickets
    #: the same tickets in the orders the policies call them (server/domain/waiting.py)
    _line: WaitingLine = field(default_factory=WaitingLine, repr=False)
    _day_span: tuple | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ reading

    def waiting(self) -> list[Ticket]:
        return sorted(self._waiting.values(), key=_by_id)

    def ticket(self, ticket_id: int) -> Ticket:
        t = self.tickets.get(ticket_id)
        if t is None:
            raise NotFound("Талон не найден", code="ticket_not_found")
        return t

    def window(self, window_id: int) -> Window:
        w = self.windows.get(window_id)
        if w is None:
            raise NotFound("Окно не найдено", code="window_not_found")
        return w

    def service(self, service_id: str) -> Service:
        s = self.services.get(service_id)
        if s is None:
            raise NotFound("Услуга не найдена", code="service_not_found")
        return s

    def wait_limit(self, t: Ticket) -> float | None:
        norm = self.profile.wait_norm(self.services[t.service].kind) if t.service in self.services else None
        return norm.limit_seconds if norm else None

    def service_limit(self, t: Ticket) -> float | None:
        kind = self.services[t.service].kind if t.service in self.services else "consultation"
        norm = self.profile.service_norm(kind, t.segment.level if t.segments else "specialist",
                                         t.accounts)
        return norm.limit_seconds if norm else None

    def mean_service_time(self, service_id: str) -> float:
        times = self.recent.get(service_id)
        if times:
            return sum(times) / len(times)
        s = self.services.get(service_id)
        norm = self.profile.service_norm(s.kind) if s else None
        return (norm.target * 60.0) if norm else 300.0

    def people_ahead(self, t: Ticket, now: float) -> int:
        """Visitors of the same service expected to be called before this one."""
        if t.state is not TicketState.WAITING:
            return 0
        same = [x for x in estimate.call_order(self, now) if self.tickets[x].service == t.service]
        if t.id in same:
            return same.index(t.id)
        return self.queued_ahead(t)

    def queued_ahead(self, t: Ticket) -> int:
        """Visitors of the same service who joined the queue before this one (the order of
        queueing, without the office's dispatch policy: what a reader of the log alone can tell)."""
        return sum(1 for x in self.waiting() if x.service == t.service and (x.queued_at, x.id) < (t.queued_at, t.id))

    def people_ahead_of_new(self, t: Ticket, now: float) -> int:
        """``people_ahead`` for a ticket just issued, without projecting the whole queue: those of
        its service whom the office's policy would call before it, asked pair by pair (within
        one service the other services and the windows' weights do not change the order),
        counted group by group in the waiting line."""
        name = self.settings.policy
        if t.appointment_at is not None or len(self._waiting) < waiting_line.SHORT_QUEUE \
                or dispatch.POLICIES[name] is not _LINE_POLICIES.get(name):
            return self.people_ahead_of_new_reference(t, now)
        window = next((w for w in self.windows.values() if w.serves(t.service)), None)
        if window is None:
            rank = (not t.individual, -t.priority)
            return sum(len(g) - (t.id in g.tickets) for g in self._line.of_service(t.service)
                       if (not g.key[2], -g.key[1]) <= rank)
        return ahead_of(self._line, t, window, now, name, self.wait_limit)

    def people_ahead_of_new_reference(self, t: Ticket, now: float) -> int:
        """The reference for ``people_ahead_of_new``: the policy asked for every pair."""
        policy = dispatch.POLICIES[self.settings.policy]
        window = next((w for w in self.windows.values() if w.serves(t.service)), None)
        same = [x for x in self._waiting.values() if x.service == t.service and x.id != t.id]
        if window is None:
            rank = (not t.individual, -t.priority)
            return sum(1 for x in same if (not x.individual, -x.priority) <= rank)
        return sum(1 for x in same if policy(window, [x, t], now, self.wait_limit) is x)

    # ------------------------------------------------------------------ events

    def emit(self, kind: str, now: float, **data) -> dict:
        day = data["day"] if kind == "day.started" else self.day
        event = {"type": kind, "at": now, "office": self.office, "day": day, "data": data}
        self.apply(event)
        self.pending.append(event)
        return event

    def take_pending(self) -> list[dict]:
        out, self.pending = self.pending, []
        return out

    def apply(self, event: dict) -> None:
        handler = _APPLY.get(event["type"])
        if handler is None:
            if event["type"] in events.OTHER_TYPES:
                return  # declared in the catalogue as not about the queue (devices, alerts, texts)
            raise events.UnknownEvent(f"Неизвестный тип события «{event['type']}»")
        handler(self, event["at"], event["data"], event)

    # ------------------------------------------------------------------ day

    def roll_day(self, now: float) -> None:
        """Start a new office day: yesterday's open tickets end, windows close, numbering restarts."""
        span = self._day_span  # (schedule, day, start, end) of the day last seen: most calls stop here
        if span is not None and span[0] is self.schedule and span[1] == self.day and span[2] <= now < span[3]:
            return
        today = self.schedule.office_day(now)
        if self.day is not None and today < self.day:
            # a clock set back across midnight (a restarted machine, a corrected clock): the later
            # day goes on - restarting the earlier one would give its numbers out a second time
            return
        if self.day != today:
            for t in list(self.tickets.values()):
                if not t.state.terminal:
                    self.emit("ticket.expired", now, ticket=t.id)
            for w in self.windows.values():
                if w.state is not WindowState.CLOSED:
                    self.emit("window.closed", now, window=w.id, reason="day_end")
            floor = self.floors.get(today)
            self.emit("day.started", now, day=today, **({"floor": dict(floor)} if floor else {}))
        local = self.schedule.local(now).date()
        zone = self.schedule.zone
        self._day_span = (self.schedule, self.day,
                          datetime.combine(local, time(0, 0), zone).timestamp(),
                          datetime.combine(local + timedelta(days=1), time(0, 0), zone).timestamp())

    # ------------------------------------------------------------------ commands: tickets

    def issue(self, service_id: str, now: float, *, client_type: str | None = None,
              individual: bool = False, priority: int = 0, source: str = "kiosk",
              token: str | None = None, ticket_id: int | None = None,
              check_hours: bool = True, appointment: str | None = None,
              appointment_at: float | None = None) -> Ticket:
        self.roll_day(now)
        service = self.service(service_id)
        if not service.active:
            raise Conflict(f"Услуга «{service.name}» сейчас не оказывается", code="service_closed")
        if client_type is not None and client_type not in CLIENT_TYPES:
            raise Invalid("Неизвестный тип клиента", code="bad_client_type")
        if client_type and client_type != "any" and service.client_type not in ("any", client_type):
            raise Invalid("Эта услуга оказывается другому типу клиентов", code="wrong_client_type")
        if check_hours and not self.schedule.is_open(now, service.until):
            opens = self.schedule.next_opening(now, service.until)
            raise Conflict("Сейчас приём не ведётся", code="office_closed",
                           opens_at=opens.isoformat() if opens else None)
        reception = booking.reception_of(self.settings.booking, service_id)
        if check_hours and appointment is None and reception is not None \
                and not reception.open_at(self.schedule.local(now)):
            opens = reception.next_opening(self.schedule.local(now))
            raise Conflict(f"Приём руководителя ведётся по расписанию: {reception.hours_words()}",
                           code="service_closed", opens_at=opens.isoformat() if opens else None)
        number = self.counters.get(service.letter, 0) + 1
        tid = ticket_id if ticket_id is not None else self._new_id()
        token = token or secrets.token_urlsafe(16)
        low, high, opens_at = estimate.plan_for_new_ticket(self, service_id, now, individual, priority)
        self.emit("ticket.issued", now, ticket=tid, service=service_id, letter=service.letter,
                  number=number, code=ticket_code(service.letter, number), token=token,
                  source=source, client_type=client_type or service.client_type,
                  individual=bool(individual), priority=int(priority),
                  estimate=[low, high] if low is not None else None,
                  **({"opens_at": opens_at} if opens_at is not None else {}),
                  **({"appointment": appointment, "appointment_at": appointment_at}
                     if appointment is not None else {}))
        return self.tickets[tid]

    def call_next(self, window_id: int, now: float, operator: str | None = None, *,
                  admin: bool = False) -> Ticket | None:
        """``operator``: who acts (an operator only at their own window; ``admin``: an
        administrator, at any window). The event keeps the window's operator and ``by``, who acted."""
        self.roll_day(now)
        w = self._ready_window(window_id, operator, admin)
        chosen = self.next_for(w, now)
        if chosen is None:
            return None
        self.emit("ticket.called", now, ticket=chosen.id, window=w.id, operator=w.operator, **_by(operator))
        return chosen

    def next_for(self, w: Window, now: float) -> Ticket | None:
        """The ticket the office's policy calls to this window now, from the waiting line (a
        policy the line does not know, e.g. one a test puts in, runs over every waiting ticket)."""
        name = self.settings.policy
        if len(self._waiting) >= waiting_line.SHORT_QUEUE and dispatch.POLICIES[name] is _LINE_POLICIES.get(name):
            return self._line.next_for(w, now, name, self.wait_limit)
        return self.next_for_reference(w, now)

    def next_for_reference(self, w: Window, now: float) -> Ticket | None:
        """The reference for ``next_for``: the policy over every eligible waiting ticket."""
        policy = dispatch.POLICIES[self.settings.policy]
        return policy(w, dispatch.eligible(w, self._waiting.values()), now, self.wait_limit)

    def call_ticket(self, window_id: int, ticket_id: int, now: float, operator: str | None = None, *,
                    admin: bool = False) -> Ticket:
        """Call one chosen waiting ticket to this window (out of the policy's order)."""
        self.roll_day(now)
        w = self._ready_window(window_id, operator, admin)
        t = self.ticket(ticket_id)
        if t not in dispatch.eligible(w, [t]):
            raise Conflict("Этот талон не может быть вызван к этому окну", code="not_eligible")
        self.emit("ticket.called", now, ticket=t.id, window=w.id, operator=w.operator, **_by(operator))
        return t

    def _ready_window(self, window_id: int, operator: str | None, admin: bool = False) -> Window:
        w = self.window(window_id)
        self.check_window_owner(w, operator, admin)
        if w.state is not WindowState.OPEN:
            raise Conflict("Окно не открыто для приёма", code="window_not_open", state=str(w.state))
        if w.ticket is not None:
            raise Conflict("Сначала завершите работу с текущим талоном", code="window_busy",
                           ticket=w.ticket)
        return w

    # ------------------------------------------------------------------ who may act

    def check_window_owner(self, w: Window, actor: str | None, admin: bool = False) -> None:
        """An operator acts only at their own window: one held by another operator is refused
        (403 ``not_your_window``). An administrator acts at any window. ``actor`` None: the
        caller is not a person (the simulator, a sample day), nothing to check."""
        if actor is None or admin:
            return
        if w.operator is not None and w.operator != actor:
            raise Forbidden(f"Окно {w.number} ведёт другой оператор. Действовать за этим окном может "
                            f"только он или администратор зала", code="not_your_window", window=w.number)

    def check_ticket_owner(self, t: Ticket, actor: str | None, admin: bool = False) -> None:
        """An operator acts only on the ticket called to (or served at) their own window; a
        waiting ticket is the hall's, the administrator's to cancel or redirect
        (403 ``not_your_ticket``). A ticket already closed is left to the state check (409)."""
        if actor is None or admin:
            return
        if t.state.active:
            w = self.windows.get(t.window) if t.window is not None else None
            if w is not None:
                self.check_window_owner(w, actor, admin)
        elif t.state is TicketState.WAITING:
            raise Forbidden(f"Талон {t.code} ждёт вызова. Оператор работает с талоном, вызванным к своему "
                            f"окну; отменить или перенаправить ожидающий талон может администратор зала",
                            code="not_your_ticket")

    def _active(self, ticket_id: int, *states: TicketState, action: str, actor: str | None = None,
                admin: bool = False) -> Ticket:
        t = self.ticket(ticket_id)
        self.check_ticket_owner(t, actor, admin)
        if t.state not in states:
            raise Conflict(f"Действие «{action}» невозможно: талон {t.code} {STATE_WORDS[t.state]}",
                           code="bad_state", state=str(t.state))
        return t

    # Ticket commands: ``actor`` is who acts (an operator only on the ticket at their own window),
    # ``admin`` an administrator (any ticket); the event names the actor as ``by``.

    def recall(self, ticket_id: int, now: float, *, actor: str | None = None, admin: bool = False) -> Ticket:
        t = self._active(ticket_id, TicketState.CALLED, action="повторный вызов", actor=actor, admin=admin)
        self.emit("ticket.recalled", now, ticket=t.id, window=t.window, **_by(actor))
        return t

    def start(self, ticket_id: int, now: float, *, actor: str | None = None, admin: bool = False) -> Ticket:
        t = self._active(ticket_id, TicketState.CALLED, action="начать приём", actor=actor, admin=admin)
        self.emit("ticket.started", now, ticket=t.id, window=t.window, **_by(actor))
        return t

    def set_phase(self, ticket_id: int, phase: str | None, now: float, *, actor: str | None = None,
                  admin: bool = False) -> Ticket:
        if phase is not None and phase not in PHASES:
            raise Invalid("Неизвестный этап обслуживания", code="bad_phase")
        t = self._active(ticket_id, TicketState.SERVING, action="этап обслуживания", actor=actor, admin=admin)
        if t.phase == phase:
            raise Conflict("Этот этап уже идёт", code="same_phase")
        self.emit("ticket.phase", now, ticket=t.id, phase=phase, **_by(actor))
        return t

    def set_accounts(self, ticket_id: int, accounts: int, now: float, *, actor: str | None = None,
                     admin: bool = False) -> Ticket:
        """How many accounts (or connection points) the request covers: a per-account norm
        scales with it (001:841). Called or at the window; the same number again changes nothing."""
        if isinstance(accounts, bool) or not isinstance(accounts, int) or not 1 <= accounts <= MAX_ACCOUNTS:
            raise Invalid(f"Число лицевых счетов — от 1 до {MAX_ACCOUNTS}", code="bad_accounts")
        t = self._active(ticket_id, TicketState.CALLED, TicketState.SERVING, action="число лицевых счетов",
                         actor=actor, admin=admin)
        if t.accounts != accounts:
            self.emit("ticket.accounts", now, ticket=t.id, accounts=accounts, **_by(actor))
        return t

    def finish(self, ticket_id: int, now: float, outcome: str | None = None, *, actor: str | None = None,
               admin: bool = False) -> Ticket:
        t = self._active(ticket_id, TicketState.SERVING, action="завершить приём", actor=actor, admin=admin)
        self.emit("ticket.finished", now, ticket=t.id, window=t.window, outcome=outcome, **_by(actor))
        return t

    def no_show(self, ticket_id: int, now: float, *, actor: str | None = None, admin: bool = False) -> Ticket:
        t = self._active(ticket_id, TicketState.CALLED, action="неявка", actor=actor, admin=admin)
        self.emit("ticket.no_show", now, ticket=t.id, window=t.window, **_by(actor))
        return t

    def cancel(self, ticket_id: int, now: float, reason: str | None = None, *, actor: str | None = None,
               admin: bool = False) -> Ticket:
        t = self._active(ticket_id, TicketState.WAITING, TicketState.CALLED, action="отменить",
                         actor=actor, admin=admin)
        self.emit("ticket.cancelled", now, ticket=t.id, window=t.window, reason=reason, **_by(actor))
        return t

    def resolve(self, ticket_id: int, now: float, *, actor: str | None = None, admin: bool = False) -> Ticket:
        """«Решено администратором»: the visitor's question was settled without a window."""
        t = self._active(ticket_id, TicketState.WAITING, action="решено администратором", actor=actor, admin=admin)
        self.emit("ticket.resolved", now, ticket=t.id, **_by(actor))
        return t

    def postpone(self, ticket_id: int, now: float, *, actor: str | None = None, admin: bool = False) -> Ticket:
        """The visitor steps aside (to fetch a document) and goes back to the end of the queue."""
        t = self._active(ticket_id, TicketState.CALLED, TicketState.SERVING, action="отложить",
                         actor=actor, admin=admin)
        self.emit("ticket.postponed", now, ticket=t.id, window=t.window, **_by(actor))
        return t

    def transfer(self, ticket_id: int, now: float, *, service: str | None = None,
                 window: int | None = None, actor: str | None = None, admin: bool = False,
                 hold: bool = False) -> Ticket:
        """End this segment and queue the same visitor (same code, same visit) elsewhere.

        A transfer to a service that no window open or on a break takes is refused
        (``no_window_for_service``): the visitor would wait for nobody. An administrator may
        ``hold`` it: the visitor is kept waiting (the event records ``hold``). A transfer to a
        chosen window is left to whoever chose it."""
        t = self._active(ticket_id, TicketState.WAITING, TicketState.CALLED, TicketState.SERVING,
                         action="перевести", actor=actor, admin=admin)
        if service is None and window is None:
            raise Invalid("Укажите услугу или окно для перевода", code="transfer_target")
        target_service = service or t.service
        self.service(target_service)
        if window is not None:
            w = self.window(window)
            if not w.serves(target_service):
                # the window decides: take the first of its services if the old one is not there
                if service is not None:
                    raise Invalid(f"Окно {w.number} не оказывает эту услугу", code="window_service")
                target_service = next(iter(w.services))
            if w.id == t.window and t.state.active:
                raise Conflict("Талон уже у этого окна", code="same_window")
        elif target_service == t.service and t.state is TicketState.WAITING:
            raise Conflict("Талон уже ждёт эту услугу", code="same_service")
        if hold and not admin and actor is not None:
            raise Forbidden("Оставить посетителя ждать закрытое окно может только администратор зала",
                            code="hold_forbidden")
        # a transfer to a service (not to a chosen window: the one who chose it knows the window)
        servers = [w for w in self.windows.values() if w.serves(target_service)] if window is None else []
        if window is None and not hold and not any(w.state is not WindowState.CLOSED for w in servers):
            name = self.services[target_service].name
            raise Conflict(f"Сейчас ни одно окно не принимает по услуге «{name}», поэтому перевод не "
                           f"выполнен. Администратор зала может оставить посетителя ждать, пока окно "
                           f"откроется", code="no_window_for_service", service=target_service)
        head = self.settings.transfer_position == "head"
        self.emit("ticket.transferred", now, ticket=t.id, window=t.window, service=target_service,
                  target_window=window, priority=max(t.priority, 1) if head else t.priority,
                  **({"hold": True} if hold else {}), **_by(actor))
        return t

    def escalate(self, ticket_id: int, now: float, level: str | None = None, *, actor: str | None = None,
                 admin: bool = False) -> Ticket:
        """Send the visitor up the ladder (000:322, 002:155, 003:248): senior, then head."""
        t = self._active(ticket_id, TicketState.CALLED, TicketState.SERVING, action="передать старшему",
                         actor=actor, admin=admin)
        ladder = self.profile.escalation
        if not ladder:
            raise Conflict("В этом офисе нет ступеней для передачи вопроса", code="no_escalation")
        current = LEVELS.index(t.target_level)
        higher = [lv for lv in ladder if LEVELS.index(lv) > current]
        if level is None:
            if not higher:
                raise Conflict("Выше передать нельзя", code="top_level")
            level = higher[0]
        elif level not in higher:
            raise Invalid("Такой ступени нет выше текущей", code="bad_level")
        if not any(LEVELS.index(w.level) >= LEVELS.index(level) and w.serves(t.service)
                   for w in self.windows.values()):
            raise Conflict("Нет окна, где принимает старший специалист по этой услуге", code="no_senior")
        self.emit("ticket.escalated", now, ticket=t.id, window=t.window, level=level, **_by(actor))
        return t

    # ------------------------------------------------------------------ commands: windows

    def open_window(self, window_id: int, now: float, operator: str | None = None, *,
                    admin: bool = False) -> Window:
        """``operator`` opens (or comes back to) the window and works at it; with ``admin`` it is an
        administrator who opens it for whoever works there, and is named only as ``by``."""
        self.roll_day(now)
        w = self.window(window_id)
        sitter = None if admin else operator
        if sitter is not None:
            if w.state is not WindowState.CLOSED:
                self.check_window_owner(w, sitter)
            for other in self.windows.values():
                if other.id != w.id and other.operator == sitter and other.state is not WindowState.CLOSED:
                    raise Conflict(f"Вы уже работаете в окне {other.number}", code="operator_busy")
        if w.state is WindowState.OPEN and (sitter is None or w.operator == sitter):
            raise Conflict("Окно уже открыто", code="already_open")
        self.emit("window.opened", now, window=w.id, operator=sitter or w.operator, **_by(operator))
        return w

    def pause_window(self, window_id: int, reason: str, now: float, *, actor: str | None = None,
                     admin: bool = False, override: bool = False) -> Window:
        """A break. The guard (001:353) refuses one that leaves waiting visitors with no window, and
        during reception one that leaves no window open at all, unless it is this window's planned
        break in the rota (± ``PLANNED_SLACK`` minutes); an administrator may ``override`` both,
        and the event then records ``override`` and ``by``."""
        self.roll_day(now)
        w = self.window(window_id)
        self.check_window_owner(w, actor, admin)
        if reason not in PAUSE_REASONS:
            raise Invalid("Укажите причину перерыва: обед, технический или другое", code="bad_reason")
        if override and not admin:
            raise Forbidden("Разрешить перерыв вопреки графику может только администратор",
                            code="override_forbidden")
        if w.state is not WindowState.OPEN:
            raise Conflict("Перерыв возможен только у открытого окна", code="window_not_open")
        if w.ticket is not None:
            raise Conflict("Сначала завершите работу с текущим талоном", code="window_busy")
        planned = self.rota.planned_at(w.number, self.schedule.local(now), PLANNED_SLACK)
        if not override:
            self._break_guard(w, "перерыв")
            if planned is None:
                self._empty_hall_guard(w, now)
        extra = {"override": True} if override else {}
        if planned is not None:
            extra["planned"] = planned.to_json()
        self.emit("window.paused", now, window=w.id, reason=reason, **extra, **_by(actor))
        return w

    def close_window(self, window_id: int, now: float, force: bool = False, *, actor: str | None = None,
                     admin: bool = False) -> Window:
        self.roll_day(now)
        w = self.window(window_id)
        self.check_window_owner(w, actor, admin)
        if w.state is WindowState.CLOSED:
            raise Conflict("Окно уже закрыто", code="already_closed")
        called = self.tickets.get(w.ticket) if w.ticket is not None else None
        if w.ticket is not None and not (force and called is not None and called.state is TicketState.CALLED):
            raise Conflict("Сначала завершите работу с текущим талоном", code="window_busy")
        if not force:
            self._break_guard(w, "закрытие")
        # closed by force with a visitor called but not yet come: the ticket goes back to the
        # queue at its own place (its wait goes on from when it joined the queue)
        back = {"ticket": called.id, "returned": True} if called is not None else {}
        self.emit("window.closed", now, window=w.id, reason="closed", **back, **_by(actor))
        return w

    def _break_guard(self, w: Window, what: str) -> None:
        """001:353: breaks are never taken by everyone at once; nobody is left waiting alone
        (002:128). Refuse when, without this window, a waiting visitor would have no open window."""
        if len(self.windows) < 2:
            return
        others = [o for o in self.windows.values() if o.id != w.id and o.state is WindowState.OPEN]
        stranded = [t for t in self.waiting() if w.serves(t.service)
                    and not any(dispatch.eligible(o, [t]) for o in others)]
        if stranded:
            if not others:
                msg = f"Нельзя: это последнее открытое окно, а в зале ждут посетители ({len(stranded)})"
            else:
                msg = (f"Нельзя: ждущих по услуге «{self.services[stranded[0].service].name}» "
                       f"больше никто не примет")
            raise Conflict(msg + f". {what.capitalize()} отложен до освобождения очереди"
                           if what == "перерыв" else msg, code="break_guard",
                           waiting=len(stranded))

    def _empty_hall_guard(self, w: Window, now: float) -> None:
        """001:353: during reception a break never leaves the hall with no open window, even when
        nobody waits yet. The refusal names when another window comes back or which should open."""
        if len(self.windows) < 2 or not self.schedule.is_open(now):
            return  # a one-window office takes its lunch in the timetable
        others = [o for o in self.windows.values() if o.id != w.id]
        if any(o.state is WindowState.OPEN for o in others):
            return
        local = self.schedule.local(now)
        msg = "Нельзя: тогда в зале не останется ни одного открытого окна (перерывы не берут все сразу)."
        back = sorted((b.end, o.number) for o in others if o.state is WindowState.PAUSED
                      for b in [self.rota.planned_at(o.number, local)] if b is not None)
        if back:
            end, number = back[0]
            msg += (f" Окно {number} вернётся с перерыва по графику в {end.strftime('%H:%M')} — "
                    "перерыв возможен после этого.")
        else:
            order = sorted(others, key=lambda o: (o.state is not WindowState.PAUSED, o.number))
            msg += f" Сначала пусть откроется окно {order[0].number}."
        mine = self.rota.next_break(w.number, local)
        if mine is not None:
            msg += f" Ваш перерыв по графику: {mine.label()}."
        raise Conflict(msg, code="break_guard", waiting=0,
                       next_window=(back[0][1] if back else order[0].number))

    # ------------------------------------------------------------------ helpers

    def _new_id(self) -> int:
        if self.next_id is not None:
            return self.next_id()
        self._id_seq = max(self._id_seq, self._top_id) + 1
        return self._id_seq

    def open_windows(self) -> Iterator[Window]:
        return (w for w in self.windows.values() if w.state is WindowState.OPEN)


STATE_WORDS = {
    TicketState.WAITING: "ожидает вызова",
    TicketState.CALLED: "вызван к окну",
    TicketState.SERVING: "на приёме",
    TicketState.FINISHED: "уже обслужен",
    TicketState.NO_SHOW: "закрыт по неявке",
    TicketState.CANCELLED: "отменён",
}


# ---------------------------------------------------------------------- applying events

def _by_id(t: Ticket) -> int:
    return t.id


def _by(actor: str | None) -> dict:
    """``by``: who acted, for the event (left out when no person acted: the simulator, a sample)."""
    return {"by": actor} if actor else {}


def _queued(hall: Hall, t: Ticket, now: float) -> None:
    """The ticket (re)joined a queue: index it and log the arrival for the estimate."""
    hall._waiting[t.id] = t
    hall._line.add(t)
    hall.queued_log.setdefault(t.service, deque(maxlen=QUEUED_LOG)).append((now, t.priority))

def _end_segment(hall: Hall, t: Ticket, now: float, outcome: str) -> None:
    seg = t.segment
    if t.phase is not None and t.phase_started_at is not None:
        seg.phases[t.phase] = seg.phases.get(t.phase, 0.0) + now - t.phase_started_at
    seg.ended_at = now
    seg.outcome = outcome
    seg.recalls = t.recalls
    t.phase = None
    t.phase_started_at = None
    if seg.started_at is not None and outcome in ("finished", "transferred", "escalated"):
        hall.recent.setdefault(seg.service, deque(maxlen=RECENT)).append(now - seg.started_at)
    if seg.called_at is not None and outcome != "expired":
        hall.occupancy.setdefault(seg.service, deque(maxlen=RECENT)).append(now - seg.called_at)
    if t.window is not None and t.window in hall.windows and hall.windows[t.window].ticket == t.id:
        hall.windows[t.window].ticket = None
        hall.windows[t.window].state_since = now  # the window is free again


def _terminal(hall: Hall, t: Ticket, now: float, state: TicketState, outcome: str) -> None:
    hall._waiting.pop(t.id, None)
    hall._line.discard(t)
    _end_segment(hall, t, now, outcome)
    t.state = state
    t.ended_at = now
    t.outcome = outcome


def _requeue(t: Ticket, now: float, service: str, level: str = "specialist") -> None:
    t.state = TicketState.WAITING
    t.service = service
    t.queued_at = now
    t.called_at = t.started_at = None
    t.recalls = 0
    t.segments.append(Segment(service=service, queued_at=now, level=level))


def _a_issued(hall: Hall, now: float, d: dict, e: dict) -> None:
    t = Ticket(id=d["ticket"], office=hall.office, day=e["day"], service=d["service"],
               letter=d["letter"], number=d["number"], token=d["token"], issued_at=now,
               queued_at=now, source=d.get("source", "kiosk"), client_type=d.get("client_type", "any"),
               individual=d.get("individual", False), priority=d.get("priority", 0),
               estimate=tuple(d["estimate"]) if d.get("estimate") else None, opens_at=d.get("opens_at"),
               appointment=d.get("appointment"), appointment_at=d.get("appointment_at"))
    t.segments.append(Segment(service=t.service, queued_at=now))
    hall.tickets[t.id] = t
    hall._top_id = max(hall._top_id, t.id)
    hall.counters[t.letter] = max(hall.counters.get(t.letter, 0), t.number)
    _queued(hall, t, now)


def _a_called(hall: Hall, now: float, d: dict, e: dict) -> None:
    t = hall.tickets[d["ticket"]]
    w = hall.windows.get(d["window"])
    hall._waiting.pop(t.id, None)
    hall._line.discard(t)
    t.state = TicketState.CALLED
    t.window = d["window"]
    t.operator = d.get("operator")
    t.called_at = now
    t.target_window = None
    seg = t.segment
    seg.called_at, seg.window, seg.operator = now, d["window"], d.get("operator")
    if w is not None:
        w.ticket = t.id
        w.state_since = now


def _a_recalled(hall, now, d, e):
    hall.tickets[d["ticket"]].recalls += 1


def _a_started(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    t.state = TicketState.SERVING
    t.started_at = now
    t.segment.started_at = now
    if t.window in hall.windows and hall.windows[t.window].ticket == t.id:
        hall.windows[t.window].state_since = now


def _a_phase(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    seg = t.segment
    if t.phase is not None and t.phase_started_at is not None:
        seg.phases[t.phase] = seg.phases.get(t.phase, 0.0) + now - t.phase_started_at
    t.phase = d.get("phase")
    t.phase_started_at = now if t.phase else None


def _a_accounts(hall, now, d, e):
    hall.tickets[d["ticket"]].segment.accounts = int(d["accounts"])


def _a_finished(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    _terminal(hall, t, now, TicketState.FINISHED, "finished")
    t.outcome = d.get("outcome") or "finished"


def _a_no_show(hall, now, d, e):
    _terminal(hall, hall.tickets[d["ticket"]], now, TicketState.NO_SHOW, "no_show")


def _a_cancelled(hall, now, d, e):
    _terminal(hall, hall.tickets[d["ticket"]], now, TicketState.CANCELLED, "cancelled")


def _a_expired(hall, now, d, e):
    _terminal(hall, hall.tickets[d["ticket"]], now, TicketState.CANCELLED, "expired")


def _a_resolved(hall, now, d, e):
    _terminal(hall, hall.tickets[d["ticket"]], now, TicketState.FINISHED, "resolved")


def _a_postponed(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    _end_segment(hall, t, now, "postponed")
    _requeue(t, now, t.service, t.target_level)
    _queued(hall, t, now)


def _a_transferred(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    if t.state is TicketState.WAITING:  # redirected before being called: the same segment moves
        t.segment.outcome = "transferred"
        t.segment.ended_at = now
    else:
        _end_segment(hall, t, now, "transferred")
    _requeue(t, now, d["service"], t.target_level)
    t.target_window = d.get("target_window")
    t.priority = d.get("priority", t.priority)
    _queued(hall, t, now)


def _a_escalated(hall, now, d, e):
    t = hall.tickets[d["ticket"]]
    _end_segment(hall, t, now, "escalated")
    t.target_level = d["level"]
    _requeue(t, now, t.service, d["level"])
    t.priority = max(t.priority, 1)
    _queued(hall, t, now)


def _a_window_opened(hall, now, d, e):
    w = hall.windows.get(d["window"])
    if w is None:
        return
    w.state = WindowState.OPEN
    w.pause_reason = None
    w.since = w.state_since = now
    if d.get("operator"):
        w.operator = d["operator"]


def _a_window_paused(hall, now, d, e):
    w = hall.windows.get(d["window"])
    if w is None:
        return
    w.state = WindowState.PAUSED
    w.pause_reason = d.get("reason")
    w.since = w.state_since = now


def _a_window_closed(hall, now, d, e):
    if d.get("returned") and d.get("ticket") in hall.tickets:
        t = hall.tickets[d["ticket"]]  # handed back: called again later, from its place in the queue
        t.state = TicketState.WAITING
        t.window = t.operator = None
        t.called_at = None
        t.recalls = 0
        seg = t.segment
        seg.called_at = seg.window = seg.operator = None
        hall._waiting[t.id] = t
        hall._line.add(t)
    w = hall.windows.get(d["window"])
    if w is None:
        return
    w.state = WindowState.CLOSED
    w.pause_reason = None
    w.since = w.state_since = now
    w.operator = None
    w.ticket = None


def _a_day_started(hall, now, d, e):
    hall.day = d["day"]
    hall.counters = dict(d.get("floor") or {})
    hall.yesterday = hall.tickets  # all ended by ``ticket.expired`` just before
    hall.tickets = {}
    hall._top_id = 0
    hall._waiting.clear()
    hall._line.clear()


def _a_numbering_floor(hall, now, d, e):
    floor = hall.floors.setdefault(d["day"], {})
    for letter, number in d["letters"].items():
        floor[letter] = max(floor.get(letter, 0), int(number))
        if d["day"] == hall.day:
            hall.counters[letter] = max(hall.counters.get(letter, 0), int(number))


_APPLY = {
    "ticket.issued": _a_issued,
    "ticket.called": _a_called,
    "ticket.recalled": _a_recalled,
    "ticket.started": _a_started,
    "ticket.phase": _a_phase,
    "ticket.accounts": _a_accounts,
    "ticket.finished": _a_finished,
    "ticket.no_show": _a_no_show,
    "ticket.cancelled": _a_cancelled,
    "ticket.expired": _a_expired,
    "ticket.resolved": _a_resolved,
    "ticket.postponed": _a_postponed,
    "ticket.transferred": _a_transferred,
    "ticket.escalated": _a_escalated,
    "window.opened": _a_window_opened,
    "window.paused": _a_window_paused,
    "window.closed": _a_window_closed,
    "day.started": _a_day_started,
    "numbering.floor": _a_numbering_floor,
}

#: the policies the waiting line answers for itself (any other goes over every waiting ticket)
_LINE_POLICIES = {"fifo": dispatch.fifo, "norm-aware": dispatch.norm_aware}

#: Event types that change the queue (the rest are about devices, alerts and texts).
QUEUE_EVENTS = frozenset(_APPLY)
