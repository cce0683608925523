"""The visitor page's event stream rides on the office's broadcaster (server/events.py), like every
other stream (issue 15 point 2): no loop of its own per phone. In-process (Flask's test client) so
that the office's stream can be looked into; the page's behaviour over a real hub is pinned in
tests/test_visitor_http.py and tests/test_visitor_browser.py."""
from __future__ import annotations

import time

import pytest

from server.app import create_app
from server.cli import create_demo
from server.store import Store
from server.web.visitor_stream import ViewSubscriber

OFFICE = "demo"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    db = tmp_path_factory.mktemp("stream") / "hub.sqlite"
    create_demo(Store(db), round_the_clock=True)
    app = create_app(db)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"login": "admin", "password": "admin-demo"}).get_json()["token"]
    return app, client, {"Authorization": f"Bearer {token}"}


def frames(chunks, until, timeout=15.0) -> list[str]:
    """Read SSE frames off the stream until ``until(frames)`` (or the stream ends, or the time is up)."""
    got, buffer, deadline = [], "", time.monotonic() + timeout
    for chunk in chunks:
        buffer += chunk.decode()
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            got.append(frame)
        if until(got) or time.monotonic() > deadline:
            break
    return got


def test_the_view_follows_the_ticket_through_the_broadcaster(hall):
    app, client, auth = hall
    hub = app.config["TALON_HUB"]
    state = app.extensions["talon_visitor"]
    office_stream = hub.stream(OFFICE)
    ticket = client.post(f"/api/v1/offices/{OFFICE}/tickets", json={"service": "consult"}, headers=auth).get_json()
    window = next(w for w in client.get(f"/api/v1/offices/{OFFICE}/state", headers=auth).get_json()["windows"]
                  if w["number"] == 1)

    resp = client.get(ticket["url"] + "/events", buffered=False)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    chunks = iter(resp.response)
    first = frames(chunks, lambda got: len(got) >= 1)
    assert "event: ticket" in first[0] and '"state":"waiting"' in first[0] and first[0].startswith("retry: 2000")

    # the office's broadcaster holds this phone's subscriber: no thread of the stream's own waits on the log
    subs = [s for s in office_stream.subs if isinstance(s, ViewSubscriber)]
    assert len(subs) == 1 and subs[0].found.ticket == ticket["id"]
    assert office_stream._broadcaster is not None and office_stream._broadcaster.is_alive()
    assert state.streams == 1

    assert client.post(f"/api/v1/windows/{window['id']}/open", json={}, headers=auth).status_code == 200
    assert client.post(f"/api/v1/windows/{window['id']}/call", json={"ticket": ticket["id"]},
                       headers=auth).status_code == 200
    called = frames(chunks, lambda got: any("Вас приглашают к окну 1" in f for f in got))
    assert any("Вас приглашают к окну 1" in f for f in called), called

    for action in ("start", "finish"):
        assert client.post(f"/api/v1/tickets/{ticket['id']}/{action}", json={}, headers=auth).status_code == 200
    rest = frames(chunks, lambda got: False)  # read to the end: a final view ends the stream
    assert any('"final":true' in f for f in rest), rest
    # this visitor's own view only: the office's events are never forwarded to the phone
    assert not [f for f in first + called + rest if "event: ticket." in f or "event: window." in f or "hello" in f]
    resp.close()

    deadline = time.monotonic() + 10
    while (state.streams or any(isinstance(s, ViewSubscriber) for s in office_stream.subs)) and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.streams == 0
    assert not [s for s in office_stream.subs if isinstance(s, ViewSubscriber)]


def test_a_finished_visit_gets_its_view_and_the_stream_ends_without_a_subscriber(hall):
    app, client, auth = hall
    office_stream = app.config["TALON_HUB"].stream(OFFICE)
    ticket = client.post(f"/api/v1/offices/{OFFICE}/tickets", json={"service": "consult"}, headers=auth).get_json()
    assert client.post(f"/api/v1/tickets/{ticket['id']}/cancel", json={}, headers=auth).status_code == 200
    before = len(office_stream.subs)
    resp = client.get(ticket["url"] + "/events", buffered=False)
    got = frames(iter(resp.response), lambda got: False)
    assert len(got) == 1 and '"final":true' in got[0] and '"state":"cancelled"' in got[0]
    assert len(office_stream.subs) == before
    resp.close()
