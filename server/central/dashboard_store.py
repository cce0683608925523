"""The SQL the company dashboard reads (server/central/dashboard.py keeps the figures in memory).

Read only: the offices' marks and names, an office's current day of events, the recent device
and incident events, and the events after a seq. Nothing here writes.
"""
from __future__ import annotations

import psycopg

from .store import CentralStore

EVENT_COLUMNS = "seq, type, at, day::text AS day, data, view"
DEVICE_TYPES = ("device.status", "incident.opened", "incident.closed")


class DashboardStore:
    def __init__(self, store: CentralStore):
        self.store = store

    def offices(self) -> list[dict]:
        """Every office with its mark (each seq up to it is stored), name, region, time zone."""
        with self.store.connection() as conn:
            return conn.execute("SELECT * FROM offices ORDER BY id").fetchall()

    # Every query reads the office's current log (``epoch``, migration 10): its own events and those
    # it inherited from an earlier log (a seq at or under the mark missing from the current epoch is
    # an inherited one); the newest epoch wins a seq both hold.

    def last_day(self, office: str, upto: int, epoch: int = 1) -> str | None:
        """The office day of the office's latest event that has one (its current day)."""
        with self.store.connection() as conn:
            row = conn.execute("SELECT day::text AS day FROM events WHERE office = %s AND epoch <= %s AND seq <= %s "
                               "AND day IS NOT NULL ORDER BY seq DESC, epoch DESC LIMIT 1",
                               (office, epoch, upto)).fetchone()
        return row["day"] if row else None

    def day_events(self, office: str, day: str, upto: int, epoch: int = 1) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute(f"SELECT DISTINCT ON (seq) {EVENT_COLUMNS} FROM events WHERE office = %s AND day = %s "
                                "AND epoch <= %s AND seq <= %s ORDER BY seq, epoch DESC",
                                (office, day, epoch, upto)).fetchall()

    def device_events(self, office: str, since_day: str, before_seq: int, epoch: int = 1) -> list[dict]:
        """Device statuses and incidents of the last days before ``before_seq`` (a device's state
        and an incident outlive the office day they began in)."""
        with self.store.connection() as conn:
            return conn.execute(
                f"SELECT DISTINCT ON (seq) {EVENT_COLUMNS} FROM events WHERE office = %s AND day >= %s::date "
                "AND epoch <= %s AND seq < %s AND type = ANY(%s) ORDER BY seq, epoch DESC",
                (office, since_day, epoch, before_seq, list(DEVICE_TYPES))).fetchall()

    def events_after(self, office: str, after: int, upto: int, epoch: int = 1, limit: int = 5000) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute(f"SELECT DISTINCT ON (seq) {EVENT_COLUMNS} FROM events WHERE office = %s "
                                "AND epoch <= %s AND seq > %s AND seq <= %s ORDER BY seq, epoch DESC LIMIT %s",
                                (office, epoch, after, upto, limit)).fetchall()

    def configs(self) -> dict[str, dict]:
        """Each office's latest configuration its hub shipped (server/central/config_store.py):
        time zone, timetable and the whole settings (norms, services); {} when the centre has none
        (or no such table yet)."""
        try:
            with self.store.connection() as conn:
                rows = conn.execute("SELECT DISTINCT ON (office) office, tz, hash, "
                                    "settings->'schedule' AS schedule, settings "
                                    "FROM office_configs ORDER BY office, valid_from DESC").fetchall()
        except psycopg.errors.UndefinedTable:
            return {}
        return {r["office"]: r for r in rows}
