"""The company's staff at the centre: accounts, roles, sessions, and each office's region.

All SQL of these is here (the centre's rule: SQL only in store modules). The tables come from
migration 4 (server/central/migrations.py): ``staff``, ``staff_sessions`` and ``offices.region``.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from ..auth import _DUMMY, check_password_hash, generate_password_hash  # the hub's own password scheme
from .store import CentralStore, key_hash, new_secret

log = logging.getLogger(__name__)

ROLES = ("company_admin", "regional_head", "office_head")
ROLE_NAMES = {"company_admin": "администратор компании", "regional_head": "руководитель региона",
              "office_head": "руководитель офиса"}
SESSION_TTL = timedelta(hours=14)  # one working day and a bit, as the hub's tokens


class StaffError(ValueError):
    """A staff account that can not be created as asked (the message is Russian, for people)."""


class StaffStore:
    """Staff accounts and sessions over the centre's pool (thread-safe as :class:`CentralStore`)."""

    def __init__(self, store: CentralStore):
        self.store = store

    # ------------------------------------------------------------------ accounts

    def add_staff(self, login: str, name: str, password: str, role: str, regions=(), offices=()) -> dict:
        """Create the account, or replace its name, password, role and scope if the login exists."""
        login = (login or "").strip()
        regions = sorted({r.strip() for r in regions if r and r.strip()})
        offices = sorted({o.strip() for o in offices if o and o.strip()})
        if not login or len(login) > 100 or "\x00" in login:
            raise StaffError("Укажите имя входа (не длиннее 100 знаков)")
        if any("\x00" in x for x in [name or "", *regions, *offices]):
            raise StaffError("Имя, регион или офис содержит недопустимый символ")
        if role not in ROLES:
            raise StaffError(f"Неизвестная роль «{role}»: возможны {', '.join(ROLES)}")
        if not password or len(password) < 8:
            raise StaffError("Пароль должен быть не короче 8 знаков")
        if role == "regional_head" and not regions:
            raise StaffError("Руководителю региона нужен хотя бы один регион (--region)")
        if role == "office_head" and not offices:
            raise StaffError("Руководителю офиса нужен хотя бы один офис (--office)")
        with self.store.connection() as conn:
            conn.execute(
                "INSERT INTO staff (login, name, password_hash, role, regions, offices) "
                "VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (login) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, "
                "role = excluded.role, regions = excluded.regions, offices = excluded.offices, active = true",
                (login, name or login, generate_password_hash(password), role, regions, offices))
            # a changed role or scope takes effect at once: the account's sessions end
            conn.execute("DELETE FROM staff_sessions WHERE login = %s", (login,))
        return self.staff_by_login(login)

    def staff_by_login(self, login: str) -> dict | None:
        with self.store.connection() as conn:
            return conn.execute("SELECT login, name, role, regions, offices, active FROM staff WHERE login = %s",
                                (login,)).fetchone()

    def all_staff(self) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute("SELECT login, name, role, regions, offices, active "
                                "FROM staff ORDER BY login").fetchall()

    def check_password(self, login: str, password: str) -> dict | None:
        """The active account if the password is right (an unknown login costs the same time)."""
        with self.store.connection() as conn:
            row = conn.execute("SELECT login, name, role, regions, offices, password_hash FROM staff "
                               "WHERE login = %s AND active", (login,)).fetchone()
        ok = check_password_hash(row["password_hash"] if row else _DUMMY, password)
        if not (row and ok):
            return None
        row.pop("password_hash")
        return row

    # ------------------------------------------------------------------ sessions

    def new_session(self, login: str) -> str:
        token = new_secret()
        with self.store.connection() as conn:
            conn.execute("DELETE FROM staff_sessions WHERE expires_at < now()")
            conn.execute("INSERT INTO staff_sessions (token_hash, login, expires_at) VALUES (%s, %s, %s)",
                          (key_hash(token), login, datetime.now(UTC) + SESSION_TTL))
        return token

    def session_staff(self, token: str) -> dict | None:
        """The account of a live session, or ``None`` (unknown, expired, or the account disabled)."""
        with self.store.connection() as conn:
            return conn.execute(
                "SELECT s.login, s.name, s.role, s.regions, s.offices FROM staff_sessions x "
                "JOIN staff s ON s.login = x.login WHERE x.token_hash = %s AND x.expires_at > now() AND s.active",
                (key_hash(token),)).fetchone()

    def end_session(self, token: str) -> None:
        with self.store.connection() as conn:
            conn.execute("DELETE FROM staff_sessions WHERE token_hash = %s", (key_hash(token),))

    # ------------------------------------------------------------------ offices and regions

    def set_office_region(self, office: str, region: str | None) -> None:
        """Put the office in a region (the office is registered if the centre does not know it yet)."""
        region = (region or "").strip() or None
        if region is not None and "\x00" in region:
            raise StaffError("Название региона содержит недопустимый символ")
        with self.store.connection() as conn:
            conn.execute("INSERT INTO offices (id, region) VALUES (%s, %s) "
                         "ON CONFLICT (id) DO UPDATE SET region = excluded.region", (office, region))

    def office(self, office: str) -> dict | None:
        with self.store.connection() as conn:
            return conn.execute("SELECT id, name, region, high_water_mark, last_batch_at FROM offices WHERE id = %s",
                                (office,)).fetchone()

    def offices(self) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute("SELECT id, name, region, high_water_mark, last_batch_at FROM offices "
                                "ORDER BY region NULLS LAST, name, id").fetchall()
