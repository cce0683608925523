"""The waiting line's rules at their edges (server/domain/waiting.py, issue 20).

``tests/test_core_incremental.py`` drives a hall with random commands; the waits it reaches are
coarse. Here the line is built by hand from tickets placed exactly at a stage's edge (the
waiting norm, the floor of the late, the starving hour, a promise far beyond the norm), within
the 1 ms margins on either side, and every answer is checked against the policy asked over every
ticket (``dispatch.POLICIES``, as ``Hall.next_for_reference`` and
``Hall.people_ahead_of_new_reference`` ask it) or pinned to its exact value.
"""
from __future__ import annotations

import pytest
from core_support import at

from server.domain import dispatch, waiting
from server.domain.model import Segment, Ticket, Window
from server.domain.waiting import Group, WaitingLine, _about_to_break, _drop, _front, ahead_of, group_of

T = at("2026-11-23 12:00")
#: the waiting norms (seconds) of the services here; «plain» has none (the default, 15 minutes)
LIMITS = {"consult": 480.0, "cash": 600.0, "plain": None}


def wait_limit(t: Ticket) -> float | None:
    return LIMITS[t.service]


def ticket(tid: int, waited: float, service: str = "consult", now: float = T, **kw) -> Ticket:
    """A waiting ticket that has waited ``waited`` seconds at ``now``."""
    return Ticket(id=tid, office="t", day="2026-11-23", service=service, letter="А", number=tid, token="",
                  issued_at=now - waited, queued_at=now - waited, **kw)


def line_of(tickets) -> WaitingLine:
    line = WaitingLine()
    for t in tickets:
        line.add(t)
    return line


def reference_next(window: Window, tickets, now: float, policy: str, limit=wait_limit) -> Ticket | None:
    """``Hall.next_for_reference``: the policy over every eligible waiting ticket."""
    return dispatch.POLICIES[policy](window, dispatch.eligible(window, tickets), now, limit)


def reference_ahead(window: Window, tickets, t: Ticket, now: float, policy: str) -> int:
    """``Hall.people_ahead_of_new_reference``: the policy asked for every pair of the service."""
    pair = dispatch.POLICIES[policy]
    return sum(1 for x in tickets if x.service == t.service and x.id != t.id
               and pair(window, [x, t], now, wait_limit) is x)


PRIMARY = Window(1, 1, {"consult": 2, "cash": 1, "plain": 1})
SECONDARY = Window(2, 2, {"consult": 1, "cash": 2, "plain": 2})
SENIOR = Window(3, 3, {"consult": 1, "cash": 1, "plain": 1}, level="senior")
MARGINS = (-0.003, -0.002, -0.0015, -0.001, -0.0005, 0.0, 0.0005, 0.001, 0.0015, 0.002, 0.003)


def edge_tickets(service: str = "consult", limit: float = 480.0, start: int = 1) -> list[Ticket]:
    """Tickets around every edge of ``norm-aware`` at ``T``: 50 s of slack (the floor's key), the
    norm itself, the floor of the late (``LOST_FLOOR``), the starving hour; and a few between."""
    floor = min(dispatch.LOST_GRACE + limit, dispatch.LOST_BY) - dispatch.LOST_FLOOR
    edges = (limit - dispatch.LOST_FLOOR, limit, floor, dispatch.STARVING)
    waits = [e + d for e in edges for d in MARGINS] + [0.0, 100.0, limit + 100.0, floor + 200.0, 2 * dispatch.STARVING]
    return [ticket(start + i, w, service) for i, w in enumerate(waits)]


def check_line(tickets, nows, windows=(PRIMARY, SECONDARY), policies=("norm-aware", "fifo"), probes=True):
    """At every moment (in the order given: the line is brought up to each in turn), the ticket
    each window calls and «people ahead» of every ticket (and of a new one) equal the reference's."""
    line = line_of(tickets)
    for now in nows:
        for policy in policies:
            for w in windows:
                expected = reference_next(w, tickets, now, policy)
                assert line.next_for(w, now, policy, wait_limit) is expected, (policy, w.id, now - T)
                served = [t for t in tickets if w.serves(t.service)]
                new = [ticket(10_000 + i, 0.0, s, now) for i, s in enumerate(sorted({t.service for t in served}))]
                for t in [x for x in served if x.appointment_at is None] + (new if probes else []):
                    assert ahead_of(line, t, w, now, policy, wait_limit) == \
                        reference_ahead(w, tickets, t, now, policy), (policy, w.id, now - T, t.id, now - t.queued_at)


# ------------------------------------------------------------------ _front and _drop


def test_the_front_of_a_stage_is_everyone_up_to_its_edge_then_the_first_beyond_and_those_tied_with_it():
    margin = 2 * waiting.EDGE
    items = [(1.0, 1), (2.0, 2), (2.0 + margin / 2, 3), (2.0 + margin, 4), (2.0 + 1.25 * margin, 5), (3.0, 6)]
    assert _front(items, 0.5) == [(1.0, 1)]  # nothing up to the edge: the first beyond it alone
    assert _front(items, 1.0) == [(1.0, 1), (2.0, 2), (2.0 + margin / 2, 3), (2.0 + margin, 4)]
    assert _front(items, 1.0 - margin) == [(1.0, 1)] + items[1:4]  # exactly at the edge's margin
    assert _front(items, 1.0 - 1.5 * margin) == [(1.0, 1)]
    assert _front(items, 2.0 - margin) == items[:5]
    assert _front(items, 2.0 - 1.5 * margin) == items[:4]
    assert _front(items, 2.0) == items[:5]
    assert _front(items, 5.0) == items
    assert _front([], 5.0) == []
    assert _front([(2.0, 1), (2.0 + margin, 2), (2.0 + 1.5 * margin, 3)], 0.0) == [(2.0, 1), (2.0 + margin, 2)]
    assert _front([(2.0, 1), (2.0 + 1.5 * margin, 2)], 0.0) == [(2.0, 1)]
    assert _front([(0.0, 1), (2.0, 2), (2.0 + margin, 3), (2.0 + 1.5 * margin, 4)], 0.0) == \
        [(0.0, 1), (2.0, 2), (2.0 + margin, 3)]


def test_dropping_an_entry_removes_only_that_entry_and_a_missing_one_changes_nothing():
    items = [(1.0, 1), (2.0, 2), (3.0, 3)]
    _drop(items, (2.0, 2))
    assert items == [(1.0, 1), (3.0, 3)]
    _drop(items, (2.0, 2))
    _drop(items, (9.0, 9))
    _drop(items, (0.0, 0))
    _drop(items, (1.0, 2))
    assert items == [(1.0, 1), (3.0, 3)]
    _drop(items, (3.0, 3))
    assert items == [(1.0, 1)]
    _drop(items, (1.0, 1))
    assert items == []


# ------------------------------------------------------------------ groups and their stages


def test_alike_tickets_share_a_group_of_service_priority_format_target_window_and_level():
    t = ticket(1, 0.0)
    assert group_of(t) == ("consult", 0, False, None, "specialist")
    assert group_of(ticket(2, 0.0, "cash", individual=True, priority=1, target_window=3, target_level="senior")) == \
        ("cash", 1, True, 3, "senior")


def test_a_group_ranks_its_tickets_in_three_stages_as_the_clock_goes_on():
    g = Group(("consult", 0, False, None, "specialist"))
    a, b, c = ticket(1, 100.0), ticket(2, 500.0), ticket(3, 800.0)
    for t in (a, b, c):
        g.add(t)
    assert len(g) == 3 and g.walk_ins == 3 and g.oldest() is c and g.sample is a
    assert g.limit is None and g.punctual == [] and g.marks == {}  # not ranked before the first ``ready``
    g.ready(T, 480.0)
    assert g.limit == 480.0 and g.seen == T
    assert g.punctual == [(a.queued_at + 480.0, a.queued_at, 1)]
    # b: 20 s late, its second deadline the norm plus five minutes; c: 320 s late, at the floor
    assert g.late == [(b.queued_at + 780.0, b.queued_at, 2)]
    assert g.held == [(-c.queued_at, 3)]
    assert g.marks == {1: (0, g.punctual[0]), 2: (1, g.late[0]), 3: (2, g.held[0])}
    assert {t.id for t in g.contenders(T)} == {1, 2, 3}
    # a newcomer after the first ranking enters «punctual» at once
    d = ticket(4, 0.0)
    g.add(d)
    assert g.punctual == [(a.queued_at + 480.0, a.queued_at, 1), (T + 480.0, T, 4)]
    assert g.marks[4] == (0, (T + 480.0, T, 4))
    # 400 s on: a is late (80 s past), b at the floor, d still punctual
    g.ready(T + 400.0, 480.0)
    assert g.punctual == [(T + 480.0, T, 4)]
    assert g.late == [(a.queued_at + 780.0, a.queued_at, 1)]
    assert g.held == [(-b.queued_at, 2), (-c.queued_at, 3)]
    assert g.seen == T + 400.0
    g.remove(b, b.queued_at)
    assert g.held == [(-c.queued_at, 3)] and 2 not in g.marks and len(g) == 3
    g.remove(d, d.queued_at)
    assert g.punctual == [] and 4 not in g.marks and [x[1] for x in g.by_age] == [3, 1]


def test_the_second_deadline_is_five_minutes_past_the_norm_or_fifteen_minutes_of_waiting_whichever_is_sooner():
    g = Group(("plain", 0, False, None, "specialist"))
    t = ticket(1, 700.0, "plain")
    g.add(t)
    g.ready(T, 600.0)  # late 100 s: the norm + 300 s (1200 s) and 900 s of waiting: 900 s is sooner
    assert g.late == [(t.queued_at + 900.0, t.queued_at, 1)]
    g.ready(T, 450.0)  # another norm ranks the group anew: 450 + 300 = 750 s is sooner
    assert g.limit == 450.0 and g.late == [(t.queued_at + 750.0, t.queued_at, 1)] and g.punctual == []


def test_a_ticket_moves_on_to_late_only_a_millisecond_past_its_deadline_and_to_the_floor_likewise():
    g = Group(("consult", 0, False, None, "specialist"))
    on_time, just_past, past = ticket(1, 480.0), ticket(2, 480.0009), ticket(3, 480.0011)
    at_floor, floor_near, floor_past = ticket(4, 730.0), ticket(5, 730.0009), ticket(6, 730.0011)
    for t in (on_time, just_past, past, at_floor, floor_near, floor_past):
        g.add(t)
    g.ready(T, 480.0)
    assert [e[2] for e in g.punctual] == [2, 1]
    assert [e[2] for e in g.late] == [5, 4, 3]
    assert [e[1] for e in g.held] == [6]
    # the contenders: the oldest, each stage's front and whoever is next to its edge
    assert {t.id for t in g.contenders(T)} == {1, 2, 3, 4, 5, 6}


def test_a_ticket_promised_far_beyond_the_norm_is_held_to_the_promise_unless_it_was_transferred():
    g = Group(("consult", 0, False, None, "specialist"))
    promised = ticket(1, 1000.0, estimate=(25.0, 32.0))  # 25 min > 3 × 8 min: the deadline is 32 min
    modest = ticket(2, 1000.0 - 0.5, estimate=(24.0, 30.0))  # 24 min is not beyond 3 × 8 min
    moved = ticket(3, 1000.0 - 1.0, estimate=(25.0, 32.0),
                   segments=[Segment("cash", T - 2000.0), Segment("consult", T - 999.0)])
    for t in (promised, modest, moved):
        g.add(t)
    g.ready(T, 480.0)
    assert g.punctual == [(promised.queued_at + 32 * 60.0, promised.queued_at, 1)]
    assert [e[1] for e in g.held] == [3, 2]
    one_segment = ticket(4, 0.0, estimate=(25.0, 32.0), segments=[Segment("consult", T)])
    g.add(one_segment)
    assert g.marks[4] == (0, (T + 32 * 60.0, T, 4))


def test_a_changed_norm_or_a_clock_set_back_ranks_the_group_anew():
    g = Group(("consult", 0, False, None, "specialist"))
    a, b = ticket(1, 500.0), ticket(2, 100.0)
    g.add(a)
    g.add(b)
    g.ready(T, 480.0)
    assert [e[2] for e in g.late] == [1]
    g.ready(T - 30.0, 480.0)  # the clock went back 30 s: a was still punctual then
    assert g.seen == T - 30.0 and [e[2] for e in g.punctual] == [1, 2] and g.late == []
    g.ready(T - 30.0, 900.0)  # a longer norm: both punctual, the deadlines moved
    assert g.punctual == [(a.queued_at + 900.0, a.queued_at, 1), (b.queued_at + 900.0, b.queued_at, 2)]
    g.ready(T - 30.0, 900.0)  # the same moment again: nothing changes
    assert g.punctual == [(a.queued_at + 900.0, a.queued_at, 1), (b.queued_at + 900.0, b.queued_at, 2)]
    assert g.marks == {1: (0, g.punctual[0]), 2: (0, g.punctual[1])}
    g.ready(T + 100.0, 100.0)  # a short norm, later: a held at the floor, b late
    assert [e[1] for e in g.held] == [1] and [e[2] for e in g.late] == [2] and g.punctual == []
    assert g.marks[1][0] == 2 and g.marks[2][0] == 1


def test_the_contenders_are_the_oldest_the_front_of_each_stage_and_both_ends_of_the_held():
    g = Group(("consult", 0, False, None, "specialist"))
    waits = [0.0, 10.0, 20.0, 500.0, 520.0, 740.0, 760.0, 780.0, 4000.0]
    for i, w in enumerate(waits, 1):
        g.add(ticket(i, w))
    g.ready(T, 480.0)
    # punctual front 3 (least slack), late front 5 (the sooner second deadline), held 6 (the newest)
    # and 9 (the oldest)
    assert {t.id for t in g.contenders(T)} == {3, 5, 6, 9}
    g2 = Group(("consult", 0, False, None, "specialist"))
    g2.add(ticket(1, 10.0))
    g2.add(ticket(2, 10.001))
    g2.add(ticket(3, 10.0025))
    g2.ready(T, 480.0)
    # the front is 3; 2 is tied with it within rounding (2 ms), 1 is not
    assert {t.id for t in g2.contenders(T)} == {3, 2}


def test_a_group_counts_its_walk_ins_apart_from_its_appointments():
    g = Group(("consult", 0, False, None, "specialist"))
    walk, booked = ticket(1, 10.0), ticket(2, 20.0, appointment="A-1", appointment_at=T - 5.0)
    g.add(walk)
    g.add(booked)
    assert g.walk_ins == 1
    g.remove(walk, walk.queued_at)
    assert g.walk_ins == 0 and len(g) == 1
    g.remove(booked, booked.queued_at)
    assert g.walk_ins == 0 and len(g) == 0 and g.by_age == []


# ------------------------------------------------------------------ the line


def test_the_line_keeps_each_ticket_once_in_its_group_and_drops_empty_groups():
    line = WaitingLine()
    a, b = ticket(1, 10.0), ticket(2, 20.0, "cash", appointment="A", appointment_at=T)
    line.add(a)
    line.add(b)
    assert len(line) == 2 and 1 in line and 3 not in line
    assert list(line.appointments) == [2]
    a.priority = 1  # a transfer's priority: the ticket joins another group
    line.add(a)
    assert len(line) == 2 and set(line.groups) == {("consult", 1, False, None, "specialist"),
                                                   ("cash", 0, False, None, "specialist")}
    assert [g.key for g in line.of_service("consult")] == [("consult", 1, False, None, "specialist")]
    assert line.where[1] == (("consult", 1, False, None, "specialist"), a.queued_at)
    line.discard(b)
    assert 2 not in line and line.appointments == {} and line.of_service("cash") == []
    line.discard(b)  # twice: nothing more
    assert len(line) == 1
    line.add(ticket(3, 5.0, "cash", appointment="B", appointment_at=T))
    line.clear()
    assert len(line) == 0 and line.groups == {} and line.appointments == {} and line.where == {}
    assert line.next_for(PRIMARY, T, "fifo", wait_limit) is None


def test_a_ticket_leaves_its_group_by_the_time_it_joined_even_if_its_own_record_moved_on():
    line = WaitingLine()
    a, b = ticket(1, 10.0), ticket(2, 20.0)
    line.add(a)
    line.add(b)
    a.queued_at = T + 50.0  # recorded as it joined: the line still finds it
    line.discard(a)
    g = line.groups[group_of(b)]
    assert [x[1] for x in g.by_age] == [2] and list(g.tickets) == [2]


def test_a_window_calls_nobody_when_no_group_is_eligible_there():
    line = line_of([ticket(1, 10.0, "cash", target_window=2), ticket(2, 10.0, target_level="senior")])
    for policy in ("fifo", "norm-aware"):
        assert line.next_for(PRIMARY, T, policy, wait_limit) is None
        assert line.next_for(SECONDARY, T, policy, wait_limit).id == 1
        assert line.next_for(SENIOR, T, policy, wait_limit).id == 2


# ------------------------------------------------------------------ call next and people ahead at the edges


def test_at_every_edge_of_norm_aware_the_line_calls_and_counts_as_the_reference():
    tickets = edge_tickets()
    steps = [-0.004, -0.0025, -0.0015, -0.001, -0.0005, 0.0, 0.0005, 0.001, 0.0015, 0.0025, 0.004]
    check_line(tickets, [T + d for d in steps])


def test_edges_of_a_service_without_a_norm_and_of_one_whose_two_late_deadlines_coincide():
    tickets = edge_tickets("plain", 900.0) + edge_tickets("cash", 600.0, start=100)
    check_line(tickets, [T + d for d in (-0.002, -0.001, 0.0, 0.001, 0.002)], windows=(PRIMARY, SECONDARY))


def test_the_clock_set_back_across_the_edges_the_line_still_answers_as_the_reference():
    tickets = edge_tickets()
    check_line(tickets, [T + 0.004, T + 0.001, T, T - 0.001, T - 0.004, T + 0.0015], windows=(PRIMARY,))


def test_a_changed_norm_re_sorts_the_group_before_the_next_call():
    tickets = [ticket(i, w) for i, w in enumerate((100.0, 300.0, 470.0, 520.0, 700.0, 760.0), 1)]
    line = line_of(tickets)
    for limits in ({"consult": 480.0}, {"consult": 240.0}, {"consult": None}, {"consult": 720.0}):
        def limit(t, limits=limits):
            return limits[t.service]
        for now in (T, T + 30.0):
            expected = reference_next(PRIMARY, tickets, now, "norm-aware", limit)
            assert line.next_for(PRIMARY, now, "norm-aware", limit) is expected, (limits, now - T)


def test_a_promise_far_beyond_the_norm_and_a_transfer_s_two_segments_at_their_edges():
    tickets = []
    for i, d in enumerate(MARGINS):
        tickets.append(ticket(1 + i, 32 * 60.0 + d, estimate=(25.0, 32.0)))
        tickets.append(ticket(50 + i, 480.0 + d, estimate=(25.0, 32.0),
                              segments=[Segment("cash", T - 3000.0), Segment("consult", T - 480.0)]))
        tickets.append(ticket(100 + i, 60.0 + d, estimate=(5.0, 8.0)))
    check_line(tickets, [T + d for d in (-0.002, -0.001, 0.0, 0.001, 0.002)], windows=(PRIMARY,))


def test_people_ahead_across_groups_individual_format_and_priority_first():
    tickets = [ticket(1, 100.0), ticket(2, 50.0, individual=True), ticket(3, 20.0, priority=1),
               ticket(4, 10.0, individual=True, priority=1), ticket(5, 300.0), ticket(6, 3700.0),
               ticket(7, 3800.0, individual=True), ticket(8, 5.0, target_window=2),
               ticket(9, 700.0, target_level="senior"),
               ticket(10, 3650.0), ticket(11, 740.0), ticket(12, 760.0, priority=1), ticket(13, 1.0, "cash")]
    check_line(tickets, [T, T + 60.0, T + 500.0], windows=(PRIMARY, SECONDARY, SENIOR))


def test_people_ahead_of_a_ticket_not_in_the_line():
    tickets = edge_tickets()
    line = line_of(tickets)
    for policy in ("norm-aware", "fifo"):
        for w in (PRIMARY, SECONDARY):
            for waited in (0.0, 430.0, 479.9995, 480.0, 480.0005, 729.9995, 730.0, 730.0005, 3600.0, 3600.0005, 5000.0):
                for extra in ({}, {"individual": True}, {"priority": 1}):
                    t = ticket(999, waited, **extra)
                    assert ahead_of(line, t, w, T, policy, wait_limit) == reference_ahead(w, tickets, t, T, policy), \
                        (policy, w.id, waited, extra)


def test_people_ahead_where_late_visitors_of_long_standing_go_first(monkeypatch):
    monkeypatch.setattr(dispatch, "OLD_LATE", 1200.0)
    tickets = edge_tickets() + [ticket(90, 1200.0), ticket(91, 1199.0), ticket(92, 1300.0)]
    check_line(tickets, [T, T + 0.001], windows=(PRIMARY,), policies=("norm-aware",))


def test_the_one_ticket_of_a_group_is_ahead_of_nobody_and_nobody_is_ahead_of_it():
    t = ticket(1, 480.0)
    line = line_of([t])
    for policy in ("norm-aware", "fifo"):
        assert ahead_of(line, t, PRIMARY, T, policy, wait_limit) == 0
        assert line.next_for(PRIMARY, T, policy, wait_limit) is t


def test_visitors_of_the_same_second_at_the_floor_newest_first_counted_exactly():
    # all held at the floor: the newest is called first, and each has exactly the newer ones ahead
    tickets = [ticket(i, 800.0 + 10.0 * i) for i in range(1, 8)]
    line = line_of(tickets)
    assert line.next_for(PRIMARY, T, "norm-aware", wait_limit).id == 1
    assert [ahead_of(line, t, PRIMARY, T, "norm-aware", wait_limit) for t in tickets] == [0, 1, 2, 3, 4, 5, 6]
    # a punctual one with exactly 50 s of slack ranks with the held, after them
    t = ticket(20, 430.0)
    line.add(t)
    assert ahead_of(line, t, PRIMARY, T, "norm-aware", wait_limit) == 7
    assert ahead_of(line, ticket(21, 429.0), PRIMARY, T, "norm-aware", wait_limit) == 8
    assert ahead_of(line, ticket(22, 431.0), PRIMARY, T, "norm-aware", wait_limit) == 0
    # the starving are ahead of everyone, oldest first
    old = ticket(30, 3700.0)
    line.add(old)
    assert ahead_of(line, old, PRIMARY, T, "norm-aware", wait_limit) == 0
    assert ahead_of(line, tickets[0], PRIMARY, T, "norm-aware", wait_limit) == 1


# ------------------------------------------------------------------ appointments


def booked(tid: int, waited: float, slot: float, service: str = "consult", **kw) -> Ticket:
    return ticket(tid, waited, service, appointment=f"A-{tid}", appointment_at=T + slot, **kw)


@pytest.mark.parametrize("policy", ["norm-aware", "fifo"])
def test_an_appointment_whose_slot_has_come_to_the_second_is_called_first(policy):
    cases = [
        [booked(1, 30.0, 0.0), ticket(2, 300.0)],  # the slot is now: called
        [booked(1, 30.0, 0.001), ticket(2, 300.0)],  # a millisecond early: the policy decides
        [booked(1, 30.0, -60.0), booked(3, 40.0, -60.0), ticket(2, 300.0)],  # the same slot: the lower id
        [booked(3, 30.0, -60.0), booked(1, 40.0, -30.0), ticket(2, 300.0)],  # the earlier slot
        [booked(1, 30.0, -60.0, "cash"), ticket(2, 300.0)],  # booked for cash, asked at a consult-only window
        [booked(1, 30.0, -60.0), ticket(2, 300.0, individual=True)],  # the individual format waits: not first
        [booked(1, 30.0, -60.0), ticket(2, 300.0, priority=1)],  # a transfer's priority: not first
        [booked(1, 30.0, -60.0), ticket(2, 300.0, "cash", individual=True)],  # in another group the window serves
        # a group of appointments only first
        [booked(1, 30.0, -60.0, "cash"), ticket(2, 300.0, "plain", individual=True)],
        [booked(1, 30.0, -60.0, "cash"), ticket(2, 300.0, "plain", priority=1)],
        [booked(1, 30.0, -60.0), ticket(2, 300.0, "cash", target_window=9, individual=True)],  # not eligible here
    ]
    for tickets in cases:
        for w in (PRIMARY, SECONDARY, Window(5, 5, {"consult": 2})):
            line = line_of(tickets)
            assert line.next_for(w, T, policy, wait_limit) is reference_next(w, tickets, T, policy), \
                ([t.id for t in tickets], w.id)


@pytest.mark.parametrize("slack", [-1.0, -0.5, -0.0005, 0.0, 0.0005, 0.5, 1.0, 60.0, 119.9995, 120.0, 120.0005, 200.0])
def test_a_walk_in_about_to_break_its_norm_goes_before_an_appointment(slack):
    for service, limit in (("consult", 480.0), ("plain", 900.0)):
        tickets = [booked(1, 10.0, -60.0, service), ticket(2, limit - slack, service), ticket(3, 20.0, service)]
        line = line_of(tickets)
        for policy in ("norm-aware", "fifo"):
            assert line.next_for(PRIMARY, T, policy, wait_limit) is reference_next(PRIMARY, tickets, T, policy)
        g = line.groups[group_of(tickets[1])]
        assert _about_to_break(g, T, limit) is (0 <= slack < dispatch.APPOINTMENT_YIELD)


def test_about_to_break_looks_past_appointments_and_late_walk_ins_to_the_oldest_walk_in_still_on_time():
    g = Group(("consult", 0, False, None, "specialist"))
    for t in (booked(1, 470.0, -60.0), ticket(2, 400.0), ticket(3, 10.0)):
        g.add(t)
    assert _about_to_break(g, T, 480.0) is True  # the appointment is skipped, the walk-in has 80 s
    g = Group(("consult", 0, False, None, "specialist"))
    for t in (ticket(1, 480.5), ticket(2, 470.0), ticket(3, 10.0)):
        g.add(t)
    assert _about_to_break(g, T, 480.0) is True  # 0.5 s late: skipped; the next has 10 s
    g = Group(("consult", 0, False, None, "specialist"))
    for t in (ticket(1, 481.5), ticket(2, 300.0)):
        g.add(t)
    assert _about_to_break(g, T, 480.0) is False  # the late one is skipped; the other has 180 s
    g = Group(("consult", 0, False, None, "specialist"))
    for t in (booked(1, 470.0, -60.0), ticket(2, 1000.0)):
        g.add(t)
    assert _about_to_break(g, T, 480.0) is False  # nobody on time
    g = Group(("consult", 0, False, None, "specialist"))
    g.add(ticket(1, 479.5))
    assert _about_to_break(g, T, 480.0) is True
    g = Group(("consult", 0, False, None, "specialist"))
    g.add(ticket(1, 480.0))
    assert _about_to_break(g, T, 480.0) is True
    g = Group(("consult", 0, False, None, "specialist"))
    g.add(ticket(1, 360.0))
    assert _about_to_break(g, T, 480.0) is False  # exactly 120 s left: not «less than»


def test_people_ahead_counts_an_appointment_whose_slot_has_come_as_the_pair_rule_does():
    tickets = [booked(1, 30.0, -60.0), booked(2, 10.0, 60.0), ticket(3, 300.0), ticket(4, 470.0),
               ticket(5, 3700.0), booked(6, 5.0, 0.0, "cash"), ticket(7, 100.0, individual=True),
               booked(8, 600.0, -1.0)]
    check_line(tickets, [T, T + 60.0], windows=(PRIMARY, SECONDARY))


def test_a_visitor_half_a_millisecond_past_the_norm_still_has_the_visitor_with_less_slack_ahead():
    # found by this file: the visitor's own place was taken out of the count twice (once as next to
    # the stage's edge, once as itself), so a visitor just past the norm saw one person too few
    late = ticket(1, 480.0005)
    tickets = [late, ticket(2, 380.0)]
    line = line_of(tickets)
    assert ahead_of(line, late, PRIMARY, T, "norm-aware", wait_limit) == 1
    assert reference_ahead(PRIMARY, tickets, late, T, "norm-aware") == 1
    assert ahead_of(line, late, PRIMARY, T, "fifo", wait_limit) == 0  # under fifo the older one is first


def test_visitors_starving_while_still_within_a_long_promise_are_ahead_of_everyone_counted_once():
    # a promise far beyond the norm keeps a visitor «punctual» past the starving hour: the
    # starving rule still puts them first, and each is counted exactly once
    t = ticket(1, 1600.0, estimate=(25.0, 35.0))  # deadline in 500 s
    at_t = ticket(2, 4900.0, estimate=(25.0, 90.0))  # starving; its promise ends with t's deadline
    beyond = ticket(3, 3700.0, estimate=(25.0, 120.0))  # starving; its promise ends in 3500 s
    held = ticket(4, 3650.0)  # starving, held at the floor
    fresh = ticket(5, 10.0)
    tickets = [t, at_t, beyond, held, fresh]
    line = line_of(tickets)
    assert ahead_of(line, t, PRIMARY, T, "norm-aware", wait_limit) == 4  # with fresh: 470 s of slack
    assert reference_ahead(PRIMARY, tickets, t, T, "norm-aware") == 4
    check_line(tickets, [T, T + 0.001, T + 100.0], windows=(PRIMARY, SECONDARY))
