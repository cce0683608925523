"""The console's line to the hub, off the GUI thread.

``HubRunner`` runs each ``hub_client`` call on a small thread pool and hands the answer (or the
refusal) back on the GUI thread through a queued Qt signal, so a slow or absent hub never freezes
the window. Each pool thread has its own ``HubClient`` (a ``requests`` session is not shared
between threads). ``EventBridge`` follows the office's event stream (``hub_client.EventStream``,
which reconnects by itself with ``Last-Event-ID``) and re-emits its events and its connection
state as Qt signals, delivered on the GUI thread.
"""
from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hub_client import EventStream, HubClient

log = logging.getLogger(__name__)


class HubAccess:
    """Where the hub is and the token to use; a ``HubClient`` per thread."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    def client(self) -> HubClient:
        c = getattr(self._local, "client", None)
        if c is None:
            c = self._local.client = HubClient(self.base_url, token=self.token, timeout=self.timeout, retries=1)
        c.token = self.token
        return c


class _Job(QRunnable):
    def __init__(self, runner: HubRunner, job: int, fn: Callable[[HubClient], Any]):
        super().__init__()
        self.runner, self.job, self.fn = runner, job, fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(self.runner.access.client())
        except Exception as exc:  # HubError, HubUnavailable, or a bug: all go back to the GUI thread
            log.debug("hub call failed: %r", exc)
            self._reply(False, exc)
        else:
            self._reply(True, result)

    def _reply(self, ok: bool, payload: object) -> None:
        try:
            self.runner._done.emit(self.job, ok, payload)
        except RuntimeError:  # the console was closed while the hub answered: nobody to tell
            log.debug("answer to a closed console dropped")


class HubRunner(QObject):
    """Run hub calls in the background; callbacks run on the GUI thread."""

    _done = Signal(int, bool, object)
    busy_changed = Signal(int)

    def __init__(self, access: HubAccess, parent: QObject | None = None, threads: int = 4):
        super().__init__(parent)
        self.access = access
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self.closed = False
        self._done.connect(self._finish)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def run(self, fn: Callable[[HubClient], Any], on_ok: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> int:
        job = next(self._ids)
        if self.closed:
            return job  # the console is closing: start nothing new
        self._callbacks[job] = (on_ok, on_error)
        self.busy_changed.emit(self.pending)
        self.pool.start(_Job(self, job, fn))
        return job

    def _finish(self, job: int, ok: bool, payload: object) -> None:
        on_ok, on_error = self._callbacks.pop(job, (None, None))
        self.busy_changed.emit(self.pending)
        try:
            if ok:
                if on_ok is not None:
                    on_ok(payload)
            elif on_error is not None:
                on_error(payload)  # type: ignore[arg-type]
            else:
                log.warning("hub call failed: %s", payload)
        except Exception:
            log.exception("console callback failed")

    def close(self, msecs: int = 6000) -> bool:
        """Start nothing more and wait for the calls on their way."""
        self.closed = True
        return self.pool.waitForDone(msecs)


class EventBridge(QObject):
    """The office's live events as Qt signals (delivered on the GUI thread)."""

    event = Signal(object)
    status = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.stream: EventStream | None = None

    @property
    def connected(self) -> bool:
        return bool(self.stream and self.stream.connected)

    def start(self, base_url: str, office: str, token: str | None, last_event_id: int | None = None,
              reconnect_delay: float = 1.0) -> None:
        self.stop()
        self.stream = EventStream(base_url, office, token, on_event=self.event.emit, on_status=self.status.emit,
                                  last_event_id=last_event_id, reconnect_delay=reconnect_delay).start()

    def stop(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.stop()
