"""``talon report``: the head's reports on the command line, straight from the hub's database.

    talon report daily --date 2026-11-23 --format xlsx -o day.xlsx
    talon report month --month 2026-11 -o month.pdf
    talon report year --year 2026            # the 12 months as a table on the screen
    talon report year --year 2026 -o year.xlsx

The format follows ``--format``, else the file's extension; without ``-o`` the report is printed
(as a table, or as JSON with ``--format json``).
"""
from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import click

from ..paths import default_db_path
from ..settings import DB_HELP

# the report modules (pandas-free but heavy: fpdf2, XlsxWriter) are imported where
# used, so that every ``talon`` command starts quickly

FORMAT_CHOICE = click.Choice(["json", "html", "csv", "xlsx", "pdf", "text"])


#: where ``talon demo`` (and scripts/run-office.sh) keeps its hub's database
DEMO_DB = Path("var") / "demo.sqlite"


def _store(db: Path | None):
    import os

    from ..store import Store

    path = db or default_db_path()
    if db is None and not os.environ.get("TALON_DB") and not Path(path).exists() and DEMO_DB.exists():
        # only the demo has run here: its database is the one the head means
        click.echo(f"Отчёт по базе демонстрации: {DEMO_DB} (другую базу: --db ФАЙЛ)", err=True)
        path = DEMO_DB
    if not Path(path).exists():
        raise click.ClickException(
            f"Нет базы данных хаба: {path}. Укажите файл: --db ФАЙЛ (или переменная TALON_DB); "
            f"демонстрация (talon demo, scripts/run-office.sh) хранит базу в {DEMO_DB}")
    return Store(path)


def _office(store, office: str | None) -> str:
    from . import source
    known = source.offices(store)
    if office is None:
        if len(known) != 1:
            raise click.ClickException("Укажите офис: --office " + " | ".join(known) if known else "В базе нет офисов")
        return known[0]
    if office not in known:
        raise click.ClickException(f"Офис «{office}» не найден. Есть: {', '.join(known) or 'нет офисов'}")
    return office


def _format(fmt: str | None, output: Path | None) -> str:
    from . import export
    if fmt:
        if fmt == "text" and output is not None:
            raise click.ClickException("Формат text только для экрана: уберите -o или выберите другой формат")
        return fmt
    if output is None:
        return "text"
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in export.FORMATS:
        raise click.ClickException("Не понятно, в каком формате сохранить: укажите --format json|html|csv|xlsx|pdf")
    return suffix


def _emit(report: dict, fmt: str, output: Path | None) -> None:
    from . import export
    if fmt == "text":
        click.echo(as_text(report))
        return
    data, _, name = export.render(report, fmt)
    if output is None:
        if fmt != "json":
            raise click.ClickException(f"Файл {fmt.upper()} нужно сохранить: добавьте -o {name}")
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    click.echo(f"Отчёт сохранён: {output} ({len(data):,} байт)".replace(",", " "))


def as_text(report: dict) -> str:
    """The report's summary and first big table as plain text for the terminal."""
    from .tables import display, document
    doc = document(report)
    lines = [doc.title]
    lines += [f"{label}: {value}" for label, value in doc.lead if value]
    lines.append("")
    width = max(len(r[0]) for r in doc.summary.rows) if doc.summary.rows else 10
    for label, (value, kind) in doc.summary.rows:
        lines.append(f"  {label:<{width}}  {display(value, kind)}")
    main = next((t for t in doc.tables if t.id in ("months", "days", "services")), None)
    if main is not None:
        lines += ["", main.title]
        cols = main.columns[:1] + [c for c in main.columns[1:] if c.kind != "text"][:8]
        idx = [main.columns.index(c) for c in cols]
        rows = [[c.full_title for c in cols]]
        for r in main.rows + ([main.total] if main.total else []):
            rows.append([display(r[i], c.kind) if c.kind != "text" else str(r[i])
                         for i, c in zip(idx, cols, strict=True)])
        widths = [max(len(row[i]) for row in rows) for i in range(len(cols))]
        for row in rows:
            lines.append("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                          for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def register(main: click.Group) -> None:
    db_option = click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help=DB_HELP)
    office_option = click.option("--office", default=None, help="Office id (needed when the hub serves several).")
    format_option = click.option("--format", "fmt", type=FORMAT_CHOICE, default=None,
                                 help="json, html, csv, xlsx, pdf (default: from -o's extension; text on screen).")
    output_option = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                                 help="File to write.")

    @main.group()
    def report() -> None:
        """The head's reports: a day, a month, the yearly disclosure (004:203–209)."""

    @report.command("daily")
    @db_option
    @office_option
    @click.option("--date", "day", required=True, help="The day, YYYY-MM-DD.")
    @format_option
    @output_option
    def daily_cmd(db, office, day, fmt, output):
        """The daily wait-time report."""
        from . import build
        try:
            d = date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter("укажите дату как ГГГГ-ММ-ДД", param_hint="--date") from None
        store = _store(db)
        fmt = _format(fmt, output)
        _emit(build.daily(store, _office(store, office), d, time.time()), fmt, output)

    @report.command("month")
    @db_option
    @office_option
    @click.option("--month", required=True, help="The month, YYYY-MM.")
    @format_option
    @output_option
    def month_cmd(db, office, month, fmt, output):
        """The month's indicators (averages and counts), by day, service, window, operator."""
        from . import build
        try:
            y, m = build.parse_month(month)
        except ValueError:
            raise click.BadParameter("укажите месяц как ГГГГ-ММ", param_hint="--month") from None
        store = _store(db)
        fmt = _format(fmt, output)
        _emit(build.monthly(store, _office(store, office), y, m, time.time()), fmt, output)

    @report.command("year")
    @db_option
    @office_option
    @click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The year.")
    @format_option
    @output_option
    def year_cmd(db, office, year, fmt, output):
        """The yearly disclosure pack: the 12 months (004:203–209)."""
        from . import build
        store = _store(db)
        fmt = _format(fmt, output)
        _emit(build.yearly(store, _office(store, office), year, time.time()), fmt, output)
