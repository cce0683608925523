"""The hub's front page at ``/``: what this hub is, where its pages are, and whether it is well.

Someone who types the hub's address (``http://hub:8470/``) lands here instead of a bare 404:
the offices it serves, links to the administrator's stand, the head's reports and the API
document, and the hub's health as ``/healthz`` reports it (when that part of the hub is there;
the page says so plainly when it is not). No sign-in: it shows nothing a visitor in the hall
could not see on the board (office names and addresses, how many people wait), no names.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template

from ..app_context import current_hub
from ..store import offices as office_store
from .headers import csp, protect_page

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

bp = Blueprint("landing", __name__, template_folder="templates",
               static_folder=str(HERE / "static" / "landing"), static_url_path="/static/landing")

CSP = csp()


@bp.after_request
def security_headers(resp):
    return protect_page(resp, CSP)


def _offices(store, hub) -> list[dict]:
    rows = office_store.office_names(store)
    offices = []
    for row in rows:
        office = {"id": row["id"], "name": row["name"], "address": "", "waiting": None, "open_windows": None}
        try:
            snap = hub.snapshot(row["id"])
            office["address"] = (snap.get("office") or {}).get("address") or ""
            office["waiting"] = len(snap.get("waiting") or [])
            office["open_windows"] = sum(1 for w in snap.get("windows") or [] if w.get("state") == "open")
            office["tz"] = (snap.get("schedule") or {}).get("tz")
        except Exception:  # the front page shows what it can
            log.warning("front page: no state for office %s", row["id"], exc_info=True)
        offices.append(office)
    return offices


def _health(store, now: float) -> dict | None:
    """What /healthz answers, or None when this hub has no health check (yet)."""
    try:
        from ..api.health import health
    except ImportError:
        return None
    try:
        ok, report = health(store, now)
    except Exception as exc:  # a broken check is itself news for the page
        log.warning("front page: the health check failed: %s", exc)
        return {"ok": False, "problems": ["Проверка состояния сервера не удалась"], "last_commit": {}}
    return report


def _wall(epoch: float | None, tz: str | None) -> str:
    if not epoch:
        return ""
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except Exception:
        zone = UTC
    return datetime.fromtimestamp(epoch, zone).strftime("%d.%m.%Y %H:%M")


@bp.get("/")
def front():
    store, hub = current_app.config["TALON_STORE"], current_hub()
    now = hub.clock.now()
    offices = _offices(store, hub)
    health = _health(store, now)
    tz = next((o.get("tz") for o in offices if o.get("tz")), None)
    has = set(current_app.view_functions)
    pages = {
        "stand": "stand.monitor" in has,
        "reports": any(name.startswith("reports.") for name in has),
        "healthz": "health.healthz" in has,
    }
    return render_template("landing/index.html", offices=offices, health=health, pages=pages,
                           last_commit=_wall(((health or {}).get("last_commit") or {}).get("at"), tz),
                           now=_wall(now, tz))
