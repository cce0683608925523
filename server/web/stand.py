"""The administrator stand: web pages served by the hub under ``/stand``.

The pages are plain Jinja templates with plain JavaScript (no build step). Everything they show
and do goes through the hub's API with a bearer token kept in ``sessionStorage``; the live view
follows the office's Server-Sent Events (``EventSource``). The server side here only serves the
pages, their static files and the norm presets the setup page shows.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, render_template, url_for

from ..domain.model import CLIENT_TYPES, LEVELS, PAUSE_REASONS
from ..domain.norms import PRESETS, SERVICE_KINDS
from .headers import csp, protect_page

HERE = Path(__file__).resolve().parent

bp = Blueprint("stand", __name__, url_prefix="/stand", template_folder="templates",
               static_folder=str(HERE / "static" / "stand"), static_url_path="/static")

KIND_WORDS = {
    "consultation": "Консультация",
    "cash": "Кассовая операция",
    "consultation_cash": "Консультация и кассовая операция",
    "reregistration": "Переоформление договора (смена владельца)",
    "instalment": "Рассрочка платежа",
    "certificate": "Справка об отсутствии долга",
    "contract": "Документы по договору",
    "documents": "Перечень документов и бланк заявления",
    "meter_readings": "Приём показаний счётчика",
}
CLIENT_WORDS = {"individual": "Физическое лицо", "business": "Юридическое лицо, ИП", "any": "Все клиенты"}
LEVEL_WORDS = {"specialist": "Специалист", "senior": "Ведущий специалист", "head": "Руководитель"}
PAUSE_WORDS = {"lunch": "обед", "technical": "технический перерыв", "other": "перерыв"}
ROLE_WORDS = {"operator": "Оператор", "administrator": "Администратор зала", "head": "Руководитель офиса",
              "admin": "Администратор системы"}

#: Content Security Policy of the stand's pages: only the hub's own scripts, styles and API.
CSP = csp()


def words() -> dict:
    """Russian words for codes, given to the pages as data (one place for the stand's vocabulary)."""
    assert set(KIND_WORDS) == set(SERVICE_KINDS) and set(CLIENT_WORDS) == set(CLIENT_TYPES)
    assert set(LEVEL_WORDS) == set(LEVELS) and set(PAUSE_WORDS) == set(PAUSE_REASONS)
    return {"kinds": KIND_WORDS, "clients": CLIENT_WORDS, "levels": LEVEL_WORDS, "pauses": PAUSE_WORDS,
            "roles": ROLE_WORDS}


@bp.after_request
def security_headers(resp):
    return protect_page(resp, CSP)


@bp.get("")
def root():
    return redirect(url_for("stand.monitor"))


@bp.get("/")
def monitor():
    return render_template("stand/monitor.html", page="monitor", words=words())


@bp.get("/login")
def login():
    return render_template("stand/login.html", page="login", words=words())


@bp.get("/setup")
def setup():
    presets = {pid: p.to_json() for pid, p in PRESETS.items()}
    return render_template("stand/setup.html", page="setup", words=words(), presets=presets,
                           service_kinds=list(SERVICE_KINDS))


@bp.get("/devices")
def devices():
    """Kiosks and boards of the office: pairing with a one-time code, their state, withdrawing."""
    return render_template("stand/devices.html", page="devices", words=words())


@bp.get("/casework")
def casework():
    """«Обращения и выезды»: written requests with their deadlines, home visits (issue 16)."""
    return render_template("stand/casework.html", page="casework", words=words())


@bp.get("/bookings")
def bookings():
    """«Записи»: today's appointments, who has arrived, check-in by the code (issue 16)."""
    return render_template("stand/bookings.html", page="bookings", words=words())
