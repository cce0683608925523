"""Who may act: an operator only at their own window and on the ticket called to it; an
administrator at any window, named in the event as ``by`` (the pure core, no I/O)."""
import pytest
from core_support import at, make_hall

from server.domain.model import Conflict, Forbidden, TicketState

T0 = at("2026-11-23 10:00")


def two_windows():
    """Window 1 held by op1, window 2 by op2, each with a called ticket; one more waiting."""
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    hall.open_window(2, T0, "op2")
    a = hall.issue("consult", T0)
    b = hall.issue("consult", T0)
    hall.issue("consult", T0)
    hall.call_ticket(1, a.id, T0 + 1, "op1")
    hall.call_ticket(2, b.id, T0 + 1, "op2")
    return hall, a, b


def refused(fn, code):
    with pytest.raises(Forbidden) as e:
        fn()
    assert e.value.status == 403 and e.value.code == code
    return e.value


TICKET_ACTIONS = {
    "recall": lambda h, t, **w: h.recall(t, T0 + 5, **w),
    "start": lambda h, t, **w: h.start(t, T0 + 5, **w),
    "no_show": lambda h, t, **w: h.no_show(t, T0 + 5, **w),
    "cancel": lambda h, t, **w: h.cancel(t, T0 + 5, **w),
    "postpone": lambda h, t, **w: h.postpone(t, T0 + 5, **w),
    "transfer": lambda h, t, **w: h.transfer(t, T0 + 5, service="cash", **w),
}
SERVING_ACTIONS = {
    "phase": lambda h, t, **w: h.set_phase(t, "digital", T0 + 5, **w),
    "finish": lambda h, t, **w: h.finish(t, T0 + 5, **w),
    "postpone": lambda h, t, **w: h.postpone(t, T0 + 5, **w),
    "transfer": lambda h, t, **w: h.transfer(t, T0 + 5, window=1, **w),
}


@pytest.mark.parametrize("action", sorted(TICKET_ACTIONS))
def test_an_operator_may_not_touch_the_ticket_called_to_another_window(action):
    hall, a, b = two_windows()
    before = hall.tickets[b.id].state, hall.tickets[b.id].recalls
    refused(lambda: TICKET_ACTIONS[action](hall, b.id, actor="op1"), "not_your_window")
    assert (hall.tickets[b.id].state, hall.tickets[b.id].recalls) == before
    assert hall.take_pending()[-1]["type"] == "ticket.called"  # nothing emitted by the refusal
    TICKET_ACTIONS[action](hall, a.id, actor="op1")  # their own: allowed


@pytest.mark.parametrize("action", sorted(SERVING_ACTIONS))
def test_nor_the_ticket_served_at_another_window(action):
    hall, a, b = two_windows()
    hall.start(b.id, T0 + 2, actor="op2")
    err = refused(lambda: SERVING_ACTIONS[action](hall, b.id, actor="op1"), "not_your_window")
    assert "Окно 2" in err.message and err.details["window"] == 2
    assert hall.tickets[b.id].state is TicketState.SERVING


def test_escalate_is_refused_at_another_window():
    hall, a, b = two_windows()
    refused(lambda: hall.escalate(b.id, T0 + 5, actor="op1"), "not_your_window")


def test_window_commands_at_another_operators_window():
    hall, a, b = two_windows()
    refused(lambda: hall.call_next(2, T0 + 5, "op1"), "not_your_window")
    refused(lambda: hall.call_ticket(2, 3, T0 + 5, "op1"), "not_your_window")
    refused(lambda: hall.pause_window(2, "lunch", T0 + 5, actor="op1"), "not_your_window")
    refused(lambda: hall.close_window(2, T0 + 5, actor="op1"), "not_your_window")
    refused(lambda: hall.open_window(2, T0 + 5, "op1"), "not_your_window")
    assert hall.windows[2].operator == "op2"


def test_call_next_at_another_operators_free_window_is_403_not_409():
    hall = make_hall(windows=2)
    hall.open_window(2, T0, "op2")
    hall.issue("consult", T0)
    refused(lambda: hall.call_next(2, T0 + 1, "op1"), "not_your_window")
    assert hall.call_next(2, T0 + 1, "op2") is not None


def test_a_paused_window_is_still_its_operators():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    hall.open_window(2, T0, "op2")
    hall.pause_window(2, "lunch", T0 + 1, actor="op2")
    refused(lambda: hall.open_window(2, T0 + 2, "op1"), "not_your_window")  # no taking over a break
    refused(lambda: hall.close_window(2, T0 + 2, actor="op1"), "not_your_window")
    hall.open_window(2, T0 + 3, "op2")


def test_a_closed_window_is_free_to_take():
    hall = make_hall(windows=2)
    hall.open_window(2, T0, "op2")
    hall.close_window(2, T0 + 1, actor="op2")
    hall.open_window(2, T0 + 2, "op1")
    assert hall.windows[2].operator == "op1"


def test_one_operator_one_window_is_still_a_conflict():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    with pytest.raises(Conflict) as e:
        hall.open_window(2, T0, "op1")
    assert e.value.code == "operator_busy"


def test_a_waiting_ticket_is_the_administrators():
    hall, a, b = two_windows()
    waiting = hall.waiting()[0]
    refused(lambda: hall.cancel(waiting.id, T0 + 5, actor="op1"), "not_your_ticket")
    refused(lambda: hall.transfer(waiting.id, T0 + 5, service="cash", actor="op1"), "not_your_ticket")
    hall.cancel(waiting.id, T0 + 5, actor="hall", admin=True)
    assert hall.tickets[waiting.id].state is TicketState.CANCELLED


def test_an_administrator_acts_anywhere_and_is_named_in_the_event():
    hall, a, b = two_windows()
    hall.take_pending()
    hall.recall(b.id, T0 + 5, actor="hall", admin=True)
    hall.start(b.id, T0 + 6, actor="hall", admin=True)
    hall.set_phase(b.id, "digital", T0 + 7, actor="hall", admin=True)
    hall.finish(b.id, T0 + 8, actor="hall", admin=True)
    hall.call_next(2, T0 + 9, "hall", admin=True)
    events = hall.take_pending()
    assert [e["data"]["by"] for e in events] == ["hall"] * 5
    called = events[-1]
    assert called["type"] == "ticket.called" and called["data"]["operator"] == "op2"  # served by the window's own
    hall.no_show(called["data"]["ticket"], T0 + 10, actor="hall", admin=True)
    hall.pause_window(2, "lunch", T0 + 11, actor="hall", admin=True)
    hall.open_window(2, T0 + 12, "hall", admin=True)
    opened = hall.take_pending()[-1]
    assert opened["type"] == "window.opened" and opened["data"] == {"window": 2, "operator": "op2", "by": "hall"}
    assert hall.windows[2].operator == "op2"  # the administrator did not sit down at it
    hall.close_window(2, T0 + 13, actor="hall", admin=True)


def test_an_operators_own_actions_name_them():
    hall, a, b = two_windows()
    hall.take_pending()
    hall.start(a.id, T0 + 2, actor="op1")
    hall.finish(a.id, T0 + 3, actor="op1")
    assert [e["data"]["by"] for e in hall.take_pending()] == ["op1", "op1"]


def test_without_an_actor_nothing_is_checked_and_the_events_are_as_before():
    """The simulator and the sample day drive the core with no person acting."""
    hall, a, b = two_windows()
    hall.take_pending()
    hall.start(b.id, T0 + 2)
    hall.finish(b.id, T0 + 3)
    assert all("by" not in e["data"] for e in hall.take_pending())


def test_a_window_without_an_operator_is_nobodys():
    """Opened by an administrator for nobody in particular: an operator may call there."""
    hall = make_hall(windows=1)
    hall.open_window(1, T0, "hall", admin=True)
    hall.issue("consult", T0)
    t = hall.call_next(1, T0 + 1, "op1")
    hall.start(t.id, T0 + 2, actor="op1")
