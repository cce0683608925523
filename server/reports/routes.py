"""The reports over HTTP: the API routes (role head or admin) and the head's pages under ``/reports``.

API: ``GET /api/v1/offices/<office>/reports/daily?date=YYYY-MM-DD&format=json|html|csv|xlsx|pdf``,
``…/reports/monthly?month=YYYY-MM&format=…``, ``…/reports/yearly?year=YYYY&format=…``.
Files come with ``Content-Disposition: attachment`` and a file name; JSON and HTML are inline.

Pages: ``/reports/login``, ``/reports/daily``, ``/reports/monthly``, ``/reports/yearly``. As on the
stand, a page is plain HTML and JavaScript: it signs in through the API, keeps the bearer token
in ``sessionStorage`` and fetches the report (the HTML format, shown in place) and the downloads
(CSV, XLSX, PDF, HTML) with that token.
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime
from pathlib import Path

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from ..api.framework import ApiError, api, check_office, current_principal
from ..app_context import current_hub as _hub
from ..web.headers import csp, protect_page
from . import build, export, source

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
ROLES = ("head", "admin")

bp = Blueprint("reports", __name__, template_folder=str(WEB / "templates"),
               static_folder=str(WEB / "static" / "reports"), static_url_path="/reports/static")

CSP = csp("blob:")

FORMAT = {"enum": list(export.FORMATS)}
#: ``embed=1`` with ``format=html``: the page shows the report with its own stylesheet, so the
#: inline <style> (which its Content Security Policy would refuse) is left out
EMBED = {"type": "boolean"}
DAILY_QUERY = {"type": "object", "properties": {
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, "format": FORMAT, "embed": EMBED},
    "additionalProperties": False}
MONTHLY_QUERY = {"type": "object", "properties": {
    "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "format": FORMAT, "embed": EMBED},
    "additionalProperties": False}
YEARLY_QUERY = {"type": "object", "properties": {
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100}, "format": FORMAT, "embed": EMBED},
    "additionalProperties": False}
FILES = ("application/json", "text/html", "text/csv",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf")


def _office_today(office: str, now: float) -> date:
    ctx = source.context(_hub().store, office, date.today(), now)
    return datetime.fromtimestamp(now, ctx.zone).date()


def _answer(report: dict, query: dict):
    fmt = query.get("format", "json")
    if fmt == "json":
        return jsonify(report)
    data, mime, filename = export.render(report, fmt, embed=bool(query.get("embed")))
    resp = Response(data, mimetype=mime.split(";")[0])
    if mime.startswith("text/"):
        resp.charset = "utf-8"
    disposition = "inline" if fmt == "html" else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _run(office: str, make):
    check_office(current_principal(), office)
    store = _hub().store
    try:
        source.context(store, office, date.today(), 0)
    except source.UnknownOffice:
        raise ApiError(404, "office_not_found", "Офис не найден") from None
    started = time.perf_counter()
    report = make(store, _hub().clock.now())
    log.info("report %s for office %s in %.0f ms", report["kind"], office, (time.perf_counter() - started) * 1000)
    return report


@api(bp, "/api/v1/offices/<office>/reports/daily", summary="The daily wait-time report (json, html, csv, xlsx, pdf)",
     tag="reports", roles=ROLES, query=DAILY_QUERY, content_types=FILES)
def daily_report(office, query):
    if "date" in query:
        try:
            day = date.fromisoformat(query["date"])
        except ValueError:
            raise ApiError(400, "invalid", "Неверная дата: укажите её как ГГГГ-ММ-ДД, например 2026-11-23") from None
    else:
        day = None
    report = _run(office, lambda store, now: build.daily(store, office, day or _office_today(office, now), now))
    return _answer(report, query)


@api(bp, "/api/v1/offices/<office>/reports/monthly",
     summary="The month's indicators: averages of waiting and service, counts (004:203–209)",
     tag="reports", roles=ROLES, query=MONTHLY_QUERY, content_types=FILES)
def monthly_report(office, query):
    try:
        year, month = build.parse_month(query["month"]) if "month" in query else (None, None)
    except ValueError:
        raise ApiError(400, "invalid", "Неверный месяц: укажите его как ГГГГ-ММ, например 2026-11") from None

    def make(store, now):
        y, m = (year, month) if year else (lambda d: (d.year, d.month))(_office_today(office, now))
        return build.monthly(store, office, y, m, now)

    return _answer(_run(office, make), query)


@api(bp, "/api/v1/offices/<office>/reports/yearly",
     summary="The yearly disclosure pack: the 12 months' averages and counts (004:203–209)",
     tag="reports", roles=ROLES, query=YEARLY_QUERY, content_types=FILES)
def yearly_report(office, query):
    def make(store, now):
        return build.yearly(store, office, query.get("year") or _office_today(office, now).year, now)

    return _answer(_run(office, make), query)


# ---------------------------------------------------------------------- pages

PAGES = {"daily": "За день", "monthly": "За месяц", "yearly": "За год"}


@bp.after_request
def security_headers(resp):
    return protect_page(resp, CSP) if request.path.startswith("/reports") else resp


def _defaults() -> dict:
    """Today in the first office's time zone: what the pages show before anything is chosen."""
    hub = _hub()
    now = hub.clock.now()
    offices = source.offices(hub.store)
    today = _office_today(offices[0], now) if offices else date.today()
    return {"date": today.isoformat(), "month": today.strftime("%Y-%m"), "year": str(today.year)}


@bp.get("/reports")
@bp.get("/reports/")
def reports_root():
    return redirect(url_for("reports.page", kind="daily"))


@bp.get("/reports/login")
def login_page():
    return render_template("reports/login.html", page="login", pages=PAGES)


@bp.get("/reports/<kind>")
def page(kind):
    if kind not in PAGES:
        return render_template("reports/missing.html", page="missing", pages=PAGES), 404
    return render_template("reports/page.html", page=kind, pages=PAGES, defaults=_defaults())
