"""What the hall hears: the spoken text of calls, checked against Russian written by hand."""
import re

import pytest

from display_board import speech
from display_board.speech import call_phrase, recall_phrase, ticket_words, window_words

# Written out by hand — not produced by num2words — so that a change in the library or in our
# code that changes what the hall hears fails here. (code, window, what is said after «Талон»).
CALLS = [
    ("А-1", 1, "А один", "один"),
    ("А-001", 2, "А один", "два"),
    ("А-012", 3, "А двенадцать", "три"),
    ("Б-012", 4, "Бэ двенадцать", "четыре"),
    ("Б-1", 5, "Бэ один", "пять"),
    ("В-105", 6, "Вэ сто пять", "шесть"),
    ("Г-020", 7, "Гэ двадцать", "семь"),
    ("Д-002", 8, "Дэ два", "восемь"),
    ("Е-010", 9, "Е десять", "девять"),
    ("Ж-011", 10, "Жэ одиннадцать", "десять"),
    ("З-013", 11, "Зэ тринадцать", "одиннадцать"),
    ("И-014", 12, "И четырнадцать", "двенадцать"),
    ("К-015", 13, "Ка пятнадцать", "тринадцать"),
    ("Л-016", 14, "Эль шестнадцать", "четырнадцать"),
    ("М-017", 15, "Эм семнадцать", "пятнадцать"),
    ("Н-018", 16, "Эн восемнадцать", "шестнадцать"),
    ("П-019", 17, "Пэ девятнадцать", "семнадцать"),
    ("Р-021", 18, "Эр двадцать один", "восемнадцать"),
    ("С-030", 19, "Эс тридцать", "девятнадцать"),
    ("Т-040", 20, "Тэ сорок", "двадцать"),
    ("У-050", 1, "У пятьдесят", "один"),
    ("Ф-060", 2, "Эф шестьдесят", "два"),
    ("Х-070", 3, "Ха семьдесят", "три"),
    ("Ц-080", 4, "Цэ восемьдесят", "четыре"),
    ("Ч-090", 5, "Че девяносто", "пять"),
    ("Ш-099", 6, "Ша девяносто девять", "шесть"),
    ("Э-100", 7, "Э сто", "семь"),
    ("Ю-101", 8, "Ю сто один", "восемь"),
    ("Я-110", 9, "Я сто десять", "девять"),
    ("А-111", 10, "А сто одиннадцать", "десять"),
    ("Б-120", 11, "Бэ сто двадцать", "одиннадцать"),
    ("В-199", 12, "Вэ сто девяносто девять", "двенадцать"),
    ("Г-200", 13, "Гэ двести", "тринадцать"),
    ("Д-222", 14, "Дэ двести двадцать два", "четырнадцать"),
    ("Е-300", 15, "Е триста", "пятнадцать"),
    ("Ж-345", 16, "Жэ триста сорок пять", "шестнадцать"),
    ("З-400", 17, "Зэ четыреста", "семнадцать"),
    ("И-456", 18, "И четыреста пятьдесят шесть", "восемнадцать"),
    ("К-500", 19, "Ка пятьсот", "девятнадцать"),
    ("Л-567", 20, "Эль пятьсот шестьдесят семь", "двадцать"),
    ("М-600", 1, "Эм шестьсот", "один"),
    ("Н-678", 2, "Эн шестьсот семьдесят восемь", "два"),
    ("П-700", 3, "Пэ семьсот", "три"),
    ("Р-789", 4, "Эр семьсот восемьдесят девять", "четыре"),
    ("С-800", 5, "Эс восемьсот", "пять"),
    ("Т-890", 6, "Тэ восемьсот девяносто", "шесть"),
    ("У-900", 7, "У девятьсот", "семь"),
    ("Ф-999", 8, "Эф девятьсот девяносто девять", "восемь"),
    ("А-1000", 9, "А тысяча", "девять"),
    ("Б-1005", 10, "Бэ тысяча пять", "десять"),
    ("В-003", 11, "Вэ три", "одиннадцать"),
    ("Г-004", 12, "Гэ четыре", "двенадцать"),
    ("Д-005", 13, "Дэ пять", "тринадцать"),
    ("Е-006", 14, "Е шесть", "четырнадцать"),
    ("Ж-007", 15, "Жэ семь", "пятнадцать"),
    ("З-008", 16, "Зэ восемь", "шестнадцать"),
    ("И-009", 17, "И девять", "семнадцать"),
    ("К-040", 18, "Ка сорок", "восемнадцать"),
    ("Л-041", 19, "Эль сорок один", "девятнадцать"),
    ("М-012", 20, "Эм двенадцать", "двадцать"),
    ("Х-013", 3, "Ха тринадцать", "три"),
    ("Щ-2", 4, "Ща два", "четыре"),
    ("Ё-3", 5, "Ё три", "пять"),
    ("Й-4", 6, "И краткое четыре", "шесть"),
    ("Ы-5", 7, "Ы пять", "семь"),
]


def test_the_table_is_big_enough():
    assert len(CALLS) >= 50
    assert len({(code, window) for code, window, _, _ in CALLS}) == len(CALLS)


@pytest.mark.parametrize("code, window, ticket, window_said", CALLS)
def test_call_phrase(code, window, ticket, window_said):
    assert call_phrase(code, window) == f"Талон {ticket}, пройдите к окну {window_said}"


@pytest.mark.parametrize("code, window, ticket, window_said", CALLS)
def test_recall_phrase_is_polite_and_says_the_same(code, window, ticket, window_said):
    assert recall_phrase(code, window) == (
        f"Повторно приглашается талон {ticket}, пройдите, пожалуйста, к окну {window_said}")


@pytest.mark.parametrize("code, window, _ticket, _window_said", CALLS)
def test_no_digits_and_no_leading_zero_are_ever_spoken(code, window, _ticket, _window_said):
    for text in (call_phrase(code, window), recall_phrase(code, window)):
        assert not re.search(r"\d", text), text  # espeak-ng would read «012» as «ноль двенадцать»
        assert "ноль" not in text
        assert "-" not in text


def test_the_examples_of_the_brief():
    assert call_phrase("А-012", 3) == "Талон А двенадцать, пройдите к окну три"
    assert call_phrase("Б-1", 3) == "Талон Бэ один, пройдите к окну три"
    assert call_phrase("В-105", 3) == "Талон Вэ сто пять, пройдите к окну три"


@pytest.mark.parametrize("code, said", [
    ("а-12", "А двенадцать"),        # lower case
    ("А12", "А двенадцать"),         # no separator
    ("А 12", "А двенадцать"),
    ("А–012", "А двенадцать"),       # en dash
    (" Б-007 ", "Бэ семь"),
    ("A-012", "А двенадцать"),       # Latin A typed by mistake
    ("B-3", "Вэ три"),               # Latin B looks like Cyrillic В
    ("C-4", "Эс четыре"),            # Latin C looks like Cyrillic С
    ("ЮЛ-7", "Ю Эль семь"),          # two letters, each by its name
    ("012", "двенадцать"),           # a code without a letter
    ("А-000", "А ноль"),             # only a real zero is read as zero
])
def test_ticket_words_for_codes_as_they_come(code, said):
    assert ticket_words(code) == said


@pytest.mark.parametrize("window, said", [
    (1, "один"), (2, "два"), (3, "три"), (10, "десять"), (20, "двадцать"), (21, "двадцать один"),
    ("3", "три"), (" 7 ", "семь"), ("12А", "двенадцать А"), ("3 Б", "три Бэ"), ("4-В", "четыре Вэ"),
])
def test_window_words(window, said):
    assert window_words(window) == said


@pytest.mark.parametrize("window, said", [
    (1, "первому"), (2, "второму"), (3, "третьему"), (4, "четвёртому"), (7, "седьмому"),
    (10, "десятому"), (11, "одиннадцатому"), (20, "двадцатому"), (21, "двадцать первому"),
])
def test_an_office_may_prefer_the_ordinal_in_the_dative(window, said):
    template = "Талон {ticket}, пройдите, пожалуйста, к {window_dative} окну"
    assert call_phrase("Д-002", window, template) == (
        f"Талон Дэ два, пройдите, пожалуйста, к {said} окну")


def test_a_custom_template_with_number():
    assert call_phrase("А-012", 3, "Талон {ticket}, окно {window}") == "Талон А двенадцать, окно три"
    assert call_phrase("А-012", 3, "Талон {ticket}, к окну номер {window}") == (
        "Талон А двенадцать, к окну номер три")


def test_every_letter_has_a_russian_name():
    alphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    assert set(speech.LETTER_NAMES) == set(alphabet)
    assert speech.LETTER_NAMES["Б"] == "Бэ" and speech.LETTER_NAMES["Л"] == "Эль"
    assert speech.LETTER_NAMES["К"] == "Ка" and speech.LETTER_NAMES["С"] == "Эс"


@pytest.mark.parametrize("code", ["", "А-", "АБВ", "12-А", "Q-1", "А-1-2", "А-12!", "-"])
def test_codes_that_can_not_be_read_are_refused(code):
    with pytest.raises(ValueError):
        call_phrase(code, 1)


@pytest.mark.parametrize("window", ["", "окно", "-3", True, -1, "3/4"])
def test_windows_that_can_not_be_read_are_refused(window):
    with pytest.raises(ValueError):
        call_phrase("А-1", window)


@pytest.mark.parametrize("template", [
    "Талон {ticket}",                      # no window
    "Пройдите к окну {window}",            # no ticket
    "Талон {ticket}, окно {window}, {name}",  # names are never spoken (152-ФЗ)
    "Талон {ticket} {0} {window}",
])
def test_bad_templates_are_refused(template):
    with pytest.raises(ValueError):
        speech.check_template(template)
