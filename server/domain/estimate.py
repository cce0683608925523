"""The wait estimate: when will each waiting ticket be called?

The estimate runs the office's own dispatch policy forward from the present, the way the day
will most likely go:

- the windows that are open finish their current visitor (the expected rest of a service that
  has already run for a while, from the recent service times), windows on a break come back
  after a usual break, then every window calls the next ticket the policy would choose, and so
  on;
- a call takes a window for the time calls of that service have recently taken it (the walk to
  the window, recalls, no-shows and the service itself: ``Hall.occupancy``), shrunk towards the
  norm while there are few observations;
- visitors who have not come yet are part of the projection: each service's queue keeps
  receiving visitors (and transfers, which go first) at the rate seen over the last hour
  (``Hall.queued_log``), until the office closes. Under ``norm-aware`` a later cash-desk
  visitor with a 4-minute norm is called before an earlier consultation, and under ``fifo`` a
  window's primary service is called before its secondary ones: without the visitors still to
  come the estimate would be too short.

That gives a call time for every waiting ticket at once. The printed range is that point ± a
margin that grows with the square root of the wait (the sum of many service times spreads
like that) and is rounded outwards to whole minutes; ``docs/simulation.md`` records how often
the real wait falls inside it on the peak-day scenario.

To stay fast, the projection lets only the oldest ticket of each group of alike tickets (the
same service, priority, individual format and target) be called at each step: policies call
the older of two alike tickets first, except that ``norm-aware`` lets a punctual visitor go
before an older one who is already late. Following that exception too made the estimate
measurably worse on the peak-day scenario (the late visitor's own call comes sooner than it
predicts), so the projection keeps the simpler rule.

Above ``MAX_PROJECTED`` waiting tickets the projection would cost too much on every issue, so a
closed form is used instead: the work ahead divided by the windows that serve the service.
"""
from __future__ import annotations

import bisect
import heapq
import math
from datetime import timedelta
from typing import TYPE_CHECKING

from . import dispatch
from .model import Ticket, TicketState, Window, WindowState

if TYPE_CHECKING:
    from .hall import Hall

MAX_PROJECTED = 250
CALL_OVERHEAD = 30.0  # seconds between a call and the visitor sitting down, before anything is observed
PRIOR_WEIGHT = 3.0  # the prior (norm-based) call time counts as this many observations
DEFAULT_SCV = 0.35  # spread of call times (variance / mean²) before anything is observed
ORDER_DRAWS = 16  # lattice points for the expected order of the busy windows' finishing times
ARRIVAL_WINDOW = 3600.0  # visitors of the last hour give the rates of the visitors still to come
MIN_SPAN = 20 * 60.0  # a rate is never measured over less than this
ARRIVAL_WEIGHT = 1.0  # visitors still to come count at this weight in the projection
HORIZON = 4 * 3600.0  # visitors still to come are projected at most this far ahead
#: a window closed within this long after reception opened is expected to open (operators arrive)
OPENING_GRACE = 15 * 60.0
#: a planned break of an open window counts as not yet taken unless the window (re)opened later
#: than this many seconds before the break's start
BREAK_SLACK = 10 * 60.0
#: today's visitors so far against the forecast: this many visitors of prior on each side
FORECAST_PRIOR = 8.0
FORECAST_SCALE = (0.5, 2.0)  # how far today's flow may move the forecast, at most
#: a new ticket «waits for a window to open» when no window of its service is open and the first
#: one comes later than this
OPENS_LATER = 60.0
#: how long a window on a break is expected to stay away, by the reason of the pause
PAUSE_EXPECTED = {"lunch": 45 * 60.0, "technical": 10 * 60.0, "other": 15 * 60.0}
#: the range: point ± Z · sqrt(SPREAD_PER_SECOND · point + SPREAD_BASE²), rounded outwards
Z = 1.6  # 1.4 on peak-day alone; 1.6 tuned on the family's tune half (issue 13) with the width rule capping it
SPREAD_PER_SECOND = 45.0  # seconds² of variance per second of projected wait
SPREAD_BASE = 45.0  # seconds: even «now» is not exact (a walk, a recall)
#: the width rule (issue 13): a printed range is at most WIDTH_SHARE × its middle + WIDTH_BASE minutes
WIDTH_SHARE = 0.4
WIDTH_BASE = 4.0


# ---------------------------------------------------------------------- what the hall has seen

def call_stats(hall: Hall, service_id: str) -> tuple[float, float]:
    """(mean seconds, squared coefficient of variation) of how long one call of this service
    takes a window (call → end), the norm-based prior counting as ``PRIOR_WEIGHT`` observations."""
    prior = CALL_OVERHEAD + hall.mean_service_time(service_id)
    seen = hall.occupancy.get(service_id)
    if not seen:
        return prior, DEFAULT_SCV
    n, total = len(seen), sum(seen)
    mean = (total + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)
    if n < 5:
        return mean, DEFAULT_SCV
    m = total / n
    scv = sum((x - m) ** 2 for x in seen) / (n - 1) / (m * m) if m > 0 else DEFAULT_SCV
    return mean, (scv * n + DEFAULT_SCV * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)


def call_time(hall: Hall, service_id: str) -> float:
    """Expected seconds a window is taken by one call of this service (call → end)."""
    return call_stats(hall, service_id)[0]


def arrival_rates(hall: Hall, now: float) -> list[tuple[str, int, float]]:
    """(service, priority, visitors per second) of the queues, from the last hour's arrivals."""
    out = []
    since = now - ARRIVAL_WINDOW
    for service_id, log in hall.queued_log.items():
        counts: dict[int, int] = {}
        first = now
        for at, priority in reversed(log):
            if at < since:
                break
            if at > now:
                continue
            key = 1 if priority > 0 else 0
            counts[key] = counts.get(key, 0) + 1
            first = at
        n = sum(counts.values())
        if not n:
            continue
        # the first arrival seen starts the span; one mean gap is added for the one before it
        span = min(ARRIVAL_WINDOW, max(MIN_SPAN, (now - first) * (n + 1) / n))
        for priority, count in counts.items():
            out.append((service_id, priority, ARRIVAL_WEIGHT * count / span))
    return out


def _residuals(hall: Hall, t: Ticket, now: float, sorted_seen: dict) -> list[float]:
    """Possible seconds until the window now busy with ``t`` is free (a sample, sorted): the
    recent calls of the same service that lasted longer than this one has so far."""
    if t.state is TicketState.SERVING and t.started_at is not None:
        elapsed, key = now - t.started_at, ("service", t.service)
        if key not in sorted_seen:
            sorted_seen[key] = sorted(hall.recent.get(t.service) or ())
        mean = hall.mean_service_time(t.service)
    else:
        elapsed, key = now - (t.called_at if t.called_at is not None else now), ("call", t.service)
        if key not in sorted_seen:
            sorted_seen[key] = sorted(hall.occupancy.get(t.service) or ())
        mean = call_time(hall, t.service)
    seen = sorted_seen[key]
    longer = seen[bisect.bisect_right(seen, elapsed):]
    if len(longer) >= 3:
        return [x - elapsed for x in longer]
    if len(seen) >= 5:  # longer than nearly every call seen: it should end soon
        return [max(60.0, 0.2 * mean)]
    return [max(mean - elapsed, 0.2 * mean)]


def _order_statistics(samples: list[list[float]]) -> list[float]:
    """Expected k-th smallest of independent residuals, k = 1 … n (windows finish in parallel:
    the first window free comes sooner than any one window's expected residual). Computed on a
    fixed lattice of quantiles, so the result is the same for the same hall."""
    n = len(samples)
    if n == 1:
        return [sum(samples[0]) / len(samples[0])]
    sums = [0.0] * n
    for d in range(ORDER_DRAWS):
        # window i takes its sample's value at quantile u = (d + ½)/D + i·φ (mod 1)
        draw = sorted(xs[int(((d + 0.5) / ORDER_DRAWS + i * 0.6180339887) % 1.0 * len(xs))]
                      for i, xs in enumerate(samples))
        for k, x in enumerate(draw):
            sums[k] += x
    return [x / ORDER_DRAWS for x in sums]


def _reception_start(hall: Hall, now: float) -> float | None:
    """When the current (or the next, today) reception interval starts, epoch seconds."""
    local = hall.schedule.local(now)
    hours = hall.schedule.hours_on(local.date())
    if hours is None:
        return None
    for a, b in hours.intervals():
        if local.time() < b:
            return local.replace(hour=a.hour, minute=a.minute, second=0, microsecond=0).timestamp()
    return None


_BREAKS: list = [None, None, None, -1.0, -1.0, {}]  # rota, schedule, day, from, to → {number: [(start, end)]}


def _today_breaks(hall: Hall, w: Window, now: float) -> list[tuple[float, float]]:
    """The window's planned breaks of today (the rota) that end after ``now``, epoch seconds.
    The day's breaks are worked out once per rota and day (this runs on every issue)."""
    rota = hall.rota
    if not rota:
        return []
    c = _BREAKS
    if c[0] is not rota or c[1] is not hall.schedule or not c[3] <= now < c[4]:
        local = hall.schedule.local(now)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        day: dict[int, list[tuple[float, float]]] = {}
        for number in rota.windows():
            day[number] = [(midnight.replace(hour=b.start.hour, minute=b.start.minute).timestamp(),
                            midnight.replace(hour=b.end.hour, minute=b.end.minute).timestamp())
                           for b in rota.breaks_on(number, local.date())]
        c[:] = [rota, hall.schedule, local.date(), midnight.timestamp(),
                (midnight + timedelta(days=1)).timestamp(), day]
    return [(a, b) for a, b in c[5].get(w.number, ()) if b > now]


def _windows_for_projection(hall: Hall, now: float, breaks: dict | None = None) -> list[tuple[float, Window]]:
    """The windows that will call tickets, with the moment each is next free.

    Open windows finish their visitor; a window on a break comes back at the end of its planned
    break (the rota: as long as the break from when it was taken) or after a usual break; closed
    windows are expected only while reception is just opening. ``breaks`` (when given) is filled
    with each window's planned breaks still to be taken today."""
    out = []
    busy: list[tuple[float, Window, list[float]]] = []
    sorted_seen: dict = {}
    for w in hall.windows.values():
        planned = _today_breaks(hall, w, now)
        if w.state is WindowState.OPEN:
            if breaks is not None and planned:
                since = w.since if w.since is not None else now
                pending = [(a, b) for a, b in planned if since < a - BREAK_SLACK]
                if pending:
                    breaks[w.id] = pending
            if w.ticket is not None and w.ticket in hall.tickets:
                rs = _residuals(hall, hall.tickets[w.ticket], now, sorted_seen)
                busy.append((sum(rs) / len(rs), w, rs))
            else:
                out.append((now, w))
        elif w.state is WindowState.PAUSED:
            since = w.since or now
            going = [(a, b) for a, b in planned if a - BREAK_SLACK <= now < b + BREAK_SLACK]
            if going:  # a planned break: as long as planned, from when it was taken
                a, b = going[0]
                back = since + (b - a)
            else:
                back = since + PAUSE_EXPECTED.get(w.pause_reason or "other", PAUSE_EXPECTED["other"])
            if breaks is not None:
                later = [(a, b) for a, b in planned if a > back]
                if later:
                    breaks[w.id] = later
            out.append((max(back, now + 60.0), w))
    if busy:
        # the window expected to finish first gets the expected first finishing time, and so on
        busy.sort(key=lambda b: (b[0], b[1].id))
        for at, (_, w, _) in zip(_order_statistics([b[2] for b in busy]), busy, strict=True):
            out.append((now + at, w))
    if any(w.state is WindowState.OPEN for _, w in out):
        return out
    # nobody is open: while reception is just opening (or before it opens) the closed windows are
    # expected to open with it; later a closed window is not expected back
    start = _reception_start(hall, now)
    if start is not None and now < start + OPENING_GRACE:
        opening = max(now, start)
        for w in hall.windows.values():
            if w.state is WindowState.CLOSED:
                if breaks is not None:
                    pending = _today_breaks(hall, w, now)
                    if pending:
                        breaks[w.id] = pending
                out.append((opening, w))
    return out


# ---------------------------------------------------------------------- the projection

def project(hall: Hall, now: float, extra: Ticket | None = None) -> dict[int, float]:
    """Projected call time of every waiting ticket (and of ``extra``, a ticket not yet issued)."""
    return _project(hall, now, extra, stop_at=None)


def _project(hall: Hall, now: float, extra: Ticket | None, stop_at: int | None) -> dict[int, float]:
    waiting = hall.waiting()
    if extra is not None:
        if not waiting:  # nobody else waits: a free window that can take it calls it at once
            for w in hall.windows.values():
                if w.state is WindowState.OPEN and w.ticket is None and dispatch.eligible(w, [extra]):
                    return {extra.id: now}
        waiting.append(extra)
    if not waiting:
        return {}
    breaks: dict[int, list[tuple[float, float]]] = {}
    windows = _windows_for_projection(hall, now, breaks)
    if len(waiting) > MAX_PROJECTED:
        return _closed_form(hall, [w for _, w in windows], waiting, now)
    policy = dispatch.POLICIES[hall.settings.policy]
    wait_limit = hall.wait_limit
    cycles: dict[str, tuple[float, float]] = {}

    def stats(service_id: str) -> tuple[float, float]:
        c = cycles.get(service_id)
        if c is None:
            c = cycles[service_id] = call_stats(hall, service_id)
        return c

    # groups of alike tickets, each in age order: only the head of a group can be called next
    groups: dict[tuple, list[Ticket]] = {}
    for t in sorted(waiting, key=lambda x: (x.queued_at, x.id)):
        groups.setdefault(_group(t), []).append(t)
    by_window = {w.id: w for _, w in windows}
    serves = {w.id: _reach(w) for w in by_window.values()}
    # real tickets some projected window can call (the rest get no estimate)
    reachable = [t for t in waiting if any(dispatch.eligible(w, [t]) for w in by_window.values())]
    left = len(reachable)
    if not left or (stop_at is not None and all(t.id != stop_at for t in reachable)):
        return {}

    # visitors still to come: one stream per (service, priority), spaced by its expected rate
    closes = hall.schedule.closes_at(now)
    until = min(now + HORIZON, closes.timestamp() if closes else now + HORIZON)
    streams = _streams(hall, now, until, {s for reach in serves.values() for s in reach})
    future = [(s.at, i) for i, s in enumerate(streams)]
    heapq.heapify(future)
    synthetic_id = -2

    free = [(at, w.id) for at, w in windows]
    heapq.heapify(free)
    called: dict[int, float] = {}
    renewed: set[int] = set()
    while free and left:
        at, wid = heapq.heappop(free)
        while future and future[0][0] <= at:  # visitors who have come by then join the queues
            when, i = heapq.heappop(future)
            s = streams[i]
            ghost = Ticket(id=synthetic_id, office=hall.office, day="", service=s.service, letter="", number=0,
                           token="", issued_at=when, queued_at=when, priority=s.priority)
            synthetic_id -= 1
            groups.setdefault(_group(ghost), []).append(ghost)
            if s.advance(1.0, until) is not None:
                heapq.heappush(future, (s.at, i))
        plan = breaks.get(wid)
        if plan and at >= plan[0][0] - 60.0:
            # the planned break: taken when the window is next free, for as long as planned
            a, b = plan.pop(0)
            heapq.heappush(free, (max(at, a) + (b - a), wid))
            continue
        w = by_window[wid]
        heads = [g[0] for key, g in groups.items() if g and key[0] in serves[wid]]
        chosen = policy(w, dispatch.eligible(w, heads), at, wait_limit) if heads else None
        if chosen is None:
            nxt = min((when for when, i in future if streams[i].service in serves[wid]), default=None)
            if plan and (nxt is None or nxt >= plan[0][0]):
                nxt = plan[0][0]  # idle until its break
            if nxt is not None:
                heapq.heappush(free, (nxt, wid))  # idle until someone it can serve comes
            continue
        groups[_group(chosen)].pop(0)
        if chosen.id > -2:
            called[chosen.id] = at
            left -= 1
            if chosen.id == stop_at:
                break
        mean, scv = stats(chosen.service)
        if wid not in renewed:
            # Service times vary: a window finishes its k-th visitor on average SCV·mean/2 sooner
            # than k fixed-length visits would say (renewal theory), so the first visit in the
            # projection is shortened by that much and every later call moves up with it.
            renewed.add(wid)
            mean -= scv * mean / 2.0
        heapq.heappush(free, (at + mean, wid))
    return called


class _Stream:
    """Visitors still to come for one (service, priority): the k-th is projected where the
    expected count since now reaches k − ½. The rate is the office's forecast for each hour of
    the day (``Hall.forecast``) scaled by how today's flow compares with it, or else the rate
    seen over the last hour."""

    __slots__ = ("service", "priority", "hourly", "base", "at")

    def __init__(self, service: str, priority: int, hourly: list[float] | None, base: float):
        self.service, self.priority, self.hourly, self.base = service, priority, hourly, base
        self.at = 0.0

    def advance(self, need: float, until: float) -> float | None:
        """Move ``at`` on to where ``need`` more visitors are expected; None past ``until``."""
        x = self.at
        hourly = self.hourly
        while x < until:
            if hourly is None:
                return self._set(x + need * 3600.0, until)
            hour = int((x - self.base) // 3600.0)
            end = min(self.base + (hour + 1) * 3600.0, until)
            rate = hourly[hour] / 3600.0 if 0 <= hour < len(hourly) else 0.0
            if rate > 0 and rate * (end - x) >= need:
                return self._set(x + need / rate, until)
            need -= rate * (end - x)
            x = end
        self.at = until
        return None

    def _set(self, at: float, until: float) -> float | None:
        self.at = at
        return at if at < until else None


def _streams(hall: Hall, now: float, until: float, served: set[str]) -> list[_Stream]:
    out: list[_Stream] = []
    forecast = getattr(hall, "forecast", None)
    if forecast:
        local = hall.schedule.local(now)
        base = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        start = _reception_start(hall, now)
        seen_from = max(now - ARRIVAL_WINDOW, start if start is not None and start < now else now - ARRIVAL_WINDOW)
        for (service_id, priority), hourly in forecast.items():
            if service_id not in served or service_id not in hall.services:
                continue
            # today against the forecast over the last hour: scale the rest of the day by it
            seen = 0
            for at, p in reversed(hall.queued_log.get(service_id, ())):
                if at < seen_from:
                    break
                if at <= now and (1 if p > 0 else 0) == priority:
                    seen += 1
            expected = _expected(hourly, base, seen_from, now)
            scale = min(FORECAST_SCALE[1], max(FORECAST_SCALE[0],
                                               (seen + FORECAST_PRIOR) / (expected + FORECAST_PRIOR)))
            s = _Stream(service_id, priority, [r * scale for r in hourly], base)
            s.at = now
            if s.advance(0.5, until) is not None:
                out.append(s)
        return out
    for service_id, priority, rate in arrival_rates(hall, now):
        if rate > 0 and service_id in hall.services and service_id in served:
            out.append(_ConstStream(service_id, priority, rate, now, until))
    return [x for x in out if x.at < until]


class _ConstStream(_Stream):
    """Visitors still to come at a constant rate (no forecast): evenly spaced, the first half a gap away."""

    __slots__ = ("gap",)

    def __init__(self, service: str, priority: int, rate: float, now: float, until: float):
        super().__init__(service, priority, None, now)
        self.gap = 1.0 / rate
        self.at = now + 0.5 * self.gap

    def advance(self, need: float, until: float) -> float | None:
        return self._set(self.at + need * self.gap, until)


def _expected(hourly: list[float], base: float, a: float, b: float) -> float:
    """Visitors the hourly forecast expects between ``a`` and ``b`` (epoch seconds)."""
    total, x = 0.0, a
    while x < b:
        hour = int((x - base) // 3600.0)
        end = min(base + (hour + 1) * 3600.0, b)
        if 0 <= hour < len(hourly):
            total += hourly[hour] * (end - x) / 3600.0
        x = end
    return total


def _group(t: Ticket) -> tuple:
    return (t.service, t.priority, t.individual, t.target_window, t.target_level)


def _reach(w: Window) -> frozenset[str]:
    return frozenset(s for s, weight in w.services.items() if weight > 0)


def _closed_form(hall: Hall, windows: list[Window], waiting: list[Ticket], now: float) -> dict[int, float]:
    out: dict[int, float] = {}
    for service_id in {t.service for t in waiting}:
        servers = [w for w in windows if w.serves(service_id)]
        if not servers:
            continue
        queue = sorted((t for t in waiting if t.service == service_id),
                       key=lambda t: (not t.individual, -t.priority, t.queued_at, t.id))
        per_visit = call_time(hall, service_id) / len(servers)
        for i, t in enumerate(queue):
            out[t.id] = now + i * per_visit
    return out


def call_order(hall: Hall, now: float) -> list[int]:
    """Waiting tickets in the order they are expected to be called."""
    projected = project(hall, now)
    return sorted(projected, key=lambda tid: (projected[tid], tid))


def spread(seconds: float) -> float:
    """The margin (seconds) around a projected wait of ``seconds`` for the printed range."""
    return Z * math.sqrt(SPREAD_PER_SECOND * max(seconds, 0.0) + SPREAD_BASE * SPREAD_BASE)


def fits(low: float, high: float) -> bool:
    """The width rule of a printed range: no wider than 0.4 × its middle + 4 minutes."""
    return high - low <= WIDTH_SHARE * (low + high) / 2.0 + WIDTH_BASE + 1e-9


def wait_range(hall: Hall, seconds: float | None) -> tuple[float | None, float | None]:
    """A printed range in whole minutes around a point estimate of seconds: as wide as ``spread``
    on each side but never wider than the width rule (``fits``), and centred on the point as
    closely as whole minutes allow (the middle of the range is what a visitor reads as the
    estimate)."""
    if seconds is None:
        return None, None
    point = max(seconds, 0.0) / 60.0
    margin = spread(seconds) / 60.0
    if point - margin <= 0.5:  # the call may come at any moment
        high = max(1, math.floor(point + margin + 0.5))
        while high > 1 and not fits(0, high):
            high -= 1
        return 0.0, float(high)
    width = max(1, math.ceil(2 * margin - 0.25))
    best = None
    for w in (width, width + 1):
        low = max(0, math.floor(point - w / 2 + 0.5))
        if not fits(low, low + w):
            continue
        candidate = (abs(low + w / 2 - point), w, low)
        best = candidate if best is None or candidate < best else best
    if best is None:  # the spread is wider than the rule allows: the widest range that keeps it
        w = width
        while w > 1:
            w -= 1
            low = max(0, math.floor(point - w / 2 + 0.5))
            if fits(low, low + w):
                break
        best = (0, w, low)
    _, w, low = best
    return float(low), float(low + w)


def point_for_new_ticket(hall: Hall, service_id: str, now: float, individual: bool = False,
                         priority: int = 0) -> float | None:
    """The projected wait (seconds) of a ticket for this service issued now: the point the
    printed range is built around."""
    probe = Ticket(id=-1, office=hall.office, day=hall.day or "", service=service_id, letter="?",
                   number=0, token="", issued_at=now, queued_at=now, individual=individual,
                   priority=priority)
    if len(hall._waiting) + 1 > MAX_PROJECTED:
        at = _closed_form_for_new(hall, probe, now)  # the same as the projection's, from the waiting line
    else:
        at = _project(hall, now, probe, stop_at=-1).get(-1)
    return None if at is None else at - now


def point_for_new_ticket_reference(hall: Hall, service_id: str, now: float, individual: bool = False,
                                   priority: int = 0) -> float | None:
    """The reference for ``point_for_new_ticket``: the projection over the whole hall."""
    probe = Ticket(id=-1, office=hall.office, day=hall.day or "", service=service_id, letter="?",
                   number=0, token="", issued_at=now, queued_at=now, individual=individual,
                   priority=priority)
    at = _project(hall, now, probe, stop_at=-1).get(-1)
    return None if at is None else at - now


def _closed_form_for_new(hall: Hall, probe: Ticket, now: float) -> float | None:
    """``_closed_form``'s call time of a ticket not yet issued, without sorting the queue: the
    tickets of its service ranked before it are counted group by group (``Hall._line``)."""
    servers = [w for _, w in _windows_for_projection(hall, now, {}) if w.serves(probe.service)]
    if not servers:
        return None
    rank = (not probe.individual, -probe.priority)
    ahead = 0
    for g in hall._line.of_service(probe.service):
        mine = (not g.key[2], -g.key[1])
        if mine < rank:
            ahead += len(g)
        elif mine == rank:
            ahead += bisect.bisect_left(g.by_age, (probe.queued_at, probe.id))
    return now + ahead * (call_time(hall, probe.service) / len(servers))


def for_new_ticket(hall: Hall, service_id: str, now: float, individual: bool = False,
                   priority: int = 0) -> tuple[float | None, float | None]:
    """The range (minutes) printed on a ticket for this service issued now."""
    return wait_range(hall, point_for_new_ticket(hall, service_id, now, individual, priority))


def for_waiting(hall: Hall, now: float) -> dict[int, tuple[float | None, float | None]]:
    """The current range (minutes) of every waiting ticket, for the board and the visitor page."""
    projected = project(hall, now)
    return {t.id: wait_range(hall, projected[t.id] - now if t.id in projected else None)
            for t in hall.waiting()}



def plan_for_new_ticket(hall: Hall, service_id: str, now: float, individual: bool = False,
                        priority: int = 0) -> tuple[float | None, float | None, float | None]:
    """The printed range (minutes from now) of a ticket issued now, and when no window of its
    service is open: when the first one is expected to open (epoch seconds), else None.

    With no window of the service open the range is the wait until that window opens (whole
    minutes) plus a range around the projected wait after it opens; with no window expected at
    all (every one closed, none coming back by the plan) there is no range: never «до 1 минуты»."""
    open_now = any(w.state is WindowState.OPEN and w.serves(service_id) for w in hall.windows.values())
    if open_now:
        low, high = for_new_ticket(hall, service_id, now, individual, priority)
        return low, high, None
    coming = [at for at, w in _windows_for_projection(hall, now) if w.serves(service_id)]
    if not coming:
        return None, None, None
    opens = min(coming)
    if opens <= now and all(w.state is WindowState.CLOSED for w in hall.windows.values()):
        # reception has opened and no window has yet: one opens in a moment, not «now» - the ticket
        # says when and counts the wait from then, never «до 1 минуты» (issue 13 point 2)
        opens = now + OPENS_LATER + 1.0
    point = point_for_new_ticket(hall, service_id, now, individual, priority)
    if point is None:
        return None, None, None
    if opens <= now + OPENS_LATER:
        low, high = wait_range(hall, point)
        return low, high, None
    delay = math.ceil((opens - now) / 60.0 - 1e-9)
    low, high = wait_range(hall, max(0.0, point - (opens - now)))
    return low + delay, high + delay, opens


def after_opening(t: Ticket) -> tuple[float, float] | None:
    """The printed range counted from the window's opening, for a ticket issued while no window
    of its service was open (``Ticket.opens_at``)."""
    if t.opens_at is None or not t.estimate:
        return None
    delay = math.ceil((t.opens_at - t.issued_at) / 60.0 - 1e-9)
    return max(0.0, t.estimate[0] - delay), max(0.0, t.estimate[1] - delay)


def opening_text(hall: Hall, t: Ticket) -> str | None:
    """«окно откроется в 14:00, ожидание примерно 10–15 минут после открытия» (or None)."""
    after = after_opening(t)
    if after is None:
        return None
    at = hall.schedule.local(t.opens_at + 59.0).strftime("%H:%M")  # the minute it opens, rounded up
    low, high = int(after[0]), int(after[1])
    if low <= 0:
        wait = f"до {high} {_minutes_word(high, genitive=True)}"
    else:
        wait = f"{low}–{high} {_minutes_word(high)}"
    return f"окно откроется в {at}, ожидание примерно {wait} после открытия"


def _minutes_word(n: int, genitive: bool = False) -> str:
    """«минуту / минуты / минут» after a number (accusative), or «минуты / минут» after «до»."""
    n = abs(n)
    one = n % 10 == 1 and n % 100 != 11
    if genitive:
        return "минуты" if one else "минут"
    if one:
        return "минуту"
    return "минуты" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "минут"


#: weeks of the office's own history the forecast of a weekday is taken from
FORECAST_WEEKS = 4


def forecast_days(day: str, weeks: int = FORECAST_WEEKS) -> list[str]:
    """The office days (ISO dates) of the same weekday in the ``weeks`` weeks before ``day``."""
    from datetime import date, timedelta
    d = date.fromisoformat(day)
    return [(d - timedelta(days=7 * k)).isoformat() for k in range(1, weeks + 1)]


def forecast_from_history(arrivals: list[tuple[str, float, str, int]], schedule) -> dict:
    """``Hall.forecast`` from the office's own history: ``(day, at, service, priority)`` of every
    visitor who joined a queue (issued, or transferred) on past days of the same weekday. The
    visitors of each (service, priority) and hour are averaged over the days that had any."""
    days = {d for d, _, _, _ in arrivals}
    if not days:
        return {}
    out: dict = {}
    for _, at, service, priority in arrivals:
        hour = schedule.local(at).hour
        out.setdefault((service, 1 if priority > 0 else 0), [0.0] * 24)[hour] += 1.0
    n = float(len(days))
    return {key: [x / n for x in hours] for key, hours in out.items()}
