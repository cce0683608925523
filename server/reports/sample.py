"""A generated office day (and a bulk-written year), for the reports' tests, the benchmark and
the screenshots.

It drives the real :class:`server.hub.Hub` (so the real core, the real event log and the real
projection) with a clock of its own, second by second of simulated time: visitors arrive by a
daily curve, windows open with their operators, call, start, take the digital-services phase,
finish, and sometimes transfer, escalate, postpone, miss the call, leave the queue, get settled
by the hall administrator; operators go to lunch and on technical breaks; some visitors rate the
visit (through ``Hub.record`` as the visitor page does). The day ends with tickets still waiting
and in service and a pause left open, and the next day's first action expires them.

:func:`fill_year` instead writes a whole year of rows straight into the tables (no event log of
tickets), for the yearly pack's benchmark and screenshot.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain import rating
from ..domain.model import QueueError, TicketState, WindowState
from ..hub import Hub

log = logging.getLogger(__name__)

#: Mean service minutes per kind of service (a little around the norms, some over).
SERVICE_MINUTES = {"consultation": 7.0, "cash": 3.5, "consultation_cash": 12.0, "reregistration": 10.0,
                   "instalment": 18.0, "certificate": 12.0, "contract": 8.0}
#: How often each kind of service is asked for (relative).
MIX = {"consultation": 4.0, "cash": 3.0, "consultation_cash": 1.5}
#: Share of the day's visitors arriving in each hour from opening (a morning and an afternoon peak).
CURVE = (0.6, 1.0, 1.3, 1.2, 0.8, 0.7, 1.0, 1.2, 1.1, 0.9, 0.7, 0.5)
COMMENTS = ("Спасибо, всё объяснили понятно", "Долго ждал в очереди", "Вежливый специалист",
            "Не хватает мест в зале", "Быстро и удобно", "")


class SimClock:
    """A clock the generator sets; ``offset`` is there for code that expects :class:`server.hub.Clock`."""

    def __init__(self, t: float):
        self.t = t
        self.offset = 0.0

    def now(self) -> float:
        return self.t


@dataclass
class DayPlan:
    day: date
    visitors: int = 300
    opens: time = time(9, 0)
    closes: time = time(13, 0)
    tz: str = "Europe/Moscow"
    #: window id → operator login
    staff: dict[int, str] = field(default_factory=dict)
    p_no_show: float = 0.05
    p_leave: float = 0.03
    p_resolve: float = 0.02
    p_redirect: float = 0.01
    p_transfer: float = 0.05
    p_escalate: float = 0.03
    p_postpone: float = 0.02
    p_digital: float = 0.3
    p_rating: float = 0.3
    lunch: bool = True
    #: minutes after closing during which the windows still serve the visitors already in the hall
    overtime: float = 45.0
    seed: int = 7
    roll_next_day: bool = True


def _at(day: date, t: time, tz: str) -> float:
    return datetime.combine(day, t, ZoneInfo(tz)).timestamp()


class DayGenerator:
    def __init__(self, hub: Hub, office: str, plan: DayPlan):
        if not isinstance(hub.clock, SimClock):
            raise TypeError("the generator needs a Hub built with a SimClock")
        self.hub, self.office, self.plan = hub, office, plan
        self.rng = random.Random(plan.seed)
        self.queue: list = []
        self.seq = itertools.count()
        self.start = _at(plan.day, plan.opens, plan.tz)
        self.end = _at(plan.day, plan.closes, plan.tz)
        self.cutoff = self.end + plan.overtime * 60  # service stops here; what is left is left
        #: window → breaks it will take when free: (due, reason, seconds or None: not ended this day)
        self.breaks: dict[int, list[tuple[float, str, float | None]]] = {}
        self.commands = 0

    # ------------------------------------------------------------------ plumbing

    def at(self, when: float, action, *args) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), action, args))

    def run(self, fn):
        """Run a core command on the hub at the clock's time; a refusal is returned, not raised."""
        self.commands += 1
        try:
            return self.hub.execute(self.office, fn)
        except QueueError as exc:
            return exc

    def hall(self):
        return self.hub.hall(self.office)

    # ------------------------------------------------------------------ the day

    def generate(self) -> dict:
        p = self.plan
        hall = self.hall()
        services = [s for s in hall.services.values() if s.active]
        weights = [1.0 if s.client_type == "business" else MIX.get(s.kind, 0.7) for s in services]
        for i, (wid, login) in enumerate(sorted(p.staff.items())):
            self.at(self.start - 300 + 20 * i, self.open_window, wid, login)
            if p.lunch:
                due = self.start + (self.end - self.start) * (0.3 + 0.4 * i / max(1, len(p.staff)))
                self.breaks.setdefault(wid, []).append((due, "lunch", self.rng.uniform(25, 35) * 60))
        hours = (self.end - self.start) / 3600.0
        curve = [CURVE[min(int(h), len(CURVE) - 1)] for h in range(math.ceil(hours))]
        for _ in range(p.visitors):
            h = self.rng.choices(range(len(curve)), weights=curve)[0]
            when = self.start + (h + self.rng.random()) * 3600.0
            if when < self.end - 60:
                self.at(when, self.arrive, self.rng.choices(services, weights=weights)[0].id)
        staff = sorted(p.staff)
        if len(staff) > 1:
            self.breaks.setdefault(staff[1], []).append((self.start + (self.end - self.start) * 0.7, "technical", 600))
        if staff:  # one operator goes on a break before closing and forgets to come back
            self.breaks.setdefault(staff[0], []).append((self.end - 20 * 60, "other", None))
        for wid in self.breaks:
            self.breaks[wid].sort()
        while self.queue:
            when, _, action, args = heapq.heappop(self.queue)
            if when > self.cutoff:
                break
            self.hub.clock.t = max(self.hub.clock.t, when)
            action(*args)
        self.finish_day()
        return {"commands": self.commands, "tickets": len(self.hall().tickets)}

    def finish_day(self) -> None:
        p = self.plan
        self.hub.clock.t = self.cutoff
        if p.roll_next_day:
            nxt = _at(p.day + timedelta(days=1), time(7, 0), p.tz)
            self.hub.clock.t = nxt
            self.run(lambda h, now: h.roll_day(now))

    # ------------------------------------------------------------------ visitors

    def arrive(self, service: str) -> None:
        t = self.run(lambda h, now: h.issue(service, now, source="kiosk"))
        if isinstance(t, QueueError):
            return
        now = self.hub.clock.t
        r = self.rng.random()
        p = self.plan
        if r < p.p_leave:
            self.at(now + self.rng.uniform(5, 40) * 60, self.leave, t.id)
        elif r < p.p_leave + p.p_resolve:
            self.at(now + self.rng.uniform(1, 4) * 60, self.resolve, t.id)
        elif r < p.p_leave + p.p_resolve + p.p_redirect:
            self.at(now + self.rng.uniform(1, 3) * 60, self.redirect, t.id)
        self.dispatch()

    def leave(self, ticket: int) -> None:
        t = self.hall().tickets.get(ticket)
        if t is not None and t.state is TicketState.WAITING:
            self.run(lambda h, now: h.cancel(ticket, now, reason="ушёл"))

    def resolve(self, ticket: int) -> None:
        t = self.hall().tickets.get(ticket)
        if t is not None and t.state is TicketState.WAITING:
            self.run(lambda h, now: h.resolve(ticket, now))

    def redirect(self, ticket: int) -> None:
        hall = self.hall()
        t = hall.tickets.get(ticket)
        if t is None or t.state is not TicketState.WAITING:
            return
        target = self.other_service(t.service)
        if target:
            self.run(lambda h, now: h.transfer(ticket, now, service=target))
            self.dispatch()

    def other_service(self, current: str) -> str | None:
        hall = self.hall()
        open_services = {sid for w in hall.windows.values() if w.state is WindowState.OPEN for sid in w.services}
        choices = sorted(s for s in open_services if s != current and hall.services[s].active)
        return self.rng.choice(choices) if choices else None

    # ------------------------------------------------------------------ windows

    def open_window(self, wid: int, login: str) -> None:
        self.run(lambda h, now: h.open_window(wid, now, operator=login))
        self.dispatch()
        for due, _, _ in self.breaks.get(wid, []):
            self.at(due, self.dispatch)  # an idle window takes its break on time

    def dispatch(self) -> None:
        """Every open, free window calls its next visitor."""
        hall = self.hall()
        for w in sorted(hall.windows.values(), key=lambda w: w.number):
            if w.state is not WindowState.OPEN or w.ticket is not None:
                continue
            now = self.hub.clock.t
            due = self.breaks.get(w.id)
            if due and now >= due[0][0]:
                _, reason, seconds = due[0]
                res = self.run(lambda h, n, wid=w.id, r=reason: h.pause_window(wid, r, n))
                if not isinstance(res, QueueError):  # refused: nobody else serves those waiting
                    due.pop(0)
                    if seconds is not None:
                        self.at(now + seconds, self.reopen, w.id)
                    continue
            t = self.run(lambda h, n, wid=w.id: h.call_next(wid, n))
            if t is None or isinstance(t, QueueError):
                continue
            if self.rng.random() < self.plan.p_no_show:
                self.at(now + 60, self.recall, t.id)
            else:
                self.at(now + self.rng.uniform(10, 70), self.begin, t.id)

    def recall(self, ticket: int) -> None:
        self.run(lambda h, now: h.recall(ticket, now))
        if self.rng.random() < 0.3:  # came after the second call
            self.at(self.hub.clock.t + self.rng.uniform(10, 40), self.begin, ticket)
        else:
            self.at(self.hub.clock.t + 90, self.miss, ticket)

    def miss(self, ticket: int) -> None:
        self.run(lambda h, now: h.no_show(ticket, now))
        self.dispatch()

    def begin(self, ticket: int) -> None:
        t = self.hall().tickets.get(ticket)
        if t is not None and len(t.segments) < 3 and self.rng.random() < self.plan.p_postpone:
            # came to the window, but a document is missing: back to the queue before the start
            if not isinstance(self.run(lambda h, now: h.postpone(ticket, now)), QueueError):
                self.dispatch()
                return
        res = self.run(lambda h, now: h.start(ticket, now))
        if isinstance(res, QueueError):
            return
        hall = self.hall()
        t = hall.tickets[ticket]
        kind = hall.services[t.service].kind
        mean = SERVICE_MINUTES.get(kind, 7.0) * (1.3 if t.target_level != "specialist" else 1.0)
        minutes = self.rng.lognormvariate(math.log(mean) - 0.08, 0.4)
        now = self.hub.clock.t
        if self.rng.random() < self.plan.p_digital:
            self.at(now + minutes * 60 * 0.6, self.phase, ticket, "digital")
        self.at(now + minutes * 60, self.end_service, ticket)

    def phase(self, ticket: int, phase: str) -> None:
        t = self.hall().tickets.get(ticket)
        if t is not None and t.state is TicketState.SERVING:
            self.run(lambda h, now: h.set_phase(ticket, phase, now))

    def end_service(self, ticket: int) -> None:
        hall = self.hall()
        t = hall.tickets.get(ticket)
        if t is None or t.state is not TicketState.SERVING:
            return
        p = self.plan
        r = self.rng.random()
        done = None
        if r < p.p_transfer and len(t.segments) < 3:
            target = self.other_service(t.service)
            if target:
                done = self.run(lambda h, now: h.transfer(ticket, now, service=target))
        elif r < p.p_transfer + p.p_escalate and hall.profile.escalation and t.target_level == "specialist":
            done = self.run(lambda h, now: h.escalate(ticket, now))
        elif r < p.p_transfer + p.p_escalate + p.p_postpone and len(t.segments) < 3:
            done = self.run(lambda h, now: h.postpone(ticket, now))
        if done is None or isinstance(done, QueueError):
            self.run(lambda h, now: h.finish(ticket, now))
            if self.rng.random() < p.p_rating:
                self.rate(ticket)
        self.dispatch()

    def rate(self, ticket: int) -> None:
        hub = self.hub
        with hub.lock(self.office):
            t = hub.hall(self.office).tickets[ticket]
            score = self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 5, 9))[0]
            comment = self.rng.choice(COMMENTS) if self.rng.random() < 0.3 else ""
            row = rating.rating_row(t, score, comment, hub.clock.t)

            def write(conn):
                cols = ", ".join(f'"{c}"' for c in row)
                conn.execute(f"INSERT INTO ratings ({cols}) VALUES ({', '.join('?' for _ in row)})",
                             tuple(row.values()))

            hub.record(self.office, "rating.given",
                       {"ticket": t.id, "score": score, "service": row["service"], "window": row["window"],
                        "operator": row["operator"], "commented": bool(comment)}, write=write)

    def reopen(self, wid: int) -> None:
        w = self.hall().windows[wid]
        if w.state is WindowState.PAUSED:
            self.run(lambda h, now: h.open_window(wid, now, operator=w.operator))
        self.dispatch()


def generate_day(hub: Hub, office: str, plan: DayPlan) -> dict:
    """Drive one office day through ``hub`` (built with a :class:`SimClock`)."""
    return DayGenerator(hub, office, plan).generate()


def sample_office(profile: str = "rosatom-2026", overrides: dict | None = None, opens: str = "09:00",
                  closes: str = "13:00", levels: dict[int, str] | None = None,
                  extra_windows: int = 0) -> dict:
    """The demo office's definition with another norm profile, reception hours every day, window
    levels (``{3: "senior"}``) and, for big days, more windows like the first six."""
    from ..demo import demo_definition
    from ..domain.schedule import WEEKDAYS

    d = demo_definition()
    d["office"]["profile"] = profile
    d["office"]["profile_overrides"] = overrides or {}
    d["office"]["schedule"] = {"tz": "Europe/Moscow", "holidays": [],
                               "week": {day: {"open": opens, "close": closes} for day in WEEKDAYS}}
    for w in d["windows"]:
        w["level"] = (levels or {}).get(w["number"], "specialist")
    base = list(d["windows"])
    for i in range(extra_windows):
        like = base[i % len(base)]
        d["windows"].append({**like, "number": 7 + i, "services": dict(like["services"])})
    return d


def build_office_day(path, definition: dict, plans: DayPlan | list[DayPlan], synchronous: str = "OFF") -> dict:
    """A fresh hub database at ``path`` with ``definition`` imported and each plan's day generated
    in turn. A plan without ``staff`` staffs every window (the demo's op1..op6, then op7…)."""
    from ..store import Store
    from ..store.config import import_office, save_user

    plans = [plans] if isinstance(plans, DayPlan) else list(plans)
    store = Store(path, synchronous=synchronous)
    import_office(store, definition)
    office = definition["office"]["id"]
    windows = {r["number"]: r["id"] for r in store.query("SELECT id, number FROM windows WHERE office = ?", (office,))}
    known = {r["login"] for r in store.query("SELECT login FROM users")}
    with store.write() as conn:
        for n in windows:
            if f"op{n}" not in known:
                save_user(conn, {"login": f"op{n}", "name": f"Оператор {n}", "password": f"op{n}-demo",
                                 "roles": ["operator"], "office": office})
    hub = Hub(store, SimClock(_at(plans[0].day, plans[0].opens, plans[0].tz) - 3600))
    result = {"days": [], "windows": windows}
    for plan in plans:
        if not plan.staff:
            plan.staff = {wid: f"op{n}" for n, wid in windows.items()}
        result["days"].append(generate_day(hub, office, plan))
    store.close()
    return result


# ---------------------------------------------------------------------- a year, written straight into the file

def working_days(year: int) -> list[date]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        if d.weekday() < 5 and not (d.month == 1 and d.day <= 8):  # the New Year holidays
            out.append(d)
        d += timedelta(days=1)
    return out


def fill_year(path, office: str, year: int, tickets: int, seed: int = 1, tz: str = "Europe/Moscow") -> dict:
    """Bulk-insert a year of ``tickets`` visits into the office's tables (for the benchmark and the
    yearly screenshot): tickets and segments with transfers, no-shows, cancellations and tickets
    left at the day's end; the windows' opening, lunch and closing events; ratings. Rows only —
    the event log has no ticket events, so only the projection-based reports read them."""
    import json as _json

    from ..store import Store

    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    store = Store(path, synchronous="OFF")
    services = [(r["id"], r["letter"], r["kind"], r["client_type"]) for r in
                store.query("SELECT id, letter, kind, client_type FROM services WHERE office = ? ORDER BY ord",
                            (office,))]
    weights = [1.0 if ct == "business" else MIX.get(kind, 0.7) for _, _, kind, ct in services]
    windows = [r["id"] for r in store.query("SELECT id FROM windows WHERE office = ? ORDER BY number", (office,))]
    cash = next((sid for sid, _, kind, _ in services if kind == "cash"), services[0][0])
    days = working_days(year)
    per_day, extra = divmod(tickets, len(days))
    first_id = (store.one("SELECT max(id) AS m FROM tickets") or {}).get("m") or 0
    conn = store.conn
    conn.execute("BEGIN")
    tid = first_id
    n = {"segments": 0, "events": 0, "ratings": 0}
    rows: dict[str, list] = {"t": [], "s": [], "e": [], "r": []}

    def flush():
        conn.executemany(
            "INSERT INTO tickets (id, office, day, service, letter, number, code, token, state, source, client_type, "
            "individual, priority, issued_at, queued_at, called_at, started_at, ended_at, window, operator, recalls, "
            "outcome, estimate_low, estimate_high, first_service) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'kiosk', 'any', "
            "0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)", rows["t"])
        conn.executemany(
            "INSERT INTO segments (ticket, idx, office, day, service, queued_at, called_at, started_at, ended_at, "
            "window, operator, outcome, recalls, phases, level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', "
            "'specialist')", rows["s"])
        conn.executemany("INSERT INTO events (office, day, type, at, data, view) VALUES (?, ?, ?, ?, ?, '{}')",
                         rows["e"])
        conn.executemany("INSERT INTO ratings (ticket, office, day, score, comment, service, window, operator, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["r"])
        for v in rows.values():
            v.clear()

    for i, d in enumerate(days):
        iso = d.isoformat()
        opens = datetime.combine(d, time(8, 0), zone).timestamp()
        # busier in winter (the heating season's bills), quieter in summer
        season = 1.0 + 0.15 * math.cos((d.month - 1) / 12 * 2 * math.pi)
        for j, w in enumerate(windows):
            op = f"op{j + 1}"
            lunch = opens + 4 * 3600 + 600 * (j % 6)
            rows["e"] += [(office, iso, "window.opened", opens, _json.dumps({"window": w, "operator": op})),
                          (office, iso, "window.paused", lunch, _json.dumps({"window": w, "reason": "lunch"})),
                          (office, iso, "window.opened", lunch + rng.uniform(25, 40) * 60,
                           _json.dumps({"window": w, "operator": op})),
                          (office, iso, "window.closed", opens + 12 * 3600,
                           _json.dumps({"window": w, "reason": "closed"}))]
            n["events"] += 4
        numbers: dict[str, int] = {}
        for _ in range(per_day + (1 if i < extra else 0)):
            tid += 1
            sid, letter, kind, _ = rng.choices(services, weights=weights)[0]
            numbers[letter] = numbers.get(letter, 0) + 1
            issued = opens + rng.uniform(0, 12 * 3600 - 900)
            w = rng.choice(windows)
            op = f"op{windows.index(w) + 1}"
            r = rng.random()
            wait = rng.expovariate(1 / (330 * season))
            called = issued + wait
            segs = []
            if r < 0.03:  # left the queue
                segs.append((sid, issued, None, None, called, None, None, "cancelled", 0))
                state, outcome, end = "cancelled", "cancelled", called
            elif r < 0.07:  # missed the call
                segs.append((sid, issued, called, None, called + 180, w, op, "no_show", 2))
                state, outcome, end = "no_show", "no_show", called + 180
            elif r < 0.075:  # still waiting when the day ended
                segs.append((sid, issued, None, None, None, None, None, None, 0))
                state, outcome, end = "waiting", None, None
            else:
                service = rng.lognormvariate(0, 0.4) * SERVICE_MINUTES.get(kind, 7.0) * 60
                started = called + rng.uniform(10, 60)
                end = started + service
                if r < 0.15:  # a consultation, then the cash desk
                    segs.append((sid, issued, called, started, end, w, op, "transferred", 0))
                    c2 = end + rng.expovariate(1 / 180)
                    e2 = c2 + 20 + rng.lognormvariate(0, 0.4) * 210
                    segs.append((cash, end, c2, c2 + 20, e2, w, op, "finished", 0))
                    sid, end = cash, e2
                else:
                    segs.append((sid, issued, called, started, end, w, op, "finished", 0))
                state, outcome = "finished", "finished"
                if rng.random() < 0.1:
                    score = rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 5, 9))[0]
                    comment = rng.choice(COMMENTS) if rng.random() < 0.2 else ""
                    rows["r"].append((tid, office, iso, score, comment, sid, w, op, end + 60))
                    n["ratings"] += 1
            last = segs[-1]
            rows["t"].append((tid, office, iso, sid, letter, numbers[letter], f"{letter}-{numbers[letter]:03d}",
                              f"y{year}-{tid}", state, issued, last[1], last[2], last[3], end, last[5], last[6],
                              last[8], outcome, segs[0][0]))
            for idx, s in enumerate(segs):
                rows["s"].append((tid, idx, office, iso, *s))
                n["segments"] += 1
        if len(rows["t"]) > 50_000:
            flush()
    flush()
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    store.close()
    return {"tickets": tid - first_id, "days": len(days), **n}
