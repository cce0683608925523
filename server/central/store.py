"""The centre's PostgreSQL store (psycopg 3 with a connection pool). ALL of the centre's SQL is here.

* ``offices`` carries each office's log identity and high-water mark (every seq 1..hwm stored);
  a batch locks its office's row (``FOR UPDATE``), so batches of one office are stored one
  after another and a gap can not slip in between two of them.
* ``events``: the logs, one row per (office, seq) - ``INSERT … ON CONFLICT DO NOTHING``.
* ``tickets``, ``segments``, ``day_services``: projections, rebuilt from the events of an
  office-day by replaying them through the hub's own core (:meth:`Hall.apply`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import psycopg.types.json
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from ..domain.hall import Hall
from ..reports import figures
from . import migrations
from .protocol import orjson

log = logging.getLogger(__name__)

PAIRING_TTL = timedelta(minutes=30)


class Refused(Exception):
    """The centre refuses a request: HTTP ``status``, ``code`` and a Russian ``message``."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    while True:
        s = secrets.token_urlsafe(nbytes)
        if not s.startswith("-"):  # it must be able to follow --central-key on a command line
            return s


TICKET_COLUMNS = ("office", "id", "day", "service", "letter", "number", "code", "state", "source",
                  "client_type", "individual", "priority", "issued_at", "queued_at", "called_at",
                  "started_at", "ended_at", "window", "operator", "recalls", "outcome", "estimate_low",
                  "estimate_high", "first_service")
SEGMENT_COLUMNS = ("office", "ticket", "idx", "day", "service", "queued_at", "called_at", "started_at",
                   "ended_at", "window", "operator", "outcome", "recalls", "phases", "level", "accounts")
ROLLUP_COLUMNS = ("office", "day", "service", "visits", "segments", "served", "wait_count", "wait_sum",
                  "wait_max", "service_count", "service_sum", "service_max", "no_show", "cancelled",
                  "transferred", "escalated", "postponed", "resolved", "unfinished", "recalls", "events")


#: A pooled connection returned less than this many seconds ago is handed out without the check
#: query (one round trip per request saved on the ingest path); an older one is checked first, so
#: a connection broken by a PostgreSQL restart is still replaced before a request gets it.
CHECK_IDLE_AFTER = 2.0
_returned_at: dict[int, float] = {}


def _configure(conn) -> None:
    """jsonb read back with orjson when it is there (the projector reads whole days of events:
    the standard library's decoder was a third of its time)."""
    if orjson is not None:
        psycopg.types.json.set_json_loads(orjson.loads, conn)


def _stamp_returned(conn) -> None:
    _returned_at[id(conn)] = time.monotonic()


def _check_if_idle(conn) -> None:
    if conn.closed or time.monotonic() - _returned_at.get(id(conn), 0.0) > CHECK_IDLE_AFTER:
        ConnectionPool.check_connection(conn)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({cols}) VALUES ({', '.join('%s' for _ in columns)})"


def _copy_into(cur, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into ``table`` by COPY (the projector's rebuild of a day; its rows were just deleted)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def migrate_database(url: str, connect_timeout: int = 10) -> tuple[list[int], int]:
    """Create or migrate the schema over one direct connection (``talon central init``): answers
    the versions applied now and the schema's version. Raises ``psycopg.OperationalError`` at once
    when the database can not be reached."""
    with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout, row_factory=dict_row) as conn:
        applied = migrations.apply(conn)
        version = conn.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()["v"] or 0
    return applied, version


class CentralStore:
    """The centre's database. Thread-safe: each call takes a connection from the pool."""

    def __init__(self, url: str, min_size: int = 2, max_size: int = 20, open_timeout: float = 30.0):
        self.url = url
        self.pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False,
                                   kwargs={"autocommit": True, "row_factory": dict_row},
                                   check=_check_if_idle, reset=_stamp_returned, configure=_configure,
                                   name="talon-central")
        self.pool.open(wait=False)
        self.open_timeout = open_timeout

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection(timeout=self.open_timeout) as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self.connection() as conn, conn.transaction():
            yield conn

    # ------------------------------------------------------------------ schema

    def migrate(self) -> list[int]:
        with self.connection() as conn:
            return migrations.apply(conn)

    def schema_version(self) -> int:
        with self.connection() as conn:
            row = conn.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()
            return row["v"] or 0

    def schema_snapshot(self) -> list[tuple]:
        """Tables, columns and indexes (for the test that a second ``init`` changes nothing)."""
        with self.connection() as conn:
            cols = conn.execute("SELECT table_name, column_name, data_type, is_nullable "
                                "FROM information_schema.columns "
                                "WHERE table_schema = 'public' ORDER BY 1, 2").fetchall()
            idx = conn.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                               "ORDER BY 1, 2").fetchall()
            mig = conn.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").fetchall()
        return [tuple(r.values()) for r in cols + idx + mig]

    # ------------------------------------------------------------------ offices, pairing, keys

    def add_office(self, office: str, name: str = "") -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO offices (id, name) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
                         "SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE offices.name END",
                         (office, name))

    def offices(self) -> list[dict]:
        with self.connection() as conn:
            return conn.execute("SELECT id, name, log_identity, high_water_mark, projected_seq, last_batch_at "
                                "FROM offices ORDER BY id").fetchall()

    def office(self, office: str) -> dict | None:
        with self.connection() as conn:
            return conn.execute("SELECT id, name, log_identity, high_water_mark, projected_seq, last_batch_at "
                                "FROM offices WHERE id = %s", (office,)).fetchone()

    def issue_pairing_code(self, office: str, name: str = "") -> str:
        """A one-time code (valid 30 minutes) the office's hub exchanges for its own key."""
        self.add_office(office)
        code = new_secret(12)
        with self.connection() as conn:
            conn.execute("INSERT INTO pairing_codes (code_hash, office, name, expires_at) VALUES (%s, %s, %s, %s)",
                         (key_hash(code), office, name, datetime.now(UTC) + PAIRING_TTL))
        return code

    def pair(self, code: str) -> dict | None:
        """Exchange a pairing code for a hub key (once); ``None`` for an unknown or expired code."""
        key = new_secret()
        with self.transaction() as conn:
            row = conn.execute("DELETE FROM pairing_codes WHERE code_hash = %s RETURNING office, name, expires_at",
                               (key_hash(code),)).fetchone()
            if row is None or row["expires_at"] < datetime.now(UTC):
                return None
            conn.execute("INSERT INTO hub_keys (key_hash, office, name) VALUES (%s, %s, %s)",
                         (key_hash(key), row["office"], row["name"]))
        return {"key": key, "office": row["office"]}

    def revoke_keys(self, office: str) -> int:
        """Withdraw every key of the office's hub (a stolen or replaced machine); answers how many."""
        with self.connection() as conn:
            cur = conn.execute("UPDATE hub_keys SET revoked_at = now() WHERE office = %s AND revoked_at IS NULL",
                               (office,))
            return cur.rowcount

    def office_of_key(self, key: str, conn: psycopg.Connection | None = None) -> str | None:
        """The office of a valid hub key. ``conn``: a connection the caller holds (the ingest
        route takes one pooled connection for the key check and the batch)."""
        if conn is None:
            with self.connection() as conn:
                return self.office_of_key(key, conn)
        row = conn.execute("SELECT office FROM hub_keys WHERE key_hash = %s AND revoked_at IS NULL",
                           (key_hash(key),)).fetchone()
        return row["office"] if row else None

    # ------------------------------------------------------------------ ingest

    def high_water_mark(self, office: str) -> int:
        row = self.office(office)
        return row["high_water_mark"] if row else 0

    def ingest(self, office: str, identity: str, events: list[dict], conn: psycopg.Connection | None = None) -> dict:
        """Store a checked batch (see :mod:`.protocol`) in one transaction; answers the office's
        high-water mark. Events at or under the mark are skipped (a retried batch); a batch that
        would leave a gap is refused (409 with the mark); so is another log identity. ``conn``:
        a pooled connection the caller holds (autocommit; the transaction is opened here)."""
        if conn is None:
            with self.connection() as conn:
                return self.ingest(office, identity, events, conn)
        with conn.transaction():
            row = conn.execute("SELECT log_identity, high_water_mark, epoch, fork_check_upto FROM offices "
                               "WHERE id = %s FOR UPDATE", (office,)).fetchone()
            if row is None:
                raise Refused(404, "office_not_found", "Офис не зарегистрирован в центре")
            hwm, epoch = row["high_water_mark"], row["epoch"]
            if row["log_identity"] is None:
                conn.execute("UPDATE offices SET log_identity = %s WHERE id = %s", (identity, office))
                conn.execute("INSERT INTO office_logs (office, epoch, log_identity, base_seq) VALUES (%s, %s, %s, 0) "
                             "ON CONFLICT (office, epoch) DO UPDATE SET log_identity = excluded.log_identity",
                             (office, epoch, identity))
            elif row["log_identity"] != identity:
                log.warning("office %s: a batch of log %r refused (the centre keeps log %r)", office, identity,
                            row["log_identity"])
                raise Refused(409, "log_mismatch",
                              "Журнал этого офиса в центре ведётся из другой базы данных. Если базу офиса "
                              "восстановили из копии или перенесли на другой компьютер, администратор компании "
                              f"может принять новый журнал в центре (журнал офиса: {identity})",
                              high_water_mark=hwm)
            if not events:
                return {"high_water_mark": hwm, "stored": 0}
            if events[0]["seq"] > hwm + 1:
                raise Refused(409, "gap", f"Пропуск в журнале: центр хранит события по № {hwm}, "
                                          f"пачка начинается с № {events[0]['seq']}", high_water_mark=hwm)
            new = [e for e in events if e["seq"] > hwm]
            if new and row["fork_check_upto"]:
                new, hwm = self._inherited(conn, office, epoch, new, hwm, row["fork_check_upto"])
            if not new:
                if hwm != row["high_water_mark"]:
                    conn.execute("UPDATE offices SET high_water_mark = %s, last_batch_at = now() WHERE id = %s",
                                 (hwm, office))
                return {"high_water_mark": hwm, "stored": 0}
            # Every seq above the mark is new (the office's row is locked and the mark moves in the
            # same transaction), so COPY - several times faster than INSERT - can not meet a copy
            # already stored; the primary key would refuse one (and roll the batch back) anyway.
            with conn.cursor() as cur:
                with cur.copy("COPY events (office, epoch, seq, log_identity, type, at, day, data, view) "
                              "FROM STDIN") as copy:
                    copy.write(_copy_rows(office, identity, new, epoch))
            stored = len(new)
            hwm = new[-1]["seq"]
            conn.execute("UPDATE offices SET high_water_mark = %s, last_batch_at = now() WHERE id = %s", (hwm, office))
        return {"high_water_mark": hwm, "stored": stored}

    def _inherited(self, conn, office: str, epoch: int, new: list[dict], hwm: int, upto: int) -> tuple[list[dict], int]:
        """A log accepted in place of another (:meth:`accept_log`) begins as a copy of it (a hub
        restored from a backup): its first events equal to the previous log's are that log's,
        stored once under it, and only move the mark. The first that differs - or the end of
        what the previous log holds - is where the logs part (``office_logs.base_seq``); from there
        on the events are the new log's own. Answers the batch's events still to store and the mark."""
        first, last = new[0]["seq"], min(new[-1]["seq"], upto)
        old = {r["seq"]: r for r in conn.execute(
            "SELECT DISTINCT ON (seq) seq, type, at, data FROM events WHERE office = %s AND epoch < %s "
            "AND seq BETWEEN %s AND %s ORDER BY seq, epoch DESC", (office, epoch, first, last)).fetchall()}
        k = 0
        while k < len(new) and new[k]["seq"] <= upto:
            e, o = new[k], old.get(new[k]["seq"])
            if o is None or o["type"] != e["type"] or o["at"] != e["at"] or o["data"] != e["data"]:
                break
            k += 1
        if k:
            hwm = new[k - 1]["seq"]
        if k < len(new) or hwm >= upto:  # the logs part here
            conn.execute("UPDATE offices SET fork_check_upto = 0 WHERE id = %s", (office,))
            conn.execute("UPDATE office_logs SET base_seq = %s WHERE office = %s AND epoch = %s", (hwm, office, epoch))
            log.info("office %s: log %d continues the previous one up to seq %d", office, epoch, hwm)
        return new[k:], hwm

    def accept_log(self, office: str, identity: str, by: str = "") -> dict:
        """An administrator's act: the office's log continues from another database (a hub restored
        from a backup, moved to a new machine). Nothing stored is lost: the events of the log kept
        so far stay under their identity and epoch; the new log is a new epoch whose seqs start
        again at 1 (its first events, when equal to the old log's, are recognised and not stored
        twice: :meth:`_inherited`). Answers ``{office, epoch, log, previous_log, changed}``."""
        with self.transaction() as conn:
            row = conn.execute("SELECT log_identity, high_water_mark, projected_seq, epoch FROM offices "
                               "WHERE id = %s FOR UPDATE", (office,)).fetchone()
            if row is None:
                raise Refused(404, "office_not_found", "Офис не зарегистрирован в центре")
            previous, epoch = row["log_identity"], row["epoch"]
            answer = {"office": office, "log": identity, "previous_log": previous}
            if previous == identity:
                return {**answer, "epoch": epoch, "changed": False}
            if previous is None:  # nothing shipped yet: the first log is simply this one
                conn.execute("UPDATE offices SET log_identity = %s WHERE id = %s", (identity, office))
                conn.execute("INSERT INTO office_logs (office, epoch, log_identity, base_seq, accepted_by) "
                             "VALUES (%s, %s, %s, 0, %s) ON CONFLICT (office, epoch) DO UPDATE SET "
                             "log_identity = excluded.log_identity, accepted_by = excluded.accepted_by",
                             (office, epoch, identity, by))
                return {**answer, "epoch": epoch, "changed": True}
            conn.execute("INSERT INTO office_logs (office, epoch, log_identity, base_seq) VALUES (%s, %s, %s, 0) "
                         "ON CONFLICT (office, epoch) DO NOTHING", (office, epoch, previous))
            hwm = row["high_water_mark"]
            conn.execute("UPDATE offices SET log_identity = %s, epoch = %s, high_water_mark = 0, projected_seq = 0, "
                         "fork_check_upto = %s WHERE id = %s", (identity, epoch + 1, hwm, office))
            conn.execute("INSERT INTO office_logs (office, epoch, log_identity, base_seq, accepted_by) "
                         "VALUES (%s, %s, %s, %s, %s)", (office, epoch + 1, identity, None if hwm else 0, by))
            # the previous log's days not projected yet are rebuilt below, after the commit
            days = [r["day"] for r in conn.execute(
                "SELECT DISTINCT day::text AS day FROM events WHERE office = %s AND epoch = %s AND seq > %s "
                "AND day IS NOT NULL ORDER BY 1", (office, epoch, row["projected_seq"])).fetchall()]
        log.warning("office %s: log %r accepted in place of %r (epoch %d) by %s", office, identity, previous,
                    epoch + 1, by or "?")
        for day in days:
            self.rebuild_day(office, day)
        return {**answer, "epoch": epoch + 1, "changed": True}

    def office_logs(self, office: str) -> list[dict]:
        """The office's logs, oldest first: epoch, identity, where it parts from the previous one."""
        with self.connection() as conn:
            return conn.execute("SELECT epoch, log_identity, base_seq, accepted_at, accepted_by FROM office_logs "
                                "WHERE office = %s ORDER BY epoch", (office,)).fetchall()

    def log_of(self, office: str, epoch: int | None = None) -> list[dict]:
        """The whole log of one epoch (default: the current), as the office's hub has it: the
        events inherited from earlier logs up to where they part, then its own."""
        with self.connection() as conn:
            if epoch is None:
                epoch = conn.execute("SELECT epoch FROM offices WHERE id = %s", (office,)).fetchone()["epoch"]
            bases = {r["epoch"]: r["base_seq"] for r in conn.execute(
                "SELECT epoch, base_seq FROM office_logs WHERE office = %s", (office,)).fetchall()}
            rows = conn.execute("SELECT epoch, seq, log_identity, type, at, day::text AS day, data, view FROM events "
                                "WHERE office = %s AND epoch <= %s ORDER BY seq, epoch", (office, epoch)).fetchall()
        return [r for r in rows if _in_log(r["epoch"], r["seq"], epoch, bases)]
    def events(self, office: str, after: int = 0, limit: int = 1_000_000) -> list[dict]:
        """The office's current log after ``after`` (with a log accepted in place of another, the
        events it inherited from it too: :meth:`log_of`)."""
        with self.connection() as conn:
            row = conn.execute("SELECT epoch FROM offices WHERE id = %s", (office,)).fetchone()
            if row is None or row["epoch"] == 1:
                return conn.execute("SELECT seq, log_identity, type, at, day::text AS day, data, view FROM events "
                                    "WHERE office = %s AND epoch = 1 AND seq > %s ORDER BY seq LIMIT %s",
                                    (office, after, limit)).fetchall()
        return [{k: v for k, v in e.items() if k != "epoch"} for e in self.log_of(office) if e["seq"] > after][:limit]

    def event_count(self, office: str | None = None) -> int:
        with self.connection() as conn:
            if office is None:
                return conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]
            return conn.execute("SELECT count(*) AS n FROM events WHERE office = %s", (office,)).fetchone()["n"]

    # ------------------------------------------------------------------ projections

    def rebuild_day(self, office: str, day: str) -> dict:
        """Rebuild the office-day's tickets, segments and roll-ups from its events, replayed
        through the hub's core; one transaction (readers see the old day or the new, never half)."""
        with self.transaction() as conn:
            # Projections are rebuilt from the events at will: their commit need not wait for the
            # disk. Nothing durable can outrun it - the office's projected_seq is moved afterwards in
            # a transaction of its own whose (synchronous) commit flushes the WAL up to and past this one.
            conn.execute("SET LOCAL synchronous_commit TO off")
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{office}/{day}",))
            events = conn.execute("SELECT epoch, seq, type, at, day::text AS day, data FROM events "
                                  "WHERE office = %s AND day = %s ORDER BY epoch, seq", (office, day)).fetchall()
            if events and events[-1]["epoch"] != events[0]["epoch"]:
                bases = {r["epoch"]: r["base_seq"] for r in conn.execute(
                    "SELECT epoch, base_seq FROM office_logs WHERE office = %s", (office,)).fetchall()}
                tickets = replay_logs(office, events, bases)
                events.sort(key=lambda e: (e["seq"], e["epoch"]))
            else:
                tickets = replay(office, events)
            tickets = [t for t in tickets if t.day == day]
            upto = events[-1]["seq"] if events else 0
            conn.execute("DELETE FROM segments WHERE office = %s AND day = %s", (office, day))
            conn.execute("DELETE FROM tickets WHERE office = %s AND day = %s", (office, day))
            conn.execute("DELETE FROM day_services WHERE office = %s AND day = %s", (office, day))
            with conn.cursor() as cur:  # COPY: a peak day's rows several times faster than executemany
                _copy_into(cur, "tickets", TICKET_COLUMNS, [ticket_row(t) for t in tickets])
                segs = [r for t in tickets for r in segment_rows(t)]
                _copy_into(cur, "segments", SEGMENT_COLUMNS, segs)
                rollups = day_rollups(office, day, tickets, upto)
                _copy_into(cur, "day_services", ROLLUP_COLUMNS, rollups)
            from .report_source import rebuild_day_figures  # the consolidated reports' day roll-up
            rebuild_day_figures(conn, office, day, tickets, events)
            conn.execute("INSERT INTO projected_days (office, day, upto_seq, events) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT (office, day) DO UPDATE SET upto_seq = excluded.upto_seq, "
                         "events = excluded.events, rebuilt_at = now()", (office, day, upto, len(events)))
        return {"office": office, "day": day, "events": len(events), "tickets": len(tickets), "upto_seq": upto}

    def project_pending(self, office: str | None = None) -> list[dict]:
        """Rebuild every office-day that received events since the last projection."""
        done = []
        with self.connection() as conn:
            rows = conn.execute("SELECT id, projected_seq, high_water_mark, epoch FROM offices "
                                "WHERE high_water_mark > projected_seq" + (" AND id = %s" if office else ""),
                                (office,) if office else ()).fetchall()
        for r in rows:
            upto = r["high_water_mark"]
            with self.connection() as conn:
                days = [d["day"] for d in conn.execute(
                    "SELECT DISTINCT day::text AS day FROM events WHERE office = %s AND epoch = %s AND seq > %s "
                    "AND seq <= %s AND day IS NOT NULL ORDER BY 1",
                    (r["id"], r["epoch"], r["projected_seq"], upto)).fetchall()]
            for day in days:
                done.append(self.rebuild_day(r["id"], day))
            with self.connection() as conn:
                conn.execute("UPDATE offices SET projected_seq = greatest(projected_seq, %s) WHERE id = %s "
                             "AND epoch = %s", (upto, r["id"], r["epoch"]))  # not if a log was accepted meanwhile
        return done

    def tickets_of_day(self, office: str, day: str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM tickets WHERE office = %s AND day = %s ORDER BY id",
                                (office, day)).fetchall()

    def segments_of_day(self, office: str, day: str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM segments WHERE office = %s AND day = %s ORDER BY ticket, idx",
                                (office, day)).fetchall()

    def report_rows(self, office: str, day: str) -> dict:
        """The office-day's rows in the shapes the office's report code reads
        (:mod:`server.reports.source`): segments, tickets and window events."""
        with self.connection() as conn:
            segments = conn.execute(
                'SELECT s.ticket, s.idx, s.service, s.queued_at, s.called_at, s.started_at, s.ended_at, '
                's."window", s.operator, s.outcome, '
                'CASE WHEN s.outcome IS NULL THEN t.recalls ELSE s.recalls END AS recalls, '
                's.phases::text AS phases, s.level, s.accounts '
                "FROM segments s JOIN tickets t ON t.office = s.office AND t.id = s.ticket "
                "WHERE s.office = %s AND s.day = %s ORDER BY s.ticket, s.idx", (office, day)).fetchall()
            tickets = conn.execute(
                'SELECT id, code, service, first_service, issued_at, ended_at, state, outcome, "window", operator '
                "FROM tickets WHERE office = %s AND day = %s ORDER BY id", (office, day)).fetchall()
            windows = conn.execute(
                "SELECT seq, day::text AS day, type, at, data FROM events WHERE office = %s AND day = %s "
                "AND type IN ('window.opened', 'window.paused', 'window.closed') ORDER BY seq",
                (office, day)).fetchall()
        window_events = [{"seq": r["seq"], "day": r["day"], "type": r["type"], "at": r["at"],
                          "window": r["data"].get("window"), "operator": r["data"].get("operator"),
                          "reason": r["data"].get("reason")} for r in windows]
        return {"segments": segments, "tickets": tickets, "window_events": window_events}

    def day_services(self, office: str, day: str) -> list[dict]:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM day_services WHERE office = %s AND day = %s ORDER BY service",
                                (office, day)).fetchall()


def _copy_text(value: str) -> str:
    """A value in COPY's text format (backslash, tab, newline and carriage return escaped)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _in_log(ep: int, seq: int, epoch: int, bases: dict) -> bool:
    """Whether the event (``ep``, ``seq``) belongs to the log of ``epoch``: its own, or an earlier
    log's up to where every log after that one parted from its predecessor (``base_seq``)."""
    if ep == epoch:
        return True
    if ep > epoch:
        return False
    return all(bases.get(k) is not None and seq <= bases[k] for k in range(ep + 1, epoch + 1))


def _copy_rows(office: str, identity: str, events: list[dict], epoch: int = 1) -> str:
    head = f"{_copy_text(office)}\t{epoch}\t"
    ident = _copy_text(identity)
    null = "\\N"
    return "".join(
        f"{head}{e['seq']}\t{ident}\t{e['type']}\t{e['at']!r}\t{e['day'] or null}\t"
        f"{_copy_text(e['data_json'])}\t{_copy_text(e['view_json'])}\n" for e in events)


# ---------------------------------------------------------------------- projection rules (no SQL)

def replay(office: str, events: list[dict]) -> list:
    """The tickets of a run of one office's log, replayed through the hub's core. A bare hall is
    enough: replaying needs no configuration (services and windows only name things)."""
    hall = Hall(office=office)
    seen: dict[int, object] = {}
    for e in events:
        if e["type"] == "day.started":
            seen.update(hall.tickets)
        try:
            hall.apply({"type": e["type"], "at": e["at"], "office": office, "day": e["day"], "data": e["data"]})
        except (KeyError, AttributeError, IndexError, TypeError) as exc:
            log.warning("office %s: event %s (%s) does not replay: %r", office, e.get("seq"), e["type"], exc)
    seen.update(hall.tickets)
    return list(seen.values())


#: A ticket of a superseded log that was issued after the logs parted, whose id the newer log
#: gave to another ticket, is kept under ``id + epoch * SUPERSEDED_ID`` (both visitors were real).
SUPERSEDED_ID = 10 ** 12


def replay_logs(office: str, events: list[dict], bases: dict) -> list:
    """The tickets of an office-day whose events come from several logs (:meth:`CentralStore.accept_log`):
    each log is replayed as the hub had it (the events it inherited, then its own), oldest first;
    a ticket both logs have is the newer log's; a ticket only an older log has - issued there
    after the logs parted - is kept, under another id if the newer log reused its id."""
    epochs = sorted({e["epoch"] for e in events} | {k for k, b in bases.items() if b is not None})
    final: dict[int, object] = {}
    for epoch in epochs:
        run = sorted((e for e in events if _in_log(e["epoch"], e["seq"], epoch, bases)),
                     key=lambda e: e["seq"])
        if not any(e["epoch"] == epoch for e in run):
            continue
        for t in replay(office, run):
            old = final.get(t.id)
            if old is not None and (old.issued_at, old.code) != (t.issued_at, t.code):
                old.id = t.id + old_epoch_of(old) * SUPERSEDED_ID
                final[old.id] = old
            t._talon_epoch = epoch
            final[t.id] = t
    return list(final.values())


def old_epoch_of(t) -> int:
    return getattr(t, "_talon_epoch", 1)


def ticket_row(t) -> tuple:
    low, high = t.estimate if t.estimate else (None, None)
    return (t.office, t.id, t.day, t.service, t.letter, t.number, t.code, str(t.state), t.source, t.client_type,
            bool(t.individual), t.priority, t.issued_at, t.queued_at, t.called_at, t.started_at, t.ended_at,
            t.window, t.operator, t.recalls, t.outcome, low, high, t.segments[0].service if t.segments else None)


def segment_rows(t) -> Iterator[tuple]:
    for i, s in enumerate(t.segments):
        # as the office's own projection: a segment still open keeps its recalls on the ticket
        yield (t.office, t.id, i, t.day, s.service, s.queued_at, s.called_at, s.started_at, s.ended_at,
               s.window, s.operator, s.outcome, s.recalls, json.dumps(s.phases), s.level, s.accounts or 1)


def day_rollups(office: str, day: str, tickets: list, upto: int) -> list[tuple]:
    """Per service: the day's counts and sums by the office's own counting rules
    (:mod:`server.reports.figures`). Norm shares need the office's norms (they come with the
    configuration from the centre, later); the sums here are what every report adds up."""
    acc: dict[str, dict] = {}

    def bucket(service: str) -> dict:
        return acc.setdefault(service, {"visits": 0, "segments": 0, "served": 0, "wait_count": 0, "wait_sum": 0.0,
                                        "wait_max": None, "service_count": 0, "service_sum": 0.0,
                                        "service_max": None, "no_show": 0, "cancelled": 0, "transferred": 0,
                                        "escalated": 0, "postponed": 0, "resolved": 0, "unfinished": 0,
                                        "recalls": 0})

    for t in tickets:
        if t.segments:
            bucket(t.segments[0].service)["visits"] += 1
        for s in t.segments:
            seg = {"called_at": s.called_at, "started_at": s.started_at, "ended_at": s.ended_at,
                   "queued_at": s.queued_at, "outcome": s.outcome}
            b = bucket(s.service)
            b["segments"] += 1
            b["served"] += s.outcome == "finished"
            w = figures.waited(seg)
            if w is not None:
                b["wait_count"] += 1
                b["wait_sum"] += w
                b["wait_max"] = w if b["wait_max"] is None else max(b["wait_max"], w)
            v = figures.service_time(seg)
            if v is not None:
                b["service_count"] += 1
                b["service_sum"] += v
                b["service_max"] = v if b["service_max"] is None else max(b["service_max"], v)
            for c in figures.COUNTERS:
                b[c] += s.outcome == c
            b["unfinished"] += figures.unfinished(seg)
            b["recalls"] += t.recalls if s.outcome is None else s.recalls
    return [(office, day, service, *[b[k] for k in ROLLUP_COLUMNS[3:-1]], upto) for service, b in sorted(acc.items())]
