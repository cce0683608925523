"""The hall board's window: big, high-contrast, readable from across the hall.

Two layouts, chosen by the window's shape (or forced): **landscape** for a 1920×1080
screen on the wall, **portrait** for a 1080×1920 screen on a stand. Every size is a multiple
of one unit (the window's size against the reference screen), so a 1366×768 or a 4K panel
shows the same board, scaled.

What the hall sees (docs/board.md has the picture and the reasons):

* the current calls — «А-012 → окно 3» — as large as the layout allows (a ticket code is
  104 px high on a 1080-line screen: about 5 cm on a 55″ panel, read from 15 m);
* a new call (and a recall) flashes for ``flash_s`` seconds, for visitors who can not hear
  the announcement; the flash alternates at 1.25 Hz, well under the 3 flashes a second
  that may trigger a seizure (WCAG 2.3.1);
* the recent calls; the number waiting per topic (optional); the windows, closed ones
  shown as «закрыто» and those on a break as «перерыв»;
* the clock and date in the office's time zone; the office hours; the recording notice;
* slides with the hall information the administrator writes (001:325–333, 000:153–169).

Only ticket codes and window numbers are ever drawn: the widgets are given ``Call`` and
``WindowInfo`` records (display_board/state.py) that hold nothing else.

The parts (header, calls, recent, waiting, windows, slides, footer), their sizes and colours are
in display_board/panels.py; this module lays them out and feeds them.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QVBoxLayout, QWidget

from .panels import (
    FLASH_PERIOD_MS,
    FLASH_S,
    LANDSCAPE,
    PORTRAIT,
    SIZES,
    CallsPanel,
    Footer,
    Header,
    InfoPanel,
    RecentPanel,
    WaitingPanel,
    WindowsStrip,
    _clear_layout,
    stylesheet,
)
from .state import (
    BoardState,
    CallNews,
    clock_text,
    date_text,
    info_slides,
    opening_text,
    today_hours,
    week_hours_lines,
)

log = logging.getLogger(__name__)


class BoardWindow(QWidget):
    """The whole board. The app feeds it (``show_state``, ``show_news``, ``set_clock``…).

    ``call_shown(code, window, shown_at)`` is emitted once a call has been painted on the
    board (``shown_at`` from ``time.time()``): tests and the benchmark measure the time from
    the hub's event to it.
    """

    call_shown = Signal(str, str, float)

    def __init__(self, orientation: str = "auto", show_waiting: bool = True,
                 flash_s: float = FLASH_S) -> None:
        super().__init__()
        self.setObjectName("board")
        self.setWindowTitle("Талон — табло")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.orientation = orientation
        self.show_waiting = show_waiting
        self.flash_s = flash_s
        self.header = Header()
        self.calls = CallsPanel()
        self.recent = RecentPanel()
        self.waiting = WaitingPanel()
        self.windows = WindowsStrip()
        self.info = InfoPanel()
        self.footer = Footer()
        self.mode: str | None = None
        self.unit = 0.0
        self.state: BoardState | None = None
        self.flashing: dict[int, float] = {}     # ticket → monotonic time the flash ends
        self.flash_phase = True
        self._notes: dict[str, str] = {}         # status notes for the hall, by source
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(FLASH_PERIOD_MS)
        self._flash_timer.timeout.connect(self._flash_tick)
        self._now = datetime.now().astimezone()
        self.resize(1920, 1080)
        self._arrange()
        self.show_connecting()

    # --- layout --------------------------------------------------------------------------

    def current_mode(self, size: QSize | None = None) -> str:
        if self.orientation in (LANDSCAPE, PORTRAIT):
            return self.orientation
        size = size or self.size()
        return PORTRAIT if size.height() > size.width() else LANDSCAPE

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        mode = self.current_mode()
        w, h = max(1, self.width()), max(1, self.height())
        unit = min(w / 1920, h / 1080) if mode == LANDSCAPE else min(w / 1080, h / 1920)
        if mode == self.mode and abs(unit - self.unit) < 1e-3:
            return
        self.mode, self.unit = mode, unit
        s = SIZES[mode]
        u = unit
        self.setStyleSheet(stylesheet(u))
        _clear_layout(self)
        for part in (self.header, self.calls, self.recent, self.waiting, self.windows, self.info, self.footer):
            part.arrange(mode, s, u)
        m, gap = int(s["margin"] * u), int(s["gap"] * u)
        root = QVBoxLayout(self)
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)   # the screen's size rules
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(gap)
        root.addWidget(self.header)
        body = QVBoxLayout()
        body.setContentsMargins(m, 0, m, 0)
        body.setSpacing(gap)
        if mode == LANDSCAPE:
            top = QHBoxLayout()
            top.setSpacing(gap)
            top.addWidget(self.calls, 60)
            side = QVBoxLayout()
            side.setSpacing(gap)
            side.addWidget(self.recent, 1)
            side.addWidget(self.waiting, 1)
            top.addLayout(side, 40)
            body.addLayout(top, 1)
        else:
            body.addWidget(self.calls, 1)
            body.addWidget(self.recent)
            body.addWidget(self.waiting)
            recent_h = s["recent_title"] + (s["recent"] * 1.2 + 2) * s["recent_rows"] + 3 * s["margin"]
            self.recent.setFixedHeight(int(recent_h * u))
        if mode == LANDSCAPE:
            self.recent.setMinimumHeight(0)
            self.recent.setMaximumHeight(16_777_215)
        body.addWidget(self.windows)
        body.addWidget(self.info)
        root.addLayout(body, 1)
        root.addWidget(self.footer)
        self.waiting.setVisible(self.show_waiting)
        if self.state is not None:
            self._refresh()

    # --- feeding it ----------------------------------------------------------------------

    def show_connecting(self, text: str = "Подключение к серверу очереди…") -> None:
        self.calls.show_calls([], text)

    def set_clock(self, now: datetime) -> None:
        """``now`` in the office's time zone."""
        self._now = now
        self.header.time.setText(clock_text(now))
        self.header.date.setText(date_text(now))

    def set_note(self, source: str, text: str | None) -> None:
        """A line for the hall under the office's name (no connection, no sound…)."""
        if text:
            self._notes[source] = text
        else:
            self._notes.pop(source, None)
        joined = " · ".join(self._notes[k] for k in sorted(self._notes))
        self.header.status.setText(joined)
        self.header.status.setVisible(bool(joined))

    def show_state(self, state: BoardState) -> None:
        self.state = state
        self._refresh()

    def _refresh(self) -> None:
        state = self.state
        if state is None:
            return
        s = SIZES[self.mode or LANDSCAPE]
        self.header.name.setText(state.office_name)
        calls = state.current_calls()
        self.calls.show_calls(calls, self._empty_message(state))
        self._paint_looks()
        self.recent.show_recent(state.recent_calls(s["recent_cols"] * s["recent_rows"]))
        if self.show_waiting:
            self.waiting.show_waiting(state.waiting_by_service())
        self.windows.show_windows(state.windows_in_order())
        self.info.set_slides(info_slides(state.texts))
        self.footer.hours.setText(self._hours_text(state))
        recording = state.texts.get("recording", "")
        self.footer.recording.setText(f"● {recording}" if recording else "")
        self.footer.recording.setVisible(bool(recording))

    def _empty_message(self, state: BoardState) -> str:
        if not state.loaded:
            return "Подключение к серверу очереди…"
        if not state.open:
            when = opening_text(state.opens_at, self._now)
            return "Приём закрыт" + (f"\n{when}" if when else "")
        greeting = state.texts.get("greeting", "")
        sound = "sound" not in self._notes
        hint = ("Номер Вашего талона появится здесь, и его назовут вслух" if sound
                else "Номер Вашего талона появится здесь")
        return f"{greeting}\n{hint}" if greeting else hint

    def _hours_text(self, state: BoardState) -> str:
        lines = week_hours_lines(state.schedule)
        special = today_hours(state.schedule, self._now.date())
        text = "Часы работы: " + "; ".join(lines)
        if special:
            text += f" ({special})"
        return text

    def show_news(self, news: list[CallNews], flash: bool = True) -> None:
        """Calls that just happened: flash them (``flash``) and report each as shown."""
        now = time.monotonic()
        if flash:
            for item in news:
                self.flashing[item.call.ticket] = now + self.flash_s
            if self.flashing:
                self.flash_phase = True
                if not self._flash_timer.isActive():
                    self._flash_timer.start()
        self._paint_looks()
        if news:
            self.calls.repaint()     # paint now, so that "shown" means on the screen
            shown_at = time.time()
            for item in news:
                self.call_shown.emit(item.call.code, item.call.window_label, shown_at)

    def _paint_looks(self) -> None:
        now = time.monotonic()
        self.flashing = {t: end for t, end in self.flashing.items() if end > now}
        newest = self.calls.calls[0].ticket if self.calls.calls else None
        for row in self.calls.rows:
            call = row.call
            if call is None:
                row.set_look(False, False)
                continue
            row.set_look(call.ticket in self.flashing and self.flash_phase, call.ticket == newest)
        if not self.flashing:
            self._flash_timer.stop()

    def _flash_tick(self) -> None:
        self.flash_phase = not self.flash_phase
        self._paint_looks()

    def is_flashing(self, ticket: int) -> bool:
        return self.flashing.get(ticket, 0) > time.monotonic()

    def visible_texts(self) -> list[str]:
        """Every text the board shows now (for the privacy test and for diagnostics)."""
        return [label.text() for label in self.findChildren(QLabel) if label.isVisibleTo(self) and label.text()]
