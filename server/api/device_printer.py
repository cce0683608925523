"""A kiosk's printer setting, chosen on the stand: how the ticket's text reaches paper.

``native`` prints characters in the printer profile's code page; ``raster`` draws the whole
ticket as a picture (GS v 0), which any ESC/POS printer prints — the way out when a printer
prints boxes or question marks instead of Russian letters. Nothing set: the kiosk's own
profile decides. The choice is kept in the office's settings (``printers`` by device id) and
announced as ``config.changed`` (``what: printer``), which the kiosk follows at once.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..app_context import current_hub as _hub
from ..store import devices as device_store
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

bp = Blueprint("device_printer", __name__, url_prefix="/api/v1")
HALL_STAFF = ("administrator", "admin")
TEXT_MODES = ("native", "raster")
MODE = {"type": "string", "enum": list(TEXT_MODES),
        "description": "native: letters in the code page; raster: the ticket as a picture"}
DEVICE_ID = {"type": "string", "pattern": r"^[a-z][a-z0-9_-]{0,63}$"}
BODY = S.obj({"device": DEVICE_ID, "text_mode": MODE}, ["device", "text_mode"])
ANSWER = S.obj({"device": {"type": "string"}, "text_mode": {"type": ["string", "null"], "enum": [*TEXT_MODES, None]}},
               ["device", "text_mode"])


def _text_mode(office: str, device: str) -> str | None:
    settings = device_store.office_settings(_hub().store, office)
    mode = ((settings.get("printers") or {}).get(device) or {}).get("text_mode")
    return mode if mode in TEXT_MODES else None


def _kiosk(office: str, device: str) -> dict:
    row = device_store.device(_hub().store, device)
    if row is None or row["office"] != office:
        raise ApiError(404, "device_not_found", "Такого устройства в этом офисе нет")
    if row["kind"] != "kiosk":
        raise ApiError(409, "not_a_kiosk", "Принтер есть только у киоска: у табло печатать нечего")
    return row


@api(bp, "/devices/printer", summary="This kiosk's printer setting (text as letters or as a picture)",
     tag="devices", roles=("kiosk",), response=ANSWER)
def own_printer():
    p = current_principal()
    if not p.device:
        raise ApiError(403, "forbidden", "Это действие выполняет устройство")
    return jsonify({"device": p.device, "text_mode": _text_mode(p.office, p.device)})


@api(bp, "/offices/<office>/devices/printers", summary="The printer setting of each kiosk that has one",
     tag="devices", roles=HALL_STAFF + ("head",),
     response={"type": "object", "additionalProperties": {"enum": list(TEXT_MODES)}})
def office_printers(office):
    check_office(current_principal(), office)
    settings = _hub().office(office).get("settings") or {}
    printers = settings.get("printers") or {}
    return jsonify({device: value["text_mode"] for device, value in sorted(printers.items())
                    if isinstance(value, dict) and value.get("text_mode") in TEXT_MODES})


@api(bp, "/offices/<office>/devices/printer", "PUT",
     summary="Choose how a kiosk prints its text: native (letters) or raster (a picture, for printers that "
             "print boxes)", tag="devices", roles=HALL_STAFF, body=BODY, response=ANSWER,
     extra_responses={404: "No such device in this office", 409: "The device is not a kiosk"})
def put_printer(office, body):
    principal = current_principal()
    check_office(principal, office)
    hub = _hub()
    hub.office(office)
    device = body["device"]
    _kiosk(office, device)
    mode = body["text_mode"]

    def write(conn):
        device_store.set_printer_text_mode(conn, office, device, mode)

    hub.record(office, "config.changed", {"what": "printer", "device": device, "text_mode": mode,
                                          "login": principal.who}, write)
    return jsonify({"device": device, "text_mode": mode})
