"""XLSX with XlsxWriter: a sheet per table, numbers kept as numbers, native Excel charts.

Minutes are stored as minutes (number format ``0.0``), shares as fractions (format ``0.0%``), so the
head can sort, sum and chart them. The sheet «Графики» holds each chart's data next to the chart.
"""
from __future__ import annotations

import io
import re

import xlsxwriter

from .tables import Chart, Document, Table

_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD.sub(" ", title)[:31].strip() or "Лист"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" {i}"
        name = base[:31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


class _Book:
    def __init__(self, doc: Document):
        self.doc = doc
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"in_memory": True, "strings_to_numbers": False})
        wb = self.wb
        wb.set_properties({"title": doc.title, "author": "Талон", "comments": "Отчёт электронной очереди"})
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.f = {
            "title": wb.add_format({**base, "bold": True, "font_size": 14}),
            "table_title": wb.add_format({**base, "bold": True, "font_size": 12}),
            "head": wb.add_format({**base, "bold": True, "text_wrap": True, "border": 1, "bg_color": "#E8EEF4"}),
            "label": wb.add_format({**base, "bold": True}),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "plain": wb.add_format({**base, "border": 1}),
        }
        for bold in (False, True):
            for kind, fmt in (("text", None), ("int", "0"), ("min", "0.0"), ("share", "0.0%"), ("score", "0.00"),
                              ("num", "0.0")):
                props = {**base, "border": 1, "bold": bold}
                if fmt:
                    props["num_format"] = fmt
                if kind == "text":
                    props["text_wrap"] = True
                self.f[(kind, bold)] = wb.add_format(props)
        self.used: set[str] = set()

    def value(self, v, kind):
        if v is None or v == "":
            return None
        if kind == "min":
            return v / 60.0
        if kind == "int":
            return int(round(v))
        return v

    def write_cell(self, ws, r, c, v, kind, bold=False):
        value = self.value(v, kind)
        fmt = self.f[(kind if kind in ("text", "int", "min", "share", "score", "num") else "text", bold)]
        if value is None:
            ws.write_blank(r, c, None, fmt)
        elif isinstance(value, str):
            ws.write_string(r, c, value, fmt)
        else:
            ws.write_number(r, c, value, fmt)

    def table(self, ws, t: Table, row: int) -> int:
        """Write a table from ``row``; returns the next free row."""
        ws.write(row, 0, t.title, self.f["table_title"])
        row += 1
        if t.note:
            ws.write(row, 0, t.note, self.f["wrap"])
            row += 1
        for c, col in enumerate(t.columns):
            ws.write(row, c, col.full_title, self.f["head"])
        ws.set_row(row, 45 if t.wide else 30)
        row += 1
        for values, bold in [(r, False) for r in t.rows] + ([(t.total, True)] if t.total else []):
            for c, (col, v) in enumerate(zip(t.columns, values, strict=True)):
                if col.kind == "mixed":
                    self.write_cell(ws, row, c, v[0], v[1], bold)
                else:
                    self.write_cell(ws, row, c, v, col.kind, bold)
            row += 1
        return row + 1

    def sheet(self, title: str):
        ws = self.wb.add_worksheet(_sheet_name(title, self.used))
        ws.hide_gridlines(2)
        return ws

    def chart_sheet(self, charts: list[Chart]) -> None:
        if not charts:
            return
        ws = self.sheet("Графики")
        row = 0
        for ch in charts:
            ws.write(row, 0, ch.title, self.f["table_title"])
            first = row + 1
            ws.write(first, 0, "", self.f["head"])
            for s, (name, _) in enumerate(ch.series):
                ws.write(first, 1 + s, name, self.f["head"])
            for i, cat in enumerate(ch.categories):
                ws.write_string(first + 1 + i, 0, str(cat), self.f[("text", False)])
                for s, (_, values) in enumerate(ch.series):
                    if values[i] is None:
                        ws.write_blank(first + 1 + i, 1 + s, None, self.f["plain"])
                    else:
                        ws.write_number(first + 1 + i, 1 + s, values[i], self.f["plain"])
            last = first + len(ch.categories)
            chart = self.wb.add_chart({"type": "line" if ch.kind == "line" else "column"})
            name = ws.get_name()
            for s, (_series_name, _) in enumerate(ch.series):
                chart.add_series({
                    "name": [name, first, 1 + s],
                    "categories": [name, first + 1, 0, last, 0],
                    "values": [name, first + 1, 1 + s, last, 1 + s],
                    "marker": {"type": "circle"} if ch.kind == "line" else {"type": "none"},
                })
            chart.set_title({"name": ch.title, "name_font": {"size": 12}})
            chart.set_y_axis({"name": ch.y_title, "major_gridlines": {"visible": True}})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 760, "height": 340})
            ws.insert_chart(first, 2 + len(ch.series), chart)
            row = max(last + 2, first + 19)
        ws.set_column(0, 0, 16)

    def build(self) -> bytes:
        doc = self.doc
        ws = self.sheet("Сводка")
        ws.write(0, 0, doc.title, self.f["title"])
        row = 2
        for label, value in doc.lead:
            ws.write(row, 0, label, self.f["label"])
            ws.write(row, 1, value)
            row += 1
        row = self.table(ws, doc.summary, row + 1)
        ws.write(row, 0, "Как считаются показатели", self.f["table_title"])
        for rule in doc.rules:
            row += 1
            ws.merge_range(row, 0, row, 1, rule, self.f["wrap"])
            ws.set_row(row, 15 * max(1, len(rule) // 80 + 1))
        ws.set_column(0, 0, 62)
        ws.set_column(1, 1, 22)
        self.chart_sheet(doc.charts)
        for t in doc.tables:
            ws = self.sheet(t.sheet or t.title)
            self.table(ws, t, 0)
            first_width = max(14, min(48, max([len(str(r[0] or "")) for r in t.rows] + [10]) + 2))
            ws.set_column(0, 0, first_width)
            ws.set_column(1, max(1, len(t.columns) - 1), 12 if t.wide else 16)
            if t.columns and t.columns[-1].title == "Комментарий":
                ws.set_column(len(t.columns) - 1, len(t.columns) - 1, 60)
            ws.freeze_panes(2 + (1 if t.note else 0), 1)
        self.wb.close()
        return self.buf.getvalue()


def render(doc: Document) -> bytes:
    return _Book(doc).build()
