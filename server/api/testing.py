"""Routes that exist only when the hub is started for tests: a controllable clock."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from . import schemas as S
from .framework import api

bp = Blueprint("testing", __name__, url_prefix="/api/v1/testing")


@api(bp, "/clock", "POST", summary="Move the hub's clock (test hubs only)", tag="testing", roles=("admin",),
     body=S.obj({"offset": S.NUM, "advance": S.NUM}))
def move_clock(body):
    clock = current_app.config["TALON_HUB"].clock
    if "offset" in body:
        clock.offset = float(body["offset"])
    if "advance" in body:
        clock.offset += float(body["advance"])
    return jsonify({"offset": clock.offset, "now": clock.now()})
