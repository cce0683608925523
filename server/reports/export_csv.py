"""CSV for Russian Excel: UTF-8 with a byte-order mark, ``;`` between fields, decimal commas.

One file holds the whole report: the title, then each table under its own title line, a blank
line between tables, and at the end how the figures are counted. Minutes keep two decimals;
shares are percentages («62,5» in a column titled «…, %»); an empty field is a missing value.
"""
from __future__ import annotations

import csv
import io

from .. import texts
from .tables import Document, Table


def cell(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind in ("text",):
        return str(value)
    if kind == "int":
        return str(int(round(value)))
    if kind == "min":
        return texts.decimal(value / 60.0, 2)
    if kind == "share":
        return texts.decimal(value * 100, 1)
    if kind == "score":
        return texts.decimal(value, 2)
    if kind == "num":
        return texts.decimal(value, 2)
    return str(value)


def header(title: str, kind: str) -> str:
    return f"{title}, %" if kind == "share" else title


def _table(w, t: Table) -> None:
    w.writerow([t.title])
    if t.note:
        w.writerow([t.note])
    w.writerow([header(c.full_title, c.kind) for c in t.columns])
    for row in t.rows + ([t.total] if t.total else []):
        out = []
        for c, v in zip(t.columns, row, strict=True):
            if c.kind == "mixed":
                value, kind = v
                out.append(cell(value, kind) + (" %" if kind == "share" and value is not None else ""))
            else:
                out.append(cell(v, c.kind))
        w.writerow(out)
    w.writerow([])


def render(doc: Document) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([doc.title])
    for label, value in doc.lead:
        w.writerow([label, value])
    w.writerow([])
    _table(w, doc.summary)
    for t in doc.tables:
        _table(w, t)
    w.writerow(["Как считаются показатели"])
    for rule in doc.rules:
        w.writerow([rule])
    return buf.getvalue().encode("utf-8-sig")
