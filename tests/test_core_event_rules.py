"""The event catalogue's rules (server/domain/events.py): every type declared once with its
meaning, its fields (required or optional, their JSON types), whether the Hall applies it, what
the board and the stand do; the published catalogue; an undeclared type refused. Pure and fast."""
from __future__ import annotations

import pytest

from server.domain import events as E
from server.domain.model import Invalid


def test_an_undeclared_type_is_refused_with_its_name_in_russian():
    with pytest.raises(E.UnknownEvent) as e:
        E.name("ticket.teleported")
    assert e.value.code == "unknown_event"
    assert str(e.value) == "Неизвестный тип события «ticket.teleported»"
    assert isinstance(e.value, Invalid) and isinstance(e.value, KeyError)
    assert E.name("ticket.called") == "ticket.called"


#: The catalogue as the log, the board and the stand rely on it: (type, meaning, board, stand,
#: applied by the Hall, data fields as declared: JSON type, «|null» may be null, «?» may be left out).
DECLARED = [
    ("ticket.issued", "Выдан талон", "refresh", "refresh", True, dict(ticket="int", service="str", letter="str", number="int", code="str", token="str", source="str?", client_type="str?", individual="bool?", priority="int?", estimate="list|null?", opens_at="num|null?", appointment="str?", appointment_at="num|null?")),
    ("ticket.called", "Посетитель приглашён к окну", "announce", "announce", True, dict(ticket="int", window="int", operator="str|null?", by="str?")),
    ("ticket.recalled", "Посетитель приглашён повторно", "announce", "announce", True, dict(ticket="int", window="int|null?", by="str?")),
    ("ticket.started", "Посетитель подошёл, приём начат", "refresh", "refresh", True, dict(ticket="int", window="int|null?", by="str?")),
    ("ticket.phase", "Этап приёма сменился", "refresh", "refresh", True, dict(ticket="int", phase="str|null?", by="str?")),
    ("ticket.accounts", "Указано число лицевых счетов в обращении", "refresh", "refresh", True, dict(ticket="int", accounts="int", by="str?")),
    ("ticket.finished", "Приём завершён", "refresh", "refresh", True, dict(ticket="int", window="int|null?", outcome="str|null?", by="str?")),
    ("ticket.no_show", "Посетитель не подошёл", "refresh", "refresh", True, dict(ticket="int", window="int|null?", by="str?")),
    ("ticket.cancelled", "Талон отменён", "refresh", "refresh", True, dict(ticket="int", window="int|null?", reason="str|null?", by="str?")),
    ("ticket.expired", "Талон не обслужен до конца дня", "refresh", "refresh", True, dict(ticket="int")),
    ("ticket.resolved", "Вопрос решён администратором", "refresh", "refresh", True, dict(ticket="int", by="str?")),
    ("ticket.postponed", "Посетитель отошёл и вернулся в очередь", "refresh", "refresh", True, dict(ticket="int", window="int|null?", by="str?")),
    ("ticket.transferred", "Посетитель направлен к другой услуге или окну", "refresh", "refresh", True, dict(ticket="int", window="int|null?", service="str", target_window="int|null?", priority="int?", hold="bool?", by="str?")),
    ("ticket.escalated", "Посетитель направлен к старшему специалисту", "refresh", "refresh", True, dict(ticket="int", window="int|null?", level="str", by="str?")),
    ("window.opened", "Окно открыто", "refresh", "refresh", True, dict(window="int", operator="str|null?", by="str?")),
    ("window.paused", "Перерыв в окне", "refresh", "refresh", True, dict(window="int", reason="str|null?", override="bool?", planned="obj?", by="str?")),
    ("window.closed", "Окно закрыто", "refresh", "refresh", True, dict(window="int", reason="str?", ticket="int?", returned="bool?", by="str?")),
    ("day.started", "Начался новый день приёма", "reset", "refresh", True, dict(day="str", floor="obj?")),
    ("numbering.floor", "Номера талонов продолжаются после восстановления копии", "ignore", "ignore", True, dict(day="str", letters="obj", reason="str?")),
    ("ticket.print_requested", "Администратор попросил напечатать талон ещё раз", "ignore", "refresh", False, dict(ticket="int", device="int|str", by="str")),
    ("help.requested", "С киоска позвали администратора", "ignore", "refresh", False, dict(device="int|str", screen="str?", comment="str?")),
    ("device.status", "Устройство сообщило о своём состоянии", "ignore", "refresh", False, dict(device="int|str", printer="obj?", sound="obj?", version="str?")),
    ("device.registered", "Зарегистрировано устройство", "ignore", "refresh", False, dict(device="int|str", kind="str", name="str")),
    ("device.paired", "Устройство подключено", "ignore", "refresh", False, dict(device="int|str", kind="str")),
    ("device.revoked", "Устройство отключено", "ignore", "refresh", False, dict(device="int|str", kind="str", name="str", login="str")),
    ("incident.opened", "Неполадка устройства", "ignore", "refresh", False, dict(device="int|str", kind="str", detail="str?")),
    ("incident.closed", "Неполадка устранена", "ignore", "refresh", False, dict(device="int|str", kind="str", incident="int")),
    ("config.changed", "Изменены настройки отделения", "reload", "refresh", False, dict(what="str", version="int|str?", device="int|str?", text_mode="bool|null?", login="str?")),
    ("alert.acknowledged", "Предупреждение принято к сведению", "ignore", "refresh", False, dict(alert="str", kind="str", login="str")),
    ("auth.burst", "Много неудачных попыток входа", "ignore", "ignore", False, dict(office="str", scope="str", address="str|null", addresses="int", attempts="int", window="num", logins="list", more_logins="int")),
    ("rating.given", "Посетитель оценил обслуживание", "ignore", "ignore", False, dict(ticket="int", score="int", service="str|null", window="int|null", operator="str|null", commented="bool")),
    ("visit.requested", "Зарегистрирована заявка на выезд на дом", "ignore", "ignore", False, dict(visit="int", channel="str")),
    ("visit.scheduled", "Назначена дата выезда на дом", "ignore", "ignore", False, dict(visit="int", state="str", date="str?")),
    ("visit.done", "Выезд на дом выполнен", "ignore", "ignore", False, dict(visit="int", state="str")),
    ("visit.refused", "В выезде на дом отказано", "ignore", "ignore", False, dict(visit="int", state="str")),
    ("request.registered", "Зарегистрировано письменное обращение, претензия или жалоба", "ignore", "ignore", False, dict(request="int", kind="str", channel="str", due="str")),
    ("request.answered", "На обращение дан ответ", "ignore", "ignore", False, dict(request="int", kind="str", late="bool")),
    ("personal_data.forgotten", "Истёк срок хранения персональных данных: они стёрты", "ignore", "ignore", False, dict(visits="int", requests="int", days="int")),
    ("casework.settings_changed", "Изменён срок хранения персональных данных", "ignore", "ignore", False, dict(personal_data_days="int")),
    ("survey.answered", "Посетитель ответил на анкету (000:622–762)", "ignore", "ignore", False,
     dict(ticket="int", answers="list")),
]
JSON = {"int": "integer", "num": "number", "str": "string", "bool": "boolean", "obj": "object", "list": "array",
        "null": "null"}


def _schema(fields: dict) -> dict:
    props, required = {}, []
    for name, spec in fields.items():
        types = [JSON[t] for t in spec.rstrip("?").split("|")]
        props[name] = {"type": types if len(types) > 1 else types[0]}
        if not spec.endswith("?"):
            required.append(name)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


@pytest.mark.parametrize("name,meaning,board,stand,queue,fields", DECLARED, ids=[r[0] for r in DECLARED])
def test_each_type_is_declared_with_its_meaning_actions_and_fields(name, meaning, board, stand, queue, fields):
    e = E.TYPES[name]
    assert (e.name, e.meaning, e.board, e.stand, e.queue) == (name, meaning, board, stand, queue)
    assert e.schema() == _schema(fields)
    assert e.to_json() == {"name": name, "meaning": meaning, "queue": queue, "board": board, "stand": stand,
                           "data": _schema(fields)}
    assert E.name(name) == name


def test_every_type_once_and_every_action_known():
    names = [e.name for e in E.CATALOGUE]
    assert len(names) == len(set(names)) == len(E.TYPES)
    assert set(r[0] for r in DECLARED) <= set(names)
    assert E.BOARD_ACTIONS == ("announce", "refresh", "reset", "reload", "ignore")
    assert E.STAND_ACTIONS == ("announce", "refresh", "ignore")
    for e in E.CATALOGUE:
        assert e.board in E.BOARD_ACTIONS and e.stand in E.STAND_ACTIONS, e.name


def test_the_hall_applies_the_queue_types_and_skips_the_others():
    assert E.QUEUE_TYPES == {r[0] for r in DECLARED if r[4]} | {e.name for e in E.CATALOGUE if e.queue}
    assert "ticket.issued" in E.QUEUE_TYPES and "day.started" in E.QUEUE_TYPES
    assert "rating.given" in E.OTHER_TYPES and "visit.requested" in E.OTHER_TYPES
    assert not E.QUEUE_TYPES & E.OTHER_TYPES
    assert E.QUEUE_TYPES | E.OTHER_TYPES == set(E.TYPES)


def test_a_field_spec_gives_its_json_types_and_whether_it_may_be_left_out():
    assert E._field("ticket", "int") == E.Field("ticket", ("integer",), True)
    assert E._field("window", "int|null?") == E.Field("window", ("integer", "null"), False)
    assert E._field("device", "int|str") == E.Field("device", ("integer", "string"), True)
    assert E._field("planned", "obj?") == E.Field("planned", ("object",), False)
    assert E._field("at", "num") == E.Field("at", ("number",), True)
    assert E._field("logins", "list") == E.Field("logins", ("array",), True)
    assert E._field("late", "bool") == E.Field("late", ("boolean",), True)
    with pytest.raises(KeyError):
        E._field("x", "date")


def test_a_type_declared_without_queue_is_not_applied_and_keeps_its_fields_in_order():
    e = E._e("x.y", "Смысл", "ignore", "refresh", a="int", b="str?")
    assert e == E.EventType("x.y", "Смысл", "ignore", "refresh", False,
                            (E.Field("a", ("integer",), True), E.Field("b", ("string",), False)))
    assert E._e("x.z", "Смысл", "refresh", "refresh", queue=True).queue is True
    assert E._e("x.z", "Смысл", "refresh", "refresh", queue=True).fields == ()


def test_the_schema_of_a_type_lists_one_type_plainly_and_several_as_a_list():
    e = E._e("x.y", "Смысл", "ignore", "ignore", a="int", b="str|null?", c="int|str")
    assert e.schema() == {"type": "object",
                          "properties": {"a": {"type": "integer"}, "b": {"type": ["string", "null"]},
                                         "c": {"type": ["integer", "string"]}},
                          "required": ["a", "c"], "additionalProperties": False}
    empty = E._e("x.z", "Смысл", "ignore", "ignore")
    assert empty.schema() == {"type": "object", "properties": {}, "required": [], "additionalProperties": False}


@pytest.mark.parametrize("action", ["announce", "refresh", "reset", "reload", "ignore"])
def test_the_board_does_with_each_type_what_its_line_says(action):
    assert E.board_does(action) == {r[0] for r in DECLARED if r[2] == action} | \
        {e.name for e in E.CATALOGUE if e.board == action}
    assert E.board_does(action) == {e.name for e in E.CATALOGUE if e.board == action}


def test_the_board_announces_calls_resets_on_a_new_day_and_reloads_on_new_settings():
    assert E.board_does("announce") >= {"ticket.called", "ticket.recalled"}
    assert "ticket.issued" not in E.board_does("announce")
    assert "day.started" in E.board_does("reset")
    assert "config.changed" in E.board_does("reload")
    assert "help.requested" in E.board_does("ignore")
    assert E.board_does("dance") == frozenset()


@pytest.mark.parametrize("action", ["announce", "refresh", "ignore"])
def test_the_stand_does_with_each_type_what_its_line_says(action):
    assert E.stand_does(action) == {e.name for e in E.CATALOGUE if e.stand == action}
    assert {r[0] for r in DECLARED if r[3] == action} <= E.stand_does(action)


def test_the_stand_announces_calls_and_refreshes_on_help_and_a_new_day():
    assert E.stand_does("announce") >= {"ticket.called", "ticket.recalled"}
    assert {"help.requested", "day.started", "ticket.issued"} <= E.stand_does("refresh")
    assert {"auth.burst", "rating.given", "visit.requested"} <= E.stand_does("ignore")
    assert E.stand_does("reset") == frozenset()


def test_the_published_catalogue():
    p = E.published()
    assert list(p) == ["events", "board_actions", "stand_actions"]
    assert p["board_actions"] == ["announce", "refresh", "reset", "reload", "ignore"]
    assert p["stand_actions"] == ["announce", "refresh", "ignore"]
    assert p["events"] == [e.to_json() for e in E.CATALOGUE]
    first = p["events"][0]
    assert first["name"] == "ticket.issued" and first["meaning"] == "Выдан талон" and first["queue"] is True
    assert first["data"]["required"] == ["ticket", "service", "letter", "number", "code", "token"]
    by_name = {e["name"]: e for e in p["events"]}
    assert by_name["help.requested"]["board"] == "ignore" and by_name["help.requested"]["stand"] == "refresh"
    assert by_name["device.status"]["data"]["properties"]["device"] == {"type": ["integer", "string"]}


def test_an_unknown_event_is_a_key_error_so_a_replay_can_skip_it():
    try:
        E.name("centre.only")
    except KeyError as e:
        assert e.message == "Неизвестный тип события «centre.only»"
        assert e.code == "unknown_event"
    else:
        raise AssertionError("not refused")
