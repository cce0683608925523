"""Each office's configuration at the centre: the snapshots its hub ships, kept as history.

The hub ships what its reports read of its settings (server/reports/source.py
``config_snapshot``: the office's name, company and address, time zone, norm profile and
overrides, schedule, services, windows, operator names) on start and whenever they change
(``PUT /api/v1/central/offices/{office}/config``). A snapshot is identified by the sha256 of its
canonical JSON: a repeat of the latest stores nothing. Each version has ``valid_from`` (the
office's clock when it took effect); a day's report uses the version in force that day.

All the SQL of the configuration history is here.
"""
from __future__ import annotations

import json
import logging

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..reports.source import settings_hash
from .store import CentralStore, Refused

log = logging.getLogger(__name__)

_TEXT = {"type": ["string", "null"], "maxLength": 500}
SETTINGS_SCHEMA = {
    "type": "object",
    "required": ["office", "tz", "profile", "profile_overrides", "schedule", "services", "windows", "users"],
    "additionalProperties": False,
    "properties": {
        "office": {"type": "object", "required": ["id", "name"], "additionalProperties": False,
                   "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 100},
                                  "name": _TEXT, "company": _TEXT, "address": _TEXT}},
        "tz": {"type": "string", "minLength": 1, "maxLength": 64},
        "profile": {"type": "string", "minLength": 1, "maxLength": 100},
        "profile_overrides": {"type": "object"},
        "schedule": {"type": "object"},
        "services": {"type": "array", "maxItems": 500, "items": {
            "type": "object", "required": ["id", "letter", "name", "kind"], "additionalProperties": False,
            "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 100}, "letter": _TEXT,
                           "name": _TEXT, "kind": {"type": "string", "maxLength": 100},
                           "order": {"type": ["integer", "null"]}}}},
        "windows": {"type": "array", "maxItems": 1000, "items": {
            "type": "object", "required": ["id", "number"], "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "number": {"type": ["integer", "string"]},
                           "level": {"type": ["string", "null"], "maxLength": 50}}}},
        "users": {"type": "array", "maxItems": 10000, "items": {
            "type": "object", "required": ["login", "name"], "additionalProperties": False,
            "properties": {"login": {"type": "string", "maxLength": 200}, "name": _TEXT}}},
    },
}
BODY_SCHEMA = {
    "type": "object", "required": ["valid_from", "settings"], "additionalProperties": False,
    "properties": {"valid_from": {"type": "number", "minimum": 946684800, "maximum": 7258118400},
                   "settings": SETTINGS_SCHEMA},
}
_validator = Draft202012Validator(BODY_SCHEMA)


def check_body(office: str, body) -> tuple[float, dict]:
    """The snapshot's ``(valid_from, settings)``; :class:`Refused` 400 in Russian otherwise."""
    if not isinstance(body, dict):
        raise Refused(400, "invalid", "Тело запроса должно быть объектом JSON с полями valid_from и settings")
    error = best_match(_validator.iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "тело запроса"
        raise Refused(400, "invalid", f"Неверные настройки офиса: поле «{where}» не подходит ({error.validator})")
    settings = body["settings"]
    if settings["office"]["id"] != office:
        raise Refused(400, "invalid", "Настройки относятся к другому офису")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(settings["tz"])
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(400, "invalid", f"Неизвестный часовой пояс офиса: {settings['tz'][:64]}") from None
    from ..domain.norms import profile as norm_profile
    from ..domain.schedule import Schedule

    try:
        norm_profile(settings["profile"], settings["profile_overrides"])
        Schedule.from_json(settings["schedule"])
    except Exception as exc:  # the core's own checks: a profile or schedule it can not read
        raise Refused(400, "invalid", f"Нормативы или расписание офиса не читаются: {str(exc)[:200]}") from exc
    return float(body["valid_from"]), settings


def put_config(store: CentralStore, office: str, valid_from: float, settings: dict) -> dict:
    """Keep a snapshot unless it repeats the latest version. A new version makes the office's days
    from its local day on be projected again (their norms may have changed)."""
    h = settings_hash(settings)
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM offices WHERE id = %s FOR UPDATE", (office,)).fetchone()
        if row is None:
            raise Refused(404, "office_not_found", "Офис не зарегистрирован в центре")
        latest = conn.execute("SELECT hash, valid_from FROM office_configs WHERE office = %s "
                              "ORDER BY valid_from DESC LIMIT 1", (office,)).fetchone()
        if latest is not None and latest["hash"] == h:
            return {"stored": False, "hash": h, "valid_from": latest["valid_from"]}
        if latest is not None and valid_from < latest["valid_from"]:
            valid_from = latest["valid_from"]  # history only moves forward (an office clock set back)
        conn.execute("INSERT INTO office_configs (office, valid_from, hash, tz, settings) VALUES (%s, %s, %s, %s, %s) "
                     "ON CONFLICT (office, valid_from) DO UPDATE SET hash = excluded.hash, tz = excluded.tz, "
                     "settings = excluded.settings, received_at = now()",
                     (office, valid_from, h, settings["tz"], json.dumps(settings, ensure_ascii=False)))
        conn.execute("UPDATE offices SET name = %s WHERE id = %s AND name = ''",
                     (settings["office"].get("name") or "", office))
        # the days from the version's local day on are projected again (norms, schedule, names)
        conn.execute(
            "UPDATE offices SET projected_seq = LEAST(projected_seq, coalesce((SELECT min(seq) - 1 FROM events "
            "WHERE office = %s AND day >= (to_timestamp(%s) AT TIME ZONE %s)::date), projected_seq)) WHERE id = %s",
            (office, valid_from, settings["tz"], office))
    log.info("office %s: configuration %s from %.0f kept", office, h[:12], valid_from)
    return {"stored": True, "hash": h, "valid_from": valid_from}


DAY_CONFIG_SQL = (
    "SELECT settings, hash, tz, valid_from FROM office_configs WHERE office = %(office)s "
    "AND valid_from < extract(epoch FROM ((%(day)s::date + 1)::timestamp AT TIME ZONE tz)) "
    "ORDER BY valid_from DESC LIMIT 1")
FIRST_CONFIG_SQL = ("SELECT settings, hash, tz, valid_from FROM office_configs WHERE office = %(office)s "
                    "ORDER BY valid_from LIMIT 1")


def config_for_day(conn, office: str, day: str) -> dict | None:
    """The version in force on the office's local ``day``: the latest taking effect before the day
    ended; a day before the first version known uses the first (the office's settings before it
    connected to the centre are not known otherwise). ``None``: no configuration received yet."""
    row = conn.execute(DAY_CONFIG_SQL, {"office": office, "day": day}).fetchone()
    if row is None:
        row = conn.execute(FIRST_CONFIG_SQL, {"office": office}).fetchone()
    return row


def history(store: CentralStore, office: str) -> list[dict]:
    with store.connection() as conn:
        return conn.execute("SELECT valid_from, hash, tz, received_at FROM office_configs WHERE office = %s "
                            "ORDER BY valid_from", (office,)).fetchall()


def latest_tz(store: CentralStore, office: str) -> str | None:
    with store.connection() as conn:
        row = conn.execute("SELECT tz FROM office_configs WHERE office = %s ORDER BY valid_from DESC LIMIT 1",
                           (office,)).fetchone()
    return row["tz"] if row else None
