"""The SQL of the centre's public pages (issue 18); the routes are in server/central/public_routes.py.

A ticket is found by its token's hash (the hub ships only the hash: protocol.shipped_data); the
page's facts are the office-day's shipped events, replayed by the routes through the hub's core.
How fresh they are is the office's last contact: its last stored batch or, when it has nothing
to ship, its heartbeat (``office_contact``, migration 13), both in the centre's own clock.
"""
from __future__ import annotations

from .store import CentralStore


class PublicStore:
    def __init__(self, store: CentralStore):
        self.store = store

    def find_ticket(self, token_hash: str) -> dict | None:
        """The office, day and id of the ticket whose ``ticket.issued`` carries this token hash."""
        with self.store.connection() as conn:
            return conn.execute(
                "SELECT office, day::text AS day, (data->>'ticket')::bigint AS ticket, epoch, seq FROM events "
                "WHERE type = 'ticket.issued' AND data->>'token' = %s ORDER BY epoch DESC, seq DESC LIMIT 1",
                (token_hash,)).fetchone()

    def office_state(self, office: str) -> dict | None:
        """The office's mark, log epoch, name, its latest event's day, and the seconds (the
        centre's clock) since its last batch and its last heartbeat."""
        with self.store.connection() as conn:
            return conn.execute(
                "SELECT o.id, o.name, o.high_water_mark AS hwm, o.epoch, "
                "extract(epoch FROM now() - o.last_batch_at)::float8 AS batch_age, "
                "extract(epoch FROM now() - c.heartbeat_at)::float8 AS heartbeat_age, "
                "(SELECT e.day::text FROM events e WHERE e.office = o.id AND e.day IS NOT NULL "
                " ORDER BY e.day DESC LIMIT 1) AS last_day "
                "FROM offices o LEFT JOIN office_contact c ON c.office = o.id WHERE o.id = %s",
                (office,)).fetchone()

    def day_events(self, office: str, day: str, epoch: int, after: int, upto: int) -> list[dict]:
        """The office-day's events after seq ``after`` up to ``upto`` (the office's mark when read:
        everything up to it is committed), in order."""
        with self.store.connection() as conn:
            return conn.execute(
                "SELECT seq, type, at, day::text AS day, data, view FROM events "
                "WHERE office = %s AND day = %s AND epoch = %s AND seq > %s AND seq <= %s ORDER BY seq",
                (office, day, epoch, after, upto)).fetchall()

    def note_heartbeat(self, office: str) -> None:
        with self.store.connection() as conn:
            conn.execute("INSERT INTO office_contact (office, heartbeat_at) VALUES (%s, now()) "
                         "ON CONFLICT (office) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", (office,))
