"""Casework: written requests, claims and complaints, and home visits (issue 16, points 3, 4, 7).

Pure rules, no I/O, time passed in. The standards' words:

* **Kinds of written requests** — обращение (заявление), претензия, жалоба; the yearly disclosure
  counts each of them (004:206). A claim is a complaint about the contract (001:113), a complaint
  is a statement that the visitor's rights were broken (004:87).
* **Deadlines** — each company's standard sets its own term, so the term is chosen by the office's
  norm profile (the same ids as :mod:`server.domain.norms`), the kind and the channel, each with
  its ``FILE:LINE``. Complaints and claims are answered within the same term as requests where a
  standard says so (000:523, 002:258, 003:424, 004:390); 001 gives claims and complaints their
  own term (001:988-990).
* **Working days** are Monday to Friday except the office's holidays; a day the office's timetable
  lists as an extra working day (``Schedule.special``) counts as one.
* **Home visits** (000:348, 002:170): for a person who lives alone and has a disability or is
  over 65 («одинокопроживающее лицо, имеющее инвалидность или преклонный возраст (более 65-ти
  лет)»); requested by a written or telephone request (000:350); the date is set by the office
  (000:352). States: requested → scheduled → done | refused (with a reason); requested → refused.
* **Personal data, the minimum needed** (152-ФЗ; 000:104, 002:46): names, phones and addresses
  are kept for the office's ``personal_data_days`` after the record was closed (or, for a record
  never closed, after it was made), then blanked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .model import Conflict, QueueError

# ---------------------------------------------------------------------- kinds and channels

KINDS = ("request", "claim", "complaint")
KIND_NAMES = {"request": "Обращение (заявление)", "claim": "Претензия", "complaint": "Жалоба"}
#: how a written request came: on paper (by post or in person), by e-mail, through the site
CHANNELS = ("paper", "email", "site")
CHANNEL_NAMES = {"paper": "Письмо или лично", "email": "Электронная почта", "site": "Сайт"}


@dataclass(frozen=True)
class Term:
    """A deadline: ``days`` calendar or working days, and where the standard says so."""

    days: int
    working: bool
    source: str

    def words(self) -> str:
        unit = "рабочих дней" if self.working else "календарных дней"
        if self.days % 10 == 1 and self.days % 100 != 11:
            unit = "рабочий день" if self.working else "календарный день"
        elif self.days % 10 in (2, 3, 4) and self.days % 100 not in (12, 13, 14):
            unit = "рабочих дня" if self.working else "календарных дня"
        return f"{self.days} {unit}"


#: profile → channel → the term of a request (обращение).
REQUEST_TERMS: dict[str, dict[str, Term]] = {
    "kuzbass-2020": {
        "paper": Term(3, True, "000:436"),
        "email": Term(3, True, "000:493"),
        "site": Term(3, True, "000:436"),  # the site's «Интернет-приемная» is a written request (000:428)
    },
    "pyatigorsk": {
        "paper": Term(30, False, "002:217"),
        "email": Term(30, False, "002:239"),
        "site": Term(30, False, "002:217"),
    },
    "yutek-2025": {
        "paper": Term(15, False, "003:340"),
        "email": Term(15, False, "003:389"),
        "site": Term(15, False, "003:340"),
    },
    "beso-2023": {
        "paper": Term(30, False, "004:335"),
        "email": Term(30, False, "004:335"),
        "site": Term(15, True, "004:359"),
    },
}
#: 001 names no term for a written request; the law it serves (59-ФЗ, art. 12, named at 004:79)
#: gives 30 days. Its claims and complaints: «не более 10 рабочих дней» (001:988-990).
LAW_TERM = Term(30, False, "59-ФЗ ст. 12 (004:79)")
ROSATOM_COMPLAINT = Term(10, True, "001:990")
#: Where a standard says complaints follow the requests' terms.
SAME_TERM_AS_REQUESTS = {"kuzbass-2020": "000:523", "pyatigorsk": "002:258", "yutek-2025": "003:424",
                         "beso-2023": "004:390"}


def term(profile: str, kind: str, channel: str = "paper") -> Term:
    """The deadline of a written request of ``kind`` that came through ``channel``."""
    if kind not in KINDS:
        raise QueueError(f"Неизвестный вид обращения: {kind}", code="bad_kind")
    if channel not in CHANNELS:
        raise QueueError(f"Неизвестный способ подачи: {channel}", code="bad_channel")
    if profile == "rosatom-2026":
        return ROSATOM_COMPLAINT if kind != "request" else LAW_TERM
    terms = REQUEST_TERMS.get(profile)
    if terms is None:
        return LAW_TERM
    base = terms[channel]
    if kind == "request":
        return base
    return Term(base.days, base.working, f"{base.source}, {SAME_TERM_AS_REQUESTS[profile]}")


# ---------------------------------------------------------------------- deadlines

def is_working_day(day: date, holidays: frozenset[date] | set[date] = frozenset(),
                   extra_working: frozenset[date] | set[date] = frozenset()) -> bool:
    """Monday to Friday except the office's holidays; an extra working day always counts."""
    if day in extra_working:
        return True
    return day.weekday() < 5 and day not in holidays


def due_date(registered: date, t: Term, holidays: frozenset[date] | set[date] = frozenset(),
             extra_working: frozenset[date] | set[date] = frozenset()) -> date:
    """The last day to answer: ``t.days`` days after the day of registration (that day not
    counted); working days skip weekends and holidays."""
    if not t.working:
        return registered + timedelta(days=t.days)
    day, left = registered, t.days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays, extra_working):
            left -= 1
    return day


REQUEST_STATES = ("registered", "answered")


def request_status(state: str, due: date, today: date, answered: date | None = None) -> str:
    """What the stand shows: ``answered`` (in time), ``answered_late``, ``overdue`` (open past its
    day), ``due`` (open, the last day is today or within ``DUE_SOON`` days), or ``open``."""
    if state == "answered":
        return "answered" if answered is None or answered <= due else "answered_late"
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON:
        return "due"
    return "open"


#: «скоро срок»: the last day is within this many days
DUE_SOON = 2

STATUS_WORDS = {"answered": "Ответ дан в срок", "answered_late": "Ответ дан с опозданием",
                "overdue": "Срок прошёл", "due": "Скоро срок", "open": "В работе"}


def answer_request(state: str) -> str:
    """registered → answered; a request answered once can not be answered again."""
    if state != "registered":
        raise Conflict("На это обращение ответ уже дан", code="already_answered")
    return "answered"


# ---------------------------------------------------------------------- home visits

VISIT_STATES = ("requested", "scheduled", "done", "refused")
VISIT_STATE_WORDS = {"requested": "Ожидает даты", "scheduled": "Назначен", "done": "Выполнен",
                     "refused": "Отказано"}
#: state → the actions allowed from it → the state they lead to
VISIT_MOVES = {
    "requested": {"schedule": "scheduled", "refuse": "refused"},
    "scheduled": {"schedule": "scheduled", "done": "done", "refuse": "refused"},
    "done": {},
    "refused": {},
}
#: a home visit is asked for in writing or by telephone (000:350)
VISIT_CHANNELS = ("written", "phone")


def visit_eligible(lives_alone: bool, disability: bool, over_65: bool) -> bool:
    """000:348, 002:170: a person living alone who has a disability or is over 65."""
    return bool(lives_alone) and (bool(disability) or bool(over_65))


def visit_move(state: str, action: str, reason: str = "", when: date | None = None,
               today: date | None = None) -> str:
    """The state after ``action`` (schedule | done | refuse), or a refusal in Russian."""
    moves = VISIT_MOVES.get(state)
    if moves is None:
        raise QueueError(f"Неизвестное состояние выезда: {state}", code="bad_state")
    if action not in ("schedule", "done", "refuse"):
        raise QueueError(f"Неизвестное действие: {action}", code="bad_action")
    if action not in moves:
        words = {"done": "Выезд уже выполнен", "refused": "По этому выезду уже отказано"}.get(state)
        if action == "done" and state == "requested":
            words = "Сначала назначьте дату выезда"
        raise Conflict(words or "Это действие сейчас недоступно", code="visit_state")
    if action == "refuse" and not (reason or "").strip():
        raise QueueError("Укажите причину отказа", code="reason_required")
    if action == "schedule":
        if when is None:
            raise QueueError("Укажите дату выезда", code="date_required")
        if today is not None and when < today:
            raise QueueError("Дата выезда не может быть в прошлом", code="date_past")
    return moves[action]


# ---------------------------------------------------------------------- validation

PHONE = re.compile(r"^\+?[\d\s()\-]{5,25}$")


def phone_ok(phone: str) -> bool:
    digits = sum(ch.isdigit() for ch in phone or "")
    return bool(PHONE.match(phone or "")) and 5 <= digits <= 15


def visit_problems(name: str, phone: str, address: str, reason: str, consent: bool,
                   lives_alone: bool, disability: bool, over_65: bool) -> list[tuple[str, str]]:
    """Every reason a home-visit request can not be registered, as (code, Russian words)."""
    out = []
    if not (name or "").strip():
        out.append(("name_required", "Укажите, к кому нужен выезд"))
    if not (address or "").strip():
        out.append(("address_required", "Укажите адрес"))
    if not phone_ok(phone):
        out.append(("bad_phone", "Укажите телефон цифрами, например +7 900 123-45-67"))
    if not (reason or "").strip():
        out.append(("reason_required", "Укажите, с каким вопросом нужен выезд"))
    if not consent:
        out.append(("consent_required", "Нужно согласие на обработку персональных данных (152-ФЗ)"))
    if not visit_eligible(lives_alone, disability, over_65):
        out.append(("not_eligible", "Выезд на дом организуется для одиноко проживающих людей "
                                    "с инвалидностью или старше 65 лет (000:348, 002:170)"))
    return out


def request_problems(kind: str, channel: str, subject: str, name: str, contact: str,
                     consent: bool) -> list[tuple[str, str]]:
    """A written request with no contact details is not considered (000:446, 004:347)."""
    out = []
    if kind not in KINDS:
        out.append(("bad_kind", "Выберите вид: обращение, претензия или жалоба"))
    if channel not in CHANNELS:
        out.append(("bad_channel", "Выберите, как поступило обращение"))
    if not (subject or "").strip():
        out.append(("subject_required", "Кратко укажите суть обращения"))
    if not (name or "").strip() or not (contact or "").strip():
        out.append(("contact_required", "Укажите имя и телефон или адрес для ответа (000:446, 004:347)"))
    if not consent:
        out.append(("consent_required", "Нужно согласие на обработку персональных данных (152-ФЗ)"))
    return out


# ---------------------------------------------------------------------- personal data

#: 3 years (the general limitation period, ГК РФ ст. 196): the standards set no keeping period.
PERSONAL_DATA_DAYS = 1095
PERSONAL_DATA_DAYS_RANGE = (30, 3650)


def personal_data_expired(created: float, closed: float | None, now: float, days: int) -> bool:
    """Whether a record's names, phones and addresses are kept no longer: ``days`` after it was
    closed, or after it was made if it was never closed."""
    start = closed if closed is not None else created
    return now - start > days * 86400.0


def mask_name(name: str) -> str:
    """«Иванова Анна Петровна» → «И… А. П.» shown in lists; the whole name only when opened."""
    parts = (name or "").split()
    if not parts:
        return ""
    return " ".join([parts[0][:1] + "…"] + [p[:1] + "." for p in parts[1:]])


def mask_phone(phone: str) -> str:
    """Only the last two digits: «+7 ••• ••• •• 67»."""
    digits = [c for c in phone or "" if c.isdigit()]
    return "•••" + "".join(digits[-2:]) if digits else ""
