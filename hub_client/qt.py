"""The one bridge between a Qt client (kiosk, console, board) and the hub.

``HubBridge`` is a QObject with two jobs, both ending on the Qt thread:

* **calls**: ``run(call, ok, err)`` runs ``call(client)`` on a small pool of worker threads and
  hands the result to ``ok`` (or the exception to ``err``) on the Qt thread. Each worker thread
  has its own ``HubClient`` (a ``requests`` session is not shared between threads), re-keyed
  with the bridge's current ``token`` before every call. ``pending`` counts the calls under way
  and ``busy_changed`` says when it moves. With ``workers=1`` the calls run one at a time, in
  the order they were asked for.
* **the office's event stream**: ``follow(office, last_event_id, ...)`` starts a
  ``hub_client.EventStream`` (its own thread, reconnecting with ``Last-Event-ID``) and delivers
  its events, its connection state and its «reload» on the Qt thread, **in the order they
  happened**. Events are kept in an inbox and handed over in one go when the Qt thread gets to
  them, so a burst (a replay after a reconnect) costs one redraw: ``on_events(list)`` receives
  the batch, ``on_event(event)`` each event. ``status_hook`` runs in the stream's own thread
  before a connection state is delivered (the board syncs its clock there, before the missed
  events are applied).

Nothing here blocks the Qt thread. After ``close()`` nothing more is started or delivered.
No POSIX-only calls: the clients run on Windows too.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from .client import HubClient, HubError, HubUnavailable
from .stream import EventStream, HubEvent

log = logging.getLogger(__name__)

T = TypeVar("T")

OnEvent = Callable[[HubEvent], None]
OnEvents = Callable[[list[HubEvent]], None]
OnStatus = Callable[[bool], None]


class _Status:
    """An inbox item: the stream's connection state changed."""

    __slots__ = ("connected",)

    def __init__(self, connected: bool) -> None:
        self.connected = connected


class _Reload:
    """An inbox item: what the app holds belongs to another life of the hub's log."""

    __slots__ = ()


_Item = HubEvent | _Status | _Reload


class HubBridge(QObject):
    """A Qt client's one way to the hub; see the module docstring."""

    busy_changed = Signal(int)         # calls under way
    _deliver = Signal(object)          # a function to run on the Qt thread

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 5.0, retries: int = 1,
                 workers: int = 3, name: str = "talon-hub", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._local = threading.local()
        self._clients: list[HubClient] = []
        self._clients_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._futures: set[Future[None]] = set()
        self._pending = 0
        self.closed = False
        self.stream: EventStream | None = None
        self._inbox: deque[_Item] = deque()
        self._inbox_lock = threading.Lock()
        self._drain_posted = False
        self._generation = 0               # which follow() the inbox belongs to
        self._on_event: OnEvent | None = None
        self._on_events: OnEvents | None = None
        self._on_status: OnStatus | None = None
        self._on_reload: Callable[[], None] | None = None
        self._deliver.connect(self._run_delivered, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ calls

    def client(self) -> HubClient:
        """This worker thread's client (made on first use, re-keyed with the current token)."""
        c: HubClient | None = getattr(self._local, "client", None)
        if c is None:
            c = HubClient(self.base_url, token=self.token, timeout=self.timeout, retries=self.retries)
            self._local.client = c
            with self._clients_lock:
                self._clients.append(c)
        c.token = self.token
        return c

    @property
    def pending(self) -> int:
        """Calls asked for whose answer has not been handed over yet."""
        return self._pending

    def run(self, call: Callable[[HubClient], T], ok: Callable[[T], None] | None = None,
            err: Callable[[Exception], None] | None = None) -> None:
        """Run ``call(client)`` in the background; ``ok(result)`` or ``err(exc)`` run on the Qt thread.

        A refusal (``HubError``), an absent hub (``HubUnavailable``) and a bug alike go to ``err``;
        without ``err`` they are logged.
        """
        if self.closed:
            return

        def work() -> None:
            try:
                result = call(self.client())
            except Exception as exc:  # HubError, HubUnavailable, or a bug: the GUI decides
                if not isinstance(exc, (HubError, HubUnavailable)):
                    log.exception("hub call failed unexpectedly")
                self._post(partial(self._answered, err, exc))
                return
            self._post(partial(self._answered, ok, result))

        try:
            future = self._pool.submit(work)
        except RuntimeError:  # the pool is shut down: the client is closing
            return
        self._pending += 1
        self.busy_changed.emit(self._pending)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def _answered(self, fn: Callable[[Any], None] | None, payload: Any) -> None:
        self._pending = max(0, self._pending - 1)
        self.busy_changed.emit(self._pending)
        if fn is not None:
            fn(payload)
        elif isinstance(payload, Exception):
            log.warning("hub call failed: %s", payload)

    def _post(self, fn: Callable[[], None]) -> None:
        """Hand ``fn`` to the Qt thread (from any thread)."""
        if self.closed:
            return
        try:
            self._deliver.emit(fn)
        except RuntimeError:  # the Qt object is gone: the client closed meanwhile
            log.debug("an answer to a closed client dropped")

    def _run_delivered(self, fn: Callable[[], None]) -> None:
        if self.closed:
            return
        try:
            fn()
        except Exception:
            log.exception("handling a hub answer failed")

    # ------------------------------------------------------------------ events

    def follow(self, office: str, last_event_id: int | None, on_event: OnEvent | None = None,
               on_status: OnStatus | None = None, *, on_events: OnEvents | None = None,
               on_reload: Callable[[], None] | None = None, status_hook: OnStatus | None = None,
               log_identity: str | None = None, reconnect_delay: float = 1.0) -> EventStream:
        """Follow the office's events from ``last_event_id``; every callback runs on the Qt thread.

        ``on_reload`` (default: ``on_status(True)``, «connected: read the state again») is called
        when the hub's log turns out to be another one; ``log_identity`` is the /state ``log``.
        """
        self.unfollow()
        self._on_event, self._on_events, self._on_status = on_event, on_events, on_status
        self._on_reload = on_reload
        generation = self._generation

        def put(item: _Item) -> None:
            if generation == self._generation:  # a stream being stopped says nothing more
                self._put(item)

        def status(connected: bool) -> None:
            if status_hook is not None:
                try:
                    status_hook(connected)
                except Exception:
                    log.exception("stream status hook failed")
            put(_Status(connected))

        stream = EventStream(self.base_url, office, self.token, on_event=put, on_status=status,
                             last_event_id=last_event_id, reconnect_delay=reconnect_delay, log=log_identity,
                             on_reload=lambda: put(_Reload()))
        self.stream = stream
        return stream.start()

    def unfollow(self, wait: bool = False) -> None:
        """Stop following (in the background unless ``wait``); what is in the inbox is dropped."""
        stream, self.stream = self.stream, None
        with self._inbox_lock:
            self._generation += 1
            self._inbox.clear()
        if stream is None:
            return
        if wait:
            stream.stop()
        else:
            threading.Thread(target=stream.stop, name="talon-stream-stop", daemon=True).start()

    @property
    def following(self) -> bool:
        return self.stream is not None

    @property
    def connected(self) -> bool:
        return bool(self.stream is not None and self.stream.connected)

    def _put(self, item: _Item) -> None:
        """From the stream's thread: keep ``item`` and wake the Qt thread once for all kept."""
        with self._inbox_lock:
            self._inbox.append(item)
            if self._drain_posted:
                return
            self._drain_posted = True
        self._post(self._drain)

    def _drain(self) -> None:
        with self._inbox_lock:
            items = list(self._inbox)
            self._inbox.clear()
            self._drain_posted = False
        batch: list[HubEvent] = []
        for item in items:
            if isinstance(item, HubEvent):
                batch.append(item)
                continue
            self._hand_events(batch)
            batch = []
            if isinstance(item, _Status):
                if self._on_status is not None:
                    self._on_status(item.connected)
            elif self._on_reload is not None:
                self._on_reload()
            elif self._on_status is not None:
                self._on_status(True)
        self._hand_events(batch)

    def _hand_events(self, batch: list[HubEvent]) -> None:
        if not batch:
            return
        if self._on_events is not None:
            self._on_events(batch)
        if self._on_event is not None:
            for event in batch:
                try:
                    self._on_event(event)
                except Exception:
                    log.exception("handling event %s failed", event.type)

    # ------------------------------------------------------------------ the end

    def close(self, wait: float = 0.0) -> bool:
        """Stop the stream and the pool; answers still in flight are dropped.

        ``wait`` seconds are given to the calls under way to finish (their answers are not
        delivered); calls that may still retry give up. Answers whether all have finished.
        """
        self.closed = True
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._clients_lock:
            clients = list(self._clients)
        for c in clients:  # a call still on its way gives up instead of retrying
            c.retries = 0
        done = True
        if wait > 0 and self._futures:
            _, not_done = wait_futures(list(self._futures), timeout=wait)
            done = not not_done
        if wait <= 0:
            for c in clients:
                c.session.close()
        return done
