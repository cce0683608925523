"""Appointments through a real hub over HTTP (issue 16): settings, slots, booking, the race for the
last places, same phone twice, cancel and move by the code, check-in and the ticket it makes (called
at its slot ahead of walk-ins), late and released bookings, the staff's list, personal data kept out
of the event log, the kiosk's «У меня запись» keypad (pytest-qt), wrong codes slowed. One hub for
the module; the hub's clock only moves forward, so the tests run in order on days further and
further ahead."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from PySide6.QtCore import Qt
from support import HubProcess, empty_hall

from hub_client import HubError
from kiosk.app import build
from kiosk.printing import decode
from kiosk.settings import KioskSettings
from printer_profiles import load_profile

MSK = ZoneInfo("Europe/Moscow")
NAME, PHONE = "Иван Петров", "+7 (912) 345-67-89"
_LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("bookings") / "hub.sqlite").start()
    admin = hub.client("admin")
    # one-hour slots; every serving window keeps half its time for bookings
    admin.request("PUT", "/api/v1/offices/demo/booking/settings",
                  json={"share": 0.5, "slot_minutes": 60, "early": 15, "late": 10, "grace": 30})
    hub.admin = admin
    yield hub
    hub.stop()


def now_of(h) -> float:
    return h.admin.state("demo")["now"]


def day(h, ahead: int) -> date:
    return datetime.fromtimestamp(now_of(h), MSK).date() + timedelta(days=ahead)


def advance_to(h, at: float) -> None:
    delta = at - now_of(h)
    assert delta > 0
    h.admin.post("/api/v1/testing/clock", {"advance": delta})


def slot_at(d: date, hhmm: str) -> float:
    return datetime.fromisoformat(f"{d.isoformat()}T{hhmm}").replace(tzinfo=MSK).timestamp()


def book(h, service="consult", slot=None, phone=PHONE, name=NAME, key=None, consent=True):
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(f"{h.url}/api/v1/offices/demo/bookings", headers=headers, timeout=10,
                         json={"name": name, "phone": phone, "service": service, "slot": slot, "consent": consent})


def pub(h, method, code, **kw):
    return requests.request(method, f"{h.url}/api/v1/offices/demo/bookings/{code}", timeout=10, **kw)


def russian_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code
    assert any("а" <= c <= "я" for c in body["message"].lower()), body
    return body


def test_settings_are_checked_and_kept(h):
    bad = requests.put(f"{h.url}/api/v1/offices/demo/booking/settings", json={"share": 0.5}, timeout=10)
    assert bad.status_code == 401
    with pytest.raises(HubError) as e:
        h.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"share": 3})
    assert e.value.status == 400
    with pytest.raises(HubError) as e:
        h.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"late": 40, "grace": 20})
    assert e.value.status == 400 and "опоздание" in e.value.message.lower()
    with pytest.raises(HubError) as e:
        h.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"services": ["nothing"]})
    assert e.value.status == 400 and e.value.code == "unknown_service"
    got = h.admin.get("/api/v1/offices/demo/booking/settings")
    assert got["share"] == 0.5 and got["slot_minutes"] == 60 and got["grace"] == 30


def test_slots_show_capacity_from_the_windows_that_serve_the_service(h):
    d = day(h, 1)
    r = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                     params={"service": "instalment", "date": d.isoformat()}, timeout=10)
    assert r.status_code == 200, r.text
    slots = r.json()["slots"]
    assert slots[0]["time"] == "00:00" and slots[10]["time"] == "10:00"
    assert {s["capacity"] for s in slots} == {2}  # half the time of windows 1, 2, 3 and 5
    consult = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                           params={"service": "consult", "date": d.isoformat()}, timeout=10).json()
    # half of windows 1-3: 1.5 a slot, so one slot takes 1 and the next 2
    assert [s["capacity"] for s in consult["slots"]][:4] == [1, 2, 1, 2]
    bad = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                       params={"service": "consult", "date": "2026-13-45"}, timeout=10)
    russian_error(bad, 400, "bad_date")
    none = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                        params={"service": "nothing", "date": d.isoformat()}, timeout=10)
    russian_error(none, 404, "service_not_bookable")
    services = requests.get(f"{h.url}/api/v1/offices/demo/booking/services", timeout=10).json()
    assert "consult" in {s["id"] for s in services["services"]} and len(services["days"]) == 14


def test_a_booking_gives_a_code_and_never_shows_the_name(h):
    slot = f"{day(h, 1).isoformat()}T11:00"
    key = uuid.uuid4().hex
    r = book(h, slot=slot, key=key)
    assert r.status_code == 201, r.text
    b = r.json()
    assert len(b["code"]) == 8 and b["code"].isdigit()
    assert b["time"] == "11:00" and b["state"] == "booked" and b["service_name"]
    assert b["phone"] == "+7 *** ***-67-89" and NAME not in r.text
    # the same request again with the same key: the same booking
    again = book(h, slot=slot, key=key)
    assert again.status_code == 201 and again.json()["code"] == b["code"]
    assert again.headers.get("Idempotent-Replay") == "true"
    # the same key for another request: refused
    russian_error(book(h, slot=slot, key=key, phone="+79990000000"), 409, "idempotency_mismatch")
    # the same phone (written another way) for the same slot: refused
    russian_error(book(h, slot=slot, phone="8 912 345 67 89"), 409, "same_phone")
    # looking it up
    got = pub(h, "GET", b["code"])
    assert got.status_code == 200 and got.json()["slot"] == slot and NAME not in got.text


@pytest.mark.parametrize("change, code", [
    ({"phone": "12345"}, "bad_phone"), ({"consent": False}, "consent_required"), ({"name": "   "}, "bad_name")])
def test_bad_bookings_are_refused_in_russian_and_write_nothing(h, change, code):
    slot = f"{day(h, 1).isoformat()}T12:00"
    args = {"slot": slot, "phone": "+79120000001", **change}
    russian_error(book(h, **args), 400, code)
    free = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                        params={"service": "consult", "date": day(h, 1).isoformat()}, timeout=10).json()
    assert [s["free"] for s in free["slots"] if s["time"] == "12:00"] == [1]


def test_slots_not_offered_or_past_are_refused(h):
    russian_error(book(h, slot=f"{day(h, 1).isoformat()}T11:30"), 409, "no_such_slot")
    russian_error(book(h, slot=f"{day(h, 0).isoformat()}T00:00", phone="+79120000002"), 409, "slot_past")
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings", json={"name": "x"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"]


def test_twenty_racing_clients_get_exactly_the_two_places_of_a_slot(h):
    slot = f"{day(h, 1).isoformat()}T14:00"  # instalments: capacity 2
    results = []
    barrier = threading.Barrier(20)

    def one(i):
        barrier.wait()
        results.append(book(h, service="instalment", slot=slot, phone=f"+7913{i:07d}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] * 2 + [409] * 18, statuses
    assert {r.json()["error"] for r in results if r.status_code == 409} == {"slot_full"}
    free = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots",
                        params={"service": "instalment", "date": day(h, 1).isoformat()}, timeout=10).json()
    assert [s["free"] for s in free["slots"] if s["time"] == "14:00"] == [0]
    rows = sqlite3.connect(h.db).execute(
        "SELECT COUNT(*) FROM bookings WHERE service = 'instalment' AND slot_start = ?",
        (slot_at(day(h, 1), "14:00"),)).fetchone()
    assert rows == (2,)


def test_cancel_and_move_by_the_code(h):
    d = day(h, 1)
    b = book(h, slot=f"{d.isoformat()}T15:00", phone="+79120000003").json()
    moved = pub(h, "PATCH", b["code"], json={"slot": f"{d.isoformat()}T16:00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["time"] == "16:00"
    russian_error(pub(h, "PATCH", b["code"], json={"slot": f"{d.isoformat()}T16:30"}), 409, "no_such_slot")
    gone = pub(h, "DELETE", b["code"])
    assert gone.status_code == 200 and gone.json()["state"] == "cancelled"
    russian_error(pub(h, "DELETE", b["code"]), 409, "not_booked")
    russian_error(pub(h, "PATCH", b["code"], json={"slot": f"{d.isoformat()}T17:00"}), 409, "not_booked")
    # the place is free again, and the same phone may book the slot again
    again = book(h, slot=f"{d.isoformat()}T16:00", phone="+79120000003")
    assert again.status_code == 201


def test_check_in_makes_a_ticket_called_at_its_slot_ahead_of_walk_ins(h):
    d = day(h, 2)
    b = book(h, slot=f"{d.isoformat()}T10:00", phone="+79120000004").json()
    kiosk = h.client(token=h.kiosk_key)
    with pytest.raises(HubError) as e:  # a day early
        kiosk.check_in("demo", b["code"])
    assert e.value.status == 409 and e.value.code == "too_early" and "подойдите" in e.value.message
    admin = empty_hall(h.admin)
    advance_to(h, slot_at(d, "09:50"))
    walk = kiosk.issue("demo", "consult")  # a walk-in who came earlier
    ticket = kiosk.check_in("demo", b["code"])
    assert ticket["booking"] == {"code": b["code"], "on_time": True, "time": "10:00"}
    assert ticket["appointment"] == b["code"] and ticket["code"].startswith("А-")
    with pytest.raises(HubError) as e:
        kiosk.check_in("demo", b["code"])
    assert e.value.status == 409 and e.value.code == "already_checked_in"
    op = h.client("op1")
    op.window(1, "open")
    first = op.call_next(1)
    assert first["id"] == walk["id"]  # before the slot: the walk-in
    op.act(first["id"], "cancel")
    walk2 = kiosk.issue("demo", "consult")
    advance_to(h, slot_at(d, "10:00") + 5)
    second = op.call_next(1)
    assert second["id"] == ticket["id"], (second, walk2)  # at its slot: ahead of the earlier walk-in
    # the event log carries the code, never the name or the phone
    con = sqlite3.connect(h.db)
    rows = con.execute("SELECT data, view FROM events WHERE type = 'ticket.issued'").fetchall()
    issued = [r for r in rows if b["code"] in r[0]]
    assert issued and all("appointment" in r[0] for r in issued)
    everything = " ".join(r[0] + r[1] for r in con.execute("SELECT data, view FROM events"))
    assert "Иван" not in everything and "9120000004" not in everything
    staff = admin.get("/api/v1/offices/demo/bookings", date=d.isoformat())
    mine = [x for x in staff["bookings"] if x["code"] == b["code"]][0]
    assert mine["state"] == "arrived" and mine["name"] == NAME and mine["ticket_code"] == ticket["code"]
    op.act(second["id"], "cancel")
    h.admin.act(walk2["id"], "cancel")


def test_late_check_in_gets_a_walk_in_ticket_and_after_the_grace_the_booking_is_released(h):
    d = day(h, 1)
    late = book(h, slot=f"{d.isoformat()}T10:00", phone="+79120000005").json()
    gone = book(h, slot=f"{d.isoformat()}T09:00", phone="+79120000006").json()
    advance_to(h, slot_at(d, "10:20"))
    kiosk = h.client(token=h.kiosk_key)
    t = kiosk.check_in("demo", late["code"])
    assert t["booking"]["on_time"] is False and "appointment" not in t
    with pytest.raises(HubError) as e:
        kiosk.check_in("demo", gone["code"])
    assert e.value.status == 409 and e.value.code == "released" and "обычный талон" in e.value.message
    listed = h.admin.get("/api/v1/offices/demo/bookings", date=d.isoformat())
    states = {x["code"]: x["state"] for x in listed["bookings"]}
    assert states[gone["code"]] == "released" and states[late["code"]] == "arrived"
    assert listed["counts"]["released"] >= 1
    # who saw the names and phones of the day's list is logged, booking by booking
    seen = [a for a in h.admin.get("/api/v1/offices/demo/casework/access-log", kind="booking")["access"]
            if a["login"] != "visitor"]  # the visitors' own bookings (create, cancel, move) are logged too
    assert {(a["login"], a["action"], a["fields"]) for a in seen} == {("admin", "read", "name,phone")}
    assert len({a["record"] for a in seen}) >= len(listed["bookings"]) >= 2
    h.admin.act(t["id"], "cancel")


def test_the_days_list_is_for_staff_only(h):
    r = requests.get(f"{h.url}/api/v1/offices/demo/bookings", timeout=10)
    assert r.status_code == 401
    with pytest.raises(HubError) as e:
        h.client(token=h.kiosk_key).get("/api/v1/offices/demo/bookings")
    assert e.value.status == 403
    with pytest.raises(HubError) as e:
        h.client("op1").get("/api/v1/offices/demo/bookings")
    assert e.value.status == 403
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings/12345678/check-in", timeout=10)
    assert r.status_code == 401


def test_personal_data_can_be_forgotten_after_the_slot(h):
    from server.store import bookings
    from server.store.db import Store
    store = Store(h.db)
    try:
        n = bookings.forget_personal_data(store, now_of(h))
        assert n >= 1
        left = sqlite3.connect(h.db).execute(
            "SELECT COUNT(*) FROM bookings WHERE slot_end < ? AND (name != '' OR phone != '')",
            (now_of(h),)).fetchone()
        assert left == (0,)
        future = sqlite3.connect(h.db).execute(
            "SELECT COUNT(*) FROM bookings WHERE slot_end > ? AND name != ''", (now_of(h),)).fetchone()
        assert future[0] >= 1
        assert bookings.Bookings(store).forget_personal_data(now_of(h)) == 0
    finally:
        store.close()


def test_the_directors_reception_has_its_own_hours_slots_and_queue(h):
    admin = h.admin
    admin.post("/api/v1/offices/demo/services", {"id": "head", "letter": "Р", "name": "Приём руководителя",
                                                  "kind": "consultation", "client_type": "any", "order": 20})
    today = datetime.fromtimestamp(now_of(h), MSK)
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    other = weekdays[(today.weekday() + 1) % 7]
    settings = {"share": 0.5, "slot_minutes": 60, "early": 15, "late": 10, "grace": 30, "services": ["consult"],
                "reception": {"service": "head", "days": [other], "from": "15:00", "to": "17:00", "windows": [6]}}
    admin.request("PUT", "/api/v1/offices/demo/booking/settings", json=settings)
    info = requests.get(f"{h.url}/api/v1/offices/demo/booking/services", timeout=10).json()
    assert {s["id"] for s in info["services"]} == {"consult", "head"}
    assert info["reception"]["open_now"] is False and info["reception"]["windows"] == [6]
    # a walk-in ticket outside its hours: refused in words, with when it opens
    kiosk = h.client(token=h.kiosk_key)
    with pytest.raises(HubError) as e:
        kiosk.issue("demo", "head")
    assert e.value.status == 409 and e.value.code == "service_closed"
    assert "Приём руководителя" in e.value.message and e.value.details["opens_at"].startswith(
        day(h, 1).isoformat() + "T15:00")
    # the hall's state says so too, and the kiosk leaves the topic out until its hours
    from kiosk.flow import topics
    state = kiosk.state("demo")
    head = next(s for s in state["services"] if s["id"] == "head")
    assert head["reception"] is True and head["open"] is False
    assert head["opens_at"].startswith(day(h, 1).isoformat() + "T15:00")
    assert "head" not in {t.id for t in topics(state)} and "consult" in {t.id for t in topics(state)}
    # its slots: only in its hours on its day, at the head's one window (share 1.0 of it)
    slots = requests.get(f"{h.url}/api/v1/offices/demo/booking/slots", timeout=10,
                         params={"service": "head", "date": day(h, 1).isoformat()}).json()["slots"]
    assert [(s["time"], s["capacity"]) for s in slots] == [("15:00", 1), ("16:00", 1)]
    assert requests.get(f"{h.url}/api/v1/offices/demo/booking/slots", timeout=10,
                        params={"service": "head", "date": day(h, 0).isoformat()}).json()["slots"] == []
    b = book(h, service="head", slot=f"{day(h, 1).isoformat()}T15:00", phone="+79120000009")
    assert b.status_code == 201, b.text
    russian_error(book(h, service="head", slot=f"{day(h, 1).isoformat()}T15:00", phone="+79120000010"),
                  409, "slot_full")
    # inside its hours (today, the whole day): walk-in tickets are taken
    settings["reception"]["days"] = [weekdays[today.weekday()]]
    settings["reception"]["from"], settings["reception"]["to"] = "00:00", "23:59"
    admin.request("PUT", "/api/v1/offices/demo/booking/settings", json=settings)
    assert requests.get(f"{h.url}/api/v1/offices/demo/booking/services",
                        timeout=10).json()["reception"]["open_now"] is True
    t = kiosk.issue("demo", "head")
    assert t["code"].startswith("Р-")
    state = kiosk.state("demo")
    assert next(s for s in state["services"] if s["id"] == "head")["open"] is True
    assert "head" in {t.id for t in topics(state)}
    admin.act(t["id"], "cancel")
    # a reception at a window the office does not have: refused
    settings["reception"]["windows"] = [42]
    with pytest.raises(HubError) as e:
        admin.request("PUT", "/api/v1/offices/demo/booking/settings", json=settings)
    assert e.value.status == 400 and e.value.code == "unknown_window"


def type_code(qtbot, screen, code: str) -> None:
    for digit in code:
        qtbot.mouseClick(screen.keys[digit], _LEFT)


def next_slot(h) -> str:
    """A five-minute slot starting 5-10 minutes from the hub's now (within check-in's 15 minutes)."""
    now = h.client("admin").state("demo")["now"]
    start = (int(now // 300) + 2) * 300
    return datetime.fromtimestamp(start, MSK).strftime("%Y-%m-%dT%H:%M")


def test_check_in_by_code_on_the_keypad_prints_the_appointment_ticket(qtbot, h, tmp_path):
    """«У меня запись» on the kiosk (pytest-qt, offscreen): the idle screen's button opens the keypad;
    a wrong code is refused in the hub's words; the right one prints the ticket (read back from the
    printer file) that carries the appointment, and the screen says «По записи на …»."""
    h.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"share": 1.0, "slot_minutes": 5})
    slot = next_slot(h)
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings", timeout=10,
                      json={"name": "Пётр", "phone": "+79120001122", "service": "consult", "slot": slot,
                            "consent": True})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    out = tmp_path / "printer.bin"
    path = tmp_path / "kiosk.json"
    KioskSettings(idle_timeout_s=30.0, ticket_timeout_s=30.0, retry_s=0.3, heartbeat_s=30.0,
                  refresh_s=30.0).save(path)
    w = build(["--hub", h.url, "--settings", str(path), "--window", "1920x1080", "--key", h.kiosk_key,
               "--printer-file", str(out)])
    qtbot.addWidget(w)
    w.show()
    w.start()
    try:
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=30000)
        button = w.checkin_flow.button
        assert button.isVisible() and button.title.text() == "У меня запись"
        qtbot.mouseClick(button, _LEFT)
        assert w.current is w.checkin
        assert w.checkin.keys["Готово"].isEnabled() is False
        # a wrong code: the hub's words on the keypad screen, nothing printed
        type_code(qtbot, w.checkin, "00000001")
        assert w.checkin.keys["Готово"].isEnabled()
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.checkin.error.isVisible(), timeout=30000)
        assert "не найдена" in w.checkin.error.text()
        assert w.checkin.code == ""
        # erasing works
        type_code(qtbot, w.checkin, "12")
        qtbot.mouseClick(w.checkin.keys["Стереть"], _LEFT)
        assert w.checkin.code == "1"
        qtbot.mouseClick(w.checkin.keys["Стереть"], _LEFT)
        # the right code
        type_code(qtbot, w.checkin, code)
        if os.environ.get("TALON_SCREENSHOTS"):  # docs/screenshots/booking-kiosk-keypad.png
            folder = Path(os.environ["TALON_SCREENSHOTS"])
            folder.mkdir(parents=True, exist_ok=True)
            w.app.processEvents()
            w.grab().save(str(folder / "booking-kiosk-keypad.png"))
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.current is w.ticket, timeout=30000)
        assert w.ticket.code.text().startswith("А-")
        time_text = slot[-5:]
        assert any(f"По записи на {time_text}" in lbl.text() for lbl in w.ticket.findChildren(type(w.checkin.title)))
        qtbot.waitUntil(lambda: out.exists() and out.stat().st_size > 0, timeout=30000)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job = decode(out.read_bytes(), load_profile("epson-tm-t88").code_page_table())
            if w.ticket.code.text() in job.text:
                break
            qtbot.wait(100)
        assert w.ticket.code.text() in job.text and "Консультация" in job.text
        # the hub: one ticket with the appointment's code; the booking is arrived
        state = h.client("admin").state("demo")
        mine = [t for t in state["waiting"] if t["code"] == w.ticket.code.text()]
        assert len(mine) == 1 and mine[0]["appointment"] == code
        got = requests.get(f"{h.url}/api/v1/offices/demo/bookings/{code}", timeout=10).json()
        assert got["state"] == "arrived"
        # a second try with the same code is refused in words
        qtbot.mouseClick(w.footer.back, _LEFT)  # «Готово» on the ticket screen: back to idle
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=30000)
        qtbot.mouseClick(w.checkin_flow.button, _LEFT)
        type_code(qtbot, w.checkin, code)
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.checkin.error.isVisible(), timeout=30000)
        assert "уже получен" in w.checkin.error.text()
    finally:
        w.shutdown()


def test_wrong_codes_are_slowed_per_address(h):
    # last in the module: the address is slowed afterwards
    statuses = [pub(h, "GET", f"{i:08d}").status_code for i in range(12)]
    assert statuses[0] == 404 and 429 in statuses, statuses
    r = pub(h, "GET", "00000099")
    assert r.status_code == 429 and r.headers.get("Retry-After")
    assert "неверных кодов" in r.json()["message"]
