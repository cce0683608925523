"""The rating rules (pure core), the summary for the head's reports, the rate limiter and the
visitor's figures, without a hub: halls built by hand, time passed in."""
import random

import pytest
from core_support import at, make_hall

from server.domain import estimate, rating
from server.domain.model import Conflict, Invalid
from server.web.visitor import SlidingWindow, compute_figures, people, visitor_view

T0 = at("2026-11-23 10:00")
DAY = "2026-11-23"


def served(hall, service="consult", window=1, start=T0, length=300, operator=None):
    t = hall.issue(service, start)
    hall.call_ticket(window, t.id, start + 10, operator=operator)
    hall.start(t.id, start + 20)
    hall.finish(t.id, start + 20 + length)
    return t


def opened(hall, *windows, operator=None):
    for w in windows:
        hall.open_window(w, T0 - 60, operator=operator)
    return hall


# ---------------------------------------------------------------------- input

@pytest.mark.parametrize("value, score", [(1, 1), (5, 5), ("3", 3), (" 4 ", 4), (2.0, 2)])
def test_scores_accepted(value, score):
    assert rating.parse_score(value) == score


@pytest.mark.parametrize("value", [0, 6, -1, "0", "6", "", "five", "4.5", 4.5, None, True, False, [5], {"s": 5},
                                   "٣", "55", "1e1"])
def test_scores_refused_in_russian(value):
    with pytest.raises(Invalid) as e:
        rating.parse_score(value)
    assert e.value.code == "bad_score" and "от 1 до 5" in e.value.message


def test_comment_is_optional_cleaned_and_limited():
    assert rating.clean_comment(None) == ""
    assert rating.clean_comment("  Спасибо!  \r\nВсё понятно.\x00\x07 ") == "Спасибо!\nВсё понятно."
    assert rating.clean_comment("а" * rating.COMMENT_MAX) == "а" * rating.COMMENT_MAX
    with pytest.raises(Invalid) as e:
        rating.clean_comment("а" * (rating.COMMENT_MAX + 1))
    assert "не больше 1000 знаков" in e.value.message
    with pytest.raises(Invalid):
        rating.clean_comment(5)


# ---------------------------------------------------------------------- who may rate

def test_a_visit_is_rated_only_after_it_ends_with_a_service_and_only_once():
    hall = opened(make_hall(), 1)
    t = hall.issue("consult", T0)
    for step in (lambda: None, lambda: hall.call_next(1, T0 + 10), lambda: hall.start(t.id, T0 + 20)):
        step()
        problem = rating.refusal(t, DAY, already_rated=False)
        assert problem.code == "not_finished" and problem.message == "Оценить обслуживание можно после окончания приёма"
    hall.finish(t.id, T0 + 300)
    assert rating.refusal(t, DAY, already_rated=False) is None
    rating.check(t, DAY, already_rated=False)
    with pytest.raises(Conflict) as e:
        rating.check(t, DAY, already_rated=True)
    assert e.value.code == "already_rated" and e.value.status == 409
    assert rating.refusal(t, "2026-11-24", already_rated=False).code == "day_over"


def test_no_show_and_cancelled_visits_are_not_rated():
    hall = opened(make_hall(), 1)
    gone = hall.issue("consult", T0)
    hall.call_next(1, T0 + 10)
    hall.no_show(gone.id, T0 + 200)
    left = hall.issue("cash", T0)
    hall.cancel(left.id, T0 + 5)
    assert rating.refusal(gone, DAY, False).code == "not_served"
    assert rating.refusal(left, DAY, False).code == "not_served"


def test_a_transferred_visit_is_rated_once_at_its_end_for_the_last_window():
    hall = opened(make_hall(windows=2), 1, 2, operator=None)
    hall.windows[1].operator, hall.windows[2].operator = "op1", "op2"
    t = hall.issue("consult", T0)
    hall.call_ticket(1, t.id, T0 + 10)
    hall.start(t.id, T0 + 20)
    hall.transfer(t.id, T0 + 200, service="cash")
    assert rating.refusal(t, DAY, False).code == "not_finished"  # the visit goes on at the cash desk
    hall.call_ticket(2, t.id, T0 + 220)
    hall.start(t.id, T0 + 230)
    hall.finish(t.id, T0 + 330)
    row = rating.rating_row(t, 4, "Быстро", T0 + 400)
    assert row == {"ticket": t.id, "office": "t", "day": DAY, "score": 4, "comment": "Быстро",
                   "service": "cash", "window": 2, "operator": "op2", "at": T0 + 400}


def test_a_visit_settled_by_the_hall_administrator_has_no_window():
    hall = opened(make_hall(), 1)
    t = hall.issue("consult", T0)
    hall.resolve(t.id, T0 + 60)
    assert rating.refusal(t, DAY, False) is None
    row = rating.rating_row(t, 5, "", T0 + 70)
    assert (row["window"], row["operator"], row["service"]) == (None, None, "consult")


# ---------------------------------------------------------------------- the desk QR

def test_desk_qr_rates_the_visit_being_served_else_the_one_that_just_finished():
    hall = opened(make_hall(windows=2), 1, 2)
    first = served(hall, window=1, start=T0, length=300)          # finished at T0 + 320
    assert rating.desk_visit(hall, 1, T0 + 330) is first
    nxt = hall.issue("consult", T0 + 100)
    hall.call_ticket(1, nxt.id, T0 + 340)
    # only called: the leaving visitor still scans the desk QR
    assert rating.desk_visit(hall, 1, T0 + 350) is first
    hall.start(nxt.id, T0 + 360)
    assert rating.desk_visit(hall, 1, T0 + 370) is nxt
    assert rating.desk_visit(hall, 2, T0 + 370) is None             # nothing happened at window 2
    hall.finish(nxt.id, T0 + 500)
    assert rating.desk_visit(hall, 1, T0 + 510) is nxt
    assert rating.desk_visit(hall, 1, T0 + 500 + rating.DESK_GRACE + 1) is None  # too long ago
    assert rating.desk_visit(hall, 99, T0) is None


def test_desk_qr_ignores_no_shows():
    hall = opened(make_hall(), 1)
    t = hall.issue("consult", T0)
    hall.call_next(1, T0 + 10)
    hall.no_show(t.id, T0 + 100)
    assert rating.desk_visit(hall, 1, T0 + 110) is None


# ---------------------------------------------------------------------- the summary for reports

def test_summary_of_no_ratings():
    s = rating.summarize([])
    assert s["count"] == 0 and s["average"] is None and s["share_good"] is None
    assert s["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert s["by_operator"] == [] and s["ignored"] == 0


def test_summary_figures_and_groups():
    rows = [
        {"score": 5, "operator": "op1", "window": 1, "service": "consult", "day": DAY, "comment": "Спасибо"},
        {"score": 4, "operator": "op1", "window": 1, "service": "consult", "day": DAY, "comment": ""},
        {"score": 2, "operator": "op2", "window": 2, "service": "cash", "day": DAY, "comment": "Долго"},
        {"score": 5, "operator": None, "window": None, "service": "consult", "day": "2026-11-24", "comment": None},
        {"score": 9, "operator": "op2"},   # not a score: ignored, not counted
        {"score": True, "operator": "op2"},
    ]
    s = rating.summarize(rows)
    assert s["count"] == 4 and s["ignored"] == 2
    assert s["average"] == 4.0
    assert s["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    assert s["share_good"] == 0.75 and s["share_bad"] == 0.25
    assert s["with_comment"] == 2
    ops = s["by_operator"]
    assert [g["operator"] for g in ops] == ["op1", "op2", None]
    assert ops[0]["count"] == 2 and ops[0]["average"] == 4.5 and ops[1]["average"] == 2.0
    assert [(g["window"], g["count"]) for g in s["by_window"]] == [(1, 2), (2, 1), (None, 1)]
    assert [(g["day"], g["count"]) for g in s["by_day"]] == [(DAY, 3), ("2026-11-24", 1)]
    assert {g["service"]: g["average"] for g in s["by_service"]} == {"cash": 2.0, "consult": 4.67}


def test_summary_agrees_with_a_direct_count():
    rnd = random.Random(7)
    rows = [{"score": rnd.randint(1, 5), "operator": f"op{rnd.randint(1, 3)}"} for _ in range(500)]
    s = rating.summarize(rows)
    scores = [r["score"] for r in rows]
    assert s["count"] == 500 and s["average"] == round(sum(scores) / 500, 2)
    assert sum(s["distribution"].values()) == 500
    assert sum(g["count"] for g in s["by_operator"]) == 500
    for g in s["by_operator"]:
        mine = [r["score"] for r in rows if r["operator"] == g["operator"]]
        assert g["average"] == round(sum(mine) / len(mine), 2)


# ---------------------------------------------------------------------- the rate limiter

class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_sliding_window_allows_the_limit_then_refuses_until_the_oldest_hit_ages_out():
    clock = FakeClock()
    lim = SlidingWindow(3, 60.0, clock=clock)
    assert [lim.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert lim.hit("a") == pytest.approx(60.0)
    assert lim.hit("b") == 0.0  # keys are separate
    clock.t += 30
    assert lim.hit("a") == pytest.approx(30.0) and lim.blocked("a") == pytest.approx(30.0)
    clock.t += 30.001
    assert lim.blocked("a") == 0.0 and lim.hit("a") == 0.0
    assert lim.hit("a") == 0.0 and lim.hit("a") == 0.0 and lim.hit("a") > 0  # a sliding, not a fixed window


def test_sliding_window_keeps_memory_bounded():
    clock = FakeClock()
    lim = SlidingWindow(2, 60.0, max_keys=100, clock=clock)
    for i in range(1000):
        clock.t += 0.01
        assert lim.hit(f"addr{i}") == 0.0
    assert len(lim.hits) <= 100
    clock.t += 61
    lim.hit("late")
    assert len(lim.hits) == 1


# ---------------------------------------------------------------------- the visitor's own view

def test_figures_agree_with_the_core_people_ahead_and_estimates():
    rnd = random.Random(3)
    hall = opened(make_hall(windows=3, window_services=None), 1, 2)
    for i in range(40):
        hall.issue(rnd.choice(["consult", "cash", "both"]), T0 + i * 5)
    for w in (1, 2):
        hall.call_next(w, T0 + 300)
    now = T0 + 400
    figs = compute_figures(hall, now)
    ranges = estimate.for_waiting(hall, now)
    for t in hall.waiting():
        assert figs[t.id][0] == hall.people_ahead(t, now), t.code
        assert figs[t.id][1] == ranges[t.id]


def test_figures_when_no_open_window_serves_the_topic():
    hall = make_hall(windows=1, window_services={"consult": 1})
    hall.open_window(1, T0 - 60)
    a = hall.issue("cash", T0)
    b = hall.issue("cash", T0 + 1)
    figs = compute_figures(hall, T0 + 10)
    assert figs[a.id] == (0, (None, None)) and figs[b.id] == (1, (None, None))
    assert hall.people_ahead(b, T0 + 10) == 1


def test_the_view_shows_only_this_ticket_in_plain_russian():
    hall = opened(make_hall(windows=2), 1)
    hall.windows[1].number = 3
    others = [hall.issue("consult", T0 + i) for i in range(3)]
    mine = hall.issue("consult", T0 + 10)
    figs = compute_figures(hall, T0 + 20)
    v = visitor_view(hall, mine, DAY, figs, None)
    assert v["code"] == "А-004" and v["state"] == "waiting" and v["ahead"] == 3
    assert v["say"]["ahead"] == "Перед Вами 3 человека"
    assert v["say"]["estimate"].startswith("Примерное время ожидания: ")
    text = repr(v)
    assert not any(o.code in text for o in others) and mine.token not in text
    assert set(v) == {"code", "service", "state", "outcome", "ahead", "estimate", "window", "recalls",
                      "rated", "score", "can_rate", "final", "say"}

    hall.call_ticket(1, mine.id, T0 + 30)
    v = visitor_view(hall, mine, DAY, {}, None)
    assert v["window"] == 3 and v["say"]["call"] == "Вас приглашают к окну 3"
    hall.start(mine.id, T0 + 40)
    assert visitor_view(hall, mine, DAY, {}, None)["say"]["serving"] == "Вас обслуживают в окне 3"
    hall.finish(mine.id, T0 + 100)
    v = visitor_view(hall, mine, DAY, {}, None)
    assert v["final"] and v["can_rate"] and v["window"] == 3
    v = visitor_view(hall, mine, DAY, {}, 5)
    assert not v["can_rate"] and v["say"]["thanks"] == "Спасибо за оценку! Ваша оценка: 5 из 5 — отлично."


@pytest.mark.parametrize("n, words", [(0, "0 человек"), (1, "1 человек"), (2, "2 человека"), (4, "4 человека"),
                                      (5, "5 человек"), (11, "11 человек"), (12, "12 человек"),
                                      (21, "21 человек"), (22, "22 человека"), (111, "111 человек")])
def test_people_in_russian(n, words):
    assert people(n) == words
