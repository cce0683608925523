"""The kiosk on screen (pytest-qt, offscreen) against a real hub process.

idle → client type → topic → printed ticket; a double tap makes one ticket; the help button
reaches the hub; the stand's «print this ticket» reaches the printer; a printer out of paper
shows the ticket on screen and opens an incident on the hub; pairing with a six-digit code on
the touch keypad; every screen keeps big type and big buttons in both orientations.

The printer is the machine's edge: a real file (``--printer-file``) read back and decoded, or
a python-escpos ``Dummy`` that answers status requests (paper out).

Set ``TALON_KIOSK_SHOTS=docs/screenshots`` to also save each screen there (docs/kiosk.md).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import zxingcpp
from escpos.printer import Dummy
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.app import build
from kiosk.printing import decode
from kiosk.screens import CONTRAST_PAIRS
from kiosk.settings import KioskSettings
from printer_profiles import load_profile

SHOTS = os.environ.get("TALON_KIOSK_SHOTS")
ONLINE = b"\x16"
PAPER_OK = b"\x12"
PAPER_NONE = b"\x72"


def shot(window, name: str) -> None:
    """Save the window as docs/screenshots/kiosk-<name>.png when asked to (offscreen grab)."""
    if SHOTS:
        window.app.processEvents()  # pending layout changes first
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(folder / f"kiosk-{name}.png"))


class Edge:
    """The printer's side of the cable: records jobs, answers status (paper present or not)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.paper = PAPER_OK
        self.times: list[float] = []

    def connect(self, profile):
        edge = self

        class Printer(Dummy):
            def _raw(self, msg):
                edge.written.append(bytes(msg))
                if bytes(msg).startswith(b"\x1b@"):
                    edge.times.append(time.perf_counter())

            def _read(self):
                return {b"\x10\x04\x01": ONLINE, b"\x10\x04\x04": edge.paper}[edge.written[-1]]

            def close(self):
                pass

        return Printer(profile=profile.capability())

    def jobs(self) -> list[bytes]:
        return [w for w in self.written if w.startswith(b"\x1b@")]


def start_kiosk(qtbot, hub, tmp_path: Path, *extra: str, size: str = "1920x1080", connect=None, key=True,
                wait_idle: bool = True, **settings):
    """The kiosk as ``talon kiosk`` builds it, shown and connected to ``hub``."""
    values = dict(idle_timeout_s=30.0, ticket_timeout_s=30.0, failed_ticket_timeout_s=60.0, retry_s=0.3,
                  issue_retry_for_s=20.0, heartbeat_s=30.0, refresh_s=30.0)
    values.update(settings)
    path = tmp_path / f"kiosk-{time.monotonic_ns()}.json"
    KioskSettings(**values).save(path)
    argv = ["--hub", hub.url, "--settings", str(path), "--window", size, *extra]
    if key:
        argv += ["--key", hub.kiosk_key]
    window = build(argv, connect=connect)
    window.settings_file = path
    qtbot.addWidget(window)
    window.show()
    window.start()
    if wait_idle:
        qtbot.waitUntil(lambda: window.current is window.idle, timeout=10000)
    return window


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def screen_qr(window) -> list[str]:
    image = window.ticket.qr.pixmap().toImage()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def hub_tickets(hub) -> list[dict]:
    state = hub.client("admin").state("demo")
    return state["waiting"] + state["calls"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def drawn_contrast(image: Image.Image) -> float:
    """Contrast between the commonest colour of a text's box (its background) and its strongest ink."""
    colours = image.getcolors(maxcolors=1 << 20)
    background = max(colours)[1]
    bg = "#{:02x}{:02x}{:02x}".format(*background)
    return max(contrast("#{:02x}{:02x}{:02x}".format(*c), bg) for n, c in colours if n >= 4)


def check_readable(window) -> None:
    """On the current screen, as drawn: no text under 28 px or under 7:1 contrast, no button under
    120 px, the help button there, nothing needing more room than the screen."""
    window.app.processEvents()
    grab = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    picture = Image.frombuffer("RGB", (grab.width(), grab.height()), bytes(grab.constBits()), "raw", "RGB",
                               grab.bytesPerLine(), 1)
    for lab in window.findChildren(QLabel):
        if lab.isVisibleTo(window) and lab.text().strip():
            px = lab.font().pixelSize()
            assert px >= 28, (lab.text(), px)
            at = lab.mapTo(window, QPoint(0, 0))
            box = (max(0, at.x()), max(0, at.y()), min(grab.width(), at.x() + lab.width()),
                   min(grab.height(), at.y() + lab.height()))
            if box[2] - box[0] > 4 and box[3] - box[1] > 4:
                assert drawn_contrast(picture.crop(box)) >= 7.0, (lab.text(), drawn_contrast(picture.crop(box)))
    for button in window.findChildren(QPushButton):
        if button.isVisibleTo(window):
            assert button.height() >= 120, (button.accessibleName() or button.text(), button.height())
    assert window.footer.help.isVisibleTo(window)
    hint = window.minimumSizeHint()
    assert hint.width() <= window.width() and hint.height() <= window.height(), (hint, window.size())


def test_idle_to_printed_ticket_in_two_touches(qtbot, shared_hub, tmp_path, kiosks):
    out = tmp_path / "printer.bin"
    w = start_kiosk(qtbot, shared_hub, tmp_path, "--printer-file", str(out), idle_timeout_s=1.5,
                    ticket_timeout_s=1.5)
    kiosks.append(w)
    assert w.idle.greeting.text() in ("Доброе утро!", "Добрый день!", "Добрый вечер!", "Здравствуйте!")
    assert w.idle.clock.text() and "Ежедневно: круглосуточно" in w.idle.hours.text()
    assert w.idle.notice.text() == "Ведётся аудио- и видеозапись"
    check_readable(w)
    shot(w, "idle")
    before = {t["id"] for t in hub_tickets(shared_hub)}
    # an operator is at window 3 (it takes «Смена владельца»): the ticket can promise a wait
    admin = shared_hub.client("admin")
    window3 = next(x["id"] for x in admin.state("demo")["windows"] if x["number"] == 3)
    admin.window(window3, "open")

    click(qtbot, w.idle.start_button)  # waking the kiosk
    assert w.current is w.choice  # the demo office serves both kinds of client
    check_readable(w)
    shot(w, "client-type")
    click(qtbot, w.choice.buttons["individual"])  # touch 1
    assert w.current is w.topic_screen
    names = [b.title.text() for b in w.topic_screen.buttons.values()]
    assert "Смена владельца" in names and "Юридическим лицам и ИП" not in names
    check_readable(w)
    shot(w, "topics")
    click(qtbot, w.topic_screen.buttons["owner"])  # touch 2
    qtbot.waitUntil(lambda: w.current is w.ticket, timeout=5000)
    qtbot.waitUntil(lambda: "Возьмите" in w.ticket.print_state.text(), timeout=5000)
    check_readable(w)
    shot(w, "ticket")

    new = [t for t in hub_tickets(shared_hub) if t["id"] not in before]
    assert len(new) == 1
    t = new[0]
    assert (t["service"], t["source"], t["client_type"]) == ("owner", "kiosk", "individual")
    assert w.ticket.code.text() == t["code"]
    full = shared_hub.client("admin").ticket(t["id"])
    url = f"{shared_hub.url}{full['url']}"
    assert screen_qr(w) == [url]

    job = decode(out.read_bytes(), load_profile("epson-tm-t88").code_page_table())
    assert t["code"] in job.text and "Смена владельца" in job.text
    assert "Примерное время ожидания" in job.text and "Перед Вами" in job.text
    assert "[ ] Паспорт" in job.text  # the topic's document checklist (001:822)
    assert "8 800 000-00-00" in job.text and "Ведётся аудио- и видеозапись" in job.text
    assert "Рады, что Вы к нам обратились" in job.text
    # the ticket just taken still waits: closing is the administrator's choice
    admin.window(window3, "close", force=True)
    assert [q.payload for q in job.qr_codes] == [url]

    qtbot.waitUntil(lambda: w.current is w.idle, timeout=5000)  # back to idle by itself


def test_a_double_tap_makes_one_ticket_and_idle_returns_by_itself(qtbot, shared_hub, tmp_path, kiosks):
    edge = Edge()
    w = start_kiosk(qtbot, shared_hub, tmp_path, connect=edge.connect, idle_timeout_s=1.0, ticket_timeout_s=1.0)
    kiosks.append(w)
    before = {t["id"] for t in hub_tickets(shared_hub)}
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["business"])
    assert [b.title.text() for b in w.topic_screen.buttons.values()][-1] == "Юридическим лицам и ИП"
    button = w.topic_screen.buttons["business"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # a shaky second tap while the hub answers
    w.on_topic("business")  # and a third one, straight into the flow
    qtbot.waitUntil(lambda: w.current is w.ticket, timeout=5000)
    qtbot.waitUntil(lambda: len(edge.jobs()) == 1, timeout=5000)
    time.sleep(0.3)
    new = [t for t in hub_tickets(shared_hub) if t["id"] not in before]
    assert [t["service"] for t in new] == ["business"] and new[0]["client_type"] == "business"
    assert len(edge.jobs()) == 1
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=4000)

    # left half-way: the kiosk goes back to the idle screen without issuing anything
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["individual"])
    assert w.current is w.topic_screen
    click(qtbot, w.footer.back)
    assert w.current is w.choice
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=4000)
    assert len([t for t in hub_tickets(shared_hub) if t["id"] not in before]) == 1


def test_help_button_reaches_the_administrator(qtbot, shared_hub, tmp_path, kiosks):
    w = start_kiosk(qtbot, shared_hub, tmp_path, "--printer-file", str(tmp_path / "p.bin"))
    kiosks.append(w)
    admin = shared_hub.client("admin")
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["individual"])
    click(qtbot, w.footer.help)
    assert w.notice.isVisible()
    qtbot.waitUntil(lambda: w.notice.title.text() == "Сотрудник скоро подойдёт", timeout=5000)
    check_readable(w)
    shot(w, "help")
    alerts = [a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"] if a["kind"] == "help"]
    assert any("«Киоск у входа»" in a["text"] and "экран «Выбор темы»" in a["text"] for a in alerts), alerts
    count = len(alerts)
    click(qtbot, w.footer.help)  # pressed again at once: the same answer, not a second call
    time.sleep(0.3)
    assert len([a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"] if a["kind"] == "help"]) == count
    click(qtbot, w.notice.ok)
    assert not w.notice.isVisible()


def test_the_stand_can_have_this_kiosk_print_a_ticket(qtbot, shared_hub, tmp_path, kiosks):
    edge = Edge()
    w = start_kiosk(qtbot, shared_hub, tmp_path, connect=edge.connect)
    kiosks.append(w)
    admin = shared_hub.client("admin")
    qtbot.waitUntil(lambda: w.link.following, timeout=5000)

    def printer_fine():  # the kiosk's heartbeat has told the hub
        me = {d["id"]: d for d in admin.get("/api/v1/offices/demo/devices")}["kiosk-demo"]
        return me["online"] and me["status"].get("printer", {}).get("state") == "ok"

    qtbot.waitUntil(printer_fine, timeout=5000)
    time.sleep(0.2)  # the event stream is attached
    t = admin.issue("demo", "instalment", source="administrator", individual=True)
    admin.post(f"/api/v1/tickets/{t['id']}/print", {"device": "kiosk-demo"})
    qtbot.waitUntil(lambda: len(edge.jobs()) == 1, timeout=5000)
    job = decode(edge.jobs()[0], load_profile("epson-tm-t88").code_page_table())
    assert t["code"] in job.text and "Индивидуальный формат обслуживания" in job.text
    assert [q.payload for q in job.qr_codes] == [f"{shared_hub.url}{t['url']}"]
    assert w.current is w.idle  # the visitor at the screen is not disturbed


def test_printer_out_of_paper_shows_the_ticket_and_tells_the_hub(qtbot, shared_hub, tmp_path, kiosks):
    edge = Edge()
    edge.paper = PAPER_NONE
    w = start_kiosk(qtbot, shared_hub, tmp_path, connect=edge.connect, ticket_timeout_s=1.0,
                    failed_ticket_timeout_s=30.0)
    kiosks.append(w)
    admin = shared_hub.client("admin")
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["individual"])
    click(qtbot, w.topic_screen.buttons["cash"])
    qtbot.waitUntil(lambda: w.current is w.ticket, timeout=5000)
    qtbot.waitUntil(lambda: w.ticket.alert.isVisible(), timeout=5000)
    assert "закончилась бумага" in w.ticket.alert_text.text()
    assert w.ticket.code.text().startswith("Б-")
    assert w.ticket.qr.pixmap().width() >= 400  # the QR code big enough to photograph from the screen
    assert screen_qr(w) and screen_qr(w)[0].startswith(f"{shared_hub.url}/t/")
    assert edge.jobs() == []  # nothing was printed
    check_readable(w)
    shot(w, "printer-failed")
    time.sleep(1.3)
    assert w.current is w.ticket  # the ticket stays up longer when it was not printed

    def printer_alert():
        return [a for a in admin.get("/api/v1/offices/demo/alerts")["alerts"]
                if a["kind"] == "printer_down" and a.get("device") == "kiosk-demo"]

    def printer_state():
        return {d["id"]: d for d in admin.get("/api/v1/offices/demo/devices")}["kiosk-demo"]["status"]["printer"]

    qtbot.waitUntil(lambda: bool(printer_alert()), timeout=5000)
    qtbot.waitUntil(lambda: printer_state()["state"] == "paper_out", timeout=5000)  # the heartbeat says so too
    click(qtbot, w.footer.back)
    assert w.current is w.idle and w.idle.printer_note.isVisible()  # honest on the idle screen too

    edge.paper = PAPER_OK  # the administrator put paper in: the next ticket prints and the incident closes
    click(qtbot, w.idle.start_button)
    click(qtbot, w.choice.buttons["individual"])
    click(qtbot, w.topic_screen.buttons["cash"])
    qtbot.waitUntil(lambda: len(edge.jobs()) == 1, timeout=5000)
    qtbot.waitUntil(lambda: "Возьмите" in w.ticket.print_state.text(), timeout=5000)
    qtbot.waitUntil(lambda: not printer_alert(), timeout=5000)
    qtbot.waitUntil(lambda: printer_state() == {"state": "ok"}, timeout=5000)


def test_pairing_with_the_code_from_the_stand_on_the_touch_keypad(qtbot, shared_hub, tmp_path, kiosks):
    admin = shared_hub.client("admin")
    device = admin.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": "Киоск у окна 6"})
    w = start_kiosk(qtbot, shared_hub, tmp_path, "--printer-file", str(tmp_path / "p.bin"), key=False,
                    wait_idle=False)
    kiosks.append(w)
    qtbot.waitUntil(lambda: w.current is w.pairing, timeout=5000)
    check_readable(w)
    for digit in "000000" if device["pairing_code"] != "000000" else "111111":  # a wrong code first
        click(qtbot, w.pairing.keys[digit])
    click(qtbot, w.pairing.keys["Готово"])
    qtbot.waitUntil(lambda: w.pairing.error.isVisible(), timeout=5000)
    assert "неверен" in w.pairing.error.text()
    shot(w, "pairing")
    for digit in device["pairing_code"]:
        click(qtbot, w.pairing.keys[digit])
    click(qtbot, w.pairing.keys["Готово"])
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=5000)
    assert w.device == device["id"]
    saved = KioskSettings.load(w.settings_file)
    assert saved.key and saved.hub_url == shared_hub.url  # the next start needs no options
    assert saved.fullscreen and saved.idle_timeout_s == 30.0  # this run's --window stays out of the file

    def online():
        return {d["id"]: d for d in admin.get("/api/v1/offices/demo/devices")}[device["id"]]["online"]

    qtbot.waitUntil(online, timeout=5000)  # its first heartbeat


def test_portrait_screens_keep_big_type_and_buttons(qtbot, shared_hub, tmp_path, kiosks):
    edge = Edge()
    w = start_kiosk(qtbot, shared_hub, tmp_path, size="1080x1920", connect=edge.connect)
    kiosks.append(w)
    assert w.mode == "portrait"
    check_readable(w)
    shot(w, "idle-portrait")
    click(qtbot, w.idle.start_button)
    check_readable(w)
    click(qtbot, w.choice.buttons["individual"])
    check_readable(w)
    assert w.topic_screen.columns("portrait", len(w.topic_screen.buttons)) == 1
    shot(w, "topics-portrait")
    click(qtbot, w.topic_screen.buttons["owner"])
    qtbot.waitUntil(lambda: "Возьмите" in w.ticket.print_state.text(), timeout=5000)
    check_readable(w)
    assert w.ticket.code.px >= 200
    shot(w, "ticket-portrait")
    # the same kiosk forced to portrait on a landscape screen (--portrait) and back
    w.resize(1920, 1080)
    w.app.processEvents()
    assert w.mode == "landscape"


def test_every_colour_pair_has_at_least_7_to_1_contrast():
    for fg, bg in CONTRAST_PAIRS:
        assert contrast(fg, bg) >= 7.0, (fg, bg)


def test_without_an_address_the_kiosk_finds_the_hub_on_the_lan(qtbot, shared_hub, tmp_path, kiosks):
    path = tmp_path / "lan.json"
    KioskSettings(retry_s=0.3, discovery_s=0.2).save(path)
    answers = [[], [shared_hub.url]]  # nobody answers at first; then the hub is announced
    looked = []

    def finder(timeout):
        looked.append(timeout)
        return answers.pop(0) if answers else [shared_hub.url]

    w = build(["--key", shared_hub.kiosk_key, "--settings", str(path), "--window", "1920x1080",
               "--printer-file", str(tmp_path / "p.bin")], discover=finder)
    kiosks.append(w)
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.current is w.message and w.message.kind == "hub_down_discovery", timeout=5000)
    assert w.message.title.text() == "Сервер очереди не найден"
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=10000)
    assert w.hub_url == shared_hub.url and looked[:2] == [0.2, 0.2]
