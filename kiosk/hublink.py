"""Hub calls off the GUI thread, their answers back on it.

``HubLink.run(call, ok, err)`` runs ``call(client)`` on a small pool of worker threads (each
with its own ``HubClient``: a requests session is not shared between threads) and hands the
result to ``ok`` or the exception to ``err`` on the Qt thread, through a queued signal. The
office event stream (``EventStream``, its own thread) is marshalled the same way. The
screen therefore never waits for the network.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from hub_client import EventStream, HubClient, HubError, HubEvent, HubUnavailable

log = logging.getLogger(__name__)


class HubLink(QObject):
    """The kiosk's one way to the hub; see the module docstring."""

    _deliver = Signal(object)

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 4.0, retries: int = 1,
                 workers: int = 3, parent: QObject | None = None):
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._local = threading.local()
        self._clients: list[HubClient] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-hub")
        self._closed = False
        self._stream: EventStream | None = None
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ calls

    def client(self) -> HubClient:
        """This worker thread's client (made on first use, re-keyed after pairing)."""
        c = getattr(self._local, "client", None)
        if c is None:
            c = self._local.client = HubClient(self.base_url, token=self.token, timeout=self.timeout,
                                               retries=self.retries)
            self._clients.append(c)
        c.token = self.token
        return c

    def run(self, call: Callable[[HubClient], Any], ok: Callable[[Any], None] | None = None,
            err: Callable[[Exception], None] | None = None) -> None:
        """Run ``call(client)`` in the background; ``ok(result)`` or ``err(exc)`` run on the Qt thread."""
        if self._closed:
            return

        def work():
            try:
                result = call(self.client())
            except Exception as exc:  # HubError, HubUnavailable, or a bug: the GUI decides
                if not isinstance(exc, (HubError, HubUnavailable)):
                    log.exception("hub call failed unexpectedly")
                self._post(lambda e=exc: err(e) if err else None)
                return
            self._post(lambda r=result: ok(r) if ok else None)

        try:
            self._pool.submit(work)
        except RuntimeError:  # the pool is shut down: the kiosk is closing
            pass

    def _post(self, fn: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            self._deliver.emit(fn)
        except RuntimeError:  # the Qt object is gone: the kiosk closed meanwhile
            pass

    def _on_deliver(self, fn) -> None:
        if self._closed:
            return
        try:
            fn()
        except Exception:
            log.exception("handling a hub answer failed")

    # ------------------------------------------------------------------ events

    def follow(self, office: str, last_event_id: int | None, on_event: Callable[[HubEvent], None],
               on_status: Callable[[bool], None]) -> None:
        """Follow the office's events; both callbacks run on the Qt thread."""
        self.unfollow()
        self._stream = EventStream(self.base_url, office, self.token,
                                   on_event=lambda e: self._post(lambda: on_event(e)),
                                   on_status=lambda ok: self._post(lambda: on_status(ok)),
                                   last_event_id=last_event_id, reconnect_delay=1.0).start()

    def unfollow(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            threading.Thread(target=stream.stop, name="kiosk-stream-stop", daemon=True).start()

    @property
    def following(self) -> bool:
        return self._stream is not None

    def close(self) -> None:
        """Stop the stream and the pool; answers still in flight are dropped."""
        self._closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for c in list(self._clients):  # a call still on its way gives up instead of retrying
            c.retries = 0
            c.session.close()
