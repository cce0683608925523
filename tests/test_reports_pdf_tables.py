"""The PDF's tables (server/reports/export_pdf.py _GridTable): every cell's text is in the PDF as
text, numbers right-aligned, the heading repeated on every page a long table spans, names that
are too wide wrapped at spaces, never inside a word; the quick width equals fpdf2's own."""
from __future__ import annotations

import io
import re
import subprocess

from pypdf import PdfReader

from server.reports import export_pdf
from server.reports.tables import Column, Document, Table


def _doc(rows: int) -> Document:
    cols = [Column("Услуга", "text", width=2.0),
            Column("Посетителей", "int"),
            Column("среднее", "min", group="Ожидание, мин"),
            Column("в нормативе", "share", group="Ожидание, мин")]
    long_name = "Услуга номер {0} с очень длинным названием для переноса по словам " * 3
    body = [[long_name.format(i) if i % 7 == 0 else f"Услуга {i}",
             1000 + i, 60.0 * (i % 30), (i % 100) / 100] for i in range(rows)]
    big = Table(id="big", title="Большая таблица", columns=cols, rows=body, total=["Итого", 9999, 600.0, 0.5])
    summary = Table(id="s", title="Сводка", columns=[Column("Показатель", "text"), Column("Значение", "int")],
                    rows=[["Выдано талонов", 3000]])
    return Document(kind="daily", title="Проверка таблиц", lead=[("Офис", "Тестовый")], summary=summary,
                    tables=[big], charts=[], rules=["Правило."])


def _pages(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode().split("\f")


def test_every_cell_is_text_and_the_heading_repeats_on_every_page():
    doc = _doc(120)
    pdf = export_pdf.render(doc)
    pages = [p for p in _pages(pdf) if p.strip()]
    assert len(pages) >= 3
    text = "\n".join(pages)
    flat = text.replace("\u00a0", "").replace(" ", "")
    for i in range(120):
        assert str(1000 + i) in flat, i
    # the table's pages after the first start with its heading again
    table_pages = [p for p in pages if "Услуга 1" in p or "Услуга 10" in p or "Итого" in p]
    assert len(table_pages) >= 2
    for page in table_pages:
        assert "Посетителей" in page and "Ожидание, мин" in page and "нормативе" in page, page[:400]
    assert "Итого" in pages[-1] or any("Итого" in p for p in pages)


def test_long_names_wrap_at_spaces_never_inside_a_word():
    pdf = export_pdf.render(_doc(30))
    words = set()
    for page in _pages(pdf):
        words.update(re.findall(r"[А-Яа-яё]+", page))
    for word in ("Услуга", "номер", "очень", "длинным", "названием", "переноса", "словам", "Посетителей",
                 "нормативе", "Ожидание"):
        assert word in words, word
    # the long name took several lines: its words are on lines of their own
    lines = [ln for page in _pages(pdf) for ln in page.splitlines() if "номер 0" in ln or "переноса" in ln]
    assert len(lines) >= 2
    # no piece of a cut word appears on its own
    assert not ({"нормати", "ве", "назва", "нием", "Посети", "телей"} & words)


def test_numbers_are_right_aligned_in_their_column():
    pdf = export_pdf.render(_doc(12))
    reader = PdfReader(io.BytesIO(pdf))
    ends = {}

    def visit(text, cm, tm, font, size):
        t = text.strip()
        if re.fullmatch(r"1\s?0\d\d", t.replace("\u00a0", " ")):
            ends[t] = tm[4]  # x of the text's start
    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert len(ends) >= 10
    # right alignment: numbers of equal length start at the same x
    xs = sorted(set(round(x, 1) for x in ends.values()))
    assert len(xs) == 1, xs


def test_the_quick_width_equals_fpdf2s_own():
    pdf = export_pdf._Pdf(_doc(1))
    pdf.add_page()
    grid = export_pdf._GridTable(pdf, [50.0], 8, [[("x", 1, 1, "text")]])
    for stretch in (100, 88):
        for style in ("", "B"):
            pdf.set_font("DejaVu", style, 6.4)
            pdf.set_stretching(stretch)
            for text in ("Ожидание, мин", "1\u00a0234", "72,4 %", "Итого за день — всё"):
                assert abs(grid._width(text) - pdf.get_string_width(text)) < 1e-6, (text, stretch, style)
