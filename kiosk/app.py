"""``talon kiosk``: the touchscreen ticket kiosk.

    talon kiosk --hub URL [--key KEY | --pair CODE] [--printer PROFILE] [--printer-file PATH]
                [--template FILE.toml] [--portrait | --landscape] [--window WxH] [--settings FILE]
    talon kiosk [--hub URL] --preview FILE.png     # the ticket as it will look on paper, no printer

Without ``--hub`` the address comes from the settings file, and without one there the kiosk
looks for the hub on the LAN (zeroconf ``_talon._tcp``). See docs/kiosk.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from printer_profiles import TEXT_MODES, PrinterProfile, ProfileError, load_profile

from .printing import TemplateError, TicketPrint, load_template, render_preview
from .settings import KioskSettings, default_path

log = logging.getLogger("kiosk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="talon kiosk", description="Талон: киоск выдачи талонов с сенсорным экраном.")
    p.add_argument("--hub", metavar="URL", help="адрес сервера очереди (без него — из настроек или поиск в сети)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--key", help="ключ устройства (киоска), выданный сервером")
    who.add_argument("--pair", metavar="CODE", help="шестизначный код привязки со стойки администратора")
    p.add_argument("--printer", metavar="PROFILE",
                   help="профиль принтера (epson-tm-t88, pos-58, xprinter-80, rongta-rp326, "
                        "bixolon-srp-350 или файл .toml)")
    p.add_argument("--printer-file", metavar="PATH", help="печатать в файл или устройство (например /dev/usb/lp0)")
    p.add_argument("--template", metavar="FILE", help="шаблон талона офиса (TOML)")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--portrait", action="store_true", help="вертикальный экран")
    side.add_argument("--landscape", action="store_true", help="горизонтальный экран")
    p.add_argument("--window", metavar="WxH", help="окно заданного размера вместо полного экрана (для наладки)")
    p.add_argument("--settings", metavar="FILE", type=Path, help=f"файл настроек (по умолчанию {default_path()})")
    p.add_argument("--preview", metavar="FILE.png", type=Path, help="нарисовать образец талона в PNG и выйти")
    p.add_argument("--show-cursor", action="store_true", help="не прятать указатель мыши")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)  # for bench/bench_kiosk.py
    return p.parse_args(argv)


def effective_settings(args: argparse.Namespace) -> KioskSettings:
    """The settings file with this run's command line on top."""
    settings = KioskSettings.load(args.settings)
    if args.hub:
        settings.hub_url = args.hub
    if args.key:
        settings.key = args.key
    if args.printer:
        settings.printer = args.printer
    if args.template:
        settings.template = args.template
    if args.portrait:
        settings.orientation = "portrait"
    elif args.landscape:
        settings.orientation = "landscape"
    if args.window:
        settings.fullscreen = False
    settings.check()
    return settings


def printer_profile(settings: KioskSettings, printer_file: str | None = None) -> PrinterProfile:
    """The printer profile with this kiosk's connection (``printer_connector`` or ``--printer-file``)."""
    profile = load_profile(settings.printer)
    connector = dict(settings.printer_connector or {})
    if printer_file:
        connector = {"kind": "file", "path": str(printer_file)}
    if connector:
        if connector.get("kind", profile.connector.kind) not in ("usb", "network"):
            profile = dataclasses.replace(profile, status_readable=False)  # a file can not answer DLE EOT
        profile = profile.with_connector(**connector)
    return profile


def hub_text_mode(settings: KioskSettings) -> str | None:
    """How the administrator chose (on the stand) this kiosk's printer to print its text:
    ``native``, ``raster`` (the ticket as a picture, for a printer that prints boxes), or None
    (not chosen, or the hub can not say now: the profile decides)."""
    if not (settings.hub_url and settings.key):
        return None
    from hub_client import HubClient, HubError, HubUnavailable

    try:
        answer = HubClient(settings.hub_url, token=settings.key, timeout=2, retries=0).get("/api/v1/devices/printer")
    except (HubError, HubUnavailable) as exc:
        log.info("printer setting not read from the hub (%s): the profile decides", exc)
        return None
    mode = answer.get("text_mode") if isinstance(answer, dict) else None
    return mode if mode in TEXT_MODES else None


def follow_printer_setting(window) -> None:
    """Apply a printer setting changed on the stand (``config.changed``, ``what: printer``) to
    the kiosk's spooler at once; the next ticket prints that way."""
    passed_on = window.on_event

    def on_event(event) -> None:
        data = event.data or {}
        if (event.type == "config.changed" and data.get("what") == "printer"
                and data.get("device") == window.device and data.get("text_mode") in TEXT_MODES):
            try:
                window.spooler.profile = window.spooler.profile.with_text_mode(data["text_mode"])
                log.info("printer text mode set on the stand: %s", data["text_mode"])
            except ProfileError as exc:  # a model without raster images
                log.error("printer text mode %s not possible: %s", data["text_mode"], exc)
        passed_on(event)

    window.on_event = on_event


def sample_ticket(settings: KioskSettings, hub_url: str | None) -> TicketPrint:
    """A realistic ticket for the preview: the office's own texts and a topic when the hub is reachable."""
    from . import flow

    office = {"name": "Центр обслуживания клиентов", "company": "Энергосбыт", "address": "г. Энск, ул. Ленина, д. 1",
              "texts": {"phone": "8 800 000-00-00"}}
    services: list[dict] = []
    zone = None
    if hub_url:
        from hub_client import HubClient, HubError, HubUnavailable

        client = HubClient(hub_url, token=settings.key, timeout=3, retries=0)
        try:
            if settings.key:
                state = client.state(settings.office or client.me()["office"])
                office, services, zone = state["office"], state["services"], flow.office_zone(state)
            else:
                offices = client.offices()
                wanted = next((o for o in offices if o["id"] == settings.office), offices[0] if offices else None)
                if wanted:
                    office = {**wanted, "texts": {}}
                    services = client.get(f"/api/v1/offices/{wanted['id']}/services")
        except (HubError, HubUnavailable, KeyError, IndexError) as exc:
            log.warning("the hub could not be read for the preview (%s): sample data is used", exc)
    topic = next((s for s in services if s.get("checklist")), services[0] if services else None)
    texts = office.get("texts") or {}
    extra = {k: texts[t] for k, t in (("recording_notice", "recording"), ("farewell", "farewell")) if texts.get(t)}
    base = settings.visitor_url or hub_url or "https://talon.example"
    return TicketPrint(
        company=office.get("company") or "", office_name=office.get("name") or "",
        office_address=office.get("address") or "",
        code=f"{(topic or {}).get('letter') or 'А'}-001",
        service_name=(topic or {}).get("name") or "Консультация",
        people_ahead=3, wait_min=6, wait_max=9,
        issued_at=datetime.now(zone).astimezone(zone),
        url=flow.visitor_link("/t/obrazets-talona", base),
        contact_phone=texts.get("phone") or "",
        checklist=list((topic or {}).get("checklist") or ["Паспорт"]),
        **extra,
    )


def preview(args: argparse.Namespace, settings: KioskSettings) -> int:
    profile = printer_profile(settings, args.printer_file)
    template = load_template(settings.template) if settings.template else None
    ticket = sample_ticket(settings, settings.hub_url)
    path = render_preview(ticket, profile, args.preview, template)
    sys.stdout.write(f"Образец талона для принтера «{profile.title}» сохранён: {path}\n")
    return 0


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def build(argv: list[str] | None = None, *, connect=None, discover=None):
    """The kiosk window, ready to ``start()`` (tests and the benchmark use this; ``main`` runs it)."""
    from PySide6.QtWidgets import QApplication

    from .printing import open_printer
    from .window import KioskWindow

    args = parse_args(argv)
    settings = effective_settings(args)
    profile = printer_profile(settings, args.printer_file)
    mode = hub_text_mode(settings)  # chosen on the stand for this kiosk
    if mode:
        try:
            profile = profile.with_text_mode(mode)
        except ProfileError as exc:
            log.error("printer text mode %s not possible: %s", mode, exc)
    template = load_template(settings.template) if settings.template else None
    app = QApplication.instance() or QApplication(["talon-kiosk"])
    window = KioskWindow(settings, hub_url=settings.hub_url, profile=profile, template=template,
                         connect=connect or open_printer, pair_code=args.pair, settings_path=args.settings,
                         discover=discover)
    follow_printer_setting(window)
    if args.window:
        window.resize(*_size(args.window))
        window.arrange()  # lay out for this size before it is shown
    window.args = args
    window.app = app
    return window


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = effective_settings(args)
        if args.preview:
            return preview(args, settings)
        window = build(argv)
    except (ProfileError, TemplateError, ValueError) as exc:
        log.error("%s", exc)
        sys.stderr.write(f"talon kiosk: {exc}\n")
        return 2

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = window.app
    if args.ready_file:
        def ready() -> None:
            args.ready_file.write_text(json.dumps({"ready_s": time.perf_counter() - started}), encoding="utf-8")

        window.ready.connect(ready)
    if settings.fullscreen:
        window.fill_screen()  # the screen's own size and orientation, with or without a window manager
        if not args.show_cursor:
            QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)  # touch only
    else:
        window.show()
    QTimer.singleShot(0, window.start)

    # Let Ctrl+C reach Python now and then (Qt's loop would hold it); works on Windows too.
    import signal
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QTimer()
    wake.start(500)
    wake.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
