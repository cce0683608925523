"""Draw a ticket as it will look on paper, from the ESC/POS bytes the printer gets.

The bytes are decoded (`decode.py`) and laid out on a strip of paper of the profile's
width in printer dots: font A cells, GS ! sizes, alignment, the QR code (native ones are
drawn the way the printer would, raster ones are the very bitmap sent), feeds and the cut.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from printer_profiles import PrinterProfile

from .decode import Cut, DecodedJob, Feed, Line, QrCode, Raster, decode
from .escpos_render import render_ticket
from .ticket import TicketPrint, TicketTemplate

log = logging.getLogger(__name__)

_CELL_HEIGHT = 24  # font A is 12 x 24 dots on the printers we support
_FONT_PX_PER_CELL = 20  # DejaVu Sans Mono at 20 px advances 12 px per character
_TOP_MARGIN = 24
_QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
)


def render_preview(
    ticket: TicketPrint,
    profile: PrinterProfile,
    path: str | Path,
    template: TicketTemplate | None = None,
) -> Path:
    """Render the ticket's ESC/POS bytes for `profile` and save the paper as a PNG."""
    data = render_ticket(ticket, profile, template)
    image = preview_image(data, profile)
    path = Path(path)
    image.save(path, format="PNG")
    return path


def preview_image(data: bytes, profile: PrinterProfile) -> Image.Image:
    """The paper strip (mode 'L') for an ESC/POS job printed on `profile`."""
    job = decode(data, profile.code_page_table())
    return draw_job(job, profile)


def draw_job(job: DecodedJob, profile: PrinterProfile) -> Image.Image:
    """Lay a decoded job out on paper."""
    paper = max(round(profile.paper_width_mm / 25.4 * profile.dpi), profile.dots)
    margin = (paper - profile.dots) // 2
    line_advance = round(profile.dpi / 6)  # ESC 2 default spacing: 1/6 inch
    cell = profile.char_width_dots
    pieces: list[tuple[int, Image.Image | None, str | None]] = []  # (x, image, cut)
    heights: list[int] = []

    for element in job.elements:
        if isinstance(element, Line):
            glyphs = _line_image(element, cell)
            x = _aligned(element.align, glyphs.width, profile.dots) if glyphs else 0
            pieces.append((margin + x, glyphs, None))
            heights.append(max(line_advance, _CELL_HEIGHT * element.height))
        elif isinstance(element, QrCode):
            symbol = _qr_image(element)
            pieces.append(
                (margin + _aligned(element.align, symbol.width, profile.dots), symbol, None)
            )
            heights.append(symbol.height)
        elif isinstance(element, Raster):
            bitmap = _raster_image(element)
            pieces.append(
                (margin + _aligned(element.align, bitmap.width, profile.dots), bitmap, None)
            )
            heights.append(bitmap.height)
        elif isinstance(element, Feed):
            pieces.append((0, None, None))
            heights.append(element.lines * line_advance)
        elif isinstance(element, Cut):
            pieces.append((0, None, element.mode))
            heights.append(line_advance)

    canvas = Image.new("L", (paper, _TOP_MARGIN * 2 + sum(heights)), 255)
    draw = ImageDraw.Draw(canvas)
    y = _TOP_MARGIN
    for (x, image, cut), height in zip(pieces, heights, strict=True):
        if image is not None:
            canvas.paste(image, (x, y))
        if cut is not None:
            _draw_cut(draw, y + height // 2, paper, cut)
        y += height
    return canvas


def _aligned(align: str, width: int, dots: int) -> int:
    if align == "center":
        return max((dots - width) // 2, 0)
    if align == "right":
        return max(dots - width, 0)
    return 0


def _line_image(line: Line, cell: int) -> Image.Image | None:
    if not line.text:
        return None
    font = _font(_FONT_PX_PER_CELL * line.height, line.bold)
    height = _CELL_HEIGHT * line.height
    drawn = Image.new("L", (max(1, round(font.getlength(line.text))), height), 255)
    ImageDraw.Draw(drawn).text((0, 0), line.text, font=font, fill=0)
    # The printer scales its font by GS ! width and height independently.
    return drawn.resize((len(line.text) * cell * line.width, height), Image.Resampling.BICUBIC)


def _qr_image(code: QrCode) -> Image.Image:
    symbol = qrcode.QRCode(
        version=None, error_correction=_QR_EC[code.ec], box_size=code.module_dots, border=0
    )
    symbol.add_data(code.payload)
    symbol.make(fit=True)
    return symbol.make_image().get_image().convert("L")


def _raster_image(raster: Raster) -> Image.Image:
    bitmap = raster.to_image().convert("L")
    scale_x = 2 if raster.scale in (1, 3) else 1
    scale_y = 2 if raster.scale in (2, 3) else 1
    if scale_x != 1 or scale_y != 1:
        bitmap = bitmap.resize(
            (bitmap.width * scale_x, bitmap.height * scale_y), Image.Resampling.NEAREST
        )
    return bitmap


def _draw_cut(draw: ImageDraw.ImageDraw, y: int, width: int, mode: str) -> None:
    if mode == "full":
        draw.line([(0, y), (width, y)], fill=128, width=2)
        return
    for x in range(0, width, 24):  # partial cut: a dashed line
        draw.line([(x, y), (x + 12, y)], fill=128, width=2)


@functools.lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    for path in _font_candidates(name):
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    log.warning("font %s not found; the preview uses Pillow's default font", name)
    return ImageFont.load_default(size)


def _font_candidates(name: str):
    for folder in _FONT_DIRS:
        yield folder / name
    try:
        import matplotlib  # ships DejaVu on every platform
    except ImportError:
        return
    yield Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
