"""The hub's Flask application factory."""
from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .api import auth_routes, devices, health, live, queue, setup
from .api.framework import ApiError, error_response, queue_error_response
from .api.openapi import document
from .auth import Auth
from .domain.model import QueueError
from .hub import Clock, Hub
from .paths import default_db_path
from .store import Store

log = logging.getLogger(__name__)

#: Blueprints added by other parts of the hub (reports, stand pages, the visitor page) register here.
EXTRA_BLUEPRINTS: list[str] = [
    "server.api.alerts",
    "server.reports.routes",
    "server.web.stand",
    "server.web.visitor",
    "server.web.landing",  # the front page at / (what this hub is, its pages, its health)
    "server.api.operator_day",
    "server.api.device_printer",
    "server.shipping",  # GET /api/v1/offices/{office}/central-link: the link to the company centre
]


def create_app(db_path: str | Path | None = None, *, testing_clock: bool = False,
               synchronous: str | None = None, busy_timeout: float = 30.0) -> Flask:
    app = Flask(__name__)
    # FULL: a ticket answered (and printed) survives a power cut; see docs/bench/durability.md
    store = Store(db_path or default_db_path(), synchronous=synchronous or os.environ.get("TALON_SYNC", "FULL"),
                  busy_timeout=busy_timeout)
    clock = Clock()
    app.config.update(TALON_STORE=store, TALON_HUB=Hub(store, clock), TALON_AUTH=Auth(store),
                      TALON_TESTING_CLOCK=testing_clock, JSON_AS_ASCII=False,
                      SECRET_KEY=os.environ.get("TALON_SECRET") or os.urandom(32))
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    for bp in (auth_routes.bp, queue.bp, live.bp, devices.bp, setup.bp):
        app.register_blueprint(bp)
    for module in EXTRA_BLUEPRINTS:
        try:
            mod = __import__(module, fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(module.rsplit(".", 1)[0]):
                continue  # that part of the hub is not built (yet)
            raise
        app.register_blueprint(mod.bp)
    app.register_blueprint(health.bp)
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
