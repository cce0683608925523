"""Issue 14, the hall: what the hall's equipment tripped over (each point its own test)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from support import ROOT

from display_board import speech

ESPEAK = shutil.which("espeak-ng")

#: what espeak-ng says for a one-letter preposition read as a letter: «к» → «ка», «с» → «эс», «в» → «вэ»
LETTER_READINGS = {"к": "kˈɑ", "с": "ˈɛs", "в": "vˈɛ"}


def espeak_ipa(text: str) -> list[str]:
    out = subprocess.run([ESPEAK, "-v", "ru", "-q", "--ipa", text], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    return out.split()


TEMPLATES = [speech.CALL_TEMPLATE, speech.RECALL_TEMPLATE,
             "Талон {ticket}, пройдите, пожалуйста, к {window_dative} окну",
             "Талон {ticket}, к окну номер {window}"]


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_preposition_is_read_as_a_letter(template):
    # ticket letters without К, С, В: their names are legitimately read as letters
    for code, window in (("А-012", 3), ("Б-1", 5), ("Д-107", 12)):
        phrase = speech._fill(template, code, window)
        said = speech.spoken_text(phrase)
        words = espeak_ipa(said)
        lone = [w for w in phrase.lower().replace(",", " ").split() if w in LETTER_READINGS]
        assert lone, "the template has a one-letter preposition: the check must look at it"
        for letter in lone:
            assert LETTER_READINGS[letter] not in words, (phrase, said, words)


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_the_check_itself_sees_the_letter_reading():
    # the plain phrase is what the hall heard before: «пройдите ка окну»
    assert LETTER_READINGS["к"] in espeak_ipa(speech.call_phrase("А-012", 3))


def test_spoken_text_keeps_words_and_letter_names():
    assert speech.spoken_text("Талон Ка один, пройдите к окну три") == "Талон Ка один, пройдите ко окну три"
    assert speech.spoken_text("Кто к нам") == "Кто ко нам"
    assert speech.spoken_text("пройдите в окно") == "пройдите в окно"


# ---------------------------------------------------------------------- the kiosk on a portrait screen

KIOSK_ON_SCREEN = r"""
import json, sys
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication
from kiosk.app import build
app = QApplication([])
w = build(["--hub", "http://127.0.0.1:9", "--key", "x", "--settings", sys.argv[1], "--printer-file", sys.argv[2]])
w.show_screen(w.idle)
w.fill_screen()                      # what `talon kiosk` does when the kiosk is set to full screen
for _ in range(50):
    app.processEvents()
screen = w.screen().geometry()
top_left = w.footer.help.mapTo(w, QPoint(0, 0))
start = w.idle.start_button
print(json.dumps({"screen": [screen.width(), screen.height()], "size": [w.width(), w.height()], "mode": w.mode,
                  "start": [start.width(), start.height()],
                  "help": [top_left.x(), top_left.y(), w.footer.help.width(), w.footer.help.height()]}))
"""


@pytest.fixture
def portrait_x_server():
    """A real X server with one 1080×1920 screen and no window manager (as a kiosk started by xinit)."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is needed for this test (apt-get install xvfb)"
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    assert display, "Xvfb did not start"
    yield f":{display}"
    proc.terminate()
    proc.wait(10)


def test_the_kiosk_full_screen_follows_a_portrait_screen_without_a_window_manager(portrait_x_server, tmp_path):
    env = {**os.environ, "DISPLAY": portrait_x_server, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", KIOSK_ON_SCREEN, str(tmp_path / "kiosk.json"),
                          str(tmp_path / "printer.bin")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["screen"] == [1080, 1920]
    assert got["size"] == [1080, 1920] and got["mode"] == "portrait", got
    width, height = got["start"]
    assert width >= 800 and height >= 300, got  # «Получить талон» is a big button, not a 73-pixel sliver
    x, y, w, h = got["help"]
    assert x >= 0 and y >= 0 and x + w <= 1080 and y + h <= 1920, got  # the help button is on the screen
