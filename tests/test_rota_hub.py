"""The break rota through a real hub process (issue 13 point 4, 001:353): the rota as office data
(GET/PUT /api/v1/offices/{office}/rota), the break guard refusing a pause that empties the hall
even when nobody waits, the planned break allowed, the administrator's override logged, and the
window's ``next_break`` in the state the consoles get."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support import HubProcess, empty_hall

from hub_client import HubError

OFFICE = "demo"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = HubProcess(tmp_path_factory.mktemp("rota") / "hub.sqlite").start(timeout=90)
    admin = h.client("admin")
    state = admin.state(OFFICE)
    zone = ZoneInfo(state["schedule"]["tz"])
    now = datetime.fromtimestamp(state["now"], zone)
    nine = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), zone).replace(hour=9)
    admin.post("/api/v1/testing/clock", {"advance": nine.timestamp() - state["now"]})  # tomorrow 09:00
    h.zone = zone
    yield h
    h.stop()


def hub_time(admin) -> datetime:
    state = admin.state(OFFICE)
    return datetime.fromtimestamp(state["now"], ZoneInfo(state["schedule"]["tz"]))


def move_to(admin, hhmm: str) -> None:
    now = hub_time(admin)
    h, m = map(int, hhmm.split(":"))
    target = now.replace(hour=h, minute=m, second=0, microsecond=0)
    assert target >= now, f"the hub's clock is already past {hhmm}"
    admin.post("/api/v1/testing/clock", {"advance": (target - now).total_seconds() + 1})


def windows(admin) -> dict[int, dict]:
    return {w["number"]: w for w in admin.state(OFFICE)["windows"]}


def events(hub, kind: str) -> list[dict]:
    with sqlite3.connect(hub.db) as db:
        rows = db.execute("SELECT data FROM events WHERE office = ? AND type = ? ORDER BY seq",
                          (OFFICE, kind)).fetchall()
    return [json.loads(r[0]) for r in rows]


def refused(fn, status: int, code: str) -> HubError:
    with pytest.raises(HubError) as e:
        fn()
    assert (e.value.status, e.value.code) == (status, code), e.value.message
    return e.value


LUNCHES = [{"window": 1, "day": "every", "start": "13:00", "end": "13:45", "kind": "lunch"},
           {"window": 2, "day": "every", "start": "13:45", "end": "14:30", "kind": "lunch"},
           {"window": 1, "day": "every", "start": "11:00", "end": "11:15", "kind": "break"}]


def test_a_bad_rota_is_refused_and_nothing_is_written(hub):
    admin = hub.client("admin")
    assert admin.get(f"/api/v1/offices/{OFFICE}/rota")["breaks"] == []
    overlap = [{"window": 1, "start": "13:00", "end": "13:45"}, {"window": 1, "start": "13:30", "end": "14:00"}]
    e = refused(lambda: admin.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": overlap}),
                400, "overlap")
    assert "пересекаются" in e.message
    everyone = [{"window": n, "start": "13:00", "end": "13:30", "kind": "lunch"} for n in range(1, 7)]
    e = refused(lambda: admin.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": everyone}),
                400, "hall_empty")
    assert "все окна сразу" in e.message and "13:00" in e.message
    e = refused(lambda: admin.request("PUT", f"/api/v1/offices/{OFFICE}/rota",
                                      json={"breaks": [{"window": 9, "start": "13:00", "end": "13:30"}]}),
                400, "unknown_window")
    assert "нет окна 9" in e.message
    for bad in ({"breaks": [{"window": 1, "start": "1300", "end": "13:30"}]}, {"breaks": "13:00"},
                {"breaks": [{"window": 1, "start": "13:30", "end": "13:00"}]}, {}):
        e = refused(lambda bad=bad: admin.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json=bad), 400, "invalid")
        assert any("а" <= ch <= "я" for ch in e.message.lower())
    op = hub.client("op1")
    refused(lambda: op.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": LUNCHES}), 403, "forbidden")
    assert admin.get(f"/api/v1/offices/{OFFICE}/rota")["breaks"] == []


def test_the_rota_is_saved_and_shown_as_next_break(hub):
    admin = hub.client("head")
    saved = admin.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": LUNCHES})
    assert saved["by"] == "head" and len(saved["breaks"]) == 3
    assert hub.client("op1").get(f"/api/v1/offices/{OFFICE}/rota")["breaks"] == saved["breaks"]
    assert events(hub, "config.changed")[-1] == {"what": "rota"}
    ws = windows(hub.client("admin"))
    assert ws[1]["next_break"]["label"] == "перерыв 11:00–11:15"
    assert ws[2]["next_break"] == {"start": "13:45", "end": "14:30", "kind": "lunch", "label": "обед 13:45–14:30"}
    assert ws[3]["next_break"] is None
    assert hub.client("admin").window(ws[2]["id"])["next_break"]["label"] == "обед 13:45–14:30"


@pytest.mark.qt
def test_the_console_shows_the_next_planned_break(hub, qtbot):
    from PySide6.QtCore import Qt

    from operator_console.console import ConsoleWindow
    c = ConsoleWindow(hub.url, window_number=2, tick_ms=200, reconnect_delay=0.3)
    qtbot.addWidget(c)
    c.resize(1366, 768)
    c.show()
    qtbot.waitExposed(c)
    qtbot.keyClicks(c.login_page.login, "op2")
    qtbot.keyClick(c.login_page.login, Qt.Key.Key_Return)
    c.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c.login_page.secret, "2222")
    qtbot.keyClick(c.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.pages.currentWidget() is c.work and c.stream_ok, timeout=15_000)
    label = c.day_panel.next_break
    qtbot.waitUntil(lambda: label.text() == "Следующий перерыв: обед 13:45–14:30", timeout=15_000)
    assert label.isVisible()
    qtbot.wait(300)  # the layout settles: the console with the break shown still fits a 1366x768 screen
    assert c.width() <= 1366 and c.height() <= 768, (c.width(), c.height())
    # the head moves window 2's lunch: the console follows the change without a restart
    head = hub.client("head")
    moved = [b if b["window"] != 2 else {**b, "start": "14:30", "end": "15:15"} for b in LUNCHES]
    head.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": moved})
    qtbot.waitUntil(lambda: label.text() == "Следующий перерыв: обед 14:30–15:15", timeout=15_000)
    head.request("PUT", f"/api/v1/offices/{OFFICE}/rota", json={"breaks": LUNCHES})
    qtbot.waitUntil(lambda: label.text() == "Следующий перерыв: обед 13:45–14:30", timeout=15_000)
    c.close()


@pytest.fixture(scope="module")
def shared_hub(hub):
    """The browser fixtures' hub is this module's hub."""
    return hub


def test_the_stand_tab_edits_proposes_and_saves_the_rota(hub, browser):
    from browser_support import axe_report, axe_run
    from playwright.sync_api import expect
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU",
                              timezone_id="Europe/Moscow", bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15000)
    admin = hub.client("admin")
    admin.timeout = 120
    try:
        page.goto(hub.url + "/stand/setup#rota")
        page.wait_for_url("**/stand/login**")
        page.fill("#login", "hall")
        page.fill("#password", "hall-demo")
        page.click("#login-submit")
        page.wait_for_selector("#pane-rota[data-ready=true]")
        expect(page.locator("#tab-rota")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#rota-window-1 tbody tr")).to_have_count(2)  # the break and the lunch
        assert page.input_value("#rota-window-2 tbody tr [name=start]") == "13:45"
        # the keyboard reaches the tab: from «Тексты зала» an arrow goes to «Перерывы»
        page.click("#tab-texts")
        page.keyboard.press("ArrowDown")
        expect(page.locator("#tab-rota")).to_be_focused()
        expect(page.locator("#pane-rota")).to_be_visible()
        # a bad time: a Russian message and nothing sent
        page.fill("#rota-window-2 tbody tr [name=end]", "14-30")
        page.click("#rota-form button[type=submit]")
        expect(page.locator("#rota-form [data-slot=error]")).to_have_text(
            "Окно 2: время перерыва в виде ЧЧ:ММ, например 13:00.")
        assert page.get_attribute("#rota-window-2 tbody tr [name=end]", "aria-invalid") == "true"
        # the hub's own refusal (every window at lunch at once) is shown as it is
        for n in range(3, 7):
            page.click(f"#rota-add-{n}")
            row = page.locator(f"#rota-window-{n} tbody tr").last
            row.locator("[name=start]").fill("13:00")
            row.locator("[name=end]").fill("13:30")
        page.fill("#rota-window-2 tbody tr [name=start]", "13:00")
        page.fill("#rota-window-2 tbody tr [name=end]", "13:30")
        page.click("#rota-form button[type=submit]")
        expect(page.locator("#rota-form [data-slot=error]")).to_contain_text("все окна сразу")
        assert [b["window"] for b in admin.get("/api/v1/offices/demo/rota")["breaks"]] == [1, 1, 2]
        violations = axe_run(page, context="#pane-rota")
        assert violations == [], axe_report(violations)
        # «Предложить график» fills the tables; «Сохранить график» stores them
        page.click("#rota-propose")
        # the proposal reads a week of forecasts: generous on a loaded machine
        expect(page.locator("#rota-form [data-slot=ok]")).to_contain_text("Предложен график", timeout=90_000)
        proposal = admin.get("/api/v1/offices/demo/rota/proposal")["breaks"]
        for n in range(1, 7):
            expect(page.locator(f"#rota-window-{n} tbody tr")).to_have_count(
                sum(1 for b in proposal if b["window"] == n))
        page.click("#rota-form button[type=submit]")
        expect(page.locator("#rota-form [data-slot=ok]")).to_have_text("График перерывов сохранён.", timeout=60_000)
        saved = admin.get("/api/v1/offices/demo/rota")
        assert saved["by"] == "hall"
        assert sorted((b["window"], b["start"]) for b in saved["breaks"]) == sorted(
            (b["window"], b["start"]) for b in proposal)
        # the plan for tomorrow is the head's: the administrator is told so
        page.click("#plan-show")
        expect(page.locator("#plan-error")).to_contain_text("руководителю офиса")
        assert errors == [], errors
    finally:
        ctx.close()
        hub.client("head").request("PUT", "/api/v1/offices/demo/rota", json={"breaks": LUNCHES})


def test_the_last_open_window_is_refused_a_break_even_when_nobody_waits(hub):
    admin = hub.client("admin")
    empty_hall(admin)
    ws = windows(admin)
    op1 = hub.client("op1")
    op1.window(ws[1]["id"], "open")
    assert admin.state(OFFICE)["waiting"] == []
    e = refused(lambda: op1.window(ws[1]["id"], "pause", reason="other"), 409, "break_guard")
    assert "ни одного открытого окна" in e.message and "окно 2" in e.message
    assert "Ваш перерыв по графику: перерыв 11:00–11:15" in e.message
    assert windows(admin)[1]["state"] == "open"
    # an operator may not override
    refused(lambda: op1.window(ws[1]["id"], "pause", reason="other", override=True), 403, "override_forbidden")
    assert windows(admin)[1]["state"] == "open"
    # with a second window open, the break is allowed
    op2 = hub.client("op2")
    op2.window(ws[2]["id"], "open")
    op1.window(ws[1]["id"], "pause", reason="other")
    e = refused(lambda: op2.window(ws[2]["id"], "pause", reason="technical"), 409, "break_guard")
    assert "окно 1" in e.message
    op1.window(ws[1]["id"], "open")
    op2.window(ws[2]["id"], "close")


def test_the_administrator_override_is_allowed_and_logged(hub):
    admin = hub.client("admin")
    hall = hub.client("hall")
    ws = windows(admin)
    assert [n for n, w in ws.items() if w["state"] == "open"] == [1]
    answer = hall.window(ws[1]["id"], "pause", reason="technical", override=True)
    assert answer["state"] == "paused"
    paused = events(hub, "window.paused")[-1]
    assert paused["override"] is True and paused["by"] == "hall" and paused["window"] == ws[1]["id"]
    hub.client("op1").window(ws[1]["id"], "open")


def test_the_planned_break_is_allowed_within_ten_minutes(hub):
    admin = hub.client("admin")
    ws = windows(admin)
    op1 = hub.client("op1")
    move_to(admin, "12:49")
    refused(lambda: op1.window(ws[1]["id"], "pause", reason="lunch"), 409, "break_guard")
    move_to(admin, "12:51")
    op1.window(ws[1]["id"], "pause", reason="lunch")
    paused = events(hub, "window.paused")[-1]
    assert paused["planned"] == {"start": "13:00", "end": "13:45", "kind": "lunch"} and "override" not in paused
    assert windows(admin)[1]["next_break"]["label"] == "обед 13:00–13:45"
    # while window 1 is on its planned lunch, window 2 alone may not pause: the refusal says when 1 is back
    op2 = hub.client("op2")
    op2.window(ws[2]["id"], "open")
    move_to(admin, "13:05")
    e = refused(lambda: op2.window(ws[2]["id"], "pause", reason="other"), 409, "break_guard")
    assert "Окно 1 вернётся с перерыва по графику в 13:45" in e.message
    op1.window(ws[1]["id"], "open")
    move_to(admin, "13:46")
    op2.window(ws[2]["id"], "pause", reason="lunch")
    assert windows(admin)[1]["next_break"] is None  # no more breaks for window 1 today


def test_the_stand_shows_the_plan_for_tomorrow_to_the_admin(hub, browser):
    from playwright.sync_api import expect
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(hub.url + "/stand/setup#rota")
        page.wait_for_url("**/stand/login**")
        page.fill("#login", "admin")
        page.fill("#password", "admin-demo")
        page.click("#login-submit")
        page.wait_for_selector("#pane-rota[data-ready=true]", timeout=30_000)
        page.click("#plan-show")
        # the plan simulates the day on the hub: generous on a loaded machine
        expect(page.locator("#plan-text")).to_contain_text("Моделирование дня на ядре очереди", timeout=120_000)
        text = page.inner_text("#plan-text")
        assert "План на " in text and "Смены окон:" in text and "окно 1:" in text
        assert page.locator("#plan-error").is_hidden()
        assert errors == [], errors
    finally:
        ctx.close()
