"""Rendering the announcer's phrases ahead, one at a time, so a real call never waits long for its
speech (docs/board.md). A part of ``BoardApp``.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PREPARE_PER_TICKET = 3   # phrases rendered ahead for each waiting ticket (its likely windows)


class PhrasesAhead:
    """The queue of phrases to render ahead (a part of ``BoardApp``)."""

    # --- rendering phrases ahead -----------------------------------------------------------

    def _prepare_ticket(self, ticket: int, code: str, service: str, limit: int = PREPARE_PER_TICKET) -> None:
        for window in self.state.likely_windows(service, limit):
            self._queue_prepare(code, window.number, False, ticket)

    def _queue_prepare(self, code: str, window: int | str, recall: bool, ticket: int | None) -> None:
        """Render a phrase in the background, one at a time, so a real call never waits long."""
        if not self.sound_enabled:
            return
        key = (code, str(window), recall)
        if key in self._prep_seen:
            return
        if len(self._prep_seen) > 5000:
            self._prep_seen.clear()
        self._prep_seen.add(key)
        if recall:
            self._prep_queue.appendleft((code, window, recall, ticket))  # needed soonest
        else:
            self._prep_queue.append((code, window, recall, ticket))
        self._pump_prepare()

    def _pump_prepare(self) -> None:
        while not self._prep_busy and self._prep_queue and not self._closed:
            code, window, recall, ticket = self._prep_queue.popleft()
            if ticket is not None and ticket not in self.state.waiting:
                continue   # called (its phrase is being rendered by the announcer) or gone
            future = self.announcer.prepare(code, window, recall)
            if future is None or future.done():
                continue
            self._prep_busy = True
            future.add_done_callback(lambda _f: self._prepared.emit())

    def _on_prepared(self) -> None:
        if self._closed:
            return
        self._prep_busy = False
        self._pump_prepare()

    @property
    def preparing(self) -> int:
        return len(self._prep_queue) + (1 if self._prep_busy else 0)
