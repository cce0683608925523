"""Issue 12: an operator acts only at their own window and on its tickets (through the real hub).

op1 works at window 1, op2 at window 2. Every window action and every ticket action op1 tries at
window 2 is 403 with the code ``not_your_window`` and a Russian message, and changes nothing; an
administrator may act at any window and the event names the administrator."""
import json
import sqlite3

import pytest
import requests
from support import empty_hall

from hub_client import HubError

CALLED_ACTIONS = {"recall": {}, "start": {}, "no-show": {}, "cancel": {}, "postpone": {},
                  "transfer": {"service": "cash"}, "escalate": {}}
SERVING_ACTIONS = {"phase": {"phase": "digital"}, "finish": {}, "postpone": {}, "transfer": {"service": "cash"},
                   "escalate": {}, "no-show": {}, "recall": {}}
WINDOW_ACTIONS = {"pause": {"reason": "lunch"}, "close": {}, "open": {}}


@pytest.fixture
def hall(shared_hub):
    admin = empty_hall(shared_hub.client("admin"))
    w = {x["number"]: x["id"] for x in admin.state("demo")["windows"]}
    op1, op2 = shared_hub.client("op1"), shared_hub.client("op2")
    op1.window(w[1], "open")
    op2.window(w[2], "open")
    return shared_hub, admin, op1, op2, w


def events_after(hub, seq):
    with sqlite3.connect(hub.db) as db:
        rows = db.execute("SELECT type, data FROM events WHERE office = 'demo' AND seq > ? ORDER BY seq",
                          (seq,)).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def refused(hub, admin, fn):
    seq = admin.state("demo")["seq"]
    with pytest.raises(HubError) as e:
        fn()
    assert e.value.status == 403, (e.value.status, e.value.code, e.value.message)
    assert e.value.code == "not_your_window"
    assert "другой оператор" in e.value.message
    assert admin.state("demo")["seq"] == seq  # nothing written
    return e.value


def test_every_ticket_action_on_a_ticket_called_to_another_window_is_403(hall):
    hub, admin, op1, op2, w = hall
    t = admin.issue("demo", "consult")
    op2.call(w[2], t["id"])
    for action, body in CALLED_ACTIONS.items():
        refused(hub, admin, lambda action=action, body=body: op1.act(t["id"], action, **body))
    assert admin.ticket(t["id"])["state"] == "called" and admin.ticket(t["id"])["recalls"] == 0
    op2.act(t["id"], "start")
    for action, body in SERVING_ACTIONS.items():
        refused(hub, admin, lambda action=action, body=body: op1.act(t["id"], action, **body))
    after = admin.ticket(t["id"])
    assert after["state"] == "serving" and after["phase"] is None and after["window"] == w[2]
    op2.act(t["id"], "finish")  # the window's own operator still can


def test_every_window_action_at_another_operators_window_is_403(hall):
    hub, admin, op1, op2, w = hall
    waiting = admin.issue("demo", "consult")
    # call-next at a window held by another operator: 403, not 409 (and nobody is called)
    err = refused(hub, admin, lambda: op1.call_next(w[2]))
    assert err.details == {"window": 2}
    refused(hub, admin, lambda: op1.call(w[2], waiting["id"]))
    for action, body in WINDOW_ACTIONS.items():
        refused(hub, admin, lambda action=action, body=body: op1.window(w[2], action, **body))
    window = admin.window(w[2])
    assert window["state"] == "open" and window["operator"] == "op2"
    assert admin.ticket(waiting["id"])["state"] == "waiting"
    # a break does not make the window anyone's
    op1.call_next(w[1])
    op2.window(w[2], "pause", reason="lunch")
    refused(hub, admin, lambda: op1.window(w[2], "open"))
    refused(hub, admin, lambda: op1.window(w[2], "close"))
    assert admin.window(w[2])["state"] == "paused"


def test_a_waiting_ticket_is_not_an_operators_to_cancel(hall):
    hub, admin, op1, op2, w = hall
    t = admin.issue("demo", "consult")
    seq = admin.state("demo")["seq"]
    for action, body in (("cancel", {}), ("transfer", {"service": "cash"})):
        with pytest.raises(HubError) as e:
            op1.act(t["id"], action, **body)
        assert e.value.status == 403 and e.value.code == "not_your_ticket" and "администратор" in e.value.message
    assert admin.state("demo")["seq"] == seq


def test_an_administrator_acts_at_any_window_and_the_event_names_them(hall):
    hub, admin, op1, op2, w = hall
    staff = hub.client("hall")  # role administrator only
    t = admin.issue("demo", "consult")
    seq = admin.state("demo")["seq"]
    staff.call(w[2], t["id"])
    staff.act(t["id"], "recall")
    staff.act(t["id"], "start")
    staff.act(t["id"], "phase", phase="digital")
    staff.act(t["id"], "finish")
    staff.window(w[2], "pause", reason="technical")
    staff.window(w[2], "open")
    events = events_after(hub, seq)
    assert [k for k, _ in events] == ["ticket.called", "ticket.recalled", "ticket.started", "ticket.phase",
                                      "ticket.finished", "window.paused", "window.opened"]
    assert {d.get("by") for _, d in events} == {"hall"}
    assert events[0][1]["operator"] == "op2"  # served at op2's window: op2 stays its operator
    assert admin.window(w[2])["operator"] == "op2"
    t2 = admin.issue("demo", "consult")
    called = staff.call_next(w[2])
    assert called["id"] == t2["id"]
    staff.act(t2["id"], "no-show")
    staff.window(w[2], "close")
    assert admin.window(w[2])["state"] == "closed"


def test_an_operators_own_actions_are_named_and_allowed(hall):
    hub, admin, op1, op2, w = hall
    t = admin.issue("demo", "consult")
    seq = admin.state("demo")["seq"]
    op1.call_next(w[1])
    op1.act(t["id"], "recall")
    op1.act(t["id"], "start")
    op1.act(t["id"], "transfer", service="cash")
    assert [(k, d.get("by")) for k, d in events_after(hub, seq)] == [
        ("ticket.called", "op1"), ("ticket.recalled", "op1"), ("ticket.started", "op1"),
        ("ticket.transferred", "op1")]


def test_the_contract_names_the_403(shared_hub):
    doc = requests.get(f"{shared_hub.url}/api/openapi.json").json()
    for path in ("/api/v1/windows/{window}/call-next", "/api/v1/tickets/{ticket}/finish",
                 "/api/v1/windows/{window}/pause"):
        op = doc["paths"][path]["post"]
        assert "not_your_window" in op["responses"]["403"]["description"], path
