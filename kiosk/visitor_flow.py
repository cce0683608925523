"""The visitor's flow on the kiosk: idle → (client type) → topic → ticket, and the honest closed states.
A part of ``KioskWindow``.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

from hub_client import HubError, HubUnavailable

from . import flow

log = logging.getLogger(__name__)


@dataclass
class PendingIssue:
    """One touch on a topic, until the hub answers. Its key is reused for every retry."""

    topic: flow.Topic
    client_type: str | None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    touched: float = field(default_factory=time.monotonic)
    attempts: int = 0
    in_flight: bool = False


class VisitorFlow:
    """The visitor's screens and the issue of a ticket (a part of ``KioskWindow``)."""

    # ------------------------------------------------------------------ the visitor's flow

    def go_idle(self) -> None:
        self.client_type = None
        self.ticket_job = None
        self.topic_screen.set_busy(False)
        self.choice.set_busy(False)
        if self.pending is not None:
            log.warning("visitor left before the hub answered touch %s; not retried any more", self.pending.key)
            self.pending = None
        if self.state is None or not self.hub_ok:
            if self.link is not None and self.settings.key:
                self.show_hub_down()
                if not self.retry_timer.isActive():
                    self.retry_timer.start()
            return
        self._update_idle()
        self.show_screen(self.idle)
        self.tick()
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def on_idle_timeout(self) -> None:
        if self.current is self.message and self.message.kind == "hub_down_issue":
            self.pending = None
            self.show_hub_down()
            return
        if self.current is not self.idle:
            log.info("no touch for a while: back to the idle screen")
            self.go_idle()

    def on_start(self) -> None:
        if self.state is None or not self.state.get("open", True):
            return
        if flow.client_choice_needed(self.topics):
            self.show_screen(self.choice, self.settings.idle_timeout_s)
        else:
            self.show_topics(None)

    def on_client_type(self, client_type: str) -> None:
        self.show_topics(client_type)

    def show_topics(self, client_type: str | None) -> None:
        self.client_type = client_type
        now = self.local_now()

        def closed_hint(t: flow.Topic) -> str:
            when = flow.opens_text(t.opens_at, now)
            return f"Сейчас не оказывается. Приём начнётся {when}." if when else "Сейчас не оказывается."

        self.topic_screen.set_topics(flow.topics_for(self.topics, client_type), closed_hint)
        self.topic_screen.set_busy(False)
        self.show_screen(self.topic_screen, self.settings.idle_timeout_s)

    def on_back(self) -> None:
        if self.current is self.topic_screen and self.client_type is not None:
            self.show_screen(self.choice, self.settings.idle_timeout_s)
        else:
            self.go_idle()

    def on_topic(self, topic_id: str) -> None:
        if self.pending is not None:  # a second tap while the first is on its way: one ticket only
            return
        topic = next((t for t in self.topics if t.id == topic_id), None)
        if topic is None:
            return
        if not topic.open:
            self.show_service_closed(topic.name, topic.opens_at)
            return
        self.pending = PendingIssue(topic, self.client_type)
        self.topic_screen.set_busy(True)
        self.footer.set_status("Выдаём талон…", busy=True)
        self._send_issue(self.pending)

    def _send_issue(self, p: PendingIssue) -> None:
        if p.in_flight:
            return
        p.in_flight = True
        p.attempts += 1
        fields = {"client_type": p.client_type} if p.client_type else {}
        self.link.run(lambda c: c.issue(self.office, p.topic.id, idempotency_key=p.key, source="kiosk", **fields),
                      lambda answer: self._issued(p, answer), lambda exc: self._issue_failed(p, exc))

    def _issued(self, p: PendingIssue, answer: dict) -> None:
        p.in_flight = False
        if p is not self.pending:
            log.warning("ticket %s arrived after the visitor left; not printed", answer.get("code"))
            return
        self.pending = None
        self.hub_ok = True
        self.retry_timer.stop()
        ticket = flow.ticket_print(answer, self.state, self.visitor_base)
        self.ticket_job = self.spooler.submit(ticket)
        queue, wait = flow.ticket_lines(ticket)
        self.ticket.show_ticket(ticket.code, ticket.service_name, queue, wait, ticket.url, ticket.checklist)
        self.ticket.name = f"Талон {ticket.code}"
        self.topic_screen.set_busy(False)
        log.info("ticket %s issued (%s), %d attempt(s)", ticket.code, p.topic.id, p.attempts)
        self.show_screen(self.ticket, self.settings.ticket_timeout_s)

    def _issue_failed(self, p: PendingIssue, exc: Exception) -> None:
        p.in_flight = False
        if p is not self.pending:
            return
        if isinstance(exc, HubUnavailable):
            self.hub_ok = False
            waited = time.monotonic() - p.touched
            if waited >= self.settings.issue_retry_for_s:
                log.warning("giving up touch %s after %.0f s without the hub", p.key, waited)
                self.pending = None
                self.show_hub_down()
            else:
                self.message.show_message("hub_down_issue", flow.HUB_DOWN_TITLE, flow.HUB_DOWN_ISSUE_TEXT,
                                          name="Нет связи: талон не выдан", alert=True, busy=True,
                                          button="Отменить")
                if self.current is not self.message:
                    self.show_screen(self.message, max(1.0, self.settings.issue_retry_for_s - waited))
            self.retry_timer.setInterval(int(self.settings.retry_s * 1000))
            self.retry_timer.start()
            self.tick()
            return
        self.pending = None
        self.topic_screen.set_busy(False)
        if isinstance(exc, HubError) and exc.status == 401:  # the key was revoked: pair again
            self._connect_failed(exc)
            return
        code = exc.code if isinstance(exc, HubError) else "error"
        details = exc.details if isinstance(exc, HubError) else {}
        if code == "office_closed":
            self.show_closed(details.get("opens_at"))
            self.refresh_state()
        elif code == "service_closed":
            self.show_service_closed(p.topic.name, details.get("opens_at"))
            self.refresh_state()
        else:
            message = exc.message if isinstance(exc, HubError) else "Внутренняя ошибка киоска."
            log.error("ticket refused: %s %s", code, message)
            self.message.show_message("error", "Талон не выдан", f"{message} Пожалуйста, нажмите "
                                      "«Нужна помощь сотрудника»: Вам помогут.", name="Талон не выдан",
                                      alert=True, button="Понятно")
            self.show_screen(self.message, self.settings.idle_timeout_s)

    def show_closed(self, opens_at: str | None) -> None:
        title, text = flow.closed_message(opens_at, self.local_now())
        self.message.show_message("closed", title, text, name="Приём закрыт", button="Понятно")
        self.show_screen(self.message, self.settings.idle_timeout_s)

    def show_service_closed(self, name: str, opens_at: str | None) -> None:
        title, text = flow.service_closed_message(name, opens_at, self.local_now())
        self.message.show_message("service_closed", title, text, name=f"Тема «{name}» закрыта",
                                  button="Выбрать другую тему")
        self.show_screen(self.message, self.settings.idle_timeout_s)

    def on_message_action(self) -> None:
        kind = self.message.kind
        if kind == "service_closed" and self.state is not None and self.hub_ok:
            self.show_topics(self.client_type)
        elif kind == "hub_down_issue":
            self.pending = None
            self.go_idle()
        else:
            self.go_idle()
