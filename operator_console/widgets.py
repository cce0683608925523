"""The parts of the console's screen. They draw what they are given; they decide nothing."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from . import model as M
from .style import banner_css, font, level_css

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter


def let_labels_wrap(root: QWidget, keep: tuple[str, ...] = ("ticketCode", "phaseTimer")) -> None:
    """Let the words of ``root``'s labels wrap (all but the big figures named in ``keep``), so that
    no label's one long line sets the window's minimum width: at 1366×768 the console's minimum
    was 1365 px, and with slightly wider fonts, or «Нет связи — переподключение…» in the top bar,
    the window grew past the screen (1777 px) and stayed so."""
    for lab in root.findChildren(QLabel):
        if lab.objectName() not in keep and not lab.wordWrap():
            lab.setWordWrap(True)


def label(text: str = "", px: int = 18, bold: bool = False, name: str = "", align=ALIGN_LEFT,
          wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setFont(font(px, bold))
    lab.setAlignment(align)
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)  # nothing from the hub is read as markup
    if name:
        lab.setObjectName(name)
    return lab


def set_level(widget: QLabel, level: str) -> None:
    """Colour a time block by its norm level; the level is kept as a property (tests read it)."""
    if widget.property("level") != level:
        widget.setProperty("level", level)
        widget.setStyleSheet(level_css(level))


# ---------------------------------------------------------------------- top bar

class TopBar(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("topbar")
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 6, 18, 6)
        row.setSpacing(24)
        self.window = label("", 26, True)
        self.operator = label("", 20)
        self.office = label("", 16, name="dim")
        self.connection = label("", 18, True)
        self.connection.setObjectName("connection")
        self.clock = label("", 26, True, align=ALIGN_RIGHT)
        row.addWidget(self.window)
        row.addWidget(self.operator)
        row.addStretch(1)
        row.addWidget(self.connection)
        row.addWidget(self.clock)
        self.set_connected(False)

    def set_connected(self, ok: bool, text: str | None = None) -> None:
        self.connection.setProperty("connected", ok)
        if ok:
            self.connection.setText(text or "● На связи")
            self.connection.setStyleSheet("color: #FFFFFF; background: #1B6E2E; border-radius: 6px; padding: 4px 12px;")
        else:
            self.connection.setText(text or "● Нет связи — переподключение…")
            self.connection.setStyleSheet("color: #FFFFFF; background: #B3261E; border-radius: 6px; padding: 4px 12px;")


# ---------------------------------------------------------------------- the ticket card

class TicketCard(QFrame):
    """The ticket at my window: code, topic, client type, individual format, phase and its time."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.pages = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 10, 22, 12)
        outer.addWidget(self.pages)

        # idle: free, on a break, closed
        idle = QWidget()
        col = QVBoxLayout(idle)
        col.addStretch(1)
        self.idle_title = label("", 54, True, align=ALIGN_CENTER)
        self.idle_time = label("", 48, True, align=ALIGN_CENTER)
        self.idle_hint = label("", 22, align=ALIGN_CENTER, wrap=True, name="soft")
        col.addWidget(self.idle_title)
        col.addWidget(self.idle_time, 0, ALIGN_CENTER)
        col.addWidget(self.idle_hint)
        col.addStretch(1)
        self.pages.addWidget(idle)

        # a ticket
        page = QWidget()
        grid = QVBoxLayout(page)
        grid.setSpacing(6)
        head = QHBoxLayout()
        self.code = label("", 100, True)
        self.code.setObjectName("ticketCode")
        head.addWidget(self.code)
        head.addStretch(1)
        badges = QVBoxLayout()
        badges.addStretch(1)
        self.individual = label("Индивидуальный формат\nобслуживания", 18, True, name="badge", align=ALIGN_CENTER)
        self.level = label("", 18, True, name="levelBadge")
        self.segment = label("", 18, name="soft", align=ALIGN_RIGHT)
        self.appointment = label("", 18, True, name="badge", align=ALIGN_CENTER)  # issue 16: «по записи на 10:30»
        for w in (self.individual, self.appointment, self.level, self.segment):
            badges.addWidget(w, 0, ALIGN_RIGHT)
        badges.addStretch(1)
        head.addLayout(badges)
        grid.addLayout(head)
        self.topic = label("", 34, True, wrap=True)
        self.client = label("", 22, name="soft")
        grid.addWidget(self.topic)
        grid.addWidget(self.client)
        grid.addSpacing(4)
        phase_row = QHBoxLayout()
        phase_col = QVBoxLayout()
        self.phase = label("", 30, True)
        self.norm = label("", 20, name="soft")
        phase_col.addWidget(self.phase)
        phase_col.addWidget(self.norm)
        phase_row.addLayout(phase_col, 1)
        self.timer = label("", 64, True, align=ALIGN_CENTER)
        self.timer.setObjectName("phaseTimer")
        self.timer.setMinimumWidth(260)
        phase_row.addWidget(self.timer)
        grid.addLayout(phase_row)
        grid.addSpacing(2)
        self.lines = []
        for _ in range(3):
            row = QHBoxLayout()
            name = label("", 20)
            value = label("", 22, True, align=ALIGN_CENTER)
            value.setMinimumWidth(130)
            row.addWidget(name, 1)
            row.addWidget(value)
            grid.addLayout(row)
            self.lines.append((name, value))
        grid.addStretch(1)
        outcome_row = QHBoxLayout()
        outcome_row.addWidget(label("Код итога (необязательно, Ctrl+O):", 18, name="soft"))
        self.outcome = QLineEdit()
        self.outcome.setObjectName("outcome")
        self.outcome.setFont(font(20))
        self.outcome.setMaxLength(60)
        self.outcome.setPlaceholderText("записывается при F4")
        outcome_row.addWidget(self.outcome, 1)
        # 001:841: a per-account norm (contract documents, 8 min per account) scales with this
        accounts_label = label("Лицевых счетов:", 18, name="soft")
        outcome_row.addWidget(accounts_label)
        from PySide6.QtWidgets import QSpinBox
        self.accounts = QSpinBox()
        self.accounts.setObjectName("accounts")
        self.accounts.setRange(1, 99)
        self.accounts.setFont(font(20))
        self.accounts.setAccessibleName("Лицевых счетов в обращении")
        self.accounts.setToolTip("Сколько лицевых счетов (точек подключения) охватывает обращение: "
                                 "норматив по договору считается на каждый счёт")
        accounts_label.setBuddy(self.accounts)
        self.accounts_ticket = None  # the ticket the box shows the number of
        outcome_row.addWidget(self.accounts)
        grid.addLayout(outcome_row)
        self.pages.addWidget(page)
        set_level(self.timer, M.NONE)
        set_level(self.idle_time, M.NONE)

    def show_idle(self, title: str, hint: str, seconds: float | None = None) -> None:
        self.pages.setCurrentIndex(0)
        self.idle_title.setText(title)
        self.idle_hint.setText(hint)
        self.idle_time.setVisible(seconds is not None)
        if seconds is not None:
            self.idle_time.setText(M.fmt_duration(seconds))

    def show_ticket(self, m: M.ConsoleModel, t: dict, now: float) -> None:
        self.pages.setCurrentIndex(1)
        if t.get("id") != self.accounts_ticket:  # a new ticket: one account until the operator says
            self.accounts_ticket = t.get("id")
            self.accounts.setValue(int(t.get("accounts") or 1))
        self.code.setText(t.get("code", ""))
        self.topic.setText(t.get("service_name") or t.get("service", ""))
        self.client.setText(M.CLIENT_WORDS.get(t.get("client_type") or "any", t.get("client_type") or ""))
        self.individual.setVisible(bool(t.get("individual")))
        self.appointment.setVisible(t.get("appointment_at") is not None)
        if t.get("appointment_at") is not None:
            from datetime import datetime
            self.appointment.setText(f"по записи на {datetime.fromtimestamp(t['appointment_at'], m.tz()):%H:%M}")
        level = t.get("level") or "specialist"
        self.level.setVisible(level != "specialist")
        self.level.setText(f"Передан: {M.LEVEL_WORDS.get(level, level).lower()}")
        seg = int(t.get("segments") or 1)
        self.segment.setVisible(seg > 1)
        self.segment.setText(f"Визит продолжается: этап {seg}")

        clock = m.phase_clock(t)
        title = clock.title
        if clock.key == "called" and t.get("recalls"):
            title += f" · повторных вызовов: {t['recalls']}"
        self.phase.setText(title)
        if clock.norm:
            left = clock.norm.limit_s - clock.elapsed(now)
            state = f"осталось {M.fmt_duration(left)}" if left >= 0 else f"превышен на {M.fmt_duration(-left)}"
            self.norm.setText(f"Норматив {clock.norm.words}" + (f" ({clock.norm.source})" if clock.norm.source else "")
                              + f" · {state}")
        else:
            self.norm.setText("Норматива нет: время для сведения" if clock.key == "called" else "Норматив не задан")
        self.timer.setText(M.fmt_duration(clock.elapsed(now)))
        set_level(self.timer, clock.level(now))

        extra: list[M.Clock] = []
        if clock.key in ("digital", "upsell"):
            extra.append(m.service_clock(t))
        extra.append(m.wait_clock(t))
        extra.append(m.visit_clock(t))
        for (name, value), c in zip(self.lines, extra + [None] * (len(self.lines) - len(extra)), strict=False):
            name.setVisible(c is not None)
            value.setVisible(c is not None)
            if c is None:
                continue
            title = {"serving": "Весь приём", "wait": "Ожидание в очереди", "visit": "Весь визит"}.get(c.key, c.title)
            name.setText(f"{title}" + (f" — норматив {c.norm.words}" if c.norm else ""))
            value.setText(M.fmt_duration(c.elapsed(now)))
            set_level(value, c.level(now))


# ---------------------------------------------------------------------- the hall, my day

class HallPanel(QFrame):
    """Waiting per service, the oldest wait coloured against the service's waiting norm."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("panel")
        col = QVBoxLayout(self)
        col.setContentsMargins(16, 12, 16, 12)
        col.setSpacing(4)
        col.addWidget(label("Зал сейчас: ждут по услугам", 19, True, name="panelTitle"))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        col.addLayout(self.grid)
        self.note = label("Жирным — услуги вашего окна; время — дольше всех ждущий", 14, name="dim")
        col.addWidget(self.note)
        col.addStretch(1)
        self.rows: dict[str, tuple[QLabel, QLabel, QLabel, QLabel]] = {}

    def update_rows(self, rows: list[M.HallRow]) -> None:
        if [r.service for r in rows] != list(self.rows):
            while self.grid.count():
                item = self.grid.takeAt(0)
                if item.widget():
                    item.widget().deleteLater()
            self.rows = {}
            for i, r in enumerate(rows):
                cells = (label("", 18, True), label("", 17), label("", 18, True, align=ALIGN_RIGHT),
                         label("", 16, True, align=ALIGN_CENTER))
                cells[3].setMinimumWidth(84)
                for j, c in enumerate(cells):
                    self.grid.addWidget(c, i, j)
                self.grid.setColumnStretch(1, 1)
                self.rows[r.service] = cells
        for r in rows:
            letter, name, count, oldest = self.rows[r.service]
            letter.setText(r.letter)
            name.setText(r.name)
            count.setText(str(r.waiting))
            oldest.setText(M.fmt_duration(r.oldest) if r.waiting else "—")
            set_level(oldest, r.level)
            if letter.property("mine") != r.mine:
                letter.setProperty("mine", r.mine)
                for c in (letter, name, count):
                    c.setFont(font(c.font().pixelSize(), bold=r.mine or c is letter))
                    c.setStyleSheet("" if r.mine else "color: #5F6A77;")


class DayPanel(QFrame):
    """My day so far: served, average service time against the norm, share within it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("panel")
        col = QVBoxLayout(self)
        col.setContentsMargins(16, 10, 16, 10)
        col.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(label("Мой день", 19, True, name="panelTitle"))
        head.addStretch(1)
        #: the window's next planned break from the office's rota, «Следующий перерыв: обед 13:00–13:45»,
        #: beside the title (a row of its own would push the console past a 1366x768 screen)
        self.next_break = label("", 14, True)
        self.next_break.setAccessibleName("Следующий перерыв по графику")
        self.next_break.hide()  # shown only when the rota plans one
        head.addWidget(self.next_break)
        col.addLayout(head)
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(10)
        self.values: dict[str, QLabel] = {}
        cells = (("served", "Обслужено"), ("avg", "Среднее время"),
                 ("within", "В нормативе"), ("other", "Неявки / переводы"))
        for i, (key, text) in enumerate(cells):
            r, c = divmod(i, 2)
            grid.addWidget(label(text, 16, name="soft"), r * 2, c)
            v = label("—", 22, True, align=ALIGN_LEFT if key != "avg" else ALIGN_CENTER)
            grid.addWidget(v, r * 2 + 1, c, ALIGN_LEFT)
            self.values[key] = v
        self.values["avg"].setMinimumWidth(110)
        col.addLayout(grid)
        self.norm = label("", 14, name="dim")
        col.addWidget(self.norm)
        set_level(self.values["avg"], M.NONE)

    def update_day(self, day: dict | None) -> None:
        v = self.values
        if not day:
            for w in v.values():
                w.setText("—")
            self.norm.setText("Нет данных за сегодня")
            set_level(v["avg"], M.NONE)
            return
        v["served"].setText(str(day.get("served", 0)))
        avg, norm = day.get("avg_service"), day.get("avg_norm")
        v["avg"].setText(M.fmt_duration(avg) if avg is not None else "—")
        if avg is not None and norm:
            set_level(v["avg"], M.Norm(norm / 60.0, norm / 60.0).level(avg))
        else:
            set_level(v["avg"], M.NONE)
        within = day.get("within_norm")
        v["within"].setText(f"{round(within * 100)} %" if within is not None else "—")
        v["other"].setText(f"{day.get('no_show', 0)} / {day.get('transferred', 0) + day.get('escalated', 0)}")
        if avg is None:
            self.norm.setText("Приёмов сегодня ещё не было")
        else:
            self.norm.setText(f"Среднее против норматива {M.fmt_duration(norm)} (в среднем по вашим услугам)"
                              if norm else "Норматив времени приёма не задан")


# ---------------------------------------------------------------------- actions

class ActionBar(QFrame):
    """One big button per action, its key written on it."""

    pressed = Signal(str)

    def __init__(self, specs: list[tuple[str, str]], columns: int = 6) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.buttons: dict[str, QPushButton] = {}
        for i, (key, shortcut) in enumerate(specs):
            b = QPushButton()
            b.setObjectName("action")
            b.setFont(font(16, True))
            b.setMinimumHeight(60)
            b.setMinimumWidth(120)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys are for the F-keys, focus stays put
            b.setProperty("key_name", shortcut)
            b.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            grid.addWidget(b, i // columns, i % columns)
            self.buttons[key] = b
        for c in range(columns):
            grid.setColumnStretch(c, 1)

    #: the buttons' type, and the smallest it may shrink to so that the words fit (never cut)
    FONT_PX, MIN_FONT_PX, PADDING_PX = 16, 11, 20

    def _fit(self, b: QPushButton) -> None:
        """The largest font up to 16 px at which every line of the button's text fits its width:
        Qt cuts a button's text without an ellipsis («Вызвать следующегс»)."""
        width = b.width() - self.PADDING_PX
        if width <= 0:
            return
        lines = b.text().split("\n")
        px = self.FONT_PX
        while px > self.MIN_FONT_PX:
            f = font(px, True)
            if max(QFontMetrics(f).horizontalAdvance(line) for line in lines) <= width:
                break
            px -= 1
        if b.font().pixelSize() != px:
            b.setFont(font(px, True))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        for b in self.buttons.values():
            self._fit(b)

    def set_action(self, key: str, text: str, enabled: bool, visible: bool = True, active: bool = False,
                   tip: str = "") -> None:
        b = self.buttons[key]
        b.setText(f"{b.property('key_name')}\n{text}")
        self._fit(b)
        b.setEnabled(enabled)
        b.setVisible(visible)
        b.setToolTip(tip)
        if bool(b.property("active")) != active:
            b.setProperty("active", active)
            b.style().unpolish(b)
            b.style().polish(b)


class ChoicePanel(QFrame):
    """A short list to choose from with the keyboard: digits or arrows and Enter; Esc cancels."""

    chosen = Signal(object)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("panel")
        col = QVBoxLayout(self)
        col.setContentsMargins(16, 10, 16, 10)
        self.title = label("", 22, True)
        self.list = QListWidget()
        self.list.setFont(font(20))
        self.list.itemActivated.connect(self._activated)
        self.hint = label("Цифра или ↑↓ и Enter — выбрать · Esc — отмена", 16, name="dim")
        col.addWidget(self.title)
        col.addWidget(self.list, 1)
        col.addWidget(self.hint)
        self.values: list[object] = []
        self.list.installEventFilter(self)

    def open(self, title: str, options: list[tuple[object, str]]) -> None:
        self.title.setText(title)
        self.list.clear()
        self.values = []
        for i, (value, text) in enumerate(options):
            prefix = f"{i + 1}. " if i < 9 else "    "
            self.list.addItem(QListWidgetItem(prefix + text))
            self.values.append(value)
        self.list.setCurrentRow(0)
        self.show()
        self.list.setFocus()

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.values):
            value = self.values[index]
            self.hide()
            self.chosen.emit(value)

    def _activated(self, item: QListWidgetItem) -> None:
        self.choose(self.list.row(item))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.list and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            return self.key(event)
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self.key(event):
            super().keyPressEvent(event)

    def key(self, event: QKeyEvent) -> bool:
        k = event.key()
        if k == Qt.Key.Key_Escape:
            self.hide()
            self.cancelled.emit()
            return True
        if k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.choose(self.list.currentRow())
            return True
        if Qt.Key.Key_1 <= k <= Qt.Key.Key_9:
            self.choose(k - Qt.Key.Key_1)
            return True
        return False


class Banner(QLabel):
    """What just happened, or what the hub refused and why, in plain words."""

    def __init__(self) -> None:
        super().__init__()
        self.setFont(font(19, True))
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMinimumHeight(46)
        self.kind = ""
        self.clear_message()

    def say(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.setText(text)
        self.setStyleSheet(banner_css(kind))
        self.setVisible(True)

    def clear_message(self) -> None:
        self.kind = ""
        self.setProperty("kind", "")
        self.setText("")
        self.setStyleSheet("background: transparent; border: none;")


# ---------------------------------------------------------------------- signing in, taking a window

class LoginPage(QWidget):
    submitted = Signal(str, str, bool)  # login, secret, secret is a PIN

    def __init__(self) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QFrame()
        box.setObjectName("panel")
        box.setMaximumWidth(620)
        col = QVBoxLayout(box)
        col.setContentsMargins(36, 28, 36, 28)
        col.setSpacing(12)
        col.addWidget(label("Вход оператора", 36, True))
        self.where = label("", 18, name="soft", wrap=True)
        col.addWidget(self.where)
        col.addWidget(label("Логин", 20))
        self.login = QLineEdit()
        self.login.setFont(font(24))
        self.login.setObjectName("login")
        col.addWidget(self.login)
        mode = QHBoxLayout()
        self.by_password = QRadioButton("Пароль")
        self.by_pin = QRadioButton("PIN-код")
        for r in (self.by_password, self.by_pin):
            r.setFont(font(20))
            mode.addWidget(r)
        mode.addStretch(1)
        group = QButtonGroup(self)
        group.addButton(self.by_password)
        group.addButton(self.by_pin)
        self.by_password.setChecked(True)
        self.by_pin.toggled.connect(self._mode)
        col.addLayout(mode)
        self.secret = QLineEdit()
        self.secret.setFont(font(24))
        self.secret.setObjectName("secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        col.addWidget(self.secret)
        self.button = QPushButton("Войти (Enter)")
        self.button.setObjectName("primary")
        self.button.setFont(font(22, True))
        self.button.setMinimumHeight(56)
        col.addWidget(self.button)
        self.error = label("", 20, True, wrap=True)
        self.error.setStyleSheet("color: #B3261E;")
        col.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.button.clicked.connect(self.submit)
        self.login.returnPressed.connect(lambda: self.secret.setFocus())
        self.secret.returnPressed.connect(self.submit)
        self._mode()

    def _mode(self) -> None:
        pin = self.by_pin.isChecked()
        self.secret.setPlaceholderText("PIN-код: 4–8 цифр" if pin else "Пароль")

    def submit(self) -> None:
        login, secret = self.login.text().strip(), self.secret.text()
        if not login or not secret:
            self.error.setText("Введите логин и " + ("PIN-код" if self.by_pin.isChecked() else "пароль"))
            return
        self.error.setText("")
        self.submitted.emit(login, secret, self.by_pin.isChecked())

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText("Вход…" if busy else "Войти (Enter)")


class WindowPage(QWidget):
    chosen = Signal(int)  # the window's number

    def __init__(self) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        outer.addWidget(label("Выберите окно", 36, True))
        self.hint = label("↑↓ и Enter — занять окно", 18, name="soft")
        outer.addWidget(self.hint)
        self.list = QListWidget()
        self.list.setFont(font(24))
        self.list.itemActivated.connect(lambda item: self.chosen.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        outer.addWidget(self.list, 1)
        self.error = label("", 20, True, wrap=True)
        self.error.setStyleSheet("color: #B3261E;")
        outer.addWidget(self.error)

    def fill(self, windows: list[dict], me: str | None) -> None:
        self.list.clear()
        for w in sorted(windows, key=lambda w: int(w.get("number", 0))):
            state = M.WINDOW_WORDS.get(w.get("state"), w.get("state", ""))
            who = f" — {w['operator']}" if w.get("operator") else ""
            mine = " (вы)" if me and w.get("operator") == me else ""
            item = QListWidgetItem(f"{M.window_label(w)}: {state}{who}{mine}")
            item.setData(Qt.ItemDataRole.UserRole, int(w["number"]))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.setFocus()
