"""The company dashboard over HTTP: its API, its SSE stream and its pages (``/company``).

API (every route needs a staff session, server/central/access.py; each staff member sees only
the offices they may see):

* ``GET /api/v1/central/company/offices`` - every visible office's row (server/central/dashboard.py)
  and the regions' subtotals;
* ``GET /api/v1/central/company/offices/<office>`` - one office's hall (windows, queues), read only;
  403 for an office of another region;
* ``GET /api/v1/central/company/stream[?office=ID]`` - Server-Sent Events: ``snapshot`` on connect
  (every visible row), then ``office`` for each changed row (``gone`` when an office leaves the
  staff member's sight), ``hall`` for the office named; ``id:`` is the dashboard's version, and
  ``Last-Event-ID`` on reconnect sends only what changed after it; a comment heartbeat every 15 s
  (``?heartbeat=`` 1-15 s for a shorter one).

Pages: ``/company`` (the table), ``/company/offices/<office>`` (the hall), ``/company/login``.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for

from .access import Staff, current_staff, request_token, require_office, signed_in, staff_required, staff_store
from .dashboard import Dashboard
from .store import Refused

log = logging.getLogger(__name__)

bp = Blueprint("central_dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/company/static")

API = "/api/v1/central/company"


@bp.record_once
def _start(state) -> None:
    app = state.app
    if "CENTRAL_DASHBOARD" not in app.config:
        app.config["CENTRAL_DASHBOARD"] = Dashboard(
            app.config["CENTRAL_STORE"], interval=float(app.config.get("DASHBOARD_INTERVAL", 0.5))).start()


@bp.after_app_request
def _poke_after_ingest(resp):
    """A batch was stored: the dashboard applies it now instead of at its next poll."""
    if request.endpoint == "central.ingest" and resp.status_code == 200:
        dash = current_app.config.get("CENTRAL_DASHBOARD")
        if dash is not None:
            dash.poke()
    return resp


@bp.after_app_request
def _page_headers(resp):
    """The company pages run only their own files (no inline script, no other site), are never
    framed, and are not kept in caches (they show the company's live state)."""
    if request.path.startswith("/company"):
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                "base-uri 'none'; form-action 'self'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/company/static/"):
            resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def _dashboard() -> Dashboard:
    dash: Dashboard = current_app.config["CENTRAL_DASHBOARD"]
    if not dash.ready.wait(15):
        raise Refused(503, "dashboard_loading", "Панель компании ещё загружается; повторите через несколько секунд")
    return dash


def regions(rows: list[dict]) -> list[dict]:
    """Subtotals per region (offices without one last, under «Регион не указан»)."""
    acc: dict[str | None, dict] = {}
    for r in rows:
        a = acc.setdefault(r["region"], {"region": r["region"], "offices": 0, "open": 0, "waiting": 0,
                                         "over_norm": 0, "windows_open": 0, "alerts": 0, "devices_down": 0})
        a["offices"] += 1
        for k in ("waiting", "over_norm", "windows_open", "alerts", "devices_down"):
            a[k] += r[k] or 0
        a["open"] += bool(r["open"])
    return sorted(acc.values(), key=lambda a: (a["region"] is None, a["region"] or ""))


def visible_rows(staff: Staff, rows: list[dict]) -> list[dict]:
    rows = [r for r in rows if staff.can_see(r["id"], r["region"])]
    return sorted(rows, key=lambda r: (r["region"] is None, r["region"] or "", r["name"], r["id"]))


# ---------------------------------------------------------------------- the API

@bp.get(API + "/offices")
@staff_required()
def offices_json():
    version, rows = _dashboard().snapshot()
    rows = visible_rows(current_staff(), rows)
    return jsonify({"version": version, "now": time.time(), "offices": rows, "regions": regions(rows)})


@bp.get(API + "/offices/<office>")
@staff_required()
def office_json(office: str):
    require_office(office)
    hall = _dashboard().hall(office)
    if hall is None:
        raise Refused(404, "unknown_office", "Офис ещё не передавал событий в центр")
    return jsonify(hall)


def _frame(kind: str, data: dict, ident: int | None = None) -> str:
    head = f"id: {ident}\n" if ident is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@bp.get(API + "/stream")
@staff_required()
def stream():
    staff = current_staff()
    office = request.args.get("office") or None
    if office is not None:
        require_office(office)
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    try:
        last = int(raw) if raw not in (None, "") else None
    except ValueError:
        raise Refused(400, "invalid", "Неверный Last-Event-ID: нужен номер версии из потока") from None
    dash = _dashboard()
    token = request_token()
    heartbeat = float(current_app.config.get("DASHBOARD_HEARTBEAT", 15.0))
    if request.args.get("heartbeat"):  # a shorter one for clients that must notice a lost link sooner
        try:
            asked = float(request.args["heartbeat"])
        except ValueError:
            asked = float("nan")
        if not 1.0 <= asked <= heartbeat:
            raise Refused(400, "invalid", f"Неверные данные: «heartbeat» - число секунд от 1 до {heartbeat:g}")
        heartbeat = asked
    disconnected = request.environ.get("waitress.client_disconnected")
    app = current_app._get_current_object()

    def generate():
        nonlocal staff
        sent: set[str] = set()
        yield b"retry: 2000\n\n"
        if last is None or last > dash.version:
            version, rows = dash.snapshot()
            rows = visible_rows(staff, rows)
            sent.update(r["id"] for r in rows)
            out = [_frame("snapshot", {"version": version, "offices": rows, "regions": regions(rows)}, version)]
            if office is not None and dash.hall(office) is not None:
                out.append(_frame("hall", dash.hall(office), version))
            yield "".join(out).encode()
            cursor = version
        else:
            cursor = last
            sent.update(r["id"] for r in visible_rows(staff, dash.snapshot()[1]))
        next_beat = time.monotonic() + heartbeat
        next_check = time.monotonic() + heartbeat
        while True:
            version, rows, halls = dash.since(cursor)
            out = []
            for v, r in rows:
                if staff.can_see(r["id"], r["region"]):
                    sent.add(r["id"])
                    out.append((v, _frame("office", r, v)))
                elif r["id"] in sent:
                    sent.discard(r["id"])
                    out.append((v, _frame("gone", {"id": r["id"]}, v)))
            if office is not None:
                out += [(v, _frame("hall", h, v)) for v, h in halls if h["office"]["id"] == office]
            cursor = version
            if out:
                out.sort(key=lambda x: x[0])
                yield "".join(f for _, f in out).encode()
                next_beat = time.monotonic() + heartbeat
            elif time.monotonic() >= next_beat:
                yield b": heartbeat\n\n"
                next_beat = time.monotonic() + heartbeat
            if disconnected is not None and disconnected():
                return
            if time.monotonic() >= next_check:  # a signed-out or changed account stops here
                next_check = time.monotonic() + heartbeat
                with app.app_context():
                    row = staff_store().session_staff(token) if token else None
                if row is None:
                    yield _frame("signed_out", {"message": "Сеанс завершён: войдите снова"}).encode()
                    return
                staff = Staff.from_row(row)
                if office is not None and not staff.can_see(office, (dash.meta.get(office) or {}).get("region")):
                    yield _frame("signed_out", {"message": "Нет доступа к этому офису"}).encode()
                    return
            dash.wait(cursor, min(1.0, heartbeat))

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---------------------------------------------------------------------- the pages

def _page_staff() -> Staff | None:
    try:
        return signed_in()
    except Refused:
        return None


def _forbidden_page(message: str, status: int = 403):
    return render_template("company_error.html", staff=_page_staff(), title="Нет доступа", message=message), status


@bp.get("/company/login")
def login_page():
    return render_template("company_login.html", staff=None, title="Вход для сотрудников компании",
                           next=_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no «//host», no scheme): no open redirect after sign-in."""
    if target and target.startswith("/company") and not target.startswith("//") and "\\" not in target:
        return target
    return "/company"


@bp.get("/company")
def company_page():
    staff = _page_staff()
    if staff is None:
        return redirect(url_for("central_dashboard.login_page", next="/company"))
    dash = _dashboard()
    version, rows = dash.snapshot()
    rows = visible_rows(staff, rows)
    return render_template("company.html", staff=staff, title="Офисы компании", rows=rows, regions=regions(rows),
                           version=version)


@bp.get("/company/offices/<office>")
def office_page(office: str):
    staff = _page_staff()
    if staff is None:
        return redirect(url_for("central_dashboard.login_page", next=f"/company/offices/{office}"))
    try:
        row = require_office(office)
    except Refused as exc:
        return _forbidden_page(exc.message, exc.status)
    hall = _dashboard().hall(office)
    return render_template("company_office.html", staff=staff, title=row["name"] or office, office=row, hall=hall)
