"""The company's staff at the centre (issue 11, points 5 and 6), on a real ``talon central serve``
and a real PostgreSQL: sign-in right and wrong, the session cookie and bearer token, sign-out,
growing delays after failures, each role's offices, and the 401/403/404 bodies."""
from __future__ import annotations

import pytest
import requests
from pg_support import CentralProcess, fresh_database, talon

from server.central.access import Staff
from server.central.staff_store import StaffError, StaffStore
from server.central.store import CentralStore

API = "/api/v1/central"
OFFICES = [("msk-1", "ЦОК «Центральный»", "Москва"), ("msk-2", "ЦОК «Северный»", "Москва"),
           ("ekb-1", "ЦОК в Екатеринбурге", "Свердловская область"), ("perm-1", "ЦОК в Перми", None)]



@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    staff = StaffStore(store)
    for office, name, region in OFFICES:
        store.add_office(office, name)
        if region:
            staff.set_office_region(office, region)
    staff.add_staff("boss", "Анна Петрова", "boss-password", "company_admin")
    staff.add_staff("ural", "Иван Уральский", "ural-password", "regional_head", regions=["Свердловская область"])
    staff.add_staff("lenina", "Ольга Ленина", "lenina-password", "office_head", offices=["msk-2"])
    proc = CentralProcess(url, tmp_path_factory.mktemp("central"), project_every=0).start()
    yield proc, store
    proc.stop()
    store.close()


def sign_in(centre, login: str, password: str) -> requests.Response:
    return requests.post(centre[0].url + API + "/session", json={"login": login, "password": password}, timeout=30)


def bearer(centre, login: str, password: str) -> dict:
    r = sign_in(centre, login, password)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def get(centre, path: str, headers: dict | None = None) -> requests.Response:
    return requests.get(centre[0].url + API + path, headers=headers or {}, timeout=30)


def refused(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == code, body
    assert any("а" <= ch <= "я" for ch in body["message"].lower()), body
    return body


def test_sign_in_sets_a_strict_http_only_cookie_and_answers_token_and_staff(centre):
    r = sign_in(centre, "ural", "ural-password")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token"] and len(body["token"]) >= 40
    assert body["staff"] == {"login": "ural", "name": "Иван Уральский", "role": "regional_head",
                             "role_name": "руководитель региона", "regions": ["Свердловская область"],
                             "offices": []}
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("talon_central_session=" + body["token"])
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # the cookie alone is a session (the browser's way)
    s = requests.Session()
    s.cookies.set("talon_central_session", body["token"])
    assert s.get(centre[0].url + API + "/session", timeout=30).json()["staff"]["login"] == "ural"
    # and so is the bearer token (an API client's way)
    me = get(centre, "/session", {"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["staff"]["role"] == "regional_head"


def test_wrong_password_unknown_login_and_bad_bodies_are_refused(centre):
    refused(sign_in(centre, "boss", "not-the-password"), 401, "wrong_password")
    refused(sign_in(centre, "nobody", "whatever-it-is"), 401, "wrong_password")
    assert "Set-Cookie" not in sign_in(centre, "boss", "not-the-password-2").headers
    url = centre[0].url + API + "/session"
    refused(requests.post(url, data="not json", headers={"Content-Type": "application/json"}, timeout=30),
            400, "invalid")
    refused(requests.post(url, json={"login": "boss"}, timeout=30), 400, "invalid")
    refused(requests.post(url, json={"login": 5, "password": "x"}, timeout=30), 400, "invalid")
    refused(requests.post(url, json=["boss", "boss-password"], timeout=30), 400, "invalid")
    refused(requests.post(url, json={"login": "boss", "password": "x" * 5000}, timeout=30), 400, "invalid")
    refused(requests.post(url, json={"login": "bo\u0000ss", "password": "boss-password"}, timeout=30), 400, "invalid")
    refused(sign_in(centre, "boss", "boss\u0000password"), 401, "wrong_password")


def test_without_a_session_401_and_with_a_bogus_token_401(centre):
    for path in ("/session", "/staff/offices", "/staff/offices/msk-1", "/staff"):
        refused(get(centre, path), 401, "unauthorized")
        refused(get(centre, path, {"Authorization": "Bearer made-up-token"}), 401, "unauthorized")
    s = requests.Session()
    s.cookies.set("talon_central_session", "made-up")
    refused(s.get(centre[0].url + API + "/staff/offices", timeout=30), 401, "unauthorized")


def visible(centre, headers) -> list[str]:
    r = get(centre, "/staff/offices", headers)
    assert r.status_code == 200, r.text
    return sorted(o["id"] for o in r.json()["offices"])


def test_each_role_sees_its_own_offices_and_gets_403_elsewhere(centre):
    admin = bearer(centre, "boss", "boss-password")
    ural = bearer(centre, "ural", "ural-password")
    head = bearer(centre, "lenina", "lenina-password")
    assert visible(centre, admin) == ["ekb-1", "msk-1", "msk-2", "perm-1"]
    assert visible(centre, ural) == ["ekb-1"]
    assert visible(centre, head) == ["msk-2"]

    one = get(centre, "/staff/offices/ekb-1", ural)
    assert one.status_code == 200 and one.json() == {"id": "ekb-1", "name": "ЦОК в Екатеринбурге",
                                                     "region": "Свердловская область"}
    for office in ("msk-1", "msk-2", "perm-1"):
        refused(get(centre, f"/staff/offices/{office}", ural), 403, "forbidden")
    for office in ("msk-1", "ekb-1", "perm-1"):
        refused(get(centre, f"/staff/offices/{office}", head), 403, "forbidden")
    assert get(centre, "/staff/offices/perm-1", admin).status_code == 200
    # an office that does not exist: 404 for whoever could see it, 403 for the others (they do not learn)
    refused(get(centre, "/staff/offices/no-such", admin), 404, "unknown_office")
    refused(get(centre, "/staff/offices/no%00such", admin), 404, "unknown_office")  # never a 500
    refused(get(centre, "/staff/offices/" + "x" * 300, admin), 404, "unknown_office")
    refused(get(centre, "/staff/offices/no%00such", ural), 403, "forbidden")
    refused(get(centre, "/staff/offices/no-such", ural), 403, "forbidden")


def test_a_role_not_allowed_is_403_and_the_admin_lists_staff_without_hashes(centre):
    refused(get(centre, "/staff", bearer(centre, "ural", "ural-password")), 403, "forbidden")
    refused(get(centre, "/staff", bearer(centre, "lenina", "lenina-password")), 403, "forbidden")
    r = get(centre, "/staff", bearer(centre, "boss", "boss-password"))
    assert r.status_code == 200, r.text
    assert {s["login"] for s in r.json()["staff"]} >= {"boss", "ural", "lenina"}
    assert "hash" not in r.text and "password" not in r.text


def test_sign_out_ends_the_session_and_clears_the_cookie(centre):
    headers = bearer(centre, "lenina", "lenina-password")
    assert get(centre, "/session", headers).status_code == 200
    out = requests.delete(centre[0].url + API + "/session", headers=headers, timeout=30)
    assert out.status_code == 200 and out.json() == {"ok": True}
    assert "talon_central_session=;" in out.headers["Set-Cookie"]
    refused(get(centre, "/session", headers), 401, "unauthorized")


def test_repeated_failures_slow_the_account_down_even_for_the_right_password(centre):
    centre[1]
    StaffStore(centre[1]).add_staff("slow", "Пётр Медленный", "slow-password", "company_admin")
    for _ in range(5):  # the allowance
        refused(sign_in(centre, "slow", "wrong-one"), 401, "wrong_password")
    refused(sign_in(centre, "slow", "wrong-one"), 401, "wrong_password")  # the 6th: the delays begin
    r = sign_in(centre, "slow", "slow-password")
    body = refused(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) >= 1 and "повторите через" in body["message"]
    # another account from the same computer is not slowed by this one
    assert sign_in(centre, "boss", "boss-password").status_code == 200


def test_changing_an_account_ends_its_sessions(centre):
    staff = StaffStore(centre[1])
    staff.add_staff("temp", "Временный", "temp-password", "regional_head", regions=["Москва"])
    headers = bearer(centre, "temp", "temp-password")
    assert visible(centre, headers) == ["msk-1", "msk-2"]
    staff.add_staff("temp", "Временный", "temp-password", "office_head", offices=["perm-1"])
    refused(get(centre, "/staff/offices", headers), 401, "unauthorized")
    assert visible(centre, bearer(centre, "temp", "temp-password")) == ["perm-1"]


def test_cli_add_user_and_set_region(centre):
    url = centre[1].url
    r = talon("central", "add-user", "--db", url, "--login", "perm", "--name", "Мария Пермская",
              "--role", "regional_head", "--region", "Пермский край", "--password", "perm-password")
    assert r.returncode == 0, r.stderr
    assert "руководитель региона" in r.stdout and "Пермский край" in r.stdout
    headers = bearer(centre, "perm", "perm-password")
    assert visible(centre, headers) == []
    r = talon("central", "set-region", "--db", url, "--office", "perm-1", "--region", "Пермский край")
    assert r.returncode == 0, r.stderr
    assert visible(centre, headers) == ["perm-1"]
    # the password asked for when not given
    r = talon("central", "add-user", "--db", url, "--login", "asked", "--name", "Спрошенный",
              "--role", "company_admin", stdin="asked-password\nasked-password\n")
    assert r.returncode == 0, r.stderr
    assert sign_in(centre, "asked", "asked-password").status_code == 200
    # a regional head without a region, a short password: refused with a Russian reason, nothing saved
    r = talon("central", "add-user", "--db", url, "--login", "noregion", "--name", "Без региона",
              "--role", "regional_head", "--password", "long-enough")
    assert r.returncode != 0 and "регион" in r.stderr
    r = talon("central", "add-user", "--db", url, "--login", "short", "--name", "Короткий",
              "--role", "company_admin", "--password", "short")
    assert r.returncode != 0 and "не короче 8" in r.stderr
    assert StaffStore(centre[1]).staff_by_login("noregion") is None
    assert StaffStore(centre[1]).staff_by_login("short") is None


def test_can_see_rules():
    admin = Staff("a", "A", "company_admin", frozenset(), frozenset())
    region = Staff("r", "R", "regional_head", frozenset({"Москва"}), frozenset({"ekb-1"}))
    office = Staff("o", "O", "office_head", frozenset({"Москва"}), frozenset({"ekb-1"}))
    assert admin.can_see("x", None) and admin.can_see("x", "Москва")
    assert region.can_see("x", "Москва") and not region.can_see("ekb-1", "Урал") and not region.can_see("x", None)
    assert office.can_see("ekb-1", None) and not office.can_see("x", "Москва")
    assert not Staff("z", "Z", "someone", frozenset({"Москва"}), frozenset({"x"})).can_see("x", "Москва")


def test_store_refuses_bad_accounts(centre):
    staff = StaffStore(centre[1])
    with pytest.raises(StaffError):
        staff.add_staff("x", "X", "long-password", "emperor")
    with pytest.raises(StaffError):
        staff.add_staff("y", "Y", "long-password", "office_head")
    with pytest.raises(StaffError):
        staff.add_staff("", "Y", "long-password", "company_admin")
    with pytest.raises(StaffError):
        staff.add_staff("z", "Z", "long-password", "regional_head", regions=["Мос\x00ква"])
    with pytest.raises(StaffError):
        staff.set_office_region("msk-1", "Мос\x00ква")


def test_the_company_demo_staff_and_regions(pg_cluster):
    """server/central/company_demo.py's accounts (printed by scripts/run-company.sh) sign in and see
    what their roles allow; a second run changes nothing."""
    from server.central.company_demo import REGIONS, demo_staff

    store = CentralStore(fresh_database(pg_cluster))
    try:
        store.migrate()
        for office in REGIONS:
            store.add_office(office)
        demo_staff(store)
        demo_staff(store)
        staff = StaffStore(store)
        seen = {}
        for login, password in (("company", "company-demo"), ("ural", "ural-demo")):
            who = Staff.from_row(staff.check_password(login, password))
            seen[login] = sorted(r["id"] for r in staff.offices() if who.can_see(r["id"], r["region"]))
        assert seen == {"company": ["ekb", "msk-centr", "msk-sever"], "ural": ["ekb"]}
    finally:
        store.close()


def test_behind_the_tls_proxy_the_cookie_is_secure_and_only_the_trusted_proxy_is_believed(centre, tmp_path):
    """`--trusted-proxy ADDR`: the proxy's X-Forwarded-Proto: https makes the staff cookie Secure;
    without the option the header is dropped (anyone could send it), and so is plain HTTP's."""
    https = {"X-Forwarded-Proto": "https"}
    plain = requests.post(centre[0].url + API + "/session", json={"login": "boss", "password": "boss-password"},
                          headers=https, timeout=30)
    assert plain.status_code == 200 and "Secure" not in plain.headers["Set-Cookie"]
    proxied = CentralProcess(centre[0].db_url, tmp_path, project_every=0,
                             extra_args=("--trusted-proxy", "127.0.0.1")).start()
    try:
        r = requests.post(proxied.url + API + "/session", json={"login": "boss", "password": "boss-password"},
                          headers=https, timeout=30)
        assert r.status_code == 200 and "; Secure" in r.headers["Set-Cookie"], r.headers["Set-Cookie"]
        r = requests.post(proxied.url + API + "/session", json={"login": "boss", "password": "boss-password"},
                          timeout=30)
        assert r.status_code == 200 and "Secure" not in r.headers["Set-Cookie"]
    finally:
        proxied.stop()
