"""The kiosk's honest states against a real hub: closed hours, a closed topic, a hub that is down
or whose answers are lost on the way. The kiosk never invents a number and a retried touch never
makes a second ticket. Each test runs its own hub, because it moves its clock, changes its hours
or kills it."""
from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from support import HubProcess
from test_kiosk_qt import check_readable, click, hub_tickets, shot, start_kiosk

from hub_client import HubClient

MSK = ZoneInfo("Europe/Moscow")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SERVICE_KEYS = ("id", "letter", "name", "hint", "kind", "client_type", "checklist", "until", "active", "order")


def set_office_time(admin: HubClient, hour: int) -> datetime:
    """Move the hub's clock to ``hour``:00 today in the office (Moscow); returns that moment."""
    target = datetime.now(MSK).replace(hour=hour, minute=0, second=0, microsecond=0)
    admin.post("/api/v1/testing/clock", {"offset": target.timestamp() - time.time()})
    return target


def test_closed_hours_and_a_closed_topic_issue_nothing_and_say_when(qtbot, hub, tmp_path, kiosks):
    admin = hub.client("admin")
    w = start_kiosk(qtbot, hub, tmp_path, "--printer-file", str(tmp_path / "p.bin"))
    kiosks.append(w)
    today = set_office_time(admin, 15)
    tomorrow = f"завтра, {(today + timedelta(days=1)).day} "
    week = {d: {"open": "09:00", "close": "18:00"} for d in WEEKDAYS}
    admin.request("PUT", "/api/v1/offices/demo/settings", json={"schedule": {"tz": "Europe/Moscow", "week": week}})
    cash = next(s for s in admin.get("/api/v1/offices/demo/services") if s["id"] == "cash")
    admin.request("PUT", "/api/v1/offices/demo/services/cash",
                  json={**{k: cash[k] for k in SERVICE_KEYS if k in cash}, "until": "14:00"})

    # config.changed reaches the kiosk: new hours on the idle screen, the cash desk closed since 14:00
    qtbot.waitUntil(lambda: any(t.id == "cash" and not t.open for t in w.topics), timeout=5000)
    assert w.idle.hours.text() == "Ежедневно: 9:00–18:00"
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["individual"])
    cash_button = w.topic_screen.buttons["cash"]
    assert cash_button.property("closed") == "true"
    assert cash_button.note.text().startswith(f"Сейчас не оказывается. Приём начнётся {tomorrow}")
    assert cash_button.note.isVisible() and not cash_button.hint.isVisible()
    check_readable(w)
    shot(w, "topics-closed")
    click(qtbot, cash_button)
    assert w.current is w.message and w.message.kind == "service_closed"
    assert w.message.title.text() == "«Оплата в кассе»: сейчас приём не ведётся"
    assert w.message.text.text().startswith(f"Приём по этой теме начнётся {tomorrow}")
    check_readable(w)
    shot(w, "topic-closed")
    click(qtbot, w.message.button)  # «Выбрать другую тему»
    assert w.current is w.topic_screen

    # 18:00 passes with no event: the kiosk still shows the topics, the hub refuses, nothing is issued
    set_office_time(admin, 19)
    click(qtbot, w.topic_screen.buttons["consult"])
    qtbot.waitUntil(lambda: w.current is w.message and w.message.kind == "closed", timeout=5000)
    assert w.message.title.text() == "Сейчас приём не ведётся"
    assert w.message.text.text().startswith(f"Приём начнётся {tomorrow}") and "в 9:00" in w.message.text.text()
    assert hub_tickets(hub) == []
    click(qtbot, w.message.button)
    qtbot.waitUntil(lambda: w.current is w.idle and w.idle.closed_panel.isVisible(), timeout=5000)
    assert not w.idle.start_button.isVisible()
    assert w.idle.closed_title.text() == "Сейчас приём не ведётся"
    assert "в 9:00" in w.idle.closed_text.text()
    check_readable(w)
    shot(w, "closed")
    click(qtbot, w.idle.closed_panel)  # a touch on a closed kiosk leads nowhere
    assert w.current is w.idle
    assert hub_tickets(hub) == []


def test_hub_down_is_said_plainly_and_the_kiosk_comes_back_by_itself(qtbot, hub, tmp_path, kiosks):
    w = start_kiosk(qtbot, hub, tmp_path, "--printer-file", str(tmp_path / "p.bin"), retry_s=0.5)
    kiosks.append(w)
    click(qtbot, w.idle.start_button)
    assert w.current is w.choice
    hub.kill()
    qtbot.waitUntil(lambda: w.current is w.message and w.message.kind == "hub_down", timeout=10000)
    assert w.message.title.text() == "Нет связи с сервером очереди"
    assert "Сейчас талон выдать нельзя" in w.message.text.text()
    qtbot.waitUntil(lambda: w.message.detail.text().startswith("Следующая попытка через"), timeout=3000)
    check_readable(w)
    shot(w, "hub-down")
    click(qtbot, w.footer.help)  # the help button is there, and honest about not reaching anyone
    qtbot.waitUntil(lambda: w.notice.title.text() == "Не удалось позвать сотрудника", timeout=8000)
    click(qtbot, w.notice.ok)

    back = HubProcess(hub.db, port=hub.port).start()
    try:
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=15000)
        click(qtbot, w.idle.start_button)
        click(qtbot, w.choice.buttons["individual"])
        click(qtbot, w.topic_screen.buttons["consult"])
        qtbot.waitUntil(lambda: w.current is w.ticket, timeout=5000)
        assert w.ticket.code.text() == "А-001"
        assert [t["code"] for t in hub_tickets(back)] == ["А-001"]
    finally:
        back.stop()


def test_a_kiosk_started_before_its_hub_waits_and_connects(qtbot, tmp_path, kiosks):
    later = HubProcess(tmp_path / "later.sqlite")  # made, with its keys, but not started yet
    w = start_kiosk(qtbot, later, tmp_path, "--printer-file", str(tmp_path / "p.bin"), wait_idle=False,
                    retry_s=0.5)
    kiosks.append(w)
    qtbot.waitUntil(lambda: w.current is w.message and w.message.kind == "hub_down", timeout=10000)
    assert w.state is None
    later.start()
    try:
        qtbot.waitUntil(lambda: w.current is w.idle, timeout=15000)
        assert w.idle.start_button.isVisible() and w.device == "kiosk-demo"
    finally:
        later.stop()


class LossyRelay:
    """A TCP relay in front of the hub that can lose the hub's answers to ticket requests: the hub
    has acted, the kiosk never hears back (a network fault at the worst moment)."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lose = 0
        self.lost = 0
        self.ticket_requests: list[bytes] = []
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [client, upstream]
            lose = threading.Event()
            threading.Thread(target=self._forward, args=(client, upstream, lose), daemon=True).start()
            threading.Thread(target=self._backward, args=(upstream, client, lose), daemon=True).start()

    def _forward(self, client, upstream, lose) -> None:
        try:
            while data := client.recv(65536):
                if b"POST /api/v1/offices/demo/tickets" in data:
                    with self.lock:
                        self.ticket_requests.append(data)
                        if self.lose > 0:
                            self.lose -= 1
                            lose.set()
                upstream.sendall(data)
        except OSError:
            pass

    def _backward(self, upstream, client, lose) -> None:
        try:
            while data := upstream.recv(65536):
                if lose.is_set():
                    self.lost += 1
                    for s in (client, upstream):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        s.close()
                    return
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def test_lost_answers_are_retried_with_the_same_key_and_make_one_ticket(qtbot, hub, tmp_path, kiosks):
    relay = LossyRelay(hub.port)
    relay.hub = hub

    class Via:  # the hub as the kiosk sees it: through the relay
        url = relay.url
        kiosk_key = hub.kiosk_key

    try:
        w = start_kiosk(qtbot, Via, tmp_path, "--printer-file", str(tmp_path / "p.bin"), retry_s=0.4)
        kiosks.append(w)
        relay.lose = 3  # the client's own retry and the kiosk's first retry lose their answers too
        click(qtbot, w.idle.start_button)
        click(qtbot, w.choice.buttons["individual"])
        click(qtbot, w.topic_screen.buttons["cash"])
        qtbot.waitUntil(lambda: w.current is w.message and w.message.kind == "hub_down_issue", timeout=5000)
        assert "Талон ещё не выдан" in w.message.text.text()
        check_readable(w)
        shot(w, "hub-down-retrying")
        qtbot.waitUntil(lambda: w.current is w.ticket, timeout=10000)
        assert relay.lost == 3 and len(relay.ticket_requests) == 4
        keys = {line for req in relay.ticket_requests for line in req.split(b"\r\n")
                if line.lower().startswith(b"idempotency-key:")}
        assert len(keys) == 1  # every attempt of the one touch carried the same key
        tickets = hub_tickets(hub)
        assert [t["code"] for t in tickets] == ["Б-001"] and w.ticket.code.text() == "Б-001"
    finally:
        relay.close()
