"""Concurrency, crashes and the event stream, on the real hub process over HTTP."""
import sqlite3
import threading
import time
import uuid
from collections import Counter

import requests

from hub_client import EventStream, HubError, HubUnavailable


def test_sixteen_threads_call_next_on_2000_tickets_each_called_exactly_once(hub):
    admin = hub.client("admin")
    windows = []
    for n in range(7, 23):  # 16 more windows, all serving cash
        w = admin.post("/api/v1/offices/demo/windows", {"number": n, "services": {"cash": 2}})
        windows.append(w["id"])
    kiosk = hub.client(token=hub.kiosk_key)
    session = requests.Session()
    headers = {**kiosk.headers(), "Content-Type": "application/json"}
    for _ in range(2000):
        session.post(f"{hub.url}/api/v1/offices/demo/tickets", json={"service": "cash"},
                     headers=headers).raise_for_status()
    called: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def operator(window_id):
        c = hub.client("admin")
        c.window(window_id, "open")
        while True:
            try:
                t = c.call_next(window_id)
            except HubError as e:
                errors.append(e.message)
                return
            if t is None:
                return
            with lock:
                called.append(t["id"])
            c.act(t["id"], "no-show")

    threads = [threading.Thread(target=operator, args=(w,)) for w in windows]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not errors
    assert len(called) == 2000 and len(set(called)) == 2000
    db = sqlite3.connect(hub.db)
    per_ticket = Counter(r[0] for r in db.execute(
        "SELECT json_extract(data, '$.ticket') FROM events WHERE type = 'ticket.called'"))
    assert len(per_ticket) == 2000 and set(per_ticket.values()) == {1}


def test_sigkill_during_a_burst_loses_no_acknowledged_ticket_and_leaves_no_gap(hub):
    kiosk = hub.client(token=hub.kiosk_key)
    acknowledged: dict[str, dict] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def burst():
        s = requests.Session()
        headers = {**kiosk.headers(), "Content-Type": "application/json"}
        while not stop.is_set():
            key = uuid.uuid4().hex
            try:
                r = s.post(f"{hub.url}/api/v1/offices/demo/tickets", json={"service": "consult"},
                           headers={**headers, "Idempotency-Key": key}, timeout=2)
            except requests.RequestException:
                continue
            if r.status_code == 201:
                with lock:
                    acknowledged[key] = r.json()

    threads = [threading.Thread(target=burst) for _ in range(6)]
    for th in threads:
        th.start()
    time.sleep(1.5)
    hub.kill()
    stop.set()
    for th in threads:
        th.join(10)
    assert len(acknowledged) > 20
    hub.start()
    admin = hub.client("admin")
    for key, t in acknowledged.items():
        again = admin.ticket(t["id"])
        assert (again["code"], again["number"], again["token"]) == (t["code"], t["number"], t["token"])
        # a retry of the same touch gives the same ticket, not a new one
        assert kiosk.issue("demo", "consult", idempotency_key=key)["id"] == t["id"]
    numbers = sorted(r["number"] for r in admin.state("demo")["waiting"])
    assert numbers == list(range(1, len(numbers) + 1))  # 1..n: no gap, no reuse
    nxt = admin.issue("demo", "consult")
    assert nxt["number"] == len(numbers) + 1


def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(hub):
    admin = hub.client("admin")
    got = []
    stream = EventStream(hub.url, "demo", admin.token, got.append).start()
    deadline = time.time() + 5
    while not stream.connected and time.time() < deadline:
        time.sleep(0.02)
    for _ in range(3):
        admin.issue("demo", "cash")
    deadline = time.time() + 5
    while len([e for e in got if e.type == "ticket.issued"]) < 3 and time.time() < deadline:
        time.sleep(0.02)
    stream.stop()
    seen = got[-1].seq
    for _ in range(5):  # missed while disconnected
        admin.issue("demo", "consult")
    w = admin.state("demo")["windows"][0]["id"]
    admin.window(w, "open")
    admin.call_next(w)
    resumed = []
    stream = EventStream(hub.url, "demo", admin.token, resumed.append, last_event_id=seen).start()
    db = sqlite3.connect(hub.db)
    expected = [r[0] for r in db.execute("SELECT seq FROM events WHERE office = 'demo' AND seq > ? ORDER BY seq",
                                         (seen,))]
    deadline = time.time() + 5
    while len(resumed) < len(expected) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # nothing more may arrive
    stream.stop()
    assert [e.seq for e in resumed] == expected
    assert [e.type for e in resumed].count("ticket.issued") == 5
    assert resumed[-1].type == "ticket.called" and resumed[-1].ticket["code"] == "Б-001"


def test_stream_survives_a_hub_restart_and_resumes(hub):
    admin = hub.client("admin")
    got, status = [], []
    stream = EventStream(hub.url, "demo", admin.token, got.append, on_status=status.append,
                         reconnect_delay=0.2).start()
    deadline = time.time() + 5   # connected first: a new stream starts at the present
    while not stream.connected and time.time() < deadline:
        time.sleep(0.02)
    admin.issue("demo", "cash")
    hub.stop()
    hub.start()
    admin.issue("demo", "cash")
    deadline = time.time() + 10
    while len([e for e in got if e.type == "ticket.issued"]) < 2 and time.time() < deadline:
        time.sleep(0.05)
    stream.stop()
    assert [e.ticket["code"] for e in got if e.type == "ticket.issued"] == ["Б-001", "Б-002"]
    assert status[:3] == [True, False, True]
    seqs = [e.seq for e in got]
    assert seqs == sorted(set(seqs))


def test_heartbeat_comment_arrives_when_nothing_happens(hub):
    admin = hub.client("admin")
    r = requests.get(f"{hub.url}/api/v1/offices/demo/events?heartbeat=0.2", headers=admin.headers(), stream=True,
                     timeout=5)
    lines = []
    for line in r.iter_lines(decode_unicode=True):
        lines.append(line)
        if line == ": heartbeat":
            break
    r.close()
    assert ": heartbeat" in lines


def test_client_reports_unreachable_hub_plainly(tmp_path):
    from hub_client import HubClient
    c = HubClient("http://127.0.0.1:9", timeout=0.5, retries=1)
    try:
        c.state("demo")
    except HubUnavailable as e:
        assert e.message == "Нет связи с сервером очереди"
    else:
        raise AssertionError("no error for an unreachable hub")


def test_a_hub_restarted_with_its_clock_behind_across_midnight_goes_on_with_the_later_day(hub):
    """The machine's clock is corrected back past midnight (or a restart reads a slow RTC): the
    day already started goes on and its numbering continues; the earlier day's numbers are not
    given out again (they were: a UNIQUE failure and a 500)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    admin = hub.client("admin")
    zone = ZoneInfo("Europe/Moscow")
    late = (datetime.now(zone) + timedelta(days=1)).replace(hour=23, minute=55, second=0, microsecond=0)
    admin.post("/api/v1/testing/clock", {"offset": late.timestamp() - time.time()})
    first = admin.issue("demo", "consult")
    admin.post("/api/v1/testing/clock", {"advance": 10 * 60})  # 00:05 of the next day
    second = admin.issue("demo", "consult")
    assert first["code"] == second["code"] == "А-001"
    hub.stop()
    hub.start()
    admin = hub.client("admin")
    admin.post("/api/v1/testing/clock", {"offset": late.timestamp() + 60 - time.time()})  # 23:56, behind
    third = admin.issue("demo", "consult")
    assert third["code"] == "А-002"
    assert admin.state("demo")["day"] == (late + timedelta(days=1)).date().isoformat()
