"""The stand's «Обращения и выезды» page in a real headless Chromium against a real hub: register
a written request and a home visit through the forms (consent required), see what is overdue in
colour and words, schedule / refuse a visit with a reason, open a record's personal data (the
access is logged), mark a request answered; axe-core (WCAG 2.1 AA) at 1440×900 and 390×844 and no
sideways scrolling on the phone; screenshots (``TALON_SCREENSHOTS=docs/screenshots``) as
casework-desktop.png and casework-phone.png."""
from __future__ import annotations

import pytest
from browser_support import axe_report, axe_run, no_page_scroll, shots_dir
from playwright.sync_api import expect

BASE = "/api/v1/offices/demo/casework"
DAY = 86400.0
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def page(browser, shared_hub):
    admin = shared_hub.client("admin")
    # an old claim, overdue once 20 days have passed (10 working days at the demo office: 001:990)
    admin.post(f"{BASE}/requests", dict(kind="claim", channel="paper", subject="Перерасчёт за октябрь",
                                        name="Сидорова Мария", contact="+7 923 555-01-02", consent=True))
    admin.post("/api/v1/testing/clock", {"advance": 20 * DAY})
    ctx = browser.new_context(viewport=DESKTOP, locale="ru-RU", timezone_id="Europe/Moscow", bypass_csp=True)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15000)
    pg.goto(shared_hub.url + "/stand/casework")
    pg.fill("#login", "admin")
    pg.fill("#password", "admin-demo")
    pg.click("#login-submit")
    pg.wait_for_url("**/stand/casework")
    pg.wait_for_selector("#casework-page[aria-busy=false]")
    yield pg
    ctx.close()
    assert errors == [], errors


def test_overdue_shown_in_colour_and_words(page):
    row = page.locator("#req-rows tr[data-status=overdue]")
    expect(row).to_have_count(1)
    expect(row.locator(".badge-danger")).to_have_text("Срок прошёл")
    expect(row).to_contain_text("просрочено на")
    expect(row).to_contain_text("С… М.")           # masked in the list
    expect(row).not_to_contain_text("Сидорова")
    expect(page.locator("#req-summary")).to_contain_text("срок прошёл: 1")


def test_register_a_complaint_through_the_form(page):
    page.select_option("#req-kind", "complaint")
    expect(page.locator("#req-term")).to_have_text("Срок ответа: 10 рабочих дней (001:990).")
    page.fill("#req-subject", "Грубость в зале")
    page.fill("#req-name", "Кузнецов Пётр")
    page.fill("#req-contact", "+7 905 777-88-99")
    page.click("#req-submit")
    expect(page.locator("#req-error")).to_have_text("Нужно согласие на обработку персональных данных (152-ФЗ)")
    page.check("#req-consent")
    page.click("#req-submit")
    row = page.locator("#req-rows tr", has_text="Грубость в зале")
    expect(row).to_contain_text("Жалоба")
    expect(row).to_contain_text("В работе")
    expect(row).to_contain_text("К… П.")
    expect(page.locator("#req-error")).to_be_hidden()


def test_register_a_home_visit_and_refuse_one_with_a_reason(page, shared_hub):
    page.fill("#visit-name", "Орлова Нина Ивановна")
    page.fill("#visit-reason", "Заключить договор")
    page.fill("#visit-address", "ул. Мира, 3, кв. 7")
    page.fill("#visit-phone", "+7 900 111-22-33")
    page.check("#visit-over65")
    page.check("#visit-consent")
    page.click("#visit-submit")
    expect(page.locator("#visit-error")).to_contain_text("одиноко проживающих")  # not eligible: lives with others
    page.check("#visit-alone")
    page.click("#visit-submit")
    row = page.locator("#visit-rows tr[data-state=requested]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("О… Н. И.")
    expect(row).to_contain_text("старше 65 лет")
    ident = row.get_attribute("data-visit")

    row.locator("[data-refuse]").click()
    page.click("#dlg-visit-ok")
    expect(page.locator("#dlg-visit-error")).to_have_text("Укажите причину отказа")
    page.fill("#dlg-visit-reason", "Переехала к дочери")
    page.click("#dlg-visit-ok")
    done = page.locator(f"#visit-rows tr[data-visit='{ident}']")
    expect(done).to_have_attribute("data-state", "refused")
    expect(done).to_contain_text("Причина: Переехала к дочери")
    expect(done.locator(".badge-danger")).to_have_text("Отказано")


def test_schedule_a_visit_and_open_the_personal_data(page, shared_hub):
    admin = shared_hub.client("admin")
    v = admin.post(f"{BASE}/visits", dict(name="Белов Иван", phone="+7 900 444-55-66", address="ул. Садовая, 9",
                                          reason="Показания счётчика", consent=True, lives_alone=True,
                                          disability=True, over_65=False))
    page.reload()
    page.wait_for_selector("#casework-page[aria-busy=false]")
    row = page.locator(f"#visit-rows tr[data-visit='{v['id']}']")
    row.locator("[data-schedule]").click()
    today = admin.get(f"{BASE}/requests")["today"]
    page.fill("#dlg-visit-date", today)
    page.click("#dlg-visit-ok")
    expect(row).to_have_attribute("data-state", "scheduled")
    expect(row).to_contain_text("Назначен на " + ".".join(reversed(today.split("-"))))

    row.get_by_role("button", name=f"Показать данные, выезд {v['id']}").click()
    expect(page.locator("#dlg-person-data")).to_contain_text("ул. Садовая, 9")
    page.locator("#dlg-person button[type=submit]").click()
    log = admin.get(f"{BASE}/access-log", kind="visit", record=v["id"])["access"]
    assert [(r["login"], r["action"]) for r in log][0] == ("admin", "read")


def test_mark_answered(page):
    row = page.locator("#req-rows tr", has_text="Грубость в зале")
    row.locator("[data-answer]").click()
    expect(row).to_have_attribute("data-status", "answered")
    expect(row.locator(".lv-ok-solid")).to_have_text("Ответ дан в срок")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_accessible_and_screenshots(page, size, tmp_path):
    page.set_viewport_size(DESKTOP if size == "desktop" else PHONE)
    page.wait_for_selector("#casework-page[aria-busy=false]")
    violations = axe_run(page)
    assert not violations, axe_report(violations)
    if size == "phone":
        scroll, width = no_page_scroll(page)
        assert scroll <= width + 1, (scroll, width)
    page.screenshot(path=str(shots_dir(tmp_path) / f"casework-{size}.png"), full_page=True)
