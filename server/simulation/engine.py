"""The discrete-event simulator of an office day, driving the real queue core.

Every change of the queue goes through the same :class:`server.domain.hall.Hall` commands the
hub runs (``issue``, ``call_next``, ``recall``, ``start``, ``finish``, ``no_show``, ``transfer``,
``open_window``, ``pause_window``, ``close_window``), with simulated ``now`` values. The
simulator only plays the people:

- visitors arrive (a Poisson stream whose rate changes by the hour), take a ticket for their
  topic, walk to the window when called (or are gone: recalls, then a no-show), are served for
  a time drawn for their topic, and some go on to the cash desk (a transfer, same ticket);
- operators open their window when their shift starts, call the next ticket whenever they are
  free, go to lunch when it is time (if the break guard refuses, they keep working and try
  again when next free) and close at the end of the shift — after the office closes they first
  serve everyone still waiting for their window.

The dispatch decisions, ticket numbers, estimates and refusals are all the core's own.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import random
from dataclasses import dataclass, field

from ..domain import dispatch, estimate
from ..domain.model import Conflict, QueueError, TicketState, WindowState
from .scenario import MINUTE, Scenario, Shift, _sec

log = logging.getLogger(__name__)

GIVE_UP_AFTER_CLOSE = 6 * 3600.0  # an operator stuck behind the break guard closes by force after this


@dataclass
class Visitor:
    arrive: float  # epoch seconds
    topic: str
    service: float  # seconds at the window
    cash: float | None  # seconds at the cash desk afterwards, or None
    walks: tuple[float, float]  # seconds from the call to the window: first segment, cash desk
    no_show: bool
    ticket: int | None = None
    point: float | None = None  # the estimate's projected wait at issue, seconds


@dataclass
class Visit:
    """What happened to one visitor, as the figures need it."""

    day: int
    topic: str
    clock: float  # seconds after midnight when the ticket was issued
    wait: float  # seconds from issue to the first call
    estimate: tuple[float, float] | None  # minutes, printed at issue
    point: float | None  # minutes: the projected wait the printed range was built around
    segments: list[tuple[str, float, float | None]]  # (service, wait seconds, wait norm seconds)
    total: float  # seconds from issue to the end of the visit
    no_show: bool
    measured: bool = True  # False during the warm-up

    @property
    def within_norm(self) -> bool:
        return all(limit is None or wait <= limit for _, wait, limit in self.segments)


@dataclass
class Desk:
    """An operator at a window."""

    window: int
    shift: Shift
    idle_since: float | None = None
    lunch_pending: bool = False
    lunch_minutes: float = 0.0
    leaving: bool = False
    opened_at: float | None = None
    open_seconds: float = 0.0
    lunch_taken: bool = False


@dataclass
class DayOutcome:
    visits: list[Visit] = field(default_factory=list)
    refused: int = 0
    open_seconds: dict[int, float] = field(default_factory=dict)
    busy_seconds: dict[int, float] = field(default_factory=dict)
    lunch_refusals: int = 0
    commands: int = 0
    expired: int = 0  # tickets the office day ended before anyone called (a day with every window closed)
    unserved: list[float] = field(default_factory=list)  # those tickets' issue times, seconds after midnight
    refused_commands: int = 0  # people's actions the core refused (a ticket ended at midnight, a transfer)


class Simulator:
    """One policy, many days, on one hall of the real core."""

    def __init__(self, scenario: Scenario, policy: str, record_points: bool = True):
        self.sc = scenario
        self.record_points = record_points
        self.policy = policy
        self.hall = scenario.make_hall(policy)
        self.hall.forecast = scenario.forecast()  # the office's expected flow per hour (its history)
        self.hall.next_id = itertools.count(1).__next__
        self._heap: list = []
        self._seq = itertools.count()
        self.commands = 0

    # ------------------------------------------------------------------ drawing the day

    def visitors(self, day: int, rng: random.Random) -> list[Visitor]:
        """The day's visitors: arrival times by the hourly rates, topics, times, behaviour."""
        sc = self.sc
        base = sc.day_start(day)
        topics = sc.topics
        weights = [t.share for t in topics]
        out = []
        max_walk = max(0.0, (sc.recalls + 1) * sc.recall_every * MINUTE - 1.0)
        for start, end, rate in sc.arrivals:
            t = start
            per_second = rate / 3600.0
            while True:
                t += rng.expovariate(per_second)
                if t >= end:
                    break
                topic = rng.choices(topics, weights)[0]
                service = topic.time.draw(rng)
                cash = sc.cash_time.draw(rng) if topic.then_cash and rng.random() < topic.then_cash else None
                walks = (min(rng.uniform(*sc.walk) * MINUTE, max_walk), min(rng.uniform(*sc.walk) * MINUTE, max_walk))
                no_show = rng.random() < sc.no_show
                out.append(Visitor(base + t, topic.service, service, cash, walks, no_show))
        return out

    # ------------------------------------------------------------------ running

    def run_day(self, day: int, rng: random.Random | None = None) -> DayOutcome:
        sc = self.sc
        rng = rng or random.Random(f"{sc.seed}:{day}")
        base = sc.day_start(day)
        self.base = base
        self.close_at = base + _sec(sc.close)
        self.outcome = DayOutcome()
        self.commands = 0
        self.by_ticket: dict[int, Visitor] = {}
        self.desks = {s.window: Desk(s.window, s) for s in sc.shifts}
        self.idle: dict[int, float] = {}
        visitors = self.visitors(day, rng)
        for v in visitors:
            self._push(v.arrive, self._arrive, v)
        for desk in self.desks.values():
            s = desk.shift
            self._push(base + _sec(s.start), self._shift_start, desk)
            self._push(base + _sec(s.end), self._shift_end, desk)
            if s.lunch:
                self._push(base + _sec(s.lunch[0]), self._lunch_due, desk)
        while self._heap:
            t, _, fn, arg = heapq.heappop(self._heap)
            fn(t, arg)
            self.hall.pending.clear()  # the hub would write these to its log; the simulator reads the hall
        end = max([base + _sec(sc.close)] + [d.opened_at or 0 for d in self.desks.values()])
        for desk in self.desks.values():  # nobody should be left open; close what is
            w = self.hall.windows[desk.window]
            if w.state is not WindowState.CLOSED:
                self._account(desk, end)
                self._try(self.hall.close_window, desk.window, end, force=True)
        if any(not self._ticket(v.ticket).state.terminal for v in visitors if v.ticket is not None):
            # nobody took them (every window closed): the office day ends them, as at the hub
            self.hall.roll_day(self.sc.day_start(day + 1) + 1.0)
        self.hall.pending.clear()
        self._collect(day, visitors)
        self.outcome.commands = self.commands
        return self.outcome

    def _push(self, t: float, fn, arg) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), fn, arg))

    def _ticket(self, ticket_id: int):
        """A ticket of the simulated day, also after the office day rolled over (past midnight)."""
        return self.hall.tickets.get(ticket_id) or self.hall.yesterday[ticket_id]

    def _try(self, command, *args, **kwargs):
        """Run a people's command; a refusal (the ticket ended at midnight, a window closed at
        the day's end, a transfer nobody can take) is counted, not a crash."""
        try:
            return command(*args, **kwargs)
        except QueueError as exc:
            self.outcome.refused_commands += 1
            log.debug("refused: %s", exc)
            return None

    # ------------------------------------------------------------------ visitors

    def _arrive(self, t: float, v: Visitor) -> None:
        self.commands += 1
        if self.record_points:
            # the same pure projection ``issue`` runs on the same hall and moment: the point
            # estimate behind the printed range (the ticket keeps only the range)
            v.point = estimate.point_for_new_ticket(self.hall, v.topic, t)
        try:
            tk = self.hall.issue(v.topic, t)
        except QueueError:
            self.outcome.refused += 1
            return
        v.ticket = tk.id
        self.by_ticket[tk.id] = v
        self._wake(t, tk)

    def _wake(self, t: float, tk) -> None:
        """A ticket joined the queue: operators sitting idle at windows that can take it call next."""
        for wid, _since in sorted(self.idle.items(), key=lambda kv: (kv[1], kv[0])):
            if tk.state is not TicketState.WAITING:
                return
            w = self.hall.windows[wid]
            if dispatch.eligible(w, [tk]):
                self._free(t, self.desks[wid])

    def _called(self, t: float, desk: Desk, tk) -> None:
        sc = self.sc
        v = self.by_ticket[tk.id]
        second = len(tk.segments) > 1
        every = sc.recall_every * MINUTE
        if v.no_show and not second:
            for k in range(1, sc.recalls + 1):
                self._push(t + k * every, self._recall, tk.id)
            self._push(t + (sc.recalls + 1) * every, self._no_show, (desk, tk.id))
            return
        walk = v.walks[1 if second else 0]
        for k in range(1, sc.recalls + 1):
            if k * every < walk:
                self._push(t + k * every, self._recall, tk.id)
        self._push(t + walk, self._come, (desk, tk.id))

    def _recall(self, t: float, ticket: int) -> None:
        if self._ticket(ticket).state is TicketState.CALLED:
            self.commands += 1
            self._try(self.hall.recall, ticket, t)

    def _no_show(self, t: float, arg) -> None:
        desk, ticket = arg
        self.commands += 1
        self._try(self.hall.no_show, ticket, t)
        self._free(t, desk)

    def _come(self, t: float, arg) -> None:
        desk, ticket = arg
        self.commands += 1
        tk = self._try(self.hall.start, ticket, t)
        if tk is None:  # the ticket ended meanwhile (the office day rolled over at midnight)
            self._free(t, desk)
            return
        v = self.by_ticket[ticket]
        duration = v.cash if len(tk.segments) > 1 else v.service
        self._push(t + duration, self._end, arg)

    def _end(self, t: float, arg) -> None:
        desk, ticket = arg
        tk = self._ticket(ticket)
        v = self.by_ticket[ticket]
        self.commands += 1
        if len(tk.segments) == 1 and v.cash is not None and \
                self._try(self.hall.transfer, ticket, t, service=self.sc.cash_service) is not None:
            self._wake(t, tk)
        elif tk.state is TicketState.SERVING:  # no cash desk to go on to: the visit ends here
            self._try(self.hall.finish, ticket, t)
        if self.sc.wrap_up > 0:
            self._push(t + self.sc.wrap_up * MINUTE, self._free_event, desk)
        else:
            self._free(t, desk)

    # ------------------------------------------------------------------ operators

    def _shift_start(self, t: float, desk: Desk) -> None:
        self.commands += 1
        if self._try(self.hall.open_window, desk.window, t) is None:
            return
        desk.opened_at = t
        self._free(t, desk)

    def _shift_end(self, t: float, desk: Desk) -> None:
        desk.leaving = True
        if desk.window in self.idle:
            self._free(t, desk)

    def _lunch_due(self, t: float, desk: Desk) -> None:
        if desk.lunch_taken:
            return
        desk.lunch_pending = True
        desk.lunch_minutes = desk.shift.lunch[1]
        if desk.window in self.idle:
            self._free(t, desk)

    def _back_from_lunch(self, t: float, desk: Desk) -> None:
        self.commands += 1
        if self._try(self.hall.open_window, desk.window, t) is None:
            return
        desk.opened_at = t
        self._free(t, desk)

    def _free_event(self, t: float, desk: Desk) -> None:
        self._free(t, desk)

    def _retry(self, t: float, desk: Desk) -> None:
        if desk.window in self.idle:
            self._free(t, desk)

    def _account(self, desk: Desk, t: float) -> None:
        if desk.opened_at is not None:
            desk.open_seconds += t - desk.opened_at
            desk.opened_at = None

    def _free(self, t: float, desk: Desk) -> None:
        """The operator at ``desk`` has nobody at the window: leave, lunch, or call the next."""
        hall = self.hall
        wid = desk.window
        self.idle.pop(wid, None)
        w = hall.windows[wid]
        if w.state is not WindowState.OPEN:
            return
        if desk.leaving:
            stay = t >= self.close_at and t < self.close_at + GIVE_UP_AFTER_CLOSE and \
                dispatch.eligible(w, hall.tickets.values())
            if not stay:
                try:
                    self.commands += 1
                    hall.close_window(wid, t, force=t >= self.close_at + GIVE_UP_AFTER_CLOSE)
                    self._account(desk, t)
                    return
                except Conflict:
                    pass  # the break guard: people wait whom nobody else would take
        if desk.lunch_pending and not desk.leaving:
            try:
                self.commands += 1
                hall.pause_window(wid, "lunch", t)
                desk.lunch_pending, desk.lunch_taken = False, True
                self._account(desk, t)
                self._push(t + desk.lunch_minutes * MINUTE, self._back_from_lunch, desk)
                return
            except Conflict:
                self.outcome.lunch_refusals += 1  # keep working; try again when next free
        self.commands += 1
        try:
            tk = hall.call_next(wid, t)
        except QueueError:  # the office day rolled over at midnight: the window closed with it
            self.outcome.refused_commands += 1
            return
        if tk is None:
            self.idle[wid] = t
            if desk.leaving or desk.lunch_pending:
                self._push(t + MINUTE, self._retry, desk)
            return
        self._called(t, desk, tk)

    # ------------------------------------------------------------------ figures

    def _collect(self, day: int, visitors: list[Visitor]) -> None:
        hall, sc = self.hall, self.sc
        warm_until = self.base + _sec(sc.open) + sc.warmup * MINUTE
        busy: dict[int, float] = {}
        for v in visitors:
            if v.ticket is None:
                continue
            tk = self._ticket(v.ticket)
            if not tk.state.terminal:
                raise RuntimeError(f"ticket {tk.code} left {tk.state} at the end of day {day}")
            if tk.segments[0].called_at is None:
                self.outcome.expired += 1  # the day ended before anyone called it
                self.outcome.unserved.append(tk.issued_at - self.base)
                continue
            segs = []
            for seg in tk.segments:
                if seg.called_at is None:
                    continue
                if seg.window is not None and seg.ended_at is not None:
                    busy[seg.window] = busy.get(seg.window, 0.0) + seg.ended_at - seg.called_at
                kind = hall.services[seg.service].kind
                norm = hall.profile.wait_norm(kind)
                segs.append((seg.service, seg.called_at - seg.queued_at, norm.limit_seconds if norm else None))
            first = tk.segments[0]
            self.outcome.visits.append(Visit(
                day=day, topic=v.topic, clock=tk.issued_at - self.base,
                wait=first.called_at - tk.issued_at, estimate=tk.estimate,
                point=None if v.point is None else v.point / MINUTE, segments=segs,
                total=(tk.ended_at or first.called_at) - tk.issued_at,
                no_show=tk.state is TicketState.NO_SHOW, measured=tk.issued_at >= warm_until))
        self.outcome.busy_seconds = busy
        self.outcome.open_seconds = {d.window: d.open_seconds for d in self.desks.values()}


def simulate(scenario: Scenario, policy: str, days: int | None = None, seed: int | None = None,
             on_day=None) -> list[DayOutcome]:
    """Run ``days`` days of the scenario under one dispatch policy; the same seed gives the
    same visitors to every policy (common random numbers), so the policies are compared fairly."""
    sc = scenario.with_days(days, seed)
    sim = Simulator(sc, policy)
    out = []
    for d in range(sc.days):
        out.append(sim.run_day(d, random.Random(f"{sc.seed}:{d}")))
        if on_day:
            on_day(policy, d, out[-1])
    return out

