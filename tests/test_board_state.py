"""The board's state: built from a real hub's snapshot and events, and the texts it shows.

The state must end where the hub's own snapshot ends, whatever happened in between (calls,
recalls, transfers, no-shows, breaks), must ignore events it has already seen (a replay after a
reconnect), and must hold ticket codes and window numbers only.
"""
import dataclasses
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from display_board.state import (
    BoardState,
    Call,
    CallNews,
    WindowInfo,
    date_text,
    day_hours_text,
    info_slides,
    opening_text,
    today_hours,
    week_hours_lines,
    window_status_text,
)
from hub_client import EventStream
from server.demo import demo_definition

MSK = ZoneInfo("Europe/Moscow")


# --- texts for people ------------------------------------------------------------------------

def test_week_hours_of_the_demo_office_grouped_in_plain_words():
    schedule = demo_definition(round_the_clock=False)["office"]["schedule"]
    assert week_hours_lines(schedule) == [
        "понедельник – пятница: 8:00–20:00, перерыв 13:00–14:00",
        "суббота: 9:00–15:00",
        "воскресенье — выходной",
    ]


def test_week_hours_round_the_clock_and_weekend_pairs():
    assert week_hours_lines(demo_definition(round_the_clock=True)["office"]["schedule"]) == [
        "ежедневно, круглосуточно"]
    five = {d: {"open": "09:00", "close": "18:00"} for d in ("mon", "tue", "wed", "thu", "fri")}
    assert week_hours_lines({"week": {**five, "sat": None, "sun": None}}) == [
        "понедельник – пятница: 9:00–18:00", "суббота, воскресенье — выходные"]
    assert day_hours_text(None) == "выходной"
    assert day_hours_text({"open": "08:30", "close": "17:00", "break": ["12:00", "12:45"]}) == \
        "8:30–17:00, перерыв 12:00–12:45"


def test_today_special_hours_and_holidays():
    schedule = {"week": {}, "holidays": ["2026-11-04"], "special": {"2026-11-07": {"open": "10:00", "close": "14:00"}}}
    assert today_hours(schedule, datetime(2026, 11, 4).date()) == "сегодня праздничный день, приём не ведётся"
    assert today_hours(schedule, datetime(2026, 11, 7).date()) == "сегодня особый график: 10:00–14:00"
    assert today_hours(schedule, datetime(2026, 11, 5).date()) is None


def test_date_and_opening_time_in_russian():
    now = datetime(2026, 11, 23, 21, 5, tzinfo=MSK)   # a Monday evening
    assert date_text(now) == "понедельник, 23 ноября"
    assert opening_text("2026-11-24T08:00:00+03:00", now) == "Откроемся завтра в 8:00"
    assert opening_text("2026-11-23T21:30:00+03:00", now) == "Откроемся сегодня в 21:30"
    assert opening_text("2026-11-25T09:00:00+03:00", now) == "Откроемся в среду, 25 ноября, в 9:00"
    assert opening_text("2026-11-24T05:00:00+00:00", now) == "Откроемся завтра в 8:00"  # another zone
    assert opening_text(None, now) == ""


def test_info_slides_one_per_paragraph_then_contacts():
    texts = {"ticker": "Первый абзац.\n\n  Второй   абзац.\r\n", "phone": "8 800 000-00-00", "site": "energo.example"}
    assert info_slides(texts) == ["Первый абзац.", "Второй абзац.",
                                  "Телефон контакт-центра: 8 800 000-00-00. Сайт: energo.example"]
    assert info_slides({}) == []


def test_window_tile_words():
    assert window_status_text(WindowInfo(1, 1, "closed")) == "закрыто"
    assert window_status_text(WindowInfo(1, 1, "paused", "lunch")) == "перерыв"
    assert window_status_text(WindowInfo(1, 1, "open")) == "свободно"
    assert window_status_text(WindowInfo(1, 1, "open", ticket_code="А-012")) == "А-012"


def test_a_call_holds_a_code_and_a_window_number_and_nothing_personal():
    assert {f.name for f in dataclasses.fields(Call)} == {
        "ticket", "code", "window", "called_at", "recalls", "serving", "invited_at"}
    assert {f.name for f in dataclasses.fields(WindowInfo)} == {
        "id", "number", "state", "pause_reason", "ticket_code", "services"}


# --- against a real hub ----------------------------------------------------------------------

class Collector:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)

    def wait_seq(self, seq, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.events and self.events[-1].seq >= seq:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"event {seq} did not arrive")


def picture(state: BoardState) -> dict:
    """What the board would show, in comparable form."""
    return {
        "calls": sorted((c.ticket, c.code, str(c.window), c.serving) for c in state.calls.values()),
        "waiting": sorted(state.waiting.items()),
        "windows": sorted((w.id, str(w.number), w.state, w.ticket_code) for w in state.windows.values()),
        "per_topic": [(s.letter, n) for s, n in state.waiting_by_service()],
    }


def test_events_lead_to_the_same_board_as_the_hubs_snapshot(hub):
    admin = hub.client("admin")
    board = hub.client(token=hub.board_key)
    start = board.state("demo")
    state = BoardState()
    state.load_snapshot(start)
    got = Collector()
    stream = EventStream(hub.url, "demo", hub.board_key, got, last_event_id=start["seq"]).start()
    try:
        for w in (1, 2, 3, 4):
            admin.window(w, "open")
        tickets = [admin.issue("demo", s, source="kiosk") for s in
                   ("consult", "consult", "cash", "owner", "consult", "cash", "consult_cash", "contract")]
        c1 = admin.call_next(1)
        c2 = admin.call_next(2)
        c3 = admin.call_next(3)
        c4 = admin.call_next(4)
        admin.act(c1["id"], "recall")
        admin.act(c1["id"], "start")
        admin.act(c1["id"], "finish")
        admin.act(c2["id"], "no-show")
        admin.act(c3["id"], "start")
        admin.act(c3["id"], "transfer", service="cash")
        admin.window(2, "pause", reason="lunch")
        admin.act(c4["id"], "start")
        last = admin.call_next(1)
        final = board.state("demo")
        events = got.wait_seq(final["seq"])
    finally:
        stream.stop()

    news: list[CallNews] = []
    for event in events:
        news += state.apply(event).news
    expected = BoardState()
    expected.load_snapshot(final)
    assert state.seq == final["seq"]
    assert picture(state) == picture(expected)
    assert len(tickets) == 8

    # calls and the recall are news, in order, with the hub's time; nothing else is
    assert [(n.call.code, str(n.call.window), n.recall) for n in news] == [
        (c1["code"], "1", False), (c2["code"], "2", False), (c3["code"], "3", False), (c4["code"], "4", False),
        (c1["code"], "1", True), (last["code"], "1", False)]
    assert all(abs(n.at - time.time()) < 60 for n in news)

    # what ended is in the recent list, the latest first; the newest call heads the board
    recent = [c.code for c in state.recent_calls()]
    ended = [c["code"] for c in (c3, c2, c1) if c["id"] not in state.calls]  # a transfer may be called again
    assert recent[:len(ended)] == ended and len(ended) >= 2
    assert state.current_calls()[0].code == last["code"]
    assert {w.state for w in state.windows.values() if w.id == 2} == {"paused"}

    # a replay (reconnect, or a snapshot newer than the stream) changes nothing
    before = picture(state)
    for event in events:
        again = state.apply(event)
        assert not again.news and not again.changed
    assert picture(state) == before


def test_a_recall_brings_the_ticket_back_to_the_top(shared_hub):
    admin = shared_hub.client("admin")
    board = shared_hub.client(token=shared_hub.board_key)
    for w in (5, 6):
        admin.window(w, "open")
    admin.issue("demo", "instalment", source="kiosk")
    admin.issue("demo", "business", source="kiosk")
    start = board.state("demo")
    state = BoardState()
    state.load_snapshot(start)
    got = Collector()
    stream = EventStream(shared_hub.url, "demo", shared_hub.board_key, got, last_event_id=start["seq"]).start()
    try:
        first = admin.call_next(5)
        second = admin.call_next(6)
        admin.act(first["id"], "recall")
        events = got.wait_seq(board.state("demo")["seq"])
    finally:
        stream.stop()
    for event in events:
        state.apply(event)
    assert [c.code for c in state.current_calls()][:2] == [first["code"], second["code"]]
    assert state.calls[first["id"]].recalls == 1


def test_config_changed_asks_for_the_texts_again(shared_hub):
    admin = shared_hub.client("admin")
    board = shared_hub.client(token=shared_hub.board_key)
    start = board.state("demo")
    state = BoardState()
    state.load_snapshot(start)
    got = Collector()
    stream = EventStream(shared_hub.url, "demo", shared_hub.board_key, got, last_event_id=start["seq"]).start()
    try:
        admin.request("PUT", "/api/v1/offices/demo/texts", json={"ticker": "Новый текст для зала"})
        events = got.wait_seq(board.state("demo")["seq"])
    finally:
        stream.stop()
    assert any(state.apply(e).config_changed for e in events)
    state.load_config(board.state("demo"))
    assert state.texts["ticker"] == "Новый текст для зала"


@pytest.mark.parametrize("service,expected", [("cash", [4, 1, 2]), ("business", [6, 5])])
def test_likely_windows_for_rendering_ahead(service, expected):
    snap = {"seq": 1, "day": "2026-11-23", "office": {"name": "x", "texts": {}}, "services": [], "waiting": [],
            "calls": [], "windows": [
                {"id": i, "number": i, "state": st, "services": sv} for i, st, sv in (
                    (1, "open", {"cash": 1, "consult": 2}), (2, "paused", {"cash": 1}), (3, "closed", {"cash": 2}),
                    (4, "open", {"cash": 2}), (5, "paused", {"business": 2}), (6, "open", {"business": 1}))]}
    state = BoardState()
    state.load_snapshot(snap)
    assert [w.number for w in state.likely_windows(service)] == expected
