"""The kiosk's connection to the hub: finding it, pairing, reading the office, following its events,
the heartbeat; «Нет связи» when it is lost and a retry on its own. A part of ``KioskWindow``.
"""
from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, Signal

from hub_client import HubError, HubEvent, HubUnavailable
from hub_client.qt import HubBridge

from . import flow
from .discovery import hub_url as find_hub_url
from .settings import KioskSettings

log = logging.getLogger(__name__)

VERSION = "talon-kiosk/1"


class KioskConnection:
    """The kiosk's link to the hub (a part of ``KioskWindow``, which owns the state it uses)."""

    # ------------------------------------------------------------------ connecting

    def start(self) -> None:
        """Find the hub (if no address is set), pair if asked, then read the office."""
        if self.hub_url:
            self._with_hub()
            return
        self.message.show_message("discovering", "Ищем сервер очереди в сети…", "Пожалуйста, подождите.",
                                  busy=True)
        self.show_screen(self.message)
        finder = self.discover
        timeout = self.settings.discovery_s

        class Found(QObject):
            done = Signal(object)

        self._found = Found()
        self._found.done.connect(self._discovered)

        def look():
            url, _ = find_hub_url(None, timeout, finder)
            try:
                self._found.done.emit(url)
            except RuntimeError:
                pass

        threading.Thread(target=look, name="kiosk-discovery", daemon=True).start()

    def _discovered(self, url: str | None) -> None:
        if self._closing:
            return
        if not url:
            self.message.show_message("hub_down_discovery", "Сервер очереди не найден",
                                      "Киоск не нашёл сервер очереди в сети. Мы продолжаем искать сами. "
                                      "Администратору: укажите адрес сервера (talon kiosk --hub http://…).",
                                      name="Сервер не найден", alert=True)
            self.show_screen(self.message)
            self.retry_timer.start()
            return
        log.info("using the hub found on the LAN: %s", url)
        self.hub_url = url
        self.hub_from_lan = True
        self._with_hub()

    def _with_hub(self) -> None:
        self.link = HubBridge(self.hub_url, self.settings.key, timeout=4.0, retries=1, workers=3,
                              name="kiosk-hub", parent=self)
        if self.pair_code:
            self.on_pair_code(self.pair_code)
        elif not self.settings.key:
            self.show_pairing()
        else:
            self.connect_hub()

    def show_pairing(self, error: str = "") -> None:
        self.pairing.reset(error)
        self.show_screen(self.pairing)

    def on_pair_code(self, code: str) -> None:
        self.pairing.set_busy(True)
        self.footer.set_status("Проверяем код…", busy=True)

        def paired(result: dict) -> None:
            self.pair_code = None
            self.pairing.set_busy(False)
            self.link.token = self.settings.key = result["token"]
            self.office = result.get("office") or self.office
            try:  # into the file as it is (this run's command line stays out of it)
                stored = KioskSettings.load(self.settings_path)
                stored.key = result["token"]
                if not self.hub_from_lan:  # an address found by zeroconf is looked for again next time
                    stored.hub_url = self.hub_url
                stored.save(self.settings_path)
            except (OSError, ValueError) as exc:
                log.error("the device key could not be saved: %s", exc)
            log.info("paired with the hub as %s", result.get("device"))
            self.connect_hub()

        def failed(exc: Exception) -> None:
            self.pair_code = None
            self.pairing.set_busy(False)
            if isinstance(exc, HubError):
                self.show_pairing(exc.message)
            else:
                self.show_pairing("Нет связи с сервером очереди. Проверьте сеть и попробуйте ещё раз.")

        self.link.run(lambda c: c.pair(code), paired, failed)

    def connect_hub(self) -> None:
        """Learn who we are (office, device) and read the office's state."""
        if self.checking or self.link is None:
            return
        self.checking = True

        def call(c):
            me = c.me()
            office = self.office or me.get("office")
            return me, c.state(office)

        self.link.run(call, self._connected, self._connect_failed)

    def _connected(self, answer) -> None:
        self.checking = False
        me, state = answer
        self.device = me.get("device")
        self.office = self.office or me.get("office")
        was_down = not self.hub_ok
        self.hub_ok = True
        self.retry_timer.stop()
        self.apply_state(state)
        if self.link is not None and not self.link.following:
            self.link.follow(self.office, state.get("seq"), self.on_event, self.on_stream)
        if not self.heartbeat_timer.isActive():
            self.heartbeat_timer.start()
            self.refresh_timer.start()
        self.send_heartbeat()
        self.flush_incidents()
        if self.pending is not None:
            self._send_issue(self.pending)
        elif self.current is self.pairing or (self.current is self.message and self.message.kind in (
                "connecting", "discovering", "hub_down", "hub_down_discovery")):
            self.go_idle()
        elif was_down:
            log.info("the hub is back")

    def _connect_failed(self, exc: Exception) -> None:
        self.checking = False
        if isinstance(exc, HubError) and exc.status in (401, 403):
            log.error("the hub refused the kiosk's key: %s", exc.message)
            self.settings.key = None
            if self.link is not None:
                self.link.token = None
            self.show_pairing("Сервер очереди не принял ключ киоска. Введите новый код привязки.")
            return
        self.hub_lost()

    def hub_lost(self) -> None:
        """The hub can not be reached: say so (unless a visitor is reading a ticket), try again later."""
        if self.hub_ok:
            log.warning("the hub can not be reached")
        self.hub_ok = False
        on_message = self.current is self.message and self.message.kind in ("connecting", "hub_down", "discovering")
        if self.pending is None and (self.current in (self.idle, self.choice, self.topic_screen) or on_message):
            self.show_hub_down()
        if not self.retry_timer.isActive():
            self.retry_timer.setInterval(int(self.settings.retry_s * 1000))
            self.retry_timer.start()

    def show_hub_down(self) -> None:
        self.message.show_message("hub_down", flow.HUB_DOWN_TITLE, flow.HUB_DOWN_TEXT, name="Нет связи с сервером",
                                  alert=True, busy=True)
        self.show_screen(self.message)
        self.tick()

    def on_retry(self) -> None:
        if self._closing:
            return
        if self.hub_url is None:
            self.start()
        elif self.link is None:
            self._with_hub()
        elif self.pending is not None:
            self._send_issue(self.pending)
        else:
            self.connect_hub()

    def on_stream(self, connected: bool) -> None:
        if connected:
            if not self.hub_ok:
                self.connect_hub()
            else:
                self.refresh_state()  # events may have been missed: hours, topics
        else:
            self.connect_hub()  # is the hub really gone, or only the stream?

    def apply_state(self, state: dict) -> None:
        self.state = state
        self.hub_offset = float(state.get("now", time.time())) - time.time()
        self.topics = flow.topics(state)
        office = state.get("office") or {}
        texts = office.get("texts") or {}
        self.header.office.set_full_text(office.get("name") or "")
        self.idle.show_office(texts.get("greeting") or "", flow.hours_lines(state.get("schedule")),
                              texts.get("recording") or "Ведётся аудио- и видеозапись")
        self._update_idle()

    def _update_idle(self) -> None:
        if self.state is None:
            return
        if self.state.get("open", True):
            self.idle.set_open(True)
        else:
            self.idle.set_open(False, *flow.closed_message(self.state.get("opens_at"), self.local_now()))
        down = [k for k in self.printer_active if k in flow.DOWN_KINDS]
        self.idle.set_printer_note("Принтер сейчас не печатает: номер талона будет показан на экране."
                                   if down else None)
        self.tick()

    def refresh_state(self) -> None:
        if self.link is None or self.office is None:
            return

        def ok(state):
            self.hub_ok = True
            self.apply_state(state)

        self.link.run(lambda c: c.state(self.office), ok,
                      lambda exc: self.hub_lost() if isinstance(exc, HubUnavailable) else None)

    def on_event(self, event: HubEvent) -> None:
        if event.type in ("config.changed", "day.started"):
            self.refresh_state()
        elif event.type == "ticket.print_requested" and event.data.get("device") == self.device:
            self.print_requested(int(event.data["ticket"]))


    def send_heartbeat(self) -> None:
        if self.link is None or not self.settings.key or self.office is None:
            return
        printer = flow.printer_heartbeat(self.printer_active)

        def failed(exc: Exception) -> None:
            if isinstance(exc, HubUnavailable):
                self.hub_lost()

        self.link.run(lambda c: c.heartbeat(printer=printer, version=VERSION), None, failed)
        self.flush_incidents()
