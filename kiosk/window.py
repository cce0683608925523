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
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from hub_client import HubError, HubEvent, HubUnavailable
from hub_client.qt import HubBridge
from printer_profiles import PrinterProfile

from . import flow
from .checkin import CheckinScreen
from .checkin import install as install_checkin
from .discovery import hub_url as find_hub_url
from .printing import PrintJob, PrintSpooler, TicketTemplate, open_printer
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

log = logging.getLogger(__name__)

VERSION = "talon-kiosk/1"


@dataclass
class PendingIssue:
    """One touch on a topic, until the hub answers. Its key is reused for every retry."""

    topic: flow.Topic
    client_type: str | None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    touched: float = field(default_factory=time.monotonic)
    attempts: int = 0
    in_flight: bool = False


class _SpoolerBridge(QObject):
    """The spooler's callbacks run on its worker thread; these signals bring them to the Qt thread."""

    printed = Signal(object)
    failed = Signal(object, str)
    incident = Signal(str, str)
    recovered = Signal(str)


class KioskWindow(QWidget):
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
        for a, b in zip(chain, chain[1:]):
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

    # ------------------------------------------------------------------ help

    def ask_help(self) -> None:
        screen = self.current.name if self.current is not self.message else self.message.name
        if self.link is None or self.office is None:
            self.notice.show_notice("Не удалось позвать сотрудника",
                                    "Киоск не подключён к серверу очереди. Пожалуйста, обратитесь к "
                                    "администратору зала.", alert=True)
            self.notice_timer.start()
            return
        if self.help_sent_at is not None and time.monotonic() - self.help_sent_at < self.settings.help_repeat_s:
            self._help_sent()
            return
        self.notice.show_notice("Зовём сотрудника…", "Пожалуйста, подождите.")
        self.notice_timer.start()

        def ok(_answer) -> None:
            self.help_sent_at = time.monotonic()
            self._help_sent()

        def failed(exc: Exception) -> None:
            log.error("help request failed: %s", exc)
            self.notice.show_notice("Не удалось позвать сотрудника",
                                    "Нет связи с сервером очереди. Пожалуйста, обратитесь к администратору "
                                    "зала или к любому сотруднику.", alert=True)
            self.notice_timer.start()

        self.link.run(lambda c: c.help(self.office, screen=screen), ok, failed)

    def _help_sent(self) -> None:
        self.notice.show_notice("Сотрудник скоро подойдёт",
                                "Администратор зала получил Ваш вызов. Пожалуйста, подождите здесь, у киоска.")
        self.notice_timer.start()
        if self.idle_timer.isActive():
            self.idle_timer.start()

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

    def send_heartbeat(self) -> None:
        if self.link is None or not self.settings.key or self.office is None:
            return
        printer = flow.printer_heartbeat(self.printer_active)

        def failed(exc: Exception) -> None:
            if isinstance(exc, HubUnavailable):
                self.hub_lost()

        self.link.run(lambda c: c.heartbeat(printer=printer, version=VERSION), None, failed)
        self.flush_incidents()

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
