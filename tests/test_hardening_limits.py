"""Issue 12: guessing is not free. Sign-in, PIN and pairing attempts through the real hub, slowed
per account and per address with growing delays that follow the hub's (testing) clock; the stand
is alerted to a burst of failures."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from requests.adapters import HTTPAdapter
from support import HubProcess

from server.api.limits import FLOOD, FREE_ACCOUNT, FREE_ADDRESS, FREE_PAIRING, MAX_DELAY, AttemptGuard, delay_after

LOGIN = "/api/v1/auth/login"
PAIR = "/api/v1/devices/pair"
FLOOD_N = int(FLOOD.split()[0])  # requests a minute per address


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """One hub for the module: each test uses its own accounts and addresses, and starts two hours
    of hub time after the last (every delay over, every burst window and alert gone)."""
    h = HubProcess(tmp_path_factory.mktemp("limits") / "hub.sqlite").start()
    yield h
    h.stop()


@pytest.fixture(autouse=True)
def later(hub):
    advance(hub.client("admin"), 2 * 3600)


class _From(HTTPAdapter):
    """Connect from a chosen loopback address (127.0.0.2, 127.0.0.3 …: another computer)."""

    def __init__(self, ip):
        self.ip = ip
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.ip, 0)
        return super().init_poolmanager(*args, **kwargs)


def computer(ip):
    s = requests.Session()
    s.mount("http://", _From(ip))
    return s


def sign_in(hub, login, secret, via=requests, field="password"):
    return via.post(hub.url + LOGIN, json={"login": login, field: secret}, timeout=30)


def advance(admin, seconds):
    """Move the hub's clock; answers the hub's time now."""
    return admin.post("/api/v1/testing/clock", {"advance": seconds})["now"]


def refused(r):
    assert r.status_code == 429, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "too_many_attempts" and "повторите через" in body["message"], body
    seconds = int(r.headers["Retry-After"])
    assert seconds >= 1 and body["details"]["retry_after"] == seconds
    return seconds


def until_a_long_wait(admin, attempt, at_least=60):
    """Keep failing, moving the hub's clock past each delay, until the delay is ``at_least``
    seconds: a check made right after can then not race the end of a short delay."""
    for _ in range(60):
        r = attempt()
        if r.status_code == 429:
            wait = refused(r)
            if wait >= at_least:
                return wait
            advance(admin, wait)
    raise AssertionError("the delay did not grow")


def test_the_delays_grow_from_one_second_to_fifteen_minutes():
    assert [delay_after(n, 5) for n in range(1, 10)] == [0, 0, 0, 0, 0, 1, 2, 4, 8]
    assert delay_after(30, 5) == MAX_DELAY == 900
    # 10,000 four-digit PINs on one account: at least the sum of the waits (one attempt per wait)
    days = sum(delay_after(n, FREE_ACCOUNT) for n in range(1, 10_001)) / 86400
    assert days > 100


def test_a_hundred_wrong_passwords_then_the_right_one_waits_until_the_delay_passes(hub):
    admin = hub.client("admin")
    statuses = [sign_in(hub, "op1", f"not-the-password-{i}").status_code for i in range(100)]
    assert statuses[:FREE_ACCOUNT] == [401] * FREE_ACCOUNT
    assert set(statuses) == {401, 429} and statuses.count(401) <= FREE_ACCOUNT + 5  # the rest not even checked
    wait = until_a_long_wait(admin, lambda: sign_in(hub, "op1", "not-the-password"))
    r = sign_in(hub, "op1", "op1-demo")  # the right password, while the delay lasts: refused
    wait = refused(r)
    assert wait >= 60 and "мин" in r.json()["message"]
    # from a minute on, the message also says at what time, by the office's clock (Moscow)
    due = advance(admin, 0) + wait
    shown = {datetime.fromtimestamp(due + d, ZoneInfo("Europe/Moscow")).strftime("(в %H:%M)") for d in (-60, 0, 60)}
    assert any(x in r.json()["message"] for x in shown), r.json()["message"]
    advance(admin, wait - 20)
    refused(sign_in(hub, "op1", "op1-demo"))  # not yet
    advance(admin, 21)
    r = sign_in(hub, "op1", "op1-demo")
    assert r.status_code == 200 and r.json()["token"]
    # the success cleared the account: the next mistake is an ordinary 401
    assert sign_in(hub, "op1", "again-wrong").status_code == 401


def test_pin_guessing_is_slowed(hub):
    admin = hub.client("admin")
    statuses = [sign_in(hub, "op2", f"{pin:04d}", field="pin").status_code for pin in range(3000, 3030)]
    assert statuses[:FREE_ACCOUNT] == [401] * FREE_ACCOUNT
    # beyond the allowance only one guess per delay (1 s, 2 s, 4 s …) is checked at all
    assert statuses.count(401) <= FREE_ACCOUNT + 5 and statuses.count(429) >= 30 - FREE_ACCOUNT - 5
    until_a_long_wait(admin, lambda: sign_in(hub, "op2", "0000", field="pin"))
    r = sign_in(hub, "op2", "2222", field="pin")  # the right PIN during the delay
    wait = refused(r)
    assert "ПИН" in r.json()["message"]
    advance(admin, wait + 1)
    assert sign_in(hub, "op2", "2222", field="pin").status_code == 200


def test_fifty_wrong_pairing_codes_are_refused_with_429(hub):
    admin = hub.client("admin")
    device = admin.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": "Киоск у окна"})
    wrong = [c for c in (f"{n:06d}" for n in range(100000, 100060)) if c != device["pairing_code"]][:50]
    statuses = []
    for code in wrong:
        r = requests.post(hub.url + PAIR, json={"code": code}, timeout=30)
        statuses.append(r.status_code)
    assert statuses[:FREE_PAIRING] == [404] * FREE_PAIRING
    assert statuses.count(429) >= 50 - FREE_PAIRING - 5
    until_a_long_wait(admin, lambda: requests.post(hub.url + PAIR, json={"code": wrong[0]}, timeout=30))
    r = requests.post(hub.url + PAIR, json={"code": device["pairing_code"]}, timeout=30)
    refused(r)
    assert "кодов привязки" in r.json()["message"]
    advance(admin, int(r.headers["Retry-After"]) + 1)
    r = requests.post(hub.url + PAIR, json={"code": device["pairing_code"]}, timeout=30)
    assert r.status_code == 200 and r.json()["kind"] == "kiosk"


def test_one_account_failing_does_not_lock_out_the_office_or_another_computer(hub):
    admin = hub.client("admin")
    nat = computer("127.0.0.2")        # the office's NAT: everyone comes from here
    elsewhere = computer("127.0.0.3")
    for _ in range(40):
        sign_in(hub, "op3", "forgotten", via=nat)
    until_a_long_wait(admin, lambda: sign_in(hub, "op3", "forgotten", via=nat))
    refused(sign_in(hub, "op3", "op3-demo", via=nat))                        # that account waits
    assert sign_in(hub, "op4", "op4-demo", via=nat).status_code == 200       # colleagues behind the NAT do not
    assert sign_in(hub, "op5", "5555", via=nat, field="pin").status_code == 200
    assert sign_in(hub, "op6", "op6-demo", via=elsewhere).status_code == 200  # nor another computer


def test_an_address_trying_many_accounts_is_slowed_as_a_whole(hub):
    sprayer = computer("127.0.0.4")
    logins = [f"user{i}" for i in range(12)]
    statuses = []
    for login in logins:
        for _ in range(3):
            statuses.append(sign_in(hub, login, "guess", via=sprayer).status_code)
    assert statuses[:FREE_ADDRESS] == [401] * FREE_ADDRESS and 429 in statuses
    fresh = iter(f"other{i}" for i in range(100))
    until_a_long_wait(hub.client("admin"), lambda: sign_in(hub, next(fresh), "guess", via=sprayer))
    refused(sign_in(hub, "head", "head-demo", via=sprayer))          # from there even a right password waits
    assert sign_in(hub, "head", "head-demo", via=computer("127.0.0.5")).status_code == 200  # not elsewhere


def alerts(admin):
    return [a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"] if a["kind"] == "auth_burst"]


def test_the_stand_is_alerted_to_a_burst_from_one_address(hub):
    admin = hub.client("admin")
    attacker = computer("127.0.0.6")
    for i in range(19):
        sign_in(hub, "op6" if i % 2 else "Secret-Passw0rd", f"guess{i}", via=attacker)
    assert alerts(admin) == []  # 19 in five minutes: not yet
    sign_in(hub, "op6", "guess-20", via=attacker)
    found = alerts(admin)
    assert [a["id"] for a in found] == ["auth_burst:address:127.0.0.6"]
    a = found[0]
    assert a["level"] == "danger" and a["title"] == "Много неудачных попыток входа"
    assert "20 неудачных попыток входа с компьютера по адресу 127.0.0.6" in a["text"] and "op6" in a["text"]
    assert "Secret-Passw0rd" not in a["text"]  # an unknown «login» (a password in the wrong box?) is not shown
    # more failures in the same five minutes do not add alerts; acknowledging removes it
    for i in range(5):
        sign_in(hub, "op6", f"more{i}", via=attacker)
    assert len(alerts(admin)) == 1
    admin.post(f"/api/v1/offices/demo/alerts/{a['id']}/ack", {})
    assert alerts(admin) == []
    # it is also in the office's log (the stand's stream carries it)
    assert admin.state("demo")["seq"] > 0


def test_the_stand_is_alerted_to_a_burst_at_the_office_from_several_addresses(hub):
    admin = hub.client("admin")
    for i in range(10):
        sign_in(hub, f"ivanov{i % 3}", "guess", via=computer("127.0.0.7"))
        sign_in(hub, f"petrov{i % 3}", "guess", via=computer("127.0.0.8"))
    found = alerts(admin)
    assert [a["id"] for a in found] == ["auth_burst:office:all"], found
    assert "с 2 разных адресов" in found[0]["text"]


def test_a_burst_alert_passes_after_half_an_hour(hub):
    admin = hub.client("admin")
    for i in range(20):
        sign_in(hub, f"nobody{i}", "guess", via=computer("127.0.0.9"))
    assert len(alerts(admin)) == 1
    advance(admin, 31 * 60)
    assert alerts(admin) == []


def test_a_flood_of_requests_from_one_address_meets_the_flat_ceiling(hub):
    """Flask-Limiter: at most 600 sign-in or pairing requests a minute per address, refused or not."""
    flood = computer("127.0.0.10")
    codes = [flood.post(hub.url + PAIR, json={"code": "000000"}, timeout=30).status_code for _ in range(FLOOD_N)]
    assert set(codes) == {404, 429} and codes.count(404) <= FREE_PAIRING + 5  # the guard refuses early ...
    r = flood.post(hub.url + PAIR, json={"code": "000000"}, timeout=30)
    assert r.status_code == 429 and r.json()["error"] == "too_many_requests", r.text  # ... then the ceiling
    assert int(r.headers["Retry-After"]) == 60 and "Слишком много запросов" in r.json()["message"]
    # another computer is not affected
    assert computer("127.0.0.11").post(hub.url + LOGIN, json={"login": "hall", "password": "hall-demo"},
                                       timeout=30).status_code == 200


def test_the_guard_in_its_own_words():
    """The rules of server/api/limits.py without a hub: time is a number the test moves."""
    now = [1000.0]
    guard = AttemptGuard(lambda: now[0])
    nat = ("address", "10.0.0.1")

    def attempt(login, ok=False):
        with guard.attempt([("account", login), nat]) as a:
            if a.wait > 0:
                return a.wait
            a.ok = ok
        return 0.0

    assert [attempt("op1") for _ in range(FREE_ACCOUNT + 1)] == [0.0] * (FREE_ACCOUNT + 1)
    assert attempt("op1", ok=True) == 1.0          # the 6th failure: 1 s, even for the right password
    now[0] += 1
    assert attempt("op1") == 0.0 and attempt("op1") == 2.0  # the 7th failure: 2 s
    # the address counted only op1's first five: colleagues behind the NAT sign in
    assert attempt("op2", ok=True) == 0.0
    now[0] += 2
    assert attempt("op1", ok=True) == 0.0          # the right password after the wait clears the account
    assert [attempt("op1") for _ in range(FREE_ACCOUNT)] == [0.0] * FREE_ACCOUNT
    # beyond an allowance only one attempt at a time is checked: parallel guesses wait
    with guard.attempt([("account", "op1"), nat]) as first:
        assert first.wait == 0
        assert guard.wait([("account", "op1")]) >= 1.0
    # many accounts from one address: its own allowance (5 per account counted) runs out
    spray = ("address", "10.0.0.9")
    waits = []
    for i in range(FREE_ADDRESS // FREE_ACCOUNT + 1):
        for _ in range(FREE_ACCOUNT):
            with guard.attempt([("account", f"u{i}"), spray]) as a:
                waits.append(a.wait)
    assert waits[:FREE_ADDRESS] == [0.0] * FREE_ADDRESS and waits[-1] > 0
    # a failure of the check itself (storage) counts nothing
    with pytest.raises(RuntimeError):
        with guard.attempt([("account", "op3")]):
            raise RuntimeError("disk")
    assert guard.wait([("account", "op3")]) == 0.0


def test_the_stand_shows_the_burst_and_its_login_page_says_when_to_try_again(browser, hub):
    admin = hub.client("admin")
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(hub.url + "/stand/")
        page.wait_for_url("**/stand/login**")
        page.fill("#login", "hall")
        page.fill("#password", "hall-demo")
        page.click("#login-submit")
        page.wait_for_selector("#monitor[aria-busy=false]", timeout=15000)
        attacker = computer("127.0.0.12")
        for i in range(20):
            sign_in(hub, "kuznetsov", f"guess{i}", via=attacker)
        burst = page.wait_for_selector("#alerts [data-kind='auth_burst']", timeout=15000)  # the page re-reads
        assert "Много неудачных попыток входа" in burst.inner_text()
        assert "127.0.0.12" in burst.inner_text()
        # a signed-out administrator whose account is slowed reads when to try again
        until_a_long_wait(admin, lambda: sign_in(hub, "head", "wrong"))
        login = ctx.new_page()
        login.goto(hub.url + "/stand/login")
        login.fill("#login", "head")
        login.fill("#password", "head-demo")
        login.click("#login-submit")
        error = login.wait_for_selector("#login-error:not([hidden])", timeout=15000)
        assert "повторите через" in error.inner_text() and "мин" in error.inner_text()
    finally:
        ctx.close()
    assert errors == [], errors
