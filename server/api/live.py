"""Server-Sent Events: the office's log as it grows; ``Last-Event-ID`` replays what was missed.

Under waitress the stream is served by :class:`LiveEvents`, a small WSGI layer in front of Flask
that hands the connection to the office's broadcaster and parks the worker thread; elsewhere
(Flask's test client) the Flask view below streams with a generator. Both check the same
things in :func:`open_request`.
"""
from __future__ import annotations

import json
import re
from http import HTTPStatus
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, request

from ..events import HEARTBEAT, Subscriber
from . import schemas as S
from .framework import ANY, ApiError, Principal, api, check_office, current_principal

bp = Blueprint("live", __name__, url_prefix="/api/v1")

EVENTS_PATH = re.compile(r"^/api/v1/offices/([^/]+)/events$")
SSE_HEADERS = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"),
               ("X-Accel-Buffering", "no")]


def open_request(hub, principal: Principal | None, office: str, last_event_id: str | None,
                 heartbeat: str | float | None) -> tuple[int, float]:
    """Check a stream request; answer the cursor to start after and the heartbeat interval."""
    if principal is None:
        raise ApiError(401, "unauthorized", "Нужно войти в систему")
    if not set(principal.roles) & set(ANY):
        raise ApiError(403, "forbidden", "Недостаточно прав для этого действия")
    check_office(principal, office)
    hub.office(office)
    stream = hub.stream(office)
    if last_event_id is None or last_event_id == "":
        cursor = stream.last
    else:
        try:
            cursor = int(last_event_id)
        except ValueError:
            raise ApiError(400, "invalid", "Неверный Last-Event-ID")
    try:
        beat = float(heartbeat) if heartbeat not in (None, "") else HEARTBEAT
    except ValueError:
        raise ApiError(400, "invalid", "Неверные данные: «heartbeat» должно быть числом")
    return cursor, min(max(beat, 0.05), HEARTBEAT)


@api(bp, "/offices/<office>/events", summary="Server-Sent Events of the office (id = event sequence number)",
     tag="events", roles=ANY, query=S.obj({"last_event_id": S.INT, "heartbeat": S.NUM}),
     content_types=("text/event-stream",),
     headers={"Last-Event-ID": "Replay the events after this sequence number"})
def office_events(office, query):
    hub = current_app.config["TALON_HUB"]
    cursor, heartbeat = open_request(hub, current_principal(), office,
                                     request.headers.get("Last-Event-ID", query.get("last_event_id")),
                                     query.get("heartbeat"))
    stream = hub.stream(office)
    store = hub.store

    def generate():
        nonlocal cursor
        stream.subscribers += 1
        try:
            yield b"retry: 1000\n: connected\n\n"
            while True:
                frames, cursor = stream.after(cursor, stream.from_store)
                if frames:
                    yield b"".join(frames)
                elif not stream.wait(cursor, heartbeat):
                    yield b": heartbeat\n\n"
        finally:
            stream.subscribers -= 1
            store.close()

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class LiveEvents:
    """WSGI layer: event streams go to the broadcaster; every other request goes to Flask."""

    def __init__(self, app, enabled: bool = True):
        self.app = app
        self.enabled = enabled
        self.hub = app.config["TALON_HUB"]
        self.auth = app.config["TALON_AUTH"]

    def __call__(self, environ, start_response):
        match = EVENTS_PATH.match(environ.get("PATH_INFO", ""))
        disconnected = environ.get("waitress.client_disconnected")
        if not (self.enabled and match and environ.get("REQUEST_METHOD") == "GET" and disconnected):
            return self.app(environ, start_response)
        office = match.group(1)
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        auth = environ.get("HTTP_AUTHORIZATION", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else query.get("access_token")
        try:
            principal = self.auth.principal(token) if token else None
            cursor, heartbeat = open_request(self.hub, principal, office,
                                             environ.get("HTTP_LAST_EVENT_ID", query.get("last_event_id")),
                                             query.get("heartbeat"))
        except ApiError as exc:
            body = json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False).encode()
            start_response(f"{exc.status} {HTTPStatus(exc.status).phrase}", [("Content-Type", "application/json"),
                                                      ("Content-Length", str(len(body)))])
            return [body]
        write = start_response("200 OK", list(SSE_HEADERS))
        stream = self.hub.stream(office)
        sub = Subscriber(write, cursor, heartbeat)
        stream.attach(sub)
        try:
            while not sub.done.wait(1.0):
                if disconnected():
                    break
        finally:
            stream.detach(sub)
        return []
