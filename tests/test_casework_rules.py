"""The casework rules (server/domain/casework.py): kinds, deadlines with their sources, working
days, states, home-visit eligibility, validation and the keeping period. Pure and fast."""
from datetime import date

import pytest

from server.domain import casework as C
from server.domain.model import Conflict, QueueError

STANDARDS = __import__("pathlib").Path("/work/shared/standards")


def test_the_three_kinds_of_the_disclosure():
    # 004:206 «количество обращений, претензий и жалоб»
    assert C.KINDS == ("request", "claim", "complaint")
    assert [C.KIND_NAMES[k] for k in C.KINDS] == ["Обращение (заявление)", "Претензия", "Жалоба"]


@pytest.mark.parametrize("profile,kind,channel,days,working,source", [
    ("kuzbass-2020", "request", "paper", 3, True, "000:436"),
    ("kuzbass-2020", "request", "email", 3, True, "000:493"),
    ("kuzbass-2020", "complaint", "paper", 3, True, "000:436, 000:523"),
    ("kuzbass-2020", "claim", "site", 3, True, "000:436, 000:523"),
    ("pyatigorsk", "request", "paper", 30, False, "002:217"),
    ("pyatigorsk", "request", "email", 30, False, "002:239"),
    ("pyatigorsk", "complaint", "email", 30, False, "002:239, 002:258"),
    ("yutek-2025", "request", "paper", 15, False, "003:340"),
    ("yutek-2025", "request", "email", 15, False, "003:389"),
    ("yutek-2025", "claim", "paper", 15, False, "003:340, 003:424"),
    ("beso-2023", "request", "paper", 30, False, "004:335"),
    ("beso-2023", "request", "email", 30, False, "004:335"),
    ("beso-2023", "request", "site", 15, True, "004:359"),
    ("beso-2023", "complaint", "site", 15, True, "004:359, 004:390"),
    ("rosatom-2026", "complaint", "paper", 10, True, "001:990"),
    ("rosatom-2026", "claim", "email", 10, True, "001:990"),
    ("rosatom-2026", "request", "paper", 30, False, "59-ФЗ ст. 12 (004:79)"),
    ("someone-else", "request", "paper", 30, False, "59-ФЗ ст. 12 (004:79)"),
])
def test_each_term_with_its_source(profile, kind, channel, days, working, source):
    t = C.term(profile, kind, channel)
    assert (t.days, t.working, t.source) == (days, working, source)


@pytest.mark.parametrize("cite,words", [
    ("000:436", "3 рабочих дней"), ("000:493", "3 рабочих дней"), ("002:217", "30 календарных дней"),
    ("002:239", "30 календарных дней"), ("003:340", "15 календарных дней"), ("003:389", "15 календарных дней"),
    ("004:335", "30 календарных дней"), ("004:359", "15 рабочих дней"), ("001:990", "10 рабочих дней"),
    ("000:523", "сроки ответа на жалобу"), ("002:258", "ответ на его жалобу"), ("003:424", "ответ на его жалобу"),
    ("004:390", "сроки ответа на жалобу"), ("000:348", "более 65-ти лет"), ("002:170", "более 65-ти лет"),
    ("004:206", "количество обращений, претензий и жалоб"), ("001:113", "Претензия (жалоба)"),
])
def test_the_cited_lines_say_so(cite, words):
    number, line = cite.split(":")
    path = next(STANDARDS.glob(f"{number}_*.txt"))
    assert words in path.read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_unknown_kind_or_channel_refused():
    with pytest.raises(QueueError) as e:
        C.term("beso-2023", "letter")
    assert e.value.code == "bad_kind"
    with pytest.raises(QueueError) as e:
        C.term("beso-2023", "request", "fax")
    assert e.value.code == "bad_channel"
    with pytest.raises(QueueError):
        C.term("rosatom-2026", "letter")


def test_term_words_in_russian():
    assert C.Term(3, True, "").words() == "3 рабочих дня"
    assert C.Term(1, True, "").words() == "1 рабочий день"
    assert C.Term(21, False, "").words() == "21 календарный день"
    assert C.Term(11, False, "").words() == "11 календарных дней"
    assert C.Term(12, True, "").words() == "12 рабочих дней"
    assert C.Term(30, False, "").words() == "30 календарных дней"
    assert C.Term(15, True, "").words() == "15 рабочих дней"


def test_calendar_days_count_weekends_and_holidays():
    t = C.Term(30, False, "")
    assert C.due_date(date(2026, 12, 1), t, holidays={date(2026, 12, 5)}) == date(2026, 12, 31)


def test_working_days_skip_weekends():
    t = C.Term(3, True, "")
    # Thursday 2026-12-03 → Fri 4, Mon 7, Tue 8
    assert C.due_date(date(2026, 12, 3), t) == date(2026, 12, 8)
    # registered on a Saturday: Mon, Tue, Wed
    assert C.due_date(date(2026, 12, 5), t) == date(2026, 12, 9)


def test_working_days_skip_the_offices_holidays_and_count_its_extra_days():
    t = C.Term(3, True, "")
    assert C.due_date(date(2026, 12, 3), t, holidays={date(2026, 12, 7)}) == date(2026, 12, 9)
    # a Saturday worked instead of a holiday counts
    assert C.due_date(date(2026, 12, 3), t, extra_working={date(2026, 12, 5)}) == date(2026, 12, 7)
    assert C.is_working_day(date(2026, 12, 5), extra_working={date(2026, 12, 5)}, holidays={date(2026, 12, 5)})
    assert not C.is_working_day(date(2026, 12, 6))
    assert C.is_working_day(date(2026, 12, 4))
    assert not C.is_working_day(date(2026, 12, 4), holidays={date(2026, 12, 4)})


def test_new_year_holidays():
    t = C.Term(15, True, "")
    holidays = {date(2027, 1, d) for d in range(1, 9)}
    # from Tue 2026-12-29: Wed 30, Thu 31, then 11 Jan (Mon) onwards: 13 more working days → 27 Jan
    assert C.due_date(date(2026, 12, 29), t, holidays=holidays) == date(2027, 1, 27)


def test_request_status():
    due = date(2026, 12, 10)
    assert C.request_status("registered", due, date(2026, 12, 1)) == "open"
    assert C.request_status("registered", due, date(2026, 12, 7)) == "open"
    assert C.request_status("registered", due, date(2026, 12, 8)) == "due"
    assert C.request_status("registered", due, date(2026, 12, 10)) == "due"
    assert C.request_status("registered", due, date(2026, 12, 11)) == "overdue"
    assert C.request_status("answered", due, date(2026, 12, 20), date(2026, 12, 10)) == "answered"
    assert C.request_status("answered", due, date(2026, 12, 20), date(2026, 12, 11)) == "answered_late"
    assert C.request_status("answered", due, date(2026, 12, 20)) == "answered"
    assert set(C.STATUS_WORDS) == {"answered", "answered_late", "overdue", "due", "open"}


def test_answer_only_once():
    assert C.answer_request("registered") == "answered"
    with pytest.raises(Conflict) as e:
        C.answer_request("answered")
    assert e.value.code == "already_answered"


@pytest.mark.parametrize("alone,disabled,over,ok", [
    (True, True, False, True), (True, False, True, True), (True, True, True, True),
    (True, False, False, False), (False, True, True, False), (False, True, False, False),
    (False, False, True, False), (False, False, False, False)])
def test_home_visit_eligibility(alone, disabled, over, ok):
    assert C.visit_eligible(alone, disabled, over) is ok


def test_visit_moves():
    today = date(2026, 12, 3)
    assert C.visit_move("requested", "schedule", when=today, today=today) == "scheduled"
    assert C.visit_move("scheduled", "schedule", when=date(2026, 12, 9), today=today) == "scheduled"
    assert C.visit_move("scheduled", "done") == "done"
    assert C.visit_move("requested", "refuse", reason="Не проживает один") == "refused"
    assert C.visit_move("scheduled", "refuse", reason="Отменён по просьбе") == "refused"


@pytest.mark.parametrize("state,action,code,words", [
    ("requested", "done", "visit_state", "Сначала назначьте дату выезда"),
    ("done", "refuse", "visit_state", "Выезд уже выполнен"),
    ("done", "schedule", "visit_state", "Выезд уже выполнен"),
    ("refused", "done", "visit_state", "По этому выезду уже отказано"),
    ("refused", "schedule", "visit_state", "По этому выезду уже отказано"),
])
def test_visit_moves_refused(state, action, code, words):
    with pytest.raises(Conflict) as e:
        C.visit_move(state, action, reason="x", when=date(2026, 12, 3))
    assert (e.value.code, e.value.message) == (code, words)


def test_visit_refusal_needs_a_reason_and_a_schedule_a_date():
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "refuse", reason="  ")
    assert e.value.code == "reason_required" and e.value.status == 400
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "schedule")
    assert e.value.code == "date_required"
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "schedule", when=date(2026, 12, 2), today=date(2026, 12, 3))
    assert e.value.code == "date_past"
    with pytest.raises(QueueError) as e:
        C.visit_move("lost", "done")
    assert e.value.code == "bad_state"
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "fly")
    assert e.value.code == "bad_action"


def test_phone():
    assert C.phone_ok("+7 900 123-45-67")
    assert C.phone_ok("8(3842)45-67-89")
    assert C.phone_ok("12345")
    assert not C.phone_ok("1234")
    assert not C.phone_ok("звоните")
    assert not C.phone_ok("")
    assert not C.phone_ok("+7 900 123 45 67 12 34 56 78")
    assert C.phone_ok("123456789012345")        # 15 digits: the longest (E.164)
    assert not C.phone_ok("1234567890123456")   # 16
    assert not C.phone_ok("12345 доб. 6")        # words are not a phone
    assert C.phone_ok("(3842) 45-67")


def test_visit_problems():
    ok = dict(name="Иванова Анна", phone="+7 900 123-45-67", address="ул. Ленина, 1", reason="Договор",
              consent=True, lives_alone=True, disability=True, over_65=False)
    assert C.visit_problems(**ok) == []
    codes = [c for c, _ in C.visit_problems(**{**ok, "name": " ", "phone": "x", "address": "", "reason": "",
                                                 "consent": False, "lives_alone": False})]
    assert codes == ["name_required", "address_required", "bad_phone", "reason_required", "consent_required",
                     "not_eligible"]


def test_request_problems():
    ok = dict(kind="complaint", channel="paper", subject="Счёт", name="Петров", contact="+7 900 1", consent=True)
    assert C.request_problems(**ok) == []
    codes = [c for c, _ in C.request_problems(kind="x", channel="y", subject="", name="", contact="", consent=False)]
    assert codes == ["bad_kind", "bad_channel", "subject_required", "contact_required", "consent_required"]
    assert [c for c, _ in C.request_problems(**{**ok, "contact": " "})] == ["contact_required"]


def test_keeping_period():
    day = 86400.0
    assert C.PERSONAL_DATA_DAYS == 1095
    # closed records count from closing, open ones from registration
    assert not C.personal_data_expired(0, 10 * day, 15 * day, 10)
    assert C.personal_data_expired(0, 10 * day, 20 * day + 1, 10)
    assert not C.personal_data_expired(0, 10 * day, 20 * day, 10)
    assert C.personal_data_expired(0, None, 10 * day + 1, 10)
    assert not C.personal_data_expired(0, None, 10 * day, 10)


def test_masks():
    assert C.mask_name("Иванова Анна Петровна") == "И… А. П."
    assert C.mask_name("Иванова") == "И…"
    assert C.mask_name("  ") == ""
    assert C.mask_phone("+7 900 123-45-67") == "•••67"
    assert C.mask_phone("") == ""


def test_unknown_kind_or_channel_refused_in_russian():
    with pytest.raises(QueueError) as e:
        C.term("beso-2023", "letter")
    assert (e.value.code, e.value.message, e.value.status) == ("bad_kind", "Неизвестный вид обращения: letter", 400)
    with pytest.raises(QueueError) as e:
        C.term("beso-2023", "request", "fax")
    assert (e.value.code, e.value.message) == ("bad_channel", "Неизвестный способ подачи: fax")
    with pytest.raises(QueueError) as e:
        C.term("rosatom-2026", "claim", "fax")
    assert e.value.code == "bad_channel"


def test_a_request_by_default_came_on_paper():
    assert C.term("kuzbass-2020", "request") == C.Term(3, True, "000:436")
    assert C.term("beso-2023", "complaint") == C.Term(30, False, "004:335, 004:390")


def test_term_words_for_every_ending():
    # 1, 21, 101 день; 2-4, 22-24 дня; 5-20, 11-14, 111-114 дней
    for days, working, words in [(1, False, "1 календарный день"), (21, True, "21 рабочий день"),
                                 (101, False, "101 календарный день"), (111, True, "111 рабочих дней"),
                                 (2, False, "2 календарных дня"), (4, True, "4 рабочих дня"),
                                 (22, False, "22 календарных дня"), (24, True, "24 рабочих дня"),
                                 (13, False, "13 календарных дней"), (14, True, "14 рабочих дней"),
                                 (112, False, "112 календарных дней"), (5, True, "5 рабочих дней"),
                                 (10, True, "10 рабочих дней"), (25, False, "25 календарных дней")]:
        assert C.Term(days, working, "").words() == words, days


def test_a_saturday_and_a_sunday_are_not_working_days_unless_the_office_works_them():
    assert not C.is_working_day(date(2026, 12, 5))   # Saturday
    assert not C.is_working_day(date(2026, 12, 6))   # Sunday
    assert C.is_working_day(date(2026, 12, 7))       # Monday
    assert C.is_working_day(date(2026, 12, 6), extra_working={date(2026, 12, 6)})
    assert C.is_working_day(date(2026, 12, 4), holidays={date(2026, 12, 3)})


def test_working_days_are_counted_from_the_day_after_registration():
    assert C.due_date(date(2026, 12, 3), C.Term(1, True, "")) == date(2026, 12, 4)
    assert C.due_date(date(2026, 12, 4), C.Term(1, True, "")) == date(2026, 12, 7)
    assert C.due_date(date(2026, 12, 3), C.Term(0, True, "")) == date(2026, 12, 3)
    assert C.due_date(date(2026, 12, 4), C.Term(2, True, ""), holidays={date(2026, 12, 7)},
                      extra_working={date(2026, 12, 5)}) == date(2026, 12, 8)
    assert C.due_date(date(2026, 12, 4), C.Term(3, False, "")) == date(2026, 12, 7)


def test_status_due_soon_is_two_days_and_an_answer_on_the_last_day_is_in_time():
    assert C.DUE_SOON == 2
    due = date(2026, 12, 10)
    assert C.request_status("registered", due, date(2026, 12, 9)) == "due"
    assert C.request_status("answered", due, date(2026, 12, 1), date(2026, 12, 9)) == "answered"
    assert C.request_status("answered", due, date(2026, 12, 11), due) == "answered"
    assert C.STATUS_WORDS == {"answered": "Ответ дан в срок", "answered_late": "Ответ дан с опозданием",
                              "overdue": "Срок прошёл", "due": "Скоро срок", "open": "В работе"}


def test_answered_twice_refused_in_russian():
    with pytest.raises(Conflict) as e:
        C.answer_request("answered")
    assert (e.value.message, e.value.status) == ("На это обращение ответ уже дан", 409)
    with pytest.raises(Conflict):
        C.answer_request("lost")


def test_visit_refusals_in_russian():
    with pytest.raises(QueueError) as e:
        C.visit_move("lost", "done")
    assert e.value.message == "Неизвестное состояние выезда: lost"
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "fly")
    assert e.value.message == "Неизвестное действие: fly"
    with pytest.raises(QueueError) as e:
        C.visit_move("scheduled", "refuse")
    assert (e.value.code, e.value.message) == ("reason_required", "Укажите причину отказа")
    with pytest.raises(QueueError) as e:
        C.visit_move("scheduled", "refuse", reason=None)
    assert e.value.code == "reason_required"
    with pytest.raises(QueueError) as e:
        C.visit_move("scheduled", "schedule", today=date(2026, 12, 3))
    assert (e.value.code, e.value.message) == ("date_required", "Укажите дату выезда")
    with pytest.raises(QueueError) as e:
        C.visit_move("requested", "schedule", when=date(2026, 12, 2), today=date(2026, 12, 3))
    assert e.value.message == "Дата выезда не может быть в прошлом"
    # no today given: the date is not checked against it
    assert C.visit_move("requested", "schedule", when=date(2000, 1, 1)) == "scheduled"
    # an unknown action is refused even from a final state
    with pytest.raises(QueueError) as e:
        C.visit_move("done", "fly")
    assert e.value.code == "bad_action"
    # a reason is not needed to schedule or finish
    assert C.visit_move("scheduled", "done", reason="") == "done"


def test_eligibility_takes_any_truthy_answer_and_says_yes_or_no():
    assert C.visit_eligible(1, 0, "да") is True
    assert C.visit_eligible(1, None, 0) is False
    assert C.visit_eligible(0, 1, 1) is False


def test_phone_none_is_not_a_phone():
    assert not C.phone_ok(None)
    assert C.phone_ok("12 34 5")
    assert not C.phone_ok("+7 (900) 123-45-67-89-01-23")   # 17 digits
    assert not C.phone_ok("7" * 26)


def test_visit_problems_in_russian():
    codes = C.visit_problems(name=None, phone=None, address=None, reason=None, consent=False, lives_alone=True,
                             disability=False, over_65=False)
    assert codes == [
        ("name_required", "Укажите, к кому нужен выезд"), ("address_required", "Укажите адрес"),
        ("bad_phone", "Укажите телефон цифрами, например +7 900 123-45-67"),
        ("reason_required", "Укажите, с каким вопросом нужен выезд"),
        ("consent_required", "Нужно согласие на обработку персональных данных (152-ФЗ)"),
        ("not_eligible", "Выезд на дом организуется для одиноко проживающих людей с инвалидностью или старше "
                         "65 лет (000:348, 002:170)")]


def test_request_problems_in_russian():
    assert C.request_problems(kind=None, channel=None, subject=None, name=None, contact=None, consent=False) == [
        ("bad_kind", "Выберите вид: обращение, претензия или жалоба"),
        ("bad_channel", "Выберите, как поступило обращение"),
        ("subject_required", "Кратко укажите суть обращения"),
        ("contact_required", "Укажите имя и телефон или адрес для ответа (000:446, 004:347)"),
        ("consent_required", "Нужно согласие на обработку персональных данных (152-ФЗ)")]
    ok = dict(kind="request", channel="site", subject="Счёт", name="Петров", contact="a@b.ru", consent=True)
    assert [c for c, _ in C.request_problems(**{**ok, "name": " "})] == ["contact_required"]
    assert [c for c, _ in C.request_problems(**{**ok, "name": None})] == ["contact_required"]
    assert [c for c, _ in C.request_problems(**{**ok, "contact": None})] == ["contact_required"]
    assert [c for c, _ in C.request_problems(**{**ok, "subject": None})] == ["subject_required"]


def test_keeping_period_in_days_of_86400_seconds():
    assert C.PERSONAL_DATA_DAYS_RANGE == (30, 3650)
    assert C.personal_data_expired(100.0, None, 100.0 + 30 * 86400 + 1, 30)
    assert not C.personal_data_expired(100.0, None, 100.0 + 30 * 86400, 30)
    # closed at 0 (the epoch) is closed, not never closed
    assert not C.personal_data_expired(-50 * 86400.0, 0.0, 10 * 86400.0, 30)


def test_masks_keep_the_initials_and_the_last_two_digits():
    assert C.mask_name("Иванова  Анна") == "И… А."
    assert C.mask_name(None) == ""
    assert C.mask_name("Ли Ян Вэй Мин") == "Л… Я. В. М."
    assert C.mask_phone(None) == ""
    assert C.mask_phone("+7 900 123-45-68") == "•••68"
    assert C.mask_phone("7") == "•••7"
    assert C.mask_phone("звоните") == ""


def test_a_person_over_65_living_alone_without_a_disability_may_have_a_home_visit():
    # 000:348 «имеющее инвалидность или преклонный возраст (более 65-ти лет)»: either is enough
    ok = dict(name="Иванова Анна", phone="+7 900 123-45-67", address="ул. Ленина, 1", reason="Договор",
              consent=True, lives_alone=True, disability=False, over_65=True)
    assert C.visit_problems(**ok) == []
