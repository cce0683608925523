"""The words the hall board says when a ticket is called (pure text, no sound).

«Талон А-012, окно 3» on the screen becomes «Талон А двенадцать, пройдите к окну три» in the
hall. The electronic queue of a ЦОК comes «со звуковым оповещением» (001:335); this module
decides only *what* is said, `voice.py` turns it into sound.

Rules (each one is in ``tests/test_speech.py``):

* **Only the ticket code and the window number are ever spoken** — never a name or an
  account number (152-ФЗ, DESIGN §7). The functions take nothing else.
* **The prefix letter is read by its Russian letter name** (``LETTER_NAMES``): «Б» → «Бэ»,
  «Л» → «Эль». A bare «Б» would be read by a synthesiser as a grunt, and «Бэ» is how people
  in the hall say the letter themselves. Several letters are read one by one («ЮЛ» → «Ю Эль»).
  Latin look-alikes typed by mistake (Latin «A», «B», «C», …) are read as the Cyrillic letter
  they look like, because that is what the visitor sees printed on the ticket.
* **The number is read as a number, without leading zeros**: «012» → «двенадцать», never
  «ноль двенадцать» (espeak-ng reads «017» as «ноль семнадцать», DESIGN §9, so digits are
  never handed to the synthesiser). Words come from ``num2words(lang="ru")``; 1000–1999 are
  read «тысяча …», as people say it, not «одна тысяча …».
* **The window.** The default phrase is «пройдите к окну три». «окну» is the dative that «к»
  requires; the number after it is the *name* of the window, as painted on its sign, and a
  number used as a name stays in the nominative and does not agree («к окну три», like «к окну
  номер три», «в кабинет двенадцать» — never «к окну трём»). We leave out «номер»: on the board
  the phrase must be short and the number must come last, where it is heard best; «номер»
  adds a word without adding meaning. An office that prefers the ordinal form («пройдите к
  третьему окну», the number agreeing in the dative) writes ``{window_dative}`` in its
  template instead of ``{window}``.
* **What the synthesiser is handed** (``spoken_text``): espeak-ng has no word «к» in its Russian
  dictionary and reads a lone «к» as the letter's name («ка»: ``espeak-ng -v ru -X "к"`` gives
  ``kA``), so the hall heard «пройдите ка окну». The phrase handed to the engine says «ко» instead,
  the same preposition's other form (as in «ко мне», «ко всем»), which espeak-ng reads as a word:
  «пройдите ко окну три». The phrase shown and logged stays «к окну». ``tests/test_fix_hall.py``
  reads espeak-ng's phonemes for every phrase template and refuses a preposition read as a letter.
* **A recall** uses a separate, polite phrase so that the visitor understands he is being
  invited a second time: «Повторно приглашается талон А двенадцать, пройдите, пожалуйста,
  к окну три».
"""
from __future__ import annotations

import re

from num2words import num2words

CALL_TEMPLATE = "Талон {ticket}, пройдите к окну {window}"
RECALL_TEMPLATE = "Повторно приглашается талон {ticket}, пройдите, пожалуйста, к окну {window}"

#: Russian letter names, as taught at school and as operators say them aloud. Letters that
#: ticket prefixes never use (Ъ, Ь, Й) are here too, so that no prefix can break the board.
LETTER_NAMES: dict[str, str] = {
    "А": "А", "Б": "Бэ", "В": "Вэ", "Г": "Гэ", "Д": "Дэ", "Е": "Е", "Ё": "Ё", "Ж": "Жэ",
    "З": "Зэ", "И": "И", "Й": "И краткое", "К": "Ка", "Л": "Эль", "М": "Эм", "Н": "Эн",
    "О": "О", "П": "Пэ", "Р": "Эр", "С": "Эс", "Т": "Тэ", "У": "У", "Ф": "Эф", "Х": "Ха",
    "Ц": "Цэ", "Ч": "Че", "Ш": "Ша", "Щ": "Ща", "Ъ": "Твёрдый знак", "Ы": "Ы",
    "Ь": "Мягкий знак", "Э": "Э", "Ю": "Ю", "Я": "Я",
}

#: Latin letters that look exactly like a Cyrillic one (a prefix typed on a Latin keyboard).
LATIN_LOOKALIKES: dict[str, str] = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У",
}

# «А-012», «Б-1», «В 105», «ЮЛ-7», «а012»: letters, an optional separator, digits.
_CODE = re.compile(r"^\s*(?P<letters>[^\W\d_]*)\s*[-‐‑‒–—−_/.\s]?\s*(?P<number>\d+)\s*$")
# A window named «3», «12», «3А», «3 А», «3-Б».
_WINDOW = re.compile(r"^\s*(?P<number>\d+)\s*[-\s]?\s*(?P<letters>[^\W\d_]*)\s*$")


def number_words(number: int) -> str:
    """A cardinal number in Russian words: 12 → «двенадцать», 1005 → «тысяча пять»."""
    if number < 0:
        raise ValueError(f"a ticket or window number can not be negative: {number}")
    words = num2words(number, lang="ru")
    if 1000 <= number < 2000 and words.startswith("одна тысяча"):
        words = words[len("одна "):]
    return words


def letter_words(letters: str) -> str:
    """Prefix letters by their names: «Б» → «Бэ», «ЮЛ» → «Ю Эль»."""
    names = []
    for char in letters.upper():
        char = LATIN_LOOKALIKES.get(char, char)
        try:
            names.append(LETTER_NAMES[char])
        except KeyError:
            raise ValueError(f"no Russian name for the letter {char!r} of a ticket prefix") from None
    return " ".join(names)


def ticket_words(code: str) -> str:
    """The ticket code as it is spoken: «А-012» → «А двенадцать», «Б-1» → «Бэ один»."""
    match = _CODE.match(str(code))
    if not match:
        raise ValueError(f"not a ticket code: {code!r}")
    words = number_words(int(match["number"]))
    letters = match["letters"]
    return f"{letter_words(letters)} {words}" if letters else words


def window_words(window: int | str) -> str:
    """The window's name as it is spoken after «к окну»: 3 → «три», «12А» → «двенадцать А»."""
    if isinstance(window, bool):
        raise ValueError(f"not a window number: {window!r}")
    if isinstance(window, int):
        return number_words(window)
    match = _WINDOW.match(str(window))
    if not match:
        raise ValueError(f"not a window number: {window!r}")
    words = number_words(int(match["number"]))
    letters = match["letters"]
    return f"{words} {letter_words(letters)}" if letters else words


def window_dative(window: int | str) -> str:
    """The ordinal in the dative, for «к {window_dative} окну»: 3 → «третьему»."""
    number = window if isinstance(window, int) and not isinstance(window, bool) else None
    if number is None:
        match = _WINDOW.match(str(window))
        if not match or match["letters"]:
            raise ValueError(f"no ordinal for the window {window!r}")
        number = int(match["number"])
    if number <= 0:
        raise ValueError(f"no ordinal for the window {window!r}")
    return num2words(number, lang="ru", to="ordinal", case="dative")


def _fill(template: str, code: str, window: int | str) -> str:
    values = {"ticket": ticket_words(code)}
    if "{window}" in template:
        values["window"] = window_words(window)
    if "{window_dative}" in template:
        values["window_dative"] = window_dative(window)
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"the phrase template {template!r} has an unknown field {exc}") from None


def call_phrase(code: str, window: int | str, template: str = CALL_TEMPLATE) -> str:
    """What the hall hears when ``code`` is called to ``window``.

    >>> call_phrase("А-012", 3)
    'Талон А двенадцать, пройдите к окну три'

    The template may use ``{ticket}``, ``{window}`` and ``{window_dative}``. Raises
    ``ValueError`` for a code or window that can not be read aloud.
    """
    return _fill(template, code, window)


def recall_phrase(code: str, window: int | str, template: str = RECALL_TEMPLATE) -> str:
    """What the hall hears when the operator invites the same ticket again.

    >>> recall_phrase("Б-1", 20)
    'Повторно приглашается талон Бэ один, пройдите, пожалуйста, к окну двадцать'
    """
    return _fill(template, code, window)


# a lone «к»/«К» before a word (not a part of a word, not a ticket's letter name «Ка»)
_LONE_K = re.compile(r"(?<![^\W\d_])([кК])(?=[ \t\u00a0]+[^\W\d_])")


def spoken_text(phrase: str) -> str:
    """The phrase as handed to the speech engine: a lone «к» becomes «ко», which espeak-ng reads
    as a preposition, not as the letter «ка».

    >>> spoken_text("Талон А двенадцать, пройдите к окну три")
    'Талон А двенадцать, пройдите ко окну три'
    """
    return _LONE_K.sub(lambda m: m[1] + "о", phrase)


def check_template(template: str) -> str:
    """Raise ``ValueError`` unless ``template`` is a usable phrase template (for settings)."""
    if "{ticket}" not in template:
        raise ValueError(f"the phrase template {template!r} does not say the ticket")
    if "{window}" not in template and "{window_dative}" not in template:
        raise ValueError(f"the phrase template {template!r} does not say the window")
    _fill(template, "А-1", 1)
    return template
