"""The wait estimate: when will each waiting ticket be called?

The estimate runs the office's own dispatch policy forward from the present: the windows that
are open finish their current visitor after the recent average service time of that service,
then call the next ticket the policy would choose, and so on. That gives a call time for every
waiting ticket at once. The printed range widens the point estimate by the spread seen in
service times (settings ``estimate_low`` / ``estimate_high``) and is rounded to whole minutes.

Above ``MAX_PROJECTED`` waiting tickets the projection would cost too much on every issue, so a
closed form is used instead: the work ahead divided by the windows that serve the service.
"""
from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

from . import dispatch
from .model import Ticket, TicketState, Window, WindowState

if TYPE_CHECKING:
    from .hall import Hall

MAX_PROJECTED = 250
CALL_OVERHEAD = 30.0  # seconds between a call and the visitor sitting down


def _windows_for_projection(hall: "Hall") -> list[Window]:
    open_ = [w for w in hall.windows.values() if w.state is WindowState.OPEN]
    if open_:
        return open_
    # nobody is open yet (the office is just opening): assume the windows will open
    return [w for w in hall.windows.values() if w.state is not WindowState.CLOSED] or list(hall.windows.values())


def project(hall: "Hall", now: float, extra: Ticket | None = None) -> dict[int, float]:
    """Projected call time of every waiting ticket (and of ``extra``, a ticket not yet issued)."""
    waiting = hall.waiting()
    if extra is not None:
        waiting = waiting + [extra]
    if not waiting:
        return {}
    windows = _windows_for_projection(hall)
    if len(waiting) > MAX_PROJECTED:
        return _closed_form(hall, windows, waiting, now)
    policy = dispatch.POLICIES[hall.settings.policy]
    free: list[tuple[float, int]] = []
    for w in windows:
        busy_until = now
        if w.ticket is not None and w.ticket in hall.tickets:
            t = hall.tickets[w.ticket]
            mean = hall.mean_service_time(t.service)
            if t.state is TicketState.SERVING and t.started_at is not None:
                busy_until = now + max(mean - (now - t.started_at), mean * 0.1)
            else:
                busy_until = now + CALL_OVERHEAD + mean
        heapq.heappush(free, (busy_until, w.id))
    by_id = {w.id: w for w in windows}
    remaining = list(waiting)
    called: dict[int, float] = {}
    idle: set[int] = set()
    while free and remaining:
        at, wid = heapq.heappop(free)
        w = by_id[wid]
        chosen = policy(w, dispatch.eligible(w, remaining), at, hall.wait_limit)
        if chosen is None:
            idle.add(wid)  # nothing for this window any more
            continue
        called[chosen.id] = at
        remaining.remove(chosen)
        heapq.heappush(free, (at + CALL_OVERHEAD + hall.mean_service_time(chosen.service), wid))
    return called


def _closed_form(hall: "Hall", windows: list[Window], waiting: list[Ticket], now: float) -> dict[int, float]:
    out: dict[int, float] = {}
    for service_id in {t.service for t in waiting}:
        servers = [w for w in windows if w.serves(service_id)]
        if not servers:
            continue
        queue = sorted((t for t in waiting if t.service == service_id),
                       key=lambda t: (not t.individual, -t.priority, t.queued_at, t.id))
        per_visit = (CALL_OVERHEAD + hall.mean_service_time(service_id)) / len(servers)
        for i, t in enumerate(queue):
            out[t.id] = now + i * per_visit
    return out


def call_order(hall: "Hall", now: float) -> list[int]:
    """Waiting tickets in the order they are expected to be called."""
    projected = project(hall, now)
    return sorted(projected, key=lambda tid: (projected[tid], tid))


def wait_range(hall: "Hall", seconds: float | None) -> tuple[float | None, float | None]:
    """A printed range in whole minutes around a point estimate of seconds."""
    if seconds is None:
        return None, None
    minutes = max(seconds, 0.0) / 60.0
    low = math.floor(minutes * hall.settings.estimate_low)
    high = math.ceil(minutes * hall.settings.estimate_high + 1)
    return float(low), float(max(high, low + 1))


def for_new_ticket(hall: "Hall", service_id: str, now: float, individual: bool = False,
                   priority: int = 0) -> tuple[float | None, float | None]:
    """The range (minutes) printed on a ticket for this service issued now."""
    probe = Ticket(id=-1, office=hall.office, day=hall.day or "", service=service_id, letter="?",
                   number=0, token="", issued_at=now, queued_at=now, individual=individual,
                   priority=priority)
    projected = project(hall, now, extra=probe)
    at = projected.get(-1)
    return wait_range(hall, None if at is None else at - now)


def for_waiting(hall: "Hall", now: float) -> dict[int, tuple[float | None, float | None]]:
    """The current range (minutes) of every waiting ticket, for the board and the visitor page."""
    projected = project(hall, now)
    return {t.id: wait_range(hall, projected[t.id] - now if t.id in projected else None)
            for t in hall.waiting()}
