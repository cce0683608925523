"""The real hub over HTTP: transitions, refusals that change nothing, numbering across a restart
and midnight, roles on every mutating route, and input validation."""
import re
import sqlite3

import pytest
import requests

from hub_client import HubError

ACTIONS = ["recall", "start", "finish", "no-show", "cancel", "phase", "transfer", "postpone", "resolve"]
BODIES = {"phase": {"phase": "digital"}, "transfer": {"service": "cash"}}
ALLOWED = {
    "waiting": {"cancel", "transfer", "resolve"},
    "called": {"recall", "start", "no-show", "cancel", "transfer", "postpone"},
    "serving": {"finish", "phase", "transfer", "postpone"},
    "finished": set(), "no_show": set(), "cancelled": set(),
}


def window_ids(client):
    return {w["number"]: w["id"] for w in client.state("demo")["windows"]}


def last_seq(hub):
    return requests.get(f"{hub.url}/api/openapi.json").ok and hub.client("admin").state("demo")["seq"]


def ticket_in(admin, state, window):
    t = admin.issue("demo", "consult")
    if state == "waiting":
        return t
    called = admin.call(window, t["id"])
    assert called["state"] == "called"
    if state == "serving":
        admin.act(t["id"], "start")
    elif state == "finished":
        admin.act(t["id"], "start")
        admin.act(t["id"], "finish")
    elif state == "no_show":
        admin.act(t["id"], "no-show")
    elif state == "cancelled":
        admin.act(t["id"], "cancel")
    return admin.ticket(t["id"])


def test_every_invalid_transition_is_409_and_changes_nothing(shared_hub):
    admin = shared_hub.client("admin")
    w = window_ids(admin)[1]
    admin.window(w, "open")
    for state, allowed in ALLOWED.items():
        t = ticket_in(admin, state, w)
        assert t["state"] == state
        for action in ACTIONS:
            if action in allowed:
                continue
            seq = admin.state("demo")["seq"]
            with pytest.raises(HubError) as e:
                admin.act(t["id"], action, **BODIES.get(action, {}))
            assert e.value.status == 409, (state, action, e.value.message)
            assert admin.ticket(t["id"])["state"] == state
            assert admin.state("demo")["seq"] == seq  # no event was written
        # leave the window free for the next state
        now = admin.ticket(t["id"])
        if now["state"] == "called":
            admin.act(t["id"], "no-show")
        elif now["state"] == "serving":
            admin.act(t["id"], "finish")


def test_every_valid_transition_over_http(shared_hub):
    admin = shared_hub.client("admin")
    w = window_ids(admin)
    admin.window(w[2], "open")
    t = admin.issue("demo", "consult_cash")
    assert t["state"] == "waiting" and re.fullmatch(r"В-\d{3}", t["code"])
    got = admin.call(w[2], t["id"])
    assert got["state"] == "called" and got["window_number"] == 2
    assert admin.act(t["id"], "recall")["recalls"] == 1
    assert admin.act(t["id"], "start")["state"] == "serving"
    assert admin.act(t["id"], "phase", phase="digital")["phase"] == "digital"
    assert admin.act(t["id"], "phase", phase=None)["phase"] is None
    moved = admin.act(t["id"], "transfer", service="cash")
    assert (moved["state"], moved["code"], moved["service"]) == ("waiting", t["code"], "cash")
    assert moved["id"] == t["id"] and moved["segments"] == 2
    admin.call(w[2], t["id"])
    admin.act(t["id"], "postpone")
    admin.call(w[2], t["id"])
    admin.act(t["id"], "start")
    done = admin.act(t["id"], "finish", outcome="paid")
    assert (done["state"], done["outcome"]) == ("finished", "paid")
    # the others: no-show, cancel, resolve by the administrator
    a = admin.issue("demo", "consult")
    admin.call(w[2], a["id"])
    assert admin.act(a["id"], "no-show")["state"] == "no_show"
    b = admin.issue("demo", "consult")
    assert admin.act(b["id"], "cancel", reason="ушёл")["state"] == "cancelled"
    c = admin.issue("demo", "consult")
    resolved = admin.act(c["id"], "resolve")
    assert (resolved["state"], resolved["outcome"]) == ("finished", "resolved")


def test_numbering_continues_across_a_restart_and_restarts_after_midnight(hub):
    admin = hub.client("admin")
    codes = [admin.issue("demo", "cash")["code"] for _ in range(3)]
    assert codes == ["Б-001", "Б-002", "Б-003"]
    hub.stop()
    hub.start()
    admin = hub.client("admin")
    assert admin.issue("demo", "cash")["code"] == "Б-004"
    day = admin.state("demo")["day"]
    # move the hub's clock to the next office day
    requests.post(f"{hub.url}/api/v1/testing/clock", json={"advance": 86400},
                  headers=admin.headers()).raise_for_status()
    nxt = admin.issue("demo", "cash")
    assert nxt["code"] == "Б-001" and nxt["day"] != day
    state = admin.state("demo")
    assert [t["code"] for t in state["waiting"]] == ["Б-001"]  # yesterday's ended with the day
    with sqlite3.connect(hub.db) as db:                         # … and the store says so
        ended = db.execute("SELECT code, state, outcome FROM tickets WHERE day = ? ORDER BY id", (day,)).fetchall()
    assert ended == [(code, "cancelled", "expired") for code in codes + ["Б-004"]]
    hub.stop()
    hub.start()
    admin = hub.client("admin")
    requests.post(f"{hub.url}/api/v1/testing/clock", json={"advance": 86400},
                  headers=admin.headers()).raise_for_status()
    assert admin.issue("demo", "cash")["code"] == "Б-002"


def test_idempotency_key_returns_the_same_ticket(shared_hub):
    kiosk = shared_hub.client(token=shared_hub.kiosk_key)
    a = kiosk.issue("demo", "owner", idempotency_key="touch-1")
    b = kiosk.issue("demo", "owner", idempotency_key="touch-1")
    assert a["id"] == b["id"] and a["code"] == b["code"]
    with pytest.raises(HubError) as e:
        kiosk.issue("demo", "cash", idempotency_key="touch-1")
    assert e.value.status == 409


def fill_path(path, ids):
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_every_mutating_route_needs_a_token_and_the_right_role(shared_hub):
    doc = requests.get(f"{shared_hub.url}/api/openapi.json").json()
    admin = shared_hub.client("admin")
    t = admin.issue("demo", "consult")
    ids = {"office": "demo", "ticket": t["id"], "window": window_ids(admin)[6], "service": "consult",
           "login": "op1", "alert": "x", "token": "x", "code": "00000000", "visit": 1, "req": 1}
    tokens = {
        "operator": shared_hub.client("op1").token,
        "administrator": shared_hub.client("hall").token,
        "head": shared_hub.client("head").token,
        "kiosk": shared_hub.kiosk_key,
        "board": shared_hub.board_key,
        "admin": admin.token,
    }
    checked = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method not in ("post", "put", "delete", "patch") or op.get("x-public"):
                continue
            url = shared_hub.url + fill_path(path, ids)
            seq = admin.state("demo")["seq"]
            r = requests.request(method, url, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.json()["error"] == "unauthorized"
            allowed = set(op["x-roles"])
            for role, token in tokens.items():
                if role in allowed:
                    continue
                # a principal holding this role only (the demo admin holds three roles)
                if role == "admin":
                    continue
                r = requests.request(method, url, json={}, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 403, (method, path, role, r.status_code, r.text)
            assert admin.state("demo")["seq"] == seq, (method, path)
            checked += 1
    assert checked >= 25


@pytest.mark.parametrize("body, field", [
    ({}, "service"), ({"service": 5}, "service"), ({"service": "consult", "priority": 99}, "priority"),
    ({"service": "consult", "client_type": "martian"}, "client_type"), ({"service": "consult", "x": 1}, ""),
])
def test_bad_input_is_400_with_a_russian_message_and_changes_nothing(shared_hub, body, field):
    admin = shared_hub.client("admin")
    seq = admin.state("demo")["seq"]
    r = requests.post(f"{shared_hub.url}/api/v1/offices/demo/tickets", json=body, headers=admin.headers())
    assert r.status_code == 400
    assert r.json()["error"] == "invalid" and "Неверные данные" in r.json()["message"]
    assert admin.state("demo")["seq"] == seq


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/offices/demo/tickets", "not json"),
    ("post", "/api/v1/tickets/999999/finish", {}),
    ("post", "/api/v1/windows/999999/call-next", {}),
    ("post", "/api/v1/tickets/abc/start", {}),
    ("get", "/api/v1/offices/nowhere/state", None),
    ("post", "/api/v1/windows/1/pause", {"reason": "sleep"}),
    ("put", "/api/v1/offices/demo/settings", {"profile": "nope"}),
    ("put", "/api/v1/offices/demo/settings", {"schedule": {"week": {"mon": {"open": "25:00", "close": "10:00"}}}}),
    ("put", "/api/v1/offices/demo/settings", {"schedule": {"tz": "Mars/Base", "week": {}}}),
    ("post", "/api/v1/offices/demo/services", {"id": "x", "letter": "1", "name": "Тест"}),
    ("post", "/api/v1/users", {"login": "новый", "name": "Тест", "roles": ["operator"]}),
    ("delete", "/api/v1/offices/demo/services/consult", None),
])
def test_bad_requests_never_500_and_change_nothing(shared_hub, method, path, body):
    admin = shared_hub.client("admin")
    seq = admin.state("demo")["seq"]
    settings = admin.get("/api/v1/offices/demo/settings")
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    r = requests.request(method, shared_hub.url + path, headers=admin.headers(), **kwargs)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    assert set(r.json()) >= {"error", "message"}
    assert admin.state("demo")["seq"] == seq
    assert admin.get("/api/v1/offices/demo/settings") == settings


def test_login_rejects_bad_passwords_and_pins(shared_hub):
    c = shared_hub.client()
    with pytest.raises(HubError) as e:
        c.login("op1", "wrong")
    assert e.value.status == 401
    assert c.login("op1", pin="1111")["roles"] == ["operator"]
    with pytest.raises(HubError):
        c.login("op1", pin="9999")


def test_device_pairing_with_a_one_time_code(shared_hub):
    hall = shared_hub.client("hall")
    device = hall.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": "Киоск 2"})
    kiosk = shared_hub.client()
    paired = kiosk.pair(device["pairing_code"])
    assert paired["roles"] == ["kiosk"] and kiosk.me()["device"] == device["id"]
    with pytest.raises(HubError) as e:
        shared_hub.client().pair(device["pairing_code"])  # used once only
    assert e.value.status == 404


def test_openapi_document_is_valid_and_covers_every_api_route(shared_hub):
    from openapi_spec_validator import validate

    doc = requests.get(f"{shared_hub.url}/api/openapi.json").json()
    validate(doc)
    from server.app import create_app
    app = create_app(shared_hub.db.with_name("spec.sqlite"))
    rules = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule), m.lower())
             for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")
             for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert rules <= documented, rules - documented


def test_the_issue_answer_tells_people_ahead_and_estimate_as_a_later_look_does(hub):
    """The answer to an issue is computed the short way; it must agree with the full projection."""
    admin = hub.client("admin")
    kiosk = hub.client(token=hub.kiosk_key)
    window = window_ids(admin)[3]
    admin.window(window, "open")
    issued = [kiosk.issue("demo", service) for service in
              ("owner", "contract", "owner", "owner", "certificate", "owner")]
    assert [t["people_ahead"] for t in issued if t["service"] == "owner"] == [0, 1, 2, 3]
    for t in issued:
        later = admin.ticket(t["id"])
        assert later["people_ahead"] == t["people_ahead"], t["code"]
        assert t["estimate_now"] == t["estimate"]
        assert later["estimate_now"] is not None
