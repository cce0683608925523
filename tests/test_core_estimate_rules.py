"""The rules of the wait estimate (server/domain/estimate.py), each pinned in the domain's words:
how long one call takes a window, the visitors still to come, how long the visitor at a window
has still to go, the windows on a break, closed or not yet open, the projection itself (people
ahead, several windows with different services and weights, transfers, escalations, planned
breaks), the printed range and its width rule, the «window opens at …» plan, the forecast.

Pure and fast: every test builds its own small hall (tests/core_support.py) inside the test, so
that mutation testing (scripts/mutation.sh, issue 20) maps it to the estimate's code it runs.
The figures are worked out by hand from the constants of estimate.py (a consultation's norm is
8 minutes, cash 4, «consultation and cash» 16; a call adds 30 seconds of walking).
"""
from __future__ import annotations

from collections import deque
from datetime import time

import pytest
from core_support import at, make_hall

from server.domain import estimate
from server.domain.model import Service, Ticket, TicketState, Window
from server.domain.rota import EVERY, Break, Entry, Rota
from server.domain.schedule import Schedule, weekdays

T0 = at("2026-12-03 10:00")  # a Thursday
DAY = "2026-12-03"
MIN = 60.0
CONSULT_CALL = 30.0 + 8 * MIN  # 510 s: the walk to the window and an 8-minute consultation
CASH_CALL = 30.0 + 4 * MIN  # 270 s
FIRST = CONSULT_CALL * (1 - 0.35 / 2)  # 420.75 s: the first visit of a window, shortened by renewal


def office(windows=1, policy="fifo", services=None, **kw):
    """A hall with ``windows`` windows serving ``services`` (default: consultations only), open."""
    hall = make_hall(windows=windows, policy=policy,
                     window_services=services or {"consult": 1}, **kw)
    return hall


def opened(hall, *numbers, now=T0):
    """Opens the windows ``numbers`` (every window when none is named) at ``now``."""
    for n in numbers or tuple(hall.windows):
        hall.open_window(n, now)
    return hall


def ticket(tid=-1, service="consult", queued_at=T0, **kw):
    return Ticket(id=tid, office="t", day=DAY, service=service, letter="А", number=1, token="",
                  issued_at=queued_at, queued_at=queued_at, **kw)


def office_hours(open_="08:00", close="20:00", brk=None):
    return Schedule(tz="Europe/Moscow", week=weekdays(open_, close, brk))


def lunch_rota(*entries, kind="lunch"):
    """``(window number, (h, m), (h, m))`` → a rota of every-day breaks."""
    return Rota(tuple(Entry(n, EVERY, Break(time(*a), time(*b), kind)) for n, a, b in entries))


# --- how long one call takes a window ------------------------------------------------------------

def test_before_anything_is_seen_a_consultation_call_takes_the_walk_and_the_8_minute_norm():
    hall = office()
    assert estimate.call_stats(hall, "consult") == (510.0, 0.35)
    assert estimate.call_time(hall, "consult") == 510.0
    assert estimate.call_stats(hall, "cash") == (270.0, 0.35)
    assert estimate.call_stats(hall, "both") == (990.0, 0.35)


def test_the_norm_counts_as_three_calls_seen_against_the_first_real_ones():
    hall = office()
    hall.occupancy["consult"] = deque([600.0])
    assert estimate.call_stats(hall, "consult") == (pytest.approx((600 + 3 * 510) / 4), 0.35)
    hall.occupancy["consult"] = deque([600.0, 700.0, 800.0, 900.0])
    assert estimate.call_stats(hall, "consult") == (pytest.approx((3000 + 3 * 510) / 7), 0.35)


def test_from_five_calls_seen_their_own_spread_counts_weighed_against_the_usual_one():
    hall = office()
    hall.occupancy["consult"] = deque([400.0, 500.0, 600.0, 700.0, 800.0])
    mean, scv = estimate.call_stats(hall, "consult")
    assert mean == pytest.approx((3000 + 3 * 510) / 8)
    own = 25000.0 / 600.0 ** 2  # sample variance (n − 1) over the mean squared
    assert scv == pytest.approx((own * 5 + 0.35 * 3) / 8)


def test_calls_that_took_no_time_keep_the_usual_spread():
    hall = office()
    hall.occupancy["consult"] = deque([0.0] * 5)
    assert estimate.call_stats(hall, "consult") == (pytest.approx(3 * 510 / 8), pytest.approx(0.35))


def test_the_recent_service_times_replace_the_norm_in_the_prior():
    hall = office()
    hall.recent["consult"] = deque([300.0, 420.0])
    assert estimate.call_stats(hall, "consult") == (390.0, 0.35)


# --- the visitors still to come: the rates of the last hour ----------------------------------------

def test_arrival_rates_count_the_last_hour_by_service_and_priority_and_skip_the_future():
    hall = office()
    hall.queued_log["consult"] = deque([(T0 - 4000, 0), (T0 - 3000, 0), (T0 - 600, 0), (T0 - 300, 2),
                                        (T0 - 60, 0), (T0 + 50, 0)])
    # four in the hour (one a transfer, priority 2 → 1); the first 50 minutes ago: over a full hour
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(3 / 3600)),
                                                ("consult", 1, pytest.approx(1 / 3600))]


def test_a_visitor_exactly_an_hour_ago_still_counts():
    hall = office()
    hall.queued_log["consult"] = deque([(T0 - 3600, 0)])
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(1 / 3600))]


def test_the_rate_is_measured_from_the_first_arrival_plus_one_mean_gap():
    hall = office()
    hall.queued_log["consult"] = deque([(T0 - 1500, 0), (T0 - 600, 0)])
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(2 / 2250))]


def test_a_rate_is_never_measured_over_less_than_20_minutes():
    hall = office()
    hall.queued_log["consult"] = deque([(T0 - 300, 0)])
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(1 / 1200))]


def test_a_service_nobody_came_for_in_the_last_hour_has_no_rate():
    hall = office()
    hall.queued_log["cash"] = deque([(T0 - 4000, 0)])
    hall.queued_log["consult"] = deque([(T0 + 10, 0)])
    assert estimate.arrival_rates(hall, T0) == []


# --- the visitor at a window: how long still -----------------------------------------------------

def called_at_window(hall, now=T0, start=None):
    t = hall.issue("consult", now)
    hall.call_next(1, now + 10)
    if start is not None:
        hall.start(t.id, now + start)
    return hall.tickets[t.id]


def test_a_visitor_called_a_minute_ago_takes_the_window_for_the_rest_of_a_call():
    hall = opened(office())
    t = called_at_window(hall)
    assert estimate._residuals(hall, t, T0 + 70, {}) == [450.0]


def test_a_visitor_being_served_for_a_minute_takes_the_rest_of_the_norm():
    hall = opened(office())
    t = called_at_window(hall, start=40)
    assert t.state is TicketState.SERVING
    assert estimate._residuals(hall, t, T0 + 100, {}) == [420.0]


def test_a_visit_past_its_mean_is_still_given_a_fifth_of_it():
    hall = opened(office())
    t = called_at_window(hall, start=40)
    assert estimate._residuals(hall, t, T0 + 40 + 470, {}) == [96.0]


def test_a_visit_is_expected_to_last_as_the_recent_visits_that_went_on_longer():
    hall = opened(office())
    t = called_at_window(hall, start=40)
    hall.recent["consult"] = deque([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
    assert estimate._residuals(hall, t, T0 + 40 + 250, {}) == [50.0, 150.0, 250.0, 350.0]
    hall.recent["consult"] = deque([100.0, 200.0, 300.0, 400.0])
    assert estimate._residuals(hall, t, T0 + 40 + 150, {}) == [50.0, 150.0, 250.0]


def test_a_visit_longer_than_nearly_every_one_seen_should_end_within_a_minute_or_a_fifth():
    hall = opened(office())
    t = called_at_window(hall, start=40)
    hall.recent["consult"] = deque([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
    assert estimate._residuals(hall, t, T0 + 40 + 400, {}) == [70.0]  # a fifth of the 350 s mean
    hall.recent["consult"] = deque([300.0] * 5)
    assert estimate._residuals(hall, t, T0 + 40 + 300, {}) == [60.0]  # at least a minute
    assert estimate._residuals(hall, t, T0 + 40 + 299, {}) == [1.0] * 5


def test_with_fewer_than_five_seen_a_long_visit_falls_back_to_the_mean():
    hall = opened(office())
    t = called_at_window(hall, start=40)
    hall.recent["consult"] = deque([100.0, 200.0, 300.0, 400.0])
    assert estimate._residuals(hall, t, T0 + 40 + 250, {}) == [50.0]


def test_a_called_visitor_is_measured_against_the_recent_calls_not_the_services():
    hall = opened(office())
    t = called_at_window(hall)
    hall.recent["consult"] = deque([1000.0] * 10)
    hall.occupancy["consult"] = deque([100.0, 200.0, 300.0, 400.0, 500.0])
    assert estimate._residuals(hall, t, T0 + 10 + 150, {}) == [50.0, 150.0, 250.0, 350.0]


def test_a_called_visitor_without_a_call_time_counts_from_now():
    hall = office()
    t = ticket(tid=5, state=TicketState.CALLED)
    assert estimate._residuals(hall, t, T0, {}) == [510.0]
    t = ticket(tid=6, state=TicketState.SERVING)  # serving, but no start recorded: as a call
    assert estimate._residuals(hall, t, T0, {}) == [510.0]


def test_several_windows_finish_in_parallel_the_first_sooner_than_any_one():
    assert estimate._order_statistics([[100.0], [300.0]]) == [100.0, 300.0]
    assert estimate._order_statistics([[100.0, 200.0, 300.0], [300.0, 600.0]]) == [200.0, 450.0]
    assert estimate._order_statistics([[60.0, 120.0, 180.0, 240.0]] * 3) == [75.0, 150.0, 225.0]


def test_one_busy_window_is_expected_free_after_its_mean_residual():
    assert estimate._order_statistics([[100.0, 200.0, 300.0]]) == [200.0]


# --- words and small pieces ----------------------------------------------------------------------

@pytest.mark.parametrize("n, word", [(1, "минуту"), (2, "минуты"), (4, "минуты"), (5, "минут"), (11, "минут"),
                                     (12, "минут"), (14, "минут"), (21, "минуту"), (22, "минуты"),
                                     (111, "минут"), (112, "минут"), (0, "минут"), (-3, "минуты")])
def test_minutes_agree_with_the_number(n, word):
    assert estimate._minutes_word(n) == word


@pytest.mark.parametrize("n, word", [(1, "минуты"), (21, "минуты"), (11, "минут"), (2, "минут"), (5, "минут"),
                                     (111, "минут")])
def test_after_do_minutes_take_the_genitive(n, word):
    assert estimate._minutes_word(n, genitive=True) == word


def test_the_forecast_of_a_thursday_comes_from_the_four_thursdays_before():
    assert estimate.forecast_days("2026-12-03") == ["2026-11-26", "2026-11-19", "2026-11-12", "2026-11-05"]
    assert estimate.forecast_days("2026-12-03", 2) == ["2026-11-26", "2026-11-19"]


def test_the_forecast_averages_each_hour_over_the_days_that_had_visitors():
    sched = office_hours()
    arrivals = [("2026-11-26", at("2026-11-26 10:05"), "consult", 0),
                ("2026-11-26", at("2026-11-26 10:40"), "consult", 0),
                ("2026-11-26", at("2026-11-26 11:10"), "consult", 3),
                ("2026-11-19", at("2026-11-19 10:30"), "consult", 0),
                ("2026-11-19", at("2026-11-19 14:00"), "cash", 0)]
    out = estimate.forecast_from_history(arrivals, sched)
    assert set(out) == {("consult", 0), ("consult", 1), ("cash", 0)}
    assert out[("consult", 0)][10] == 1.5 and sum(out[("consult", 0)]) == 1.5
    assert out[("consult", 1)][11] == 0.5 and sum(out[("consult", 1)]) == 0.5
    assert out[("cash", 0)][14] == 0.5 and len(out[("cash", 0)]) == 24
    assert estimate.forecast_from_history([], sched) == {}


def test_the_forecast_expects_visitors_hour_by_hour_in_proportion_to_the_time():
    base = at("2026-12-03 00:00")
    hourly = [0.0] * 10 + [60.0, 120.0] + [0.0] * 12
    assert estimate._expected(hourly, base, at("2026-12-03 09:30"), at("2026-12-03 10:30")) == pytest.approx(30.0)
    assert estimate._expected(hourly, base, at("2026-12-03 10:30"), at("2026-12-03 11:30")) == pytest.approx(90.0)
    assert estimate._expected(hourly[:11], base, at("2026-12-03 10:30"), at("2026-12-03 11:30")) == \
        pytest.approx(30.0)  # no forecast past the list
    assert estimate._expected(hourly, base + 3600, base, base + 7200) == 0.0  # none before the day
    assert estimate._expected(hourly, base, T0, T0) == 0.0


def test_alike_tickets_are_grouped_by_service_priority_format_and_target():
    t = ticket(tid=1, priority=1, individual=True, target_window=2, target_level="senior")
    assert estimate._group(t) == ("consult", 1, True, 2, "senior")


def test_a_window_reaches_only_the_services_with_a_positive_weight():
    w = Window(id=1, number=1, services={"consult": 2, "cash": 1, "both": 0})
    assert estimate._reach(w) == frozenset({"consult", "cash"})


# --- which windows will call, and when each is next free ------------------------------------------

def free_at(hall, now, breaks=None):
    """{window id: minutes from now until it is next free} as the projection sees it."""
    return {w.id: round((a - now) / MIN, 3) for a, w in estimate._windows_for_projection(hall, now, breaks)}


def test_an_open_free_window_calls_now_a_busy_one_when_its_visitor_is_expected_to_leave():
    hall = opened(office(windows=2))
    t = hall.issue("consult", T0)
    hall.call_ticket(2, t.id, T0 + 10)
    assert free_at(hall, T0 + 70) == {1: 0.0, 2: 7.5}  # 510 s a call, 60 s gone


def test_windows_on_a_break_come_back_after_a_usual_break_by_its_reason():
    hall = opened(office(windows=4))
    hall.pause_window(2, "lunch", T0 + 60, override=True, admin=True)
    hall.pause_window(3, "technical", T0 + 60, override=True, admin=True)
    hall.pause_window(4, "other", T0 + 60, override=True, admin=True)
    assert free_at(hall, T0 + 120) == {1: 0.0, 2: 44.0, 3: 9.0, 4: 14.0}  # a minute of each gone
    hall.windows[4].pause_reason = None  # no reason given: as «other»
    hall.windows[3].pause_reason = "unheard-of"
    assert free_at(hall, T0 + 120) == {1: 0.0, 2: 44.0, 3: 14.0, 4: 14.0}


def test_a_break_overrunning_its_usual_length_is_expected_to_end_a_minute_from_now():
    hall = opened(office(windows=2))
    hall.pause_window(2, "technical", T0 + 60)
    assert free_at(hall, T0 + 60 + 590) == {1: 0.0, 2: 1.0}
    hall.windows[2].since = None  # when it began is unknown: a usual break from now
    assert free_at(hall, T0 + 120) == {1: 0.0, 2: 10.0}


def test_at_opening_every_closed_window_is_expected_with_reception_and_not_a_quarter_hour_later():
    hall = office(windows=2, schedule=office_hours("08:00", "20:00", ("13:00", "14:00")))
    assert free_at(hall, at(f"{DAY} 07:00")) == {1: 60.0, 2: 60.0}  # before it opens: at 08:00
    assert free_at(hall, at(f"{DAY} 08:00")) == {1: 0.0, 2: 0.0}
    assert free_at(hall, at(f"{DAY} 08:14")) == {1: 0.0, 2: 0.0}
    assert free_at(hall, at(f"{DAY} 08:15")) == {}  # nobody opened in 15 minutes: nobody is expected
    assert free_at(hall, at(f"{DAY} 12:59")) == {}
    assert free_at(hall, at(f"{DAY} 13:30")) == {1: 30.0, 2: 30.0}  # after the office's lunch
    assert free_at(hall, at(f"{DAY} 14:14")) == {1: 0.0, 2: 0.0}
    assert free_at(hall, at(f"{DAY} 20:00")) == {}
    assert free_at(hall, at("2026-12-05 10:00")) == {}  # a Saturday: no reception at all


def test_while_one_window_is_open_the_closed_ones_are_not_expected():
    hall = office(windows=2, schedule=office_hours())
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    assert free_at(hall, at(f"{DAY} 08:01")) == {1: 0.0}


def test_while_every_window_is_on_a_break_the_closed_ones_are_still_expected_at_opening():
    hall = office(windows=2, schedule=office_hours())
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    hall.pause_window(1, "technical", at(f"{DAY} 08:01"), override=True, admin=True)
    assert free_at(hall, at(f"{DAY} 08:02")) == {1: 9.0, 2: 0.0}


def test_reception_starts_at_the_current_or_next_interval_of_the_day():
    hall = office(schedule=office_hours("08:00", "20:00", ("13:00", "14:00")))
    start = estimate._reception_start
    assert start(hall, at(f"{DAY} 07:00")) == at(f"{DAY} 08:00")
    assert start(hall, at(f"{DAY} 12:59")) == at(f"{DAY} 08:00")
    assert start(hall, at(f"{DAY} 13:00")) == at(f"{DAY} 14:00")
    assert start(hall, at(f"{DAY} 19:59")) == at(f"{DAY} 14:00")
    assert start(hall, at(f"{DAY} 20:00")) is None
    assert start(hall, at("2026-12-06 10:00")) is None


def test_the_reception_start_is_on_the_offices_own_clock():
    hall = office(schedule=Schedule(tz="Asia/Yekaterinburg", week=weekdays("08:00", "20:00")))
    # 08:00 in Yekaterinburg is 06:00 in Moscow
    assert estimate._reception_start(hall, at(f"{DAY} 07:00")) == at(f"{DAY} 06:00")


def hours(pairs, day=DAY):
    return [(round((a - at(f"{day} 00:00")) / 3600, 4), round((b - at(f"{day} 00:00")) / 3600, 4)) for a, b in pairs]


def test_the_planned_breaks_of_today_still_to_end_are_those_of_the_rota():
    hall = office(windows=2, schedule=office_hours())
    hall.rota = Rota((Entry(1, EVERY, Break(time(13, 0), time(13, 45), "lunch")),
                      Entry(1, EVERY, Break(time(15, 0), time(15, 15), "break")),
                      Entry(2, "fri", Break(time(13, 0), time(13, 45), "lunch"))))
    w1, w2 = hall.windows[1], hall.windows[2]
    assert hours(estimate._today_breaks(hall, w1, at(f"{DAY} 12:00"))) == [(13.0, 13.75), (15.0, 15.25)]
    assert hours(estimate._today_breaks(hall, w1, at(f"{DAY} 13:44"))) == [(13.0, 13.75), (15.0, 15.25)]
    assert hours(estimate._today_breaks(hall, w1, at(f"{DAY} 13:45"))) == [(15.0, 15.25)]
    assert estimate._today_breaks(hall, w2, at(f"{DAY} 12:00")) == []  # a Friday lunch, today is Thursday
    fri = "2026-12-04"
    assert hours(estimate._today_breaks(hall, w2, at(f"{fri} 12:00")), fri) == [(13.0, 13.75)]
    assert estimate._today_breaks(hall, w2, at(f"{DAY} 12:30")) == []  # back on Thursday again
    assert hours(estimate._today_breaks(hall, w1, at(f"{fri} 23:59")), fri) == []


def test_a_new_rota_or_timetable_is_read_at_once():
    hall = office(windows=1, schedule=office_hours())
    hall.rota = lunch_rota((1, (13, 0), (13, 45)))
    assert hours(estimate._today_breaks(hall, hall.windows[1], at(f"{DAY} 12:00"))) == [(13.0, 13.75)]
    hall.rota = lunch_rota((1, (14, 0), (14, 30)))
    assert hours(estimate._today_breaks(hall, hall.windows[1], at(f"{DAY} 12:00"))) == [(14.0, 14.5)]
    hall.schedule = Schedule(tz="Asia/Yekaterinburg", week=weekdays("08:00", "20:00"))
    # 14:00 in Yekaterinburg is 12:00 in Moscow
    assert hours(estimate._today_breaks(hall, hall.windows[1], at(f"{DAY} 10:00"))) == [(12.0, 12.5)]
    hall.rota = Rota()
    assert estimate._today_breaks(hall, hall.windows[1], at(f"{DAY} 10:00")) == []


def test_a_window_without_a_rota_line_has_no_planned_break():
    hall = office(windows=2, schedule=office_hours())
    hall.rota = lunch_rota((1, (13, 0), (13, 45)))
    assert estimate._today_breaks(hall, hall.windows[2], at(f"{DAY} 12:00")) == []


def rota_office(open_since="08:00"):
    hall = office(windows=2, schedule=office_hours())
    hall.rota = Rota((Entry(1, EVERY, Break(time(13, 0), time(13, 45), "lunch")),
                      Entry(1, EVERY, Break(time(15, 0), time(15, 15), "break"))))
    opened(hall, 1, 2, now=at(f"{DAY} {open_since}"))
    return hall


def test_an_open_window_still_has_todays_planned_breaks_ahead():
    hall = rota_office()
    plan = {}
    assert free_at(hall, at(f"{DAY} 12:00"), plan) == {1: 0.0, 2: 0.0}
    assert {k: hours(v) for k, v in plan.items()} == {1: [(13.0, 13.75), (15.0, 15.25)]}


def test_a_window_that_opened_within_ten_minutes_of_its_break_has_taken_it():
    for since, expected in (("12:49", [(13.0, 13.75), (15.0, 15.25)]), ("12:50", [(15.0, 15.25)]),
                            ("12:55", [(15.0, 15.25)])):
        hall = rota_office(since)
        plan = {}
        free_at(hall, at(f"{DAY} 12:56"), plan)
        assert hours(plan[1]) == expected, since


def test_a_window_open_since_an_unknown_time_has_its_breaks_ahead():
    hall = rota_office()
    hall.windows[1].since = None
    plan = {}
    free_at(hall, at(f"{DAY} 12:00"), plan)
    assert hours(plan[1]) == [(13.0, 13.75), (15.0, 15.25)]


def test_a_window_on_its_planned_lunch_comes_back_when_the_planned_length_has_passed():
    hall = rota_office()
    hall.pause_window(1, "lunch", at(f"{DAY} 12:55"))
    plan = {}
    assert free_at(hall, at(f"{DAY} 12:55"), plan) == {1: 45.0, 2: 0.0}
    assert {k: hours(v) for k, v in plan.items()} == {1: [(15.0, 15.25)]}  # the lunch is being taken
    assert free_at(hall, at(f"{DAY} 13:00")) == {1: 40.0, 2: 0.0}
    assert free_at(hall, at(f"{DAY} 13:50")) == {1: 1.0, 2: 0.0}


def test_a_break_taken_up_to_ten_minutes_around_the_plan_counts_as_the_planned_one():
    for paused, back in (("12:50", 45.0), ("12:49", 15.0)):
        hall = rota_office()
        hall.pause_window(1, "other", at(f"{DAY} {paused}"), override=True, admin=True)
        assert free_at(hall, at(f"{DAY} {paused}"))[1] == back, paused
    hall = rota_office()
    hall.pause_window(1, "other", at(f"{DAY} 13:44"), override=True, admin=True)
    assert free_at(hall, at(f"{DAY} 13:44"))[1] == 45.0  # the lunch's last minute: the lunch, late
    hall = rota_office()
    hall.pause_window(1, "other", at(f"{DAY} 13:45"), override=True, admin=True)
    assert free_at(hall, at(f"{DAY} 13:45"))[1] == 15.0


def test_an_unplanned_break_leaves_the_planned_ones_after_it_ahead():
    hall = rota_office()
    hall.pause_window(1, "technical", at(f"{DAY} 12:45"), override=True, admin=True)
    plan = {}
    assert free_at(hall, at(f"{DAY} 12:45"), plan) == {1: 10.0, 2: 0.0}
    assert {k: hours(v) for k, v in plan.items()} == {1: [(13.0, 13.75), (15.0, 15.25)]}
    hall = rota_office()
    hall.pause_window(1, "other", at(f"{DAY} 12:46"), override=True, admin=True)  # back 13:01, after 13:00
    plan = {}
    free_at(hall, at(f"{DAY} 12:46"), plan)
    assert {k: hours(v) for k, v in plan.items()} == {1: [(15.0, 15.25)]}


def test_closed_windows_expected_at_opening_bring_their_planned_breaks():
    hall = office(windows=2, schedule=office_hours())
    hall.rota = lunch_rota((2, (13, 0), (13, 45)))
    plan = {}
    assert free_at(hall, at(f"{DAY} 08:00"), plan) == {1: 0.0, 2: 0.0}
    assert {k: hours(v) for k, v in plan.items()} == {2: [(13.0, 13.75)]}


# --- the projection: who is called when ----------------------------------------------------------

def since(projected, now):
    return {k: round(v - now, 3) for k, v in projected.items()}


def queue_of(n, windows=1, services=None, policy="fifo", now=T0, **kw):
    hall = opened(office(windows=windows, services=services, policy=policy, **kw))
    tickets = [hall.issue("consult", now + i) for i in range(n)]
    return hall, tickets


def replayed(hall, service, now, n):
    """``n`` visitors who joined the queue, replayed from the log (no estimate worked out for each:
    fast for the big queues)."""
    hall.roll_day(now)
    for i in range(n):
        tid = max(hall.tickets, default=0) + 1
        hall.apply({"type": "ticket.issued", "at": now + i, "office": "t", "day": DAY,
                    "data": {"ticket": tid, "service": service, "letter": "А", "number": tid, "token": f"t{tid}"}})
    return hall


def test_a_visitor_with_three_people_ahead_at_one_window_of_an_8_minute_service_is_told_about_24_minutes():
    hall, tickets = queue_of(3)
    now = T0 + 5
    # the first is called now; the window's first visit is shortened by renewal (SCV·mean/2)
    assert since(estimate.project(hall, now), now) == {1: 0.0, 2: FIRST, 3: FIRST + CONSULT_CALL}
    point = estimate.point_for_new_ticket(hall, "consult", now)
    assert point == pytest.approx(FIRST + 2 * CONSULT_CALL)  # 1440.75 s: 24 minutes
    assert estimate.for_new_ticket(hall, "consult", now) == (18.0, 31.0)
    assert [hall.people_ahead(t, now) for t in tickets] == [0, 1, 2]


def test_the_waiting_are_shown_the_range_of_their_own_projected_call():
    hall, tickets = queue_of(3)
    now = T0 + 5
    assert estimate.for_waiting(hall, now) == {1: (0.0, 1.0), 2: (4.0, 11.0), 3: (11.0, 21.0)}
    assert estimate.call_order(hall, now) == [1, 2, 3]


def test_two_windows_call_two_at_a_time():
    hall, _ = queue_of(5, windows=2)
    now = T0 + 5
    assert since(estimate.project(hall, now), now) == {1: 0.0, 2: 0.0, 3: FIRST, 4: FIRST, 5: FIRST + CONSULT_CALL}
    assert estimate.point_for_new_ticket(hall, "consult", now) == pytest.approx(FIRST + CONSULT_CALL)


def test_only_a_windows_first_visit_is_shortened_by_renewal():
    hall, _ = queue_of(4)
    now = T0 + 5
    p = since(estimate.project(hall, now), now)
    assert p[4] - p[3] == pytest.approx(CONSULT_CALL) and p[3] - p[2] == pytest.approx(CONSULT_CALL)


def test_with_nobody_waiting_a_free_window_calls_the_new_visitor_at_once():
    hall = opened(office(windows=2), 1)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 5) == 0.0
    assert estimate.for_new_ticket(hall, "consult", T0 + 5) == (0.0, 1.0)
    assert estimate.project(hall, T0 + 5) == {}
    assert estimate.for_waiting(hall, T0 + 5) == {}
    assert estimate.call_order(hall, T0 + 5) == []


def test_with_nobody_waiting_a_visitor_waits_for_the_busy_window_of_their_service():
    hall = opened(office(windows=2, services={"cash": 1}))
    hall.windows[2].services = {"consult": 1}
    t = hall.issue("consult", T0)
    hall.call_ticket(2, t.id, T0 + 1)
    # window 1 is free but serves only cash: the consultation waits for window 2's visitor (510 − 60 s)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 61) == 450.0
    assert estimate.point_for_new_ticket(hall, "cash", T0 + 61) == 0.0


def test_a_service_no_window_serves_gets_no_estimate():
    hall = opened(office(services={"cash": 1}))
    t = hall.issue("consult", T0)
    assert t.estimate is None
    assert estimate.project(hall, T0 + 5) == {}
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 5) is None
    assert estimate.for_new_ticket(hall, "consult", T0 + 5) == (None, None)
    assert estimate.for_waiting(hall, T0 + 5) == {t.id: (None, None)}


def test_a_window_serving_a_service_at_weight_zero_does_not_count_for_it():
    hall = opened(office(services={"consult": 0, "cash": 1}))
    hall.issue("cash", T0)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 5) is None


def test_transfers_go_first_and_the_individual_format_before_them():
    hall, tickets = queue_of(2, policy="fifo")
    vip = hall.issue("consult", T0 + 10, priority=1)
    ind = hall.issue("consult", T0 + 11, individual=True)
    now = T0 + 20
    p = since(estimate.project(hall, now), now)
    assert p[ind.id] == 0.0 and p[vip.id] == pytest.approx(FIRST)
    # the transfers still to come (one in the last 20 minutes: one expected 10 and 30 minutes from
    # now) go first too
    assert p[1] == pytest.approx(FIRST + 2 * CONSULT_CALL) and p[2] == pytest.approx(FIRST + 4 * CONSULT_CALL)
    assert estimate.point_for_new_ticket(hall, "consult", now, priority=1) == pytest.approx(FIRST + CONSULT_CALL)
    assert estimate.point_for_new_ticket(hall, "consult", now, individual=True) == pytest.approx(FIRST)


def test_a_visitor_transferred_to_one_window_waits_for_that_window_only():
    hall, _ = queue_of(0, windows=2)
    busy = hall.issue("consult", T0)
    hall.call_ticket(2, busy.id, T0 + 1)
    t = hall.issue("consult", T0 + 2)
    t.target_window = 2
    other = hall.issue("consult", T0 + 3)
    now = T0 + 61
    p = since(estimate.project(hall, now), now)
    assert p == {t.id: 450.0, other.id: 0.0}  # window 1 is free but not theirs


def test_an_escalated_visitor_waits_for_a_senior_window():
    hall, _ = queue_of(0, windows=2)
    hall.windows[2].level = "senior"
    busy = hall.issue("consult", T0)
    hall.call_ticket(2, busy.id, T0 + 1)
    t = hall.issue("consult", T0 + 2)
    t.target_level = "senior"
    now = T0 + 61
    assert since(estimate.project(hall, now), now) == {t.id: 450.0}


def test_a_visitor_no_projected_window_can_call_gets_no_range_while_the_others_do():
    hall, tickets = queue_of(1)
    odd = hall.issue("consult", T0 + 2)
    odd.target_level = "head"
    now = T0 + 5
    assert since(estimate.project(hall, now), now) == {tickets[0].id: 0.0}
    assert estimate.for_waiting(hall, now)[odd.id] == (None, None)


def test_several_windows_with_different_services_each_serve_their_own():
    hall = opened(office(windows=2, services={"consult": 1}))
    hall.windows[2].services = {"cash": 1}
    c = [hall.issue("consult", T0 + i) for i in range(2)]
    k = [hall.issue("cash", T0 + 10 + i) for i in range(3)]
    now = T0 + 20
    p = since(estimate.project(hall, now), now)
    cash_first = CASH_CALL * (1 - 0.35 / 2)
    assert p == {c[0].id: 0.0, c[1].id: FIRST, k[0].id: 0.0, k[1].id: pytest.approx(cash_first),
                 k[2].id: pytest.approx(cash_first + CASH_CALL)}
    assert estimate.call_order(hall, now) == [c[0].id, k[0].id, k[1].id, c[1].id, k[2].id]


def test_under_fifo_a_windows_primary_service_goes_before_an_older_secondary_one():
    hall = opened(office(windows=1, services={"consult": 1, "cash": 2}))
    c = hall.issue("consult", T0)
    k = hall.issue("cash", T0 + 10)
    now = T0 + 20
    assert since(estimate.project(hall, now), now) == {k.id: 0.0, c.id: pytest.approx(CASH_CALL * (1 - 0.35 / 2))}


def test_the_visitor_at_a_window_delays_the_next_call_by_the_rest_of_the_visit():
    hall, _ = queue_of(0)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 10)
    hall.start(t.id, T0 + 40)
    nxt = hall.issue("consult", T0 + 50)
    now = T0 + 100
    assert since(estimate.project(hall, now), now) == {nxt.id: 420.0}  # 8 minutes of service, 1 gone


def test_a_window_on_a_break_calls_when_it_is_back():
    hall, tickets = queue_of(2)
    hall.pause_window(1, "technical", T0 + 10, override=True, admin=True)
    now = T0 + 70
    assert since(estimate.project(hall, now), now) == {1: 540.0, 2: 540.0 + FIRST}


def test_more_than_250_waiting_are_estimated_by_the_work_ahead_over_the_windows():
    hall = replayed(opened(office(windows=2)), "consult", T0, 251)
    now = T0 + 300
    p = since(estimate.project(hall, now), now)
    assert [p[i] for i in range(1, 5)] == [0.0, 255.0, 510.0, 765.0]  # 510 s a call over two windows
    hall = replayed(opened(office(windows=2)), "consult", T0, 250)
    p = since(estimate.project(hall, now), now)
    assert [p[i] for i in range(1, 5)] == [0.0, 0.0, FIRST, FIRST]  # 250: still projected


def test_the_closed_form_puts_the_individual_format_and_transfers_first_and_skips_unserved_services():
    hall = replayed(opened(office(windows=2, services={"consult": 1, "cash": 1})), "consult", T0, 250)
    hall.windows[2].services = {"cash": 1}
    ind = hall.issue("consult", T0 + 300, individual=True)
    vip = hall.issue("consult", T0 + 301, priority=1)
    cash = hall.issue("cash", T0 + 302)
    hall.services["both"] = hall.services["both"]
    nobody = hall.issue("both", T0 + 303, check_hours=False)
    hall.windows[1].services = {"consult": 1}  # now no window serves «both»
    now = T0 + 400
    p = since(estimate.project(hall, now), now)
    assert (p[ind.id], p[vip.id], p[1], p[2]) == (0.0, 510.0, 1020.0, 1530.0)  # one window serves consultations
    assert p[cash.id] == 0.0 and nobody.id not in p
    assert len(p) == 253


def test_the_closed_form_divides_a_call_among_the_windows_serving_the_service():
    hall = opened(office(windows=3))
    hall.windows[3].services = {"cash": 1}
    replayed(hall, "consult", T0, 260)
    for i in range(2):
        hall.issue("cash", T0 + 300 + i)
    now = T0 + 400
    p = since(estimate.project(hall, now), now)
    assert p[2] == 255.0 and p[261] == 0.0 and p[262] == 270.0


# --- the printed range ---------------------------------------------------------------------------

def test_the_margin_grows_with_the_square_root_of_the_wait_from_a_base_of_72_seconds():
    assert estimate.spread(0) == pytest.approx(72.0)  # 1.6 × 45 s: even «now» is not exact
    assert estimate.spread(-100) == pytest.approx(72.0)
    assert estimate.spread(3600) == pytest.approx(648.0)  # 1.6 × √(45·3600 + 45²)
    assert estimate.spread(600) == pytest.approx(1.6 * (45 * 600 + 45 * 45) ** 0.5)


def test_the_width_rule_a_range_is_at_most_four_tenths_of_its_middle_plus_four_minutes():
    assert estimate.fits(0, 5) and not estimate.fits(0, 5.01)  # 5 ≤ 0.4 · 2.5 + 4
    assert estimate.fits(10, 20) and not estimate.fits(10, 20.01)  # 10 ≤ 0.4 · 15 + 4
    assert estimate.fits(49, 78.5) and not estimate.fits(49, 78.6)
    assert estimate.fits(20, 20)


@pytest.mark.parametrize("seconds, printed", [
    (0, (0, 1)), (-30, (0, 1)), (29, (0, 2)), (45, (0, 2)), (59, (0, 3)), (90, (0, 4)), (100, (0, 4)),
    (150, (0, 5)), (160, (0, 5)), (180, (0, 5)), (200, (1, 6)), (240, (2, 7)), (250, (2, 7)), (300, (2, 8)),
    (330, (3, 9)), (400, (4, 10)), (420, (4, 11)), (500, (5, 12)), (600, (6, 14)), (700, (8, 16)),
    (1000, (12, 22)), (1300, (16, 28)), (1440.75, (18, 31)), (1800, (22, 38)), (2700, (35, 55)),
    (2856, (37, 58)), (3600, (49, 71)), (5000, (70, 97)), (9000, (133, 167)), (14400, (218, 262)),
    (36000, (566, 634))])
def test_the_printed_range_in_whole_minutes(seconds, printed):
    low, high = estimate.wait_range(None, seconds)
    assert (low, high) == printed and isinstance(low, float) and isinstance(high, float)
    assert estimate.fits(low, high) and low <= max(seconds, 0) / 60 <= high


def test_a_call_that_may_come_at_any_moment_is_printed_from_zero_and_at_most_five_minutes():
    for seconds in range(0, 190, 5):
        low, high = estimate.wait_range(None, seconds)
        assert low == 0 and 1 <= high <= 5


def test_a_long_wait_is_printed_as_wide_as_its_spread_centred_on_the_point():
    low, high = estimate.wait_range(None, 3600)  # 60 ± 10.8 minutes
    assert (low + high) / 2 == 60 and high - low == 22
    low, high = estimate.wait_range(None, 3630)  # 60.5: an odd width centres it exactly
    assert (low + high) / 2 == 60.5


def test_no_point_no_range():
    assert estimate.wait_range(None, None) == (None, None)


# --- the plan: «the window opens at …» -----------------------------------------------------------

def timed_office(windows=2, services=None):
    return office(windows=windows, services=services, schedule=office_hours())


def test_with_a_window_of_the_service_open_the_range_is_the_plain_one():
    hall = timed_office()
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    for i in range(3):
        hall.issue("consult", T0 + i)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 5) == (18.0, 31.0, None)


def test_every_window_of_the_service_away_the_range_counts_the_minutes_until_one_is_back():
    hall = timed_office()
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    for i in range(3):
        hall.issue("consult", T0 + i)
    hall.pause_window(1, "technical", T0 + 5, override=True, admin=True)  # back at 10:10:05
    back = T0 + 5 + 600
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 5) == (28.0, 41.0, back)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 5) == pytest.approx(600 + FIRST + 2 * CONSULT_CALL)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 360) == (23.0, 36.0, back)


def test_a_window_back_within_a_minute_is_as_good_as_open():
    hall = timed_office()
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    for i in range(3):
        hall.issue("consult", T0 + i)
    hall.pause_window(1, "technical", T0 + 5, override=True, admin=True)
    back = T0 + 5 + 600
    assert estimate.plan_for_new_ticket(hall, "consult", back - 61)[2] == back
    assert estimate.plan_for_new_ticket(hall, "consult", back - 60) == (18.0, 32.0, None)
    assert estimate.plan_for_new_ticket(hall, "consult", back - 30) == (18.0, 32.0, None)


def test_before_opening_the_range_starts_at_the_opening():
    hall = timed_office()
    opens = at(f"{DAY} 08:00")
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 07:00")) == (60.0, 61.0, opens)
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 07:58")) == (2.0, 3.0, opens)
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 07:58") + 1) == (2.0, 3.0, opens)
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 07:59")) == (0.0, 3.0, None)
    # at the opening minute itself no window is open yet: never «до 1 минуты», a window opens in a moment
    assert estimate.plan_for_new_ticket(hall, "consult", at(f"{DAY} 08:00")) == (2.0, 3.0, at(f"{DAY} 08:00") + 61)


def test_the_other_services_window_being_open_does_not_make_this_one_open():
    hall = timed_office()
    opened(hall, 1, 2, now=at(f"{DAY} 08:00"))
    hall.windows[2].services = {"cash": 1}
    hall.pause_window(1, "lunch", T0, override=True, admin=True)
    now = T0 + 60
    assert estimate.plan_for_new_ticket(hall, "consult", now) == (44.0, 45.0, T0 + 45 * MIN)
    assert estimate.plan_for_new_ticket(hall, "cash", now) == (0.0, 1.0, None)


def test_no_window_of_the_service_expected_no_range_at_all():
    hall = timed_office()
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    hall.windows[2].services = {"cash": 1}
    hall.windows[1].services = {"cash": 1}
    assert estimate.plan_for_new_ticket(hall, "consult", T0) == (None, None, None)
    hall = timed_office()
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    hall.close_window(1, T0)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 60) == (None, None, None)


def test_the_ticket_issued_while_the_window_is_at_lunch_says_when_it_opens_and_how_long_after():
    hall = timed_office()
    opened(hall, 1, 2, now=at(f"{DAY} 08:00"))
    hall.windows[2].services = {"cash": 1}
    hall.pause_window(1, "lunch", T0, override=True, admin=True)
    now = T0 + 60
    first = hall.issue("consult", now)
    assert first.estimate == (44.0, 45.0) and first.opens_at == T0 + 45 * MIN
    assert estimate.after_opening(first) == (0.0, 1.0)
    assert estimate.opening_text(hall, first) == "окно откроется в 10:45, ожидание примерно до 1 минуты после открытия"
    for i in range(6):
        hall.issue("consult", now + 1 + i)
    t = hall.issue("consult", now + 10)
    assert t.estimate == (91.0, 113.0)
    assert estimate.after_opening(t) == (47.0, 69.0)
    assert estimate.opening_text(hall, t) == "окно откроется в 10:45, ожидание примерно 47–69 минут после открытия"


def opening_ticket(issued, opens, low, high):
    return ticket(tid=9, queued_at=issued, estimate=(low, high), opens_at=opens)


def test_the_range_after_opening_takes_away_the_whole_minutes_until_the_opening():
    t = opening_ticket(T0, T0 + 44 * MIN + 1, 50.0, 60.0)  # 44 min 1 s: 45 whole minutes
    assert estimate.after_opening(t) == (5.0, 15.0)
    t = opening_ticket(T0, T0 + 44 * MIN, 50.0, 60.0)
    assert estimate.after_opening(t) == (6.0, 16.0)
    t = opening_ticket(T0, T0 + 44 * MIN, 40.0, 46.0)
    assert estimate.after_opening(t) == (0.0, 2.0)  # never below zero
    assert estimate.after_opening(ticket(tid=9, estimate=(1.0, 2.0))) is None  # no opening: no such range
    assert estimate.after_opening(ticket(tid=9, opens_at=T0 + 600)) is None  # no range printed


@pytest.mark.parametrize("low, high, text", [  # issued at 10:00, the window opens at 10:45: 45 minutes
    (45.0, 46.0, "окно откроется в 10:45, ожидание примерно до 1 минуты после открытия"),
    (45.0, 50.0, "окно откроется в 10:45, ожидание примерно до 5 минут после открытия"),
    (45.0, 66.0, "окно откроется в 10:45, ожидание примерно до 21 минуты после открытия"),
    (46.0, 47.0, "окно откроется в 10:45, ожидание примерно 1–2 минуты после открытия"),
    (47.0, 67.0, "окно откроется в 10:45, ожидание примерно 2–22 минуты после открытия"),
    (51.0, 66.0, "окно откроется в 10:45, ожидание примерно 6–21 минуту после открытия"),
    (51.0, 70.0, "окно откроется в 10:45, ожидание примерно 6–25 минут после открытия"),
])
def test_the_opening_is_told_in_the_offices_time_with_the_minutes_agreeing(low, high, text):
    hall = timed_office()
    t = opening_ticket(T0, at(f"{DAY} 10:45"), low, high)
    assert estimate.opening_text(hall, t) == text


def test_an_opening_between_minutes_is_told_as_the_minute_it_opens_rounded_up():
    hall = timed_office()
    t = opening_ticket(T0, at(f"{DAY} 10:44") + 1, 45.0, 50.0)
    assert estimate.opening_text(hall, t).startswith("окно откроется в 10:45,")
    t = opening_ticket(T0, at(f"{DAY} 10:44"), 45.0, 50.0)
    assert estimate.opening_text(hall, t).startswith("окно откроется в 10:44,")
    hall.schedule = Schedule(tz="Asia/Yekaterinburg", week=weekdays("08:00", "20:00"))
    assert estimate.opening_text(hall, t).startswith("окно откроется в 12:44,")


def test_no_opening_no_words():
    assert estimate.opening_text(timed_office(), ticket(tid=9, estimate=(1.0, 2.0))) is None


# --- the visitors still to come ------------------------------------------------------------------

MIDNIGHT = at(f"{DAY} 00:00")


def test_a_forecast_stream_places_the_kth_visitor_where_k_minus_a_half_are_expected():
    s = estimate._Stream("consult", 0, [0.0] * 10 + [6.0, 0.0, 60.0] + [0.0] * 11, MIDNIGHT)
    s.at = T0
    assert s.advance(0.5, T0 + 10 * 3600) == T0 + 5 * MIN  # 6 an hour: one in 10 minutes, half of it
    assert s.advance(1, T0 + 10 * 3600) == T0 + 15 * MIN


def test_a_forecast_stream_skips_the_hours_nobody_is_expected():
    s = estimate._Stream("consult", 0, [0.0] * 10 + [6.0, 0.0, 60.0] + [0.0] * 11, MIDNIGHT)
    s.at = at(f"{DAY} 10:55")  # half a visitor left in hour 10, none in hour 11, one a minute in hour 12
    assert s.advance(1, T0 + 10 * 3600) == at(f"{DAY} 12:00") + 30


def test_a_forecast_stream_stops_at_the_closing():
    s = estimate._Stream("consult", 0, [0.0] * 10 + [6.0, 0.0, 60.0] + [0.0] * 11, MIDNIGHT)
    s.at = at(f"{DAY} 10:55")
    assert s.advance(1, at(f"{DAY} 12:00")) is None and s.at == at(f"{DAY} 12:00")
    s.at = at(f"{DAY} 10:55")
    assert s.advance(1, at(f"{DAY} 12:00") + 30) is None and s.at == at(f"{DAY} 12:00") + 30
    s.at = at(f"{DAY} 10:55")
    assert s.advance(1, at(f"{DAY} 12:00") + 31) == at(f"{DAY} 12:00") + 30
    s.at = at(f"{DAY} 23:00")
    assert s.advance(1, at(f"{DAY} 23:00") + 7200) is None  # past the day's forecast nobody comes


def test_a_stream_without_hours_comes_one_an_hour():
    s = estimate._Stream("consult", 0, None, MIDNIGHT)
    s.at = T0
    assert s.advance(2, T0 + 8000) == T0 + 7200
    s.at = T0
    assert s.advance(2, T0 + 7200) is None and s.at == T0 + 7200


def test_a_constant_rate_stream_is_evenly_spaced_the_first_half_a_gap_away():
    s = estimate._ConstStream("consult", 1, 1 / 600, T0, T0 + 3600)
    assert (s.service, s.priority, s.at, s.gap) == ("consult", 1, T0 + 300, 600.0)
    assert s.advance(1, T0 + 3600) == T0 + 900
    assert s.advance(3, T0 + 3600) == T0 + 2700
    assert s.advance(1.5, T0 + 3600) is None and s.at == T0 + 3600  # closed by then
    assert s.advance(0.5, T0 + 3900) is None and s.at == T0 + 3900


def streams_of(hall, now, until, served):
    return [(s.service, s.priority, round(s.at - now, 3), round(s.hourly[10], 4) if s.hourly else s.gap)
            for s in estimate._streams(hall, now, until, served)]


def test_the_forecast_is_scaled_by_todays_last_hour_against_it_eight_visitors_of_prior_each_side():
    hall = timed_office()
    hall.forecast = {("consult", 0): [6.0] * 24, ("cash", 1): [12.0] * 24, ("nope", 0): [6.0] * 24,
                     ("both", 0): [6.0] * 24}
    # nobody came in the last hour: consultations (6 expected) × 8/14; transfers to cash (12) × 8/20 → at least ½
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult", "cash", "nope"}) == [
        ("consult", 0, 525.0, round(6 * 8 / 14, 4)), ("cash", 1, 300.0, 6.0)]
    for i in range(10):
        hall.queued_log.setdefault("consult", deque()).append((T0 - 3000 + i, 0))
    hall.queued_log["cash"] = deque([(T0 - 100, 0)] * 5 + [(T0 - 50, 2)])
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult", "cash"}) == [
        ("consult", 0, 233.333, round(6 * 18 / 14, 4)), ("cash", 1, 300.0, 6.0)]


def test_today_may_at_most_double_the_forecast():
    hall = timed_office()
    hall.forecast = {("consult", 0): [1.0] * 24}
    hall.queued_log["consult"] = deque([(T0 - 1000 + i, 0) for i in range(40)] + [(T0 + 100, 0)])
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult"}) == [("consult", 0, 900.0, 2.0)]


def test_just_after_opening_today_is_compared_with_the_forecast_since_the_opening_only():
    hall = timed_office()
    hall.forecast = {("consult", 0): [6.0] * 24}
    now = at(f"{DAY} 08:10")  # 1 visitor expected since 08:00: × 8/9
    assert streams_of(hall, now, now + 4 * 3600, {"consult"}) == [("consult", 0, 337.5, round(6 * 8 / 9, 4))]
    now = at(f"{DAY} 08:00")  # at the opening itself: the hour before counts (6 expected)
    assert streams_of(hall, now, now + 4 * 3600, {"consult"}) == [("consult", 0, 525.0, round(6 * 8 / 14, 4))]


def test_without_a_timetable_start_the_last_hour_is_compared():
    hall = timed_office()
    hall.forecast = {("consult", 0): [6.0] * 24}
    now = at("2026-12-05 10:00")  # a Saturday: no reception today
    assert streams_of(hall, now, now + 4 * 3600, {"consult"}) == [("consult", 0, 525.0, round(6 * 8 / 14, 4))]


def test_a_forecast_of_nobody_brings_nobody():
    hall = timed_office()
    hall.forecast = {("consult", 0): [0.0] * 24}
    assert estimate._streams(hall, T0, T0 + 4 * 3600, {"consult"}) == []


def test_without_a_forecast_the_last_hours_rate_of_the_served_known_services_comes():
    hall = timed_office()
    hall.queued_log = {"consult": deque([(T0 - 600, 0)]), "cash": deque([(T0 - 600, 0)]),
                       "nope": deque([(T0 - 600, 0)])}
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult", "nope"}) == [("consult", 0, 600.0, 1200.0)]
    assert estimate._streams(hall, T0, T0 + 599, {"consult"}) == []  # the first would come after closing
    assert len(estimate._streams(hall, T0, T0 + 601, {"consult"})) == 1


# --- the visitors still to come in the projection ------------------------------------------------

def test_under_norm_aware_cash_visitors_still_to_come_go_before_a_consultation():
    hall = opened(office(windows=1, services={"consult": 1, "cash": 1}, policy="norm-aware",
                         schedule=office_hours()), now=at(f"{DAY} 08:00"))
    for i in range(2):
        hall.issue("consult", T0 - 60 + i)
    assert estimate.point_for_new_ticket(hall, "consult", T0) == pytest.approx(FIRST + CONSULT_CALL)
    hall.queued_log["cash"] = deque([(T0 - 1200 + i * 120, 0) for i in range(10)])  # one every 2 minutes
    assert estimate.point_for_new_ticket(hall, "consult", T0) == pytest.approx(3630.75)


def test_under_fifo_visitors_still_to_come_do_not_pass_those_waiting_of_equal_weight():
    hall = opened(office(windows=1, services={"consult": 1, "cash": 1}, schedule=office_hours()),
                  now=at(f"{DAY} 08:00"))
    for i in range(2):
        hall.issue("consult", T0 - 60 + i)
    hall.queued_log["cash"] = deque([(T0 - 1200 + i * 120, 0) for i in range(10)])
    assert estimate.point_for_new_ticket(hall, "consult", T0) == pytest.approx(FIRST + CONSULT_CALL)


def test_under_fifo_the_primary_services_visitors_still_to_come_go_first_until_the_closing():
    hall = opened(office(windows=1, services={"consult": 1, "cash": 2}, schedule=office_hours()),
                  now=at(f"{DAY} 08:00"))
    for i in range(2):
        hall.issue("consult", T0 - 60 + i)
    hall.queued_log["cash"] = deque([(T0 - 1200 + i * 120, 0) for i in range(10)])
    assert estimate.point_for_new_ticket(hall, "consult", T0) == pytest.approx(30360.75)


def test_visitors_to_come_are_projected_at_most_four_hours_ahead():
    hall = opened(office(windows=1, services={"consult": 1, "cash": 2}), now=T0 - 3600)
    for i in range(2):
        hall.issue("consult", T0 - 60 + i)
    hall.queued_log["cash"] = deque([(T0 - 1200 + i * 120, 0) for i in range(10)])
    assert estimate.point_for_new_ticket(hall, "consult", T0) == pytest.approx(30360.75)


# --- planned breaks in the projection ------------------------------------------------------------

def lunch_queue(start, end, n=3):
    hall = timed_office(windows=1)
    hall.rota = lunch_rota((1, start, end))
    opened(hall, now=at(f"{DAY} 08:00"))
    for i in range(n):
        hall.issue("consult", T0 + i)
    return hall


def test_a_window_takes_its_planned_lunch_when_next_free_for_as_long_as_planned():
    hall = lunch_queue((10, 10), (10, 55))
    # 2nd called at 10:07 (before 10:09), free at 10:15:35: lunch until 11:00:35
    assert since(estimate.project(hall, T0 + 5), T0) == {1: 5.0, 2: 5 + FIRST, 3: 5 + FIRST + CONSULT_CALL + 2700}
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 5) == pytest.approx(
        FIRST + CONSULT_CALL + 2700 + CONSULT_CALL)


def test_a_window_free_a_minute_before_its_lunch_goes_to_lunch_and_comes_back_at_its_planned_end():
    hall = lunch_queue((10, 9), (10, 55))
    assert since(estimate.project(hall, T0 + 5), T0)[3] == 5 + FIRST + CONSULT_CALL + 2760
    hall = lunch_queue((10, 8), (10, 55))  # free at 10:07:05, within the minute before 10:08
    assert since(estimate.project(hall, T0 + 5), T0) == {1: 5.0, 2: 3300.0, 3: 3300.0 + CONSULT_CALL}


# --- the new visitor when nobody waits -----------------------------------------------------------

def test_with_nobody_waiting_a_busy_window_is_not_free():
    hall = opened(office(windows=1))
    hall.issue("consult", T0)
    hall.call_next(1, T0 + 1)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 61) == 450.0


def test_with_nobody_waiting_a_window_on_a_break_is_not_free():
    hall = opened(office(windows=1))
    hall.pause_window(1, "technical", T0, override=True, admin=True)
    assert estimate.point_for_new_ticket(hall, "consult", T0 + 60) == 540.0


def test_a_new_visitor_no_window_can_serve_gets_no_point_even_when_others_wait():
    hall = opened(office(windows=1))
    hall.issue("consult", T0)
    assert estimate.point_for_new_ticket(hall, "cash", T0 + 5) is None
    assert estimate.for_new_ticket(hall, "cash", T0 + 5) == (None, None)


def test_an_individual_visitor_or_a_transfer_issued_now_is_projected_with_that_priority():
    hall, _ = queue_of(3)
    now = T0 + 5  # the window is free and nobody is called yet: they are called first
    assert estimate.point_for_new_ticket(hall, "consult", now, individual=True) == 0.0
    assert estimate.for_new_ticket(hall, "consult", now, individual=True) == (0.0, 1.0)
    assert estimate.point_for_new_ticket(hall, "consult", now, priority=2) == 0.0
    assert estimate.for_new_ticket(hall, "consult", now, priority=2) == (0.0, 1.0)
    assert estimate.plan_for_new_ticket(hall, "consult", now, individual=True) == (0.0, 1.0, None)
    assert estimate.plan_for_new_ticket(hall, "consult", now, priority=1) == (0.0, 1.0, None)
    assert estimate.plan_for_new_ticket(hall, "consult", now) == (18.0, 31.0, None)


def test_a_transfer_issued_while_the_window_is_away_is_projected_with_its_priority():
    hall = timed_office(windows=1)
    opened(hall, now=at(f"{DAY} 08:00"))
    for i in range(3):
        hall.issue("consult", T0 + i)
    hall.pause_window(1, "technical", T0 + 5, override=True, admin=True)
    # called first when the window is back in 10 minutes
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 5, priority=1) == (10.0, 11.0, T0 + 605)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 5, individual=True) == (10.0, 11.0, T0 + 605)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 5) == (28.0, 41.0, T0 + 605)


def test_a_transfer_of_priority_one_counts_with_the_priority_visitors():
    hall = office()
    hall.queued_log["consult"] = deque([(T0 - 600, 0), (T0 - 300, 1)])
    assert sorted(estimate.arrival_rates(hall, T0)) == [("consult", 0, pytest.approx(1 / 1200)),
                                                        ("consult", 1, pytest.approx(1 / 1200))]


def test_at_opening_a_window_open_and_busy_means_the_closed_ones_are_not_expected():
    hall = office(windows=2, schedule=office_hours())
    opened(hall, 1, now=at(f"{DAY} 08:00"))
    hall.issue("consult", at(f"{DAY} 08:00"))
    hall.call_next(1, at(f"{DAY} 08:01"))
    assert free_at(hall, at(f"{DAY} 08:02")) == {1: 7.5}


# --- found by mutation testing -------------------------------------------------------------------

def test_a_visitor_who_joined_the_queue_this_very_second_counts_in_the_rate():
    hall = office()
    hall.queued_log["consult"] = deque([(T0, 0)])
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(1 / 1200))]


def test_a_service_with_nobody_in_the_last_hour_does_not_hide_the_next_services_rate():
    hall = office()
    hall.queued_log["cash"] = deque([(T0 - 4000, 0)])
    hall.queued_log["consult"] = deque([(T0 - 300, 0)])
    assert estimate.arrival_rates(hall, T0) == [("consult", 0, pytest.approx(1 / 1200))]


def test_the_projection_of_a_ticket_not_yet_issued_gives_its_call_with_the_others():
    hall, _ = queue_of(2)
    probe = ticket(tid=-1, queued_at=T0 + 5)
    now = T0 + 5
    assert since(estimate.project(hall, now, probe), now) == {1: 0.0, 2: FIRST, -1: FIRST + CONSULT_CALL}


def test_the_closed_form_gives_every_served_service_its_estimate_whichever_service_has_no_window():
    names = ["consult", "cash", "both", "s4", "s5", "s6", "s7"]
    services = [Service(n, chr(0x410 + i), n, kind="consultation") for i, n in enumerate(names)]
    hall = make_hall(windows=1, policy="fifo", services=services,
                     window_services={n: 1 for n in names if n != "s4"})
    opened(hall)
    hall.roll_day(T0)
    for i in range(251):
        name = names[i % len(names)]
        hall.apply({"type": "ticket.issued", "at": T0 + i, "office": "t", "day": DAY,
                    "data": {"ticket": i + 1, "service": name, "letter": "А", "number": i + 1, "token": f"t{i}"}})
    p = estimate.project(hall, T0 + 300)
    assert {hall.tickets[tid].service for tid in p} == set(names) - {"s4"}
    assert len(p) == 251 - 36


def test_a_printed_range_that_ended_before_the_opening_is_told_as_zero_after_it():
    t = opening_ticket(T0, T0 + 44 * MIN, 40.0, 43.0)
    assert estimate.after_opening(t) == (0.0, 0.0)


@pytest.mark.parametrize("n, word", [(13, "минут"), (113, "минут"), (3, "минуты"), (23, "минуты"), (24, "минуты")])
def test_thirteen_minutes_and_the_like_take_the_plural(n, word):
    assert estimate._minutes_word(n) == word


def test_a_priority_one_visitor_of_the_past_counts_with_the_priority_forecast():
    out = estimate.forecast_from_history([("2026-11-26", at("2026-11-26 10:05"), "consult", 1)], office_hours())
    assert list(out) == [("consult", 1)] and out[("consult", 1)][10] == 1.0


def test_the_hour_before_the_forecasts_day_expects_nobody():
    # just after midnight the last hour reaches into the day before: its half hour counts as nobody
    hourly = [60.0] + [0.0] * 23
    assert estimate._expected(hourly, MIDNIGHT, MIDNIGHT - 1800, MIDNIGHT + 1800) == pytest.approx(30.0)


def test_reception_starts_on_the_whole_minute_whatever_the_fraction_of_now():
    hall = office(schedule=office_hours())
    assert estimate._reception_start(hall, at(f"{DAY} 07:00") + 0.25) == at(f"{DAY} 08:00")


def test_in_a_round_the_clock_office_the_visitors_of_the_first_hour_after_midnight_are_expected():
    s = estimate._Stream("consult", 0, [6.0] + [0.0] * 23, MIDNIGHT)
    s.at = MIDNIGHT
    assert s.advance(0.5, MIDNIGHT + 7200) == MIDNIGHT + 5 * MIN


def test_a_visitor_expected_exactly_at_the_end_of_an_hour_comes_then_not_in_the_next_busy_hour():
    s = estimate._Stream("consult", 0, [0.0] * 10 + [6.0, 0.0, 60.0] + [0.0] * 11, MIDNIGHT)
    s.at = at(f"{DAY} 10:55")  # half a visitor left in hour 10
    assert s.advance(0.5, T0 + 10 * 3600) == at(f"{DAY} 11:00")


def test_which_window_finishes_first_is_drawn_on_a_fixed_lattice():
    assert estimate._order_statistics([[50.0, 100.0, 150.0, 200.0, 250.0], [60.0, 120.0, 180.0, 240.0, 300.0]]) == \
        [103.125, 223.125]


def test_the_planned_breaks_are_on_the_whole_minute_whatever_the_fraction_of_now():
    hall = office(windows=1, schedule=office_hours())
    hall.rota = lunch_rota((1, (13, 0), (13, 45)))
    assert estimate._today_breaks(hall, hall.windows[1], at(f"{DAY} 12:00") + 0.25) == \
        [(at(f"{DAY} 13:00"), at(f"{DAY} 13:45"))]


def test_just_after_midnight_the_new_days_planned_breaks_are_read():
    hall = office(windows=2, schedule=office_hours())
    hall.rota = Rota((Entry(2, "fri", Break(time(13, 0), time(13, 45), "lunch")),))
    assert estimate._today_breaks(hall, hall.windows[2], at(f"{DAY} 23:00")) == []  # Thursday
    fri = "2026-12-04"
    assert estimate._today_breaks(hall, hall.windows[2], at(f"{fri} 00:30")) == \
        [(at(f"{fri} 13:00"), at(f"{fri} 13:45"))]


def test_the_transfers_of_the_last_hour_scale_the_forecast_of_transfers():
    hall = timed_office()
    hall.forecast = {("consult", 1): [6.0] * 24}
    hall.queued_log["consult"] = deque([(T0 - 1000 + i, 0) for i in range(10)] +
                                       [(T0 - 500 + i, 1) for i in range(4)])
    # four transfers against six expected: × 12/14; the ten first-time visitors do not count
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult"}) == [("consult", 1, 350.0, round(6 * 12 / 14, 4))]


def test_a_window_away_for_44_minutes_and_10_seconds_is_told_as_45_minutes():
    hall = timed_office()
    opened(hall, 1, 2, now=at(f"{DAY} 08:00"))
    hall.windows[2].services = {"cash": 1}
    hall.pause_window(1, "lunch", T0, override=True, admin=True)
    assert estimate.plan_for_new_ticket(hall, "consult", T0 + 50) == (45.0, 46.0, T0 + 45 * MIN)


def primary_cash_office(now, schedule):
    hall = office(windows=1, services={"consult": 1, "cash": 2}, schedule=schedule)
    opened(hall, now=now - 3600)
    for i in range(2):
        hall.issue("consult", now - 60 + i, check_hours=False)
    hall.queued_log["cash"] = deque([(now - 1200 + i * 120, 0) for i in range(10)])
    return hall


def test_visitors_still_to_come_stop_at_the_closing_when_it_is_within_four_hours():
    now = at(f"{DAY} 17:00")  # closes at 20:00: three hours of cash visitors first
    assert estimate.point_for_new_ticket(primary_cash_office(now, office_hours()), "consult", now) == \
        pytest.approx(23070.75)
    now = at(f"{DAY} 16:00")  # four hours
    assert estimate.point_for_new_ticket(primary_cash_office(now, office_hours()), "consult", now) == \
        pytest.approx(30360.75)


def test_during_the_offices_own_lunch_visitors_still_to_come_are_projected_four_hours_ahead():
    sched = office_hours("08:00", "20:00", ("13:00", "14:00"))
    now = at(f"{DAY} 13:30")
    hall = office(windows=1, services={"consult": 1, "cash": 2}, schedule=sched)
    opened(hall, now=at(f"{DAY} 12:00"))
    for i in range(2):
        hall.issue("consult", at(f"{DAY} 12:58") + i)
    hall.queued_log["cash"] = deque([(now - 1200 + i * 120, 0) for i in range(10)])
    assert estimate.point_for_new_ticket(hall, "consult", now) == pytest.approx(30360.75)


def test_a_window_free_exactly_a_minute_before_its_lunch_goes_to_lunch():
    first = CONSULT_CALL - 0.35 * CONSULT_CALL / 2.0  # the first visit, as the projection shortens it
    now = at(f"{DAY} 10:09") - first
    assert now + first == at(f"{DAY} 10:09")
    hall = timed_office(windows=1)
    hall.rota = lunch_rota((1, (10, 10), (10, 55)))
    opened(hall, now=at(f"{DAY} 08:00"))
    for i in range(2):
        hall.issue("consult", T0 + i)
    assert estimate.project(hall, now) == {1: now, 2: at(f"{DAY} 10:55")}


def test_a_forecast_of_an_unserved_service_listed_first_does_not_hide_the_others():
    hall = timed_office()
    hall.forecast = {("nope", 0): [6.0] * 24, ("cash", 0): [6.0] * 24, ("consult", 0): [6.0] * 24}
    assert [s[0] for s in streams_of(hall, T0, T0 + 4 * 3600, {"consult"})] == ["consult"]


def test_a_visitor_exactly_an_hour_ago_or_this_very_second_counts_against_the_forecast():
    hall = timed_office()
    hall.forecast = {("consult", 0): [6.0] * 24}
    hall.queued_log["consult"] = deque([(T0 - 3600, 0), (T0, 0)])
    assert streams_of(hall, T0, T0 + 4 * 3600, {"consult"}) == [("consult", 0, 420.0, round(6 * 10 / 14, 4))]


def test_the_forecasts_hours_begin_on_the_offices_whole_hour():
    hall = timed_office()
    hall.forecast = {("consult", 0): [0.0] * 11 + [60.0] * 13}  # nobody before 11:00, one a minute from then
    now = at(f"{DAY} 10:59") + 30.5
    (s,) = estimate._streams(hall, now, now + 4 * 3600, {"consult"})
    assert s.at == at(f"{DAY} 11:00") + 30  # half a visitor: half a minute after 11:00
