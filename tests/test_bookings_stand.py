"""The stand's «Записи» page in Chromium and the console's «по записи на …» badge (issue 16), against
one real hub: the day's bookings with names for staff, who has arrived and who has not yet,
check-in by the code at the desk (the hub issues the ticket), axe on the page; then the operator
calls the appointment ticket at its slot and the console card says so."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from PySide6.QtCore import Qt

from browser_support import WCAG_AA, axe_report, axe_run, browser, shots_dir  # noqa: F401 (fixture)
from operator_console.console import ConsoleWindow
from support import HubProcess

MSK = ZoneInfo("Europe/Moscow")
WAIT = 10_000


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("booking-stand") / "hub.sqlite").start()
    hub.admin = hub.client("admin")
    hub.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"share": 1.0, "slot_minutes": 5})
    yield hub
    hub.stop()


def slot_ahead(h, steps: int) -> tuple[str, float]:
    now = h.admin.state("demo")["now"]
    start = (int(now // 300) + steps) * 300
    return datetime.fromtimestamp(start, MSK).strftime("%Y-%m-%dT%H:%M"), float(start)


def book(h, slot, name, phone):
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings", timeout=10,
                      json={"name": name, "phone": phone, "service": "consult", "slot": slot, "consent": True})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def test_the_stand_lists_todays_bookings_and_checks_in_by_code(browser, h, tmp_path, qtbot):
    # the hub's clock to tomorrow 10:00 in the office: both bookings on one office day, whenever this runs
    now = h.admin.state("demo")["now"]
    tomorrow = datetime.fromtimestamp(now + 86400, MSK).replace(hour=10, minute=0, second=0, microsecond=0)
    h.admin.post("/api/v1/testing/clock", {"advance": tomorrow.timestamp() - now})
    soon, soon_at = slot_ahead(h, 2)   # 5-10 minutes ahead: check-in is open (15 min before)
    later, _ = slot_ahead(h, 10)       # ~45 minutes ahead
    a = book(h, soon, "Мария Иванова", "+79120003344")
    b = book(h, later, "Олег Смирнов", "+79120005566")

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU", timezone_id="Europe/Moscow",
                              bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(10000)
    try:
        page.goto(f"{h.url}/stand/login")
        page.fill("#login", "admin")
        page.fill("#password", "admin-demo")
        page.click("#login-submit")
        page.wait_for_url(re.compile(r".*/stand/(setup|devices)?(#\w*)?$"))
        page.goto(f"{h.url}/stand/bookings")
        page.wait_for_selector(f"tr[data-code='{a}']")
        assert page.locator("#nav-bookings").get_attribute("aria-current") == "page"
        row_a, row_b = page.locator(f"tr[data-code='{a}']"), page.locator(f"tr[data-code='{b}']")
        assert "Мария Иванова" in row_a.inner_text() and "+79120003344" in row_a.inner_text()
        assert "ещё не пришёл" in row_b.inner_text()
        assert "Пришли: 0. Ещё не пришли: 2." in page.locator("#bk-summary").inner_text()
        v = axe_run(page, WCAG_AA)
        assert v == [], axe_report(v)
        # a wrong code: the hub's words
        page.fill("#bk-code", "0000 0000")
        page.click("#bk-submit")
        page.wait_for_function("document.getElementById('bk-error').textContent.includes('не найдена')")
        # the right one, typed with a space as it is printed
        page.fill("#bk-code", f"{a[:4]} {a[4:]}")
        page.click("#bk-submit")
        page.wait_for_function(f"document.querySelector(\"tr[data-code='{a}']\").dataset.state === 'arrived'")
        result = page.locator("#bk-result").inner_text()
        assert re.match(rf"Талон А-\d{{3}}, по записи на {soon[-5:]}", result), result
        assert "пришёл" in page.locator(f"tr[data-code='{a}']").inner_text()
        assert "Пришли: 1. Ещё не пришли: 1." in page.locator("#bk-summary").inner_text()
        page.screenshot(path=str(shots_dir(tmp_path) / "booking-stand.png"))
    finally:
        ctx.close()
    assert errors == [], errors
    ticket_code = re.search(r"А-\d{3}", result).group(0)

    # the operator calls at the slot: the console's card says «по записи на …»
    h.admin.post("/api/v1/testing/clock", {"advance": soon_at - h.admin.state("demo")["now"] + 5})
    c = ConsoleWindow(h.url, window_number=1, tick_ms=200, reconnect_delay=0.3)
    qtbot.addWidget(c)
    c.resize(1366, 768)
    c.show()
    qtbot.waitExposed(c)
    qtbot.keyClicks(c.login_page.login, "op1")
    qtbot.keyClick(c.login_page.login, Qt.Key.Key_Return)
    c.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c.login_page.secret, "1111")
    qtbot.keyClick(c.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.pages.currentWidget() is c.work and c.stream_ok, timeout=WAIT)
    walk_in = h.admin.issue("demo", "consult", source="administrator")  # a walk-in, issued before the call
    c.activateWindow()
    qtbot.waitUntil(lambda: c.isActiveWindow(), timeout=WAIT)
    qtbot.keyClick(c, Qt.Key.Key_F1)  # call next
    qtbot.waitUntil(lambda: c.card.code.text() == ticket_code, timeout=WAIT)
    assert c.card.appointment.isVisible() and c.card.appointment.text() == f"по записи на {soon[-5:]}"
    assert walk_in["code"] != ticket_code
    c.close()
