"""The counting rules of the reports on small hand-made days (pure functions, no I/O).

Each case is one rule of docs/reports.md: what counts as waiting and as service for each outcome,
the median and the nearest-rank 90th percentile, «within the norm» at the limit and for a range
norm, the whole-visit norm (over 33 minutes, not at 33), pauses cut at closing and at the
report's moment, hours in the office's time zone, the waiting buckets' edges, ratings.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.norms import profile
from server.domain.schedule import Schedule
from server.reports.figures import DayContext, daily_figures, pauses_of, service_time, time_stats, waited

MSK = ZoneInfo("Europe/Moscow")
DAY = date(2026, 11, 23)
MIN = 60.0


def at(hhmm: str, day: date = DAY) -> float:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=MSK).timestamp()


def ctx(profile_id="rosatom-2026", now=None, overrides=None) -> DayContext:
    schedule = Schedule.from_json({"tz": "Europe/Moscow", "week": {d: {"open": "09:00", "close": "18:00"} for d in
                                                                   ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    return DayContext(office={"id": "t", "name": "Офис", "company": "", "address": ""}, day=DAY,
                      profile=profile(profile_id, overrides), schedule=schedule,
                      services={"consult": {"letter": "А", "name": "Консультация", "kind": "consultation", "order": 1},
                                "cash": {"letter": "Б", "name": "Касса", "kind": "cash", "order": 2}},
                      windows={1: {"number": 1, "level": "specialist"}, 2: {"number": 2, "level": "senior"}},
                      users={"op1": "Иванова", "op2": "Петров"}, now=now or at("23:00"))


def seg(ticket, idx=0, service="consult", queued="10:00", called=None, started=None, ended=None, window=None,
        operator=None, outcome=None, recalls=0, phases="{}", level="specialist"):
    def t(x):
        return None if x is None else (at(x) if isinstance(x, str) else x)

    return {"ticket": ticket, "idx": idx, "service": service, "queued_at": t(queued), "called_at": t(called),
            "started_at": t(started), "ended_at": t(ended), "window": window, "operator": operator,
            "outcome": outcome, "recalls": recalls, "phases": phases, "level": level}


def ticket(tid, issued="10:00", ended=None, state="finished", outcome="finished", service="consult"):
    return {"id": tid, "code": f"А-{tid:03d}", "service": service, "first_service": service, "issued_at": at(issued),
            "ended_at": at(ended) if ended else None, "state": state, "outcome": outcome, "window": 1,
            "operator": "op1"}


# ---------------------------------------------------------------------- one segment

@pytest.mark.parametrize("outcome,started,counts_wait,counts_service", [
    ("finished", "10:10", True, True),
    ("transferred", "10:10", True, True),
    ("transferred", None, True, False),      # came to the window, sent elsewhere before the start
    ("escalated", "10:10", True, True),
    ("postponed", None, True, False),        # came, a document missing: back to the queue
    ("postponed", "10:10", True, True),
    ("no_show", None, False, False),          # nobody came when called
    ("cancelled", None, False, False),
    ("expired", "10:10", True, False),        # served when the day changed: end unknown
    (None, "10:10", True, False),             # being served now
    (None, None, False, False),               # called now, not yet come
])
def test_what_counts_after_a_call(outcome, started, counts_wait, counts_service):
    s = seg(1, called="10:08", started=started, ended="10:20" if outcome else None, outcome=outcome)
    assert (waited(s) == 8 * MIN) if counts_wait else (waited(s) is None)
    assert (service_time(s) is not None) is counts_service


@pytest.mark.parametrize("outcome", ["cancelled", "resolved", "transferred", "expired", None])
def test_never_called_has_no_waiting(outcome):
    assert waited(seg(1, ended="10:30" if outcome else None, outcome=outcome)) is None


def test_median_and_nearest_rank_p90():
    assert time_stats([(x, None) for x in (5, 1, 3)])["median"] == 3
    assert time_stats([(x, None) for x in (4, 1, 3, 2)])["median"] == 2.5
    ten = time_stats([(x, None) for x in range(1, 11)])
    assert ten["p90"] == 9  # ⌈0.9·10⌉ = 9th smallest
    eleven = time_stats([(x, None) for x in range(1, 12)])
    assert eleven["p90"] == 10  # ⌈9.9⌉ = 10th
    one = time_stats([(7, None)])
    assert one["median"] == one["p90"] == one["max"] == one["avg"] == 7
    empty = time_stats([])
    assert empty["count"] == 0 and empty["avg"] is None and empty["within_share"] is None


def test_within_the_norm_is_at_or_under_the_limit():
    s = time_stats([(8 * MIN, 8 * MIN), (8 * MIN + 1, 8 * MIN), (1, None)])
    assert (s["normed"], s["within"], s["within_share"]) == (2, 1, 0.5)


def test_a_range_norm_is_kept_up_to_its_upper_bound():
    """kuzbass-2020: service 5–10 minutes (000:335): 9 minutes is within, 11 is not."""
    c = ctx("kuzbass-2020")
    rows = [seg(1, called="10:00", started="10:00", ended="10:09", window=1, operator="op1", outcome="finished"),
            seg(2, called="10:00", started="10:00", ended="10:11", window=1, operator="op1", outcome="finished")]
    r = daily_figures(c, rows, [ticket(1, ended="10:09"), ticket(2, ended="10:11")], [], [])
    assert r["total"]["service"]["within"] == 1 and r["total"]["service"]["normed"] == 2
    assert r["total"]["wait"]["normed"] == 0  # no waiting norm in that standard (000:334)
    assert r["total"]["wait"]["within_share"] is None


def test_escalated_segment_uses_the_norm_of_its_level():
    """kuzbass-2020: a lead specialist's norm (000:337) applies to the segment after escalation."""
    c = ctx("kuzbass-2020")
    assert c.service_limit("consult", "senior") == 10 * MIN
    assert c.service_limit("cash", "specialist") == 10 * MIN


# ---------------------------------------------------------------------- a small day

def small_day():
    c = ctx()
    segs = [
        # 1: waited 5, served 6 at window 1; one recall
        seg(1, queued="10:00", called="10:05", started="10:06", ended="10:12", window=1, operator="op1",
            outcome="finished", recalls=1, phases='{"digital": 120}'),
        # 2: waited 10 (over 8), served at window 1, transferred to the cash desk, waited 2, paid 3
        seg(2, 0, queued="10:00", called="10:10", started="10:11", ended="10:20", window=1, operator="op1",
            outcome="transferred"),
        seg(2, 1, service="cash", queued="10:20", called="10:22", started="10:22", ended="10:25", window=2,
            operator="op2", outcome="finished"),
        # 3: no-show after 20 minutes and two recalls
        seg(3, queued="11:00", called="11:20", ended="11:23", window=2, operator="op2", outcome="no_show", recalls=2),
        # 4: left the queue
        seg(4, queued="11:10", ended="11:30", outcome="cancelled"),
        # 5: a long visit: waited 30, served 10 → 40 minutes > 33
        seg(5, queued="12:00", called="12:30", started="12:30", ended="12:40", window=1, operator="op1",
            outcome="finished"),
        # 6: still waiting when the day ended
        seg(6, queued="17:50", ended=at("07:00", date(2026, 11, 24)), outcome="expired"),
    ]
    tickets = [ticket(1, "10:00", "10:12"), ticket(2, "10:00", "10:25", service="cash"),
               ticket(3, "11:00", "11:23", state="no_show", outcome="no_show"),
               ticket(4, "11:10", "11:30", state="cancelled", outcome="cancelled"),
               ticket(5, "12:00", "12:40"),
               {**ticket(6, "17:50"), "state": "cancelled", "outcome": "expired",
                "ended_at": at("07:00", date(2026, 11, 24))}]
    events = [
        {"type": "window.opened", "at": at("09:00"), "window": 1, "operator": "op1"},
        {"type": "window.paused", "at": at("13:00"), "window": 1, "reason": "lunch"},
        {"type": "window.opened", "at": at("13:45"), "window": 1, "operator": "op1"},
        {"type": "window.opened", "at": at("09:00"), "window": 2, "operator": "op2"},
        {"type": "window.paused", "at": at("17:40"), "window": 2, "reason": "other"},
        {"type": "window.closed", "at": at("07:00", date(2026, 11, 24)), "window": 2},
    ]
    events.sort(key=lambda e: e["at"])
    ratings = [{"ticket": 1, "day": DAY.isoformat(), "score": 5, "comment": "Спасибо", "service": "consult",
                "window": 1, "operator": "op1", "at": at("10:13")},
               {"ticket": 2, "day": DAY.isoformat(), "score": 3, "comment": "", "service": "cash",
                "window": 2, "operator": "op2", "at": at("10:26")}]
    return c, segs, tickets, events, ratings


def test_a_small_day_figure_by_figure():
    r = daily_figures(*small_day())
    t = r["total"]
    assert t["segments"] == 7
    assert t["wait"]["count"] == 4  # 5, 10, 2, 30: no-show, cancelled and expired have none
    assert t["wait"]["avg"] == pytest.approx((5 + 10 + 2 + 30) / 4 * MIN)
    assert t["wait"]["within"] == 2  # 5 ≤ 8 and 2 ≤ 4 (cash)
    assert t["service"]["count"] == 4 and t["service"]["max"] == 10 * MIN
    assert (t["served"], t["no_show"], t["cancelled"], t["transferred"], t["unfinished"]) == (3, 1, 1, 1, 1)
    assert t["recalls"] == 3
    assert t["visits_over"] == 1
    v = r["visits"]
    assert (v["issued"], v["served"], v["no_show"], v["cancelled"], v["unfinished"]) == (6, 3, 1, 1, 1)
    assert v["time"]["max"] == 40 * MIN and v["over_norm"] == 1
    # per service: the transfer counts in both queues; per window: the no-show at window 2
    svc = {g["key"]: g for g in r["by_service"]}
    assert svc["consult"]["segments"] == 6 and svc["cash"]["segments"] == 1
    assert svc["consult"]["transferred"] == 1 and svc["cash"]["wait"]["within"] == 1
    win = {g["key"]: g for g in r["by_window"]}
    assert win[2]["no_show"] == 1 and win[2]["recalls"] == 2 and win[1]["visits_over"] == 1
    # the long visit belongs to the hour its last segment joined the queue (12:00)
    hours = {g["key"]: g for g in r["by_hour"]}
    assert hours[12]["visits_over"] == 1 and hours[10]["arrivals"] == 2 and hours[10]["served_in_hour"] == 2
    assert min(hours) == 10 and max(hours) == 17 and hours[14]["segments"] == 0  # every hour in between
    # pauses: lunch 45 min; the break at 17:40 nobody ended stops at closing (18:00)
    assert r["pauses"]["count"] == 2
    assert r["pauses"]["seconds"] == pytest.approx(65 * MIN)
    assert r["pauses"]["by_reason"]["other"]["seconds"] == pytest.approx(20 * MIN)
    ops = {g["key"]: g for g in r["by_operator"]}
    assert ops["op2"]["pauses"] == 1 and ops["op1"]["pause_seconds"] == pytest.approx(45 * MIN)
    assert r["phases"]["digital"]["count"] == 1 and r["phases"]["digital"]["within"] == 1
    # ratings: 004:444 satisfaction = share of 4 and 5
    assert r["ratings"]["count"] == 2 and r["ratings"]["satisfaction"] == 0.5
    assert [c["comment"] for c in r["ratings"]["comments"]] == ["Спасибо"]


def test_a_visit_of_exactly_33_minutes_is_within_the_norm():
    c = ctx()
    segs = [seg(1, queued="10:00", called="10:20", started="10:20", ended="10:33", window=1, operator="op1",
                outcome="finished")]
    r = daily_figures(c, segs, [ticket(1, "10:00", "10:33")], [], [])
    assert r["visits"]["over_norm"] == 0 and r["visits"]["time"]["within"] == 1


def test_pauses_are_cut_at_the_reports_moment_today():
    c = ctx(now=at("13:20"))
    events = [{"type": "window.opened", "at": at("09:00"), "window": 1, "operator": "op1"},
              {"type": "window.paused", "at": at("13:00"), "window": 1, "reason": "lunch"}]
    (p,) = pauses_of(c, events)
    assert p["seconds"] == 20 * MIN and p["operator"] == "op1"


def test_a_second_pause_event_does_not_restart_the_break():
    c = ctx()
    events = [{"type": "window.paused", "at": at("13:00"), "window": 1, "reason": "lunch"},
              {"type": "window.paused", "at": at("13:10"), "window": 1, "reason": "other"},
              {"type": "window.opened", "at": at("13:30"), "window": 1, "operator": "op1"}]
    (p,) = pauses_of(c, events)
    assert (p["reason"], p["seconds"]) == ("lunch", 30 * MIN)


def test_wait_buckets_include_their_upper_edge():
    c = ctx()
    segs = [seg(i, queued="10:00", called=at("10:00") + m * MIN, started=at("10:00") + m * MIN,
                ended=at("10:30"), window=1, operator="op1", outcome="finished")
            for i, m in enumerate((0, 2, 2.01, 8, 30, 31))]
    r = daily_figures(c, segs, [], [], [])
    counts = {b["label"]: b["count"] for b in r["wait_distribution"]}
    assert counts["до 2 мин"] == 2 and counts["2–4 мин"] == 1 and counts["6–8 мин"] == 1
    assert counts["25–30 мин"] == 1 and counts["больше 30 мин"] == 1
    assert sum(counts.values()) == 6


def test_hours_are_the_offices_local_hours():
    """Yekaterinburg is UTC+5: 10:30 there is 05:30 UTC and must land in the 10:00 row."""
    c = ctx()
    c.schedule = Schedule.from_json({"tz": "Asia/Yekaterinburg", "week": {}})
    t = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Asia/Yekaterinburg")).timestamp()
    r = daily_figures(c, [seg(1, queued=t, called=t + 60, started=t + 60, ended=t + 600, window=1,
                              operator="op1", outcome="finished")], [], [], [])
    assert [h["key"] for h in r["by_hour"]] == [10]
    assert r["by_hour"][0]["label"] == "10:00–11:00"


def test_a_day_without_anyone_has_empty_figures():
    r = daily_figures(ctx(), [], [], [], [])
    assert r["total"]["segments"] == 0 and r["by_hour"] == [] and r["visits"]["issued"] == 0
    assert r["total"]["wait"]["avg"] is None and r["ratings"]["average"] is None
