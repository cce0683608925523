"""The answers given at the company centre's public page that this hub applied
(``central_answers``, migration m011_central_answers; server/central_pull.py): the centre's answer
id, once, with its outcome (``applied``, ``same``, ``refused:<code>``). SQL only."""
from __future__ import annotations

import sqlite3


def outcome(store, ident: int) -> str | None:
    """The outcome recorded when the answer ``ident`` was applied, or None (not yet)."""
    row = store.one("SELECT outcome FROM central_answers WHERE id = ?", (ident,))
    return row["outcome"] if row else None


def mark(conn: sqlite3.Connection, office: str, ident: int, ticket: int, kind: str, outcome: str,
         now: float) -> None:
    """Inside the caller's write (with the event it made, if any): the answer is applied."""
    conn.execute("INSERT INTO central_answers (id, office, ticket, kind, outcome, applied) VALUES (?, ?, ?, ?, ?, ?)",
                 (ident, office, ticket, kind, outcome, now))
