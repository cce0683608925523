"""The company catalogue (issue 11, point 5) on a real PostgreSQL and a real ``talon central serve``:
publishing versions (If-Match, 409 on a stale one, 400 and nothing stored for a malformed one),
the office's view pulled with the hub's key (own office only, 304 when nothing is new), and a
real office hub pulling and applying it: local changes the company allows survive a new
version, locked settings are replaced and refused on the hub with 403 ``locked_by_company``,
the centre down keeps the office on its last good version."""
from __future__ import annotations

import json
import time

import pytest
import requests
from pg_support import CentralProcess, fresh_database, talon

from server.central.catalogue import CatalogueError, check_catalogue, content_hash
from server.central.catalogue_store import CatalogueStore
from server.central.staff_store import StaffStore
from server.central.store import CentralStore, Refused

API = "/api/v1/central"


def catalogue(**changes) -> dict:
    base = {
        "services": [
            {"id": "consult", "letter": "А", "name": "Консультация по договору", "kind": "consultation",
             "order": 1, "hint": "Вопросы по договору и счетам", "local": "local_allowed"},
            {"id": "cash", "letter": "Б", "name": "Оплата в кассе", "kind": "cash", "order": 2, "hint": "",
             "local": "locked"},
            {"id": "meter", "letter": "М", "name": "Передача показаний счётчика", "kind": "consultation",
             "order": 3, "hint": "", "local": "locked"},
        ],
        "norms": {"profile": "rosatom-2026", "overrides": {"cash": {"wait": 5}}, "local": "locked"},
        "texts": {"greeting": {"text": "Здравствуйте! Компания рада вам.", "local": "local_allowed"},
                  "phone": {"text": "8 800 000-00-00", "local": "locked"}},
        "heads": [{"login": "ivanova", "name": "Иванова Мария Петровна", "office": "demo"},
                  {"login": "petrov", "name": "Петров Пётр", "office": "other"}],
        "exceptions": {"other": {"without_services": ["cash"]}, "second": {"without_services": ["cash"]}},
    }
    base.update(changes)
    return base



@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    staff = StaffStore(store)
    staff.add_staff("boss", "Анна Петрова", "boss-password", "company_admin")
    staff.add_staff("lenina", "Ольга Ленина", "lenina-password", "office_head", offices=["demo"])
    keys = {office: store.pair(store.issue_pairing_code(office))["key"] for office in ("demo", "other")}
    proc = CentralProcess(url, tmp_path_factory.mktemp("central"), project_every=0).start()
    yield {"proc": proc, "store": store, "url": url, "keys": keys, "cat": CatalogueStore(store)}
    proc.stop()
    store.close()


def bearer(centre, login: str, password: str) -> dict:
    r = requests.post(centre["proc"].url + API + "/session", json={"login": login, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def put(centre, body, version, headers) -> requests.Response:
    h = dict(headers)
    if version is not None:
        h["If-Match"] = f'"{version}"'
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False).encode()
    return requests.put(centre["proc"].url + API + "/catalogue", data=data,
                        headers={**h, "Content-Type": "application/json"}, timeout=60)


def latest_version(centre) -> int:
    row = centre["cat"].latest()
    return row["version"] if row else 0


def russian(body: dict) -> bool:
    return any("а" <= ch <= "я" for ch in body["message"].lower())


# ---------------------------------------------------------------------- the rules (no database)

def test_the_rules_refuse_what_the_hub_refuses_and_fill_in_defaults():
    content = check_catalogue({"services": [{"id": "consult", "letter": "А", "name": "Консультация",
                                             "kind": "consultation"}],
                               "norms": {"profile": "kuzbass-2020"}})
    assert content["services"][0]["local"] == "locked" and content["services"][0]["order"] == 1
    assert content["norms"] == {"profile": "kuzbass-2020", "overrides": {}, "local": "locked"}
    assert content_hash(content) == content_hash(json.loads(json.dumps(content)))
    bad = [
        ({"services": [], "norms": {"profile": "nope"}}, "norms.profile"),
        ({"services": [], "norms": {"profile": "rosatom-2026", "overrides": {"cash": {"wait": [9, 3]}}}},
         "norms.overrides.cash.wait"),
        ({"services": [], "norms": {"profile": "rosatom-2026", "overrides": {"cash": {"wait": -1}}}},
         "norms.overrides.cash.wait"),
        ({"services": [], "norms": {"profile": "rosatom-2026", "overrides": {"teleport": 3}}}, "norms.overrides"),
        (catalogue(services=[catalogue()["services"][0], {**catalogue()["services"][1], "letter": "А"}]),
         "services.1.letter"),
        (catalogue(services=[catalogue()["services"][0], catalogue()["services"][0]]), "services.1.id"),
        (catalogue(exceptions={"other": {"without_services": ["ghost"]}}), "exceptions.other.without_services"),
        (catalogue(texts={"greeting": {"text": "x", "local": "sometimes"}}), "texts.greeting.local"),
        (catalogue(heads=[{"login": "x y", "name": "Имя", "office": "demo"}]), "heads.0.login"),
        (catalogue(heads=[{"login": "ivanova", "name": "И", "office": "demo",
                           "code_hash": "pbkdf2:sha256:1$" + "a" * 30}]),
         "heads.0"),
    ]
    for body, field in bad:
        with pytest.raises(CatalogueError) as err:
            check_catalogue(body)
        assert err.value.field == field, (body, err.value.field, err.value.message)
        assert any("а" <= ch <= "я" for ch in err.value.message.lower())


# ---------------------------------------------------------------------- the store

def test_publish_makes_monotonic_versions_keeps_head_codes_and_refuses_a_stale_one(centre):
    cat = centre["cat"]
    start = latest_version(centre)
    first = cat.publish(check_catalogue(catalogue()), start, by="test")
    assert first["version"] == start + 1 and len(first["hash"]) == 64
    assert set(first["codes"]) == {"ivanova", "petrov"}
    row = cat.latest()
    stored = {h["login"]: h["code_hash"] for h in row["content"]["heads"]}
    from werkzeug.security import check_password_hash
    assert check_password_hash(stored["ivanova"], first["codes"]["ivanova"])
    assert first["codes"]["ivanova"] not in json.dumps(row["content"])
    assert row["hash"] == content_hash(row["content"])
    # the next version keeps the known heads' codes and makes one only for a new head
    heads = catalogue()["heads"] + [{"login": "sidorova", "name": "Сидорова Анна", "office": "demo"}]
    second = cat.publish(check_catalogue(catalogue(heads=heads)), first["version"], by="test")
    assert second["version"] == first["version"] + 1 and set(second["codes"]) == {"sidorova"}
    assert {h["login"]: h["code_hash"] for h in cat.latest()["content"]["heads"]}["ivanova"] == stored["ivanova"]
    # a publish made to an older version is refused and stores nothing
    with pytest.raises(Refused) as err:
        cat.publish(check_catalogue(catalogue()), first["version"], by="test")
    assert err.value.status == 409 and err.value.code == "stale_version"
    assert err.value.details["version"] == second["version"]
    assert latest_version(centre) == second["version"]


def test_the_office_view_leaves_out_its_exceptions_and_other_offices_heads(centre):
    cat = centre["cat"]
    published = cat.publish(check_catalogue(catalogue()), latest_version(centre), by="test")
    view = cat.for_office("other", 0)
    assert view["version"] == published["version"] and view["hash"] == published["hash"]
    assert [s["id"] for s in view["services"]] == ["consult", "meter"]
    assert [h["login"] for h in view["heads"]] == ["petrov"]
    demo = cat.for_office("demo", 0)
    assert [s["id"] for s in demo["services"]] == ["consult", "cash", "meter"]
    assert cat.for_office("demo", published["version"]) is None
    assert cat.pulls()["demo"] == published["version"]


# ---------------------------------------------------------------------- over HTTP

def test_http_reading_needs_staff_and_publishing_a_company_administrator(centre):
    base = centre["proc"].url + API
    r = requests.get(base + "/catalogue", timeout=30)
    assert r.status_code == 401 and russian(r.json())
    head = bearer(centre, "lenina", "lenina-password")
    r = requests.get(base + "/catalogue", headers=head, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == latest_version(centre) and r.headers["ETag"] == f'"{body["version"]}"'
    assert all("code_hash" not in h for h in body["catalogue"]["heads"])
    r = put(centre, catalogue(), body["version"], head)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert latest_version(centre) == body["version"]


def test_http_publish_if_match_stale_and_malformed(centre):
    admin = bearer(centre, "boss", "boss-password")
    now = latest_version(centre)
    r = put(centre, catalogue(), None, admin)
    assert r.status_code == 428 and r.json()["error"] == "version_required" and russian(r.json())
    r = put(centre, catalogue(), now, admin)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == now + 1 and r.headers["ETag"] == f'"{now + 1}"'
    stale = put(centre, catalogue(), now, admin)
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"] == "stale_version" and stale.json()["version"] == now + 1 and russian(stale.json())
    for body, code in ((b"{not json", "invalid"), (b'{"services": [], "norms": {"profile": NaN}}', "invalid"),
                       (catalogue(norms={"profile": "rosatom-2026", "overrides": {"cash": {"wait": [10, 2]}}}),
                        "invalid_catalogue"),
                       (catalogue(services="all"), "invalid_catalogue"), ([], "invalid_catalogue"),
                       (catalogue(texts={"greeting": {"text": "Здравствуйте\u0000"}}), "invalid_catalogue"),
                       (b'{"services": [], "norms": {"profile": "\\ud800"}}', "invalid")):
        r = put(centre, body, now + 1, admin)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"] == code and russian(r.json()), r.text
    r = put(centre, catalogue(), "x1", admin)
    assert r.status_code == 400 and r.json()["error"] == "invalid"
    assert latest_version(centre) == now + 1


def test_http_the_hub_reads_only_its_own_office(centre):
    base = centre["proc"].url + API
    now = centre["cat"].publish(check_catalogue(catalogue()), latest_version(centre), by="test")["version"]
    mine = {"Authorization": f"Bearer {centre['keys']['demo']}"}
    r = requests.get(base + "/offices/demo/catalogue?since=0", headers=mine, timeout=30)
    assert r.status_code == 200 and r.json()["version"] == now and r.json()["office"] == "demo"
    r = requests.get(base + f"/offices/demo/catalogue?since={now}", headers=mine, timeout=30)
    assert r.status_code == 304
    r = requests.get(base + "/offices/other/catalogue?since=0", headers=mine, timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and russian(r.json())
    r = requests.get(base + "/offices/demo/catalogue?since=0", timeout=30)
    assert r.status_code == 401
    r = requests.get(base + "/offices/demo/catalogue?since=-1", headers=mine, timeout=30)
    assert r.status_code == 400 and russian(r.json())


def test_cli_show_and_publish(centre, tmp_path):
    now = latest_version(centre)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(catalogue(heads=[{"login": "novak", "name": "Новак Ян", "office": "demo"}]),
                               ensure_ascii=False), encoding="utf-8")
    done = talon("central", "catalogue", "publish", str(path), "--db", centre["url"])
    assert done.returncode == 0, done.stderr
    assert f"Опубликована версия {now + 1}" in done.stdout and "«novak»" in done.stdout
    stale = talon("central", "catalogue", "publish", str(path), "--db", centre["url"], "--expect", str(now))
    assert stale.returncode != 0 and "Каталог уже изменён" in stale.stderr
    path.write_text('{"services": [], "norms": {"profile": "nope"}}', encoding="utf-8")
    bad = talon("central", "catalogue", "publish", str(path), "--db", centre["url"])
    assert bad.returncode != 0 and "Каталог не опубликован" in bad.stderr
    shown = talon("central", "catalogue", "show", "--db", centre["url"])
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["version"] == now + 1 and body["catalogue"]["heads"] == [
        {"login": "novak", "name": "Новак Ян", "office": "demo"}]
    assert latest_version(centre) == now + 1


# ---------------------------------------------------------------------- a real office hub pulling it

from pg_support import OfficeHub, wait_until  # noqa: E402

from hub_client import HubError  # noqa: E402

SECOND_ADMIN = ("admin2", "second-admin-pass-1")


@pytest.fixture(scope="module")
def office(centre, tmp_path_factory):
    """A real hub whose file holds two offices, «demo» and «second», each pulling under its own key."""
    from pg_support import copy_demo_database

    from server.demo import demo_definition
    from server.store import Store
    from server.store.config import import_office

    work = tmp_path_factory.mktemp("office")
    db = work / "office.sqlite"
    copy_demo_database(db)
    second = demo_definition(round_the_clock=True)
    second["office"] = {**second["office"], "id": "second", "name": "Второй офис"}
    second["users"] = [{"login": SECOND_ADMIN[0], "name": "Администратор второго офиса", "roles": ["admin"],
                        "password": SECOND_ADMIN[1]}]
    s = Store(db)
    try:
        import_office(s, second)
    finally:
        s.close()
    store = centre["store"]
    keys = {**centre["keys"], "second": store.pair(store.issue_pairing_code("second"))["key"]}
    (work / "keys.txt").write_text(f"demo={keys['demo']}\nsecond={keys['second']}\n", encoding="utf-8")
    hub = OfficeHub(db, centre["proc"].url, keys["demo"], catalogue_every=0.3, keys_file=work / "keys.txt").start()
    yield hub
    hub.stop()


def publish(centre, body: dict) -> dict:
    return centre["cat"].publish(check_catalogue(body), latest_version(centre), by="test")


def hub_catalogue(client) -> dict:
    return client.get("/api/v1/offices/demo/catalogue")


def applied_version(client, version: int, timeout: float = 60.0) -> dict:
    """The hub's catalogue answer once ``version`` is applied and the puller has said so (ok)."""
    return wait_until(lambda: (lambda s: s if s["version"] == version and s["link"]["state"] == "ok" else None)(
        hub_catalogue(client)), timeout=timeout, what=f"the hub applying catalogue version {version}")


def services_of(client) -> dict:
    return {s["id"]: s for s in client.get("/api/v1/offices/demo/services")}


def catalogue_events(office_hub) -> list[dict]:
    import sqlite3
    conn = sqlite3.connect(f"file:{office_hub.db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM events WHERE type = 'config.changed' AND office = 'demo' "
                            "ORDER BY seq").fetchall()
    finally:
        conn.close()
    return [d for d in (json.loads(r[0]) for r in rows) if d.get("what") == "catalogue"]


def refused_with(call, status: int, code: str) -> HubError:
    with pytest.raises(HubError) as err:
        call()
    assert err.value.status == status and err.value.code == code, (err.value.status, err.value.code)
    assert any("а" <= ch <= "я" for ch in err.value.message.lower())
    return err.value


def test_the_hub_applies_a_published_version(centre, office):
    heads = catalogue()["heads"] + [{"login": "smirnova", "name": "Смирнова Елена", "office": "demo"}]
    answer = publish(centre, catalogue(heads=heads))
    assert "smirnova" in answer["codes"]
    c = office.client("admin")
    status = applied_version(c, answer["version"])
    assert status["hash"] == answer["hash"] and status["link"]["state"] == "ok"
    services = services_of(c)
    assert services["consult"]["name"] == "Консультация по договору"
    assert services["consult"]["hint"] == "Вопросы по договору и счетам"
    assert services["meter"]["letter"] == "М" and services["meter"]["active"]
    assert "business" in services  # the office's own service stays
    settings = c.get("/api/v1/offices/demo/settings")
    assert settings["profile"] == "rosatom-2026" and settings["profile_overrides"] == {"cash": {"wait": 5}}
    assert settings["texts"]["greeting"] == "Здравствуйте! Компания рада вам."
    assert settings["texts"]["phone"] == "8 800 000-00-00"
    state = c.state("demo")
    assert "meter" in {s["id"] for s in state["services"]}
    events = catalogue_events(office)
    assert events[-1] == {"what": "catalogue", "version": answer["version"]}
    assert [e["version"] for e in events].count(answer["version"]) == 1
    # the head of this office (not the other office's) can sign in with the one-time code
    users = {u["login"]: u for u in c.get("/api/v1/users")}
    assert users["ivanova"]["roles"] == ["head"] and users["ivanova"]["office"] == "demo"
    assert users["smirnova"]["roles"] == ["head"] and "petrov" not in users
    r = requests.post(office.url + "/api/v1/auth/login", json={"login": "smirnova", "password": "wrong-code"},
                      timeout=30)
    assert r.status_code == 401
    r = requests.post(office.url + "/api/v1/auth/login",
                      json={"login": "smirnova", "password": answer["codes"]["smirnova"]}, timeout=30)
    assert r.status_code == 200 and r.json()["roles"] == ["head"], r.text
    # the second office of the same file pulled its own view with its own key: no cash desk there
    from hub_client import HubClient
    c2 = HubClient(office.url)
    c2.login(*SECOND_ADMIN)
    second = wait_until(lambda: (lambda s: s if s["version"] == answer["version"] else None)(
        c2.get("/api/v1/offices/second/catalogue")), timeout=60, what="the second office applying the version")
    assert second["provenance"]["services"]["cash"] == {"source": "local", "locked": False}
    assert second["provenance"]["services"]["meter"]["source"] == "company"
    assert "smirnova" not in {u["login"] for u in c2.get("/api/v1/users")}
    assert c2.get("/api/v1/offices/second/settings")["texts"]["phone"] == "8 800 000-00-00"
    prov = status["provenance"]
    assert prov["services"]["consult"] == {"source": "company", "locked": False}
    assert prov["services"]["cash"] == {"source": "company", "locked": True}
    assert prov["services"]["business"] == {"source": "local", "locked": False}
    assert prov["norms"] == {"source": "company", "locked": True}
    assert prov["texts"]["phone"] == {"source": "company", "locked": True}
    # applying is idempotent: more pulls of the same version record nothing more
    time.sleep(1.0)
    assert [e["version"] for e in catalogue_events(office)].count(answer["version"]) == 1
    # the centre knows which version each office holds (the hub says it with every pull)
    boss = bearer(centre, "boss", "boss-password")

    def holds():
        r = requests.get(centre["proc"].url + API + "/catalogue/offices", headers=boss, timeout=30)
        assert r.status_code == 200, r.text
        rows = {o["office"]: o for o in r.json()["offices"]}
        return rows if rows["demo"]["applied"] == answer["version"] else None
    rows = wait_until(holds, timeout=30, what="the centre learning the office's version")
    assert rows["demo"]["current"] is True and rows["other"]["current"] is False
    r = requests.get(centre["proc"].url + API + "/catalogue/offices",
                     headers=bearer(centre, "lenina", "lenina-password"), timeout=30)
    assert [o["office"] for o in r.json()["offices"]] == ["demo"]



def test_a_local_change_allowed_survives_the_next_version_and_a_locked_one_is_refused(centre, office):
    c = office.client("admin")
    base = applied_version(c, latest_version(centre))["version"]
    consult = services_of(c)["consult"]
    cash = services_of(c)["cash"]
    # allowed: the office renames its consultation and changes its greeting
    c.request("PUT", "/api/v1/offices/demo/services/consult", json={**consult, "name": "Консультация в нашем офисе"})
    c.request("PUT", "/api/v1/offices/demo/texts", json={"greeting": "Добро пожаловать в наш офис!"})
    # locked: the cash desk, the phone and the norms belong to the company
    refused_with(lambda: c.request("PUT", "/api/v1/offices/demo/services/cash", json={**cash, "name": "Касса"}),
                 403, "locked_by_company")
    refused_with(lambda: c.request("DELETE", "/api/v1/offices/demo/services/cash"), 403, "locked_by_company")
    refused_with(lambda: c.request("PUT", "/api/v1/offices/demo/texts", json={"phone": "8 999 111-11-11"}),
                 403, "locked_by_company")
    refused_with(lambda: c.request("PUT", "/api/v1/offices/demo/settings", json={"profile": "kuzbass-2020"}),
                 403, "locked_by_company")
    refused_with(lambda: c.request("PUT", "/api/v1/offices/demo/settings",
                                   json={"profile_overrides": {"cash": {"wait": 9}}}), 403, "locked_by_company")
    # sending a locked setting unchanged (the stand sends whole forms) is fine; a local field of it too
    settings = c.get("/api/v1/offices/demo/settings")
    c.request("PUT", "/api/v1/offices/demo/texts", json={**settings["texts"], "ticker": "Касса работает до 19:00"})
    c.request("PUT", "/api/v1/offices/demo/services/cash", json={**cash, "checklist": ["Квитанция"]})
    assert services_of(c)["cash"]["name"] == "Оплата в кассе"
    prov = hub_catalogue(c)["provenance"]
    assert prov["services"]["consult"]["source"] == "changed" and prov["texts"]["greeting"]["source"] == "changed"
    assert prov["texts"]["ticker"]["source"] == "local"
    # the company's next version changes all four: the office's allowed changes stay, locked ones follow
    body = catalogue()
    body["services"][0]["name"] = "Консультация (новое название компании)"
    body["services"][1]["name"] = "Касса: оплата счетов"
    body["texts"]["greeting"]["text"] = "Здравствуйте! Новая версия приветствия."
    body["texts"]["phone"]["text"] = "8 800 111-22-33"
    body["norms"]["overrides"] = {"cash": {"wait": 6}}
    answer = publish(centre, body)
    assert answer["version"] > base
    status = applied_version(c, answer["version"])
    services = services_of(c)
    assert services["consult"]["name"] == "Консультация в нашем офисе"
    assert services["cash"]["name"] == "Касса: оплата счетов" and services["cash"]["checklist"] == ["Квитанция"]
    settings = c.get("/api/v1/offices/demo/settings")
    assert settings["texts"]["greeting"] == "Добро пожаловать в наш офис!"
    assert settings["texts"]["phone"] == "8 800 111-22-33"
    assert settings["texts"]["ticker"] == "Касса работает до 19:00"
    assert settings["profile_overrides"] == {"cash": {"wait": 6}}
    prov = status["provenance"]
    assert prov["services"]["consult"] == {"source": "changed", "locked": False}
    assert prov["services"]["cash"] == {"source": "company", "locked": True}
    assert prov["norms"]["source"] == "company"
    refused_with(lambda: c.request("PUT", "/api/v1/offices/demo/services/cash",
                                   json={**services["cash"], "letter": "Ц"}), 403, "locked_by_company")


def test_a_version_that_does_not_fit_the_office_is_refused_whole_and_the_next_one_applied(centre, office):
    c = office.client("admin")
    good = applied_version(c, latest_version(centre))["version"]
    before = services_of(c)
    # the letter К is the office's own «business» service: the hub refuses the whole version
    body = catalogue()
    body["services"].append({"id": "pension", "letter": "К", "name": "Льготы пенсионерам", "kind": "consultation",
                             "order": 4, "hint": "", "local": "locked"})
    body["services"][1]["name"] = "Касса (не должна примениться)"
    bad = publish(centre, body)
    status = wait_until(lambda: (lambda s: s if s["refused"] else None)(hub_catalogue(c)), timeout=60,
                        what="the hub refusing the version")
    assert status["version"] == good and status["refused"]["version"] == bad["version"]
    assert "Буква «К»" in status["refused"]["error"] and status["link"]["state"] == "invalid"
    assert f"Версия {bad['version']} не принята" in status["line"]
    after = services_of(c)
    assert after == before and "pension" not in after
    assert bad["version"] not in [e["version"] for e in catalogue_events(office)]
    # the office gives its own service another letter: the same version is applied on the next pull
    c.request("PUT", "/api/v1/offices/demo/services/business", json={**before["business"], "letter": "Ю"})
    status = applied_version(c, bad["version"])
    assert status["refused"] is None and status["link"]["state"] == "ok"
    assert services_of(c)["pension"]["letter"] == "К"
    assert services_of(c)["cash"]["name"] == "Касса (не должна примениться)"  # now it does: the version is whole


def test_a_service_replaced_in_the_catalogue_hands_its_letter_to_the_new_one(centre, office):
    c = office.client("admin")
    applied_version(c, latest_version(centre))
    body = catalogue()
    body["services"][2] = {"id": "readings", "letter": "М", "name": "Показания счётчиков", "kind": "consultation",
                           "order": 3, "hint": "", "local": "locked"}
    answer = publish(centre, body)
    status = applied_version(c, answer["version"])
    services = services_of(c)
    assert services["readings"]["letter"] == "М" and services["readings"]["active"]
    assert not services["meter"]["active"] and services["meter"]["letter"] not in ("М", "")
    assert not services["pension"]["active"]  # dropped from the catalogue: switched off, its history kept
    assert status["provenance"]["services"]["meter"] == {"source": "local", "locked": False}
    ticket = c.issue("demo", "readings")
    assert ticket["code"].startswith("М")


def test_a_head_whose_login_belongs_to_another_office_of_the_file_is_refused(centre, office):
    c = office.client("admin")
    good = applied_version(c, latest_version(centre))["version"]
    bad = publish(centre, catalogue(heads=[{"login": SECOND_ADMIN[0], "name": "Чужой руководитель", "office": "demo"}]))
    status = wait_until(lambda: (lambda s: s if s["refused"] and s["refused"]["version"] == bad["version"] else None)(
        hub_catalogue(c)), timeout=60, what="the hub refusing the version")
    assert status["version"] == good and "«admin2»" in status["refused"]["error"]
    r = requests.post(office.url + "/api/v1/auth/login", json={"login": SECOND_ADMIN[0], "password": SECOND_ADMIN[1]},
                      timeout=30)
    assert r.status_code == 200 and r.json()["roles"] == ["admin"]  # untouched: still the second office's admin
    applied_version(c, publish(centre, catalogue())["version"])


def test_a_malformed_office_view_is_refused_by_the_hubs_own_checks():
    from server.central.catalogue import check_office_view, office_view
    content = check_catalogue(catalogue())
    view = office_view(content, 3, "a" * 64, "demo")
    assert check_office_view(json.loads(json.dumps(view)), "demo")["version"] == 3
    for broken, field in (({**view, "office": "other"}, "office"),
                          ({**view, "norms": {**view["norms"], "overrides": {"cash": {"wait": [7, 1]}}}},
                           "norms.overrides.cash.wait"),
                          ({**view, "services": view["services"] + [view["services"][0]]}, "services.3.id"),
                          ({**view, "heads": [{"login": "x", "name": "Икс", "office": "other"}]}, "heads.0.login"),
                          ({**view, "version": "3"}, "version"),
                          # a password in clear (or anything but the hub's own hash) is never taken
                          ({**view, "heads": [{"login": "ivanova", "name": "Иванова", "office": "demo",
                                               "code_hash": "my-password"}]}, "heads.0.code_hash")):
        with pytest.raises(CatalogueError) as err:
            check_office_view(broken, "demo")
        assert err.value.field == field, (field, err.value.field, err.value.message)


def test_the_centre_down_keeps_the_office_on_its_version_and_the_next_one_comes_when_it_is_back(centre, office):
    c = office.client("admin")
    kept = applied_version(c, latest_version(centre))["version"]
    centre["proc"].stop()
    try:
        status = wait_until(lambda: (lambda s: s if s["link"]["state"] == "offline" else None)(hub_catalogue(c)),
                            timeout=60, what="the hub seeing the centre down")
        assert status["version"] == kept and "Нет связи с центром" in status["line"]
        assert c.issue("demo", "consult")["code"].startswith("А")  # the office keeps working
        body = catalogue()
        body["services"][2]["name"] = "Показания счётчика: передача"
        answer = publish(centre, body)  # PostgreSQL is up, only the centre's server is down
        time.sleep(1.0)
        assert hub_catalogue(c)["version"] == kept
    finally:
        centre["proc"].start()
    applied_version(c, answer["version"])
    assert services_of(c)["meter"]["name"] == "Показания счётчика: передача"
    assert hub_catalogue(c)["link"]["state"] == "ok"


# ---------------------------------------------------------------------- the stand shows where settings come from

from browser_support import shots_dir  # noqa: E402


def test_the_stand_labels_each_setting_with_its_origin_and_locks_the_companys(centre, office, browser,
                                                                               tmp_path):
    c = office.client("admin")
    version = applied_version(c, latest_version(centre))["version"]
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(30000)
    try:
        page.goto(office.url + "/stand/login")
        page.fill("#login", "admin")
        page.fill("#password", "admin-demo")
        page.click("#login-submit")
        page.wait_for_url("**/stand/")
        page.goto(office.url + "/stand/setup#services")
        cash = page.locator("#svc-list li[data-service=cash] .origin")
        cash.wait_for()
        assert cash.inner_text() == f"из каталога компании (версия {version}) · изменяет только компания"
        assert page.locator("#svc-list li[data-service=consult] .origin").inner_text() == "изменено в офисе"
        assert page.locator("#svc-list li[data-service=business] .origin").inner_text() == "только в этом офисе"
        assert f"версия {version}" in page.locator("#pane-services .catalogue-line").inner_text()
        page.click("#svc-list li[data-service=cash] button")
        page.wait_for_function("document.getElementById('svc-name').readOnly === true")
        assert page.locator("#svc-origin").inner_text().startswith("из каталога компании")
        page.click("#svc-list li[data-service=consult] button")
        page.wait_for_function("document.getElementById('svc-name').readOnly === false")
        page.screenshot(path=str(shots_dir(tmp_path) / "stand-catalogue-services.png"))
        page.click("#tab-texts")
        page.wait_for_selector("#text-origin-phone")
        assert page.locator("#texts-phone").evaluate("el => el.readOnly") is True
        assert page.locator("#texts-greeting").evaluate("el => el.readOnly") is False
        assert page.locator("#text-origin-greeting").inner_text() == "изменено в офисе"
        page.click("#tab-norms")
        assert page.locator("#norms-origin").inner_text().startswith(f"из каталога компании (версия {version})")
        assert page.locator("#norms-profile").evaluate("el => el.disabled") is True
        page.screenshot(path=str(shots_dir(tmp_path) / "stand-catalogue-norms.png"))
        assert errors == [], errors
    finally:
        ctx.close()
