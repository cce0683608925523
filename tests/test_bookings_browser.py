"""The public booking page in Chromium at a phone's viewport (390×844), against a real hub (issue 16):
topic → day → time, name, phone and consent → the code, a QR code and an .ics file; the errors of
a form sent half-filled; cancel by the code; axe (WCAG 2.1 AA) on each step, one h1, the focus on
the result. Then the stand's «Записи» page (names for staff, arrived / not yet, check-in by the
code at the desk, axe) and the console's «по записи на …» badge on the appointment ticket called
at its slot. One hub and one browser for the module. Screenshots go to $TALON_SCREENSHOTS
(docs/screenshots when kept)."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from browser_support import WCAG_AA, axe_report, axe_run, shots_dir
from PySide6.QtCore import Qt
from support import HubProcess

from operator_console.console import ConsoleWindow

PHONE_VIEW = {"width": 390, "height": 844}
MSK = ZoneInfo("Europe/Moscow")
WAIT = 30_000


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("booking-page") / "hub.sqlite").start()
    hub.client("admin").request("PUT", "/api/v1/offices/demo/booking/settings",
                                json={"share": 0.5, "slot_minutes": 30})
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def phone(browser, h):
    ctx = browser.new_context(viewport=PHONE_VIEW, locale="ru-RU", timezone_id="Europe/Moscow",
                              bypass_csp=True, accept_downloads=True, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(30000)  # generous: the shared machine is often loaded
    yield pg
    ctx.close()
    assert errors == [], errors


def clean(page, what):
    v = axe_run(page, WCAG_AA)
    assert v == [], f"{what}: {axe_report(v)}"
    assert page.locator("h1").count() == 1, what
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{what}: scrolls sideways"


def focused_is_heading(page) -> bool:
    return page.evaluate("document.activeElement && document.activeElement.tagName === 'H1'")


def test_booking_on_a_phone_from_topic_to_code_qr_and_calendar(phone, h, tmp_path):
    shots = shots_dir(tmp_path)
    phone.goto(f"{h.url}/book/demo")
    assert phone.locator("h1").inner_text() == "Запись на приём"
    clean(phone, "topics")
    phone.screenshot(path=str(shots / "booking-1-topic.png"), full_page=True)
    phone.get_by_role("link", name=re.compile("^Консультация")).first.click()
    phone.wait_for_url(re.compile(r"service=consult"))
    assert phone.locator("h1").inner_text() == "Выберите день"
    clean(phone, "days")
    phone.locator("a.choice").nth(1).click()  # tomorrow: the whole day is still ahead
    phone.wait_for_url(re.compile(r"date="))
    clean(phone, "the form")
    # sent half-filled: the errors are said, with the answers kept, and the focus on them
    phone.locator("label.slot").nth(3).click()
    phone.get_by_label("Телефон для связи").fill("12345")
    phone.get_by_role("button", name="Записаться").click()
    phone.wait_for_selector("#errors")
    assert phone.evaluate("document.activeElement.id") == "errors"
    text = phone.locator("#errors").inner_text()
    assert "укажите имя" in text and "Неверный номер телефона" in text and "согласие" in text
    assert phone.get_by_label("Телефон для связи").input_value() == "12345"
    clean(phone, "the form with errors")
    phone.screenshot(path=str(shots / "booking-2-form-errors.png"), full_page=True)
    chosen = phone.locator("label.slot").nth(3).inner_text().strip()
    phone.locator("label.slot").nth(3).click()
    phone.get_by_label("Как к вам обращаться").fill("Анна Сергеевна")
    phone.get_by_label("Телефон для связи").fill("8 912 345-67-89")
    phone.locator("#consent").check()
    phone.get_by_role("button", name="Записаться").click()
    phone.wait_for_url(re.compile(r"/book/demo/\d{8}"))
    assert phone.locator("h1").inner_text() == "Вы записаны"
    phone.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    assert focused_is_heading(phone)
    assert phone.locator(".time").inner_text() == chosen
    code = re.search(r"/book/demo/(\d{8})", phone.url).group(1)
    assert phone.locator("#code").inner_text().replace(" ", "") == code
    assert "Анна" not in phone.content()  # the name is not shown back
    assert phone.locator(".qr img").evaluate("i => i.complete && i.naturalWidth > 0")
    clean(phone, "the booking")
    phone.screenshot(path=str(shots / "booking-3-done.png"), full_page=True)
    # the .ics file
    with phone.expect_download() as dl:
        phone.get_by_role("link", name=re.compile("календарь")).click()
    with open(dl.value.path(), encoding="utf-8", newline="") as f:
        ics = f.read()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and "BEGIN:VEVENT" in ics and f"UID:{code}-" in ics
    assert re.search(r"DTSTART:\d{8}T\d{6}Z", ics) and "Консультация" in ics
    # the booking is in the hub
    got = requests.get(f"{h.url}/api/v1/offices/demo/bookings/{code}", timeout=10).json()
    assert got["state"] == "booked" and got["time"] == chosen
    # cancelled by the code
    phone.goto(f"{h.url}/book/demo")
    phone.get_by_label("Код записи (8 цифр)").fill(f"{code[:4]} {code[4:]}")
    phone.get_by_role("button", name="Найти запись").click()
    phone.wait_for_url(re.compile(rf"/book/demo/{code}$"))
    phone.get_by_role("button", name="Отменить запись").click()
    phone.wait_for_function("document.querySelector('h1').textContent.includes('отменена')")
    assert requests.get(f"{h.url}/api/v1/offices/demo/bookings/{code}", timeout=10).json()["state"] == "cancelled"
    clean(phone, "cancelled")


def test_a_wrong_code_is_said_plainly(phone, h):
    phone.goto(f"{h.url}/book/demo/00000000")
    assert phone.locator("h1").inner_text() == "Не получилось"
    assert "не найдена" in phone.locator(".lead").inner_text()
    clean(phone, "wrong code")


def slot_ahead(h, steps: int) -> tuple[str, float]:
    now = h.admin.state("demo")["now"]
    start = (int(now // 300) + steps) * 300
    return datetime.fromtimestamp(start, MSK).strftime("%Y-%m-%dT%H:%M"), float(start)


def book_api(h, slot, name, phone):
    r = requests.post(f"{h.url}/api/v1/offices/demo/bookings", timeout=10,
                      json={"name": name, "phone": phone, "service": "consult", "slot": slot, "consent": True})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def test_the_stand_lists_todays_bookings_and_checks_in_by_code(browser, h, tmp_path, qtbot):
    """Last in the module: it moves the hub's clock to tomorrow and changes the settings."""
    h.admin = h.client("admin")
    h.admin.request("PUT", "/api/v1/offices/demo/booking/settings", json={"share": 1.0, "slot_minutes": 5})
    # the hub's clock to tomorrow 10:00 in the office: both bookings on one office day, whenever this runs
    now = h.admin.state("demo")["now"]
    tomorrow = datetime.fromtimestamp(now + 86400, MSK).replace(hour=10, minute=0, second=0, microsecond=0)
    h.admin.post("/api/v1/testing/clock", {"advance": tomorrow.timestamp() - now})
    soon, soon_at = slot_ahead(h, 2)   # 5-10 minutes ahead: check-in is open (15 min before)
    later, _ = slot_ahead(h, 10)       # ~45 minutes ahead
    a = book_api(h, soon, "Мария Иванова", "+79120003344")
    b = book_api(h, later, "Олег Смирнов", "+79120005566")

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU", timezone_id="Europe/Moscow",
                              bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(30000)
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
