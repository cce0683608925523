"""The visitor's rating of a visit (server/domain/rating.py, 001:481, 001:509, 004:444), each rule
pinned in the domain's words: what a score and a comment may be, which visits may be rated and
what each refusal says, which window and operator a rating belongs to, which visit a desk QR
rates, and the figures of the head's report."""
from __future__ import annotations

import pytest
from core_support import at, make_hall

from server.domain import rating
from server.domain.model import Conflict, Invalid, Segment, Ticket, TicketState
from server.domain.rating import (
    COMMENT_MAX,
    DESK_GRACE,
    SCORE_WORDS,
    SCORES,
    SERVED_OUTCOMES,
    check,
    clean_comment,
    desk_visit,
    parse_score,
    rating_row,
    refusal,
    served_segment,
    summarize,
)

T0 = at("2026-12-03 10:00")
TODAY = "2026-12-03"


def test_the_constants_are_the_documented_ones():
    assert SCORES == (1, 2, 3, 4, 5)
    assert COMMENT_MAX == 1000
    assert DESK_GRACE == 600.0  # ten minutes after a finish the desk QR still rates that visit
    assert SERVED_OUTCOMES == ("finished", "transferred", "escalated")
    assert SCORE_WORDS == {1: "очень плохо", 2: "плохо", 3: "удовлетворительно", 4: "хорошо", 5: "отлично"}


# --- a score ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,score", [(5, 5), (1, 1), ("5", 5), (" 3 ", 3), ("1", 1), (4.0, 4), (2.0, 2)])
def test_a_score_is_a_whole_number_from_1_to_5_as_number_or_text(value, score):
    got = parse_score(value)
    assert got == score and type(got) is int


@pytest.mark.parametrize("value", [0, 6, -1, "0", "6", "55", "", " ", "5.0", "пять", "X", "1.", "٣", 4.5, 0.0, 6.0,
                                   None, True, False, [5], "12345"])
def test_anything_else_is_refused_with_a_polite_russian_request(value):
    """Never a crash (a 500): «X» or «1.» is refused like any other wrong answer."""
    with pytest.raises(Invalid) as e:
        parse_score(value)
    assert e.value.code == "bad_score" and e.value.status == 400
    assert e.value.message == "Выберите, пожалуйста, оценку от 1 до 5"


# --- a comment ----------------------------------------------------------------------------------

def test_no_comment_is_an_empty_comment():
    assert clean_comment(None) == ""
    assert clean_comment("") == ""
    assert clean_comment("   \n ") == ""


def test_a_comment_must_be_text():
    for value in (5, ["спасибо"], {"text": "спасибо"}):
        with pytest.raises(Invalid) as e:
            clean_comment(value)
        assert e.value.code == "bad_comment" and e.value.message == "Комментарий должен быть текстом"


def test_control_characters_become_spaces_but_line_breaks_and_tabs_stay():
    assert clean_comment("Спасибо\x00за\x07помощь") == "Спасибо за помощь"
    assert clean_comment("Строка 1\nСтрока\t2") == "Строка 1\nСтрока\t2"
    assert clean_comment("а\u200bб") == "а б"  # a format character (category Cf) is a control too


def test_line_ends_of_any_system_become_one_and_trailing_spaces_go():
    assert clean_comment("раз\r\nдва\rтри") == "раз\nдва\nтри"
    assert clean_comment("  раз   \nдва  \n  ") == "раз\nдва"


def test_a_comment_up_to_1000_characters_is_kept_longer_is_refused():
    assert clean_comment("я" * 1000) == "я" * 1000
    assert clean_comment("я" * 1000 + "   ") == "я" * 1000  # counted after trimming
    with pytest.raises(Invalid) as e:
        clean_comment("я" * 1001)
    assert e.value.code == "bad_comment"
    assert e.value.message == "Комментарий слишком длинный: не больше 1000 знаков"


# --- which visits may be rated --------------------------------------------------------------------

def ticket(state=TicketState.FINISHED, day=TODAY, segments=()) -> Ticket:
    t = Ticket(id=7, office="demo", day=day, service="cash", letter="Б", number=7, token="tok",
               issued_at=T0, queued_at=T0, state=state)
    t.segments += list(segments)
    return t


def test_a_finished_visit_of_today_not_yet_rated_may_be_rated():
    assert refusal(ticket(), TODAY, False) is None
    check(ticket(), TODAY, False)  # no refusal raised


def test_only_on_the_day_of_the_visit_even_before_asking_whether_it_was_rated():
    for already in (False, True):
        r = refusal(ticket(), "2026-12-04", already)
        assert isinstance(r, Conflict) and r.code == "day_over" and r.status == 409
        assert r.message == "Оценить обслуживание можно только в день визита"


def test_one_rating_per_visit():
    with pytest.raises(Conflict) as e:
        check(ticket(), TODAY, True)
    assert e.value.code == "already_rated"
    r = refusal(ticket(), TODAY, True)
    assert r.code == "already_rated" and r.message == "Оценка за этот визит уже получена. Спасибо!"
    r = refusal(ticket(TicketState.SERVING), TODAY, True)
    assert r.code == "already_rated"  # asked before the state


@pytest.mark.parametrize("state", [TicketState.NO_SHOW, TicketState.CANCELLED])
def test_a_visit_ended_without_service_may_not_be_rated(state):
    r = refusal(ticket(state), TODAY, False)
    assert r.code == "not_served" and r.message == "Этот визит завершился без обслуживания, оценить его нельзя"


@pytest.mark.parametrize("state", [TicketState.WAITING, TicketState.CALLED, TicketState.SERVING])
def test_a_visit_still_going_may_be_rated_after_it_ends(state):
    r = refusal(ticket(state), TODAY, False)
    assert r.code == "not_finished" and r.message == "Оценить обслуживание можно после окончания приёма"
    with pytest.raises(Conflict) as e:
        check(ticket(state), TODAY, False)
    assert e.value is not None and e.value.code == "not_finished"


# --- whose visit it was -------------------------------------------------------------------------

def seg(service, window=None, started=None, operator=None, ended=None, outcome=None) -> Segment:
    return Segment(service=service, queued_at=T0, called_at=started, started_at=started, ended_at=ended,
                   window=window, operator=operator, outcome=outcome)


def test_a_rating_belongs_to_the_last_window_where_the_visitor_was_served():
    t = ticket(segments=[seg("consult", 1, T0 + 60, "op1", T0 + 300, "transferred"),
                         seg("cash", 3, T0 + 400, "op3", T0 + 500, "transferred"),
                         seg("certificate", 4, None, "op4")])  # called to window 4, never served there
    t.service = "certificate"
    assert served_segment(t).window == 3
    row = rating_row(t, 5, "Спасибо", T0 + 600)
    assert row == {"ticket": 7, "office": "demo", "day": TODAY, "score": 5, "comment": "Спасибо",
                   "service": "cash", "window": 3, "operator": "op3", "at": T0 + 600}


def test_a_segment_without_a_window_is_not_where_the_visitor_was_served():
    t = ticket(segments=[seg("consult", 2, T0 + 60, "op2", T0 + 100, "transferred"),
                         seg("cash", None, T0 + 200)])
    assert served_segment(t).window == 2


def test_a_visit_never_served_at_a_window_is_the_tickets_service_and_nobodys():
    t = ticket(TicketState.FINISHED, segments=[seg("consult")])
    assert served_segment(t) is None
    row = rating_row(t, 3, "", T0)
    assert (row["service"], row["window"], row["operator"]) == ("cash", None, None)


# --- the desk QR (001:509) ----------------------------------------------------------------------

def served_hall():
    """Window 1: Б-001 served 10:01–10:05 and finished; the hall's clock at 10:05."""
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    a = hall.issue("cash", T0)
    hall.call_next(1, T0 + 30, "op1")
    hall.start(a.id, T0 + 60, actor="op1")
    hall.finish(a.id, T0 + 300, actor="op1")
    return hall, a


def test_the_desk_qr_rates_the_visit_that_just_finished_there():
    hall, a = served_hall()
    assert desk_visit(hall, 1, T0 + 300) is a
    assert desk_visit(hall, 1, T0 + 300 + DESK_GRACE) is a       # ten minutes after: still that visit
    assert desk_visit(hall, 1, T0 + 300 + DESK_GRACE + 1) is None  # later: nobody's
    assert desk_visit(hall, 2, T0 + 300) is None                  # another window: nothing served there
    assert desk_visit(hall, 99, T0 + 300) is None                 # no such window


def test_the_grace_may_be_given():
    hall, a = served_hall()
    assert desk_visit(hall, 1, T0 + 400, grace=100) is a
    assert desk_visit(hall, 1, T0 + 401, grace=100) is None


def test_the_visit_being_served_at_the_desk_comes_first():
    hall, a = served_hall()
    b = hall.issue("cash", T0 + 310)
    hall.call_next(1, T0 + 320, "op1")
    assert desk_visit(hall, 1, T0 + 330) is a  # b only called: the leaving visitor rates
    hall.start(b.id, T0 + 340, actor="op1")
    assert desk_visit(hall, 1, T0 + 350) is b


def test_of_two_finished_visits_the_latest_is_rated():
    hall, a = served_hall()
    b = hall.issue("cash", T0 + 310)
    hall.call_next(1, T0 + 320, "op1")
    hall.start(b.id, T0 + 340, actor="op1")
    hall.finish(b.id, T0 + 360, actor="op1")
    assert desk_visit(hall, 1, T0 + 370) is b
    hall.tickets = dict(reversed(hall.tickets.items()))  # whatever order the hall keeps them in
    assert desk_visit(hall, 1, T0 + 370) is b


def test_a_visitor_who_did_not_come_or_was_never_started_is_not_rated_at_the_desk():
    hall = make_hall(windows=1)
    hall.open_window(1, T0, "op1")
    a = hall.issue("cash", T0)
    hall.call_next(1, T0 + 30, "op1")
    hall.no_show(a.id, T0 + 200, actor="op1")
    assert desk_visit(hall, 1, T0 + 210) is None
    b = hall.issue("cash", T0 + 220)
    hall.call_next(1, T0 + 230, "op1")
    hall.transfer(b.id, T0 + 240, service="consult", admin=True)  # transferred before service began
    assert desk_visit(hall, 1, T0 + 250) is None


def test_a_visit_escalated_or_transferred_after_service_is_rated_at_the_desk_it_left():
    hall = make_hall(windows=2)
    hall.open_window(1, T0, "op1")
    a = hall.issue("cash", T0)
    hall.call_next(1, T0 + 30, "op1")
    hall.start(a.id, T0 + 60, actor="op1")
    hall.transfer(a.id, T0 + 200, service="consult", actor="op1")
    assert desk_visit(hall, 1, T0 + 210) is a


def test_the_serving_ticket_on_a_window_must_really_be_serving_there():
    hall, a = served_hall()
    hall.windows[1].ticket = 12345  # a stale reference: no such ticket
    assert desk_visit(hall, 1, T0 + 310) is a


# --- the head's figures ---------------------------------------------------------------------------

def test_the_figures_of_a_set_of_ratings():
    rows = [{"score": s} for s in (5, 5, 4, 3, 2, 1)]
    s = summarize(rows)
    assert s["count"] == 6
    assert s["average"] == 3.33          # 20 / 6, two decimals
    assert s["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    assert s["share_good"] == 0.5        # fours and fives
    assert s["share_bad"] == 0.3333      # ones and twos, four decimals
    assert summarize([{"score": 5}, {"score": 3}, {"score": 3}])["share_good"] == 0.3333
    assert s["ignored"] == 0 and s["with_comment"] == 0


def test_no_ratings_no_average():
    s = summarize([])
    assert (s["count"], s["average"], s["share_good"], s["share_bad"]) == (0, None, None, None)
    assert s["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert s["by_operator"] == [] and s["by_day"] == []


def test_scores_outside_1_to_5_are_not_counted_but_counted_as_ignored():
    rows = [{"score": 5}, {"score": 0}, {"score": 6}, {"score": True}, {"score": "5"}, {"score": None}, {},
            {"score": 4.0}]
    s = summarize(rows)
    assert s["count"] == 1 and s["ignored"] == 7 and s["average"] == 5.0


def test_comments_counted_only_when_they_say_something():
    rows = [{"score": 5, "comment": "Спасибо"}, {"score": 4, "comment": "   "}, {"score": 3, "comment": None},
            {"score": 2}]
    assert summarize(rows)["with_comment"] == 1


def test_figures_by_operator_window_service_and_day_sorted_with_the_unknown_last():
    rows = [{"score": 5, "operator": "op2", "window": 2, "service": "cash", "day": "2026-12-02"},
            {"score": 3, "operator": "op1", "window": 10, "service": "cash", "day": "2026-12-03"},
            {"score": 4, "operator": None, "window": None, "service": "consult", "day": "2026-12-03"},
            {"score": 1, "operator": "op1", "window": 10, "service": "consult", "day": "2026-12-03"}]
    s = summarize(rows)
    assert [g["operator"] for g in s["by_operator"]] == ["op1", "op2", None]
    op1 = s["by_operator"][0]
    assert op1 == {"operator": "op1", "count": 2, "average": 2.0,
                   "distribution": {"1": 1, "2": 0, "3": 1, "4": 0, "5": 0}, "share_good": 0.0, "share_bad": 0.5}
    assert [g["window"] for g in s["by_window"]] == [10, 2, None]  # by the key's text
    assert [(g["service"], g["count"]) for g in s["by_service"]] == [("cash", 2), ("consult", 2)]
    assert [(g["day"], g["average"]) for g in s["by_day"]] == [("2026-12-02", 5.0), ("2026-12-03", 2.67)]


def test_the_module_has_no_clock_of_its_own():
    assert not hasattr(rating, "time") and not hasattr(rating, "datetime")


def test_check_refuses_a_second_rating_of_the_same_visit():
    with pytest.raises(Conflict) as e:
        check(ticket(), TODAY, True)
    assert e.value.code == "already_rated"
