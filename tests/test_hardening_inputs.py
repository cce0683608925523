"""Hostile input against a real hub: ids beyond SQLite's range, huge numbers, junk settings, and
where the hub listens (issue 12, «inputs»). Every answer is a 4xx with a Russian message, never a
500, and a refused request changes nothing."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from support import ROOT, HubProcess, free_port

from server.demo import DEMO_PASSWORDS

BIG = 2**63            # one past SQLite's largest integer
HUGE = 10**20
MAX = 2**63 - 1        # the largest id there can be: a plain «not found»

# One of each kind of route that takes an id in its path (queue, windows, operator day, visitor,
# setup, alerts), as the testers found them answering 500.
ID_ROUTES = [
    ("GET", "/api/v1/tickets/{id}"),
    ("POST", "/api/v1/tickets/{id}/start"),
    ("POST", "/api/v1/tickets/{id}/finish"),
    ("POST", "/api/v1/tickets/{id}/print"),
    ("GET", "/api/v1/windows/{id}"),
    ("POST", "/api/v1/windows/{id}/call-next"),
    ("POST", "/api/v1/windows/{id}/open"),
    ("POST", "/api/v1/windows/{id}/close"),
    ("GET", "/api/v1/windows/{id}/day"),
    ("GET", "/api/v1/windows/{id}/rating-qr.svg"),
    ("GET", "/api/v1/windows/{id}/rating-link"),
    ("PUT", "/api/v1/offices/demo/windows/{id}"),
    ("DELETE", "/api/v1/offices/demo/windows/{id}"),
]

BODIES = {
    "/api/v1/tickets/{id}/print": {"device": "kiosk-demo"},
    "/api/v1/offices/demo/windows/{id}": {"number": 7, "services": {"consult": 1}},
}


@pytest.fixture(scope="module")
def admin(shared_hub):
    token = shared_hub.client("admin").token
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    s.base = shared_hub.url
    return s


def call(s, method, path, **kw):
    return s.request(method, s.base + path, timeout=30, **kw)


def assert_error(r, status):
    assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text[:300])
    body = r.json()
    assert set(body) >= {"error", "message"}
    assert any("а" <= ch <= "я" for ch in body["message"].lower()), body  # Russian words
    return body


@pytest.mark.parametrize("method,rule", ID_ROUTES, ids=[f"{m} {r}" for m, r in ID_ROUTES])
def test_path_ids_beyond_sqlite_range_are_not_found(admin, method, rule):
    for value in (BIG, HUGE, 10**40, "9" * 5000):
        path = rule.format(id=value)
        assert_error(call(admin, method, path, json=BODIES.get(rule, {})), 404)
    # the largest id that fits is looked up and simply not there
    assert_error(call(admin, method, rule.format(id=MAX), json=BODIES.get(rule, {})), 404)


def test_every_int_in_every_rule_is_bounded(tmp_path):
    from server.api.framework import BoundedIntConverter
    from server.app import create_app

    app = create_app(tmp_path / "hub.sqlite", testing_clock=True)
    ints = [(rule.rule, name) for rule in app.url_map.iter_rules()
            for name, conv in rule._converters.items() if "int" in type(conv).__name__.lower()]
    assert len(ints) > 15
    for rule in app.url_map.iter_rules():
        for name, conv in rule._converters.items():
            if "Integer" in type(conv).__name__ or "Int" in type(conv).__name__:
                assert isinstance(conv, BoundedIntConverter), (rule.rule, name)


def test_out_of_range_path_id_is_404_even_without_signing_in(shared_hub):
    r = requests.post(f"{shared_hub.url}/api/v1/tickets/{BIG}/start", json={}, timeout=30)
    assert_error(r, 404)


def test_huge_order_of_a_service_is_refused_and_not_stored(admin):
    before = call(admin, "GET", "/api/v1/offices/demo/services").json()
    for order in (HUGE, BIG, -1, 10**6):
        r = call(admin, "POST", "/api/v1/offices/demo/services",
                 json={"id": "huge", "letter": "Ю", "name": "Проверка", "order": order})
        body = assert_error(r, 400)
        assert body["details"]["field"] == "order"
    assert call(admin, "GET", "/api/v1/offices/demo/services").json() == before
    # in range it is taken
    r = call(admin, "POST", "/api/v1/offices/demo/services",
             json={"id": "fine", "letter": "Ю", "name": "Проверка", "order": 9999})
    assert r.status_code == 201, r.text
    assert call(admin, "DELETE", "/api/v1/offices/demo/services/fine").status_code == 204


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v1/windows/1/call", {"ticket": BIG}),
    ("POST", "/api/v1/windows/1/call", {"ticket": HUGE}),
    ("POST", "/api/v1/windows/1/call", {"ticket": 0}),
    ("POST", "/api/v1/tickets/1/transfer", {"window": BIG}),
    ("POST", "/api/v1/tickets/1/transfer", {"window": -HUGE}),
    ("POST", "/api/v1/offices/demo/tickets", {"service": "consult", "priority": HUGE}),
    ("POST", "/api/v1/offices/demo/windows", {"number": HUGE, "services": {"consult": 1}}),
    ("PUT", "/api/v1/offices/demo/settings", {"alert_near": HUGE}),
])
def test_body_integers_out_of_range_are_bad_input(admin, method, path, body):
    assert_error(call(admin, method, path, json=body), 400)


def test_query_integers_out_of_range_are_bad_input(admin):
    # (the event stream's own query is read by server/api/live.py under waitress, not here)
    for year in (HUGE, "9" * 5000, -BIG):
        assert_error(call(admin, "GET", f"/api/v1/offices/demo/reports/yearly?year={year}"), 400)


@pytest.mark.parametrize("raw", [
    '{"alert_near": NaN}',
    '{"alert_near": Infinity}',
    '{"name": "\\ud800"}',
    '[' * 100_000 + ']' * 100_000,
    '{"name": "Офис"',
    b'{"name": "\xff\xfe"}',
], ids=["nan", "infinity", "lone-surrogate", "deep-nesting", "truncated", "not-utf8"])
def test_malformed_json_is_bad_input_and_changes_nothing(admin, raw):
    before = call(admin, "GET", "/api/v1/offices/demo/settings").json()
    r = call(admin, "PUT", "/api/v1/offices/demo/settings", data=raw,
             headers={"Content-Type": "application/json"})
    assert_error(r, 400)
    assert call(admin, "GET", "/api/v1/offices/demo/settings").json() == before


JUNK_SETTINGS = [
    {"profile_overrides": {"consultation": {"wait": -5}}},
    {"profile_overrides": {"consultation": {"service": -0.5}}},
    {"profile_overrides": {"visit_total": -1}},
    {"profile_overrides": {"consultation": {"wait": 100000}}},
    {"profile_overrides": {"consultation": {"service": [10, 5]}}},
    {"profile_overrides": {"digital": [7, 3]}},
    {"profile_overrides": {"consultation": {"wait": [1, 2, 3]}}},
    {"profile_overrides": {"consultation": {"wait": "8"}}},
    {"profile_overrides": {"consultation": {"wait": 8, "colour": "red"}}},
    {"profile_overrides": {"junk": {"a": {"b": {"c": [1, {"d": 2}]}}}}},
    {"profile_overrides": {"consultation": 8}},
    {"profile_overrides": []},
    {"alert_near": 5},
    {"schedule": {"tz": "Нигде/Никогда", "week": {}}},
    {"schedule": {"tz": "Europe/Nowhere", "week": {}}},
    {"schedule": {"week": {}, "holidays": ["2026-13-45"]}},
    {"schedule": {"week": {}, "special": {"junk": None}}},
    {"schedule": {"week": {"mon": {"open": "18:00", "close": "09:00"}}}},
    {"colour": "red"},
]


@pytest.mark.parametrize("junk", JUNK_SETTINGS, ids=[json.dumps(j, ensure_ascii=False)[:60] for j in JUNK_SETTINGS])
def test_junk_settings_are_refused_and_nothing_is_stored(admin, junk):
    before = call(admin, "GET", "/api/v1/offices/demo/settings").json()
    assert_error(call(admin, "PUT", "/api/v1/offices/demo/settings", json=junk), 400)
    assert call(admin, "GET", "/api/v1/offices/demo/settings").json() == before


def test_sane_norm_overrides_are_taken(admin):
    overrides = {"consultation": {"wait": 10, "service": [5, 12]}, "cash": {"wait": None},
                 "visit_total": 40, "upsell": [5, 5]}
    r = call(admin, "PUT", "/api/v1/offices/demo/settings", json={"profile_overrides": overrides})
    assert r.status_code == 200, r.text
    assert call(admin, "GET", "/api/v1/offices/demo/settings").json()["profile_overrides"] == overrides
    r = call(admin, "PUT", "/api/v1/offices/demo/settings", json={"profile_overrides": {}})
    assert r.status_code == 200, r.text


def test_a_user_can_not_be_moved_to_an_office_that_does_not_exist(admin):
    r = call(admin, "PUT", "/api/v1/users/op6", json={"login": "op6", "name": "Соколов Игорь Викторович",
                                                      "roles": ["operator"], "office": "nowhere"})
    assert r.status_code in (403, 404), r.text  # the demo admin belongs to office «demo»: 403 first
    assert_error(r, r.status_code)
    users = {u["login"]: u for u in call(admin, "GET", "/api/v1/users").json()}
    assert users["op6"]["office"] != "nowhere"


# ------------------------------------------------------------------ the published schema

def test_every_operation_documents_its_errors(shared_hub):
    doc = requests.get(f"{shared_hub.url}/api/openapi.json", timeout=30).json()
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"} and "details" in error["properties"]
    ops = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(ops) > 40
    for path, method, op in ops:
        codes = set(op["responses"])
        where = f"{method.upper()} {path}"
        assert {"429", "503"} <= codes, where
        if op.get("requestBody") or any(p["in"] in ("query", "header") for p in op["parameters"]):
            assert "400" in codes, where
        if op.get("requestBody"):
            assert "413" in codes, where
        if not op["x-public"]:
            assert {"401", "403"} <= codes, where
        if any(p["in"] == "path" for p in op["parameters"]):
            assert "404" in codes, where
        if method != "get":
            assert "409" in codes, where
        for code, answer in op["responses"].items():
            if code.startswith("4") or code.startswith("5"):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (where, code)
        for p in op["parameters"]:
            if p["schema"].get("type") == "integer":
                assert p["schema"]["maximum"] <= MAX, (where, p)


def _integers(schema, where):
    if isinstance(schema, list):
        for x in schema:
            yield from _integers(x, where)
    elif isinstance(schema, dict):
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else (kinds if isinstance(kinds, list) else [])
        if "integer" in kinds or "number" in kinds:
            yield where, schema
        for k, v in schema.items():
            yield from _integers(v, f"{where}/{k}")


def test_every_integer_of_every_input_is_bounded(shared_hub):
    doc = requests.get(f"{shared_hub.url}/api/openapi.json", timeout=30).json()
    seen = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            inputs = [p["schema"] for p in op["parameters"]]
            if op.get("requestBody"):
                inputs.append(op["requestBody"]["content"]["application/json"]["schema"])
            for where, schema in _integers(inputs, f"{method} {path}"):
                seen += 1
                assert "minimum" in schema and "maximum" in schema, where
                if "integer" in (schema["type"] if isinstance(schema["type"], list) else [schema["type"]]):
                    assert -(2**63) <= schema["minimum"] and schema["maximum"] <= MAX, where
    assert seen > 10


def test_validators_are_built_once_per_route_not_per_request(tmp_path):
    """The framework compiles each route's schemas when the route is declared: a request builds
    no validator for a whole body or query schema (the validator's own descent into sub-schemas
    is not counted)."""
    from jsonschema import Draft202012Validator

    from server.api import framework
    from server.app import create_app

    app = create_app(tmp_path / "hub.sqlite")
    client = app.test_client()
    roots = {id(s.body) for s in framework.SPECS if s.body} | {id(s.query) for s in framework.SPECS if s.query}
    built = []
    original = Draft202012Validator.__init__

    def counting(self, *a, **kw):
        schema = kw.get("schema", a[0] if a else None)
        if id(schema) in roots:
            built.append(schema)
        original(self, *a, **kw)

    Draft202012Validator.__init__ = counting
    try:
        for _ in range(3):
            assert client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x"}).status_code == 401
            assert client.post("/api/v1/auth/login", json={"login": 5}).status_code == 400
            r = client.get("/api/v1/offices/demo/reports/yearly?year=1")
            assert r.status_code in (400, 401)
    finally:
        Draft202012Validator.__init__ = original
    assert built == []


# ------------------------------------------------------------------ where the hub listens

def _talon(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on ``port``: the hub's own view."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def _start_hub(db, *extra):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "hub", "--db", str(db), "--port", str(port),
                             "--no-announce", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            return proc, port, False
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/offices", timeout=1).status_code == 200:
                return proc, port, True
        except requests.RequestException:
            time.sleep(0.1)
    return proc, port, False


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()


def test_hub_listens_on_this_computer_only_by_default(tmp_path):
    db = tmp_path / "hub.sqlite"
    assert _talon("init", "--db", str(db), "--demo").returncode == 0
    proc, port, up = _start_hub(db)
    try:
        assert up, proc.stdout.read() if proc.poll() is not None else "hub did not start"
        assert _listening(port) == ["0100007F"]  # 127.0.0.1, and nothing else
    finally:
        _stop(proc)


def _network_refusal(db, host="0.0.0.0"):
    port = free_port()
    r = _talon("hub", "--db", str(db), "--host", host, "--port", str(port), "--no-announce")
    return r, port


def test_hub_refuses_the_network_while_a_demo_password_is_unchanged(tmp_path):
    db = tmp_path / "hub.sqlite"
    assert _talon("init", "--db", str(db), "--demo").returncode == 0
    for host in ("0.0.0.0", "::"):
        r, port = _network_refusal(db, host)
        assert r.returncode != 0
        assert "демонстрационные пароли" in r.stderr and "admin" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert _listening(port) == []

    # change every demo password but one operator's through the real API, on a loopback hub
    hub = HubProcess(db, demo=False).start()
    try:
        admin = hub.client("admin")
        users = {u["login"]: u for u in admin.request("GET", "/api/v1/users")}
        for login in DEMO_PASSWORDS:
            if login == "op3":
                continue
            u = users[login]
            admin.request("PUT", f"/api/v1/users/{login}",
                          json={"login": login, "name": u["name"], "roles": u["roles"], "office": u["office"],
                                "password": f"{login}-Новый-пароль-2026"})
    finally:
        hub.stop()
    r, _ = _network_refusal(db)
    assert r.returncode != 0 and "op3" in r.stderr and "admin" not in r.stderr, r.stderr

    # with op3's changed too, the hub listens on every interface
    hub = HubProcess(db, demo=False).start()
    try:
        admin = hub.client()
        admin.login("admin", "admin-Новый-пароль-2026")
        op3 = users["op3"]
        admin.request("PUT", "/api/v1/users/op3", json={"login": "op3", "name": op3["name"], "roles": op3["roles"],
                                                        "office": op3["office"], "password": "op3-Новый-пароль-2026"})
    finally:
        hub.stop()
    proc, port, up = _start_hub(db, "--host", "0.0.0.0")
    try:
        assert up, proc.stdout.read() if proc.poll() is not None else "hub did not start"
        assert _listening(port) == ["00000000"]  # 0.0.0.0
    finally:
        _stop(proc)


def test_loopback_names_are_allowed_with_demo_passwords(tmp_path):
    db = tmp_path / "hub.sqlite"
    assert _talon("init", "--db", str(db), "--demo").returncode == 0
    proc, port, up = _start_hub(db, "--host", "localhost")
    try:
        assert up, proc.stdout.read() if proc.poll() is not None else "hub did not start"
        assert all(a in ("0100007F", "00000000000000000000000001000000") for a in _listening(port))
    finally:
        _stop(proc)


def test_loopback_rule():
    from server.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.10")
    assert not is_loopback("no-such-host.invalid")
    with socket.socket() as s:  # the test itself needs no network
        s.bind(("127.0.0.1", 0))
