"""Dispatch policies: which waiting ticket a window calls next.

A policy is a function ``(window, candidates, now, norms) -> Ticket | None``; ``norms`` gives the
waiting norm (seconds) of a ticket's service, or None where the profile has none.
Policies are named, so an office can choose one in its settings.
"""
from __future__ import annotations

from typing import Callable, Iterable

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


def fifo(window: Window, candidates: list[Ticket], now: float, wait_limit: WaitLimit) -> Ticket | None:
    """Oldest first, primary services before secondary ones; individual format and transfers first."""
    if not candidates:
        return None
    return min(candidates, key=lambda t: (
        not t.individual, -t.priority, -window.services.get(t.service, 0), t.queued_at, t.id))


#: How many seconds of slack one step of service weight is worth under ``norm-aware``.
WEIGHT_SLACK = 120.0
#: Without a waiting norm a ticket is treated as if its norm were this long.
DEFAULT_WAIT_LIMIT = 15 * 60.0


def norm_aware(window: Window, candidates: list[Ticket], now: float, wait_limit: WaitLimit) -> Ticket | None:
    """Least slack to the waiting norm first, among tickets that can still make their norm.

    Tickets already past their norm can not be saved for the «within the norm» share; they are
    taken oldest first once no ticket that can still be saved is waiting, and any ticket past
    twice its norm is taken at once so that nobody waits without end (p95 and max stay bounded).
    The individual format (001:378) and transfers (``priority``) always go first; a primary
    service is worth ``WEIGHT_SLACK`` seconds of slack over a secondary one.
    """
    if not candidates:
        return None

    def key(t: Ticket):
        limit = wait_limit(t) or DEFAULT_WAIT_LIMIT
        waited = now - t.queued_at
        slack = limit - waited
        bonus = WEIGHT_SLACK * (window.services.get(t.service, 0) - 1)
        if waited > 2 * limit:
            band, order = 0, t.queued_at           # starving: oldest first, before anything else
        elif slack >= 0:
            band, order = 1, slack - bonus          # can still make it: least slack first
        else:
            band, order = 2, t.queued_at - bonus    # lost for the norm: oldest first
        return (not t.individual, -t.priority, band, order, t.id)

    return min(candidates, key=key)


POLICIES: dict[str, Policy] = {"fifo": fifo, "norm-aware": norm_aware}
