"""The hub's SQL about kiosks and boards: the devices, their heartbeats, incidents (a printer out
of paper), alert acknowledgements and the printer settings kept in the office's settings
(issue 15 point 4: the routes in server/api/devices.py, alerts.py and device_printer.py call
these instead of holding SQL). ``store`` is a :class:`server.store.Store`; ``conn`` an open
write transaction (``store.write()`` or a ``Hub.record`` write)."""
from __future__ import annotations

import json
import sqlite3

# ---------------------------------------------------------------------------- devices

def device(store, device_id: str) -> dict | None:
    """A device by its id: id, office, kind, name, last_seen, status (JSON text)."""
    return store.one("SELECT id, office, kind, name, last_seen, status FROM devices WHERE id = ?", (device_id,))


def name_taken(store, office: str, name: str) -> bool:
    return store.one("SELECT 1 FROM devices WHERE office = ? AND name = ?", (office, name)) is not None


def devices_of(store, office: str) -> list[dict]:
    """The office's devices, kiosks first, by name, with their pairing state."""
    return store.query("SELECT id, kind, name, paired_at, last_seen, status, pairing_expires FROM devices "
                       "WHERE office = ? ORDER BY kind, name", (office,))


def paired_devices(store, office: str) -> list[dict]:
    """The office's paired devices with ``status_since``: when each last reported its state."""
    rows = store.query("SELECT id, kind, name, paired_at, last_seen, status FROM devices "
                       "WHERE office = ? AND paired_at IS NOT NULL", (office,))
    since = {r["device"]: r["at"] for r in store.query(
        "SELECT json_extract(data, '$.device') AS device, max(at) AS at FROM events "
        "WHERE office = ? AND type = 'device.status' GROUP BY device", (office,))}
    for r in rows:
        r["status"] = json.loads(r["status"] or "{}")
        r["status_since"] = since.get(r["id"])
    return rows


def last_heartbeat(store, device_id: str) -> dict | None:
    """The device's last reported status (JSON text) and when it was seen."""
    return store.one("SELECT status, last_seen FROM devices WHERE id = ?", (device_id,))


def note_heartbeat(store, device_id: str, now: float, status: dict) -> None:
    with store.write() as conn:
        conn.execute("UPDATE devices SET last_seen = ?, status = ? WHERE id = ?",
                     (now, json.dumps(status, ensure_ascii=False), device_id))


# ---------------------------------------------------------------------------- incidents

def open_incidents(store, office: str, *, by_time: bool = False) -> list[dict]:
    """The office's incidents not yet closed (``by_time``: the oldest first)."""
    return store.query("SELECT id, device, kind, detail, opened_at FROM incidents "
                       "WHERE office = ? AND closed_at IS NULL" + (" ORDER BY opened_at" if by_time else ""),
                       (office,))


def open_incident(store, device_id: str, kind: str) -> dict | None:
    """The device's open incident of this kind, if any."""
    return store.one("SELECT id FROM incidents WHERE device = ? AND kind = ? AND closed_at IS NULL",
                     (device_id, kind))


def open_new_incident(conn: sqlite3.Connection, office: str, device_id: str, kind: str, detail: str,
                      now: float) -> int:
    return conn.execute("INSERT INTO incidents (office, device, kind, detail, opened_at) VALUES (?, ?, ?, ?, ?)",
                        (office, device_id, kind, detail, now)).lastrowid


def close_incident(conn: sqlite3.Connection, incident: int, now: float) -> None:
    conn.execute("UPDATE incidents SET closed_at = ? WHERE id = ?", (now, incident))


def close_incidents_of(conn: sqlite3.Connection, device_id: str, now: float) -> None:
    """Every open incident of a device (withdrawn: nobody will close them)."""
    conn.execute("UPDATE incidents SET closed_at = ? WHERE device = ? AND closed_at IS NULL", (now, device_id))


# ---------------------------------------------------------------------------- alerts

def alert_acks(store, office: str) -> dict[str, dict]:
    """alert id → {alert, login, at}: who acknowledged which alert."""
    return {r["alert"]: r for r in store.query("SELECT alert, login, at FROM alert_acks WHERE office = ?",
                                               (office,))}


def acknowledge_alert(conn: sqlite3.Connection, office: str, alert: str, login: str, now: float,
                      keep: float) -> None:
    """Remember who acknowledged the alert; forget acknowledgements older than ``keep`` seconds."""
    conn.execute("INSERT INTO alert_acks (office, alert, login, at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (office, alert) DO UPDATE SET login = excluded.login, at = excluded.at",
                 (office, alert, login, now))
    conn.execute("DELETE FROM alert_acks WHERE office = ? AND at < ?", (office, now - keep))


def help_requests_since(store, office: str, since: float) -> list[dict]:
    """The help requests of the office after ``since``: seq, at, device, screen, comment."""
    out = []
    for r in store.query("SELECT seq, at, data FROM events WHERE office = ? AND type = 'help.requested' "
                         "AND at > ?", (office, since)):
        d = json.loads(r["data"])
        out.append({"seq": r["seq"], "at": r["at"], "device": d.get("device"), "screen": d.get("screen"),
                    "comment": d.get("comment")})
    return out


def sign_in_bursts_since(store, office: str, since: float) -> list[dict]:
    """The office's ``auth.burst`` events after ``since``: their data with seq and at."""
    return [{**json.loads(r["data"]), "seq": r["seq"], "at": r["at"]} for r in store.query(
        "SELECT seq, at, data FROM events WHERE office = ? AND type = 'auth.burst' AND at > ?", (office, since))]


# ---------------------------------------------------------------------------- printers

def office_settings(store, office: str) -> dict:
    """The office's settings as stored (``{}`` for an unknown office)."""
    row = store.one("SELECT settings FROM offices WHERE id = ?", (office,))
    return json.loads(row["settings"] or "{}") if row else {}


def set_printer_text_mode(conn: sqlite3.Connection, office: str, device_id: str, mode: str | None) -> None:
    """Keep a kiosk's printing mode in the office's settings (``printers.<device>.text_mode``)."""
    row = conn.execute("SELECT settings FROM offices WHERE id = ?", (office,)).fetchone()
    settings = json.loads(row[0] or "{}")
    printers = dict(settings.get("printers") or {})
    printers[device_id] = {**(printers.get(device_id) or {}), "text_mode": mode}
    settings["printers"] = printers
    conn.execute("UPDATE offices SET settings = ? WHERE id = ?", (json.dumps(settings, ensure_ascii=False), office))
