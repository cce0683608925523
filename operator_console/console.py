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
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from hub_client import HubError, HubUnavailable
from hub_client.models import HallState
from hub_client.qt import HubBridge

from . import model as M
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

#: (action, key) in the order of the buttons.
ACTIONS = [("call", "F1"), ("recall", "F2"), ("start", "F3"), ("finish", "F4"), ("no_show", "F5"),
           ("digital", "F6"), ("upsell", "F7"), ("transfer", "F8"), ("postpone", "F9"), ("pause", "F10"),
           ("escalate", "F11"), ("close", "F12")]
SHORTCUTS = dict(ACTIONS)
HALL_STAFF = {"administrator", "admin"}
STAFF = {"operator", "administrator", "admin"}

#: Titles of actions in messages («Не выполнено: Завершить приём — …»).
TITLES = {"call": "Вызвать следующего", "open": "Открыть окно", "recall": "Повторить вызов",
          "start": "Начать приём", "finish": "Завершить приём", "no_show": "Не подошёл",
          "digital": "Цифровые сервисы", "upsell": "Доп. услуги", "transfer": "Перевести",
          "postpone": "Отложить", "pause": "Перерыв", "resume": "Продолжить работу",
          "escalate": "Передать старшему", "close": "Закрыть окно"}


class ConsoleWindow(QWidget):
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

    # ------------------------------------------------------------------ what can be done now

    def action_states(self) -> dict[str, tuple[str, bool, str, bool]]:
        """key → (button text, enabled, why not, visible). Only what the shown state makes obvious;
        the hub stays the judge and its refusals are shown as they come."""
        m = self.model
        w = m.window or {}
        t = m.my_ticket()
        state = w.get("state", "closed")
        ts = t.get("state") if t else None
        phase = t.get("phase") if t else None
        no_ticket = "Нет талона у окна"
        states = {}
        if state == "closed":
            states["call"] = ("Открыть окно", True, "", True)
        else:
            states["call"] = ("Вызвать следующего", state == "open" and t is None,
                              "Сначала завершите работу с талоном" if t else "Окно на перерыве: F10 — продолжить", True)
        recalls = int(t.get("recalls") or 0) if t else 0
        states["recall"] = (f"Повторить вызов ({recalls})" if ts == "called" else "Повторить вызов",
                            ts == "called", no_ticket if t is None else "Посетитель уже у окна", True)
        states["start"] = ("Начать приём", ts == "called", no_ticket if t is None else "Приём уже идёт", True)
        states["finish"] = ("Завершить приём", ts == "serving",
                            no_ticket if t is None else "Сначала начните приём (F3)", True)
        states["no_show"] = ("Не подошёл", ts == "called", no_ticket if t is None else "Посетитель уже у окна", True)
        for key in ("digital", "upsell"):
            on = phase == key
            states[key] = ((f"{TITLES[key]}: стоп" if on else TITLES[key]), ts == "serving",
                           no_ticket if t is None else "Сначала начните приём (F3)", True)
        states["transfer"] = ("Перевести", ts in M.ACTIVE, no_ticket, True)
        states["postpone"] = ("Отложить", ts in M.ACTIVE, no_ticket, True)
        if state == "paused":
            states["pause"] = ("Продолжить работу", True, "", True)
        else:
            states["pause"] = ("Перерыв", state == "open" and t is None,
                               "Сначала завершите работу с талоном" if t else "Окно закрыто", True)
        ladder = m.escalation_levels()
        states["escalate"] = ("Передать старшему", bool(ladder) and ts in M.ACTIVE,
                              no_ticket if t is None else "Выше передать некому", bool(ladder))
        states["close"] = ("Закрыть окно", state in ("open", "paused") and t is None,
                           "Сначала завершите работу с талоном" if t else "Окно уже закрыто", True)
        if self.busy:
            states = {k: (text, False, "Подождите: предыдущее действие ещё выполняется", vis)
                      for k, (text, _, _, vis) in states.items()}
        return states

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

    # ------------------------------------------------------------------ doing things

    def trigger(self, key: str) -> None:
        """An action's key or button. Refused at once only when the screen already shows why."""
        if self.pages.currentWidget() is not self.work:
            return
        if self.bottom.currentWidget() is self.choice:
            return  # a choice is open: digits, Enter or Esc
        text, enabled, why, visible = self.action_states()[key]
        if not visible:
            return
        if not enabled:
            self.say("info", f"«{text}» сейчас недоступно: {why}")
            return
        getattr(self, f"do_{key}")()

    def _send(self, title: str, fn: Callable, done: Callable[[object], None] | None = None,
              refused: Callable[[Exception], bool] | None = None) -> None:
        """Send one action; ``done`` gets the hub's answer; a refusal is shown in the hub's words."""
        self.busy = title
        self.say("info", f"{title}…")
        self.render()

        def ok(answer):
            self.busy = None
            self.http_ok = True
            if done is not None:
                done(answer)
            self.render()

        def failed(exc):
            self.busy = None
            if refused is None or not refused(exc):
                self.refused(title, exc)
            self.render()

        self.hub.run(fn, ok, failed)

    def refused(self, title: str, exc: Exception) -> None:
        if isinstance(exc, HubUnavailable):
            self.http_ok = False
            QTimer.singleShot(2000, self.resync)
            self.say("offline", f"«{title}» не выполнено: нет связи с сервером очереди. "
                                "Переподключение идёт само — повторите действие через несколько секунд")
            return
        if isinstance(exc, HubError):
            if exc.status == 401:
                self.say("refused", "Сеанс закончился: войдите снова")
                self.sign_out(keep_message=True)
                return
            if exc.code == "break_guard":
                # 001:353: breaks are never taken by everyone at once; the hub holds the rule
                self.say("guard", f"{title}: сейчас нельзя. {exc.message}")
            else:
                self.say("refused", f"Сервер не выполнил «{title}»: {exc.message}")
            if exc.status in (404, 409):
                self.resync()  # the hall may have changed under us
            return
        log.exception("unexpected error in %s", title, exc_info=exc)
        self.say("refused", f"«{title}» не выполнено: {exc}")

    def _ticket_action(self, title: str, action: str, done_text: Callable[[dict], str], ticket: dict | None = None,
                       **body) -> None:
        t = ticket or self.model.my_ticket()
        if t is None:
            self.say("info", f"«{title}»: у окна уже нет талона")
            return
        tid = t["id"]

        def done(answer):
            self.model.apply_ticket(answer)
            self.say("ok", done_text(answer or t))
            if action in ("finish", "no-show", "transfer", "postpone", "escalate"):
                self.load_day()

        self._send(title, lambda c: c.act(tid, action, **body), done)

    def do_call(self) -> None:
        w = self.model.window or {}
        wid = self.model.window_id
        if w.get("state") == "closed":
            def opened(answer):
                self.model.apply_window(answer)
                self.say("ok", f"Окно {w.get('number')} открыто. F1 — вызвать следующего")
            self._send(TITLES["open"], lambda c: c.window(wid, "open"), opened)
            return

        def done(t):
            if t is None:
                self.say("info", "Вызвать некого: к вашему окну сейчас никто не ждёт "
                                 "(или талон только что забрало другое окно)")
                return
            self.model.apply_ticket(t)
            extra = " · индивидуальный формат обслуживания" if t.get("individual") else ""
            self.say("ok", f"Вызван талон {t['code']} — {t.get('service_name', '')}{extra}")

        self._send(TITLES["call"], lambda c: c.call_next(wid), done)

    def do_recall(self) -> None:
        self._ticket_action(TITLES["recall"], "recall",
                            lambda t: f"Талон {t['code']} вызван повторно (повторных вызовов: {t.get('recalls', 0)})")

    def do_start(self) -> None:
        self._ticket_action(TITLES["start"], "start", lambda t: f"Приём талона {t['code']} начат")

    def do_finish(self) -> None:
        outcome = self.outcome.text().strip()
        body = {"outcome": outcome} if outcome else {}

        def text(t):
            self.outcome.clear()
            return f"Приём талона {t['code']} завершён" + (f" (код итога {outcome})" if outcome else "")

        self._ticket_action(TITLES["finish"], "finish", text, **body)

    def do_no_show(self) -> None:
        self._ticket_action(TITLES["no_show"], "no-show", lambda t: f"Талон {t['code']} закрыт: посетитель не подошёл")

    def _phase(self, key: str) -> None:
        t = self.model.my_ticket()
        new = None if t.get("phase") == key else key
        self._ticket_action(TITLES[key], "phase",
                            lambda a: (f"Этап «{M.PHASE_FULL[key]}» завершён, приём продолжается" if new is None
                                       else f"Этап «{M.PHASE_FULL[key]}» начат"), phase=new)

    def do_accounts(self) -> None:
        """«Лицевых счетов: [N]»: the per-account norm (001:841) scales with the number entered."""
        t = self.model.my_ticket()
        n = self.card.accounts.value()
        sent = self.__dict__.setdefault("_accounts_sent", {})
        if t is None or t.get("id") != self.card.accounts_ticket or n == sent.get(t["id"], 1):
            return
        tid = t["id"]

        def done(answer):
            sent[tid] = n
            self.model.apply_ticket(answer)
            self.say("ok", f"Талон {answer.get('code', t.get('code'))}: лицевых счетов — {n}")

        self._send("Лицевых счетов", lambda c: c.set_accounts(tid, n), done)

    def do_digital(self) -> None:
        self._phase("digital")

    def do_upsell(self) -> None:
        self._phase("upsell")

    def do_postpone(self) -> None:
        self._ticket_action(TITLES["postpone"], "postpone",
                            lambda t: f"Талон {t['code']} отложен: посетитель вернётся в очередь с тем же номером")

    def do_transfer(self) -> None:
        m = self.model
        t = m.my_ticket()
        options: list[tuple[object, str]] = []
        for s in m.service_list():
            if s["id"] == t.get("service"):
                continue
            options.append((("service", s["id"], s["name"]), f"Услуга: {s['letter']} — {s['name']}"))
        for w in m.other_windows():
            state = M.WINDOW_WORDS.get(w.get("state"), "")
            options.append((("window", w["id"], f"окно {w['number']}"), f"Окно {w['number']} ({state})"))

        def go(choice):
            kind, ident, name = choice
            body = {"service": ident} if kind == "service" else {"window": ident}
            self._ticket_action(TITLES["transfer"], "transfer",
                                lambda a: f"Талон {a['code']} переведён: {name}. Номер и визит сохранены",
                                ticket=t, **body)

        self.ask(f"Перевести талон {t['code']}: куда?", options, go)

    def do_escalate(self) -> None:
        t = self.model.my_ticket()
        levels = self.model.escalation_levels(t)
        if not levels:
            # the ladder ends here; let the hub say so in its words
            self._ticket_action(TITLES["escalate"], "escalate", lambda a: f"Талон {a['code']} передан")
            return

        def go(level):
            self._ticket_action(TITLES["escalate"], "escalate",
                                lambda a: f"Талон {a['code']} передан: {M.LEVEL_TO_WORDS[level].lower()}",
                                ticket=t, level=level)

        if len(levels) == 1:
            go(levels[0])
        else:
            self.ask(f"Передать талон {t['code']}:", [(lv, M.LEVEL_TO_WORDS.get(lv, lv)) for lv in levels], go)

    def do_pause(self) -> None:
        wid = self.model.window_id
        w = self.model.window or {}
        if w.get("state") == "paused":
            def resumed(answer):
                self.model.apply_window(answer)
                self.say("ok", "Работа продолжается. F1 — вызвать следующего")
            self._send(TITLES["resume"], lambda c: c.window(wid, "open"), resumed)
            return

        def go(reason):
            def paused(answer):
                self.model.apply_window(answer)
                self.say("ok", f"Перерыв начат: {M.PAUSE_WORDS[reason].lower()}. F10 — продолжить работу")
            self._send(TITLES["pause"], lambda c: c.window(wid, "pause", reason=reason), paused)

        self.ask("Перерыв: причина?", [(r, M.PAUSE_WORDS[r]) for r in ("lunch", "technical", "other")], go)

    def do_close(self) -> None:
        wid = self.model.window_id
        number = (self.model.window or {}).get("number")

        def go(yes):
            if not yes:
                return

            def closed(answer):
                self.model.apply_window(answer)
                self.say("ok", f"Окно {number} закрыто. F1 — открыть снова")
            self._send(TITLES["close"], lambda c: c.window(wid, "close"), closed)

        self.ask(f"Закрыть окно {number}?", [(True, "Да, закрыть окно"), (False, "Нет, продолжить работу")], go)

    # ------------------------------------------------------------------ choosing

    def ask(self, title: str, options: list[tuple[object, str]], then: Callable[[object], None]) -> None:
        if not options:
            self.say("info", "Выбирать не из чего")
            return
        self._pending_choice = then
        self.bottom.setCurrentWidget(self.choice)
        self.choice.open(title, options)
        self.refreshed.emit()

    def _chosen(self, value) -> None:
        then, self._pending_choice = self._pending_choice, None
        self.bottom.setCurrentWidget(self.action_bar)
        if then is not None:
            then(value)

    def cancel_choice(self) -> None:
        if self.bottom.currentWidget() is self.choice:
            self._pending_choice = None
            self.choice.hide()
            self.bottom.setCurrentWidget(self.action_bar)
            self.say("info", "Отменено")

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
