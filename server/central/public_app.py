"""The centre's PUBLIC listener: a second Flask app that serves only the pages a visitor's phone
on mobile data may open (the visitor's page ``/t/{token}``, and what other blueprints add to
:data:`PUBLIC_BLUEPRINTS`: bookings, the survey).

``talon central serve --public-port N`` (or ``--public-listen HOST:PORT``) runs it on its own
port beside the staff app; the reverse proxy exposes only that port to the internet
(docs/central.md, «Публичные страницы / public listener»). Nothing of the staff app is
registered here: every staff and API route answers 404 on this listener (tests sweep them).

Every public route is rate-limited per client address (flask-limiter, in memory): a phone on
mobile data is behind the carrier's NAT with many others, so the limit is wide; a 429 answer is
``{"error": "too_many_requests", "message": Russian text}`` with ``Retry-After``.
"""
from __future__ import annotations

import logging

import psycopg
from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from ..settings import current as current_settings
from . import public_answers, public_routes
from .store import CentralStore, Refused

log = logging.getLogger(__name__)

#: The blueprints of the public listener (each a module's ``bp``). Add a public blueprint here
#: with a one-line edit; nothing else is served on the public port.
PUBLIC_BLUEPRINTS = [
    public_routes.bp,  # the visitor's page /t/<token> (issue 18)
    public_answers.bp,  # the rating and the survey after the visit, held for the office's hub (issue 18)
]



def _error(status: int, code: str, message: str, **extra):
    resp = jsonify({"error": code, "message": message, **extra})
    resp.status_code = status
    return resp


def create_public_app(url: str | None = None, *, store: CentralStore | None = None, pool_size: int = 10,
                      limit: str | None = None) -> Flask:
    """The public app. ``store``: the staff app's :class:`CentralStore` to share its pool (in
    ``talon central serve``); else a pool of its own on ``url``. ``limit``: per address, on every
    public route (flask-limiter's notation; default ``$TALON_PUBLIC_LIMIT``, 600 a minute: wide, as a
    mobile carrier's NAT puts many phones behind one address and a page polls every 1.5 s)."""
    app = Flask(__name__, static_folder=None)
    if store is None:
        if url is None:
            raise ValueError("create_public_app needs a database url or a store")
        store = CentralStore(url, min_size=1, max_size=pool_size)
    settings = current_settings()
    app.config.update(CENTRAL_STORE=store, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=64 * 1024,
                      PUBLIC_LIMIT=limit or settings.public_limit, PUBLIC_STALE_AFTER=settings.public_stale_after)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # one budget per address across every public route (application limits; a blueprint's own
    # stricter limits may be added with limiter.limit)
    limiter = Limiter(get_remote_address, app=app, application_limits=[app.config["PUBLIC_LIMIT"]],
                      storage_uri="memory://", headers_enabled=True, strategy="moving-window")
    app.extensions["talon_limiter"] = limiter
    for blueprint in PUBLIC_BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        return resp

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded):
        resp = _error(429, "too_many_requests",
                      "Слишком много запросов с Вашего адреса. Пожалуйста, подождите минуту и обновите страницу.")
        retry = getattr(exc, "retry_after", None)
        resp.headers["Retry-After"] = str(int(retry) if retry else 60)
        return resp

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return _error(exc.status, exc.code, exc.message, **exc.details)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        words = {404: "Страница не найдена", 405: "Метод не поддерживается", 413: "Слишком большой запрос"}
        return _error(exc.code or 500, exc.name.lower().replace(" ", "_"),
                      words.get(exc.code, exc.description or exc.name))

    @app.errorhandler(PoolTimeout)
    @app.errorhandler(psycopg.OperationalError)
    def database_down(exc: Exception):
        log.warning("database unavailable on public %s %s: %s", request.method, request.path, exc)
        resp = _error(503, "database_unavailable", "Сведения временно недоступны. Пожалуйста, обновите страницу позже.")
        resp.headers["Retry-After"] = "5"
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on public %s %s", request.method, request.path)
        return _error(500, "internal", "Внутренняя ошибка. Пожалуйста, обновите страницу позже.")

    return app


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[v6]:PORT``) → (host, port); raises ``ValueError`` with a Russian message."""
    host, sep, port = listen.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"Адрес публичных страниц должен быть в виде ХОСТ:ПОРТ, а не «{listen}»")
    return host, int(port)


def serve_public_in_background(staff_app: Flask, listen: str, *, threads: int = 16, limit: str | None = None,
                               trusted_proxy: str | None = None):
    """Start the public listener on ``listen`` (its own waitress server and socket map, in a
    daemon thread), sharing the staff app's PostgreSQL pool. Answers the waitress server."""
    import threading

    from limits import parse
    from waitress import create_server

    host, port = parse_listen(listen)
    if limit:
        parse(limit)  # a malformed limit stops the start, not the first request
    app = create_public_app(store=staff_app.config["CENTRAL_STORE"], limit=limit)
    proxy = ({"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
              "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}} if trusted_proxy else {})
    server = create_server(app, host=host, port=port, threads=threads, connection_limit=1000, backlog=2048,
                           channel_timeout=120, ident="talon-public", clear_untrusted_proxy_headers=True,
                           map={}, **proxy)
    threading.Thread(target=server.run, name="central-public", daemon=True).start()
    log.info("Talon central public pages on http://%s:%d (%d threads)", host, port, threads)
    return server
