"""PDF with fpdf2: A4 landscape, DejaVu Sans embedded (so Cyrillic prints and copies as text),
the charts drawn by matplotlib, tables that repeat their heading on each page."""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

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
        with super().table(col_widths=widths, width=total_width, line_height=size * 0.5, text_align="LEFT",
                           headings_style=FontFace(emphasis="BOLD", fill_color=(232, 238, 244)),
                           num_heading_rows=len(heading), padding=0.8, repeat_headings=1, align="LEFT") as pt:
            for hrow in heading:
                head = pt.row()
                for text, colspan, rowspan, kind in hrow:
                    head.cell(text, colspan=colspan, rowspan=rowspan,
                              align="CENTER" if kind == "group" else None)
            for i, values in enumerate(rows):
                bold = t.total is not None and i == len(rows) - 1
                r = pt.row(style=FontFace(emphasis="BOLD") if bold else None)
                for c, v in zip(t.columns, values):
                    if c.kind == "mixed":
                        text = display(*v)
                        align = "RIGHT"
                    else:
                        text = display(v, c.kind)
                        align = "LEFT" if c.kind == "text" else "RIGHT"
                    r.cell(text, align=align)
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
            for i, w in zip(targets, share):
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
            image = charts.png(ch)
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


def _quiet_font_subsetting() -> None:
    """fontTools logs about 56 INFO lines per PDF while it subsets DejaVu; they are noise in the
    terminal and the hub's log. Shown only when the log is verbose (``talon -v``)."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("fontTools").setLevel(logging.WARNING)


def render(doc: Document) -> bytes:
    _quiet_font_subsetting()
    return _Pdf(doc).build()
