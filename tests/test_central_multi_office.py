"""Several offices in one hub file (issue 11): the hub ships every office of its file, each under
its own key (``talon hub --central URL --central-keys FILE``, lines ``OFFICE=KEY``). The file's
seqs are shared by its offices; the centre numbers each office's own events 1, 2, 3, … without
gaps, and each office's log, projections and link line at the centre are its own. Through a real
hub process, a real centre process and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pg_support import ROOT, CentralProcess, copy_demo_database, fresh_database, shipped_log, wait_until
from support import HubProcess

from hub_client import HubClient
from server.central.store import CentralStore
from server.demo import demo_definition
from server.shipping import read_keys
from server.store import Store
from server.store.config import import_office

OFFICES = ("demo", "second")
SECOND_ADMIN = ("admin2", "second-admin-pass-1")


@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    proc = CentralProcess(url, tmp_path_factory.mktemp("centre"), project_every=0.3).start()
    yield url, store, proc
    proc.stop()
    store.close()


def two_office_file(db) -> None:
    """The demo office's file with a second office (its own services, windows and administrator)."""
    copy_demo_database(db)
    second = demo_definition(round_the_clock=True)
    second["office"] = {**second["office"], "id": "second", "name": "Второй офис"}
    second["users"] = [{"login": SECOND_ADMIN[0], "name": "Администратор второго офиса",
                        "roles": ["admin", "administrator", "head"], "password": SECOND_ADMIN[1]}]
    store = Store(db)
    try:
        import_office(store, second)
    finally:
        store.close()


def start_hub(db, central: str, *extra: str, batch: int = 5):
    base = HubProcess(db)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TALON_CENTRAL_BATCH": str(batch)}
    log = open(db.with_suffix(".log"), "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "hub", "--db", str(db), "--host", "127.0.0.1", "--port", str(base.port),
         "--threads", "16", "--testing-clock", "--no-announce", "--central", central, "--central-retry-max", "1",
         *extra], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base.proc = proc
    return base, proc, log


def office_log(db, office: str) -> list[dict]:
    return shipped_log(db, office)


def office_tickets(db, office: str) -> list[tuple]:
    s = Store(db)
    try:
        return [(r["day"], r["code"], r["state"]) for r in
                s.query("SELECT day, code, state FROM tickets WHERE office = ? ORDER BY id", (office,))]
    finally:
        s.close()


def test_every_office_of_the_file_is_shipped_under_its_own_key(centre, tmp_path):
    url, store, proc = centre
    keys = {o: store.pair(store.issue_pairing_code(o, f"Офис {o}"))["key"] for o in OFFICES}
    key_file = tmp_path / "keys.txt"
    key_file.write_text("# ключи офисов этого сервера\n" + "".join(f"{o}={k}\n" for o, k in keys.items()) + "\n")
    db = tmp_path / "two.sqlite"
    two_office_file(db)
    base, hub, log = start_hub(db, proc.url, "--central-keys", str(key_file))
    try:
        wait_until(lambda: hub.poll() is not None or base_up(base), timeout=30, what="the hub up")
        assert hub.poll() is None, (db.with_suffix(".log")).read_text()[-2000:]
        clients = {"demo": base.client("admin"), "second": HubClient(base.url)}
        clients["second"].login(*SECOND_ADMIN)
        windows = {}
        for office, c in clients.items():
            w = c.state(office)["windows"][0]["id"]
            if c.window(w).get("state") != "open":
                c.window(w, "open")
            windows[office] = w
        # the offices work at once: their events interleave in the file's one sequence
        for i in range(4):
            for office, c in clients.items():
                c.issue(office, "consult", source="kiosk")
                if i % 2:
                    t = c.call_next(windows[office])
                    c.act(t["id"], "start")
                    c.act(t["id"], "finish")
        logs = {o: office_log(db, o) for o in OFFICES}
        seqs = sorted(e["seq"] for o in OFFICES for e in logs[o])
        assert all(len(logs[o]) > 10 for o in OFFICES)
        second = [e["seq"] for e in logs["second"]]
        assert any(b - a > 1 for a, b in zip(second, second[1:], strict=False)), \
            "the offices' events do not interleave: the test shows nothing"
        assert len(set(seqs)) == len(seqs)

        for o in OFFICES:
            wait_until(lambda o=o: store.high_water_mark(o) == len(office_log(db, o)), timeout=60,
                       what=f"the centre to hold office {o}'s log")
        for o in OFFICES:
            mine = office_log(db, o)
            centre_log = [{k: e[k] for k in ("seq", "type", "at", "day", "data", "view")} for e in store.events(o)]
            # the office's own events, numbered 1..n at the centre, in the file's order
            assert centre_log == [dict(e, seq=n) for n, e in enumerate(mine, 1)]
            assert store.event_count(o) == len(mine)
            link = base.client("admin" if o == "demo" else None, token=clients[o].token).get(
                f"/api/v1/offices/{o}/central-link")
            assert link["state"] == "ok" and link["waiting"] == 0 and link["sent_seq"] == len(mine), link
            assert link["line"].endswith("все события отправлены")
        # each office's projections are its own tickets
        for o in OFFICES:
            wait_until(lambda o=o: store.office(o)["projected_seq"] >= len(office_log(db, o)), timeout=60,
                       what=f"office {o} projected")
            days = sorted({d for d, _, _ in office_tickets(db, o)})
            got = [(d, t["code"], t["state"]) for d in days for t in store.tickets_of_day(o, d)]
            assert got == office_tickets(db, o)

        # more work after a restart of the hub: each shipper resumes from its office's own mark
        hub.kill()
        hub.wait(10)
        log.close()
        base, hub, log = start_hub(db, proc.url, "--central-keys", str(key_file))
        wait_until(lambda: hub.poll() is not None or base_up(base), timeout=30, what="the hub up again")
        c = HubClient(base.url)
        c.login(*SECOND_ADMIN)
        c.issue("second", "cash", source="kiosk")
        for o in OFFICES:
            wait_until(lambda o=o: store.high_water_mark(o) == len(office_log(db, o)), timeout=60,
                       what=f"the centre to hold office {o}'s log after the restart")
            assert [e["seq"] for e in store.events(o)] == list(range(1, len(office_log(db, o)) + 1))
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait(10)
        log.close()


def base_up(base: HubProcess) -> bool:
    import requests

    try:
        return requests.get(base.url + "/api/v1/offices", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_key_file_rules(tmp_path):
    f = tmp_path / "keys.txt"
    f.write_text("# a comment\n\ndemo = k1\nsecond=k2=with-equals\n")
    assert read_keys(["third=k3"], str(f)) == {"third": "k3", "demo": "k1", "second": "k2=with-equals"}
    f.write_text("demo=k1\ndemo=k2\n")
    with pytest.raises(ValueError, match="указан дважды"):
        read_keys([], str(f))
    f.write_text("just-a-key\n")
    with pytest.raises(ValueError, match="ОФИС=КЛЮЧ|офис=КЛЮЧ"):
        read_keys([], str(f))
    with pytest.raises(ValueError, match="Не удалось прочитать"):
        read_keys([], str(tmp_path / "none.txt"))


def test_a_key_for_an_office_the_file_does_not_hold_stops_the_hub(centre, tmp_path):
    url, store, proc = centre
    f = tmp_path / "keys.txt"
    f.write_text("demo=abc\nnowhere=def\n")
    db = tmp_path / "one.sqlite"
    copy_demo_database(db)
    base, hub, log = start_hub(db, proc.url, "--central-keys", str(f))
    try:
        assert hub.wait(60) != 0
    finally:
        log.close()
    assert "На этом сервере нет офиса «nowhere»" in db.with_suffix(".log").read_text()
