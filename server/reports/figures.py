"""The counting rules of the reports and the daily figures: rows in, a dict out (no I/O).

The unit is the **segment**: one stretch of a visit in one queue (a transfer, an escalation or a
postponement ends a segment and starts another of the same visit, same ticket code). Norms are
per kind of service (001:379–419), so every segment is measured against the norms of its own
service and level. The **visit** (the ticket) is the unit of the whole-visit norm (001:418–419)
and of the visitor counts.

Counting rules (docs/reports.md explains each with the standard's lines):

* **Waiting** of a segment = call − joining the queue; it counts when the visitor came to the
  window: the service started, or the visitor was transferred, escalated or postponed after the
  call. No-shows (nobody came), cancellations, visits settled by the hall administrator without a
  call and tickets still waiting or only called when the day ended have no measured waiting.
* **Service** of a segment = end − start, for segments started and ended at the window (finished,
  transferred, escalated, postponed). A service still going at the day's change has no measured
  end (its ticket expired at the next day's first action) and does not count.
* **Within the norm** = at or under the norm's limit (a range «5–10» has the limit 10); the share
  is taken over the segments whose service has a norm.
* **Median** is the middle value (the mean of the two middle ones for an even count); **p90** is
  the nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value.
* A **visit** is served when its ticket ended «finished» after a service at a window; its time is
  end − issue, waits and all transfers included; visits over the whole-visit norm (33 minutes,
  001:418–419) are attributed to the visit's last segment (its service, window, operator, hour).
* **Sub-phases** (digital services 001:396–397, upsell 001:415–416) count for segments whose
  service is measured, with the time spent in each phase.
* **Pauses** run from ``window.paused`` to the next ``window.opened``/``window.closed`` of that
  window, cut at the end of reception that day (or midnight) and at the report's moment.
"""
from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain import rating as rating_rules
from ..domain.norms import Norm, NormProfile
from ..domain.schedule import Schedule

MINUTE = 60.0
#: Outcomes after which the visitor is known to have come to the window when called.
CAME_AFTER_CALL = ("transferred", "escalated", "postponed")
#: Outcomes of a segment whose service (start → end) is measured.
SERVICE_OUTCOMES = ("finished", "transferred", "escalated", "postponed")
#: The whole-visit norm when the office's profile has none: 001:418–419.
DEFAULT_VISIT_NORM = Norm(33.0, 33.0, "001:418–419")
#: Upper edges (minutes, inclusive) of the waiting distribution's buckets; the last is open.
WAIT_BUCKETS = (2, 4, 6, 8, 10, 12, 15, 20, 25, 30)
COUNTERS = ("no_show", "cancelled", "transferred", "escalated", "postponed", "resolved")


# ---------------------------------------------------------------------- one segment

def waited(seg: dict) -> float | None:
    """Seconds waited in this segment's queue, or ``None`` when the waiting does not count."""
    if seg["called_at"] is None:
        return None
    if seg["started_at"] is not None or seg["outcome"] in CAME_AFTER_CALL:
        return seg["called_at"] - seg["queued_at"]
    return None


def service_time(seg: dict) -> float | None:
    """Seconds of service at the window, or ``None`` when it is not measured."""
    if seg["started_at"] is None or seg["ended_at"] is None or seg["outcome"] not in SERVICE_OUTCOMES:
        return None
    return seg["ended_at"] - seg["started_at"]


def unfinished(seg: dict) -> bool:
    """Still open (today) or closed by the day's change (``expired``)."""
    return seg["outcome"] is None or seg["outcome"] == "expired"


def visit_served(ticket: dict) -> bool:
    return ticket["state"] == "finished" and ticket["outcome"] != "resolved"


# ---------------------------------------------------------------------- statistics

def time_stats(pairs: Iterable[tuple[float, float | None]]) -> dict:
    """Figures of durations (seconds) each with its norm limit (seconds, or ``None``)."""
    pairs = list(pairs)
    xs = sorted(v for v, _ in pairs)
    n = len(xs)
    normed = [(v, lim) for v, lim in pairs if lim is not None]
    within = sum(1 for v, lim in normed if v <= lim)
    return {
        "count": n,
        "avg": math.fsum(xs) / n if n else None,
        "median": statistics.median(xs) if n else None,
        "p90": xs[math.ceil(0.9 * n) - 1] if n else None,
        "max": xs[-1] if n else None,
        "normed": len(normed),
        "within": within,
        "within_share": within / len(normed) if normed else None,
    }


# ---------------------------------------------------------------------- context

@dataclass
class DayContext:
    """What the rules need to know about the office on that day."""

    office: dict                      # id, name, company, address
    day: date
    profile: NormProfile
    schedule: Schedule
    services: dict[str, dict]         # id → {letter, name, kind, order}
    windows: dict[int, dict]          # id → {number, level}
    users: dict[str, str]             # login → full name
    now: float

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.tz)

    def kind(self, service: str) -> str:
        return (self.services.get(service) or {}).get("kind", "consultation")

    def wait_limit(self, service: str) -> float | None:
        norm = self.profile.wait_norm(self.kind(service))
        return norm.limit_seconds if norm else None

    def service_limit(self, service: str, level: str, accounts: int = 1) -> float | None:
        norm = self.profile.service_norm(self.kind(service), level or "specialist", accounts or 1)
        return norm.limit_seconds if norm else None

    def per_account(self, service: str) -> bool:
        """The service's norm is per account (001:841): its limit scales with the accounts entered."""
        return self.kind(service) in self.profile.per_account

    @property
    def visit_norm(self) -> Norm | None:
        """The profile's whole-visit norm; ``None`` when its standard has none (then the reports
        show no visit-limit figure at all: not 0, not 33 minutes)."""
        return self.profile.visit_total

    @property
    def day_start(self) -> float:
        return datetime.combine(self.day, time(0, 0), self.zone).timestamp()

    @property
    def day_end(self) -> float:
        """End of reception that day (its closing time), else the midnight ending the day."""
        hours = self.schedule.hours_on(self.day)
        if hours is not None:
            return datetime.combine(self.day, hours.close, self.zone).timestamp()
        return datetime.combine(self.day + timedelta(days=1), time(0, 0), self.zone).timestamp()

    def hour(self, at: float) -> int:
        local = datetime.fromtimestamp(at, self.zone)
        if local.date() < self.day:
            return 0
        if local.date() > self.day:
            return 23
        return local.hour

    def service_label(self, service: str) -> str:
        s = self.services.get(service)
        return f"{s['letter']} — {s['name']}" if s else service

    def window_label(self, window: int) -> str:
        w = self.windows.get(window)
        return f"Окно {w['number']}" if w else f"Окно (код {window})"

    def operator_label(self, login: str) -> str:
        return self.users.get(login) or login

    def clock(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.zone).strftime("%H:%M")


# ---------------------------------------------------------------------- groups

@dataclass
class Group:
    """The figures of one row: a service, a window, an operator, an hour, or the day."""

    key: object
    label: str
    waits: list = field(default_factory=list)
    services: list = field(default_factory=list)
    segments: int = 0
    served: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    unfinished: int = 0
    recalls: int = 0
    visits_over: int = 0
    pauses: int | None = None
    pause_seconds: float | None = None
    extra: dict = field(default_factory=dict)

    def add(self, seg: dict, wait_limit: float | None, service_limit: float | None) -> None:
        self.segments += 1
        w = waited(seg)
        if w is not None:
            self.waits.append((w, wait_limit))
        s = service_time(seg)
        if s is not None:
            self.services.append((s, service_limit))
        outcome = seg["outcome"]
        if outcome == "finished":
            self.served += 1
        elif outcome in self.counts:
            self.counts[outcome] += 1
        if unfinished(seg):
            self.unfinished += 1
        self.recalls += seg["recalls"] or 0

    def add_pause(self, seconds: float) -> None:
        self.pauses = (self.pauses or 0) + 1
        self.pause_seconds = (self.pause_seconds or 0.0) + seconds

    def to_json(self) -> dict:
        return {
            "key": self.key, "label": self.label, "segments": self.segments, "served": self.served,
            "wait": time_stats(self.waits), "service": time_stats(self.services),
            **self.counts, "unfinished": self.unfinished, "recalls": self.recalls,
            "visits_over": self.visits_over, "pauses": self.pauses, "pause_seconds": self.pause_seconds,
            **self.extra,
        }


def _group(groups: dict, key, label: str, pausable: bool = False) -> Group:
    g = groups.get(key)
    if g is None:
        g = groups[key] = Group(key, label)
        if pausable:
            g.pauses, g.pause_seconds = 0, 0.0
    return g


# ---------------------------------------------------------------------- pauses

def pauses_of(ctx: DayContext, window_events: Iterable[dict]) -> list[dict]:
    """Each pause of the day: window, operator, reason, start, end, seconds (see the module doc)."""
    cut = min(ctx.day_end, ctx.now)
    operator: dict[int, str | None] = {}
    open_pause: dict[int, dict] = {}
    out: list[dict] = []

    def end(window: int, at: float) -> None:
        p = open_pause.pop(window)
        p["end"] = max(p["start"], min(at, cut))
        p["seconds"] = p["end"] - p["start"]
        out.append(p)

    for e in window_events:
        w = e["window"]
        if e["type"] == "window.paused":
            if w not in open_pause:
                open_pause[w] = {"window": w, "operator": operator.get(w), "reason": e.get("reason"),
                                 "start": e["at"]}
        elif e["type"] in ("window.opened", "window.closed"):
            if w in open_pause:
                end(w, e["at"])
            if e["type"] == "window.opened":
                if e.get("operator"):
                    operator[w] = e["operator"]
            else:
                operator[w] = None
    for w in list(open_pause):
        end(w, cut)
    out.sort(key=lambda p: (p["start"], p["window"]))
    return out


# ---------------------------------------------------------------------- the day

def _charge_visit_over(ctx: DayContext, last: dict, by_service: dict, by_hour: dict, by_window: dict,
                       by_operator: dict) -> None:
    """A visit over its whole-visit limit counts in the groups of its last segment."""
    _group(by_service, last["service"], ctx.service_label(last["service"])).visits_over += 1
    _group(by_hour, ctx.hour(last["queued_at"]), "", pausable=True).visits_over += 1
    if last["window"] is not None:
        _group(by_window, last["window"], ctx.window_label(last["window"]), pausable=True).visits_over += 1
    if last["operator"] is not None:
        _group(by_operator, last["operator"], ctx.operator_label(last["operator"]), pausable=True).visits_over += 1


def _unserved_state(t: dict) -> str:
    """How a ticket that was not served ended: resolved at the window, no-show, cancelled, or
    unfinished (expired at the day's change, or still waiting / called / served now)."""
    if t["state"] == "finished":
        return "resolved"
    if t["state"] == "no_show":
        return "no_show"
    if t["state"] == "cancelled" and t["outcome"] == "cancelled":
        return "cancelled"
    return "unfinished"


def daily_figures(ctx: DayContext, segments: list[dict], tickets: list[dict],
                  window_events: list[dict], ratings: list[dict]) -> dict:
    """The daily wait-time report of one office (all times in seconds; labels in Russian)."""
    by_service: dict = {}
    by_window: dict = {}
    by_operator: dict = {}
    by_hour: dict = {}
    total = Group("total", "Итого за день")
    total.pauses, total.pause_seconds = 0, 0.0
    last_segment: dict[int, dict] = {}
    waits_all: list[float] = []
    phases: dict[str, list] = {}

    for seg in segments:
        wl = ctx.wait_limit(seg["service"])
        sl = ctx.service_limit(seg["service"], seg["level"], seg.get("accounts") or 1)
        rows = [total,
                _group(by_service, seg["service"], ctx.service_label(seg["service"])),
                _group(by_hour, ctx.hour(seg["queued_at"]), "", pausable=True)]
        if seg["window"] is not None:
            rows.append(_group(by_window, seg["window"], ctx.window_label(seg["window"]), pausable=True))
        if seg["operator"] is not None:
            rows.append(_group(by_operator, seg["operator"], ctx.operator_label(seg["operator"]), pausable=True))
        for g in rows:
            g.add(seg, wl, sl)
        w = waited(seg)
        if w is not None:
            waits_all.append(w)
        raw = (seg.get("phases") or {}) if service_time(seg) is not None else {}
        for phase, secs in (json.loads(raw) if isinstance(raw, str) else raw).items():
            norm = ctx.profile.phase_norm(phase)
            phases.setdefault(phase, []).append((secs, norm.limit_seconds if norm else None))
        prev = last_segment.get(seg["ticket"])
        if prev is None or seg["idx"] > prev["idx"]:
            last_segment[seg["ticket"]] = seg

    # visits: the tickets of the day
    visit_limit = ctx.visit_norm.limit_seconds if ctx.visit_norm is not None else None
    visit_times: list[tuple[float, float]] = []
    states = dict.fromkeys(("served", "resolved", "no_show", "cancelled", "unfinished"), 0)
    arrivals: dict[int, int] = {}
    for t in tickets:
        h = ctx.hour(t["issued_at"])
        arrivals[h] = arrivals.get(h, 0) + 1
        if visit_served(t):
            states["served"] += 1
            seconds = t["ended_at"] - t["issued_at"]
            visit_times.append((seconds, visit_limit))
            if visit_limit is not None and seconds > visit_limit:
                total.visits_over += 1
                last = last_segment.get(t["id"])
                if last is not None:
                    _charge_visit_over(ctx, last, by_service, by_hour, by_window, by_operator)
        else:
            states[_unserved_state(t)] += 1

    # pauses
    pauses = pauses_of(ctx, window_events)
    by_reason: dict[str, dict] = {}
    for p in pauses:
        total.add_pause(p["seconds"])
        _group(by_hour, ctx.hour(p["start"]), "", pausable=True).add_pause(p["seconds"])
        _group(by_window, p["window"], ctx.window_label(p["window"]), pausable=True).add_pause(p["seconds"])
        if p["operator"] is not None:
            _group(by_operator, p["operator"], ctx.operator_label(p["operator"]),
                   pausable=True).add_pause(p["seconds"])
        r = by_reason.setdefault(p["reason"] or "other", {"count": 0, "seconds": 0.0})
        r["count"] += 1
        r["seconds"] += p["seconds"]

    # hours: every hour from the first to the last with anything in it
    served_in_hour: dict[int, int] = {}
    for seg in segments:
        if seg["outcome"] == "finished" and seg["ended_at"] is not None:
            h = ctx.hour(seg["ended_at"])
            served_in_hour[h] = served_in_hour.get(h, 0) + 1
    active = set(by_hour) | set(arrivals) | set(served_in_hour)
    hours = []
    if active:
        for h in range(min(active), max(active) + 1):
            g = _group(by_hour, h, "", pausable=True)
            g.label = f"{h:02d}:00–{h + 1:02d}:00"
            g.extra = {"arrivals": arrivals.get(h, 0), "served_in_hour": served_in_hour.get(h, 0)}
            hours.append(g.to_json())

    order = {sid: (s.get("order", 0), s.get("letter", "")) for sid, s in ctx.services.items()}
    services = sorted(by_service.values(), key=lambda g: (order.get(g.key, (999, "")), str(g.key)))
    windows = sorted(by_window.values(), key=lambda g: (ctx.windows.get(g.key, {}).get("number", 10**6), g.key))
    operators = sorted(by_operator.values(), key=lambda g: (g.label, g.key))

    return without_visit_norm(ctx, {
        "kind": "daily",
        "office": ctx.office,
        "date": ctx.day.isoformat(),
        "profile": {"id": ctx.profile.id, "title": ctx.profile.title, "source": ctx.profile.source},
        "norms": norms_table(ctx),
        "visit_norm": ctx.visit_norm.to_json() if ctx.visit_norm is not None else None,
        "visits": {"issued": len(tickets), **states, "time": time_stats(visit_times),
                   "over_norm": total.visits_over},
        "total": total.to_json(),
        "by_service": [g.to_json() for g in services],
        "by_window": [g.to_json() for g in windows],
        "by_operator": [g.to_json() for g in operators],
        "by_hour": hours,
        "wait_distribution": wait_distribution(waits_all),
        "phases": {p: time_stats(v) for p, v in sorted(phases.items())},
        "pauses": {
            "count": len(pauses), "seconds": math.fsum(p["seconds"] for p in pauses),
            "by_reason": by_reason,
            "list": [{**p, "window_label": ctx.window_label(p["window"]),
                      "operator_label": ctx.operator_label(p["operator"]) if p["operator"] else None,
                      "from": ctx.clock(p["start"]), "to": ctx.clock(p["end"])} for p in pauses],
        },
        "ratings": ratings_section(ctx, ratings),
    })


def without_visit_norm(ctx: DayContext, report: dict) -> dict:
    """When the profile has no whole-visit norm (002, 003, 004 have none), the report says so:
    ``visit_norm`` is ``None`` and every «visits over the norm» count is ``None``, not 0."""
    if ctx.visit_norm is not None:
        return report

    def walk(x):
        if isinstance(x, dict):
            for k in list(x):
                if k in ("visits_over", "over_norm"):
                    x[k] = None
                else:
                    walk(x[k])
        elif isinstance(x, list):
            for y in x:
                walk(y)

    walk(report)
    report["visit_norm"] = None
    return report


def wait_distribution(waits: list[float]) -> list[dict]:
    """How many waits fall in each bucket: «до 2 мин», «2–4 мин», …, «больше 30 мин»."""
    counts = [0] * (len(WAIT_BUCKETS) + 1)
    for w in waits:
        m = w / MINUTE
        i = next((i for i, edge in enumerate(WAIT_BUCKETS) if m <= edge), len(WAIT_BUCKETS))
        counts[i] += 1
    n = len(waits)
    out = []
    lower = 0
    for i, c in enumerate(counts):
        if i < len(WAIT_BUCKETS):
            upper = WAIT_BUCKETS[i]
            label = f"до {upper} мин" if lower == 0 else f"{lower}–{upper} мин"
        else:
            upper = None
            label = f"больше {WAIT_BUCKETS[-1]} мин"
        out.append({"label": label, "from": lower, "to": upper, "count": c, "share": c / n if n else None})
        lower = upper
    return out


def norms_table(ctx: DayContext) -> list[dict]:
    """The norms each service is measured against (minutes, with the standard's line)."""
    out = []
    for sid, s in sorted(ctx.services.items(), key=lambda kv: (kv[1].get("order", 0), kv[1].get("letter", ""))):
        kind = s.get("kind", "consultation")
        wait = ctx.profile.wait_norm(kind)
        levels = {}
        for level in ("specialist", *ctx.profile.escalation):
            n = ctx.profile.service_norm(kind, level)
            levels[level] = n.to_json() if n else None
        out.append({"service": sid, "label": ctx.service_label(sid), "kind": kind,
                    "wait": wait.to_json() if wait else None, "service_norm": levels})
    return out


def ratings_section(ctx: DayContext, rows: list[dict]) -> dict:
    """Visitors' ratings (001:481, 004:444): averages and distributions, comments.

    The satisfaction level is the share of ratings of 4 and 5 among all ratings."""
    summary = rating_rules.summarize(rows)
    for g in summary["by_operator"]:
        g["label"] = ctx.operator_label(g["operator"]) if g["operator"] else "Без оператора"
    for g in summary["by_service"]:
        g["label"] = ctx.service_label(g["service"]) if g["service"] else "Без услуги"
    for g in summary["by_window"]:
        g["label"] = ctx.window_label(g["window"]) if g["window"] is not None else "Без окна"
    summary["satisfaction"] = summary["share_good"]
    summary["comments"] = [
        {"at": r["at"], "time": ctx.clock(r["at"]), "day": r.get("day"), "score": r["score"],
         "comment": r["comment"], "service": ctx.service_label(r["service"]) if r.get("service") else "",
         "window": ctx.window_label(r["window"]) if r.get("window") is not None else "",
         "operator": ctx.operator_label(r["operator"]) if r.get("operator") else ""}
        for r in rows if (r.get("comment") or "").strip() and r.get("score") in rating_rules.SCORES]
    return summary
