"""Look of the console: large type, high contrast, and the three norm colours.

A light theme (an office window is lit), text near black on white (18.5:1), secondary text at
least 4.8:1. The norm colours are filled blocks with their own text colour, each above the 4.5:1
of WCAG AA: green #1B6E2E / white 6.3:1, amber #F2B200 / near-black 9.8:1, red #B3261E / white
6.5:1 — and they differ in lightness too, so they stay apart for colour-blind eyes.
"""
from __future__ import annotations

from PySide6.QtGui import QFont

FONT_FAMILIES = ["DejaVu Sans", "Segoe UI", "Liberation Sans", "Arial", "Noto Sans"]

BG = "#EEF1F4"
PANEL = "#FFFFFF"
TEXT = "#111418"
SOFT = "#46505C"
DIM = "#5F6A77"
LINE = "#C9D0D8"
ACCENT = "#0B4FB3"

#: norm level → (background, text)
LEVEL_COLOURS = {
    "ok": ("#1B6E2E", "#FFFFFF"),
    "warn": ("#F2B200", "#111418"),
    "over": ("#B3261E", "#FFFFFF"),
    "none": ("#E2E7EC", "#111418"),
}

BANNER_COLOURS = {
    "info": ("#E4ECF8", "#0B2E66", "#9DB4DA"),
    "ok": ("#E3F2E6", "#114A1F", "#8CC39A"),
    "refused": ("#FBE4E2", "#7A1711", "#E09C96"),
    "guard": ("#FFF2CC", "#5A4300", "#E6C766"),
    "offline": ("#B3261E", "#FFFFFF", "#B3261E"),
}


def font(px: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPixelSize(max(8, int(px)))
    f.setBold(bold)
    return f


def level_css(level: str) -> str:
    bg, fg = LEVEL_COLOURS.get(level, LEVEL_COLOURS["none"])
    return f"background: {bg}; color: {fg}; border-radius: 10px; padding: 4px 18px;"


def banner_css(kind: str) -> str:
    bg, fg, border = BANNER_COLOURS.get(kind, BANNER_COLOURS["info"])
    return f"background: {bg}; color: {fg}; border: 2px solid {border}; border-radius: 8px; padding: 8px 14px;"


STYLESHEET = f"""
QWidget#console {{ background: {BG}; }}
QWidget {{ color: {TEXT}; }}
QFrame#panel, QFrame#card {{ background: {PANEL}; border: 1px solid {LINE}; border-radius: 10px; }}
QFrame#topbar {{ background: #1C2633; border-radius: 0px; }}
QFrame#topbar QLabel {{ color: #FFFFFF; }}
QLabel#soft {{ color: {SOFT}; }}
QLabel#dim {{ color: {DIM}; }}
QLabel#panelTitle {{ color: {SOFT}; }}
QLabel#badge {{ background: #FFE08A; color: #3D2E00; border-radius: 6px; padding: 2px 10px; }}
QLabel#levelBadge {{ background: #DCE6F7; color: #0B2E66; border-radius: 6px; padding: 2px 10px; }}
QPushButton {{ background: #FFFFFF; color: {TEXT}; border: 2px solid #8C98A6; border-radius: 8px;
               padding: 4px 4px; text-align: center; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #9AA4B0; border-color: #D5DAE0; background: #F5F7F9; }}
QPushButton#primary {{ background: {ACCENT}; color: #FFFFFF; border-color: {ACCENT}; }}
QPushButton#primary:disabled {{ background: #AFC2E2; color: #F2F5FA; border-color: #AFC2E2; }}
QPushButton[active="true"] {{ background: #DCE6F7; border-color: {ACCENT}; }}
QLineEdit, QListWidget {{ background: #FFFFFF; border: 2px solid #8C98A6; border-radius: 8px; padding: 6px; }}
QLineEdit:focus, QListWidget:focus {{ border-color: {ACCENT}; }}
QListWidget::item {{ padding: 8px; }}
QListWidget::item:selected {{ background: {ACCENT}; color: #FFFFFF; }}
QRadioButton {{ spacing: 10px; }}
"""
