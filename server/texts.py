"""Plurals, dates and numbers shown to a person, in Russian, through Babel (locale ``ru_RU``).

Every count with a noun («2 минуты», «5 человек»), every date in words («3 декабря») and every
decimal number with its comma («3,5») that a page, a report or a message shows goes through
here, not through hand-written endings or ``replace(".", ",")``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "ru_RU"


@lru_cache(maxsize=1)
def _locale() -> Locale:
    return Locale.parse(LOCALE)


def plural(n: int | float, one: str, few: str, many: str, other: str | None = None) -> str:
    """The form of a noun that goes with ``n`` by Russian rules (CLDR): 1, 21 минута; 2, 22
    минуты; 5, 11, 25 минут; a fraction takes ``other`` (default: ``few``, «1,5 минуты»)."""
    form = _locale().plural_form(n)
    return {"one": one, "few": few, "many": many}.get(form, other if other is not None else few)


def count(n: int, one: str, few: str, many: str) -> str:
    """``n`` and its noun: «1 минута», «2 минуты», «5 минут»."""
    return f"{n} {plural(n, one, few, many)}"


def people(n: int) -> str:
    """«1 человек», «2 человека», «5 человек» (the genitive plural of «человек» is «человек»)."""
    return count(n, "человек", "человека", "человек")


def minutes(n: int) -> str:
    """«1 минута», «2 минуты», «5 минут»."""
    return count(n, "минута", "минуты", "минут")


def decimal(x: float, digits: int | None = None) -> str:
    """A number with the Russian decimal comma: ``3.5`` → «3,5». ``digits`` fixes the places
    after the comma (``decimal(3, 1)`` → «3,0»), rounded as Python rounds the float
    (``f"{x:.1f}"``); without it, as few places as needed (up to three). No thousands separator."""
    if digits is None:
        return format_decimal(x, locale=LOCALE, group_separator=False)
    pattern = "0" if digits == 0 else "0." + "0" * digits
    return format_decimal(Decimal(f"{x:.{digits}f}"), format=pattern, locale=LOCALE, group_separator=False)


def integer(n: float) -> str:
    """A whole number with the Russian thousands separator (a no-break space): «12 345»."""
    return format_decimal(int(round(n)), locale=LOCALE)


def _as_date(day: str | dt.date) -> dt.date:
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(day)


def day_month(day: str | dt.date) -> str:
    """«3 декабря» for ``2026-12-03``; a text that is not an ISO date is given back as it is."""
    try:
        return format_date(_as_date(day), "d MMMM", locale=LOCALE)
    except (ValueError, TypeError):
        return str(day)


def weekday_day_month(day: str | dt.date) -> str:
    """«четверг, 3 декабря»."""
    return format_date(_as_date(day), "EEEE, d MMMM", locale=LOCALE)


def long_date(day: str | dt.date) -> str:
    """«3 декабря 2026 г.» (with a plain space: Babel's own «long» puts a narrow no-break space
    before «г.», which the reports' PDF fonts do not all have)."""
    return format_date(_as_date(day), "d MMMM y 'г.'", locale=LOCALE)


def month_names() -> tuple[str, ...]:
    """The twelve months as a heading names them: «январь» … «декабрь»."""
    from babel.dates import get_month_names

    names = get_month_names("wide", context="stand-alone", locale=LOCALE)
    return tuple(names[m] for m in range(1, 13))
