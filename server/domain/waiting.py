"""The waiting line: the hall's waiting tickets kept in the order each dispatch policy needs, so
that «call next», the new ticket's estimate and «people ahead» do not walk the whole queue
(issue 17 point 1).

Tickets are kept in groups of alike tickets: the same service, individual format, priority,
target window and target level (``estimate._group``). Whether a window may call a ticket depends
only on its group, and so do the first parts of every policy's ranking; inside a group:

- ``fifo`` calls the oldest (``by_age``: sorted by the time it joined the queue);
- ``norm-aware`` ranks a ticket by where it stands against its deadline, which moves only with
  the clock. Each ticket is in one of three stages, and a ticket only moves forward as the clock
  goes on: *punctual* (sorted by its deadline: the norm, or the promise of a ticket that printed
  far more), *late* (past the deadline, sorted by the second deadline ``LOST_GRACE`` /
  ``LOST_BY``), *held* (at the ``LOST_FLOOR``: newest first). The best of a group is among the
  oldest ticket (who may be starving), the front of each stage, and the tickets next to a
  stage's edge; those few are ranked with the policy's own key, so the answer is the policy's.

The full recomputation (``dispatch.POLICIES[...]`` over ``dispatch.eligible`` of every waiting
ticket) stays the reference; ``tests/test_core_incremental.py`` checks that both agree.
Everything here is pure: no I/O, time passed in.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable

from . import dispatch
from .model import Ticket, Window

#: seconds: a ticket this close to a stage's edge is ranked with the policy's own key (rounding)
EDGE = 1e-3
#: below this many waiting tickets the full recomputation is cheaper than the line's bookkeeping,
#: and ``Hall`` asks it instead (the answers are the same)
SHORT_QUEUE = 24

GroupKey = tuple


def group_of(t: Ticket) -> GroupKey:
    """The group of alike tickets (the same as ``estimate._group``)."""
    return (t.service, t.priority, t.individual, t.target_window, t.target_level)


class Group:
    """The waiting tickets of one group, in the orders the policies need."""

    __slots__ = ("key", "tickets", "by_age", "walk_ins", "limit", "seen", "punctual", "late", "held", "marks")

    def __init__(self, key: GroupKey):
        self.key = key
        self.tickets: dict[int, Ticket] = {}
        self.by_age: list[tuple[float, int]] = []
        self.walk_ins = 0  # tickets without an appointment
        self.limit: float | None = None  # the waiting norm the stages were ranked with (None: not yet)
        self.seen = float("-inf")  # the latest time the stages were brought up to
        self.punctual: list[tuple[float, float, int]] = []  # (deadline, queued_at, id)
        self.late: list[tuple[float, float, int]] = []  # (second deadline, queued_at, id)
        self.held: list[tuple[float, int]] = []  # (-queued_at, id)
        self.marks: dict[int, tuple[int, tuple]] = {}  # id → (stage 0/1/2, its entry)

    def __len__(self) -> int:
        return len(self.tickets)

    @property
    def sample(self) -> Ticket:
        return next(iter(self.tickets.values()))

    def oldest(self) -> Ticket:
        return self.tickets[self.by_age[0][1]]

    # ---------------------------------------------------------------- joining and leaving

    def add(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        insort(self.by_age, (t.queued_at, t.id))
        if t.appointment_at is None:
            self.walk_ins += 1
        if self.limit is not None:
            self._enter(t)

    def remove(self, t: Ticket, queued_at: float) -> None:
        del self.tickets[t.id]
        _drop(self.by_age, (queued_at, t.id))
        if t.appointment_at is None:
            self.walk_ins -= 1
        mark = self.marks.pop(t.id, None)
        if mark is not None:
            _drop((self.punctual, self.late, self.held)[mark[0]], mark[1])

    # ---------------------------------------------------------------- the stages (norm-aware)

    def _deadline(self, t: Ticket) -> float:
        """When the ticket's wait reaches its deadline: the norm, or the printed promise when it
        promised far more than the norm (``dispatch.PROMISE_BEYOND``)."""
        limit = self.limit
        if t.estimate and len(t.segments) <= 1 and t.estimate[0] * 60.0 > dispatch.PROMISE_BEYOND * limit:
            limit = t.estimate[1] * 60.0
        return t.queued_at + limit

    def _enter(self, t: Ticket) -> None:
        entry = (self._deadline(t), t.queued_at, t.id)
        insort(self.punctual, entry)
        self.marks[t.id] = (0, entry)

    def ready(self, now: float, limit: float) -> None:
        """Bring the stages up to ``now`` for a group whose waiting norm is ``limit``: tickets past
        their deadline move on to «late», those at the floor on to «held». A different norm (the
        profile changed) or a clock set back ranks the group anew."""
        if limit != self.limit or now < self.seen:
            self.limit, self.seen = limit, float("-inf")
            self.punctual, self.late, self.held, self.marks = [], [], [], {}
            for t in self.tickets.values():
                self._enter(t)
        self.seen = now
        cut = bisect_left(self.punctual, (now - EDGE,))
        if cut:
            moved, self.punctual[:cut] = self.punctual[:cut], []
            for deadline, queued_at, tid in moved:
                entry = (min(dispatch.LOST_GRACE + deadline, dispatch.LOST_BY + queued_at), queued_at, tid)
                insort(self.late, entry)
                self.marks[tid] = (1, entry)
        cut = bisect_left(self.late, (now + dispatch.LOST_FLOOR - EDGE,))
        if cut:
            moved, self.late[:cut] = self.late[:cut], []
            for _, queued_at, tid in moved:
                entry = (-queued_at, tid)
                insort(self.held, entry)
                self.marks[tid] = (2, entry)

    def contenders(self, now: float) -> list[Ticket]:
        """The tickets of this group that may rank first under ``norm-aware`` (after ``ready``):
        the oldest (the starving go first, oldest first), the front of each stage and whoever is
        next to a stage's edge or tied with its front within rounding."""
        ids = {self.by_age[0][1]}
        ids.update(e[2] for e in _front(self.punctual, now))
        ids.update(e[2] for e in _front(self.late, now + dispatch.LOST_FLOOR))
        if self.held:  # newest first at the floor (the oldest, were ``OLD_LATE`` finite)
            ids.update((self.held[0][1], self.held[-1][1]))
        return [self.tickets[i] for i in ids]


def _drop(items: list, entry: tuple) -> None:
    i = bisect_left(items, entry)
    if i < len(items) and items[i] == entry:
        del items[i]


def _front(items: list[tuple], edge: float) -> list[tuple]:
    """The entries up to ``edge`` (within rounding), then the first entry beyond it and those tied
    with it within rounding."""
    out = []
    first = None
    for entry in items:
        if entry[0] <= edge + 2 * EDGE:
            out.append(entry)
        elif first is None or entry[0] <= first + 2 * EDGE:
            first = entry[0] if first is None else first
            out.append(entry)
        else:
            break
    return out


class WaitingLine:
    """The waiting tickets of a hall in groups (see the module's text)."""

    def __init__(self) -> None:
        self.groups: dict[GroupKey, Group] = {}
        self.where: dict[int, tuple[GroupKey, float]] = {}  # id → (group, queued_at) as it joined
        self.appointments: dict[int, Ticket] = {}

    def __len__(self) -> int:
        return len(self.where)

    def __contains__(self, ticket_id: int) -> bool:
        return ticket_id in self.where

    def add(self, t: Ticket) -> None:
        self.discard(t)
        key = group_of(t)
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = Group(key)
        g.add(t)
        self.where[t.id] = (key, t.queued_at)
        if t.appointment_at is not None:
            self.appointments[t.id] = t

    def discard(self, t: Ticket) -> None:
        place = self.where.pop(t.id, None)
        if place is None:
            return
        g = self.groups[place[0]]
        g.remove(t, place[1])
        if not g.tickets:
            del self.groups[place[0]]
        self.appointments.pop(t.id, None)

    def clear(self) -> None:
        self.groups.clear()
        self.where.clear()
        self.appointments.clear()

    def of_service(self, service_id: str) -> list[Group]:
        return [g for key, g in self.groups.items() if key[0] == service_id]

    # ---------------------------------------------------------------- call next

    def next_for(self, window: Window, now: float, policy: str, wait_limit: Callable) -> Ticket | None:
        """The ticket ``policy`` (``fifo`` or ``norm-aware``) calls to ``window`` now: the same
        ticket as ``dispatch.POLICIES[policy]`` over every eligible waiting ticket."""
        groups = [g for g in self.groups.values() if dispatch.eligible(window, [g.sample])]
        if not groups:
            return None
        due = self._appointment_due(window, groups, now, wait_limit)
        if due is not None:
            return due
        if policy == "fifo":
            return min((g.oldest() for g in groups), key=dispatch.fifo_key(window))
        contenders = []
        for g in groups:
            g.ready(now, wait_limit(g.sample) or dispatch.DEFAULT_WAIT_LIMIT)
            contenders.extend(g.contenders(now))
        return min(contenders, key=dispatch.norm_aware_key(window, now, wait_limit))

    def _appointment_due(self, window: Window, groups: list[Group], now: float,
                         wait_limit: Callable) -> Ticket | None:
        """``dispatch.appointment_due`` over the groups this window may call."""
        due = [t for t in self.appointments.values()
               if t.appointment_at <= now and dispatch.eligible(window, [t])]
        if not due:
            return None
        for g in groups:
            if not g.walk_ins:
                continue
            if g.key[2] or g.key[1] > 0:  # individual format or a transfer's priority
                return None
            if _about_to_break(g, now, wait_limit(g.sample) or dispatch.DEFAULT_WAIT_LIMIT):
                return None
        return min(due, key=lambda t: (t.appointment_at, t.id))


def _about_to_break(g: Group, now: float, limit: float) -> bool:
    """A walk-in of the group has less than ``APPOINTMENT_YIELD`` seconds left to its waiting norm
    (and is not yet late). The least slack among those not late is the oldest of them."""
    for queued_at, tid in g.by_age[bisect_right(g.by_age, (now - limit - 1.0, float("inf"))):]:
        t = g.tickets[tid]
        if t.appointment_at is not None:
            continue
        slack = limit - (now - queued_at)
        if slack < 0:
            continue
        return slack < dispatch.APPOINTMENT_YIELD
    return False


def ahead_of(line: WaitingLine, t: Ticket, window: Window, now: float, policy: str, wait_limit: Callable) -> int:
    """The waiting tickets of ``t``'s service that ``policy`` calls to ``window`` before ``t``, asked
    pair by pair (``Hall.people_ahead_of_new``), counted group by group; ``t`` has no appointment."""
    key = dispatch.fifo_key(window) if policy == "fifo" else dispatch.norm_aware_key(window, now, wait_limit)
    ref = key(t)
    count = 0
    for g in line.of_service(t.service):
        count += _ahead_in(g, t, ref, key, window, now, policy, wait_limit)
    # a pair with an appointment whose slot has come is answered by ``dispatch.appointment_due``:
    # those few, one by one
    pair = dispatch.POLICIES[policy]
    for x in line.appointments.values():
        if x.service == t.service and x.id != t.id:
            count += (pair(window, [x, t], now, wait_limit) is x) - (key(x) < ref)
    return count


def _ahead_in(g: Group, t: Ticket, ref: tuple, key: Callable, window: Window, now: float, policy: str,
              wait_limit: Callable) -> int:
    mine = (not g.key[2], -g.key[1])
    if mine != ref[:2]:  # the individual format and a transfer's priority come first
        return len(g) - (t.id in g.tickets) if mine < ref[:2] else 0
    if policy == "fifo":
        return bisect_left(g.by_age, (t.queued_at, t.id))
    if ref[2] == 0:  # ``t`` is starving: only the older ones, starving too, come first
        return bisect_left(g.by_age, (t.queued_at, t.id))
    if dispatch.OLD_LATE != float("inf"):
        return sum(1 for x in g.tickets.values() if x.id != t.id and key(x) < ref)
    g.ready(now, wait_limit(g.sample) or dispatch.DEFAULT_WAIT_LIMIT)
    bonus = dispatch.WEIGHT_SLACK * window.services[t.service]
    edge = now + ref[3] + bonus  # where ``t`` stands, in the stages' own terms
    exact: set[int] = set()
    counted = [0, 0, 0]  # per stage: the entries before this index are counted as ahead
    count = 0
    for stage, items, border in ((0, g.punctual, now), (1, g.late, now + dispatch.LOST_FLOOR)):
        lo = bisect_left(items, (edge - 2 * EDGE,))
        hi = bisect_right(items, (edge + 2 * EDGE, float("inf")))
        counted[stage] = lo
        count += lo
        exact.update(e[-1] for e in items[lo:hi])
        # next to the stage's own edge the policy's key decides (a ticket just late, or at the floor)
        near = range(bisect_left(items, (border - 2 * EDGE,)), bisect_right(items, (border + 2 * EDGE, float("inf"))))
        for i in near:
            if lo <= i < hi or items[i][-1] in exact:
                continue
            exact.add(items[i][-1])
            if i < lo:
                count -= 1
    held = dispatch.LOST_FLOOR - bonus  # the key of everyone held at the floor
    if held < ref[3] or (held == ref[3] and ref[4][0] > -1):
        counted[2] = len(g.held)
    elif held == ref[3]:
        counted[2] = bisect_left(g.held, (ref[4][1], ref[5]))
    count += counted[2]
    mine_exact = t.id in exact  # then its own place is already left out of the count
    exact.discard(t.id)
    count += sum(1 for i in exact if key(g.tickets[i]) < ref)
    # the starving are ahead of ``t`` wherever their stage put them
    for queued_at, tid in g.by_age:
        if not now - queued_at > dispatch.STARVING:
            break
        if tid in exact or tid == t.id:
            continue
        stage, entry = g.marks[tid]
        if bisect_left((g.punctual, g.late, g.held)[stage], entry) >= counted[stage]:
            count += 1
    if t.id in g.marks and not mine_exact:
        stage, entry = g.marks[t.id]
        if bisect_left((g.punctual, g.late, g.held)[stage], entry) < counted[stage]:
            count -= 1
    return count
