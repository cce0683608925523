"""The live event stream of each office: an in-memory tail of the log that SSE streams follow.

Events are published in ``seq`` order right after their transaction commits. A subscriber that
fell behind the in-memory tail (or reconnects with an old ``Last-Event-ID``) reads the gap from
the store, so it receives exactly the events it missed, once each.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from typing import Callable

TAIL = 20000


def sse_frame(event: dict) -> bytes:
    """One event as Server-Sent Events text: ``id:`` is the sequence number."""
    payload = json.dumps({k: event[k] for k in ("seq", "type", "at", "day", "data", "view") if k in event},
                         ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {payload}\n\n".encode("utf-8")


class OfficeStream:
    """The published tail of one office's log and a condition that wakes its subscribers."""

    def __init__(self, floor: int):
        self.cond = threading.Condition()
        self.tail: deque[tuple[int, bytes]] = deque(maxlen=TAIL)
        self.floor = floor  # every event with seq <= floor is only in the store
        self.last = floor
        self.subscribers = 0

    def publish(self, events: list[dict]) -> None:
        if not events:
            return
        frames = [(e["seq"], sse_frame(e)) for e in events]
        with self.cond:
            for seq, frame in frames:
                if len(self.tail) == self.tail.maxlen:
                    self.floor = self.tail[0][0]
                self.tail.append((seq, frame))
                self.last = seq
            self.cond.notify_all()

    def after(self, seq: int, from_store: Callable[[int, int], list[dict]]) -> tuple[list[bytes], int]:
        """Frames of the events after ``seq``, and the new cursor."""
        with self.cond:
            floor, last = self.floor, self.last
            tail = [f for s, f in self.tail if s > seq] if last > seq else []
        if seq < floor:
            missed = [sse_frame(e) for e in from_store(seq, floor)]
            return missed + tail, last
        return tail, max(seq, last)

    def wait(self, seq: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.last > seq, timeout=timeout)
