"""The administrator's alerts (server/domain/alerts.py), each rule pinned in the domain's words:
the norm by kind and by level, the whole visit, nobody to serve, devices, help, sign-in bursts,
and what an acknowledgement covers. Halls are built inside the tests (tests/core_support.py)."""
from __future__ import annotations

from core_support import at, make_hall

from server.domain.alerts import hall_alerts

T0 = at("2026-12-03 10:00")
MIN = 60.0


def kinds(alerts):
    return [(a.kind, a.ticket) for a in alerts]


def serving(hall, service, window=1, at_=T0):
    hall.open_window(window, at_, f"op{window}")
    t = hall.issue(service, at_)
    hall.call_ticket(window, t.id, at_, f"op{window}")
    hall.start(t.id, at_, actor=f"op{window}")
    return t


def test_a_cash_visit_is_over_its_service_norm_after_4_minutes():
    hall = make_hall(windows=1)
    t = serving(hall, "cash")
    assert [a for a in hall_alerts(hall, T0 + 4 * MIN) if a.kind == "service_over"] == []
    (a,) = [a for a in hall_alerts(hall, T0 + 4 * MIN + 1) if a.kind == "service_over"]
    assert (a.ticket, a.limit, a.since, a.source, a.window) == (t.id, 240.0, T0 + 240.0, "001:404–405", 1)


def test_a_service_at_a_window_since_removed_names_no_window():
    hall = make_hall(windows=1)
    t = serving(hall, "cash")
    hall.windows.pop(t.window)  # the office's configuration dropped the window while its visitor was served
    a = one(hall_alerts(hall, T0 + 5 * MIN), "service_over")
    assert a.window is None
    assert a.text.startswith(f"Талон {t.code} («") and "None" not in a.text, a.text


def one(alerts, kind):
    (a,) = [a for a in alerts if a.kind == kind]
    return a


def none_of(alerts, kind):
    return not [a for a in alerts if a.kind == kind]


# --- the constants and the words ---------------------------------------------------------------------

def test_the_constants_are_the_documented_ones():
    from server.domain import alerts
    assert alerts.NEAR_SHARE == 0.75
    assert alerts.DEVICE_TIMEOUT == 90.0
    assert alerts.DEVICE_DOWN_LIMIT == 3600.0   # 001:784: 60 minutes of working time
    assert alerts.BURST_SHOWN == 1800.0
    assert (alerts.WARNING, alerts.DANGER) == ("warning", "danger")
    assert alerts.LEVEL_ORDER == {"danger": 0, "warning": 1}


def test_durations_in_the_administrators_words():
    from server.domain.alerts import duration_words
    assert [duration_words(s) for s in (-5, 0, 59.9, 60, 119, 3599, 3600, 3660, 7325)] == [
        "0 с", "0 с", "59 с", "1 мин", "1 мин", "59 мин", "1 ч 00 мин", "1 ч 01 мин", "2 ч 02 мин"]


def test_a_norm_in_minutes_without_needless_decimals():
    from server.domain.alerts import norm_words
    assert norm_words(480) == "8 мин" and norm_words(90) == "1.5 мин" and norm_words(1980) == "33 мин"


def test_a_wait_is_near_its_norm_from_three_quarters_and_over_it_from_the_norm_itself():
    from server.domain.alerts import wait_level
    assert wait_level(10_000, None) == "ok" and wait_level(10_000, 0) == "ok"  # no norm, no level
    assert [wait_level(s, 240) for s in (0, 179, 180, 239, 240, 241)] == ["ok", "ok", "near", "near", "over", "over"]
    assert wait_level(120, 240, near=0.5) == "near" and wait_level(119, 240, near=0.5) == "ok"


def test_an_alert_as_json_has_its_elapsed_time_never_negative_and_no_internal_flag():
    from server.domain.alerts import Alert
    a = Alert(id="x:1", kind="help", level="danger", title="t", text="x", since=T0, dismiss_on_ack=True)
    j = a.to_json(T0 + 30)
    assert j["elapsed"] == 30 and "dismiss_on_ack" not in j
    assert a.to_json(T0 - 30)["elapsed"] == 0.0
    assert Alert(id="y", kind="k", level="warning", title="", text="").to_json(T0)["elapsed"] is None
    assert set(j) == {"id", "kind", "level", "title", "text", "since", "source", "ticket", "code", "window",
                      "device", "limit", "acknowledged", "extra", "elapsed"}


# --- waits, services, visits ------------------------------------------------------------------------

def test_a_wait_alert_names_the_ticket_its_service_and_the_norm_with_its_source():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    t = hall.issue("cash", T0)
    near = one(hall_alerts(hall, T0 + 3 * MIN), "wait_near")
    assert (near.id, near.level, near.title) == (f"wait_near:ticket:{t.id}", "warning",
                                                 "Ожидание приближается к нормативу")
    assert near.text == "Талон Б-001 («Оплата») ждёт 3 мин из 4 мин по нормативу"
    assert (near.since, near.source, near.ticket, near.code, near.limit) == (T0 + 180.0, "001:400–401", t.id,
                                                                             "Б-001", 240.0)
    over = one(hall_alerts(hall, T0 + 4 * MIN), "wait_over")
    assert (over.id, over.level, over.title) == (f"wait_over:ticket:{t.id}", "danger", "Превышен норматив ожидания")
    assert over.text == "Талон Б-001 («Оплата») ждёт 4 мин при нормативе 4 мин"
    assert (over.since, over.source, over.code, over.limit) == (T0 + 240.0, "001:400–401", "Б-001", 240.0)
    assert none_of(hall_alerts(hall, T0 + 4 * MIN), "wait_near")


def test_a_ticket_of_a_service_no_longer_listed_is_named_by_its_service_id_and_has_no_norm():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    t = called_and_started(hall, "consult")
    del hall.services["consult"]
    over = one(hall_alerts(hall, T0 + 9 * MIN), "service_over")  # counted as a consultation: 8 min
    assert over.text == "Окно 1, талон А-001 («consult»): приём идёт 9 мин при нормативе 8 мин"
    assert over.source == "001:392–393" and over.ticket == t.id


def called_and_started(hall, service, window=1, at_=T0):
    t = hall.issue(service, at_)
    hall.call_ticket(window, t.id, at_)
    hall.start(t.id, at_)
    return t


def test_a_consultation_is_over_its_service_norm_after_8_minutes_and_the_alert_says_where():
    hall = make_hall(windows=2)
    hall.open_window(2, T0)
    t = called_and_started(hall, "consult", window=2)
    assert none_of(hall_alerts(hall, T0 + 8 * MIN), "service_over")  # at the norm: not over yet
    a = one(hall_alerts(hall, T0 + 8 * MIN + 1), "service_over")
    assert (a.id, a.level, a.title) == (f"service_over:ticket:{t.id}", "danger", "Приём дольше норматива")
    assert a.text == "Окно 2, талон А-001 («Консультация»): приём идёт 8 мин при нормативе 8 мин"
    assert (a.window, a.code, a.limit, a.since, a.source) == (2, "А-001", 480.0, T0 + 480.0, "001:392–393")


def test_a_called_visitor_not_yet_served_raises_no_service_alert():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    t = hall.issue("cash", T0)
    hall.call_ticket(1, t.id, T0)
    assert none_of(hall_alerts(hall, T0 + 20 * MIN), "service_over")
    assert none_of(hall_alerts(hall, T0 + 20 * MIN), "wait_over")


def test_the_seniors_norm_applies_after_escalation():
    from dataclasses import replace

    from server.domain.norms import PRESETS
    hall = make_hall(profile="kuzbass-2020", windows=2)
    # the senior's norm made longer than the specialist's, so that the two can be told apart
    hall.profile = replace(PRESETS["kuzbass-2020"],
                           escalation_norms={"senior": PRESETS["kuzbass-2020"].escalation_norms["senior"].__class__(
                               5.0, 20.0, "000:337"), "head": PRESETS["kuzbass-2020"].escalation_norms["head"]})
    hall.windows[2].level = "senior"
    hall.open_window(1, T0)
    hall.open_window(2, T0)
    t = called_and_started(hall, "consult")
    assert one(hall_alerts(hall, T0 + 11 * MIN), "service_over").source == "000:335"  # 5–10 min
    hall.escalate(t.id, T0 + 11 * MIN)
    hall.call_ticket(2, t.id, T0 + 11 * MIN)
    hall.start(t.id, T0 + 12 * MIN)
    assert none_of(hall_alerts(hall, T0 + 31 * MIN), "service_over")  # the senior has 20 min
    a = one(hall_alerts(hall, T0 + 32 * MIN + 1), "service_over")
    assert (a.limit, a.source, a.window, a.since) == (1200.0, "000:337", 2, T0 + 32 * MIN)


def test_a_visit_is_over_its_whole_limit_after_33_minutes_waiting_or_at_a_window():
    hall = make_hall(windows=2)
    hall.open_window(2, T0)
    w = hall.issue("consult", T0)
    assert none_of(hall_alerts(hall, T0 + 33 * MIN), "visit_over")
    a = one(hall_alerts(hall, T0 + 33 * MIN + 1), "visit_over")
    assert (a.id, a.level, a.title) == (f"visit_over:ticket:{w.id}", "danger", "Визит дольше 33 минут")
    assert a.text == ("Посетитель с талоном А-001 в центре обслуживания уже 33 мин "
                      "(не более 33 мин на весь визит), ждёт вызова")
    assert (a.since, a.source, a.window, a.limit, a.code) == (T0 + 1980.0, "001:418–419", None, 1980.0, "А-001")
    hall.call_ticket(2, w.id, T0 + 34 * MIN)
    a = one(hall_alerts(hall, T0 + 35 * MIN), "visit_over")
    assert a.text.endswith("(не более 33 мин на весь визит), сейчас у окна 2") and a.window == 2


def test_office_overrides_move_the_alerts():
    from server.domain.norms import profile
    hall = make_hall(windows=1)
    hall.profile = profile("rosatom-2026", {"visit_total": 40, "cash": {"service": 6},
                                            "consultation": {"wait": [5, 10]}})
    hall.open_window(1, T0)
    c = hall.issue("consult", T0)
    assert none_of(hall_alerts(hall, T0 + 7 * MIN), "wait_near")  # the range's upper end is the limit
    assert one(hall_alerts(hall, T0 + 7.5 * MIN), "wait_near").limit == 600.0
    assert one(hall_alerts(hall, T0 + 10 * MIN), "wait_over").source == "override"
    hall.cancel(c.id, T0 + 10 * MIN)
    t = called_and_started(hall, "cash", at_=T0 + 10 * MIN)
    assert none_of(hall_alerts(hall, T0 + 16 * MIN), "service_over")
    a = one(hall_alerts(hall, T0 + 16 * MIN + 1), "service_over")
    assert (a.limit, a.source) == (360.0, "override") and a.text.endswith("при нормативе 6 мин")
    assert none_of(hall_alerts(hall, T0 + 50 * MIN), "visit_over")
    v = one(hall_alerts(hall, T0 + 50 * MIN + 1), "visit_over")
    assert v.title == "Визит дольше 40 минут" and v.ticket == t.id and v.source == "override"


def test_a_profile_without_a_whole_visit_limit_raises_no_visit_alert():
    hall = make_hall(profile="pyatigorsk", windows=1)
    hall.open_window(1, T0)
    hall.issue("consult", T0)
    assert none_of(hall_alerts(hall, T0 + 5 * 60 * MIN), "visit_over")
    assert none_of(hall_alerts(hall, T0 + 5 * 60 * MIN), "wait_over")  # and no waiting norm either


def test_only_todays_open_tickets_raise_ticket_alerts_in_ticket_order():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    a = hall.issue("cash", T0)
    b = hall.issue("cash", T0)
    hall.cancel(a.id, T0 + MIN)
    assert [x.ticket for x in hall_alerts(hall, T0 + 5 * MIN) if x.kind == "wait_over"] == [b.id]
    c = hall.issue("cash", T0 - 30)  # issued just before b's norm: same level, earlier since
    from server.domain.alerts import ticket_alerts
    assert [x.ticket for x in ticket_alerts(hall, T0 + 5 * MIN)] == [b.id, c.id]


# --- nobody to serve -------------------------------------------------------------------------------------

def test_people_waiting_with_no_window_open_since_the_first_came_or_the_last_window_left():
    hall = make_hall(windows=2)
    hall.issue("consult", T0)
    hall.issue("cash", T0 + MIN)
    a = one(hall_alerts(hall, T0 + 2 * MIN), "no_window")
    assert (a.id, a.level, a.source, a.since) == ("no_window:office", "danger", "002:128", T0)
    assert a.title == "Ждут посетители, а ни одно окно не открыто"
    assert a.text == ("В зале ждут 2 посетителя, ни одно окно не ведёт приём. "
                      "Пожалуйста, откройте окно или верните сотрудника с перерыва")
    assert a.extra == {"waiting": 2}
    hall.open_window(1, T0 + 3 * MIN)
    hall.open_window(2, T0 + 3 * MIN)
    hall.close_window(2, T0 + 4 * MIN, force=True)
    hall.close_window(1, T0 + 5 * MIN, force=True)
    assert one(hall_alerts(hall, T0 + 6 * MIN), "no_window").since == T0 + 5 * MIN  # the last one left


def test_nobody_waiting_no_staffing_alert():
    hall = make_hall(windows=2)
    assert hall_alerts(hall, T0) == []


def test_a_service_nobody_open_may_serve_names_up_to_five_tickets():
    hall = make_hall(windows=2)
    hall.windows[1].services = {"consult": 1}
    hall.open_window(1, T0)
    for i in range(6):
        hall.issue("cash", T0 + i)
    hall.issue("both", T0 + 10)
    alerts = hall_alerts(hall, T0 + 20)
    cash, both = [a for a in alerts if a.kind == "no_window_service"][::1] if False else (
        one([a for a in alerts if a.id.endswith(":cash")], "no_window_service"),
        one([a for a in alerts if a.id.endswith(":both")], "no_window_service"))
    assert (cash.id, cash.level, cash.source, cash.since) == ("no_window:service:cash", "danger", "002:128", T0)
    assert cash.title == "Услугу «Оплата» сейчас никто не принимает"
    assert cash.text == ("Ждут 6 посетителей (талоны Б-001, Б-002, Б-003, Б-004, Б-005…), а открытые окна "
                         "эту услугу не оказывают. Откройте подходящее окно или переведите посетителей")
    assert cash.extra == {"service": "cash", "waiting": 6}
    assert both.text.startswith("Ждут 1 посетитель (талоны В-001), а открытые") and both.since == T0 + 10
    from server.domain.alerts import hall_staffing_alerts
    assert [a.id for a in hall_staffing_alerts(hall, T0 + 20)] == ["no_window:service:both", "no_window:service:cash"]
    del hall.services["cash"]
    assert "Услугу «cash»" in hall_staffing_alerts(hall, T0 + 20)[1].title


# --- devices ------------------------------------------------------------------------------------------

KIOSK = {"id": "k1", "kind": "kiosk", "name": "У входа"}


def test_a_device_silent_for_more_than_90_seconds_is_down_and_red_after_an_hour():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {}}]
    assert hall_alerts(hall, T0 + 90, devices=dev) == []
    a = one(hall_alerts(hall, T0 + 91, devices=dev), "device_down")
    assert (a.id, a.level, a.title, a.source, a.device, a.since) == (
        "device_down:device:k1", "warning", "Киоск не на связи", "001:784", "k1", T0)
    assert a.text == "Киоск «У входа» не выходит на связь — уже 1 мин; до предела в 60 мин осталось 58 мин"
    assert one(hall_alerts(hall, T0 + 3599, devices=dev), "device_down").level == "warning"
    b = one(hall_alerts(hall, T0 + 3600, devices=dev), "device_down")
    assert b.level == "danger"
    assert b.text == "Киоск «У входа» не выходит на связь — уже 1 ч 00 мин; предел в 60 мин превышен"
    board = [{"id": "b1", "kind": "board", "name": "", "last_seen": T0, "status": {}}]
    assert one(hall_alerts(hall, T0 + 100, devices=board), "device_down").text.startswith(
        "Табло «b1» не выходит на связь")
    other = [{"id": "x1", "kind": "camera", "name": "Камера", "last_seen": T0}]
    c = one(hall_alerts(hall, T0 + 100, devices=other), "device_down")
    assert c.title == "Устройство не на связи" and c.text.startswith("Устройство «Камера»")


def test_devices_are_listed_by_kind_then_name():
    from server.domain.alerts import device_alerts
    hall = make_hall()
    devs = [{"id": "3", "kind": "kiosk", "name": "Б", "last_seen": T0},
            {"id": "1", "kind": "board", "name": "Я", "last_seen": T0},
            {"id": "2", "kind": "kiosk", "name": "А", "last_seen": T0}]
    assert [a.device for a in device_alerts(hall, T0 + 200, devs, [])] == ["1", "2", "3"]


def test_device_alerts_only_in_reception_hours_counted_from_the_opening():
    from server.domain.schedule import Schedule
    sched = Schedule.from_json({"tz": "Europe/Moscow", "week": {d: {"open": "09:00", "close": "18:00"}
                                                                 for d in ("mon", "tue", "wed", "thu", "fri")}})
    hall = make_hall(schedule=sched)
    dev = [{**KIOSK, "last_seen": at("2026-12-02 17:00"), "status": {}}]
    assert hall_alerts(hall, at("2026-12-02 20:00"), devices=dev) == []
    a = one(hall_alerts(hall, at("2026-12-03 09:10"), devices=dev), "device_down")
    assert a.since == at("2026-12-03 09:00") and "уже 10 мин" in a.text
    from server.domain.alerts import _reception_start
    assert _reception_start(hall, at("2026-12-05 12:00")) is None  # a Saturday: no reception


def test_a_printer_not_printing_is_told_in_words_with_the_time_since():
    hall = make_hall()
    words = {"paper_out": "закончилась бумага", "cover_open": "открыта крышка принтера",
             "offline": "принтер не отвечает", "error": "ошибка принтера"}
    for state, said in words.items():
        dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": state}}, "status_since": T0 - 120}]
        a = one(hall_alerts(hall, T0, devices=dev), "printer_down")
        assert (a.id, a.title, a.source, a.level, a.since) == ("printer_down:device:k1", "Принтер киоска не печатает",
                                                               "001:784", "warning", T0 - 120)
        assert a.device == "k1"
        assert a.text == (f"Киоск «У входа»: {said} — уже 2 мин; до предела в 60 мин осталось 58 мин. "
                          f"Талоны можно выдать со стойки")
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_out"}}}]  # since unknown
    assert one(hall_alerts(hall, T0, devices=dev), "printer_down").text == (
        "Киоск «У входа»: закончилась бумага. Талоны можно выдать со стойки")


def test_a_printer_incident_without_words_says_the_printer_does_not_print():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "ok"}}}]
    inc = [{"id": 1, "device": "k1", "kind": "printer", "detail": "", "opened_at": T0 - 61 * MIN}]
    a = one(hall_alerts(hall, T0, devices=dev, incidents=inc), "printer_down")
    assert a.text.startswith("Киоск «У входа»: принтер не печатает — уже 1 ч 01 мин; предел в 60 мин превышен")
    assert a.level == "danger" and none_of(hall_alerts(hall, T0, devices=dev, incidents=inc), "incident")


def test_paper_running_low_is_a_warning():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_low"}}, "status_since": T0 - 5}]
    a = one(hall_alerts(hall, T0, devices=dev), "paper_low")
    assert (a.id, a.level, a.title, a.since, a.device) == ("paper_low:device:k1", "warning",
                                                           "Заканчивается бумага", T0 - 5, "k1")
    assert a.text == "Киоск «У входа»: заканчивается бумага для талонов"
    never = [{**KIOSK, "last_seen": None, "status": {"printer": {"state": "paper_out"}}}]
    assert hall_alerts(hall, T0, devices=never) == []  # never heard from: not installed yet


def test_other_incidents_say_what_is_broken_and_count_the_hour_for_a_kiosk_or_the_network():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {}}]
    inc = [{"id": 5, "device": "k1", "kind": "network", "detail": "кабель", "opened_at": T0 - 60 * MIN},
           {"id": 4, "device": "k1", "kind": "sound", "detail": "", "opened_at": T0 - 90 * MIN},
           {"id": 6, "device": "gone", "kind": "odd", "opened_at": None}]
    alerts = [a for a in hall_alerts(hall, T0, devices=dev, incidents=inc) if a.kind == "incident"]
    net, sound, odd = sorted(alerts, key=lambda a: a.id.replace("incident:", ""))[1], *[
        a for a in alerts if a.id in ("incident:4", "incident:6")]
    assert (net.id, net.level, net.source, net.title) == ("incident:5", "danger", "001:784",
                                                          "Неисправность оборудования")
    assert net.text == "Киоск «У входа»: нет связи с сетью (кабель) — уже 1 ч 00 мин; предел в 60 мин превышен"
    assert (sound.level, sound.source) == ("warning", "")  # a sound fault does not stop the kiosk
    assert sound.text == "Киоск «У входа»: нет звука — уже 1 ч 30 мин; предел в 60 мин превышен"
    assert odd.text == "Устройство «gone»: odd" and odd.since is None and odd.device == "gone"
    assert odd.level == "warning"
    kiosk_fault = [{"id": 9, "device": "k1", "kind": "kiosk", "detail": "", "opened_at": T0 - 5 * MIN}]
    a = one(hall_alerts(hall, T0, devices=dev, incidents=kiosk_fault), "incident")
    assert (a.level, a.source, a.since) == ("warning", "001:784", T0 - 5 * MIN) and "неисправность киоска" in a.text
    kiosk_fault[0]["opened_at"] = T0 - 61 * MIN  # a kiosk out of order for over an hour: red (001:784)
    assert one(hall_alerts(hall, T0, devices=dev, incidents=kiosk_fault), "incident").level == "danger"
    board = [{"id": "b1", "kind": "board", "name": "Табло", "last_seen": T0}]
    b = one(hall_alerts(hall, T0, devices=board, incidents=[{"id": 2, "device": "b1", "kind": "board",
                                                               "opened_at": T0}]), "incident")
    assert b.text.startswith("Табло «Табло»: неисправность табло")


def test_an_incident_of_a_device_that_is_down_is_told_by_the_down_alert_alone():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0 - 10 * MIN, "status": {}}]
    inc = [{"id": 5, "device": "k1", "kind": "sound", "detail": "", "opened_at": T0 - MIN}]
    assert [a.kind for a in hall_alerts(hall, T0, devices=dev, incidents=inc)] == ["device_down"]


# --- help -------------------------------------------------------------------------------------------------

def test_a_help_request_says_when_and_where_it_was_pressed():
    hall = make_hall()
    devices = [{**KIOSK, "last_seen": T0}, {"id": "b1", "kind": "board", "name": "", "last_seen": T0},
               {"id": "c1", "kind": "camera", "name": "Камера", "last_seen": T0}]
    helps = [{"seq": 3, "at": T0 - 60, "device": "k1", "screen": "", "comment": "Не вижу своей услуги"},
             {"seq": 2, "at": T0 - 120, "device": "b1"},
             {"seq": 4, "at": T0 - 30, "device": "lost"},
             {"seq": 5, "at": T0 - 10},
             {"seq": 6, "at": T0 - 5, "device": "c1"},
             {"seq": 7, "at": T0 + 10, "device": "k1"}]  # after «now»: not yet
    alerts = hall_alerts(hall, T0, devices=devices, help_requests=helps)
    got = {a.id: a.text for a in alerts if a.kind == "help"}
    assert got == {
        "help:event:3": "В 09:59 нажата кнопка «Нужна помощь» на киоске «У входа». Комментарий: Не вижу своей услуги",
        "help:event:2": "В 09:58 нажата кнопка «Нужна помощь» у табло «b1»",
        "help:event:4": "В 09:59 нажата кнопка «Нужна помощь» на устройстве «lost»",
        "help:event:5": "В 09:59 нажата кнопка «Нужна помощь» со стойки администратора",
        "help:event:6": "В 09:59 нажата кнопка «Нужна помощь» на устройстве «Камера»",
    }
    a = [a for a in alerts if a.id == "help:event:3"][0]
    assert (a.level, a.title, a.since, a.device, a.dismiss_on_ack) == ("danger", "Посетителю нужна помощь",
                                                                       T0 - 60, "k1", True)
    from server.domain.alerts import help_alerts
    assert [a.id for a in help_alerts(hall, T0, helps, {})] == [f"help:event:{n}" for n in (2, 3, 4, 5, 6)]


# --- acknowledgements and order ----------------------------------------------------------------------

def test_an_acknowledgement_covers_the_occurrence_it_saw_and_the_unacknowledged_come_first():
    hall = make_hall(windows=1)
    hall.open_window(1, T0)
    a = hall.issue("cash", T0)          # over at +4 min
    b = hall.issue("cash", T0 + 60)     # over at +5 min
    c = hall.issue("consult", T0)       # near at +6 min, over at +8
    now = T0 + 7 * MIN
    got = hall_alerts(hall, now)
    assert [(x.kind, x.ticket) for x in got] == [("wait_over", a.id), ("wait_over", b.id), ("wait_near", c.id)]
    acks = {f"wait_over:ticket:{a.id}": {"login": "hall", "at": T0 + 4 * MIN},      # at its start: covered
            f"wait_over:ticket:{b.id}": {"login": "hall", "at": T0 + 5 * MIN - 1}}  # before it began: not
    got = hall_alerts(hall, now, acks=acks)
    assert [(x.kind, x.ticket) for x in got] == [("wait_over", b.id), ("wait_near", c.id), ("wait_over", a.id)]
    assert got[2].acknowledged == {"login": "hall", "at": T0 + 4 * MIN} and got[0].acknowledged is None


def test_an_acknowledged_alert_of_unknown_start_stays_acknowledged_and_one_answered_is_gone():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_out"}}}]
    acks = {"printer_down:device:k1": {"at": T0 - 10}}
    (a,) = hall_alerts(hall, T0, devices=dev, acks=acks)
    assert a.acknowledged == {"login": None, "at": T0 - 10}
    helps = [{"seq": 1, "at": T0 - 5}]
    assert hall_alerts(hall, T0, help_requests=helps, acks={"help:event:1": {"login": "x", "at": T0 - 6}})
    assert hall_alerts(hall, T0, help_requests=helps, acks={"help:event:1": {"login": "x", "at": T0 - 5}}) == []


def test_alerts_of_the_same_level_and_start_are_ordered_by_id():
    hall = make_hall()
    devs = [{"id": "k2", "kind": "kiosk", "name": "Б", "last_seen": T0},
            {"id": "k1", "kind": "kiosk", "name": "Я", "last_seen": T0}]
    assert [a.id for a in hall_alerts(hall, T0 + 100, devices=devs)] == ["device_down:device:k1",
                                                                         "device_down:device:k2"]
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_low"}}}]  # a warning, since unknown
    helps = [{"seq": 1, "at": T0 - 100}]
    assert [a.kind for a in hall_alerts(hall, T0, devices=dev, help_requests=helps)] == ["help", "paper_low"]


# --- sign-in bursts ----------------------------------------------------------------------------------------

def test_a_burst_of_failed_sign_ins_from_one_address_is_told_with_the_accounts_tried():
    from server.domain.alerts import security_alerts
    bursts = [{"seq": 1, "at": T0 - 100, "scope": "address", "address": "10.0.0.7", "attempts": 4},
              {"seq": 2, "at": T0 - 50, "scope": "address", "address": "10.0.0.7", "attempts": 12, "window": 600,
               "logins": ["op1", "op2"], "more_logins": 3}]
    (a,) = security_alerts(T0, bursts)
    assert (a.id, a.kind, a.level, a.since, a.dismiss_on_ack) == ("auth_burst:address:10.0.0.7", "auth_burst",
                                                                  "danger", T0 - 50, True)
    assert a.title == "Много неудачных попыток входа"
    assert a.text == ("За 10 мин — 12 неудачных попыток входа с компьютера по адресу 10.0.0.7. "
                      "Учётные записи: op1, op2 и ещё 3. Возможно, кто-то подбирает пароль, ПИН-код или код "
                      "привязки устройства: вход для этих учётных записей и адресов временно замедлен. "
                      "Пожалуйста, проверьте, кто работает за этим компьютером, и при необходимости смените пароли")
    assert a.extra == {"address": "10.0.0.7", "attempts": 12, "logins": ["op1", "op2"]}


def test_a_burst_at_the_office_from_several_addresses_and_its_defaults():
    from server.domain.alerts import security_alerts
    (a,) = security_alerts(T0, [{"at": T0, "scope": "office", "attempts": 1, "logins": ["op1"]}])
    assert a.id == "auth_burst:office:all"
    assert a.text.startswith("За 5 мин — 1 неудачная попытка входа в этом центре обслуживания с 2 разных адресов. "
                             "Учётные записи: op1. Возможно")
    (b,) = security_alerts(T0, [{"at": T0, "scope": "address", "address": "", "addresses": 5, "window": 20}])
    assert b.id == "auth_burst:office:all" and b.text.startswith(
        "За 1 мин — 0 неудачных попыток входа в этом центре обслуживания с 5 разных адресов. Возможно")


def test_a_burst_shows_for_half_an_hour_and_not_before_it_happened():
    from server.domain.alerts import security_alerts
    b = [{"at": T0, "scope": "address", "address": "10.0.0.1", "attempts": 5}]
    assert security_alerts(T0 - 1, b) == []
    assert len(security_alerts(T0 + 1800, b)) == 1
    assert security_alerts(T0 + 1801, b) == []


def test_the_latest_burst_per_address_is_told_in_address_order_with_a_safe_id():
    from server.domain.alerts import security_alerts
    bursts = [{"seq": 9, "at": T0, "scope": "address", "address": "fe80::1%eth0", "attempts": 5},
              {"seq": 2, "at": T0 - 5, "scope": "address", "address": "10.0.0.9", "attempts": 5},
              {"seq": 1, "at": T0 - 5, "scope": "address", "address": "10.0.0.9", "attempts": 7},
              {"seq": 3, "at": T0 - 9, "scope": "address", "address": "a" * 80, "attempts": 5}]
    alerts = security_alerts(T0, bursts)
    assert [a.id for a in alerts] == ["auth_burst:address:10.0.0.9", "auth_burst:address:" + "a" * 60,
                                      "auth_burst:address:fe80..1.eth0"]
    assert alerts[0].extra["attempts"] == 5  # seq 2 came after seq 1 at the same second
    (odd,) = security_alerts(T0, [{"at": T0, "scope": "address", "address": "***", "attempts": 5}])
    assert odd.id == "auth_burst:address:..."


def test_hall_alerts_take_the_bursts_in():
    hall = make_hall()
    got = hall_alerts(hall, T0, auth_bursts=[{"at": T0, "scope": "address", "address": "10.0.0.1", "attempts": 5}])
    assert [a.kind for a in got] == ["auth_burst"]


def test_an_answered_help_request_hides_nothing_after_it():
    hall = make_hall()
    helps = [{"seq": 1, "at": T0 - 5}]
    bursts = [{"at": T0, "scope": "address", "address": "10.0.0.1", "attempts": 5}]
    got = hall_alerts(hall, T0, help_requests=helps, auth_bursts=bursts,
                      acks={"help:event:1": {"login": "x", "at": T0}})
    assert [a.kind for a in got] == ["auth_burst"]


def test_a_ticket_served_at_a_window_no_longer_listed_raises_its_alert_without_a_window_number():
    hall = make_hall(windows=2)
    hall.open_window(2, T0)
    t = called_and_started(hall, "cash", window=2)
    del hall.windows[2]
    a = one(hall_alerts(hall, T0 + 5 * MIN), "service_over")
    assert a.window is None and a.ticket == t.id


def test_a_visitor_waiting_again_after_a_transfer_is_not_shown_at_the_window_they_left():
    hall = make_hall(windows=2)
    hall.open_window(1, T0)
    t = called_and_started(hall, "consult")
    hall.transfer(t.id, T0 + 5 * MIN, service="cash")
    a = one(hall_alerts(hall, T0 + 34 * MIN), "visit_over")
    assert a.window is None and a.text.endswith(", ждёт вызова")


def test_a_device_with_any_time_left_before_the_hours_limit_is_told_how_much():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {}}]
    a = one(hall_alerts(hall, T0 + 3599.5, devices=dev), "device_down")
    assert a.level == "warning" and a.text.endswith("до предела в 60 мин осталось 0 с")


def test_down_devices_by_kind_then_name_and_printers_by_name_whatever_their_ids():
    from server.domain.alerts import device_alerts
    hall = make_hall()
    down = [{"id": "1", "kind": "kiosk", "name": "Б", "last_seen": T0},
            {"id": "9", "kind": "kiosk", "name": "А", "last_seen": T0},
            {"id": "5", "kind": "kiosk", "name": None, "last_seen": T0},
            {"id": "0", "kind": "kiosk", "name": "В", "last_seen": None}]
    assert [a.device for a in device_alerts(hall, T0 + 200, down, [])] == ["5", "9", "1"]
    paper = {"printer": {"state": "paper_out"}}
    printers = [{"id": "1", "kind": "kiosk", "name": "Б", "last_seen": T0, "status": paper},
                {"id": "9", "kind": "kiosk", "name": "А", "last_seen": T0, "status": paper},
                {"id": "5", "kind": "kiosk", "name": None, "last_seen": T0, "status": paper}]
    assert [a.device for a in device_alerts(hall, T0, printers, [])] == ["5", "9", "1"]


def test_bursts_of_the_same_second_without_a_sequence_number_are_taken_in_the_order_given():
    from server.domain.alerts import security_alerts
    bursts = [{"at": T0, "scope": "address", "address": "10.0.0.1", "attempts": 5},
              {"at": T0, "scope": "address", "address": "10.0.0.1", "attempts": 9, "seq": 0}]
    assert security_alerts(T0, bursts)[0].extra["attempts"] == 9


def test_the_words_for_failed_attempts():
    from server.domain.alerts import attempts_words
    assert [attempts_words(n) for n in (1, 3, 5)] == ["1 неудачная попытка", "3 неудачные попытки",
                                                      "5 неудачных попыток"]


def test_a_device_never_heard_from_hides_no_device_listed_after_it():
    from server.domain.alerts import device_alerts
    hall = make_hall()
    devs = [{"id": "00", "kind": "board", "name": None, "last_seen": None},
            {"id": "k1", "kind": "kiosk", "name": "У входа", "last_seen": T0}]
    assert [a.device for a in device_alerts(hall, T0 + 200, devs, [])] == ["k1"]


def test_a_printer_incident_or_one_of_a_device_down_hides_no_other_incident():
    from server.domain.alerts import device_alerts
    hall = make_hall()
    devs = [{**KIOSK, "last_seen": T0, "status": {}}, {"id": "b1", "kind": "board", "name": "Табло", "last_seen": T0}]
    incidents = [{"id": 1, "device": "k1", "kind": "printer", "detail": "", "opened_at": T0},
                 {"id": 2, "device": "b1", "kind": "sound", "detail": "", "opened_at": T0}]
    assert [a.id for a in device_alerts(hall, T0, devs, incidents)] == ["printer_down:device:k1", "incident:2"]


def test_a_danger_comes_before_a_warning_even_a_later_one():
    hall = make_hall()
    dev = [{**KIOSK, "last_seen": T0, "status": {"printer": {"state": "paper_low"}}, "status_since": T0 - 500}]
    got = hall_alerts(hall, T0, devices=dev, help_requests=[{"seq": 1, "at": T0 - 100}])
    assert [a.kind for a in got] == ["help", "paper_low"]


def test_alerts_of_one_level_go_by_when_they_began_before_their_ids():
    hall = make_hall()
    devs = [{"id": "k1", "kind": "kiosk", "name": "А", "last_seen": T0},
            {"id": "k2", "kind": "kiosk", "name": "Б", "last_seen": T0 - 100}]
    assert [a.device for a in hall_alerts(hall, T0 + 200, devices=devs)] == ["k2", "k1"]


def test_five_tickets_are_named_without_an_ellipsis():
    from server.domain.alerts import hall_staffing_alerts
    hall = make_hall(windows=1)
    hall.windows[1].services = {"consult": 1}
    hall.open_window(1, T0)
    for i in range(5):
        hall.issue("cash", T0 + i)
    (a,) = hall_staffing_alerts(hall, T0 + 10)
    assert "(талоны Б-001, Б-002, Б-003, Б-004, Б-005), а открытые" in a.text


def test_a_help_request_pressed_this_very_second_is_shown():
    hall = make_hall()
    assert [a.id for a in hall_alerts(hall, T0, help_requests=[{"seq": 3, "at": T0}])] == ["help:event:3"]


def test_an_old_burst_hides_no_recent_one():
    from server.domain.alerts import security_alerts
    bursts = [{"at": T0 - 3600, "scope": "address", "address": "10.0.0.1", "attempts": 5},
              {"at": T0, "scope": "address", "address": "10.0.0.2", "attempts": 5, "window": 3000}]
    (a,) = security_alerts(T0, bursts)
    assert a.id == "auth_burst:address:10.0.0.2" and a.text.startswith("За 50 мин — 5 неудачных попыток")


def test_russian_plurals_past_one_hundred():
    from server.domain.alerts import counted
    assert [counted(n, "окно", "окна", "окон") for n in (112, 113, 122)] == ["112 окон", "113 окон", "122 окна"]


def test_a_device_without_a_name_is_listed_before_named_ones():
    from server.domain.alerts import device_alerts
    hall = make_hall()
    devs = [{"id": "k1", "kind": "kiosk", "name": "Alpha", "last_seen": T0},
            {"id": "k9", "kind": "kiosk", "name": None, "last_seen": T0}]
    assert [a.device for a in device_alerts(hall, T0 + 200, devs, [])] == ["k9", "k1"]
    paper = {"printer": {"state": "paper_out"}}
    printers = [{**d, "last_seen": T0, "status": paper} for d in devs]
    assert [a.device for a in device_alerts(hall, T0, printers, [])] == ["k9", "k1"]
