"""What the visitor's page reads and writes (the ``ratings`` and ``site_keys`` tables): SQL only.

Named in the domain's words for :mod:`server.web.visitor` and its parts; the rules of rating are
in :mod:`server.domain.rating`.
"""
from __future__ import annotations

import secrets
import time


def site_key(store, name: str) -> bytes:
    """The hub's persisted signing key called ``name`` (made once, then stable across restarts,
    so a printed desk QR keeps working)."""
    row = store.one("SELECT value FROM site_keys WHERE name = ?", (name,))
    if row is None:
        with store.write() as conn:
            conn.execute("INSERT OR IGNORE INTO site_keys (name, value, created) VALUES (?, ?, ?)",
                         (name, secrets.token_hex(32), time.time()))
        row = store.one("SELECT value FROM site_keys WHERE name = ?", (name,))
    return bytes.fromhex(row["value"])


def ticket_of_token(store, token: str) -> dict | None:
    """``{"id", "office", "day"}`` of the ticket that carries this visitor token (any day), or None."""
    return store.one("SELECT id, office, day FROM tickets WHERE token = ?", (token,))


def score_of(store, ticket: int) -> int | None:
    """The rating a visit was given, or None while it has none."""
    row = store.one("SELECT score FROM ratings WHERE ticket = ?", (ticket,))
    return row["score"] if row else None


def is_rated(store, ticket: int) -> bool:
    return store.one("SELECT 1 AS x FROM ratings WHERE ticket = ?", (ticket,)) is not None


def save_rating(conn, row: dict) -> None:
    """Write a rating row (:func:`server.domain.rating.rating_row`) inside the caller's write."""
    cols = ", ".join(f'"{c}"' for c in row)
    conn.execute(f"INSERT INTO ratings ({cols}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))


def window_place(store, window: int) -> dict | None:
    """``{"office", "number"}`` of a window by its id, or None for an unknown one."""
    return store.one("SELECT office, number FROM windows WHERE id = ?", (window,))


def rating_rows(store, office: str, first_day: str, last_day: str) -> list[dict]:
    """Rows of the ``ratings`` table of an office for days ``first_day``..``last_day`` (ISO
    dates, inclusive), ready for :func:`server.domain.rating.summarize`."""
    return store.query("SELECT ticket, office, day, score, comment, service, window, operator, at "
                       "FROM ratings WHERE office = ? AND day BETWEEN ? AND ? ORDER BY at",
                       (office, first_day, last_day))
