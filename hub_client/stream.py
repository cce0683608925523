"""Following an office's Server-Sent Events, reconnecting with ``Last-Event-ID`` after a drop.

``EventStream`` runs in its own thread and hands each event to a callback. After a reconnect
it resumes from the last event it delivered, so nothing is missed and nothing comes twice;
``on_status`` tells the app whether it is connected (to show it, and to resync its state).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import requests

log = logging.getLogger(__name__)


@dataclass
class HubEvent:
    seq: int
    type: str
    at: float
    data: dict
    view: dict
    day: str | None = None

    @property
    def ticket(self) -> dict:
        return self.view.get("ticket") or {}

    @property
    def window(self) -> dict:
        return self.view.get("window") or {}


def parse_sse(lines: Iterator[str]) -> Iterator[HubEvent]:
    """Events from the lines of an SSE stream (comments and heartbeats are skipped)."""
    data: list[str] = []
    event_id = None
    for line in lines:
        if line is None:
            continue
        if line == "":
            if data and event_id is not None:
                payload = json.loads("\n".join(data))
                yield HubEvent(seq=int(event_id), type=payload["type"], at=payload["at"],
                               data=payload.get("data", {}), view=payload.get("view", {}), day=payload.get("day"))
            data, event_id = [], None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = value
        elif name == "data":
            data.append(value)


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The socket under a streaming response (urllib3 drops its own reference once reading starts)."""
    for path in (("raw", "connection", "sock"), ("raw", "_fp", "fp", "raw", "_sock")):
        obj = resp
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
                 reconnect_delay: float = 1.0, read_timeout: float = 40.0):
        self.url = f"{base_url.rstrip('/')}/api/v1/offices/{office}/events"
        self.token = token
        self.on_event = on_event
        self.on_status = on_status or (lambda ok: None)
        self.last_event_id = last_event_id
        self.reconnect_delay = reconnect_delay
        self.read_timeout = read_timeout
        self.connected = False
        self._stop = threading.Event()
        self._response: requests.Response | None = None
        self._thread = threading.Thread(target=self._run, name="talon-events", daemon=True)

    def start(self) -> "EventStream":
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

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            if self.last_event_id is not None:
                headers["Last-Event-ID"] = str(self.last_event_id)
            try:
                with requests.get(self.url, headers=headers, stream=True,
                                  timeout=(5, self.read_timeout)) as resp:
                    self._response = resp
                    if resp.status_code != 200:
                        log.warning("event stream refused: %s %s", resp.status_code, resp.text[:200])
                        self._set_connected(False)
                        self._stop.wait(self.reconnect_delay * 3)
                        continue
                    self._set_connected(True)
                    for event in parse_sse(resp.iter_lines(decode_unicode=True)):
                        if self._stop.is_set():
                            return
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
