"""Background ticket printing: a job queue, printer status, retries and incidents.

`PrintSpooler.submit()` never blocks ticket issue or the UI (DESIGN §5).  A worker
thread renders the job, opens the profile's connector, reads the printer status when the
profile allows it, writes the bytes, and retries with backoff.  Outcomes go to the
callbacks given at construction; they run on the worker thread, so a Qt kiosk must hand
them over to its GUI thread.  A printer that is down is reported at once as an incident,
because the kiosk may be out of order for at most 60 minutes (001:784).
"""

from __future__ import annotations

import collections
import itertools
import logging
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from printer_profiles import PrinterProfile

from .escpos_render import render_ticket
from .ticket import TicketPrint, TicketTemplate

log = logging.getLogger(__name__)

# Incident kinds reported to the hub.
PAPER_OUT = "paper_out"
PAPER_LOW = "paper_low"
PRINTER_OFFLINE = "printer_offline"
PRINTER_NOT_READY = "printer_not_ready"

_ASK = " Пожалуйста, запомните номер талона на экране."
REASONS = {
    PAPER_OUT: "Талон не напечатан: в принтере закончилась бумага." + _ASK,
    PRINTER_OFFLINE: "Талон не напечатан: принтер не отвечает." + _ASK,
    PRINTER_NOT_READY: "Талон не напечатан: принтер не готов к печати." + _ASK,
    "render": "Талон не удалось подготовить к печати." + _ASK,
}

Connect = Callable[[PrinterProfile], Any]


class PrinterFault(Exception):
    """The printer can not print this job; `kind` is an incident kind."""

    def __init__(self, kind: str, detail: str, retry: bool = True) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.retry = retry


@dataclass
class PrintJob:
    """One ticket on its way to paper."""

    id: int
    ticket: TicketPrint
    reprint: bool = False
    status: str = "queued"  # queued | printing | printed | failed | cancelled
    attempts: int = 0
    data: bytes = b""
    reason: str | None = None  # for the visitor, in Russian, when failed
    submitted_at: float = field(default_factory=time.monotonic)
    finished_at: float | None = None


def open_printer(profile: PrinterProfile):
    """Open the python-escpos printer for the profile's connector."""
    conn = profile.connector
    capability = profile.capability()
    if conn.kind == "usb":
        from escpos.printer import Usb

        if not Usb.is_usable():
            detail = "для USB-принтера нужен пакет pyusb (python-escpos[usb])"
            raise PrinterFault(PRINTER_OFFLINE, detail, retry=False)
        endpoints = {}
        if conn.in_ep is not None:
            endpoints["in_ep"] = conn.in_ep
        if conn.out_ep is not None:
            endpoints["out_ep"] = conn.out_ep
        printer = Usb(
            conn.vendor_id,
            conn.product_id,
            timeout=int(conn.timeout_s * 1000),
            profile=capability,
            **endpoints,
        )
    elif conn.kind == "network":
        from escpos.printer import Network

        printer = Network(conn.host, port=conn.port, timeout=conn.timeout_s, profile=capability)
        # Network.open() leaks its socket when the connection is refused; connect here.
        printer.device = socket.create_connection((conn.host, conn.port), conn.timeout_s)
        return printer
    elif conn.kind == "file":
        from escpos.printer import File

        printer = File(conn.path, profile=capability)
    elif conn.kind == "windows":
        if sys.platform != "win32":
            raise PrinterFault(PRINTER_OFFLINE, "принтер Windows доступен только в Windows", False)
        from escpos.printer import Win32Raw

        printer = Win32Raw(conn.printer_name, profile=capability)
    else:
        raise PrinterFault(PRINTER_OFFLINE, f"неизвестный способ подключения {conn.kind}", False)
    printer.open()
    return printer


class PrintSpooler:
    """Prints tickets on a background thread; see the module docstring."""

    def __init__(
        self,
        profile: PrinterProfile,
        *,
        on_printed: Callable[[PrintJob], None] | None = None,
        on_failed: Callable[[PrintJob, str], None] | None = None,
        on_incident: Callable[[str, str], None] | None = None,
        on_recovered: Callable[[str], None] | None = None,
        connect: Connect = open_printer,
        template: TicketTemplate | None = None,
        retries: int = 3,
        backoff_s: float = 0.5,
        history: int = 100,
        autostart: bool = True,
    ) -> None:
        self.profile = profile
        self._on_printed = on_printed
        self._on_failed = on_failed
        self._on_incident = on_incident
        self._on_recovered = on_recovered
        self._connect = connect
        self._template = template
        self._retries = max(1, retries)
        self._backoff_s = backoff_s
        self._queue: queue.SimpleQueue[PrintJob | None] = queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._jobs: collections.OrderedDict[int, PrintJob] = collections.OrderedDict()
        self._history = history
        self._last: PrintJob | None = None
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if autostart:
            self.start()

    # -- public API ------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread (done by the constructor unless autostart=False)."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"print-spooler-{self.profile.name}", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the current job and stop; jobs still queued are cancelled."""
        if self._thread is None:
            return
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def submit(self, ticket: TicketPrint) -> int:
        """Queue a ticket for printing and return the job id at once."""
        return self._enqueue(PrintJob(id=next(self._ids), ticket=ticket))

    def reprint_last(self) -> int | None:
        """Queue the last ticket again (the same bytes); None if nothing was submitted."""
        with self._lock:
            last = self._last
        if last is None:
            return None
        job = PrintJob(id=next(self._ids), ticket=last.ticket, reprint=True, data=last.data)
        return self._enqueue(job)

    def job(self, job_id: int) -> PrintJob | None:
        """A recent job by id."""
        with self._lock:
            return self._jobs.get(job_id)

    @property
    def incidents(self) -> frozenset[str]:
        """Incident kinds currently open."""
        with self._lock:
            return frozenset(self._active)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued job is finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # -- worker ----------------------------------------------------------
    def _enqueue(self, job: PrintJob) -> int:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._history:
                self._jobs.popitem(last=False)
            if not job.reprint:
                self._last = job
            self._pending += 1
        self._queue.put(job)
        log.info("print job %s queued (ticket %s)", job.id, job.ticket.code)
        return job.id

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                if self._stopping.is_set():
                    job.status = "cancelled"
                    continue
                self._print(job)
            except Exception:  # the worker must outlive any bug in one job
                log.exception("print job %s crashed", job.id)
                self._fail(job, REASONS["render"])
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _print(self, job: PrintJob) -> None:
        job.status = "printing"
        if not job.data:
            try:
                job.data = render_ticket(job.ticket, self.profile, self._template)
            except Exception:
                log.exception("ticket %s could not be rendered", job.ticket.code)
                self._fail(job, REASONS["render"])
                return
        fault: PrinterFault | None = None
        for attempt in range(self._retries):
            job.attempts = attempt + 1
            try:
                paper = self._send(job.data)
            except PrinterFault as exc:
                fault = exc
                log.warning("print job %s attempt %s failed: %s", job.id, job.attempts, exc.detail)
                if not exc.retry or attempt + 1 == self._retries:
                    break
                if self._stopping.wait(self._backoff_s * 2**attempt):
                    break
                continue
            self._printed(job, paper)
            return
        assert fault is not None
        self._raise_incident(fault.kind, fault.detail)
        self._fail(job, REASONS.get(fault.kind, REASONS[PRINTER_OFFLINE]))

    def _send(self, data: bytes) -> int | None:
        """Write one job; return the paper status read before it (None if not read)."""
        try:
            device = self._connect(self.profile)
        except PrinterFault:
            raise
        except Exception as exc:
            raise PrinterFault(PRINTER_OFFLINE, _describe(self.profile, exc)) from exc
        try:
            paper = None
            if self.profile.status_readable:
                paper = self._check_status(device)
            device._raw(data)  # the bytes rendered once, identical on every attempt
            return paper
        except PrinterFault:
            raise
        except Exception as exc:
            raise PrinterFault(PRINTER_OFFLINE, _describe(self.profile, exc)) from exc
        finally:
            try:
                device.close()
            except Exception:
                log.debug("closing the printer failed", exc_info=True)

    def _check_status(self, device) -> int:
        if not device.is_online():
            raise PrinterFault(PRINTER_NOT_READY, "принтер не в сети: открыта крышка или ошибка")
        paper = device.paper_status()
        if paper == 0:
            raise PrinterFault(PAPER_OUT, "в принтере закончилась бумага", retry=False)
        return paper

    def _printed(self, job: PrintJob, paper: int | None) -> None:
        job.status = "printed"
        job.finished_at = time.monotonic()
        log.info("ticket %s printed (job %s, attempt %s)", job.ticket.code, job.id, job.attempts)
        for kind in (PAPER_OUT, PRINTER_OFFLINE, PRINTER_NOT_READY):
            self._recover(kind)
        if paper == 1:
            self._raise_incident(PAPER_LOW, "бумага в принтере заканчивается")
        elif paper == 2:
            self._recover(PAPER_LOW)
        self._call(self._on_printed, job)

    def _fail(self, job: PrintJob, reason: str) -> None:
        job.status = "failed"
        job.reason = reason
        job.finished_at = time.monotonic()
        log.error("ticket %s not printed (job %s): %s", job.ticket.code, job.id, reason)
        self._call(self._on_failed, job, reason)

    def _raise_incident(self, kind: str, detail: str) -> None:
        with self._lock:
            if kind in self._active:
                return
            self._active.add(kind)
        log.warning("printer incident %s: %s", kind, detail)
        self._call(self._on_incident, kind, detail)

    def _recover(self, kind: str) -> None:
        with self._lock:
            if kind not in self._active:
                return
            self._active.discard(kind)
        log.info("printer recovered from %s", kind)
        self._call(self._on_recovered, kind)

    @staticmethod
    def _call(callback, *args) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:
            log.exception("print callback %r failed", callback)


def _describe(profile: PrinterProfile, exc: Exception) -> str:
    return f"{profile.connector.describe()}: {type(exc).__name__}: {exc}"
