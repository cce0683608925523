"""Reading the office's own history for the plan (the store side; SQL stays here).

``weekday_counts``: for each of the last ``weeks`` same weekdays before ``day``, the visitors who
took a ticket per hour (office time) and per topic (the ticket's first service).
``service_minutes``: the mean minutes at the window per service over the same span (segments
with a start and an end).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..store import config as cfg
from ..store.db import Store
from .forecast import WEEKS, Forecast, from_history, from_profile
from .staffing import OfficeSetup


def weekday_counts(store: Store, office: str, day: date, tz: str, weeks: int = WEEKS) -> list[tuple[str, dict]]:
    zone = ZoneInfo(tz)
    days = [(day - timedelta(weeks=k)).isoformat() for k in range(1, weeks + 1)]
    marks = ",".join("?" * len(days))
    rows = store.query(f"SELECT day, issued_at, first_service FROM tickets WHERE office = ? AND day IN ({marks})",
                       (office, *days))
    out: dict[str, dict[int, dict[str, int]]] = {d: {} for d in days}
    for r in rows:
        hour = datetime.fromtimestamp(r["issued_at"], zone).hour
        slot = out[r["day"]].setdefault(hour, {})
        slot[r["first_service"]] = slot.get(r["first_service"], 0) + 1
    return [(d, c) for d, c in out.items()]


def service_minutes(store: Store, office: str, day: date, weeks: int = WEEKS) -> dict[str, float]:
    """Minutes of window time per visitor, by the topic they came for (the ticket's first service):
    every segment of the visit counts, so a consultation that goes on to the cash desk brings the
    cash desk's minutes too."""
    since = (day - timedelta(weeks=weeks)).isoformat()
    rows = store.query(
        """SELECT t.first_service AS service, SUM(s.ended_at - s.started_at) AS total,
                  COUNT(DISTINCT t.id) AS n
           FROM tickets t JOIN segments s ON s.ticket = t.id
           WHERE t.office = ? AND t.day >= ? AND t.day < ? AND s.started_at IS NOT NULL
             AND s.ended_at IS NOT NULL AND s.ended_at >= s.started_at
           GROUP BY t.first_service""", (office, since, day.isoformat()))
    return {r["service"]: r["total"] / r["n"] / 60.0 for r in rows if r["n"] >= 5 and r["total"]}


def office_setup(store: Store, office: str, day: date) -> OfficeSetup:
    hall = cfg.load_hall(store, office)
    row = cfg.office_row(store, office)
    return OfficeSetup(office=office, services={s.id: s for s in hall.services.values() if s.active},
                       windows=sorted(hall.windows.values(), key=lambda w: w.number),
                       profile=row["profile"], profile_overrides=row["profile_overrides"] or {},
                       hours=hall.schedule.hours_on(day), tz=hall.schedule.tz)


def default_minutes(setup: OfficeSetup) -> dict[str, float]:
    """Without history: the norm's target service time of each topic's kind (8 minutes if none)."""
    from ..domain.norms import profile as norm_profile
    p = norm_profile(setup.profile, setup.profile_overrides or None)
    out = {}
    for sid, s in setup.services.items():
        n = p.service_norm(s.kind)
        out[sid] = n.target if n else 8.0
    return out


def forecast_for(store: Store, office: str, day: date, weeks: int = WEEKS, fallback: str = "quiet-day") -> Forecast:
    """From the office's history of the same weekday; the scenario ``fallback`` when it is short."""
    setup = office_setup(store, office, day)
    seen = service_minutes(store, office, day, weeks)
    fc = from_history(day, weekday_counts(store, office, day, setup.tz, weeks), {**default_minutes(setup), **seen})
    if fc is not None:
        return fc
    from ..simulation import scenario as sc
    fc = from_profile(day, sc.load(fallback), seen)
    fc.minutes = {**default_minutes(setup), **fc.minutes}
    fc.rates = {h: {s: n for s, n in per.items() if s in setup.services} for h, per in fc.rates.items()}
    return fc


def fingerprint(store: Store, office: str, day: date) -> tuple:
    """What the plan for ``day`` depends on in the store: the history before it and the last change
    of the office's configuration."""
    t = store.one("SELECT COUNT(*) AS n, MAX(id) AS last FROM tickets WHERE office = ? AND day < ?",
                  (office, day.isoformat()))
    s = store.one("SELECT COUNT(*) AS n FROM segments WHERE office = ? AND day < ? AND ended_at IS NOT NULL",
                  (office, day.isoformat()))
    c = store.one("SELECT MAX(seq) AS seq FROM events WHERE office = ? AND type = 'config.changed'", (office,))
    return (t["n"], t["last"], s["n"], c["seq"])


def month_counts(store: Store, office: str, first: date, last: date, tz: str) -> dict[str, dict[int, dict[str, int]]]:
    """Visitors per office day, hour and first service, for days ``first`` ≤ day < ``last``."""
    zone = ZoneInfo(tz)
    out: dict[str, dict[int, dict[str, int]]] = {}
    for r in store.query("SELECT day, issued_at, first_service FROM tickets WHERE office = ? AND day >= ? AND day < ?",
                         (office, first.isoformat(), last.isoformat())):
        hour = datetime.fromtimestamp(r["issued_at"], zone).hour
        slot = out.setdefault(r["day"], {}).setdefault(hour, {})
        slot[r["first_service"]] = slot.get(r["first_service"], 0) + 1
    return out
