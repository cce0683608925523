"""The rules of dispatch, each pinned in the domain's words (server/domain/dispatch.py).

Each test builds the waiting tickets by hand and asks a policy which one a window calls, so a
rule that breaks (a constant changed, a comparison turned, a ``continue`` become a ``break``)
changes an answer here.
"""
from __future__ import annotations

from server.domain import dispatch
from server.domain.dispatch import (
    DEFAULT_WAIT_LIMIT,
    LOST_BY,
    LOST_FLOOR,
    LOST_GRACE,
    PROMISE_BEYOND,
    STARVING,
    WEIGHT_SLACK,
    eligible,
    fifo,
    norm_aware,
)
from server.domain.model import Segment, Ticket, TicketState, Window

MIN = 60.0
NOW = 100_000.0
_ids = iter(range(1, 10_000))


def ticket(service="consult", waited=0.0, **kw) -> Ticket:
    i = next(_ids)
    queued = NOW - waited
    t = Ticket(id=kw.pop("id", i), office="t", day="2026-12-03", service=service, letter="А", number=i,
               token=f"tok{i}", issued_at=queued, queued_at=queued, **kw)
    t.segments.append(Segment(service=service, queued_at=queued))
    return t


def window(services=None, level="specialist", wid=1) -> Window:
    return Window(id=wid, number=wid, services=services or {"consult": 1, "cash": 1})


def eight_minutes(_t):
    return 8 * MIN


def test_the_constants_are_the_documented_ones():
    # docs/simulation.md and the docstring of norm_aware give these figures
    assert (WEIGHT_SLACK, DEFAULT_WAIT_LIMIT, LOST_GRACE, LOST_BY) == (120.0, 900.0, 300.0, 900.0)
    assert (LOST_FLOOR, PROMISE_BEYOND, STARVING) == (50.0, 3.0, 3600.0)
    assert set(dispatch.POLICIES) == {"fifo", "norm-aware"}
    assert dispatch.POLICIES["fifo"] is fifo and dispatch.POLICIES["norm-aware"] is norm_aware


# --- who may be called at all ------------------------------------------------------------------

def test_a_ticket_aimed_at_another_window_hides_nothing_queued_after_it():
    w = window()
    aimed = ticket(target_window=2, waited=600)
    after = [ticket(waited=500), ticket(waited=400)]
    assert eligible(w, [aimed, *after]) == after


def test_a_ticket_escalated_above_the_window_hides_nothing_queued_after_it():
    w = window()  # a specialist's window
    escalated = ticket(target_level="senior", waited=600)
    after = ticket(waited=300)
    assert eligible(w, [escalated, after]) == [after]
    senior = Window(id=2, number=2, services={"consult": 1}, level="senior")
    assert eligible(senior, [escalated, after]) == [escalated, after]
    head_only = ticket(target_level="head")
    assert eligible(senior, [head_only]) == []


def test_only_waiting_tickets_of_the_windows_services():
    w = window({"consult": 1})
    called = ticket(state=TicketState.CALLED)
    other = ticket(service="cash")
    ok = ticket()
    assert eligible(w, [called, other, ok]) == [ok]


def test_a_transfer_aimed_at_this_window_is_eligible():
    w = window(wid=3)
    t = ticket(target_window=3)
    assert eligible(w, [t]) == [t]


# --- fifo -------------------------------------------------------------------------------------

def test_fifo_oldest_first():
    w = window()
    old, new = ticket(waited=300), ticket(waited=100)
    assert fifo(w, [new, old], NOW, eight_minutes) is old
    assert fifo(w, [], NOW, eight_minutes) is None


def test_fifo_individual_format_then_transfers_then_primary_service():
    w = window({"consult": 2, "cash": 1})
    old_cash = ticket("cash", waited=900)
    new_consult = ticket("consult", waited=10)
    assert fifo(w, [old_cash, new_consult], NOW, eight_minutes) is new_consult  # primary first
    transferred = ticket("cash", waited=5, priority=1)
    assert fifo(w, [old_cash, new_consult, transferred], NOW, eight_minutes) is transferred
    individual = ticket("cash", waited=1, individual=True)
    assert fifo(w, [old_cash, new_consult, transferred, individual], NOW, eight_minutes) is individual


def test_fifo_ties_by_id():
    w = window()
    a, b = ticket(waited=60, id=500), ticket(waited=60, id=400)
    assert fifo(w, [a, b], NOW, eight_minutes) is b


# --- norm-aware -------------------------------------------------------------------------------

def test_least_slack_first():
    w = window()
    cash = ticket("cash", waited=3 * MIN)        # 4-minute norm: 1 minute left
    consult = ticket("consult", waited=5 * MIN)  # 8-minute norm: 3 minutes left
    limits = {"cash": 4 * MIN, "consult": 8 * MIN}
    assert norm_aware(w, [consult, cash], NOW, lambda t: limits[t.service]) is cash
    assert fifo(w, [consult, cash], NOW, lambda t: limits[t.service]) is consult
    assert norm_aware(w, [], NOW, eight_minutes) is None


def test_without_a_norm_the_default_limit_stands_in():
    w = window()
    no_norm = ticket(waited=DEFAULT_WAIT_LIMIT - 100)   # 100 s of slack against the default
    normed = ticket("cash", waited=0)                   # 4 minutes of slack
    limits = {"consult": None, "cash": 4 * MIN}
    assert norm_aware(w, [normed, no_norm], NOW, lambda t: limits[t.service]) is no_norm


def test_primary_service_is_worth_weight_slack():
    w = window({"consult": 2, "cash": 1})
    # the secondary-service visitor has 100 s less slack, but the primary bonus is 120 s
    primary = ticket("consult", waited=8 * MIN - 300)
    secondary = ticket("cash", waited=8 * MIN - 200)
    assert norm_aware(w, [secondary, primary], NOW, eight_minutes) is primary
    secondary_tighter = ticket("cash", waited=8 * MIN - 170)  # 130 s tighter: beyond the bonus
    assert norm_aware(w, [secondary_tighter, primary], NOW, eight_minutes) is secondary_tighter


def test_a_late_visitor_never_pushes_a_punctual_one_past_the_norm():
    w = window()
    late = ticket(waited=8 * MIN + 10 * MIN)         # second deadline passed too: held at the floor
    almost = ticket(waited=8 * MIN - 40)              # 40 s from losing the norm (< LOST_FLOOR)
    assert norm_aware(w, [late, almost], NOW, eight_minutes) is almost


def test_a_late_visitor_goes_before_one_with_plenty_of_slack():
    w = window()
    late = ticket(waited=8 * MIN + 10 * MIN)
    relaxed = ticket(waited=60)                       # 7 minutes of slack, far above the floor
    assert norm_aware(w, [relaxed, late], NOW, eight_minutes) is late


def test_second_deadline_is_grace_or_lost_by_whichever_sooner():
    w = window()
    # 1 minute late: second deadline = min(5 min grace - 1 min, 15 min - 9 min) = 4 min of slack
    late = ticket(waited=9 * MIN)
    five = ticket(waited=3 * MIN)     # 5 minutes of slack
    three = ticket(waited=5 * MIN)    # 3 minutes of slack
    assert norm_aware(w, [five, late], NOW, eight_minutes) is late
    assert norm_aware(w, [three, late], NOW, eight_minutes) is three
    # with a 12-minute norm, 13 minutes waited: grace leaves 4 min, LOST_BY only 2 min
    limits = lambda t: 12 * MIN  # noqa: E731
    late12 = ticket(waited=13 * MIN)
    two_and_half = ticket(waited=12 * MIN - 150)   # 2.5 minutes of slack
    assert norm_aware(w, [two_and_half, late12], NOW, limits) is late12


def test_late_visitors_held_at_the_floor_go_newest_first():
    w = window()
    older = ticket(waited=30 * MIN)
    newer = ticket(waited=20 * MIN)
    assert norm_aware(w, [older, newer], NOW, eight_minutes) is newer


def test_late_visitors_above_the_floor_go_oldest_first():
    w = window()
    # both one minute late: second deadline 4 min away, above the floor: ties broken by age
    a = ticket(waited=9 * MIN, id=9001)
    b = ticket(waited=9 * MIN - 1, id=9000)
    assert norm_aware(w, [b, a], NOW, eight_minutes) is a


def test_starving_visitor_first_oldest_first():
    w = window()
    starving = ticket(waited=STARVING + 1)
    more_starving = ticket(waited=STARVING + 100)
    urgent = ticket("cash", waited=4 * MIN - 5)
    limits = {"consult": 8 * MIN, "cash": 4 * MIN}
    got = norm_aware(w, [urgent, starving, more_starving], NOW, lambda t: limits[t.service])
    assert got is more_starving
    assert norm_aware(w, [urgent, starving], NOW, lambda t: limits[t.service]) is starving
    just_under = ticket(waited=STARVING - 1)
    assert norm_aware(w, [urgent, just_under], NOW, lambda t: limits[t.service]) is urgent


def test_individual_format_and_transfers_before_everyone():
    w = window()
    starving = ticket(waited=STARVING + 100)
    transfer = ticket(waited=10, priority=1)
    individual = ticket(waited=1, individual=True)
    assert norm_aware(w, [starving, transfer], NOW, eight_minutes) is transfer
    assert norm_aware(w, [starving, transfer, individual], NOW, eight_minutes) is individual


def test_a_far_promise_becomes_the_deadline():
    w = window()
    # printed 30-40 minutes on an 8-minute norm (30 > 3 x 8): the deadline is 40 minutes
    promised = ticket(waited=20 * MIN, estimate=(30, 40))
    punctual = ticket(waited=8 * MIN - 120)           # 2 minutes of slack
    assert norm_aware(w, [promised, punctual], NOW, eight_minutes) is punctual
    # without the promise the same visitor is long past the norm and held at the floor;
    # a visitor with 2 minutes of slack still goes first, one with 10 minutes does not
    plain = ticket(waited=20 * MIN)
    relaxed = ticket(waited=0, estimate=None)
    assert norm_aware(w, [relaxed, plain], NOW, eight_minutes) is plain
    assert norm_aware(w, [relaxed, promised], NOW, eight_minutes) is relaxed


def test_a_near_promise_is_not_a_deadline():
    w = window()
    # 24 is exactly 3 x 8: not beyond, the norm stays the deadline
    at_three = ticket(waited=10 * MIN, estimate=(24, 30))
    relaxed = ticket(waited=0)
    assert norm_aware(w, [relaxed, at_three], NOW, eight_minutes) is at_three


def test_the_promise_holds_only_for_the_first_segment():
    w = window()
    promised = ticket(waited=20 * MIN, estimate=(30, 40))
    promised.segments.append(Segment(service="consult", queued_at=promised.queued_at))  # after a transfer
    relaxed = ticket(waited=0)
    assert norm_aware(w, [relaxed, promised], NOW, eight_minutes) is promised


def test_an_unknown_window_level_counts_as_a_specialists():
    odd = Window(id=1, number=1, services={"consult": 1}, level="intern")
    plain = ticket()
    senior = ticket(target_level="senior")
    assert eligible(odd, [senior, plain]) == [plain]


def test_a_visitor_exactly_at_the_norm_is_still_punctual():
    w = window()
    at_norm = ticket(waited=8 * MIN)          # slack exactly 0: still within the norm
    tight = ticket(waited=8 * MIN - 100)      # 100 s of slack
    assert norm_aware(w, [tight, at_norm], NOW, eight_minutes) is at_norm


def test_transfers_first_among_the_starving_and_among_the_late():
    w = window()
    starving = ticket(waited=STARVING + 500)
    starving_transfer = ticket(waited=STARVING + 10, priority=1)
    assert norm_aware(w, [starving, starving_transfer], NOW, eight_minutes) is starving_transfer
    late = ticket(waited=30 * MIN)
    late_transfer = ticket(waited=20 * MIN, priority=1)
    assert norm_aware(w, [late, late_transfer], NOW, eight_minutes) is late_transfer
    late_transfer2 = ticket(waited=40 * MIN - 1, priority=1)
    assert norm_aware(w, [late_transfer2, late], NOW, eight_minutes) is late_transfer2


def _cash_four(t):
    return 4 * MIN if t.service == "cash" else 8 * MIN


def test_late_visitors_with_equal_second_deadlines_go_oldest_first_above_the_floor():
    w = window()
    # both have 240 s to their second deadline: a consultation 1 minute late (9 of 8 minutes)
    # and a cash visitor 1 minute late (5 of 4 minutes); the one who came earlier goes first
    consult = ticket("consult", waited=9 * MIN)
    cash = ticket("cash", waited=5 * MIN)
    assert norm_aware(w, [cash, consult], NOW, _cash_four) is consult


def test_primary_bonus_counts_for_late_visitors_too():
    w = window({"consult": 1, "cash": 2})
    consult = ticket("consult", waited=9 * MIN)   # 240 s to the second deadline, secondary here
    cash = ticket("cash", waited=5 * MIN)         # 240 s too, but primary at this window
    assert norm_aware(w, [consult, cash], NOW, _cash_four) is cash


def test_the_promise_deadline_is_the_upper_end_in_minutes():
    w = window()
    # promised 30-40 minutes, waited 39: 60 s left to the promise
    promised = ticket(waited=39 * MIN, estimate=(30, 40))
    other = ticket(waited=8 * MIN - 80)           # 80 s of slack
    assert norm_aware(w, [other, promised], NOW, eight_minutes) is promised


def test_starving_begins_just_after_an_hour():
    w = window()
    limits = {"consult": 8 * MIN, "cash": 4 * MIN}
    exactly_an_hour = ticket(waited=STARVING)
    urgent = ticket("cash", waited=4 * MIN - 5)
    assert norm_aware(w, [exactly_an_hour, urgent], NOW, lambda t: limits[t.service]) is urgent


def test_the_starving_go_before_a_primary_visitor_with_a_bonus_beyond_their_slack():
    w = window({"consult": 1, "cash": 2})
    starving = ticket("consult", waited=STARVING + 10)
    urgent_primary = ticket("cash", waited=4 * MIN - 5)   # 5 s of slack, 120 s of primary bonus
    got = norm_aware(w, [urgent_primary, starving], NOW, _cash_four)
    assert got is starving


def test_late_visitors_exactly_at_the_floor_go_newest_first():
    w = window()
    # both exactly 50 s (LOST_FLOOR) from the second deadline: 730 s of an 8-minute norm,
    # 490 s of a 4-minute one; at the floor the one who came last goes first
    consult = ticket("consult", waited=730)
    cash = ticket("cash", waited=490)
    assert norm_aware(w, [consult, cash], NOW, _cash_four) is cash


# --- ties between the punctual and the late, found by mutation testing (issue 20) ----------------

def limits(by_service):
    return lambda t: by_service[t.service] * MIN


def test_an_older_late_visitor_goes_before_a_punctual_one_with_the_same_slack():
    # late: an 8-minute norm, waited 10 -> second deadline 3 minutes away; punctual: a 12-minute
    # norm, waited 9 -> 3 minutes of slack. Equal slack: the one who came first is called first.
    w = window({"consult": 1, "both": 1})
    late = ticket("consult", waited=10 * MIN)
    punctual = ticket("both", waited=9 * MIN)
    assert norm_aware(w, [punctual, late], NOW, limits({"consult": 8, "both": 12})) is late


def test_an_older_punctual_visitor_goes_before_a_late_one_with_the_same_slack():
    # late: a 4-minute norm, waited 5 -> second deadline 4 minutes away; punctual: a 12-minute
    # norm, waited 8 -> 4 minutes of slack, and came earlier
    w = window({"cash": 1, "both": 1})
    late = ticket("cash", waited=5 * MIN)
    punctual = ticket("both", waited=8 * MIN)
    assert norm_aware(w, [late, punctual], NOW, limits({"cash": 4, "both": 12})) is punctual


def test_a_late_visitor_held_at_the_floor_goes_before_a_punctual_one_with_exactly_that_slack():
    # «never ahead of someone less than LOST_FLOOR from losing their own»: exactly LOST_FLOOR is not less
    w = window()
    late = ticket("consult", waited=20 * MIN)           # long past both deadlines: held at the floor
    punctual = ticket("consult", waited=8 * MIN - LOST_FLOOR)  # exactly LOST_FLOOR of slack
    assert norm_aware(w, [punctual, late], NOW, eight_minutes) is late
    sooner = ticket("consult", waited=8 * MIN - LOST_FLOOR + 1)
    assert norm_aware(w, [late, sooner], NOW, eight_minutes) is sooner


def test_with_old_late_set_the_longest_late_waits_go_first_oldest_first(monkeypatch):
    # OLD_LATE (benchmarked in bench/family.md, off by default): late visitors held at the floor who
    # have waited this long are called oldest first, before the younger late ones (newest first)
    monkeypatch.setattr(dispatch, "OLD_LATE", 30 * MIN)
    w = window()
    young = [ticket("consult", waited=20 * MIN), ticket("consult", waited=25 * MIN)]
    old = [ticket("consult", waited=30 * MIN), ticket("consult", waited=40 * MIN)]
    assert norm_aware(w, [*young, *old], NOW, eight_minutes) is old[1]
    assert norm_aware(w, [*young, old[0]], NOW, eight_minutes) is old[0]  # exactly OLD_LATE counts as old
    assert norm_aware(w, young, NOW, eight_minutes) is young[0]  # the younger late: newest first
    punctual = ticket("consult", waited=8 * MIN - LOST_FLOOR)
    assert norm_aware(w, [punctual, old[0]], NOW, eight_minutes) is old[0]


def test_by_default_no_late_visitor_is_old_enough_for_the_old_late_rule():
    assert dispatch.OLD_LATE == float("inf")
    w = window()
    young, old = ticket("consult", waited=20 * MIN), ticket("consult", waited=50 * MIN)
    assert norm_aware(w, [old, young], NOW, eight_minutes) is young  # held at the floor: newest first
