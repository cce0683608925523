"""The kiosk's words and choices without Qt: greeting, hours, «приём начнётся…», topics per client
type, the ticket built from the hub's answer, settings, zeroconf discovery and ``--preview``."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image

from kiosk import flow
from kiosk.app import effective_settings, parse_args, printer_profile
from kiosk.discovery import discover, hub_url
from kiosk.printing import PAPER_LOW, PAPER_OUT, PRINTER_OFFLINE
from kiosk.settings import KioskSettings, default_path

MSK = ZoneInfo("Europe/Moscow")
ROOT = Path(__file__).resolve().parent.parent


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)  # 23 November 2026 is a Monday


def test_greeting_follows_the_time_of_day():
    assert flow.greeting(at(8)) == "Доброе утро!"
    assert flow.greeting(at(12)) == "Добрый день!"
    assert flow.greeting(at(16, 59)) == "Добрый день!"
    assert flow.greeting(at(19)) == "Добрый вечер!"
    assert flow.greeting(at(2)) == "Здравствуйте!"
    assert flow.date_text(at(9)) == "понедельник, 23 ноября"


def test_office_hours_are_grouped_into_few_lines():
    day = {"open": "08:00", "close": "20:00", "break": ["13:00", "14:00"]}
    schedule = {"tz": "Europe/Moscow", "week": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day,
                                                "sat": {"open": "09:00", "close": "15:00"}, "sun": None}}
    assert flow.hours_lines(schedule) == ["Пн–пт: 8:00–20:00, перерыв 13:00–14:00", "Сб: 9:00–15:00",
                                          "Вс: выходной"]
    schedule["week"]["sat"] = None
    assert flow.hours_lines(schedule) == ["Пн–пт: 8:00–20:00, перерыв 13:00–14:00", "Сб, вс: выходной"]
    schedule["week"]["wed"] = None  # a day off in the middle of the week
    assert flow.hours_lines(schedule) == ["Пн, вт, чт, пт: 8:00–20:00, перерыв 13:00–14:00", "Ср, сб, вс: выходной"]
    always = {"week": {d: {"open": "00:00", "close": "23:59"} for d in flow.WEEKDAYS}}
    assert flow.hours_lines(always) == ["Ежедневно: круглосуточно"]


def test_when_reception_starts_is_said_relative_to_now():
    now = at(19, 30)
    assert flow.opens_text(at(20, 0).isoformat(), now) == "сегодня в 20:00"
    assert flow.opens_text(at(9, 0, day=24).isoformat(), now) == "завтра, 24 ноября, в 9:00"
    assert flow.opens_text(at(9, 0, day=26).isoformat(), now) == "в четверг, 26 ноября, в 9:00"
    assert flow.opens_text(at(9, 0, day=24).isoformat().replace("+03:00", "+00:00"), now) == \
        "завтра, 24 ноября, в 12:00"  # shown in the office's zone
    assert flow.opens_text(datetime(2026, 12, 7, 9, tzinfo=MSK).isoformat(), now) == "7 декабря в 9:00"
    assert flow.opens_text(None, now) == ""
    title, text = flow.closed_message(at(9, 0, day=24).isoformat(), now)
    assert title == "Сейчас приём не ведётся"
    assert text == "Приём начнётся завтра, 24 ноября, в 9:00. Талоны выдаются в часы приёма."
    title, text = flow.service_closed_message("Оплата в кассе", None, now)
    assert "не оказывается" in title and "другую тему" in text


def _service(sid, client_type, active=True, open_=True):
    return {"id": sid, "letter": "А", "name": sid, "hint": "", "client_type": client_type, "active": active,
            "open": open_, "opens_at": None, "checklist": []}


def test_client_type_is_asked_only_where_the_office_serves_both():
    both = flow.topics({"services": [_service("a", "individual"), _service("b", "any"),
                                     _service("c", "business"), _service("off", "business", active=False)]})
    assert [t.id for t in both] == ["a", "b", "c"]  # switched off by the administrator: not shown
    assert flow.client_choice_needed(both)
    assert [t.id for t in flow.topics_for(both, "individual")] == ["a", "b"]
    assert [t.id for t in flow.topics_for(both, "business")] == ["b", "c"]
    only_people = flow.topics({"services": [_service("a", "individual"), _service("b", "any")]})
    assert not flow.client_choice_needed(only_people)
    assert [t.id for t in flow.topics_for(only_people, None)] == ["a", "b"]


def test_the_ticket_is_built_from_the_hubs_answer():
    state = {"office": {"name": "ЦОК на Ленина", "company": "Энергосбыт", "address": "ул. Ленина, 1",
                        "texts": {"phone": "8 800 000-00-00", "recording": "Ведётся видеозапись",
                                  "farewell": "Всего доброго!"}},
             "schedule": {"tz": "Europe/Moscow"}}
    answer = {"code": "Г-007", "service_name": "Смена владельца", "people_ahead": 2, "estimate": [3.4, 7.2],
              "issued_at": at(10, 5).timestamp(), "url": "/t/abc", "checklist": ["Паспорт"], "individual": False}
    ticket = flow.ticket_print(answer, state, "http://hub.local:8080/")
    assert ticket.code == "Г-007" and ticket.service_name == "Смена владельца"
    assert (ticket.wait_min, ticket.wait_max) == (3, 8)  # whole minutes, never narrower than the hub's range
    assert ticket.url == "http://hub.local:8080/t/abc"
    assert ticket.issued_at == at(10, 5) and ticket.issued_at.utcoffset() == timedelta(hours=3)
    assert ticket.contact_phone == "8 800 000-00-00" and ticket.farewell == "Всего доброго!"
    assert ticket.recording_notice == "Ведётся видеозапись" and ticket.checklist == ["Паспорт"]
    assert flow.ticket_lines(ticket) == ("Перед Вами 2\u00a0человека", "Примерное время ожидания: 3-8\u00a0минут")
    no_estimate = flow.ticket_print({**answer, "estimate": None, "people_ahead": 0}, state, "http://h")
    assert flow.ticket_lines(no_estimate) == ("Перед Вами никого нет", "")
    assert flow.visitor_link("/t/xyz", "https://talon.example/office/") == "https://talon.example/office/t/xyz"


def test_printer_state_for_the_heartbeat_names_the_worst_problem():
    assert flow.printer_heartbeat({}) == {"state": "ok"}
    assert flow.printer_heartbeat({PAPER_LOW: "мало"})["state"] == "paper_low"
    assert flow.printer_heartbeat({PAPER_LOW: "мало", PAPER_OUT: "нет бумаги"}) == {"state": "paper_out",
                                                                                    "detail": "нет бумаги"}
    assert flow.printer_heartbeat({PRINTER_OFFLINE: "x"})["state"] == "offline"
    assert PAPER_LOW not in flow.DOWN_KINDS and PAPER_OUT in flow.DOWN_KINDS


def test_settings_round_trip_and_command_line_on_top(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "kiosk.json"
    monkeypatch.setenv("TALON_KIOSK_SETTINGS", str(path))
    assert default_path() == path
    assert KioskSettings.load() == KioskSettings()  # no file yet: defaults
    KioskSettings(hub_url="http://hub:8080", key="secret", idle_timeout_s=20, printer="pos-58").save()
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["key"] == "secret" and raw["idle_timeout_s"] == 20
    if sys.platform != "win32":
        assert path.stat().st_mode & 0o077 == 0  # the device key is readable by its user only
    raw["unknown_thing"] = 1
    path.write_text(json.dumps(raw), encoding="utf-8")
    loaded = KioskSettings.load()
    assert loaded.hub_url == "http://hub:8080" and loaded.printer == "pos-58"
    args = parse_args(["--hub", "http://other:1", "--printer", "xprinter-80", "--portrait", "--window", "1080x1920"])
    s = effective_settings(args)
    assert (s.hub_url, s.key, s.printer, s.orientation, s.fullscreen) == \
        ("http://other:1", "secret", "xprinter-80", "portrait", False)
    path.write_text("{not json", encoding="utf-8")
    assert KioskSettings.load() == KioskSettings()  # a broken file does not stop the kiosk
    with pytest.raises(ValueError):
        KioskSettings(orientation="diagonal").check()


def test_printer_file_turns_any_profile_into_a_file_printer(tmp_path):
    s = KioskSettings(printer="epson-tm-t88")
    profile = printer_profile(s, str(tmp_path / "out.bin"))
    assert profile.connector.kind == "file" and profile.connector.path == str(tmp_path / "out.bin")
    assert not profile.status_readable  # a file can not answer a status request
    s.printer_connector = {"kind": "network", "host": "10.0.0.5"}
    net = printer_profile(s)
    assert (net.connector.kind, net.connector.host, net.connector.port, net.status_readable) == \
        ("network", "10.0.0.5", 9100, True)


def test_the_url_setting_wins_over_zeroconf():
    asked = []
    assert hub_url("http://10.1.1.1:8080/", finder=lambda t: asked.append(t) or ["http://elsewhere:1"]) == \
        ("http://10.1.1.1:8080", "setting")
    assert asked == []  # not even looked for
    assert hub_url(None, 0.5, finder=lambda t: ["http://10.2.2.2:8080"]) == ("http://10.2.2.2:8080", "zeroconf")
    assert hub_url(None, 0.5, finder=lambda t: []) == (None, "none")


def test_a_hub_announced_by_zeroconf_is_found():
    from server.discovery import announce

    handle = announce("127.0.0.1", 18765, name="Talon kiosk test")
    assert handle is not None
    try:
        assert "http://127.0.0.1:18765" in discover(5.0, interfaces=["127.0.0.1"])
    finally:
        handle.close()


def test_preview_renders_the_ticket_as_on_paper_from_the_hubs_office(shared_hub, tmp_path):
    out = tmp_path / "ticket.png"
    run = subprocess.run([sys.executable, "-m", "server.cli", "kiosk", "--hub", shared_hub.url, "--key",
                          shared_hub.kiosk_key, "--settings", str(tmp_path / "k.json"), "--printer", "pos-58",
                          "--preview", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert str(out) in run.stdout
    with Image.open(out) as opened:
        image = opened.copy()
    assert image.width == 464  # 58 mm paper at 203 dpi
    codes = [r.text for r in zxingcpp.read_barcodes(image)]
    assert codes == [f"{shared_hub.url}/t/obrazets-talona"]
    # without a hub: sample data, and an office's own template is used
    template = tmp_path / "mine.toml"
    template.write_text('[[block]]\ntext = "Наш офис: {code}"\nsize = "double"\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "server.cli", "kiosk", "--settings", str(tmp_path / "k.json"),
                          "--template", str(template), "--preview", str(tmp_path / "t2.png")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    with Image.open(tmp_path / "t2.png") as small:
        small.load()
    assert small.height < image.height / 4  # one line of text, no QR
    bad = subprocess.run([sys.executable, "-m", "server.cli", "kiosk", "--settings", str(tmp_path / "k.json"),
                          "--printer", "no-such-printer", "--preview", str(tmp_path / "t3.png")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no-such-printer" in bad.stderr


def test_talon_kiosk_starts_to_an_interactive_screen(shared_hub, tmp_path):
    """The real command: `talon kiosk` in its own process reaches the idle screen with the hub's data."""
    import os
    import time

    ready = tmp_path / "ready.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "kiosk", "--hub", shared_hub.url, "--key",
                             shared_hub.kiosk_key, "--settings", str(tmp_path / "k.json"), "--printer-file",
                             str(tmp_path / "p.bin"), "--window", "1080x1920", "--ready-file", str(ready)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not ready.exists() and proc.poll() is None and time.monotonic() - started < 20:
            time.sleep(0.02)
        assert ready.exists(), proc.stderr.read().decode() if proc.poll() is not None else "not ready in 20 s"
        assert json.loads(ready.read_text())["ready_s"] < 20
        admin = shared_hub.client("admin")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # it says hello with a heartbeat
            if {d["id"]: d for d in admin.get("/api/v1/offices/demo/devices")}["kiosk-demo"]["online"]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the kiosk never sent a heartbeat")
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()
