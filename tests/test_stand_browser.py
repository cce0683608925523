"""The administrator stand in a real headless Chromium against a real hub process.

Scenarios: signing in; a ticket issued through the API appears on the hall monitor within 1 s;
an alert appears when a wait passes its norm (the hub's testing clock moves time); a transfer,
«решено администратором» and a cancel from the stand; issuing on behalf with the individual
format and printing at a kiosk; the setup forms refuse bad input in Russian and change nothing.

Set ``TALON_SCREENSHOTS=docs/screenshots`` to refresh the screenshots used in docs/stand.md.
"""
import time

import pytest
import requests
from browser_support import shots_dir
from playwright.sync_api import expect
from support import empty_hall

from hub_client import EventStream


@pytest.fixture
def admin(shared_hub):
    """The admin client, with the hall emptied first: no waiting tickets, every window closed."""
    return empty_hall(shared_hub.client("admin"))


def windows(client) -> dict[int, int]:
    return {w["number"]: w["id"] for w in client.state("demo")["windows"]}


def sign_in(page, hub, login, password, path="/stand/"):
    page.goto(hub.url + path)
    page.wait_for_url("**/stand/login**")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")


def open_monitor(page, hub, login="hall", password="hall-demo"):
    sign_in(page, hub, login, password)
    page.wait_for_selector("#monitor[aria-busy=false]")
    page.wait_for_selector("#link-state.link-ok")  # the live stream is connected


def advance(client, seconds):
    client.post("/api/v1/testing/clock", {"advance": seconds})


# ---------------------------------------------------------------------- the scenarios

def test_login_then_a_ticket_issued_through_the_api_appears_within_a_second(page, shared_hub, admin):
    page.goto(shared_hub.url + "/stand/")
    page.wait_for_url("**/stand/login?next=%2Fstand%2F")  # no session: to the login page
    page.fill("#login", "hall")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("Неверный логин или пароль.")
    page.fill("#login", "op1")
    page.fill("#password", "op1-demo")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:has-text('нет доступа к стойке администратора')")
    page.fill("#login", "hall")
    page.fill("#password", "hall-demo")
    page.click("#login-submit")
    page.wait_for_url(shared_hub.url + "/stand/")
    page.wait_for_selector("#link-state.link-ok")
    assert page.inner_text("#user-name") == "Петрова Елена Викторовна"
    assert page.inner_text("#office-name") == "Центр обслуживания клиентов на Ленина"

    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    t = kiosk.issue("demo", "consult")
    issued = time.monotonic()
    row = page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}']", timeout=1000)
    assert time.monotonic() - issued < 1.0
    assert t["code"] in row.inner_text() and "в норме" in row.inner_text()

    # a call to a window shows on its card, with the running time, just as fast
    w = windows(admin)[2]
    admin.window(w, "open")
    admin.call(w, t["id"])
    called = time.monotonic()
    card = page.wait_for_selector(f"article[data-window-id='{w}'] .current[data-ticket-id='{t['id']}']", timeout=1000)
    assert time.monotonic() - called < 1.0
    assert "ждём посетителя" in card.inner_text()
    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}']", state="detached", timeout=1000)


def test_an_alert_appears_when_a_wait_passes_its_norm(page, shared_hub, admin, tmp_path):
    w = windows(admin)
    admin.window(w[4], "open")  # the cash desk is open, but nobody calls: the wait runs on
    t = admin.issue("demo", "cash")  # waiting norm 4 minutes (001:400–401)
    # the rest of the hall, for the screenshots: an operator serving at window 1, others waiting
    op1 = shared_hub.client("op1")
    op1.window(w[1], "open")
    busy = admin.issue("demo", "consult")
    op1.call(w[1], busy["id"])
    op1.act(busy["id"], "start")
    others = [admin.issue("demo", service) for service in ("consult", "owner", "consult_cash")]
    open_monitor(page, shared_hub)
    row = page.locator(f"#waiting-rows tr[data-ticket-id='{t['id']}']")
    assert row.get_attribute("data-level") == "ok"
    assert page.locator(f"[data-alert-id='wait_near:ticket:{t['id']}']").count() == 0

    advance(admin, 3 * 60 + 5)  # 75 % of the norm: no event is sent, the stand reads again by itself
    near = page.wait_for_selector(f"#alerts [data-alert-id='wait_near:ticket:{t['id']}']", timeout=5000)
    assert "Ожидание приближается к нормативу" in near.inner_text() and "ВНИМАНИЕ" in near.inner_text()
    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}'][data-level='near']", timeout=2000)
    assert "скоро норматив" in row.inner_text()

    advance(admin, 60)
    over = page.wait_for_selector(f"#alerts [data-alert-id='wait_over:ticket:{t['id']}']", timeout=5000)
    text = over.inner_text()
    assert "Превышен норматив ожидания" in text and "СРОЧНО" in text and t["code"] in text
    assert "при нормативе 4 мин" in text and "001:400" in text
    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}'][data-level='over']", timeout=2000)
    assert "норматив превышен" in row.inner_text()
    assert page.locator(f"[data-alert-id='wait_near:ticket:{t['id']}']").count() == 0

    # two minutes on, the consultations near their 8 minutes too; a window goes to lunch,
    # a visitor presses the help button at the kiosk
    advance(admin, 120)
    page.wait_for_selector(f"#alerts [data-alert-id='wait_near:ticket:{others[0]['id']}']", timeout=5000)
    shared_hub.client("op5").window(w[5], "open")
    shared_hub.client("op5").window(w[5], "pause", reason="lunch")
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    kiosk.heartbeat(printer={"state": "ok"})
    kiosk.help("demo", screen="Выбор услуги")
    page.wait_for_selector("#alerts [data-kind='help']", timeout=2000)
    page.wait_for_timeout(1200)
    shots = shots_dir(tmp_path)
    page.screenshot(path=str(shots / "stand-monitor.png"), full_page=True)
    page.locator("#alerts-panel").screenshot(path=str(shots / "stand-alert.png"))

    # «Принято»: the alert moves to the acknowledged list and stays quiet
    page.click(f"#alerts [data-alert-id='wait_over:ticket:{t['id']}'] .btn-ack")
    page.wait_for_selector(f"#acked-list [data-alert-id='wait_over:ticket:{t['id']}']", state="attached")
    assert page.locator(f"#alerts [data-alert-id='wait_over:ticket:{t['id']}']").count() == 0
    page.click("#alerts [data-kind='help'] .btn-ack")
    page.wait_for_selector("[data-kind='help']", state="detached")  # a help request, once answered, is gone
    alerts = admin.get("/api/v1/offices/demo/alerts")["alerts"]
    assert next(a for a in alerts if a["id"] == f"wait_over:ticket:{t['id']}")["acknowledged"]["login"] == "hall"


def test_transfer_resolve_and_cancel_from_the_stand(page, shared_hub, admin):
    moved = admin.issue("demo", "consult")
    settled = admin.issue("demo", "certificate")
    gone = admin.issue("demo", "cash")
    open_monitor(page, shared_hub)

    row = f"#waiting-rows tr[data-ticket-id='{moved['id']}']"
    page.click(f"{row} button:has-text('Перевести')")
    page.click("#transfer-submit")  # nothing chosen: a clear message, nothing sent
    expect(page.locator("#dlg-transfer [data-slot=error]")).to_have_text(
        "Выберите услугу или окно, куда перевести посетителя.")
    assert admin.ticket(moved["id"])["service"] == "consult"
    page.select_option("#transfer-service", "cash")
    page.click("#transfer-submit")  # no window takes cash now: the hub's refusal is shown, nothing moves
    expect(page.locator("#dlg-transfer [data-slot=error]")).to_contain_text("ни одно окно не принимает")
    assert admin.ticket(moved["id"])["service"] == "consult"
    cash_desk = windows(admin)[4]
    admin.window(cash_desk, "open")
    page.click("#transfer-submit")
    page.wait_for_selector("#dlg-transfer", state="hidden")
    after = admin.ticket(moved["id"])
    assert (after["service"], after["code"], after["state"]) == ("cash", moved["code"], "waiting")
    page.wait_for_selector(f"{row}:has-text('Оплата в кассе'):has-text('переведён')", timeout=2000)

    page.click(f"#waiting-rows tr[data-ticket-id='{settled['id']}'] button:has-text('Решено')")
    expect(page.locator("#dlg-confirm")).to_contain_text("Решено администратором")
    page.click("#confirm-submit")
    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{settled['id']}']", state="detached", timeout=2000)
    done = admin.ticket(settled["id"])
    assert (done["state"], done["outcome"]) == ("finished", "resolved")

    page.click(f"#waiting-rows tr[data-ticket-id='{gone['id']}'] button:has-text('Отменить')")
    page.fill("#confirm-reason", "посетитель ушёл")
    page.click("#confirm-submit")
    page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{gone['id']}']", state="detached", timeout=2000)
    assert admin.ticket(gone["id"])["state"] == "cancelled"
    # a ticket no longer waiting can not be transferred: the hub's refusal is shown as it is
    page.click(f"{row} button:has-text('Перевести')")
    admin.act(moved["id"], "cancel")
    page.select_option("#transfer-service", "consult")
    page.click("#transfer-submit")
    page.wait_for_selector("#dlg-transfer [data-slot=error]:not([hidden])")
    assert admin.ticket(moved["id"])["state"] == "cancelled"
    admin.window(cash_desk, "close")


def test_issue_on_behalf_with_individual_format_and_print_at_a_kiosk(page, shared_hub, admin):
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    kiosk.heartbeat(printer={"state": "ok"})
    seen = []
    stream = EventStream(shared_hub.url, "demo", shared_hub.kiosk_key, on_event=seen.append).start()
    try:
        open_monitor(page, shared_hub)
        page.click("#issue-submit")
        expect(page.locator("#issue-error")).to_have_text("Выберите услугу, по которой выдать талон.")
        page.select_option("#issue-service", "owner")
        page.check("#issue-individual")
        page.check("input[name=delivery][value=print]")
        page.select_option("#issue-kiosk", "kiosk-demo")
        page.click("#issue-submit")
        page.wait_for_selector("#issued:has-text('отправлен на печать')")
        code = page.inner_text("#issued-code")
        assert code.startswith("Г-") and "индивидуальный формат" in page.inner_text("#issued")
        deadline = time.time() + 3
        while time.time() < deadline and not any(e.type == "ticket.print_requested" for e in seen):
            time.sleep(0.05)
        printed = next(e for e in seen if e.type == "ticket.print_requested")
        assert printed.data["device"] == "kiosk-demo" and printed.ticket["code"] == code
        ticket = admin.ticket(printed.data["ticket"])
        assert ticket["individual"] is True and ticket["source"] == "administrator"
        # the individual format goes first in the queue: it is marked in its row
        page.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{ticket['id']}']:has-text('индивидуальный формат')")

        # show the code on screen instead: the client type the service does not take is refused in words
        page.check("input[name=delivery][value=show]")
        page.select_option("#issue-service", "business")
        page.check("input[name=client_type][value=individual]")
        page.click("#issue-submit")
        page.wait_for_selector("#issue-error:has-text('другому типу клиентов')")
        page.check("input[name=client_type][value=business]")
        page.click("#issue-submit")
        page.wait_for_selector("#issued-code:has-text('К-')")
        assert "отправлен на печать" not in page.inner_text("#issued")
    finally:
        stream.stop()


def test_setup_forms_refuse_bad_input_in_russian_and_change_nothing(page, shared_hub, admin, tmp_path):
    before = admin.get("/api/v1/offices/demo/settings")
    sign_in(page, shared_hub, "admin", "admin-demo", "/stand/setup#hours")
    page.wait_for_selector("#setup[aria-busy=false]")
    page.fill("[name=mon-open]", "18:00")
    page.fill("[name=mon-close]", "09:00")
    page.click("#hours-form button[type=submit]")
    expect(page.locator("#hours-form [data-slot=error]")).to_have_text(
        "Понедельник: открытие должно быть раньше закрытия.")
    assert page.get_attribute("[name=mon-close]", "aria-invalid") == "true"
    page.screenshot(path=str(shots_dir(tmp_path) / "stand-setup.png"), full_page=True)
    page.fill("[name=tue-break-from]", "13:00")
    page.fill("[name=mon-open]", "08:00")
    page.fill("[name=mon-close]", "20:00")
    page.click("#hours-form button[type=submit]")
    expect(page.locator("#hours-form [data-slot=error]")).to_have_text("Вторник: укажите и начало, и конец перерыва.")
    assert admin.get("/api/v1/offices/demo/settings") == before  # nothing was sent

    # a refusal from the hub itself is shown as it is, and changes nothing either
    page.click("#tab-services")
    page.click("#svc-list li[data-service='consult'] button")
    page.once("dialog", lambda d: d.accept())
    page.click("#svc-form [data-slot=delete]")
    page.wait_for_selector("#svc-form [data-slot=error]:has-text('Услугу оказывают окна 1, 2, 3')")
    assert any(s["id"] == "consult" for s in admin.get("/api/v1/offices/demo/services"))

    page.click("#tab-norms")
    page.fill("[name=cash-wait]", "0")
    page.click("#norms-form button[type=submit]")
    expect(page.locator("#norms-form [data-slot=error]")).to_contain_text(
        "Ожидание, «Кассовая операция»: число минут больше 0")
    page.fill("[name=cash-wait]", "5")
    page.click("#norms-form button[type=submit]")
    page.wait_for_selector("#norms-form [data-slot=ok]:has-text('Нормативы сохранены')")
    profile = admin.state("demo")["profile"]
    assert profile["kinds"]["cash"]["wait"]["limit"] == 5 and profile["kinds"]["consultation"]["wait"]["limit"] == 8

    page.click("#tab-texts")
    page.fill("#texts-ticker", "Вы обязаны предъявить паспорт")
    page.click("#texts-form button[type=submit]")
    expect(page.locator("#texts-form [data-slot=error]")).to_contain_text("без категоричных слов")
    page.fill("#texts-ticker", "Пожалуйста, возьмите с собой паспорт")
    page.fill("#texts-phone", "8 800 000-00-00")
    page.click("#texts-form button[type=submit]")
    page.wait_for_selector("#texts-form [data-slot=ok]:not([hidden])")
    assert admin.get("/api/v1/offices/demo/settings")["texts"]["ticker"] == "Пожалуйста, возьмите с собой паспорт"
    admin.request("PUT", "/api/v1/offices/demo/settings", json={"profile_overrides": {}})

    # a new window with its services and weights; a user with too short a password is refused
    page.click("#tab-windows")
    page.click("#win-new")
    page.fill("#win-number", "3")
    page.click("#win-form button[type=submit]")
    expect(page.locator("#win-form [data-slot=error]")).to_have_text("Окно 3 уже есть. Выберите другой номер.")
    page.fill("#win-number", "7")
    page.click("#win-form button[type=submit]")
    expect(page.locator("#win-form [data-slot=error]")).to_have_text(
        "Отметьте хотя бы одну услугу, которую оказывает окно.")
    page.select_option("[name=weight-cash]", "2")
    page.select_option("[name=weight-certificate]", "1")
    page.fill("#win-zone", "Касса")
    page.click("#win-form button[type=submit]")
    page.wait_for_selector("#win-form [data-slot=ok]:has-text('Окно 7 сохранено')")
    new = next(w for w in admin.get("/api/v1/offices/demo/windows") if w["number"] == 7)
    assert new["services"] == {"cash": 2, "certificate": 1} and new["zone"] == "Касса"
    admin.request("DELETE", f"/api/v1/offices/demo/windows/{new['id']}")

    page.click("#tab-users")
    page.click("#user-new")
    page.fill("#user-login", "op7")
    page.fill("#user-name-input", "Орлова Ирина Павловна")
    page.fill("#user-password", "123")
    page.check("[name=roles][value=operator]")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#user-form [data-slot=error]")).to_have_text("Пароль — не короче 6 знаков.")
    assert all(u["login"] != "op7" for u in admin.get("/api/v1/users"))

    # the hall administrator sees only the hall texts and the break rota
    page.click("#logout")
    page.wait_for_url("**/stand/login")
    sign_in(page, shared_hub, "hall", "hall-demo", "/stand/setup")
    page.wait_for_selector("#setup[aria-busy=false]")
    assert [b.inner_text() for b in page.locator("[data-tab]:visible").all()] == ["Тексты зала", "Перерывы"]
    assert page.locator("#pane-texts").is_visible()


def test_pages_are_served_with_a_strict_content_policy(shared_hub):
    for path in ("/stand/", "/stand/login", "/stand/setup"):
        r = requests.get(shared_hub.url + path)
        assert r.status_code == 200 and "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY" and "<script>" not in r.text  # no inline scripts
    assert requests.get(shared_hub.url + "/stand/static/monitor.js").status_code == 200
