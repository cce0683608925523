"""The company dashboard's live figures (issue 11, point 3): every office on one screen.

Each office's current day is replayed once through the hub's own core (:meth:`Hall.apply`) and
kept in memory; new batches are applied incrementally as they arrive (the ingest route pokes the
dashboard after it commits; a poll of the offices' marks every ``interval`` s catches the rest).
Never a full replay per request. From the hall and the events:

* waiting now, the oldest wait against its own norm (the norm each ticket carries in the event's
  ``view.ticket.wait_limit``: the office's own profile, as the hub computed it), how many wait
  beyond their norm;
* the share of today's waits within their norm, by the reports' own rule and norms
  (:func:`server.reports.figures.waited`: a wait counts once the visitor came to the window; the
  norm of the segment's service from the office's shipped configuration, as
  :class:`server.reports.figures.DayContext` reads it), so the dashboard and the daily report of
  the same office-day agree; before the office's configuration reaches the centre, the norm each
  ticket carries in its event's view;
* windows open / on break; the office «open» while at least one window is open or on break (the
  centre does not know the offices' timetables yet: docs/decisions.md);
* open incidents and unanswered «help» calls (alerts), devices down (a printer reporting a fault or
  an open incident of a device);
* the link: the office time of the last event, the centre time of the last batch, and how many
  stored events the dashboard has not applied yet.

Rows and halls carry a version (one counter for the whole centre); the SSE stream sends what
changed after the version a client knew (``Last-Event-ID``) or a full snapshot.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date, timedelta

from ..domain.hall import Hall
from ..domain.model import TicketState, Window, WindowState
from ..domain.schedule import Schedule
from ..reports import figures
from .dashboard_store import DashboardStore
from .store import CentralStore

log = logging.getLogger(__name__)

PRINTER_DOWN = {"paper_out", "cover_open", "offline", "error"}
PAUSE_WORDS = {"lunch": "обед", "technical": "технический перерыв", "other": "перерыв"}
STATE_WORDS = {"open": "ведёт приём", "paused": "перерыв", "closed": "закрыто"}


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 1)


class OfficeLive:
    """One office's current day, replayed through the core, and the figures around it."""

    def __init__(self, office: str, epoch: int = 1):
        self.id = office
        self.epoch = epoch  # the office's log (a log accepted in place of another is the next epoch)
        self.hall = Hall(office=office)
        self.seq = 0
        self.day: str | None = None
        self.last_at: float | None = None
        self.limits: dict[int, float | None] = {}   # ticket → its waiting norm, seconds (office's own)
        self.service_names: dict[str, str] = {}
        self.calls_today = 0        # waits of the day counted by the reports' rule, with a norm
        self.within_today = 0       # of those, within it
        self.counted: dict[int, tuple[int, int]] = {}  # ticket → (its counted waits, within)
        self.ctx = None             # the reports' DayContext of the office's shipped settings (its norms)
        self.devices: dict[str, str | None] = {}    # device → its printer's state
        self.incidents: dict[tuple[str, str], str] = {}  # (device, kind) → detail
        self.help: dict[int, float] = {}            # «help» events of the day not yet answered: seq → at
        self.config_hash: str | None = None
        self.tz: str | None = None
        self.schedule: Schedule | None = None       # the office's timetable, from its shipped configuration

    def configure(self, config: dict | None) -> bool:
        """Take the office's latest shipped configuration (time zone, timetable); True if it changed."""
        if config is None or config.get("hash") == self.config_hash:
            return False
        self.config_hash = config.get("hash")
        self.tz = config.get("tz")
        settings = config.get("settings")
        try:
            from .report_source import context_from
            self.ctx = context_from(settings, date.today(), float("inf")) if isinstance(settings, dict) else None
        except (ValueError, KeyError, TypeError, LookupError) as exc:
            log.warning("office %s: its norms can not be read (%r); the tickets' own norms are used", self.id, exc)
            self.ctx = None
        self._recount_all()
        try:
            schedule = config.get("schedule")
            self.schedule = Schedule.from_json({**schedule, "tz": self.tz or schedule.get("tz")}) \
                if isinstance(schedule, dict) else None
        except (ValueError, KeyError, TypeError, LookupError) as exc:
            log.warning("office %s: its timetable can not be read (%r); «open» follows its windows", self.id, exc)
            self.schedule = None
        return True

    # ------------------------------------------------------------------ events

    def apply(self, e: dict) -> None:
        kind, data, view = e["type"], e["data"] or {}, e.get("view") or {}
        day = e.get("day")
        if day is not None and day != self.day:
            self.calls_today = self.within_today = 0
            self.counted.clear()
            self.help.clear()
            self.limits.clear()
            self.day = day
        w = view.get("window")
        if isinstance(w, dict) and isinstance(w.get("id"), int):
            self._learn_window(w)
        try:
            self.hall.apply({"type": kind, "at": e["at"], "office": self.id, "day": day, "data": data})
        except (KeyError, AttributeError, IndexError, TypeError, ValueError) as exc:
            log.warning("office %s: event %s (%s) does not replay on the dashboard: %r", self.id, e.get("seq"),
                        kind, exc)
        t = view.get("ticket")
        if isinstance(t, dict) and isinstance(t.get("id"), int):
            self.limits[t["id"]] = t.get("wait_limit")
            if t.get("service") and t.get("service_name"):
                self.service_names[t["service"]] = t["service_name"]
        if kind.startswith("ticket."):
            ticket = self.hall.tickets.get(data.get("ticket"))
            if ticket is not None:
                self._recount(ticket)
        if kind == "device.status":
            printer = data.get("printer")
            self.devices[str(data.get("device"))] = printer.get("state") if isinstance(printer, dict) else None
        elif kind == "incident.opened":
            self.incidents[(str(data.get("device")), str(data.get("kind")))] = str(data.get("detail") or "")
        elif kind == "incident.closed":
            self.incidents.pop((str(data.get("device")), str(data.get("kind"))), None)
        elif kind == "help.requested":
            self.help[e["seq"]] = e["at"]
        elif kind == "alert.acknowledged":
            alert = str(data.get("alert") or "")
            if alert.startswith("help:event:"):
                try:
                    self.help.pop(int(alert.rsplit(":", 1)[1]), None)
                except ValueError:
                    pass
        self.seq = max(self.seq, e["seq"])
        self.last_at = e["at"]

    def _wait_limit(self, service: str, ticket: int) -> float | None:
        if self.ctx is not None and service in self.ctx.services:
            return self.ctx.wait_limit(service)
        return self.limits.get(ticket)  # no configuration at the centre yet: the hub's own figure

    def _recount(self, ticket) -> None:
        """The ticket's waits of today counted again by the reports' rule (a transfer adds a
        segment; a call counts once the visitor comes; a no-show never does)."""
        if ticket.day != self.day:
            return
        n = k = 0
        for seg in ticket.segments:
            w = figures.waited({"called_at": seg.called_at, "started_at": seg.started_at,
                                "outcome": seg.outcome, "queued_at": seg.queued_at})
            limit = self._wait_limit(seg.service, ticket.id) if w is not None else None
            if limit is not None:
                n += 1
                k += w <= limit
        n0, k0 = self.counted.get(ticket.id, (0, 0))
        self.counted[ticket.id] = (n, k)
        self.calls_today += n - n0
        self.within_today += k - k0

    def _recount_all(self) -> None:
        for ticket in list(self.hall.tickets.values()):
            self._recount(ticket)

    def _learn_window(self, w: dict) -> None:
        """The centre's bare hall learns the office's windows from the events' views."""
        known = self.hall.windows.get(w["id"])
        services = {str(k): int(v) for k, v in (w.get("services") or {}).items() if isinstance(v, int)}
        if known is None:
            self.hall.windows[w["id"]] = Window(id=w["id"], number=int(w.get("number") or w["id"]),
                                                services=services, zone=str(w.get("zone") or ""),
                                                level=str(w.get("level") or "specialist"))
        else:
            known.number = int(w.get("number") or known.number)
            known.services = services or known.services
            known.zone = str(w.get("zone") or known.zone)

    # ------------------------------------------------------------------ figures

    def now(self) -> float:
        """The office's «now»: the centre's clock, or the office's last event if that is later
        (an office clock ahead, or a test hub's moved clock)."""
        return max(time.time(), self.last_at or 0.0)

    def row(self, meta: dict, now: float | None = None) -> dict:
        now = self.now() if now is None else now
        waiting = self.hall.waiting()
        oldest = max(waiting, key=lambda t: now - t.queued_at, default=None)
        over = 0
        for t in waiting:
            limit = self.limits.get(t.id)
            over += bool(limit) and now - t.queued_at > limit
        windows = list(self.hall.windows.values())
        opened = sum(1 for w in windows if w.state is WindowState.OPEN)
        paused = sum(1 for w in windows if w.state is WindowState.PAUSED)
        down = {d for d, state in self.devices.items() if state in PRINTER_DOWN}
        down |= {d for (d, _k) in self.incidents}
        hwm = int(meta.get("high_water_mark") or 0)
        last_batch = meta.get("last_batch_at")
        oldest_wait = (now - oldest.queued_at) if oldest else None
        oldest_limit = self.limits.get(oldest.id) if oldest else None
        return {
            "id": self.id,
            "name": meta.get("name") or self.id,
            "region": meta.get("region"),
            "zone": self.tz or meta.get("tz"),
            "day": self.day,
            "open": self.schedule.is_open(now) if self.schedule is not None else bool(opened or paused),
            "hours_known": self.schedule is not None,
            "waiting": len(waiting),
            "oldest_wait_min": int(oldest_wait // 60) if oldest_wait is not None else None,
            "oldest_norm_min": _minutes(oldest_limit),
            "over_norm": over,
            "within_norm_share": round(self.within_today / self.calls_today, 3) if self.calls_today else None,
            "calls_with_norm": self.calls_today,
            "windows_open": opened,
            "windows_paused": paused,
            "windows_total": len(windows),
            "alerts": len(self.incidents) + len(self.help),
            "devices_down": len(down),
            "last_event_at": self.last_at,
            "last_batch_at": last_batch.timestamp() if hasattr(last_batch, "timestamp") else last_batch,
            "behind": max(0, hwm - self.seq),
            "seq": self.seq,
        }

    def hall_view(self, meta: dict, now: float | None = None) -> dict:
        """The drill-down: windows with whom they serve, the queue per service with waits."""
        now = self.now() if now is None else now
        windows = []
        for w in sorted(self.hall.windows.values(), key=lambda w: w.number):
            t = self.hall.tickets.get(w.ticket) if w.ticket else None
            windows.append({
                "number": w.number, "zone": w.zone, "state": str(w.state),
                "state_words": PAUSE_WORDS.get(w.pause_reason or "", "перерыв")
                if w.state is WindowState.PAUSED else STATE_WORDS[str(w.state)],
                "operator": w.operator, "since": w.state_since if w.state_since is not None else w.since,
                "ticket": t.code if t else None,
                "ticket_state": ("на приёме" if t.state is TicketState.SERVING else "вызван") if t else None,
                "service": self.service_names.get(t.service, t.service) if t else None,
            })
        queues: dict[str, dict] = {}
        for t in self.hall.waiting():
            q = queues.setdefault(t.service, {"service": t.service,
                                              "name": self.service_names.get(t.service, t.service),
                                              "waiting": 0, "oldest_wait_min": 0, "norm_min": None,
                                              "over_norm": 0, "tickets": []})
            waited = now - t.queued_at
            limit = self.limits.get(t.id)
            q["waiting"] += 1
            q["oldest_wait_min"] = max(q["oldest_wait_min"], int(waited // 60))
            q["norm_min"] = _minutes(limit) if limit else q["norm_min"]
            q["over_norm"] += bool(limit) and waited > limit
            q["tickets"].append({"code": t.code, "wait_min": int(waited // 60),
                                 "over_norm": bool(limit) and waited > limit})
        return {"office": self.row(meta, now), "windows": windows,
                "queues": sorted(queues.values(), key=lambda q: q["name"])}


class Dashboard:
    """Every office's live figures, kept up to date by one background thread."""

    def __init__(self, store: CentralStore, interval: float = 0.5, refresh: float = 15.0):
        self.db = DashboardStore(store)
        self.interval, self.refresh = interval, refresh
        self.offices: dict[str, OfficeLive] = {}
        self.meta: dict[str, dict] = {}
        self.rows: dict[str, tuple[int, dict]] = {}    # office → (version, row)
        self.halls: dict[str, tuple[int, dict]] = {}   # office → (version, hall)
        self.version = int(time.time() * 1000)        # larger than any version of an earlier process
        self.changed = threading.Condition()
        self.ready = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_refresh = 0.0
        self.thread = threading.Thread(target=self._run, name="central-dashboard", daemon=True)

    def start(self) -> Dashboard:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def poke(self) -> None:
        """New events were stored: look now instead of at the next poll."""
        self._wake.set()

    # ------------------------------------------------------------------ reading (any thread)

    def snapshot(self) -> tuple[int, list[dict]]:
        with self.changed:
            return self.version, [r for _, r in self.rows.values()]

    def since(self, version: int) -> tuple[int, list[tuple[int, dict]], list[tuple[int, dict]]]:
        """The rows and halls changed after ``version``: (current version, rows, halls)."""
        with self.changed:
            rows = sorted((v, r) for v, r in self.rows.values() if v > version)
            halls = sorted(((v, h) for v, h in self.halls.values() if v > version), key=lambda x: x[0])
            return self.version, rows, halls

    def hall(self, office: str) -> dict | None:
        with self.changed:
            h = self.halls.get(office)
            return h[1] if h else None

    def wait(self, version: int, timeout: float) -> int:
        """Block until something changes after ``version`` (or ``timeout``); answer the version."""
        with self.changed:
            if self.version <= version:
                self.changed.wait(timeout)
            return self.version

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        backoff = self.interval
        while not self._stop.is_set():
            try:
                self.sync()
                self.ready.set()
                backoff = self.interval
            except Exception:
                log.warning("dashboard: the centre's database could not be read; retrying", exc_info=True)
                backoff = min(backoff * 2, 10.0)
            self._wake.wait(backoff)
            self._wake.clear()

    def sync(self) -> None:
        """One pass: new offices loaded, new events applied, changed rows published."""
        now = time.time()
        refresh = now - self._last_refresh >= self.refresh
        if refresh:
            self._last_refresh = now
        touched = set()
        configs = self.db.configs() if refresh else None
        for meta in self.db.offices():
            office = meta["id"]
            hwm = int(meta["high_water_mark"] or 0)
            epoch = int(meta.get("epoch") or 1)
            old_meta = self.meta.get(office)
            self.meta[office] = meta
            live = self.offices.get(office)
            if live is None or live.epoch != epoch:  # new, or its log was replaced: replayed afresh
                live = self.offices[office] = self._load(office, hwm, epoch)
                touched.add(office)
                if configs is None:
                    configs = self.db.configs()
            while live.seq < hwm:
                events = self.db.events_after(office, live.seq, hwm, epoch)
                if not events:
                    break
                for e in events:
                    live.apply(e)
                touched.add(office)
            if old_meta is None or any(old_meta.get(k) != meta.get(k) for k in ("name", "region", "tz")):
                touched.add(office)
            if configs is not None and live.configure(configs.get(office)):
                touched.add(office)
        for office in (self.offices if refresh else touched):
            self._publish(office)

    def _load(self, office: str, hwm: int, epoch: int = 1) -> OfficeLive:
        """The office's current day replayed, with its devices' and incidents' state before it."""
        live = OfficeLive(office, epoch)
        day = self.db.last_day(office, hwm, epoch)
        events = self.db.day_events(office, day, hwm, epoch) if day else []
        first = events[0]["seq"] if events else hwm + 1
        since = (date.fromisoformat(day) - timedelta(days=14)).isoformat() if day else None
        for e in (self.db.device_events(office, since, first, epoch) if since else []):
            live.apply({**e, "day": None})
        live.day = None
        for e in events:
            live.apply(e)
        live.seq = hwm
        log.info("dashboard: office %s loaded (day %s, %d events)", office, day, len(events))
        return live

    def _publish(self, office: str) -> None:
        live, meta = self.offices[office], self.meta[office]
        now = live.now()
        row = live.row(meta, now)
        hall = live.hall_view(meta, now)
        with self.changed:
            old = self.rows.get(office)
            old_hall = self.halls.get(office)
            if old is not None and _same(old[1], row) and old_hall is not None and _same(old_hall[1], hall):
                return
            self.version += 1
            self.rows[office] = (self.version, {**row, "version": self.version})
            self.halls[office] = (self.version, {**hall, "version": self.version})
            self.changed.notify_all()


def _same(a: dict, b: dict) -> bool:
    """Equal apart from the version (and the link times, which alone do not make a change worth sending)."""
    def strip(d: dict) -> str:
        x = {k: v for k, v in d.items() if k != "version"}
        if "office" in x:
            x["office"] = {k: v for k, v in x["office"].items() if k != "version"}
        return json.dumps(x, sort_keys=True, default=str)
    return strip(a) == strip(b)
