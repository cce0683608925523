"""The yearly pack's months, summed once: a closed month's sums are kept in ``report_months``.

A month is *closed* when it is over in the office's time zone and the office has started a later
day (``day.started`` after the month's end): by then the day's change has ended every ticket of
the month, so its figures can not change any more. A kept month is used only while the norms and
rules it was counted with (``fingerprint``) and its number of tickets (a cheap check against an
import or a repair of old data) are the same; otherwise it is counted again. The month still
going, and any month not closed, is always counted afresh.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import logging
import sqlite3
import time
from dataclasses import replace
from datetime import date, datetime

from ..store import Store
from . import source
from .figures import DayContext, pauses_of

log = logging.getLogger(__name__)

#: Bump when a counting rule changes: every kept month is then counted again.
RULES_VERSION = 1


def fingerprint(ctx: DayContext) -> str:
    from ..domain.model import LEVELS

    spec = {
        "rules": RULES_VERSION,
        "wait": {sid: ctx.wait_limit(sid) for sid in sorted(ctx.services)},
        "service": {sid: {lv: ctx.service_limit(sid, lv) for lv in LEVELS} for sid in sorted(ctx.services)},
        "visit": ctx.visit_norm.limit_seconds if ctx.visit_norm else None,
        "per_account": sorted(ctx.profile.per_account),  # 001:841: limits scale with accounts
        "schedule": ctx.schedule.to_json(),  # pauses are cut at the close of reception
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def _month_range(key: str) -> tuple[str, str]:
    y, m = int(key[:4]), int(key[5:7])
    return f"{key}-01", f"{key}-{calendar.monthrange(y, m)[1]:02d}"


def closed_months(store: Store, ctx: DayContext, keys: list[str], now: float) -> set[str]:
    office = ctx.office["id"]
    today = datetime.fromtimestamp(now, ctx.zone).date().isoformat()
    row = store.one("SELECT max(day) AS d FROM events WHERE office = ? AND type = 'day.started'", (office,))
    latest = (row or {}).get("d") or ""
    return {k for k in keys if _month_range(k)[1] < today and _month_range(k)[1] < latest}


def year_months(store: Store, ctx: DayContext, year: int, now: float) -> dict[str, dict]:
    """``{"YYYY-MM": {"seg": sums | None, "vis": sums | None, "rat": sums | None, "pauses": [n, s]}}``."""
    office = ctx.office["id"]
    keys = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    fp = fingerprint(ctx)
    counts: dict[str, int] = {}
    for r in store.query("SELECT day, count(*) AS n FROM tickets WHERE office = ? AND day BETWEEN ? AND ? "
                         "GROUP BY day", (office, f"{year:04d}-01-01", f"{year:04d}-12-31")):
        counts[r["day"][:7]] = counts.get(r["day"][:7], 0) + r["n"]
    kept = {r["month"]: r for r in store.query(
        "SELECT month, fingerprint, tickets, data FROM report_months WHERE office = ? AND month BETWEEN ? AND ?",
        (office, keys[0], keys[-1]))}
    out: dict[str, dict] = {}
    for k in keys:
        r = kept.get(k)
        if r is not None and r["fingerprint"] == fp and r["tickets"] == counts.get(k, 0):
            out[k] = json.loads(r["data"])
    todo = [k for k in keys if k not in out]
    if not todo:
        return out
    first, last = _month_range(todo[0])[0], _month_range(todo[-1])[1]
    started = time.perf_counter()
    seg = {r["k"]: r for r in source.segment_aggregates(store, ctx, "month", first, last)}
    vis = {r["k"]: r for r in source.visit_aggregates(store, ctx, "month", first, last)}
    rat = {r["k"]: r for r in source.rating_aggregates(store, office, "month", first, last)}
    pauses: dict[str, list] = {}
    events: dict[str, list] = {}
    for e in source.window_events(store, office, first, last):
        events.setdefault(e["day"], []).append(e)
    for d, day_events in events.items():
        ps = pauses_of(replace(ctx, day=date.fromisoformat(d)), day_events)
        acc = pauses.setdefault(d[:7], [0, 0.0])
        acc[0] += len(ps)
        acc[1] += sum(p["seconds"] for p in ps)
    for k in todo:
        out[k] = {"seg": seg.get(k), "vis": vis.get(k), "rat": rat.get(k), "pauses": pauses.get(k, [0, 0.0])}
    closed = closed_months(store, ctx, todo, now)
    if closed:
        try:
            with store.write() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO report_months (office, month, fingerprint, tickets, data, made) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(office, k, fp, counts.get(k, 0), json.dumps(out[k]), time.time()) for k in sorted(closed)])
        except sqlite3.Error:  # a read-only copy of the database: the figures are right all the same
            log.warning("could not keep the months' sums for office %s", office, exc_info=True)
    log.info("office %s: %d month(s) of %d counted in %.0f ms, %d kept", office, len(todo), year,
             (time.perf_counter() - started) * 1000, len(closed))
    return out
