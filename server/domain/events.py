"""The event catalogue (issue 15 point 3): every type of event in an office's log, declared once.

Each entry says what the event means, which data fields it carries (required or optional, and
their JSON type), whether the ``Hall`` applies it (a queue event: a replay of the log rebuilds
the hall from these), and what the hall board and the administrator's stand do when it arrives:

* board — ``announce`` (flash the call and say it aloud), ``refresh`` (redraw from the event's
  view), ``reset`` (a new day: clear the board), ``reload`` (fetch the texts and hours again),
  ``ignore``;
* stand — ``announce`` (show and say the call, then re-read), ``refresh`` (re-read the hall),
  ``ignore`` (the stand does not follow it on the stream; its periodic re-read shows it).

Pure data, no I/O. Everything else takes the names from here: the core (``Hall.apply`` refuses a
type that is not declared and skips a declared non-queue type on purpose), the board
(``display_board/state.py``), the stand (``/api/v1/events/catalogue.js``, read by
``monitor.js``), and the OpenAPI document (``x-events``).

**To add an event type**, add one line to ``CATALOGUE`` below: ``_e(name, meaning, board, stand,
queue=..., field=TYPE, ...)``. A TYPE is a JSON type (``int``, ``num``, ``str``, ``bool``,
``obj``, ``list``), ``|null`` when it may be null, and a trailing ``?`` when the field may be
left out. A queue event (``queue=True``) also needs its apply function in ``hall._APPLY``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Invalid

BOARD_ACTIONS = ("announce", "refresh", "reset", "reload", "ignore")
STAND_ACTIONS = ("announce", "refresh", "ignore")

_JSON = {"int": "integer", "num": "number", "str": "string", "bool": "boolean", "obj": "object",
         "list": "array", "null": "null"}


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]      # JSON types: "integer", "string", ... ("null" when it may be null)
    required: bool


@dataclass(frozen=True)
class EventType:
    name: str
    meaning: str                # one line, Russian
    board: str                  # one of BOARD_ACTIONS
    stand: str                  # one of STAND_ACTIONS
    queue: bool                 # applied by the Hall (changes the queue's state)
    fields: tuple[Field, ...]

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the event's ``data``."""
        props = {f.name: {"type": list(f.types) if len(f.types) > 1 else f.types[0]} for f in self.fields}
        return {"type": "object", "properties": props, "required": [f.name for f in self.fields if f.required],
                "additionalProperties": False}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "meaning": self.meaning, "queue": self.queue, "board": self.board,
                "stand": self.stand, "data": self.schema()}


class UnknownEvent(Invalid, KeyError):
    """An event whose type the catalogue does not declare. A ``KeyError`` as well, so a replay
    that skips events it can not apply (the centre's) skips it with a warning."""

    code = "unknown_event"

    def __str__(self) -> str:
        return self.message


def _field(name: str, spec: str) -> Field:
    required = not spec.endswith("?")
    return Field(name, tuple(_JSON[t] for t in spec.rstrip("?").split("|")), required)


def _e(name: str, meaning: str, board: str, stand: str, /, *, queue: bool = False, **fields: str) -> EventType:
    return EventType(name, meaning, board, stand, queue, tuple(_field(k, v) for k, v in fields.items()))


_BY = {"by": "str?"}  # who acted (left out when no person did: the simulator, a sample day)
_T: dict[str, Any] = {"ticket": "int"}
_W = {"window": "int|null?"}

CATALOGUE: tuple[EventType, ...] = (
    # --- the queue: applied by the Hall --------------------------------------------------------
    _e("ticket.issued", "Выдан талон", "refresh", "refresh", queue=True, **_T, service="str", letter="str",
       number="int", code="str", token="str", source="str?", client_type="str?", individual="bool?",
       priority="int?", estimate="list|null?", opens_at="num|null?", appointment="str?",
       appointment_at="num|null?"),
    _e("ticket.called", "Посетитель приглашён к окну", "announce", "announce", queue=True, **_T,
       window="int", operator="str|null?", **_BY),
    _e("ticket.recalled", "Посетитель приглашён повторно", "announce", "announce", queue=True, **_T, **_W, **_BY),
    _e("ticket.started", "Посетитель подошёл, приём начат", "refresh", "refresh", queue=True, **_T, **_W, **_BY),
    _e("ticket.phase", "Этап приёма сменился", "refresh", "refresh", queue=True, **_T, phase="str|null?", **_BY),
    _e("ticket.accounts", "Указано число лицевых счетов в обращении", "refresh", "refresh", queue=True, **_T,
       accounts="int", **_BY),
    _e("ticket.finished", "Приём завершён", "refresh", "refresh", queue=True, **_T, **_W, outcome="str|null?",
       **_BY),
    _e("ticket.no_show", "Посетитель не подошёл", "refresh", "refresh", queue=True, **_T, **_W, **_BY),
    _e("ticket.cancelled", "Талон отменён", "refresh", "refresh", queue=True, **_T, **_W, reason="str|null?",
       **_BY),
    _e("ticket.expired", "Талон не обслужен до конца дня", "refresh", "refresh", queue=True, **_T),
    _e("ticket.resolved", "Вопрос решён администратором", "refresh", "refresh", queue=True, **_T, **_BY),
    _e("ticket.postponed", "Посетитель отошёл и вернулся в очередь", "refresh", "refresh", queue=True, **_T, **_W,
       **_BY),
    _e("ticket.transferred", "Посетитель направлен к другой услуге или окну", "refresh", "refresh", queue=True,
       **_T, **_W, service="str", target_window="int|null?", priority="int?", hold="bool?", **_BY),
    _e("ticket.escalated", "Посетитель направлен к старшему специалисту", "refresh", "refresh", queue=True, **_T,
       **_W, level="str", **_BY),
    _e("window.opened", "Окно открыто", "refresh", "refresh", queue=True, window="int", operator="str|null?", **_BY),
    _e("window.paused", "Перерыв в окне", "refresh", "refresh", queue=True, window="int", reason="str|null?",
       override="bool?", planned="obj?", **_BY),
    _e("window.closed", "Окно закрыто", "refresh", "refresh", queue=True, window="int", reason="str?",
       ticket="int?", returned="bool?", **_BY),
    _e("day.started", "Начался новый день приёма", "reset", "refresh", queue=True, day="str", floor="obj?"),
    _e("numbering.floor", "Номера талонов продолжаются после восстановления копии", "ignore", "ignore", queue=True,
       day="str", letters="obj", reason="str?"),
    # --- the rest of the office's life: logged and streamed, not applied by the Hall -----------
    _e("ticket.print_requested", "Администратор попросил напечатать талон ещё раз", "ignore", "refresh", **_T,
       device="int|str", by="str"),
    _e("help.requested", "С киоска позвали администратора", "ignore", "refresh", device="int|str", screen="str?",
       comment="str?"),
    _e("device.status", "Устройство сообщило о своём состоянии", "ignore", "refresh", device="int|str",
       printer="obj?", sound="obj?", version="str?"),
    _e("device.registered", "Зарегистрировано устройство", "ignore", "refresh", device="int|str", kind="str",
       name="str"),
    _e("device.paired", "Устройство подключено", "ignore", "refresh", device="int|str", kind="str"),
    _e("device.revoked", "Устройство отключено", "ignore", "refresh", device="int|str", kind="str", name="str",
       login="str"),
    _e("incident.opened", "Неполадка устройства", "ignore", "refresh", device="int|str", kind="str",
       detail="str?"),
    _e("incident.closed", "Неполадка устранена", "ignore", "refresh", device="int|str", kind="str",
       incident="int"),
    _e("config.changed", "Изменены настройки отделения", "reload", "refresh", what="str", version="int|str?",
       device="int|str?", text_mode="bool|null?", login="str?"),
    _e("alert.acknowledged", "Предупреждение принято к сведению", "ignore", "refresh", alert="str", kind="str",
       login="str"),
    _e("auth.burst", "Много неудачных попыток входа", "ignore", "ignore", office="str", scope="str",
       address="str|null", addresses="int", attempts="int", window="num", logins="list", more_logins="int"),
    _e("rating.given", "Посетитель оценил обслуживание", "ignore", "ignore", **_T, score="int",
       service="str|null", window="int|null", operator="str|null", commented="bool"),
    _e("survey.answered", "Посетитель ответил на анкету (000:622–762)", "ignore", "ignore", **_T,
       answers="list"),
    # casework (issue 16 points 3, 4, 7; server/api/casework.py): ids and kinds only, never names or phones
    _e("visit.requested", "Зарегистрирована заявка на выезд на дом", "ignore", "ignore", visit="int", channel="str"),
    _e("visit.scheduled", "Назначена дата выезда на дом", "ignore", "ignore", visit="int", state="str", date="str?"),
    _e("visit.done", "Выезд на дом выполнен", "ignore", "ignore", visit="int", state="str"),
    _e("visit.refused", "В выезде на дом отказано", "ignore", "ignore", visit="int", state="str"),
    _e("request.registered", "Зарегистрировано письменное обращение, претензия или жалоба", "ignore", "ignore",
       request="int", kind="str", channel="str", due="str"),
    _e("request.answered", "На обращение дан ответ", "ignore", "ignore", request="int", kind="str", late="bool"),
    _e("personal_data.forgotten", "Истёк срок хранения персональных данных: они стёрты", "ignore", "ignore",
       visits="int", requests="int", days="int"),
    _e("casework.settings_changed", "Изменён срок хранения персональных данных", "ignore", "ignore",
       personal_data_days="int"),
)

TYPES: dict[str, EventType] = {e.name: e for e in CATALOGUE}

#: Types the Hall applies, and those it skips on purpose (declared, but not about the queue).
QUEUE_TYPES = frozenset(e.name for e in CATALOGUE if e.queue)
OTHER_TYPES = frozenset(e.name for e in CATALOGUE if not e.queue)


def name(kind: str) -> str:
    """``kind`` itself, after checking the catalogue declares it (for modules that name a type)."""
    if kind not in TYPES:
        raise UnknownEvent(f"Неизвестный тип события «{kind}»")
    return kind


def board_does(action: str) -> frozenset[str]:
    """The types the hall board handles with ``action``."""
    return frozenset(e.name for e in CATALOGUE if e.board == action)


def stand_does(action: str) -> frozenset[str]:
    """The types the stand handles with ``action``."""
    return frozenset(e.name for e in CATALOGUE if e.stand == action)


def published() -> dict[str, Any]:
    """The catalogue as published (OpenAPI ``x-events``, ``/api/v1/events/catalogue``)."""
    return {"events": [e.to_json() for e in CATALOGUE], "board_actions": list(BOARD_ACTIONS),
            "stand_actions": list(STAND_ACTIONS)}
