"""The console's actions: what can be done now (the F-keys' states), doing it through the hub, and the
choices asked on the way (transfer to, pause reason, level). A part of ``ConsoleWindow``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer

from hub_client import HubError, HubUnavailable

from . import model as M

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


class ConsoleActions:
    """The F-keys and what they do (a part of ``ConsoleWindow``)."""

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
