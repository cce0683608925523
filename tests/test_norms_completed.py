"""Issue 16 point 6 through a real hub: the per-account limit (001:841) and a profile without a
whole-visit norm (Pyatigorsk, 002) in the reports.

One hub for the module. The operator enters how many accounts a request covers; the alert and the
report's «в нормативе» count 8 minutes per account for the contract documents. Then the office is
switched to the Pyatigorsk profile, whose standard has no visit limit: its daily and monthly
reports (JSON and page) carry no visit-limit figure, where the Rosseti one has «33».
"""
from __future__ import annotations

import pytest
import requests
from support import HubProcess, empty_hall, next_morning

from hub_client.client import HubError

MIN = 60


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = HubProcess(tmp_path_factory.mktemp("norms-completed") / "hub.sqlite").start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def admin(hub):
    client = hub.client("admin")
    next_morning(client)  # the module advances the clock by about an hour: never across midnight
    return client


def advance(admin, seconds):
    return admin.post("/api/v1/testing/clock", {"advance": seconds})


def report(hub, admin, kind, fmt="json", **params):
    r = requests.get(f"{hub.url}/api/v1/offices/demo/reports/{kind}", params={"format": fmt, **params},
                     headers={"Authorization": f"Bearer {admin.token}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json() if fmt == "json" else r.text


def _window_for(admin, service):
    state = admin.state("demo")
    return next(w["id"] for w in state["windows"] if w["services"].get(service))


def _serve_contract(admin, accounts, minutes):
    """A contract visitor served ``minutes`` minutes for ``accounts`` accounts; the ticket's day."""
    empty_hall(admin)
    w = _window_for(admin, "contract")
    admin.window(w, "open")
    t = admin.issue("demo", "contract")
    called = admin.call_next(w)
    assert called["id"] == t["id"]
    admin.act(t["id"], "start")
    if accounts != 1:
        answer = admin.set_accounts(t["id"], accounts)
        assert answer["service_limit"] == 8 * accounts * MIN
    advance(admin, minutes * MIN)
    over = [a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"] if a["kind"] == "service_over"]
    admin.act(t["id"], "finish")
    return t, over


def test_accounts_scale_the_alert_and_the_report(hub, admin):
    t1, over1 = _serve_contract(admin, accounts=3, minutes=20)   # 20 ≤ 3 × 8: within
    assert over1 == []
    t2, over2 = _serve_contract(admin, accounts=1, minutes=10)   # 10 > 8: over
    assert [a["code"] for a in over2] == [t2["code"]]
    day = admin.ticket(t1["id"])["day"]
    r = report(hub, admin, "daily", date=day)
    (row,) = [g for g in r["by_service"] if g["key"] == "contract"]
    assert row["service"]["normed"] == 2 and row["service"]["within"] == 1
    y, m = int(day[:4]), int(day[5:7])
    month = report(hub, admin, "monthly", month=f"{y:04d}-{m:02d}")
    (mrow,) = [g for g in month["by_service"] if g["key"] == "contract"]
    assert mrow["service"]["normed"] == 2 and mrow["service"]["within"] == 1  # the SQL path too


@pytest.mark.parametrize("body,code", [({"accounts": 0}, "invalid"), ({"accounts": 100}, "invalid"),
                                       ({"accounts": "3"}, "invalid"), ({}, "invalid")])
def test_bad_accounts_are_a_clear_4xx_in_russian(hub, admin, body, code):
    empty_hall(admin)
    w = _window_for(admin, "contract")
    admin.window(w, "open")
    t = admin.issue("demo", "contract")
    admin.call_next(w)
    r = requests.post(f"{hub.url}/api/v1/tickets/{t['id']}/accounts", json=body,
                      headers={"Authorization": f"Bearer {admin.token}"}, timeout=10)
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["error"] and any("а" <= ch <= "я" for ch in err["message"].lower())
    assert admin.ticket(t["id"])["service_limit"] == 8 * MIN  # nothing half-written
    admin.act(t["id"], "cancel")


def test_accounts_of_a_waiting_ticket_are_refused(admin):
    empty_hall(admin)
    t = admin.issue("demo", "contract")
    with pytest.raises(HubError) as e:
        admin.set_accounts(t["id"], 2)
    assert e.value.status == 409 and "лицевых счетов" in e.value.message
    admin.act(t["id"], "cancel")


def _set_profile(admin, profile):
    admin.request("PUT", "/api/v1/offices/demo/settings", json={"profile": profile})


def test_a_profile_without_a_visit_limit_shows_none(hub, admin):
    t, _ = _serve_contract(admin, accounts=1, minutes=40)  # a 40-minute visit: over Rosseti's 33
    day = admin.ticket(t["id"])["day"]
    month = f"{day[:7]}"
    r = report(hub, admin, "daily", date=day)
    assert r["visit_norm"]["limit"] == 33 and r["visits"]["over_norm"] >= 1
    assert "Визиты дольше 33 мин" in report(hub, admin, "daily", "html", date=day)
    assert report(hub, admin, "monthly", month=month)["visit_norm"]["limit"] == 33
    _set_profile(admin, "pyatigorsk")
    try:
        for kind, params in (("daily", {"date": day}), ("monthly", {"month": month})):
            r = report(hub, admin, kind, **params)
            assert r["profile"]["id"] == "pyatigorsk"
            assert r["visit_norm"] is None
            assert r["visits"]["over_norm"] is None and r["total"]["visits_over"] is None
            assert all(g["visits_over"] is None for g in r["by_service"])
            page = report(hub, admin, kind, "html", **params)
            assert "Визиты дольше" not in page and "33 мин" not in page and "001:418" not in page
            assert "Общей нормы времени визита в стандарте офиса нет" in page
            csv_text = report(hub, admin, kind, "csv", **params)
            assert "Визиты дольше" not in csv_text
        y = report(hub, admin, "yearly", year=day[:4])
        assert y["visit_norm"] is None and all(m["visits_over"] is None for m in y["months"])
    finally:
        _set_profile(admin, "rosatom-2026")
    assert report(hub, admin, "daily", date=day)["visit_norm"]["limit"] == 33


@pytest.mark.qt
def test_the_console_spin_box_sets_the_accounts(hub, admin, qtbot):
    from PySide6.QtCore import Qt

    from operator_console.console import ConsoleWindow
    empty_hall(admin)
    state = admin.state("demo")
    number = next(w["number"] for w in state["windows"] if w["services"].get("contract"))
    c = ConsoleWindow(hub.url, window_number=number, tick_ms=200, reconnect_delay=0.3)
    qtbot.addWidget(c)
    c.resize(1366, 768)
    c.show()
    qtbot.waitExposed(c)
    qtbot.keyClicks(c.login_page.login, "op1")
    c.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c.login_page.secret, "1111")
    qtbot.keyClick(c.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.pages.currentWidget() is c.work and c.stream_ok, timeout=20_000)
    t = admin.issue("demo", "contract")
    c.trigger("call")
    qtbot.waitUntil(lambda: (c.model.my_ticket() or {}).get("id") == t["id"], timeout=20_000)
    c.trigger("start")
    qtbot.waitUntil(lambda: (c.model.my_ticket() or {}).get("state") == "serving", timeout=20_000)
    box = c.card.accounts
    assert box.isVisible() and box.value() == 1 and box.accessibleName()
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "3")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: admin.ticket(t["id"])["service_limit"] == 24 * MIN, timeout=20_000)
    qtbot.waitUntil(lambda: "лицевых счетов — 3" in c.banner.text(), timeout=20_000)
    qtbot.waitUntil(lambda: "24" in c.card.norm.text(), timeout=20_000)  # «Норматив 24 (001:841)»
    c.close()
    # a console opened again (a restart) shows the number the hub keeps
    assert admin.ticket(t["id"])["accounts"] == 3
    c2 = ConsoleWindow(hub.url, window_number=number, tick_ms=200, reconnect_delay=0.3)
    qtbot.addWidget(c2)
    c2.show()
    qtbot.waitExposed(c2)
    qtbot.keyClicks(c2.login_page.login, "op1")
    c2.login_page.by_pin.setChecked(True)
    qtbot.keyClicks(c2.login_page.secret, "1111")
    qtbot.keyClick(c2.login_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (c2.model.my_ticket() or {}).get("id") == t["id"], timeout=20_000)
    qtbot.waitUntil(lambda: c2.card.accounts.value() == 3, timeout=20_000)
    c2.close()
    empty_hall(admin)
