"""The hub's SQL for reading what happened (issue 15 point 4): the log's last event and size, a
ticket of an earlier day, the visits a window ended today; and the test hubs' switch that makes
the writer read-only. server/api/queue.py, health.py and operator_day.py call these."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def last_event(store) -> dict:
    """seq and at of the newest event in the log (``{}`` for an empty log)."""
    return store.one("SELECT seq, at FROM events ORDER BY seq DESC LIMIT 1") or {}


def event_count(store) -> int:
    return store.one("SELECT count(*) AS n FROM events")["n"]


def past_ticket(store, ticket_id: int) -> dict | None:
    """A ticket as projected (one of an earlier day: today's are in the hall)."""
    return store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))


def visits_ended_at_window(store, office: str, day: str, window: int, operator: str | None = None) -> list[dict]:
    """The segments of the day that ended at the window (``operator``: only theirs), oldest end first."""
    sql = "SELECT * FROM segments WHERE office = ? AND day = ? AND window = ? AND ended_at IS NOT NULL"
    params: list = [office, day, window]
    if operator:
        sql += " AND operator = ?"
        params.append(operator)
    return store.query(sql + " ORDER BY ended_at", params)


def reopen_writer(store, read_only: bool) -> None:
    """Test hubs only: reopen the store's writer read-only (as a file made read-only under the hub
    would be), or let it reopen normally on the next write."""
    with store._write_lock:
        if store._writer is not None:
            store._writer.close()
        store._writer = None
        if read_only:
            conn = sqlite3.connect(f"file:{Path(store.path).resolve()}?mode=ro", uri=True,
                                   timeout=store.busy_timeout, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={int(store.busy_timeout * 1000)}")
            store._writer = conn
