"""Issue 14, the stand and the pages: what testers saw in the browser (each point its own test).

A real hub process, real Chromium pages (tests/browser_support.py).
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from support import empty_hall

MOSCOW = ZoneInfo("Europe/Moscow")  # the demo office's time zone


@pytest.fixture
def admin(shared_hub):
    return empty_hall(shared_hub.client("admin"))


def sign_in(page, hub, path="/stand/", login="admin", password="admin-demo"):
    page.goto(hub.url + path)
    page.wait_for_url("**/stand/login**")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(hub.url + path)


def hhmm(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, MOSCOW).strftime("%H:%M")


def advance(client, seconds):
    client.post("/api/v1/testing/clock", {"advance": seconds})


def test_the_issued_ticket_card_has_no_null(page, shared_hub, admin):
    sign_in(page, shared_hub, login="hall", password="hall-demo")
    page.wait_for_selector("#monitor[aria-busy=false]")
    page.select_option("#issue-service", "consult")
    page.check("input[name=delivery][value=show]")
    page.click("#issue-submit")
    page.wait_for_selector("#issued-code:has-text('А-')")
    text = page.inner_text("#issued")
    assert "null" not in text and "undefined" not in text, text
    assert "Назовите посетителю код талона" in text


def test_a_window_card_says_since_when_its_state_is_what_it_is(page, shared_hub, admin):
    w = {x["number"]: x["id"] for x in admin.state("demo")["windows"]}[1]
    admin.window(w, "open")
    opened = admin.window(w)["since"]
    advance(admin, 1200)  # twenty minutes later a visitor comes and is called
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    t = kiosk.issue("demo", "consult")
    admin.call(w, t["id"])
    called = admin.ticket(t["id"])["called_at"]
    window = next(x for x in admin.state("demo")["windows"] if x["id"] == w)
    assert window["state_since"] == pytest.approx(called) and window["since"] == pytest.approx(opened)
    sign_in(page, shared_hub, login="hall", password="hall-demo")
    page.wait_for_selector("#monitor[aria-busy=false]")
    state = page.locator(f"article[data-window-id='{w}'] .window-state")
    expect(state).to_contain_text("Вызван посетитель")
    expect(state).to_contain_text(f"с {hhmm(called)}")
    assert hhmm(opened) != hhmm(called)

    # served and finished ten minutes later: the window is free since then, not since it opened
    admin.act(t["id"], "start")
    advance(admin, 600)
    admin.act(t["id"], "finish")
    done = next(x for x in admin.state("demo")["windows"] if x["id"] == w)["state_since"]
    assert done == pytest.approx(called + 600, abs=5)
    expect(state).to_contain_text("Открыто, свободно")
    expect(state).to_contain_text(f"с {hhmm(done)}")
    admin.window(w, "close", force=True)


def test_the_pairing_code_expires_in_office_time_not_the_browsers(browser, shared_hub, admin):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU",
                              timezone_id="Asia/Vladivostok")  # seven hours ahead of the office
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(8000)
    try:
        sign_in(pg, shared_hub, path="/stand/devices")
        pg.wait_for_selector("#devices-page[aria-busy=false]")
        pg.check("input[name=kind][value=kiosk]")
        pg.fill("#dev-name", "Киоск для проверки времени")
        pg.click("#dev-submit")
        expect(pg.locator("#pairing-code")).to_be_visible()
        now = admin.state("demo")["now"]
        text = pg.inner_text("#pairing-expires")
        until = re.search(r"до (\d\d:\d\d)", text)
        assert until, text
        assert until[1] in {hhmm(now + 900 + d) for d in (-60, 0, 60)}, (text, hhmm(now + 900))
    finally:
        ctx.close()
    assert errors == []


def test_the_front_page_says_what_this_hub_is_and_links_its_pages(page, shared_hub):
    answer = requests.get(shared_hub.url + "/", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in answer.headers
    page.goto(shared_hub.url + "/")
    assert page.inner_text("h1") == "Талон — сервер электронной очереди"
    assert page.get_attribute("html", "lang") == "ru"
    expect(page.locator("#offices")).to_contain_text("Центр обслуживания клиентов на Ленина")
    assert page.get_attribute("#link-stand", "href") == "/stand/"
    assert page.get_attribute("#link-reports", "href") == "/reports/"
    assert page.get_attribute("#link-api", "href") == "/api/openapi.json"
    health = page.locator("#health")
    assert health.get_attribute("data-state") == "ok"
    expect(health).to_contain_text("Сервер работает")
    # the links lead where they say
    page.click("#link-stand")
    page.wait_for_url("**/stand/login**")
    page.goto(shared_hub.url + "/")
    page.click("#link-reports")
    page.wait_for_url("**/reports/**")
    assert requests.get(shared_hub.url + "/api/openapi.json", timeout=10).json()["openapi"].startswith("3")
