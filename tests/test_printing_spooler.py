"""The print spooler: never blocks, retries, reports incidents, reprints.

The fakes sit at the machine's edge: python-escpos printers whose only difference is
where the bytes go (`_raw`) and what the printer answers to status requests (`_read`),
plus a real TCP "printer" on localhost and a real file.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy

from kiosk.printing.decode import decode
from kiosk.printing.escpos_render import render_ticket
from kiosk.printing.spooler import (
    PAPER_LOW,
    PAPER_OUT,
    PRINTER_NOT_READY,
    PRINTER_OFFLINE,
    PrintSpooler,
)
from kiosk.printing.ticket import TicketPrint
from printer_profiles import load_profile

MSK = timezone(timedelta(hours=3))

ONLINE = b"\x16"
OFFLINE = b"\x1e"  # bit 3: the printer is offline (cover open, error)
PAPER_OK = b"\x12"
PAPER_NEAR_END = b"\x1e"
PAPER_NONE = b"\x72"


def make_ticket(code: str = "А-012") -> TicketPrint:
    return TicketPrint(
        company="ООО «Энергосбыт»",
        office_name="Центр обслуживания клиентов",
        office_address="г. Кемерово, пр. Кузнецкий, д. 30",
        code=code,
        service_name="Оплата счёта",
        people_ahead=2,
        wait_min=3,
        wait_max=5,
        issued_at=datetime(2026, 3, 12, 9, 0, tzinfo=MSK),
        url=f"https://talon.example.ru/t/{code}",
    )


class FakePrinter(Dummy):
    """A python-escpos printer that records bytes and answers status requests."""

    def __init__(self, edge: Edge, profile) -> None:
        super().__init__(profile=profile.capability())
        self.edge = edge

    def _raw(self, msg: bytes) -> None:
        if self.edge.write_delay:
            time.sleep(self.edge.write_delay)
        if self.edge.write_errors:
            self.edge.write_errors -= 1
            raise OSError("broken pipe")
        self.edge.written.append(bytes(msg))

    def _read(self) -> bytes:
        request = self.edge.written[-1]
        if not self.edge.status_readable:
            raise AssertionError("status read from a printer whose profile forbids it")
        return {b"\x10\x04\x01": self.edge.online, b"\x10\x04\x04": self.edge.paper}[request]

    def close(self) -> None:
        self.edge.closed += 1


class Edge:
    """The printer's side of the cable, scripted by a test."""

    def __init__(self, profile, status_readable: bool = True) -> None:
        self.profile = profile
        self.status_readable = status_readable
        self.written: list[bytes] = []
        self.online = ONLINE
        self.paper = PAPER_OK
        self.connect_errors = 0
        self.write_errors = 0
        self.write_delay = 0.0
        self.connects = 0
        self.closed = 0

    def connect(self, profile):
        self.connects += 1
        if self.connect_errors:
            self.connect_errors -= 1
            raise DeviceNotFoundError("Unable to open USB printer on (1208, 514)")
        return FakePrinter(self, profile)

    def jobs(self) -> list[bytes]:
        """The ticket jobs written (status requests left out)."""
        return [chunk for chunk in self.written if chunk.startswith(b"\x1b@")]


class Recorder:
    """The kiosk's callbacks."""

    def __init__(self) -> None:
        self.printed = []
        self.failed = []
        self.incidents = []
        self.recovered = []

    def kwargs(self) -> dict:
        return dict(
            on_printed=self.printed.append,
            on_failed=lambda job, reason: self.failed.append((job, reason)),
            on_incident=lambda kind, detail: self.incidents.append((kind, detail)),
            on_recovered=self.recovered.append,
        )


@pytest.fixture
def epson():
    return load_profile("epson-tm-t88")


@pytest.fixture
def spooler_factory():
    made = []

    def make(profile, edge=None, **kwargs):
        recorder = Recorder()
        connect = edge.connect if edge else kwargs.pop("connect")
        spooler = PrintSpooler(
            profile, connect=connect, backoff_s=0.01, **recorder.kwargs(), **kwargs
        )
        made.append(spooler)
        return spooler, recorder

    yield make
    for spooler in made:
        spooler.stop()


def test_submit_never_blocks_on_a_slow_printer(epson, spooler_factory):
    edge = Edge(epson)
    edge.write_delay = 0.3
    spooler, seen = spooler_factory(epson, edge)
    started = time.perf_counter()
    ids = [spooler.submit(make_ticket(f"А-00{n}")) for n in range(1, 4)]
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1, elapsed  # three jobs would take >= 2.7 s if submit waited
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert spooler.wait_idle(timeout=10)
    assert [job.id for job in seen.printed] == ids
    assert [job.ticket.code for job in seen.printed] == ["А-001", "А-002", "А-003"]
    assert len(edge.jobs()) == 3
    assert seen.failed == [] and seen.incidents == []


def test_printer_gets_exactly_the_rendered_bytes(epson, spooler_factory):
    edge = Edge(epson)
    spooler, seen = spooler_factory(epson, edge)
    ticket = make_ticket()
    spooler.submit(ticket)
    assert spooler.wait_idle(timeout=5)
    assert edge.jobs() == [render_ticket(ticket, epson)]
    # the status was asked before the ticket, on the same connection
    assert edge.written[:2] == [b"\x10\x04\x01", b"\x10\x04\x04"]
    assert edge.connects == edge.closed == 1
    assert "Оплата счёта" in decode(edge.jobs()[0], epson.code_page_table()).text


def test_retries_with_backoff_then_prints(epson, spooler_factory):
    edge = Edge(epson)
    edge.connect_errors = 1
    edge.write_errors = 1
    spooler, seen = spooler_factory(epson, edge, retries=3)
    job_id = spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    job = spooler.job(job_id)
    assert job.status == "printed" and job.attempts == 3
    assert edge.connects == 3
    assert len(edge.jobs()) == 1
    assert seen.incidents == [] and seen.failed == []


def test_printer_that_stays_away_fails_in_russian_and_recovers(epson, spooler_factory):
    edge = Edge(epson)
    edge.connect_errors = 6  # two jobs of three attempts each
    spooler, seen = spooler_factory(epson, edge, retries=3)
    first = spooler.submit(make_ticket("А-001"))
    second = spooler.submit(make_ticket("А-002"))
    assert spooler.wait_idle(timeout=5)
    assert [job.id for job, _ in seen.failed] == [first, second]
    reason = seen.failed[0][1]
    assert reason.startswith("Талон не напечатан: принтер не отвечает.")
    assert "номер талона на экране" in reason
    assert spooler.job(first).reason == reason and spooler.job(first).attempts == 3
    # one incident for the outage, not one per ticket
    assert [kind for kind, _ in seen.incidents] == [PRINTER_OFFLINE]
    assert "USB 04b8:0202" in seen.incidents[0][1]
    assert spooler.incidents == {PRINTER_OFFLINE}
    spooler.submit(make_ticket("А-003"))
    assert spooler.wait_idle(timeout=5)
    assert [job.ticket.code for job in seen.printed] == ["А-003"]
    assert seen.recovered == [PRINTER_OFFLINE]
    assert spooler.incidents == frozenset()


def test_paper_out_is_an_incident_and_a_failure(epson, spooler_factory):
    edge = Edge(epson)
    edge.paper = PAPER_NONE
    spooler, seen = spooler_factory(epson, edge, retries=3)
    job_id = spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    assert edge.jobs() == []  # nothing sent to a printer without paper
    assert edge.connects == 1  # and no pointless retries: it needs a person
    ((job, reason),) = seen.failed
    assert job.id == job_id and job.status == "failed"
    assert reason == (
        "Талон не напечатан: в принтере закончилась бумага. "
        "Пожалуйста, запомните номер талона на экране."
    )
    assert seen.incidents == [(PAPER_OUT, "в принтере закончилась бумага")]
    # paper loaded: the next ticket prints and the incident closes
    edge.paper = PAPER_OK
    spooler.submit(make_ticket("А-013"))
    assert spooler.wait_idle(timeout=5)
    assert [j.ticket.code for j in seen.printed] == ["А-013"]
    assert seen.recovered == [PAPER_OUT]


def test_paper_near_end_prints_and_warns(epson, spooler_factory):
    edge = Edge(epson)
    edge.paper = PAPER_NEAR_END
    spooler, seen = spooler_factory(epson, edge)
    spooler.submit(make_ticket("А-001"))
    spooler.submit(make_ticket("А-002"))
    assert spooler.wait_idle(timeout=5)
    assert len(seen.printed) == 2
    assert [kind for kind, _ in seen.incidents] == [PAPER_LOW]
    edge.paper = PAPER_OK
    spooler.submit(make_ticket("А-003"))
    assert spooler.wait_idle(timeout=5)
    assert seen.recovered == [PAPER_LOW]


def test_offline_printer_is_not_ready(epson, spooler_factory):
    edge = Edge(epson)
    edge.online = OFFLINE
    spooler, seen = spooler_factory(epson, edge, retries=2)
    spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    assert edge.jobs() == [] and edge.connects == 2
    assert [kind for kind, _ in seen.incidents] == [PRINTER_NOT_READY]
    assert "принтер не готов" in seen.failed[0][1]


def test_reprint_last_sends_the_same_ticket_again(epson, spooler_factory):
    edge = Edge(epson)
    spooler, seen = spooler_factory(epson, edge)
    assert spooler.reprint_last() is None
    first = spooler.submit(make_ticket("А-001"))
    second = spooler.submit(make_ticket("А-002"))
    assert spooler.wait_idle(timeout=5)
    again = spooler.reprint_last()
    assert again not in (None, first, second)
    assert spooler.wait_idle(timeout=5)
    jobs = edge.jobs()
    assert len(jobs) == 3 and jobs[2] == jobs[1] != jobs[0]
    assert seen.printed[-1].reprint and seen.printed[-1].ticket.code == "А-002"
    # a reprint is not itself "the last ticket"
    spooler.reprint_last()
    assert spooler.wait_idle(timeout=5)
    assert edge.jobs()[3] == jobs[1]


def test_reprint_after_paper_out(epson, spooler_factory):
    edge = Edge(epson)
    edge.paper = PAPER_NONE
    spooler, seen = spooler_factory(epson, edge)
    spooler.submit(make_ticket("А-007"))
    assert spooler.wait_idle(timeout=5)
    edge.paper = PAPER_OK
    spooler.reprint_last()
    assert spooler.wait_idle(timeout=5)
    assert [job.ticket.code for job in seen.printed] == ["А-007"]
    assert "А-007" in decode(edge.jobs()[0], epson.code_page_table()).text


def test_status_is_not_read_when_the_profile_says_so(spooler_factory):
    profile = load_profile("pos-58")
    assert not profile.status_readable
    edge = Edge(profile, status_readable=False)
    spooler, seen = spooler_factory(profile, edge)
    spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    assert len(seen.printed) == 1, seen.failed
    assert all(not chunk.startswith(b"\x10\x04") for chunk in edge.written)


def test_a_failing_callback_does_not_stop_the_spooler(epson):
    edge = Edge(epson)
    calls = []

    def explode(job):
        calls.append(job.id)
        raise RuntimeError("kiosk bug")

    spooler = PrintSpooler(epson, connect=edge.connect, on_printed=explode)
    try:
        spooler.submit(make_ticket("А-001"))
        spooler.submit(make_ticket("А-002"))
        assert spooler.wait_idle(timeout=5)
        assert len(calls) == 2 and len(edge.jobs()) == 2
    finally:
        spooler.stop()


def test_stop_ends_the_worker(epson):
    edge = Edge(epson)
    spooler = PrintSpooler(epson, connect=edge.connect)
    thread = spooler._thread
    spooler.stop()
    assert not thread.is_alive()


# -- real python-escpos connectors ---------------------------------------------


def test_file_connector_writes_the_job(tmp_path, spooler_factory):
    path = tmp_path / "lp0"
    path.touch()
    profile = load_profile("pos-58").with_connector(kind="file", path=str(path))
    from kiosk.printing.spooler import open_printer

    spooler, seen = spooler_factory(profile, connect=open_printer)
    spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    assert len(seen.printed) == 1, seen.failed
    assert path.read_bytes() == render_ticket(make_ticket(), profile)


class TcpPrinter:
    """A port-9100 printer on localhost: records bytes, answers DLE EOT."""

    def __init__(self, paper: bytes = PAPER_OK) -> None:
        self.paper = paper
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.received += chunk
                    if chunk == b"\x10\x04\x01":
                        conn.sendall(ONLINE)
                    elif chunk == b"\x10\x04\x04":
                        conn.sendall(self.paper)

    def close(self) -> None:
        self.server.close()


def test_network_connector_reads_status_and_prints(spooler_factory):
    printer = TcpPrinter()
    try:
        profile = load_profile("xprinter-80").with_connector(host="127.0.0.1", port=printer.port)
        from kiosk.printing.spooler import open_printer

        spooler, seen = spooler_factory(profile, connect=open_printer)
        ticket = make_ticket()
        spooler.submit(ticket)
        assert spooler.wait_idle(timeout=10)
        assert len(seen.printed) == 1, seen.failed
        deadline = time.monotonic() + 5
        expected = b"\x10\x04\x01\x10\x04\x04" + render_ticket(ticket, profile)
        while bytes(printer.received) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bytes(printer.received) == expected
    finally:
        printer.close()


def test_network_paper_out_from_a_real_socket(spooler_factory):
    printer = TcpPrinter(paper=PAPER_NONE)
    try:
        profile = load_profile("xprinter-80").with_connector(host="127.0.0.1", port=printer.port)
        from kiosk.printing.spooler import open_printer

        spooler, seen = spooler_factory(profile, connect=open_printer)
        spooler.submit(make_ticket())
        assert spooler.wait_idle(timeout=10)
        assert [kind for kind, _ in seen.incidents] == [PAPER_OUT]
        assert "бумага" in seen.failed[0][1]
    finally:
        printer.close()


def test_unreachable_network_printer_is_offline(spooler_factory):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens
    profile = load_profile("xprinter-80").with_connector(host="127.0.0.1", port=port, timeout_s=1.0)
    from kiosk.printing.spooler import open_printer

    spooler, seen = spooler_factory(profile, connect=open_printer, retries=2)
    spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=10)
    assert [kind for kind, _ in seen.incidents] == [PRINTER_OFFLINE]
    assert "принтер не отвечает" in seen.failed[0][1]


def test_windows_connector_off_windows_fails_cleanly(spooler_factory, monkeypatch):
    import sys

    if sys.platform == "win32":
        pytest.skip("on Windows the spooler really opens the printer")
    profile = load_profile("pos-58").with_connector(kind="windows", printer_name="POS-58")
    from kiosk.printing.spooler import open_printer

    spooler, seen = spooler_factory(profile, connect=open_printer, retries=3)
    job_id = spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=5)
    assert spooler.job(job_id).attempts == 1  # not retried: it can never work here
    assert seen.incidents[0][0] == PRINTER_OFFLINE


def test_absent_usb_printer_is_offline(epson, spooler_factory):
    from kiosk.printing.spooler import open_printer

    spooler, seen = spooler_factory(epson, connect=open_printer, retries=2)
    spooler.submit(make_ticket())
    assert spooler.wait_idle(timeout=10)
    assert [kind for kind, _ in seen.incidents] == [PRINTER_OFFLINE]
    assert seen.failed and seen.printed == []
