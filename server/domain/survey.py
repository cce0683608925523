"""The visitor questionnaire of 000:622–762 («АНКЕТА для граждан-потребителей»), as data.

000:525 asks for surveys of the visitors' opinion at least once a year; 000:571 names this
questionnaire (Приложение №2) among the monitoring of service quality. Talon offers it on the
visitor's own page after the 1–5 rating (optional, one question per screen) and counts the
answers by question and by office in the yearly pack.

Every question and option is the standard's wording (the line it stands at is ``source``). The
matrix questions 2 and 7 are one screen per row. Left out, so that no personal data is ever
taken (the answers are tied to a ticket of the day): the free-text question 10 (000:710, it asks
for the street and house), the «свой вариант / другое» free texts (the option is kept, without
text), sex and age (000:749–758). The company name «ПАО «Кузбассэнергосбыт»» of the form is
replaced by «компания» (the questionnaire is offered in every office, whatever its company).

Pure: no I/O. :func:`validate` checks an answer set and answers it cleaned, or raises
:class:`~server.domain.model.Invalid` with a Russian message.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Conflict, Invalid

SOURCE = "000:622–762"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[tuple[str, str], ...]  # (id, label)
    source: str
    multiple: bool = False  # «возможно несколько вариантов ответа»
    group: str = ""  # the standard's question a matrix row belongs to

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "group": self.group, "source": self.source,
                "multiple": self.multiple, "options": [{"id": o, "label": label} for o, label in self.options]}


YES_NO_UNSURE = (("yes", "Да"), ("no", "Нет"), ("unsure", "Затрудняюсь ответить"))


def _scale(last: str) -> tuple[tuple[str, str], ...]:
    """000:641–648: 1 («Очень плохо») … 4 («Очень хорошо»), then «Не посещаю офисы» / «Не
    пользуюсь» / «Не обращался», then «Затрудняюсь»."""
    return (("1", "1 — очень плохо"), ("2", "2"), ("3", "3"), ("4", "4 — очень хорошо"),
            ("none", last), ("unsure", "Затрудняюсь"))


_Q2 = "Оцените работу компании в баллах, где 1 – самая низкая оценка, а 4 – самая высокая оценка"
_Q7 = "Знаете ли Вы о существовании в компании следующих сервисов?"
_KNOW = (("use", "Знаю и пользуюсь"), ("know", "Знаю, но не пользуюсь"), ("unknown", "Не знаю"))

QUESTIONS: tuple[Question, ...] = (
    Question("q1", "Довольны ли Вы качеством обслуживания в компании в целом?", YES_NO_UNSURE, "000:634–636"),
    Question("q2_office", "Работа сотрудников в офисах", _scale("Не посещаю офисы"), "000:642", group=_Q2),
    Question("q2_place", "Место расположения и график работы офисов компании", _scale("Не посещаю офисы"),
             "000:643", group=_Q2),
    Question("q2_hotline", "Работа горячей линии", _scale("Не пользуюсь"), "000:644", group=_Q2),
    Question("q2_readings", "Удобство передачи показаний", _scale("Не пользуюсь"), "000:645", group=_Q2),
    Question("q2_payment", "Удобство оплаты", _scale("Не пользуюсь"), "000:646", group=_Q2),
    Question("q2_site", "Работа сайта", _scale("Не пользуюсь"), "000:647", group=_Q2),
    Question("q2_problems", "Решение проблемных, сложных ситуаций, связанных с электроснабжением",
             _scale("Не обращался"), "000:648", group=_Q2),
    Question("q3", "Возникали ли у Вас когда-либо вопросы/проблемы, связанные с электроснабжением?",
             (("none", "Проблем не возникало"), ("readings", "Были проблемы с передачей показаний"),
              ("quality", "Были проблемы с качеством электроэнергии"),
              ("payment", "Были проблемы с внесением платы"), ("other", "Свой вариант")), "000:650–656"),
    Question("q4", "Обращались ли Вы в компанию для решения Вашей проблемы?",
             (("no_problem", "Проблем не было, не обращался"),
              ("solved", "Да, обращался, быстро решили вопрос, сложностей не возникло"),
              ("difficult", "Да, обращался, но возникли сложности"),
              ("did_not", "Нет, для решения проблемы не стал обращаться в компанию")), "000:658–664"),
    Question("q5", "Как Вам удобно оплачивать электроэнергию?",
             (("cabinet", "В личном кабинете на сайте компании"), ("app", "В приложении «Платосфера»"),
              ("office", "В офисе компании"), ("bank", "Через банк (офис, приложение)"),
              ("post", "На почте"), ("other", "Другое")), "000:666–675", multiple=True),
    Question("q6", "Готовы ли Вы оплачивать комиссию при оплате электроэнергии через банк?",
             (("yes", "Да"), ("no", "Нет"), ("unsure", "Не знаю")), "000:679–683"),
    Question("q7_sms", "СМС-сервис", _KNOW, "000:688", group=_Q7),
    Question("q7_cabinet", "Личный кабинет", _KNOW, "000:689", group=_Q7),
    Question("q7_readings", "Передача показаний через сайт", _KNOW, "000:690", group=_Q7),
    Question("q7_quickpay", "Быстрая оплата на сайте по номеру лицевого счета", _KNOW, "000:691", group=_Q7),
    Question("q7_app", "Мобильное приложение «Платосфера»", _KNOW, "000:692", group=_Q7),
    Question("q8", "Пользуетесь ли Вы сайтом компании?",
             (("monthly", "Да, регулярно, не реже 1 раза в месяц"),
              ("sometimes", "Да, иногда, не чаще 1 раза в 2 месяца"),
              ("rarely", "Да, очень редко, 1-2 раза в год и реже"), ("no", "Нет, не пользуюсь сайтом")),
             "000:694–699"),
    Question("q9", "Для чего Вы используете сайт?",
             (("info", "Получение оперативной информации о тарифах, услугах, сервисах"),
              ("cabinet", "Использую личный кабинет"), ("news", "Слежу за новостями компании в целом"),
              ("jobs", "Отслеживаю вакансии"), ("debt", "Проверяю задолженность"), ("other", "Другое")),
             "000:701–708", multiple=True),
    Question("q11_messengers", "Какими мессенджерами Вы пользуетесь?",
             (("whatsapp", "WhatsApp"), ("telegram", "Telegram"), ("viber", "Viber"), ("other", "Другое"),
              ("none", "Не пользуюсь")), "000:722–729", multiple=True),
    Question("q11_social", "Есть ли у Вас личная страница в социальных сетях?",
             (("vk", "ВКонтакте"), ("instagram", "Instagram"), ("ok", "Одноклассники"), ("other", "Другая"),
              ("none", "Нет")), "000:731–738", multiple=True),
    Question("q11_banks", "Услугами каких банков Вы пользуетесь?",
             (("sber", "Сбербанк"), ("vtb", "ВТБ"), ("alfa", "Альфа-Банк"), ("gazprom", "Газпромбанк"),
              ("other", "Другое")), "000:740–747", multiple=True),
)

BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}

#: The offer after the rating, and the thanks (000:626–632, 000:760–761 in plain words).
OFFER = "Ответить на несколько вопросов о качестве обслуживания?"
INTRO = ("Опрос помогает улучшить обслуживание. Отвечать необязательно: любой вопрос можно "
         "пропустить. Мы не спрашиваем имени, адреса и телефона.")
THANKS = "Спасибо, что нашли время ответить на вопросы!"


def validate(answers: object) -> dict[str, str | list[str]]:
    """An answer set: ``{question id: option id}`` (a list of option ids for a question with
    several answers). Skipped questions are simply absent; at least one answer is needed. The
    answer comes back cleaned (lists without repeats, in the options' order)."""
    if not isinstance(answers, dict) or not answers:
        raise Invalid("Нет ни одного ответа: выберите, пожалуйста, хотя бы один вариант", code="survey_empty")
    out: dict[str, str | list[str]] = {}
    for qid, value in answers.items():
        q = BY_ID.get(qid) if isinstance(qid, str) else None
        if q is None:
            raise Invalid("В анкете нет такого вопроса", code="survey_question", question=str(qid)[:40])
        ids = [o for o, _ in q.options]
        if q.multiple:
            chosen = value if isinstance(value, list) else [value]
            if not chosen or not all(isinstance(v, str) and v in ids for v in chosen):
                raise Invalid(f"Вопрос «{q.text}»: такого варианта ответа нет", code="survey_option",
                              question=qid)
            out[qid] = [o for o in ids if o in chosen]
        else:
            if not isinstance(value, str) or value not in ids:
                raise Invalid(f"Вопрос «{q.text}»: такого варианта ответа нет", code="survey_option",
                              question=qid)
            out[qid] = value
    return out


def check(rated: bool, before: dict[str, Any] | None, answers: dict[str, Any]) -> bool:
    """May this visit's answers be written? The form opens after the rating; a visit answers
    once: the same answers again (a retry) are fine and write nothing (False), others refused."""
    if not rated:
        raise Conflict("Анкета открывается после оценки обслуживания", code="survey_not_open")
    if before is None:
        return True
    if before == answers:
        return False
    raise Conflict("Ответы на анкету по этому визиту уже получены. Спасибо!", code="survey_done")


def rows(answers: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    """(question, option) pairs of a validated answer set: one per chosen option."""
    out = []
    for q in QUESTIONS:
        if q.id in answers:
            value = answers[q.id]
            out += [(q.id, v) for v in (value if isinstance(value, list) else [value])]
    return out


def tally(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's section from rows ``{question, answer, n, visits}`` (``n`` the times the
    option was chosen, ``visits`` the visits that answered the question): every question of the
    form in its order, every option with its count and its share of the visits that answered."""
    by_q: dict[str, dict[str, int]] = {}
    answered: dict[str, int] = {}
    for r in counts:
        by_q.setdefault(r["question"], {})[r["answer"]] = int(r["n"])
        answered[r["question"]] = max(answered.get(r["question"], 0), int(r.get("visits") or 0))
    out = []
    for q in QUESTIONS:
        got = by_q.get(q.id, {})
        n = answered.get(q.id, 0)
        out.append({"id": q.id, "text": q.text, "group": q.group, "source": q.source, "multiple": q.multiple,
                    "answered": n,
                    "options": [{"id": o, "label": label, "count": got.get(o, 0),
                                 "share": got.get(o, 0) / n if n else None} for o, label in q.options]})
    return out
