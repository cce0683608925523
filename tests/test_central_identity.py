"""Accepting a new log identity at the centre (issue 11): an office hub restored from an old
backup (``talon backup`` / ``talon restore``: a new log identity) is refused with 409
``log_mismatch`` until a company administrator accepts its log (``POST
/api/v1/central/offices/{office}/accept-log`` or ``talon central accept-log``). Nothing stored
is lost: the old log's events stay under their identity and epoch, the restored log's first
events - the copy's, equal to the old log's - are recognised and not stored twice, its own
events are stored under the new epoch, and the day's projection holds the visitors of both
parts of the day. Everything through a real centre process, a real hub process and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
import requests
from pg_support import CentralProcess, OfficeHub, fresh_database, shipped_log, talon, wait_until

from server.central.staff_store import StaffStore
from server.central.store import SUPERSEDED_ID, CentralStore
from server.store import Store

OFFICE = "demo"


@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    staff = StaffStore(store)
    staff.add_staff("boss", "Ирина Петровна Главная", "boss-secret-1", "company_admin")
    staff.add_staff("head", "Олег Заведующий", "head-secret-1", "office_head", offices=[OFFICE])
    proc = CentralProcess(url, tmp_path_factory.mktemp("centre"), project_every=0.3).start()
    yield url, store, proc
    proc.stop()
    store.close()


def token(proc: CentralProcess, login: str, password: str) -> str:
    r = requests.post(proc.url + "/api/v1/central/session", json={"login": login, "password": password}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["token"]



def hub_log(db) -> list[dict]:
    return shipped_log(db, OFFICE)


def hub_identity(db) -> str:
    s = Store(db)
    try:
        return s.log_identity()
    finally:
        s.close()


def serve_some(c, n: int) -> list[str]:
    """Issue ``n`` tickets and serve the first of them at window 1; answers the codes issued."""
    codes = [c.issue(OFFICE, "consult", source="kiosk")["code"] for _ in range(n)]
    t = c.call_next(1)
    assert t is not None
    c.act(t["id"], "start")
    c.act(t["id"], "finish")
    return codes


def shipped(store: CentralStore, db) -> None:
    last = hub_log(db)[-1]["seq"]
    wait_until(lambda: store.high_water_mark(OFFICE) >= last, timeout=60, what=f"the centre to hold seq {last}")


def test_hub_restored_from_a_backup_is_accepted_and_nothing_is_lost(centre, tmp_path):
    url, store, proc = centre
    key = store.pair(store.issue_pairing_code(OFFICE, "Демо-офис"))["key"]
    db = tmp_path / "office.sqlite"
    hub = OfficeHub(db, proc.url, key, batch=7).start()
    try:
        c = hub.client("admin")
        if c.window(1).get("state") != "open":
            c.window(1, "open")
        before = serve_some(c, 3)
        shipped(store, db)
        copy = tmp_path / "copy.sqlite"
        done = talon("backup", "--db", str(db), "-o", str(copy))
        assert done.returncode == 0, done.stderr
        lost = serve_some(c, 3)  # these happen at the office after the copy: lost there by the restore
        shipped(store, db)
    finally:
        hub.stop()
    old_identity = hub_identity(db)
    old_log = hub_log(db)
    copy_last = hub_log(copy)[-1]["seq"]
    assert store.high_water_mark(OFFICE) == len(old_log) > copy_last

    done = talon("restore", str(copy), "--db", str(db))
    assert done.returncode == 0, done.stderr
    new_identity = hub_identity(db)
    assert new_identity != old_identity

    hub = OfficeHub(db, proc.url, key, batch=7).start()
    try:
        # refused until an administrator accepts it; the centre's history is untouched
        link = wait_until(lambda: (lambda s: s if s["state"] == "refused" else None)(hub.link(hub.client("hall"))),
                          timeout=30, what="the link refused")
        assert "администратор компании может принять новый журнал" in link["line"]
        assert new_identity in link["line"]  # what the office tells the company's administrator
        assert store.events(OFFICE) == [dict(e, log_identity=old_identity) for e in old_log]

        accept = f"{proc.url}/api/v1/central/offices/{OFFICE}/accept-log"
        assert requests.post(accept, json={"log": new_identity}, timeout=10).status_code == 401
        head = {"Authorization": f"Bearer {token(proc, 'head', 'head-secret-1')}"}
        r = requests.post(accept, json={"log": new_identity}, headers=head, timeout=10)
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        boss = {"Authorization": f"Bearer {token(proc, 'boss', 'boss-secret-1')}"}
        for bad in ({}, {"log": ""}, {"log": 5}, {"log": "x" * 201}, [], {"log": "a\x00b"}):
            r = requests.post(accept, json=bad, headers=boss, timeout=10)
            assert r.status_code == 400 and r.json()["error"] == "invalid", (bad, r.text)
            assert "журнала" in r.json()["message"]
        r = requests.post(f"{proc.url}/api/v1/central/offices/nowhere/accept-log", json={"log": "x"},
                          headers=boss, timeout=10)
        assert r.status_code == 404 and r.json()["error"] == "office_not_found"
        assert store.office(OFFICE)["log_identity"] == old_identity  # nothing of a refused act is kept

        r = requests.post(accept, json={"log": new_identity}, headers=boss, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == {"office": OFFICE, "log": new_identity, "previous_log": old_identity, "epoch": 2,
                            "changed": True}
        again = requests.post(accept, json={"log": new_identity}, headers=boss, timeout=10).json()
        assert again["changed"] is False and again["epoch"] == 2

        # the restored hub ships again and goes on working
        shipped(store, db)
        c = hub.client("admin")
        if c.window(1).get("state") != "open":
            c.window(1, "open")
        after = serve_some(c, 2)
        shipped(store, db)
        wait_until(lambda: hub.link(hub.client("hall"))["state"] == "ok", timeout=30, what="the link ok")
        new_log = hub_log(db)
    finally:
        hub.stop()

    # the centre's current log is exactly the restored hub's log, seqs 1..N
    assert store.events(OFFICE) == [
        dict(e, log_identity=old_identity if e["seq"] <= copy_last else new_identity) for e in new_log]
    # the copy's part was recognised, not stored twice; the old log is whole, under its identity
    logs = store.office_logs(OFFICE)
    assert [(r["epoch"], r["log_identity"], r["base_seq"], r["accepted_by"]) for r in logs] == [
        (1, old_identity, 0, ""), (2, new_identity, copy_last, "boss")]
    assert store.event_count(OFFICE) == len(old_log) + len(new_log) - copy_last
    assert [e["seq"] for e in store.log_of(OFFICE, epoch=1)] == list(range(1, len(old_log) + 1))
    assert [dict((k, e[k]) for k in ("seq", "type", "at", "day", "data", "view"))
            for e in store.log_of(OFFICE, epoch=1)] == old_log
    assert store.high_water_mark(OFFICE) == len(new_log)

    # the day's projection holds the visitors of both parts of the day, each once
    day = new_log[-1]["day"]
    assert {e["day"] for e in old_log[copy_last:]} == {day}, "the test ran across the office's midnight"
    wait_until(lambda: store.office(OFFICE)["projected_seq"] >= len(new_log), timeout=60, what="projection")
    store.rebuild_day(OFFICE, day)
    tickets = store.tickets_of_day(OFFICE, day)
    codes = sorted(t["code"] for t in tickets)
    assert codes == sorted(before + lost + after)
    assert len(set(codes)) == len(codes)
    # the restored hub gave the lost part's first ids again (to its two new tickets): the lost
    # tickets with those ids are kept under ids of their own, the third keeps its id
    moved = sorted(t["code"] for t in tickets if t["id"] > SUPERSEDED_ID)
    assert moved == sorted(lost)[:len(after)]
    # a ticket both logs have is the newer log's: the second visitor, served in the lost part and
    # (the copy had them waiting) again after the restore, counts once
    served = sorted(t["code"] for t in tickets if t["state"] == "finished")
    assert served == sorted(before[:2])
    rows = store.report_rows(OFFICE, day)
    assert len({s["ticket"] for s in rows["segments"]}) == len(tickets)


def test_new_machine_log_from_seq_one_and_the_cli(centre, tmp_path):
    """A hub moved to a new machine (a fresh database: nothing in common with the old log): its
    log starts at 1 under a new epoch; the old one stays whole. ``talon central accept-log``."""
    url, store, proc = centre
    office = "moved-" + uuid.uuid4().hex[:6]
    key = store.pair(store.issue_pairing_code(office))["key"]
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {key}"
    post = f"{proc.url}/api/v1/central/offices/{office}/events"

    def batch(first: int, last: int, log: str, t0: float) -> dict:
        return {"log": log, "after": first - 1, "events": [
            {"seq": n, "type": "ticket.issued", "at": t0 + n, "day": "2026-12-01", "data": {"n": n, "log": log},
             "view": {}} for n in range(first, last + 1)]}

    assert s.post(post, json=batch(1, 5, "old-machine", 1.8e9), timeout=10).json()["high_water_mark"] == 5
    r = s.post(post, json=batch(1, 2, "new-machine", 1.9e9), timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "log_mismatch"

    done = talon("central", "accept-log", "--db", url, "--office", office, "--log", "new-machine")
    assert done.returncode == 0, done.stderr
    assert "принят журнал new-machine" in done.stdout and "old-machine" in done.stdout
    done = talon("central", "accept-log", "--db", url, "--office", office, "--log", "new-machine")
    assert done.returncode == 0 and "изменений нет" in done.stdout
    done = talon("central", "accept-log", "--db", url, "--office", "no-such-office", "--log", "x")
    assert done.returncode != 0 and "Офис не зарегистрирован в центре" in done.stderr

    assert s.get(f"{proc.url}/api/v1/central/offices/{office}/events/high-water-mark", timeout=10).json() == {
        "high_water_mark": 0, "log": "new-machine"}
    # the old machine, still running somewhere, is refused now
    r = s.post(post, json=batch(6, 6, "old-machine", 1.8e9), timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "log_mismatch"
    # a gap in the new log is still a gap; from 1 it is stored
    assert s.post(post, json=batch(2, 3, "new-machine", 1.9e9), timeout=10).json()["error"] == "gap"
    assert s.post(post, json=batch(1, 3, "new-machine", 1.9e9), timeout=10).json() == {
        "high_water_mark": 3, "stored": 3}
    assert s.post(post, json=batch(1, 3, "new-machine", 1.9e9), timeout=10).json() == {
        "high_water_mark": 3, "stored": 0}  # a retried batch stores nothing
    assert [(e["seq"], e["data"]["log"]) for e in store.events(office)] == [(n, "new-machine") for n in (1, 2, 3)]
    assert [(e["epoch"], e["seq"], e["log_identity"]) for e in store.log_of(office, epoch=1)] == [
        (1, n, "old-machine") for n in range(1, 6)]
    assert [r["base_seq"] for r in store.office_logs(office)] == [0, 0]
    assert store.event_count(office) == 8
    # both logs' tickets of the day are in the day's projection (ids the new log reused kept apart)
    store.rebuild_day(office, "2026-12-01")
    assert store.day_services(office, "2026-12-01") is not None


def test_a_bad_key_is_answered_before_a_bad_body(centre):
    """The ingest parses and checks a batch before it takes a pooled connection; the key's
    refusal still comes first, and a bad body with a good key stores nothing."""
    url, store, proc = centre
    office = "order-" + uuid.uuid4().hex[:6]
    key = store.pair(store.issue_pairing_code(office))["key"]
    other = store.pair(store.issue_pairing_code("other-" + uuid.uuid4().hex[:6]))["key"]
    post = f"{proc.url}/api/v1/central/offices/{office}/events"
    for body in (b"not json", b'{"log": "x", "events": [{"seq": 0}]}'):
        r = requests.post(post, data=body, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        r = requests.post(post, data=body, headers={"Authorization": "Bearer wrong"}, timeout=10)
        assert r.status_code == 401
        r = requests.post(post, data=body, headers={"Authorization": f"Bearer {other}"}, timeout=10)
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        r = requests.post(post, data=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert r.status_code == 400 and r.json()["message"].startswith(("Тело запроса", "Неверные данные"))
    assert store.event_count(office) == 0 and store.office(office)["log_identity"] is None


def test_the_projector_process_ends_with_the_centre(centre, tmp_path):
    """``talon central serve`` projects in a child process of its own; killed with the centre
    (kill -9: no clean-up runs), it ends by itself instead of living on."""
    import os
    import signal

    url, store, _ = centre
    proc = CentralProcess(url, tmp_path, project_every=0.2).start()
    try:
        def children() -> list[int]:
            out = []
            for p in os.listdir("/proc"):
                if p.isdigit():
                    try:
                        with open(f"/proc/{p}/stat") as f:
                            stat = f.read().rsplit(")", 1)[1].split()
                        with open(f"/proc/{p}/cmdline", "rb") as f:
                            cmd = f.read()
                    except (OSError, IndexError):
                        continue
                    if int(stat[1]) == proc.proc.pid and b"spawn_main" in cmd:
                        out.append(int(p))
            return out

        kids = wait_until(children, timeout=30, what="the projector process")
    finally:
        proc.proc.send_signal(signal.SIGKILL)
        proc.proc.wait(10)
        proc.stop()

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return b"spawn_main" in f.read()
        except OSError:
            return False

    def gone() -> bool:
        return not any(alive(k) for k in kids)

    wait_until(gone, timeout=30, what="the orphaned projector to end")
