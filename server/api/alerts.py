"""The administrator stand's API: the hall's alerts, acknowledging them, printing a ticket at a kiosk,
and the names of the office's staff (for the window cards).

Alerts are computed by the pure core (:mod:`server.domain.alerts`) from the hall, the devices and
the hub's clock; this module only gathers the rows it needs and records acknowledgements.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, jsonify

from ..app_context import current_hub as _hub
from ..domain.alerts import BURST_SHOWN, DEVICE_TIMEOUT, NEAR_SHARE, PRINTER_WORDS, hall_alerts
from ..hub import Hub
from ..store import devices as device_store
from ..store import users as user_store
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal
from .health import storage_alerts
from .queue import office_of_ticket

bp = Blueprint("alerts", __name__, url_prefix="/api/v1")

HALL_STAFF = ("administrator", "admin")
READERS = ("administrator", "admin", "head")
ALERT_ID_PATTERN = r"[a-z_]{1,30}(:[A-Za-z0-9_.-]{1,60}){1,2}"
ACK_KEEP = 3 * 86400.0  # acknowledgements older than this are forgotten

ALERT = S.obj({
    "id": S.STR, "kind": S.STR, "level": {"enum": ["warning", "danger"]}, "title": S.STR, "text": S.STR,
    "since": {"type": ["number", "null"]}, "elapsed": {"type": ["number", "null"]}, "source": S.STR,
    "ticket": S.NULLABLE_INT, "code": {"type": ["string", "null"]}, "window": S.NULLABLE_INT,
    "device": {"type": ["string", "null"]}, "limit": {"type": ["number", "null"]},
    "acknowledged": {"type": ["object", "null"]},
}, ["id", "kind", "level", "title", "text"], extra=True)
ALERTS = S.obj({"now": S.NUM, "near": S.NUM, "alerts": {"type": "array", "items": ALERT}},
               ["now", "near", "alerts"], extra=True)
PRINT = S.obj({"device": {"type": "string", "minLength": 1, "maxLength": 60}}, ["device"])


def near_share(office: dict) -> float:
    """The office's «nearing the norm» share (settings ``alert_near``), 75 % unless set."""
    value = (office.get("settings") or {}).get("alert_near")
    return float(value) if isinstance(value, (int, float)) and 0.3 <= value < 1 else NEAR_SHARE


def device_rows(hub: Hub, office: str) -> list[dict]:
    return device_store.paired_devices(hub.store, office)


def current_alerts(office: str) -> tuple[float, float, list]:
    """(now, near share, alerts) of the office at the hub's clock."""
    hub = _hub()
    info = hub.office(office)
    near = near_share(info)
    devices = device_rows(hub, office)
    incidents = device_store.open_incidents(hub.store, office)
    acks = device_store.alert_acks(hub.store, office)
    with hub.lock(office):
        now = hub.clock.now()
        helps = device_store.help_requests_since(hub.store, office, now - 86400.0)
        bursts = device_store.sign_in_bursts_since(hub.store, office, now - BURST_SHOWN)
        alerts = hall_alerts(hub.hall(office), now, devices=devices, incidents=incidents, help_requests=helps,
                             acks=acks, near=near, auth_bursts=bursts)
    alerts = storage_alerts(hub.store, now) + alerts  # writes failing: first, until a write succeeds
    return now, near, alerts


@api(bp, "/offices/<office>/alerts", summary="The hall's alerts now (norms, windows, devices, help)",
     tag="alerts", roles=READERS, response=ALERTS)
def list_alerts(office):
    check_office(current_principal(), office)
    now, near, alerts = current_alerts(office)
    return jsonify({"now": now, "near": near, "alerts": [a.to_json(now) for a in alerts]})


@api(bp, "/offices/<office>/alerts/<alert>/ack", "POST", summary="Acknowledge an alert (a help request is closed)",
     tag="alerts", roles=HALL_STAFF, body=S.EMPTY, response=ALERT,
     extra_responses={404: "No such alert now"})
def ack_alert(office, alert, body):
    principal = current_principal()
    check_office(principal, office)
    if not re.fullmatch(ALERT_ID_PATTERN, alert):
        raise ApiError(400, "invalid", "Неверный код оповещения")
    hub = _hub()
    now, _, alerts = current_alerts(office)
    found = next((a for a in alerts if a.id == alert), None)
    if found is None:
        raise ApiError(404, "alert_not_found", "Такого оповещения сейчас нет: возможно, оно уже снято")

    def write(conn):
        device_store.acknowledge_alert(conn, office, alert, principal.who, now, ACK_KEEP)

    hub.record(office, "alert.acknowledged", {"alert": alert, "kind": found.kind, "login": principal.who}, write)
    found.acknowledged = {"login": principal.who, "at": now}
    return jsonify(found.to_json(now))


@api(bp, "/tickets/<int:ticket>/print", "POST",
     summary="Ask a kiosk to print this ticket (event ticket.print_requested)",
     tag="tickets", roles=HALL_STAFF, body=PRINT, status=202,
     extra_responses={404: "No such kiosk in the ticket's office", 409: "The kiosk is off line or can not print"})
def print_ticket(ticket, body):
    office = office_of_ticket(ticket)
    hub = _hub()
    device = device_store.device(hub.store, body["device"])
    if device is None or device["office"] != office:
        raise ApiError(404, "device_not_found", "Киоск не найден в этом офисе")
    if device["kind"] != "kiosk":
        raise ApiError(400, "not_a_kiosk", "Печатать талоны может только киоск")
    now = hub.clock.now()
    if not device["last_seen"] or now - device["last_seen"] > DEVICE_TIMEOUT:
        raise ApiError(409, "device_offline",
                       f"Киоск «{device['name']}» не на связи: покажите посетителю код талона на экране")
    printer = (json.loads(device["status"] or "{}").get("printer") or {}).get("state")
    if printer in PRINTER_WORDS:
        raise ApiError(409, "printer_down", f"Киоск «{device['name']}»: {PRINTER_WORDS[printer]}. "
                                            f"Выберите другой киоск или покажите код талона")
    with hub.lock(office):
        t = hub.hall(office).tickets.get(ticket)
        if t is None or t.state.terminal:
            raise ApiError(409, "ticket_closed", "Талон уже закрыт: печатать нечего")
        event = hub.record(office, "ticket.print_requested",
                           {"ticket": ticket, "device": device["id"], "by": current_principal().who})
    return jsonify({"ok": True, "ticket": ticket, "code": t.code, "device": device["id"],
                    "device_name": device["name"], "seq": event["seq"]}), 202


@api(bp, "/offices/<office>/staff", summary="Logins and names of the office's staff (for window cards)",
     tag="alerts", roles=READERS,
     response={"type": "array", "items": S.obj({"login": S.STR, "name": S.STR, "roles": {"type": "array"}},
                                               ["login", "name"], extra=True)})
def staff(office):
    check_office(current_principal(), office)
    _hub().office(office)
    return jsonify(user_store.staff_of(_hub().store, office))
