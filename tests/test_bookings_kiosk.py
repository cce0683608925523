"""«У меня запись» on the kiosk (pytest-qt, offscreen) against a real hub (issue 16): the idle
screen's button opens the keypad; a wrong code is refused in the hub's words; the right one prints
the ticket (read back from the printer file) that carries the appointment, and the screen says
«По записи на …»."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from kiosk.app import build
from kiosk.printing import decode
from kiosk.settings import KioskSettings
from printer_profiles import load_profile
from support import HubProcess

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("booking-kiosk") / "hub.sqlite").start()
    hub.client("admin").request("PUT", "/api/v1/offices/demo/booking/settings",
                                json={"share": 1.0, "slot_minutes": 5})
    yield hub
    hub.stop()


def type_code(qtbot, screen, code: str) -> None:
    for digit in code:
        qtbot.mouseClick(screen.keys[digit], _LEFT)


from PySide6.QtCore import Qt  # noqa: E402

_LEFT = Qt.MouseButton.LeftButton


def next_slot(h) -> str:
    """A five-minute slot starting 5-10 minutes from the hub's now (within check-in's 15 minutes)."""
    now = h.client("admin").state("demo")["now"]
    start = (int(now // 300) + 2) * 300
    return datetime.fromtimestamp(start, MSK).strftime("%Y-%m-%dT%H:%M")


def test_check_in_by_code_on_the_keypad_prints_the_appointment_ticket(qtbot, h, tmp_path):
    slot = next_slot(h)
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings", timeout=10,
                      json={"name": "Пётр", "phone": "+79120001122", "service": "consult", "slot": slot,
                            "consent": True})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    out = tmp_path / "printer.bin"
    path = tmp_path / "kiosk.json"
    KioskSettings(idle_timeout_s=30.0, ticket_timeout_s=30.0, retry_s=0.3, heartbeat_s=30.0,
                  refresh_s=30.0).save(path)
    w = build(["--hub", h.url, "--settings", str(path), "--window", "1920x1080", "--key", h.kiosk_key,
               "--printer-file", str(out)])
    qtbot.addWidget(w)
    w.show()
    w.start()
    try:
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=15000)
        button = w.checkin_flow.button
        assert button.isVisible() and button.title.text() == "У меня запись"
        qtbot.mouseClick(button, _LEFT)
        assert w.current is w.checkin
        assert w.checkin.keys["Готово"].isEnabled() is False
        # a wrong code: the hub's words on the keypad screen, nothing printed
        type_code(qtbot, w.checkin, "00000001")
        assert w.checkin.keys["Готово"].isEnabled()
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.checkin.error.isVisible(), timeout=10000)
        assert "не найдена" in w.checkin.error.text()
        assert w.checkin.code == ""
        # erasing works
        type_code(qtbot, w.checkin, "12")
        qtbot.mouseClick(w.checkin.keys["Стереть"], _LEFT)
        assert w.checkin.code == "1"
        qtbot.mouseClick(w.checkin.keys["Стереть"], _LEFT)
        # the right code
        type_code(qtbot, w.checkin, code)
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.current is w.ticket, timeout=10000)
        assert w.ticket.code.text().startswith("А-")
        time_text = slot[-5:]
        assert any(f"По записи на {time_text}" in lbl.text() for lbl in w.ticket.findChildren(type(w.checkin.title)))
        qtbot.waitUntil(lambda: out.exists() and out.stat().st_size > 0, timeout=10000)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job = decode(out.read_bytes(), load_profile("epson-tm-t88").code_page_table())
            if w.ticket.code.text() in job.text:
                break
            qtbot.wait(100)
        assert w.ticket.code.text() in job.text and "Консультация" in job.text
        # the hub: one ticket with the appointment's code; the booking is arrived
        state = h.client("admin").state("demo")
        mine = [t for t in state["waiting"] if t["code"] == w.ticket.code.text()]
        assert len(mine) == 1 and mine[0]["appointment"] == code
        got = requests.get(f"{h.url}/api/v1/offices/demo/bookings/{code}", timeout=10).json()
        assert got["state"] == "arrived"
        # a second try with the same code is refused in words
        qtbot.mouseClick(w.footer.back, _LEFT)  # «Готово» on the ticket screen: back to idle
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=5000)
        qtbot.mouseClick(w.checkin_flow.button, _LEFT)
        type_code(qtbot, w.checkin, code)
        qtbot.mouseClick(w.checkin.keys["Готово"], _LEFT)
        qtbot.waitUntil(lambda: w.checkin.error.isVisible(), timeout=10000)
        assert "уже получен" in w.checkin.error.text()
    finally:
        w.shutdown()
