"""Kiosks and boards: pairing, heartbeats, incidents (printer down) and the help button."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify

from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

bp = Blueprint("devices", __name__, url_prefix="/api/v1")
HALL_STAFF = ("administrator", "admin")


def _hub():
    return current_app.config["TALON_HUB"]


@api(bp, "/offices/<office>/devices", "POST", summary="Register a kiosk or board; answers a one-time pairing code",
     tag="devices", roles=HALL_STAFF, body=S.DEVICE_NEW, status=201)
def create_device(office, body):
    check_office(current_principal(), office)
    _hub().office(office)
    device = current_app.config["TALON_AUTH"].create_device(office, body["kind"], body["name"])
    _hub().record(office, "device.registered", {"device": device["id"], "kind": body["kind"], "name": body["name"]})
    return jsonify(device), 201


@api(bp, "/offices/<office>/devices", summary="Devices of the office with their last heartbeat", tag="devices",
     roles=("administrator", "admin", "head"))
def list_devices(office):
    check_office(current_principal(), office)
    hub = _hub()
    rows = hub.store.query("SELECT id, kind, name, paired_at, last_seen, status FROM devices WHERE office = ? "
                           "ORDER BY kind, name", (office,))
    now = hub.clock.now()
    for r in rows:
        r["status"] = json.loads(r["status"])
        r["online"] = bool(r["last_seen"] and now - r["last_seen"] < 90)
    return jsonify(rows)


@api(bp, "/devices/pair", "POST", summary="A device exchanges its pairing code for its key", tag="devices",
     roles=None, body=S.PAIR)
def pair(body):
    result = current_app.config["TALON_AUTH"].pair(body["code"])
    if result is None:
        raise ApiError(404, "bad_pairing_code", "Код привязки неверен или устарел")
    _hub().record(result["office"], "device.paired", {"device": result["device"], "kind": result["kind"]})
    return jsonify(result)


def _device():
    p = current_principal()
    if not p.device:
        raise ApiError(403, "forbidden", "Это действие выполняет устройство")
    return p


@api(bp, "/devices/heartbeat", "POST", summary="A device is alive; printer and sound state", tag="devices",
     roles=("kiosk", "board"), body=S.HEARTBEAT)
def heartbeat(body):
    p = _device()
    hub = _hub()
    row = hub.store.one("SELECT status, last_seen FROM devices WHERE id = ?", (p.device,))
    old = json.loads(row["status"]) if row else {}
    now = hub.clock.now()
    with hub.store.write() as conn:
        conn.execute("UPDATE devices SET last_seen = ?, status = ? WHERE id = ?",
                     (now, json.dumps(body, ensure_ascii=False), p.device))
    changed = {k: body[k] for k in ("printer", "sound") if k in body and old.get(k, {}).get("state") != body[k]["state"]}
    offline_before = not row or not row["last_seen"] or now - row["last_seen"] > 90
    if changed or offline_before:
        hub.record(p.office, "device.status", {"device": p.device, **body})
    return jsonify({"ok": True, "now": now})


@api(bp, "/devices/incidents", "POST", summary="Open or close an incident (printer down, …)", tag="devices",
     roles=("kiosk", "board"), body=S.INCIDENT)
def incident(body):
    p = _device()
    hub = _hub()
    now = hub.clock.now()
    open_row = hub.store.one("SELECT id FROM incidents WHERE device = ? AND kind = ? AND closed_at IS NULL",
                             (p.device, body["kind"]))
    if body["state"] == "open":
        if open_row:
            return jsonify({"incident": open_row["id"], "state": "open"})
        ids = {}

        def write(conn):
            ids["id"] = conn.execute("INSERT INTO incidents (office, device, kind, detail, opened_at) "
                                     "VALUES (?, ?, ?, ?, ?)",
                                     (p.office, p.device, body["kind"], body.get("detail", ""), now)).lastrowid

        hub.record(p.office, "incident.opened", {"device": p.device, "kind": body["kind"],
                                                 "detail": body.get("detail", "")}, write)
        return jsonify({"incident": ids["id"], "state": "open"}), 201
    if not open_row:
        return jsonify({"incident": None, "state": "closed"})

    def close(conn):
        conn.execute("UPDATE incidents SET closed_at = ? WHERE id = ?", (now, open_row["id"]))

    hub.record(p.office, "incident.closed", {"device": p.device, "kind": body["kind"], "incident": open_row["id"]},
               close)
    return jsonify({"incident": open_row["id"], "state": "closed"})


@api(bp, "/offices/<office>/help", "POST", summary="«Нужна помощь сотрудника» pressed at a kiosk", tag="devices",
     roles=("kiosk", "administrator", "admin"), body=S.HELP, status=201)
def help_request(office, body):
    p = current_principal()
    check_office(p, office)
    event = _hub().record(office, "help.requested", {"device": p.device, "screen": body.get("screen", ""),
                                                     "comment": body.get("comment", "")})
    return jsonify({"ok": True, "seq": event["seq"]}), 201
