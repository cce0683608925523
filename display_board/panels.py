"""The parts of the hall board's window: the header, the calls, the recent calls, the waiting
counts, the windows strip, the information slides and the footer, with their sizes, colours and
style sheet. ``BoardWindow`` (display_board/board.py) lays them out and feeds them.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .state import (
    Call,
    window_status_text,
)

log = logging.getLogger(__name__)

LANDSCAPE, PORTRAIT = "landscape", "portrait"
FLASH_S = 8.0            # how long a new call flashes
FLASH_PERIOD_MS = 400    # on 400 ms, off 400 ms: 1.25 flashes a second
SLIDE_S = 12.0           # each information slide stays this long

FONT_FAMILIES = ["DejaVu Sans", "Liberation Sans", "Arial", "Segoe UI", "Noto Sans"]

# Colours: light text on a very dark blue; amber for what must catch the eye.
BG = "#06101F"
PANEL = "#0E1C30"
LINE = "#22344D"
TEXT = "#FFFFFF"
SOFT = "#C9D3DF"
DIM = "#8A96A6"
ACCENT = "#FFC400"
OK = "#39D98A"
ALERT = "#FF5C5C"

# Sizes in pixels on the reference screen (1920×1080 landscape, 1080×1920 portrait).
SIZES = {
    LANDSCAPE: dict(
        header=100, name=34, status=24, time=64, date=28,
        caption=28, code=104, arrow=46, num=104, row=124, rows=5,
        recent_title=28, recent=44, recent_cols=2, recent_rows=3,
        wait_title=28, wait_letter=30, wait_name=28, wait_count=30, wait_cols=1,
        tile_head=22, tile=34, tiles=110, tiles_per_row=8,
        info=34, info_min=20, info_h=100, footer=22, footer_h=66, margin=16, gap=12),
    PORTRAIT: dict(
        header=190, name=34, status=24, time=80, date=30,
        caption=30, code=116, arrow=50, num=116, row=132, rows=7,
        recent_title=30, recent=46, recent_cols=3, recent_rows=2,
        wait_title=30, wait_letter=30, wait_name=24, wait_count=30, wait_cols=2,
        tile_head=22, tile=34, tiles=90, tiles_per_row=3,
        info=36, info_min=22, info_h=180, footer=24, footer_h=124, margin=16, gap=12),
}


def board_font(px: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(max(8, int(px)))
    font.setBold(bold)
    return font


def _label(text: str = "", *, name: str = "", align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
           wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setAlignment(align)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)   # no markup from the hub is ever interpreted
    return label


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    for child in widget.findChildren(QLabel):
        style.unpolish(child)
        style.polish(child)


# --- parts of the board --------------------------------------------------------------------

class Header(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("header")
        self.name = _label(name="officeName")
        self.status = _label(name="status", wrap=True)
        for label in (self.name, self.status):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.time = _label(name="clock", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.date = _label(name="date", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.hide()

    def arrange(self, mode: str, s: dict, u: float) -> None:
        _clear_layout(self)
        self.name.setFont(board_font(s["name"] * u, bold=True))
        self.status.setFont(board_font(s["status"] * u, bold=True))
        self.time.setFont(board_font(s["time"] * u, bold=True))
        self.date.setFont(board_font(s["date"] * u))
        self.setFixedHeight(int(s["header"] * u))
        m = int(s["margin"] * u)
        if mode == LANDSCAPE:
            grid = QGridLayout(self)
            grid.setContentsMargins(m * 2, m // 2, m * 2, m // 2)
            grid.addWidget(self.name, 0, 0)
            grid.addWidget(self.status, 1, 0)
            grid.addWidget(self.date, 0, 1, 2, 1)
            grid.addWidget(self.time, 0, 2, 2, 1)
            grid.setColumnStretch(0, 1)
            grid.setHorizontalSpacing(m * 2)
            self.date.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            grid = QGridLayout(self)
            grid.setContentsMargins(m * 2, m // 2, m * 2, m // 2)
            grid.addWidget(self.name, 0, 0, 1, 2)
            grid.addWidget(self.date, 1, 0)
            grid.addWidget(self.status, 2, 0)
            grid.addWidget(self.time, 1, 1, 2, 1)
            grid.setVerticalSpacing(0)
            self.date.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.setColumnStretch(0, 1)


class CallRow(QFrame):
    """«А-012   → окно 3»: one current call."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("callRow")
        self.setProperty("flash", "off")
        self.setProperty("newest", "no")
        self.code = _label(name="callCode")
        self.arrow = _label("→ окно", name="callArrow",
                            align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.number = _label(name="callWindow", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.arrow)
        layout.addWidget(self.number)
        self.call: Call | None = None
        self._flash = "off"
        self._newest = "no"

    def arrange(self, s: dict, u: float) -> None:
        self.code.setFont(board_font(s["code"] * u, bold=True))
        self.arrow.setFont(board_font(s["arrow"] * u))
        self.number.setFont(board_font(s["num"] * u, bold=True))
        self.number.setMinimumWidth(QFontMetrics(self.number.font()).horizontalAdvance("00") + 4)
        self.setFixedHeight(int(s["row"] * u))
        m = int(s["margin"] * u)
        self.layout().setContentsMargins(m * 2, 0, m * 2, 0)
        self.layout().setSpacing(m * 2)

    def show_call(self, call: Call | None) -> None:
        self.call = call
        if call is None:
            self.code.setText("")
            self.number.setText("")
            self.arrow.setText("")
        else:
            self.code.setText(call.code)
            self.arrow.setText("→ окно")
            self.number.setText(call.window_label)

    def set_look(self, flash: bool, newest: bool) -> None:
        flash_v, newest_v = ("on" if flash else "off"), ("yes" if newest else "no")
        if (flash_v, newest_v) != (self._flash, self._newest):
            self._flash, self._newest = flash_v, newest_v
            self.setProperty("flash", flash_v)
            self.setProperty("newest", newest_v)
            _repolish(self)


class CallsPanel(QFrame):
    """The current calls, the newest on top; or a message when there are none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("callsPanel")
        self.caption_code = _label("Талон", name="caption")
        self.caption_window = _label("Окно", name="caption",
                                     align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.message = _label(name="callsMessage", align=Qt.AlignmentFlag.AlignCenter, wrap=True)
        self.rows: list[CallRow] = []
        self.calls: list[Call] = []
        self._s: dict = {}
        self._u = 1.0

    def arrange(self, mode: str, s: dict, u: float) -> None:
        _clear_layout(self)
        self._s, self._u = s, u
        while len(self.rows) < s["rows"]:
            self.rows.append(CallRow())
        for row in self.rows[s["rows"]:]:
            row.hide()
        m = int(s["margin"] * u)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, m // 2, 0, m // 2)
        box.setSpacing(int(4 * u))
        caption = QHBoxLayout()
        caption.setContentsMargins(m * 2, 0, m * 2, 0)
        for label in (self.caption_code, self.caption_window):
            label.setFont(board_font(s["caption"] * u))
        caption.addWidget(self.caption_code, 1)
        caption.addWidget(self.caption_window)
        box.addLayout(caption)
        for row in self.rows[:s["rows"]]:
            row.arrange(s, u)
            box.addWidget(row)
        self.message.setFont(board_font(s["code"] * u * 0.42, bold=True))
        self.message.setContentsMargins(m * 3, 0, m * 3, 0)
        box.addWidget(self.message, 1)
        box.addStretch(0)
        self.show_calls(self.calls, self.message.text())

    def show_calls(self, calls: list[Call], message: str = "") -> None:
        self.calls = list(calls)
        shown = self.rows[:self._s.get("rows", len(self.rows))]
        for i, row in enumerate(shown):
            call = calls[i] if i < len(calls) else None
            row.show_call(call)
            row.setVisible(call is not None)
        self.caption_code.setVisible(bool(calls))
        self.caption_window.setVisible(bool(calls))
        self.message.setText("" if calls else message)
        self.message.setVisible(not calls)


class RecentPanel(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("recentPanel")
        self.title = _label("Вызывались ранее", name="panelTitle")
        self.items: list[QLabel] = []

    def arrange(self, mode: str, s: dict, u: float) -> None:
        _clear_layout(self)
        m = int(s["margin"] * u)
        grid = QGridLayout(self)
        grid.setContentsMargins(m * 2, m, m * 2, m)
        grid.setHorizontalSpacing(m * 2)
        grid.setVerticalSpacing(int(2 * u))
        cols, rows = s["recent_cols"], s["recent_rows"]
        self.title.setFont(board_font(s["recent_title"] * u))
        grid.addWidget(self.title, 0, 0, 1, cols)
        while len(self.items) < cols * rows:
            self.items.append(_label(name="recentItem"))
        for item in self.items[cols * rows:]:
            item.hide()
        for i, item in enumerate(self.items[:cols * rows]):
            item.setFont(board_font(s["recent"] * u, bold=True))
            grid.addWidget(item, 1 + i // cols, i % cols)
        grid.setRowStretch(rows + 1, 1)
        self.capacity = cols * rows

    def show_recent(self, calls: list[Call]) -> None:
        for i, item in enumerate(self.items[:self.capacity]):
            if i < len(calls):
                item.setText(f"{calls[i].code} → {calls[i].window_label}")
                item.show()
            else:
                item.setText("")
                item.hide()
        self.title.setVisible(True)


class WaitingPanel(QFrame):
    """«Ожидают»: per topic, its letter, its name and how many people wait."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("waitingPanel")
        self.title = _label("Ожидают своей очереди", name="panelTitle")
        self.cells: list[tuple[QLabel, QLabel, QLabel]] = []
        self._s: dict = {}
        self._u = 1.0
        self._grid: QGridLayout | None = None
        self._data: list = []

    def arrange(self, mode: str, s: dict, u: float) -> None:
        _clear_layout(self)
        for cell in self.cells:
            for widget in cell:
                widget.deleteLater()
        self.cells = []
        self._s, self._u = s, u
        m = int(s["margin"] * u)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(m * 2, m, m * 2, m)
        self._grid.setHorizontalSpacing(m)
        self._grid.setVerticalSpacing(int(2 * u))
        self.title.setFont(board_font(s["wait_title"] * u))
        self._grid.addWidget(self.title, 0, 0, 1, 3 * s["wait_cols"])
        self.show_waiting(self._data)

    def _cell(self, index: int) -> tuple[QLabel, QLabel, QLabel]:
        while len(self.cells) <= index:
            s, u = self._s, self._u
            i = len(self.cells)
            cols = s["wait_cols"]
            row, col = 1 + i // cols, (i % cols) * 3
            letter = _label(name="waitLetter", align=Qt.AlignmentFlag.AlignCenter)
            letter.setFont(board_font(s["wait_letter"] * u, bold=True))
            letter.setFixedWidth(int(s["wait_letter"] * u * 1.5))
            name = _label(name="waitName")
            name.setFont(board_font(s["wait_name"] * u))
            name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            number = _label(name="waitCount", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setFont(board_font(s["wait_count"] * u, bold=True))
            number.setMinimumWidth(QFontMetrics(number.font()).horizontalAdvance("000"))
            self._grid.addWidget(letter, row, col)
            self._grid.addWidget(name, row, col + 1)
            self._grid.addWidget(number, row, col + 2)
            self._grid.setColumnStretch(col + 1, 1)
            self.cells.append((letter, name, number))
        return self.cells[index]

    def show_waiting(self, data: list) -> None:
        self._data = data
        if self._grid is None:
            return
        for i, (service, count) in enumerate(data):
            letter, name, number = self._cell(i)
            letter.setText(service.letter)
            name.setProperty("fullText", service.name)
            name.setText(service.name)
            number.setText(str(count))
            looks = (("zero", "yes" if count == 0 else "no"), ("closed", "no" if service.open else "yes"))
            for widget in (letter, name, number):
                changed = False
                for key, value in looks:
                    if widget.property(key) != value:
                        widget.setProperty(key, value)
                        changed = True
                if changed:
                    widget.style().unpolish(widget)
                    widget.style().polish(widget)
                widget.show()
        for cell in self.cells[len(data):]:
            for widget in cell:
                widget.hide()
        rows = 1 + (len(data) + self._s["wait_cols"] - 1) // self._s["wait_cols"]
        for r in range(self._grid.rowCount()):
            self._grid.setRowStretch(r, 1 if r == rows else 0)
        self._elide_names()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._elide_names)   # cancelled if the panel is gone

    def _elide_names(self) -> None:
        for _letter, name, _number in self.cells:
            full = name.property("fullText") or name.text()
            width = name.width()
            if width > 20:
                name.setText(QFontMetrics(name.font()).elidedText(full, Qt.TextElideMode.ElideRight, width))


class WindowTile(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("windowTile")
        self.head = _label(name="tileHead", align=Qt.AlignmentFlag.AlignCenter)
        self.body = _label(name="tileBody", align=Qt.AlignmentFlag.AlignCenter)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.setSpacing(0)
        box.addWidget(self.head)
        box.addWidget(self.body)

    def show_window(self, number, state: str, text: str) -> None:
        self.head.setText(f"Окно {number}")
        self.body.setText(text)
        if self.property("state") != state:
            self.setProperty("state", state)
            _repolish(self)


class WindowsStrip(QFrame):
    """Every window with what it is doing: a ticket, «свободно», «перерыв» or «закрыто»."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("windowsStrip")
        self.tiles: list[WindowTile] = []
        self._layout = QGridLayout(self)
        self._s: dict = {}
        self._u = 1.0
        self._shape: tuple[int, int] = (0, 0)
        self._windows: list = []

    def arrange(self, mode: str, s: dict, u: float) -> None:
        self._s, self._u = s, u
        m = int(s["margin"] * u)
        self._layout.setContentsMargins(m * 2, m // 2, m * 2, m // 2)
        self._layout.setSpacing(m)
        for tile in self.tiles:
            self._style_tile(tile)
        self._shape = (0, 0)
        self.show_windows(self._windows)

    def _style_tile(self, tile: WindowTile) -> None:
        tile.head.setFont(board_font(self._s.get("tile_head", 22) * self._u))
        tile.body.setFont(board_font(self._s.get("tile", 34) * self._u, bold=True))

    def show_windows(self, windows: list) -> None:
        self._windows = windows
        if not self._s:
            return
        while len(self.tiles) < len(windows):
            tile = WindowTile()
            self._style_tile(tile)
            self.tiles.append(tile)
        count = len(windows)
        per_row = self._s["tiles_per_row"]
        rows = max(1, -(-count // per_row))
        cols = max(1, -(-count // rows))       # 6 windows in portrait: 2 rows of 3
        if (count, cols) != self._shape:
            self._shape = (count, cols)
            while self._layout.count():
                self._layout.takeAt(0)
            for i in range(count):
                self._layout.addWidget(self.tiles[i], i // cols, i % cols)
            for c in range(max(cols, self._layout.columnCount())):
                self._layout.setColumnStretch(c, 1 if c < cols else 0)
            m = int(self._s["margin"] * self._u)
            self.setFixedHeight(int(self._s["tiles"] * self._u) * rows + m * (rows - 1))
        for i, tile in enumerate(self.tiles):
            if i < count:
                w = windows[i]
                tile.show_window(w.number, w.state, window_status_text(w))
                tile.show()
            else:
                tile.hide()
        self.setVisible(bool(windows))


class InfoPanel(QFrame):
    """Slides of hall information, each shown ``SLIDE_S`` seconds, text shrunk to fit."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("infoPanel")
        self.text = _label(name="infoText", align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                           wrap=True)
        self.dots = _label(name="infoDots", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        box = QHBoxLayout(self)
        box.addWidget(self.text, 1)
        box.addWidget(self.dots)
        self.slides: list[str] = []
        self.index = 0
        self._s: dict = {}
        self._u = 1.0
        self.timer = QTimer(self)
        self.timer.setInterval(int(SLIDE_S * 1000))
        self.timer.timeout.connect(self.next_slide)

    def arrange(self, mode: str, s: dict, u: float) -> None:
        self._s, self._u = s, u
        m = int(s["margin"] * u)
        self.layout().setContentsMargins(m * 2, m // 2, m * 2, m // 2)
        self.setFixedHeight(int(s["info_h"] * u))
        self.dots.setFont(board_font(s["footer"] * u))
        self._show()

    def set_slides(self, slides: list[str]) -> None:
        if slides == self.slides:
            return
        self.slides = slides
        self.index = 0
        self._show()
        if len(slides) > 1:
            self.timer.start()
        else:
            self.timer.stop()
        self.setVisible(bool(slides))

    def next_slide(self) -> None:
        if self.slides:
            self.index = (self.index + 1) % len(self.slides)
            self._show()

    def _show(self) -> None:
        if not self.slides or not self._s:
            self.text.setText("")
            self.dots.setText("")
            return
        text = self.slides[self.index % len(self.slides)]
        self.text.setText(text)
        self.text.setFont(self._fitting_font(text))
        self.dots.setText(" ".join("●" if i == self.index else "○" for i in range(len(self.slides)))
                          if len(self.slides) > 1 else "")

    def _fitting_font(self, text: str) -> QFont:
        """The largest size (down to ``info_min``) at which ``text`` fits the panel."""
        s, u = self._s, self._u
        m = int(s["margin"] * u)
        width = self.text.width() if self.text.width() > 100 else int(self.width() - 4 * m - 60 * u)
        width = max(100, width)
        height = int(s["info_h"] * u) - m
        px = s["info"] * u
        while True:
            font = board_font(px)
            rect = QFontMetrics(font).boundingRect(0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap), text)
            if rect.height() <= height or px <= s["info_min"] * u:
                return font
            px -= 1

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.slides and self._s:
            self.text.setFont(self._fitting_font(self.text.text()))


class Footer(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("footer")
        self.hours = _label(name="hours", wrap=True)
        self.recording = _label(name="recording",
                                align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def arrange(self, mode: str, s: dict, u: float) -> None:
        _clear_layout(self)
        m = int(s["margin"] * u)
        self.hours.setFont(board_font(s["footer"] * u))
        self.recording.setFont(board_font(s["footer"] * u, bold=True))
        self.setFixedHeight(int(s["footer_h"] * u))
        if mode == LANDSCAPE:
            box = QHBoxLayout(self)
            box.addWidget(self.hours, 1)
            box.addWidget(self.recording)
            self.recording.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            box = QVBoxLayout(self)
            box.addWidget(self.hours, 1)
            box.addWidget(self.recording)
            self.recording.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        box.setContentsMargins(m * 2, m // 4, m * 2, m // 4)
        box.setSpacing(m)


def _clear_layout(widget: QWidget) -> None:
    """Drop ``widget``'s layout, keeping its child widgets (they are laid out again)."""
    old = widget.layout()
    if old is None:
        return
    while old.count():
        item = old.takeAt(0)
        if item.layout() is not None:
            _drop_nested(item.layout())
    QWidget().setLayout(old)   # re-parents the old layout to a temporary, which deletes it


def _drop_nested(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.layout() is not None:
            _drop_nested(item.layout())


def stylesheet(u: float) -> str:
    r = max(2, int(10 * u))
    return f"""
    QWidget#board {{ background: {BG}; }}
    QLabel {{ color: {TEXT}; background: transparent; }}
    QFrame#header {{ background: {PANEL}; border-bottom: {max(1, int(3 * u))}px solid {ACCENT}; }}
    QLabel#officeName, QLabel#date {{ color: {SOFT}; }}
    QLabel#status {{ color: {ACCENT}; }}
    QFrame#callsPanel, QFrame#recentPanel, QFrame#waitingPanel {{ background: {PANEL}; border-radius: {r}px; }}
    QLabel#caption, QLabel#panelTitle {{ color: {SOFT}; }}
    QLabel#callsMessage {{ color: {SOFT}; }}
    QFrame#callRow {{ background: transparent; border-radius: {r}px;
                      border-left: {max(2, int(10 * u))}px solid transparent; }}
    QFrame#callRow[newest="yes"] {{ border-left: {max(2, int(10 * u))}px solid {ACCENT}; background: #13294A; }}
    QFrame#callRow[flash="on"] {{ background: {ACCENT}; border-left: {max(2, int(10 * u))}px solid {ACCENT}; }}
    QFrame#callRow[flash="on"] QLabel {{ color: #000000; }}
    QLabel#callWindow {{ color: {ACCENT}; }}
    QLabel#callArrow {{ color: {SOFT}; }}
    QLabel#recentItem {{ color: {TEXT}; }}
    QLabel#waitLetter {{ color: #000000; background: {ACCENT}; border-radius: {max(2, int(6 * u))}px; }}
    QLabel#waitLetter[zero="yes"] {{ background: {DIM}; }}
    QLabel#waitName {{ color: {TEXT}; }}
    QLabel#waitName[closed="yes"] {{ color: {DIM}; }}
    QLabel#waitCount {{ color: {TEXT}; }}
    QLabel#waitCount[zero="yes"] {{ color: {DIM}; }}
    QFrame#windowTile {{ background: {PANEL}; border-radius: {r}px; border-top: {max(2, int(6 * u))}px solid {OK}; }}
    QFrame#windowTile[state="paused"] {{ border-top-color: {ACCENT}; }}
    QFrame#windowTile[state="closed"] {{ border-top-color: {LINE}; background: #0A1422; }}
    QFrame#windowTile QLabel#tileHead {{ color: {SOFT}; }}
    QFrame#windowTile[state="paused"] QLabel#tileBody {{ color: {ACCENT}; }}
    QFrame#windowTile[state="closed"] QLabel {{ color: {DIM}; }}
    QFrame#infoPanel {{ background: #0B2440; border-left: {max(2, int(8 * u))}px solid {OK};
                        border-radius: {r}px; }}
    QLabel#infoDots {{ color: {SOFT}; }}
    QFrame#footer {{ background: {PANEL}; border-top: 1px solid {LINE}; }}
    QLabel#hours {{ color: {SOFT}; }}
    QLabel#recording {{ color: {TEXT}; }}
    """


# --- the board -----------------------------------------------------------------------------
