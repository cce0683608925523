"""The things of the hall (server/domain/model.py), each rule pinned in the domain's words:
what a refusal answers with, which ticket states are open or closed, which window serves a
service, how a ticket's code is written, and what a ticket, window and service say as JSON."""
from __future__ import annotations

from datetime import time

import pytest

from server.domain.model import (
    CLIENT_TYPES,
    LEVELS,
    PAUSE_REASONS,
    PHASES,
    PRIMARY,
    SECONDARY,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    QueueError,
    Segment,
    Service,
    Ticket,
    TicketState,
    Window,
    WindowState,
    ticket_code,
)


def test_each_refusal_answers_with_its_http_status_and_default_code():
    assert (QueueError.status, QueueError.code) == (400, "bad_request")
    assert (Invalid.status, Invalid.code) == (400, "invalid")
    assert (NotFound.status, NotFound.code) == (404, "not_found")
    assert (Conflict.status, Conflict.code) == (409, "conflict")
    assert (Forbidden.status, Forbidden.code) == (403, "forbidden")
    for cls in (Invalid, NotFound, Conflict, Forbidden):
        assert issubclass(cls, QueueError)


def test_a_refusal_keeps_its_russian_message_its_own_code_and_details():
    e = Conflict("Окно уже открыто", code="already_open", window=3)
    assert str(e) == "Окно уже открыто" and e.message == "Окно уже открыто"
    assert e.code == "already_open" and e.status == 409
    assert e.details == {"window": 3}


def test_a_refusal_without_its_own_code_keeps_the_class_code():
    e = NotFound("Талон не найден")
    assert e.code == "not_found" and e.details == {}
    assert Conflict("x", code="").code == "conflict"  # an empty code is no code
    assert Conflict.code == "conflict"  # naming a code on one refusal does not change the class


def test_called_and_serving_are_the_open_states_finished_no_show_cancelled_the_closed_ones():
    assert {s for s in TicketState if s.active} == {TicketState.CALLED, TicketState.SERVING}
    assert {s for s in TicketState if s.terminal} == {TicketState.FINISHED, TicketState.NO_SHOW,
                                                      TicketState.CANCELLED}
    assert not TicketState.WAITING.active and not TicketState.WAITING.terminal
    assert [str(s) for s in TicketState] == ["waiting", "called", "serving", "finished", "no_show", "cancelled"]
    assert [str(s) for s in WindowState] == ["closed", "open", "paused"]


def test_the_words_of_the_hall_are_the_documented_ones():
    assert CLIENT_TYPES == ("individual", "business", "any")
    assert PAUSE_REASONS == ("lunch", "technical", "other")
    assert PHASES == ("digital", "upsell")
    assert LEVELS == ("specialist", "senior", "head")  # the escalation ladder, lowest first
    assert (PRIMARY, SECONDARY) == (2, 1)


def test_a_window_serves_a_service_only_with_a_positive_weight():
    w = Window(id=1, number=1, services={"consult": PRIMARY, "cash": SECONDARY, "owner": 0})
    assert w.serves("consult") and w.serves("cash")
    assert not w.serves("owner")      # listed with weight 0: switched off
    assert not w.serves("contract")   # not listed


def test_a_new_window_is_a_closed_specialists_window_with_nobody_and_nothing():
    w = Window(id=4, number=7, services={"consult": 2})
    assert (w.state, w.level, w.operator, w.ticket, w.pause_reason, w.since) == (
        WindowState.CLOSED, "specialist", None, None, None, None)


def test_a_windows_json_shows_since_as_its_state_time_until_the_state_time_is_known():
    w = Window(id=4, number=7, services={"consult": 2}, zone="A", level="senior", since=100.0, operator="op1")
    d = w.to_json()
    assert d == {"id": 4, "number": 7, "zone": "A", "level": "senior", "services": {"consult": 2},
                 "state": "closed", "pause_reason": None, "since": 100.0, "state_since": 100.0,
                 "operator": "op1", "ticket": None}
    d["services"]["cash"] = 1
    assert w.services == {"consult": 2}  # the JSON is a copy
    w.state_since = 150.0
    assert w.to_json()["state_since"] == 150.0
    w.state_since = 0.0
    assert w.to_json()["state_since"] == 0.0  # zero is a time, not «unknown»


def test_a_ticket_code_is_the_letter_and_three_digits():
    assert ticket_code("А", 12) == "А-012"
    assert ticket_code("Б", 7) == "Б-007"
    assert ticket_code("К", 1234) == "К-1234"


def make_ticket(**kw) -> Ticket:
    base = dict(id=5, office="demo", day="2026-12-03", service="cash", letter="Б", number=3, token="tok",
                issued_at=1000.0, queued_at=1010.0)
    base.update(kw)
    return Ticket(**base)


def test_a_new_ticket_waits_as_a_specialists_visitor_from_a_kiosk():
    t = make_ticket()
    assert t.state is TicketState.WAITING and t.source == "kiosk" and t.client_type == "any"
    assert (t.individual, t.priority, t.recalls, t.target_level) == (False, 0, 0, "specialist")
    assert t.code == "Б-003"


def test_a_tickets_segment_is_its_last_one():
    t = make_ticket()
    t.segments += [Segment(service="cash", queued_at=1.0), Segment(service="consult", queued_at=2.0)]
    assert t.segment.service == "consult"


def test_a_segments_wait_runs_from_queue_to_call_and_its_service_from_start_to_end():
    s = Segment(service="cash", queued_at=100.0)
    assert s.wait is None and s.service_time is None and s.level == "specialist"
    s.called_at = 160.0
    assert s.wait == 60.0
    s.started_at = 170.0
    assert s.service_time is None  # not ended yet
    s.ended_at = 410.0
    assert s.service_time == 240.0
    ended_unstarted = Segment(service="cash", queued_at=0.0, ended_at=50.0)
    assert ended_unstarted.service_time is None  # never started: no service time


def test_a_tickets_json_carries_every_field_and_counts_its_segments():
    t = make_ticket(source="desk", client_type="business", individual=True, priority=1, window=2,
                    operator="op2", target_window=2, target_level="senior", recalls=1, phase="digital",
                    phase_started_at=1100.0, called_at=1050.0, started_at=1060.0, outcome=None)
    t.segments += [Segment(service="cash", queued_at=1010.0), Segment(service="cash", queued_at=1040.0)]
    assert t.to_json() == {
        "id": 5, "office": "demo", "day": "2026-12-03", "code": "Б-003", "service": "cash", "letter": "Б",
        "number": 3, "state": "waiting", "source": "desk", "client_type": "business", "individual": True,
        "priority": 1, "issued_at": 1000.0, "queued_at": 1010.0, "called_at": 1050.0, "started_at": 1060.0,
        "ended_at": None, "window": 2, "operator": "op2", "target_window": 2, "target_level": "senior",
        "recalls": 1, "phase": "digital", "phase_started_at": 1100.0, "outcome": None, "segments": 2}


def test_a_services_json_writes_its_closing_time_as_hours_and_minutes():
    s = Service("cash", "Б", "Оплата", kind="cash", until=time(16, 30))
    d = s.to_json()
    assert d["until"] == "16:30"
    assert d == {"id": "cash", "letter": "Б", "name": "Оплата", "hint": "", "kind": "cash", "client_type": "any",
                 "checklist": [], "until": "16:30", "active": True, "order": 0}
    assert Service("consult", "А", "Консультация").to_json()["until"] is None
    assert Service("consult", "А", "Консультация").kind == "consultation"


@pytest.mark.parametrize("cls,status", [(Invalid, 400), (NotFound, 404), (Conflict, 409), (Forbidden, 403)])
def test_a_refusal_named_by_code_keeps_its_class_status(cls, status):
    e = cls("Текст", code="own_code")
    assert (e.status, e.code) == (status, "own_code")
