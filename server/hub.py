"""The hub's imperative shell: one hall per office, run under a lock, logged, then published.

A command runs on the office's hall under the office lock; the events it emitted are written
(log + projection, and anything the caller adds) in one ``BEGIN IMMEDIATE`` transaction that
commits before the answer; then they are published to the office's live stream. If the write
fails, the hall is rebuilt from the store, so memory never runs ahead of the file.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .domain import booking, estimate
from .domain.hall import Hall
from .domain.model import NotFound, QueueError, WindowState
from .events import OfficeStream
from .store import Store
from .store.config import load_hall, office_row, refresh_config

log = logging.getLogger(__name__)
T = TypeVar("T")


class Clock:
    """Wall-clock time, with an offset that tests (and only tests) may move forward."""

    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


class Hub:
    def __init__(self, store: Store, clock: Clock | None = None):
        self.store = store
        self.clock = clock or Clock()
        self._halls: dict[str, Hall] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._streams: dict[str, OfficeStream] = {}
        self._guard = threading.Lock()
        self._ids = itertools.count(store.max_ticket_id() + 1)
        self._id_lock = threading.Lock()
        self._forecast_day: dict[str, str] = {}  # office → the day its hall's forecast was made for

    # ------------------------------------------------------------------ offices

    def offices(self) -> list[dict]:
        return [office_row(self.store, r["id"]) for r in self.store.query("SELECT id FROM offices ORDER BY id")]

    def office(self, office: str) -> dict:
        row = office_row(self.store, office)
        if row is None:
            raise NotFound("Офис не найден", code="office_not_found")
        return row

    def lock(self, office: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(office, threading.RLock())

    def stream(self, office: str) -> OfficeStream:
        """The office's live stream, made on first use. Its floor is the store's last ``seq`` then;
        :meth:`_commit` asks for the stream before it writes, so every event committed after the
        floor was read is published into the stream's tail exactly once (never counted in both)."""
        with self._guard:
            s = self._streams.get(office)
            if s is None:
                store = self.store

                def from_store(after: int, upto: int) -> list[dict]:
                    # seqs are unique across offices, so no more than upto - after rows are wanted
                    return [e for e in store.events_after(office, after, limit=max(1, upto - after))
                            if e["seq"] <= upto]

                s = self._streams[office] = OfficeStream(self.store.last_seq(office), from_store,
                                                         self.log_identity())
            return s

    def log_identity(self) -> str:
        """The identity of this hub's event log (read once: it changes only by a restore, which
        runs while no hub is on the file)."""
        ident = getattr(self, "_log_identity", None)
        if ident is None:
            ident = self._log_identity = self.store.log_identity()
        return ident

    def office_of(self, kind: str, ident: int) -> str | None:
        """The office a ticket or window belongs to (today's from memory, else from the store)."""
        for office, hall in list(self._halls.items()):
            if ident in (hall.tickets if kind == "ticket" else hall.windows):
                return office
        table = "tickets" if kind == "ticket" else "windows"
        row = self.store.one(f"SELECT office FROM {table} WHERE id = ?", (ident,))
        return row["office"] if row else None

    def _next_id(self) -> int:
        with self._id_lock:
            return next(self._ids)

    def hall(self, office: str) -> Hall:
        """The office's hall, loaded and replayed from the log on first use. Call under the lock."""
        hall = self._halls.get(office)
        if hall is None:
            self.office(office)
            hall = load_hall(self.store, office)
            for event in self.store.events_of_current_day(office):
                hall.apply(event)
            hall.next_id = self._next_id
            self._halls[office] = hall
            log.info("office %s loaded: day %s, %d tickets", office, hall.day, len(hall.tickets))
        if hall.day and self._forecast_day.get(office) != hall.day:
            # the wait estimate's visitors to come: the same weekday of the last weeks, once a day
            self._forecast_day[office] = hall.day
            hall.forecast = estimate.forecast_from_history(
                self.store.arrivals_of_days(office, estimate.forecast_days(hall.day)), hall.schedule)
        return hall

    def reload_config(self, office: str) -> None:
        with self.lock(office):
            if office in self._halls:
                refresh_config(self.store, self._halls[office])

    def forget(self, office: str) -> None:
        with self.lock(office):
            self._halls.pop(office, None)

    # ------------------------------------------------------------------ running commands

    def execute(self, office: str, command: Callable[[Hall, float], T],
                also: Callable[[object, T, float], None] | None = None) -> T:
        """Run a core command, commit its events (and ``also``'s writes), publish them.

        The office lock is held for the command and the commit only; the events are published
        after it is let go (:meth:`OfficeStream.flush`, in seq order), and before the answer."""
        try:
            with self.lock(office):
                hall = self.hall(office)
                now = self.clock.now()
                error: QueueError | None = None
                result = None
                try:
                    result = command(hall, now)
                except QueueError as exc:
                    error = exc  # events emitted before the refusal (a new day) are still real
                events = hall.take_pending()
                if events or (also and error is None):
                    self._commit(office, hall, events, lambda conn: also(conn, result, now)
                                 if also and error is None else None)
                if error is not None:
                    raise error
                return result
        finally:
            self._flush(office)

    def record(self, office: str, kind: str, data: dict, write: Callable | None = None) -> dict:
        """Log and publish an event that is not about the queue (devices, alerts, texts, config)."""
        try:
            with self.lock(office):
                hall = self.hall(office)
                event = {"type": kind, "at": self.clock.now(), "office": office, "day": hall.day, "data": data}
                self._commit(office, hall, [event], write)
                return event
        finally:
            self._flush(office)

    def _flush(self, office: str) -> None:
        stream = self._streams.get(office)
        if stream is not None:
            stream.flush()

    def _commit(self, office: str, hall: Hall, events: list[dict], write: Callable | None) -> None:
        ids = {e["data"]["ticket"] for e in events if "ticket" in e["data"]}
        # a day change ends yesterday's open tickets and then clears the hall: record them as ended
        tickets = [t for t in (hall.tickets.get(i) or hall.yesterday.get(i) for i in ids) if t is not None]
        windows = {e["data"]["window"] for e in events if e["data"].get("window") is not None}
        windows |= {t.window for t in tickets if t.window}
        for e in events:
            e["view"] = self._view(hall, e)
        # The stream before the write: made now, its floor is below these events; made after the
        # commit, it would count them in its floor and take them into its tail as well (twice).
        stream = self.stream(office)
        try:
            with self.store.write() as conn:
                self.store.append_events(conn, events)
                self.store.project_tickets(conn, tickets)
                self.store.project_windows(conn, (hall.windows[w] for w in windows if w in hall.windows))
                if write is not None:
                    write(conn)
        except Exception:
            log.exception("write failed for office %s; rebuilding its hall from the store", office)
            self._halls.pop(office, None)
            raise
        stream.enqueue(events)  # published by _flush once the office lock is let go

    def _view(self, hall: Hall, event: dict) -> dict:
        """What clients need to show an event without another request: codes and window numbers."""
        d = event["data"]
        view = {}
        if "ticket" in d and d["ticket"] in hall.tickets:
            view["ticket"] = ticket_view(hall, hall.tickets[d["ticket"]])
        wid = d.get("window")
        if wid is None and "ticket" in view:
            wid = view["ticket"]["window"]
        if wid is not None and wid in hall.windows:
            view["window"] = window_view(hall, hall.windows[wid], event.get("at"))
        return view

    # ------------------------------------------------------------------ reading

    def snapshot(self, office: str) -> dict:
        """The whole hall now: services, windows, waiting tickets, current calls, and the seq."""
        with self.lock(office):
            hall = self.hall(office)
            now = self.clock.now()
            info = self.office(office)
            stream = self.stream(office)
            stream.flush()  # every event this hall has seen is published: the stream goes on from here
            seq = stream.last
            projected = estimate.project(hall, now)
            waiting = sorted(hall.waiting(), key=lambda t: (projected.get(t.id, float("inf")), t.id))
            ahead: dict[str, int] = {}
            waiting_json = []
            for t in waiting:
                v = ticket_view(hall, t)
                v["people_ahead"] = ahead.get(t.service, 0)
                ahead[t.service] = v["people_ahead"] + 1
                at = projected.get(t.id)
                v["estimate"] = list(estimate.wait_range(hall, at - now)) if at is not None else None
                waiting_json.append(v)
            calls = [ticket_view(hall, t) for t in hall.tickets.values() if t.state.active]
            return {
                "office": {k: info[k] for k in ("id", "name", "company", "address", "profile", "texts")},
                "now": now,
                "day": hall.day,
                "open": hall.schedule.is_open(now),
                "opens_at": _iso(hall.schedule.next_opening(now)),
                "schedule": hall.schedule.to_json(),
                "profile": hall.profile.to_json(),
                "policy": hall.settings.policy,
                "services": [service_view(hall, s, now) for s in
                             sorted(hall.services.values(), key=lambda s: (s.order, s.letter))],
                "windows": [window_view(hall, w, now) for w in sorted(hall.windows.values(), key=lambda w: w.number)],
                "waiting": waiting_json,
                "calls": calls,
                "seq": seq,
                "log": self.log_identity(),
            }


def _iso(dt) -> str | None:
    return dt.isoformat() if dt else None


def ticket_view(hall: Hall, t) -> dict:
    v = t.to_json()
    s = hall.services.get(t.service)
    v["service_name"] = s.name if s else t.service
    v["kind"] = s.kind if s else None
    w = hall.windows.get(t.window) if t.window else None
    v["window_number"] = w.number if w else None
    v["wait_limit"] = hall.wait_limit(t)
    v["service_limit"] = hall.service_limit(t) if t.segments else None
    v["estimate"] = list(t.estimate) if t.estimate else None
    after = estimate.after_opening(t)  # no window of its service was open at issue
    v["opens_at"] = hall.schedule.local(t.opens_at + 59.0).strftime("%H:%M") if after else None
    v["estimate_after_opening"] = list(after) if after else None
    v["estimate_text"] = estimate.opening_text(hall, t)
    v["level"] = t.target_level
    return v


def window_view(hall: Hall, w, now: float | None = None) -> dict:
    v = w.to_json()
    t = hall.tickets.get(w.ticket) if w.ticket else None
    v["ticket_code"] = t.code if t else None
    if now is not None:  # the planned break going on or next today (the rota), for the console
        b = hall.rota.next_break(w.number, hall.schedule.local(now))
        v["next_break"] = {**b.to_json(), "label": b.label()} if b else None
    return v


def service_view(hall: Hall, s, now: float) -> dict:
    v = s.to_json()
    norms = hall.profile.for_kind(s.kind)
    v["wait_norm"] = norms.wait.to_json() if norms.wait else None
    v["service_norm"] = norms.service.to_json() if norms.service else None
    v["open"] = s.active and hall.schedule.is_open(now, s.until)
    v["opens_at"] = None if v["open"] else _iso(hall.schedule.next_opening(now, s.until))
    reception = booking.reception_of(hall.settings.booking, s.id)
    if reception is not None:  # the director's reception (004:227-229): open only in its own hours
        v["reception"] = True
        local = hall.schedule.local(now)
        if v["open"] and not reception.open_at(local):
            v["open"] = False
            v["opens_at"] = _iso(reception.next_opening(local))
    waiting = [t for t in hall.waiting() if t.service == s.id]
    v["waiting"] = len(waiting)
    v["oldest_wait"] = max((now - t.queued_at for t in waiting), default=0.0)
    v["windows_open"] = sum(1 for w in hall.windows.values()
                            if w.state is WindowState.OPEN and w.serves(s.id))
    return v
