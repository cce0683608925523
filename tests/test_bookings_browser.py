"""The public booking page in Chromium at a phone's viewport (390×844), against a real hub (issue 16):
topic → day → time, name, phone and consent → the code, a QR code and an .ics file; the errors of
a form sent half-filled; cancel by the code; axe (WCAG 2.1 AA) on each step, one h1, the focus on
the result. Screenshots go to $TALON_SCREENSHOTS (docs/screenshots when kept)."""
from __future__ import annotations

import re

import pytest
import requests

from browser_support import ARGS, AXE_JS, CHROMIUM, WCAG_AA, axe_report, axe_run, browser, shots_dir  # noqa: F401
from support import HubProcess

PHONE_VIEW = {"width": 390, "height": 844}


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
    pg.set_default_timeout(10000)
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
    ics = open(dl.value.path(), encoding="utf-8", newline="").read()
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
