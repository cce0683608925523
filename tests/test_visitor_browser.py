"""The visitor's own page in a real headless Chromium on a phone-sized screen (390×844), against
a real hub process; the queue is driven through the API while the page is open.

Scenarios: the page follows the queue live (people ahead go down), shows the call large and
vibrates (again on a recall), takes one rating and refuses a second one from another tab; the
same works by polling when the hub has no room for another stream, and an expired ticket, a
made-up one and too many requests get polite pages; the desk QR of 001:509 opens the page of
the visit being served at that window.

Set ``TALON_SCREENSHOTS=docs/screenshots`` to refresh the screenshots used in docs/visitor.md.
"""
import sqlite3
import time

import pytest
import requests
from browser_support import shots_dir
from playwright.sync_api import expect
from support import HubProcess, empty_hall

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             locale="ru-RU", timezone_id="Europe/Moscow",
             user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/130.0 Mobile Safari/537.36")
#: Records the vibrations the page asks for (headless Chromium has no motor to feel them).
VIBRATION_PROBE = """
window.__vibrations = [];
Object.defineProperty(navigator, "vibrate", {configurable: true, value: function (pattern) {
  window.__vibrations.push(pattern); return true; }});
"""


class Phone:
    """A browser context shaped like a phone; collects page errors."""

    def __init__(self, browser):
        self.ctx = browser.new_context(**PHONE)
        self.ctx.add_init_script(VIBRATION_PROBE)
        self.errors = []

    def page(self):
        pg = self.ctx.new_page()
        pg.on("pageerror", lambda e: self.errors.append(str(e)))
        pg.set_default_timeout(8000)
        return pg

    def close(self):
        self.ctx.close()


@pytest.fixture
def phone(browser):
    p = Phone(browser)
    yield p
    p.close()
    assert p.errors == [], p.errors


@pytest.fixture
def admin(shared_hub):
    return empty_hall(shared_hub.client("admin"))


def windows(client) -> dict[int, int]:
    return {w["number"]: w["id"] for w in client.state("demo")["windows"]}


def vibrations(page) -> list:
    return page.evaluate("window.__vibrations")


def ratings(hub, ticket_id):
    with sqlite3.connect(hub.db) as conn:
        return conn.execute("SELECT score, comment, window, operator FROM ratings WHERE ticket = ?",
                            (ticket_id,)).fetchall()


def within(seconds, check, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


# ---------------------------------------------------------------------- the scenarios

def test_live_page_call_one_rating_and_a_second_refused(shared_hub, admin, phone, tmp_path):
    shots = shots_dir(tmp_path)
    w = windows(admin)
    op1, op3 = shared_hub.client("op1"), shared_hub.client("op3")
    op1.window(w[1], "open")
    ahead = [admin.issue("demo", "consult") for _ in range(3)]
    admin.issue("demo", "cash")  # another topic: not counted ahead of this visitor
    mine = admin.issue("demo", "consult")

    page = phone.page()
    page.goto(shared_hub.url + mine["url"])
    expect(page.locator("#code")).to_have_text(mine["code"])
    expect(page.locator("#service")).to_have_text("Консультация")
    expect(page.locator("#ahead-text")).to_have_text("Перед Вами 3 человека")
    expect(page.locator("#estimate-text")).to_contain_text("Примерное время ожидания:")
    assert page.title() == f"Талон {mine['code']} — Талон"
    body = page.inner_text("body")
    assert not any(t["code"] in body for t in ahead)
    # a phone's width: nothing scrolls sideways, the code is large
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert float(page.eval_on_selector("#code", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 60
    page.screenshot(path=str(shots / "visitor-waiting.png"))

    # the queue moves while the page is open: it follows within a second or two
    op1.call(w[1], ahead[0]["id"])
    moved = time.monotonic()
    expect(page.locator("#ahead-text")).to_have_text("Перед Вами 2 человека", timeout=3000)
    assert time.monotonic() - moved < 3.0
    admin.act(ahead[1]["id"], "cancel")
    expect(page.locator("#ahead-text")).to_have_text("Перед Вами 1 человек", timeout=3000)
    admin.act(ahead[2]["id"], "cancel")
    expect(page.locator("#ahead-text")).to_contain_text("Перед Вами никого нет", timeout=3000)
    assert vibrations(page) == []

    # the call: large, with vibration
    op3.window(w[3], "open")
    op3.call(w[3], mine["id"])
    call = page.locator("#call-text")
    expect(call).to_have_text("Вас приглашают к окну 3", timeout=3000)
    expect(page.locator("#st-waiting")).to_be_hidden()
    assert float(call.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32  # body text is 18
    assert call.evaluate("e => e.scrollWidth <= e.clientWidth")  # the large words fit the phone
    within(2, lambda: len(vibrations(page)) == 1, "a vibration on the call")
    assert page.title().startswith("Вас приглашают к окну 3")
    page.wait_for_timeout(5000)  # let the pulse settle for the picture
    page.screenshot(path=str(shots / "visitor-called.png"))
    op3.act(mine["id"], "recall")
    within(3, lambda: len(vibrations(page)) == 2, "a vibration on the recall")

    op3.act(mine["id"], "start")
    expect(page.locator("#serving-text")).to_have_text("Вас обслуживают в окне 3", timeout=3000)
    expect(page.locator("#rating-form")).to_be_hidden()
    page.screenshot(path=str(shots / "visitor-serving.png"))

    # the visit ends: the same page asks for a rating; a second tab is open on it too
    op3.act(mine["id"], "finish")
    form = page.locator("#rating-form")
    expect(form).to_be_visible(timeout=3000)
    expect(page.locator("#done-text")).to_contain_text("Приём завершён")
    other_tab = phone.page()
    other_tab.goto(shared_hub.url + mine["url"])
    expect(other_tab.locator("#rating-form")).to_be_visible()

    page.click("#rate-submit")  # nothing chosen: a clear message, nothing sent
    expect(page.locator("#rate-error")).to_have_text("Выберите, пожалуйста, оценку от 1 до 5.")
    assert ratings(shared_hub, mine["id"]) == []
    page.click("label[for=score-4]")
    expect(page.locator("#rate-error")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#comment", "Всё объяснили понятно, спасибо")
    page.screenshot(path=str(shots / "visitor-rating.png"), full_page=True)
    page.click("#rate-submit")
    expect(page.locator("#thanks-text")).to_have_text("Спасибо за оценку! Ваша оценка: 4 из 5 — хорошо.")
    expect(form).to_be_hidden()
    page.screenshot(path=str(shots / "visitor-thanks.png"), full_page=True)
    assert ratings(shared_hub, mine["id"]) == [(4, "Всё объяснили понятно, спасибо", w[3], "op3")]

    # the second tab still shows the form; its rating is refused politely
    other_tab.click("label[for=score-1]")
    other_tab.click("#rate-submit")
    expect(other_tab.locator("#rate-note")).to_have_text("Оценка за этот визит уже получена. Спасибо!")
    expect(other_tab.locator("#rating-form")).to_be_hidden()
    expect(other_tab.locator("#thanks-text")).to_contain_text("Ваша оценка: 4 из 5")
    other_tab.screenshot(path=str(shots / "visitor-refused.png"), full_page=True)
    assert ratings(shared_hub, mine["id"]) == [(4, "Всё объяснили понятно, спасибо", w[3], "op3")]

    # a reload shows the thanks, no form
    page.reload()
    expect(page.locator("#thanks-text")).to_be_visible()
    expect(page.locator("#rating-form")).to_be_hidden()


def test_desk_qr_opens_the_page_of_the_visit_served_at_that_window(shared_hub, admin, phone, tmp_path):
    import zxingcpp
    from PIL import Image

    w = windows(admin)
    op2 = shared_hub.client("op2")
    op2.window(w[2], "open")
    t = admin.issue("demo", "consult_cash")
    op2.call(w[2], t["id"])
    op2.act(t["id"], "start")

    # the printable QR from the administrator's route, decoded from what Chromium draws
    svg = requests.get(f"{shared_hub.url}/api/v1/windows/{w[2]}/rating-qr.svg",
                       headers={"Authorization": f"Bearer {admin.token}"}).text
    desk = phone.page()
    desk.set_content(f"<body style='margin:0;background:#fff'><div style='width:320px'>{svg}</div></body>")
    desk.locator("svg").evaluate("e => { e.setAttribute('width', '320'); e.setAttribute('height', '320'); }")
    png = tmp_path / "desk-qr.png"
    desk.locator("svg").screenshot(path=str(png))
    with Image.open(png) as image:
        found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    url = found[0].text
    assert url == admin.get(f"/api/v1/windows/{w[2]}/rating-link")["url"]

    page = phone.page()
    page.goto(url)
    expect(page.locator("#code")).to_have_text(t["code"])
    expect(page.locator("#serving-text")).to_have_text("Вас обслуживают в окне 2")
    op2.act(t["id"], "finish")
    expect(page.locator("#rating-form")).to_be_visible(timeout=3000)
    page.click("label[for=score-5]")
    page.click("#rate-submit")
    expect(page.locator("#thanks-text")).to_contain_text("5 из 5")
    assert ratings(shared_hub, t["id"]) == [(5, "", w[2], "op2")]


def test_polling_when_streams_are_full_then_polite_pages(browser, tmp_path, monkeypatch):
    shots = shots_dir(tmp_path)
    monkeypatch.setenv("TALON_VISITOR_STREAMS", "0")  # the hub refuses every stream: the page polls
    hub = HubProcess(tmp_path / "polling.sqlite").start()
    phone = Phone(browser)
    try:
        admin = hub.client("admin")
        w = windows(admin)
        first = admin.issue("demo", "consult")
        mine = admin.issue("demo", "consult")
        assert requests.get(f"{hub.url}{mine['url']}/events", timeout=5).status_code == 503
        page = phone.page()
        page.goto(hub.url + mine["url"])
        expect(page.locator("#ahead-text")).to_have_text("Перед Вами 1 человек")
        admin.window(w[1], "open")
        admin.call(w[1], first["id"])
        expect(page.locator("#ahead-text")).to_contain_text("Перед Вами никого нет", timeout=7000)
        admin.window(w[2], "open")
        admin.call(w[2], mine["id"])
        expect(page.locator("#call-text")).to_have_text("Вас приглашают к окну 2", timeout=7000)
        within(2, lambda: len(vibrations(page)) == 1, "a vibration on the call")

        # the next office day: the open page turns into the polite «no longer valid» page
        admin.post("/api/v1/testing/clock", {"advance": 24 * 3600})
        expect(page.locator("#message-title")).to_have_text("Талон больше не действует", timeout=7000)
        expect(page.locator("#message-hint")).to_contain_text("возьмите, пожалуйста, новый талон")
        page.screenshot(path=str(shots / "visitor-expired.png"))

        page.goto(hub.url + "/t/ThisTokenWasNeverIssued")
        expect(page.locator("#message-title")).to_have_text("Талон не найден")
        page.screenshot(path=str(shots / "visitor-not-found.png"))

        for i in range(30):  # somebody guesses tokens from this address
            requests.get(f"{hub.url}/t/guess{i:020d}")
        resp = page.goto(hub.url + "/t/ThisTokenWasNeverIssued")
        assert resp.status == 429
        expect(page.locator("#message-title")).to_have_text("Слишком много запросов")
        page.screenshot(path=str(shots / "visitor-too-many.png"))
        assert phone.errors == [], phone.errors
    finally:
        phone.close()
        hub.stop()
