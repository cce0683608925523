"""The operator console (real Qt widgets offscreen) against a real hub process over HTTP.

A ticket's whole life from the keyboard; two consoles racing for one ticket; the break guard;
the escalation ladder; reconnecting after the hub is restarted while a ticket is served; and the
screenshots for docs/console.md (written there when TALON_SCREENSHOTS=1).
"""
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from operator_console.console import ConsoleWindow

pytestmark = pytest.mark.qt

ROOT = Path(__file__).resolve().parent.parent
PINS = {f"op{i}": f"{i}" * 4 for i in range(1, 7)}
WAIT = 10_000


def windows(admin):
    return {w["number"]: w["id"] for w in admin.state("demo")["windows"]}


def open_console(qtbot, hub, number, login="op1", password=None, size=(1366, 768)):
    """Start a console and sign in as an operator would: login, PIN (or password), Enter."""
    c = ConsoleWindow(hub.url, window_number=number, tick_ms=200, reconnect_delay=0.3)
    qtbot.addWidget(c)
    c.resize(*size)
    c.show()
    qtbot.waitExposed(c)
    qtbot.keyClicks(c.login_page.login, login)
    qtbot.keyClick(c.login_page.login, Qt.Key.Key_Return)
    if password is None:
        c.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c.login_page.secret, password or PINS[login])
    qtbot.keyClick(c.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.pages.currentWidget() is c.work and c.stream_ok, timeout=WAIT)
    return c


def press(qtbot, c, key):
    """Press an F-key (or a digit in a choice) on this console, as the operator would."""
    c.activateWindow()
    qtbot.waitUntil(lambda: c.isActiveWindow(), timeout=WAIT)
    target = c.choice.list if c.bottom.currentWidget() is c.choice else c
    qtbot.keyClick(target, key)


def settle(qtbot, c):
    qtbot.waitUntil(lambda: c.busy is None and c.hub.pending == 0, timeout=WAIT)


def act(qtbot, c, key):
    press(qtbot, c, key)
    settle(qtbot, c)


def button(c, key):
    return c.action_bar.buttons[key]


def test_a_tickets_whole_life_from_the_keyboard(hub, qtbot):
    admin = hub.client("admin")
    w = windows(admin)

    # signing in: a wrong PIN is told plainly, then the right one takes window 1
    c = ConsoleWindow(hub.url, window_number=1, tick_ms=200)
    qtbot.addWidget(c)
    c.show()
    qtbot.keyClicks(c.login_page.login, "op1")
    c.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c.login_page.secret, "9999")
    qtbot.keyClick(c.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Неверный" in c.login_page.error.text(), timeout=WAIT)
    c.close()
    c = open_console(qtbot, hub, 1)
    assert admin.window(w[1])["state"] == "open" and admin.window(w[1])["operator"] == "op1"
    assert c.card.idle_title.text() == "Свободно"
    assert not button(c, "escalate").isVisible()  # rosatom-2026 has no escalation ladder

    # an individual-format visitor is issued at the hall; the console sees them waiting
    t = admin.issue("demo", "consult", individual=True, source="administrator")
    qtbot.waitUntil(lambda: c.hall.rows["consult"][2].text() == "1", timeout=WAIT)

    act(qtbot, c, Qt.Key.Key_F1)  # call next
    assert c.card.code.text() == t["code"]
    assert c.card.topic.text() == "Консультация"
    assert c.card.client.text() == "Физическое лицо"
    assert c.card.individual.isVisible()
    assert c.card.phase.text().startswith("Вызван")
    assert admin.ticket(t["id"])["state"] == "called" and admin.ticket(t["id"])["window_number"] == 1

    act(qtbot, c, Qt.Key.Key_F2)
    act(qtbot, c, Qt.Key.Key_F2)  # recall twice: the count is on the button and the card
    assert admin.ticket(t["id"])["recalls"] == 2
    assert "(2)" in button(c, "recall").text() and "повторных вызовов: 2" in c.card.phase.text()

    act(qtbot, c, Qt.Key.Key_F3)  # start
    assert c.card.phase.text() == "Идёт приём"
    assert c.card.norm.text().startswith("Норматив 8 мин")  # 001:392–393 for a consultation
    assert c.card.timer.property("level") == "ok"

    act(qtbot, c, Qt.Key.Key_F6)  # «Цифровые сервисы»
    assert admin.ticket(t["id"])["phase"] == "digital"
    assert c.card.phase.text() == "Цифровые сервисы" and c.card.norm.text().startswith("Норматив 4 мин")
    assert button(c, "digital").property("active")
    act(qtbot, c, Qt.Key.Key_F7)  # «Доп. услуги» straight after
    assert admin.ticket(t["id"])["phase"] == "upsell" and c.card.norm.text().startswith("Норматив 5 мин")
    act(qtbot, c, Qt.Key.Key_F7)  # and back to the main service
    assert admin.ticket(t["id"])["phase"] is None and c.card.phase.text() == "Идёт приём"

    qtbot.keyClicks(c.outcome, "12")
    act(qtbot, c, Qt.Key.Key_F4)  # finish with the outcome code typed
    done = admin.ticket(t["id"])
    assert done["state"] == "finished" and done["outcome"] == "12"
    assert c.card.idle_title.text() == "Свободно" and c.outcome.text() == ""
    qtbot.waitUntil(lambda: c.day_panel.values["served"].text() == "1", timeout=WAIT)
    assert c.day_panel.values["within"].text() == "100 %"

    # no-show
    t2 = admin.issue("demo", "cash")
    act(qtbot, c, Qt.Key.Key_F1)
    assert c.card.code.text() == t2["code"]
    act(qtbot, c, Qt.Key.Key_F5)
    assert admin.ticket(t2["id"])["state"] == "no_show"

    # transfer to another service: the same code and visit go along
    t3 = admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    press(qtbot, c, Qt.Key.Key_F8)
    assert c.bottom.currentWidget() is c.choice
    cash_row = next(i for i, v in enumerate(c.choice.values) if v[:2] == ("service", "cash"))
    c.choice.list.setCurrentRow(cash_row)
    act(qtbot, c, Qt.Key.Key_Return)
    moved = admin.ticket(t3["id"])
    assert moved["state"] == "waiting" and moved["service"] == "cash" and moved["code"] == t3["code"]
    assert moved["segments"] == 2
    assert "Номер и визит сохранены" in c.banner.text()

    # window 1 serves the cash desk too: the visitor comes back, second stage of the visit
    act(qtbot, c, Qt.Key.Key_F1)
    assert c.card.code.text() == t3["code"] and c.card.segment.isVisible()
    # transfer to a window this time
    press(qtbot, c, Qt.Key.Key_F8)
    row = next(i for i, v in enumerate(c.choice.values) if v[:2] == ("window", w[4]))
    c.choice.list.setCurrentRow(row)
    act(qtbot, c, Qt.Key.Key_Enter)
    assert admin.ticket(t3["id"])["target_window"] == w[4]

    # postpone: the visitor steps aside and goes back to the queue
    admin.window(w[4], "open")
    admin.act(t3["id"], "cancel")
    t4 = admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F9)
    assert admin.ticket(t4["id"])["state"] == "waiting"
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    act(qtbot, c, Qt.Key.Key_F4)
    assert admin.ticket(t4["id"])["state"] == "finished"

    # pause for lunch (nobody waits, so the guard allows it), then resume
    press(qtbot, c, Qt.Key.Key_F10)
    act(qtbot, c, Qt.Key.Key_1)
    assert admin.window(w[1])["state"] == "paused" and admin.window(w[1])["pause_reason"] == "lunch"
    assert c.card.idle_title.text() == "Перерыв на обед"
    assert "Продолжить" in button(c, "pause").text()
    act(qtbot, c, Qt.Key.Key_F10)
    assert admin.window(w[1])["state"] == "open"

    # close the window (asked first; Esc keeps it open), then open it again with F1
    press(qtbot, c, Qt.Key.Key_F12)
    press(qtbot, c, Qt.Key.Key_Escape)
    assert admin.window(w[1])["state"] == "open" and c.bottom.currentWidget() is c.action_bar
    press(qtbot, c, Qt.Key.Key_F12)
    act(qtbot, c, Qt.Key.Key_1)
    assert admin.window(w[1])["state"] == "closed" and c.card.idle_title.text() == "Окно закрыто"
    act(qtbot, c, Qt.Key.Key_F1)
    assert admin.window(w[1])["state"] == "open"

    # the hall's day: two served, one no-show, one transfer
    qtbot.waitUntil(lambda: c.day_panel.values["served"].text() == "2", timeout=WAIT)
    assert c.day_panel.values["other"].text() == "1 / 2"


def test_a_refusal_is_shown_in_the_hubs_words(hub, qtbot):
    admin = hub.client("admin")
    w = windows(admin)
    c = open_console(qtbot, hub, 1)
    t = admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    # the administrator settles it behind the console's back; the console still shows it
    admin.act(t["id"], "transfer", window=w[2])
    qtbot.waitUntil(lambda: c.card.idle_title.isVisible(), timeout=WAIT)
    # without --window the console asks which window; one someone else works at is refused
    other = ConsoleWindow(hub.url, tick_ms=200)
    qtbot.addWidget(other)
    other.show()
    other.sign_in("op2", "2222", True)
    qtbot.waitUntil(lambda: other.pages.currentWidget() is other.window_page, timeout=WAIT)
    assert other.window_page.list.count() == 6
    assert "op1" in other.window_page.list.item(0).text()
    other.window_page.list.setCurrentRow(0)
    qtbot.keyClick(other.window_page.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: other.window_page.error.text() != "", timeout=WAIT)
    assert "другой оператор" in other.window_page.error.text()
    other.window_page.list.setCurrentRow(2)
    qtbot.keyClick(other.window_page.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: other.pages.currentWidget() is other.work, timeout=WAIT)
    assert admin.window(w[3])["operator"] == "op2" and other.topbar.window.text().startswith("Окно 3")
    other.close()
    # an action the hub refuses: the ticket was taken back by the hall while the console was offline of it
    admin.window(w[2], "open")
    t2 = admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    c.hub.unfollow(wait=True)  # the console does not hear the next change
    admin.act(t2["id"], "cancel")
    act(qtbot, c, Qt.Key.Key_F3)
    assert c.banner.kind == "refused"
    assert "Сервер не выполнил «Начать приём»" in c.banner.text() and "отменён" in c.banner.text()
    qtbot.waitUntil(lambda: c.model.my_ticket() is None, timeout=WAIT)  # it re-read the hall


def test_two_consoles_race_for_one_ticket(hub, qtbot):
    admin = hub.client("admin")
    w = windows(admin)
    a = open_console(qtbot, hub, 1, "op1")
    b = open_console(qtbot, hub, 2, "op2")
    for round_ in range(4):
        t = admin.issue("demo", "consult")
        for c in (a, b):
            qtbot.waitUntil(lambda c=c: c.model.waiting_for_me() == 1, timeout=WAIT)
        first, second = (a, b) if round_ % 2 == 0 else (b, a)
        first.trigger("call")   # both operators press F1 at the same moment:
        second.trigger("call")  # the two calls are in flight together
        for c in (a, b):
            settle(qtbot, c)
        winners = [c for c in (a, b) if c.model.my_ticket() is not None]
        assert len(winners) == 1, [c.banner.text() for c in (a, b)]
        winner, loser = winners[0], (b if winners[0] is a else a)
        assert winner.card.code.text() == t["code"]
        assert "Вызвать некого" in loser.banner.text()
        assert loser.card.idle_title.text() == "Свободно"
        hub_ticket = admin.ticket(t["id"])
        assert hub_ticket["state"] == "called" and hub_ticket["window"] == w[1 if winner is a else 2]
        act(qtbot, winner, Qt.Key.Key_F5)
        assert admin.ticket(t["id"])["state"] == "no_show"


def test_the_break_guard_refusal_is_shown_as_such(hub, qtbot):
    admin = hub.client("admin")
    w = windows(admin)
    c = open_console(qtbot, hub, 1)
    admin.issue("demo", "consult")
    qtbot.waitUntil(lambda: c.model.waiting_for_me() == 1, timeout=WAIT)
    press(qtbot, c, Qt.Key.Key_F10)
    assert c.choice.title.text() == "Перерыв: причина?"
    act(qtbot, c, Qt.Key.Key_1)  # lunch
    assert c.banner.kind == "guard"
    assert c.banner.text().startswith("Перерыв: сейчас нельзя.")
    assert "последнее открытое окно" in c.banner.text()
    assert admin.window(w[1])["state"] == "open"
    # closing is guarded the same way (001:353)
    press(qtbot, c, Qt.Key.Key_F12)
    act(qtbot, c, Qt.Key.Key_1)
    assert c.banner.kind == "guard" and admin.window(w[1])["state"] == "open"
    # once another window that serves consultations opens, the break is allowed
    op2 = hub.client("op2")
    op2.window(w[2], "open")
    press(qtbot, c, Qt.Key.Key_F10)
    act(qtbot, c, Qt.Key.Key_2)  # technical
    assert admin.window(w[1])["state"] == "paused" and admin.window(w[1])["pause_reason"] == "technical"
    assert c.card.idle_title.text() == "Технический перерыв"


def test_escalation_where_the_profile_has_the_ladder(hub, qtbot):
    admin = hub.client("admin")
    w = windows(admin)
    admin.request("PUT", "/api/v1/offices/demo/settings", json={"profile": "pyatigorsk"})  # 002:145–165
    cfg = next(x for x in admin.get("/api/v1/offices/demo/windows") if x["number"] == 3)
    admin.request("PUT", f"/api/v1/offices/demo/windows/{w[3]}",
                  json={"number": 3, "services": cfg["services"], "level": "senior", "zone": cfg["zone"]})
    c = open_console(qtbot, hub, 1)
    assert button(c, "escalate").isVisible()
    t = admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    assert c.card.norm.text().startswith("Норматив 10–15 мин")  # 002:153, a range: amber after 10
    # to the head: nobody at that level serves it, the hub says so
    press(qtbot, c, Qt.Key.Key_F11)
    assert [v for v in c.choice.values] == ["senior", "head"]
    act(qtbot, c, Qt.Key.Key_2)
    assert c.banner.kind == "refused" and "старший специалист" in c.banner.text()
    assert admin.ticket(t["id"])["state"] == "serving"
    press(qtbot, c, Qt.Key.Key_F11)
    act(qtbot, c, Qt.Key.Key_1)  # to the senior specialist
    up = admin.ticket(t["id"])
    assert up["state"] == "waiting" and up["target_level"] == "senior" and up["code"] == t["code"]
    assert "старшему специалисту" in c.banner.text()
    # the senior specialist's console shows the level and times it against 15 minutes (002:159)
    s = open_console(qtbot, hub, 3, "op3")
    act(qtbot, s, Qt.Key.Key_F1)
    act(qtbot, s, Qt.Key.Key_F3)
    assert s.card.code.text() == t["code"] and s.card.level.isVisible()
    assert s.card.norm.text().startswith("Норматив 15 мин")


def test_reconnects_after_a_hub_restart_and_keeps_the_ticket(hub, qtbot):
    admin = hub.client("admin")
    c = open_console(qtbot, hub, 1)
    t = admin.issue("demo", "consult_cash")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    act(qtbot, c, Qt.Key.Key_F6)
    assert c.card.code.text() == t["code"]

    hub.kill()  # the hub's process dies mid-service
    qtbot.waitUntil(lambda: not c.topbar.connection.property("connected"), timeout=WAIT)
    assert c.banner.kind == "offline"
    assert c.card.code.text() == t["code"]  # still on screen, the time still running
    press(qtbot, c, Qt.Key.Key_F7)  # an action while the hub is down is told plainly
    settle(qtbot, c)
    assert c.banner.kind == "offline" and "не выполнено" in c.banner.text()

    hub.start()
    qtbot.waitUntil(lambda: c.topbar.connection.property("connected") and c.model.my_ticket() is not None,
                    timeout=20_000)
    assert c.card.code.text() == t["code"]
    assert c.card.phase.text() == "Цифровые сервисы"  # the hub kept the sub-phase too
    # live again: a new visitor appears
    admin = hub.client("admin")
    admin.issue("demo", "consult")
    qtbot.waitUntil(lambda: c.hall.rows["consult"][2].text() == "1", timeout=WAIT)

    # the console program itself restarts too: it takes its window back with the ticket on it
    c.close()
    c = open_console(qtbot, hub, 1)
    assert c.card.code.text() == t["code"] and c.card.phase.text() == "Цифровые сервисы"
    assert "снова за окном 1" in c.banner.text()
    act(qtbot, c, Qt.Key.Key_F4)
    assert admin.ticket(t["id"])["state"] == "finished"


def test_screenshots_idle_within_and_over_the_norm(hub, qtbot, tmp_path):
    admin = hub.client("admin")
    w = windows(admin)
    hub.client("op2").window(w[2], "open")
    out = ROOT / "docs" / "screenshots" if os.environ.get("TALON_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    clock = lambda seconds: admin.post("/api/v1/testing/clock", {"advance": seconds})  # noqa: E731
    c = open_console(qtbot, hub, 1)

    # one visitor served in 5 minutes, so «my day» has figures
    admin.issue("demo", "consult")
    act(qtbot, c, Qt.Key.Key_F1)
    act(qtbot, c, Qt.Key.Key_F3)
    clock(300)
    act(qtbot, c, Qt.Key.Key_F4)
    # a hall: two consultations waiting 5:30 (norm 8), a cash payment 3:10 (norm 4), a change of owner
    admin.issue("demo", "consult")
    admin.issue("demo", "consult", individual=True, source="administrator")
    clock(140)
    admin.issue("demo", "cash")
    admin.issue("demo", "owner")
    clock(190)
    c.resync()
    qtbot.waitUntil(lambda: c.hall.rows["cash"][3].property("level") == "warn"
                    and c.hall.rows["consult"][3].property("level") == "ok"
                    and c.day_panel.values["served"].text() == "1", timeout=WAIT)
    assert c.day_panel.values["avg"].property("level") == "ok"
    c.grab().save(str(out / "console-idle.png"))

    act(qtbot, c, Qt.Key.Key_F1)  # the individual format goes first (001:378)
    assert c.card.individual.isVisible() and c.card.topic.text() == "Консультация"
    act(qtbot, c, Qt.Key.Key_F3)
    clock(185)  # 3 min 5 s into an 8-minute consultation
    c.resync()
    qtbot.waitUntil(lambda: c.card.timer.text().startswith("3:0"), timeout=WAIT)
    assert c.card.timer.property("level") == "ok"
    c.grab().save(str(out / "console-serving.png"))

    clock(400)  # 9 min 45 s: past the norm
    c.resync()
    qtbot.waitUntil(lambda: c.card.timer.property("level") == "over", timeout=WAIT)
    image = c.grab().toImage()
    image.save(str(out / "console-over-norm.png"))
    # the timer block really is red on the picture, and green/amber/red are all on the hall panel
    centre = c.card.timer.mapTo(c, c.card.timer.rect().center())
    ratio = image.width() / c.width()
    pixel = image.pixelColor(int(centre.x() * ratio), int((centre.y() + c.card.timer.height() * 0.4) * ratio))
    assert pixel.red() > 150 and pixel.green() < 80, pixel.name()
    for name in ("console-idle.png", "console-serving.png", "console-over-norm.png"):
        assert (out / name).stat().st_size > 10_000


def test_talon_console_command_signs_in_and_takes_the_window(hub):
    """``talon console --hub URL --window N`` as a real process (offscreen), signing in with a PIN."""
    import subprocess
    import sys
    import time

    admin = hub.client("admin")
    w = windows(admin)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TALON_CONSOLE_PIN": "5555"}
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "console", "--hub", hub.url, "--window", "5",
                             "--login", "op5"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and admin.window(w[5])["operator"] != "op5":
            assert proc.poll() is None, "the console exited"
            time.sleep(0.2)
        state = admin.window(w[5])
        assert state["state"] == "open" and state["operator"] == "op5"
    finally:
        proc.terminate()
        proc.wait(10)


def test_my_day_route_counts_from_the_segments(hub):
    """``GET /windows/{id}/day``: served, average service time against the norm, share within it."""
    from hub_client import HubClient, HubError

    admin = hub.client("admin")
    w = windows(admin)
    op1 = hub.client("op1")
    op1.window(w[1], "open")
    clock = lambda seconds: admin.post("/api/v1/testing/clock", {"advance": seconds})  # noqa: E731
    for service, minutes in (("consult", 5), ("cash", 6)):  # 5 of 8 (within), 6 of 4 (over)
        t = admin.issue("demo", service)
        op1.call(w[1], t["id"])
        op1.act(t["id"], "start")
        clock(minutes * 60)
        op1.act(t["id"], "finish")
    t = admin.issue("demo", "consult")
    op1.call(w[1], t["id"])
    op1.act(t["id"], "no-show")
    day = op1.get(f"/api/v1/windows/{w[1]}/day", operator="op1")
    assert day["served"] == 2 and day["no_show"] == 1 and day["timed"] == 2
    assert abs(day["avg_service"] - 330) < 2 and day["avg_norm"] == (480 + 240) / 2
    assert day["within_norm"] == 0.5
    assert {s["service"]: s["norm"] for s in day["services"]} == {"consult": 480, "cash": 240}
    assert op1.get(f"/api/v1/windows/{w[1]}/day", operator="op2")["served"] == 0
    assert op1.get(f"/api/v1/windows/{w[2]}/day")["served"] == 0
    kiosk = HubClient(hub.url, token=hub.kiosk_key)
    with pytest.raises(HubError) as e:
        kiosk.get(f"/api/v1/windows/{w[1]}/day")
    assert e.value.status == 403
    with pytest.raises(HubError) as e:
        op1.get("/api/v1/windows/999999/day")
    assert e.value.status == 404
