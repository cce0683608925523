"""The visitor questionnaire's rules (server/domain/survey.py): what an answer set may be, every
refusal code where it is raised, once per visit, the rows written and the report's tally. Pure
and fast (the questions against the standard's lines are in tests/test_survey.py)."""
from __future__ import annotations

import pytest

from server.domain import survey as S
from server.domain.model import Conflict, Invalid


def test_an_empty_answer_set_is_refused():
    for empty in ({}, None, [], "q1"):
        with pytest.raises(Invalid) as e:
            S.validate(empty)
        assert e.value.code == "survey_empty"
        assert e.value.message == "Нет ни одного ответа: выберите, пожалуйста, хотя бы один вариант"


def test_a_question_not_in_the_form_is_refused_with_its_id():
    with pytest.raises(Invalid) as e:
        S.validate({"q1": "yes", "q10_street": "Ленина"})
    assert (e.value.code, e.value.message) == ("survey_question", "В анкете нет такого вопроса")
    assert e.value.details == {"question": "q10_street"}
    with pytest.raises(Invalid) as e:
        S.validate({7: "yes"})
    assert e.value.code == "survey_question" and e.value.details == {"question": "7"}
    with pytest.raises(Invalid) as e:
        S.validate({"x" * 60: "yes"})
    assert e.value.details == {"question": "x" * 40}


def test_one_answer_questions_take_one_of_their_options():
    assert S.validate({"q1": "yes"}) == {"q1": "yes"}
    assert S.validate({"q2_office": "4", "q6": "unsure"}) == {"q2_office": "4", "q6": "unsure"}
    for bad in ("maybe", ["yes"], None, 1, "Да"):
        with pytest.raises(Invalid) as e:
            S.validate({"q1": bad})
        assert e.value.code == "survey_option"
        assert e.value.message == ("Вопрос «Довольны ли Вы качеством обслуживания в компании в целом?»: "
                                   "такого варианта ответа нет")
        assert e.value.details == {"question": "q1"}


def test_several_answer_questions_come_back_without_repeats_in_the_options_order():
    assert S.validate({"q5": ["bank", "cabinet", "bank"]}) == {"q5": ["cabinet", "bank"]}
    assert S.validate({"q5": "post"}) == {"q5": ["post"]}
    assert S.validate({"q9": ["other", "info"], "q1": "no"}) == {"q9": ["info", "other"], "q1": "no"}


@pytest.mark.parametrize("bad", [[], ["cabinet", "fax"], [1], ["cabinet", None], "fax", None])
def test_a_several_answer_question_refuses_an_empty_or_unknown_choice(bad):
    with pytest.raises(Invalid) as e:
        S.validate({"q5": bad})
    assert e.value.code == "survey_option"
    assert e.value.message == "Вопрос «Как Вам удобно оплачивать электроэнергию?»: такого варианта ответа нет"
    assert e.value.details == {"question": "q5"}


def test_a_later_bad_answer_refuses_the_whole_set():
    with pytest.raises(Invalid) as e:
        S.validate({"q1": "yes", "q6": "perhaps"})
    assert e.value.details == {"question": "q6"}


def test_the_form_opens_after_the_rating_and_a_visit_answers_once():
    with pytest.raises(Conflict) as e:
        S.check(False, None, {"q1": "yes"})
    assert (e.value.code, e.value.message) == ("survey_not_open", "Анкета открывается после оценки обслуживания")
    assert S.check(True, None, {"q1": "yes"}) is True
    # a retry of the same answers writes nothing
    assert S.check(True, {"q1": "yes"}, {"q1": "yes"}) is False
    with pytest.raises(Conflict) as e:
        S.check(True, {"q1": "yes"}, {"q1": "no"})
    assert (e.value.code, e.value.message) == ("survey_done",
                                               "Ответы на анкету по этому визиту уже получены. Спасибо!")
    with pytest.raises(Conflict) as e:
        S.check(False, {"q1": "yes"}, {"q1": "yes"})
    assert e.value.code == "survey_not_open"
    # answers stored before as an empty set are answers already given, not none
    with pytest.raises(Conflict) as e:
        S.check(True, {}, {"q1": "yes"})
    assert e.value.code == "survey_done"


def test_rows_one_per_chosen_option_in_the_forms_order():
    assert S.rows({"q5": ["cabinet", "bank"], "q1": "yes"}) == [("q1", "yes"), ("q5", "cabinet"), ("q5", "bank")]
    assert S.rows({}) == []
    assert S.rows({"q11_banks": ["sber"], "unknown": "x"}) == [("q11_banks", "sber")]


def test_the_tally_lists_every_question_and_option_with_counts_and_shares():
    out = S.tally([{"question": "q1", "answer": "yes", "n": 3, "visits": 4},
                   {"question": "q1", "answer": "no", "n": "1", "visits": 4},
                   {"question": "q5", "answer": "bank", "n": 2, "visits": 2},
                   {"question": "q5", "answer": "post", "n": 1, "visits": 1},
                   {"question": "q6", "answer": "yes", "n": 1}])
    assert [q["id"] for q in out] == [q.id for q in S.QUESTIONS]
    q1 = out[0]
    assert q1 == {"id": "q1", "text": "Довольны ли Вы качеством обслуживания в компании в целом?", "group": "",
                  "source": "000:634–636", "multiple": False, "answered": 4,
                  "options": [{"id": "yes", "label": "Да", "count": 3, "share": 0.75},
                              {"id": "no", "label": "Нет", "count": 1, "share": 0.25},
                              {"id": "unsure", "label": "Затрудняюсь ответить", "count": 0, "share": 0.0}]}
    q5 = next(q for q in out if q["id"] == "q5")
    # a several-answer question: the visits that answered it are the most any row says
    assert q5["answered"] == 2 and q5["multiple"] is True
    assert {o["id"]: (o["count"], o["share"]) for o in q5["options"]}["bank"] == (2, 1.0)
    assert {o["id"]: (o["count"], o["share"]) for o in q5["options"]}["post"] == (1, 0.5)
    # no visits counted: no share, not a division by zero
    q6 = next(q for q in out if q["id"] == "q6")
    assert q6["answered"] == 0 and q6["options"][0] == {"id": "yes", "label": "Да", "count": 1, "share": None}
    q2 = next(q for q in out if q["id"] == "q2_office")
    assert q2["group"] == ("Оцените работу компании в баллах, где 1 – самая низкая оценка, "
                           "а 4 – самая высокая оценка")
    assert q2["answered"] == 0 and all(o["count"] == 0 and o["share"] is None for o in q2["options"])


def test_the_tally_of_nothing_is_the_whole_form_unanswered():
    out = S.tally([])
    assert len(out) == len(S.QUESTIONS) == 22
    assert all(q["answered"] == 0 for q in out)


def test_a_matrix_row_scale_ends_with_its_own_none_and_unsure():
    # 000:641-648: 1 «очень плохо» … 4 «очень хорошо», then «не посещаю/не пользуюсь/не обращался», «затрудняюсь»
    assert S._scale("Не пользуюсь") == (("1", "1 — очень плохо"), ("2", "2"), ("3", "3"), ("4", "4 — очень хорошо"),
                                        ("none", "Не пользуюсь"), ("unsure", "Затрудняюсь"))
    assert S.BY_ID["q2_office"].options[4] == ("none", "Не посещаю офисы")
    assert S.BY_ID["q2_problems"].options[4] == ("none", "Не обращался")


def test_a_question_as_json():
    assert S.BY_ID["q7_sms"].to_json() == {
        "id": "q7_sms", "text": "СМС-сервис", "group": "Знаете ли Вы о существовании в компании следующих сервисов?",
        "source": "000:688", "multiple": False,
        "options": [{"id": "use", "label": "Знаю и пользуюсь"}, {"id": "know", "label": "Знаю, но не пользуюсь"},
                    {"id": "unknown", "label": "Не знаю"}]}
    assert S.BY_ID["q11_banks"].to_json()["multiple"] is True


def test_the_several_answer_questions_are_those_the_form_marks_so():
    # «возможно несколько вариантов ответа»: 5, 9 and the three rows of 11
    assert {q.id for q in S.QUESTIONS if q.multiple} == {"q5", "q9", "q11_messengers", "q11_social", "q11_banks"}
    assert S.SOURCE == "000:622–762"
