"""Issue 14, the hall: what the hall's equipment tripped over (each point its own test)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

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
