"""Who CHANGED personal data is logged (issue 16 point 7, 152-ФЗ practice), not only who saw it:
a booking made, moved or cancelled (by staff with their login, by the visitor on the public routes
as ``visitor``), a home visit scheduled and closed, a written request answered, and the daily
forgetting job blanking names and phones (``system``) - each a row of the access log with the
actor, the action, the record and the time, written in the same transaction as the change. The
stand's «Обращения и выезды» shows the log to the head and the admin (one Chromium page).

One real hub for the module; its clock only moves forward, so the tests run in order."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from support import HubProcess

MSK = ZoneInfo("Europe/Moscow")
CW = "/api/v1/offices/demo/casework"
BOOK = "/api/v1/offices/demo/bookings"
DAY = 86400.0


@pytest.fixture(scope="module")
def chromium():
    from browser_support import ARGS, CHROMIUM
    from playwright import sync_api as playwright_api
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("pdlog") / "hub.sqlite").start()
    admin = hub.client("admin")
    admin.request("PUT", "/api/v1/offices/demo/booking/settings",
                  json={"share": 0.5, "slot_minutes": 60, "early": 15, "late": 10, "grace": 30})
    hub.admin = admin
    yield hub
    hub.stop()


def now_of(h) -> float:
    return h.admin.state("demo")["now"]


def slot(h, ahead: int, hhmm: str) -> str:
    d = datetime.fromtimestamp(now_of(h), MSK).date() + timedelta(days=ahead)
    return f"{d.isoformat()}T{hhmm}"


def log_of(h, kind: str, record: int) -> list[dict]:
    return h.admin.get(f"{CW}/access-log", kind=kind, record=record)["access"]


def seen(rows) -> list[tuple[str, str, str]]:
    return sorted((r["login"], r["action"], r["fields"]) for r in rows)


def booking_id(h, code: str) -> int:
    import sqlite3
    with sqlite3.connect(h.db) as conn:
        return conn.execute("SELECT id FROM bookings WHERE code = ?", (code,)).fetchone()[0]


def test_a_booking_made_moved_and_cancelled_by_the_visitor_is_logged_as_the_visitor(h):
    before = now_of(h)
    r = requests.post(h.url + BOOK, timeout=10, json={"name": "Иван Петров", "phone": "+7 912 345-67-89",
                                                      "service": "consult", "slot": slot(h, 1, "10:00"),
                                                      "consent": True})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    ident = booking_id(h, code)
    assert seen(log_of(h, "booking", ident)) == [("visitor", "create", "name,phone")]
    r = requests.patch(f"{h.url}{BOOK}/{code}", json={"slot": slot(h, 1, "11:00")}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.delete(f"{h.url}{BOOK}/{code}", timeout=10)
    assert r.status_code == 200, r.text
    rows = log_of(h, "booking", ident)
    assert seen(rows) == [("visitor", "cancel", "state"), ("visitor", "change", "slot"),
                          ("visitor", "create", "name,phone")]
    assert all(r["at"] >= before and r["record_kind"] == "booking" and r["record"] == ident for r in rows)
    # a retry of a refused change writes nothing more
    assert requests.delete(f"{h.url}{BOOK}/{code}", timeout=10).status_code == 409
    assert len(log_of(h, "booking", ident)) == 3


def test_a_booking_made_and_moved_by_staff_names_the_staff_member(h):
    hall = h.client("hall")
    made = hall.post(BOOK, {"name": "Анна Смирнова", "phone": "+7 913 000-11-22", "service": "consult",
                            "slot": slot(h, 1, "12:00"), "consent": True})
    hall.request("PATCH", f"{BOOK}/{made['code']}", json={"slot": slot(h, 1, "13:00")})
    assert seen(log_of(h, "booking", booking_id(h, made["code"]))) == [("hall", "change", "slot"),
                                                                         ("hall", "create", "name,phone")]


def test_a_home_visit_scheduled_and_done_and_a_request_answered_are_logged(h):
    admin = h.admin
    v = admin.post(f"{CW}/visits", dict(name="Орлова Нина", phone="+7 900 111-22-33", address="ул. Мира, 3",
                                        reason="Заключить договор", channel="phone", consent=True,
                                        lives_alone=True, disability=False, over_65=True))
    d = (datetime.fromtimestamp(now_of(h), MSK).date() + timedelta(days=2)).isoformat()
    admin.post(f"{CW}/visits/{v['id']}/action", {"action": "schedule", "date": d})
    h.client("hall").post(f"{CW}/visits/{v['id']}/action", {"action": "done"})
    assert seen(log_of(h, "visit", v["id"])) == [("admin", "change", "state,scheduled_for"),
                                                 ("admin", "create", "name,phone,address"),
                                                 ("hall", "close", "state")]
    refused = admin.post(f"{CW}/visits", dict(name="Козлов Пётр", phone="+7 900 222-33-44", address="ул. Ленина, 1",
                                              reason="Справка", channel="phone", consent=True, lives_alone=True,
                                              disability=True, over_65=False))
    admin.post(f"{CW}/visits/{refused['id']}/action", {"action": "refuse", "reason": "Вопрос решён по телефону"})
    assert ("admin", "close", "state,refusal") in seen(log_of(h, "visit", refused["id"]))
    r = admin.post(f"{CW}/requests", dict(kind="complaint", channel="paper", subject="Очередь у кассы",
                                          name="Сидорова Мария", contact="+7 923 555-01-02", consent=True))
    admin.post(f"{CW}/requests/{r['id']}/answer", {})
    assert seen(log_of(h, "request", r["id"])) == [("admin", "close", "state"), ("admin", "create", "name,contact")]


def test_the_forgetting_job_logs_each_blanked_record_as_the_system(h):
    admin = h.admin
    admin.request("PUT", f"{CW}/settings", json={"personal_data_days": 30})
    kept = requests.post(h.url + BOOK, timeout=10, json={"name": "Олег Ким", "phone": "+7 914 000-00-01",
                                                         "service": "consult", "slot": slot(h, 1, "14:00"),
                                                         "consent": True}).json()
    admin.post("/api/v1/testing/clock", {"advance": 33 * DAY})
    when = now_of(h)
    done = admin.post(f"{CW}/forget", {})
    assert done["bookings"] >= 3 and done["visits"] >= 2 and done["requests"] >= 1
    rows = admin.get(f"{CW}/access-log")["access"]
    forgot = [r for r in rows if r["action"] == "forget"]
    assert {r["login"] for r in forgot} == {"system"}
    assert {r["record_kind"] for r in forgot} == {"booking", "visit", "request"}
    assert sum(r["record_kind"] == "booking" for r in forgot) == done["bookings"]
    assert ("system", "forget", "name,phone") in seen(log_of(h, "booking", booking_id(h, kept["code"])))
    assert all(abs(r["at"] - when) < 60 for r in forgot)
    # a second run blanks nothing and logs nothing
    assert admin.post(f"{CW}/forget", {})["bookings"] == 0
    assert len([r for r in admin.get(f"{CW}/access-log")["access"] if r["action"] == "forget"]) == len(forgot)


def test_the_stand_shows_the_changes_in_the_access_log(h, chromium):
    ctx = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        pg = ctx.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(15000)
        pg.goto(h.url + "/stand/casework")
        pg.fill("#login", "admin")
        pg.fill("#password", "admin-demo")
        pg.click("#login-submit")
        pg.wait_for_url("**/stand/casework")
        panel = pg.locator("#access-panel")
        expect(panel).to_be_visible()
        expect(panel.locator("tr[data-action=forget]").first).to_contain_text("автоматически")
        expect(panel.locator("tr[data-action=forget]").first).to_contain_text("стёрто по сроку хранения")
        moved = panel.locator("tr[data-action=change][data-kind=booking]")
        expect(moved.filter(has_text="hall")).to_have_count(1)
        expect(moved.filter(has_text="hall")).to_contain_text("время записи")
        expect(panel.locator("tr[data-action=cancel]")).to_contain_text("сам посетитель")
        expect(panel.locator("tr[data-action=close][data-kind=visit]").first).to_contain_text("выезд на дом")
        assert errors == [], errors
    finally:
        ctx.close()


def test_the_stand_hides_the_log_from_the_hall_administrator(h, chromium):
    ctx = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(15000)
        pg.goto(h.url + "/stand/casework")
        pg.fill("#login", "hall")
        pg.fill("#password", "hall-demo")
        pg.click("#login-submit")
        pg.wait_for_url("**/stand/casework")
        pg.wait_for_selector("#casework-page[aria-busy=false]")
        expect(pg.locator("#access-panel")).to_be_hidden()
    finally:
        ctx.close()
