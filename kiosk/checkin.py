"""«У меня запись»: check-in for an appointment at the kiosk (issue 16).

A large keypad screen for the eight digits of the booking code; «Готово» asks the hub
(``HubClient.check_in``), which decides everything (too early, late, released, not found) and
answers with the ticket; the kiosk prints it as the normal flow does. The kiosk decides no rule:
a refusal shows the hub's own Russian words on the keypad screen.

``install(window)`` adds the button to the idle screen and wires the screen into the window.
"""
from __future__ import annotations

import logging

from hub_client import HubError, HubUnavailable

from . import flow
from .screens import BigButton, CodeScreen

log = logging.getLogger(__name__)


class CheckinScreen(CodeScreen):
    """The booking code on a large keypad: eight digits, «Стереть», «Готово»."""

    name = "Талон по записи"
    DIGITS = 8
    GROUP = 4
    TITLE = "Талон по записи"
    TEXT = "Введите, пожалуйста, восьмизначный код записи из сообщения или с экрана телефона."

    def __init__(self) -> None:
        super().__init__()
        self.idle_button: BigButton | None = None

    def size_digits(self, s: dict) -> None:
        box = round(s["digit_box"] * 0.62)  # eight digits no wider than the pairing screen's six
        px = max(s["small"], round(s["digit"] * 0.62))  # the digits shrink with their boxes
        for d in self.digits:
            d.setFixedSize(box, round(box * 1.25))
            d.setStyleSheet(f"font-size: {px}px;")

    def arrange(self, mode: str, s: dict) -> None:
        super().arrange(mode, s)
        if self.idle_button is not None:  # the idle screen's «У меня запись», under «Получить талон»
            self.idle_button.setMinimumHeight(round(s["start_h"] * 0.45))
            self.idle_button.set_fonts(s["choice_font"], s["choice_hint"])


class Checkin:
    """The check-in's part of the kiosk window: the idle button, the keypad screen, the hub call."""

    def __init__(self, window) -> None:
        self.window = window
        self.screen = window.checkin
        self.busy = False
        button = BigButton("У меня запись", "Талон по коду записи", kind="plain")
        button.clicked.connect(self.open)
        self.button = button
        self.screen.idle_button = button
        window.idle.checkin_button = button
        layout = window.idle.action.layout()
        layout.insertWidget(layout.indexOf(window.idle.start_button) + 1, button)
        self.screen.entered.connect(self.send)

    def open(self) -> None:
        w = self.window
        if w.state is None or not w.state.get("open", True) or w.link is None:
            return
        self.screen.reset()
        w.show_screen(self.screen, w.settings.idle_timeout_s)

    def send(self, code: str) -> None:
        if self.busy:
            return
        w = self.window
        self.busy = True
        self.screen.set_busy(True)
        w.footer.set_status("Ищем запись…", busy=True)
        w.link.run(lambda c: c.check_in(w.office, code), self.done, self.failed)

    def done(self, answer: dict) -> None:
        w = self.window
        self.busy = False
        self.screen.set_busy(False)
        if w.current is not self.screen:
            log.warning("check-in ticket %s arrived after the visitor left; not printed", answer.get("code"))
            return
        ticket = flow.ticket_print(answer, w.state, w.visitor_base)
        w.ticket_job = w.spooler.submit(ticket)
        queue, wait = flow.ticket_lines(ticket)
        booking = answer.get("booking") or {}
        if booking.get("on_time"):
            queue, wait = f"По записи на {booking.get('time')}", "Вас пригласят к окну в это время"
        w.ticket.show_ticket(ticket.code, ticket.service_name, queue, wait, ticket.url, ticket.checklist)
        w.ticket.name = f"Талон {ticket.code}"
        log.info("ticket %s issued by check-in (on time: %s)", ticket.code, booking.get("on_time"))
        w.show_screen(w.ticket, w.settings.ticket_timeout_s)

    def failed(self, exc: Exception) -> None:
        w = self.window
        self.busy = False
        self.screen.set_busy(False)
        w.footer.set_status("")
        if isinstance(exc, HubError):
            self.screen.reset(exc.message)
        elif isinstance(exc, HubUnavailable):
            self.screen.reset("Нет связи с сервером очереди. Пожалуйста, попробуйте ещё раз или нажмите "
                              "«Нужна помощь сотрудника».")
        else:
            log.exception("check-in failed", exc_info=exc)
            self.screen.reset("Не получилось. Пожалуйста, нажмите «Нужна помощь сотрудника».")
        w.focus_first()


def install(window) -> Checkin:
    return Checkin(window)
