"""The stand's «Устройства» page in a real headless Chromium against a real hub process.

Scenarios: an admin adds a kiosk, reads its one-time code off the page, the code is exchanged
through ``POST /api/v1/devices/pair`` and the row turns «привязано» without a reload; the kiosk's
heartbeat and incident show; a board is paired from the page; the admin withdraws the kiosk and
its key is refused (401) at once, recorded as ``device.revoked``. Bad input (empty name, unknown
kind, a name already used) gives a Russian message and creates nothing. The revoke route: roles,
validation, 404 for an unknown device, a code not yet used stops working.

Set ``TALON_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/stand-devices.png.
"""
import json
import re
import sqlite3

import requests
from browser_support import shots_dir
from playwright.sync_api import expect

DEVICES = "/api/v1/offices/demo/devices"


def open_devices(page, hub, login="admin", password="admin-demo"):
    page.goto(hub.url + "/stand/devices")
    page.wait_for_url("**/stand/login**")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(hub.url + "/stand/devices")
    page.wait_for_selector("#devices-page[aria-busy=false]")
    page.wait_for_selector("#link-state.link-ok")  # the live stream is connected


def device_rows(hub) -> dict:
    return {d["id"]: d for d in hub.client("admin").get(DEVICES)}


def post(hub, path, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(hub.url + path, json=body, headers=headers, timeout=10)


def events(hub, kind):
    with sqlite3.connect(hub.db) as db:
        return [json.loads(r[0]) for r in db.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (kind,))]


# ---------------------------------------------------------------------- the scenarios

def test_add_a_kiosk_pair_it_by_its_code_see_it_live_then_revoke_it(page, shared_hub, tmp_path):
    open_devices(page, shared_hub)
    # the demo's devices are listed, paired
    expect(page.locator("tr[data-device-id='kiosk-demo'] .dev-name")).to_have_text("Киоск у входа")
    expect(page.locator("tr[data-device-id='board-demo'] .dev-pairing")).to_have_text("привязано")
    assert page.inner_text("#nav-devices") == "Устройства"
    assert page.get_attribute("#nav-devices", "aria-current") == "page"

    page.check("input[name=kind][value=kiosk]")
    page.fill("#dev-name", "  Киоск у окна   3 ")
    page.click("#dev-submit")
    code_el = page.locator("#pairing-code")
    expect(code_el).to_be_visible()
    code = code_el.get_attribute("data-code")
    assert re.fullmatch(r"\d{6}", code)
    assert code_el.inner_text().replace(" ", "") == code  # shown big, as «123 456»
    assert page.locator("#pairing-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 60
    panel = page.inner_text("#pairing")
    assert "Введите этот код на киоске" in panel
    assert f"talon kiosk --hub {shared_hub.url} --pair {code}" in panel
    assert "15 минут" in panel and "только один раз" in panel
    assert page.input_value("#dev-name") == ""

    new = [d for d in device_rows(shared_hub).values() if d["name"] == "Киоск у окна 3"]
    assert len(new) == 1 and new[0]["pairing"] == "waiting" and new[0]["kind"] == "kiosk"
    kiosk_id = new[0]["id"]
    row = page.locator(f"tr[data-device-id='{kiosk_id}']")
    expect(row).to_have_attribute("data-pairing", "waiting")
    expect(row.locator(".dev-pairing")).to_contain_text("ждёт привязки")
    expect(row.locator(".dev-pairing")).to_contain_text("код действует ещё 15 мин")

    # the kiosk exchanges the code read off the page: the row turns «привязано» live (no reload)
    r = post(shared_hub, "/api/v1/devices/pair", {"code": code})
    assert r.status_code == 200, r.text
    key = r.json()["token"]
    assert r.json()["device"] == kiosk_id
    expect(row).to_have_attribute("data-pairing", "paired", timeout=3000)
    expect(row.locator(".dev-pairing")).to_have_text("привязано")
    expect(row.locator(".dev-seen")).to_have_text("ещё не выходило на связь")
    expect(page.locator("#pairing-expires")).to_have_text(
        "Готово: киоск «Киоск у окна 3» привязан к серверу очереди.")
    expect(page.locator("#pairing-code")).to_be_hidden()

    # its heartbeat and its incident show live too
    kiosk = shared_hub.client(token=key)
    kiosk.heartbeat(printer={"state": "paper_out"}, sound={"state": "ok"})
    kiosk.incident("printer", "open", "Закончилась бумага")
    expect(row.locator(".dev-seen")).to_contain_text("на связи", timeout=3000)
    expect(row.locator(".dev-seen")).to_contain_text("только что")
    expect(row.locator(".dev-health")).to_contain_text("Принтер: нет бумаги")
    expect(row.locator(".dev-health")).to_contain_text("Звук: в порядке")
    expect(row.locator(".dev-incidents-cell")).to_contain_text("Принтер: Закончилась бумага", timeout=3000)

    # time passes on the hub's clock: «N мин назад» and «нет связи»
    shared_hub.client("admin").post("/api/v1/testing/clock", {"advance": 7 * 60})
    page.reload()
    page.wait_for_selector("#devices-page[aria-busy=false]")
    row = page.locator(f"tr[data-device-id='{kiosk_id}']")
    expect(row.locator(".dev-seen")).to_contain_text("нет связи")
    expect(row.locator(".dev-seen")).to_contain_text("7 мин назад")
    expect(row.locator(".dev-health")).to_contain_text("по последним сведениям")

    # a board: its code and the command that pairs it (the board has no keypad)
    page.check("input[name=kind][value=board]")
    page.fill("#dev-name", "Табло у окон 4–6")
    page.click("#dev-submit")
    expect(page.locator("#pairing-board")).to_be_visible()
    expect(page.locator("#pairing-kiosk")).to_be_hidden()
    expect(page.locator("#pairing-title")).to_have_text("Код привязки: табло «Табло у окон 4–6»")
    command = page.locator("#pairing-board-command")
    code = re.fullmatch(rf"talon board --hub {re.escape(shared_hub.url)} --pair (\d{{6}})", command.inner_text())[1]
    board_key = shared_hub.client().pair(code)["token"]       # what `talon board --pair` does
    assert shared_hub.client(token=board_key).me()["roles"] == ["board"]
    board_id = [d for d in device_rows(shared_hub).values() if d["name"] == "Табло у окон 4–6"][0]["id"]
    expect(page.locator(f"tr[data-device-id='{board_id}']")).to_have_attribute("data-pairing", "paired")

    # one more kiosk waiting for its code: the page as the docs show it
    page.check("input[name=kind][value=kiosk]")
    page.fill("#dev-name", "Киоск у окна 5")
    page.click("#dev-submit")
    expect(page.locator("#pairing-title")).to_have_text("Код привязки: киоск «Киоск у окна 5»")
    expect(page.locator("#pairing-kiosk")).to_be_visible()
    page.screenshot(path=str(shots_dir(tmp_path) / "stand-devices.png"), full_page=True)

    # withdraw the kiosk: asked first («Нет, оставить» keeps it)
    assert kiosk.me()["device"] == kiosk_id          # the key works (and sits in the hub's cache now)
    row.locator("[data-revoke]").click()
    dialog = page.locator("#dlg-revoke")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-slot=title]")).to_have_text("Отозвать киоск «Киоск у окна 3»?")
    expect(dialog).to_contain_text("Ключ устройства перестанет действовать сразу")
    dialog.locator("[data-close]").click()
    expect(dialog).to_be_hidden()
    assert kiosk_id in device_rows(shared_hub)
    row.locator("[data-revoke]").click()
    page.click("#revoke-submit")
    expect(page.locator("#toast")).to_have_text("Киоск «Киоск у окна 3» отозван: его ключ больше не действует.")
    expect(page.locator(f"tr[data-device-id='{kiosk_id}']")).to_have_count(0)

    # its key is refused at once (no 30 s cache), the incident is closed, the event is recorded
    for r in (requests.get(shared_hub.url + "/api/v1/auth/me", headers=kiosk.headers(), timeout=10),
              post(shared_hub, "/api/v1/devices/heartbeat", {"printer": {"state": "ok"}}, key),
              post(shared_hub, "/api/v1/offices/demo/tickets", {"service": "consult"}, key)):
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "unauthorized"
    assert kiosk_id not in device_rows(shared_hub)
    revoked = events(shared_hub, "device.revoked")
    assert revoked[-1] == {"device": kiosk_id, "kind": "kiosk", "name": "Киоск у окна 3", "login": "admin"}
    with sqlite3.connect(shared_hub.db) as db:
        assert db.execute("SELECT count(*) FROM incidents WHERE device = ? AND closed_at IS NULL",
                          (kiosk_id,)).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM tokens WHERE device = ?", (kiosk_id,)).fetchone()[0] == 0
    # the board and the demo devices keep working
    assert shared_hub.client(token=board_key).me()["device"] == board_id
    assert shared_hub.client(token=shared_hub.kiosk_key).me()["device"] == "kiosk-demo"


def test_bad_input_gives_a_russian_message_and_creates_nothing(page, shared_hub):
    before = device_rows(shared_hub)
    seq = shared_hub.client("admin").state("demo")["seq"]
    open_devices(page, shared_hub)
    error = page.locator("#dev-error")

    page.fill("#dev-name", "")
    page.click("#dev-submit")
    expect(error).to_have_text("Введите название устройства, например «Киоск у входа».")
    expect(page.locator("#dev-name")).to_have_attribute("aria-invalid", "true")

    page.fill("#dev-name", "    ")
    page.click("#dev-submit")
    expect(error).to_have_text("Введите название устройства, например «Киоск у входа».")

    page.fill("#dev-name", "Киоск у входа")  # the demo kiosk's name
    page.click("#dev-submit")
    expect(error).to_have_text("Устройство «Киоск у входа» уже есть. Выберите другое название.")

    # a kind the hub does not know (the page's choice tampered with)
    page.fill("#dev-name", "Принтер в углу")
    page.evaluate("document.querySelector('input[name=kind][value=kiosk]').value = 'printer'")
    page.check("input[name=kind][value=printer]")
    page.click("#dev-submit")
    expect(error).to_have_text("Выберите, что подключаете: киоск или табло.")
    expect(page.locator("#pairing")).to_be_hidden()

    # the hub refuses the same on its own, in Russian
    admin = shared_hub.client("admin")
    for body, status, message in [
        ({"kind": "printer", "name": "Принтер в углу"}, 400, "Неверные данные: недопустимое значение поля «kind»"),
        ({"kind": "kiosk", "name": ""}, 400, "Неверные данные: поле «name» слишком короткое"),
        ({"kind": "kiosk", "name": "   "}, 400, "Введите название устройства, например «Киоск у входа»"),
        ({"kind": "kiosk"}, 400, "Неверные данные: обязательное поле «name» не указано"),
        ({"kind": "board", "name": "Табло в зале"}, 409, "Устройство «Табло в зале» уже есть в этом офисе"),
    ]:
        r = post(shared_hub, DEVICES, body, admin.token)
        assert r.status_code == status, (body, r.text)
        assert r.json()["message"].startswith(message), r.json()
    assert device_rows(shared_hub).keys() == before.keys()
    assert admin.state("demo")["seq"] == seq
    expect(page.locator("#dev-rows tr")).to_have_count(len(before))


def test_the_hall_administrator_adds_but_does_not_revoke(page, shared_hub):
    open_devices(page, shared_hub, "hall", "hall-demo")
    expect(page.locator("#dev-rows tr").first).to_be_visible()
    expect(page.locator("[data-revoke]")).to_have_count(0)
    expect(page.locator("#dev-revoke-note")).to_have_text("Отозвать устройство может администратор системы.")
    hall = shared_hub.client("hall")
    r = post(shared_hub, "/api/v1/offices/demo/devices/revoke", {"device": "kiosk-demo"}, hall.token)
    assert r.status_code == 403 and r.json()["message"] == "Недостаточно прав для этого действия"


def test_revoke_route_validates_and_stops_a_pending_code(shared_hub):
    admin = shared_hub.client("admin")
    url = "/api/v1/offices/demo/devices/revoke"
    seq = admin.state("demo")["seq"]
    for body, status, error in [
        ({"device": "kiosk-00000000"}, 404, "device_not_found"),
        ({"device": "../etc"}, 400, "invalid"),
        ({"device": 5}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"device": "kiosk-demo", "x": 1}, 400, "invalid"),
    ]:
        r = post(shared_hub, url, body, admin.token)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"] == error and re.search("[а-яА-Я]", r.json()["message"])
    r = post(shared_hub, "/api/v1/offices/nowhere/devices/revoke", {"device": "kiosk-demo"}, admin.token)
    assert 400 <= r.status_code < 500
    assert post(shared_hub, url, {"device": "kiosk-demo"}).status_code == 401
    assert post(shared_hub, url, {"device": "kiosk-demo"}, shared_hub.kiosk_key).status_code == 403
    assert admin.state("demo")["seq"] == seq  # nothing recorded

    # a code not used yet stops working once the device is withdrawn
    device = admin.post(DEVICES, {"kind": "kiosk", "name": "Киоск на замену"})
    assert device_rows(shared_hub)[device["id"]]["pairing"] == "waiting"
    assert admin.post(url, {"device": device["id"]})["revoked"] is True
    r = post(shared_hub, "/api/v1/devices/pair", {"code": device["pairing_code"]})
    assert r.status_code == 404 and r.json()["error"] == "bad_pairing_code"
    assert post(shared_hub, url, {"device": device["id"]}, admin.token).status_code == 404  # already gone

    # the revoke route is in the OpenAPI document, for admin only
    doc = requests.get(shared_hub.url + "/api/openapi.json", timeout=10).json()
    assert doc["paths"]["/api/v1/offices/{office}/devices/revoke"]["post"]["x-roles"] == ["admin"]


def test_the_devices_page_is_served_with_the_strict_content_policy(shared_hub):
    r = requests.get(shared_hub.url + "/stand/devices", timeout=10)
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    assert "<script>" not in r.text  # no inline script (the policy would block it)
