"""The visitor page's event stream (``GET /t/<token>/events``): this visitor's own view as
Server-Sent Events whenever it changes, ``event: gone`` when the office day is over.

It rides on the office's broadcaster of :mod:`server.events`, like every other stream: a
:class:`ViewSubscriber` is attached to the office's stream, and where the broadcaster would write
the office's events (or a heartbeat) to it, it works out this visitor's view instead and passes it
on only when it changed; the office's events themselves are never forwarded. The broadcaster's
heartbeat every :data:`STREAM_REFRESH` seconds makes it look again while nothing happens (the
estimate ages). The request's generator only hands on what the subscriber put out.
Routes on the visitor's blueprint (server/web/visitor.py)."""
from __future__ import annotations

import json
import logging
import queue
import threading
import time

from flask import Response, request

from ..events import Subscriber
from .forms import check_limits
from .visitor import bp, message_page
from .visitor_view import TOKEN_RE, Found, Gone, VisitorState, current_view, find, vs

log = logging.getLogger(__name__)

STREAM_REFRESH = 5.0      # a stream re-reads its view at least this often (estimates age)
STREAM_HEARTBEAT = 15.0
_END = b""                # put last: the stream is over


def sse(kind: str, data: dict, seq: int | None = None) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: {body}\n\n".encode()


class StreamOver(Exception):
    """The visitor's view is final (or the day is over): the broadcaster lets the subscriber go."""


class ViewSubscriber(Subscriber):
    """A subscriber of the office's stream that sends this visitor's view instead of the events."""

    def __init__(self, state: VisitorState, found: Found, first: dict, seq: int):
        super().__init__(self._write, None, heartbeat=STREAM_REFRESH)
        self.state, self.found, self.stream = state, found, state.hub.stream(found.office)
        self.frames: queue.Queue[bytes] = queue.Queue()
        self.lock = threading.Lock()  # the broadcaster and the request's catch-up look one at a time
        self.last_sent = first
        self.opened = False
        self.beat = time.monotonic() + STREAM_HEARTBEAT
        self.frames.put(b"retry: 2000\n" + sse("ticket", first, seq))
        if first["final"]:
            self.frames.put(_END)

    def _write(self, data: bytes) -> None:
        """Called by the broadcaster with the office's new frames or a heartbeat (and once by
        ``attach`` with the stream's opening, under the stream's lock: nothing is read then)."""
        if not self.opened:
            self.opened = True
            return
        self.look()

    def look(self) -> None:
        """Work out the view; put it out if it changed (a heartbeat now and then if not). Raises
        :class:`StreamOver` once the stream has said its last."""
        with self.lock:
            if self.last_sent["final"]:
                raise StreamOver()
            try:
                view = current_view(self.state, self.found)
            except Gone:
                self._end(sse("gone", {"message": "Талон больше не действует"}))
            except Exception:  # the stream's own failure must not leave a trace on the phone
                log.exception("visitor stream of ticket %s failed", self.found.ticket)
                self._end(b"")
            if view != self.last_sent:
                self.last_sent = view
                self.beat = time.monotonic() + STREAM_HEARTBEAT
                if view["final"]:
                    self._end(sse("ticket", view, self.stream.last))
                self.frames.put(sse("ticket", view, self.stream.last))
            elif time.monotonic() >= self.beat:
                self.frames.put(b": heartbeat\n\n")
                self.beat = time.monotonic() + STREAM_HEARTBEAT

    def _end(self, frame: bytes):
        if frame:
            self.frames.put(frame)
        self.frames.put(_END)
        raise StreamOver()


@bp.get("/t/<token>/events")
def ticket_events(token):
    """This visitor's own view as Server-Sent Events (``event: ticket``), sent whenever it
    changes; ``event: gone`` when the office day is over. The stream ends after a final view."""
    check_limits(token if TOKEN_RE.match(token) else None)
    found = find(token)
    state = vs()
    stream = state.hub.stream(found.office)
    seq0 = stream.last  # read before the view: an event in between reaches the subscriber
    first = current_view(state, found)  # Gone / errors are answered before the stream starts
    if not state.take_stream():
        return message_page(503, "Сервер занят", "Сейчас страница обновляется реже.",
                            code="streams_busy", headers={"Retry-After": "30"})
    store = state.hub.store
    disconnected = request.environ.get("waitress.client_disconnected")
    sub = ViewSubscriber(state, found, first, seq0)
    if not first["final"]:
        sub.cursor = seq0
        stream.attach(sub)
        if stream.last > seq0:  # an event came between the first view and the attach: look again
            try:
                sub.look()
            except StreamOver:
                stream.detach(sub)

    def generate():
        try:
            while True:
                try:
                    frame = sub.frames.get(timeout=1.0)
                except queue.Empty:
                    if disconnected is not None and disconnected():
                        return
                    if sub.done.is_set() and sub.frames.empty():
                        return  # let go by the broadcaster (a failure is in the log)
                    continue
                if frame is _END:
                    return
                yield frame
        finally:
            stream.detach(sub)
            state.give_stream()
            store.close()

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
