"""Server-Sent Events: the office's log as it grows; ``Last-Event-ID`` replays what was missed.

Every stream begins with ``event: hello`` (``{"log": identity, "seq": last}``); a client that
names the log it knew (``?log=``) and finds another one, or whose ``Last-Event-ID`` is ahead of
the log, gets ``event: reload`` and the stream goes on from the present (server/events.py).

Under waitress the stream is served by :class:`LiveEvents`, a small WSGI layer in front of Flask
that hands the connection to the office's broadcaster and parks the worker thread; elsewhere
(Flask's test client) the Flask view below streams with a generator. Both check the same
things in :func:`open_request`.
"""
from __future__ import annotations

import json
import logging
import math
import re
import select
import socket
import threading
from http import HTTPStatus
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, request

from ..auth import Principal
from ..events import HEARTBEAT, Subscriber
from . import schemas as S
from .framework import ANY, ApiError, api, check_office, current_principal

log = logging.getLogger(__name__)

bp = Blueprint("live", __name__, url_prefix="/api/v1")

EVENTS_PATH = re.compile(r"^/api/v1/offices/([^/]+)/events$")
SSE_HEADERS = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"),
               ("X-Accel-Buffering", "no")]


LOG_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


def open_request(hub, principal: Principal | None, office: str, last_event_id: str | None,
                 heartbeat: str | float | None, known_log: str | None = None) -> tuple[int | None, float, str | None]:
    """Check a stream request; answer the cursor to start after (None: the present), the
    heartbeat interval and the log identity the client knew (None: it did not say)."""
    if principal is None:
        raise ApiError(401, "unauthorized", "Нужно войти в систему")
    if not set(principal.roles) & set(ANY):
        raise ApiError(403, "forbidden", "Недостаточно прав для этого действия")
    check_office(principal, office)
    hub.office(office)
    if last_event_id is None or last_event_id == "":
        cursor = None
    else:
        try:
            cursor = max(0, int(last_event_id.strip()) if isinstance(last_event_id, str) else int(last_event_id))
        except ValueError:
            raise ApiError(400, "invalid", "Неверный Last-Event-ID: нужен номер события") from None
    if known_log in (None, ""):
        known_log = None
    elif not LOG_ID.fullmatch(str(known_log)):
        raise ApiError(400, "invalid", "Неверные данные: «log» — это идентификатор журнала из ответа /state")
    try:
        beat = float(heartbeat) if heartbeat not in (None, "") else HEARTBEAT
    except ValueError:
        raise ApiError(400, "invalid", "Неверные данные: «heartbeat» должно быть числом") from None
    if not math.isfinite(beat):  # "nan" and "inf" parse as floats but are not an interval
        raise ApiError(400, "invalid", "Неверные данные: «heartbeat» должно быть конечным числом секунд")
    return cursor, min(max(beat, 0.05), HEARTBEAT), known_log


@api(bp, "/offices/<office>/events", summary="Server-Sent Events of the office (id = event sequence number)",
     tag="events", roles=ANY,
     query=S.obj({"last_event_id": S.INT, "heartbeat": S.NUM,
                  "log": {"type": "string", "pattern": LOG_ID.pattern,
                          "description": "the log identity the client knew (/state «log»); "
                                         "another one gets «reload»"}}),
     content_types=("text/event-stream",),
     headers={"Last-Event-ID": "Replay the events after this sequence number"})
def office_events(office, query):
    hub = current_app.config["TALON_HUB"]
    last_event_id = request.headers.get("Last-Event-ID")
    if last_event_id is None and query.get("last_event_id") is not None:
        last_event_id = str(query["last_event_id"])
    cursor, heartbeat, known_log = open_request(hub, current_principal(), office, last_event_id,
                                                query.get("heartbeat"), query.get("log"))
    stream = hub.stream(office)
    store = hub.store
    head, cursor = stream.begin(cursor, known_log)

    def generate():
        nonlocal cursor
        stream.subscribers += 1
        try:
            yield head
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
            cursor, heartbeat, known_log = open_request(
                self.hub, principal, office, environ.get("HTTP_LAST_EVENT_ID", query.get("last_event_id")),
                query.get("heartbeat"), query.get("log"))
        except ApiError as exc:
            body = json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False).encode()
            start_response(f"{exc.status} {HTTPStatus(exc.status).phrase}", [("Content-Type", "application/json"),
                                                      ("Content-Length", str(len(body)))])
            return [body]
        write = start_response("200 OK", list(SSE_HEADERS))
        stream = self.hub.stream(office)
        parked = ParkedStream.take(write)
        sub = Subscriber(parked.send if parked else write, cursor, heartbeat,
                         device=principal.device if principal is not None else None)
        stream.attach(sub, known_log)
        try:
            if parked is not None:
                parked.watch(sub.done)
            else:
                while not sub.done.wait(1.0):
                    if disconnected():
                        break
        finally:
            stream.detach(sub)
            if parked is not None:
                parked.close()
        return []



class ParkedStream:
    """An event stream's connection, taken out of waitress's poll loop while the broadcaster feeds it.

    waitress's main loop asks every connection it holds whether it wants to read or write, on
    every turn; with 200 open streams that was nine tenths of the hub's CPU under a busy hall.
    A stream's connection needs none of it: the broadcaster writes to it and nothing is read
    from it. So once the response headers are out, the connection leaves waitress's map (in
    waitress's own thread, through its trigger); the broadcaster then sends frames straight to
    the non-blocking socket, and the worker thread that served the request (parked for the
    stream's life anyway) watches the socket: it notices the client going away, and writes out
    whatever a slow client's socket did not take at once (at most ``MAX_BACKLOG`` bytes; beyond
    that the stream ends and the client resumes with ``Last-Event-ID``). At the end the worker
    closes the connection and waitress finishes the request as for any client that left.

    It relies on waitress internals (``Task.channel``, ``HTTPChannel.outbuf_lock``,
    ``total_outbufs_len``, ``del_channel``, the server's ``trigger``); where they are not there
    :meth:`take` answers None and the stream is written through waitress as before.
    """

    MAX_BACKLOG = 1 << 20
    WATCH = 0.5  # seconds between looks at the end of the stream

    def __init__(self, task, channel, sock):
        self.task, self.channel, self.sock = task, channel, sock
        self.chunked = bool(task.chunked_response)
        self.lock = threading.Lock()
        self.backlog = bytearray()
        self.closed = False

    @classmethod
    def take(cls, write, timeout: float = 2.0) -> ParkedStream | None:
        task = getattr(write, "__self__", None)
        channel = getattr(task, "channel", None)
        sock = getattr(channel, "socket", None)
        trigger = getattr(getattr(channel, "server", None), "trigger", None)
        needed = ("outbuf_lock", "total_outbufs_len", "del_channel", "handle_close", "connected")
        if (task is None or sock is None or trigger is None or not hasattr(task, "chunked_response")
                or not all(hasattr(channel, n) for n in needed)):
            return None
        write(b"")  # the status line and headers go out the usual way
        taken, done, cancelled = [], threading.Event(), []

        def leave_the_loop():  # runs in waitress's main thread
            if not cancelled:
                with channel.outbuf_lock:
                    if channel.connected and not channel.total_outbufs_len:
                        channel.del_channel()
                        taken.append(True)
            done.set()

        trigger.pull_trigger(leave_the_loop)
        if not done.wait(timeout):
            cancelled.append(True)
            return None
        return cls(task, channel, sock) if taken else None

    #: The last batch framed as an HTTP chunk, and its frame: the broadcaster hands the same bytes
    #: object to every subscriber, so the chunk is built once per batch, not once per subscriber.
    _last: tuple[bytes, bytes] = (b"", b"")

    def frame(self, data: bytes) -> bytes:
        if not self.chunked:
            return data
        last = ParkedStream._last  # one read: another thread may replace it meanwhile
        if last[0] is data:
            return last[1]
        chunk = b"%X\r\n%s\r\n" % (len(data), data)
        ParkedStream._last = (data, chunk)
        return chunk

    def send(self, data: bytes) -> None:
        """Send now what the socket takes; keep the rest for the watcher. Raises once closed."""
        if not data:
            return
        chunk = self.frame(data)
        with self.lock:
            if self.closed:
                raise ConnectionError("the client has gone")
            if not self.backlog:
                try:
                    sent = self.sock.send(chunk)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError:
                    self.closed = True
                    raise
                chunk = chunk[sent:]
            if chunk:
                if len(self.backlog) + len(chunk) > self.MAX_BACKLOG:
                    self.closed = True
                    raise ConnectionError("the client reads too slowly")
                self.backlog += chunk

    def watch(self, done: threading.Event) -> None:
        """Until the stream ends: notice the client leaving, write out the backlog."""
        sock = self.sock
        while not done.is_set() and not self.closed:
            with self.lock:
                pending = bool(self.backlog)
            try:
                readable, writable, _ = select.select([sock], [sock] if pending else [], [], self.WATCH)
            except (OSError, ValueError):
                break
            if readable:
                try:
                    if sock.recv(1, socket.MSG_PEEK) is not None:
                        break  # closed (b"") or the client sent something: a stream reads nothing
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    break
            if writable:
                with self.lock:
                    try:
                        sent = sock.send(self.backlog)
                    except (BlockingIOError, InterruptedError):
                        sent = 0
                    except OSError:
                        break
                    del self.backlog[:sent]
        with self.lock:
            self.closed = True

    def close(self) -> None:
        with self.lock:
            self.closed = True
        try:
            self.channel.handle_close()  # no longer in waitress's map: closed from here
        except Exception:
            log.debug("closing a stream's connection", exc_info=True)
