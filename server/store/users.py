"""The hub's SQL about people and keys (issue 15 point 4): users, their bearer tokens (kept only
as hashes), and the pairing of kiosks and boards. server/auth.py, server/api/setup.py and
server/api/alerts.py call these instead of holding SQL. ``store`` is a
:class:`server.store.Store`; ``conn`` an open write transaction."""
from __future__ import annotations

import json
import sqlite3

# ---------------------------------------------------------------------------- users

def active_user(store, login: str) -> dict | None:
    """The user who may sign in with this login (``None`` for an unknown or switched-off one)."""
    return store.one("SELECT * FROM users WHERE login = ? AND active = 1", (login,))


def user(store, login: str) -> dict | None:
    return store.one("SELECT * FROM users WHERE login = ?", (login,))


def user_exists(store, login: str) -> bool:
    return store.one("SELECT 1 AS x FROM users WHERE login = ?", (login,)) is not None


def all_users(store) -> list[dict]:
    return store.query("SELECT * FROM users ORDER BY login")


def staff_of(store, office: str) -> list[dict]:
    """The active staff who may work in the office (its own and those of every office): login,
    name and roles, by login."""
    rows = store.query("SELECT login, name, roles FROM users WHERE active = 1 AND (office = ? OR office IS NULL) "
                       "ORDER BY login", (office,))
    return [{"login": r["login"], "name": r["name"], "roles": json.loads(r["roles"])} for r in rows]


# ---------------------------------------------------------------------------- tokens

def save_token(store, key: str, *, login: str | None, device: str | None, roles: list[str], office: str | None,
               created: float, expires: float) -> None:
    """Keep a new bearer token, by its hash ``key``."""
    with store.write() as conn:
        conn.execute("INSERT INTO tokens (token_hash, login, device, roles, office, created, expires) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (key, login, device, json.dumps(roles), office, created, expires))


def token(store, key: str) -> dict | None:
    """The token with this hash: login, device, roles (JSON text), office, expires."""
    return store.one("SELECT * FROM tokens WHERE token_hash = ?", (key,))


def drop_token(store, key: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM tokens WHERE token_hash = ?", (key,))


# ---------------------------------------------------------------------------- devices' pairing

def add_device_to_pair(store, device_id: str, office: str, kind: str, name: str, code_hash: str,
                       expires: float) -> None:
    """A new kiosk or board waiting for its one-time pairing code (kept as a hash)."""
    with store.write() as conn:
        conn.execute("INSERT INTO devices (id, office, kind, name, pairing_code_hash, pairing_expires) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (device_id, office, kind, name, code_hash, expires))


def device_waiting_for(store, code_hash: str, now: float) -> dict | None:
    """The device whose pairing code (by hash) still works at ``now``."""
    return store.one("SELECT * FROM devices WHERE pairing_code_hash = ? AND pairing_expires > ?", (code_hash, now))


def mark_paired(store, device_id: str, now: float) -> None:
    """The code is used: it stops working, the device is paired."""
    with store.write() as conn:
        conn.execute("UPDATE devices SET pairing_code_hash = NULL, pairing_expires = NULL, paired_at = ? "
                     "WHERE id = ?", (now, device_id))


def add_paired_device(store, device_id: str, office: str, kind: str, name: str, now: float) -> None:
    """A device paired from the start (the demo's); nothing changes if it is there already."""
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO devices (id, office, kind, name, paired_at) VALUES (?, ?, ?, ?, ?)",
                     (device_id, office, kind, name, now))


def remove_device(conn: sqlite3.Connection, device_id: str) -> list[str]:
    """A device withdrawn inside the caller's write: its tokens and its row go; answers the
    hashes of its tokens."""
    keys = [r[0] for r in conn.execute("SELECT token_hash FROM tokens WHERE device = ?", (device_id,))]
    conn.execute("DELETE FROM tokens WHERE device = ?", (device_id,))
    conn.execute("DELETE FROM devices WHERE id = ?", (device_id,))
    return keys
