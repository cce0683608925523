"""The ticket's life in the pure core: every transition, every refusal, numbering, transfers."""
import pytest
from core_support import at, make_hall

from server.domain.model import Conflict, Forbidden, Invalid, TicketState, WindowState
from server.domain.schedule import Schedule

T0 = at("2026-11-23 10:00")


def opened(hall, *windows, now=T0):
    for w in windows:
        hall.open_window(w, now)
    return hall


def test_whole_life_issue_call_recall_start_phases_finish():
    hall = opened(make_hall(), 1)
    t = hall.issue("consult", T0)
    assert (t.code, t.state) == ("А-001", TicketState.WAITING)
    assert hall.call_next(1, T0 + 60) is t and t.state is TicketState.CALLED
    hall.recall(t.id, T0 + 90)
    hall.recall(t.id, T0 + 120)
    assert t.recalls == 2
    hall.start(t.id, T0 + 150)
    hall.set_phase(t.id, "digital", T0 + 300)
    hall.set_phase(t.id, "upsell", T0 + 420)
    hall.set_phase(t.id, None, T0 + 480)
    hall.finish(t.id, T0 + 600, outcome="consulted")
    assert t.state is TicketState.FINISHED and t.outcome == "consulted"
    seg = t.segment
    assert (seg.wait, seg.service_time, seg.recalls) == (60, 450, 2)
    assert seg.phases == {"digital": 120, "upsell": 60}
    assert hall.windows[1].ticket is None


@pytest.mark.parametrize("state", ["waiting", "called", "serving", "finished", "no_show", "cancelled"])
def test_every_action_refused_in_wrong_state_changes_nothing(state):
    hall = opened(make_hall(), 1)
    t = hall.issue("consult", T0)
    if state != "waiting":
        hall.call_next(1, T0 + 1)
    if state == "serving":
        hall.start(t.id, T0 + 2)
    if state == "finished":
        hall.start(t.id, T0 + 2)
        hall.finish(t.id, T0 + 3)
    if state == "no_show":
        hall.no_show(t.id, T0 + 3)
    if state == "cancelled":
        hall.cancel(t.id, T0 + 3)
    hall.take_pending()
    allowed = {
        "waiting": {"cancel", "transfer", "resolve"},
        "called": {"recall", "start", "no_show", "cancel", "transfer", "postpone"},
        "serving": {"finish", "phase", "transfer", "postpone"},
        "finished": set(), "no_show": set(), "cancelled": set(),
    }[state]
    actions = {
        "recall": lambda: hall.recall(t.id, T0 + 9),
        "start": lambda: hall.start(t.id, T0 + 9),
        "finish": lambda: hall.finish(t.id, T0 + 9),
        "no_show": lambda: hall.no_show(t.id, T0 + 9),
        "cancel": lambda: hall.cancel(t.id, T0 + 9),
        "phase": lambda: hall.set_phase(t.id, "digital", T0 + 9),
        "postpone": lambda: hall.postpone(t.id, T0 + 9),
        "resolve": lambda: hall.resolve(t.id, T0 + 9),
        "transfer": lambda: hall.transfer(t.id, T0 + 9, service="cash"),
    }
    for name, run in actions.items():
        if name in allowed:
            continue
        before = (t.state, t.recalls, len(t.segments), t.phase)
        with pytest.raises(Conflict):
            run()
        assert (t.state, t.recalls, len(t.segments), t.phase) == before
        assert hall.take_pending() == []


def test_transfer_keeps_code_and_visit_and_goes_to_head_of_new_queue():
    hall = opened(make_hall(policy="fifo"), 1)
    waiting_cash = hall.issue("cash", T0)
    t = hall.issue("consult", T0 + 10)
    hall.call_ticket(1, t.id, T0 + 20)
    hall.start(t.id, T0 + 30)
    hall.transfer(t.id, T0 + 300, service="cash")
    assert t.code == "А-001" and t.state is TicketState.WAITING and t.service == "cash"
    assert [s.outcome for s in t.segments] == ["transferred", None]
    assert t.segments[0].service_time == 270
    # the transferred visitor already waited once: called before the earlier cash ticket
    assert hall.call_next(1, T0 + 310) is t
    assert waiting_cash.state is TicketState.WAITING


def test_transfer_to_a_window_only_that_window_calls_it():
    hall = opened(make_hall(policy="fifo"), 1, 2)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 1)
    hall.start(t.id, T0 + 2)
    hall.transfer(t.id, T0 + 60, window=2)
    assert hall.call_next(1, T0 + 61) is None
    assert hall.call_next(2, T0 + 62) is t


def test_escalation_follows_the_ladder_of_the_profile():
    hall = make_hall(profile="pyatigorsk", windows=3)
    hall.windows[3].level = "senior"
    opened(hall, 1, 2, 3)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 1)
    hall.start(t.id, T0 + 2)
    hall.escalate(t.id, T0 + 60)
    assert t.target_level == "senior" and t.state is TicketState.WAITING
    assert hall.call_next(2, T0 + 61) is None  # a specialist window can not take it
    assert hall.call_next(3, T0 + 62) is t
    hall.start(t.id, T0 + 63)
    with pytest.raises(Conflict):  # no head window in this hall
        hall.escalate(t.id, T0 + 64)


def test_escalation_refused_without_a_ladder():
    hall = opened(make_hall(profile="rosatom-2026"), 1)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 1)
    with pytest.raises(Conflict) as e:
        hall.escalate(t.id, T0 + 2)
    assert e.value.code == "no_escalation"


def test_postpone_sends_the_visitor_to_the_end():
    hall = opened(make_hall(policy="fifo"), 1)
    a = hall.issue("consult", T0)
    b = hall.issue("consult", T0 + 1)
    hall.call_next(1, T0 + 2)
    hall.postpone(a.id, T0 + 30)
    assert hall.call_next(1, T0 + 31) is b


def test_numbering_per_service_from_one_each_day_no_gaps_across_midnight():
    hall = opened(make_hall(), 1)
    codes = [hall.issue(s, at("2026-11-23 23:50")).code for s in ("consult", "consult", "cash", "consult")]
    assert codes == ["А-001", "А-002", "Б-001", "А-003"]
    hall.cancel(hall.tickets[2].id, at("2026-11-23 23:51"))  # a cancelled number is never reused
    assert hall.issue("consult", at("2026-11-23 23:55")).code == "А-004"
    after_midnight = hall.issue("consult", at("2026-11-24 00:01"))
    assert after_midnight.code == "А-001" and after_midnight.day == "2026-11-24"
    assert all(t.day == "2026-11-24" for t in hall.tickets.values())  # yesterday's are ended
    assert hall.windows[1].state is WindowState.CLOSED  # windows close at the day's end


def test_replay_of_the_log_rebuilds_the_same_hall():
    hall = opened(make_hall(), 1, 2)
    events = list(hall.take_pending())
    for i in range(5):
        hall.issue("consult" if i % 2 else "cash", T0 + i)
    t = hall.call_next(1, T0 + 10)
    hall.start(t.id, T0 + 20)
    hall.transfer(t.id, T0 + 30, service="both")
    events += hall.take_pending()
    copy = make_hall()
    for e in events:
        copy.apply(e)
    assert {k: v.to_json() for k, v in copy.tickets.items()} == {k: v.to_json() for k, v in hall.tickets.items()}
    assert copy.counters == hall.counters
    assert copy.issue("cash", T0 + 40).code == hall.issue("cash", T0 + 40).code


def test_closed_office_issues_nothing_and_says_when_it_opens():
    sched = Schedule.from_json({"tz": "Europe/Moscow", "week": {
        d: {"open": "08:00", "close": "17:00", "break": ["12:00", "13:00"]}
        for d in ("mon", "tue", "wed", "thu", "fri")}})
    hall = make_hall(schedule=sched)
    for when, opens in [("2026-11-23 07:30", "2026-11-23T08:00:00+03:00"),
                        ("2026-11-23 12:10", "2026-11-23T13:00:00+03:00"),
                        ("2026-11-27 17:00", "2026-11-30T08:00:00+03:00")]:  # Friday evening → Monday
        with pytest.raises(Conflict) as e:
            hall.issue("consult", at(when))
        assert e.value.code == "office_closed" and e.value.details["opens_at"] == opens
    assert not [t for t in hall.tickets.values()]
    assert hall.issue("consult", at("2026-11-23 08:00")).code == "А-001"


def test_service_closing_earlier_than_the_office():
    from datetime import time
    sched = Schedule.from_json({"tz": "Europe/Moscow", "week": {"mon": {"open": "08:00", "close": "20:00"}}})
    hall = make_hall(schedule=sched)
    hall.services["cash"].until = time(18, 0)
    assert hall.issue("consult", at("2026-11-23 19:00"))
    with pytest.raises(Conflict):
        hall.issue("cash", at("2026-11-23 19:00"))


def test_client_type_must_fit_the_service():
    hall = make_hall()
    hall.services["consult"].client_type = "individual"
    with pytest.raises(Invalid):
        hall.issue("consult", T0, client_type="business")
    assert hall.issue("consult", T0, client_type="individual")


def test_window_taken_by_one_operator_at_a_time():
    hall = make_hall()
    hall.open_window(1, T0, operator="op1")
    with pytest.raises(Forbidden):  # another operator's window: 403 not_your_window (issue 12)
        hall.open_window(1, T0, operator="op2")
    with pytest.raises(Conflict):
        hall.open_window(2, T0, operator="op1")  # one operator, one window
