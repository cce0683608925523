"""The centre as a *report source*: the interface of server/reports/source.py ``SqliteSource``
over the centre's PostgreSQL, so server/reports/build.py makes the office's own reports and the
centre's consolidated ones with one code.

* The office's settings come from its configuration history (:mod:`.config_store`): a day's
  report uses the version in force that day, in the office's own time zone.
* A day, a month: the same row-level reads and SQL sums as the hub's (tickets, segments, the
  window and rating events), written for PostgreSQL.
* A year: from the ``day_figures`` roll-up (one row per office-day, filled when the projector
  rebuilds the day, :func:`rebuild_day_figures`), so the company's yearly disclosure over a
  hundred offices reads 36,500 rows, not 7.5 million tickets.

All the SQL of the centre's reports is here.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from datetime import date

from ..domain.model import LEVELS
from ..domain.norms import profile as norm_profile
from ..domain.schedule import Schedule
from ..reports import figures
from ..reports.figures import CAME_AFTER_CALL, DEFAULT_VISIT_NORM, SERVICE_OUTCOMES, DayContext
from ..reports.source import UnknownOffice
from . import config_store
from .store import CentralStore

log = logging.getLogger(__name__)

WINDOW_EVENTS = ("window.opened", "window.paused", "window.closed")
#: The centre receives that a visitor left a comment, not its text (it stays in the office).
COMMENT_KEPT_IN_OFFICE = "Текст отзыва хранится в офисе"


def context_from(settings: dict, day: date, now: float) -> DayContext:
    """The office as the rules see it, from a configuration snapshot."""
    return DayContext(
        office=dict(settings["office"]),
        day=day,
        profile=norm_profile(settings["profile"], settings["profile_overrides"] or {}),
        schedule=Schedule.from_json(settings["schedule"]),
        services={s["id"]: {"letter": s["letter"], "name": s["name"], "kind": s["kind"], "order": s.get("order")}
                  for s in settings["services"]},
        windows={w["id"]: {"number": w["number"], "level": w.get("level")} for w in settings["windows"]},
        users={u["login"]: u["name"] for u in settings["users"]}, now=now)


def _limit_case(ctx: DayContext, which: str) -> tuple[str, list]:
    """Each segment's norm limit in seconds (NULL without a norm), as a SQL ``CASE``: the same
    choice as server/reports/source.py."""
    def by_service(level: str | None) -> tuple[str, list]:
        parts, params = [], []
        for sid in ctx.services:
            limit = ctx.wait_limit(sid) if level is None else ctx.service_limit(sid, level)
            if limit is not None:
                # a per-account norm (001:841) scales with the segment's accounts, as at the office
                per_account = level == "specialist" and ctx.per_account(sid)
                parts.append("WHEN %s THEN %s::float8 * s.accounts" if per_account else "WHEN %s THEN %s::float8")
                params += [sid, float(limit)]
        return ("CASE s.service " + " ".join(parts) + " END", params) if parts else ("NULL::float8", [])

    if which == "wait":
        return by_service(None)
    parts, params = [], []
    for level in LEVELS:
        sql, p = by_service(level)
        parts.append(f"WHEN %s THEN {sql}")
        params += [level, *p]
    return "CASE s.level " + " ".join(parts) + " END", params


def _ints(rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    for r in rows:
        for f in fields:
            r[f] = int(r[f] or 0)
    return rows


class CentralSource:
    """The centre's PostgreSQL as a report source (the methods of ``SqliteSource``)."""

    def __init__(self, store: CentralStore):
        self.store = store

    def _query(self, sql: str, params=()) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ the office

    def context(self, office: str, day: date, now: float) -> DayContext:
        with self.store.connection() as conn:
            row = config_store.config_for_day(conn, office, day.isoformat())
        if row is None:
            raise UnknownOffice(office)
        return context_from(row["settings"], day, now)

    def offices(self) -> list[str]:
        """Offices whose configuration the centre has (a report needs it)."""
        return [r["office"] for r in self._query("SELECT DISTINCT office FROM office_configs ORDER BY office")]

    def offices_in(self, region: str | None = None) -> list[dict]:
        """``[{id, name, region}]`` with a configuration; of one region when given."""
        sql = ("SELECT o.id, o.name, o.region FROM offices o WHERE EXISTS (SELECT 1 FROM office_configs c "
               "WHERE c.office = o.id)")
        if region is not None:
            return self._query(sql + " AND o.region = %s ORDER BY o.id", (region,))
        return self._query(sql + " ORDER BY o.id")

    def now(self, office: str) -> float:
        """The office's "now": the centre's clock, or the office's latest event when the office's
        clock is ahead (its log is the authority on its own times)."""
        row = self._query("SELECT max(at) AS at FROM events WHERE office = %s AND seq > "
                          "(SELECT greatest(high_water_mark - 50, 0) FROM offices WHERE id = %s)", (office, office))
        latest = row[0]["at"] if row and row[0]["at"] is not None else 0.0
        return max(time.time(), latest)

    def today(self, office: str) -> date:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        tz = config_store.latest_tz(self.store, office)
        if tz is None:
            raise UnknownOffice(office)
        return datetime.fromtimestamp(self.now(office), ZoneInfo(tz)).date()

    # ------------------------------------------------------------------ casework (004:206), from the events

    def casework_counts(self, office: str, first_day: str, last_day: str, today: str) -> dict:
        """The counts of server/store/casework.py ``counts`` (the office's own) from the events the
        office shipped - ids, kinds and due dates only, no personal data: home visits asked for,
        done and refused in the days; written requests registered in them by kind, answered in
        time, late, and still open past their due date on ``today``. Each visit or request once
        (a log accepted in place of another holds its events twice)."""
        from ..domain import casework as rules

        v = self._query(
            "SELECT count(*) FILTER (WHERE type = 'visit.requested') AS requested, "
            "count(*) FILTER (WHERE type = 'visit.done') AS done, "
            "count(*) FILTER (WHERE type = 'visit.refused') AS refused FROM ("
            "SELECT DISTINCT type, data->>'visit' AS visit FROM events WHERE office = %s "
            "AND type IN ('visit.requested', 'visit.done', 'visit.refused') AND day BETWEEN %s AND %s) x",
            (office, first_day, last_day))[0]
        out = {"visits": {k: int(v[k] or 0) for k in ("requested", "done", "refused")},
               "requests": {k: {"registered": 0, "in_time": 0, "late": 0, "overdue": 0} for k in rules.KINDS}}
        rows = self._query(
            "SELECT r.kind, count(*) AS registered, "
            "count(*) FILTER (WHERE a.late IS FALSE) AS in_time, count(*) FILTER (WHERE a.late) AS late, "
            "count(*) FILTER (WHERE a.late IS NULL AND r.due < %s) AS overdue FROM ("
            "SELECT DISTINCT ON (data->>'request') data->>'request' AS id, data->>'kind' AS kind, "
            "data->>'due' AS due FROM events WHERE office = %s AND type = 'request.registered' "
            "AND day BETWEEN %s AND %s ORDER BY data->>'request', seq) r LEFT JOIN ("
            "SELECT DISTINCT ON (data->>'request') data->>'request' AS id, (data->>'late')::boolean AS late "
            "FROM events WHERE office = %s AND type = 'request.answered' ORDER BY data->>'request', seq) a "
            "ON a.id = r.id GROUP BY r.kind", (today, office, first_day, last_day, office))
        for r in rows:
            if r["kind"] in out["requests"]:
                out["requests"][r["kind"]] = {k: int(r[k] or 0) for k in ("registered", "in_time", "late", "overdue")}
        return out

    # ------------------------------------------------------------------ the survey (000:622-762), from the events

    def _survey_answers(self) -> str:
        """Each visit's answers once (the first ``survey.answered`` of a ticket; a log accepted in
        place of another holds it twice), one row per (question, answer)."""
        return ("SELECT s.ticket, x->>0 AS question, x->>1 AS answer FROM ("
                "SELECT DISTINCT ON (data->>'ticket') data->>'ticket' AS ticket, data->'answers' AS answers "
                "FROM events WHERE office = %s AND type = 'survey.answered' AND day BETWEEN %s AND %s "
                "ORDER BY data->>'ticket', seq) s, jsonb_array_elements(s.answers) x")

    def survey_counts(self, office: str, first_day: str, last_day: str) -> list[dict]:
        """As server/store/survey.py ``counts``: per question and option, how many times it was
        chosen (``n``) and how many visits answered the question (``visits``)."""
        sql = (f"WITH a AS ({self._survey_answers()}) SELECT a.question, a.answer, count(*) AS n, v.visits "
               "FROM a JOIN (SELECT question, count(DISTINCT ticket) AS visits FROM a GROUP BY question) v "
               "ON v.question = a.question GROUP BY a.question, a.answer, v.visits ORDER BY a.question, a.answer")
        return [{**r, "n": int(r["n"]), "visits": int(r["visits"])}
                for r in self._query(sql, (office, first_day, last_day))]

    def survey_visits(self, office: str, first_day: str, last_day: str) -> int:
        row = self._query(f"SELECT count(DISTINCT ticket) AS n FROM ({self._survey_answers()}) a",
                          (office, first_day, last_day))
        return int(row[0]["n"] or 0) if row else 0

    def office_name(self, office: str) -> str:
        row = self._query("SELECT name FROM offices WHERE id = %s", (office,))
        return (row[0]["name"] if row else None) or office

    # ------------------------------------------------------------------ one day, row by row

    def segments_of_day(self, office: str, day: str) -> list[dict]:
        return self._query(
            'SELECT s.ticket, s.idx, s.service, s.queued_at, s.called_at, s.started_at, s.ended_at, s."window", '
            "s.operator, s.outcome, s.phases::text AS phases, s.level, s.accounts, "
            "CASE WHEN s.outcome IS NULL THEN t.recalls ELSE s.recalls END AS recalls "
            "FROM segments s JOIN tickets t ON t.office = s.office AND t.id = s.ticket "
            "WHERE s.office = %s AND s.day = %s ORDER BY s.ticket, s.idx", (office, day))

    def tickets_of_day(self, office: str, day: str) -> list[dict]:
        return self._query('SELECT id, code, service, first_service, issued_at, ended_at, state, outcome, "window", '
                           "operator FROM tickets WHERE office = %s AND day = %s ORDER BY id", (office, day))

    def window_events(self, office: str, first_day: str, last_day: str) -> list[dict]:
        rows = self._query("SELECT seq, day::text AS day, type, at, data FROM events WHERE office = %s "
                           "AND type IN ('window.opened', 'window.paused', 'window.closed') "
                           "AND day BETWEEN %s AND %s ORDER BY seq, epoch",  # in the order rebuild_day uses
                           (office, first_day, last_day))
        return [{"seq": r["seq"], "day": r["day"], "type": r["type"], "at": r["at"], "window": r["data"].get("window"),
                 "operator": r["data"].get("operator"), "reason": r["data"].get("reason")} for r in rows]

    def ratings(self, office: str, first_day: str, last_day: str) -> list[dict]:
        rows = self._query("SELECT day::text AS day, at, data FROM events WHERE office = %s AND type = 'rating.given' "
                           "AND day BETWEEN %s AND %s ORDER BY at", (office, first_day, last_day))
        return [{"ticket": r["data"].get("ticket"), "day": r["day"], "score": r["data"].get("score"),
                 "comment": COMMENT_KEPT_IN_OFFICE if r["data"].get("commented") else "",
                 "service": r["data"].get("service"), "window": r["data"].get("window"),
                 "operator": r["data"].get("operator"), "at": r["at"]} for r in rows]

    # ------------------------------------------------------------------ a month, in SQL

    def segment_aggregates(self, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
        key = {"month": "to_char(s.day, 'YYYY-MM')", "day": "s.day::text", "service": "s.service",
               "window": 's."window"', "operator": "s.operator"}[group]
        came = ", ".join(f"'{o}'" for o in CAME_AFTER_CALL)
        served = ", ".join(f"'{o}'" for o in SERVICE_OUTCOMES)
        wait_case, wait_params = _limit_case(ctx, "wait")
        svc_case, svc_params = _limit_case(ctx, "service")
        where = f' AND s.{"window" if group == "window" else group} IS NOT NULL' if group in ("window", "operator") \
            else ""
        where = where.replace("s.window", 's."window"')
        sql = f"""
        WITH m AS MATERIALIZED (
          SELECT {key} AS k, s.outcome AS outcome,
            CASE WHEN s.outcome IS NULL THEN t.recalls ELSE s.recalls END AS recalls,
            CASE WHEN s.called_at IS NOT NULL AND (s.started_at IS NOT NULL OR s.outcome IN ({came}))
                 THEN s.called_at - s.queued_at END AS w,
            CASE WHEN s.started_at IS NOT NULL AND s.ended_at IS NOT NULL AND s.outcome IN ({served})
                 THEN s.ended_at - s.started_at END AS v,
            {wait_case} AS wl, {svc_case} AS vl
          FROM segments s JOIN tickets t ON t.office = s.office AND t.id = s.ticket
          WHERE s.office = %s AND s.day BETWEEN %s AND %s{where}
        )
        SELECT k, count(*) AS segments, count(*) FILTER (WHERE outcome = 'finished') AS served,
          count(w) AS wait_count, coalesce(sum(w), 0)::float8 AS wait_sum, max(w) AS wait_max,
          count(*) FILTER (WHERE w IS NOT NULL AND wl IS NOT NULL) AS wait_normed,
          count(*) FILTER (WHERE w <= wl) AS wait_within,
          count(v) AS service_count, coalesce(sum(v), 0)::float8 AS service_sum, max(v) AS service_max,
          count(*) FILTER (WHERE v IS NOT NULL AND vl IS NOT NULL) AS service_normed,
          count(*) FILTER (WHERE v <= vl) AS service_within,
          count(*) FILTER (WHERE outcome = 'no_show') AS no_show,
          count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
          count(*) FILTER (WHERE outcome = 'transferred') AS transferred,
          count(*) FILTER (WHERE outcome = 'escalated') AS escalated,
          count(*) FILTER (WHERE outcome = 'postponed') AS postponed,
          count(*) FILTER (WHERE outcome = 'resolved') AS resolved,
          count(*) FILTER (WHERE outcome IS NULL OR outcome = 'expired') AS unfinished,
          coalesce(sum(recalls), 0) AS recalls
        FROM m GROUP BY k ORDER BY k"""
        rows = self._query(sql, [*wait_params, *svc_params, ctx.office["id"], first_day, last_day])
        return _ints(rows, ("segments", "served", "wait_count", "wait_normed", "wait_within", "service_count",
                            "service_normed", "service_within", "no_show", "cancelled", "transferred", "escalated",
                            "postponed", "resolved", "unfinished", "recalls"))

    def visit_aggregates(self, ctx: DayContext, group: str, first_day: str, last_day: str) -> list[dict]:
        key = {"month": "to_char(day, 'YYYY-MM')", "day": "day::text", "service": "service", "window": '"window"',
               "operator": "operator"}[group]
        limit = float((ctx.profile.visit_total or DEFAULT_VISIT_NORM).limit_seconds)
        sql = f"""
        WITH m AS MATERIALIZED (
          SELECT {key} AS k, state, outcome,
            CASE WHEN state = 'finished' AND outcome <> 'resolved' THEN ended_at - issued_at END AS t
          FROM tickets WHERE office = %s AND day BETWEEN %s AND %s
        )
        SELECT k, count(*) AS issued, count(t) AS served, coalesce(sum(t), 0)::float8 AS time_sum,
          max(t) AS time_max, count(*) FILTER (WHERE t > %s) AS over_norm,
          count(*) FILTER (WHERE state = 'finished' AND outcome = 'resolved') AS resolved,
          count(*) FILTER (WHERE state = 'no_show') AS no_show,
          count(*) FILTER (WHERE state = 'cancelled' AND outcome = 'cancelled') AS cancelled,
          count(*) FILTER (WHERE state NOT IN ('finished', 'no_show')
                           AND NOT (state = 'cancelled' AND outcome = 'cancelled')) AS unfinished
        FROM m GROUP BY k ORDER BY k"""
        rows = self._query(sql, [ctx.office["id"], first_day, last_day, limit])
        return _ints(rows, ("issued", "served", "over_norm", "resolved", "no_show", "cancelled", "unfinished"))

    def rating_aggregates(self, office: str, group: str, first_day: str, last_day: str) -> list[dict]:
        key = {"month": "to_char(day, 'YYYY-MM')", "day": "day::text"}[group]
        rows = self._query(
            f"""WITH r AS MATERIALIZED (
                  SELECT {key} AS k, (data->>'score')::int AS score, coalesce((data->>'commented')::boolean, false) AS c
                  FROM events WHERE office = %s AND type = 'rating.given' AND day BETWEEN %s AND %s
                    AND jsonb_typeof(data->'score') = 'number')
                SELECT k, count(*) AS count, avg(score)::float8 AS average,
                  count(*) FILTER (WHERE score = 1) AS s1, count(*) FILTER (WHERE score = 2) AS s2,
                  count(*) FILTER (WHERE score = 3) AS s3, count(*) FILTER (WHERE score = 4) AS s4,
                  count(*) FILTER (WHERE score = 5) AS s5, count(*) FILTER (WHERE c) AS with_comment
                FROM r WHERE score BETWEEN 1 AND 5 GROUP BY k ORDER BY k""", (office, first_day, last_day))
        return rows

    # ------------------------------------------------------------------ a year, from the roll-up

    def year_months(self, ctx: DayContext, year: int, now: float) -> dict[str, dict]:
        return self.year_months_many([ctx], year, now)[0]

    def year_months_many(self, contexts: list[DayContext], year: int, now: float) -> list[dict[str, dict]]:
        """The year's sums by month for each office, from ``day_figures`` (one query for all)."""
        ids = [c.office["id"] for c in contexts]
        rows = self._query(YEAR_SQL, (ids, date(year, 1, 1), date(year, 12, 31)))
        by: dict[tuple[str, str], dict] = {(r["office"], r["k"]): r for r in rows}
        out = []
        for office in ids:
            months = {}
            for m in range(1, 13):
                k = f"{year:04d}-{m:02d}"
                r = by.get((office, k))
                months[k] = _month_parts(r)
            out.append(months)
        return out


YEAR_SQL = """
SELECT office, to_char(day, 'YYYY-MM') AS k,
  sum(segments) AS segments, sum(served) AS served, sum(wait_count) AS wait_count, sum(wait_sum) AS wait_sum,
  max(wait_max) AS wait_max, sum(wait_normed) AS wait_normed, sum(wait_within) AS wait_within,
  sum(service_count) AS service_count, sum(service_sum) AS service_sum, max(service_max) AS service_max,
  sum(service_normed) AS service_normed, sum(service_within) AS service_within,
  sum(no_show) AS no_show, sum(cancelled) AS cancelled, sum(transferred) AS transferred,
  sum(escalated) AS escalated, sum(postponed) AS postponed, sum(resolved) AS resolved,
  sum(unfinished) AS unfinished, sum(recalls) AS recalls,
  sum(v_issued) AS v_issued, sum(v_served) AS v_served, sum(v_time_sum) AS v_time_sum, max(v_time_max) AS v_time_max,
  sum(v_over_norm) AS v_over_norm, sum(v_resolved) AS v_resolved, sum(v_no_show) AS v_no_show,
  sum(v_cancelled) AS v_cancelled, sum(v_unfinished) AS v_unfinished,
  sum(r_count) AS r_count, sum(r_sum) AS r_sum, sum(r_s1) AS r_s1, sum(r_s2) AS r_s2, sum(r_s3) AS r_s3,
  sum(r_s4) AS r_s4, sum(r_s5) AS r_s5, sum(r_with_comment) AS r_with_comment,
  sum(pauses) AS pauses, sum(pause_seconds) AS pause_seconds
FROM day_figures WHERE office = ANY(%s) AND day BETWEEN %s AND %s
GROUP BY office, k"""

SEG_SUMS = ("segments", "served", "wait_count", "wait_sum", "wait_max", "wait_normed", "wait_within",
            "service_count", "service_sum", "service_max", "service_normed", "service_within", "no_show",
            "cancelled", "transferred", "escalated", "postponed", "resolved", "unfinished", "recalls")
VIS_SUMS = ("issued", "served", "time_sum", "time_max", "over_norm", "resolved", "no_show", "cancelled", "unfinished")
FLOATS = {"wait_sum", "wait_max", "service_sum", "service_max", "time_sum", "time_max"}


def _num(name: str, v):
    if v is None:
        return None
    return float(v) if name in FLOATS else int(v)


def _month_parts(r: dict | None) -> dict:
    """A month's roll-up row in the shapes of the hub's month sums (``seg``, ``vis``, ``rat``, ``pauses``)."""
    if r is None:
        return {"seg": None, "vis": None, "rat": None, "pauses": [0, 0.0]}
    seg = {"k": r["k"], **{f: _num(f, r[f]) for f in SEG_SUMS}} if r["segments"] else None
    vis = {"k": r["k"], **{f: _num(f, r[f"v_{f}"]) for f in VIS_SUMS}} if r["v_issued"] else None
    n = int(r["r_count"] or 0)
    rat = ({"k": r["k"], "count": n, "average": int(r["r_sum"]) / n,
            **{f"s{i}": int(r[f"r_s{i}"]) for i in range(1, 6)}, "with_comment": int(r["r_with_comment"])}
           if n else None)
    return {"seg": seg, "vis": vis, "rat": rat, "pauses": [int(r["pauses"] or 0), float(r["pause_seconds"] or 0.0)]}


# ---------------------------------------------------------------------- the day roll-up (the projector)

DAY_FIGURES_COLUMNS = (
    "office", "day", *SEG_SUMS, *(f"v_{f}" for f in VIS_SUMS), "r_count", "r_sum", "r_s1", "r_s2", "r_s3", "r_s4",
    "r_s5", "r_with_comment", "pauses", "pause_seconds", "config_hash")


def day_figures_row(ctx: DayContext | None, office: str, day: str, tickets: list, events: list[dict],
                    config_hash: str | None) -> tuple:
    """One office-day's sums by the rules of server/reports/figures.py (the same choices as the
    SQL of the month): segments with their norm limits, visits, ratings, pauses. ``ctx`` None: the
    office's configuration has not reached the centre yet (no norms: nothing counted as normed)."""
    s = {f: 0 for f in SEG_SUMS}
    s["wait_sum"] = s["service_sum"] = 0.0
    s["wait_max"] = s["service_max"] = None
    waits, services = [], []
    wait_limits: dict = {}
    service_limits: dict = {}

    def wait_limit(service):
        if service not in wait_limits:
            wait_limits[service] = ctx.wait_limit(service) if ctx is not None and service in ctx.services else None
        return wait_limits[service]

    def service_limit(service, level, accounts):
        if (service, level, accounts) not in service_limits:
            service_limits[service, level, accounts] = (
                ctx.service_limit(service, level, accounts) if ctx is not None
                and service in ctx.services and level in LEVELS else None)
        return service_limits[service, level, accounts]

    for t in tickets:
        for seg in t.segments:
            row = {"called_at": seg.called_at, "started_at": seg.started_at, "ended_at": seg.ended_at,
                   "queued_at": seg.queued_at, "outcome": seg.outcome}
            s["segments"] += 1
            s["served"] += seg.outcome == "finished"
            w = figures.waited(row)
            if w is not None:
                s["wait_count"] += 1
                waits.append(w)
                wl = wait_limit(seg.service)
                if wl is not None:
                    s["wait_normed"] += 1
                    s["wait_within"] += w <= wl
            v = figures.service_time(row)
            if v is not None:
                s["service_count"] += 1
                services.append(v)
                vl = service_limit(seg.service, seg.level, seg.accounts or 1)
                if vl is not None:
                    s["service_normed"] += 1
                    s["service_within"] += v <= vl
            for c in figures.COUNTERS:
                s[c] += seg.outcome == c
            s["unfinished"] += figures.unfinished(row)
            s["recalls"] += (t.recalls if seg.outcome is None else seg.recalls) or 0
    s["wait_sum"], s["wait_max"] = math.fsum(waits), max(waits) if waits else None
    s["service_sum"], s["service_max"] = math.fsum(services), max(services) if services else None
    limit = (ctx.profile.visit_total or DEFAULT_VISIT_NORM).limit_seconds if ctx else DEFAULT_VISIT_NORM.limit_seconds
    v = {f: 0 for f in VIS_SUMS}
    times = []
    for t in tickets:  # SQL's three-valued logic of visit_aggregates, kept exactly (a NULL outcome counts nowhere)
        state, outcome = str(t.state), t.outcome
        v["issued"] += 1
        if state == "finished" and outcome is not None and outcome != "resolved":
            x = t.ended_at - t.issued_at
            times.append(x)
            v["over_norm"] += x > limit
        v["resolved"] += state == "finished" and outcome == "resolved"
        v["no_show"] += state == "no_show"
        v["cancelled"] += state == "cancelled" and outcome == "cancelled"
        v["unfinished"] += state not in ("finished", "no_show") and not (
            state == "cancelled" and (outcome is None or outcome == "cancelled"))
    v["served"], v["time_sum"], v["time_max"] = len(times), math.fsum(times), max(times) if times else None
    rated = [(e["data"].get("score"), bool(e["data"].get("commented"))) for e in events if e["type"] == "rating.given"]
    rated = [(sc, c) for sc, c in rated if isinstance(sc, int) and not isinstance(sc, bool) and 1 <= sc <= 5]
    r = [len(rated), sum(sc for sc, _ in rated), *(sum(1 for sc, _ in rated if sc == i) for i in range(1, 6)),
         sum(1 for _, c in rated if c)]
    pauses, seconds = 0, 0.0
    if ctx is not None:
        wins = [{"seq": e.get("seq"), "day": e["day"], "type": e["type"], "at": e["at"],
                 "window": e["data"].get("window"), "operator": e["data"].get("operator"),
                 "reason": e["data"].get("reason")} for e in events if e["type"] in WINDOW_EVENTS]
        if wins:
            ps = figures.pauses_of(replace(ctx, day=date.fromisoformat(day), now=math.inf), wins)
            pauses, seconds = len(ps), math.fsum(p["seconds"] for p in ps)
    return (office, day, *(s[f] for f in SEG_SUMS), *(v[f] for f in VIS_SUMS), *r, pauses, seconds, config_hash)


def rebuild_day_figures(conn, office: str, day: str, tickets: list, events: list[dict]) -> None:
    """Replace the office-day's ``day_figures`` row (inside the projector's transaction)."""
    cfg = config_store.config_for_day(conn, office, day)
    ctx = context_from(cfg["settings"], date.fromisoformat(day), math.inf) if cfg else None
    row = day_figures_row(ctx, office, day, tickets, events, cfg["hash"] if cfg else None)
    if tickets or any(e["type"] in WINDOW_EVENTS or e["type"] == "rating.given" for e in events):
        conn.execute(UPSERT_DAY_FIGURES, row)
    else:
        conn.execute("DELETE FROM day_figures WHERE office = %s AND day = %s", (office, day))


UPSERT_DAY_FIGURES = (
    f"INSERT INTO day_figures ({', '.join(chr(34) + c + chr(34) for c in DAY_FIGURES_COLUMNS)}) "
    f"VALUES ({', '.join('%s' for _ in DAY_FIGURES_COLUMNS)}) ON CONFLICT (office, day) DO UPDATE SET "
    + ", ".join(f'"{c}" = excluded."{c}"' for c in DAY_FIGURES_COLUMNS[2:]) + ", rebuilt_at = now()")
