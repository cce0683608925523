"""Plurals, dates and numbers shown to a person go through Babel (server/texts.py, issue 15 point 6):
the visible texts are pinned here, for the helpers and for the places that show them."""
from __future__ import annotations

import ast
import datetime as dt
import re

import pytest
from support import ROOT

from server import texts
from server.reports import export_csv
from server.reports.build import daily
from server.reports.tables import MONTH_NAMES, display, norm_words
from server.shipping import events_words
from server.web.visitor_view import day_words, minutes
from server.web.visitor_view import people as visitor_people


@pytest.mark.parametrize("n,text", [(0, "0 минут"), (1, "1 минута"), (2, "2 минуты"), (4, "4 минуты"), (5, "5 минут"),
                                    (11, "11 минут"), (12, "12 минут"), (14, "14 минут"), (21, "21 минута"),
                                    (22, "22 минуты"), (25, "25 минут"), (101, "101 минута"), (111, "111 минут"),
                                    (1000, "1000 минут")])
def test_minutes(n, text):
    assert texts.minutes(n) == text


@pytest.mark.parametrize("n,text", [(1, "1 человек"), (2, "2 человека"), (3, "3 человека"), (5, "5 человек"),
                                    (11, "11 человек"), (13, "13 человек"), (21, "21 человек"), (24, "24 человека")])
def test_people_on_the_visitors_page(n, text):
    assert texts.people(n) == text
    assert visitor_people(n) == text


@pytest.mark.parametrize("n,text", [(1, "1 событие"), (3, "3 события"), (7, "7 событий"), (12, "12 событий"),
                                    (31, "31 событие"), (1002, "1002 события")])
def test_events_on_the_stand_s_shipping_line(n, text):
    assert events_words(n) == text


def test_a_fraction_takes_the_form_of_two():
    assert texts.plural(1.5, "минута", "минуты", "минут") == "минуты"
    assert texts.plural(2.5, "минута", "минуты", "минут", other="минуты (дробь)") == "минуты (дробь)"


def test_decimal_comma_and_places():
    assert texts.decimal(3.5) == "3,5"
    assert texts.decimal(3.0) == "3"
    assert texts.decimal(3, 1) == "3,0"
    assert texts.decimal(12345.678, 2) == "12345,68"  # no thousands separator inside a figure
    assert texts.decimal(0.125, 2) == f"{0.125:.2f}".replace(".", ",")  # rounded as Python rounds the float
    assert texts.decimal(2.675, 2) == "2,67"  # 2.675 is 2.67499… as a float: the same as before Babel
    assert texts.decimal(-1.25, 1) == "-1,2"
    assert texts.integer(1234567) == "1\u00a0234\u00a0567"


def test_dates_in_words():
    assert texts.day_month("2026-12-03") == "3 декабря"
    assert texts.day_month(dt.date(2026, 5, 1)) == "1 мая"
    assert texts.day_month("not a day") == "not a day"
    assert texts.long_date("2026-12-03") == "3 декабря 2026 г."
    assert texts.weekday_day_month("2026-12-03") == "четверг, 3 декабря"
    assert day_words("2026-03-08") == "8 марта" and day_words("2026-13-01") == "2026-13-01"
    assert MONTH_NAMES == ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                           "октябрь", "ноябрь", "декабрь")


def test_the_estimate_in_minutes_on_the_visitors_page():
    assert minutes(0, 10) == "до 10 мин"
    assert minutes(5, 15) == "5–15 мин"


def test_report_values_as_people_read_them():
    assert display(1234567, "int") == "1\u00a0234\u00a0567"
    assert display(450, "min") == "7,5"
    assert display(0.8125, "share") == "81,2\u00a0%"
    assert display(4.5, "score") == "4,50"
    assert display(3.25, "num") == "3,2"
    assert display(None, "num") == "—"
    assert norm_words({"target": 7.5, "limit": 15}) == "7,5–15"
    assert norm_words({"target": 15, "limit": 15}) == "15"
    assert export_csv.cell(450, "min") == "7,50" and export_csv.cell(0.5, "share") == "50,0"


def test_the_daily_report_title_names_the_day_in_words(tmp_path):
    from server.demo import demo_definition
    from server.store import Store
    from server.store.config import import_office

    store = Store(tmp_path / "t.sqlite")
    import_office(store, demo_definition())
    report = daily(store, "demo", dt.date(2026, 12, 3), 1_764_750_000.0)
    assert report["title"] == "Отчёт о времени ожидания за 3 декабря 2026 г."


def test_no_hand_written_plural_or_decimal_comma_left_in_the_server():
    """Outside the pure core and the modules of other engineers named here, a number's comma and a
    plural's ending are not written by hand any more."""
    others = {"server/central/public_routes.py",  # engineer A's page of the centre, this session
              "server/web/booking.py",             # engineer B's booking pages, this session
              # its _plural through Babel waits in the working tree beside another engineer's unfinished
              # shipping hunks, to be committed with them; then take it off this set
              "server/shipping.py"}
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("server/domain/") or rel in others:
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"""\.replace\(\s*["']\.["']\s*,\s*["'],["']\s*\)""", source):
            found.append(f"{rel}: replace('.', ',')")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Compare) and "% 10" in ast.unparse(node.left):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_the_stand_s_words_in_the_browser_follow_the_same_rules(browser):
    """The stand's own script (common.js) counts people and minutes with the browser's CLDR rules
    (Intl), as Babel does on the server: «7,5 мин», not «7.5 мин»."""
    page = browser.new_page()
    try:
        page.set_content('<script id="stand-words" type="application/json">{}</script>')
        page.add_script_tag(content=(ROOT / "server/web/static/stand/common.js").read_text(encoding="utf-8")
                            + "\nwindow.Stand = Stand;")
        got = page.evaluate("""() => ({
            minutes: [450, 480, 90, 1980, null].map(Stand.minutesWords),
            people: [1, 2, 5, 11, 21, 22, 25, 112].map(Stand.peopleWords)})""")
    finally:
        page.close()
    assert got["minutes"] == ["7,5 мин", "8 мин", "1,5 мин", "33 мин", "—"]
    assert got["people"] == [texts.people(n) for n in (1, 2, 5, 11, 21, 22, 25, 112)]
    assert got["people"][:3] == ["1 человек", "2 человека", "5 человек"]
