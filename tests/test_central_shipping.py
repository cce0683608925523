"""Offline-first shipping from a real office hub process to a real centre process on a real
PostgreSQL: the centre down for the office's whole day, a link cut, delayed and reset mid-batch
(a TCP proxy of our own), kill -9 of the centre and of the hub mid-shipping, PostgreSQL restarted
under load, a hub clock five minutes off - each time the centre ends with exactly the office's
log (0 lost, 0 duplicated, seqs contiguous), and the office never waits for the centre."""
from __future__ import annotations

import random
import threading
import time
from datetime import date

import pytest
from pg_support import (
    CentralProcess,
    FaultyLink,
    OfficeHub,
    fresh_database,
    shipped_log,
    start_cluster,
    stop_cluster,
    wait_until,
)

from server.central.store import CentralStore
from server.store import Store

OFFICE = "demo"


@pytest.fixture(scope="module")
def cluster(pg_cluster):
    return pg_cluster


@pytest.fixture
def centre_db(cluster):
    url = fresh_database(cluster)
    store = CentralStore(url)
    store.migrate()
    yield url, store
    store.close()


def pair(store: CentralStore) -> str:
    return store.pair(store.issue_pairing_code(OFFICE, "Демо-офис"))["key"]


def hub_log(db) -> list[dict]:
    return shipped_log(db, OFFICE)


def centre_log(store: CentralStore) -> list[dict]:
    return [{k: e[k] for k in ("seq", "type", "at", "day", "data", "view")} for e in store.events(OFFICE)]


def assert_exactly_the_office_log(store: CentralStore, db) -> int:
    """The centre holds exactly the office's log: 0 lost, 0 duplicated, seqs contiguous."""
    office, centre = hub_log(db), centre_log(store)
    seqs = [e["seq"] for e in centre]
    assert seqs == list(range(1, len(seqs) + 1)), "seqs at the centre are not contiguous from 1"
    assert len(centre) == len(office), f"centre {len(centre)} events, office {len(office)}"
    assert centre == office
    assert store.event_count(OFFICE) == len(office)  # the primary key holds no second copy
    assert store.high_water_mark(OFFICE) == len(office)
    return len(office)


def caught_up(store: CentralStore, db, timeout: float = 90.0) -> None:
    target = hub_log(db)[-1]["seq"]
    wait_until(lambda: store.high_water_mark(OFFICE) >= target, timeout=timeout,
               what=f"the centre to hold the office's log up to {target}")


class Work:
    """An office at work through the hub's API: windows open, tickets issued, called, served;
    the hub's testing clock moves on between steps."""

    def __init__(self, hub: OfficeHub, seed: int = 1):
        self.c = hub.client("admin")
        self.rng = random.Random(seed)
        self.windows = [w["id"] for w in self.c.state(OFFICE)["windows"]][:3]
        self.timings: list[float] = []

    def morning(self) -> None:
        """Move the hub's clock to the office's next 08:00 (Moscow), so the day's work never
        crosses the office's midnight whatever the hour the test runs at."""
        from datetime import datetime, timedelta
        from zoneinfo import ZoneInfo

        now = datetime.now(ZoneInfo("Europe/Moscow"))
        target = (now + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        self.c.post("/api/v1/testing/clock", {"offset": target.timestamp() - now.timestamp()})

    def advance(self, seconds: float) -> None:
        self.c.post("/api/v1/testing/clock", {"advance": seconds})

    def open_windows(self) -> None:
        for w in self.windows:
            state = self.c.window(w)
            if state.get("state") != "open":
                self.c.window(w, "open")

    def timed(self, fn, *args, **kw):
        t = time.perf_counter()
        out = fn(*args, **kw)
        self.timings.append(time.perf_counter() - t)
        return out

    def issue(self, service: str) -> dict:
        """Issue a ticket; the demo office is closed one minute a day (23:59-00:00), which the
        moving test clock may reach: then step past it."""
        from hub_client import HubError

        try:
            return self.timed(self.c.issue, OFFICE, service, source="kiosk")
        except HubError as exc:
            if exc.code != "office_closed":
                raise
            self.advance(120)
            return self.timed(self.c.issue, OFFICE, service, source="kiosk")

    def round(self, issue: int = 4) -> None:
        for _ in range(issue):
            self.issue(self.rng.choice(["consult", "cash"]))
            self.advance(self.rng.uniform(10, 60))
        from hub_client import HubError

        for w in self.windows:
            try:
                t = self.timed(self.c.call_next, w)
                if t:
                    self.advance(self.rng.uniform(5, 30))
                    self.timed(self.c.act, t["id"], "start")
                    self.advance(self.rng.uniform(60, 400))
                    self.timed(self.c.act, t["id"], "finish")
            except HubError as exc:
                # the moving clock passed the office's midnight: the day ended, windows closed and
                # open tickets expired (the hub's rules); the office opens its windows again
                if exc.code not in ("window_not_open", "bad_state", "office_closed"):
                    raise
                self.advance(120)
                self.open_windows()

    def day(self, rounds: int) -> None:
        self.open_windows()
        for _ in range(rounds):
            self.round()


def link_of(hub: OfficeHub) -> dict:
    return hub.link(hub.client("hall"))


# ---------------------------------------------------------------------- the centre down all day

def test_centre_down_for_the_whole_day_then_back(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path, project_every=0.3)  # its port is known, nothing listens yet
    hub = OfficeHub(tmp_path / "office.sqlite", centre.url, key).start()
    try:
        work = Work(hub)
        work.morning()
        work.day(rounds=12)
        first_day = work.c.state(OFFICE)["day"]
        # the office worked at full speed with no centre: no request waited for it
        assert max(work.timings) < 4.0, max(work.timings)
        link = wait_until(lambda: (lambda s: s if s["state"] == "offline" else None)(link_of(hub)), timeout=30,
                          what="the link shown as down")
        waiting = len(hub_log(hub.db))
        assert link["waiting"] == waiting and waiting > 100
        assert link["line"].startswith("Нет связи с центром с ")
        assert f"ожидают отправки {waiting} " in link["line"]
        # the next office day begins (yesterday's leftovers expire), still without the centre
        work.advance(86400)
        work.issue("consult")
        assert store.event_count(OFFICE) == 0

        centre.start()
        caught_up(store, hub.db)
        n = assert_exactly_the_office_log(store, hub.db)
        link = wait_until(lambda: (lambda s: s if s["state"] == "ok" and s["waiting"] == 0 else None)(link_of(hub)),
                          timeout=30, what="the link shown as caught up")
        assert link["line"].startswith("Отправлено в центр до ") and link["line"].endswith("все события отправлены")
        assert link["sent_seq"] == n

        # the day's figures at the centre equal the office's own, number for number
        store.rebuild_day(OFFICE, first_day)
        assert_same_daily_report(store, hub.db, first_day)
    finally:
        hub.stop()
        centre.stop()


def assert_same_daily_report(store: CentralStore, db, day: str) -> None:
    """The office's daily report from its own hub equals the same report code run on the
    centre's projections (the office's configuration is read from the office: it reaches the
    centre with the configuration flow, later)."""
    from server.reports import build, source
    from server.reports.figures import daily_figures

    office_store = Store(db)
    try:
        now = time.time() + 10 * 86400
        own = build.daily(office_store, OFFICE, date.fromisoformat(day), now)
        ctx = source.context(office_store, OFFICE, date.fromisoformat(day), now)
    finally:
        office_store.close()
    rows = store.report_rows(OFFICE, day)
    central = daily_figures(ctx, rows["segments"], rows["tickets"], rows["window_events"], [])
    own.pop("generated_at", None), own.pop("title", None)
    own.pop("ratings", None), central.pop("ratings", None)
    assert own["total"]["segments"] > 20
    assert central == own


# ---------------------------------------------------------------------- a faulty link

def test_link_cut_delayed_and_reset_mid_batch(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path).start()
    link = FaultyLink(centre.port)
    hub = OfficeHub(tmp_path / "office.sqlite", link.url, key, batch=20, retry_max=0.5).start()
    try:
        work = Work(hub, seed=2)
        work.open_windows()
        link.delay = 0.02
        for mode in ("reset", "delay", "drop_reply", "refuse", "reset", "drop_reply"):
            link.mode = mode
            before = link.faults.get(mode, 0)
            work.round(issue=4)
            wait_until(lambda mode=mode, before=before: link.faults.get(mode, 0) > before, timeout=30,
                       what=f"a {mode} fault")
            if mode == "delay":
                caught_up(store, hub.db)  # slow, but it goes through
        assert max(work.timings) < 4.0  # the office did not wait for the link
        link.mode = "pass"
        caught_up(store, hub.db)
        assert_exactly_the_office_log(store, hub.db)
        # the answers lost on the way made the hub send batches the centre already had: stored once
        assert link.faults["drop_reply"] >= 2 and link.faults["reset"] >= 2
    finally:
        hub.stop()
        link.close()
        centre.stop()


# ---------------------------------------------------------------------- kill -9

def test_kill_9_of_the_centre_mid_batch(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path)
    link = FaultyLink(centre.port)
    link.mode, link.delay = "delay", 0.05  # slow batches, so that the kills land mid-shipping
    hub = OfficeHub(tmp_path / "office.sqlite", link.url, key, batch=10, retry_max=0.5).start()
    try:
        work = Work(hub, seed=3)
        work.day(rounds=10)
        total = len(hub_log(hub.db))
        kills = 0
        for _ in range(3):
            centre.start()
            start = store.high_water_mark(OFFICE)
            wait_until(lambda start=start: store.high_water_mark(OFFICE) > start, timeout=30, what="shipping to start")
            if store.high_water_mark(OFFICE) >= total:
                break
            centre.kill()
            kills += 1
            work.round(issue=3)  # the office goes on meanwhile
            total = len(hub_log(hub.db))
        assert kills >= 2
        centre.start()
        link.mode = "pass"
        caught_up(store, hub.db)
        assert_exactly_the_office_log(store, hub.db)
    finally:
        hub.stop()
        link.close()
        centre.stop()


def test_kill_9_of_the_hub_mid_shipping(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path).start()
    link = FaultyLink(centre.port)
    link.mode = "refuse"
    db = tmp_path / "office.sqlite"
    hub = OfficeHub(db, link.url, key, batch=10, retry_max=0.5).start()
    try:
        work = Work(hub, seed=4)
        work.morning()  # the day's work never crosses the office's midnight, whatever the hour the test runs at
        work.day(rounds=10)
        total = len(hub_log(db))
        link.mode, link.delay = "delay", 0.05
        wait_until(lambda: store.high_water_mark(OFFICE) > 20, timeout=30, what="shipping to start")
        assert store.high_water_mark(OFFICE) < total
        hub.kill()
        mark = store.high_water_mark(OFFICE)
        hub = OfficeHub(db, link.url, key, batch=10, retry_max=0.5, port=hub.port).start()
        Work(hub, seed=5).round(issue=3)
        link.mode = "pass"
        caught_up(store, db)
        assert_exactly_the_office_log(store, db)
        assert store.high_water_mark(OFFICE) > mark
    finally:
        hub.stop()
        link.close()
        centre.stop()


# ---------------------------------------------------------------------- PostgreSQL restarted under load

def test_postgresql_restarted_under_load(tmp_path):
    cluster = start_cluster()  # its own: restarting it must not disturb the other tests
    try:
        url = fresh_database(cluster)
        store = CentralStore(url)
        store.migrate()
        key = pair(store)
        centre = CentralProcess(url, tmp_path).start()
        link = FaultyLink(centre.port)
        link.mode, link.delay = "delay", 0.02
        hub = OfficeHub(tmp_path / "office.sqlite", link.url, key, batch=10, retry_max=0.5).start()
        try:
            work = Work(hub, seed=6)
            stop = threading.Event()
            errors = []

            def keep_working():
                try:
                    while not stop.is_set():
                        work.round(issue=2)
                except Exception as exc:  # reported below
                    errors.append(exc)

            work.open_windows()
            worker = threading.Thread(target=keep_working)
            worker.start()
            wait_until(lambda: store.high_water_mark(OFFICE) > 10, timeout=30, what="shipping under load")
            for _ in range(2):
                cluster.restart("fast")
                time.sleep(0.5)
                cluster.restart("immediate")  # a crash-like stop: recovery on start
            time.sleep(1.0)
            stop.set()
            worker.join(60)
            assert not errors, errors
            link.mode = "pass"
            caught_up(store, hub.db)
            assert_exactly_the_office_log(store, hub.db)
            assert max(work.timings) < 4.0
        finally:
            hub.stop()
            link.close()
            centre.stop()
            store.close()
    finally:
        stop_cluster(cluster)


# ---------------------------------------------------------------------- a hub whose clock is off

def test_hub_clock_five_minutes_off(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path).start()
    hub = OfficeHub(tmp_path / "office.sqlite", centre.url, key).start()
    try:
        c = hub.client("admin")
        c.post("/api/v1/testing/clock", {"offset": 300})  # the hub's clock runs 5 minutes ahead
        t = c.issue(OFFICE, "consult")
        caught_up(store, hub.db)
        assert_exactly_the_office_log(store, hub.db)
        issued = [e for e in store.events(OFFICE) if e["type"] == "ticket.issued"][-1]
        assert issued["data"]["ticket"] == t["id"]
        assert issued["at"] == pytest.approx(time.time() + 300, abs=60)  # the office's time is kept as sent
        link = wait_until(lambda: (lambda s: s if s["state"] == "ok" and s["waiting"] == 0 else None)(link_of(hub)),
                          timeout=30, what="the link caught up")
        assert link["sent_at"] == pytest.approx(issued["at"])
    finally:
        hub.stop()
        centre.stop()


def test_a_hub_refused_by_the_centre_says_so_and_keeps_working(centre_db, tmp_path):
    url, store = centre_db
    key = pair(store)
    centre = CentralProcess(url, tmp_path).start()
    hub = OfficeHub(tmp_path / "office.sqlite", centre.url, key).start()
    try:
        c = hub.client("admin")
        c.issue(OFFICE, "consult")
        caught_up(store, hub.db)
        store.revoke_keys(OFFICE)
        c.issue(OFFICE, "cash")
        link = wait_until(lambda: (lambda s: s if s["state"] == "refused" else None)(link_of(hub)), timeout=30,
                          what="the refusal shown")
        assert link["line"].startswith("Центр не принимает события офиса: Ключ офиса не действует")
        assert "ожидают отправки 1 событие" in link["line"]
        c.issue(OFFICE, "cash")  # the office goes on
        assert link_of(hub)["waiting"] == 2
    finally:
        hub.stop()
        centre.stop()


def test_the_link_route_needs_a_hall_role_and_says_off_without_a_centre(tmp_path):
    from pg_support import copy_demo_database
    from support import HubProcess

    copy_demo_database(tmp_path / "plain.sqlite")
    hub = HubProcess(tmp_path / "plain.sqlite").start()
    try:
        body = hub.client("hall").get("/api/v1/offices/demo/central-link")
        assert body["state"] == "off" and body["line"] == "Отправка в центр не настроена"
        from hub_client import HubError
        with pytest.raises(HubError) as err:
            hub.client("op1").get("/api/v1/offices/demo/central-link")
        assert err.value.status == 403
    finally:
        hub.kill()
        hub.stop()
