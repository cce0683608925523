"""The bookings table (issue 16): appointments with the visitor's name and phone.

The name and phone are kept here and nowhere else (not in events, the board or the visitor's page;
a ticket carries only the booking's code). Capacity is checked and the booking written in one
``BEGIN IMMEDIATE`` transaction (``Store.write``), so racing requests can never overfill a slot.
"""
from __future__ import annotations

import json
import secrets
import sqlite3

from . import casework as _access
from .db import Store

ACTIVE = ("booked", "arrived")
#: who the access log names when the visitor changed their own booking on the public page
VISITOR = "visitor"
CODE_DIGITS = 8


class BookingRefused(Exception):
    """A write the table's rules refuse: ``code`` names the rule (``slot_full``, ``same_phone``,
    ``not_booked``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def new_code() -> str:
    """Eight random digits: easy to type on the kiosk's keypad; one in 10⁸ to guess, and wrong
    guesses are slowed per address (server/api/bookings.py)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _check_slot(conn, office: str, service: str, slot_start: float, capacity: int, phone: str,
                exclude: int | None = None) -> None:
    rows = conn.execute(
        "SELECT id, phone FROM bookings WHERE office = ? AND service = ? AND slot_start = ? "
        "AND state IN ('booked', 'arrived')", (office, service, slot_start)).fetchall()
    rows = [r for r in rows if r["id"] != exclude]
    if any(r["phone"] == phone for r in rows):
        raise BookingRefused("same_phone")
    if len(rows) >= capacity:
        raise BookingRefused("slot_full")


def create(store: Store, *, office: str, service: str, day: str, slot_start: float, slot_end: float,
           capacity: int, name: str, phone: str, now: float, idem_key: str | None = None,
           request: dict | None = None, by: str = VISITOR) -> tuple[dict, bool]:
    """Write a booking if the slot has room and this phone has none in it. Returns (row, replay):
    with an ``idem_key`` already used, the booking made then (``replay`` True). ``by`` (a staff
    login, or ``visitor`` for the public page) goes to the personal-data access log with the row."""
    with store.write() as conn:
        if idem_key is not None:
            seen = conn.execute("SELECT * FROM bookings WHERE office = ? AND idem_key = ?",
                                (office, idem_key)).fetchone()
            if seen is not None:
                if json.loads(seen["request"] or "null") != request:
                    raise BookingRefused("idempotency_mismatch")
                return dict(seen), True
        _check_slot(conn, office, service, slot_start, capacity, phone)
        for _ in range(20):
            code = new_code()
            try:
                cur = conn.execute(
                    """INSERT INTO bookings (office, code, service, day, slot_start, slot_end, name, phone,
                       state, idem_key, request, created, updated)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)""",
                    (office, code, service, day, slot_start, slot_end, name, phone, idem_key,
                     json.dumps(request, ensure_ascii=False, sort_keys=True) if request is not None else None,
                     now, now))
                break
            except sqlite3.IntegrityError:
                continue  # the code was taken: draw another
        else:  # pragma: no cover - 20 collisions in 10⁸ codes
            raise BookingRefused("no_code")
        _access.log_access(conn, office, now, by, "booking", cur.lastrowid, "create", "name,phone")
        return dict(conn.execute("SELECT * FROM bookings WHERE id = ?", (cur.lastrowid,)).fetchone()), False


def by_code(store: Store, office: str, code: str) -> dict | None:
    return store.one("SELECT * FROM bookings WHERE office = ? AND code = ?", (office, code))


def cancel(store: Store, office: str, code: str, now: float, by: str = VISITOR) -> dict:
    with store.write() as conn:
        cur = conn.execute("UPDATE bookings SET state = 'cancelled', updated = ? WHERE office = ? AND code = ? "
                           "AND state = 'booked'", (now, office, code))
        if cur.rowcount != 1:
            raise BookingRefused("not_booked")
        row = dict(conn.execute("SELECT * FROM bookings WHERE office = ? AND code = ?", (office, code)).fetchone())
        _access.log_access(conn, office, now, by, "booking", row["id"], "cancel", "state")
        return row


def move(store: Store, office: str, code: str, *, day: str, slot_start: float, slot_end: float,
         capacity: int, now: float, by: str = VISITOR) -> dict:
    """Move a booking to another slot of its service (room checked in the same transaction)."""
    with store.write() as conn:
        row = conn.execute("SELECT * FROM bookings WHERE office = ? AND code = ?", (office, code)).fetchone()
        if row is None or row["state"] != "booked":
            raise BookingRefused("not_booked")
        _check_slot(conn, office, row["service"], slot_start, capacity, row["phone"], exclude=row["id"])
        conn.execute("UPDATE bookings SET day = ?, slot_start = ?, slot_end = ?, updated = ? WHERE id = ?",
                     (day, slot_start, slot_end, now, row["id"]))
        _access.log_access(conn, office, now, by, "booking", row["id"], "change", "slot")
        return dict(conn.execute("SELECT * FROM bookings WHERE id = ?", (row["id"],)).fetchone())


def taken(store: Store, office: str, service: str, day: str) -> dict[float, int]:
    """Active bookings per slot start of a service's day."""
    return {r["slot_start"]: r["n"] for r in store.query(
        "SELECT slot_start, COUNT(*) AS n FROM bookings WHERE office = ? AND service = ? AND day = ? "
        "AND state IN ('booked', 'arrived') GROUP BY slot_start", (office, service, day))}


def of_day(store: Store, office: str, day: str) -> list[dict]:
    return store.query("SELECT * FROM bookings WHERE office = ? AND day = ? ORDER BY slot_start, id",
                       (office, day))


def mark_arrived(conn, office: str, code: str, ticket: int, now: float) -> None:
    """Inside the check-in's write (``Hub.execute``'s ``also``): the booking got its ticket."""
    conn.execute("UPDATE bookings SET state = 'arrived', ticket = ?, arrived_at = ?, updated = ? "
                 "WHERE office = ? AND code = ?", (ticket, now, now, office, code))


def forget_personal_data(store: Store, before: float, now: float | None = None) -> int:
    """Blank the name and phone of bookings whose slot ended before ``before`` (the keeping period
    of personal data, issue 16 point 7); the rest (service, slot, state, ticket) stays for reports.
    Each blanked booking gets a ``forget`` row in the access log (by ``system``, at ``now``).
    Returns how many bookings were blanked."""
    with store.write() as conn:
        rows = conn.execute("SELECT id, office FROM bookings WHERE slot_end < ? AND (name != '' OR phone != '')",
                            (before,)).fetchall()
        for r in rows:
            conn.execute("UPDATE bookings SET name = '', phone = '' WHERE id = ?", (r["id"],))
            _access.log_access(conn, r["office"], before if now is None else now, "system", "booking", r["id"],
                               "forget", "name,phone")
        return len(rows)


class Bookings:
    """The same functions bound to one store: ``Bookings(store).forget_personal_data(before)``."""

    def __init__(self, store: Store):
        self.store = store

    def forget_personal_data(self, before: float, now: float | None = None) -> int:
        return forget_personal_data(self.store, before, now)


def save_settings(store: Store, office: str, booking: dict) -> None:
    """Write the office's booking settings (``settings["booking"]``), keeping its other settings."""
    with store.write() as conn:
        row = conn.execute("SELECT settings FROM offices WHERE id = ?", (office,)).fetchone()
        settings = json.loads(row["settings"]) if row else {}
        settings["booking"] = booking
        conn.execute("UPDATE offices SET settings = ? WHERE id = ?",
                     (json.dumps(settings, ensure_ascii=False), office))
