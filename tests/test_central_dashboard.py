"""The company dashboard (issue 11, point 3) on a real centre, real PostgreSQL and two real office
hubs shipping to it: the figures equal the hubs' own ``/state`` after actions on the hubs, the
SSE stream delivers a change (and resumes with Last-Event-ID), a regional head sees only their
region and gets 403 elsewhere (API and page), and the pages work in headless Chromium (sort by a
column, the drill-down into one office's hall live, usable at 390 px)."""
from __future__ import annotations

import json
import queue
import re
import threading
from pathlib import Path

import pytest
import requests
from browser_support import axe_report, axe_run, shots_dir
from pg_support import CentralProcess, FaultyLink, OfficeHub, fresh_database, wait_until
from support import next_morning

from server.central.staff_store import StaffStore
from server.central.store import CentralStore

API = "/api/v1/central"
OFFICES = {"msk": ("ЦОК «Центральный» (Москва)", "Europe/Moscow", "Москва"),
           "ekb": ("ЦОК в Екатеринбурге", "Asia/Yekaterinburg", "Свердловская область")}


def office_database(path: Path, office: str, name: str, tz: str, keys: dict) -> None:
    """The demo office under another id and time zone, with only the accounts the test uses
    (each password hash costs about a second on the shared machine) and a kiosk (its key in ``keys``)."""
    from server.auth import Auth
    from server.demo import demo_definition
    from server.store import Store
    from server.store.config import import_office

    d = demo_definition(round_the_clock=True)
    d["office"].update(id=office, name=name)
    d["office"]["schedule"]["tz"] = tz
    d["users"] = [dict(u, office=office) if u.get("office") == "demo" else u
                  for u in d.get("users", []) if u["login"] == "admin"]
    store = Store(path)
    import_office(store, d)
    keys[office] = Auth(store).device_key(office, "kiosk", "Киоск у входа", f"kiosk-{office}")
    store.close()


class Company:
    def __init__(self, centre, store, hubs, kiosk_keys, url):
        self.centre, self.store, self.hubs, self.kiosk_keys, self.url = centre, store, hubs, kiosk_keys, url
        self.admins = {o: h.client("admin") for o, h in hubs.items()}
        self.sessions: dict[str, requests.Session] = {}

    def session(self, login: str) -> requests.Session:
        if login not in self.sessions:
            s = requests.Session()
            r = s.post(self.centre.url + API + "/session", json={"login": login, "password": f"{login}-password"},
                       timeout=30)
            assert r.status_code == 200, r.text
            self.sessions[login] = s
        return self.sessions[login]

    def rows(self, login: str = "boss") -> dict[str, dict]:
        r = self.session(login).get(self.centre.url + API + "/company/offices", timeout=30)
        assert r.status_code == 200, r.text
        return {row["id"]: row for row in r.json()["offices"]}

    def hub_figures(self, office: str) -> dict:
        state = self.admins[office].state(office)
        return {"waiting": len(state["waiting"]), "windows_open": sum(w["state"] == "open" for w in state["windows"]),
                "seq": state["seq"]}


@pytest.fixture(scope="module")
def company(pg_cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("company")
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    staff = StaffStore(store)
    staff.add_staff("boss", "Анна Петрова", "boss-password", "company_admin")
    staff.add_staff("ural", "Иван Уральский", "ural-password", "regional_head", regions=["Свердловская область"])
    centre = CentralProcess(url, work, project_every=0).start()
    hubs = {}
    threads = []
    kiosk_keys: dict[str, str] = {}
    for office, (name, tz, _region) in OFFICES.items():  # the two databases at once (password hashing)
        t = threading.Thread(target=office_database, args=(work / f"{office}.sqlite", office, name, tz, kiosk_keys))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    try:
        for office, (name, _tz, region) in OFFICES.items():
            store.add_office(office, name)
            staff.set_office_region(office, region)
            key = store.pair(store.issue_pairing_code(office))["key"]
            hubs[office] = OfficeHub(work / f"{office}.sqlite", centre.url, key, batch=50, retry_max=0.5).start()
        company = Company(centre, store, hubs, kiosk_keys, url)
        for office, (_name, tz, _region) in OFFICES.items():
            # the module advances the clocks by about an hour: start each office at its next 09:00,
            # so no test crosses the office's midnight whatever the hour the suite runs at
            next_morning(company.admins[office], zone=tz)
        yield company
    finally:
        for h in hubs.values():
            h.stop()
        centre.stop()
        store.close()


def windows_of(company, office: str) -> list[int]:
    return [w["id"] for w in sorted(company.admins[office].state(office)["windows"], key=lambda w: w["number"])]


def same_as_hubs(company, login: str = "boss"):
    """The dashboard's rows once every office's figures equal its hub's own (or None yet)."""
    rows = company.rows(login)
    for office in company.hubs:
        hub = company.hub_figures(office)
        row = rows.get(office)
        if row is None or row["seq"] != hub["seq"] or row["waiting"] != hub["waiting"] \
                or row["windows_open"] != hub["windows_open"]:
            return None
    return rows


def test_figures_equal_the_hubs_own_state_after_actions(company):
    msk, ekb = company.admins["msk"], company.admins["ekb"]
    wm, we = windows_of(company, "msk"), windows_of(company, "ekb")
    msk.window(wm[0], "open")
    msk.window(wm[1], "open")
    ekb.window(we[0], "open")
    for service in ("consult", "cash", "consult", "consult_cash"):
        msk.issue("msk", service)
    ekb.issue("ekb", "cash")
    ekb.issue("ekb", "consult")
    called = msk.call_next(wm[0])
    assert called is not None
    rows = wait_until(lambda: same_as_hubs(company), timeout=30, what="the dashboard to equal the hubs")
    assert rows["msk"]["waiting"] == 3 and rows["msk"]["windows_open"] == 2
    assert rows["ekb"]["waiting"] == 2 and rows["ekb"]["windows_open"] == 1
    assert rows["msk"]["open"] and rows["msk"]["name"] == OFFICES["msk"][0]
    assert rows["msk"]["region"] == "Москва" and rows["ekb"]["region"] == "Свердловская область"
    assert rows["msk"]["oldest_norm_min"] in (4.0, 8.0, 12.0)  # the norm each ticket carries (rosatom-2026)
    assert rows["msk"]["behind"] == 0 and rows["msk"]["last_event_at"]

    # the drill-down: windows with whom they call, the queue per service, as the hub's own state
    hall = company.session("boss").get(company.centre.url + API + "/company/offices/msk", timeout=30).json()
    state = msk.state("msk")
    assert [(w["number"], w["state"]) for w in hall["windows"]] == \
        [(w["number"], w["state"]) for w in sorted(state["windows"], key=lambda w: w["number"]) if w["id"] in wm[:2]]
    first = next(w for w in hall["windows"] if w["number"] == 1)
    assert first["ticket"] == called["code"] and first["ticket_state"] == "вызван"
    by_service: dict[str, list[str]] = {}
    for t in state["waiting"]:
        by_service.setdefault(t["service_name"], []).append(t["code"])
    assert {q["name"]: sorted(t["code"] for t in q["tickets"]) for q in hall["queues"]} == \
        {k: sorted(v) for k, v in by_service.items()}

    # finishing, a pause and a close move the figures too
    msk.act(called["id"], "start")
    msk.act(called["id"], "finish")
    msk.window(wm[1], "pause", reason="lunch")
    ekb.window(we[0], "close", force=True)
    rows = wait_until(lambda: same_as_hubs(company), timeout=30, what="the dashboard after more actions")
    assert rows["msk"]["windows_open"] == 1 and rows["msk"]["windows_paused"] == 1
    assert rows["ekb"]["windows_open"] == 0
    # the offices' timetables and time zones come with the configuration their hubs ship
    rows = wait_until(lambda: (r := company.rows()) and r["ekb"]["zone"] == "Asia/Yekaterinburg" and r,
                      timeout=40, what="the offices' configuration on the dashboard")
    assert rows["msk"]["zone"] == "Europe/Moscow"
    assert rows["ekb"]["hours_known"] and rows["ekb"]["open"]  # open round the clock, even with no window open
    assert rows["msk"]["within_norm_share"] == 1.0 and rows["msk"]["calls_with_norm"] == 1


def test_waits_over_their_norm_and_the_share_within_it(company):
    msk = company.admins["msk"]
    wm = windows_of(company, "msk")
    before = company.rows()["msk"]
    msk.post("/api/v1/testing/clock", {"advance": 20 * 60})  # everyone waiting is now beyond the norm
    called = msk.call_next(wm[0])
    assert called is not None
    # a call counts, as in the reports, once the visitor comes to the window (a no-show never does)
    assert company.rows()["msk"]["calls_with_norm"] == before["calls_with_norm"]
    msk.act(called["id"], "start")
    row = wait_until(lambda: (r := company.rows()["msk"]) and r["calls_with_norm"] == before["calls_with_norm"] + 1
                     and r, timeout=30, what="the late call on the dashboard")
    assert row["within_norm_share"] == round(1 / 2, 3)  # one wait within its norm, one beyond
    assert row["over_norm"] == row["waiting"] >= 1
    assert row["oldest_wait_min"] >= 20


def test_the_share_within_norm_equals_the_offices_own_daily_report(company):
    """One rule for «within the norm today»: the dashboard counts the waits the office's own daily
    report counts (server/reports/figures.py), with the same norms - after a served visit, a no-show
    and a visitor called late."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    ekb = company.admins["ekb"]
    we = windows_of(company, "ekb")
    # the test's 15 minutes must not cross the office's midnight (its day would end, windows close)
    local = datetime.fromtimestamp(ekb.state("ekb")["now"], ZoneInfo(OFFICES["ekb"][1]))
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (midnight - local).total_seconds() < 40 * 60:
        ekb.post("/api/v1/testing/clock", {"advance": (midnight - local).total_seconds() + 5 * 60})
    ekb.window(we[0], "open")
    for service in ("consult", "cash", "consult_cash", "consult"):
        ekb.issue("ekb", service)
    a = ekb.call_next(we[0])
    ekb.act(a["id"], "start")
    ekb.act(a["id"], "finish")
    b = ekb.call_next(we[0])
    ekb.act(b["id"], "no-show")
    ekb.post("/api/v1/testing/clock", {"advance": 15 * 60})
    c = ekb.call_next(we[0])
    ekb.act(c["id"], "start")
    report = ekb.get("/api/v1/offices/ekb/reports/daily")
    wait = report["total"]["wait"]
    assert wait["normed"] >= 2 and 0 < wait["within_share"] < 1, wait   # the test shows both kinds
    row = wait_until(lambda: (r := company.rows()["ekb"]) and r["calls_with_norm"] == wait["normed"] and r,
                     timeout=40, what="the dashboard's count of waits to equal the report's")
    assert row["within_norm_share"] == round(wait["within_share"], 3)


def test_devices_down_and_alerts_from_the_offices_log(company):
    from hub_client import HubClient

    kiosk = HubClient(company.hubs["msk"].url, token=company.kiosk_keys["msk"])
    before = company.rows()["msk"]
    assert before["devices_down"] == 0 and before["alerts"] == 0
    kiosk.heartbeat(printer={"state": "paper_out"}, sound={"state": "ok"})
    kiosk.incident("kiosk", "open", "экран не отвечает на касания")
    help_seq = kiosk.help("msk", screen="services")["seq"]
    row = wait_until(lambda: (r := company.rows()["msk"]) and r["alerts"] == 2 and r,
                     timeout=30, what="the incident and the help call on the dashboard")
    assert row["devices_down"] == 1  # one kiosk: its printer and its incident
    kiosk.heartbeat(printer={"state": "ok"}, sound={"state": "ok"})
    kiosk.incident("kiosk", "closed")
    company.admins["msk"].post(f"/api/v1/offices/msk/alerts/help:event:{help_seq}/ack")
    row = wait_until(lambda: (r := company.rows()["msk"]) and r["alerts"] == 0 and r["devices_down"] == 0 and r,
                     timeout=30, what="the kiosk mended and the help answered")


def test_a_centre_started_later_replays_the_day_to_the_same_figures(company, tmp_path):
    """Another centre process on the same database loads each office's day from the stored events
    (the path a restarted centre takes) and shows what the running one shows."""
    rows = wait_until(lambda: same_as_hubs(company), timeout=30, what="the dashboard to settle")
    other = CentralProcess(company.url, tmp_path, project_every=0).start()
    try:
        s = requests.Session()
        assert s.post(other.url + API + "/session", json={"login": "boss", "password": "boss-password"},
                      timeout=30).status_code == 200
        keys = ("waiting", "windows_open", "windows_paused", "within_norm_share", "calls_with_norm",
                "alerts", "devices_down", "seq", "day", "region", "zone", "open")
        again = wait_until(lambda: (r := s.get(other.url + API + "/company/offices", timeout=30)).status_code == 200
                           and (b := {x["id"]: x for x in r.json()["offices"]})
                           and all(b[o]["zone"] for o in company.hubs) and b, timeout=40,
                           what="the second centre's rows")
        for office in company.hubs:
            assert {k: again[office][k] for k in keys} == {k: rows[office][k] for k in keys}, office
        h1 = company.session("boss").get(company.centre.url + API + "/company/offices/msk", timeout=30).json()
        h2 = s.get(other.url + API + "/company/offices/msk", timeout=30).json()
        assert [(w["number"], w["state"], w["ticket"]) for w in h1["windows"]] == \
            [(w["number"], w["state"], w["ticket"]) for w in h2["windows"]]
        assert [(q["name"], [t["code"] for t in q["tickets"]]) for q in h1["queues"]] == \
            [(q["name"], [t["code"] for t in q["tickets"]]) for q in h2["queues"]]
    finally:
        other.stop()


def test_a_log_accepted_in_place_of_another_is_replayed_afresh(company):
    """An office whose hub was restored from a backup: the administrator accepts its new log (the
    next epoch, seqs from 1 again, the first events the same as the old log's); the dashboard
    replays the new log - inherited events and its own - not the old log's tail."""
    import time

    office = "restored"
    company.store.add_office(office, "ЦОК после восстановления")
    key = company.store.pair(company.store.issue_pairing_code(office))["key"]
    t0 = time.time() - 120
    day = time.strftime("%Y-%m-%d", time.localtime(t0))

    def issued(seq: int, service: str, name: str, number: int) -> dict:
        letter = {"consult": "А", "cash": "Б"}[service]
        return {"seq": seq, "type": "ticket.issued", "at": t0 + seq, "day": day,
                "data": {"ticket": seq, "service": service, "letter": letter, "number": number, "token": f"t{seq}"},
                "view": {"ticket": {"id": seq, "service": service, "service_name": name, "wait_limit": 480.0}}}

    def post(log: str, events: list[dict]) -> requests.Response:
        return requests.post(f"{company.centre.url}{API}/offices/{office}/events", timeout=30,
                             headers={"Authorization": f"Bearer {key}"},
                             json={"log": log, "after": events[0]["seq"] - 1, "events": events})

    old = [issued(1, "consult", "Консультация", 1), issued(2, "consult", "Консультация", 2),
           issued(3, "consult", "Консультация", 3)]
    assert post("log-old", old).status_code == 200
    wait_until(lambda: company.rows().get(office, {}).get("waiting") == 3, timeout=30, what="the old log")
    company.store.accept_log(office, "log-new", by="boss")
    new = old[:2] + [issued(3, "cash", "Оплата в кассе", 1), issued(4, "cash", "Оплата в кассе", 2)]
    r = post("log-new", new)
    assert r.status_code == 200, r.text
    wait_until(lambda: company.rows().get(office, {}).get("seq") == 4, timeout=30, what="the new log")
    hall = company.session("boss").get(company.centre.url + API + f"/company/offices/{office}", timeout=30).json()
    assert {q["name"]: [t["code"] for t in q["tickets"]] for q in hall["queues"]} == \
        {"Консультация": ["А-001", "А-002"], "Оплата в кассе": ["Б-001", "Б-002"]}
    assert hall["office"]["waiting"] == 4


class Stream:
    """An SSE client of the dashboard's stream in a thread: frames as dicts in a queue."""

    def __init__(self, session: requests.Session, url: str, headers: dict | None = None):
        self.frames: queue.Queue = queue.Queue()
        self.resp = session.get(url, stream=True, timeout=60, headers=headers or {})
        self.status = self.resp.status_code
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        frame: dict = {}
        try:
            for line in self.resp.iter_lines(decode_unicode=True):
                if line == "":
                    if "data" in frame:
                        self.frames.put(frame)
                    frame = {}
                elif line.startswith(":"):
                    continue
                else:
                    k, _, v = line.partition(": ")
                    frame[k] = json.loads(v) if k == "data" else v
        except (requests.RequestException, ValueError, AttributeError):
            pass

    def next(self, accept=lambda f: True, timeout: float = 30.0) -> dict:
        import time
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                f = self.frames.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if accept(f):
                return f
        raise AssertionError(f"no matching frame within {timeout} s")

    def close(self):
        self.resp.close()


def test_the_stream_delivers_a_change_and_resumes_after_last_event_id(company):
    boss = company.session("boss")
    url = company.centre.url + API + "/company/stream?heartbeat=1"
    s = Stream(boss, url)
    try:
        snap = s.next()
        assert snap["event"] == "snapshot" and {r["id"] for r in snap["data"]["offices"]} >= {"msk", "ekb"}
        ekb_before = next(r for r in snap["data"]["offices"] if r["id"] == "ekb")["waiting"]
        company.admins["ekb"].issue("ekb", "consult")
        f = s.next(lambda f: f["event"] == "office" and f["data"]["id"] == "ekb"
                   and f["data"]["waiting"] == ekb_before + 1, timeout=30)
        last = f["id"]
    finally:
        s.close()
    # resumed: no snapshot, only what changed after the version it knew
    company.admins["ekb"].issue("ekb", "cash")
    r = Stream(boss, url, headers={"Last-Event-ID": last})
    try:
        # other offices' rows may change meanwhile (their waits grow by the minute): ekb's is awaited
        f = r.next(lambda f: f["event"] != "office" or f["data"]["id"] == "ekb", timeout=30)
        assert f["event"] == "office" and int(f["id"]) > int(last)
        assert f["data"]["id"] == "ekb" and f["data"]["waiting"] == ekb_before + 2
    finally:
        r.close()
    base = company.centre.url + API + "/company/stream"
    for headers, query in (({"Last-Event-ID": "nonsense"}, ""), ({}, "?heartbeat=0"), ({}, "?heartbeat=nan"),
                           ({}, "?heartbeat=100")):
        bad = boss.get(base + query, headers=headers, timeout=30)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid", bad.text


def test_a_regional_head_sees_only_their_region_and_gets_403_elsewhere(company):
    ural = company.session("ural")
    assert set(company.rows("ural")) == {"ekb"}
    body = ural.get(company.centre.url + API + "/company/offices", timeout=30).json()
    assert [g["region"] for g in body["regions"]] == ["Свердловская область"]
    for path in ("/company/offices/msk", "/company/stream?office=msk", "/staff/offices/msk"):
        r = ural.get(company.centre.url + API + path, timeout=30)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"] == "forbidden" and "Нет доступа" in r.json()["message"]
    page = ural.get(company.centre.url + "/company/offices/msk", timeout=30)
    assert page.status_code == 403 and "Нет доступа к этому офису" in page.text and "<h1>" in page.text
    assert "ЦОК «Центральный»" not in ural.get(company.centre.url + "/company", timeout=30).text
    assert ural.get(company.centre.url + "/company/offices/ekb", timeout=30).status_code == 200

    # the stream: only ekb, also when msk changes
    s = Stream(ural, company.centre.url + API + "/company/stream?heartbeat=1")
    try:
        snap = s.next()
        assert [r["id"] for r in snap["data"]["offices"]] == ["ekb"]
        company.admins["msk"].issue("msk", "consult")
        company.admins["ekb"].issue("ekb", "consult")
        f = s.next(lambda f: f["event"] == "office", timeout=30)
        assert f["data"]["id"] == "ekb"
        wait_until(lambda: same_as_hubs(company), timeout=30, what="both offices shipped")
        while not s.frames.empty():
            assert s.frames.get()["data"].get("id") in ("ekb", None)
    finally:
        s.close()


def test_an_office_moved_into_and_out_of_a_region_appears_and_goes_on_the_stream(company):
    staff = StaffStore(company.store)
    s = Stream(company.session("ural"), company.centre.url + API + "/company/stream?heartbeat=1")
    try:
        assert [r["id"] for r in s.next()["data"]["offices"]] == ["ekb"]
        staff.set_office_region("msk", "Свердловская область")
        f = s.next(lambda f: f["event"] == "office" and f["data"]["id"] == "msk", timeout=30)
        assert f["data"]["region"] == "Свердловская область"
        assert set(company.rows("ural")) == {"ekb", "msk"}
        staff.set_office_region("msk", "Москва")
        s.next(lambda f: f["event"] == "gone" and f["data"]["id"] == "msk", timeout=30)
        assert set(company.rows("ural")) == {"ekb"}
    finally:
        staff.set_office_region("msk", "Москва")
        s.close()


def test_without_a_session_401_and_the_pages_send_to_sign_in(company):
    for path in ("/company/offices", "/company/offices/msk", "/company/stream"):
        r = requests.get(company.centre.url + API + path, timeout=30)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", r.text
    r = requests.get(company.centre.url + "/company", timeout=30, allow_redirects=False)
    assert r.status_code == 302 and "/company/login" in r.headers["Location"]
    r = requests.get(company.centre.url + "/company/login?next=//evil.example", timeout=30)
    assert 'data-next="/company"' in r.text
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_pages_in_chromium(company, browser, tmp_path):
    # bypass_csp: axe-core is injected as a script of its own and wait_for_function evaluates strings
    # (the pages allow only their own files; their headers are checked without a browser)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU", timezone_id="Europe/Moscow",
                              bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20000)
    try:
        msk = company.admins["msk"]
        if not any(w["state"] == "open" for w in msk.state("msk")["windows"]):  # run alone
            msk.window(windows_of(company, "msk")[0], "open")
        wait_until(lambda: same_as_hubs(company), timeout=30, what="the dashboard to settle")
        rows = company.rows()
        page.goto(company.centre.url + "/company")
        page.wait_for_url("**/company/login**")
        assert axe_run(page) == [], axe_report(axe_run(page))
        page.fill("#login-name", "boss")
        page.fill("#login-password", "wrong-password")
        page.click("button[type=submit]")
        page.wait_for_selector("#login-error:not([hidden])")
        assert "Неверное имя входа или пароль" in page.inner_text("#login-error")
        page.fill("#login-password", "boss-password")
        page.click("button[type=submit]")
        page.wait_for_selector("table#offices")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Обновлено')")
        assert page.locator("h1").count() == 1
        assert page.locator("a.skip[href='#main']").count() == 1
        groups = page.locator("tbody.region tr.subtotal th").all_inner_texts()
        assert groups[:2] == ["Москва — офисов: 1", "Свердловская область — офисов: 1"]  # then any without one
        msk_row = page.locator("tr.office[data-id=msk]")
        assert msk_row.locator("td").nth(1).inner_text() == str(rows["msk"]["waiting"])
        if rows["msk"]["over_norm"]:
            assert "сверх норматива" in msk_row.inner_text() and "over" in msk_row.get_attribute("class")

        # sort by «Ожидают»: a button in the header, aria-sort follows
        header = page.locator("th[data-key=waiting]")
        header.locator("button").focus()
        page.keyboard.press("Enter")
        assert header.get_attribute("aria-sort") == "descending"
        assert page.locator("th[data-key=name]").get_attribute("aria-sort") == "none"
        page.keyboard.press("Enter")
        assert header.get_attribute("aria-sort") == "ascending"
        page.screenshot(path=str(shots_dir(tmp_path) / "company-dashboard.png"), full_page=True)
        violations = axe_run(page)
        assert violations == [], axe_report(violations)

        # live: a ticket issued in Yekaterinburg shows in its row
        before = int(page.locator("tr.office[data-id=ekb] td").nth(1).inner_text())
        company.admins["ekb"].issue("ekb", "cash")
        page.wait_for_function(
            f"document.querySelector('tr.office[data-id=ekb] td:nth-of-type(2)').textContent === '{before + 1}'",
            timeout=30000)

        # drill-down into Moscow's hall, live
        page.click("tr.office[data-id=msk] a")
        page.wait_for_url("**/company/offices/msk")
        assert page.locator("h1").inner_text() == OFFICES["msk"][0]
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Обновлено')")
        windows = page.locator("#windows tr").all_inner_texts()
        assert windows and any("ведёт приём" in w for w in windows), windows
        consult_before = company.admins["msk"].state("msk")
        waiting_codes = {t["code"] for t in consult_before["waiting"]}
        text = page.inner_text("#queues")
        assert all(code in text for code in waiting_codes), (waiting_codes, text)
        new = company.admins["msk"].issue("msk", "certificate")
        page.wait_for_function(f"document.getElementById('queues').textContent.includes('{new['code']}')",
                               timeout=30000)
        page.screenshot(path=str(shots_dir(tmp_path) / "company-office.png"), full_page=True)
        violations = axe_run(page)
        assert violations == [], axe_report(violations)

        # a phone's width: no sideways scrolling, the table still there
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(company.centre.url + "/company")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Обновлено')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        assert page.locator("tr.office[data-id=msk]").is_visible()
        page.screenshot(path=str(shots_dir(tmp_path) / "company-dashboard-390.png"), full_page=True)

        page.click("#sign-out")
        page.wait_for_url("**/company/login**")
        assert errors == [], errors
    finally:
        ctx.close()


def test_a_regional_head_in_chromium_sees_one_region_and_a_403_page(company, browser):
    # under the pages' own Content-Security-Policy (no bypass): their script, styles and stream work
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, locale="ru-RU")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(company.centre.url + "/company/login")
        page.fill("#login-name", "ural")
        page.fill("#login-password", "ural-password")
        page.click("button[type=submit]")
        page.wait_for_selector("table#offices")
        page.locator("#status", has_text=re.compile("^Обновлено")).wait_for()
        assert page.locator("#offices thead th").first.evaluate("e => getComputedStyle(e).backgroundColor") \
            == "rgb(238, 241, 246)"  # the stylesheet applies
        assert page.locator("tr.office").count() == 1
        assert page.locator("tr.office").get_attribute("data-id") == "ekb"
        resp = page.goto(company.centre.url + "/company/offices/msk")
        assert resp.status == 403
        assert "Нет доступа к этому офису" in page.inner_text("main")
        assert violations == [], violations
    finally:
        ctx.close()


def test_the_page_says_when_the_link_to_the_centre_is_lost_and_back(company, browser):
    """Through a TCP proxy of our own: the stream's connection reset and new ones refused - the
    status line says «Нет связи с центром» (in words and not only colour); the link back - the
    page reconnects by itself and shows changes again."""
    link = FaultyLink(company.centre.port)
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, locale="ru-RU", bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    try:
        page.goto(link.url + "/company/login")
        page.fill("#login-name", "boss")
        page.fill("#login-password", "boss-password")
        page.click("button[type=submit]")
        page.wait_for_selector("table#offices")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Обновлено')")
        link.mode = "refuse"
        link._reset(*link._conns)
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Нет связи с центром')",
                               timeout=30000)
        assert "offline" in page.get_attribute("#status", "class")
        before = int(page.locator("tr.office[data-id=ekb] td").nth(1).inner_text())
        company.admins["ekb"].issue("ekb", "consult")  # while the page is cut off
        link.mode = "pass"
        page.wait_for_function(
            f"document.querySelector('tr.office[data-id=ekb] td:nth-of-type(2)').textContent === '{before + 1}'",
            timeout=30000)
        assert not page.get_attribute("#status", "class") or "offline" not in page.get_attribute("#status", "class")
    finally:
        ctx.close()
        link.close()
