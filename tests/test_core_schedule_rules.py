"""Reception hours pinned at their edges (server/domain/schedule.py).

BESO's hours are 8–17 with a 12–13 break (004:223); the tests use them, a holiday, a worked
Saturday and a service closing earlier than the office, and check the exact minute of each edge.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.domain.schedule import DayHours, Schedule, always_open, parse_hhmm, weekdays

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")


def at(text: str, zone=MSK) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M") \
        .replace(tzinfo=zone).timestamp()


# 2026-12-07 is a Monday; 2026-12-12 a Saturday; 2026-12-13 a Sunday


def beso() -> Schedule:
    """Built inside the tests (not at import) so that mutation testing sees which tests use it."""
    return Schedule(tz="Europe/Moscow", week=weekdays("08:00", "17:00", ("12:00", "13:00")),
                    holidays=frozenset({date(2026, 12, 8)}),
                    special={date(2026, 12, 12): DayHours(time(9, 0), time(14, 0)),
                             date(2026, 12, 9): DayHours(time(10, 0), time(15, 0))})


@pytest.mark.parametrize("moment,open_", [
    ("2026-12-07 07:59:59", False), ("2026-12-07 08:00", True),
    ("2026-12-07 11:59:59", True), ("2026-12-07 12:00", False), ("2026-12-07 12:59:59", False),
    ("2026-12-07 13:00", True), ("2026-12-07 16:59:59", True), ("2026-12-07 17:00", False),
    ("2026-12-08 10:00", False),                              # a holiday on a Tuesday
    ("2026-12-09 09:59", False), ("2026-12-09 10:00", True),  # special hours beat the week
    ("2026-12-09 14:59", True), ("2026-12-09 15:00", False),
    ("2026-12-12 09:00", True), ("2026-12-12 13:59", True), ("2026-12-12 14:00", False),  # a worked Saturday
    ("2026-12-13 10:00", False),                              # Sunday: no hours
])
def test_open_at_each_edge(moment, open_):
    assert beso().is_open(at(moment)) is open_


def test_a_service_closes_at_exactly_its_own_minute():
    until = time(16, 0)
    assert beso().is_open(at("2026-12-07 15:59:59"), until) is True
    assert beso().is_open(at("2026-12-07 16:00"), until) is False
    assert beso().is_open(at("2026-12-07 16:30")) is True  # the office itself is still open


def test_special_day_wins_over_a_holiday_on_the_same_date():
    s = Schedule(week=weekdays("08:00", "17:00"), holidays=frozenset({date(2026, 12, 9)}),
                 special={date(2026, 12, 9): DayHours(time(10, 0), time(12, 0))})
    assert s.is_open(at("2026-12-09 11:00")) and not s.is_open(at("2026-12-09 09:00"))
    assert s.hours_on(date(2026, 12, 9)) == DayHours(time(10, 0), time(12, 0))


def test_next_opening_after_lunch_evening_weekend_and_holiday():
    assert beso().next_opening(at("2026-12-07 12:30")) == datetime(2026, 12, 7, 13, 0, tzinfo=MSK)
    assert beso().next_opening(at("2026-12-07 07:00")) == datetime(2026, 12, 7, 8, 0, tzinfo=MSK)
    # Monday evening -> Tuesday is a holiday -> Wednesday's special hours at 10:00
    assert beso().next_opening(at("2026-12-07 17:00")) == datetime(2026, 12, 9, 10, 0, tzinfo=MSK)
    # Friday evening -> the worked Saturday at 9:00
    assert beso().next_opening(at("2026-12-11 18:00")) == datetime(2026, 12, 12, 9, 0, tzinfo=MSK)
    # Saturday afternoon -> Sunday closed -> Monday 8:00
    assert beso().next_opening(at("2026-12-12 14:00")) == datetime(2026, 12, 14, 8, 0, tzinfo=MSK)
    # exactly at an opening: the next one, not this one
    assert beso().next_opening(at("2026-12-07 08:00")) == datetime(2026, 12, 7, 13, 0, tzinfo=MSK)


def test_next_opening_skips_intervals_after_a_service_closes():
    # a service closing at 12:00 does not reopen after lunch: its next opening is tomorrow 8:00
    got = beso().next_opening(at("2026-12-07 12:30"), until=time(12, 0))
    assert got == datetime(2026, 12, 9, 10, 0, tzinfo=MSK)  # Tuesday is a holiday
    assert beso().next_opening(at("2026-12-07 12:30"), until=time(13, 0)) == datetime(2026, 12, 9, 10, 0, tzinfo=MSK)
    assert beso().next_opening(at("2026-12-07 12:30"), until=time(13, 1)) == datetime(2026, 12, 7, 13, 0, tzinfo=MSK)


def test_next_opening_gives_up_beyond_the_horizon():
    closed = Schedule(week={})
    assert closed.next_opening(at("2026-12-07 10:00")) is None
    once = Schedule(week={}, special={date(2027, 1, 20): DayHours(time(9, 0), time(10, 0))})
    assert once.next_opening(at("2026-12-07 10:00")) is None
    assert once.next_opening(at("2026-12-07 10:00"), horizon_days=60) == datetime(2027, 1, 20, 9, 0, tzinfo=MSK)


def test_closes_at_is_the_end_of_the_current_interval():
    assert beso().closes_at(at("2026-12-07 09:00")) == datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
    assert beso().closes_at(at("2026-12-07 13:00")) == datetime(2026, 12, 7, 17, 0, tzinfo=MSK)
    assert beso().closes_at(at("2026-12-07 12:30")) is None
    assert beso().closes_at(at("2026-12-08 10:00")) is None


def test_the_office_day_is_the_offices_own_date():
    ekb = Schedule(tz="Asia/Yekaterinburg", week=weekdays("08:00", "17:00"))
    # 22:30 in Moscow on the 7th is 00:30 on the 8th in Yekaterinburg
    moment = at("2026-12-07 22:30")
    assert beso().office_day(moment) == "2026-12-07"
    assert ekb.office_day(moment) == "2026-12-08"
    # 06:30 in Moscow is 08:30 in Yekaterinburg: that office is open, the Moscow one not yet
    assert ekb.is_open(at("2026-12-08 06:30")) and not beso().is_open(at("2026-12-08 06:30"))
    assert not ekb.is_open(at("2026-12-08 07:59", YEKT)) and ekb.is_open(at("2026-12-08 08:00", YEKT))


def test_round_the_clock():
    s = always_open()
    assert s.is_open(at("2026-12-13 03:00")) and s.is_open(at("2026-12-13 00:00"))


def test_json_round_trip_keeps_everything():
    again = Schedule.from_json(beso().to_json())
    assert again.to_json() == beso().to_json()
    assert (again.holidays, again.special, again.tz) == (beso().holidays, beso().special, beso().tz)
    assert all(again.hours_on(date(2026, 12, d)) == beso().hours_on(date(2026, 12, d)) for d in range(1, 32))
    j = beso().to_json()
    assert j["week"]["mon"] == {"open": "08:00", "close": "17:00", "break": ["12:00", "13:00"]}
    assert j["week"]["sat"] is None and j["holidays"] == ["2026-12-08"]
    assert j["special"]["2026-12-12"] == {"open": "09:00", "close": "14:00"}


@pytest.mark.parametrize("bad", [
    {"week": {"mon": {"open": "17:00", "close": "08:00"}}},
    {"week": {"mon": {"open": "08:00", "close": "08:00"}}},
    {"week": {"mon": {"open": "08:00", "close": "17:00", "break": ["07:00", "09:00"]}}},
    {"week": {"mon": {"open": "08:00", "close": "17:00", "break": ["13:00", "12:00"]}}},
    {"week": {"mon": {"open": "08:00", "close": "17:00", "break": ["12:00", "17:00"]}}},
    {"week": {"funday": {"open": "08:00", "close": "17:00"}}},
    {"tz": "Mars/Olympus", "week": {}},
    {"week": {"mon": {"open": "25:00", "close": "26:00"}}},
])
def test_bad_timetables_are_refused(bad):
    with pytest.raises((ValueError, KeyError)):  # ZoneInfoNotFoundError is a KeyError
        Schedule.from_json(bad)


def test_parse_hhmm():
    assert parse_hhmm("08:05") == time(8, 5)
    with pytest.raises(ValueError):
        parse_hhmm("0805")


def test_weekdays_builds_the_break_into_each_day():
    days = weekdays("08:00", "17:00", ("12:00", "13:00"))
    assert set(days) == {"mon", "tue", "wed", "thu", "fri"}
    assert days["fri"] == DayHours(time(8, 0), time(17, 0), time(12, 0), time(13, 0))
    assert weekdays("09:00", "18:00")["mon"] == DayHours(time(9, 0), time(18, 0))
    assert set(weekdays("09:00", "18:00", days=("sat",))) == {"sat"}


def test_a_break_needs_both_ends():
    half = DayHours(time(8, 0), time(17, 0), time(12, 0), None)
    assert half.intervals() == [(time(8, 0), time(17, 0))]
    assert "break" not in half.to_json()
    other_half = DayHours.from_json({"open": "08:00", "close": "17:00", "break": [None, "13:00"]})
    assert other_half.intervals() == [(time(8, 0), time(17, 0))]


def test_the_timetable_errors_say_what_is_wrong_in_russian():
    with pytest.raises(ValueError, match="^время открытия должно быть раньше времени закрытия$"):
        DayHours.from_json({"open": "17:00", "close": "08:00"})
    with pytest.raises(ValueError, match="^перерыв должен быть внутри часов приёма$"):
        DayHours.from_json({"open": "08:00", "close": "17:00", "break": ["07:00", "09:00"]})
    with pytest.raises(ValueError, match="^неизвестный день недели: funday$"):
        Schedule.from_json({"week": {"funday": {"open": "08:00", "close": "17:00"}}})


@pytest.mark.parametrize("brk", [["08:00", "09:00"], ["12:00", "12:00"], ["16:00", "17:00"]])
def test_a_break_touching_an_edge_or_empty_is_refused(brk):
    with pytest.raises(ValueError):
        DayHours.from_json({"open": "08:00", "close": "17:00", "break": brk})


def test_next_opening_looks_exactly_horizon_days_ahead():
    start = at("2026-12-07 10:00")
    s31 = Schedule(week={}, special={date(2027, 1, 7): DayHours(time(9, 0), time(10, 0))})   # 31 days on
    s32 = Schedule(week={}, special={date(2027, 1, 8): DayHours(time(9, 0), time(10, 0))})   # 32 days on
    assert s31.next_opening(start) == datetime(2027, 1, 7, 9, 0, tzinfo=MSK)
    assert s32.next_opening(start) is None
    assert s31.next_opening(start, horizon_days=30) is None


def test_closes_at_the_first_minute_of_lunch_is_none():
    assert beso().closes_at(at("2026-12-07 12:00")) is None
    assert beso().closes_at(at("2026-12-07 11:59:59")) == datetime(2026, 12, 7, 12, 0, tzinfo=MSK)


def test_default_time_zone_is_moscow_and_always_open_keeps_its_zone():
    assert Schedule.from_json({"week": {}}).tz == "Europe/Moscow"
    assert Schedule.from_json({"week": {}}).zone == MSK
    assert beso().to_json()["tz"] == "Europe/Moscow"
    ekb = always_open("Asia/Yekaterinburg")
    assert ekb.tz == "Asia/Yekaterinburg" and ekb.office_day(at("2026-12-07 22:30")) == "2026-12-08"
    assert always_open().week["sun"] == DayHours(time(0, 0), time(23, 59))
