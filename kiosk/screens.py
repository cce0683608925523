"""The kiosk's screens: large, high-contrast, one decision per screen, touch only.

Designed for visitors with poor eyesight as often as anyone: on a 1080p screen no text is
smaller than 30 px, a ticket code is 260–300 px high, every button is at least 120 px high,
and every colour pair has a contrast of at least 7:1 (WCAG AAA; ``CONTRAST_PAIRS``, checked
by the tests). Sizes are given for the reference screens (1920×1080 landscape, 1080×1920
portrait) and scaled with the window, so a smaller panel shows the same layout.

The widgets only show what they are given; the window (kiosk/window.py) decides which screen
is up and talks to the hub.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .flow import CLIENT_CHOICES, Topic

LANDSCAPE, PORTRAIT = "landscape", "portrait"
REFERENCE = {LANDSCAPE: QSize(1920, 1080), PORTRAIT: QSize(1080, 1920)}
FONT_FAMILIES = ["DejaVu Sans", "Liberation Sans", "Arial", "Segoe UI", "Noto Sans"]

# Colours: near-black on white; white on a deep blue for what can be touched; black on yellow
# for the help button, so it is found at a glance on every screen.
BG = "#FFFFFF"
INK = "#0A0A0A"
SOFT = "#2E2E2E"
BRAND = "#0B3C8C"
BRAND_PRESSED = "#06245A"
ON_BRAND = "#FFFFFF"
CLOSED_BG = "#E2E2E2"
CLOSED_INK = "#1A1A1A"
HELP_BG = "#FFD400"
HELP_INK = "#000000"
ALERT = "#9B001C"
ON_ALERT = "#FFFFFF"
NOTE_BG = "#FFF3C4"
LINE = "#0A0A0A"

# (text, background) pairs used on screen; each must reach 7:1.
CONTRAST_PAIRS = [(INK, BG), (SOFT, BG), (ON_BRAND, BRAND), (ON_BRAND, BRAND_PRESSED), (CLOSED_INK, CLOSED_BG),
                  (HELP_INK, HELP_BG), (ON_ALERT, ALERT), (ALERT, BG), (INK, NOTE_BG), (ALERT, NOTE_BG)]

# Pixel sizes on the reference screens.
SIZES = {
    LANDSCAPE: dict(margin=40, gap=24, header=104, header_font=34, header_clock=44,
                    greeting=84, welcome=44, big_clock=150, date=40, hours=32, notice=30,
                    start_font=64, start_hint=36, start_h=430,
                    title=52, body=38, small=30,
                    choice_font=52, choice_hint=34, choice_h=330,
                    topic_font=42, topic_hint=30, topic_min=130, topic_max=220,
                    code=260, ticket_title=44, ticket_service=44, ticket_body=38, qr=260, qr_failed=420,
                    done_h=130, done_w=420,
                    footer=168, help_w=660, help_h=128, help_font=36, back_w=320, status=30,
                    key=128, key_font=54, digit=84, digit_box=96),
    PORTRAIT: dict(margin=40, gap=24, header=110, header_font=34, header_clock=44,
                   greeting=92, welcome=46, big_clock=170, date=42, hours=34, notice=30,
                   start_font=68, start_hint=38, start_h=420,
                   title=54, body=40, small=30,
                   choice_font=58, choice_hint=36, choice_h=380,
                   topic_font=44, topic_hint=32, topic_min=130, topic_max=200,
                   code=250, ticket_title=46, ticket_service=46, ticket_body=40, qr=300, qr_failed=520,
                   done_h=136, done_w=460,
                   footer=176, help_w=660, help_h=132, help_font=36, back_w=300, status=30,
                   key=150, key_font=58, digit=110, digit_box=124),
}


def mode_for(size: QSize, forced: str = "auto") -> str:
    if forced in (LANDSCAPE, PORTRAIT):
        return forced
    return PORTRAIT if size.height() > size.width() else LANDSCAPE


def unit_for(size: QSize, mode: str) -> float:
    ref = REFERENCE[mode]
    return min(size.width() / ref.width(), size.height() / ref.height())


#: The sizes that are text (pixel heights of a font); no text is smaller than the floor.
TEXT_KEYS = frozenset({"header_font", "header_clock", "greeting", "welcome", "big_clock", "date", "hours", "notice",
                       "start_font", "start_hint", "title", "body", "small", "choice_font", "choice_hint",
                       "topic_font", "topic_hint", "code", "ticket_title", "ticket_service", "ticket_body",
                       "help_font", "status", "key_font", "digit"})
#: The heights of boxes that hold text: they grow with the text on a small screen, as far as its height allows.
BOX_KEYS = frozenset({"header", "footer", "start_h", "choice_h", "topic_min", "topic_max", "done_h", "help_h"})
#: No text under 24 px on any screen, 800×600 included (tests/test_kiosk_accessibility.py checks that
#: every screen still fits there); ``MIN_TEXT_PX_SMALL`` is the floor below 1024×768, kept apart so
#: that a smaller panel can be given 20 px if 24 ever stops fitting (docs/accessibility.md).
MIN_TEXT_PX = 24
MIN_TEXT_PX_SMALL = 24
SMALLEST_TEXT = 30  # the smallest text on the reference screens


def text_floor(size: QSize) -> int:
    """The smallest text size allowed on a screen of ``size``."""
    big = max(size.width(), size.height()) >= 1024 and min(size.width(), size.height()) >= 768
    return MIN_TEXT_PX if big else MIN_TEXT_PX_SMALL


def box_unit_for(size: QSize, mode: str, u: float, floor: int) -> float:
    """The scale for text boxes' heights: as much as the text grew past ``u`` (to reach the floor),
    but no more than the screen's height allows."""
    ref = REFERENCE[mode]
    return max(u, min(size.height() / ref.height(), floor / SMALLEST_TEXT))


def scaled(mode: str, u: float, floor: int = 0, box_u: float | None = None) -> dict:
    """The reference sizes scaled by ``u``; text never under ``floor`` px, text boxes' heights by ``box_u``."""
    bu = max(u, box_u or u)
    out = {}
    for k, v in SIZES[mode].items():
        x = round(v * (bu if k in BOX_KEYS else u))
        out[k] = max(1, floor if k in TEXT_KEYS and x < floor else x)
    return out


def sizes_for(size: QSize, mode: str) -> dict:
    """Every size for a screen of ``size`` in ``mode``: scaled, with the text floor."""
    u = unit_for(size, mode)
    floor = text_floor(size)
    return scaled(mode, u, floor, box_unit_for(size, mode, u, floor))


# The keyboard's focus ring (for visitors who use keys or a switch instead of the touch screen):
# black outside, on the white screen (19:1), yellow inside, on the button's edge (7.8:1 on the blue
# buttons, 13:1 against the black; on the yellow help button the black does it, 13:1): at least 3:1
# against whatever it touches (WCAG 1.4.11). Buttons sit on the white screen, never on the header.
RING_OUTER = "#0A0A0A"
RING_INNER = "#FFD400"
RING_PAIRS = [(RING_OUTER, BG), (RING_OUTER, HELP_BG), (RING_OUTER, NOTE_BG),
              (RING_OUTER, CLOSED_BG), (RING_INNER, BRAND), (RING_INNER, RING_OUTER), (RING_INNER, ALERT)]


def kiosk_font() -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    return font


def stylesheet(s: dict) -> str:
    """The whole kiosk's look for one set of scaled sizes."""
    r = max(8, s["gap"] // 2)
    return f"""
    QWidget#kiosk, QStackedWidget, QWidget[screen="true"] {{ background: {BG}; }}
    QLabel {{ color: {INK}; font-size: {s['body']}px; }}
    QFrame#header {{ background: {BRAND}; }}
    QFrame#header QLabel {{ color: {ON_BRAND}; font-size: {s['header_font']}px; font-weight: bold; }}
    QFrame#header QLabel#clock {{ font-size: {s['header_clock']}px; }}
    QFrame#footer {{ background: {BG}; border-top: 3px solid {LINE}; }}
    QLabel[role="greeting"] {{ font-size: {s['greeting']}px; font-weight: bold; }}
    QLabel[role="welcome"] {{ font-size: {s['welcome']}px; }}
    QLabel[role="bigclock"] {{ font-size: {s['big_clock']}px; font-weight: bold; }}
    QLabel[role="date"] {{ font-size: {s['date']}px; }}
    QLabel[role="hours"] {{ font-size: {s['hours']}px; color: {SOFT}; }}
    QLabel[role="hours_title"] {{ font-size: {s['hours']}px; font-weight: bold; }}
    QLabel[role="notice"] {{ font-size: {s['notice']}px; color: {SOFT}; }}
    QLabel[role="title"] {{ font-size: {s['title']}px; font-weight: bold; }}
    QLabel[role="alert_title"] {{ font-size: {s['title']}px; font-weight: bold; color: {ALERT}; }}
    QLabel[role="body"] {{ font-size: {s['body']}px; }}
    QLabel[role="small"] {{ font-size: {s['small']}px; color: {SOFT}; }}
    QLabel[role="status"] {{ font-size: {s['status']}px; font-weight: bold; }}
    QLabel[role="code"] {{ font-size: {s['code']}px; font-weight: bold; }}
    QLabel[role="ticket_title"] {{ font-size: {s['ticket_title']}px; }}
    QLabel[role="ticket_service"] {{ font-size: {s['ticket_service']}px; font-weight: bold; }}
    QLabel[role="ticket_body"] {{ font-size: {s['ticket_body']}px; }}
    QLabel[role="digit"] {{ font-size: {s['digit']}px; font-weight: bold; border: 3px solid {LINE};
                            border-radius: {r}px; }}
    QFrame[panel="alert"] {{ background: {NOTE_BG}; border: 4px solid {ALERT}; border-radius: {r}px; }}
    QFrame[panel="alert"] QLabel {{ color: {ALERT}; font-weight: bold; }}
    QFrame[panel="closed"] {{ background: {NOTE_BG}; border: 3px solid {LINE}; border-radius: {r}px; }}
    QLabel[role="note"] {{ background: {NOTE_BG}; border: 3px solid {ALERT}; border-radius: {r}px; color: {ALERT};
                           font-size: {s['small']}px; font-weight: bold; padding: {r}px; }}
    QPushButton {{ background: {BRAND}; color: {ON_BRAND}; border: none; border-radius: {r}px;
                   font-size: {s['body']}px; font-weight: bold; padding: {r}px; }}
    QPushButton:pressed {{ background: {BRAND_PRESSED}; }}
    QPushButton QLabel {{ color: {ON_BRAND}; background: transparent; }}
    QPushButton[closed="true"] {{ background: {CLOSED_BG}; border: 3px solid {LINE}; }}
    QPushButton[closed="true"] QLabel {{ color: {CLOSED_INK}; }}
    QPushButton#help {{ background: {HELP_BG}; color: {HELP_INK}; border: 4px solid {HELP_INK};
                        font-size: {s['help_font']}px; }}
    QPushButton#help:pressed {{ background: {HELP_INK}; color: {HELP_BG}; }}
    QPushButton[kind="plain"] {{ background: {BG}; color: {INK}; border: 4px solid {LINE}; }}
    QPushButton[kind="plain"]:pressed {{ background: {CLOSED_BG}; }}
    QPushButton[kind="plain"] QLabel {{ color: {INK}; }}
    QPushButton[kind="key"]:disabled {{ background: {CLOSED_BG}; }}
    QPushButton[kind="key"] QLabel[off="true"] {{ color: {CLOSED_INK}; }}
    QLabel[role="btn_title"] {{ font-weight: bold; }}
    QFrame#helpnotice {{ background: {BG}; border: 6px solid {LINE}; border-radius: {2 * r}px; }}
    QProgressBar {{ border: 2px solid {LINE}; border-radius: 4px; background: {BG}; }}
    QProgressBar::chunk {{ background: {BRAND}; }}
    """


def label(text: str = "", role: str = "body", *, wrap: bool = True,
          align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
          name: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setAlignment(align)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        lab.setObjectName(name)
    return lab


CENTER = Qt.AlignmentFlag.AlignCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class ElidedLabel(QLabel):
    """A one-line label that ends with «…» when the text does not fit (a topic's hint)."""

    def __init__(self, text: str = "", role: str = "body"):
        super().__init__()
        self.setProperty("role", role)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(10, self.width())
        shown = QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != self.text():
            self.setText(shown)


class FitLabel(QLabel):
    """One line in a large font that shrinks only when the text would not fit (the ticket code)."""

    def __init__(self, role: str = "code"):
        super().__init__()
        self.setProperty("role", role)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(CENTER)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.target_px = 200
        self.px = 0

    def set_target(self, px: int) -> None:
        self.target_px = px
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        font = QFont(self.font())
        font.setPixelSize(self.target_px)
        font.setBold(True)
        wide = QFontMetrics(font).horizontalAdvance(self.text() or "Ж-000")
        room = max(50, self.width() - 8)
        px = self.target_px if wide <= room or self.width() < 50 else max(40, int(self.target_px * room / wide))
        if px != self.px:
            self.px = px
            self.setStyleSheet(f"font-size: {px}px; font-weight: bold;")
            self.setMinimumHeight(round(px * 1.2))


class KeyButton(QPushButton):
    """A button the keyboard or a switch reaches too: Tab and the arrows move between buttons,
    Enter and Space press it (Space is Qt's own)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            if self.isEnabled():
                self.click()  # at once: animateClick() merges two quick presses (a code's «22») into one
            return
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Right):
            self.focusNextPrevChild(True)
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Left):
            self.focusNextPrevChild(False)
            return
        super().keyPressEvent(event)


class BigButton(KeyButton):
    """A large touch target with a bold title and an optional one-line hint under it; the hint,
    whole even when it is cut short on screen, is the button's accessible description."""

    def __init__(self, title: str, hint: str = "", kind: str = "topic", align=CENTER):
        super().__init__()
        self.setProperty("kind", kind)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 12, 24, 12)
        box.setSpacing(6)
        self.title = label(title, "btn_title", align=align)
        self.hint = ElidedLabel(hint, "btn_hint")
        self.hint.setAlignment(align)
        box.addStretch(1)
        for lab in (self.title, self.hint):
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(lab)
        box.addStretch(1)
        self.hint.setVisible(bool(hint))
        self.note = label("", "btn_hint", align=align)  # a closed topic's line, wrapped, never cut short
        self.note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.note.hide()
        box.insertWidget(3, self.note)
        self.setAccessibleName(title)
        self.setAccessibleDescription(hint)

    def set_texts(self, title: str, hint: str = "") -> None:
        self.title.setText(title)
        self.hint.set_full_text(hint)
        self.hint.setVisible(bool(hint))
        self.setAccessibleName(title)
        self.setAccessibleDescription(hint)

    def set_fonts(self, title_px: int, hint_px: int) -> None:
        for lab, px, bold in ((self.title, title_px, True), (self.hint, hint_px, False), (self.note, hint_px, False)):
            font = lab.font()
            font.setPixelSize(px)
            font.setBold(bold)
            lab.setFont(font)
            lab.setStyleSheet(f"font-size: {px}px;")
        self.hint._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - the labels follow the button's enabled look
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:  # (a style sheet can not see the parent's :disabled)
            for lab in (self.title, self.hint, self.note):
                lab.setProperty("off", "false" if self.isEnabled() else "true")
                lab.style().unpolish(lab)
                lab.style().polish(lab)

    def set_closed(self, closed: bool, note: str = "") -> None:
        """Grey, with ``note`` (when it opens) in place of the hint."""
        self.setProperty("closed", "true" if closed else "false")
        self.note.setText(note)
        self.note.setVisible(closed and bool(note))
        self.hint.setVisible(not (closed and note) and bool(self.hint.full_text()))
        self.setAccessibleDescription(note if closed and note else self.hint.full_text())
        repolish(self)


def repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    for child in widget.findChildren(QWidget):
        child.style().unpolish(child)
        child.style().polish(child)


def qr_image(data: str, size: int) -> QImage:
    """The QR code for ``data`` drawn ``size`` pixels square, with a quiet zone, black on white."""
    import qrcode

    code = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    module = max(1, size // n)
    side = module * n
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#000000"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(QRect(x * module, y * module, module, module))
    painter.end()
    return image


# ---------------------------------------------------------------------- screens

class Screen(QWidget):
    """One screen of the kiosk; ``name`` is what the administrator reads on a help request."""

    name = ""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("screen", "true")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def arrange(self, mode: str, s: dict) -> None:
        """Lay the screen out for the orientation and scaled sizes."""


class IdleScreen(Screen):
    """Greeting by time of day, the clock, office hours, the recording notice; touch to start."""

    name = "Начальный экран"
    start = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.is_open = True
        self.greeting = label("", "greeting", align=CENTER)
        self.welcome = label("", "welcome", align=CENTER)
        self.clock = label("", "bigclock", align=CENTER, wrap=False)
        self.date = label("", "date", align=CENTER)
        self.hours_title = label("Часы приёма", "hours_title", align=CENTER)
        self.hours = label("", "hours", align=CENTER)
        self.notice = label("", "notice", align=CENTER)
        self.start_button = BigButton("Получить талон", "Коснитесь экрана", kind="start")
        self.start_button.clicked.connect(self._touched)
        self.closed_panel = QFrame()
        self.closed_panel.setProperty("panel", "closed")
        closed_box = QVBoxLayout(self.closed_panel)
        self.closed_title = label("", "title", align=CENTER)
        self.closed_text = label("", "body", align=CENTER)
        closed_box.addStretch(1)
        closed_box.addWidget(self.closed_title)
        closed_box.addWidget(self.closed_text)
        closed_box.addStretch(1)
        self.closed_panel.hide()
        self.printer_note = label("", "note", align=CENTER)
        self.printer_note.hide()

        self.info = QWidget()
        info = QVBoxLayout(self.info)
        info.setContentsMargins(0, 0, 0, 0)
        for w in (self.greeting, self.welcome, self.clock, self.date):
            info.addWidget(w)
        info.addStretch(1)
        for w in (self.hours_title, self.hours, self.notice):
            info.addWidget(w)
        self.action = QWidget()
        action = QVBoxLayout(self.action)
        action.setContentsMargins(0, 0, 0, 0)
        action.addStretch(1)
        action.addWidget(self.start_button)
        action.addWidget(self.closed_panel)
        action.addWidget(self.printer_note)
        action.addStretch(1)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.addWidget(self.info, 1)
        self.box.addWidget(self.action, 1)

    def arrange(self, mode: str, s: dict) -> None:
        self.box.setContentsMargins(s["margin"], s["margin"] // 2, s["margin"], s["margin"] // 2)
        self.box.setSpacing(s["gap"] * 2)
        if mode == PORTRAIT:
            self.box.setDirection(QBoxLayout.Direction.TopToBottom)
            self.box.setStretch(0, 3)
            self.box.setStretch(1, 2)
        else:
            self.box.setDirection(QBoxLayout.Direction.LeftToRight)
            self.box.setStretch(0, 1)
            self.box.setStretch(1, 1)
        self.start_button.setMinimumHeight(s["start_h"])
        self.start_button.set_fonts(s["start_font"], s["start_hint"])
        self.closed_panel.setMinimumHeight(s["start_h"])

    def show_office(self, welcome: str, hours: list[str], notice: str) -> None:
        self.welcome.setText(welcome)
        self.welcome.setVisible(bool(welcome))
        self.hours.setText("\n".join(hours))
        self.hours_title.setVisible(bool(hours))
        self.notice.setText(notice)

    def set_time(self, greeting: str, clock: str, date: str) -> None:
        if self.greeting.text() != greeting:
            self.greeting.setText(greeting)
        if self.clock.text() != clock:
            self.clock.setText(clock)
        if self.date.text() != date:
            self.date.setText(date)

    def set_open(self, is_open: bool, title: str = "", text: str = "") -> None:
        self.is_open = is_open
        self.start_button.setVisible(is_open)
        if getattr(self, "checkin_button", None) is not None:  # «У меня запись» (kiosk/checkin.py)
            self.checkin_button.setVisible(is_open)
        self.closed_panel.setVisible(not is_open)
        self.closed_title.setText(title)
        self.closed_text.setText(text)

    def set_printer_note(self, text: str | None) -> None:
        self.printer_note.setText(text or "")
        self.printer_note.setVisible(bool(text) and self.is_open)

    def _touched(self) -> None:
        if self.is_open:
            self.start.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - a touch anywhere starts
        super().mousePressEvent(event)
        self._touched()


class ChoiceScreen(Screen):
    """«Физическое лицо» or «Юридическое лицо или ИП»: where the office serves both."""

    name = "Выбор: физическое или юридическое лицо"
    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.title = label("Вы обращаетесь как:", "title", align=CENTER)
        self.buttons: dict[str, BigButton] = {}
        self.grid = QGridLayout()
        for choice in CLIENT_CHOICES:
            b = BigButton(choice.name, choice.hint, kind="choice")
            b.clicked.connect(lambda _=False, c=choice.id: self.chosen.emit(c))
            self.buttons[choice.id] = b
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addStretch(1)
        box.addLayout(self.grid)
        box.addStretch(1)
        self.box = box

    def arrange(self, mode: str, s: dict) -> None:
        self.box.setContentsMargins(s["margin"], s["margin"], s["margin"], s["margin"])
        self.grid.setSpacing(s["gap"] * 2)
        for i, b in enumerate(self.buttons.values()):
            self.grid.removeWidget(b)
            if mode == PORTRAIT:
                self.grid.addWidget(b, i, 0)
            else:
                self.grid.addWidget(b, 0, i)
            b.setMinimumHeight(s["choice_h"])
            b.set_fonts(s["choice_font"], s["choice_hint"])

    def set_busy(self, busy: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(not busy)


class TopicScreen(Screen):
    """The topics, large, in plain Russian with a one-line hint; closed ones say when they open."""

    name = "Выбор темы"
    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.title = label("Выберите, пожалуйста, тему обращения", "title", align=CENTER)
        self.grid = QGridLayout()
        self.buttons: dict[str, BigButton] = {}
        self.topics: list[Topic] = []
        self._mode = LANDSCAPE
        self._s = scaled(LANDSCAPE, 1.0)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(self.grid, 1)
        self.box = box

    def set_topics(self, topics: list[Topic], closed_hint) -> None:
        """``closed_hint(topic)`` gives the line shown on a topic that is not offered now."""
        for b in self.buttons.values():
            self.grid.removeWidget(b)
            b.deleteLater()
        self.buttons = {}
        self.topics = list(topics)
        for t in self.topics:
            b = BigButton(t.name, t.hint, kind="topic", align=LEFT)
            b.set_closed(not t.open, "" if t.open else closed_hint(t))
            b.clicked.connect(lambda _=False, tid=t.id: self.chosen.emit(tid))
            self.buttons[t.id] = b
        self._place()

    def columns(self, mode: str, n: int) -> int:
        if mode == PORTRAIT:
            return 1 if n <= 8 else 2
        return 1 if n <= 3 else 2 if n <= 8 else 3

    def arrange(self, mode: str, s: dict) -> None:
        self._mode, self._s = mode, s
        self.box.setContentsMargins(s["margin"], s["margin"] // 2, s["margin"], s["margin"] // 2)
        self.box.setSpacing(s["gap"])
        self._place()

    def _place(self) -> None:
        s = self._s
        cols = self.columns(self._mode, len(self.buttons))
        self.grid.setSpacing(s["gap"])
        for i, b in enumerate(self.buttons.values()):
            self.grid.removeWidget(b)
            self.grid.addWidget(b, i // cols, i % cols)
            b.setMinimumHeight(s["topic_min"])
            b.setMaximumHeight(s["topic_max"])
            b.set_fonts(s["topic_font"], s["topic_hint"])
        rows = max(1, -(-len(self.buttons) // cols))
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 1 if r < rows else 0)

    def set_busy(self, busy: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(not busy)


class TicketScreen(Screen):
    """The issued ticket: the code very large, topic, people ahead, the wait; QR to follow it.

    «Готово» is the footer's left button on this screen.
    """

    name = "Талон"

    def __init__(self) -> None:
        super().__init__()
        self.code_text = ""
        self.url = ""
        self.failed = False
        self.heading = label("Ваш талон", "ticket_title", align=CENTER)
        self.code = FitLabel("code")
        self.service = label("", "ticket_service", align=CENTER)
        self.queue = label("", "ticket_body", align=CENTER)
        self.wait = label("", "ticket_body", align=CENTER)
        self.print_state = label("", "ticket_body", align=CENTER)
        self.alert = QFrame()
        self.alert.setProperty("panel", "alert")
        alert_box = QVBoxLayout(self.alert)
        self.alert_text = label("", "body", align=CENTER)
        alert_box.addWidget(self.alert_text)
        self.alert.hide()
        self.qr = QLabel()
        self.qr.setAlignment(CENTER)
        self.qr_caption = label("Чтобы следить за очередью с телефона, наведите камеру на код", "small",
                                align=CENTER)
        self.checklist = label("", "small", align=LEFT)

        self.main = QWidget()
        main = QVBoxLayout(self.main)
        main.setContentsMargins(0, 0, 0, 0)
        for w in (self.heading, self.code, self.service, self.queue, self.wait, self.print_state):
            main.addWidget(w)
        main.addStretch(1)
        self.side = QWidget()
        side = QVBoxLayout(self.side)
        self.side_box = side
        side.setContentsMargins(0, 0, 0, 0)
        side.addStretch(1)
        side.addWidget(self.qr, 0, CENTER)
        side.addWidget(self.qr_caption)
        side.addWidget(self.checklist)
        side.addStretch(1)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addWidget(self.main, 3)
        self.body.addWidget(self.side, 2)
        outer = QVBoxLayout(self)
        outer.addLayout(self.body, 1)
        outer.addWidget(self.alert)
        self.outer = outer
        self._s = scaled(LANDSCAPE, 1.0)

    def arrange(self, mode: str, s: dict) -> None:
        self._s = s
        self.outer.setContentsMargins(s["margin"], s["margin"] // 2, s["margin"], s["margin"] // 2)
        self.body.setSpacing(s["gap"] * 2)
        portrait = mode == PORTRAIT
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
        self.body.setStretch(0, 0 if portrait else 3)  # portrait: the QR code right under the code
        self.body.setStretch(1, 1 if portrait else 2)
        self.side_box.setStretch(0, 0 if portrait else 1)
        self.code.set_target(s["code"])
        self._draw_qr()

    def show_ticket(self, code: str, service: str, queue: str, wait: str, url: str, checklist: list[str]) -> None:
        self.code_text, self.url, self.failed = code, url, False
        self.code.setText(code)
        self.service.setText(service)
        self.queue.setText(queue)
        self.wait.setText(wait)
        self.wait.setVisible(bool(wait))
        self.checklist.setText("\n".join(["Пожалуйста, возьмите с собой:", *(f"• {item}" for item in checklist)])
                               if checklist else "")
        self.checklist.setVisible(bool(checklist))
        self.alert.hide()
        self.print_state.show()
        self.set_printing()
        self._draw_qr()

    def set_printing(self) -> None:
        self.print_state.setText("Печатаем талон…")

    def set_printed(self) -> None:
        self.print_state.setText("Возьмите, пожалуйста, талон из принтера.")

    def set_print_failed(self, reason: str) -> None:
        """The ticket could not be printed: say so, and show the code and the QR code big."""
        self.failed = True
        self.print_state.hide()
        self.alert_text.setText(reason + " Можно также сфотографировать код на экране.")
        self.alert.show()
        self._draw_qr()

    def _draw_qr(self) -> None:
        if not self.url:
            self.qr.clear()
            return
        size = self._s["qr_failed"] if self.failed else self._s["qr"]
        self.qr.setPixmap(QPixmap.fromImage(qr_image(self.url, size)))
        self.qr.setMinimumSize(size, size)


class MessageScreen(Screen):
    """An honest state in plain words: the office is closed, the hub can not be reached, …"""

    name = "Сообщение"
    action = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.title = label("", "title", align=CENTER)
        self.text = label("", "body", align=CENTER)
        self.detail = label("", "small", align=CENTER)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.button = BigButton("", kind="plain")
        self.button.clicked.connect(self.action.emit)
        self.button.hide()
        box = QVBoxLayout(self)
        box.addStretch(1)
        for w in (self.title, self.text, self.detail):
            box.addWidget(w)
        box.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box = box

    def arrange(self, mode: str, s: dict) -> None:
        self.box.setContentsMargins(s["margin"] * 2, s["margin"], s["margin"] * 2, s["margin"])
        self.box.setSpacing(s["gap"] * 2)
        self.button.setFixedSize(s["done_w"] + 120, s["done_h"])
        self.button.set_fonts(s["body"], s["small"])
        self.busy.setFixedSize(s["done_w"], max(12, s["gap"]))

    def show_message(self, kind: str, title: str, text: str, *, name: str = "", alert: bool = False,
                     button: str = "", detail: str = "", busy: bool = False) -> None:
        self.kind = kind
        self.name = name or title
        self.title.setProperty("role", "alert_title" if alert else "title")
        repolish(self.title)
        self.title.setText(title)
        self.text.setText(text)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.busy.setVisible(busy)
        self.button.set_texts(button)
        self.button.setVisible(bool(button))

    def set_detail(self, text: str) -> None:
        self.detail.setText(text)
        self.detail.setVisible(bool(text))


class CodeScreen(Screen):
    """A code of ``DIGITS`` digits typed on a large keypad, no keyboard: the digits, «Стереть»,
    «Готово» (enabled once the code is whole), and a line for the hub's refusal. The pairing screen
    and the appointment check-in (kiosk/checkin.py) are two of these."""

    entered = Signal(str)
    DIGITS = 6
    GROUP: int | None = None  # a small gap after this many digits (a long code read in two halves)
    TITLE = ""
    TEXT = ""

    def __init__(self) -> None:
        super().__init__()
        self.code = ""
        self.title = label(self.TITLE, "title", align=CENTER)
        self.text = label(self.TEXT, "body", align=CENTER)
        self.error = label("", "alert_title", align=CENTER)
        self.error.hide()
        self.digits = [label("", "digit", align=CENTER, wrap=False) for _ in range(self.DIGITS)]
        digits_row = QHBoxLayout()
        digits_row.addStretch(1)
        for i, d in enumerate(self.digits, 1):
            digits_row.addWidget(d)
            if i == self.GROUP:
                digits_row.addSpacing(6)
        digits_row.addStretch(1)
        self.keys: dict[str, BigButton] = {}
        keypad = QGridLayout()
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "Стереть", "0", "Готово"]):
            b = BigButton(key, kind="plain" if key == "Стереть" else "key")
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            self.keys[key] = b
            keypad.addWidget(b, i // 3, i % 3)
        self.keypad = keypad
        words = QVBoxLayout()
        words.addStretch(1)
        for w in (self.title, self.text, self.error):
            words.addWidget(w)
        words.addLayout(digits_row)
        words.addStretch(1)
        self.words = words
        box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        box.addLayout(words, 1)
        box.addLayout(keypad)
        self.box = box
        self._refresh()

    def size_digits(self, s: dict) -> None:
        for d in self.digits:
            d.setFixedSize(s["digit_box"], round(s["digit_box"] * 1.2))

    def arrange(self, mode: str, s: dict) -> None:
        self.box.setDirection(QBoxLayout.Direction.TopToBottom if mode == PORTRAIT
                              else QBoxLayout.Direction.LeftToRight)
        self.box.setContentsMargins(s["margin"] * 2, s["margin"], s["margin"] * 2, s["margin"])
        self.box.setSpacing(s["gap"] * 2)
        self.words.setSpacing(s["gap"])
        self.keypad.setSpacing(s["gap"])
        self.size_digits(s)
        font = QFont(self.keys["Стереть"].title.font())
        font.setPixelSize(s["body"])
        font.setBold(True)
        words = max(QFontMetrics(font).horizontalAdvance(k) for k in ("Стереть", "Готово")) + 2 * 8 + 8
        for key, b in self.keys.items():  # never narrower than «Стереть» (the text floor widens it)
            b.layout().setContentsMargins(8, 4, 8, 4)
            b.setFixedSize(max(round(s["key"] * 1.7), words), s["key"])
            b.set_fonts(s["key_font"] if key.isdigit() else s["body"], s["small"])

    def press(self, key: str) -> None:
        if key == "Стереть":
            self.code = self.code[:-1]
        elif key == "Готово":
            if len(self.code) == self.DIGITS:
                self.entered.emit(self.code)
        elif len(self.code) < self.DIGITS:
            self.code += key
            self.error.hide()  # a new code is being typed: the last refusal goes
        self._refresh()

    def _refresh(self) -> None:
        for i, d in enumerate(self.digits):
            d.setText(self.code[i] if i < len(self.code) else "")
        self.keys["Готово"].setEnabled(len(self.code) == self.DIGITS)

    def reset(self, error: str = "") -> None:
        self.code = ""
        self.error.setText(error)
        self.error.setVisible(bool(error))
        self._refresh()

    def set_busy(self, busy: bool) -> None:
        for b in self.keys.values():
            b.setEnabled(not busy)
        if not busy:
            self._refresh()


class PairScreen(CodeScreen):
    """Pairing with the hub by the six-digit code the administrator reads off the stand."""

    name = "Привязка киоска"
    DIGITS = 6
    TITLE = "Киоск ещё не привязан к серверу очереди"
    TEXT = "Введите, пожалуйста, шестизначный код привязки, который выдал администратор."


# ---------------------------------------------------------------------- the frame around screens

class Header(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("header")
        self.office = ElidedLabel("", "header")
        self.clock = label("", "header", wrap=False, name="clock",
                           align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        box = QHBoxLayout(self)
        box.addWidget(self.office, 1)
        box.addWidget(self.clock)
        self.box = box

    def arrange(self, mode: str, s: dict) -> None:
        self.setFixedHeight(s["header"])
        self.box.setContentsMargins(s["margin"], 0, s["margin"], 0)


class Footer(QFrame):
    """The status line (with a busy bar while the hub is asked), the back button and the help button."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("footer")
        self.back = BigButton("Назад", kind="plain")
        self.status = label("", "status", align=CENTER)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status_row = QWidget()
        row = QHBoxLayout(self.status_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 3)
        row.addWidget(self.busy, 1)
        self.status_row.hide()
        self.help = KeyButton("Нужна помощь сотрудника")
        self.help.setObjectName("help")
        self.help.setAccessibleDescription("Администратор зала получит сигнал и подойдёт к киоску")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.help)
        box = QVBoxLayout(self)
        box.addWidget(self.status_row)
        box.addLayout(buttons)
        self.box = box
        self._s = scaled(LANDSCAPE, 1.0)

    def arrange(self, mode: str, s: dict) -> None:
        self._s = s
        pad = (s["footer"] - s["help_h"]) // 2
        self.box.setContentsMargins(s["margin"], pad, s["margin"], pad)
        self.box.setSpacing(pad)
        # the help button is never narrower than its words (the text floor makes them wider on a small screen)
        font = QFont(self.help.font())
        font.setPixelSize(s["help_font"])
        font.setBold(True)
        words = QFontMetrics(font).horizontalAdvance(self.help.text()) + 2 * max(8, s["gap"] // 2) + 16
        self.help.setFixedSize(max(s["help_w"], words), s["help_h"])
        longest = max(QFontMetrics(font).horizontalAdvance(t) for t in ("Назад", "Готово"))
        self.back.setFixedSize(max(s["back_w"], longest + 2 * 24 + 16), s["help_h"])
        self.back.set_fonts(s["help_font"], s["small"])
        self.busy.setFixedHeight(max(10, s["gap"]))
        self._height()

    def _height(self) -> None:
        s = self._s
        extra = round(s["status"] * 1.5) + (s["footer"] - s["help_h"]) // 2 if self.status_row.isVisibleTo(self) else 0
        self.setFixedHeight(s["footer"] + extra)

    def set_left(self, text: str | None, primary: bool = False) -> None:
        """The left button: «Назад» while choosing, «Готово» on the ticket, none elsewhere."""
        self.back.setVisible(bool(text))
        if text:
            self.back.set_texts(text)
            self.back.setProperty("kind", "primary" if primary else "plain")
            repolish(self.back)

    def set_status(self, text: str, busy: bool = False) -> None:
        self.status.setText(text)
        self.busy.setVisible(busy)
        self.status_row.setVisible(bool(text))
        self._height()


class HelpNotice(QFrame):
    """Shown over any screen after «Нужна помощь сотрудника»: the answer, in plain words."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpnotice")
        self.title = label("", "title", align=CENTER)
        self.text = label("", "body", align=CENTER)
        self.ok = BigButton("Хорошо", kind="primary")
        self.ok.clicked.connect(self._close)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addWidget(self.ok, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box = box
        self.hide()

    def arrange(self, mode: str, s: dict, area: QRect) -> None:
        w = round(area.width() * (0.86 if mode == PORTRAIT else 0.62))
        h = round(area.height() * (0.42 if mode == PORTRAIT else 0.56))
        self.setGeometry(area.x() + (area.width() - w) // 2, area.y() + (area.height() - h) // 2, w, h)
        self.box.setContentsMargins(s["margin"], s["margin"], s["margin"], s["margin"])
        font = QFont(self.ok.title.font())
        font.setPixelSize(s["body"] + 6)
        font.setBold(True)
        words = QFontMetrics(font).horizontalAdvance(self.ok.title.text()) + 2 * 24 + 16
        self.ok.setFixedSize(min(w - 2 * s["margin"], max(s["done_w"], words)), s["done_h"])
        self.ok.set_fonts(s["body"] + 6, s["small"])

    def show_notice(self, title: str, text: str, alert: bool = False) -> None:
        self.title.setProperty("role", "alert_title" if alert else "title")
        repolish(self.title)
        self.title.setText(title)
        self.text.setText(text)
        self.show()
        self.raise_()
        self.ok.setFocus(Qt.FocusReason.OtherFocusReason)  # a keyboard user answers it with Enter

    def _close(self) -> None:
        self.hide()
        self.closed.emit()


class FocusRing(QWidget):
    """The keyboard's focus, drawn around the focused button over everything: black outside,
    yellow inside (``RING_PAIRS``). Shown only while the visitor uses keys: a touch hides it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.width_px = 8
        self.target: QWidget | None = None
        self.keyboard = False
        self.hide()

    def follow(self, target: QWidget | None) -> None:
        self.target = target
        self.place()

    def place(self) -> None:
        t = self.target
        host = self.parentWidget()
        if not (self.keyboard and t is not None and t.isVisible() and host is not None and host.isAncestorOf(t)):
            self.hide()
            return
        w = self.width_px
        at = t.mapTo(host, t.rect().topLeft())
        self.setGeometry(QRect(at.x() - w // 2 - 3, at.y() - w // 2 - 3, t.width() + w + 6, t.height() + w + 6))
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        half = self.width_px // 2
        outer = QPen(QColor(RING_OUTER), half + 3)
        outer.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(outer)
        p.setBrush(Qt.BrushStyle.NoBrush)
        o = (half + 3) // 2
        p.drawRect(self.rect().adjusted(o, o, -o - 1, -o - 1))
        inner = QPen(QColor(RING_INNER), half)
        inner.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(inner)
        i = half + 3 + half // 2
        p.drawRect(self.rect().adjusted(i, i, -i - 1, -i - 1))
        p.end()
