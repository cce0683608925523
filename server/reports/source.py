"""Reading what the reports need from the hub's store: the office, the projection tables
(``tickets``, ``segments``), the pause events of the log and the ``ratings`` table.

:class:`SqliteSource` is the hub's *report source*: the interface :mod:`.build` reads through.
The company centre has the same interface over PostgreSQL (server/central/report_source.py
``CentralSource``), so one report code makes both the office's and the centre's reports.

Only reads; one SQL statement per kind of row. The month and the year are aggregated in SQL
(:func:`segment_aggregates`, :func:`visit_aggregates`) so a year of 600,000 tickets never
becomes 600,000 Python objects.
"""
from __future__ import annotations

import json
from datetime import date

from ..domain.model import LEVELS
from ..domain.norms import profile as norm_profile
from ..domain.schedule import Schedule
from ..store import Store
from .figures import CAME_AFTER_CALL, SERVICE_OUTCOMES, DayContext

SEGMENT_FIELDS = ("ticket", "idx", "service", "queued_at", "called_at", "started_at", "ended_at",
                  "window", "operator", "outcome", "recalls", "phases", "level", "accounts")
TICKET_FIELDS = ("id", "code", "service", "first_service", "issued_at", "ended_at", "state", "outcome",
                 "window", "operator")
WINDOW_EVENTS = ("window.opened", "window.paused", "window.closed")


class UnknownOffice(LookupError):
    pass


def context(store: Store, office: str, day: date, now: float) -> DayContext:
    """The office as the rules see it on ``day`` (norms, schedule, services, windows, people)."""
    row = store.one("SELECT * FROM offices WHERE id = ?", (office,))
    if row is None:
        raise UnknownOffice(office)
    services = {r["id"]: {"letter": r["letter"], "name": r["name"], "kind": r["kind"], "order": r["ord"]}
                for r in store.query("SELECT id, letter, name, kind, ord FROM services WHERE office = ?", (office,))}
    windows = {r["id"]: {"number": r["number"], "level": r["level"]}
               for r in store.query("SELECT id, number, level FROM windows WHERE office = ?", (office,))}
    users = {r["login"]: r["name"] for r in store.query("SELECT login, name FROM users")}
    return DayContext(
        office={k: row[k] for k in ("id", "name", "company", "address")},
        day=day,
        profile=norm_profile(row["profile"], json.loads(row["profile_overrides"] or "{}")),
        schedule=Schedule.from_json(json.loads(row["schedule"])),
        services=services, windows=windows, users=users, now=now)


def offices(store: Store) -> list[str]:
    return [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]


# ---------------------------------------------------------------------- one day, row by row

def segments_of_day(store: Store, office: str, day: str) -> list[dict]:
    """The day's segments. A segment still open keeps its recalls on the ticket (the core writes
    them to the segment when it ends), so those come from the ticket's row."""
    cols = ", ".join(f's."{c}"' for c in SEGMENT_FIELDS if c != "recalls")
    return store.query(
        f"SELECT {cols}, CASE WHEN s.outcome IS NULL THEN t.recalls ELSE s.recalls END AS recalls "
        "FROM segments s JOIN tickets t ON t.id = s.ticket "
        "WHERE s.office = ? AND s.day = ? ORDER BY s.ticket, s.idx", (office, day))


def tickets_of_day(store: Store, office: str, day: str) -> list[dict]:
    cols = ", ".join(f'"{c}"' for c in TICKET_FIELDS)
    return store.query(f"SELECT {cols} FROM tickets WHERE office = ? AND day = ? ORDER BY id", (office, day))


def window_events(store: Store, office: str, first_day: str, last_day: str) -> list[dict]:
    """``window.opened/paused/closed`` of days ``first_day``..``last_day``, in log order."""
    rows = store.query(
        "SELECT seq, day, type, at, data FROM events WHERE office = ? AND type IN (?, ?, ?) "
        "AND day BETWEEN ? AND ? ORDER BY seq", (office, *WINDOW_EVENTS, first_day, last_day))
    out = []
    for r in rows:
        d = json.loads(r["data"])
        out.append({"seq": r["seq"], "day": r["day"], "type": r["type"], "at": r["at"], "window": d.get("window"),
                    "operator": d.get("operator"), "reason": d.get("reason")})
    return out


def ratings(store: Store, office: str, first_day: str, last_day: str) -> list[dict]:
    return store.query("SELECT ticket, day, score, comment, service, window, operator, at FROM ratings "
                       "WHERE office = ? AND day BETWEEN ? AND ? ORDER BY at", (office, first_day, last_day))


# ---------------------------------------------------------------------- a month or a year, in SQL

def _limit_case(ctx: DayContext, which: str) -> tuple[str, list]:
    """A SQL ``CASE`` giving each segment's norm limit in seconds (NULL without a norm). Simple
    ``CASE x WHEN …`` forms: SQLite reads ``x`` once per row."""
    def by_service(level: str | None) -> tuple[str, list]:
        parts, params = [], []
        for sid in ctx.services:
            limit = ctx.wait_limit(sid) if level is None else ctx.service_limit(sid, level)
            if limit is not None:
                # a per-account norm (001:841) scales with the segment's accounts
                per_account = level == "specialist" and ctx.per_account(sid)
                parts.append("WHEN ? THEN ? * s.accounts" if per_account else "WHEN ? THEN ?")
                params += [sid, limit]
        return ("CASE s.service " + " ".join(parts) + " END", params) if parts else ("NULL", [])

    if which == "wait":
        return by_service(None)
    parts, params = [], []
    for level in LEVELS:
        sql, p = by_service(level)
        parts.append(f"WHEN ? THEN {sql}")
        params += [level, *p]
    return "CASE s.level " + " ".join(parts) + " END", params


def segment_aggregates(store: Store, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
    """Sums over the segments of ``first_day``..``last_day`` grouped by ``group``: ``month``,
    ``day``, ``service``, ``window`` or ``operator``. The rules are those of :mod:`.figures`.

    The inner query computes each segment's waiting, service and limits once (``LIMIT -1 OFFSET 0``
    keeps SQLite from folding it into the outer one, which would evaluate each ``CASE`` once per
    aggregate that mentions it); the outer one only sums."""
    key = {"month": "substr(s.day, 1, 7)", "day": "s.day", "service": "s.service", "window": "s.window",
           "operator": "s.operator"}[group]
    came = ", ".join(f"'{o}'" for o in CAME_AFTER_CALL)
    served = ", ".join(f"'{o}'" for o in SERVICE_OUTCOMES)
    wait_case, wait_params = _limit_case(ctx, "wait")
    svc_case, svc_params = _limit_case(ctx, "service")
    sql = f"""
    WITH m AS (
      SELECT {key} AS k, s.outcome AS outcome,
        CASE WHEN s.outcome IS NULL THEN (SELECT t.recalls FROM tickets t WHERE t.id = s.ticket)
             ELSE s.recalls END AS recalls,
        CASE WHEN s.called_at IS NOT NULL AND (s.started_at IS NOT NULL OR s.outcome IN ({came}))
             THEN s.called_at - s.queued_at END AS w,
        CASE WHEN s.started_at IS NOT NULL AND s.ended_at IS NOT NULL AND s.outcome IN ({served})
             THEN s.ended_at - s.started_at END AS v,
        {wait_case} AS wl, {svc_case} AS vl
      FROM segments s WHERE s.office = ? AND s.day BETWEEN ? AND ?
      {"AND s." + group + " IS NOT NULL" if group in ("window", "operator") else ""}
      LIMIT -1 OFFSET 0
    )
    SELECT k, count(*) AS segments, total(outcome = 'finished') AS served,
      count(w) AS wait_count, total(w) AS wait_sum, max(w) AS wait_max,
      total(w IS NOT NULL AND wl IS NOT NULL) AS wait_normed, total(w <= wl) AS wait_within,
      count(v) AS service_count, total(v) AS service_sum, max(v) AS service_max,
      total(v IS NOT NULL AND vl IS NOT NULL) AS service_normed, total(v <= vl) AS service_within,
      total(outcome = 'no_show') AS no_show, total(outcome = 'cancelled') AS cancelled,
      total(outcome = 'transferred') AS transferred, total(outcome = 'escalated') AS escalated,
      total(outcome = 'postponed') AS postponed, total(outcome = 'resolved') AS resolved,
      total(outcome IS NULL OR outcome = 'expired') AS unfinished, total(recalls) AS recalls
    FROM m GROUP BY k ORDER BY k"""
    rows = store.query(sql, [*wait_params, *svc_params, ctx.office["id"], first_day, last_day])
    for r in rows:
        for f in ("served", "wait_normed", "wait_within", "service_normed", "service_within", "no_show",
                  "cancelled", "transferred", "escalated", "postponed", "resolved", "unfinished", "recalls"):
            r[f] = int(r[f])
    return rows


def visit_aggregates(store: Store, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
    """Sums over the visits (tickets) of ``first_day``..``last_day`` grouped by ``group``
    (``month``, ``day``, or the visit's last ``service``, ``window``, ``operator``)."""
    key = {"month": "substr(day, 1, 7)", "day": "day", "service": "service", "window": "window",
           "operator": "operator"}[group]
    # no whole-visit norm in the profile: nothing is over it (the report shows no such figure)
    limit = ctx.visit_norm.limit_seconds if ctx.visit_norm is not None else None
    sql = f"""
    WITH m AS (
      SELECT {key} AS k, state, outcome,
        CASE WHEN state = 'finished' AND outcome <> 'resolved' THEN ended_at - issued_at END AS t
      FROM tickets WHERE office = ? AND day BETWEEN ? AND ?
      LIMIT -1 OFFSET 0
    )
    SELECT k, count(*) AS issued, count(t) AS served, total(t) AS time_sum, max(t) AS time_max,
      total(t > ?) AS over_norm,
      total(state = 'finished' AND outcome = 'resolved') AS resolved,
      total(state = 'no_show') AS no_show,
      total(state = 'cancelled' AND outcome = 'cancelled') AS cancelled,
      total(state NOT IN ('finished', 'no_show') AND NOT (state = 'cancelled' AND outcome = 'cancelled'))
        AS unfinished
    FROM m GROUP BY k ORDER BY k"""
    rows = store.query(sql, [ctx.office["id"], first_day, last_day, limit])
    for r in rows:
        for f in ("over_norm", "resolved", "no_show", "cancelled", "unfinished"):
            r[f] = int(r[f])
    return rows


def rating_aggregates(store: Store, office: str, group: str, first_day: str, last_day: str) -> list[dict]:
    key = {"month": "substr(day, 1, 7)", "day": "day"}[group]
    return store.query(
        f"""SELECT {key} AS k, count(*) AS count, avg(score) AS average,
              total(score = 1) AS s1, total(score = 2) AS s2, total(score = 3) AS s3,
              total(score = 4) AS s4, total(score = 5) AS s5,
              total(comment <> '') AS with_comment
            FROM ratings WHERE office = ? AND day BETWEEN ? AND ? AND score BETWEEN 1 AND 5
            GROUP BY k ORDER BY k""", (office, first_day, last_day))


# ---------------------------------------------------------------------- the report source

def config_snapshot(store: Store, office: str) -> dict:
    """What :func:`context` reads, as one JSON-ready dict (the hub ships it to the centre)."""
    row = store.one("SELECT * FROM offices WHERE id = ?", (office,))
    if row is None:
        raise UnknownOffice(office)
    schedule = json.loads(row["schedule"])
    return {
        "office": {k: row[k] or "" for k in ("id", "name", "company", "address")},
        "tz": Schedule.from_json(schedule).tz,
        "profile": row["profile"],
        "profile_overrides": json.loads(row["profile_overrides"] or "{}"),
        "schedule": schedule,
        "services": [{"id": r["id"], "letter": r["letter"], "name": r["name"], "kind": r["kind"], "order": r["ord"]}
                     for r in store.query("SELECT id, letter, name, kind, ord FROM services WHERE office = ? "
                                          "ORDER BY id", (office,))],
        "windows": [{"id": r["id"], "number": r["number"], "level": r["level"]}
                    for r in store.query("SELECT id, number, level FROM windows WHERE office = ? ORDER BY id",
                                         (office,))],
        "users": [{"login": r["login"], "name": r["name"]}
                  for r in store.query("SELECT login, name FROM users ORDER BY login")],
    }


def settings_hash(settings: dict) -> str:
    """The version of a settings snapshot: sha256 of its canonical JSON (the centre keeps a new
    version only when this differs from the latest)."""
    import hashlib

    return hashlib.sha256(json.dumps(settings, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def office_store(store_or_source) -> Store | None:
    """The office's own SQLite store behind a report source (or the store itself); None for a
    source without one (the company centre's): sections kept only in an office's tables ask this."""
    if isinstance(store_or_source, Store):
        return store_or_source
    inner = getattr(store_or_source, "store", None)
    return inner if isinstance(inner, Store) else None


class SqliteSource:
    """The hub's SQLite store as a report source (what :mod:`.build` reads). The methods call
    this module's functions (one SQL statement each)."""

    def __init__(self, store: Store):
        self.store = store

    def context(self, office: str, day: date, now: float) -> DayContext:
        return context(self.store, office, day, now)

    def offices(self) -> list[str]:
        return offices(self.store)

    def segments_of_day(self, office: str, day: str) -> list[dict]:
        return segments_of_day(self.store, office, day)

    def tickets_of_day(self, office: str, day: str) -> list[dict]:
        return tickets_of_day(self.store, office, day)

    def window_events(self, office: str, first_day: str, last_day: str) -> list[dict]:
        return window_events(self.store, office, first_day, last_day)

    def ratings(self, office: str, first_day: str, last_day: str) -> list[dict]:
        return ratings(self.store, office, first_day, last_day)

    def segment_aggregates(self, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
        return segment_aggregates(self.store, ctx, group, first_day, last_day)

    def visit_aggregates(self, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
        return visit_aggregates(self.store, ctx, group, first_day, last_day)

    def rating_aggregates(self, office: str, group: str, first_day: str, last_day: str) -> list[dict]:
        return rating_aggregates(self.store, office, group, first_day, last_day)

    def year_months(self, ctx: DayContext, year: int, now: float) -> dict[str, dict]:
        """The year's sums by month (closed months kept in ``report_months``: :mod:`.cache`)."""
        from . import cache

        return cache.year_months(self.store, ctx, year, now)

    def config_snapshot(self, office: str) -> dict:
        return config_snapshot(self.store, office)


def as_source(store_or_source):
    """A report source: a hub :class:`Store` is wrapped in :class:`SqliteSource`."""
    return SqliteSource(store_or_source) if isinstance(store_or_source, Store) else store_or_source
