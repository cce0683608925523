"""Kiosks and boards: pairing, heartbeats, incidents (printer down) and the help button."""
from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, jsonify

from ..app_context import current_hub as _hub
from ..store import devices as device_store
from . import limits
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

bp = Blueprint("devices", __name__, url_prefix="/api/v1")
HALL_STAFF = ("administrator", "admin")

#: A device id as the hub makes them (``kiosk-1a2b3c4d``; the demo's ``kiosk-demo``).
DEVICE_ID = {"type": "string", "pattern": r"^[a-z][a-z0-9_-]{0,63}$"}
REVOKE = S.obj({"device": DEVICE_ID}, ["device"])


@api(bp, "/offices/<office>/devices", "POST", summary="Register a kiosk or board; answers a one-time pairing code",
     tag="devices", roles=HALL_STAFF, body=S.DEVICE_NEW, status=201)
def create_device(office, body):
    check_office(current_principal(), office)
    _hub().office(office)
    name = " ".join(body["name"].split())
    if not name:
        raise ApiError(400, "invalid", "Введите название устройства, например «Киоск у входа»", field="name")
    if device_store.name_taken(_hub().store, office, name):
        raise ApiError(409, "device_exists", f"Устройство «{name}» уже есть в этом офисе. Выберите другое название",
                       field="name")
    device = current_app.config["TALON_AUTH"].create_device(office, body["kind"], name)
    _hub().record(office, "device.registered", {"device": device["id"], "kind": body["kind"], "name": name})
    return jsonify(device), 201


@api(bp, "/offices/<office>/devices", summary="Devices of the office with their last heartbeat", tag="devices",
     roles=("administrator", "admin", "head"))
def list_devices(office):
    """Each device with ``online``, ``seen_ago`` (seconds since its last heartbeat, hub clock),
    ``pairing`` (``paired`` / ``waiting`` for its code / ``expired`` code), ``pairing_left``
    (seconds the code still works) and its open ``incidents``."""
    check_office(current_principal(), office)
    hub = _hub()
    rows = device_store.devices_of(hub.store, office)
    incidents: dict[str, list] = {}
    for i in device_store.open_incidents(hub.store, office, by_time=True):
        incidents.setdefault(i.pop("device"), []).append(i)
    now = hub.clock.now()
    wall = time.time()  # pairing codes run on the wall clock (server/auth.py)
    for r in rows:
        r["status"] = json.loads(r["status"])
        r["online"] = bool(r["last_seen"] and now - r["last_seen"] < 90)
        r["seen_ago"] = max(0.0, now - r["last_seen"]) if r["last_seen"] else None
        expires = r.pop("pairing_expires")
        if r["paired_at"]:
            r["pairing"], r["pairing_left"] = "paired", None
        elif expires and expires > wall:
            r["pairing"], r["pairing_left"] = "waiting", int(expires - wall)
        else:
            r["pairing"], r["pairing_left"] = "expired", 0
        r["incidents"] = [{**i, "ago": max(0.0, now - i["opened_at"])} for i in incidents.get(r["id"], [])]
    return jsonify(rows)


@api(bp, "/offices/<office>/devices/revoke", "POST",
     summary="Withdraw a kiosk or board: its key (or unused code) stops working at once, it leaves the list",
     tag="devices", roles=("admin",), body=REVOKE, extra_responses={404: "No such device in this office"})
def revoke_device(office, body):
    principal = current_principal()
    check_office(principal, office)
    hub = _hub()
    hub.office(office)
    device = device_store.device(hub.store, body["device"])
    if device is None or device["office"] != office:
        raise ApiError(404, "device_not_found", "Такого устройства в этом офисе нет: возможно, его уже отозвали")
    auth = current_app.config["TALON_AUTH"]
    now = hub.clock.now()
    keys: list[str] = []

    def write(conn):
        keys.extend(auth.revoke_device(conn, device["id"]))
        device_store.close_incidents_of(conn, device["id"], now)

    hub.record(office, "device.revoked", {"device": device["id"], "kind": device["kind"], "name": device["name"],
                                          "login": principal.who}, write)
    auth.forget_keys(keys)
    hub.stream(office).end_device(str(device["id"]))  # an open event stream ends with the key
    return jsonify({"device": device["id"], "kind": device["kind"], "name": device["name"], "revoked": True,
                    "keys": len(keys)})


@api(bp, "/devices/pair", "POST", summary="A device exchanges its pairing code for its key", tag="devices",
     roles=None, body=S.PAIR,
     extra_responses={429: "Too many wrong codes from this address: Retry-After says when to try again"})
@limits.flood_limit()
def pair(body):
    address = limits.client_address()
    with limits.guard().attempt([("pairing", address)]) as attempt:
        if attempt.wait > 0:
            offices = limits.all_offices()
            limits.record_bursts(limits.guard().note(address=address, offices=offices, login=None))
            return limits.refusal(attempt.wait, "Слишком много неверных кодов привязки с этого устройства",
                                  offices=offices)
        result = current_app.config["TALON_AUTH"].pair(body["code"])
        attempt.ok = result is not None
    if result is None:
        limits.record_bursts(limits.guard().note(address=address, offices=limits.all_offices(), login=None))
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
    row = device_store.last_heartbeat(hub.store, p.device)
    old = json.loads(row["status"]) if row else {}
    now = hub.clock.now()
    device_store.note_heartbeat(hub.store, p.device, now, body)
    changed = {k: body[k] for k in ("printer", "sound")
               if k in body and old.get(k, {}).get("state") != body[k]["state"]}
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
    open_row = device_store.open_incident(hub.store, p.device, body["kind"])
    if body["state"] == "open":
        if open_row:
            return jsonify({"incident": open_row["id"], "state": "open"})
        ids = {}

        def write(conn):
            ids["id"] = device_store.open_new_incident(conn, p.office, p.device, body["kind"],
                                                       body.get("detail", ""), now)

        hub.record(p.office, "incident.opened", {"device": p.device, "kind": body["kind"],
                                                 "detail": body.get("detail", "")}, write)
        return jsonify({"incident": ids["id"], "state": "open"}), 201
    if not open_row:
        return jsonify({"incident": None, "state": "closed"})

    def close(conn):
        device_store.close_incident(conn, open_row["id"], now)

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
