"""The event catalogue published (issue 15 point 3): ``GET /api/v1/events/catalogue`` (JSON) and
``GET /api/v1/events/catalogue.js`` (a script that defines ``window.TalonEvents`` for the stand's
pages, so that they take the names of the events from the one declaration in
``server/domain/events.py``). Both are public: the catalogue names kinds of events, no data."""
from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify

from ..domain import events
from .framework import api

bp = Blueprint("events", __name__, url_prefix="/api/v1")

CATALOGUE_ANSWER = {"type": "object", "required": ["events"], "properties": {
    "events": {"type": "array", "items": {"type": "object", "required": ["name", "queue", "board", "stand", "data"],
                                          "properties": {"name": {"type": "string"}, "meaning": {"type": "string"},
                                                         "queue": {"type": "boolean"},
                                                         "board": {"enum": list(events.BOARD_ACTIONS)},
                                                         "stand": {"enum": list(events.STAND_ACTIONS)},
                                                         "data": {"type": "object"}}}},
    "board_actions": {"type": "array", "items": {"type": "string"}},
    "stand_actions": {"type": "array", "items": {"type": "string"}}}}


def script() -> str:
    """The catalogue as a browser script: ``TalonEvents.all`` (every event), ``TalonEvents.stand``
    (action → names) and ``TalonEvents.board`` (action → names)."""
    data = events.published()
    stand = {a: sorted(events.stand_does(a)) for a in events.STAND_ACTIONS}
    board = {a: sorted(events.board_does(a)) for a in events.BOARD_ACTIONS}
    body = json.dumps({"all": data["events"], "stand": stand, "board": board}, ensure_ascii=False, indent=1)
    return ("/* Generated from server/domain/events.py (the event catalogue); do not edit. */\n"
            f'"use strict";\nwindow.TalonEvents = Object.freeze({body});\n')


@api(bp, "/events/catalogue", summary="The event catalogue: every event type, its data and what the board and "
     "stand do with it", tag="events", roles=None, response=CATALOGUE_ANSWER)
def catalogue():
    return jsonify(events.published())


@api(bp, "/events/catalogue.js", summary="The event catalogue as a script for the stand's pages "
     "(window.TalonEvents)", tag="events", roles=None, content_types=("text/javascript",))
def catalogue_js():
    resp = Response(script(), mimetype="text/javascript")
    resp.headers["Cache-Control"] = "no-cache"
    return resp
