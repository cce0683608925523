"""The visitor's page at the centre (issue 18): ``/t/{token}`` from the events the office ships.

Served only by the public listener (server/central/public_app.py). The token never reaches the
centre: the hub ships its sha256 (server/central/protocol.py ``shipped_data``); the page hashes
the token of its address and looks the ticket up by that hash.
"""
from __future__ import annotations

import logging

from flask import Blueprint

from .store import Refused

log = logging.getLogger(__name__)

bp = Blueprint("central_public", __name__, template_folder="templates", static_folder="static/public",
               static_url_path="/t-static")


@bp.get("/t/<token>")
def ticket_page(token: str):
    raise Refused(404, "ticket_not_found", "Талон не найден. Проверьте ссылку или код на талоне.")
