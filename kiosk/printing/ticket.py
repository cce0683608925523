"""The ticket as printed: its data, the office-editable template, and abstract print blocks.

The template (`ticket_template.toml` next to this file, or an office's own copy) lists the
blocks top to bottom; `{placeholders}` are filled from a `TicketPrint`.  The result is a
list of printer-independent blocks that `escpos_render` turns into ESC/POS bytes.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "ticket_template.toml"

ALIGNS = ("left", "center", "right")
# name -> (width multiplier, height multiplier), as GS ! sets them.
SIZES: dict[str, tuple[int, int]] = {
    "normal": (1, 1),
    "tall": (1, 2),
    "wide": (2, 1),
    "double": (2, 2),
    "triple": (3, 3),
    "quad": (4, 4),
}

_RU = Locale("ru")
NBSP = "\u00a0"  # keeps «6-9 минут» or a phone number on one printed line
_PEOPLE = {"one": "человек", "few": "человека", "many": "человек", "other": "человека"}
_MINUTES = {"one": "минута", "few": "минуты", "many": "минут", "other": "минуты"}
_MINUTES_GENITIVE = {"one": "минуты", "few": "минут", "many": "минут", "other": "минуты"}  # «до 2 минут»


class TemplateError(ValueError):
    """The ticket template is malformed or names an unknown placeholder."""


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one ticket."""

    company: str
    office_name: str
    office_address: str
    code: str
    service_name: str
    people_ahead: int
    wait_min: int | None
    wait_max: int | None
    issued_at: datetime
    url: str
    contact_phone: str = ""
    recording_notice: str = "Ведётся аудио- и видеозапись"  # 001:252, 001:304
    farewell: str = (
        "Рады, что Вы к нам обратились. До свидания. Всего доброго. Хорошего дня."  # 001:219
    )
    checklist: list[str] = field(default_factory=list)  # 001:822
    individual: bool = False  # «индивидуальный формат обслуживания», 001:378
    #: «HH:MM» when no window of the service was open at issue: the wait range then counts from it
    opens_at: str = ""

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        if self.people_ahead < 0:
            raise ValueError("people_ahead must not be negative")
        if (self.wait_min is None) != (self.wait_max is None):
            raise ValueError("wait_min and wait_max are given together or not at all")
        if self.wait_min is not None and not 0 <= self.wait_min <= self.wait_max:
            raise ValueError("wait range must satisfy 0 <= wait_min <= wait_max")


@dataclass(frozen=True)
class TextBlock:
    """Text printed in one style; the renderer wraps it to the paper width."""

    text: str
    align: str = "left"
    size: str = "normal"
    bold: bool = False


@dataclass(frozen=True)
class QrBlock:
    """A QR code with the given payload."""

    data: str
    align: str = "center"


@dataclass(frozen=True)
class RuleBlock:
    """A line across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class FeedBlock:
    """Empty lines."""

    lines: int = 1


Block = TextBlock | QrBlock | RuleBlock | FeedBlock


def plural(n: int, forms: Mapping[str, str]) -> str:
    """The Russian form of a noun for `n` (CLDR plural rules via Babel)."""
    return forms[_RU.plural_form(abs(n))]


def people_text(n: int) -> str:
    """«1 человек», «2 человека», «5 человек»."""
    return f"{n}{NBSP}{plural(n, _PEOPLE)}"


def queue_text(n: int) -> str:
    """The sentence about people ahead."""
    return "Перед Вами никого нет" if n == 0 else f"Перед Вами {people_text(n)}"


def wait_text(wait_min: int | None, wait_max: int | None) -> str:
    """«6-9 минут» (a plain hyphen: CP866 has no en dash); empty when unknown."""
    if wait_min is None or wait_max is None:
        return ""
    if wait_max == 0:
        return "меньше минуты"
    if wait_min == 0:
        return f"до{NBSP}{wait_max}{NBSP}{plural(wait_max, _MINUTES_GENITIVE)}"
    if wait_min == wait_max:
        return f"{wait_max}{NBSP}{plural(wait_max, _MINUTES)}"
    return f"{wait_min}-{wait_max}{NBSP}{plural(wait_max, _MINUTES)}"


def ticket_wait_text(ticket: TicketPrint) -> str:
    """The wait as printed; «10-15 минут после открытия окна в 14:00» when no window was open."""
    wait = wait_text(ticket.wait_min, ticket.wait_max)
    if wait and ticket.opens_at:
        return f"{wait} после открытия окна в{NBSP}{ticket.opens_at}"
    return wait


def ticket_fields(ticket: TicketPrint) -> dict[str, Any]:
    """The values the template's `{placeholders}` can use."""
    return {
        "company": ticket.company,
        "office_name": ticket.office_name,
        "office_address": ticket.office_address,
        "code": ticket.code,
        "service_name": ticket.service_name,
        "people_ahead": ticket.people_ahead,
        "people_ahead_text": people_text(ticket.people_ahead),
        "queue_text": queue_text(ticket.people_ahead),
        "wait_text": ticket_wait_text(ticket),
        "issued_date": format_datetime(ticket.issued_at, "d MMMM y", locale=_RU),
        "issued_time": format_datetime(ticket.issued_at, "HH:mm", locale=_RU),
        "url": ticket.url,
        "contact_phone": ticket.contact_phone.replace(" ", NBSP),
        "recording_notice": ticket.recording_notice,
        "farewell": ticket.farewell,
        "checklist": list(ticket.checklist),
        "individual": ticket.individual,
    }


FIELD_NAMES = frozenset(
    ticket_fields(TicketPrint("", "", "", "", "", 0, None, None, datetime.now().astimezone(), ""))
)
LIST_FIELDS = frozenset({"checklist"})


@dataclass(frozen=True)
class TicketTemplate:
    """The parsed template: a list of block specifications."""

    blocks: tuple[Mapping[str, Any], ...]
    source: Path | None = None


def load_template(path: str | Path | None = None) -> TicketTemplate:
    """Read and check a ticket template (the shipped one by default)."""
    path = Path(path) if path else DEFAULT_TEMPLATE
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    return parse_template(raw, source=path)


def parse_template(raw: Mapping[str, Any], source: Path | None = None) -> TicketTemplate:
    """Check every block of a parsed template."""
    specs = raw.get("block")
    if not isinstance(specs, list) or not specs:
        raise TemplateError(f"{source}: the template has no [[block]] entries")
    for number, spec in enumerate(specs, start=1):
        _check_block(spec, f"{source or 'template'} block {number}")
    return TicketTemplate(blocks=tuple(specs), source=source)


def _check_block(spec: Mapping[str, Any], where: str) -> None:
    kind = spec.get("kind", "text")
    allowed = {
        "text": {"kind", "text", "align", "size", "bold", "when"},
        "list": {"kind", "text", "items", "align", "size", "bold", "when"},
        "qr": {"kind", "data", "align", "when"},
        "rule": {"kind", "char", "when"},
        "feed": {"kind", "lines", "when"},
    }.get(kind)
    if allowed is None:
        raise TemplateError(f"{where}: unknown kind {kind!r}")
    unknown = set(spec) - allowed
    if unknown:
        raise TemplateError(f"{where}: unknown keys {sorted(unknown)}")
    if spec.get("align", "left") not in ALIGNS:
        raise TemplateError(f"{where}: align must be one of {ALIGNS}")
    if spec.get("size", "normal") not in SIZES:
        raise TemplateError(f"{where}: size must be one of {sorted(SIZES)}")
    if "when" in spec and spec["when"] not in FIELD_NAMES:
        raise TemplateError(f"{where}: unknown field in when: {spec['when']!r}")
    if kind == "rule" and len(spec.get("char", "-")) != 1:
        raise TemplateError(f"{where}: char must be one character")
    if kind == "feed" and not 0 <= int(spec.get("lines", 1)) <= 10:
        raise TemplateError(f"{where}: lines must be 0..10")
    if kind == "list" and spec.get("items") not in LIST_FIELDS:
        raise TemplateError(f"{where}: items must be one of {sorted(LIST_FIELDS)}")
    pattern = spec.get("data" if kind == "qr" else "text")
    if kind in ("text", "list", "qr"):
        if not isinstance(pattern, str):
            raise TemplateError(f"{where}: {kind} needs a text")
        extra = {"item"} if kind == "list" else set()
        _check_placeholders(pattern, FIELD_NAMES | extra, where)


def _check_placeholders(pattern: str, names: frozenset[str] | set[str], where: str) -> None:
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc}") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in names or spec or conversion:
            raise TemplateError(f"{where}: unknown placeholder {{{name}}}")


def ticket_blocks(ticket: TicketPrint, template: TicketTemplate | None = None) -> list[Block]:
    """Fill the template with the ticket: the abstract blocks to print."""
    template = template or _default_template()
    values = ticket_fields(ticket)
    blocks: list[Block] = []
    for spec in template.blocks:
        if "when" in spec and not values[spec["when"]]:
            continue
        kind = spec.get("kind", "text")
        style = {
            "align": spec.get("align", "left"),
            "size": spec.get("size", "normal"),
            "bold": bool(spec.get("bold", False)),
        }
        if kind == "text":
            text = spec["text"].format_map(values)
            if text.strip():  # an empty field prints nothing, not a blank line
                blocks.append(TextBlock(text, **style))
        elif kind == "list":
            for item in values[spec["items"]]:
                text = spec["text"].format_map({**values, "item": item})
                blocks.append(TextBlock(text, **style))
        elif kind == "qr":
            blocks.append(QrBlock(spec["data"].format_map(values), spec.get("align", "center")))
        elif kind == "rule":
            blocks.append(RuleBlock(spec.get("char", "-")))
        elif kind == "feed":
            blocks.append(FeedBlock(int(spec.get("lines", 1))))
    return blocks


_cached_default: TicketTemplate | None = None


def _default_template() -> TicketTemplate:
    global _cached_default
    if _cached_default is None:
        _cached_default = load_template(DEFAULT_TEMPLATE)
    return _cached_default
