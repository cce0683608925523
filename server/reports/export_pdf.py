"""PDF with fpdf2: A4 landscape, DejaVu Sans embedded (so Cyrillic prints and copies as text),
the charts drawn by matplotlib, tables that repeat their heading on each page."""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

from . import charts
from .tables import Document, Table, display


@lru_cache(maxsize=1)
def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Pdf(FPDF):
    def __init__(self, doc: Document):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.doc = doc
        fonts = font_dir()
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_title(doc.title)
        self.set_author("Талон")
        self.set_creator("Талон — электронная очередь")
        self.set_auto_page_break(True, margin=14)
        self.set_margins(12, 12, 12)

    def footer(self):
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.doc.title} — страница {self.page_no()} из {{nb}}", align="R")
        self.set_text_color(0)

    # ------------------------------------------------------------------ pieces

    def heading(self, text: str, size: float = 11) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table(self, t: Table, width: float | None = None) -> None:
        if self.will_page_break(30):
            self.add_page()
        self.heading(t.title)
        if t.note:
            self.set_font("DejaVu", "", 8)
            self.multi_cell(0, 4, t.note, new_x="LMARGIN", new_y="NEXT")
        size = 6.4 if t.wide else 8
        self.set_font("DejaVu", "", size)
        self.set_stretching(88 if t.wide else 100)
        rows = t.rows + ([t.total] if t.total else [])
        if not rows:
            self.set_font("DejaVu", "", 8)
            self.cell(0, 5, "Нет данных за этот период.", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)
            return
        total_width = width or self.epw
        heading = t.heading_rows()
        size, widths = self.fit(t, rows, heading, total_width, size)
        self.set_font("DejaVu", "", size)
        cells = []
        for values in rows:
            line = []
            for c, v in zip(t.columns, values, strict=True):
                if c.kind == "mixed":
                    line.append((display(*v), "R"))
                else:
                    line.append((display(v, c.kind), "L" if c.kind == "text" else "R"))
            cells.append(line)
        _GridTable(self, widths, size, heading).draw(cells, bold_last=t.total is not None)
        self.set_stretching(100)
        self.ln(4)

    def fit(self, t: Table, rows: list, heading: list, total_width: float, size: float):
        """Column widths that never break a word: each column is as wide as its longest word
        (heading) or value (cells); the text columns share what is left. The type shrinks (to 5 pt)
        when even that does not fit."""
        pad = 2.2
        while True:
            mins = []
            for i, c in enumerate(t.columns):
                self.set_font("DejaVu", "B", size)
                need = max((self.get_string_width(w) for w in c.title.split(" ")), default=0)
                # cells measured in bold: the total row is bold
                if c.kind != "text":
                    cells = [display(*r[i]) if c.kind == "mixed" else display(r[i], c.kind) for r in rows]
                    need = max([need] + [self.get_string_width(x) for x in cells])
                else:
                    longest = max((w for r in rows for w in str(r[i] or "").split(" ")), key=len, default="")
                    need = max(need, self.get_string_width(longest))
                mins.append(need + pad)
            text_cols = [i for i, c in enumerate(t.columns) if c.kind == "text"]
            self.set_font("DejaVu", "", size)
            spare = total_width - sum(mins)
            if spare >= 0 or size <= 5:
                break
            size -= 0.4
        if spare > 0:
            share = [t.columns[i].width for i in text_cols] or [1.0] * len(mins)
            targets = text_cols or list(range(len(mins)))
            for i, w in zip(targets, share, strict=True):
                mins[i] += spare * w / sum(share)
        return size, mins

    def build(self) -> bytes:
        doc = self.doc
        self.add_page()
        self.set_font("DejaVu", "B", 15)
        self.multi_cell(0, 7, doc.title, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        self.set_font("DejaVu", "", 9)
        for label, value in doc.lead:
            if value:
                self.set_font("DejaVu", "B", 9)
                self.cell(32, 5, label)
                self.set_font("DejaVu", "", 9)
                self.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.table(doc.summary, width=150)
        for ch in doc.charts:
            image = charts.svg_for_pdf(ch)
            if self.will_page_break(95):
                self.add_page()
            self.image(io.BytesIO(image), w=self.epw * 0.85)
            self.ln(3)
        for t in doc.tables:
            self.table(t)
        if self.will_page_break(40):
            self.add_page()
        self.heading("Как считаются показатели")
        self.set_font("DejaVu", "", 8)
        for rule in doc.rules:
            self.multi_cell(0, 4, "• " + rule, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)
        return bytes(self.output())


class _GridTable:
    """A table drawn with the page's plain text and rectangle operators.

    fpdf2's ``table()`` lays out every cell with ``multi_cell`` and its line breaker, which made
    the daily PDF of a 3,000-ticket day take 2-4 s (9,000 cells; issue 17). Here a cell's text is
    broken into lines only when it is wider than its column (``fit`` makes every number fit, so
    only long names ever wrap); the heading is repeated on every page; the total row is bold."""

    PAD = 0.8
    HEAD_FILL = (232, 238, 244)

    def __init__(self, pdf: FPDF, widths: list[float], size: float, heading: list):
        self.pdf, self.widths, self.size, self.heading = pdf, widths, size, heading
        self.lh = size * 0.5
        self.x0 = pdf.l_margin

    def _width(self, text: str) -> float:
        """``get_string_width`` without fpdf2's per-call text preparation (a third of the time
        of a big table): the font's advance widths, its size and the stretching; no shaping or
        character spacing are used in the reports. tests/test_reports_pdf_speed.py checks that
        both agree."""
        pdf = self.pdf
        cw = pdf.current_font.cw
        return sum(cw[ord(c)] for c in text) * pdf.font_size_pt * 0.001 / pdf.k * pdf.font_stretching / 100

    def _lines(self, text: str, width: float) -> list[str]:
        """The text broken at spaces into lines that fit ``width`` (a word longer than the
        column, which ``fit`` prevents, is cut where it must be)."""
        room = width - 2 * self.PAD
        if "\n" not in text and self._width(text) <= room:
            return [text]
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if self._width(candidate) <= room or not line:
                    line = candidate
                else:
                    lines.append(line)
                    line = word
                while self._width(line) > room and len(line) > 1:  # one word wider than the column
                    cut = len(line) - 1
                    while cut > 1 and self._width(line[:cut]) > room:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
            lines.append(line)
        return lines or [""]

    def _text(self, lines: list[str], x: float, y: float, w: float, align: str) -> None:
        pdf = self.pdf
        base = y + self.PAD + self.lh * 0.75
        for i, line in enumerate(lines):
            if align == "R":
                tx = x + w - self.PAD - self._width(line)
            elif align == "C":
                tx = x + (w - self._width(line)) / 2
            else:
                tx = x + self.PAD
            pdf.text(tx, base + i * self.lh, line)

    def _draw_heading(self) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", "B", self.size)
        lefts = [self.x0 + sum(self.widths[:i]) for i in range(len(self.widths) + 1)]
        # the cells of each heading row, placed on the grid of columns (rowspan 2 cells sit in row 0)
        placed, taken = [], [set() for _ in self.heading]
        for r, hrow in enumerate(self.heading):
            col = 0
            for text, colspan, rowspan, kind in hrow:
                while col in taken[r]:
                    col += 1
                for rr in range(r, r + rowspan):
                    taken[rr].update(range(col, col + colspan))
                w = lefts[col + colspan] - lefts[col]
                placed.append((r, rowspan, lefts[col], w, self._lines(text, w), "C" if kind == "group" else "L"))
                col += colspan
        heights = [0.0] * len(self.heading)
        for r, rowspan, _x, _w, lines, _a in placed:
            if rowspan == 1:
                heights[r] = max(heights[r], len(lines) * self.lh + 2 * self.PAD)
        for r, rowspan, _x, _w, lines, _a in placed:  # a tall rowspan cell stretches the last row
            if rowspan > 1:
                need = len(lines) * self.lh + 2 * self.PAD - sum(heights[r:r + rowspan])
                if need > 0:
                    heights[r + rowspan - 1] += need
        y0 = pdf.get_y()
        pdf.set_fill_color(*self.HEAD_FILL)
        for r, rowspan, x, w, lines, align in placed:
            y = y0 + sum(heights[:r])
            h = sum(heights[r:r + rowspan])
            pdf.rect(x, y, w, h, style="DF")
            self._text(lines, x, y, w, align)
        pdf.set_y(y0 + sum(heights))
        pdf.set_font("DejaVu", "", self.size)

    def draw(self, rows: list[list[tuple[str, str]]], bold_last: bool) -> None:
        pdf = self.pdf
        pdf.set_draw_color(0)
        self._draw_heading()
        for i, row in enumerate(rows):
            bold = bold_last and i == len(rows) - 1
            if bold:
                pdf.set_font("DejaVu", "B", self.size)
            laid = [self._lines(text, w) for (text, _), w in zip(row, self.widths, strict=True)]
            h = max(len(lines) for lines in laid) * self.lh + 2 * self.PAD
            if pdf.get_y() + h > pdf.page_break_trigger:
                pdf.add_page()
                pdf.set_font("DejaVu", "B" if bold else "", self.size)
                self._draw_heading()
                if bold:
                    pdf.set_font("DejaVu", "B", self.size)
            y, x = pdf.get_y(), self.x0
            for (_text, align), w, lines in zip(row, self.widths, laid, strict=True):
                pdf.rect(x, y, w, h)
                self._text(lines, x, y, w, align)
                x += w
            pdf.set_y(y + h)
            if bold:
                pdf.set_font("DejaVu", "", self.size)
        pdf.set_x(self.x0)


def _quiet_font_subsetting() -> None:
    """fontTools logs about 56 INFO lines per PDF while it subsets DejaVu; they are noise in the
    terminal and the hub's log. Shown only when the log is verbose (``talon -v``)."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("fontTools").setLevel(logging.WARNING)


def render(doc: Document) -> bytes:
    _quiet_font_subsetting()
    return _Pdf(doc).build()
