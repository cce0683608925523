"""The centre's public listener (issue 18): only public routes on it, each rate-limited per
address; the visitor's page /t/{token} at the centre, from what a real office hub ships to a real
centre on real PostgreSQL, live, honest about stale information; the page in Chromium at a phone's
viewport. One centre, one hub, one browser for the module."""
from __future__ import annotations

import hashlib
import os

import pytest
import requests
from browser_support import shots_dir
from pg_support import CentralProcess, OfficeHub, free_port, fresh_database, wait_until
from playwright.sync_api import expect

from server.central.store import CentralStore

OFFICE = "demo"
LIMIT = 400  # requests a minute per address on the test centre's public listener
STALE_AFTER = 4  # seconds without contact before the test centre's page says «нет связи с офисом»


@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url, min_size=1, max_size=4)
    store.migrate()
    public_port = free_port()
    os.environ["TALON_PUBLIC_STALE_AFTER"] = str(STALE_AFTER)  # the centre process reads it at start
    proc = CentralProcess(url, tmp_path_factory.mktemp("centre"), project_every=0.5,
                          extra_args=("--public-port", str(public_port), "--public-limit", f"{LIMIT} per minute"))
    try:
        proc.start()
    finally:
        os.environ.pop("TALON_PUBLIC_STALE_AFTER", None)
    proc.public = f"http://127.0.0.1:{public_port}"
    proc.store = store
    yield proc
    proc.stop()
    store.close()


def staff_rules(db_url: str) -> list[tuple[str, str]]:
    """Every (rule, method) of the centre's STAFF app, read from its url_map."""
    from server.central.app import create_app

    app = create_app(db_url, pool_size=2, project_interval=None)
    try:
        out = []
        for rule in app.url_map.iter_rules():
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.rule, method))
        return out
    finally:
        if app.config.get("CENTRAL_DASHBOARD") is not None:
            app.config["CENTRAL_DASHBOARD"].stop()
            app.config["CENTRAL_DASHBOARD"].thread.join(5)
        app.config["CENTRAL_STORE"].close()


def concrete(rule: str) -> str:
    """A URL for a rule: each <converter:name> filled with a plausible value."""
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: {"filename": "x.js", "office": OFFICE,
                                                        "day": "2026-11-10"}.get(m.group(1), "x1"), rule)


def test_every_staff_route_is_404_on_the_public_listener(centre):
    from server.central.public_app import PUBLIC_BLUEPRINTS

    public = {bp.name for bp in PUBLIC_BLUEPRINTS}
    rules = staff_rules(centre.db_url)
    assert len(rules) > 20, rules  # the sweep reads the real staff app
    swept = 0
    http = requests.Session()
    for rule, method in rules:
        path = concrete(rule)
        # 404 on the public listener, with a Russian message (405: a public route of that path)
        r = http.request(method, centre.public + path, timeout=10, json={})
        assert r.status_code in (404, 405), (method, rule, r.status_code, r.text[:200])
        if r.status_code == 404:
            assert r.json()["error"] == "not_found" and r.json()["message"] == "Страница не найдена"
        swept += 1
    assert swept == len(rules)
    # the staff listener is not the public one: the health route answers only there
    assert requests.get(centre.url + "/api/v1/central/health", timeout=5).status_code == 200
    assert requests.get(centre.public + "/api/v1/central/health", timeout=5).status_code == 404
    assert requests.get(centre.public + "/company", timeout=5).status_code == 404
    assert public  # names PUBLIC_BLUEPRINTS so a new public blueprint is seen by this test's author


# ---------------------------------------------------------------------- the visitor's page through the centre

@pytest.fixture(scope="module")
def office(centre, tmp_path_factory):
    key = centre.store.pair(centre.store.issue_pairing_code(OFFICE, "ЦОК на Ленина"))["key"]
    hub = OfficeHub(tmp_path_factory.mktemp("office") / "hub.sqlite", centre.url, key, batch=200, retry_max=0.5,
                    catalogue_every=1.0)
    os.environ["TALON_CENTRAL_HEARTBEAT"] = "1"  # an idle office's heartbeat every second (10 s in service)
    try:
        hub.start()
    finally:
        os.environ.pop("TALON_CENTRAL_HEARTBEAT", None)
    hub.admin = hub.client("admin")
    yield hub
    hub.kill()
    if getattr(hub, "_log", None):
        hub._log.close()


def public_json(centre, token: str) -> requests.Response:
    return requests.get(f"{centre.public}/t/{token}.json", timeout=10)


def follow(centre, token: str, what, timeout: float = 60.0) -> dict:
    """Poll the centre's public JSON of a token until ``what(body)`` holds."""
    def check():
        r = public_json(centre, token)
        return r.json() if r.status_code == 200 and what(r.json()) else None
    return wait_until(check, timeout=timeout, what="the centre's public page")


def test_the_token_reaches_the_centre_only_hashed(centre, office):
    t = office.admin.issue(OFFICE, "consult")
    token = t["token"]
    wait_until(lambda: centre.store.high_water_mark(OFFICE) >= 1 and any(
        e["type"] == "ticket.issued" and e["data"]["ticket"] == t["id"] for e in centre.store.events(OFFICE)),
        timeout=60, what="the issue to reach the centre")
    issued = [e for e in centre.store.events(OFFICE) if e["type"] == "ticket.issued" and e["data"]["ticket"] == t["id"]]
    assert issued[0]["data"]["token"] == "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    with centre.store.connection() as conn:  # the plain token is nowhere in the centre's database
        n = conn.execute("SELECT count(*) AS n FROM events WHERE data::text LIKE %s OR view::text LIKE %s",
                         (f"%{token}%", f"%{token}%")).fetchone()["n"]
    assert n == 0
    # and the page finds it by the token of its address
    body = follow(centre, token, lambda b: b["view"]["code"] == t["code"])
    assert body["view"]["state"] == "waiting"
    assert body["view"]["service"] == t["service_name"]
    # a made-up token, and the hash itself in the address, find nothing
    for bad in ("A" * 22, issued[0]["data"]["token"][7:][:40], "bad token!"):
        r = public_json(centre, bad)
        assert r.status_code == 404 and r.json()["error"] == "not_found", (bad, r.text)
        assert "талон" in r.json()["message"]


def test_migration_13_hashes_the_tokens_a_centre_stored_in_plain(pg_cluster, monkeypatch):
    """Offices shipped tokens in plain before this version: migrating the centre leaves none."""
    import psycopg
    from psycopg.rows import dict_row

    from server.central import migrations
    from server.central.protocol import token_hash

    url = fresh_database(pg_cluster)
    before = [m for m in migrations.MIGRATIONS if m[0] < 13]
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        monkeypatch.setattr(migrations, "MIGRATIONS", before)
        migrations.apply(conn)
        conn.execute("INSERT INTO offices (id, name) VALUES ('old', 'Старый офис')")
        for seq, data in ((1, {"ticket": 1, "code": "А-001", "token": "plainTokenNumberOne1"}),
                          (2, {"ticket": 2, "code": "А-002", "token": token_hash("alreadyHashedToken2")}),
                          (3, {"ticket": 3, "code": "А-003"})):
            conn.execute("INSERT INTO events (office, seq, log_identity, type, at, day, data, view) "
                         "VALUES ('old', %s, 'log', 'ticket.issued', 1.8e9, '2026-11-10', %s, '{}')",
                         (seq, psycopg.types.json.Jsonb(data)))
        monkeypatch.undo()
        assert 13 in migrations.apply(conn)
        rows = conn.execute("SELECT seq, data FROM events ORDER BY seq").fetchall()
    assert rows[0]["data"]["token"] == token_hash("plainTokenNumberOne1")
    assert rows[1]["data"]["token"] == token_hash("alreadyHashedToken2")  # not hashed twice
    assert "token" not in rows[2]["data"]
    assert rows[0]["data"]["code"] == "А-001"


def test_public_listen_address_is_checked():
    from server.central.public_app import parse_listen

    assert parse_listen("0.0.0.0:8490") == ("0.0.0.0", 8490)
    assert parse_listen("[::1]:8490") == ("::1", 8490)
    for bad in ("8490", "host:", ":8490", "host:99999", "host:port"):
        with pytest.raises(ValueError) as err:
            parse_listen(bad)
        assert "ХОСТ:ПОРТ" in str(err.value)


def test_freshness_words():
    from server.central.public_routes import age_words, freshness

    assert age_words(40) == "40 секунд назад"
    assert age_words(1) == "1 секунду назад"
    assert age_words(22.9) == "22 секунды назад"
    assert age_words(125) == "2 минуты назад"
    assert age_words(3 * 3600 + 5) == "3 часа назад"
    assert freshness(3.0, None) == {"age": 3.0, "stale": False, "say": ""}
    assert freshness(120.0, 2.0)["stale"] is False  # an idle office's heartbeat keeps it fresh
    stale = freshness(None, 400.0)
    assert stale["stale"] and stale["say"].startswith("Обновлено 6 минут назад — нет связи с офисом")
    assert freshness(None, None)["stale"]


@pytest.fixture(scope="module")
def chromium():
    from browser_support import ARGS, CHROMIUM
    from playwright import sync_api as playwright_api
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def phone(chromium):
    """A phone's page (390x844, touch), as a visitor on mobile data opens the QR's link."""
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="ru-RU", timezone_id="Europe/Moscow")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(30000)
    pg.errors = errors
    yield pg
    ctx.close()
    assert errors == [], errors


def test_the_phone_follows_the_ticket_live_through_the_centre(centre, office, phone, tmp_path):
    c = office.admin
    window = c.state(OFFICE)["windows"][0]
    if c.window(window["id"]).get("state") != "open":
        c.window(window["id"], "open")
    for w in c.state(OFFICE)["windows"][1:]:  # only this window calls
        if w.get("state") == "open":
            c.window(w["id"], "close")
    first = c.issue(OFFICE, "cash")
    mine = c.issue(OFFICE, "cash")
    follow(centre, mine["token"], lambda b: b["view"]["state"] == "waiting")
    phone.goto(f"{centre.public}/t/{mine['token']}")
    assert phone.locator("#code").inner_text() == mine["code"]
    assert phone.locator("#service").inner_text() == mine["service_name"]
    expect(phone.locator("#ahead-text")).to_have_text("Перед Вами 1 человек")
    assert phone.locator("#stale").is_hidden()
    # the first visitor is called and served: nobody is ahead now
    called = c.call_next(window["id"])
    assert called["id"] == first["id"]
    c.act(first["id"], "start")
    c.act(first["id"], "finish")
    expect(phone.locator("#ahead-text")).to_have_text("Перед Вами никого нет — Вас скоро пригласят")
    # our visitor is called at the office: the phone says so, large
    c.call_next(window["id"])
    phone.wait_for_selector("#st-called:not([hidden])")
    assert phone.locator("#call-text").inner_text() == f"Вас приглашают к окну {window['number']}"
    assert phone.title().startswith(f"Вас приглашают к окну {window['number']}")
    phone.screenshot(path=str(shots_dir(tmp_path) / "central-public-called.png"), full_page=True)
    c.act(mine["id"], "start")
    phone.wait_for_selector("#st-serving:not([hidden])")
    assert phone.locator("#serving-text").inner_text() == f"Вас обслуживают в окне {window['number']}"
    c.act(mine["id"], "finish")
    phone.wait_for_selector("#st-finished:not([hidden])")
    assert phone.locator("#done-text").inner_text() == "Приём завершён. Спасибо, что обратились к нам!"
    # the same view as JSON, and the hub's own words for it
    body = public_json(centre, mine["token"]).json()
    assert body["view"]["state"] == "finished" and body["view"]["final"] is True
    assert "Ленина" in body["office"]["name"] and body["office"]["stale"] is False


def test_an_idle_office_stays_fresh_by_its_heartbeat(centre, office):
    t = office.admin.issue(OFFICE, "consult")
    follow(centre, t["token"], lambda b: b["view"]["code"] == t["code"])
    with centre.store.connection() as conn:
        def batch_age():
            return conn.execute("SELECT extract(epoch FROM now() - last_batch_at)::float8 AS a FROM offices "
                                "WHERE id = %s", (OFFICE,)).fetchone()["a"]
        # nothing to ship for longer than the page's threshold: only the heartbeat keeps it fresh
        wait_until(lambda: batch_age() > STALE_AFTER + 1, timeout=60, what="the office to be idle")
    body = public_json(centre, t["token"]).json()
    assert body["office"]["stale"] is False, body["office"]
    assert body["office"]["age"] < STALE_AFTER


def test_heartbeat_needs_the_office_key(centre):
    r = requests.post(f"{centre.url}/api/v1/central/offices/{OFFICE}/heartbeat", json={}, timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = requests.post(f"{centre.url}/api/v1/central/offices/{OFFICE}/heartbeat", json={}, timeout=5,
                      headers={"Authorization": "Bearer made-up"})
    assert r.status_code == 401
    # and it is not on the public listener
    assert requests.post(f"{centre.public}/api/v1/central/offices/{OFFICE}/heartbeat", json={},
                         timeout=5).status_code == 404


def test_the_qr_points_at_the_centre_once_the_catalogue_names_its_public_address(centre, office):
    from kiosk.flow import ticket_print
    from server.central.catalogue import CatalogueError, check_catalogue
    from server.central.catalogue_store import CatalogueStore

    c = office.admin
    before = c.issue(OFFICE, "consult")
    assert before["url"] == f"/t/{before['token']}"  # no public address yet: the hub's own page
    state = c.state(OFFICE)
    assert ticket_print(before, state, office.url).url == f"{office.url}/t/{before['token']}"
    # a malformed address is refused before anything is published
    for bad in ("ftp://x.ru", "https://", "https://a.ru/t?x=1", "javascript:alert(1)"):
        with pytest.raises(CatalogueError) as err:
            check_catalogue({"services": [], "norms": {"profile": "rosatom-2026"}, "public_url": bad})
        assert err.value.field == "public_url"
    content = check_catalogue({
        "services": [{"id": "consult", "letter": "А", "name": "Консультация по договору", "kind": "consultation",
                      "local": "local_allowed"}],
        "norms": {"profile": "rosatom-2026"}, "public_url": centre.public + "/"})
    assert content["public_url"] == centre.public
    cat = CatalogueStore(centre.store)
    latest = cat.latest()
    cat.publish(content, latest["version"] if latest else 0, by="test")

    def public_answer():
        t = c.issue(OFFICE, "consult")
        return t if t["url"].startswith(centre.public) else None
    t = wait_until(public_answer, timeout=60, interval=0.5, what="the hub to apply the catalogue's public address")
    assert t["url"] == f"{centre.public}/t/{t['token']}"
    # the kiosk prints that address as it is (kiosk/flow.py has no logic of its own for it)
    assert ticket_print(t, c.state(OFFICE), office.url).url == t["url"]
    # and it opens the ticket's page at the centre
    follow(centre, t["token"], lambda b: b["view"]["code"] == t["code"])
    assert requests.get(t["url"], timeout=10).status_code == 200


def test_a_ticket_of_an_earlier_day_is_gone(centre, office):
    c = office.admin
    old = c.issue(OFFICE, "consult")
    follow(centre, old["token"], lambda b: b["view"]["code"] == old["code"])
    c.post("/api/v1/testing/clock", {"advance": 86400})
    new = c.issue(OFFICE, "consult")  # the office's next day begins
    office.new_ticket = new

    def gone():
        r = public_json(centre, old["token"])
        return (r,) if r.status_code == 410 else None  # a Response of 4xx is falsy
    (r,) = wait_until(gone, timeout=60, what="the old ticket to be gone")
    assert r.json()["error"] == "gone" and "только в день выдачи" in r.json()["message"]
    page = requests.get(f"{centre.public}/t/{old['token']}", timeout=10)
    assert page.status_code == 410 and "Талон больше не действует" in page.text
    follow(centre, new["token"], lambda b: b["view"]["code"] == new["code"] and b["view"]["state"] == "waiting")


def test_the_page_says_when_the_office_is_out_of_touch(centre, office, phone, tmp_path):
    new = office.new_ticket
    phone.goto(f"{centre.public}/t/{new['token']}")
    assert phone.locator("#stale").is_hidden()
    office.kill()  # the office's link is gone: no batch, no heartbeat
    expect(phone.locator("#stale")).to_contain_text("— нет связи с офисом", timeout=60000)
    words = phone.locator("#stale").inner_text()
    assert words.startswith("Обновлено ") and " назад — нет связи с офисом" in words, words
    # what it knew is still shown: the code and the people ahead
    assert phone.locator("#code").inner_text() == new["code"]
    assert phone.locator("#st-waiting").is_visible()
    phone.screenshot(path=str(shots_dir(tmp_path) / "central-public-stale.png"), full_page=True)
    body = public_json(centre, new["token"]).json()
    assert body["office"]["stale"] is True and body["office"]["age"] > STALE_AFTER


def test_every_public_route_is_rate_limited_per_address(centre):
    """Last in the module: it spends this address's budget on the public listener."""
    from server.central.public_app import create_public_app

    http = requests.Session()
    statuses = []
    for _ in range(LIMIT + 20):
        r = http.get(f"{centre.public}/t/{'Z' * 22}.json", timeout=10)
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    assert statuses[-1] == 429, statuses[-5:]
    assert statuses.count(404) >= LIMIT - 100  # the earlier tests spent a little of the budget
    body = r.json()
    assert body["error"] == "too_many_requests"
    assert body["message"].startswith("Слишком много запросов с Вашего адреса")
    assert int(r.headers["Retry-After"]) >= 1
    # the budget is the address's across every public route, each of them answers 429 now
    app = create_public_app(centre.db_url, pool_size=1)
    try:
        rules = [(rule.rule, method) for rule in app.url_map.iter_rules()
                 for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    finally:
        app.config["CENTRAL_STORE"].close()
    assert len(rules) >= 3, rules
    for rule, method in rules:
        r = http.request(method, centre.public + concrete(rule), timeout=10, data={"x": "1"})
        assert r.status_code == 429, (method, rule, r.status_code)
        assert r.json()["error"] == "too_many_requests"
    # the staff listener is not limited by it
    assert http.get(centre.url + "/api/v1/central/health", timeout=10).status_code == 200
