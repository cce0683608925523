"""The live event stream of each office: an in-memory tail of the log that SSE streams follow.

Events are published in ``seq`` order right after their transaction commits. A subscriber that
fell behind the in-memory tail (or reconnects with an old ``Last-Event-ID``) reads the gap from
the store, so it receives exactly the events it missed, once each.

Two ways to follow a stream:

* ``Subscriber`` + ``OfficeStream.attach``: one broadcaster thread per office writes each batch
  of frames to every subscriber's connection (``write`` is the WSGI ``write`` callable the server
  gave). Nothing wakes per subscriber, and events that come in a burst go out as one write, so
  hundreds of boards, consoles and phones cost little. Used under waitress (``server.serve``).
* ``OfficeStream.after`` / ``wait``: a generator per request, for servers without a ``write``
  callable (Flask's test client, the development server).

Both ways begin a stream the same way (:meth:`OfficeStream.opening`): ``event: hello`` with the
identity of the log and its last ``seq``, whose ``id:`` is where this stream goes on from (the
client's own Last-Event-ID, or the present for a client that gave none: a browser that
reconnects before any event then resumes from there instead of the new present); and, when the
client's ``Last-Event-ID`` is ahead of the log or the client knew another log identity
(``?log=``), ``event: reload`` right after it: the client must read ``/state`` again, and the
stream goes on from the present (hello's ``id:`` is then the log's last ``seq``). Ids are
strictly increasing on every stream: an event reaches the published tail only once, after its
commit, above everything already there (docs/decisions.md, «Streams that can't lie»).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

TAIL = 20000
#: The tail's bytes are bounded too: 20,000 frames with their views were ~24 MB per office, which
#: the hub grew into under load (issue 17: 138 → 172 MB in 45 s and rising). A client further
#: behind than the tail reads the gap from the store, as before.
TAIL_BYTES = 4 << 20
#: The broadcaster writes at most this often: a burst of events goes out as one write per
#: subscriber instead of one per event, which keeps the fan-out's cost flat under load.
MIN_INTERVAL = 0.01
HEARTBEAT = 15.0
HEARTBEAT_FRAME = b": heartbeat\n\n"

FromStore = Callable[[int, int], list[dict]]


def hello_frame(log_identity: str, last: int, cursor: int) -> bytes:
    """The first frame of every stream: which log this is and how far it goes; ``id:`` is the
    event the stream goes on after."""
    payload = json.dumps({"log": log_identity, "seq": last}, separators=(",", ":"))
    return f"id: {cursor}\nevent: hello\ndata: {payload}\n\n".encode()


RELOAD_MESSAGES = {
    "ahead": "Журнал событий на сервере короче, чем у вас: сервер восстановлен из резервной копии. "
             "Данные загружаются заново.",
    "log": "Сервер очереди начал другой журнал событий (восстановлен из резервной копии или заменён). "
           "Данные загружаются заново.",
}


def reload_frame(log_identity: str, last: int, reason: str) -> bytes:
    """What the client knows belongs to another life of the log: read ``/state`` again. (The
    hello before it has ``id:`` = ``last``, so a browser's EventSource resumes from the present
    on its next reconnect instead of asking again from a place this log never reached.)"""
    payload = json.dumps({"log": log_identity, "seq": last, "reason": reason, "message": RELOAD_MESSAGES[reason]},
                         ensure_ascii=False, separators=(",", ":"))
    return f"event: reload\ndata: {payload}\n\n".encode()


def sse_frame(event: dict) -> bytes:
    """One event as Server-Sent Events text: ``id:`` is the sequence number."""
    payload = json.dumps({k: event[k] for k in ("seq", "type", "at", "day", "data", "view") if k in event},
                         ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {payload}\n\n".encode()


class Subscriber:
    """One open event stream: where it is in the log, and how to write to it."""

    def __init__(self, write: Callable[[bytes], None], cursor: int | None, heartbeat: float = HEARTBEAT,
                 device: str | None = None):
        self.write = write
        self.device = device  # the kiosk or board reading, if it is one (its stream ends when revoked)
        self.cursor = cursor
        self.heartbeat = heartbeat
        self.next_beat = time.monotonic() + heartbeat
        self.done = threading.Event()

    def send(self, data: bytes) -> bool:
        try:
            self.write(data)
        except Exception as exc:  # the client went away (the server raises its own error type)
            log.debug("subscriber gone: %s", exc)
            self.done.set()
            return False
        self.next_beat = time.monotonic() + self.heartbeat
        return True


class OfficeStream:
    """The published tail of one office's log, its subscribers and their broadcaster."""

    def __init__(self, floor: int, from_store: FromStore | None = None, log_identity: str = ""):
        self.cond = threading.Condition()
        self.log = log_identity  # the identity of the log this stream follows (Store.log_identity)
        self.tail: deque[tuple[int, bytes]] = deque(maxlen=TAIL)
        self.tail_bytes = 0
        self.floor = floor  # every event with seq <= floor is only in the store
        self.last = floor
        self.sent = floor   # what the broadcaster has written out
        self.from_store = from_store
        self.subs: set[Subscriber] = set()
        self.subscribers = 0
        self._broadcaster: threading.Thread | None = None
        self._joined = False
        # Events committed under the office lock wait here and are encoded and published after the
        # lock is released (:meth:`enqueue`, :meth:`flush`); one flusher at a time, in seq order.
        self._outbox: deque[dict] = deque()
        self._outbox_lock = threading.Lock()
        self._flush_lock = threading.Lock()

    # ------------------------------------------------------------------ publishing

    def enqueue(self, events: list[dict]) -> None:
        """Called under the office lock right after the events' commit: they wait, in seq order,
        for :meth:`flush`. Cheap (no encoding), so the lock is held only for the command and the
        commit."""
        if events:
            with self._outbox_lock:
                self._outbox.extend(events)

    def flush(self) -> None:
        """Publish everything enqueued so far, in seq order (called after the office lock is let
        go, and by readers that must see every committed event published). When it returns,
        every event enqueued before the call is in the tail: whoever flushes second waits for the
        first, and the first takes the whole outbox at once, so seq n+1 never goes out before n."""
        if not self._outbox:
            return
        with self._flush_lock:
            with self._outbox_lock:
                events = list(self._outbox)
                self._outbox.clear()
            self.publish(events)

    def publish(self, events: list[dict]) -> None:
        if not events:
            return
        frames = [(e["seq"], sse_frame(e)) for e in events]
        with self.cond:
            for seq, frame in frames:
                if seq <= self.last:
                    # Only a stream made after this event's commit could already count it (its
                    # floor read the store); the hub makes the stream before it writes, so this is
                    # a bug elsewhere. Never send an id twice or out of order.
                    log.error("event %s published again or out of order (stream at %s); not sent twice",
                              seq, self.last)
                    continue
                tail = self.tail
                while tail and (len(tail) >= TAIL or self.tail_bytes + len(frame) > TAIL_BYTES):
                    old_seq, old = tail.popleft()
                    self.tail_bytes -= len(old)
                    self.floor = old_seq
                tail.append((seq, frame))
                self.tail_bytes += len(frame)
                self.last = seq
            self.cond.notify_all()

    def _tail_after(self, seq: int) -> list[tuple[int, bytes]]:
        """Call with ``cond`` held: the tail's (seq, frame) pairs after ``seq``, walking back from
        the newest end only as far as needed (the tail is in seq order), never the whole tail."""
        if self.last <= seq:
            return []
        out = []
        for item in reversed(self.tail):
            if item[0] <= seq:
                break
            out.append(item)
        out.reverse()
        return out

    def _frames_after(self, seq: int, from_store: FromStore | None) -> list[bytes]:
        """Call with ``cond`` held: every frame after ``seq`` up to ``last``."""
        tail = [f for _, f in self._tail_after(seq)]
        if seq < self.floor and from_store is not None:
            return [sse_frame(e) for e in from_store(seq, self.floor)] + tail
        return tail

    def opening(self, cursor: int | None, known_log: str | None = None) -> tuple[bytes, int]:
        """Call with ``cond`` held: the frames that begin a stream, and the cursor to go on from.

        ``cursor`` is the client's Last-Event-ID (None: from the present), ``known_log`` the log
        identity it knew (None: it does not say). A cursor ahead of the log, or another identity,
        gets ``reload`` and continues from the present."""
        last = self.last
        head = b"retry: 1000\n: connected\n\n"
        if cursor is None:
            return head + hello_frame(self.log, last, last), last
        reason = "log" if known_log and known_log != self.log else "ahead" if cursor > last else None
        if reason is not None:
            log.info("stream from %s (log %s) told to reload: %s; the log is %s at %s",
                     cursor, known_log or "?", reason, self.log, last)
            return head + hello_frame(self.log, last, last) + reload_frame(self.log, last, reason), last
        return head + hello_frame(self.log, last, cursor), cursor

    # ------------------------------------------------------------------ generator style

    def begin(self, cursor: int | None, known_log: str | None = None) -> tuple[bytes, int]:
        """The opening of a generator-style stream (see :meth:`opening`)."""
        with self.cond:
            return self.opening(cursor, known_log)

    def after(self, seq: int, from_store: FromStore) -> tuple[list[bytes], int]:
        """Frames of the events after ``seq``, and the new cursor."""
        with self.cond:
            floor, last = self.floor, self.last
            tail = [f for _, f in self._tail_after(seq)]
        if seq < floor:
            missed = [sse_frame(e) for e in from_store(seq, floor)]
            return missed + tail, last
        return tail, max(seq, last)

    def wait(self, seq: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.last > seq, timeout=timeout)

    # ------------------------------------------------------------------ broadcaster style

    def attach(self, sub: Subscriber, known_log: str | None = None) -> None:
        """Begin the stream (hello, and reload if due), send the subscriber what it missed, then
        keep it in the broadcast. ``sub.cursor`` None means from the present."""
        with self.cond:
            head, sub.cursor = self.opening(sub.cursor, known_log)
            backlog = self._frames_after(sub.cursor, self.from_store)
            if not sub.send(head + b"".join(backlog)):
                return
            sub.cursor = max(sub.cursor, self.last)
            self.subs.add(sub)
            self.subscribers = len(self.subs)
            self._joined = True
            if self._broadcaster is None or not self._broadcaster.is_alive():
                self.sent = self.last  # every subscriber has had what came before (its backlog above)
                self._broadcaster = threading.Thread(target=self._broadcast, name="talon-broadcast", daemon=True)
                self._broadcaster.start()
            self.cond.notify_all()

    def end_device(self, device: str) -> int:
        """End the open streams of a device (its key was withdrawn); answers how many."""
        with self.cond:
            gone = [s for s in self.subs if s.device is not None and str(s.device) == str(device)]
        for sub in gone:
            self.detach(sub)
        return len(gone)

    def detach(self, sub: Subscriber) -> None:
        with self.cond:
            self.subs.discard(sub)
            self.subscribers = len(self.subs)
        sub.done.set()

    def _next_beat(self) -> float:
        return min((s.next_beat for s in self.subs), default=time.monotonic() + HEARTBEAT)

    def _broadcast(self) -> None:
        last_round = 0.0
        while True:
            pause = last_round + MIN_INTERVAL - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with self.cond:
                # the earliest heartbeat due, once per round (not once per wake-up per subscriber)
                beat_at = self._next_beat()
                self.cond.wait_for(lambda beat_at=beat_at: self.last > self.sent or not self.subs or self._joined
                                   or time.monotonic() >= beat_at,
                                   timeout=max(0.0, beat_at - time.monotonic()))
                self._joined = False  # a new subscriber may beat sooner: the next round looks again
                if not self.subs:
                    self._broadcaster = None
                    self.sent = self.last
                    return
                batch = self._tail_after(self.sent)  # only the new events: a walk from the newest end
                self.sent = self.last
                subs = list(self.subs)
            last_round = time.monotonic()
            gone = []
            if batch:
                first, last = batch[0][0], batch[-1][0]
                blob = b"".join(f for _, f in batch)
                for sub in subs:
                    if sub.cursor >= last:
                        continue
                    data = blob if sub.cursor < first else b"".join(f for s, f in batch if s > sub.cursor)
                    if sub.send(data):
                        sub.cursor = last
                    else:
                        gone.append(sub)
            now = time.monotonic()
            for sub in subs:
                if sub.next_beat <= now and not sub.done.is_set() and not sub.send(HEARTBEAT_FRAME):
                    gone.append(sub)
            for sub in gone:
                self.detach(sub)
