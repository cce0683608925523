"""Casework through a real hub over HTTP: home visits, written requests with their deadlines,
masked lists and the personal-data access log, Russian 4xx on bad input with nothing written,
events without personal data, and the keeping period's daily job at the hub's testing clock.

One hub for the module; the tests run in file order and the last one moves the clock years ahead."""
import json
import sqlite3
import time
from datetime import date, timedelta

import jsonschema
import pytest
from support import HubProcess

from hub_client import HubError
from server.domain import casework as rules
from server.domain import events as event_catalogue

OFFICE = "demo"
BASE = f"/api/v1/offices/{OFFICE}/casework"
DAY = 86400.0
VISIT = dict(name="Иванова Анна Петровна", phone="+7 900 123-45-67", address="Новокузнецк, ул. Ленина, 1, кв. 5",
             reason="Переоформить договор", channel="phone", consent=True, lives_alone=True, disability=True,
             over_65=False)
REQUEST = dict(kind="complaint", channel="paper", subject="Неверный счёт за ноябрь", name="Петров Сергей",
               contact="+7 913 000-11-22", consent=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("TALON_FORGET_EVERY", "0.3")  # the daily job looks often; it still runs once per office day
    h = HubProcess(tmp_path_factory.mktemp("casework") / "hub.sqlite").start()
    mp.undo()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def admin(hub):
    return hub.client("admin")


def refused(call, *args) -> HubError:
    with pytest.raises(HubError) as e:
        call(*args)
    assert 400 <= e.value.status < 500
    assert any("а" <= ch <= "я" for ch in e.value.message.lower()), e.value.message  # Russian words
    return e.value


def count(hub, table: str) -> int:
    with sqlite3.connect(hub.db) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def hub_today(admin) -> date:
    return date.fromisoformat(admin.get(f"{BASE}/requests")["today"])


def test_home_visit_registered_shown_masked_and_opened_with_a_log_row(admin, hub):
    made = admin.post(f"{BASE}/visits", VISIT)
    assert made["state"] == "requested" and made["name"] == VISIT["name"] and made["phone"] == VISIT["phone"]
    assert made["eligible_because"] == "одиноко проживает; инвалидность"
    listed = next(v for v in admin.get(f"{BASE}/visits")["visits"] if v["id"] == made["id"])
    assert listed["name"] == "И… А. П." and listed["phone"] == "•••67" and listed["address"] == ""
    hall = hub.client("hall")
    opened = hall.get(f"{BASE}/visits/{made['id']}")
    assert opened["address"] == VISIT["address"]
    log = admin.get(f"{BASE}/access-log", kind="visit", record=made["id"])["access"]
    assert [(r["login"], r["action"]) for r in log] == [("hall", "read"), ("admin", "create")]
    assert log[0]["fields"] == "name,phone,address"


@pytest.mark.parametrize("change,code", [
    ({"consent": False}, "consent_required"),
    ({"lives_alone": False}, "not_eligible"),
    ({"disability": False, "over_65": False}, "not_eligible"),
    ({"phone": "позвоните"}, "bad_phone"),
    ({"name": "   "}, "name_required"),
    ({"channel": "pigeon"}, "invalid"),
    ({"secret": 1}, "invalid"),
])
def test_bad_home_visit_refused_and_nothing_written(admin, hub, change, code):
    before = count(hub, "home_visits"), count(hub, "events"), count(hub, "personal_data_access")
    err = refused(admin.post, f"{BASE}/visits", {**VISIT, **change})
    assert err.status == 400 and err.code == code
    assert (count(hub, "home_visits"), count(hub, "events"), count(hub, "personal_data_access")) == before


def test_over_65_is_eligible_without_disability(admin):
    made = admin.post(f"{BASE}/visits", {**VISIT, "disability": False, "over_65": True})
    assert made["eligible_because"] == "одиноко проживает; старше 65 лет"


def test_home_visit_scheduled_done_or_refused_with_a_reason(admin):
    today = hub_today(admin)
    v = admin.post(f"{BASE}/visits", VISIT)["id"]
    err = refused(admin.post, f"{BASE}/visits/{v}/action", {"action": "done"})
    assert (err.status, err.code, err.message) == (409, "visit_state", "Сначала назначьте дату выезда")
    err = refused(admin.post, f"{BASE}/visits/{v}/action", {"action": "schedule"})
    assert (err.status, err.code) == (400, "date_required")
    err = refused(admin.post, f"{BASE}/visits/{v}/action", {"action": "schedule", "date": "2026-13-45"})
    assert (err.status, err.code) == (400, "bad_date")
    err = refused(admin.post, f"{BASE}/visits/{v}/action",
                  {"action": "schedule", "date": (today - timedelta(days=1)).isoformat()})
    assert err.code == "date_past"
    when = (today + timedelta(days=3)).isoformat()
    s = admin.post(f"{BASE}/visits/{v}/action", {"action": "schedule", "date": when})
    assert (s["state"], s["scheduled_for"], s["state_words"]) == ("scheduled", when, "Назначен")
    d = admin.post(f"{BASE}/visits/{v}/action", {"action": "done"})
    assert d["state"] == "done"
    err = refused(admin.post, f"{BASE}/visits/{v}/action", {"action": "refuse", "reason": "Поздно"})
    assert (err.status, err.message) == (409, "Выезд уже выполнен")

    w = admin.post(f"{BASE}/visits", VISIT)["id"]
    err = refused(admin.post, f"{BASE}/visits/{w}/action", {"action": "refuse", "reason": "  "})
    assert (err.status, err.code) == (400, "reason_required")
    r = admin.post(f"{BASE}/visits/{w}/action", {"action": "refuse", "reason": "Проживает с родственниками"})
    assert (r["state"], r["refusal"]) == ("refused", "Проживает с родственниками")
    assert refused(admin.get, f"{BASE}/visits/999999").status == 404
    assert refused(admin.post, f"{BASE}/visits/999999/action", {"action": "done"}).status == 404


def test_roles(hub):
    op = hub.client("op1")
    assert refused(op.get, f"{BASE}/visits").status == 403
    assert refused(op.post, f"{BASE}/requests", REQUEST).status == 403
    head = hub.client("head")
    assert head.get(f"{BASE}/requests")["requests"] is not None
    hall = hub.client("hall")
    assert refused(hall.get, f"{BASE}/access-log").status == 403
    assert refused(hall.request, "PUT", f"{BASE}/settings", {"personal_data_days": 100}).status == 403


def test_written_request_with_its_deadline_masked_and_answered(admin, hub):
    today = hub_today(admin)
    c = admin.post(f"{BASE}/requests", REQUEST)
    # the demo office is on rosatom-2026: complaints within 10 working days (001:990)
    assert (c["term"], c["term_source"]) == ("10 рабочих дней", "001:990")
    assert c["due"] == rules.due_date(today, rules.Term(10, True, "")).isoformat()
    assert c["status"] == "open" and c["name"] == REQUEST["name"] and c["contact"] == REQUEST["contact"]
    r = admin.post(f"{BASE}/requests", {**REQUEST, "kind": "request"})
    assert r["due"] == (today + timedelta(days=30)).isoformat() and r["term"] == "30 календарных дней"
    listed = {i["id"]: i for i in admin.get(f"{BASE}/requests")["requests"]}
    assert listed[c["id"]]["name"] == "П… С." and listed[c["id"]]["contact"] == ""
    assert listed[c["id"]]["kind_words"] == "Жалоба"
    a = admin.post(f"{BASE}/requests/{c['id']}/answer")
    assert (a["state"], a["status"], a["answered_day"]) == ("answered", "answered", today.isoformat())
    err = refused(admin.post, f"{BASE}/requests/{c['id']}/answer")
    assert (err.status, err.code) == (409, "already_answered")
    assert refused(admin.post, f"{BASE}/requests/999999/answer").status == 404
    hub.client("head").get(f"{BASE}/requests/{r['id']}")
    log = admin.get(f"{BASE}/access-log", kind="request", record=r["id"])["access"]
    assert [(x["login"], x["action"]) for x in log] == [("head", "read"), ("admin", "create")]


@pytest.mark.parametrize("change,code", [
    ({"contact": " "}, "contact_required"),
    ({"consent": False}, "consent_required"),
    ({"subject": " "}, "subject_required"),
    ({"kind": "letter"}, "invalid"),
])
def test_bad_written_request_refused_and_nothing_written(admin, hub, change, code):
    before = count(hub, "written_requests"), count(hub, "events")
    err = refused(admin.post, f"{BASE}/requests", {**REQUEST, **change})
    assert (err.status, err.code) == (400, code)
    assert (count(hub, "written_requests"), count(hub, "events")) == before


def test_terms_of_the_office(admin):
    terms = admin.get(f"{BASE}/terms")
    assert terms["profile"] == "rosatom-2026"
    by = {(t["kind"], t["channel"]): t for t in terms["terms"]}
    assert by[("claim", "site")]["source"] == "001:990" and by[("request", "paper")]["days"] == 30


def test_events_and_public_views_carry_no_personal_data(admin, hub):
    with sqlite3.connect(hub.db) as db:
        rows = db.execute("SELECT type, data, view FROM events WHERE type LIKE 'visit.%' OR type LIKE 'request.%'"
                          ).fetchall()
    assert {t for t, _, _ in rows} >= {"visit.requested", "visit.scheduled", "visit.done", "visit.refused",
                                       "request.registered", "request.answered"}
    for kind, data, _ in rows:  # declared in the event catalogue, data as declared there
        jsonschema.validate(json.loads(data), event_catalogue.TYPES[kind].schema())
    text = json.dumps(rows, ensure_ascii=False)
    for secret in ("Иванова", "Петров", "900 123", "913 000", "Ленина", "Новокузнецк"):
        assert secret not in text
    state = json.dumps(hub.client(token=hub.board_key).state(OFFICE), ensure_ascii=False)
    assert "Иванова" not in state and "Петров" not in state


def test_overdue_and_due_soon_shown_after_days_pass(admin):
    r = admin.post(f"{BASE}/requests", {**REQUEST, "kind": "claim", "subject": "Пени"})
    admin.post("/api/v1/testing/clock", {"advance": 9 * DAY})
    now = {i["id"]: i for i in admin.get(f"{BASE}/requests")["requests"]}[r["id"]]
    assert (now["status"], now["status_words"]) == ("open", "В работе")  # 10 working days: 12-14 calendar days
    admin.post("/api/v1/testing/clock", {"advance": 3 * DAY})
    now = {i["id"]: i for i in admin.get(f"{BASE}/requests")["requests"]}[r["id"]]
    assert (now["status"], now["status_words"]) == ("due", "Скоро срок") and 0 <= now["days_left"] <= 2
    admin.post("/api/v1/testing/clock", {"advance": 4 * DAY})
    listed = admin.get(f"{BASE}/requests")
    now = {i["id"]: i for i in listed["requests"]}[r["id"]]
    assert (now["status"], now["status_words"]) == ("overdue", "Срок прошёл") and now["days_left"] < 0
    assert listed["summary"]["overdue"] >= 1
    late = admin.post(f"{BASE}/requests/{r['id']}/answer")
    assert late["status"] == "answered_late"


def test_settings(admin):
    assert admin.get(f"{BASE}/settings")["personal_data_days"] == rules.PERSONAL_DATA_DAYS
    for bad in (5, 99999, "много"):
        assert refused(admin.request, "PUT", f"{BASE}/settings", {"personal_data_days": bad}).status == 400
    assert admin.request("PUT", f"{BASE}/settings", {"personal_data_days": 40})["personal_data_days"] == 40
    assert admin.get(f"{BASE}/settings")["personal_data_days"] == 40


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the condition did not come true in time")


def test_the_daily_job_blanks_personal_data_after_the_keeping_period(admin, hub):
    """Keeping period 40 days (set above). A visit done now and a request answered now; 41 days
    later a new visit is made; the job (run by the hub on the new office day) blanks the old ones
    and keeps the new one."""
    # a booking for tomorrow (server/store/bookings.py): its name and phone go with the same job
    admin.request("PUT", "/api/v1/offices/demo/booking/settings", {"share": 0.5, "slot_minutes": 60})
    tomorrow = (hub_today(admin) + timedelta(days=1)).isoformat()
    slots = admin.get("/api/v1/offices/demo/booking/slots", service="consult", date=tomorrow)["slots"]
    slot = next(s for s in slots if s["free"] > 0)
    booked = admin.post("/api/v1/offices/demo/bookings", {"name": "Зайцев Олег", "phone": "+7 901 222-33-44",
                                                          "service": "consult", "slot": f"{tomorrow}T{slot['time']}",
                                                          "consent": True})
    old = admin.post(f"{BASE}/visits", VISIT)["id"]
    admin.post(f"{BASE}/visits/{old}/action", {"action": "refuse", "reason": "Отменён по просьбе"})
    old_req = admin.post(f"{BASE}/requests", REQUEST)["id"]
    admin.post(f"{BASE}/requests/{old_req}/answer")
    admin.post("/api/v1/testing/clock", {"advance": 20 * DAY})
    fresh = admin.post(f"{BASE}/visits", VISIT)["id"]
    # 42 days on: the booking's slot (tomorrow, at any hour) ended more than 40 days ago too, whatever
    # the hour the test runs at (with 41 days a morning slot was not yet 40 days old at midnight)
    admin.post("/api/v1/testing/clock", {"advance": 22 * DAY})

    def blanked():  # the casework records, then the bookings, each in its own write
        with sqlite3.connect(hub.db) as db:
            visit = db.execute("SELECT forgotten FROM home_visits WHERE id = ?", (old,)).fetchone()[0]
            name = db.execute("SELECT name FROM bookings WHERE code = ?", (booked["code"],)).fetchone()[0]
            return visit is not None and name == ""
    wait_for(blanked)
    with sqlite3.connect(hub.db) as db:
        db.row_factory = sqlite3.Row
        o = db.execute("SELECT * FROM home_visits WHERE id = ?", (old,)).fetchone()
        f = db.execute("SELECT * FROM home_visits WHERE id = ?", (fresh,)).fetchone()
        q = db.execute("SELECT * FROM written_requests WHERE id = ?", (old_req,)).fetchone()
        kinds = [r[0] for r in db.execute("SELECT type FROM events WHERE type = 'personal_data.forgotten'")]
        booking = db.execute("SELECT name, phone FROM bookings WHERE code = ?", (booked["code"],)).fetchone()
    assert (o["name"], o["phone"], o["address"]) == ("", "", "")
    assert (o["state"], o["refusal"], o["reason"]) == ("refused", "Отменён по просьбе", VISIT["reason"])
    assert (q["name"], q["contact"], q["kind"], q["state"]) == ("", "", "complaint", "answered")
    assert (f["name"], f["phone"], f["address"]) == (VISIT["name"], VISIT["phone"], VISIT["address"])
    assert f["forgotten"] is None
    assert tuple(booking) == ("", "")
    assert kinds
    assert admin.get(f"{BASE}/visits/{old}")["forgotten"] is True
    log = admin.get(f"{BASE}/access-log", kind="visit", record=old)["access"]
    assert [(r["login"], r["action"]) for r in log][:2] == [("admin", "read"), ("system", "forget")]
    # the job by hand finds nothing more to blank
    again = admin.post(f"{BASE}/forget")
    assert (again["visits"], again["requests"], again["bookings"], again["days"]) == (0, 0, 0, 40)
