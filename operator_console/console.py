"""The operator console: one window, worked all day from the keyboard.

Sign in (login and password, or PIN), take a window, then work with the F-keys:

    F1 call next (open the window when it is closed)   F7  «Доп. услуги» sub-phase
    F2 recall (the count is shown)                      F8  transfer to another service or window
    F3 start                                            F9  postpone
    F4 finish (with the outcome code typed, if any)     F10 pause with a reason / resume
    F5 no-show                                          F11 pass to a senior specialist or the head
    F6 «Цифровые сервисы» sub-phase                     F12 close the window

Everything is asked of the hub through ``hub_client`` on a worker thread; the answer, or the hub's
refusal in its own words, comes back on the GUI thread. The picture of the hall is the hub's
snapshot kept current by its event stream; after a network drop or a hub restart the stream
reconnects by itself and the console re-reads the snapshot, finding its window's ticket again.

``ConsoleWindow`` is put together from its parts: ``session.py`` (signing in, the window taken,
the hub's news, signing out), ``actions.py`` (the F-keys: what can be done now and doing it);
this module holds the window: its pages and panels (``widgets.py``), drawing and closing.
``model.py`` is the picture of the hall, without Qt.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from hub_client import HubError, HubUnavailable
from hub_client.qt import HubBridge

from . import model as M
from .actions import ACTIONS, SHORTCUTS, TITLES, ConsoleActions  # noqa: F401 (ACTIONS, TITLES: this module's words too)
from .session import ConsoleSession
from .style import STYLESHEET
from .widgets import (
    ActionBar,
    Banner,
    ChoicePanel,
    DayPanel,
    HallPanel,
    LoginPage,
    TicketCard,
    TopBar,
    WindowPage,
    let_labels_wrap,
)

log = logging.getLogger(__name__)


class ConsoleWindow(ConsoleSession, ConsoleActions, QWidget):
    """The whole console. ``hub_url`` is the hub; ``window_number`` the number on the window's sign."""

    #: emitted after each change of what is shown (tests and screenshots wait on it)
    refreshed = Signal()
    #: emitted with (kind, text) each time the banner says something
    said = Signal(str, str)

    def __init__(self, hub_url: str, window_number: int | None = None, office: str | None = None,
                 login: str | None = None, resync_seconds: float = 30.0, tick_ms: int = 500,
                 reconnect_delay: float = 1.0):
        super().__init__()
        self.setObjectName("console")
        self.setWindowTitle("Талон — пульт оператора")
        self.setStyleSheet(STYLESHEET)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hub_url = hub_url.rstrip("/")
        self.window_number = window_number
        self.office_id = office
        self.reconnect_delay = reconnect_delay
        self.hub = HubBridge(self.hub_url, timeout=5.0, retries=1, workers=4, name="console-hub", parent=self)
        self.model = M.ConsoleModel()
        self.me: dict = {}
        self.day: dict | None = None
        self.busy: str | None = None          # the action on its way to the hub
        self.http_ok = True
        self.stream_ok = False
        self._resync_running = False
        self._resync_again = False
        self._pending_choice: Callable[[object], None] | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        root.addWidget(self.pages)

        self.login_page = LoginPage()
        self.login_page.where.setText(f"Сервер очереди: {self.hub_url}"
                                      + (f" · окно {window_number}" if window_number else ""))
        if login:
            self.login_page.login.setText(login)
        self.login_page.submitted.connect(self.sign_in)
        self.window_page = WindowPage()
        self.window_page.chosen.connect(self.take_window)
        self.work = self._build_work()
        for page in (self.login_page, self.window_page, self.work):
            self.pages.addWidget(page)

        self.actions_by_key: dict[str, QAction] = {}
        for key, shortcut in ACTIONS:
            act = QAction(TITLES[key], self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _=False, k=key: self.trigger(k))
            self.addAction(act)
            self.actions_by_key[key] = act
        escape = QAction("Отмена", self)
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.triggered.connect(self.cancel_choice)
        self.addAction(escape)
        focus_outcome = QAction("Код итога", self)
        focus_outcome.setShortcut(QKeySequence("Ctrl+O"))
        focus_outcome.triggered.connect(lambda: self.outcome.setFocus())
        self.addAction(focus_outcome)

        self.tick = QTimer(self)
        self.tick.setInterval(tick_ms)
        self.tick.timeout.connect(self.render)
        self.resync_timer = QTimer(self)
        self.resync_timer.setInterval(int(resync_seconds * 1000))
        self.resync_timer.timeout.connect(self.resync)
        self._clear_banner = QTimer(self)
        self._clear_banner.setSingleShot(True)
        self._clear_banner.timeout.connect(self._expire_banner)
        self.pages.setCurrentWidget(self.login_page)
        self.login_page.login.setFocus() if not login else self.login_page.secret.setFocus()

    # ------------------------------------------------------------------ layout

    def _build_work(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        self.topbar = TopBar()
        col.addWidget(self.topbar)
        body = QVBoxLayout()
        body.setContentsMargins(14, 12, 14, 12)
        body.setSpacing(10)
        middle = QHBoxLayout()
        middle.setSpacing(12)
        self.card = TicketCard()
        middle.addWidget(self.card, 3)
        side = QVBoxLayout()
        side.setSpacing(12)
        self.hall = HallPanel()
        self.day_panel = DayPanel()
        side.addWidget(self.hall, 3)
        side.addWidget(self.day_panel, 2)
        middle.addLayout(side, 2)
        body.addLayout(middle, 1)
        self.banner = Banner()
        body.addWidget(self.banner)
        self.outcome = self.card.outcome
        self.outcome.returnPressed.connect(lambda: self.outcome.clearFocus())
        self.card.accounts.editingFinished.connect(self.do_accounts)
        self.bottom = QStackedWidget()
        self.action_bar = ActionBar(ACTIONS)
        self.action_bar.pressed.connect(self.trigger)
        self.choice = ChoicePanel()
        self.choice.chosen.connect(self._chosen)
        self.choice.cancelled.connect(self.cancel_choice)
        self.bottom.addWidget(self.action_bar)
        self.bottom.addWidget(self.choice)
        self.bottom.setFixedHeight(136)
        body.addWidget(self.bottom)
        col.addLayout(body, 1)
        let_labels_wrap(page)  # no one long line may widen the window past its screen
        return page

    # ------------------------------------------------------------------ drawing

    def render(self) -> None:
        m = self.model
        if m.window_id is None:
            return
        now = m.now()
        connected = self.stream_ok and self.http_ok
        self.topbar.set_connected(connected)
        self.topbar.clock.setText(m.clock_text(now))
        self.topbar.window.setText(M.window_label(m.window))
        w = m.window or {}
        t = m.my_ticket()
        if t is not None:
            self.card.show_ticket(m, t, now)
        elif w.get("state") == "paused":
            self.card.show_idle(M.PAUSE_TITLES.get(w.get("pause_reason"), "Перерыв"), "F10 — продолжить работу",
                                now - w["since"] if w.get("since") else None)
        elif w.get("state") == "closed":
            self.card.show_idle("Окно закрыто", "F1 — открыть окно")
        else:
            n = m.waiting_for_me()
            self.card.show_idle("Свободно", f"F1 — вызвать следующего · по услугам вашего окна ждут: {M.people(n)}")
        self.hall.update_rows(m.hall_rows(now))
        planned = w.get("next_break")  # from the hub's rota (issue 13 point 4)
        self.day_panel.next_break.setText(f"Следующий перерыв: {planned['label']}" if planned else "")
        self.day_panel.next_break.setVisible(bool(planned))
        for key, (text, enabled, why, visible) in self.action_states().items():
            active = (key in ("digital", "upsell") and t is not None and t.get("phase") == key)
            self.action_bar.set_action(key, text, enabled, visible, active, "" if enabled else why)
        self.refreshed.emit()

    def say(self, kind: str, text: str) -> None:
        self.banner.say(kind, text)
        self.said.emit(kind, text)
        if kind in ("ok", "info"):
            self._clear_banner.start(12000)
        else:
            self._clear_banner.stop()

    def _expire_banner(self) -> None:
        if self.banner.kind in ("ok", "info"):
            self.banner.clear_message()

    def shutdown(self) -> None:
        self.tick.stop()
        self.resync_timer.stop()
        self._clear_banner.stop()
        self.hub.close(wait=6.0)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    @staticmethod
    def _words(exc: Exception) -> str:
        if isinstance(exc, HubUnavailable):
            return "Нет связи с сервером очереди. Проверьте адрес и сеть"
        if isinstance(exc, HubError):
            return exc.message
        return str(exc)


__all__ = ["ConsoleWindow", "ACTIONS"]
