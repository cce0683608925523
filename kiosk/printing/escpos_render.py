"""Turn print blocks and a printer profile into ESC/POS bytes with python-escpos.

Every job: ESC @ (printers keep state between jobs), ESC t <code page of the profile>,
the blocks, then the cut the profile asks for (or a feed to the tear bar).

A profile with ``text.mode = "raster"`` sends no characters at all: the same ticket is laid
out exactly as the preview draws it, and that picture goes to the printer as GS v 0 raster
images, which every ESC/POS printer prints whatever code pages its firmware has.
"""

from __future__ import annotations

import dataclasses
import logging
import textwrap
from collections.abc import Iterable, Sequence

from escpos.constants import QR_ECLEVEL_M
from escpos.magicencode import Encoder
from escpos.printer import Dummy

from printer_profiles import PrinterProfile

from .ticket import (
    SIZES,
    Block,
    FeedBlock,
    QrBlock,
    RuleBlock,
    TextBlock,
    TicketPrint,
    TicketTemplate,
    ticket_blocks,
)

log = logging.getLogger(__name__)

NBSP = "\u00a0"

# Typography that thermal code pages lack, replaced by what reads the same on paper.
_REPLACEMENTS = {
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201e": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u2019": "'",
    "\u202f": "\u00a0",  # narrow no-break space; kept unbreakable until wrapped
    "\u2026": "...",
    "\u2248": "~",  # almost equal
    "\u20bd": "руб.",
    "\u2713": "+",
    "\u2714": "+",
}


def printable(text: str, codepage: str) -> str:
    """`text` with every character the code page can hold; others replaced, logged.

    No-break spaces are kept (they steer `wrap`); `wrap` turns them into spaces.
    """
    encoder = _encoder(codepage)
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        for part in char:
            if part == NBSP or encoder.can_encode(codepage, part):
                out.append(part)
            else:
                log.warning("character %r is not in %s; printed as '?'", part, codepage)
                out.append("?")
    return "".join(out)


_ENCODERS: dict[str, Encoder] = {}


def _encoder(codepage: str) -> Encoder:
    if codepage not in _ENCODERS:
        _ENCODERS[codepage] = Encoder({codepage: 0})
    return _ENCODERS[codepage]


def wrap(text: str, columns: int) -> list[str]:
    """Word-wrap to `columns` characters at spaces only (not at no-break spaces or hyphens)."""
    lines = textwrap.wrap(
        text, width=max(columns, 1), break_long_words=True, break_on_hyphens=False
    )
    return [line.replace(NBSP, " ") for line in lines] or [""]


def render_ticket(
    ticket: TicketPrint, profile: PrinterProfile, template: TicketTemplate | None = None
) -> bytes:
    """The ESC/POS bytes of one ticket for the given printer."""
    return render_blocks(ticket_blocks(ticket, template), profile)


# Rows per GS v 0 command in raster text mode: small enough for the receive buffer of
# cheap printers, large enough that a ticket is a handful of commands.
RASTER_ROWS = 480


def render_blocks(blocks: Iterable[Block], profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of a job made of `blocks`."""
    blocks = list(blocks)
    if profile.text_mode == "raster":
        return _render_raster(blocks, profile)
    printer = Dummy(profile=profile.capability())
    printer.hw("INIT")  # ESC @
    printer.charcode(profile.codepage)  # ESC t n, and no automatic code page switching after it
    _body(printer, blocks, profile)
    _finish(printer, profile)
    return printer.output


def raster_image(blocks: Sequence[Block], profile: PrinterProfile):
    """The ticket as one black-and-white picture (Pillow mode '1'), `profile.dots` wide.

    It is the preview of the same ticket printed natively (the same fonts, sizes, wrapping
    and QR code), without the paper margins and the cut.
    """
    from .decode import Cut, decode
    from .preview import _TOP_MARGIN, draw_job

    native = dataclasses.replace(profile, text_mode="native")
    printer = Dummy(profile=native.capability())
    printer.hw("INIT")
    printer.charcode(native.codepage)
    _body(printer, list(blocks), native)
    job = decode(printer.output, native.code_page_table())
    job.elements = [e for e in job.elements if not isinstance(e, Cut)]
    paper = draw_job(job, native)
    margin = (paper.width - profile.dots) // 2
    strip = paper.crop((margin, _TOP_MARGIN, margin + profile.dots, paper.height - _TOP_MARGIN))
    return strip.point(lambda v: 255 if v >= 128 else 0, mode="1")


def _render_raster(blocks: list[Block], profile: PrinterProfile) -> bytes:
    image = raster_image(blocks, profile)
    printer = Dummy(profile=profile.capability())
    printer.hw("INIT")  # ESC @; no ESC t: not a single character is sent
    printer.image(image, impl="bitImageRaster", fragment_height=RASTER_ROWS, center=False)
    _finish(printer, profile)
    return printer.output


def _body(printer: Dummy, blocks: list[Block], profile: PrinterProfile) -> None:
    for block in blocks:
        if isinstance(block, TextBlock):
            _text(printer, block, profile)
        elif isinstance(block, QrBlock):
            _qr(printer, block, profile)
        elif isinstance(block, RuleBlock):
            _style(printer, "left", "normal", False)
            printer.textln(printable(block.char, profile.codepage) * profile.columns)
        elif isinstance(block, FeedBlock):
            if block.lines:
                printer.ln(block.lines)
        else:
            raise TypeError(f"not a print block: {block!r}")
    _style(printer, "left", "normal", False)


def _style(printer: Dummy, align: str, size: str, bold: bool) -> None:
    width, height = SIZES[size]
    printer.set(align=align, bold=bold, custom_size=True, width=width, height=height)


def _text(printer: Dummy, block: TextBlock, profile: PrinterProfile) -> None:
    _style(printer, block.align, block.size, block.bold)
    width, _ = SIZES[block.size]
    for line in wrap(printable(block.text, profile.codepage), profile.columns // width):
        printer.textln(line)


def _qr(printer: Dummy, block: QrBlock, profile: PrinterProfile) -> None:
    # Native QR ignores center=True: the alignment must be set before it (DESIGN §9).
    _style(printer, block.align, "normal", False)
    size = _module_dots(block.data, profile)
    if profile.qr_mode == "native":
        printer.ln()  # a quiet zone above, as the raster path has
        printer.qr(block.data, ec=QR_ECLEVEL_M, size=size, native=True)
        printer.ln()
    else:
        printer.qr(
            block.data,
            ec=QR_ECLEVEL_M,
            size=size,
            native=False,
            image_arguments={"impl": "bitImageRaster", "center": block.align == "center"},
        )


# Bytes a QR symbol holds in byte mode at error correction M, versions 1..40.
_QR_M_BYTES = (
    14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624,
    666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809,
    1911, 1989, 2099, 2213, 2331,
)  # fmt: skip


def _modules(data: str) -> int:
    """Modules per side of the QR symbol for `data` (byte mode: an upper bound)."""
    size = len(data.encode("utf-8"))
    for version, capacity in enumerate(_QR_M_BYTES, start=1):
        if size <= capacity:
            return 17 + 4 * version
    raise ValueError(f"QR payload of {size} bytes is too long")


def _module_dots(data: str, profile: PrinterProfile) -> int:
    """The profile's module size, made smaller when a long payload would not fit the paper."""
    fits = profile.dots // (_modules(data) + 2)  # + the one-module border of the raster
    if fits < 1:
        raise ValueError(f"QR payload of {len(data)} characters does not fit the paper")
    return min(profile.qr_module_dots, fits)


def _finish(printer: Dummy, profile: PrinterProfile) -> None:
    if profile.cut == "none":
        printer.print_and_feed(profile.tear_feed_lines)
    else:
        printer.cut(mode="PART" if profile.cut == "partial" else "FULL")
