"""SQLite storage: WAL, one connection per thread, writes in ``BEGIN IMMEDIATE`` transactions.

The events table is the append-only log (``seq`` is the monotonic sequence number); the tickets,
segments and window columns are the projection of that log that reports and lookups read.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

from ..domain.model import Ticket, Window
from .migrations import migrations

log = logging.getLogger(__name__)

TICKET_COLUMNS = ("id", "office", "day", "service", "letter", "number", "code", "token", "state",
                  "source", "client_type", "individual", "priority", "issued_at", "queued_at",
                  "called_at", "started_at", "ended_at", "window", "operator", "recalls", "outcome",
                  "estimate_low", "estimate_high", "first_service")
SEGMENT_COLUMNS = ("ticket", "idx", "office", "day", "service", "queued_at", "called_at",
                   "started_at", "ended_at", "window", "operator", "outcome", "recalls", "phases",
                   "level")


def _upsert_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    return (f'INSERT INTO {table} ({cols}) VALUES ({marks}) '
            f'ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates}')


UPSERT_TICKET = _upsert_sql("tickets", TICKET_COLUMNS, ("id",))
UPSERT_SEGMENT = _upsert_sql("segments", SEGMENT_COLUMNS, ("ticket", "idx"))


def ticket_row(t: Ticket) -> tuple:
    low, high = t.estimate if t.estimate else (None, None)
    return (t.id, t.office, t.day, t.service, t.letter, t.number, t.code, t.token, str(t.state),
            t.source, t.client_type, int(t.individual), t.priority, t.issued_at, t.queued_at,
            t.called_at, t.started_at, t.ended_at, t.window, t.operator, t.recalls, t.outcome,
            low, high, t.segments[0].service)


def segment_rows(t: Ticket) -> Iterator[tuple]:
    for i, s in enumerate(t.segments):
        yield (t.id, i, t.office, t.day, s.service, s.queued_at, s.called_at, s.started_at,
               s.ended_at, s.window, s.operator, s.outcome, s.recalls,
               json.dumps(s.phases), s.level)


class Store:
    """The SQLite file of one hub. Safe to share between threads: each gets its own connection."""

    def __init__(self, path: str | Path, synchronous: str = "FULL"):
        self.path = str(path)
        self.synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        migrations.apply(self.db)

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, for reading (and for writing outside ``write``)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite_utils.Database(self.conn)
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with ``BEGIN IMMEDIATE`` and committed on leaving.

        SQLite lets one writer in at a time anyway, so this process writes through one
        connection (its page cache stays warm) behind a lock; other processes (the CLI) are
        kept in order by ``BEGIN IMMEDIATE`` and the busy timeout.
        """
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect()
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            self._local.db = None

    def query(self, sql: str, params: Iterable = ()) -> list[dict]:
        return [dict(r) for r in self.conn.execute(sql, tuple(params))]

    def one(self, sql: str, params: Iterable = ()) -> dict | None:
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return dict(row) if row else None

    # ------------------------------------------------------------------ event log + projection

    @staticmethod
    def append_events(conn: sqlite3.Connection, events: list[dict]) -> None:
        """Append events to the log; each gets its ``seq``."""
        for e in events:
            cur = conn.execute(
                "INSERT INTO events (office, day, type, at, data, view) VALUES (?, ?, ?, ?, ?, ?)",
                (e["office"], e.get("day"), e["type"], e["at"],
                 json.dumps(e["data"], ensure_ascii=False), json.dumps(e.get("view") or {}, ensure_ascii=False)))
            e["seq"] = cur.lastrowid

    @staticmethod
    def project_tickets(conn: sqlite3.Connection, tickets: Iterable[Ticket]) -> None:
        tickets = list(tickets)
        conn.executemany(UPSERT_TICKET, [ticket_row(t) for t in tickets])
        conn.executemany(UPSERT_SEGMENT, [r for t in tickets for r in segment_rows(t)])

    @staticmethod
    def project_windows(conn: sqlite3.Connection, windows: Iterable[Window]) -> None:
        conn.executemany(
            "UPDATE windows SET state = ?, pause_reason = ?, since = ?, operator = ?, ticket = ? WHERE id = ?",
            [(str(w.state), w.pause_reason, w.since, w.operator, w.ticket, w.id) for w in windows])

    def events_after(self, office: str, seq: int, limit: int = 10000) -> list[dict]:
        rows = self.query("SELECT * FROM events WHERE office = ? AND seq > ? ORDER BY seq LIMIT ?",
                          (office, seq, limit))
        return [self._event(r) for r in rows]

    def events_of_current_day(self, office: str) -> list[dict]:
        """The log since the office's last ``day.started``: what rebuilds today's hall."""
        start = self.one("SELECT max(seq) AS s FROM events WHERE office = ? AND type = 'day.started'",
                         (office,))
        first = (start or {}).get("s") or 0
        rows = self.query("SELECT * FROM events WHERE office = ? AND seq >= ? ORDER BY seq", (office, first))
        return [self._event(r) for r in rows]

    def events_of_day(self, office: str, day: str) -> list[dict]:
        rows = self.query("SELECT * FROM events WHERE office = ? AND day = ? ORDER BY seq", (office, day))
        return [self._event(r) for r in rows]

    def last_seq(self, office: str | None = None) -> int:
        if office is None:
            row = self.one("SELECT max(seq) AS s FROM events")
        else:
            row = self.one("SELECT max(seq) AS s FROM events WHERE office = ?", (office,))
        return (row or {}).get("s") or 0

    @staticmethod
    def _event(r: dict) -> dict:
        return {"seq": r["seq"], "office": r["office"], "day": r["day"], "type": r["type"],
                "at": r["at"], "data": json.loads(r["data"]), "view": json.loads(r["view"])}

    def max_ticket_id(self) -> int:
        row = self.one("SELECT max(id) AS m FROM tickets")
        return (row or {}).get("m") or 0

    # ------------------------------------------------------------------ idempotency

    def idempotent_ticket(self, office: str, key: str) -> dict | None:
        return self.one("SELECT * FROM idempotency WHERE office = ? AND key = ?", (office, key))

    @staticmethod
    def remember_idempotency(conn, office: str, key: str, ticket: int, request: dict, now: float) -> None:
        conn.execute("INSERT INTO idempotency (office, key, ticket, request, created) VALUES (?, ?, ?, ?, ?)",
                     (office, key, ticket, json.dumps(request, sort_keys=True, ensure_ascii=False), now))
