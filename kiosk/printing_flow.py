"""Printing on the kiosk: a ticket printed on the hub's request, the printer's faults told to the hub as
incidents (001:784) and the ticket kept on screen when printing fails. A part of ``KioskWindow``.
"""
from __future__ import annotations

import logging

from . import flow
from .printing import PrintJob

log = logging.getLogger(__name__)


class PrintingFlow:
    """Print jobs and printer incidents (a part of ``KioskWindow``)."""

    # ------------------------------------------------------------------ printing

    def print_requested(self, ticket_id: int) -> None:
        """The administrator's stand asked this kiosk to print a ticket."""

        def ok(answer: dict) -> None:
            ticket = flow.ticket_print(answer, self.state or {}, self.visitor_base)
            self.spooler.submit(ticket)
            log.info("printing ticket %s at the administrator's request", ticket.code)
            if self.current is not self.ticket:
                self.footer.set_status(f"Печатаем талон {ticket.code} по просьбе администратора")

        self.link.run(lambda c: c.ticket(ticket_id), ok,
                      lambda exc: log.error("ticket %s to print could not be read: %s", ticket_id, exc))

    def on_printed(self, job: PrintJob) -> None:
        if job.id == self.ticket_job and self.current is self.ticket:
            self.ticket.set_printed()

    def on_print_failed(self, job: PrintJob, reason: str) -> None:
        if job.id == self.ticket_job and self.current is self.ticket:
            self.ticket.set_print_failed(reason)
            self.ticket.name = f"Талон {job.ticket.code} не напечатан"
            self.idle_timer.setInterval(int(self.settings.failed_ticket_timeout_s * 1000))
            self.idle_timer.start()
        elif self.current is not self.ticket:
            self.footer.set_status(f"Талон {job.ticket.code} не напечатан: {reason.split(':', 1)[-1].strip()}")

    def on_printer_incident(self, kind: str, detail: str) -> None:
        self.printer_active[kind] = detail
        if kind in flow.DOWN_KINDS and not self._hub_incident_wanted_open():
            self.incident_outbox.append(("open", detail))
        self._printer_changed()

    def on_printer_recovered(self, kind: str) -> None:
        self.printer_active.pop(kind, None)
        if self._hub_incident_wanted_open() and not any(k in flow.DOWN_KINDS for k in self.printer_active):
            self.incident_outbox.append(("closed", "принтер снова печатает"))
        self._printer_changed()

    def _hub_incident_wanted_open(self) -> bool:
        """Whether, after the reports already queued, the hub will have a printer incident open."""
        state = self.hub_incident_open
        for what, _ in self.incident_outbox:
            state = what == "open"
        return state

    def _printer_changed(self) -> None:
        self.flush_incidents()
        self.send_heartbeat()
        if self.current is self.idle:
            self._update_idle()

    def flush_incidents(self) -> None:
        """Send queued printer incidents in order; what fails stays queued for the next heartbeat."""
        if self.incident_sending or not self.incident_outbox or self.link is None or not self.settings.key:
            return
        what, detail = self.incident_outbox[0]
        self.incident_sending = True

        def ok(_answer) -> None:
            self.incident_sending = False
            self.incident_outbox.pop(0)
            self.hub_incident_open = what == "open"
            log.info("printer incident %s reported to the hub", what)
            self.flush_incidents()

        def failed(exc: Exception) -> None:
            self.incident_sending = False
            log.warning("printer incident not reported yet (%s); will retry", exc)

        self.link.run(lambda c: c.incident("printer", what, detail), ok, failed)
