"""The hub's Flask application factory."""
from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import catalogue_pull, shipping
from .api import alerts, auth_routes, device_printer, devices, event_catalogue, health, live, operator_day, queue, setup
from .api import bookings as booking_routes
from .api import casework as casework_routes
from .api.framework import ApiError, error_response, queue_error_response
from .api.openapi import document
from .auth import Auth
from .domain.model import QueueError
from .hub import Clock, Hub
from .paths import default_db_path
from .planning import routes as planning_routes
from .reports import routes as report_routes
from .settings import current as current_settings
from .store import Store
from .web import booking as booking_page
from .web import landing, stand, visitor

log = logging.getLogger(__name__)

#: Every blueprint of the hub, imported explicitly: a module that fails to import stops the hub at
#: start (and tests/test_wiring.py) with its real error, instead of a part of the hub going missing.
BLUEPRINTS = (
    auth_routes.bp, queue.bp, live.bp, devices.bp, setup.bp,
    alerts.bp,
    report_routes.bp,
    stand.bp,
    visitor.bp,
    landing.bp,  # the front page at / (what this hub is, its pages, its health)
    operator_day.bp,
    device_printer.bp,
    shipping.bp,  # GET /api/v1/offices/{office}/central-link: the link to the company centre
    catalogue_pull.bp,  # GET /api/v1/offices/{office}/catalogue: the company catalogue applied here
    health.bp,
    planning_routes.bp,  # the day's staffing plan and the rota proposal (issue 13 point 5)
    event_catalogue.bp,  # GET /api/v1/events/catalogue(.js): the event types (issue 15 point 3)
    booking_routes.bp,  # appointments: slots, booking by code, check-in (issue 16)
    booking_page.bp,  # /book/{office}: the public booking page (issue 16)
    casework_routes.bp,  # home visits, written requests, personal data (issue 16 points 3, 4, 7)
)


def create_app(db_path: str | Path | None = None, *, testing_clock: bool = False,
               synchronous: str | None = None, busy_timeout: float = 30.0) -> Flask:
    app = Flask(__name__)
    # FULL: a ticket answered (and printed) survives a power cut; see docs/bench/durability.md
    store = Store(db_path or default_db_path(), synchronous=synchronous or current_settings().sync,
                  busy_timeout=busy_timeout)
    clock = Clock()
    app.config.update(TALON_STORE=store, TALON_HUB=Hub(store, clock), TALON_AUTH=Auth(store),
                      TALON_TESTING_CLOCK=testing_clock, JSON_AS_ASCII=False,
                      SECRET_KEY=current_settings().secret or os.urandom(32))
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if testing_clock:
        from .api import testing
        app.register_blueprint(testing.bp)
        app.register_blueprint(health.testing_bp)

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(document(set(app.view_functions)))

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, **exc.details)

    @app.errorhandler(QueueError)
    def queue_error(exc: QueueError):
        return queue_error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            words = {404: "Не найдено", 405: "Метод не поддерживается", 413: "Слишком большой запрос"}
            return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"),
                                  words.get(exc.code, exc.description or exc.name))
        return exc

    @app.errorhandler(sqlite3.Error)
    def storage_error(exc: sqlite3.Error):
        return health.storage_response(exc) or unexpected(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Внутренняя ошибка: изменения не сохранены")

    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024
    return app
