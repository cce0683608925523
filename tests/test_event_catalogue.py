"""The event catalogue (issue 15 point 3): every event type declared once in
server/domain/events.py, and everything else takes the names from there.

* every type the code writes (``Hall.emit``, ``Hub.record``, events inserted by hand) is declared,
  and the Hall's appliers are exactly the catalogue's queue types;
* a real busy day (server/reports/sample.py through the real Hub) and a real hub process driven
  over HTTP (devices, incidents, help, settings, alerts, a reprint) write only declared events
  whose data validate against the declared fields, and their logs replay through the Hall;
* the hub publishes the catalogue (OpenAPI ``x-events``, ``/api/v1/events/catalogue`` and the
  script the stand's monitor reads), and the stand and the board use those names.
"""
from __future__ import annotations

import ast
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import requests

from server.domain import events as catalogue
from server.domain.hall import _APPLY, Hall

ROOT = Path(__file__).resolve().parent.parent


_VALIDATORS: dict[str, jsonschema.Draft202012Validator] = {}


def _check(event_type: str, data: dict) -> None:
    assert event_type in catalogue.TYPES, f"{event_type} is not in the event catalogue"
    v = _VALIDATORS.get(event_type)
    if v is None:
        v = _VALIDATORS[event_type] = jsonschema.Draft202012Validator(catalogue.TYPES[event_type].schema())
    v.validate(data)


def _log(db: Path) -> list[dict]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [{"seq": r["seq"], "office": r["office"], "day": r["day"], "type": r["type"], "at": r["at"],
                 "data": json.loads(r["data"])} for r in conn.execute("SELECT * FROM events ORDER BY seq")]
    finally:
        conn.close()


def _replays(log: list[dict]) -> Hall:
    hall = Hall(office=log[0]["office"])
    for e in log:
        hall.apply(e)  # raises on a type the catalogue does not declare
    return hall


# ---------------------------------------------------------------------------- the declaration


def test_the_halls_appliers_are_exactly_the_catalogues_queue_events():
    assert set(_APPLY) == catalogue.QUEUE_TYPES
    assert not catalogue.QUEUE_TYPES & catalogue.OTHER_TYPES
    assert len(catalogue.TYPES) == len(catalogue.CATALOGUE)  # no name declared twice
    for e in catalogue.CATALOGUE:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", e.name), e.name
        assert e.board in catalogue.BOARD_ACTIONS and e.stand in catalogue.STAND_ACTIONS, e.name
        assert e.meaning and re.search("[а-яА-Я]", e.meaning), e.name
        assert e.fields, e.name


def test_a_new_event_is_one_line_with_its_fields_typed():
    e = catalogue._e("survey.answered", "Посетитель ответил на опрос", "ignore", "refresh", ticket="int",
                     answers="obj", comment="str|null?", name="str?", kind="str?")
    assert e.schema() == {"type": "object", "additionalProperties": False, "required": ["ticket", "answers"],
                          "properties": {"ticket": {"type": "integer"}, "answers": {"type": "object"},
                                         "comment": {"type": ["string", "null"]}, "name": {"type": "string"},
                                         "kind": {"type": "string"}}}
    assert e.queue is False and e.to_json()["name"] == "survey.answered"


def _written_types() -> dict[str, str]:
    """Every literal event type the server's code writes: ``emit("…")``, ``record(office, "…")``,
    and ``{"type": "…"}`` / ``"numbering.floor"``-style rows inserted by hand."""
    found: dict[str, str] = {}
    for path in (ROOT / "server").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                args = node.args
                pos = {"emit": 0, "record": 1}.get(node.func.attr)
                if pos is not None and len(args) > pos and isinstance(args[pos], ast.Constant) \
                        and isinstance(args[pos].value, str):
                    found[args[pos].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "type" and isinstance(v, ast.Constant) \
                            and isinstance(v.value, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", v.value):
                        found[v.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(node, ast.Tuple) and len(node.elts) >= 4:  # (office, day, type, at, data) rows
                for x in node.elts:
                    if isinstance(x, ast.Constant) and isinstance(x.value, str) \
                            and re.fullmatch(r"(ticket|window|day)\.[a-z_]+", x.value):
                        found[x.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_event_type_the_code_writes_is_declared():
    written = _written_types()
    assert {"ticket.issued", "window.opened", "device.status", "rating.given", "numbering.floor",
            "auth.burst", "config.changed"} <= set(written)  # the scan finds all three ways of writing
    missing = {t: where for t, where in written.items() if t not in catalogue.TYPES}
    assert not missing, f"declare these in server/domain/events.py: {missing}"


def test_a_name_not_in_the_catalogue_is_refused_where_a_module_names_it():
    assert catalogue.name("ticket.called") == "ticket.called"
    with pytest.raises(catalogue.UnknownEvent) as e:
        catalogue.name("ticket.caled")
    assert e.value.code == "unknown_event" and "ticket.caled" in e.value.message


def test_the_board_takes_its_names_from_the_catalogue():
    from display_board import state
    assert state.ANNOUNCE == {"ticket.called", "ticket.recalled"} == catalogue.board_does("announce")
    assert state.RELOAD == {"config.changed"} and state.RESET == {"day.started"}
    source = (ROOT / "display_board" / "state.py").read_text(encoding="utf-8")
    # no event name spelled out in the board's logic, only checked through the catalogue
    assert re.findall(r'"((?:ticket|window|day|config)\.[a-z_]+)"', source) == [
        "ticket.recalled", "ticket.issued", "window.opened"]
    assert source.count("catalogue.name(") == 3


def test_the_stand_takes_its_names_from_the_served_catalogue():
    source = (ROOT / "server" / "web" / "static" / "stand" / "monitor.js").read_text(encoding="utf-8")
    spelled = re.findall(r'"((?:ticket|window|day|help|device|incident|config|alert)\.[a-z_]+)"', source)
    assert spelled == ["ticket.recalled"], spelled  # and that one is checked against the catalogue
    assert "TalonEvents" in source
    page = (ROOT / "server" / "web" / "templates" / "stand" / "monitor.html").read_text(encoding="utf-8")
    assert page.index("events.catalogue_js_get") < page.index("monitor.js")


# ---------------------------------------------------------------------------- a real busy day


@pytest.fixture(scope="module")
def busy_day(tmp_path_factory) -> list[dict]:
    from server.reports.sample import DayPlan, build_office_day, sample_office

    db = tmp_path_factory.mktemp("day") / "office.sqlite"
    build_office_day(db, sample_office("rosatom-2026", levels={3: "senior"}),
                     DayPlan(day=date(2026, 11, 10), visitors=120, seed=11, p_transfer=0.1, p_escalate=0.08,
                             p_postpone=0.06, p_rating=0.5))
    return _log(db)


def test_every_event_of_a_busy_day_is_declared_and_its_data_validate(busy_day):
    kinds = {e["type"] for e in busy_day}
    # a real day: every kind of visit's end, transfers, escalations, breaks, ratings, the next day
    assert {"ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.phase",
            "ticket.finished", "ticket.no_show", "ticket.cancelled", "ticket.resolved", "ticket.postponed",
            "ticket.transferred", "window.opened", "window.paused", "window.closed",
            "day.started", "rating.given"} <= kinds, kinds
    for e in busy_day:
        _check(e["type"], e["data"])


def test_a_busy_days_log_replays_through_the_hall(busy_day):
    hall = _replays(busy_day)
    assert hall.day == "2026-11-11"  # the roll to the next day is in the log


def test_an_unknown_type_in_a_log_stops_the_replay(busy_day):
    bad = busy_day[:5] + [{**busy_day[5], "type": "ticket.vanished"}]
    with pytest.raises(catalogue.UnknownEvent):
        _replays(bad)


# ---------------------------------------------------------------------------- a real hub


@pytest.fixture(scope="module")
def driven_hub(shared_hub):
    """The shared hub driven through the devices', the administrator's and the operators' routes."""
    h = shared_hub
    admin = h.client("admin")
    kiosk = h.client(token=h.kiosk_key)
    kiosk.heartbeat(printer={"state": "paper_low", "detail": "мало бумаги"}, sound={"state": "ok"}, version="1")
    kiosk.incident("printer", "open", "Бумага закончилась")
    kiosk.incident("printer", "closed")
    kiosk.help("demo", screen="services", comment="Не нашёл услугу")
    settings = admin.get("/api/v1/offices/demo/settings")
    admin.request("PUT", "/api/v1/offices/demo/texts", json={"ticker": "Добро пожаловать"})
    alerts = admin.get("/api/v1/offices/demo/alerts")["alerts"]
    help_alert = next(a for a in alerts if a["kind"] == "help")
    admin.post(f"/api/v1/offices/demo/alerts/{help_alert['id']}/ack", {})
    op = h.client("op1")
    op.window(1, "open")
    t = kiosk.issue("demo", "consult")
    devices = admin.get("/api/v1/offices/demo/devices")
    devices = devices["devices"] if isinstance(devices, dict) else devices
    kiosk_id = next(d["id"] for d in devices if d["kind"] == "kiosk")
    kiosk.heartbeat(printer={"state": "ok"}, sound={"state": "ok"})
    admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": kiosk_id})
    op.call_next(1)
    op.act(t["id"], "recall")
    op.act(t["id"], "start")
    op.act(t["id"], "finish")
    op.window(1, "close")
    yield h, settings


def test_every_event_a_driven_hub_writes_is_declared_and_validates(driven_hub):
    h, _ = driven_hub
    log = _log(h.db)
    kinds = {e["type"] for e in log}
    assert {"device.status", "incident.opened", "incident.closed", "help.requested", "config.changed",
            "alert.acknowledged", "ticket.print_requested", "ticket.called", "ticket.recalled"} <= kinds, kinds
    for e in log:
        _check(e["type"], e["data"])
    _replays(log)


def test_the_hub_publishes_the_catalogue(driven_hub):
    h, _ = driven_hub
    doc = requests.get(h.url + "/api/openapi.json", timeout=10).json()
    names = [e["name"] for e in doc["x-events"]]
    assert names == [e.name for e in catalogue.CATALOGUE]
    issued = next(e for e in doc["x-events"] if e["name"] == "ticket.issued")
    assert issued["queue"] is True and issued["board"] == "refresh"
    schema = doc["components"]["schemas"][issued["data"]["$ref"].rsplit("/", 1)[1]]
    assert schema == catalogue.TYPES["ticket.issued"].schema()
    assert {"/api/v1/events/catalogue", "/api/v1/events/catalogue.js"} <= set(doc["paths"])

    r = requests.get(h.url + "/api/v1/events/catalogue", timeout=10)
    assert r.status_code == 200 and r.json() == json.loads(json.dumps(catalogue.published()))

    js = requests.get(h.url + "/api/v1/events/catalogue.js", timeout=10)
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    body = re.search(r"window\.TalonEvents = Object\.freeze\((.*)\);\s*$", js.text, re.S).group(1)
    served = json.loads(body)
    assert set(served["stand"]["announce"]) == {"ticket.called", "ticket.recalled"}
    assert set(served["stand"]["refresh"]) == catalogue.stand_does("refresh")
    assert [e["name"] for e in served["all"]] == names
