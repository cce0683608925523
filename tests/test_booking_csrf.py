"""CSRF on the public booking page's forms (/book/<office>: book, cancel, move), through a real hub:
each form carries a value signed over the office, the booking's code and this browser's own random
cookie (``talon_book``); a post without it, with a wrong one, or with another browser's is refused
with a Russian 403 page and changes nothing. A browser (here a requests.Session keeping cookies)
that opened the form gets through. One hub for the module."""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from support import HubProcess

MSK = ZoneInfo("Europe/Moscow")
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
SLOT_RE = re.compile(r'name="slot" value="([^"]+)"')


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("booking-csrf") / "hub.sqlite").start()
    hub.client("admin").request("PUT", "/api/v1/offices/demo/booking/settings",
                                json={"share": 0.5, "slot_minutes": 60})
    yield hub
    hub.stop()


def tomorrow(h) -> str:
    now = h.client("admin").state("demo")["now"]
    return (datetime.fromtimestamp(now, MSK).date() + timedelta(days=1)).isoformat()


def rows(h) -> list[tuple]:
    with sqlite3.connect(h.db) as conn:
        return conn.execute("SELECT code, state, slot_start FROM bookings ORDER BY id").fetchall()


def form_of(browser: requests.Session, h) -> tuple[str, list[str]]:
    page = browser.get(f"{h.url}/book/demo", params={"service": "consult", "date": tomorrow(h)}, timeout=10)
    assert page.status_code == 200
    return CSRF_RE.search(page.text).group(1), SLOT_RE.findall(page.text)


def refused(r) -> None:
    assert r.status_code == 403, r.text[:300]
    assert "text/html" in r.headers["Content-Type"]
    assert "Страница устарела" in r.text and "Traceback" not in r.text


def details(slot: str, **extra) -> dict:
    return {"service": "consult", "slot": slot, "name": "Иван Петров", "phone": "+7 912 345-67-89",
            "consent": "yes", **extra}


def test_a_booking_post_without_the_forms_value_is_refused_and_writes_nothing(h):
    browser = requests.Session()
    token, slots = form_of(browser, h)
    assert token and len(slots) >= 3
    assert browser.cookies.get("talon_book")
    refused(browser.post(f"{h.url}/book/demo", data=details(slots[0]), timeout=10, allow_redirects=False))
    refused(browser.post(f"{h.url}/book/demo", data=details(slots[0], csrf="x" * 32), timeout=10,
                         allow_redirects=False))
    # a page of another site posting with the visitor's value but not the visitor's cookie
    refused(requests.post(f"{h.url}/book/demo", data=details(slots[0], csrf=token), timeout=10,
                          allow_redirects=False))
    # another browser's cookie and value do not fit this one
    other = requests.Session()
    other_token, _ = form_of(other, h)
    refused(browser.post(f"{h.url}/book/demo", data=details(slots[0], csrf=other_token), timeout=10,
                         allow_redirects=False))
    assert rows(h) == []
    # the form as the browser got it goes through
    r = browser.post(f"{h.url}/book/demo", data=details(slots[0], csrf=token), timeout=10, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert len(rows(h)) == 1 and rows(h)[0][1] == "booked"


def test_cancel_and_move_need_the_value_of_their_own_booking(h):
    browser = requests.Session()
    token, slots = form_of(browser, h)
    made = browser.post(f"{h.url}/book/demo", data=details(slots[1], phone="+7 913 000-00-02", csrf=token),
                        timeout=10, allow_redirects=False)
    code = re.search(r"/book/demo/(\d{8})", made.headers["Location"]).group(1)
    shown = browser.get(f"{h.url}/book/demo/{code}", timeout=10).text
    cancel_token = CSRF_RE.search(shown).group(1)
    assert cancel_token != token  # bound to the booking's code
    before = rows(h)
    refused(browser.post(f"{h.url}/book/demo/{code}/cancel", timeout=10, allow_redirects=False))
    refused(browser.post(f"{h.url}/book/demo/{code}/cancel", data={"csrf": token}, timeout=10,
                         allow_redirects=False))
    refused(browser.post(f"{h.url}/book/demo/{code}/move", data={"slot": slots[2]}, timeout=10,
                         allow_redirects=False))
    assert rows(h) == before
    moving = browser.get(f"{h.url}/book/demo/{code}", params={"move": 1}, timeout=10).text
    move_token = CSRF_RE.search(moving).group(1)
    r = browser.post(f"{h.url}/book/demo/{code}/move", data={"slot": slots[2], "csrf": move_token}, timeout=10,
                     allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    r = browser.post(f"{h.url}/book/demo/{code}/cancel", data={"csrf": cancel_token}, timeout=10,
                     allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert [x[1] for x in rows(h) if x[0] == code] == ["cancelled"]
