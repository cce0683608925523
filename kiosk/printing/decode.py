"""A strict ESC/POS decoder for the commands Talon emits.

It reads a job back into printed lines (decoded through the code page that ESC t
selected), QR codes (GS ( k), raster images (GS v 0), feeds and cuts.  Any byte it
does not understand raises `DecodeError`: tests and the preview must never guess.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, field

from escpos.codepages import CodePages

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
_ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}
_CUT = {0: "full", 48: "full", 1: "partial", 49: "partial", 65: "full", 66: "partial"}


class DecodeError(ValueError):
    """The byte stream holds something this decoder does not know."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"at byte {offset}: {message}")
        self.offset = offset


@dataclass(frozen=True)
class Line:
    """One printed line of text, in the style it started with."""

    text: str
    align: str = "left"
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: int = 0
    font: int = 0


@dataclass(frozen=True)
class QrCode:
    """A native QR code (GS ( k store + print)."""

    payload: str
    module_dots: int
    ec: str
    model: int
    align: str


@dataclass(frozen=True)
class Raster:
    """A GS v 0 bit image: `data` rows of `width_bytes`, set bits are black."""

    width_bytes: int
    height: int
    data: bytes
    align: str
    scale: int = 0

    @property
    def width(self) -> int:
        return self.width_bytes * 8

    def to_image(self):
        """The image as Pillow mode '1' (black dots on white)."""
        from PIL import Image

        return Image.frombytes("1", (self.width, self.height), self.data, "raw", "1;I")


@dataclass(frozen=True)
class Feed:
    """ESC d n: print the buffer and feed n lines."""

    lines: int


@dataclass(frozen=True)
class Cut:
    """GS V: cut the paper."""

    mode: str  # "full" | "partial"


Element = Line | QrCode | Raster | Feed | Cut


@dataclass
class DecodedJob:
    """What the printer would do with a byte stream."""

    elements: list[Element] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # command names in order
    code_pages: list[int] = field(default_factory=list)  # every ESC t n seen

    @property
    def lines(self) -> list[Line]:
        return [e for e in self.elements if isinstance(e, Line)]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def qr_codes(self) -> list[QrCode]:
        return [e for e in self.elements if isinstance(e, QrCode)]

    @property
    def rasters(self) -> list[Raster]:
        return [e for e in self.elements if isinstance(e, Raster)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.elements if isinstance(e, Cut)]


def python_codec(code_page: str) -> str:
    """The Python codec for an escpos code page name (CP866 -> cp866)."""
    info = CodePages.get_encoding(code_page)
    name = info.get("python_encode") or code_page.lower()
    codecs.lookup(name)  # fails loudly if Python can not decode it
    return name


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.align = "left"
        self.width = 1
        self.height = 1
        self.bold = False
        self.underline = 0
        self.font = 0
        self.code_page = 0
        self.buffer = bytearray()
        self.line_style: tuple | None = None
        self.qr_data: bytes | None = None
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_model = 2

    def style(self) -> tuple:
        return (self.align, self.width, self.height, self.bold, self.underline, self.font)


class _Decoder:
    def __init__(self, data: bytes, code_pages: Mapping[int, str]) -> None:
        self.data = data
        self.code_pages = code_pages
        self.pos = 0
        self.state = _State()
        self.job = DecodedJob()

    # -- reading helpers -------------------------------------------------
    def take(self, count: int, what: str) -> bytes:
        if self.pos + count > len(self.data):
            raise DecodeError(self.pos, f"{what}: stream ends inside the command")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def command(self, name: str) -> None:
        self.job.commands.append(name)

    # -- output helpers --------------------------------------------------
    def flush_line(self) -> None:
        state = self.state
        style = state.line_style or state.style()
        page = self.code_pages.get(state.code_page)
        if page is None or page == "Unknown":
            if any(b >= 0x80 for b in state.buffer):
                raise DecodeError(self.pos, f"text in unknown code page {state.code_page}")
            codec = "ascii"
        else:
            codec = python_codec(page)
        text = bytes(state.buffer).decode(codec)
        align, width, height, bold, underline, font = style
        self.job.elements.append(Line(text, align, width, height, bold, underline, font))
        state.buffer.clear()
        state.line_style = None

    def flush_pending(self) -> None:
        if self.state.buffer:
            self.flush_line()

    # -- the decoder -----------------------------------------------------
    def run(self) -> DecodedJob:
        while self.pos < len(self.data):
            start = self.pos
            b = self.byte("byte")
            if b == ESC:
                self.esc(start)
            elif b == GS:
                self.gs(start)
            elif b == DLE:
                self.dle(start)
            elif b == LF:
                self.command("LF")
                self.flush_line()
            elif b >= 0x20:
                if not self.state.buffer:
                    self.state.line_style = self.state.style()
                self.state.buffer.append(b)
            else:
                raise DecodeError(start, f"unknown control byte 0x{b:02x}")
        self.flush_pending()
        return self.job

    def esc(self, start: int) -> None:
        state = self.state
        c = self.byte("ESC")
        if c == ord("@"):
            self.command("ESC @")
            self.flush_pending()
            state.reset()
        elif c == ord("t"):
            n = self.byte("ESC t")
            if n not in self.code_pages:
                raise DecodeError(start, f"ESC t {n}: the printer has no such code page")
            self.command("ESC t")
            self.job.code_pages.append(n)
            state.code_page = n
        elif c == ord("!"):
            n = self.byte("ESC !")
            self.command("ESC !")
            state.font = n & 0x01
            state.bold = bool(n & 0x08)
            state.height = 2 if n & 0x10 else 1
            state.width = 2 if n & 0x20 else 1
            state.underline = 1 if n & 0x80 else 0
        elif c == ord("E"):
            self.command("ESC E")
            state.bold = bool(self.byte("ESC E") & 1)
        elif c == ord("-"):
            n = self.byte("ESC -")
            if n not in (0, 1, 2, 48, 49, 50):
                raise DecodeError(start, f"ESC - {n}: bad underline mode")
            self.command("ESC -")
            state.underline = n % 48
        elif c == ord("M"):
            self.command("ESC M")
            state.font = self.byte("ESC M") % 48
        elif c == ord("a"):
            n = self.byte("ESC a")
            if n not in _ALIGN:
                raise DecodeError(start, f"ESC a {n}: bad alignment")
            self.command("ESC a")
            state.align = _ALIGN[n]
        elif c == ord("d"):
            n = self.byte("ESC d")
            self.command("ESC d")
            self.flush_pending()
            self.job.elements.append(Feed(n))
        else:
            raise DecodeError(start, f"unknown command ESC 0x{c:02x}")

    def gs(self, start: int) -> None:
        c = self.byte("GS")
        if c == ord("!"):
            n = self.byte("GS !")
            self.command("GS !")
            self.state.width = (n >> 4) + 1
            self.state.height = (n & 0x0F) + 1
            if self.state.width > 8 or self.state.height > 8:
                raise DecodeError(start, f"GS ! 0x{n:02x}: size out of range")
        elif c == ord("(") and self.data[self.pos : self.pos + 1] == b"k":
            self.pos += 1
            self.gs_k(start)
        elif c == ord("v") and self.data[self.pos : self.pos + 1] == b"0":
            self.pos += 1
            self.raster(start)
        elif c == ord("V"):
            self.cut(start)
        else:
            raise DecodeError(start, f"unknown command GS 0x{c:02x}")

    def dle(self, start: int) -> None:
        c = self.byte("DLE")
        if c != 0x04:
            raise DecodeError(start, f"unknown command DLE 0x{c:02x}")
        n = self.byte("DLE EOT")
        if n not in (1, 2, 3, 4):
            raise DecodeError(start, f"DLE EOT {n}: unknown status request")
        self.command(f"DLE EOT {n}")

    def gs_k(self, start: int) -> None:
        state = self.state
        size = int.from_bytes(self.take(2, "GS ( k length"), "little")
        if size < 2:
            raise DecodeError(start, "GS ( k: length too short")
        body = self.take(size, "GS ( k body")
        cn, fn, rest = body[0], body[1], body[2:]
        if cn != 49:
            raise DecodeError(start, f"GS ( k: symbol type {cn} is not QR (49)")
        if fn == 65:  # model
            if len(rest) != 2 or rest[0] not in (49, 50, 51):
                raise DecodeError(start, "GS ( k: bad QR model")
            state.qr_model = rest[0] - 48
            self.command("QR model")
        elif fn == 67:  # module size
            if len(rest) != 1 or not 1 <= rest[0] <= 16:
                raise DecodeError(start, "GS ( k: bad QR module size")
            state.qr_module = rest[0]
            self.command("QR size")
        elif fn == 69:  # error correction
            if len(rest) != 1 or rest[0] not in (48, 49, 50, 51):
                raise DecodeError(start, "GS ( k: bad QR error correction")
            state.qr_ec = "LMQH"[rest[0] - 48]
            self.command("QR ec")
        elif fn == 80:  # store data
            if not rest or rest[0] != 48:
                raise DecodeError(start, "GS ( k: bad QR store command")
            state.qr_data = bytes(rest[1:])
            self.command("QR store")
        elif fn == 81:  # print the stored symbol
            if rest != b"0":
                raise DecodeError(start, "GS ( k: bad QR print command")
            if state.qr_data is None:
                raise DecodeError(start, "GS ( k: QR print without stored data")
            self.flush_pending()
            payload = state.qr_data.decode("utf-8")
            self.job.elements.append(
                QrCode(payload, state.qr_module, state.qr_ec, state.qr_model, state.align)
            )
            self.command("QR print")
        else:
            raise DecodeError(start, f"GS ( k: unknown QR function {fn}")

    def raster(self, start: int) -> None:
        mode = self.byte("GS v 0 mode")
        if mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise DecodeError(start, f"GS v 0: bad mode {mode}")
        width_bytes = int.from_bytes(self.take(2, "GS v 0 width"), "little")
        height = int.from_bytes(self.take(2, "GS v 0 height"), "little")
        if not width_bytes or not height:
            raise DecodeError(start, "GS v 0: empty image")
        data = self.take(width_bytes * height, "GS v 0 data")
        self.flush_pending()
        self.job.elements.append(Raster(width_bytes, height, data, self.state.align, mode % 48))
        self.command("GS v 0")

    def cut(self, start: int) -> None:
        m = self.byte("GS V")
        if m not in _CUT:
            raise DecodeError(start, f"GS V {m}: unknown cut")
        if m in (65, 66):
            self.byte("GS V feed")
        self.flush_pending()
        self.job.elements.append(Cut(_CUT[m]))
        self.command("GS V")


def decode(data: bytes, code_pages: Mapping[int, str]) -> DecodedJob:
    """Decode an ESC/POS stream; `code_pages` maps ESC t numbers to code page names."""
    return _Decoder(bytes(data), code_pages).run()
