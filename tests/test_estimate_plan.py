"""The estimate knows the plan (issue 13, point 2): planned breaks (the rota), the opening hour,
the visitors still to come by the hour, and the «no window open for this topic» case — the
ticket says when a window opens and how long after it, never «до 1 минуты». The printed range
keeps the width rule. The same text reaches the hub's answer, the visitor's page and the
printed ticket."""
from datetime import time

import pytest
from core_support import at, make_hall

from kiosk import flow
from kiosk.printing.ticket import ticket_fields
from server.domain import estimate
from server.domain.rota import EVERY, Break, Entry, Rota
from server.domain.schedule import Schedule, weekdays

DAY = "2026-11-23"  # a Monday


def office(policy="norm-aware", windows=2, rota=None):
    hall = make_hall(policy=policy, windows=windows,
                     schedule=Schedule(tz="Europe/Moscow", week=weekdays("08:00", "20:00")))
    if rota:
        hall.rota = Rota(tuple(Entry(n, EVERY, Break(time(*a), time(*b), "lunch")) for n, a, b in rota))
    return hall


def test_every_window_of_the_topic_at_planned_lunch_the_ticket_says_when_one_opens():
    hall = office(rota=[(1, (13, 0), (13, 45)), (2, (13, 0), (13, 45))])
    hall.open_window(1, at(f"{DAY} 08:00"))
    hall.open_window(2, at(f"{DAY} 08:00"))
    hall.pause_window(1, "lunch", at(f"{DAY} 13:00"))
    hall.pause_window(2, "lunch", at(f"{DAY} 13:00"), override=True, admin=True)
    now = at(f"{DAY} 13:10")
    for i in range(4):
        hall.issue("consult", now - 60 + i)
    t = hall.issue("consult", now)
    assert t.opens_at == pytest.approx(at(f"{DAY} 13:45"))
    low, high = t.estimate
    assert low >= 35 and high > low  # the 35 minutes until the window opens are in the range
    after = estimate.after_opening(t)
    assert after[0] > 0 and estimate.fits(*after)
    text = estimate.opening_text(hall, t)
    assert text.startswith("окно откроется в 13:45, ожидание примерно ") and text.endswith(" после открытия")
    assert "до 1 минуты" not in text


def test_with_every_window_closed_and_none_coming_there_is_no_promise():
    hall = office()
    hall.open_window(1, at(f"{DAY} 08:00"))
    hall.close_window(1, at(f"{DAY} 11:00"))
    t = hall.issue("consult", at(f"{DAY} 11:05"))
    assert t.estimate is None and t.opens_at is None
    # the old projection assumed every window would open at once: «до 1 минуты»
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 11:06")) == (None, None, None)


def test_at_opening_closed_windows_are_expected_to_open_with_reception():
    hall = office()
    t = hall.issue("consult", at(f"{DAY} 08:01"))
    # reception is open, no window yet: one opens in a moment - the ticket says when, counts from then
    assert t.opens_at == at(f"{DAY} 08:01") + 61 and t.estimate is not None
    assert 2 <= t.estimate[0] and t.estimate[1] <= 5
    late = hall.issue("consult", at(f"{DAY} 08:30"))  # half an hour later nobody opened: no promise
    assert late.estimate is None


def test_a_planned_lunch_ahead_lengthens_the_estimate():
    plain = office(windows=2)
    planned = office(windows=2, rota=[(1, (12, 0), (12, 45)), (2, (12, 0), (12, 45))])
    for hall in (plain, planned):
        hall.open_window(1, at(f"{DAY} 08:00"))
        hall.open_window(2, at(f"{DAY} 08:00"))
        for i in range(6):
            hall.issue("consult", at(f"{DAY} 11:50") + i)
    now = at(f"{DAY} 11:52")
    a = estimate.point_for_new_ticket(plain, "consult", now)
    b = estimate.point_for_new_ticket(planned, "consult", now)
    assert b > a + 30 * 60  # both windows leave at noon for 45 minutes
    # once the lunch was taken (the window came back after it) it is not counted again
    for hall in (plain, planned):
        hall.pause_window(1, "lunch", at(f"{DAY} 12:00"))
        hall.open_window(1, at(f"{DAY} 12:45"))
    after_lunch = at(f"{DAY} 12:46")
    assert estimate.point_for_new_ticket(planned, "consult", after_lunch) == \
        pytest.approx(estimate.point_for_new_ticket(plain, "consult", after_lunch))


def test_the_hourly_forecast_brings_the_surge_still_to_come():
    hall = office(policy="norm-aware", windows=2)
    hall.open_window(1, at(f"{DAY} 08:00"))
    hall.open_window(2, at(f"{DAY} 08:00"))
    for i in range(5):
        hall.issue("consult", at(f"{DAY} 11:50") + i)
    now = at(f"{DAY} 11:55")
    quiet = estimate.point_for_new_ticket(hall, "consult", now)
    surge = [0.0] * 24
    surge[12] = 60.0  # a lunch surge of cash visitors (4-minute norm: called before consultations)
    hall.forecast = {("cash", 0): surge, ("consult", 0): [0.0] * 24}
    busy = estimate.point_for_new_ticket(hall, "consult", now)
    assert busy > quiet + 5 * 60
    # visitors come in at twice the forecast: the rest of the day is scaled up
    hall.forecast = {("consult", 0): [4.0] * 24}
    base = estimate.point_for_new_ticket(hall, "consult", now)
    for i in range(8):
        hall.queued_log["consult"].append((now - 600 + i, 0))
    assert estimate.point_for_new_ticket(hall, "consult", now) >= base


@pytest.mark.parametrize("minutes", [0, 0.4, 1, 2.5, 4, 6, 9, 14, 20, 33, 47, 75, 120])
def test_the_printed_range_keeps_the_width_rule_and_holds_the_point(minutes):
    low, high = estimate.wait_range(None, minutes * 60)
    assert high - low <= 0.4 * (low + high) / 2 + 4
    assert low <= minutes <= high


def test_the_ticket_print_and_the_screen_say_when_the_window_opens():
    answer = {"code": "А-005", "service_name": "Консультация", "people_ahead": 4, "estimate": [40, 48],
              "opens_at": "13:45", "estimate_after_opening": [5, 13], "issued_at": at(f"{DAY} 13:10"),
              "url": "/t/abc"}
    state = {"office": {"name": "Офис", "company": "Компания", "address": "ул. Мира, 1",
                        "tz": "Europe/Moscow"}}
    ticket = flow.ticket_print(answer, state, "http://hub")
    queue, wait = flow.ticket_lines(ticket)
    assert wait == "Окно откроется в 13:45, ожидание примерно 5-13\u00a0минут после открытия"
    assert ticket_fields(ticket)["wait_text"] == "5-13\u00a0минут после открытия окна в\u00a013:45"
    plain = flow.ticket_print({**answer, "opens_at": None}, state, "http://hub")
    assert flow.ticket_lines(plain)[1] == "Примерное время ожидания: 40-48\u00a0минут"


def test_the_hub_answers_with_the_opening_text(shared_hub):
    admin = shared_hub.client("admin")
    state = admin.state("demo")
    w = {x["number"]: x["id"] for x in state["windows"]}
    for x in state["windows"]:
        if x["state"] != "closed":
            admin.window(x["id"], "close", force=True)
    op1, op6 = shared_hub.client("op1"), shared_hub.client("op6")
    op1.window(w[1], "open")
    op6.window(w[6], "open")
    op6.window(w[6], "pause", reason="lunch")  # businesses are served only at window 6
    t = admin.issue("demo", "business")
    assert t["opens_at"] and t["estimate"][0] >= 40
    assert t["estimate_text"].startswith(f"окно откроется в {t['opens_at']}, ожидание примерно ")
    ticket = flow.ticket_print(t, admin.state("demo"), shared_hub.url)
    assert flow.ticket_lines(ticket)[1].startswith(f"Окно откроется в {t['opens_at']}")


def test_the_hubs_forecast_comes_from_the_same_weekday_of_past_weeks(tmp_path):
    """A hub (in process, on a real SQLite file) makes the estimate's forecast from its own log:
    visitors of the same weekday in the last four weeks, per service and hour, averaged over the
    days that had any; other weekdays do not count."""
    import subprocess
    import sys
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from server.hub import Clock, Hub
    from server.store.db import Store

    db = tmp_path / "hub.sqlite"
    subprocess.run([sys.executable, "-m", "server.cli", "init", "--db", str(db), "--demo", "--round-the-clock"],
                   check=True, capture_output=True)
    clock = Clock()
    hub = Hub(Store(db), clock)
    zone = ZoneInfo("Europe/Moscow")
    today = datetime.now(zone).replace(hour=12, minute=0, second=0, microsecond=0)

    def at_time(moment: datetime) -> None:
        clock.offset = moment.timestamp() - __import__("time").time()

    # two weeks ago, same weekday: 6 consultations between 10:00 and 11:00, 2 payments at 15:00
    week2 = today - timedelta(days=14)
    for i in range(6):
        at_time(week2.replace(hour=10, minute=5 * i))
        hub.execute("demo", lambda hall, now: hall.issue("consult", now))
    for i in range(2):
        at_time(week2.replace(hour=15, minute=10 + i))
        hub.execute("demo", lambda hall, now: hall.issue("cash", now))
    # the day before one week ago (another weekday): 9, not counted; one week ago: 2 consultations
    # at 10:30 (the clock only moves forward: a day once started is not restarted)
    week1 = today - timedelta(days=7)
    for i in range(9):
        at_time((week1 - timedelta(days=1)).replace(hour=10, minute=i))
        hub.execute("demo", lambda hall, now: hall.issue("consult", now))
    for i in range(2):
        at_time(week1.replace(hour=10, minute=30 + i))
        hub.execute("demo", lambda hall, now: hall.issue("consult", now))
    at_time(today)
    hub.execute("demo", lambda hall, now: hall.issue("certificate", now))  # today's day starts
    hall = hub.hall("demo")
    assert hall.day == today.date().isoformat()
    assert hall.forecast[("consult", 0)][10] == pytest.approx((6 + 2) / 2)
    assert hall.forecast[("cash", 0)][15] == pytest.approx(2 / 2)
    assert sum(hall.forecast[("consult", 0)]) == pytest.approx(4.0)
    assert ("certificate", 0) not in hall.forecast  # today's own visitors are not history
