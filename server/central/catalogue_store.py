"""The company catalogue's SQL at the centre (tables of migration 6: ``catalogue_versions``,
``catalogue_pulls``). The rules of a catalogue are in server/central/catalogue.py.

A publish is one transaction under an advisory lock: the expected version is compared with the
latest, the next version is inserted with its content hash, and nothing else is written - a
refused or failed publish leaves no trace. Versions are never changed afterwards.
"""
from __future__ import annotations

import logging

from psycopg.types.json import Jsonb

from ..auth import generate_password_hash  # the hub's own password scheme: the heads' codes are hashed so
from .catalogue import content_hash, office_view
from .store import CentralStore, Refused, new_secret

log = logging.getLogger(__name__)

PUBLISH_LOCK = 7470006


class CatalogueStore:
    """Versions of the company catalogue over the centre's pool (thread-safe)."""

    def __init__(self, store: CentralStore):
        self.store = store

    def latest(self, conn=None) -> dict | None:
        """The latest version: ``{version, hash, content, published_at, published_by}`` or None."""
        sql = ("SELECT version, hash, content, published_at, published_by FROM catalogue_versions "
               "ORDER BY version DESC LIMIT 1")
        if conn is not None:
            return conn.execute(sql).fetchone()
        with self.store.connection() as c:
            return c.execute(sql).fetchone()

    def version(self, number: int) -> dict | None:
        with self.store.connection() as conn:
            return conn.execute("SELECT version, hash, content, published_at, published_by FROM catalogue_versions "
                                "WHERE version = %s", (number,)).fetchone()

    def versions(self) -> list[dict]:
        with self.store.connection() as conn:
            return conn.execute("SELECT version, hash, published_at, published_by FROM catalogue_versions "
                                "ORDER BY version").fetchall()

    def publish(self, content: dict, expected: int, by: str = "") -> dict:
        """Store ``content`` (already checked) as the version after ``expected``. A stale
        ``expected`` is 409 ``stale_version`` with the latest version. New heads get a one-time
        code: its hash goes into the catalogue (as the hub stores passwords), the code itself only
        into the answer (``codes``: login -> code), once."""
        content = {**content, "heads": [dict(h) for h in content.get("heads", [])]}
        with self.store.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK,))
            latest = self.latest(conn)
            current = latest["version"] if latest else 0
            if expected != current:
                raise Refused(409, "stale_version",
                              f"Каталог уже изменён: сейчас действует версия {current}, а изменения сделаны "
                              f"к версии {expected}. Откройте каталог заново и повторите изменения.",
                              version=current)
            before = {h["login"]: h for h in (latest["content"].get("heads", []) if latest else [])}
            codes = {}
            for head in content["heads"]:
                known = before.get(head["login"])
                if known and known.get("code_hash"):
                    head["code_hash"] = known["code_hash"]
                else:
                    code = new_secret(9)
                    head["code_hash"] = generate_password_hash(code)
                    codes[head["login"]] = code
            digest = content_hash(content)
            number = current + 1
            conn.execute("INSERT INTO catalogue_versions (version, content, hash, published_by) "
                         "VALUES (%s, %s, %s, %s)",
                         (number, Jsonb(content), digest, by))
        log.info("company catalogue version %d published by %s (%s)", number, by or "?", digest[:12])
        return {"version": number, "hash": digest, "codes": codes}

    def for_office(self, office: str, since: int) -> dict | None:
        """The office's view of the latest version, or None when the office has ``since`` or newer
        (or nothing is published). Records which version the office was handed."""
        with self.store.connection() as conn:
            latest = self.latest(conn)
            handed = latest["version"] if latest is not None and latest["version"] > since else None
            # ``since`` is the version the hub holds (applied): a refused version is never its ``since``
            conn.execute("INSERT INTO catalogue_pulls (office, version, applied) VALUES (%s, %s, %s) "
                         "ON CONFLICT (office) DO UPDATE SET version = coalesce(%s, catalogue_pulls.version), "
                         "applied = excluded.applied, pulled_at = now()",
                         (office, handed or since, since, handed))
        if handed is None:
            return None
        return office_view(latest["content"], latest["version"], latest["hash"], office)

    def pulls(self) -> dict[str, int]:
        """office -> the version last handed to its hub."""
        with self.store.connection() as conn:
            return {r["office"]: r["version"] for r in conn.execute("SELECT office, version FROM catalogue_pulls")}

    def offices(self) -> list[dict]:
        """Every office with the catalogue version its hub holds (``applied``, as it said on its last
        pull), the version last handed to it, and when it last asked (None: never)."""
        with self.store.connection() as conn:
            return conn.execute(
                "SELECT o.id AS office, o.name, o.region, p.applied, p.version AS handed, p.pulled_at "
                "FROM offices o LEFT JOIN catalogue_pulls p ON p.office = o.id ORDER BY o.id").fetchall()
