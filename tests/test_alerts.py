"""Alerts for the hall administrator: the pure rules (milliseconds), then the API over a real hub."""
import time

import pytest
import requests
from core_support import at, make_hall

from hub_client import HubError
from server.domain.alerts import DEVICE_DOWN_LIMIT, duration_words, hall_alerts, people_words, wait_level
from server.domain.schedule import Schedule, weekdays

T0 = at("2026-11-23 10:00")  # a Monday
MIN = 60.0


def ids(alerts):
    return [a.id for a in alerts]


def by_id(alerts, alert_id):
    return next(a for a in alerts if a.id == alert_id)


# ---------------------------------------------------------------------- waits, services, visits

def test_wait_nearing_then_over_its_norm_by_service_kind():
    hall = make_hall(windows=2)
    hall.open_window(1, T0)
    consult = hall.issue("consult", T0)   # wait norm 8 min (001:388–389)
    cash = hall.issue("cash", T0)         # wait norm 4 min (001:400–401)
    assert [a for a in hall_alerts(hall, T0 + 2 * MIN) if a.kind.startswith("wait")] == []
    # 3 min: cash is at 75 % of 4 min
    alerts = hall_alerts(hall, T0 + 3 * MIN)
    near = by_id(alerts, f"wait_near:ticket:{cash.id}")
    assert near.level == "warning" and near.since == T0 + 3 * MIN and near.code == "Б-001"
    assert "001:400" in near.source and "ждёт 3 мин из 4 мин" in near.text
    # 5 min: cash is over (the «near» alert is replaced, not added to)
    alerts = hall_alerts(hall, T0 + 5 * MIN)
    assert f"wait_near:ticket:{cash.id}" not in ids(alerts)
    over = by_id(alerts, f"wait_over:ticket:{cash.id}")
    assert over.level == "danger" and over.since == T0 + 4 * MIN and over.limit == 4 * MIN
    assert "ждёт 5 мин при нормативе 4 мин" in over.text
    # 6 min: consultation reaches 75 % of 8 min
    assert f"wait_near:ticket:{consult.id}" in ids(hall_alerts(hall, T0 + 6 * MIN))
    # a threshold of 50 % moves it earlier
    assert f"wait_near:ticket:{consult.id}" in ids(hall_alerts(hall, T0 + 4 * MIN, near=0.5))
    # called: no more waiting alerts for it
    hall.call_ticket(1, cash.id, T0 + 6 * MIN)
    assert not [a for a in hall_alerts(hall, T0 + 6 * MIN) if a.ticket == cash.id]


def test_wait_level_matches_the_alerts():
    assert wait_level(100, None) == "ok"
    assert wait_level(359, 480) == "ok" and wait_level(360, 480) == "near" and wait_level(480, 480) == "over"


def test_service_over_its_norm_and_visit_over_33_minutes():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 20 * MIN)
    hall.start(t.id, T0 + 21 * MIN)
    assert not [a for a in hall_alerts(hall, T0 + 28 * MIN) if a.kind == "service_over"]
    alerts = hall_alerts(hall, T0 + 30 * MIN)
    over = by_id(alerts, f"service_over:ticket:{t.id}")
    assert over.window == 1 and over.since == T0 + 29 * MIN and "приём идёт 9 мин при нормативе 8 мин" in over.text
    assert f"visit_over:ticket:{t.id}" not in ids(alerts)
    alerts = hall_alerts(hall, T0 + 34 * MIN)
    visit = by_id(alerts, f"visit_over:ticket:{t.id}")
    assert visit.since == T0 + 33 * MIN and visit.source == "001:418–419" and "уже 34 мин" in visit.text
    hall.finish(t.id, T0 + 35 * MIN)
    assert hall_alerts(hall, T0 + 36 * MIN) == []


def test_a_transfer_is_a_new_occurrence_of_the_same_ticket_alert():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    t = hall.issue("cash", T0)
    acks = {f"wait_over:ticket:{t.id}": {"login": "hall", "at": T0 + 5 * MIN}}
    assert by_id(hall_alerts(hall, T0 + 5 * MIN, acks=acks), f"wait_over:ticket:{t.id}").acknowledged == {
        "login": "hall", "at": T0 + 5 * MIN}
    hall.transfer(t.id, T0 + 6 * MIN, service="consult")  # waits again, for a consultation (8 min)
    alerts = hall_alerts(hall, T0 + 15 * MIN, acks=acks)
    again = by_id(alerts, f"wait_over:ticket:{t.id}")
    assert again.acknowledged is None and again.since == T0 + 14 * MIN


def test_profile_without_waiting_norm_raises_no_wait_alerts_but_service_range_limit():
    hall = make_hall(profile="kuzbass-2020", windows=1)  # service 5–10 min, no wait norm (000:334–335)
    hall.open_window(1, T0)
    t = hall.issue("consult", T0)
    hall.issue("consult", T0)
    assert not [a for a in hall_alerts(hall, T0 + 120 * MIN) if a.kind.startswith("wait")]
    hall.call_ticket(1, t.id, T0 + 120 * MIN)
    hall.start(t.id, T0 + 120 * MIN)
    assert not [a for a in hall_alerts(hall, T0 + 129 * MIN) if a.kind == "service_over"]  # limit is 10
    assert f"service_over:ticket:{t.id}" in ids(hall_alerts(hall, T0 + 131 * MIN))


def test_yesterdays_tickets_raise_nothing():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    hall.issue("cash", T0)
    assert hall_alerts(hall, T0 + 86400) == []


# ---------------------------------------------------------------------- nobody to serve

def test_people_waiting_and_no_window_open():
    hall = make_hall(windows=2)
    hall.open_window(1, T0)
    hall.close_window(1, T0 + 1 * MIN)
    hall.issue("consult", T0 + 2 * MIN)
    hall.issue("consult", T0 + 3 * MIN)
    alert = by_id(hall_alerts(hall, T0 + 4 * MIN), "no_window:office")
    assert alert.level == "danger" and alert.source == "002:128" and alert.since == T0 + 2 * MIN
    assert "ждут 2 посетителя" in alert.text
    hall.open_window(2, T0 + 5 * MIN)
    assert "no_window:office" not in ids(hall_alerts(hall, T0 + 5 * MIN))
    # a paused window is not open either (the break guard refuses this; a replayed log may hold it)
    hall.apply({"type": "window.paused", "at": T0 + 6 * MIN, "office": "t", "day": hall.day,
                "data": {"window": 2, "reason": "lunch"}})
    assert by_id(hall_alerts(hall, T0 + 7 * MIN), "no_window:office").since == T0 + 6 * MIN


def test_no_open_window_serves_this_service():
    hall = make_hall(windows=2, window_services={"consult": 2})
    hall.windows[2].services = {"cash": 2}
    hall.open_window(1, T0)
    hall.issue("cash", T0)
    hall.issue("consult", T0)
    alerts = hall_alerts(hall, T0 + MIN)
    alert = by_id(alerts, "no_window:service:cash")
    assert "Оплата" in alert.title and "Б-001" in alert.text and "no_window:office" not in ids(alerts)
    hall.open_window(2, T0 + 2 * MIN)
    assert "no_window:service:cash" not in ids(hall_alerts(hall, T0 + 2 * MIN))


# ---------------------------------------------------------------------- devices

KIOSK = {"id": "kiosk-1", "kind": "kiosk", "name": "Киоск у входа"}


def test_device_down_counts_minutes_and_turns_red_after_60():
    hall = make_hall()
    seen = T0 - 2 * MIN
    devices = [{**KIOSK, "last_seen": seen, "status": {"printer": {"state": "ok"}}},
               {"id": "board-1", "kind": "board", "name": "Табло", "last_seen": T0 + 9 * MIN, "status": {}},
               {"id": "kiosk-new", "kind": "kiosk", "name": "Новый", "last_seen": None, "status": {}}]
    assert ids(hall_alerts(hall, T0 - MIN, devices=devices[::2])) == []  # 60 s: still on line
    alert = by_id(hall_alerts(hall, T0 + 10 * MIN, devices=devices), "device_down:device:kiosk-1")
    assert alert.level == "warning" and alert.since == seen and alert.source == "001:784"
    assert "Киоск «Киоск у входа» не выходит на связь — уже 12 мин; до предела в 60 мин осталось 48 мин" == alert.text
    late = by_id(hall_alerts(hall, seen + DEVICE_DOWN_LIMIT + 1, devices=devices), "device_down:device:kiosk-1")
    assert late.level == "danger" and "предел в 60 мин превышен" in late.text
    # the board (heard just now) and the never-seen kiosk raise nothing
    assert [a.device for a in hall_alerts(hall, T0 + 10 * MIN, devices=devices)] == ["kiosk-1"]


def test_device_down_overnight_counts_from_the_opening_and_not_at_night():
    schedule = Schedule(tz="Europe/Moscow", week=weekdays("08:00", "20:00"))
    hall = make_hall(schedule=schedule)
    devices = [{**KIOSK, "last_seen": at("2026-11-20 19:55"), "status": {}}]  # last heard Friday evening
    assert hall_alerts(hall, at("2026-11-22 12:00"), devices=devices) == []  # Sunday: closed
    alert = by_id(hall_alerts(hall, at("2026-11-23 08:30"), devices=devices), "device_down:device:kiosk-1")
    assert alert.since == at("2026-11-23 08:00") and "уже 30 мин" in alert.text and alert.level == "warning"


def test_printer_down_from_the_heartbeat_or_an_incident_and_paper_low():
    hall = make_hall()
    devices = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_out"}}, "status_since": T0 - 5 * MIN}]
    alert = by_id(hall_alerts(hall, T0, devices=devices), "printer_down:device:kiosk-1")
    assert "закончилась бумага — уже 5 мин" in alert.text and alert.since == T0 - 5 * MIN
    incidents = [{"id": 7, "device": "kiosk-1", "kind": "printer", "detail": "замятие бумаги",
                  "opened_at": T0 - 70 * MIN}]
    devices[0]["status"] = {"printer": {"state": "ok"}}
    alert = by_id(hall_alerts(hall, T0, devices=devices, incidents=incidents), "printer_down:device:kiosk-1")
    assert "замятие бумаги" in alert.text and alert.level == "danger"
    devices[0]["status"] = {"printer": {"state": "paper_low"}}
    assert ids(hall_alerts(hall, T0, devices=devices)) == ["paper_low:device:kiosk-1"]
    # an off-line kiosk's printer state is stale: only «not on line» is shown
    devices[0].update(status={"printer": {"state": "paper_out"}}, last_seen=T0 - 10 * MIN)
    assert ids(hall_alerts(hall, T0, devices=devices)) == ["device_down:device:kiosk-1"]


def test_other_incidents():
    hall = make_hall()
    devices = [{"id": "board-1", "kind": "board", "name": "Табло в зале", "last_seen": T0, "status": {}}]
    incidents = [{"id": 3, "device": "board-1", "kind": "sound", "detail": "", "opened_at": T0 - MIN}]
    alert = by_id(hall_alerts(hall, T0, devices=devices, incidents=incidents), "incident:3")
    assert alert.text.startswith("Табло «Табло в зале»: нет звука") and alert.level == "warning"


# ---------------------------------------------------------------------- help and acknowledgements

def test_help_request_shows_until_acknowledged():
    hall = make_hall()
    helps = [{"seq": 40, "at": T0, "device": "kiosk-1", "screen": "services", "comment": ""},
             {"seq": 12, "at": T0 - 86400, "device": "kiosk-1", "screen": "", "comment": ""}]  # yesterday
    devices = [{**KIOSK, "last_seen": T0 + 3 * MIN, "status": {}}]
    alerts = hall_alerts(hall, T0 + MIN, devices=devices, help_requests=helps)
    assert ids(alerts) == ["help:event:40"]
    assert alerts[0].text == "В 10:00 нажата кнопка «Нужна помощь» на киоске «Киоск у входа», экран «services»"
    acks = {"help:event:40": {"login": "hall", "at": T0 + 2 * MIN}}
    assert hall_alerts(hall, T0 + 3 * MIN, devices=devices, help_requests=helps, acks=acks) == []


def test_acknowledged_alerts_go_last_and_a_new_occurrence_is_new():
    hall = make_hall()
    hall.open_window(1, T0)
    a = hall.issue("cash", T0)
    b = hall.issue("cash", T0 + MIN)
    acks = {f"wait_over:ticket:{a.id}": {"login": "hall", "at": T0 + 10 * MIN}}
    alerts = hall_alerts(hall, T0 + 10 * MIN, acks=acks)
    assert ids(alerts) == [f"wait_over:ticket:{b.id}", f"wait_over:ticket:{a.id}"]
    assert alerts[1].acknowledged["login"] == "hall" and alerts[0].acknowledged is None
    devices = [{**KIOSK, "last_seen": T0 + 20 * MIN, "status": {}}]  # down again after the ack
    stale = {"device_down:device:kiosk-1": {"login": "hall", "at": T0 + 5 * MIN}}
    assert by_id(hall_alerts(hall, T0 + 30 * MIN, devices=devices, acks=stale),
                 "device_down:device:kiosk-1").acknowledged is None


def test_words():
    assert duration_words(45) == "45 с" and duration_words(420) == "7 мин" and duration_words(3900) == "1 ч 05 мин"
    assert [people_words(n) for n in (1, 2, 5, 11, 21, 22)] == [
        "1 посетитель", "2 посетителя", "5 посетителей", "11 посетителей", "21 посетитель", "22 посетителя"]


def test_alert_json_has_elapsed_time():
    hall = make_hall()
    hall.open_window(1, T0)
    hall.issue("cash", T0)
    j = hall_alerts(hall, T0 + 6 * MIN)[0].to_json(T0 + 6 * MIN)
    assert j["elapsed"] == 2 * MIN and "dismiss_on_ack" not in j and j["kind"] == "wait_over"


# ---------------------------------------------------------------------- the API over a real hub

def advance(client, seconds):
    client.post("/api/v1/testing/clock", {"advance": seconds})


def test_alerts_api_roles_ack_and_events(shared_hub):
    admin = shared_hub.client("admin")
    hall = shared_hub.client("hall")
    op = shared_hub.client("op1")
    with pytest.raises(HubError) as e:
        op.get("/api/v1/offices/demo/alerts")
    assert e.value.status == 403
    assert requests.get(f"{shared_hub.url}/api/v1/offices/demo/alerts").status_code == 401
    assert hall.get("/api/v1/offices/demo/alerts")["alerts"] == []

    t = admin.issue("demo", "cash")
    got = hall.get("/api/v1/offices/demo/alerts")
    assert [a["id"] for a in got["alerts"]] == ["no_window:office"] and got["near"] == 0.75
    advance(admin, 5 * 60)
    got = hall.get("/api/v1/offices/demo/alerts")
    over = next(a for a in got["alerts"] if a["id"] == f"wait_over:ticket:{t['id']}")
    assert over["code"] == t["code"] and over["elapsed"] >= 60 and over["acknowledged"] is None

    seq = hall.state("demo")["seq"]
    acked = hall.post(f"/api/v1/offices/demo/alerts/wait_over:ticket:{t['id']}/ack")
    assert acked["acknowledged"]["login"] == "hall"
    state = hall.state("demo")
    assert state["seq"] == seq + 1  # the acknowledgement is an event other stands follow
    got = hall.get("/api/v1/offices/demo/alerts")["alerts"]
    assert got[-1]["id"] == f"wait_over:ticket:{t['id']}" and got[-1]["acknowledged"]

    with pytest.raises(HubError) as e:
        hall.post("/api/v1/offices/demo/alerts/wait_over:ticket:999999/ack")
    assert e.value.status == 404 and "нет" in e.value.message
    with pytest.raises(HubError) as e:
        hall.post("/api/v1/offices/demo/alerts/<script>/ack")
    assert e.value.status in (400, 404)
    with pytest.raises(HubError) as e:
        shared_hub.client("head").post("/api/v1/offices/demo/alerts/no_window:office/ack")
    assert e.value.status == 403
    admin.act(t["id"], "cancel")


def test_help_and_device_alerts_over_http(shared_hub):
    admin = shared_hub.client("admin")
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    kiosk.heartbeat(printer={"state": "ok"})
    assert not [a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"] if a["device"]]
    kiosk.help("demo", screen="services")
    kiosk.heartbeat(printer={"state": "paper_out"})
    alerts = admin.get("/api/v1/offices/demo/alerts")["alerts"]
    kinds = {a["kind"]: a for a in alerts}
    assert "help" in kinds and "printer_down" in kinds
    assert "Киоск у входа" in kinds["help"]["text"] and "закончилась бумага" in kinds["printer_down"]["text"]
    admin.post(f"/api/v1/offices/demo/alerts/{kinds['help']['id']}/ack")
    assert "help" not in {a["kind"] for a in admin.get("/api/v1/offices/demo/alerts")["alerts"]}
    # printing at a kiosk without paper is refused with words to act on
    t = admin.issue("demo", "consult", source="administrator")
    with pytest.raises(HubError) as e:
        admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
    assert e.value.status == 409 and "бумага" in e.value.message
    kiosk.heartbeat(printer={"state": "ok"})
    advance(admin, 120)  # the kiosk falls silent
    alerts = admin.get("/api/v1/offices/demo/alerts")["alerts"]
    down = next(a for a in alerts if a["kind"] == "device_down")
    assert down["device"] == "kiosk-demo" and "не выходит на связь" in down["text"]
    with pytest.raises(HubError) as e:
        admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
    assert e.value.status == 409 and "не на связи" in e.value.message
    admin.act(t["id"], "cancel")


def test_print_request_is_an_event_the_kiosk_can_act_on(shared_hub):
    from hub_client import EventStream

    admin = shared_hub.client("admin")
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    kiosk.heartbeat(printer={"state": "ok"})
    seen = []
    stream = EventStream(shared_hub.url, "demo", shared_hub.kiosk_key, on_event=seen.append).start()
    try:
        time.sleep(0.3)
        t = admin.issue("demo", "owner", source="administrator", individual=True)
        r = admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
        assert r["code"] == t["code"] and r["device_name"] == "Киоск у входа"
        deadline = time.time() + 5
        while time.time() < deadline and not any(e.type == "ticket.print_requested" for e in seen):
            time.sleep(0.05)
        event = next(e for e in seen if e.type == "ticket.print_requested")
        assert event.data == {"ticket": t["id"], "device": "kiosk-demo", "by": "admin"}
        assert event.ticket["code"] == t["code"] and event.ticket["individual"] is True
        # what the kiosk then reads to print: the token and the checklist
        full = kiosk.ticket(t["id"])
        assert full["url"].startswith("/t/") and full["checklist"]
    finally:
        stream.stop()
    for bad, status in (({"device": "board-demo"}, 400), ({"device": "nope"}, 404), ({}, 400)):
        with pytest.raises(HubError) as e:
            admin.post(f"/api/v1/tickets/{t['id']}/print", bad)
        assert e.value.status == status
    with pytest.raises(HubError) as e:
        shared_hub.client("op1").post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
    assert e.value.status == 403
    admin.act(t["id"], "cancel")
    with pytest.raises(HubError) as e:
        admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
    assert e.value.status == 409


def test_staff_names_and_openapi(shared_hub):
    hall = shared_hub.client("hall")
    names = {p["login"]: p["name"] for p in hall.get("/api/v1/offices/demo/staff")}
    assert names["op1"] == "Иванова Мария Петровна"
    assert all("password" not in str(p) for p in hall.get("/api/v1/offices/demo/staff"))
    paths = requests.get(f"{shared_hub.url}/api/openapi.json").json()["paths"]
    for p in ("/api/v1/offices/{office}/alerts", "/api/v1/offices/{office}/alerts/{alert}/ack",
              "/api/v1/tickets/{ticket}/print", "/api/v1/offices/{office}/staff"):
        assert p in paths, p


def test_counted_words_follow_russian_plurals():
    from server.domain.alerts import attempts_words, counted, people_words
    forms = ("окно", "окна", "окон")
    assert [counted(n, *forms) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [
        "1 окно", "2 окна", "4 окна", "5 окон", "11 окон", "12 окон", "14 окон", "21 окно", "22 окна",
        "25 окон", "101 окно", "111 окон"]
    assert people_words(3) == "3 посетителя" and attempts_words(21) == "21 неудачная попытка"
