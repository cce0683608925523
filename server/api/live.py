"""Server-Sent Events: the office's log as it grows; ``Last-Event-ID`` replays what was missed."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from . import schemas as S
from .framework import ANY, ApiError, api, check_office, current_principal
from ..events import sse_frame

bp = Blueprint("live", __name__, url_prefix="/api/v1")

HEARTBEAT = 15.0


@api(bp, "/offices/<office>/events", summary="Server-Sent Events of the office (id = event sequence number)",
     tag="events", roles=ANY, query=S.obj({"last_event_id": S.INT, "heartbeat": S.NUM}),
     content_types=("text/event-stream",),
     headers={"Last-Event-ID": "Replay the events after this sequence number"})
def office_events(office, query):
    check_office(current_principal(), office)
    hub = current_app.config["TALON_HUB"]
    hub.office(office)
    raw = request.headers.get("Last-Event-ID", query.get("last_event_id"))
    stream = hub.stream(office)
    if raw is None or raw == "":
        cursor = stream.last
    else:
        try:
            cursor = int(raw)
        except ValueError:
            raise ApiError(400, "invalid", "Неверный Last-Event-ID")
    heartbeat = min(max(float(query.get("heartbeat", HEARTBEAT)), 0.05), HEARTBEAT)
    store = hub.store

    def from_store(after: int, upto: int) -> list[dict]:
        return [e for e in store.events_after(office, after, limit=1_000_000) if e["seq"] <= upto]

    def generate():
        nonlocal cursor
        stream.subscribers += 1
        try:
            yield b"retry: 1000\n: connected\n\n"
            while True:
                frames, cursor = stream.after(cursor, from_store)
                if frames:
                    yield b"".join(frames)
                elif not stream.wait(cursor, heartbeat):
                    yield b": heartbeat\n\n"
        finally:
            stream.subscribers -= 1
            store.close()

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


__all__ = ["bp", "sse_frame"]
