"""Casework in the office's SQLite file: home visits, written requests (обращения, претензии,
жалобы), the log of who saw or changed personal data, and the office's keeping period. All of its
SQL is here; the rules are :mod:`server.domain.casework`.

Personal data (names, phones, addresses, contacts) lives only in ``home_visits`` and
``written_requests``; events carry ids and kinds only. :func:`forget_expired` blanks the personal
fields of records whose keeping period ended and stamps ``forgotten``.
"""
from __future__ import annotations

import sqlite3

from ..domain import casework as rules

VISIT_PERSONAL = ("name", "phone", "address")
REQUEST_PERSONAL = ("name", "contact")


# ---------------------------------------------------------------------- settings

def personal_data_days(store, office: str) -> int:
    row = store.one("SELECT personal_data_days FROM casework_settings WHERE office = ?", (office,))
    return int(row["personal_data_days"]) if row else rules.PERSONAL_DATA_DAYS


def set_personal_data_days(conn: sqlite3.Connection, office: str, days: int, now: float, by: str) -> None:
    conn.execute("""INSERT INTO casework_settings (office, personal_data_days, updated, by) VALUES (?, ?, ?, ?)
                    ON CONFLICT (office) DO UPDATE SET personal_data_days = excluded.personal_data_days,
                    updated = excluded.updated, by = excluded.by""", (office, days, now, by))


# ---------------------------------------------------------------------- the access log

def log_access(conn: sqlite3.Connection, office: str, at: float, login: str, record_kind: str, record: int,
               action: str, fields: str = "") -> None:
    """One row: who saw (``read``), made (``create``), changed (``change``) or blanked (``forget``)
    the personal data of a record."""
    conn.execute("INSERT INTO personal_data_access (office, at, login, record_kind, record, action, fields) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (office, at, login, record_kind, record, action, fields))


def access_log(store, office: str, limit: int = 200, record_kind: str | None = None,
               record: int | None = None) -> list[dict]:
    sql = "SELECT at, login, record_kind, record, action, fields FROM personal_data_access WHERE office = ?"
    params: list = [office]
    if record_kind is not None:
        sql += " AND record_kind = ?"
        params.append(record_kind)
    if record is not None:
        sql += " AND record = ?"
        params.append(record)
    return store.query(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))


# ---------------------------------------------------------------------- home visits

def next_id(store, table: str) -> int:
    assert table in ("home_visits", "written_requests")
    row = store.one(f"SELECT coalesce(max(id), 0) + 1 AS n FROM {table}")
    return int(row["n"])


def add_visit(conn: sqlite3.Connection, office: str, ident: int, visit: dict, now: float, day: str, by: str) -> None:
    conn.execute(
        """INSERT INTO home_visits (id, office, created, day, channel, reason, name, phone, address, consent_at,
           lives_alone, disability, over_65, state, updated, by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
           'requested', ?, ?)""",
        (ident, office, now, day, visit["channel"], visit["reason"].strip(), visit["name"].strip(),
         visit["phone"].strip(),
         visit["address"].strip(), now, int(visit["lives_alone"]), int(visit["disability"]),
         int(visit["over_65"]), now, by))


def visit(store, office: str, ident: int) -> dict | None:
    return store.one("SELECT * FROM home_visits WHERE office = ? AND id = ?", (office, ident))


def visits(store, office: str, limit: int = 500) -> list[dict]:
    return store.query("SELECT * FROM home_visits WHERE office = ? ORDER BY "
                       "CASE state WHEN 'requested' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
                       "coalesce(scheduled_for, day), id DESC LIMIT ?", (office, limit))


def move_visit(conn: sqlite3.Connection, office: str, ident: int, state: str, now: float, day: str, by: str,
               when: str | None = None, reason: str | None = None) -> None:
    closing = state in ("done", "refused")
    conn.execute("""UPDATE home_visits SET state = ?, scheduled_for = coalesce(?, scheduled_for),
                    refusal = coalesce(?, refusal), closed = ?, closed_day = ?, updated = ?, by = ?
                    WHERE office = ? AND id = ?""",
                 (state, when, reason, now if closing else None, day if closing else None, now, by, office, ident))


# ---------------------------------------------------------------------- written requests

def add_request(conn: sqlite3.Connection, office: str, ident: int, req: dict, now: float, day: str, due: str,
                term: rules.Term, by: str) -> None:
    conn.execute(
        """INSERT INTO written_requests (id, office, created, day, kind, channel, subject, name, contact, consent_at,
           due, term_days, term_working, term_source, state, updated, by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)""",
        (ident, office, now, day, req["kind"], req["channel"], req["subject"].strip(), req["name"].strip(),
         req["contact"].strip(), now, due, term.days, int(term.working), term.source, now, by))


def request(store, office: str, ident: int) -> dict | None:
    return store.one("SELECT * FROM written_requests WHERE office = ? AND id = ?", (office, ident))


def requests(store, office: str, limit: int = 500) -> list[dict]:
    return store.query("SELECT * FROM written_requests WHERE office = ? ORDER BY "
                       "CASE state WHEN 'registered' THEN 0 ELSE 1 END, due, id DESC LIMIT ?", (office, limit))


def answer_request(conn: sqlite3.Connection, office: str, ident: int, now: float, day: str, by: str) -> None:
    conn.execute("""UPDATE written_requests SET state = 'answered', answered = ?, answered_day = ?, closed = ?,
                    updated = ?, by = ? WHERE office = ? AND id = ?""",
                 (now, day, now, now, by, office, ident))


# ---------------------------------------------------------------------- reports

def counts(store, office: str, first_day: str, last_day: str, today: str) -> dict:
    """What the monthly and yearly reports count (004:206) over the office days
    ``first_day``..``last_day``: home visits asked for, done and refused in those days; written
    requests registered in them by kind, answered in time, answered late, and still open past their
    last day (``today`` decides what is overdue)."""
    v = store.one("""SELECT
        sum(day BETWEEN ?1 AND ?2) AS requested,
        sum(state = 'done' AND closed_day BETWEEN ?1 AND ?2) AS done,
        sum(state = 'refused' AND closed_day BETWEEN ?1 AND ?2) AS refused
        FROM home_visits WHERE office = ?3""", (first_day, last_day, office))
    out = {"visits": {k: int(v[k] or 0) for k in ("requested", "done", "refused")}, "requests": {}}
    for kind in rules.KINDS:
        r = store.one("""SELECT count(*) AS registered,
            sum(state = 'answered' AND answered_day <= due) AS in_time,
            sum(state = 'answered' AND answered_day > due) AS late,
            sum(state = 'registered' AND due < ?4) AS overdue
            FROM written_requests WHERE office = ?1 AND kind = ?2 AND day BETWEEN ?3 AND ?5""",
                      (office, kind, first_day, today, last_day))
        out["requests"][kind] = {k: int(r[k] or 0) for k in ("registered", "in_time", "late", "overdue")}
    return out


# ---------------------------------------------------------------------- keeping period

def forget_expired(conn: sqlite3.Connection, office: str, now: float, days: int) -> dict:
    """Blank names, phones, addresses and contacts of the office's records whose keeping period
    (``days`` after closing, or after registration for a record never closed) ended before ``now``;
    each blanked record gets a ``forget`` row in the access log. Returns how many of each."""
    done = {}
    for table, kind, fields in (("home_visits", "visit", VISIT_PERSONAL),
                                ("written_requests", "request", REQUEST_PERSONAL)):
        ids = [r[0] for r in conn.execute(
            f"SELECT id, created, closed FROM {table} WHERE office = ? AND forgotten IS NULL", (office,))
               if rules.personal_data_expired(r[1], r[2], now, days)]
        blank = ", ".join(f"{f} = ''" for f in fields)
        for ident in ids:
            conn.execute(f"UPDATE {table} SET {blank}, forgotten = ? WHERE id = ?", (now, ident))
            log_access(conn, office, now, "system", kind, ident, "forget", ",".join(fields))
        done[kind + "s"] = len(ids)
    return done


def offices(store) -> list[str]:
    return [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]
