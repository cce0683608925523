"""The waiting line (server/domain/waiting.py) against the full recomputation (issue 17 point 1).

Random command sequences (issue, call next at a random window, start, finish, transfer,
postpone, cancel, escalate, a break, a window closed with its visitor handed back, a day roll)
drive one hall; after every step the incremental answers must equal the reference's:

- the ticket each window's policy calls next, under ``fifo`` and ``norm-aware``
  (``Hall.next_for`` against ``Hall.next_for_reference``);
- the new ticket's wait estimate for every service (``estimate.point_for_new_ticket`` against
  ``point_for_new_ticket_reference``), with the closed form taking over at 3 waiting and at 250;
- «people ahead» of every waiting ticket (``people_ahead_of_new`` against its reference);
- the waiting line holds exactly the waiting tickets.
"""
from __future__ import annotations

import dataclasses

import pytest
from core_support import at, make_hall
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server.domain import estimate, waiting
from server.domain.model import QueueError, Service, TicketState, Window

T0 = at("2026-11-23 09:00")
SERVICES = ["consult", "cash", "both", "plain"]

step = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from([False, False, False, True]),
              st.sampled_from([0, 0, 0, 1]), st.sampled_from([None, None, None, -600.0, 0.0, 900.0])),
    st.tuples(st.just("call"), st.integers(1, 4)),
    st.tuples(st.just("finish"), st.integers(0, 50)),
    st.tuples(st.just("transfer"), st.integers(0, 50), st.sampled_from(SERVICES), st.sampled_from([None, 2])),
    st.tuples(st.just("postpone"), st.integers(0, 50)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("escalate"), st.integers(0, 50)),
    st.tuples(st.just("break"), st.integers(1, 4)),
    st.tuples(st.just("open"), st.integers(1, 4)),
    st.tuples(st.just("hand_back"), st.integers(1, 4)),
    st.tuples(st.just("wait"), st.sampled_from([0.0, 1.0, 0.5, 30.0, 130.0, 170.0, 200.0, 240.0, 370.0, 440.0,
                                                 479.0, 480.0, 481.0, 600.0, 850.0, 1300.0, 3601.0, 0.001])),
    st.tuples(st.just("next_day"),),
)


def build(policy: str):
    services = [Service("consult", "А", "Консультация", kind="consultation"),
                Service("cash", "Б", "Оплата", kind="cash"),
                Service("both", "В", "Консультация и оплата", kind="consultation_cash"),
                Service("plain", "Г", "Справка", kind="no_such_kind")]  # no waiting norm: the default
    hall = make_hall(policy=policy, services=services)
    hall.profile = dataclasses.replace(hall.profile, escalation=("senior", "head"))
    hall.windows = {1: Window(1, 1, {"consult": 2, "cash": 1, "both": 1, "plain": 1}),
                    2: Window(2, 2, {"cash": 2, "both": 1}),
                    3: Window(3, 3, {"consult": 1, "plain": 2}, level="senior"),
                    4: Window(4, 4, {"consult": 1, "cash": 1, "both": 2, "plain": 1}, level="head")}
    return hall


def pick(hall, n: int, *states):
    found = sorted((t for t in hall.tickets.values() if t.state in states), key=lambda t: t.id)
    return found[n % len(found)] if found else None


def run(hall, command, now):
    kind = command[0]
    if kind == "issue":
        _, service, individual, priority, slot = command
        extra = {} if slot is None else {"appointment": "запись", "appointment_at": now + slot}
        hall.issue(service, now, individual=individual, priority=priority, **extra)
    elif kind == "call":
        hall.call_next(command[1], now)
    elif kind == "finish":
        t = pick(hall, command[1], TicketState.CALLED, TicketState.SERVING)
        if t is not None:
            if t.state is TicketState.CALLED:
                hall.start(t.id, now)
            hall.finish(t.id, now)
    elif kind == "transfer":
        t = pick(hall, command[1], TicketState.WAITING, TicketState.CALLED, TicketState.SERVING)
        if t is not None:
            if command[3] is None:
                hall.transfer(t.id, now, service=command[2], admin=True, hold=True)
            else:
                hall.transfer(t.id, now, window=command[3], admin=True, hold=True)
    elif kind in ("postpone", "escalate"):
        t = pick(hall, command[1], TicketState.CALLED, TicketState.SERVING)
        if t is not None:
            getattr(hall, kind)(t.id, now)
    elif kind == "cancel":
        t = pick(hall, command[1], TicketState.WAITING)
        if t is not None:
            hall.cancel(t.id, now)
    elif kind == "break":
        hall.pause_window(command[1], "lunch", now, admin=True, override=True)
    elif kind == "open":
        hall.open_window(command[1], now)
    elif kind == "hand_back":
        hall.close_window(command[1], now, force=True)


def check(hall, now):
    assert set(hall._line.where) == set(hall._waiting)
    keep = hall.settings.policy
    try:
        for policy in ("fifo", "norm-aware"):
            hall.settings.policy = policy
            for w in hall.windows.values():
                assert hall.next_for(w, now) is hall.next_for_reference(w, now), (policy, w.id)
            for t in list(hall._waiting.values()):
                assert hall.people_ahead_of_new(t, now) == hall.people_ahead_of_new_reference(t, now), \
                    (policy, t.code)
            for service in SERVICES:
                for individual, priority in ((False, 0), (True, 0), (False, 1)):
                    assert estimate.point_for_new_ticket(hall, service, now, individual, priority) == \
                        estimate.point_for_new_ticket_reference(hall, service, now, individual, priority), \
                        (policy, service)
    finally:
        hall.settings.policy = keep


@pytest.mark.parametrize("projected", [3, 250])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=st.lists(step, min_size=1, max_size=60), policy=st.sampled_from(["fifo", "norm-aware"]))
# a visitor starving for an hour, held at the floor, is still ahead of one with 40 s left to the norm
@example(commands=[("issue", "consult", False, 0, None), ("wait", 3601.0), ("issue", "consult", False, 0, None),
                   ("wait", 440.0)], policy="norm-aware")
# an appointment whose slot has come waits for a walk-in 110 s from breaking the norm
@example(commands=[("issue", "consult", False, 0, None), ("wait", 370.0), ("issue", "cash", False, 0, 0.0)],
         policy="norm-aware")
def test_the_waiting_line_answers_as_the_full_recomputation(projected, commands, policy, monkeypatch_module):
    monkeypatch_module.setattr(estimate, "MAX_PROJECTED", projected)
    monkeypatch_module.setattr(waiting, "SHORT_QUEUE", 0)  # the line answers however short the queue
    hall = build(policy)
    now = T0
    for w in (1, 2):
        hall.open_window(w, now)
    for command in commands:
        if command[0] == "wait":
            now += command[1]
        elif command[0] == "next_day":
            now += 24 * 3600.0
            hall.roll_day(now)
        else:
            try:
                run(hall, command, now)
            except QueueError:
                pass  # refused by the rules: nothing changed
        hall.take_pending()
        check(hall, now)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_a_long_queue_of_late_and_promised_visitors_is_called_as_the_reference_calls_it():
    """400 visitors over six hours (so some are starving, some late, some held at the floor, some
    promised far more than the norm), two windows: every call the same as the reference's."""
    for policy in ("norm-aware", "fifo"):
        hall = build(policy)
        now = T0
        hall.open_window(1, now)
        hall.open_window(3, now)
        for i in range(400):
            now += 50.0 + (i * 7919) % 23
            hall.issue(SERVICES[i % 4], now, individual=i % 37 == 0)
            if i % 5 == 0:  # each window finishes its visitor (served since the last round) and calls
                for w in (1, 3):
                    if hall.windows[w].ticket is not None:
                        hall.finish(hall.windows[w].ticket, now)
                    expected = hall.next_for_reference(hall.windows[w], now)
                    t = hall.call_next(w, now)
                    assert t is expected
                    if t is not None:
                        hall.start(t.id, now)
        assert len(hall._waiting) > 100
        promised = [t for t in hall._waiting.values() if t.estimate and t.estimate[0] > 3 * 8]
        assert promised, "the queue must hold visitors promised far more than the norm"
        for _ in range(40):
            now += 97.0
            for t in list(hall._waiting.values())[::25]:
                assert hall.people_ahead_of_new(t, now) == hall.people_ahead_of_new_reference(t, now)
            for w in (1, 3):
                if hall.windows[w].ticket is not None:
                    hall.finish(hall.windows[w].ticket, now)
                expected = hall.next_for_reference(hall.windows[w], now)
                assert hall.call_next(w, now) is expected
                if expected is not None:
                    hall.start(expected.id, now)
