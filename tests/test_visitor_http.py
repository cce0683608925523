"""The visitor's page and the rating against a real hub process over HTTP: what the page shows
(and never shows), the per-ticket stream, the rating rules with the row and the event read back
from the SQLite file, CSRF, polite pages for made-up and expired tokens, rate limits, and the
desk QR of 001:509."""
import json
import re
import sqlite3
import threading
import time

import pytest
import requests
from support import empty_hall

from hub_client import EventStream, HubError

NOT_SHOWN = ("Traceback", "Werkzeug", "Internal Server Error", "Exception", "File \"")


def window_ids(client):
    return {w["number"]: w["id"] for w in client.state("demo")["windows"]}


@pytest.fixture
def admin(shared_hub):
    """The admin client, with the hall emptied first: no waiting tickets, every window closed."""
    return empty_hall(shared_hub.client("admin"))


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="ticket-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def rows(hub, sql, params=()):
    with sqlite3.connect(hub.db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def rate(hub, ticket, score=5, comment="", csrf=None, **kw):
    if csrf is None:
        csrf = page_data(requests.get(hub.url + ticket["url"]).text)["csrf"]
    return requests.post(f"{hub.url}{ticket['url']}/rating", json={"score": score, "comment": comment},
                         headers={"X-CSRF-Token": csrf}, **kw)


def serve(op, window, ticket, finish=True):
    op.call(window, ticket["id"])
    op.act(ticket["id"], "start")
    if finish:
        op.act(ticket["id"], "finish")


class Sse:
    """A per-ticket stream read line by line: ``next()`` gives (event, data) or fails on timeout."""

    def __init__(self, url):
        self.resp = requests.get(url, stream=True, timeout=(5, 12))
        self.lines = self.resp.iter_lines(decode_unicode=True)
        self.raw = []

    def next(self):
        kind, data = None, None
        for line in self.lines:
            self.raw.append(line)
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and kind:
                return kind, data
        return None, None

    def until(self, check, limit=6):
        """The first view that passes ``check`` (views in between must differ from each other)."""
        previous = None
        for _ in range(limit):
            kind, view = self.next()
            assert kind == "ticket", (kind, view)
            assert view != previous  # a view is sent only when it changed
            if check(view):
                return view
            previous = view
        raise AssertionError("the stream did not bring the expected view")

    def close(self):
        self.resp.close()


# ---------------------------------------------------------------------- the page

def test_the_page_shows_this_ticket_only_with_people_ahead_and_estimate(shared_hub, admin):
    w = window_ids(admin)
    admin.window(w[1], "open")
    others = [admin.issue("demo", "consult") for _ in range(3)]
    cash = admin.issue("demo", "cash")
    mine = admin.issue("demo", "consult")
    resp = requests.get(shared_hub.url + mine["url"])
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    html = resp.text
    assert mine["code"] in html and "Консультация" in html
    assert "Перед Вами 3 человека" in html and "Примерное время ожидания:" in html
    for other in others + [cash]:
        assert other["code"] not in html and other["url"] not in html
    assert "Администратор" not in html and "op1" not in html  # no staff names, no logins
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert "noindex" in resp.headers["X-Robots-Tag"]
    assert "<script>" not in html  # no inline script (the CSP would block it anyway)
    data = page_data(html)
    assert data["view"]["ahead"] == 3 and data["view"]["code"] == mine["code"]
    assert data["urls"]["events"] == mine["url"] + "/events"
    view = requests.get(shared_hub.url + mine["url"] + ".json").json()
    assert view == data["view"]
    assert not any(o["code"] in json.dumps(view, ensure_ascii=False) for o in others)


@pytest.mark.parametrize("path", ["/t/AAAAAAAAAAAAAAAAAAAAAA", "/t/short", "/t/" + "x" * 300,
                                  "/t/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/t/..%2F..%2Fetc%2Fpasswd", "/t/",
                                  "/t/AAAAAAAAAAAAAAAAAAAAAA/rating", "/t/a/b/c", "/w/1/rate",
                                  "/w/1/rate?k=forged-key-12345",
                                  "/w/99999/rate?k=AAAAAAAAAAAAAAAAAAAAAA", "/w/abc/rate"])
def test_made_up_addresses_get_a_polite_russian_page(shared_hub, path):
    resp = requests.get(shared_hub.url + path)
    assert resp.status_code == 404, resp.text[:300]
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "Талон не найден" in resp.text or "QR-код не распознан" in resp.text
    assert "пожалуйста" in resp.text.lower()
    assert not any(word in resp.text for word in NOT_SHOWN)
    assert "<script>" not in resp.text


def test_made_up_token_json_and_stream_answer_json_404(shared_hub):
    for suffix in (".json", "/events"):
        resp = requests.get(f"{shared_hub.url}/t/AAAAAAAAAAAAAAAAAAAAAB{suffix}", timeout=5)
        assert resp.status_code == 404
        assert resp.json()["error"] == "not_found" and "не нашли" in resp.json()["message"]


# ---------------------------------------------------------------------- the live stream

def test_the_stream_follows_the_queue_and_sends_only_this_visitor(shared_hub, admin):
    w = window_ids(admin)
    op1, op2 = shared_hub.client("op1"), shared_hub.client("op2")
    op1.window(w[1], "open")
    first = admin.issue("demo", "consult")
    second = admin.issue("demo", "consult")
    mine = admin.issue("demo", "consult")
    stream = Sse(f"{shared_hub.url}{mine['url']}/events")
    try:
        assert stream.resp.headers["Content-Type"].startswith("text/event-stream")
        kind, view = stream.next()
        assert kind == "ticket" and view["ahead"] == 2 and view["state"] == "waiting"

        op1.call(w[1], first["id"])  # the queue moves: one fewer ahead
        kind, view = stream.next()
        assert view["ahead"] == 1 and view["say"]["ahead"] == "Перед Вами 1 человек"
        admin.issue("demo", "cash")  # another topic: at most the estimate changes
        admin.act(second["id"], "cancel")
        view = stream.until(lambda v: v["ahead"] == 0)
        assert view["say"]["ahead"].startswith("Перед Вами никого нет")

        op2.window(w[2], "open")
        op2.call(w[2], mine["id"])
        view = stream.until(lambda v: v["state"] == "called")  # opening window 2 may change the estimate first
        assert view["window"] == 2
        assert view["say"]["call"] == "Вас приглашают к окну 2"
        op2.act(mine["id"], "recall")
        kind, view = stream.next()
        assert view["recalls"] == 1
        op2.act(mine["id"], "start")
        assert stream.next()[1]["say"]["serving"] == "Вас обслуживают в окне 2"
        op2.act(mine["id"], "finish")
        kind, view = stream.next()
        assert view["final"] and view["can_rate"] and view["state"] == "finished"
        assert stream.next() == (None, None)  # the stream ends after the final view
    finally:
        stream.close()
    raw = "\n".join(stream.raw)
    assert first["code"] not in raw and second["code"] not in raw and "Б-" not in raw
    assert "op2" not in raw and "token" not in raw


# ---------------------------------------------------------------------- the rating

def test_rating_only_after_the_visit_once_tied_to_window_and_operator(shared_hub, admin):
    w = window_ids(admin)
    op3 = shared_hub.client("op3")
    op3.window(w[3], "open")
    t = admin.issue("demo", "consult")
    csrf = page_data(requests.get(shared_hub.url + t["url"]).text)["csrf"]
    seen = []
    follower = EventStream(shared_hub.url, "demo", admin.token, on_event=seen.append).start()
    try:
        for step in ("waiting", "called", "serving"):
            if step == "called":
                op3.call(w[3], t["id"])
            if step == "serving":
                op3.act(t["id"], "start")
            resp = rate(shared_hub, t, 5, csrf=csrf)
            assert resp.status_code == 409, step
            assert resp.json()["error"] == "not_finished"
            assert resp.json()["message"] == "Оценить обслуживание можно после окончания приёма"
            assert resp.json()["view"]["state"] == step
        assert rows(shared_hub, "SELECT * FROM ratings WHERE ticket = ?", (t["id"],)) == []
        op3.act(t["id"], "finish")

        resp = rate(shared_hub, t, 4, "Всё объяснили, спасибо", csrf=csrf)
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["view"]["rated"] and body["view"]["score"] == 4 and not body["view"]["can_rate"]
        assert body["view"]["say"]["thanks"] == "Спасибо за оценку! Ваша оценка: 4 из 5 — хорошо."

        second = rate(shared_hub, t, 1, "передумал", csrf=csrf)
        assert second.status_code == 409 and second.json()["error"] == "already_rated"
        assert second.json()["message"] == "Оценка за этот визит уже получена. Спасибо!"

        got = rows(shared_hub, "SELECT * FROM ratings WHERE ticket = ?", (t["id"],))
        assert len(got) == 1
        row = got[0]
        assert (row["score"], row["comment"], row["window"], row["operator"], row["service"], row["office"]) == \
            (4, "Всё объяснили, спасибо", w[3], "op3", "consult", "demo")
        ticket_row = rows(shared_hub, "SELECT day FROM tickets WHERE id = ?", (t["id"],))[0]
        assert row["day"] == ticket_row["day"]
        events = rows(shared_hub, "SELECT * FROM events WHERE type = 'rating.given'")
        mine = [e for e in events if json.loads(e["data"])["ticket"] == t["id"]]
        assert len(mine) == 1
        data = json.loads(mine[0]["data"])
        assert data == {"ticket": t["id"], "score": 4, "service": "consult", "window": w[3],
                        "operator": "op3", "commented": True}
        deadline = time.time() + 5
        while time.time() < deadline and not any(e.type == "rating.given" for e in seen):
            time.sleep(0.05)
        live = [e for e in seen if e.type == "rating.given"]
        assert live and "Всё объяснили" not in json.dumps(live[0].data, ensure_ascii=False)
    finally:
        follower.stop()

    from server.domain.rating import summarize
    summary = summarize(rows(shared_hub, "SELECT * FROM ratings WHERE ticket = ?", (t["id"],)))
    assert summary["count"] == 1 and summary["by_operator"][0]["operator"] == "op3"


def test_csrf_and_bad_input_are_refused_and_change_nothing(shared_hub, admin):
    w = window_ids(admin)
    op4 = shared_hub.client("op4")
    op4.window(w[4], "open")
    t = admin.issue("demo", "cash")
    serve(op4, w[4], t)
    url = f"{shared_hub.url}{t['url']}/rating"
    seq = admin.state("demo")["seq"]
    no_csrf = requests.post(url, json={"score": 5})
    assert no_csrf.status_code == 403 and "Обновите её, пожалуйста" in no_csrf.json()["message"]
    other = admin.issue("demo", "cash")
    wrong = rate(shared_hub, t, 5, csrf=page_data(requests.get(shared_hub.url + other["url"]).text)["csrf"])
    assert wrong.status_code == 403  # another ticket's CSRF value does not fit
    serve(op4, w[4], other)
    for score in (0, 6, "пять", None, 4.5, [5], True):
        resp = rate(shared_hub, other, score)
        assert resp.status_code == 400 and resp.json()["error"] == "bad_score", score
        assert resp.json()["message"] == "Выберите, пожалуйста, оценку от 1 до 5"
    csrf = page_data(requests.get(shared_hub.url + t["url"]).text)["csrf"]
    long = rate(shared_hub, t, 5, "а" * 1001, csrf=csrf)
    assert long.status_code == 400 and "не больше 1000 знаков" in long.json()["message"]
    garbage = requests.post(url, data=b"{not json", headers={"Content-Type": "application/json",
                                                             "X-CSRF-Token": csrf})
    assert garbage.status_code == 400 and "message" in garbage.json()
    listed = requests.post(url, json=[1, 2], headers={"X-CSRF-Token": csrf})
    assert listed.status_code == 400
    huge = requests.post(url, data=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and not any(word in huge.text for word in NOT_SHOWN)
    assert rows(shared_hub, "SELECT * FROM ratings WHERE ticket IN (?, ?)", (t["id"], other["id"])) == []
    assert admin.state("demo")["seq"] == seq + 4  # only the other ticket's issue, call, start, finish


def test_the_form_works_without_javascript(shared_hub, admin):
    w = window_ids(admin)
    op5 = shared_hub.client("op5")
    op5.window(w[5], "open")
    t = admin.issue("demo", "instalment")
    serve(op5, w[5], t)
    page = requests.get(shared_hub.url + t["url"]).text
    assert 'id="rating-form"' in page and 'method="post"' in page
    csrf = page_data(page)["csrf"]
    resp = requests.post(f"{shared_hub.url}{t['url']}/rating", data={"score": "5", "comment": "", "csrf": csrf},
                         allow_redirects=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(t["url"] + "#rating")
    page = requests.get(shared_hub.url + t["url"]).text
    assert "Спасибо за оценку! Ваша оценка: 5 из 5 — отлично." in page
    # the form's address opened in a browser leads to the page
    reopened = requests.get(f"{shared_hub.url}{t['url']}/rating", allow_redirects=False)
    assert reopened.status_code == 303 and reopened.headers["Location"].endswith(t["url"] + "#rating")
    again = requests.post(f"{shared_hub.url}{t['url']}/rating", data={"score": "1", "csrf": csrf})
    assert again.status_code == 409 and "Оценка за этот визит уже получена" in again.text
    assert again.headers["Content-Type"].startswith("text/html")
    assert rows(shared_hub, "SELECT score FROM ratings WHERE ticket = ?", (t["id"],)) == [{"score": 5}]


def test_two_ratings_at_once_give_one_row(shared_hub, admin):
    w = window_ids(admin)
    op6 = shared_hub.client("op6")
    op6.window(w[6], "open")
    t = admin.issue("demo", "contract")
    serve(op6, w[6], t)
    csrf = page_data(requests.get(shared_hub.url + t["url"]).text)["csrf"]
    results = []
    threads = [threading.Thread(target=lambda s=s: results.append(rate(shared_hub, t, s, csrf=csrf).status_code))
               for s in (1, 2, 3, 4, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [201, 409, 409, 409, 409]
    assert len(rows(shared_hub, "SELECT * FROM ratings WHERE ticket = ?", (t["id"],))) == 1


def test_no_show_and_cancelled_tickets_show_a_polite_end_and_take_no_rating(shared_hub, admin):
    w = window_ids(admin)
    admin.window(w[1], "open")
    gone = admin.issue("demo", "consult")
    admin.call(w[1], gone["id"])
    admin.act(gone["id"], "no-show")
    left = admin.issue("demo", "cash")
    admin.act(left["id"], "cancel")
    for t, words in ((gone, "не дождались"), (left, "Талон отменён")):
        html = requests.get(shared_hub.url + t["url"]).text
        assert words in html and "администратору зала" in html
        assert page_data(html)["view"]["can_rate"] is False
        resp = rate(shared_hub, t, 5)
        assert resp.status_code == 409 and resp.json()["error"] == "not_served"


# ---------------------------------------------------------------------- the desk QR (001:509)

def test_desk_qr_link_for_administrators_redirects_to_the_visit_at_that_window(shared_hub, admin):
    w = window_ids(admin)
    with pytest.raises(HubError) as e:
        shared_hub.client().get(f"/api/v1/windows/{w[2]}/rating-link")
    assert e.value.status == 401
    with pytest.raises(HubError) as e:
        shared_hub.client("op2").get(f"/api/v1/windows/{w[2]}/rating-link")
    assert e.value.status == 403
    with pytest.raises(HubError) as e:
        admin.get("/api/v1/windows/99999/rating-link")
    assert e.value.status == 404
    link = shared_hub.client("hall").get(f"/api/v1/windows/{w[2]}/rating-link")
    assert link["number"] == 2 and link["url"] == shared_hub.url + link["path"]
    assert link == admin.get(f"/api/v1/windows/{w[2]}/rating-link")  # stable: it is printed once
    other = admin.get(f"/api/v1/windows/{w[3]}/rating-link")
    assert other["path"].split("k=")[1] != link["path"].split("k=")[1]

    # nobody served at window 2 in the last 10 minutes: a polite page, no redirect
    admin.post("/api/v1/testing/clock", {"advance": 11 * 60})
    resp = requests.get(link["url"], allow_redirects=False)
    assert resp.status_code == 200 and "Сейчас у окна 2 нет приёма, который можно оценить" in resp.text
    # window 3's key does not open window 2
    forged = requests.get(f"{shared_hub.url}/w/{w[2]}/rate?k={other['path'].split('k=')[1]}", allow_redirects=False)
    assert forged.status_code == 404

    op2 = shared_hub.client("op2")
    op2.window(w[2], "open")
    t = admin.issue("demo", "consult")
    serve(op2, w[2], t, finish=False)
    resp = requests.get(link["url"], allow_redirects=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(t["url"] + "#rating")
    page = requests.get(link["url"]).text  # the visitor's own page, waiting for the end of the visit
    assert "Вас обслуживают в окне 2" in page
    op2.act(t["id"], "finish")
    nxt = admin.issue("demo", "consult")
    op2.call(w[2], nxt["id"])  # the next visitor is only called: the desk QR still rates the last visit
    resp = requests.get(link["url"], allow_redirects=False)
    assert resp.headers["Location"].endswith(t["url"] + "#rating")
    page = requests.get(link["url"])
    csrf = page_data(page.text)["csrf"]
    assert rate(shared_hub, t, 5, csrf=csrf).status_code == 201

    svg = requests.get(f"{shared_hub.url}/api/v1/windows/{w[2]}/rating-qr.svg",
                       headers={"Authorization": f"Bearer {admin.token}"})
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml") and "<path" in svg.text


def test_openapi_lists_the_desk_routes(shared_hub):
    paths = requests.get(f"{shared_hub.url}/api/openapi.json").json()["paths"]
    assert paths["/api/v1/windows/{window}/rating-link"]["get"]["x-roles"] == ["administrator", "admin"]
    assert "/api/v1/windows/{window}/rating-qr.svg" in paths


# ---------------------------------------------------------------------- the day, and abuse

def test_a_ticket_of_an_earlier_day_gets_a_polite_gone_page(hub):
    admin = hub.client("admin")
    w = window_ids(admin)
    op1 = hub.client("op1")
    op1.window(w[1], "open")
    t = admin.issue("demo", "consult")
    serve(op1, w[1], t)
    csrf = page_data(requests.get(hub.url + t["url"]).text)["csrf"]
    admin.post("/api/v1/testing/clock", {"advance": 24 * 3600})
    resp = requests.get(hub.url + t["url"])
    assert resp.status_code == 410
    assert "Талон больше не действует" in resp.text and "новый талон" in resp.text
    assert not any(word in resp.text for word in NOT_SHOWN)
    assert requests.get(hub.url + t["url"] + ".json").status_code == 410
    late = rate(hub, t, 5, csrf=csrf)
    assert late.status_code == 410 and late.json()["error"] == "gone"
    assert rows(hub, "SELECT * FROM ratings") == []


def test_rate_limits_answer_429_politely(hub):
    admin = hub.client("admin")
    t = admin.issue("demo", "consult")
    session = requests.Session()
    # a phone that reloads its own page too often
    codes = [session.get(hub.url + t["url"] + ".json").status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
    resp = session.get(hub.url + t["url"])
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "Слишком много запросов" in resp.text and "подождите" in resp.text
    assert not any(word in resp.text for word in NOT_SHOWN)
    # another ticket from the same address is still served
    other = admin.issue("demo", "cash")
    assert session.get(hub.url + other["url"]).status_code == 200
    # guessing tokens: after 30 misses the address is paused, even for a real token
    misses = [session.get(f"{hub.url}/t/guess{i:020d}").status_code for i in range(30)]
    assert misses == [404] * 30
    blocked = session.get(f"{hub.url}/t/guess{99:020d}")
    assert blocked.status_code == 429 and "Слишком много запросов" in blocked.text
    assert session.get(hub.url + other["url"]).status_code == 429
    assert session.get(hub.url + other["url"] + ".json").json()["error"] == "too_many_requests"
    # the staff API is not limited by the visitor pages
    assert admin.state("demo")["seq"] > 0
