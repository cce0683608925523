"""SQLite storage: WAL, one connection per thread, writes in ``BEGIN IMMEDIATE`` transactions.

The events table is the append-only log (``seq`` is the monotonic sequence number); the tickets,
segments and window columns are the projection of that log that reports and lookups read.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

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
                   "level", "accounts")


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
               json.dumps(s.phases), s.level, s.accounts)


def storage_fault(exc: BaseException) -> str | None:
    """What an SQLite error says about the storage: ``full`` (no room on the disk), ``readonly``
    (the file or its folder may not be written), ``busy`` (another process holds the write lock
    beyond the busy timeout), ``io`` (the disk failed a read or write), ``corrupt``; None when
    the error is not about the storage (a bug, a constraint)."""
    if not isinstance(exc, sqlite3.Error):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, kind in (("SQLITE_FULL", "full"), ("SQLITE_READONLY", "readonly"), ("SQLITE_BUSY", "busy"),
                         ("SQLITE_LOCKED", "busy"), ("SQLITE_IOERR", "io"), ("SQLITE_CANTOPEN", "io"),
                         ("SQLITE_CORRUPT", "corrupt"), ("SQLITE_NOTADB", "corrupt")):
        if name.startswith(prefix):
            return kind
    return None


class Store:
    """The SQLite file of one hub. Safe to share between threads: each gets its own connection."""

    def __init__(self, path: str | Path, synchronous: str = "FULL", busy_timeout: float = 30.0):
        self.path = str(path)
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        #: when this process last committed a write; the storage fault (time, sqlite3.Error) of a
        #: write since then, or None: what /healthz and the administrator's storage alert read
        self.last_commit: float | None = None
        self.write_fault: tuple[float, sqlite3.Error] | None = None
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        migrations.apply(self.db)

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
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
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    # SQLite may have rolled back already (disk full, I/O error): a second ROLLBACK
                    # would raise «no transaction is active» and hide the real cause
                    if conn.in_transaction:
                        try:
                            conn.execute("ROLLBACK")
                        except sqlite3.Error:
                            log.exception("rollback failed after a failed write")
                    raise
            except sqlite3.Error as exc:
                if storage_fault(exc):
                    self.write_fault = (time.time(), exc)
                raise
            self.last_commit = time.time()
            self.write_fault = None

    def probe_write(self, timeout: float = 0.25) -> sqlite3.Error | None:
        """Can this process take the write lock now? ``BEGIN IMMEDIATE`` then ``ROLLBACK`` on the
        writer (nothing is written); the error (busy, read-only) or None. A write of this process
        under way counts as fine."""
        if not self._write_lock.acquire(timeout=timeout):
            return None
        try:
            if self._writer is None:
                self._writer = self._connect()
            conn = self._writer
            conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            return None
        except sqlite3.Error as exc:
            return exc
        finally:
            self._write_lock.release()

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

    def arrivals_of_days(self, office: str, days: list[str]) -> list[tuple[str, float, str, int]]:
        """(day, at, service, priority) of every visitor who joined a queue on those office days:
        issued tickets and transfers (the wait estimate's forecast of the same weekday)."""
        if not days:
            return []
        marks = ",".join("?" * len(days))
        rows = self.query(f"SELECT day, at, type, data FROM events WHERE office = ? AND day IN ({marks}) "
                          f"AND type IN ('ticket.issued', 'ticket.transferred')", (office, *days))
        out = []
        for r in rows:
            d = json.loads(r["data"])
            if d.get("service"):
                priority = d.get("priority", 0) if r["type"] == "ticket.issued" else max(1, d.get("priority", 1))
                out.append((r["day"], r["at"], d["service"], int(priority or 0)))
        return out

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

    # ------------------------------------------------------------------ log identity

    def log_identity(self) -> str:
        """The identity of this file's event log (``meta.log``): made when the file was created,
        changed by a restore. Streams announce it; a client that knew another one reloads."""
        row = self.one("SELECT value FROM meta WHERE key = 'log'")
        return row["value"] if row else self.new_log_identity()

    def new_log_identity(self) -> str:
        """Make and store a fresh log identity (after a restore from a backup); answers it."""
        import secrets
        import time as _time
        ident = secrets.token_hex(16)
        with self.write() as conn:
            conn.execute("INSERT INTO meta (key, value, updated) VALUES ('log', ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                         (ident, _time.time()))
        return ident

    # ------------------------------------------------------------------ idempotency

    def idempotent_ticket(self, office: str, key: str) -> dict | None:
        return self.one("SELECT * FROM idempotency WHERE office = ? AND key = ?", (office, key))

    @staticmethod
    def remember_idempotency(conn, office: str, key: str, ticket: int, request: dict, now: float) -> None:
        conn.execute("INSERT INTO idempotency (office, key, ticket, request, created) VALUES (?, ?, ?, ?, ?)",
                     (office, key, ticket, json.dumps(request, sort_keys=True, ensure_ascii=False), now))
