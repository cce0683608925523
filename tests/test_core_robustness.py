"""Robustness of the core and the simulator (issue 13, point 6).

- a transfer to a topic (or a window) that no window open or on a break can take is refused with
  a Russian message (``no_window_for_service``), unless an administrator holds it;
- a window closed by force hands its called ticket back to the queue, at its own place;
- service running past midnight, and a day with every window closed, never crash the simulator.
Pure-core tests, the simulator on the core, and the same rules through a real hub over HTTP.
"""
import pytest
from core_support import make_hall

from hub_client import HubError
from server.domain.model import Conflict, Forbidden, TicketState, WindowState
from server.simulation import engine, report
from server.simulation import scenario as S

T0 = 1_790_000_000.0


def cash_only_at_2():
    """Window 1 takes consultations, window 2 (closed) is the only cash desk."""
    hall = make_hall(policy="fifo")
    hall.windows[1].services = {"consult": 1, "both": 1}
    hall.windows[2].services = {"cash": 1}
    hall.open_window(1, T0)
    return hall


# ---------------------------------------------------------------------- transfers

def test_transfer_to_a_service_no_window_takes_is_refused_in_russian_and_nothing_changes():
    hall = cash_only_at_2()
    t = hall.issue("consult", T0 + 1)
    hall.call_next(1, T0 + 2)
    hall.start(t.id, T0 + 3)
    hall.take_pending()
    with pytest.raises(Conflict) as e:
        hall.transfer(t.id, T0 + 60, service="cash", actor="op1")
    assert e.value.code == "no_window_for_service"
    assert "ни одно окно не принимает" in str(e.value) and "«Оплата»" in str(e.value)
    assert "Администратор зала может оставить" in str(e.value)
    assert t.state is TicketState.SERVING and t.service == "consult" and len(t.segments) == 1
    assert hall.take_pending() == []
    # a window on a break still counts: it comes back
    hall.open_window(2, T0 + 70)
    hall.pause_window(2, "technical", T0 + 71)
    hall.transfer(t.id, T0 + 72, service="cash", actor="op1")
    assert t.state is TicketState.WAITING and t.service == "cash"


def test_transfer_to_a_chosen_window_is_left_to_whoever_chose_it():
    hall = make_hall(policy="fifo")
    hall.open_window(1, T0)
    t = hall.issue("consult", T0 + 1)
    hall.call_next(1, T0 + 2)
    hall.transfer(t.id, T0 + 3, window=2)  # window 2 is closed: the administrator sends them there anyway
    assert t.state is TicketState.WAITING and t.target_window == 2


def test_an_administrator_may_hold_the_visitor_and_an_operator_may_not():
    hall = cash_only_at_2()
    t = hall.issue("consult", T0 + 1)
    hall.call_next(1, T0 + 2)
    hall.start(t.id, T0 + 3)
    hall.take_pending()
    with pytest.raises(Forbidden) as e:
        hall.transfer(t.id, T0 + 60, service="cash", actor="op1", hold=True)
    assert e.value.code == "hold_forbidden"
    hall.transfer(t.id, T0 + 61, service="cash", actor="admin", admin=True, hold=True)
    event = hall.take_pending()[-1]
    assert event["type"] == "ticket.transferred" and event["data"]["hold"] is True
    assert t.state is TicketState.WAITING and t.service == "cash"
    hall.open_window(2, T0 + 120)
    assert hall.call_next(2, T0 + 121) is t


# ---------------------------------------------------------------------- closing by force

def test_a_window_closed_by_force_hands_back_its_called_ticket_at_its_place():
    hall = make_hall(policy="fifo")
    hall.open_window(1, T0)
    first = hall.issue("consult", T0 + 10)
    later = hall.issue("consult", T0 + 20)
    assert hall.call_next(1, T0 + 30) is first
    hall.recall(first.id, T0 + 40)
    with pytest.raises(Conflict) as e:  # without force: finish first
        hall.close_window(1, T0 + 50)
    assert e.value.code == "window_busy"
    hall.take_pending()
    hall.close_window(1, T0 + 60, force=True, actor="admin", admin=True)
    events = hall.take_pending()
    assert [e["type"] for e in events] == ["window.closed"]
    assert events[0]["data"]["ticket"] == first.id and events[0]["data"]["returned"] is True
    assert first.state is TicketState.WAITING and first.window is None and first.called_at is None
    assert first.queued_at == T0 + 10 and first.recalls == 0 and first.segment.called_at is None
    assert hall.windows[1].state is WindowState.CLOSED and hall.windows[1].ticket is None
    assert [t.id for t in hall.waiting()] == [first.id, later.id]
    hall.open_window(2, T0 + 70)
    assert hall.call_next(2, T0 + 71) is first  # at its own place: before the later visitor
    # replaying the log gives the same hall
    copy = make_hall(policy="fifo")
    hall2 = make_hall(policy="fifo")
    hall2.open_window(1, T0)
    a = hall2.issue("consult", T0 + 10)
    hall2.issue("consult", T0 + 20)
    hall2.call_next(1, T0 + 30)
    hall2.close_window(1, T0 + 60, force=True)
    for e in hall2.take_pending():
        copy.apply(e)
    assert copy.tickets[a.id].to_json() == hall2.tickets[a.id].to_json()
    assert [t.id for t in copy.waiting()] == [t.id for t in hall2.waiting()]


def test_a_visitor_being_served_is_not_handed_back():
    hall = make_hall(policy="fifo")
    hall.open_window(1, T0)
    t = hall.issue("consult", T0 + 10)
    hall.call_next(1, T0 + 20)
    hall.start(t.id, T0 + 30)
    with pytest.raises(Conflict) as e:
        hall.close_window(1, T0 + 40, force=True)
    assert e.value.code == "window_busy" and t.state is TicketState.SERVING


# ---------------------------------------------------------------------- the simulator

EVENING = """
title = "Вечер"
office = "demo"
days = 2
seed = 3
first_day = "2026-11-23"
[hours]
open = "20:00"
close = "23:59"
[arrivals]
"20:00" = 40
[topics.consult]
share = 0.7
service = { mean = 8.0, cv = 0.5 }
then_cash = 0.3
[topics.cash]
share = 0.3
service = { mean = 3.0, cv = 0.5 }
[visitors]
no_show = 0.05
cash_time = { mean = 3.0, cv = 0.5 }
[[staff]]
window = 1
[[staff]]
window = 4
"""


def test_service_running_past_midnight_does_not_crash_the_simulator():
    sc = S.parse(__import__("tomllib").loads(EVENING), name="evening")
    assert sc.load() > 1.2  # far more visitors than two windows can serve before midnight
    result = report.run(sc, ["fifo", "norm-aware"])
    for policy, outcomes in result.outcomes.items():
        for o in outcomes:
            assert o.expired > 0  # the office day ended at midnight with visitors still waiting
            assert o.visits and all(v.wait >= 0 for v in o.visits)
        assert result.figures[policy].visitors > 0
    assert "Политика вызова: fifo" in report.format_report(result)


def test_a_day_with_every_window_closed_does_not_crash_the_simulator():
    data = __import__("tomllib").loads(EVENING.split("[[staff]]")[0])
    data["staff"] = []
    data["hours"] = {"open": "08:00", "close": "12:00"}
    data["arrivals"] = {"08:00": 10}
    sc = S.parse(data, name="closed")
    outcome = engine.simulate(sc, "norm-aware", days=1)[0]
    assert outcome.visits == [] and outcome.expired > 20
    f = report.figures(sc, "norm-aware", [outcome])
    assert f.visitors == 0 and f.within_norm == 0.0


# ---------------------------------------------------------------------- through the real hub

def test_the_hub_refuses_holds_and_hands_back_over_http(shared_hub):
    admin = shared_hub.client("admin")
    op1 = shared_hub.client("op1")
    state = admin.state("demo")
    w = {x["number"]: x["id"] for x in state["windows"]}
    for x in state["windows"]:
        if x["state"] != "closed":
            admin.window(x["id"], "close", force=True)
    op1.window(w[1], "open")
    t = admin.issue("demo", "consult")
    op1.call(w[1], t["id"])
    op1.act(t["id"], "start")
    seq = admin.state("demo")["seq"]
    with pytest.raises(HubError) as e:  # businesses are served only at window 6, closed
        op1.act(t["id"], "transfer", service="business")
    assert e.value.status == 409 and e.value.code == "no_window_for_service"
    assert "ни одно окно не принимает" in e.value.message
    assert admin.state("demo")["seq"] == seq  # nothing written
    with pytest.raises(HubError) as e:
        op1.act(t["id"], "transfer", service="business", hold=True)
    assert e.value.status == 403 and e.value.code == "hold_forbidden"
    with pytest.raises(HubError) as e:
        admin.act(t["id"], "transfer", service="business", hold="yes")
    assert e.value.status == 400
    admin.act(t["id"], "transfer", service="business", hold=True)
    assert admin.ticket(t["id"])["state"] == "waiting"

    # a window closed by force hands its called visitor back
    u = admin.issue("demo", "consult")
    op1.call(w[1], u["id"])
    admin.window(w[1], "close", force=True)
    assert admin.ticket(u["id"])["state"] == "waiting"
    state = admin.state("demo")
    assert u["id"] in [x["id"] for x in state["waiting"]]
    assert {x["id"]: x["state"] for x in state["windows"]}[w[1]] == "closed"
