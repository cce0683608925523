"""The kiosk for everyone in the hall (pytest-qt, offscreen) against a real hub process.

A small panel keeps readable type: no text under 24 px at 1024×768, 768×1024 and 800×600, no word
wider than its widget, every screen still fitting the window; the topics' hints are the
buttons' accessible descriptions, whole even when cut short on screen; a visitor who can not use
the touch screen gets a ticket with the keyboard (or a switch sending keys) only: Tab and the
arrows move, Enter and Space press, a focus ring of at least 3:1 shows where.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from test_kiosk_qt import click, contrast, hub_tickets, shot, start_kiosk

from kiosk.screens import (
    BRAND,
    LANDSCAPE,
    MIN_TEXT_PX,
    MIN_TEXT_PX_SMALL,
    PORTRAIT,
    RING_INNER,
    RING_OUTER,
    RING_PAIRS,
    TEXT_KEYS,
    sizes_for,
)

SMALL_SCREENS = [("1024x768", MIN_TEXT_PX), ("800x600", MIN_TEXT_PX_SMALL), ("768x1024", MIN_TEXT_PX)]
assert MIN_TEXT_PX == 24 and MIN_TEXT_PX_SMALL >= 20


def text_widgets(window):
    """Every visible widget that shows text, with its text and its font's pixel size as drawn."""
    window.app.processEvents()
    for w in window.findChildren(QLabel) + window.findChildren(QPushButton):
        if not w.isVisibleTo(window):
            continue
        text = w.text().strip()
        if text:
            yield w, text, QFontInfo(w.font()).pixelSize()


def check_sizes(window, floor: int, where: str) -> int:
    """No text under ``floor`` px, no text wider than its widget, and the screen fits the window."""
    seen = 0
    for w, text, px in text_widgets(window):
        seen += 1
        assert px >= floor, (where, text, px)
        if w.sizePolicy().horizontalPolicy().name == "Ignored":  # elided and fitted labels shorten themselves
            continue
        metrics = QFontMetrics(w.font())
        if isinstance(w, QPushButton) or not w.wordWrap():
            wide = metrics.horizontalAdvance(text)
        else:  # a wrapped label: its longest word must fit (the line breaks only between words)
            wide = max(metrics.horizontalAdvance(word) for word in text.split())
        assert wide <= w.width(), (where, text, wide, w.width())
    hint = window.minimumSizeHint()
    assert hint.width() <= window.width() and hint.height() <= window.height(), (where, hint, window.size())
    return seen


def test_every_supported_screen_size_keeps_text_at_or_above_the_floor():
    """The sizes themselves: the floor holds in both orientations and the reference screens are unchanged."""
    for (w, h), floor in [((1024, 768), 24), ((1280, 800), 24), ((1366, 768), 24), ((768, 1024), 24),
                          ((800, 600), 24), ((1920, 1080), 30), ((1080, 1920), 30)]:
        mode = PORTRAIT if h > w else LANDSCAPE
        s = sizes_for(QSize(w, h), mode)
        assert min(s[k] for k in TEXT_KEYS) >= floor, (w, h, {k: s[k] for k in TEXT_KEYS if s[k] < floor})
    # the old rule was min(w/1920, h/1080) with no floor: 16 px at 1024×768, 12 px at 800×600
    s = sizes_for(QSize(1024, 768), LANDSCAPE)
    assert s["small"] == 24 and s["topic_hint"] == 24 and s["code"] >= 130


@pytest.mark.parametrize("size,floor", SMALL_SCREENS)
def test_small_screens_walk_every_widget_and_issue_with_the_keyboard_only(qtbot, shared_hub, tmp_path, kiosks,
                                                                          size, floor):
    w = start_kiosk(qtbot, shared_hub, tmp_path, size=size, idle_timeout_s=30, ticket_timeout_s=30)
    kiosks.append(w)
    assert f"{w.width()}x{w.height()}" == size
    seen = check_sizes(w, floor, "idle")
    before = {t["id"] for t in hub_tickets(shared_hub)}

    def press(key):
        target = QApplication.focusWidget()
        assert target is not None and w.isAncestorOf(target), target
        qtbot.keyClick(target, key)

    # idle: the keyboard starts at «Получить талон»; Enter presses it
    assert QApplication.focusWidget() is w.idle.start_button
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.current is w.choice, timeout=5000)
    seen += check_sizes(w, floor, "choice")
    ring_shows_focus(w)
    # the client's kind: the first is focused; the arrows move, Space presses
    first = QApplication.focusWidget()
    assert first in w.choice.buttons.values()
    press(Qt.Key.Key_Down)
    assert QApplication.focusWidget() is not first and QApplication.focusWidget() in w.choice.buttons.values()
    press(Qt.Key.Key_Up)
    assert QApplication.focusWidget() is w.choice.buttons["individual"]
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.current is w.topic_screen, timeout=5000)
    seen += check_sizes(w, floor, "topics")
    shot(w, f"a11y-{size}-topics")
    # every topic's hint is its accessible description, whole
    for tid, b in w.topic_screen.buttons.items():
        topic = next(t for t in w.topics if t.id == tid)
        assert b.accessibleName() == topic.name
        assert b.accessibleDescription() == (topic.hint if topic.open else b.note.text()), tid
    assert any(b.accessibleDescription() for b in w.topic_screen.buttons.values())
    # Tab walks the topics in order, then «Назад» and the help button, and round again
    order = [b for b in w.topic_screen.buttons.values() if b.isEnabled()]
    assert QApplication.focusWidget() is order[0]
    walked = [QApplication.focusWidget()]
    for _ in range(len(order) + 1):
        press(Qt.Key.Key_Tab)
        walked.append(QApplication.focusWidget())
    assert walked[:len(order)] == order
    assert walked[len(order):len(order) + 2] == [w.footer.back, w.footer.help]
    ring_shows_focus(w)
    shot(w, f"a11y-{size}-focus-ring")
    # to «Смена владельца» with the arrows, Enter issues
    target = w.topic_screen.buttons["owner"]
    order[0].setFocus()
    for _ in range(len(order)):
        if QApplication.focusWidget() is target:
            break
        press(Qt.Key.Key_Down)
    assert QApplication.focusWidget() is target
    press(Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: w.current is w.ticket, timeout=8000)
    qtbot.waitUntil(lambda: bool(w.ticket.code.text()), timeout=8000)
    seen += check_sizes(w, floor, "ticket")
    shot(w, f"a11y-{size}-ticket")
    new = [t for t in hub_tickets(shared_hub) if t["id"] not in before]
    assert [(t["service"], t["client_type"], t["code"]) for t in new] == [("owner", "individual", w.ticket.code.text())]
    # «Готово» is where the keyboard is now; Enter returns to the start
    assert QApplication.focusWidget() is w.footer.back and w.footer.back.title.text() == "Готово"
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=5000)
    # the help button, by keys: its notice takes the focus, Enter closes it
    w.footer.help.setFocus()
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.notice.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.notice.ok, timeout=5000)
    seen += check_sizes(w, floor, "help notice")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.notice.isVisible(), timeout=5000)
    assert seen > 20


def ring_shows_focus(w):
    """The ring is drawn around the focused button, over everything, in its two colours."""
    focused = QApplication.focusWidget()
    ring = w.ring
    assert ring.isVisible() and ring.target is focused
    at = focused.mapTo(w, QPoint(0, 0))
    g = ring.geometry()
    assert g.left() < at.x() and g.top() < at.y()
    assert g.right() > at.x() + focused.width() - 1 and g.bottom() > at.y() + focused.height() - 1
    w.app.processEvents()
    image = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    edge = image.pixelColor(g.left() + 1, g.center().y()).name().upper()
    inner = image.pixelColor(at.x() + 2, g.center().y()).name().upper()
    assert edge == RING_OUTER and inner == RING_INNER, (edge, inner)


def test_the_focus_ring_has_at_least_3_to_1_against_everything_it_touches():
    for a, b in RING_PAIRS:
        assert contrast(a, b) >= 3.0, (a, b, contrast(a, b))
    assert contrast(RING_INNER, BRAND) >= 3.0 and contrast(RING_OUTER, "#FFFFFF") >= 3.0


def test_a_touch_hides_the_ring_and_a_key_brings_it_back(qtbot, shared_hub, tmp_path, kiosks):
    w = start_kiosk(qtbot, shared_hub, tmp_path, size="1024x768")
    kiosks.append(w)
    click(qtbot, w.idle.start_button)
    qtbot.waitUntil(lambda: w.current is w.choice, timeout=5000)
    assert not w.ring.isVisible()  # touch users never see it
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert w.ring.isVisible() and w.ring.target is QApplication.focusWidget()
    click(qtbot, w.footer.back)
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=5000)
    assert not w.ring.isVisible()


@pytest.mark.parametrize("size,floor", SMALL_SCREENS[:2])
def test_pairing_keypad_by_keys_on_small_screens(qtbot, shared_hub, tmp_path, kiosks, size, floor):
    """The unpaired kiosk's keypad: readable at the small sizes, and the code typed with the arrows
    and Enter (an engineer with a keyboard plugged in, or a switch)."""
    admin = shared_hub.client("admin")
    device = admin.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": f"Киоск {size}"})
    w = start_kiosk(qtbot, shared_hub, tmp_path, key=False, wait_idle=False, size=size)
    kiosks.append(w)
    qtbot.waitUntil(lambda: w.current is w.pairing, timeout=5000)
    check_sizes(w, floor, "pairing")
    shot(w, f"a11y-{size}-pairing")
    keys = [b for b in w.pairing.keys.values() if b.isEnabled()]
    assert QApplication.focusWidget() in keys

    def go_to(button):
        for _ in range(40):
            if QApplication.focusWidget() is button:
                return
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
        raise AssertionError(f"the arrows never reach {button.accessibleName()}")

    for digit in device["pairing_code"]:
        go_to(w.pairing.keys[digit])
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.pairing.keys["Готово"].isEnabled(), timeout=3000)
    go_to(w.pairing.keys["Готово"])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.current is w.idle, timeout=8000)
    assert w.device == device["id"]
