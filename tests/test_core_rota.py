"""The break rota in the pure core (server/domain/rota.py) and the break guard that keeps it
(001:353: breaks are never taken by everyone at once)."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from core_support import MSK, at, make_hall

from server.domain.model import Conflict, Forbidden, WindowState
from server.domain.rota import Break, Entry, Rota, RotaError
from server.domain.schedule import Schedule, weekdays

MON = "2026-11-23"  # a Monday
OFFICE = Schedule(tz="Europe/Moscow", week=weekdays("08:00", "18:00"))


def rota(*lines) -> Rota:
    return Rota.from_json({"breaks": [dict(zip(("window", "start", "end", "kind", "day"), line, strict=False))
                                      for line in lines]})


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=MSK)


# ---------------------------------------------------------------------- the data model

def test_json_round_trip_and_order():
    r = rota((2, "13:45", "14:30", "lunch", "every"), (1, "13:00", "13:45", "lunch", "every"),
             (1, "10:00", "10:15", "break", "fri"))
    back = Rota.from_json(r.to_json())
    assert back == r
    assert r.to_json()["breaks"][0] == {"window": 1, "day": "every", "start": "13:00", "end": "13:45",
                                        "kind": "lunch"}
    assert r.windows() == [1, 2]
    assert Rota.from_json(None) == Rota() and not Rota()


def test_weekday_list_replaces_the_every_day_list():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (1, "12:00", "12:30", "lunch", "fri"))
    assert r.breaks_on(1, date(2026, 11, 23)) == (Break(time(13), time(13, 45), "lunch"),)  # Monday
    assert r.breaks_on(1, date(2026, 11, 27)) == (Break(time(12), time(12, 30), "lunch"),)  # Friday
    assert r.breaks_on(3, date(2026, 11, 23)) == ()


def test_planned_at_and_next_break():
    r = rota((1, "10:00", "10:15", "break", "every"), (1, "13:00", "13:45", "lunch", "every"))
    assert r.planned_at(1, local(f"{MON} 13:00")).kind == "lunch"
    assert r.planned_at(1, local(f"{MON} 13:44")).kind == "lunch"
    assert r.planned_at(1, local(f"{MON} 13:45")) is None  # the end is not inside
    assert r.planned_at(1, local(f"{MON} 12:55")) is None
    assert r.planned_at(1, local(f"{MON} 12:50"), slack_minutes=10).kind == "lunch"
    assert r.planned_at(1, local(f"{MON} 12:49"), slack_minutes=10) is None
    assert r.planned_at(2, local(f"{MON} 13:10")) is None
    assert r.next_break(1, local(f"{MON} 09:00")).kind == "break"
    assert r.next_break(1, local(f"{MON} 10:05")).kind == "break"  # going on now
    assert r.next_break(1, local(f"{MON} 11:00")).label() == "обед 13:00–13:45"
    assert r.next_break(1, local(f"{MON} 13:45")) is None


def test_span_is_the_local_day():
    b = Break(time(13), time(13, 45), "lunch")
    start, end = b.span(date(2026, 11, 23), "Europe/Moscow")
    assert start.timestamp() == at(f"{MON} 13:00") and end.timestamp() == at(f"{MON} 13:45")
    assert b.minutes() == 45


@pytest.mark.parametrize("line, words", [
    ({"window": 1, "start": "13:00", "end": "12:00"}, "раньше конца"),
    ({"window": 1, "start": "13:00", "end": "13:00"}, "раньше конца"),
    ({"window": 0, "start": "13:00", "end": "14:00"}, "Номер окна"),
    ({"window": True, "start": "13:00", "end": "14:00"}, "Номер окна"),
    ({"window": 1, "start": "25:00", "end": "26:00"}, "ЧЧ:ММ"),
    ({"window": 1, "start": "13-00", "end": "14:00"}, "ЧЧ:ММ"),
    ({"window": 1, "end": "14:00"}, "ЧЧ:ММ"),
    ({"window": 1, "start": "13:00", "end": "14:00", "kind": "nap"}, "Вид перерыва"),
    ({"window": 1, "start": "13:00", "end": "14:00", "day": "monday"}, "день недели"),
    ("13:00", "объектом"),
])
def test_bad_lines_are_refused_in_russian(line, words):
    with pytest.raises(RotaError) as e:
        Rota.from_json({"breaks": [line]})
    assert words in str(e.value) and e.value.code == "invalid"


def test_overlaps_of_one_window_are_refused():
    with pytest.raises(RotaError) as e:
        rota((1, "13:00", "13:45", "lunch", "every"), (1, "13:30", "14:00", "break", "every"))
    assert e.value.code == "overlap" and "пересекаются" in str(e.value) and "Окно 1" in str(e.value)
    # back to back is fine, and other windows or other days do not clash
    rota((1, "13:00", "13:45", "lunch", "every"), (1, "13:45", "14:00", "break", "every"),
         (2, "13:00", "13:45", "lunch", "every"), (1, "13:10", "13:50", "lunch", "fri"))


def test_check_refuses_breaks_outside_hours():
    with pytest.raises(RotaError) as e:
        rota((1, "07:30", "08:15", "break", "every")).check(OFFICE, [1, 2])
    assert e.value.code == "outside_hours" and "вне часов приёма" in str(e.value)
    with pytest.raises(RotaError) as e:  # Saturday: the office is closed
        rota((1, "10:00", "10:15", "break", "sat")).check(OFFICE, [1, 2])
    assert e.value.code == "outside_hours" and "закрыт" in str(e.value)
    rota((1, "08:00", "08:15", "break", "every"), (1, "17:45", "18:00", "break", "every")).check(OFFICE, [1, 2])


def test_check_refuses_a_rota_that_empties_the_hall_at_any_minute():
    two = [1, 2]
    ok = rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:45", "14:30", "lunch", "every"))
    ok.check(OFFICE, two)
    with pytest.raises(RotaError) as e:  # one shared minute is enough to refuse
        rota((1, "13:00", "13:46", "lunch", "every"), (2, "13:45", "14:30", "lunch", "every")).check(OFFICE, two)
    assert e.value.code == "hall_empty" and "13:45" in str(e.value) and "Понедельник" in str(e.value)
    with pytest.raises(RotaError) as e:  # only on Friday, when window 1 has its own list
        rota((1, "13:00", "13:45", "lunch", "every"), (1, "14:00", "14:30", "lunch", "fri"),
             (2, "14:15", "15:00", "lunch", "every")).check(OFFICE, two)
    assert e.value.code == "hall_empty" and "Пятница, 14:15" in str(e.value)
    # a third window with no planned break keeps the hall open
    rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:00", "13:45", "lunch", "every")).check(OFFICE, [1, 2, 3])
    with pytest.raises(RotaError) as e:  # without window numbers only the rota's own windows count
        rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:00", "13:45", "lunch", "every")).check(OFFICE)
    assert e.value.code == "hall_empty"
    with pytest.raises(RotaError) as e:
        rota((7, "13:00", "13:45", "lunch", "every")).check(OFFICE, two)
    assert e.value.code == "unknown_window"


def test_office_lunch_minutes_are_not_reception():
    office = Schedule(tz="Europe/Moscow", week=weekdays("08:00", "18:00", ("12:00", "13:00")))
    # both windows off during the office's own lunch is no empty hall: nobody is received then
    rota((1, "12:00", "12:45", "lunch", "every"), (2, "12:15", "13:00", "lunch", "every")).check(office, [1, 2])


def test_with_window_breaks_replaces_one_list():
    r = rota((1, "13:00", "13:45", "lunch", "every"), (2, "14:00", "14:45", "lunch", "every"))
    r2 = r.with_window_breaks(1, "every", [Break(time(12), time(12, 30), "lunch")])
    assert r2.breaks_on(1, date(2026, 11, 23))[0].start == time(12)
    assert r2.breaks_on(2, date(2026, 11, 23)) == r.breaks_on(2, date(2026, 11, 23))
    assert Entry.from_json({"window": 3, "start": "09:00", "end": "09:10", "kind": "break"}).day == "every"


def test_the_hall_carries_a_rota():
    hall = make_hall(windows=2)
    assert hall.rota == Rota()
    hall.rota = rota((1, "13:00", "13:45", "lunch", "every"))
    assert hall.rota.next_break(1, local(f"{MON} 12:00")).label() == "обед 13:00–13:45"


# ---------------------------------------------------------------------- the break guard

def office_hall(windows: int = 2, rota_: Rota | None = None):
    hall = make_hall(windows=windows, schedule=OFFICE)
    if rota_ is not None:
        rota_.check(OFFICE, [w.number for w in hall.windows.values()])
        hall.rota = rota_
    return hall


def refused(fn, code="break_guard") -> Conflict | Forbidden:
    with pytest.raises((Conflict, Forbidden)) as e:
        fn()
    assert e.value.code == code, e.value.message
    return e.value


def test_the_last_open_window_can_not_pause_in_reception_even_when_nobody_waits():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.take_pending()
    assert not hall.waiting()
    e = refused(lambda: hall.pause_window(1, "other", at(f"{MON} 10:00"), actor="op1"))
    assert "ни одного открытого окна" in e.message and "окно 2" in e.message
    assert hall.windows[1].state is WindowState.OPEN and not hall.pending


def test_with_another_window_open_the_pause_is_allowed():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.open_window(2, at(f"{MON} 09:00"), "op2")
    hall.pause_window(1, "other", at(f"{MON} 10:00"), actor="op1")
    assert hall.windows[1].state is WindowState.PAUSED
    e = refused(lambda: hall.pause_window(2, "other", at(f"{MON} 10:05"), actor="op2"))
    assert "окно 1" in e.message  # the paused window is the one to come back first


def test_outside_reception_the_last_window_may_pause():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 07:30"), "op1")
    hall.pause_window(1, "other", at(f"{MON} 07:40"), actor="op1")  # before opening
    assert hall.windows[1].state is WindowState.PAUSED


def test_a_planned_break_is_allowed_within_ten_minutes_of_its_time():
    plan = rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:45", "14:30", "lunch", "every"))
    for minute, ok in (("12:49", False), ("12:50", True), ("13:00", True), ("13:54", True), ("13:55", False)):
        hall = office_hall(rota_=plan)
        hall.open_window(1, at(f"{MON} 09:00"), "op1")
        if ok:
            hall.pause_window(1, "lunch", at(f"{MON} {minute}"), actor="op1")
            paused = hall.pending[-1]
            assert paused["type"] == "window.paused" and paused["data"]["planned"]["start"] == "13:00"
            assert "override" not in paused["data"]
        else:
            e = refused(lambda hall=hall, minute=minute: hall.pause_window(1, "lunch", at(f"{MON} {minute}"),
                                                                           actor="op1"))
            assert "Ваш перерыв по графику: обед 13:00–13:45" in e.message or minute == "13:55"


def test_a_planned_break_of_another_window_is_named_with_its_end():
    plan = rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:45", "14:30", "lunch", "every"))
    hall = office_hall(rota_=plan)
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.open_window(2, at(f"{MON} 09:00"), "op2")
    hall.pause_window(1, "lunch", at(f"{MON} 13:00"), actor="op1")
    e = refused(lambda: hall.pause_window(2, "other", at(f"{MON} 13:10"), actor="op2"))
    assert "Окно 1 вернётся с перерыва по графику в 13:45" in e.message
    assert "обед 13:45–14:30" in e.message


def test_a_planned_break_does_not_strand_waiting_visitors():
    plan = rota((1, "13:00", "13:45", "lunch", "every"), (2, "13:45", "14:30", "lunch", "every"))
    hall = office_hall(rota_=plan)
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.issue("consult", at(f"{MON} 12:58"))
    e = refused(lambda: hall.pause_window(1, "lunch", at(f"{MON} 13:00"), actor="op1"))
    assert "ждут" in e.message


def test_an_administrator_override_is_allowed_and_recorded():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.issue("consult", at(f"{MON} 09:30"))
    hall.pause_window(1, "technical", at(f"{MON} 10:00"), actor="hall", admin=True, override=True)
    event = hall.pending[-1]
    assert event["type"] == "window.paused"
    assert event["data"]["override"] is True and event["data"]["by"] == "hall"
    assert hall.windows[1].state is WindowState.PAUSED


def test_an_operator_can_not_override():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    e = refused(lambda: hall.pause_window(1, "lunch", at(f"{MON} 10:00"), actor="op1", override=True),
                "override_forbidden")
    assert "администратор" in e.message and hall.windows[1].state is WindowState.OPEN


def test_the_override_survives_replay():
    hall = office_hall()
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.pause_window(1, "lunch", at(f"{MON} 10:00"), actor="hall", admin=True, override=True)
    events = hall.take_pending()
    again = office_hall()
    for e in events:
        again.apply(e)
    assert again.windows[1].state is WindowState.PAUSED and again.windows[1].pause_reason == "lunch"


def test_a_one_window_office_keeps_the_old_rule():
    hall = office_hall(windows=1)
    hall.open_window(1, at(f"{MON} 09:00"), "op1")
    hall.pause_window(1, "lunch", at(f"{MON} 10:00"), actor="op1")
    rota((1, "13:00", "13:45", "lunch", "every")).check(OFFICE, [1])
