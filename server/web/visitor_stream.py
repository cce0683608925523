"""The visitor page's event stream (``GET /t/<token>/events``): this visitor's own view as
Server-Sent Events whenever it changes. It follows the office's stream of :mod:`server.events`
(``OfficeStream.wait``) but never forwards the office's events: only the view of this ticket.
Routes on the visitor's blueprint (server/web/visitor.py)."""
from __future__ import annotations

import json
import logging
import time

from flask import Response, request

from .forms import check_limits
from .visitor import bp, message_page
from .visitor_view import TOKEN_RE, Gone, current_view, find, vs

log = logging.getLogger(__name__)

STREAM_REFRESH = 5.0      # a stream re-reads its view at least this often (estimates age)
STREAM_HEARTBEAT = 15.0


def sse(kind: str, data: dict, seq: int | None = None) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: {body}\n\n".encode()


@bp.get("/t/<token>/events")
def ticket_events(token):
    """This visitor's own view as Server-Sent Events (``event: ticket``), sent whenever it
    changes; ``event: gone`` when the office day is over. The stream ends after a final view."""
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    state = vs()
    stream = state.hub.stream(found.office)
    seq0 = stream.last  # read before the view: an event in between wakes the loop at once
    first = current_view(state, found)  # Gone / errors are answered before the stream starts
    if not state.take_stream():
        return message_page(503, "Сервер занят", "Сейчас страница обновляется реже.",
                            code="streams_busy", headers={"Retry-After": "30"})
    store = state.hub.store
    disconnected = request.environ.get("waitress.client_disconnected")

    def generate():
        try:
            view = first
            seq = seq0
            yield b"retry: 2000\n" + sse("ticket", view, seq)
            last_sent = view
            beat = time.monotonic() + STREAM_HEARTBEAT
            while not view["final"]:
                stream.wait(seq, STREAM_REFRESH)
                if disconnected is not None and disconnected():
                    return
                seq = stream.last
                try:
                    view = current_view(state, found)
                except Gone:
                    yield sse("gone", {"message": "Талон больше не действует"})
                    return
                if view != last_sent:
                    yield sse("ticket", view, seq)
                    last_sent = view
                    beat = time.monotonic() + STREAM_HEARTBEAT
                elif time.monotonic() >= beat:
                    yield b": heartbeat\n\n"
                    beat = time.monotonic() + STREAM_HEARTBEAT
        except Exception:  # the stream's own failure must not leave a trace on the phone
            log.exception("visitor stream of ticket %s failed", found.ticket)
        finally:
            state.give_stream()
            store.close()

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
