"""Following an office's Server-Sent Events, reconnecting with ``Last-Event-ID`` after a drop.

``EventStream`` runs in its own thread and hands each event to a callback. After a reconnect
it resumes from the last event it delivered, so nothing is missed and nothing comes twice;
``on_status`` tells the app whether it is connected (to show it, and to resync its state).

Every stream begins with ``event: hello`` (``{"log": identity, "seq": last}``): the stream
remembers the identity of the hub's event log and names it on each reconnect (``?log=``). When
the hub answers ``event: reload`` (the log is another one, restored from a backup, or shorter
than the last event this client saw), or ``hello`` names another log than before, what the app
holds belongs to another life of the log: the stream goes on from the present and calls
``on_reload`` (by default ``on_status(True)`` once more, the apps' «connected: read the state
again» hook).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import requests

log = logging.getLogger(__name__)


@dataclass
class HubEvent:
    seq: int
    type: str
    at: float
    data: dict[str, Any]
    view: dict[str, Any]
    day: str | None = None

    @property
    def ticket(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.view.get("ticket") or {})

    @property
    def window(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.view.get("window") or {})


#: Frames of the stream itself, not events of the log: they never reach ``on_event``.
CONTROL = ("hello", "reload")


@dataclass
class Frame:
    """One dispatched SSE frame: ``event`` (the type, «message» when not named), ``id`` or None."""
    event: str
    id: str | None
    data: str


def parse_frames(lines: Iterator[str]) -> Iterator[Frame]:
    """The frames of an SSE stream, as the EventSource specification reads them (comments and
    heartbeats are skipped; a frame without ``data`` is not dispatched)."""
    data: list[str] = []
    event_id = None
    kind = ""
    for line in lines:
        if line is None:
            continue
        if line == "":
            if data:
                yield Frame(kind or "message", event_id, "\n".join(data))
            data, event_id, kind = [], None, ""
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = value
        elif name == "data":
            data.append(value)
        elif name == "event":
            kind = value


def event_of(frame: Frame) -> HubEvent | None:
    """The log's event a frame carries, or None for the stream's own frames (hello, reload)."""
    if frame.event in CONTROL or frame.id is None:
        return None
    payload = json.loads(frame.data)
    return HubEvent(seq=int(frame.id), type=payload["type"], at=payload["at"],
                    data=payload.get("data", {}), view=payload.get("view", {}), day=payload.get("day"))


def parse_sse(lines: Iterator[str]) -> Iterator[HubEvent]:
    """Events from the lines of an SSE stream (comments, heartbeats, hello and reload are skipped)."""
    for frame in parse_frames(lines):
        event = event_of(frame)
        if event is not None:
            yield event


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The socket under a streaming response (urllib3 drops its own reference once reading starts)."""
    for path in (("raw", "connection", "sock"), ("raw", "_fp", "fp", "raw", "_sock")):
        obj: Any = resp
        for name in path:
            obj = getattr(obj, name, None)
            if obj is None:
                break
        if isinstance(obj, socket.socket):
            return obj
    return None


class EventStream:
    """A thread that follows one office's events and survives hub restarts and network drops."""

    def __init__(self, base_url: str, office: str, token: str | None, on_event: Callable[[HubEvent], None],
                 last_event_id: int | None = None, on_status: Callable[[bool], None] | None = None,
                 reconnect_delay: float = 1.0, read_timeout: float = 40.0, log: str | None = None,
                 on_reload: Callable[[], None] | None = None):
        self.url = f"{base_url.rstrip('/')}/api/v1/offices/{office}/events"
        self.token = token
        self.on_event = on_event
        self.on_status = on_status or (lambda ok: None)
        #: called (in the stream's thread) when what the app holds belongs to another life of the
        #: hub's log: read the state again. By default the status hook says «connected» once more.
        self.on_reload = on_reload or (lambda: self.on_status(True))
        self.last_event_id = last_event_id
        self.log = log  # the identity of the hub's event log (the /state «log»), learnt from hello
        self.reloads = 0
        self.reconnect_delay = reconnect_delay
        self.read_timeout = read_timeout
        #: None until the first attempt: a stream whose first connection fails reports «not
        #: connected» too, or an app started just before its hub died would never hear of it.
        self.connected: bool | None = None
        self._stop = threading.Event()
        self._response: requests.Response | None = None
        self._thread = threading.Thread(target=self._run, name="talon-events", daemon=True)

    def start(self) -> EventStream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        resp = self._response
        if resp is not None:
            # Shut the socket down rather than close the response: close() waits for the reading
            # thread's lock, which a quiet stream holds until the next heartbeat.
            sock = _socket_of(resp)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:  # already gone; we are leaving anyway
                    pass
        self._thread.join(timeout=3)

    def _set_connected(self, ok: bool) -> None:
        if ok != self.connected:
            self.connected = ok
            try:
                self.on_status(ok)
            except Exception:
                log.exception("status callback failed")

    def _reload(self, info: dict[str, Any]) -> None:
        """The hub's log is another one (or shorter than we thought): go on from its present."""
        self.reloads += 1
        log.warning("the hub's event log changed (%s; log %s at event %s, was %s at %s): reading the "
                    "state again", info.get("reason", "another log"), info.get("log"), info.get("seq"),
                    self.log, self.last_event_id)
        self.log = info.get("log") or self.log
        self.last_event_id = int(info.get("seq") or 0)
        try:
            self.on_reload()
        except Exception:
            log.exception("reload callback failed")

    def _control(self, frame: Frame, reloaded: bool) -> bool:
        """Handle hello / reload; answers whether this connection has reloaded already."""
        try:
            info = json.loads(frame.data)
        except ValueError:
            log.warning("unreadable %s frame: %r", frame.event, frame.data[:200])
            return reloaded
        if frame.event == "hello":
            known = self.log
            if known is not None and info.get("log") and info["log"] != known:
                self._reload({**info, "reason": "hello names another log"})
                return True
            self.log = info.get("log") or self.log
            if self.last_event_id is None and frame.id is not None:
                self.last_event_id = int(frame.id)  # a reconnect before any event resumes from here
            return reloaded
        if frame.event == "reload":
            if reloaded and info.get("log") == self.log:
                self.last_event_id = int(info.get("seq") or 0)
                return True
            self._reload(info)
            return True
        return reloaded

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            if self.last_event_id is not None:
                headers["Last-Event-ID"] = str(self.last_event_id)
            params = {"log": self.log} if self.log else None
            try:
                with requests.get(self.url, headers=headers, params=params, stream=True,
                                  timeout=(5, self.read_timeout)) as resp:
                    self._response = resp
                    if resp.status_code != 200:
                        log.warning("event stream refused: %s %s", resp.status_code, resp.text[:200])
                        self._set_connected(False)
                        self._stop.wait(self.reconnect_delay * 3)
                        continue
                    self._set_connected(True)
                    reloaded = False
                    # decode_unicode with the stream's charset (SSE is UTF-8): the lines are str
                    lines = cast(Iterator[str], resp.iter_lines(decode_unicode=True))
                    for frame in parse_frames(lines):
                        if self._stop.is_set():
                            return
                        if frame.event in CONTROL:
                            reloaded = self._control(frame, reloaded)
                            continue
                        event = event_of(frame)
                        if event is None:
                            continue
                        if self.last_event_id is not None and event.seq <= self.last_event_id:
                            continue
                        self.last_event_id = event.seq
                        try:
                            self.on_event(event)
                        except Exception:
                            log.exception("event handler failed on %s", event.type)
            except Exception as exc:  # a dropped socket surfaces as many kinds of error
                if not self._stop.is_set():
                    log.info("event stream dropped: %s", exc)
            finally:
                self._response = None
            self._set_connected(False)
            if not self._stop.is_set():
                self._stop.wait(self.reconnect_delay)
