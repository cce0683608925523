"""The kiosk window and its flow: idle → (client type) → topic → ticket, and the honest states.

A visitor touches the idle screen, picks «физическое / юридическое лицо» where the office
serves both, picks a topic, and gets a ticket: two touches after the idle screen. Every hub
call runs off the GUI thread (``hub_client.qt.HubBridge``); printing runs on the spooler's thread. The screen
shows what is going on and never waits for either.

Honest states: outside reception hours (or for a closed topic) the kiosk issues nothing and
says when reception starts; when the hub can not be reached it says so and tries again on its
own, keeping the same Idempotency-Key for the touch it is retrying, so a retry never makes a
second ticket and no number is ever made up on the kiosk. When printing fails, the ticket
(code and QR) stays on screen, big, and the printer incident goes to the hub so the
administrator's stand shows it and its downtime is counted (001:784).

``KioskWindow`` is put together from its parts, one module each: ``connection.py`` (finding the
hub, pairing, the office's state and events, the heartbeat), ``visitor_flow.py`` (the screens a
visitor goes through and the issue of a ticket), ``help_call.py`` (the call for help) and
``printing_flow.py`` (print jobs and printer incidents); this module holds the window itself:
its screens, layout, keyboard focus, timers and closing.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from hub_client.qt import HubBridge
from printer_profiles import PrinterProfile

from . import flow
from .checkin import CheckinScreen
from .checkin import install as install_checkin
from .connection import VERSION, KioskConnection  # noqa: F401 (VERSION: the kiosk's name at the hub)
from .help_call import HelpCall
from .printing import PrintSpooler, TicketTemplate, open_printer
from .printing_flow import PrintingFlow
from .screens import (
    LANDSCAPE,
    ChoiceScreen,
    FocusRing,
    Footer,
    Header,
    HelpNotice,
    IdleScreen,
    MessageScreen,
    PairScreen,
    Screen,
    TicketScreen,
    TopicScreen,
    kiosk_font,
    mode_for,
    scaled,
    sizes_for,
    stylesheet,
)
from .settings import KioskSettings
from .visitor_flow import PendingIssue, VisitorFlow

log = logging.getLogger(__name__)


class _SpoolerBridge(QObject):
    """The spooler's callbacks run on its worker thread; these signals bring them to the Qt thread."""

    printed = Signal(object)
    failed = Signal(object, str)
    incident = Signal(str, str)
    recovered = Signal(str)


class KioskWindow(KioskConnection, VisitorFlow, HelpCall, PrintingFlow, QWidget):
    """The whole kiosk: screens, hub link, print spooler, timers."""

    ready = Signal()  # the idle screen is up with the hub's data (first time)

    def __init__(self, settings: KioskSettings, *, hub_url: str | None, profile: PrinterProfile,
                 template: TicketTemplate | None = None, connect=open_printer, pair_code: str | None = None,
                 settings_path=None, discover=None):
        super().__init__()
        self.setObjectName("kiosk")
        self.setWindowTitle("Талон — киоск")
        self.setFont(kiosk_font())
        self.settings = settings
        self.settings_path = settings_path
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        self.pair_code = pair_code
        self.discover = discover
        self.hub_from_lan = False
        self.link: HubBridge | None = None
        self.state: dict | None = None
        self.office: str | None = settings.office
        self.device: str | None = None
        self.hub_offset = 0.0
        self.hub_ok = False
        self.topics: list[flow.Topic] = []
        self.client_type: str | None = None
        self.pending: PendingIssue | None = None
        self.ticket_job: int | None = None
        self.printer_active: dict[str, str] = {}
        self.incident_outbox: list[tuple[str, str]] = []
        self.incident_sending = False
        self.hub_incident_open = False
        self.help_sent_at: float | None = None
        self.checking = False
        self._ready_sent = False
        self._mode = ""
        self._u = 0.0
        self._s: dict = {}
        self._closing = False

        # screens
        self.header = Header()
        self.footer = Footer()
        self.idle = IdleScreen()
        self.choice = ChoiceScreen()
        self.topic_screen = TopicScreen()
        self.ticket = TicketScreen()
        self.message = MessageScreen()
        self.pairing = PairScreen()
        self.checkin = CheckinScreen()  # «У меня запись» (issue 16, kiosk/checkin.py)
        self.stack = QStackedWidget()
        for screen in self.screens():
            self.stack.addWidget(screen)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.header)
        box.addWidget(self.stack, 1)
        box.addWidget(self.footer)
        self.notice = HelpNotice(self)
        self.ring = FocusRing(self)  # the keyboard's focus, for visitors who can not use the touch screen
        QApplication.instance().focusChanged.connect(self._focus_moved)
        self.notice.closed.connect(self.focus_first)

        self.idle.start.connect(self.on_start)
        self.choice.chosen.connect(self.on_client_type)
        self.topic_screen.chosen.connect(self.on_topic)
        self.message.action.connect(self.on_message_action)
        self.pairing.entered.connect(self.on_pair_code)
        self.footer.back.clicked.connect(self.on_back)
        self.footer.help.clicked.connect(self.ask_help)
        self.checkin_flow = install_checkin(self)

        # timers
        self.clock_timer = self._timer(1000, self.tick)
        self.idle_timer = self._timer(int(settings.idle_timeout_s * 1000), self.on_idle_timeout, single=True)
        self.retry_timer = self._timer(int(settings.retry_s * 1000), self.on_retry, single=True)
        self.heartbeat_timer = self._timer(int(settings.heartbeat_s * 1000), self.send_heartbeat)
        self.refresh_timer = self._timer(int(settings.refresh_s * 1000), self.refresh_state)
        self.notice_timer = self._timer(15000, self.notice.hide, single=True)

        # printing
        self.profile = profile
        self.bridge = _SpoolerBridge()
        self.bridge.printed.connect(self.on_printed)
        self.bridge.failed.connect(self.on_print_failed)
        self.bridge.incident.connect(self.on_printer_incident)
        self.bridge.recovered.connect(self.on_printer_recovered)
        self.spooler = PrintSpooler(profile, connect=connect, template=template,
                                    on_printed=self.bridge.printed.emit, on_failed=self.bridge.failed.emit,
                                    on_incident=self.bridge.incident.emit, on_recovered=self.bridge.recovered.emit)

        QApplication.instance().installEventFilter(self)
        self.resize(1920, 1080)
        self.arrange()
        self.message.show_message("connecting", "Подключение к серверу очереди…", "Пожалуйста, подождите.",
                                  busy=True)
        self.show_screen(self.message)
        self.clock_timer.start()

    # ------------------------------------------------------------------ plumbing

    def _timer(self, ms: int, slot, single: bool = False) -> QTimer:
        t = QTimer(self)
        t.setInterval(ms)
        t.setSingleShot(single)
        t.timeout.connect(slot)
        return t

    def screens(self) -> list[Screen]:
        return [self.idle, self.choice, self.topic_screen, self.ticket, self.message, self.pairing, self.checkin]

    @property
    def current(self) -> Screen:
        return self.stack.currentWidget()

    def now(self) -> float:
        """The hub's clock (the office's one time), as last learned from its state."""
        return time.time() + self.hub_offset

    def local_now(self):
        return flow.local(self.now(), flow.office_zone(self.state))

    @property
    def visitor_base(self) -> str:
        return self.settings.visitor_url or self.hub_url or ""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - any touch keeps the visitor's screen up
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            if self.idle_timer.isActive():
                self.idle_timer.start()
            if self.ring.keyboard:  # a touch: the focus ring is for keys only
                self.ring.keyboard = False
                self.ring.place()
        elif kind == QEvent.Type.KeyPress:
            if self.idle_timer.isActive():  # a key press is the visitor's action too
                self.idle_timer.start()
            if not self.ring.keyboard:
                self.ring.keyboard = True
                self.ring.follow(QApplication.focusWidget())
        return False

    def _focus_moved(self, _old, new) -> None:
        self.ring.follow(new)

    def focusable(self) -> list[QPushButton]:
        """The buttons the keyboard goes through, in order: the screen's (or the help notice's),
        then «Назад»/«Готово» and the help button."""
        if self.notice.isVisible():
            return [self.notice.ok]
        screen = self.current
        own = getattr(screen, "buttons", None) or getattr(screen, "keys", None)
        buttons = list(own.values()) if isinstance(own, dict) else screen.findChildren(QPushButton)
        buttons += [self.footer.back, self.footer.help]
        return [b for b in buttons if b.isVisibleTo(self) and b.isEnabled()]

    def focus_first(self) -> None:
        """The keyboard's order for the screen now up, and focus on its first button."""
        chain = self.focusable()
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        if chain:
            chain[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.arrange()
        self.ring.place()

    def arrange(self, size=None) -> None:
        size = size or self.size()  # a size to lay out for before the window has it (fill_screen)
        mode = mode_for(size, self.settings.orientation)
        s = sizes_for(size, mode)  # scaled with the screen, no text under the floor (24 px, 20 on 800×600)
        if mode == self._mode and s == self._s:
            self._place_notice()
            return
        self._mode, self._s = mode, s
        self._u = s["margin"] / 40
        self.setStyleSheet(stylesheet(s))
        self.header.arrange(mode, s)
        self.footer.arrange(mode, s)
        for screen in self.screens():
            screen.arrange(mode, s)
        self._place_notice()

    @property
    def mode(self) -> str:
        return self._mode or LANDSCAPE

    def fill_screen(self) -> None:
        """Full screen on the screen the kiosk stands on, at that screen's real size.

        ``showFullScreen()`` alone only asks the window manager; an X server without one (a kiosk
        started straight from xinit) leaves the window at its first size, 1920×1080, so a portrait
        1080×1920 screen got the landscape layout with «Получить талон» cut to a sliver and the
        help button off the screen. The window takes the screen's geometry itself, and again
        when the screen is turned or resized.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.showFullScreen()
            return
        # laid out for the screen first: the landscape layout's minimum width would not fit a portrait screen
        self.arrange(screen.geometry().size())
        self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.setGeometry(screen.geometry())
        self.arrange()
        if getattr(self, "_followed_screen", None) is not screen:
            if self._followed_screen is not None:
                try:
                    self._followed_screen.geometryChanged.disconnect(self._screen_changed)
                except (RuntimeError, TypeError):
                    pass
            screen.geometryChanged.connect(self._screen_changed)
            self._followed_screen = screen
        log.info("full screen on %s: %dx%d, %s layout", screen.name(), screen.geometry().width(),
                 screen.geometry().height(), self.mode)

    _followed_screen = None

    def _screen_changed(self, geometry) -> None:
        if self.isFullScreen():
            self.arrange(geometry.size())
            self.setGeometry(geometry)
            self.arrange()

    def _place_notice(self) -> None:
        s = self._s or scaled(self.mode, 1.0)
        self.notice.arrange(self.mode, s, self.rect())

    def show_screen(self, screen: Screen, timeout_s: float | None = None) -> None:
        """Bring a screen up; ``timeout_s`` is how long until the kiosk returns to idle by itself."""
        self.stack.setCurrentWidget(screen)
        if screen in (self.choice, self.topic_screen, self.checkin):
            self.footer.set_left("Назад")
        elif screen is self.ticket:
            self.footer.set_left("Готово", primary=True)
        else:
            self.footer.set_left(None)
        self.footer.set_status("")
        self.header.clock.setVisible(screen is not self.idle)
        self.focus_first()
        if timeout_s:
            self.idle_timer.setInterval(int(timeout_s * 1000))
            self.idle_timer.start()
        else:
            self.idle_timer.stop()
        log.debug("screen: %s", screen.name)

    def tick(self) -> None:
        if self.state is None:
            self.header.clock.setText(time.strftime("%H:%M"))
            return
        now = self.local_now()
        self.header.clock.setText(flow.clock_text(now))
        if self.current is self.idle:
            self.idle.set_time(flow.greeting(now), flow.clock_text(now), flow.date_text(now))
        if self.retry_timer.isActive() and self.current is self.message and self.message.kind.startswith("hub_down"):
            left = max(1, round(self.retry_timer.remainingTime() / 1000))
            self.message.set_detail(f"Следующая попытка через {left} с")

    # ------------------------------------------------------------------ closing

    def shutdown(self) -> None:
        if self._closing:
            return
        self._closing = True
        for t in (self.clock_timer, self.idle_timer, self.retry_timer, self.heartbeat_timer, self.refresh_timer,
                  self.notice_timer):
            t.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.link is not None:
            self.link.close()
        self.spooler.stop(timeout=2.0)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)
