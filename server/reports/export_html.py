"""The HTML report: one self-contained document (styles inline, charts as inline SVG), rendered
with the autoescaping Jinja template ``reports/document.html`` — outside a request too (CLI)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import charts
from .tables import Document, display

WEB = Path(__file__).resolve().parent.parent / "web"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(WEB / "templates")),
                      autoescape=select_autoescape(["html"]), trim_blocks=False)
    env.filters["show"] = display
    return env


def css() -> str:
    return (WEB / "static" / "reports" / "report.css").read_text(encoding="utf-8")


def render(doc: Document, office_name: str = "", inline_css: bool = True) -> bytes:
    page = environment().get_template("reports/document.html").render(
        doc=doc, css=css() if inline_css else None, office_name=office_name,
        charts=[{"id": c.id, "svg": charts.svg(c)} for c in doc.charts])
    return page.encode("utf-8")
