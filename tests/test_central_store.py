"""The centre on a real PostgreSQL: migrations, pairing and keys, and the ingest rules over HTTP
against a real ``talon central serve`` process (duplicates, gaps, another office, replays,
malformed events, wrong and withdrawn keys: each a clear 4xx and nothing stored), and the
projections rebuilt from a real office day equal to the office's own."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
import requests
from pg_support import ROOT, CentralProcess, fresh_database, talon

from server.central.store import CentralStore

T0 = 1_795_000_000.0  # 2026-11-18, a Wednesday


@pytest.fixture(scope="module")
def cluster(pg_cluster):
    return pg_cluster


@pytest.fixture(scope="module")
def centre(cluster, tmp_path_factory):
    url = fresh_database(cluster)
    store = CentralStore(url)
    store.migrate()
    proc = CentralProcess(url, tmp_path_factory.mktemp("central"), project_every=0.3).start()
    yield proc, store
    proc.stop()
    store.close()



def ev(seq: int, kind: str = "device.status", at: float | None = None, day: str | None = "2026-11-18",
       **data) -> dict:
    return {"seq": seq, "type": kind, "at": at if at is not None else T0 + seq, "day": day,
            "data": data or {"n": seq}, "view": {}}


def batch(first: int, last: int, log: str = "log-A", **over) -> dict:
    return {"log": log, "after": first - 1, "events": [ev(s) for s in range(first, last + 1)], **over}


class Office:
    def __init__(self, centre, store, office: str):
        self.centre, self.store, self.office = centre, store, office
        self.key = store.pair(store.issue_pairing_code(office))["key"]

    def post(self, body, key: str | None = None, office: str | None = None, raw: bytes | None = None):
        url = f"{self.centre.url}/api/v1/central/offices/{office or self.office}/events"
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if raw is not None:
            return requests.post(url, data=raw, headers={**headers, "Content-Type": "application/json"}, timeout=10)
        return requests.post(url, json=body, headers=headers, timeout=10)

    def hwm(self) -> int:
        r = requests.get(f"{self.centre.url}/api/v1/central/offices/{self.office}/events/high-water-mark",
                         headers={"Authorization": f"Bearer {self.key}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["high_water_mark"]

    def stored(self) -> list[int]:
        return [e["seq"] for e in self.store.events(self.office)]


def refused(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["message"] and any("а" <= ch <= "я" for ch in body["message"].lower()), body
    if code:
        assert body["error"] == code, body
    return body


# ---------------------------------------------------------------------- schema

def test_init_creates_the_schema_and_a_second_run_changes_nothing(cluster):
    url = fresh_database(cluster)
    first = talon("central", "init", "--db", url)
    assert first.returncode == 0, first.stderr
    from server.central.migrations import MIGRATIONS  # every version, whoever appended one
    every = [v for v, _, _ in MIGRATIONS]
    assert f"версии {max(every)}" in first.stdout
    assert f"применены миграции: {', '.join(map(str, every))}" in first.stdout
    store = CentralStore(url)
    try:
        before = store.schema_snapshot()
        second = talon("central", "init", "--db", url)
        assert second.returncode == 0, second.stderr
        assert "изменений нет" in second.stdout
        assert store.schema_snapshot() == before
        assert store.migrate() == []
        versions = [r[0] for r in before if isinstance(r[0], int)]
        assert versions == sorted(every)
    finally:
        store.close()


def test_init_refuses_an_unreachable_database_clearly(cluster):
    r = subprocess.run([sys.executable, "-m", "server.cli", "central", "init", "--db",
                        f"postgresql://talon@127.0.0.1:{cluster.port}/no_such_db"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "База данных центра недоступна" in r.stderr and "no_such_db" in r.stderr


# ---------------------------------------------------------------------- pairing and keys

def test_pairing_code_is_exchanged_once_for_a_key(centre):
    proc, store = centre
    code = store.issue_pairing_code("pair-office", "Офис на Ленина")
    url = proc.url + "/api/v1/central/pair"
    r = requests.post(url, json={"code": code}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["office"] == "pair-office" and len(r.json()["key"]) >= 40
    refused(requests.post(url, json={"code": code}, timeout=10), 403, "pairing_refused")
    refused(requests.post(url, json={"code": "guess"}, timeout=10), 403, "pairing_refused")
    refused(requests.post(url, json={"nope": 1}, timeout=10), 400, "invalid")
    refused(requests.post(url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10), 400)
    assert store.office_of_key(r.json()["key"]) == "pair-office"


def test_pair_hub_and_join_commands(centre):
    proc, store = centre
    out = talon("central", "pair-hub", "--db", store.url, "--office", "cli-office", "--name", "Офис CLI")
    assert out.returncode == 0, out.stderr
    code = out.stdout.split("(действует 30 минут): ")[1].split()[0]
    joined = talon("central", "join", "--central", proc.url, "--code", code)
    assert joined.returncode == 0, joined.stderr
    key = joined.stdout.split("Ключ офиса: ")[1].split()[0]
    assert store.office_of_key(key) == "cli-office"
    again = talon("central", "join", "--central", proc.url, "--code", code)
    assert again.returncode != 0 and "Центр отказал" in again.stderr


# ---------------------------------------------------------------------- ingest rules

def test_batches_are_stored_once_and_retries_store_nothing_twice(centre):
    o = Office(*centre, "ingest-1")
    assert o.hwm() == 0
    r = o.post(batch(1, 5))
    assert r.status_code == 200, r.text
    assert r.json() == {"high_water_mark": 5, "stored": 5}
    r = o.post(batch(1, 5))  # the same batch again (the answer was lost on the way)
    assert r.json() == {"high_water_mark": 5, "stored": 0}
    r = o.post(batch(3, 8))  # overlapping: only 6..8 are new
    assert r.json() == {"high_water_mark": 8, "stored": 3}
    assert o.stored() == list(range(1, 9))
    assert o.hwm() == 8
    empty = o.post({"log": "log-A", "events": []})
    assert empty.json()["high_water_mark"] == 8


def test_a_gap_is_refused_with_the_high_water_mark_and_nothing_stored(centre):
    o = Office(*centre, "ingest-gap")
    o.post(batch(1, 3))
    body = refused(o.post(batch(5, 9)), 409, "gap")
    assert body["high_water_mark"] == 3
    assert o.stored() == [1, 2, 3]
    assert o.post(batch(4, 9)).json()["high_water_mark"] == 9


def test_a_replayed_old_batch_changes_nothing(centre):
    o = Office(*centre, "ingest-replay")
    o.post(batch(1, 10))
    before = centre[1].events("ingest-replay")
    forged = batch(2, 4)
    for e in forged["events"]:
        e["data"] = {"forged": True}
    r = o.post(forged)
    assert r.status_code == 200 and r.json() == {"high_water_mark": 10, "stored": 0}
    assert centre[1].events("ingest-replay") == before


def test_another_offices_key_is_forbidden_and_stores_nothing(centre):
    a = Office(*centre, "office-a")
    b = Office(*centre, "office-b")
    refused(a.post(batch(1, 3), office="office-b"), 403, "forbidden")
    refused(b.post(batch(1, 3), key=a.key), 403, "forbidden")
    assert b.stored() == [] and a.stored() == []
    # an event naming another office inside its own office's batch
    body = batch(1, 2)
    body["events"][1]["office"] = "office-b"
    refused(a.post(body), 400, "wrong_office")
    assert a.stored() == []


def test_wrong_missing_and_revoked_keys_are_refused(centre):
    proc, store = centre
    o = Office(proc, store, "ingest-keys")
    refused(o.post(batch(1, 2), key="not-a-key"), 401, "unauthorized")
    r = requests.post(f"{proc.url}/api/v1/central/offices/ingest-keys/events", json=batch(1, 2), timeout=10)
    refused(r, 401, "unauthorized")
    assert o.post(batch(1, 2)).status_code == 200
    out = talon("central", "revoke-hub", "--db", store.url, "--office", "ingest-keys")
    assert out.returncode == 0 and "1" in out.stdout
    refused(o.post(batch(3, 4)), 401, "unauthorized")
    assert o.stored() == [1, 2]


def test_another_log_identity_is_refused(centre):
    o = Office(*centre, "ingest-log")
    o.post(batch(1, 3, log="original"))
    body = refused(o.post(batch(4, 6, log="restored-from-backup")), 409, "log_mismatch")
    assert body["high_water_mark"] == 3
    refused(o.post(batch(1, 3, log="restored-from-backup")), 409, "log_mismatch")
    assert o.stored() == [1, 2, 3]


def _malformed() -> list[tuple[str, object]]:
    def with_event(**change):
        b = batch(1, 3)
        b["events"][1] = {**b["events"][1], **change}
        return b

    def without(field):
        b = batch(1, 3)
        del b["events"][1][field]
        return b

    too_many = batch(1, 2001)
    return [
        ("seq zero", with_event(seq=0)),
        ("seq text", with_event(seq="2")),
        ("seq boolean", {"log": "log-A", "events": [{**ev(1), "seq": True}]}),
        ("seq too large", {"log": "log-A", "events": [ev(2 ** 60)]}),
        ("seq float", with_event(seq=2.0)),
        ("type unknown shape", with_event(type="DROP TABLE events")),
        ("type missing", without("type")),
        ("at text", with_event(at="вчера")),
        ("at negative", with_event(at=-5)),
        ("day impossible", with_event(day="2026-13-45")),
        ("day shape", with_event(day="18.11.2026")),
        ("data list", with_event(data=[1, 2])),
        ("view text", with_event(view="x")),
        ("data missing", without("data")),
        ("NUL in data", with_event(data={"x": "a\u0000b"})),
        ("extra field", with_event(secret=1)),
        ("duplicate seq inside", {"log": "log-A", "events": [ev(1), ev(2), ev(2)]}),
        ("not consecutive", {"log": "log-A", "events": [ev(1), ev(3)]}),
        ("after mismatch", {**batch(1, 3), "after": 7}),
        ("events not a list", {"log": "log-A", "events": {"1": ev(1)}}),
        ("log missing", {"events": [ev(1)]}),
        ("log empty", {"log": " ", "events": [ev(1)]}),
        ("body a list", [ev(1)]),
        ("too many", too_many),
    ]


@pytest.mark.parametrize("name,body", _malformed(), ids=[n for n, _ in _malformed()])
def test_malformed_batches_are_refused_whole(centre, name, body):
    o = Office(*centre, "bad-" + name.replace(" ", "-"))
    r = o.post(body)
    refused(r, 400)
    assert o.stored() == []
    assert o.hwm() == 0


def test_not_json_nan_and_lone_surrogates_are_400(centre):
    o = Office(*centre, "bad-raw")
    refused(o.post(None, raw=b"{\"log\": \"x\", \"events\": ["), 400)
    nan = json.dumps(batch(1, 2)).replace(f"{T0 + 2}", "NaN").encode()
    assert b"NaN" in nan
    refused(o.post(None, raw=nan), 400)
    surrogate = json.dumps(batch(1, 2)).replace('"n": 2', '"n": "\\ud800"').encode()
    assert b"ud800" in surrogate
    refused(o.post(None, raw=surrogate), 400)
    assert o.stored() == []


def test_unknown_routes_and_methods_answer_json(centre):
    proc, _ = centre
    refused(requests.get(proc.url + "/api/v1/central/nothing", timeout=10), 404)
    refused(requests.get(proc.url + "/api/v1/central/offices/x/events", timeout=10), 405)


# ---------------------------------------------------------------------- projections

@pytest.fixture(scope="module")
def office_day(tmp_path_factory):
    from server.reports.sample import DayPlan, build_office_day, sample_office
    from server.store import Store

    db = tmp_path_factory.mktemp("office") / "office.sqlite"
    build_office_day(db, sample_office("rosatom-2026", opens="00:00", closes="23:59"),
                     DayPlan(day=date(2026, 11, 10), visitors=140, seed=5, overtime=15))
    store = Store(db)
    yield store
    store.close()


def _ship_all(o: Office, events: list[dict], size: int = 97) -> None:
    hwm = 0
    for i in range(0, len(events), size):
        part = [{k: e[k] for k in ("seq", "type", "at", "day", "data", "view")} for e in events[i:i + size]]
        r = o.post({"log": "office-file", "after": hwm, "events": part})
        assert r.status_code == 200, r.text
        hwm = r.json()["high_water_mark"]


def _comparable(rows: list[dict], skip=()) -> list[dict]:
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            if k in skip or k == "office":
                continue
            if k == "individual":
                v = bool(v)
            elif k == "day":
                v = str(v)
            elif k == "phases" and isinstance(v, str):
                v = json.loads(v)
            d[k] = v
        out.append(d)
    return out


def test_projections_rebuilt_at_the_centre_equal_the_offices_own(centre, office_day):
    proc, store = centre
    o = Office(proc, store, "projected")
    events = office_day.events_after("demo", 0, 100000)
    assert len(events) > 400
    _ship_all(o, events)
    store.rebuild_day("projected", "2026-11-10")
    hub_tickets = office_day.query("SELECT * FROM tickets WHERE day = '2026-11-10' ORDER BY id")
    hub_segments = office_day.query("SELECT * FROM segments WHERE day = '2026-11-10' ORDER BY ticket, idx")
    assert len(hub_tickets) > 100
    assert _comparable(store.tickets_of_day("projected", "2026-11-10")) == _comparable(hub_tickets, skip=("token",))
    assert _comparable(store.segments_of_day("projected", "2026-11-10")) == _comparable(hub_segments)
    # the roll-up adds up what the office's own report counts (same rules: server/reports/figures.py)
    from server.reports import figures
    roll = store.day_services("projected", "2026-11-10")
    segs = office_day.query("SELECT s.*, t.recalls AS ticket_recalls FROM segments s JOIN tickets t ON t.id = s.ticket "
                            "WHERE s.day = '2026-11-10'")
    assert sum(r["segments"] for r in roll) == len(segs)
    assert sum(r["visits"] for r in roll) == len(hub_tickets)
    assert sum(r["wait_count"] for r in roll) == sum(1 for s in segs if figures.waited(s) is not None)
    assert sum(r["wait_sum"] for r in roll) == pytest.approx(sum(figures.waited(s) or 0 for s in segs))
    assert sum(r["served"] for r in roll) == sum(1 for s in segs if s["outcome"] == "finished")
    assert sum(r["unfinished"] for r in roll) == sum(1 for s in segs if figures.unfinished(s))
    # rebuilding again gives the same rows
    first = _comparable(store.tickets_of_day("projected", "2026-11-10"))
    store.rebuild_day("projected", "2026-11-10")
    assert _comparable(store.tickets_of_day("projected", "2026-11-10")) == first


def test_the_centre_projects_new_events_in_the_background(centre, office_day):
    proc, store = centre
    o = Office(proc, store, "projected-bg")
    events = office_day.events_after("demo", 0, 100000)
    _ship_all(o, events, size=500)
    from pg_support import wait_until
    wait_until(lambda: store.office("projected-bg")["projected_seq"] == len(events), timeout=60,
               what="the background projection")
    assert len(store.tickets_of_day("projected-bg", "2026-11-10")) == \
        office_day.one("SELECT count(*) AS n FROM tickets WHERE day = '2026-11-10'")["n"]


def test_an_office_ships_the_facts_whole_and_only_the_view_the_centre_reads():
    """The hub's view of a ticket and a window (about 1 kB an event) is cut to what the centre's
    dashboard reads: the ticket's id, service and norms, the window's number, zone, level and services."""
    from server.central.protocol import SHIPPED_VIEW, shipped_view
    view = {"ticket": {"id": 7, "code": "Б-007", "service": "cash", "service_name": "Оплата в кассе",
                       "wait_limit": 240.0, "service_limit": 240.0, "estimate": [0.0, 1.0], "operator": "op3",
                       "state": "called", "window_number": 3},
            "window": {"id": 3, "number": 3, "zone": "Физические лица", "level": "specialist",
                       "services": {"cash": 1}, "operator": "op3", "ticket_code": "Б-007", "state": "open"},
            "other": {"x": 1}}
    assert shipped_view(view) == {
        "ticket": {"id": 7, "service": "cash", "service_name": "Оплата в кассе", "wait_limit": 240.0,
                   "service_limit": 240.0},
        "window": {"id": 3, "number": 3, "zone": "Физические лица", "level": "specialist", "services": {"cash": 1}}}
    assert set(SHIPPED_VIEW) == {"ticket", "window"}
    assert shipped_view({"ticket": {"id": 1}}) == {"ticket": {"id": 1}}   # a key the hub left out stays out
    assert shipped_view({}) == {} and shipped_view(None) == {} and shipped_view({"ticket": "x"}) == {}
