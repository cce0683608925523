"""Rules of the break rota (server/domain/rota.py), pinned one rule a test for mutation testing
(issue 20). 001:353: where an office has more than one window, a break (technical or lunch) is
never taken by all the operators at once.

Every rota is built inside its test (mutmut maps a test to the functions it calls while running).
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.domain.rota import DAY_WORDS, Break, Entry, Rota, RotaError, minutes_until
from server.domain.schedule import DayHours, Schedule, weekdays

MSK = ZoneInfo("Europe/Moscow")
# 2026-11-23 is a Monday; the week runs to Sunday 2026-11-29
DATES = {wd: date(2026, 11, 23 + i) for i, wd in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def office(open_="08:00", close="18:00", lunch=None) -> Schedule:
    """Monday to Friday, Saturday and Sunday closed."""
    return Schedule(tz="Europe/Moscow", week=weekdays(open_, close, lunch) if lunch else weekdays(open_, close))


def rota(*lines) -> Rota:
    return Rota.from_json({"breaks": [dict(zip(("window", "start", "end", "kind", "day"), line, strict=False))
                                      for line in lines]})


def moment(day: str, hhmmss: str) -> datetime:
    parts = [int(x) for x in hhmmss.split(":")]
    return datetime.combine(DATES[day], time(*parts), MSK)


def refusal(fn) -> RotaError:
    with pytest.raises(RotaError) as e:
        fn()
    return e.value


# ---------------------------------------------------------------------- what a break is

def test_a_break_is_named_lunch_or_break_with_its_hours_for_the_console():
    assert Break(time(13), time(13, 45), "lunch").label() == "обед 13:00–13:45"
    assert Break(time(9, 5), time(9, 15), "break").label() == "перерыв 09:05–09:15"
    assert Break(time(13), time(13, 45)).kind == "lunch"  # a break is a lunch unless said otherwise


def test_a_break_of_a_kind_not_known_is_called_a_break():
    assert Break(time(10), time(10, 10), "smoke").label() == "перерыв 10:00–10:10"


def test_a_break_lasts_its_minutes_across_hours():
    assert Break(time(12, 50), time(14, 5)).minutes() == 75
    assert Break(time(9), time(9, 1)).minutes() == 1


def test_a_break_falls_on_the_office_day_in_the_office_zone():
    b = Break(time(13), time(13, 45))
    for zone in ("Asia/Vladivostok", ZoneInfo("Asia/Vladivostok")):
        start, end = b.span(date(2026, 11, 23), zone)
        assert start == datetime(2026, 11, 23, 13, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))
        assert end == datetime(2026, 11, 23, 13, 45, tzinfo=ZoneInfo("Asia/Vladivostok"))
        assert start.utcoffset().total_seconds() == 10 * 3600


def test_a_rota_line_in_json_has_window_day_start_end_kind():
    e = Entry.from_json({"window": 2, "day": "fri", "start": "9:05", "end": "09:15", "kind": "break"})
    assert e == Entry(2, "fri", Break(time(9, 5), time(9, 15), "break"))
    assert e.to_json() == {"window": 2, "day": "fri", "start": "09:05", "end": "09:15", "kind": "break"}


def test_a_rota_line_without_day_or_kind_is_an_every_day_lunch():
    e = Entry.from_json({"window": 1, "start": "13:00", "end": "13:45"})
    assert e.day == "every" and e.brk.kind == "lunch"


# ---------------------------------------------------------------------- refusing a bad line

def test_window_one_is_the_first_window_a_line_may_name():
    assert Entry.from_json({"window": 1, "start": "13:00", "end": "13:45"}).window == 1
    for bad in (0, -1, "1", 1.0, None, False):
        e = refusal(lambda bad=bad: Entry.from_json({"window": bad, "start": "13:00", "end": "13:45"}))
        assert str(e) == "Номер окна должен быть целым числом от 1" and e.code == "invalid"


def test_a_line_that_is_not_an_object_is_refused_in_russian():
    for bad in ("13:00", 1, None, ["window", 1]):
        e = refusal(lambda bad=bad: Entry.from_json(bad))
        assert str(e) == "Строка графика перерывов должна быть объектом" and e.code == "invalid"


def test_an_unknown_day_is_refused_by_its_name():
    e = refusal(lambda: Entry.from_json({"window": 1, "day": "пн", "start": "13:00", "end": "13:45"}))
    assert str(e) == "Неизвестный день недели «пн»" and e.code == "invalid"
    for day in ("every", "mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        assert Entry.from_json({"window": 1, "day": day, "start": "13:00", "end": "13:45"}).day == day


def test_a_break_is_a_lunch_or_a_break_and_nothing_else():
    e = refusal(lambda: Entry.from_json({"window": 1, "start": "13:00", "end": "13:45", "kind": "Lunch"}))
    assert str(e) == "Вид перерыва: обед (lunch) или перерыв (break)" and e.code == "invalid"


@pytest.mark.parametrize("line", [
    {"start": "13:00", "end": "13:45"},                 # no window
    {"window": 1, "end": "13:45"},                      # no start
    {"window": 1, "start": "13:00"},                    # no end
    {"window": 1, "start": 1300, "end": "13:45"},       # not text
    {"window": 1, "start": None, "end": "13:45"},
    {"window": 1, "start": "13:00:00", "end": "13:45"},  # seconds
    {"window": 1, "start": "1300", "end": "13:45"},
    {"window": 1, "start": "13:60", "end": "14:00"},
    {"window": 1, "start": "ab:cd", "end": "14:00"},
])
def test_a_time_not_written_hh_mm_is_refused_with_an_example(line):
    e = refusal(lambda: Entry.from_json(line))
    assert str(e) == "Укажите окно и время перерыва в виде ЧЧ:ММ, например 13:00" and e.code == "invalid"


def test_a_break_must_start_before_it_ends():
    e = refusal(lambda: Entry.from_json({"window": 3, "start": "14:00", "end": "13:15"}))
    assert str(e) == "Окно 3: начало перерыва должно быть раньше конца (14:00–13:15)"
    assert e.code == "invalid" and e.details == {"window": 3}
    e = refusal(lambda: Entry.from_json({"window": 1, "start": "13:00", "end": "13:00"}))
    assert "(13:00–13:00)" in str(e)
    assert Entry.from_json({"window": 1, "start": "13:00", "end": "13:01"}).brk.minutes() == 1


def test_a_rota_error_names_its_rule_and_is_invalid_by_default():
    e = RotaError("текст")
    assert e.code == "invalid" and e.details == {} and isinstance(e, ValueError) and str(e) == "текст"
    e = RotaError("текст", code="overlap", window=2)
    assert e.code == "overlap" and e.details == {"window": 2}


def test_the_rota_json_must_be_an_object_with_a_list_of_breaks():
    for bad in ([{"window": 1}], {"breaks": {"window": 1}}, {"breaks": "13:00"}, "breaks"):
        e = refusal(lambda bad=bad: Rota.from_json(bad))
        assert str(e) == "График перерывов: ожидается объект со списком «breaks»" and e.code == "invalid"


def test_an_empty_rota_is_no_rota():
    for empty in (None, {}, {"breaks": []}, {"updated": "2026-11-23"}, []):
        r = Rota.from_json(empty)
        assert r == Rota() and not r and r.windows() == [] and r.to_json() == {"breaks": []}
    assert rota((1, "13:00", "13:45"))


# ---------------------------------------------------------------------- reading a rota

def test_lines_are_kept_by_window_then_day_every_first_then_start():
    r = rota((2, "10:00", "10:15", "break", "mon"), (1, "15:00", "15:10", "break", "tue"),
             (1, "13:00", "13:45", "lunch", "every"), (1, "10:00", "10:10", "break", "tue"),
             (1, "10:00", "10:10", "break", "every"), (1, "12:00", "12:30", "lunch", "mon"))
    assert [(e.window, e.day, e.brk.start.hour) for e in r.entries] == [
        (1, "every", 10), (1, "every", 13), (1, "mon", 12), (1, "tue", 10), (1, "tue", 15), (2, "mon", 10)]
    assert r.windows() == [1, 2]
    assert Rota.from_json(r.to_json()) == r


def test_windows_are_those_with_any_break_each_once_in_order():
    r = rota((5, "13:00", "13:45"), (3, "12:00", "12:45"), (5, "10:00", "10:10", "break"),
             (3, "15:00", "15:10", "break", "fri"))
    assert r.windows() == [3, 5]


def test_a_weekday_list_replaces_the_every_day_list_on_that_day_only():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (1, "10:00", "10:10", "break", "every"),
             (1, "12:00", "12:30", "lunch", "wed"))
    every = (Break(time(10), time(10, 10), "break"), Break(time(13), time(13, 45), "lunch"))
    for wd, d in DATES.items():
        expected = (Break(time(12), time(12, 30), "lunch"),) if wd == "wed" else every
        assert r.breaks_on(1, d) == expected, wd
        assert r.breaks_for_weekday(1, wd) == expected, wd


def test_a_weekday_list_alone_gives_no_breaks_on_other_days():
    r = rota((1, "12:00", "12:30", "lunch", "sun"))
    assert r.breaks_on(1, DATES["sun"]) == (Break(time(12), time(12, 30)),)
    for wd in ("mon", "tue", "wed", "thu", "fri", "sat"):
        assert r.breaks_on(1, DATES[wd]) == ()


def test_a_day_of_each_weekday_finds_its_own_list():
    r = Rota(tuple(Entry(1, wd, Break(time(10 + i), time(10 + i, 30))) for i, wd in enumerate(DATES)))
    for i, (wd, d) in enumerate(DATES.items()):
        assert r.breaks_on(1, d) == (Break(time(10 + i), time(10 + i, 30)),), wd


def test_a_day_s_breaks_come_in_order_of_time():
    r = Rota((Entry(1, "every", Break(time(15), time(15, 10), "break")),
              Entry(1, "every", Break(time(9), time(9, 10), "break")),
              Entry(1, "every", Break(time(13), time(13, 45)))))
    assert [b.start.hour for b in r.breaks_for_weekday(1, "mon")] == [9, 13, 15]


def test_another_window_s_breaks_are_not_this_window_s():
    r = rota((1, "13:00", "13:45"), (2, "14:00", "14:45"))
    assert r.breaks_on(2, DATES["mon"]) == (Break(time(14), time(14, 45)),)
    assert r.breaks_on(3, DATES["mon"]) == ()


# ---------------------------------------------------------------------- a planned break now

def test_a_planned_break_goes_on_from_its_start_up_to_its_end_to_the_second():
    r = rota((1, "10:00", "10:15", "break"), (1, "13:00", "13:45", "lunch"))
    assert r.planned_at(1, moment("mon", "12:59:59")) is None
    assert r.planned_at(1, moment("mon", "13:00:00")).kind == "lunch"
    assert r.planned_at(1, moment("mon", "13:44:59")).kind == "lunch"
    assert r.planned_at(1, moment("mon", "13:45:00")) is None
    assert r.planned_at(1, moment("mon", "10:14:30")).kind == "break"
    assert r.planned_at(1, moment("mon", "11:00:00")) is None


def test_the_tolerance_widens_a_planned_break_on_both_sides():
    r = rota((1, "13:00", "13:45", "lunch"))
    assert r.planned_at(1, moment("mon", "12:49:59"), slack_minutes=10) is None
    assert r.planned_at(1, moment("mon", "12:50:00"), slack_minutes=10).label() == "обед 13:00–13:45"
    assert r.planned_at(1, moment("mon", "13:54:59"), slack_minutes=10).label() == "обед 13:00–13:45"
    assert r.planned_at(1, moment("mon", "13:55:00"), slack_minutes=10) is None
    assert r.planned_at(1, moment("mon", "12:57:00"), slack_minutes=2.5) is None
    assert r.planned_at(1, moment("mon", "12:57:30"), slack_minutes=2.5) is not None


def test_a_planned_break_is_that_of_the_day_s_own_list():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (1, "12:00", "12:30", "lunch", "fri"))
    assert r.planned_at(1, moment("fri", "13:10")) is None
    assert r.planned_at(1, moment("fri", "12:10")).start == time(12)
    assert r.planned_at(1, moment("thu", "13:10")).start == time(13)


def test_the_first_of_two_breaks_within_the_tolerance_is_the_one_named():
    r = rota((1, "13:00", "13:45", "lunch"), (1, "13:50", "14:00", "break"))
    assert r.planned_at(1, moment("mon", "13:47"), slack_minutes=10).kind == "lunch"
    assert r.planned_at(1, moment("mon", "13:56"), slack_minutes=10).kind == "break"


# ---------------------------------------------------------------------- the console's next break

def test_the_console_shows_the_break_going_on_until_its_last_second():
    r = rota((1, "10:00", "10:15", "break"), (1, "13:00", "13:45", "lunch"))
    assert r.next_break(1, moment("mon", "08:00")).label() == "перерыв 10:00–10:15"
    assert r.next_break(1, moment("mon", "10:14:59")).label() == "перерыв 10:00–10:15"
    assert r.next_break(1, moment("mon", "10:15:00")).label() == "обед 13:00–13:45"
    assert r.next_break(1, moment("mon", "13:44:59")).label() == "обед 13:00–13:45"


def test_half_a_minute_after_a_break_ended_the_console_shows_the_next_one():
    r = rota((1, "10:00", "10:15", "break"), (1, "13:00", "13:45", "lunch"))
    assert r.next_break(1, moment("mon", "10:15:30")).label() == "обед 13:00–13:45"
    assert r.next_break(1, moment("mon", "13:45:30")) is None


def test_the_console_shows_no_break_after_the_last_one_of_the_day():
    r = rota((1, "13:00", "13:45", "lunch"))
    assert r.next_break(1, moment("mon", "13:45:00")) is None
    assert r.next_break(1, moment("mon", "17:00")) is None
    assert r.next_break(2, moment("mon", "09:00")) is None


def test_the_console_s_next_break_is_today_s_own_list():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (1, "15:00", "15:10", "break", "sat"))
    assert r.next_break(1, moment("sat", "12:00")).label() == "перерыв 15:00–15:10"
    assert r.next_break(1, moment("fri", "14:00")) is None


def test_minutes_until_a_time_the_same_day():
    assert minutes_until(moment("mon", "12:30"), time(13)) == 30
    assert minutes_until(moment("mon", "12:59:30"), time(13)) == 0.5
    assert minutes_until(moment("mon", "14:00"), time(13)) == -60


# ---------------------------------------------------------------------- overlaps of one window

def test_two_breaks_of_one_window_that_overlap_by_a_minute_are_refused_with_both():
    e = refusal(lambda: rota((4, "13:00", "13:46", "lunch", "tue"), (4, "13:45", "14:00", "break", "tue")))
    assert str(e) == "Окно 4, вторник: перерывы 13:00–13:46 и 13:45–14:00 пересекаются"
    assert e.code == "overlap" and e.details == {"window": 4, "day": "tue"}


def test_overlapping_breaks_are_refused_whatever_order_they_are_given_in():
    e = refusal(lambda: rota((1, "13:45", "14:00", "break"), (1, "10:00", "10:10", "break"),
                             (1, "13:00", "13:50", "lunch")))
    assert str(e) == "Окно 1, каждый день: перерывы 13:00–13:50 и 13:45–14:00 пересекаются"


def test_a_break_inside_another_is_an_overlap():
    e = refusal(lambda: rota((1, "13:00", "14:00", "lunch", "sun"), (1, "13:10", "13:20", "break", "sun")))
    assert e.code == "overlap" and "воскресенье" in str(e)


@pytest.mark.parametrize("wd", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_each_day_is_named_in_russian_in_an_overlap(wd):
    e = refusal(lambda: rota((1, "13:00", "13:46", "lunch", wd), (1, "13:45", "14:00", "break", wd)))
    assert str(e).startswith(f"Окно 1, {DAY_WORDS[wd]}: ") and e.details["day"] == wd
    assert DAY_WORDS[wd] == {"mon": "понедельник", "tue": "вторник", "wed": "среда", "thu": "четверг",
                             "fri": "пятница", "sat": "суббота", "sun": "воскресенье"}[wd]


def test_back_to_back_breaks_and_breaks_of_other_windows_or_days_do_not_overlap():
    r = rota((1, "13:00", "13:45", "lunch"), (1, "13:45", "14:00", "break"),
             (2, "13:00", "13:45", "lunch"), (1, "13:10", "13:50", "lunch", "fri"),
             (1, "13:20", "13:55", "lunch", "sat"))
    assert len(r.entries) == 5


def test_an_overlap_of_a_second_window_is_found_too():
    e = refusal(lambda: rota((1, "13:00", "13:45"), (2, "12:00", "12:45"), (2, "12:30", "13:00", "break", "every")))
    assert e.details == {"window": 2, "day": "every"}


# ---------------------------------------------------------------------- within reception hours

def test_a_break_from_opening_to_closing_time_is_within_reception():
    rota((1, "08:00", "08:15", "break"), (1, "17:45", "18:00", "break"),
         (2, "10:00", "10:15", "break")).check(office(), [1, 2])


def test_a_break_starting_a_minute_before_opening_is_refused_with_the_hours():
    e = refusal(lambda: rota((1, "07:59", "08:15", "break")).check(office(), [1, 2]))
    assert str(e) == "Окно 1, понедельник: перерыв 07:59–08:15 — вне часов приёма (с 08:00 до 18:00)"
    assert e.code == "outside_hours" and e.details == {"window": 1, "day": "mon"}


def test_a_break_ending_a_minute_after_closing_is_refused():
    e = refusal(lambda: rota((2, "17:45", "18:01", "lunch")).check(office(), [1, 2]))
    assert str(e) == "Окно 2, понедельник: обед 17:45–18:01 — вне часов приёма (с 08:00 до 18:00)"
    assert e.code == "outside_hours" and e.details == {"window": 2, "day": "mon"}


def test_a_break_wholly_after_closing_is_refused():
    e = refusal(lambda: rota((1, "18:30", "18:45", "break")).check(office(), [1, 2]))
    assert e.code == "outside_hours"


def test_a_break_on_a_day_the_office_is_closed_is_refused_only_when_planned_for_that_day():
    e = refusal(lambda: rota((2, "10:00", "10:15", "break", "sat")).check(office(), [1, 2]))
    assert str(e) == "Окно 2, суббота: перерыв 10:00–10:15 — вне часов приёма (в этот день офис закрыт)"
    assert e.code == "outside_hours" and e.details == {"window": 2, "day": "sat"}
    # an every-day list means every working day: closed Saturdays and Sundays are skipped
    rota((1, "10:00", "10:15", "break", "every"), (2, "11:00", "11:15", "break", "every")).check(office(), [1, 2])


def test_a_break_is_checked_against_that_weekday_s_own_hours():
    short_friday = Schedule(tz="Europe/Moscow", week={**weekdays("08:00", "18:00"),
                                                      "fri": DayHours(time(8), time(16, 45))})
    r = rota((1, "17:00", "17:15", "break"), (2, "10:00", "10:15", "break"))
    e = refusal(lambda: r.check(short_friday, [1, 2]))
    assert str(e) == "Окно 1, пятница: перерыв 17:00–17:15 — вне часов приёма (с 08:00 до 16:45)"
    assert e.details == {"window": 1, "day": "fri"}


def test_a_window_the_office_does_not_have_is_refused():
    e = refusal(lambda: rota((1, "13:00", "13:45"), (7, "14:00", "14:45")).check(office(), [1, 2, 3]))
    assert str(e) == "В офисе нет окна 7" and e.code == "unknown_window" and e.details == {"window": 7}


def test_without_the_office_s_windows_any_window_of_the_rota_is_known():
    rota((7, "13:00", "13:45"), (9, "14:00", "14:45")).check(office())


# ---------------------------------------------------------------------- never all at once (001:353)

def test_two_windows_on_break_at_the_same_minute_empty_the_hall():
    e = refusal(lambda: rota((1, "13:00", "13:46"), (2, "13:45", "14:30")).check(office(), [1, 2]))
    assert str(e) == ("Понедельник, 13:45: по графику на перерыве все окна сразу — так нельзя "
                      "(перерывы не берут все одновременно)")
    assert e.code == "hall_empty" and e.details == {"day": "mon", "at": "13:45"}


def test_the_first_minute_of_an_empty_hall_is_named_with_two_digit_hours():
    e = refusal(lambda: rota((1, "08:00", "08:10", "break"), (2, "08:05", "08:15", "break")).check(office(), [1, 2]))
    assert e.details["at"] == "08:05" and str(e).startswith("Понедельник, 08:05:")


def test_the_first_and_last_minutes_of_reception_count():
    e = refusal(lambda: rota((1, "08:00", "08:01", "break"), (2, "08:00", "08:01", "break")).check(office(), [1, 2]))
    assert e.details["at"] == "08:00"
    e = refusal(lambda: rota((1, "17:59", "18:00", "break"), (2, "17:50", "18:00", "break")).check(office(), [1, 2]))
    assert e.details["at"] == "17:59"


def test_one_window_returning_as_the_other_leaves_keeps_the_hall_open():
    rota((1, "12:15", "13:00"), (2, "13:00", "13:45")).check(office(), [1, 2])
    rota((1, "13:00", "13:45"), (2, "12:15", "13:00")).check(office(), [1, 2])


def test_a_window_on_break_while_the_other_works_keeps_the_hall_open():
    rota((1, "13:00", "13:45")).check(office(), [1, 2])


def test_any_one_of_a_window_s_breaks_can_be_the_one_that_clashes():
    e = refusal(lambda: rota((1, "10:00", "10:15", "break"), (1, "13:00", "13:45"),
                             (2, "13:30", "14:15")).check(office(), [1, 2]))
    assert e.details["at"] == "13:30"


def test_every_window_must_be_away_for_the_hall_to_be_empty():
    plan = rota((1, "13:00", "13:45"), (2, "13:00", "13:45"), (3, "12:00", "12:45"), (3, "13:30", "14:00", "break"))
    e = refusal(lambda: plan.check(office(), [1, 2, 3]))
    assert e.details["at"] == "13:30"
    rota((1, "13:00", "13:45"), (2, "13:00", "13:45"), (3, "12:00", "12:45")).check(office(), [1, 2, 3])


@pytest.mark.parametrize("wd, word", [("mon", "Понедельник"), ("tue", "Вторник"), ("wed", "Среда"),
                                      ("thu", "Четверг"), ("fri", "Пятница")])
def test_the_day_of_an_empty_hall_is_named_with_a_capital_letter(wd, word):
    e = refusal(lambda: rota((1, "13:00", "13:45", "lunch", wd), (2, "13:00", "13:45", "lunch", wd))
                .check(office(), [1, 2]))
    assert str(e).startswith(f"{word}, 13:00: ") and e.details == {"day": wd, "at": "13:00"}


def test_an_empty_hall_on_a_weekend_day_the_office_works_is_refused():
    weekend = Schedule(tz="Europe/Moscow",
                       week={"sat": DayHours(time(9), time(15)), "sun": DayHours(time(9), time(15))})
    for wd, word in (("sat", "Суббота"), ("sun", "Воскресенье")):
        e = refusal(lambda wd=wd: rota((1, "11:00", "11:30", "lunch", wd), (2, "11:00", "11:30", "lunch", wd))
                    .check(weekend, [1, 2]))
        assert str(e).startswith(f"{word}, 11:00: ")


def test_the_office_s_own_lunch_is_no_reception_but_the_minutes_around_it_are():
    lunch_office = office(lunch=("12:00", "13:00"))
    rota((1, "12:00", "13:00"), (2, "12:00", "13:00")).check(lunch_office, [1, 2])
    e = refusal(lambda: rota((1, "11:59", "12:30"), (2, "11:45", "12:15")).check(lunch_office, [1, 2]))
    assert e.details["at"] == "11:59"
    e = refusal(lambda: rota((1, "12:30", "13:01"), (2, "12:45", "13:15")).check(lunch_office, [1, 2]))
    assert e.details["at"] == "13:00"


def test_a_one_window_office_takes_its_break_alone():
    # 001:353 speaks of offices with more than one window; the hall's guard agrees
    rota((1, "13:00", "13:45")).check(office(), [1])
    rota((1, "13:00", "13:45")).check(office())


def test_a_window_with_no_planned_break_is_always_there():
    rota((1, "13:00", "13:45"), (2, "13:00", "13:45")).check(office(), [1, 2, 3])
    e = refusal(lambda: rota((1, "13:00", "13:45"), (2, "13:00", "13:45")).check(office(), [1, 2]))
    assert e.code == "hall_empty"


def test_a_clash_only_on_the_day_with_its_own_list_is_found_on_that_day():
    e = refusal(lambda: rota((1, "13:00", "13:45", "lunch", "every"), (1, "14:00", "14:30", "lunch", "thu"),
                             (2, "14:15", "15:00", "lunch", "every")).check(office(), [1, 2]))
    assert e.details == {"day": "thu", "at": "14:15"}


# ---------------------------------------------------------------------- changing one window's list

def test_one_window_s_list_for_one_day_is_replaced_and_the_rest_kept():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (1, "12:00", "12:30", "lunch", "fri"),
             (2, "14:00", "14:45", "lunch", "every"))
    r2 = r.with_window_breaks(1, "every", [Break(time(11), time(11, 30)), Break(time(15), time(15, 10), "break")])
    assert r2.breaks_for_weekday(1, "mon") == (Break(time(11), time(11, 30)), Break(time(15), time(15, 10), "break"))
    assert r2.breaks_for_weekday(1, "fri") == (Break(time(12), time(12, 30)),)
    assert r2.breaks_for_weekday(2, "mon") == (Break(time(14), time(14, 45)),)
    assert r.breaks_for_weekday(1, "mon") == (Break(time(13), time(13, 45)),)  # the old rota unchanged
    assert r.with_window_breaks(2, "every", []).windows() == [1]


def test_a_replaced_list_that_overlaps_itself_is_refused():
    r = rota((1, "13:00", "13:45"))
    e = refusal(lambda: r.with_window_breaks(1, "every",
                                             [Break(time(11), time(11, 30)), Break(time(11, 15), time(12))]))
    assert e.code == "overlap"
