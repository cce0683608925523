"""The centre's consolidated reports and the offices' configuration snapshots.

Hubs (their key, their own office only):

* ``PUT /api/v1/central/offices/{office}/config`` ``{valid_from, settings}`` → ``{stored, hash, valid_from}``

Staff (server/central/access.py; ``format=json|html|csv|xlsx|pdf``, the hub's formats):

* ``GET /api/v1/central/reports/offices/{office}/daily?date=YYYY-MM-DD`` (a day is the office's own local day)
* ``GET /api/v1/central/reports/offices/{office}/monthly?month=YYYY-MM``, ``…/yearly?year=YYYY``
* ``GET /api/v1/central/reports/regions/{region}/monthly|yearly`` - the region's offices pooled
  (a regional head of that region, or the company administrator)
* ``GET /api/v1/central/reports/company/monthly|yearly`` - every office pooled (company administrator)
* ``GET /api/v1/central/reports/disclosure?year=YYYY&format=xlsx|pdf|json`` - the 004:203–209 yearly
  disclosure of every office in one file (company administrator)

The reports are made by server/reports/build.py over :class:`.report_source.CentralSource`.
"""
from __future__ import annotations

import logging
import re
import time
from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request

from ..reports import build, export
from ..reports.source import UnknownOffice
from . import config_store
from .access import current_staff, require_office, staff_required
from .report_source import CentralSource
from .store import Refused

log = logging.getLogger(__name__)

bp = Blueprint("central_reports", __name__, url_prefix="/api/v1/central")

COMPANY = {"id": "company", "name": "Компания: все офисы"}


def _source() -> CentralSource:
    return CentralSource(current_app.config["CENTRAL_STORE"])


# ---------------------------------------------------------------------- the office's configuration

@bp.put("/offices/<office>/config")
def put_config(office: str):
    from .app import _hub_office

    _hub_office(office)
    body = request.get_json(silent=True)
    valid_from, settings = config_store.check_body(office, body)
    answer = config_store.put_config(current_app.config["CENTRAL_STORE"], office, valid_from, settings)
    projector = current_app.config.get("CENTRAL_PROJECTOR")
    if projector is not None and answer["stored"]:
        projector.poke()
    return jsonify(answer)


# ---------------------------------------------------------------------- query checks

def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in export.FORMATS:
        raise Refused(400, "invalid", "Неверный формат: укажите json, html, csv, xlsx или pdf")
    return fmt


def _day() -> date | None:
    text = request.args.get("date")
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Refused(400, "invalid", "Неверная дата: укажите её как ГГГГ-ММ-ДД, например 2026-11-23")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(400, "invalid", "Неверная дата: укажите её как ГГГГ-ММ-ДД, например 2026-11-23") from None


def _month() -> tuple[int, int] | None:
    text = request.args.get("month")
    if text is None:
        return None
    try:
        return build.parse_month(text)
    except ValueError:
        raise Refused(400, "invalid", "Неверный месяц: укажите его как ГГГГ-ММ, например 2026-11") from None


def _year() -> int | None:
    text = request.args.get("year")
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2100:
        raise Refused(400, "invalid", "Неверный год: укажите его четырьмя цифрами, например 2026")
    return int(text)


def _answer(report: dict, fmt: str):
    if fmt == "json":
        return jsonify(report)
    data, mime, filename = export.render(report, fmt)
    return _file(data, mime, filename, fmt)


def _file(data: bytes, mime: str, filename: str, fmt: str):
    resp = Response(data, mimetype=mime.split(";")[0])
    if mime.startswith("text/"):
        resp.charset = "utf-8"
    resp.headers["Content-Disposition"] = f'{"inline" if fmt == "html" else "attachment"}; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _made(what: str, started: float) -> None:
    log.info("centre report %s in %.0f ms", what, (time.perf_counter() - started) * 1000)


def _no_config(office: str):
    return Refused(404, "no_configuration",
                   f"Настройки офиса {office} ещё не поступили в центр: отчёт появится, когда офис выйдет на связь")


# ---------------------------------------------------------------------- one office

@bp.get("/reports/offices/<office>/<kind>")
@staff_required()
def office_report(office: str, kind: str):
    require_office(office)
    if kind not in ("daily", "monthly", "yearly"):
        raise Refused(404, "not_found", "Такого отчёта нет: есть daily, monthly и yearly")
    fmt = _format()
    src = _source()
    started = time.perf_counter()
    try:
        now = src.now(office)
        today = src.today(office)
        if kind == "daily":
            report = build.daily(src, office, _day() or today, now)
        elif kind == "monthly":
            year, month = _month() or (today.year, today.month)
            report = build.monthly(src, office, year, month, now)
        else:
            report = build.yearly(src, office, _year() or today.year, now)
    except UnknownOffice:
        raise _no_config(office) from None
    _made(f"{kind} of office {office}", started)
    return _answer(report, fmt)


# ---------------------------------------------------------------------- a region, the company

def _scope_offices(region: str | None) -> list[str]:
    ids = [r["id"] for r in _source().offices_in(region)]
    if not ids:
        raise Refused(404, "no_offices", "В этом регионе нет офисов, чьи настройки поступили в центр"
                      if region else "Ни один офис ещё не передал свои настройки в центр")
    return ids


def _pooled(kind: str, offices: list[str], scope: dict):
    fmt = _format()
    src = _source()
    now = max(src.now(o) for o in offices)
    today = src.today(offices[0])
    started = time.perf_counter()
    if kind == "monthly":
        year, month = _month() or (today.year, today.month)
        report = build.monthly_pooled(src, offices, scope, year, month, now)
    elif kind == "yearly":
        report = build.yearly_pooled(src, offices, scope, _year() or today.year, now)
    else:
        raise Refused(404, "not_found", "Такого отчёта нет: есть monthly и yearly")
    _made(f"{kind} of {scope['id']} ({len(offices)} offices)", started)
    return _pooled_answer(report, fmt)


def _pooled_answer(report: dict, fmt: str):
    """A consolidated report in its format: the office's document with a table «По офисам» first
    (each office's own total; the consolidated total under it)."""
    if fmt == "json":
        return jsonify(report)
    from ..reports import export_csv, export_html, export_pdf, export_xlsx
    from ..reports.tables import document, group_table

    doc = document(report)
    offices = group_table("offices", "По офисам", report["by_office"], "Офис", detailed=False, total=report["total"])
    offices.sheet = "По офисам"
    doc.tables.insert(0, offices)
    if fmt == "html":
        data = export_html.render(doc, report["office"]["name"])
    elif fmt == "csv":
        data = export_csv.render(doc)
    elif fmt == "xlsx":
        data = export_xlsx.render(doc)
    else:
        data = export_pdf.render(doc)
    return _file(data, export.MIME[fmt], f"{doc.filename}.{fmt}", fmt)


@bp.get("/reports/regions/<region>/<kind>")
@staff_required("company_admin", "regional_head")
def region_report(region: str, kind: str):
    staff = current_staff()
    if staff.role != "company_admin" and region not in staff.regions:
        raise Refused(403, "forbidden", "Нет доступа к отчёту этого региона: он не входит в ваши регионы")
    return _pooled(kind, _scope_offices(region), {"id": f"region-{region}", "name": f"Регион {region}",
                                                  "region": region})


@bp.get("/reports/company/<kind>")
@staff_required("company_admin")
def company_report(kind: str):
    return _pooled(kind, _scope_offices(None), dict(COMPANY))


@bp.get("/reports/disclosure")
@staff_required("company_admin")
def disclosure():
    """Every office's yearly disclosure (004:203–209) and the company's totals in one file."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "pdf", "json"):
        raise Refused(400, "invalid", "Неверный формат: раскрытие информации выдаётся в xlsx, pdf или json")
    offices = _scope_offices(None)
    src = _source()
    now = max(src.now(o) for o in offices)
    year = _year() or src.today(offices[0]).year
    started = time.perf_counter()
    pooled, own = build.yearly_reports(src, offices, dict(COMPANY), year, now)
    if fmt == "json":
        _made(f"disclosure {year} (json, {len(offices)} offices)", started)
        return jsonify({"company": pooled, "offices": own})
    doc = build.disclosure_document(pooled, own)
    from ..reports import export_pdf, export_xlsx

    data = export_xlsx.render(doc) if fmt == "xlsx" else export_pdf.render(doc)
    _made(f"disclosure {year} ({fmt}, {len(offices)} offices)", started)
    return _file(data, export.MIME[fmt], f"{doc.filename}.{fmt}", fmt)
