"""The rating and the survey given on the centre's public page (issue 18 point 1), through a real
office hub shipping to a real centre (``talon central serve --public-port``) on real PostgreSQL,
the hub reaching the centre through a TCP proxy of our own (``FaultyLink``):

* a visitor whose visit finished rates it at the centre; the hub pulls the answer and records it
  as if given at the hub: it is in the hub's own daily report ONCE - also when the pull is
  repeated (the centre's acknowledgement lost) and when the link drops replies mid-pull;
* the questionnaire after the rating reaches the hub's survey table once;
* the hub stays the authority: a visit already rated at the hub's own page is not rated twice;
* the centre refuses a post without the page's CSRF value (403), a visit not finished yet (409),
  an unknown token (404) - in Russian, holding nothing.

One centre, one hub for the module."""
from __future__ import annotations

import os
import re
import sqlite3

import pytest
import requests
from pg_support import CentralProcess, FaultyLink, OfficeHub, free_port, fresh_database, wait_until

from server.central import public_answers_store as answers
from server.central.store import CentralStore

OFFICE = "demo"
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]{32})"')


@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url, min_size=1, max_size=4)
    store.migrate()
    public_port = free_port()
    proc = CentralProcess(url, tmp_path_factory.mktemp("centre"), project_every=0.3,
                          extra_args=("--public-port", str(public_port))).start()
    proc.public = f"http://127.0.0.1:{public_port}"
    proc.store = store
    yield proc
    proc.stop()
    store.close()


@pytest.fixture(scope="module")
def link(centre):
    proxy = FaultyLink(centre.port)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def office(centre, link, tmp_path_factory):
    key = centre.store.pair(centre.store.issue_pairing_code(OFFICE, "ЦОК на Ленина"))["key"]
    hub = OfficeHub(tmp_path_factory.mktemp("office") / "hub.sqlite", link.url, key, batch=200, retry_max=0.5)
    os.environ["TALON_ANSWERS_EVERY"] = "0.5"  # the hub process pulls the centre's answers twice a second
    try:
        hub.start()
    finally:
        os.environ.pop("TALON_ANSWERS_EVERY", None)
    hub.admin = hub.client("admin")
    c = hub.admin
    windows = c.state(OFFICE)["windows"]
    hub.window = windows[0]
    if c.window(hub.window["id"]).get("state") != "open":
        c.window(hub.window["id"], "open")
    for w in windows[1:]:  # only this window calls
        if w.get("state") == "open":
            c.window(w["id"], "close")
    yield hub
    hub.stop()


def served_visit(office) -> dict:
    """A visitor issued, called, served and finished at the office."""
    c = office.admin
    t = c.issue(OFFICE, "consult")
    called = c.call_next(office.window["id"])
    assert called["id"] == t["id"]
    c.act(t["id"], "start")
    c.act(t["id"], "finish")
    return t


def phone() -> requests.Session:
    return requests.Session()


def open_form(centre, browser: requests.Session, token: str, form: str = "rating-form") -> str:
    """Open the centre's rating page until it offers ``form`` (the finish has reached the centre);
    the page's CSRF value."""
    def ready():
        r = browser.get(f"{centre.public}/t/{token}/rating", timeout=10)
        return CSRF_RE.search(r.text).group(1) if r.status_code == 200 and f'id="{form}"' in r.text else None
    return wait_until(ready, timeout=60, what=f"the centre's page to offer {form}")


def hub_rows(office, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(office.db) as conn:
        return conn.execute(sql, args).fetchall()


def day_of(office, ticket: int) -> str:
    return hub_rows(office, "SELECT day FROM tickets WHERE id = ?", ticket)[0][0]


def hub_ratings(office, ticket: int) -> list[tuple]:
    return hub_rows(office, "SELECT score, comment FROM ratings WHERE ticket = ?", ticket)


def report_ratings(office, day: str) -> dict:
    return office.admin.get(f"/api/v1/offices/{OFFICE}/reports/daily", date=day, format="json")["ratings"]


def rating_events(office, ticket: int) -> int:
    return sum(1 for (data,) in hub_rows(office, "SELECT data FROM events WHERE type = 'rating.given'")
               if f'"ticket": {ticket},' in data or f'"ticket":{ticket},' in data)


def test_a_rating_given_at_the_centre_is_in_the_hubs_report_once(centre, office):
    t = served_visit(office)
    day = day_of(office, t["id"])
    before = report_ratings(office, day)["count"]
    browser = phone()
    token = open_form(centre, browser, t["token"])
    # the visitor's page at the centre offers it after the visit
    assert f'href="/t/{t["token"]}/rating"' in browser.get(f"{centre.public}/t/{t['token']}", timeout=10).text
    r = browser.post(f"{centre.public}/t/{t['token']}/rating", data={"score": "4", "comment": "Быстро и вежливо",
                                                                    "csrf": token}, timeout=10, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    # the page now thanks and offers the questionnaire
    page = browser.get(f"{centre.public}/t/{t['token']}/rating", timeout=10).text
    assert "Спасибо за оценку!" in page and 'id="survey-form"' in page
    wait_until(lambda: hub_ratings(office, t["id"]), timeout=60, what="the hub to pull the rating")
    assert hub_ratings(office, t["id"]) == [(4, "Быстро и вежливо")]
    got = report_ratings(office, day)
    assert got["count"] == before + 1 and got["distribution"]["4"] >= 1
    wait_until(lambda: answers.counts(centre.store, OFFICE)["waiting"] == 0, timeout=30,
               what="the hub to acknowledge the answer")
    # the centre's acknowledgement is lost (as if the link dropped after the hub applied it): the
    # answer is offered again, and the hub applies nothing twice
    with centre.store.transaction() as conn:
        conn.execute("UPDATE public_answers SET acked_at = NULL WHERE office = %s", (OFFICE,))
    wait_until(lambda: answers.counts(centre.store, OFFICE)["waiting"] == 0, timeout=30,
               what="the repeated pull to be acknowledged")
    assert hub_ratings(office, t["id"]) == [(4, "Быстро и вежливо")]
    assert report_ratings(office, day)["count"] == before + 1
    assert rating_events(office, t["id"]) == 1
    # a second rating of the same visit at the centre is refused there
    r = browser.post(f"{centre.public}/t/{t['token']}/rating", json={"score": 1, "csrf": token}, timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "already_rated", r.text
    assert "уже получена" in r.json()["message"]


def test_replies_dropped_mid_pull_still_give_one_rating(centre, office, link):
    t = served_visit(office)
    day = day_of(office, t["id"])
    before = report_ratings(office, day)["count"]
    browser = phone()
    token = open_form(centre, browser, t["token"])
    link.mode = "drop_reply"  # every request of the hub reaches the centre; its answer is lost
    try:
        r = browser.post(f"{centre.public}/t/{t['token']}/rating", json={"score": 5, "csrf": token}, timeout=10)
        assert r.status_code == 201, r.text
        wait_until(lambda: link.faults.get("drop_reply", 0) >= 4, timeout=60, what="replies to be dropped")
        assert hub_ratings(office, t["id"]) == []  # nothing applied from a pull whose answer was lost
    finally:
        link.mode = "pass"
    wait_until(lambda: hub_ratings(office, t["id"]), timeout=60, what="the hub to pull the rating after the outage")
    wait_until(lambda: answers.counts(centre.store, OFFICE)["waiting"] == 0, timeout=30,
               what="the hub to acknowledge it")
    assert hub_ratings(office, t["id"]) == [(5, "")]
    assert report_ratings(office, day)["count"] == before + 1
    assert rating_events(office, t["id"]) == 1


def test_the_survey_after_the_rating_reaches_the_hub_once(centre, office):
    t = served_visit(office)
    browser = phone()
    token = open_form(centre, browser, t["token"])
    # the questionnaire opens after the rating
    r = browser.post(f"{centre.public}/t/{t['token']}/survey", json={"answers": {"q1": "yes"}, "csrf": token},
                     timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "survey_not_open", r.text
    browser.post(f"{centre.public}/t/{t['token']}/rating", data={"score": "5", "csrf": token}, timeout=10)
    r = browser.post(f"{centre.public}/t/{t['token']}/survey", timeout=10, allow_redirects=False,
                     data={"csrf": token, "q1": "yes", "q5": ["app", "bank"], "q6": "no"})
    assert r.status_code == 303, r.text[:300]
    assert "Спасибо, что нашли время" in browser.get(f"{centre.public}/t/{t['token']}/rating", timeout=10).text
    # the same answers again are fine (nothing more held); other answers are refused
    again = {"answers": {"q1": "yes", "q5": ["bank", "app"], "q6": "no"}, "csrf": token}
    assert browser.post(f"{centre.public}/t/{t['token']}/survey", json=again, timeout=10).status_code == 200
    other = browser.post(f"{centre.public}/t/{t['token']}/survey", json={"answers": {"q1": "no"}, "csrf": token},
                         timeout=10)
    assert other.status_code == 409 and other.json()["error"] == "survey_done"
    pairs = lambda: hub_rows(office, "SELECT question, answer FROM survey_answers WHERE ticket = ? ORDER BY rowid",  # noqa: E731
                             t["id"])
    wait_until(pairs, timeout=60, what="the hub to pull the answers")
    wait_until(lambda: answers.counts(centre.store, OFFICE)["waiting"] == 0, timeout=30, what="acknowledged")
    assert sorted(pairs()) == [("q1", "yes"), ("q5", "app"), ("q5", "bank"), ("q6", "no")]
    assert len(hub_rows(office, "SELECT 1 FROM events WHERE type = 'survey.answered' AND data LIKE ?",
                        f'%"ticket": {t["id"]},%')) == 1


def test_the_hub_stays_the_authority_a_visit_rated_at_the_hub_is_not_rated_twice(centre, office):
    t = served_visit(office)
    browser = phone()
    token = open_form(centre, browser, t["token"])
    # the visitor rated on the office's Wi-Fi first (the hub's own page)
    hub_page = requests.Session()
    html = hub_page.get(f"{office.url}/t/{t['token']}", timeout=10).text
    hub_csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    r = hub_page.post(f"{office.url}/t/{t['token']}/rating", data={"score": "2", "csrf": hub_csrf}, timeout=10,
                      allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    # and then at the centre, which does not know it yet: held there, refused by the hub
    r = browser.post(f"{centre.public}/t/{t['token']}/rating", json={"score": 5, "csrf": token}, timeout=10)
    assert r.status_code == 201, r.text
    wait_until(lambda: hub_rows(office, "SELECT outcome FROM central_answers WHERE ticket = ?", t["id"]),
               timeout=60, what="the hub to pull the answer")
    assert hub_rows(office, "SELECT outcome FROM central_answers WHERE ticket = ?", t["id"]) == \
        [("refused:already_rated",)]
    assert hub_ratings(office, t["id"]) == [(2, "")]
    wait_until(lambda: answers.counts(centre.store, OFFICE)["waiting"] == 0, timeout=30, what="acknowledged")


def test_the_centre_refuses_in_russian_and_holds_nothing(centre, office):
    held = answers.counts(centre.store, OFFICE)["held"]
    # a visit not finished yet
    c = office.admin
    waiting = c.issue(OFFICE, "cash")
    browser = phone()

    def page():
        r = browser.get(f"{centre.public}/t/{waiting['token']}/rating", timeout=10)
        return r if r.status_code == 200 and "после окончания приёма" in r.text else None
    token = CSRF_RE.search(wait_until(page, timeout=60, what="the ticket at the centre").text)
    assert token is None  # no form for a visit still waiting
    cookie = browser.cookies.get("talon_answer")
    r = browser.post(f"{centre.public}/t/{waiting['token']}/rating", json={"score": 5, "csrf": cookie}, timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "not_finished"
    assert "после окончания приёма" in r.json()["message"]
    c.act(waiting["id"], "cancel")
    # a finished visit, but a post without the page's value (another site's form)
    t = served_visit(office)
    open_form(centre, phone(), t["token"])
    r = requests.post(f"{centre.public}/t/{t['token']}/rating", json={"score": 1}, timeout=10)
    assert r.status_code == 403 and r.json()["error"] == "csrf" and "Страница устарела" in r.json()["message"]
    r = requests.post(f"{centre.public}/t/{t['token']}/rating", data={"score": "1", "csrf": "0" * 32}, timeout=10)
    assert r.status_code == 403 and "Страница устарела" in r.text
    # a bad score, an unknown token
    b = phone()
    token = open_form(centre, b, t["token"])
    r = b.post(f"{centre.public}/t/{t['token']}/rating", json={"score": 7, "csrf": token}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "bad_score" and "от 1 до 5" in r.json()["message"]
    r = b.post(f"{centre.public}/t/{'A' * 22}/rating", json={"score": 5, "csrf": token}, timeout=10)
    assert r.status_code == 404 and "Талон не найден" in r.json()["message"]
    assert answers.counts(centre.store, OFFICE)["held"] == held
    # the hub's pull routes are on the staff listener only, and need the office's key
    assert requests.get(f"{centre.public}/api/v1/central/offices/{OFFICE}/answers", timeout=10).status_code == 404
    assert requests.get(f"{centre.url}/api/v1/central/offices/{OFFICE}/answers", timeout=10).status_code == 401


@pytest.fixture(scope="module")
def chromium():
    from browser_support import ARGS, CHROMIUM
    from playwright import sync_api as playwright_api
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_a_phone_rates_and_answers_through_the_centre(centre, office, chromium, tmp_path):
    from browser_support import WCAG_AA, axe_report, axe_run, shots_dir

    t = served_visit(office)
    open_form(centre, phone(), t["token"])
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                               locale="ru-RU", timezone_id="Europe/Moscow", bypass_csp=True)
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(30000)
        pg.goto(f"{centre.public}/t/{t['token']}")
        pg.click("#rate-link")
        pg.wait_for_selector("#rating-form")
        violations = axe_run(pg, WCAG_AA)
        assert violations == [], axe_report(violations)
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        pg.check("input[name=score][value='5']")
        pg.fill("#comment", "Спасибо!")
        pg.click("#rating-submit")
        pg.wait_for_selector("#rating-thanks")
        pg.check("input[name=q1][value=yes]")
        pg.click("#survey-submit")
        pg.wait_for_selector("#survey-thanks")
        pg.screenshot(path=str(shots_dir(tmp_path) / "central-public-survey-thanks.png"), full_page=True)
        assert errors == [], errors
    finally:
        ctx.close()
    wait_until(lambda: hub_ratings(office, t["id"]) == [(5, "Спасибо!")], timeout=60, what="the phone's rating")
    wait_until(lambda: hub_rows(office, "SELECT question, answer FROM survey_answers WHERE ticket = ?", t["id"]),
               timeout=60, what="the phone's answers")
