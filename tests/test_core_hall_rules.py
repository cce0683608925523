"""The rules of the hall (server/domain/hall.py), each pinned in the domain's words: what every
command records in its event, every refusal and its code where the hall raises it, a ticket
expired at the day's roll, transfers, escalation and the promise printed on a ticket.

Each test builds a small hall by hand (tests/core_support.py) inside the test, so that mutation
testing (scripts/mutation.sh) maps it to the hall's code it runs.
"""
from __future__ import annotations

import pytest
from core_support import at, make_hall

from server.domain.model import Conflict, Forbidden, Invalid, NotFound, QueueError, TicketState, WindowState

T0 = at("2026-12-03 10:00")
MIN = 60.0


def refused(cls, code, fn):
    """The command is refused with this class and code, and a message."""
    with pytest.raises(cls) as e:
        fn()
    assert e.value.code == code, (e.value.code, e.value.message)
    assert isinstance(e.value, QueueError) and e.value.message
    return e.value


def events(hall, kind=None):
    out = hall.take_pending()
    return [e for e in out if kind is None or e["type"] == kind]


def test_who_called_a_ticket_and_when_is_in_the_event():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    t = hall.issue("consult", T0)
    events(hall)
    hall.call_next(1, T0 + 30, "op1")
    (e,) = events(hall)
    assert e["type"] == "ticket.called" and e["at"] == T0 + 30 and e["office"] == "t"
    assert e["data"] == {"ticket": t.id, "window": 1, "operator": "op1", "by": "op1"}
    assert hall.tickets[t.id].called_at == T0 + 30 and hall.tickets[t.id].operator == "op1"


def hall_with(windows=2, policy="fifo", profile="rosatom-2026", open_=(1,), **kw):
    hall = make_hall(windows=windows, policy=policy, profile=profile, **kw)
    for w in open_:
        hall.open_window(w, T0, f"op{w}")
    hall.take_pending()
    return hall


def called(hall, service="consult", window=1, now=T0, start=False):
    t = hall.issue(service, now)
    hall.call_ticket(window, t.id, now + 10, f"op{window}")
    if start:
        hall.start(t.id, now + 20, actor=f"op{window}")
    hall.take_pending()
    return t


# --- events: what each command records --------------------------------------------------------------

def test_an_event_names_its_type_time_office_day_and_data_and_waits_to_be_written():
    hall = hall_with()
    t = hall.issue("consult", T0 + 5, token="tok-1", source="desk")
    (e,) = hall.take_pending()
    assert (e["type"], e["at"], e["office"], e["day"]) == ("ticket.issued", T0 + 5, "t", "2026-12-03")
    assert e["data"] == {"ticket": t.id, "service": "consult", "letter": "А", "number": 1, "code": "А-001",
                         "token": "tok-1", "source": "desk", "client_type": "any", "individual": False,
                         "priority": 0, "estimate": list(t.estimate)}
    assert hall.take_pending() == []  # taken once


def test_the_day_started_event_carries_the_new_day_also_as_its_own_day():
    hall = make_hall()
    hall.issue("consult", T0)
    first = hall.take_pending()[0]
    assert first["type"] == "day.started" and first["day"] == "2026-12-03"
    assert first["data"] == {"day": "2026-12-03"}
    assert hall.day == "2026-12-03"


def test_an_administrator_calling_at_a_window_leaves_the_windows_operator_in_the_event():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.take_pending()
    hall.call_next(1, T0 + 30, "hall", admin=True)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "operator": "op1", "by": "hall"}


def test_a_call_by_the_simulator_names_nobody():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.take_pending()
    hall.call_next(1, T0 + 30)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "operator": "op1"}  # no «by»


def test_every_ticket_command_records_the_ticket_its_window_and_who_acted():
    hall = hall_with()
    t = called(hall)
    hall.recall(t.id, T0 + 30, actor="op1")
    hall.start(t.id, T0 + 40, actor="op1")
    hall.set_phase(t.id, "digital", T0 + 50, actor="op1")
    hall.finish(t.id, T0 + 90, outcome="consulted", actor="op1")
    got = [(e["type"], e["at"], e["data"]) for e in hall.take_pending()]
    assert got == [
        ("ticket.recalled", T0 + 30, {"ticket": t.id, "window": 1, "by": "op1"}),
        ("ticket.started", T0 + 40, {"ticket": t.id, "window": 1, "by": "op1"}),
        ("ticket.phase", T0 + 50, {"ticket": t.id, "phase": "digital", "by": "op1"}),
        ("ticket.finished", T0 + 90, {"ticket": t.id, "window": 1, "outcome": "consulted", "by": "op1"}),
    ]
    got = []
    u = called(hall, now=T0 + 100)
    hall.no_show(u.id, T0 + 400, actor="op1")
    got += hall.take_pending()
    v = called(hall, now=T0 + 500)
    hall.cancel(v.id, T0 + 510, reason="ушёл", actor="op1")
    got += hall.take_pending()
    w = hall.issue("consult", T0 + 600)
    hall.take_pending()
    hall.resolve(w.id, T0 + 610, actor="hall", admin=True)
    got += hall.take_pending()
    x = called(hall, now=T0 + 700)
    hall.postpone(x.id, T0 + 720, actor="op1")
    got += hall.take_pending()
    assert [(e["type"], e["data"]) for e in got] == [
        ("ticket.no_show", {"ticket": u.id, "window": 1, "by": "op1"}),
        ("ticket.cancelled", {"ticket": v.id, "window": 1, "reason": "ушёл", "by": "op1"}),
        ("ticket.resolved", {"ticket": w.id, "by": "hall"}),
        ("ticket.postponed", {"ticket": x.id, "window": 1, "by": "op1"}),
    ]


def test_window_commands_record_the_window_the_operator_the_reason_and_who_acted():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    hall.open_window(2, T0, "hall", admin=True)
    hall.pause_window(1, "lunch", T0 + 10, actor="op1")
    hall.close_window(1, T0 + 20, actor="op1")
    got = [(e["type"], e["data"]) for e in hall.take_pending() if e["type"] != "day.started"]
    assert got == [
        ("window.opened", {"window": 1, "operator": "op1", "by": "op1"}),
        ("window.opened", {"window": 2, "operator": None, "by": "hall"}),
        ("window.paused", {"window": 1, "reason": "lunch", "by": "op1"}),
        ("window.closed", {"window": 1, "reason": "closed", "by": "op1"}),
    ]
    w = hall.windows[1]
    assert (w.state, w.operator, w.since, w.pause_reason) == (WindowState.CLOSED, None, T0 + 20, None)


def test_an_event_the_queue_does_not_know_changes_nothing():
    hall = hall_with()
    t = hall.issue("consult", T0)
    before = (t.to_json(), {k: w.to_json() for k, w in hall.windows.items()}, dict(hall.counters))
    hall.apply({"type": "device.status", "at": T0 + 1, "office": "t", "day": hall.day, "data": {"ticket": t.id}})
    assert before == (t.to_json(), {k: w.to_json() for k, w in hall.windows.items()}, dict(hall.counters))


# --- the day's roll -----------------------------------------------------------------------------------

def test_a_ticket_left_open_at_the_days_roll_is_expired_and_windows_close_for_the_day():
    hall = hall_with(windows=4, open_=(1, 2, 3))
    hall.pause_window(2, "lunch", T0 + 1, actor="op2")
    waiting = hall.issue("consult", T0 + 2)
    serving = called(hall, "cash", now=T0 + 3, start=True)
    done = called(hall, "cash", now=T0 + 40, window=3)
    hall.take_pending()
    next_day = at("2026-12-04 09:00")
    hall.issue("consult", next_day)
    got = [(e["type"], e["data"]) for e in hall.take_pending()]
    assert got[:6] == [
        ("ticket.expired", {"ticket": waiting.id}),
        ("ticket.expired", {"ticket": serving.id}),
        ("ticket.expired", {"ticket": done.id}),
        ("window.closed", {"window": 1, "reason": "day_end"}),
        ("window.closed", {"window": 2, "reason": "day_end"}),
        ("window.closed", {"window": 3, "reason": "day_end"}),
    ]
    assert got[6] == ("day.started", {"day": "2026-12-04"})
    y = hall.yesterday
    assert {t.state for t in (y[waiting.id], y[serving.id])} == {TicketState.CANCELLED}
    assert y[waiting.id].outcome == "expired" and y[waiting.id].ended_at == next_day
    assert y[serving.id].segment.outcome == "expired"
    assert all(w.state is WindowState.CLOSED and w.operator is None for w in hall.windows.values())
    assert [t.day for t in hall.tickets.values()] == ["2026-12-04"] and hall.waiting()[0].code == "А-001"


def test_an_expired_visit_is_not_counted_as_time_at_a_window():
    hall = hall_with()
    called(hall, "cash")
    hall.roll_day(at("2026-12-04 09:00"))
    assert "cash" not in hall.occupancy and "cash" not in hall.recent


def test_a_finished_ticket_is_not_expired_again():
    hall = hall_with()
    t = called(hall, start=True)
    hall.finish(t.id, T0 + 60)
    hall.take_pending()
    hall.roll_day(at("2026-12-04 09:00"))
    assert [e["type"] for e in hall.take_pending()] == ["window.closed", "day.started"]
    assert hall.yesterday[t.id].state is TicketState.FINISHED


def test_the_day_rolls_at_the_offices_midnight_exactly():
    hall = hall_with()
    hall.issue("consult", at("2026-12-03 23:58") + 59)
    t = hall.issue("consult", at("2026-12-04 00:00"))
    assert (t.day, t.code) == ("2026-12-04", "А-001")
    u = hall.issue("consult", at("2026-12-04 23:58") + 59)
    assert (u.day, u.code) == ("2026-12-04", "А-002")


def test_within_one_day_nothing_rolls_again():
    hall = hall_with()
    hall.issue("consult", at("2026-12-03 00:00"))
    hall.issue("consult", at("2026-12-03 23:58") + 59)
    assert [e["type"] for e in hall.take_pending()] == ["ticket.issued", "ticket.issued"]


def test_a_clock_set_back_across_midnight_does_not_restart_the_earlier_day_or_its_numbers():
    hall = hall_with()
    first = hall.issue("consult", at("2026-12-03 23:50"))
    second = hall.issue("consult", at("2026-12-04 00:10"))
    assert (first.day, first.code, second.day, second.code) == ("2026-12-03", "А-001", "2026-12-04", "А-001")
    # the machine restarts with its clock 30 minutes behind: the 4th goes on, the 3rd's А-001 is not given again
    hall.take_pending()
    t = hall.issue("consult", at("2026-12-03 23:40"))
    assert (t.day, t.code) == ("2026-12-04", "А-002")
    assert [e["type"] for e in hall.take_pending()] == ["ticket.issued"]


def test_a_day_read_back_from_the_log_ahead_of_the_clock_goes_on():
    hall = hall_with()
    hall.issue("consult", T0)
    # a day.started of tomorrow read back from the log (the clock was ahead when it was written)
    hall.apply({"type": "day.started", "at": T0, "office": "t", "day": "2026-12-04", "data": {"day": "2026-12-04"}})
    t = hall.issue("consult", T0 + 60)
    assert (t.day, t.code) == ("2026-12-04", "А-001")


def test_a_new_timetable_is_asked_for_its_day_at_once():
    from server.domain.schedule import always_open
    hall = hall_with()
    hall.issue("consult", at("2026-12-03 23:30"))  # Moscow: still the 3rd
    hall.schedule = always_open("Asia/Yekaterinburg")  # 01:30 on the 4th there
    t = hall.issue("consult", at("2026-12-03 23:31"))
    assert t.day == "2026-12-04"


def test_numbering_continues_above_a_floor_of_numbers_already_printed():
    hall = make_hall()
    hall.apply({"type": "numbering.floor", "at": T0, "office": "t", "day": "2026-12-03",
                "data": {"day": "2026-12-03", "letters": {"А": 41, "Б": "7"}}})
    hall.apply({"type": "numbering.floor", "at": T0, "office": "t", "day": "2026-12-03",
                "data": {"day": "2026-12-03", "letters": {"А": 30}}})  # a lower floor lowers nothing
    assert hall.floors == {"2026-12-03": {"А": 41, "Б": 7}}
    t = hall.issue("consult", T0)
    started = [e for e in hall.take_pending() if e["type"] == "day.started"][0]
    assert started["data"] == {"day": "2026-12-03", "floor": {"А": 41, "Б": 7}}
    assert t.code == "А-042" and hall.issue("cash", T0).code == "Б-008"
    # a floor for the day already running raises its counters at once
    hall.apply({"type": "numbering.floor", "at": T0, "office": "t", "day": "2026-12-03",
                "data": {"day": "2026-12-03", "letters": {"А": 100, "В": 5}}})
    assert hall.issue("consult", T0).code == "А-101" and hall.issue("both", T0).code == "В-006"
    # a floor for another day waits for that day
    hall.apply({"type": "numbering.floor", "at": T0, "office": "t", "day": "2026-12-03",
                "data": {"day": "2026-12-04", "letters": {"Б": 3}}})
    assert hall.issue("cash", T0).code == "Б-009"
    assert hall.issue("cash", at("2026-12-04 09:00")).code == "Б-004"


# --- issue ------------------------------------------------------------------------------------------------

def test_issue_refusals_and_their_codes():
    hall = make_hall()
    e = refused(NotFound, "service_not_found", lambda: hall.issue("nope", T0))
    assert e.status == 404 and e.message == "Услуга не найдена"
    hall.services["cash"].active = False
    e = refused(Conflict, "service_closed", lambda: hall.issue("cash", T0))
    assert e.message == "Услуга «Оплата» сейчас не оказывается"
    e = refused(Invalid, "bad_client_type", lambda: hall.issue("consult", T0, client_type="company"))
    assert e.message == "Неизвестный тип клиента"
    hall.services["consult"].client_type = "business"
    e = refused(Invalid, "wrong_client_type", lambda: hall.issue("consult", T0, client_type="individual"))
    assert e.message == "Эта услуга оказывается другому типу клиентов"
    assert [t for t in hall.tickets.values()] == []


def test_a_visitor_of_any_type_or_of_the_services_own_type_is_served():
    hall = make_hall()
    hall.services["consult"].client_type = "business"
    assert hall.issue("consult", T0, client_type="any").client_type == "any"
    assert hall.issue("consult", T0, client_type="business").client_type == "business"
    assert hall.issue("consult", T0).client_type == "business"  # none given: the service's own
    assert hall.issue("cash", T0, client_type="individual").client_type == "individual"  # cash: any


def test_a_ticket_may_be_issued_out_of_hours_when_the_hall_says_so():
    from server.domain.schedule import Schedule
    sched = Schedule.from_json({"tz": "Europe/Moscow", "week": {"thu": {"open": "08:00", "close": "17:00"}}})
    hall = make_hall(schedule=sched)
    e = refused(Conflict, "office_closed", lambda: hall.issue("consult", at("2026-12-03 18:00")))
    assert e.message == "Сейчас приём не ведётся" and e.details["opens_at"] == "2026-12-10T08:00:00+03:00"
    assert hall.issue("consult", at("2026-12-03 18:00"), check_hours=False).code == "А-001"


def test_an_office_that_never_opens_again_says_so_with_no_opening_time():
    from server.domain.schedule import Schedule
    hall = make_hall(schedule=Schedule.from_json({"tz": "Europe/Moscow", "week": {}}))
    e = refused(Conflict, "office_closed", lambda: hall.issue("consult", T0))
    assert e.details == {"opens_at": None}


def test_a_ticket_carries_its_token_its_flags_and_the_id_it_is_given():
    hall = make_hall()
    t = hall.issue("consult", T0, individual=1, priority=2.0, ticket_id=77, token="given")
    assert (t.id, t.token, t.individual, t.priority) == (77, "given", True, 2)
    assert type(t.individual) is bool and type(t.priority) is int
    u = hall.issue("consult", T0)
    assert u.id == 78 and len(u.token) >= 20 and u.token != hall.issue("consult", T0).token


def test_ticket_ids_come_from_the_store_when_it_gives_them():
    hall = make_hall()
    ids = iter([500, 9])
    hall.next_id = lambda: next(ids)
    assert [hall.issue("consult", T0).id for _ in range(2)] == [500, 9]


def test_ticket_ids_continue_above_every_id_the_hall_holds():
    hall = make_hall()
    assert hall.issue("consult", T0).id == 1
    hall.issue("consult", T0, ticket_id=40)
    assert hall.issue("consult", T0).id == 41
    hall.roll_day(at("2026-12-04 09:00"))  # the tickets are yesterday's: the sequence remembers
    assert hall.issue("consult", at("2026-12-04 09:00")).id == 42


def test_the_printed_range_is_whole_minutes_low_to_high_and_none_without_an_estimate():
    hall = hall_with(windows=1)
    for _ in range(3):
        hall.issue("consult", T0)
    t = hall.issue("consult", T0)
    low, high = t.estimate
    assert 0 <= low <= high
    assert float(low).is_integer() and float(high).is_integer()
    closed = make_hall(windows=1)  # no window open: the estimate may have nothing to go by
    u = closed.issue("consult", T0)
    ev = [e for e in closed.take_pending() if e["type"] == "ticket.issued"][0]
    assert ev["data"]["estimate"] == (list(u.estimate) if u.estimate else None)


# --- calling ----------------------------------------------------------------------------------------------

def test_calling_refusals_and_their_codes():
    hall = hall_with(windows=3, open_=(1, 2))
    e = refused(NotFound, "window_not_found", lambda: hall.call_next(9, T0))
    assert e.status == 404 and e.message == "Окно не найдено"
    e = refused(Conflict, "window_not_open", lambda: hall.call_next(3, T0))
    assert e.details == {"state": "closed"} and e.message == "Окно не открыто для приёма"
    hall.pause_window(2, "technical", T0, actor="op2")
    e = refused(Conflict, "window_not_open", lambda: hall.call_next(2, T0))
    assert e.details == {"state": "paused"}
    t = called(hall)
    e = refused(Conflict, "window_busy", lambda: hall.call_next(1, T0 + 60, "op1"))
    assert e.details == {"ticket": t.id} and e.message == "Сначала завершите работу с текущим талоном"
    e = refused(Conflict, "window_busy", lambda: hall.call_ticket(1, t.id, T0 + 60, "op1"))
    hall.start(t.id, T0 + 70)
    refused(Conflict, "window_busy", lambda: hall.call_next(1, T0 + 80, "op1"))
    e = refused(NotFound, "ticket_not_found", lambda: hall.ticket(999))
    assert e.message == "Талон не найден"
    hall.finish(t.id, T0 + 90)
    refused(NotFound, "ticket_not_found", lambda: hall.call_ticket(1, 999, T0 + 100, "op1"))


def test_a_ticket_may_be_called_out_of_turn_only_to_a_window_that_may_take_it():
    hall = hall_with(windows=2, open_=(1, 2))
    hall.windows[2].services = {"cash": 1}
    t = hall.issue("consult", T0)
    e = refused(Conflict, "not_eligible", lambda: hall.call_ticket(2, t.id, T0 + 5, "op2"))
    assert e.message == "Этот талон не может быть вызван к этому окну"
    hall.call_ticket(1, t.id, T0 + 5, "op1")
    hall.windows[2].services = {"consult": 1}
    refused(Conflict, "not_eligible", lambda: hall.call_ticket(2, t.id, T0 + 6, "op2"))  # already called
    assert hall.tickets[t.id].window == 1


def test_an_empty_queue_calls_nobody_and_records_nothing():
    hall = hall_with()
    hall.issue("cash", T0)
    hall.windows[1].services = {"consult": 1}
    hall.take_pending()
    assert hall.call_next(1, T0 + 10, "op1") is None
    assert hall.take_pending() == []


def test_calling_takes_the_ticket_out_of_the_queue_and_shows_it_at_the_window():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 30, "op1")
    assert hall.waiting() == [] and t.state is TicketState.CALLED and t.window == 1
    w = hall.windows[1]
    assert (w.ticket, w.state_since) == (t.id, T0 + 30)
    assert (t.segment.called_at, t.segment.window, t.segment.operator) == (T0 + 30, 1, "op1")
    hall.start(t.id, T0 + 50)
    assert w.state_since == T0 + 50 and t.segment.started_at == T0 + 50 and t.started_at == T0 + 50


def test_the_policy_of_the_office_decides_who_is_called():
    hall = hall_with(policy="fifo")
    a = hall.issue("consult", T0)
    b = hall.issue("cash", T0 + 1, individual=True)
    assert hall.call_next(1, T0 + 2) is b  # the individual format first, under every policy
    hall.settings.policy = "norm-aware"
    hall.no_show(b.id, T0 + 3)
    assert hall.call_next(1, T0 + 4) is a


def test_waiting_lists_the_queue_by_ticket_id():
    hall = hall_with()
    a = hall.issue("consult", T0, ticket_id=5)
    b = hall.issue("consult", T0, ticket_id=3)
    c = hall.issue("cash", T0, ticket_id=4)
    assert hall.waiting() == [b, c, a]


# --- the state of a ticket decides what may be done -------------------------------------------------------

def test_an_action_in_the_wrong_state_says_what_and_why_in_russian():
    hall = hall_with()
    t = hall.issue("consult", T0)
    e = refused(Conflict, "bad_state", lambda: hall.start(t.id, T0 + 1))
    assert e.message == "Действие «начать приём» невозможно: талон А-001 ожидает вызова"
    assert e.details == {"state": "waiting"} and e.status == 409
    hall.call_next(1, T0 + 2)
    e = refused(Conflict, "bad_state", lambda: hall.finish(t.id, T0 + 3))
    assert e.message == "Действие «завершить приём» невозможно: талон А-001 вызван к окну"
    hall.start(t.id, T0 + 4)
    e = refused(Conflict, "bad_state", lambda: hall.recall(t.id, T0 + 5))
    assert e.message == "Действие «повторный вызов» невозможно: талон А-001 на приёме"
    hall.finish(t.id, T0 + 6)
    e = refused(Conflict, "bad_state", lambda: hall.cancel(t.id, T0 + 7))
    assert e.message == "Действие «отменить» невозможно: талон А-001 уже обслужен"


def test_the_words_for_every_state():
    from server.domain.hall import STATE_WORDS
    assert {str(k): v for k, v in STATE_WORDS.items()} == {
        "waiting": "ожидает вызова", "called": "вызван к окну", "serving": "на приёме",
        "finished": "уже обслужен", "no_show": "закрыт по неявке", "cancelled": "отменён"}


def test_phases_refusals_and_the_time_spent_in_each():
    hall = hall_with()
    t = called(hall, start=True)
    e = refused(Invalid, "bad_phase", lambda: hall.set_phase(t.id, "coffee", T0 + 30))
    assert e.message == "Неизвестный этап обслуживания"
    w = hall.issue("consult", T0 + 30)
    refused(Invalid, "bad_phase", lambda: hall.set_phase(w.id, "coffee", T0 + 30))  # the phase is asked first
    refused(Conflict, "bad_state", lambda: hall.set_phase(w.id, "digital", T0 + 30))
    refused(Conflict, "same_phase", lambda: hall.set_phase(t.id, None, T0 + 30))
    hall.set_phase(t.id, "digital", T0 + 40)
    e = refused(Conflict, "same_phase", lambda: hall.set_phase(t.id, "digital", T0 + 50))
    assert e.message == "Этот этап уже идёт"
    assert (t.phase, t.phase_started_at) == ("digital", T0 + 40)
    hall.set_phase(t.id, None, T0 + 100)
    assert (t.phase, t.phase_started_at) == (None, None)
    hall.set_phase(t.id, "digital", T0 + 130)
    hall.finish(t.id, T0 + 150)  # a phase still running at the end counts to the end
    assert t.segment.phases == {"digital": 80.0}
    assert (t.phase, t.phase_started_at) == (None, None)


def test_a_finish_without_an_outcome_is_finished_and_the_window_is_free_again():
    hall = hall_with()
    t = called(hall, start=True)
    hall.finish(t.id, T0 + 200)
    assert (t.state, t.outcome, t.ended_at) == (TicketState.FINISHED, "finished", T0 + 200)
    assert t.segment.outcome == "finished" and t.segment.ended_at == T0 + 200
    assert hall.windows[1].ticket is None and hall.windows[1].state_since == T0 + 200
    assert list(hall.recent["consult"]) == [180.0]  # started at +20
    assert list(hall.occupancy["consult"]) == [190.0]  # called at +10


def test_a_no_show_or_cancel_ends_the_visit_without_service_time():
    hall = hall_with()
    t = called(hall)
    hall.no_show(t.id, T0 + 300)
    assert (t.state, t.outcome) == (TicketState.NO_SHOW, "no_show")
    u = called(hall, now=T0 + 400)
    hall.cancel(u.id, T0 + 450)
    assert (u.state, u.outcome) == (TicketState.CANCELLED, "cancelled")
    assert "consult" not in hall.recent
    assert list(hall.occupancy["consult"]) == [290.0, 40.0]
    v = hall.issue("consult", T0 + 500)
    hall.cancel(v.id, T0 + 510)  # cancelled while waiting: no time at a window either
    assert v not in hall.waiting() and len(hall.occupancy["consult"]) == 2


def test_a_question_settled_by_the_administrator_is_a_finished_visit_without_a_window():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.resolve(t.id, T0 + 60, admin=True)
    assert (t.state, t.outcome, t.window) == (TicketState.FINISHED, "resolved", None)
    assert hall.waiting() == []
    u = called(hall)
    refused(Conflict, "bad_state", lambda: hall.resolve(u.id, T0 + 70))  # only a waiting one


def test_recalls_are_counted_per_call_and_kept_with_the_segment():
    hall = hall_with()
    t = called(hall)
    hall.recall(t.id, T0 + 30)
    hall.recall(t.id, T0 + 60)
    hall.postpone(t.id, T0 + 90)
    assert t.segments[0].recalls == 2 and t.recalls == 0


def test_a_postponed_visitor_goes_to_the_end_of_the_same_queue_at_the_same_level():
    hall = hall_with(profile="pyatigorsk")
    hall.windows[1].level = "senior"
    t = called(hall, start=True)
    hall.escalate(t.id, T0 + 30)
    hall.call_ticket(1, t.id, T0 + 40)
    hall.start(t.id, T0 + 50)
    hall.take_pending()
    hall.postpone(t.id, T0 + 100)
    assert (t.state, t.service, t.queued_at, t.target_level) == (TicketState.WAITING, "consult", T0 + 100, "senior")
    assert t.segment.level == "senior" and t.segments[-2].outcome == "postponed"
    assert (t.called_at, t.started_at) == (None, None)
    assert hall.windows[1].ticket is None and t in hall.waiting()
    assert list(hall.recent["consult"])[-1:] != [50.0]  # a postponed service is not a service time


# --- transfers --------------------------------------------------------------------------------------------

def test_a_transfer_needs_a_service_or_a_window():
    hall = hall_with()
    t = called(hall)
    e = refused(Invalid, "transfer_target", lambda: hall.transfer(t.id, T0 + 30))
    assert e.message == "Укажите услугу или окно для перевода"
    refused(NotFound, "service_not_found", lambda: hall.transfer(t.id, T0 + 30, service="nope"))
    refused(NotFound, "window_not_found", lambda: hall.transfer(t.id, T0 + 30, window=9))
    assert t.state is TicketState.CALLED


def test_a_transfer_to_a_window_that_does_not_offer_the_service_is_refused():
    hall = hall_with(windows=2, open_=(1, 2))
    hall.windows[2].services = {"cash": 1}
    t = called(hall, start=True)
    e = refused(Invalid, "window_service", lambda: hall.transfer(t.id, T0 + 60, service="consult", window=2))
    assert e.message == "Окно 2 не оказывает эту услугу"
    assert t.state is TicketState.SERVING and hall.take_pending() == []


def test_a_transfer_to_a_window_alone_takes_the_windows_first_service_when_it_lacks_the_visitors():
    hall = hall_with(windows=2, open_=(1, 2))
    hall.windows[2].services = {"cash": 2, "both": 1}
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, window=2)
    (e,) = hall.take_pending()
    assert e["data"]["service"] == "cash" and e["data"]["target_window"] == 2
    assert (t.service, t.target_window) == ("cash", 2)
    u = called(hall, now=T0 + 100)
    hall.windows[2].services = {"cash": 2, "consult": 1}
    hall.transfer(u.id, T0 + 160, window=2)
    assert u.service == "consult"  # the window offers it: the visitor keeps their service


def test_a_transfer_to_the_window_the_visitor_is_at_is_refused():
    hall = hall_with()
    t = called(hall, start=True)
    e = refused(Conflict, "same_window", lambda: hall.transfer(t.id, T0 + 60, window=1))
    assert e.message == "Талон уже у этого окна"


def test_a_waiting_ticket_may_be_aimed_at_a_window_but_not_sent_to_its_own_service():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.take_pending()
    e = refused(Conflict, "same_service", lambda: hall.transfer(t.id, T0 + 30, service="consult", admin=True))
    assert e.message == "Талон уже ждёт эту услугу"
    hall.transfer(t.id, T0 + 30, window=1, admin=True)  # no window yet: «same window» does not apply
    assert t.target_window == 1 and t.service == "consult"
    assert (t.segments[0].outcome, t.segments[0].ended_at, len(t.segments)) == ("transferred", T0 + 30, 2)


def test_a_called_ticket_not_yet_started_may_be_transferred_and_its_window_is_free():
    hall = hall_with()
    t = called(hall)
    hall.transfer(t.id, T0 + 60, service="cash")
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "service": "cash", "target_window": None, "priority": 1}
    assert (t.state, t.service, t.queued_at, t.window) == (TicketState.WAITING, "cash", T0 + 60, 1)
    assert t.segments[0].outcome == "transferred" and t.segments[0].service_time is None
    assert hall.windows[1].ticket is None and "consult" not in hall.recent
    assert list(hall.occupancy["consult"]) == [50.0]
    assert hall.waiting() == [t] and t.segment.service == "cash" and t.segment.queued_at == T0 + 60


def test_a_transferred_visitor_goes_to_the_head_of_the_new_queue_by_default():
    hall = hall_with()
    assert hall.settings.transfer_position == "head"
    early = hall.issue("cash", T0)
    t = called(hall, now=T0 + 5, start=True)
    hall.transfer(t.id, T0 + 60, service="cash")
    assert t.priority == 1  # raised to 1: called before those who have not waited yet
    assert hall.call_next(1, T0 + 70) is t and early.state is TicketState.WAITING
    u = hall.issue("consult", T0 + 80, priority=2)
    hall.no_show(t.id, T0 + 85)
    hall.call_ticket(1, u.id, T0 + 90)
    hall.transfer(u.id, T0 + 95, service="cash")
    assert u.priority == 2  # a priority above 1 is kept, never lowered


def test_with_transfer_position_tail_a_transferred_visitor_queues_like_anyone_else():
    hall = hall_with()
    hall.settings.transfer_position = "tail"
    early = hall.issue("cash", T0)
    t = called(hall, now=T0 + 5, start=True)
    hall.transfer(t.id, T0 + 60, service="cash")
    (e,) = hall.take_pending()
    assert e["data"]["priority"] == 0 and t.priority == 0
    assert hall.call_next(1, T0 + 70) is early  # behind those already waiting


def test_a_transfer_keeps_the_visit_its_code_and_its_level():
    hall = hall_with(profile="pyatigorsk")
    hall.windows[1].level = "senior"
    t = called(hall, start=True)
    hall.escalate(t.id, T0 + 30)
    hall.call_ticket(1, t.id, T0 + 40)
    hall.start(t.id, T0 + 50)
    hall.transfer(t.id, T0 + 100, service="cash")
    assert (t.code, t.target_level, t.segment.level, t.service) == ("А-001", "senior", "senior", "cash")
    assert list(hall.recent["consult"]) == [10.0, 50.0]  # both served stretches are service times


def test_a_transfer_logs_a_new_arrival_in_the_new_queue():
    hall = hall_with()
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, service="cash")
    assert list(hall.queued_log["cash"]) == [(T0 + 60, 1)]
    assert list(hall.queued_log["consult"]) == [(T0, 0)]


# --- escalation ---------------------------------------------------------------------------------------------

def ladder_hall(levels):
    hall = hall_with(windows=len(levels), profile="pyatigorsk", open_=range(1, len(levels) + 1))
    for i, level in enumerate(levels, start=1):
        hall.windows[i].level = level
    return hall


def test_escalation_goes_one_step_up_by_default_and_straight_to_the_head_when_asked():
    hall = ladder_hall(["specialist", "senior", "head"])
    t = called(hall, start=True)
    hall.escalate(t.id, T0 + 60)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "level": "senior"}
    assert (t.target_level, t.priority, t.segment.level, t.state) == ("senior", 1, "senior", TicketState.WAITING)
    assert t.segments[0].outcome == "escalated"
    u = called(hall, now=T0 + 100, start=True)
    hall.escalate(u.id, T0 + 160, level="head", actor="op1")
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": u.id, "window": 1, "level": "head", "by": "op1"}
    assert u.target_level == "head"


def test_escalation_to_a_level_not_above_the_current_one_is_refused():
    hall = ladder_hall(["specialist", "senior", "head"])
    t = called(hall, start=True)
    for level in ("specialist", "director"):
        e = refused(Invalid, "bad_level", lambda level=level: hall.escalate(t.id, T0 + 60, level=level))
        assert e.message == "Такой ступени нет выше текущей"
    hall.escalate(t.id, T0 + 60, level="senior")
    hall.call_ticket(2, t.id, T0 + 70)
    refused(Invalid, "bad_level", lambda: hall.escalate(t.id, T0 + 80, level="senior"))
    hall.escalate(t.id, T0 + 80)
    assert t.target_level == "head"
    hall.call_ticket(3, t.id, T0 + 90)
    e = refused(Conflict, "top_level", lambda: hall.escalate(t.id, T0 + 100))
    assert e.message == "Выше передать нельзя"
    refused(Invalid, "bad_level", lambda: hall.escalate(t.id, T0 + 100, level="head"))


def test_escalation_needs_a_window_at_that_level_or_above_for_the_service():
    hall = ladder_hall(["specialist", "head"])
    t = called(hall, start=True)
    hall.escalate(t.id, T0 + 60, level="senior")  # the head's window takes a senior's visitor
    hall.call_ticket(2, t.id, T0 + 70)
    u = called(hall, now=T0 + 100)
    hall.windows[2].services = {"cash": 1}
    e = refused(Conflict, "no_senior", lambda: hall.escalate(u.id, T0 + 160))
    assert e.message == "Нет окна, где принимает старший специалист по этой услуге"
    assert u.state is TicketState.CALLED


def test_a_waiting_ticket_is_not_escalated_and_a_profile_without_a_ladder_says_so():
    hall = ladder_hall(["specialist", "senior"])
    t = hall.issue("consult", T0)
    refused(Conflict, "bad_state", lambda: hall.escalate(t.id, T0 + 1))
    flat = hall_with(profile="rosatom-2026")
    u = called(flat)
    e = refused(Conflict, "no_escalation", lambda: flat.escalate(u.id, T0 + 60))
    assert e.message == "В этом офисе нет ступеней для передачи вопроса"


def test_an_escalated_visitor_keeps_a_priority_above_one():
    hall = ladder_hall(["specialist", "senior"])
    t = hall.issue("consult", T0, priority=3)
    hall.call_ticket(1, t.id, T0 + 1)
    hall.escalate(t.id, T0 + 2)
    assert t.priority == 3


def test_the_seniors_service_norm_applies_after_escalation():
    from dataclasses import replace

    from server.domain.norms import Norm
    hall = ladder_hall(["specialist", "senior"])
    # the presets give the senior as long as the specialist; a longer one tells the two apart
    hall.profile = replace(hall.profile, escalation_norms={"senior": Norm.of(25, "002:159"),
                                                           "head": Norm.of(40, "002:165")})
    t = called(hall, start=True)
    assert hall.service_limit(t) == 15 * MIN   # pyatigorsk: consultation 10–15 min (002:153)
    hall.escalate(t.id, T0 + 60)
    assert hall.service_limit(t) == 25 * MIN   # the senior's norm from the moment of escalation
    hall.call_ticket(2, t.id, T0 + 70)
    hall.start(t.id, T0 + 80)
    assert hall.service_limit(t) == 25 * MIN
    ros = hall_with()
    v = called(ros, "cash", start=True)
    assert ros.service_limit(v) == 4 * MIN and ros.wait_limit(v) == 4 * MIN


def test_norm_lookups_for_unknown_services_and_profiles_without_norms():
    from server.domain.model import Segment, Ticket
    from server.domain.norms import PRESETS
    hall = hall_with()
    ghost = Ticket(id=99, office="t", day="2026-12-03", service="gone", letter="Я", number=1, token="x",
                   issued_at=T0, queued_at=T0)
    assert hall.wait_limit(ghost) is None
    assert hall.service_limit(ghost) == 8 * MIN  # a service no longer listed: as a consultation
    ghost.segments.append(Segment(service="gone", queued_at=T0, level="senior"))
    assert hall.service_limit(ghost) == 8 * MIN  # rosatom has no senior norm: the kind's norm
    hall.profile = PRESETS["beso-2023"]
    t = hall.issue("consult", T0)
    assert hall.wait_limit(t) is None and hall.service_limit(t) is None


def test_the_mean_service_time_is_the_recent_mean_else_the_norms_target_else_five_minutes():
    from server.domain.norms import PRESETS
    hall = hall_with()
    assert hall.mean_service_time("cash") == 240.0
    assert hall.mean_service_time("consult") == 480.0
    assert hall.mean_service_time("gone") == 300.0
    hall.profile = PRESETS["kuzbass-2020"]
    assert hall.mean_service_time("consult") == 300.0  # the lower end, 5 of 5–10 minutes
    hall.profile = PRESETS["beso-2023"]
    assert hall.mean_service_time("consult") == 300.0
    for seconds in (100.0, 200.0, 600.0):
        t = called(hall, now=T0 + seconds, start=True)
        hall.finish(t.id, T0 + seconds + 20 + seconds)
    assert hall.mean_service_time("consult") == 300.0
    t = called(hall, now=T0 + 2000, start=True)
    hall.finish(t.id, T0 + 2020 + 60)
    assert hall.mean_service_time("consult") == 240.0


# --- windows ------------------------------------------------------------------------------------------------

def test_opening_a_window_refusals_and_their_codes():
    hall = make_hall(windows=3)
    hall.open_window(1, T0, "op1")
    e = refused(Conflict, "already_open", lambda: hall.open_window(1, T0, "op1"))
    assert e.message == "Окно уже открыто"
    refused(Conflict, "already_open", lambda: hall.open_window(1, T0, "hall", admin=True))
    e = refused(Conflict, "operator_busy", lambda: hall.open_window(2, T0, "op1"))
    assert e.message == "Вы уже работаете в окне 1"
    refused(NotFound, "window_not_found", lambda: hall.open_window(9, T0, "op9"))


def test_an_operator_may_come_back_to_their_paused_window_and_take_a_closed_one_after_leaving():
    hall = make_hall(windows=3)
    hall.open_window(1, T0, "op1")
    hall.open_window(3, T0, "op3")  # someone stays open during the break
    hall.pause_window(1, "lunch", T0 + 10, actor="op1")
    e = refused(Conflict, "operator_busy", lambda: hall.open_window(2, T0 + 20, "op1"))  # paused is not left
    hall.open_window(1, T0 + 30, "op1")
    w = hall.windows[1]
    assert (w.state, w.pause_reason, w.since, w.state_since, w.operator) == (WindowState.OPEN, None, T0 + 30,
                                                                             T0 + 30, "op1")
    hall.close_window(1, T0 + 40, actor="op1")
    hall.open_window(2, T0 + 50, "op1")
    assert hall.windows[2].operator == "op1" and e.code == "operator_busy"


def test_an_administrator_opening_a_window_leaves_its_operator_in_place():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    hall.open_window(2, T0, "op2")
    hall.pause_window(1, "other", T0 + 5, actor="op1")
    hall.open_window(1, T0 + 10, "hall", admin=True)
    assert hall.windows[1].operator == "op1" and hall.windows[1].state is WindowState.OPEN


def test_pausing_refusals_and_their_codes():
    hall = hall_with(windows=3, open_=(1, 2))
    e = refused(Invalid, "bad_reason", lambda: hall.pause_window(1, "smoke", T0))
    assert e.message == "Укажите причину перерыва: обед, технический или другое"
    e = refused(Conflict, "window_not_open", lambda: hall.pause_window(3, "lunch", T0))
    assert e.message == "Перерыв возможен только у открытого окна"
    hall.pause_window(2, "technical", T0)
    assert hall.windows[2].pause_reason == "technical" and hall.windows[2].since == T0
    refused(Conflict, "window_not_open", lambda: hall.pause_window(2, "lunch", T0))
    called(hall)
    e = refused(Conflict, "window_busy", lambda: hall.pause_window(1, "lunch", T0 + 30))
    assert e.message == "Сначала завершите работу с текущим талоном"
    refused(NotFound, "window_not_found", lambda: hall.pause_window(9, "lunch", T0))


def test_closing_refusals_and_their_codes():
    hall = hall_with(windows=2, open_=(1,))
    e = refused(Conflict, "already_closed", lambda: hall.close_window(2, T0))
    assert e.message == "Окно уже закрыто"
    t = called(hall)
    e = refused(Conflict, "window_busy", lambda: hall.close_window(1, T0 + 30))
    assert e.message == "Сначала завершите работу с текущим талоном"
    hall.start(t.id, T0 + 40)
    refused(Conflict, "window_busy", lambda: hall.close_window(1, T0 + 45, force=True))  # a visitor being served
    hall.finish(t.id, T0 + 50)
    hall.close_window(1, T0 + 60)
    assert hall.windows[1].state is WindowState.CLOSED


def test_the_last_open_window_may_not_leave_waiting_visitors_unless_forced():
    hall = hall_with(windows=2, open_=(1,))
    hall.issue("consult", T0)
    e = refused(Conflict, "break_guard", lambda: hall.pause_window(1, "lunch", T0 + 5))
    assert e.details["waiting"] == 1
    refused(Conflict, "break_guard", lambda: hall.close_window(1, T0 + 5))
    hall.close_window(1, T0 + 5, force=True)
    assert hall.windows[1].state is WindowState.CLOSED


def test_a_window_alone_in_its_office_may_always_take_a_break():
    hall = hall_with(windows=1)
    hall.issue("consult", T0)
    hall.pause_window(1, "lunch", T0 + 5)
    assert hall.windows[1].state is WindowState.PAUSED


def test_open_windows_are_only_the_open_ones():
    hall = hall_with(windows=3, open_=(1, 2))
    hall.pause_window(2, "lunch", T0)
    assert [w.id for w in hall.open_windows()] == [1]


def test_events_about_windows_the_hall_does_not_have_are_ignored():
    hall = make_hall(windows=1)
    for kind in ("window.opened", "window.paused", "window.closed"):
        hall.apply({"type": kind, "at": T0, "office": "t", "day": None, "data": {"window": 9, "operator": "x"}})
    assert list(hall.windows) == [1] and hall.windows[1].state is WindowState.CLOSED


def test_a_window_opened_without_an_operator_keeps_the_one_it_had():
    hall = make_hall(windows=1)
    hall.apply({"type": "window.opened", "at": T0, "office": "t", "day": None,
                "data": {"window": 1, "operator": "op1"}})
    hall.apply({"type": "window.paused", "at": T0 + 5, "office": "t", "day": None,
                "data": {"window": 1, "reason": "lunch"}})
    hall.apply({"type": "window.opened", "at": T0 + 9, "office": "t", "day": None, "data": {"window": 1}})
    assert hall.windows[1].operator == "op1" and hall.windows[1].pause_reason is None


# --- replay -------------------------------------------------------------------------------------------------

def test_a_busy_day_replayed_from_its_log_is_the_same_hall():
    hall = make_hall(windows=2, profile="pyatigorsk")
    hall.windows[2].level = "senior"
    hall.open_window(1, T0, "op1")
    hall.open_window(2, T0, "op2")
    log = []
    a = hall.issue("consult", T0 + 1, individual=True, priority=1, source="desk")
    b = hall.issue("cash", T0 + 2)
    c = hall.issue("both", T0 + 3)
    hall.call_ticket(1, a.id, T0 + 10)
    hall.recall(a.id, T0 + 20)
    hall.start(a.id, T0 + 30)
    hall.set_phase(a.id, "upsell", T0 + 40)
    hall.escalate(a.id, T0 + 50)
    hall.call_ticket(2, a.id, T0 + 60)
    hall.start(a.id, T0 + 70)
    hall.transfer(a.id, T0 + 80, window=1)
    hall.call_ticket(1, b.id, T0 + 90)
    hall.postpone(b.id, T0 + 95)
    hall.call_ticket(1, b.id, T0 + 96)
    hall.no_show(b.id, T0 + 97)
    hall.resolve(c.id, T0 + 98)
    log += hall.take_pending()
    copy = make_hall(windows=2, profile="pyatigorsk")
    copy.windows[2].level = "senior"
    for e in log:
        copy.apply(e)
    assert {k: v.to_json() for k, v in copy.tickets.items()} == {k: v.to_json() for k, v in hall.tickets.items()}
    assert {k: [vars(s) for s in v.segments] for k, v in copy.tickets.items()} == \
        {k: [vars(s) for s in v.segments] for k, v in hall.tickets.items()}
    assert {k: w.to_json() for k, w in copy.windows.items()} == {k: w.to_json() for k, w in hall.windows.items()}
    assert [t.id for t in copy.waiting()] == [t.id for t in hall.waiting()] == [a.id]
    assert copy.recent.keys() == hall.recent.keys() and copy.day == hall.day
    assert {k: list(v) for k, v in copy.queued_log.items()} == {k: list(v) for k, v in hall.queued_log.items()}
    assert {k: list(v) for k, v in copy.occupancy.items()} == {k: list(v) for k, v in hall.occupancy.items()}
    assert a.estimate is not None and copy.tickets[a.id].estimate == a.estimate
    assert copy.tickets[a.id].target_window == 1 and copy.tickets[a.id].individual is True


# --- people ahead ---------------------------------------------------------------------------------------------

def test_a_visitor_already_called_has_nobody_ahead():
    hall = hall_with()
    hall.issue("consult", T0)
    t = hall.issue("consult", T0 + 1)
    hall.call_ticket(1, t.id, T0 + 2)
    assert hall.people_ahead(t, T0 + 3) == 0


def test_with_no_window_open_those_of_the_same_service_who_came_earlier_are_ahead():
    hall = make_hall(windows=2)
    a = hall.issue("consult", T0)
    hall.issue("cash", T0 + 1)
    b = hall.issue("consult", T0 + 2)
    c = hall.issue("consult", T0 + 3)
    assert [hall.people_ahead(t, T0 + 5) for t in (a, b, c)] == [0, 1, 2]


def test_with_no_window_for_the_service_the_individual_format_and_priority_go_first():
    hall = hall_with()
    hall.windows[1].services = {"cash": 1}
    hall.windows[2].services = {"cash": 1}
    plain = hall.issue("consult", T0)
    hall.issue("consult", T0 + 1, priority=1)
    hall.issue("consult", T0 + 2, individual=True)
    hall.issue("cash", T0 + 3, individual=True)
    late_plain = hall.issue("consult", T0 + 4)
    assert hall.people_ahead_of_new(late_plain, T0 + 5) == 3  # everyone of the service came first
    vip = hall.issue("consult", T0 + 6, individual=True)
    assert hall.people_ahead_of_new(vip, T0 + 7) == 1          # only the other individual one
    prio = hall.issue("consult", T0 + 8, priority=1)
    assert hall.people_ahead_of_new(prio, T0 + 9) == 3         # both individual ones and the other priority
    assert plain.state is TicketState.WAITING


# --- each command names itself when refused, and lets an administrator act anywhere ---------------------------

ACTIONS = {  # command → (the words it is named by, a state it is refused in, how to run it)
    "recall": ("повторный вызов", "waiting", lambda h, t, **k: h.recall(t, T0 + 50, **k)),
    "start": ("начать приём", "waiting", lambda h, t, **k: h.start(t, T0 + 50, **k)),
    "phase": ("этап обслуживания", "called", lambda h, t, **k: h.set_phase(t, "digital", T0 + 50, **k)),
    "finish": ("завершить приём", "called", lambda h, t, **k: h.finish(t, T0 + 50, **k)),
    "no_show": ("неявка", "waiting", lambda h, t, **k: h.no_show(t, T0 + 50, **k)),
    "cancel": ("отменить", "serving", lambda h, t, **k: h.cancel(t, T0 + 50, **k)),
    "resolve": ("решено администратором", "called", lambda h, t, **k: h.resolve(t, T0 + 50, **k)),
    "postpone": ("отложить", "waiting", lambda h, t, **k: h.postpone(t, T0 + 50, **k)),
    "transfer": ("перевести", "finished", lambda h, t, **k: h.transfer(t, T0 + 50, service="cash", **k)),
    "escalate": ("передать старшему", "waiting", lambda h, t, **k: h.escalate(t, T0 + 50, **k)),
}
STATE_SAID = {"waiting": "ожидает вызова", "called": "вызван к окну", "serving": "на приёме",
              "finished": "уже обслужен"}


def ticket_in(hall, state, window=2):
    t = hall.issue("consult", T0)
    if state != "waiting":
        hall.call_ticket(window, t.id, T0 + 1, admin=True)
    if state in ("serving", "finished"):
        hall.start(t.id, T0 + 2, admin=True)
    if state == "finished":
        hall.finish(t.id, T0 + 3, admin=True)
    hall.take_pending()
    return t


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_refused_in_the_wrong_state_is_named_in_its_own_words(action):
    words, state, run = ACTIONS[action]
    hall = ladder_hall(["specialist", "senior"])
    t = ticket_in(hall, state)
    e = refused(Conflict, "bad_state", lambda: run(hall, t.id, admin=True))
    assert e.message == f"Действие «{words}» невозможно: талон А-001 {STATE_SAID[state]}"
    assert hall.take_pending() == []


ALLOWED_IN = {"recall": "called", "start": "called", "phase": "serving", "finish": "serving", "no_show": "called",
              "cancel": "called", "resolve": "waiting", "postpone": "serving", "transfer": "serving",
              "escalate": "serving"}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_administrator_acts_on_a_ticket_at_another_operators_window_and_is_named(action):
    hall = ladder_hall(["specialist", "senior"])
    t = ticket_in(hall, ALLOWED_IN[action], window=2)  # window 2 is op2's
    if action != "resolve":
        refused(Forbidden, "not_your_window", lambda: ACTIONS[action][2](hall, t.id, actor="op1"))
    else:
        refused(Forbidden, "not_your_ticket", lambda: ACTIONS[action][2](hall, t.id, actor="op1"))
    ACTIONS[action][2](hall, t.id, actor="hall", admin=True)
    (e,) = hall.take_pending()
    assert e["data"]["by"] == "hall" and e["at"] == T0 + 50 and e["data"]["ticket"] == t.id


def test_a_ticket_called_out_of_turn_records_the_windows_operator_and_who_called():
    hall = hall_with(windows=2, open_=(1, 2))
    t = hall.issue("consult", T0)
    hall.take_pending()
    refused(Forbidden, "not_your_window", lambda: hall.call_ticket(2, t.id, T0 + 5, "op1"))
    hall.call_ticket(2, t.id, T0 + 5, "hall", admin=True)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 2, "operator": "op2", "by": "hall"}
    u = hall.issue("consult", T0 + 6)
    hall.take_pending()
    hall.call_ticket(1, u.id, T0 + 7, "op1")
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": u.id, "window": 1, "operator": "op1", "by": "op1"}


def test_a_resolved_visit_ends_when_the_administrator_says_so():
    hall = hall_with()
    t = hall.issue("consult", T0)
    hall.resolve(t.id, T0 + 75, admin=True)
    assert t.ended_at == T0 + 75 and t.segment.ended_at == T0 + 75 and t.segment.outcome == "resolved"


def test_time_in_each_phase_adds_up_over_returns_to_it():
    hall = hall_with()
    t = called(hall, start=True)
    hall.set_phase(t.id, "digital", T0 + 40)
    hall.set_phase(t.id, "upsell", T0 + 100)    # digital 60 s
    hall.set_phase(t.id, "digital", T0 + 130)   # upsell 30 s
    hall.set_phase(t.id, "upsell", T0 + 160)    # digital 30 s more
    assert t.segment.phases == {"digital": 90.0, "upsell": 30.0}


def test_a_floor_never_lowers_the_days_numbering_and_a_floor_of_zero_changes_nothing():
    hall = make_hall()
    for _ in range(5):
        hall.issue("consult", T0)
    hall.apply({"type": "numbering.floor", "at": T0, "office": "t", "day": "2026-12-03",
                "data": {"day": "2026-12-03", "letters": {"А": 3, "Б": 0}}})
    assert hall.issue("consult", T0).code == "А-006"
    assert hall.issue("cash", T0).code == "Б-001"
    assert hall.floors["2026-12-03"] == {"А": 3, "Б": 0}


def test_the_day_rolls_at_midnight_of_the_offices_own_zone_not_the_machines():
    from server.domain.schedule import always_open
    # Vladivostok is ten hours ahead of UTC: 05:00 there is still yesterday in UTC (the machine's
    # zone on the test servers), and must already be the office's next day
    hall = make_hall(schedule=always_open("Asia/Vladivostok"))
    hall.issue("consult", at("2026-12-03 05:00"))   # 12:00 in Vladivostok on the 3rd
    t = hall.issue("consult", at("2026-12-03 22:00"))  # 05:00 in Vladivostok on the 4th
    assert (t.day, t.code) == ("2026-12-04", "А-001")


def test_a_visitor_in_the_individual_format_or_with_priority_is_promised_a_shorter_wait():
    hall = hall_with(windows=2)
    for i in range(6):
        hall.issue("consult", T0 + i)
    plain = hall.issue("consult", T0 + 10)
    individual = hall.issue("consult", T0 + 10, individual=True)
    assert individual.estimate[1] < plain.estimate[0]


def test_ending_a_visit_frees_its_window_only_if_the_window_still_shows_it():
    hall = hall_with(windows=2, open_=(1, 2))
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, service="cash")   # t waits again; its last window was 1
    u = hall.issue("consult", T0 + 70)
    hall.call_ticket(1, u.id, T0 + 80)
    hall.cancel(t.id, T0 + 90, admin=True)
    assert hall.windows[1].ticket == u.id and hall.windows[1].state_since == T0 + 80


def test_a_ticket_keeps_where_it_came_from_and_its_flags():
    hall = hall_with()
    t = hall.issue("consult", T0, source="desk", client_type="business", individual=True, priority=1)
    assert (t.source, t.client_type, t.individual, t.priority, t.issued_at, t.queued_at) == (
        "desk", "business", True, 1, T0, T0)
    assert hall.issue("consult", T0).source == "kiosk"


def test_an_older_log_without_the_optional_fields_replays_with_their_defaults():
    hall = hall_with()
    day = "2026-12-03"
    hall.apply({"type": "day.started", "at": T0, "office": "t", "day": day, "data": {"day": day}})
    hall.apply({"type": "ticket.issued", "at": T0, "office": "t", "day": day,
                "data": {"ticket": 1, "service": "consult", "letter": "А", "number": 1, "token": "x"}})
    t = hall.tickets[1]
    assert (t.source, t.client_type, t.individual, t.priority, t.estimate) == ("kiosk", "any", False, 0, None)
    hall.apply({"type": "ticket.called", "at": T0 + 5, "office": "t", "day": day, "data": {"ticket": 1, "window": 1}})
    assert t.operator is None and t.segment.operator is None
    t.priority = 2
    hall.apply({"type": "ticket.transferred", "at": T0 + 9, "office": "t", "day": day,
                "data": {"ticket": 1, "service": "cash"}})
    assert (t.priority, t.service, t.target_window) == (2, "cash", None)
    hall.apply({"type": "ticket.finished", "at": T0 + 9, "office": "t", "day": day, "data": {"ticket": 1}})
    assert t.outcome == "finished"


def test_of_two_visitors_who_came_in_the_same_second_the_one_given_the_earlier_ticket_is_ahead():
    hall = make_hall(windows=2)  # no window open: nothing projected, the order of arrival decides
    a = hall.issue("consult", T0)
    b = hall.issue("consult", T0)
    assert (hall.people_ahead(a, T0 + 1), hall.people_ahead(b, T0 + 1)) == (0, 1)


# --- breaks: the hall is never left with no open window (001:353) ------------------------------------------------

def rota(*lines):
    from server.domain.rota import Rota
    return Rota.from_json({"breaks": [{"window": w, "start": s, "end": e, "kind": k, "day": "every"}
                                      for w, s, e, k in lines]})


def test_the_last_open_window_may_not_take_a_break_during_reception_even_with_nobody_waiting():
    hall = hall_with(windows=2, open_=(1,))
    e = refused(Conflict, "break_guard", lambda: hall.pause_window(1, "lunch", T0, actor="op1"))
    assert e.message == ("Нельзя: тогда в зале не останется ни одного открытого окна (перерывы не берут все "
                         "сразу). Сначала пусть откроется окно 2.")
    assert e.details == {"waiting": 0, "next_window": 2}
    assert hall.windows[1].state is WindowState.OPEN and hall.take_pending() == []


def test_a_window_on_a_break_is_asked_back_before_a_closed_one():
    hall = hall_with(windows=4, open_=(1, 3))
    hall.pause_window(3, "other", T0, actor="op3")
    e = refused(Conflict, "break_guard", lambda: hall.pause_window(1, "lunch", T0 + 60, actor="op1"))
    assert e.message.endswith("Сначала пусть откроется окно 3.") and e.details["next_window"] == 3


def test_the_refusal_says_which_window_comes_back_first_from_its_planned_break_and_when():
    hall = hall_with(windows=3, open_=(1, 2, 3))
    hall.rota = rota((2, "12:00", "13:00", "lunch"), (3, "11:30", "12:30", "lunch"), (1, "14:00", "14:45", "lunch"))
    hall.pause_window(3, "lunch", at("2026-12-03 11:40"), actor="op3")
    hall.pause_window(2, "lunch", at("2026-12-03 12:00"), actor="op2")
    e = refused(Conflict, "break_guard", lambda: hall.pause_window(1, "other", at("2026-12-03 12:10"), actor="op1"))
    assert e.message == ("Нельзя: тогда в зале не останется ни одного открытого окна (перерывы не берут все сразу). "
                         "Окно 3 вернётся с перерыва по графику в 12:30 — перерыв возможен после этого. "
                         "Ваш перерыв по графику: обед 14:00–14:45.")
    assert e.details == {"waiting": 0, "next_window": 3}


def test_a_windows_own_planned_break_give_or_take_ten_minutes_is_allowed_and_recorded():
    hall = hall_with(windows=2, open_=(1,))
    hall.rota = rota((1, "12:00", "12:45", "lunch"))
    refused(Conflict, "break_guard", lambda: hall.pause_window(1, "lunch", at("2026-12-03 11:49"), actor="op1"))
    hall.pause_window(1, "lunch", at("2026-12-03 11:51"), actor="op1")
    (e,) = hall.take_pending()
    assert e["data"] == {"window": 1, "reason": "lunch", "planned": {"start": "12:00", "end": "12:45", "kind": "lunch"},
                         "by": "op1"}


def test_out_of_reception_hours_the_last_window_may_take_a_break():
    from server.domain.schedule import Schedule
    sched = Schedule.from_json({"tz": "Europe/Moscow", "week": {"thu": {"open": "09:00", "close": "18:00"}}})
    hall = make_hall(windows=2, schedule=sched)
    hall.open_window(1, at("2026-12-03 18:30"), "op1")
    hall.pause_window(1, "other", at("2026-12-03 18:40"), actor="op1")
    assert hall.windows[1].state is WindowState.PAUSED


def test_only_an_administrator_may_allow_a_break_against_the_rota_and_the_event_says_so():
    hall = hall_with(windows=2, open_=(1,))
    hall.issue("consult", T0)
    e = refused(Forbidden, "override_forbidden",
                lambda: hall.pause_window(1, "lunch", T0 + 5, actor="op1", override=True))
    assert e.message == "Разрешить перерыв вопреки графику может только администратор" and e.status == 403
    hall.take_pending()
    hall.pause_window(1, "lunch", T0 + 5, actor="hall", admin=True, override=True)
    (ev,) = hall.take_pending()
    assert ev["data"] == {"window": 1, "reason": "lunch", "override": True, "by": "hall"}


def test_a_window_closed_by_force_hands_its_called_visitor_back_to_the_queue():
    hall = hall_with(windows=2, open_=(1, 2))
    t = called(hall)
    refused(Conflict, "window_busy", lambda: hall.close_window(1, T0 + 30))
    hall.close_window(1, T0 + 30, force=True, actor="op1")
    (e,) = hall.take_pending()
    assert e["data"] == {"window": 1, "reason": "closed", "ticket": t.id, "returned": True, "by": "op1"}
    assert t.state is TicketState.WAITING and t in hall.waiting() and hall.windows[1].ticket is None
    hall.close_window(2, T0 + 40, force=True)
    (e,) = hall.take_pending()
    assert e["data"] == {"window": 2, "reason": "closed"}  # nobody called there: nothing handed back


def test_a_break_refused_for_waiting_visitors_says_it_is_put_off_and_a_closing_does_not():
    hall = hall_with(windows=2, open_=(1, 2))
    hall.windows[2].services = {"consult": 1}
    hall.issue("cash", T0)
    e = refused(Conflict, "break_guard", lambda: hall.pause_window(1, "lunch", T0 + 5, actor="op1"))
    assert e.message == ("Нельзя: ждущих по услуге «Оплата» больше никто не примет. "
                         "Перерыв отложен до освобождения очереди")
    assert e.details == {"waiting": 1}
    e = refused(Conflict, "break_guard", lambda: hall.close_window(1, T0 + 5, actor="op1"))
    assert e.message == "Нельзя: ждущих по услуге «Оплата» больше никто не примет"


def test_the_hall_refuses_an_event_type_the_catalogue_does_not_declare_and_skips_a_declared_other_one():
    # issue 15 point 3: an unknown type is an error, not silently ignored; a declared non-queue
    # type (a device's heartbeat) is skipped on purpose and leaves the hall as it was
    from server.domain.events import UnknownEvent
    hall = make_hall(windows=1)
    hall.issue("consult", T0)
    before = (dict(hall.tickets), dict(hall.counters), hall.day)
    e = refused(Invalid, "unknown_event", lambda: hall.apply(
        {"type": "ticket.teleported", "at": T0, "office": hall.office, "day": hall.day, "data": {"ticket": 1}}))
    assert isinstance(e, UnknownEvent) and isinstance(e, KeyError)
    assert e.message == "Неизвестный тип события «ticket.teleported»" == str(e)
    hall.apply({"type": "device.status", "at": T0, "office": hall.office, "day": hall.day,
                "data": {"device": "1", "printer": {"state": "ok"}}})
    assert (dict(hall.tickets), dict(hall.counters), hall.day) == before


# --- transfers to a service no window takes (issue 13 point 2), pinned for mutation testing (issue 20) ---

def hall_of_two_desks():
    """Window 1 (open) serves consultations only; window 2 (closed) is the cash desk."""
    hall = hall_with(windows=2, open_=(1,))
    hall.windows[1].services = {"consult": 1}
    hall.windows[2].services = {"cash": 1}
    return hall


def test_a_transfer_to_a_service_whose_only_window_is_closed_is_refused_with_the_service_named():
    hall = hall_of_two_desks()
    t = called(hall, start=True)
    e = refused(Conflict, "no_window_for_service", lambda: hall.transfer(t.id, T0 + 60, service="cash", actor="op1"))
    assert e.message == ("Сейчас ни одно окно не принимает по услуге «Оплата», поэтому перевод не выполнен. "
                         "Администратор зала может оставить посетителя ждать, пока окно откроется")
    assert e.details == {"service": "cash"}
    assert (t.state, t.service, t.window) == (TicketState.SERVING, "consult", 1) and hall.take_pending() == []


def test_a_window_on_a_break_that_takes_the_service_is_enough_for_a_transfer():
    hall = hall_of_two_desks()
    hall.windows[2].state = WindowState.PAUSED
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, service="cash", actor="op1")
    (e,) = hall.take_pending()
    assert e["type"] == "ticket.transferred" and e["data"]["service"] == "cash" and "hold" not in e["data"]


def test_an_open_window_that_takes_the_service_is_enough_even_the_visitors_own():
    hall = hall_with(windows=2, open_=(1,))
    hall.windows[2].services = {"cash": 1}
    t = called(hall, start=True)  # window 1 serves every service, window 2 is closed
    hall.transfer(t.id, T0 + 60, service="cash", actor="op1")
    assert t.service == "cash" and t.state is TicketState.WAITING


def test_a_window_that_lists_a_service_with_weight_zero_does_not_take_it():
    hall = hall_of_two_desks()
    hall.windows[1].services = {"consult": 1, "cash": 0}
    t = called(hall, start=True)
    refused(Conflict, "no_window_for_service", lambda: hall.transfer(t.id, T0 + 60, service="cash"))


def test_an_administrator_may_hold_the_visitor_for_a_closed_window_and_the_event_says_so():
    hall = hall_of_two_desks()
    t = called(hall, start=True)
    refused(Conflict, "no_window_for_service",
            lambda: hall.transfer(t.id, T0 + 60, service="cash", actor="hall", admin=True))  # no hold asked
    hall.transfer(t.id, T0 + 60, service="cash", actor="hall", admin=True, hold=True)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "service": "cash", "target_window": None, "priority": 1,
                         "hold": True, "by": "hall"}
    assert (t.state, t.service) == (TicketState.WAITING, "cash")


def test_an_operator_may_not_hold_a_visitor_even_where_a_window_is_open():
    hall = hall_with(windows=2, open_=(1,))
    t = called(hall, start=True)
    e = refused(Forbidden, "hold_forbidden",
                lambda: hall.transfer(t.id, T0 + 60, service="cash", actor="op1", hold=True))
    assert e.message == "Оставить посетителя ждать закрытое окно может только администратор зала"
    assert t.state is TicketState.SERVING and hall.take_pending() == []


def test_a_hold_without_a_person_acting_is_kept_as_asked():
    hall = hall_of_two_desks()
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, service="cash", hold=True)  # the simulator, a replayed script
    (e,) = hall.take_pending()
    assert e["data"]["hold"] is True and "by" not in e["data"]


def test_a_transfer_to_a_chosen_window_is_not_refused_for_being_closed():
    hall = hall_of_two_desks()
    t = called(hall, start=True)
    hall.transfer(t.id, T0 + 60, window=2, actor="op1")
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": 1, "service": "cash", "target_window": 2, "priority": 1,
                         "by": "op1"}
    u = called(hall, now=T0 + 100, start=True)
    hall.transfer(u.id, T0 + 160, service="cash", window=2)
    assert (u.service, u.target_window) == ("cash", 2)


def test_a_waiting_visitor_may_be_sent_on_to_another_service_with_a_window():
    hall = hall_with(windows=2, open_=(1,))
    t = hall.issue("consult", T0)
    hall.take_pending()
    hall.transfer(t.id, T0 + 30, service="cash", actor="hall", admin=True)
    (e,) = hall.take_pending()
    assert e["data"] == {"ticket": t.id, "window": None, "service": "cash", "target_window": None,
                         "priority": 1, "by": "hall"}


# --- the day's roll and the issued ticket, found by mutation testing (issue 20) ---------------------------

def test_every_event_of_the_days_roll_carries_the_moment_of_the_roll():
    hall = hall_with(windows=2, open_=(1, 2))
    hall.issue("consult", T0)
    hall.take_pending()
    next_day = at("2026-12-04 09:00")
    hall.roll_day(next_day)
    got = hall.take_pending()
    assert [e["type"] for e in got] == ["ticket.expired", "window.closed", "window.closed", "day.started"]
    assert [e["at"] for e in got] == [next_day] * 4
    assert all(w.state is WindowState.CLOSED for w in hall.windows.values())


def test_an_issued_ticket_belongs_to_the_hall_s_office_also_when_replayed():
    hall = hall_with()
    t = hall.issue("consult", T0)
    events = hall.take_pending()
    assert t.office == "t"
    again = make_hall()
    for e in events:
        again.apply(e)
    assert again.tickets[t.id].office == "t"


def test_the_days_numbering_never_goes_back_when_an_earlier_ticket_is_read_after_a_later_one():
    hall = hall_with()
    later = hall.issue("consult", T0)
    hall.issue("consult", T0 + 1)
    hall.issue("consult", T0 + 2)
    events = [e for e in hall.take_pending() if e["type"] == "ticket.issued"]
    again = hall_with()
    for e in [events[2], events[0]]:  # А-003 read back before А-001 (two kiosks writing at once)
        again.apply(e)
    assert again.counters["А"] == 3 and later.code == "А-001"
    assert again.issue("consult", T0 + 5).code == "А-004"


# --- issuing: the director's reception, a service's own closing, the token (issue 20, second pass) ------

RECEPTION = {"reception": {"service": "consult", "days": ["mon", "wed"], "from": "15:00", "to": "17:00"}}


def test_the_directors_reception_gives_walk_in_tickets_only_in_its_own_hours():
    hall = hall_with()
    hall.settings.booking = RECEPTION
    e = refused(Conflict, "service_closed", lambda: hall.issue("consult", T0))  # a Thursday
    assert e.message == "Приём руководителя ведётся по расписанию: пн, ср 15:00–17:00"
    assert e.details == {"opens_at": "2026-12-07T15:00:00+03:00"}  # Monday
    assert hall.take_pending() == []
    assert hall.issue("cash", T0).service == "cash"  # other services as usual
    assert hall.issue("consult", at("2026-12-09 15:30")).service == "consult"  # Wednesday, in its hours


def test_a_booked_visitor_or_an_issue_outside_hours_is_not_held_to_the_reception_hours():
    hall = hall_with()
    hall.settings.booking = RECEPTION
    t = hall.issue("consult", T0, appointment="Д-001", appointment_at=T0 + 600)
    assert t.appointment == "Д-001"
    assert hall.issue("consult", T0 + 1, check_hours=False).service == "consult"


def test_a_service_closed_for_the_day_says_it_opens_tomorrow_not_after_the_offices_lunch():
    from server.domain.model import Service
    from server.domain.schedule import Schedule, weekdays
    hall = hall_with(schedule=Schedule(week=weekdays("08:00", "18:00", ("12:00", "13:00"))),
                     services=[Service("consult", "А", "Консультация", kind="consultation"),
                               Service("cash", "Б", "Оплата", kind="cash", until=at_time("12:30"))])
    e = refused(Conflict, "office_closed", lambda: hall.issue("cash", at("2026-12-03 12:45")))
    assert e.details == {"opens_at": "2026-12-04T08:00:00+03:00"}


def at_time(hhmm):
    from server.domain.schedule import parse_hhmm
    return parse_hhmm(hhmm)


def test_a_tickets_token_is_sixteen_random_bytes_in_url_safe_text():
    hall = hall_with()
    a, b = hall.issue("consult", T0), hall.issue("consult", T0 + 1)
    assert len(a.token) == len(b.token) == 22 and a.token != b.token
    assert hall.issue("consult", T0 + 2, token="given").token == "given"


def test_the_printed_promise_of_a_transfer_priority_ticket_counts_its_priority():
    hall = hall_with()
    for i in range(6):
        hall.issue("consult", T0 + i)
    plain = hall.issue("consult", T0 + 10)
    first = hall.issue("consult", T0 + 11, priority=1)
    assert first.estimate[1] < plain.estimate[1]


def test_a_visitor_handed_back_by_a_forced_close_is_as_if_never_called():
    hall = hall_with(windows=2, open_=(1, 2))
    t = called(hall)
    hall.recall(t.id, T0 + 20, actor="op1")
    assert t.recalls == 1
    hall.close_window(1, T0 + 30, force=True, actor="op1")
    assert (t.window, t.operator, t.called_at, t.recalls) == (None, None, None, 0)
    assert (t.segment.window, t.segment.operator, t.segment.called_at) == (None, None, None)
    again = hall_with(windows=2, open_=(1, 2))
    u = called(again, window=2)
    again.apply({"type": "window.closed", "at": T0 + 30, "office": "t", "day": again.day,
                 "data": {"window": 2, "reason": "closed", "ticket": u.id}})  # no «returned»: not handed back
    assert again.windows[2].state is WindowState.CLOSED and u.state is TicketState.CALLED and u.window == 2
