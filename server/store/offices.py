"""The hub's SQL about its offices as a list (issue 15 point 4): their ids and names, an office's
time zone. server/api/limits.py and server/web/landing.py call these."""
from __future__ import annotations

import json


def office_ids(store) -> list[str]:
    return [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]


def office_names(store) -> list[dict]:
    """id and name of every office, by id."""
    return store.query("SELECT id, name FROM offices ORDER BY id")


def office_time_zone(store, office: str) -> str | None:
    """The office's time zone name from its schedule (``None`` for an unknown office)."""
    row = store.one("SELECT schedule FROM offices WHERE id = ?", (office,))
    return json.loads(row["schedule"])["tz"] if row else None
