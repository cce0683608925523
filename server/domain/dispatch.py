"""Dispatch policies: which waiting ticket a window calls next.

A policy is a function ``(window, candidates, now, norms) -> Ticket | None``; ``norms`` gives the
waiting norm (seconds) of a ticket's service, or None where the profile has none.
Policies are named, so an office can choose one in its settings.

Among waiting tickets that are alike (the same service, priority, individual format and
target) a policy calls the older one first; ``norm-aware`` makes one exception, a punctual
visitor before a late one (see ``estimate`` for how the projection treats that).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import LEVELS, Ticket, TicketState, Window

WaitLimit = Callable[[Ticket], "float | None"]
Policy = Callable[[Window, list[Ticket], float, WaitLimit], "Ticket | None"]


def eligible(window: Window, tickets: Iterable[Ticket]) -> list[Ticket]:
    """Waiting tickets this window may call: its services, its level, transfers aimed at it."""
    rank = LEVELS.index(window.level) if window.level in LEVELS else 0
    out = []
    for t in tickets:
        if t.state is not TicketState.WAITING or not window.serves(t.service):
            continue
        if t.target_window is not None and t.target_window != window.id:
            continue
        if LEVELS.index(t.target_level) > rank:
            continue
        out.append(t)
    return out


#: A walk-in this close (seconds) to its waiting norm goes before an appointment whose slot has come.
APPOINTMENT_YIELD = 120.0


def appointment_due(candidates: list[Ticket], now: float, wait_limit: WaitLimit) -> Ticket | None:
    """An appointment ticket whose slot has come (issue 16), to be called ahead of walk-ins — the
    earliest slot first — unless a walk-in is about to break its waiting norm (less than
    ``APPOINTMENT_YIELD`` seconds of slack left, not yet late) or has the individual format (001:378)
    or a transfer's priority: then the policy decides as without appointments."""
    due = [t for t in candidates if t.appointment_at is not None and t.appointment_at <= now]
    if not due:
        return None
    for t in candidates:
        if t.appointment_at is not None:
            continue
        if t.individual or t.priority > 0:
            return None
        slack = (wait_limit(t) or DEFAULT_WAIT_LIMIT) - (now - t.queued_at)
        if 0 <= slack < APPOINTMENT_YIELD:
            return None
    return min(due, key=lambda t: (t.appointment_at, t.id))


def fifo(window: Window, candidates: list[Ticket], now: float, wait_limit: WaitLimit) -> Ticket | None:
    """Oldest first, primary services before secondary ones; individual format and transfers first."""
    if not candidates:
        return None
    due = appointment_due(candidates, now, wait_limit)
    if due is not None:
        return due
    return min(candidates, key=fifo_key(window))


def fifo_key(window: Window) -> Callable[[Ticket], tuple]:
    """``fifo``'s ranking at this window: the least key is called first."""
    return lambda t: (not t.individual, -t.priority, -window.services[t.service], t.queued_at, t.id)


#: How many seconds of slack one step of service weight is worth under ``norm-aware``.
WEIGHT_SLACK = 120.0
#: Without a waiting norm a ticket is treated as if its norm were this long.
DEFAULT_WAIT_LIMIT = 15 * 60.0
#: A visitor already past the norm ranks as if the norm were this much (seconds) longer …
LOST_GRACE = 5 * 60.0
#: … or as if it ran out at this wait (seconds) in all, whichever comes first …
LOST_BY = 15 * 60.0
#: … but never ahead of a visitor who is less than this (seconds) from losing their own norm,
#: so that one late visitor does not make a punctual one late in turn. Among late visitors held
#: at this floor the one who came last goes first: the longest waits are kept to a few visitors
#: instead of spread over all the late ones (the 95th percentile falls, the maximum rises).
LOST_FLOOR = 50.0
#: A visitor whose ticket promised a wait beyond this many times the norm (the lower end of the
#: printed range) is held to the promise instead: their deadline is the range's upper end.
PROMISE_BEYOND = 3.0
#: The safety net: whoever has waited this long (seconds) is called first, oldest first.
STARVING = 60 * 60.0
#: Among late visitors held at ``LOST_FLOOR``, those who have waited this long (seconds) go first,
#: oldest first; the others newest first.
OLD_LATE = float("inf")


def norm_aware(window: Window, candidates: list[Ticket], now: float, wait_limit: WaitLimit) -> Ticket | None:
    """Least slack to the waiting norm first; a visitor already late gets a second, later
    deadline but does not push anyone else past the norm.

    - The individual format (001:378) and transfers (``priority``) always go first.
    - A visitor who can still make the norm is ranked by slack (the norm minus the time waited):
      least slack first. A primary service of the window is worth ``WEIGHT_SLACK`` seconds of
      slack over a secondary one. A ticket that promised far more than the norm
      (``PROMISE_BEYOND``) has the promise's upper end as its deadline instead of the norm.
    - A visitor already past the deadline gets a second one, ``LOST_GRACE`` later or at
      ``LOST_BY`` of waiting, whichever is sooner, and ranks by the slack to it — but never
      ahead of someone less than ``LOST_FLOOR`` from losing their own; late visitors held at
      that floor go newest first.
    - Nobody waits longer than ``STARVING``: such a visitor is called first, oldest first.

    «Least slack first, the late ones in the gaps» keeps the most visitors within a waiting norm
    (shortest time to extinction: Panwar, Towsley and Wolf, 1988); the second deadline keeps the
    late ones from waiting without end, the floor keeps them from starting a cascade of new late
    ones, and holding a long wait to its promise keeps the printed estimate honest.
    ``docs/simulation.md`` and ``docs/bench/simulation.md`` have the figures against ``fifo``.
    """
    if not candidates:
        return None
    due = appointment_due(candidates, now, wait_limit)
    if due is not None:
        return due
    return min(candidates, key=norm_aware_key(window, now, wait_limit))


def norm_aware_key(window: Window, now: float, wait_limit: WaitLimit) -> Callable[[Ticket], tuple]:
    """``norm-aware``'s ranking at this window at ``now``: the least key is called first."""

    def key(t: Ticket):
        limit = wait_limit(t) or DEFAULT_WAIT_LIMIT
        if t.estimate and len(t.segments) <= 1 and t.estimate[0] * 60.0 > PROMISE_BEYOND * limit:
            limit = t.estimate[1] * 60.0
        waited = now - t.queued_at
        slack = limit - waited
        bonus = WEIGHT_SLACK * window.services[t.service]  # candidates are eligible: served here
        if waited > STARVING:
            return (not t.individual, -t.priority, 0, 0.0, (0, t.queued_at), t.id)
        if slack >= 0:
            return (not t.individual, -t.priority, 1, slack - bonus, (0, t.queued_at), t.id)
        second = min(LOST_GRACE + slack, LOST_BY - waited)
        if second > LOST_FLOOR:
            tie = (0, t.queued_at)
        elif waited >= OLD_LATE:  # late this long: oldest first again (the longest waits are capped)
            tie = (-2, t.queued_at)
        else:
            tie = (-1, -t.queued_at)
        return (not t.individual, -t.priority, 1, max(LOST_FLOOR, second) - bonus, tie, t.id)

    return key


POLICIES: dict[str, Policy] = {"fifo": fifo, "norm-aware": norm_aware}
