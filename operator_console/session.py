"""The console's session: signing in, taking a window, the hub's news (events, the stream's state, the
resync) and signing out. A part of ``ConsoleWindow``.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer

from hub_client import HubError, HubUnavailable
from hub_client.models import HallState

from . import model as M
from .actions import HALL_STAFF, STAFF

log = logging.getLogger(__name__)


class ConsoleSession:
    """Signing in, the window taken and the hub's news (a part of ``ConsoleWindow``)."""

    # ------------------------------------------------------------------ signing in and taking a window

    @property
    def pure_operator(self) -> bool:
        """The hub records an operator at the window only for operators who are not hall staff."""
        roles = set(self.me.get("roles") or [])
        return "operator" in roles and not roles & HALL_STAFF

    def sign_in(self, login: str, secret: str, by_pin: bool) -> None:
        self.login_page.set_busy(True)
        self.hub.token = None
        office_id = self.office_id

        def work(c):
            t0 = time.time()
            result = c.login(login, pin=secret) if by_pin else c.login(login, password=secret)
            office = office_id or result.get("office") or (c.offices() or [{}])[0].get("id")
            if office is None:
                raise HubError(404, "office_not_found", "На сервере нет ни одного офиса")
            snap = c.state(office)
            return result, office, snap, (t0 + time.time()) / 2

        def ok(answer):
            result, office, snap, local = answer
            self.login_page.set_busy(False)
            if not set(result.get("roles") or []) & STAFF:
                self.login_page.error.setText("У этой учётной записи нет права работать за окном")
                return
            self.hub.token = result["token"]
            self.me = result
            self.office_id = office
            self.login_page.secret.clear()
            self.model.load(snap, local)
            if self.window_number is not None:
                self.take_window(self.window_number)
            else:
                self.window_page.fill(list(self.model.windows.values()), self.me.get("login"))
                self.pages.setCurrentWidget(self.window_page)
            self.refreshed.emit()

        def failed(exc):
            self.login_page.set_busy(False)
            if isinstance(exc, HubError) and exc.status == 401:
                self.login_page.error.setText("Неверный логин, пароль или PIN-код")
            else:
                self.login_page.error.setText(self._words(exc))
            self.refreshed.emit()

        self.hub.run(work, ok, failed)

    def take_window(self, number: int) -> None:
        me = self.me.get("login")
        adopt_any = not self.pure_operator

        def work(c):
            t0 = time.time()
            snap = c.state(self.office_id)
            w = next((w for w in HallState.from_json(snap).windows if w.number == int(number)), None)
            if w is None:
                raise HubError(404, "window_not_found", f"Окна {number} нет в этом офисе")
            if w.state in ("open", "paused") and (w.operator == me or (adopt_any and w.operator is None)):
                return w.id, snap, (t0 + time.time()) / 2, False
            c.window(w.id, "open")
            t0 = time.time()
            return w.id, c.state(self.office_id), (t0 + time.time()) / 2, True

        def ok(answer):
            wid, snap, local, opened = answer
            self.window_number = number
            self.model.window_id = wid
            self.model.load(snap, local)
            self.hub.follow(self.office_id, self.model.seq, self.on_event, self.on_stream_status,
                            reconnect_delay=self.reconnect_delay)
            self.pages.setCurrentWidget(self.work)
            self.topbar.window.setText(M.window_label(self.model.window))
            self.topbar.operator.setText(self.me.get("name") or self.me.get("login") or "")
            self.topbar.office.setText(self.model.office.get("name", ""))
            t = self.model.my_ticket()
            if t is not None:
                self.say("info", f"Вы снова за окном {number}. Талон {t['code']} — продолжайте работу с ним")
            elif opened:
                self.say("ok", f"Окно {number} открыто. F1 — вызвать следующего")
            else:
                self.say("info", f"Вы снова за окном {number}")
            self.tick.start()
            self.resync_timer.start()
            self.load_day()
            self.render()

        def failed(exc):
            text = self._words(exc)
            if self.pages.currentWidget() is self.window_page:
                self.window_page.error.setText(text)
            else:
                self.window_page.fill(list(self.model.windows.values()), me)
                self.window_page.error.setText(text)
                self.pages.setCurrentWidget(self.window_page)
            self.refreshed.emit()

        self.hub.run(work, ok, failed)

    # ------------------------------------------------------------------ the hub's news

    def on_event(self, event) -> None:
        touched = self.model.apply(event)
        if "resync" in touched:
            self.resync()
        if "mine" in touched and event.type in ("ticket.finished", "ticket.no_show", "ticket.transferred",
                                                 "ticket.escalated", "ticket.postponed", "ticket.cancelled",
                                                 "ticket.resolved", "ticket.expired"):
            self.load_day()
        if "mine" in touched or "hall" in touched:
            self.render()

    def on_stream_status(self, ok: bool) -> None:
        self.stream_ok = ok
        if ok:
            self.resync()
            if self.banner.kind == "offline":
                self.say("ok", "Связь с сервером восстановлена")
        else:
            self.say("offline", "Нет связи с сервером очереди. Переподключение идёт само; "
                                "время приёма продолжает идти")
        self.render()

    def resync(self) -> None:
        """Read the whole hall again (after a reconnect, a new day, a change of settings, and regularly)."""
        if self.model.window_id is None:
            return
        if self._resync_running:
            self._resync_again = True
            return
        self._resync_running = True

        def work(c):
            t0 = time.time()
            snap = c.state(self.office_id)
            return snap, (t0 + time.time()) / 2

        def ok(answer):
            snap, local = answer
            self._resync_running = False
            self.http_ok = True
            self.model.load(snap, local)
            self.load_day()
            self.render()
            if self._resync_again:
                self._resync_again = False
                self.resync()

        def failed(exc):
            self._resync_running = False
            self._resync_again = False
            if isinstance(exc, HubError) and exc.status == 401:
                self.say("refused", "Сеанс закончился: войдите снова")
                self.sign_out(keep_message=True)
                return
            if isinstance(exc, HubUnavailable):
                self.http_ok = False
                QTimer.singleShot(3000, self.resync)  # keep trying until the hub answers
            self.render()

        self.hub.run(work, ok, failed)

    def load_day(self) -> None:
        wid = self.model.window_id
        if wid is None:
            return
        params = {"operator": self.me["login"]} if self.pure_operator and self.me.get("login") else {}

        def ok(day):
            self.day = day
            self.day_panel.update_day(day)
            self.refreshed.emit()

        def failed(exc):
            if isinstance(exc, HubError) and exc.status == 404:
                self.day_panel.update_day(None)

        self.hub.run(lambda c: c.get(f"/api/v1/windows/{wid}/day", **params), ok, failed)

    # ------------------------------------------------------------------ leaving

    def sign_out(self, keep_message: bool = False) -> None:
        self.hub.unfollow(wait=True)
        self.tick.stop()
        self.resync_timer.stop()
        self.model = M.ConsoleModel()
        self.hub.token = None
        self.pages.setCurrentWidget(self.login_page)
        if keep_message:
            self.login_page.error.setText("Сеанс закончился: войдите снова")
