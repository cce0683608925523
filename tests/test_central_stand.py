"""The stand shows the link to the company centre honestly, in a real Chromium page on a real
hub shipping to a real centre: «Нет связи с центром с …: ожидают отправки N событий» while the
centre is down, «Отправлено в центр до …» once the backlog has drained."""
from __future__ import annotations

import re

import pytest
from browser_support import shots_dir
from pg_support import CentralProcess, OfficeHub, fresh_database

from server.central.store import CentralStore


@pytest.fixture(scope="module")
def cluster(pg_cluster):
    return pg_cluster


def test_the_stand_shows_the_link_to_the_centre(browser, cluster, tmp_path):
    url = fresh_database(cluster)
    store = CentralStore(url)
    store.migrate()
    key = store.pair(store.issue_pairing_code("demo"))["key"]
    centre = CentralProcess(url, tmp_path)  # not started yet: the centre is down
    hub = OfficeHub(tmp_path / "office.sqlite", centre.url, key).start()
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20000)
    try:
        c = hub.client("admin")
        for service in ("consult", "cash", "consult"):
            c.issue("demo", service)
        waiting = hub.link(c)["last_seq"]
        page.goto(hub.url + "/stand/")
        page.wait_for_url("**/stand/login**")
        page.fill("#login", "hall")
        page.fill("#password", "hall-demo")
        page.click("#login-submit")
        line = page.locator("#central-link")
        line.wait_for(state="visible")
        page.wait_for_selector("#central-link[data-state=offline]")
        text = line.inner_text()
        assert re.fullmatch(rf"Нет связи с центром с \d\d:\d\d: ожидают отправки {waiting} событ(ие|ия|ий)", text), text
        assert "link-bad" in line.get_attribute("class")
        page.screenshot(path=str(shots_dir(tmp_path) / "stand-central-offline.png"))

        centre.start()
        page.wait_for_selector("#central-link[data-state=ok]", timeout=30000)
        text = line.inner_text()
        assert re.fullmatch(r"Отправлено в центр до \d\d:\d\d, все события отправлены", text), text
        assert "link-ok" in line.get_attribute("class")
        assert store.high_water_mark("demo") == waiting
        page.screenshot(path=str(shots_dir(tmp_path) / "stand-central-ok.png"))
        assert errors == [], errors
    finally:
        ctx.close()
        hub.stop()
        centre.stop()
        store.close()
