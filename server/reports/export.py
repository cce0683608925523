"""Every format of a report: ``render(report, fmt)`` → (bytes, MIME type, file name)."""
from __future__ import annotations

from . import export_csv, export_html, export_pdf, export_xlsx
from .tables import document

FORMATS = ("json", "html", "csv", "xlsx", "pdf")
MIME = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}


def render(report: dict, fmt: str, embed: bool = False) -> tuple[bytes, str, str]:
    """``embed``: the HTML without its inline styles (for a page that has the stylesheet)."""
    if fmt == "json":
        import json

        return (json.dumps(report, ensure_ascii=False).encode("utf-8"), MIME["json"],
                document(report).filename + ".json")
    doc = document(report)
    if fmt == "html":
        data = export_html.render(doc, report["office"]["name"], inline_css=not embed)
    elif fmt == "csv":
        data = export_csv.render(doc)
    elif fmt == "xlsx":
        data = export_xlsx.render(doc)
    elif fmt == "pdf":
        data = export_pdf.render(doc)
    else:
        raise ValueError(fmt)
    return data, MIME[fmt], f"{doc.filename}.{fmt}"
