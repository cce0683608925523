"""The centre's Flask application: the hubs' shipping routes under ``/api/v1/central``.

Every answer is JSON; errors are ``{"error": code, "message": Russian text}`` with the right
status (400 malformed, 401 no or withdrawn key, 403 another office's key, 409 a gap or another
log, 503 the database unreachable - the hub retries later). Nothing of a refused batch is stored.
"""
from __future__ import annotations

import logging
import os
import threading
import time

import psycopg
from flask import Blueprint, Flask, current_app, jsonify, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from . import access, catalogue_routes, dashboard_web, public_answers, public_routes, reports_routes
from .access import current_staff, staff_required
from .protocol import BadBatch, check_batch, loads
from .store import CentralStore, Refused

log = logging.getLogger(__name__)

bp = Blueprint("central", __name__, url_prefix="/api/v1/central")


def _error(status: int, code: str, message: str, **extra):
    resp = jsonify({"error": code, "message": message, **extra})
    resp.status_code = status
    return resp


def _store() -> CentralStore:
    return current_app.config["CENTRAL_STORE"]


def _hub_office(office: str, conn=None) -> None:
    """The hub's key (``Authorization: Bearer``) must be valid and of this very office."""
    auth = request.headers.get("Authorization", "")
    key = auth[7:].strip() if auth.startswith("Bearer ") else ""
    if not key:
        raise Refused(401, "unauthorized", "Нужен ключ офиса: выдайте его при подключении офиса к центру")
    owner = _store().office_of_key(key, conn)
    if owner is None:
        raise Refused(401, "unauthorized", "Ключ офиса не действует: он неверен или отозван")
    if owner != office:
        raise Refused(403, "forbidden", "Этим ключом можно отправлять события только своего офиса")


@bp.get("/health")
def health():
    return jsonify({"ok": True, "schema": _store().schema_version()})


@bp.post("/pair")
def pair():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"].strip():
        raise Refused(400, "invalid", "Неверные данные: укажите код подключения (code)")
    answer = _store().pair(body["code"].strip())
    if answer is None:
        raise Refused(403, "pairing_refused", "Код подключения неверен, уже использован или устарел")
    log.info("a hub of office %s paired", answer["office"])
    return jsonify(answer)


@bp.get("/offices/<office>/events/high-water-mark")
def high_water_mark(office: str):
    _hub_office(office)
    row = _store().office(office)
    return jsonify({"high_water_mark": row["high_water_mark"] if row else 0,
                    "log": row["log_identity"] if row else None})


@bp.post("/offices/<office>/events")
def ingest(office: str):
    # The body is parsed and checked before a pooled connection is taken (under CPU contention
    # that Python work is slow, and the pool's connections must not wait on it); its refusal is
    # answered after the key's, as before: the key is checked first for the client.
    bad = None
    try:
        identity, _after, events = check_batch(office, loads(request.get_data(cache=False)))
    except BadBatch as exc:
        bad = Refused(400, exc.code, exc.message, **exc.details)
    except ValueError:  # orjson's JSONDecodeError is a ValueError too
        bad = Refused(400, "invalid", "Тело запроса должно быть JSON")
    with _store().connection() as conn:  # one pooled connection for the key and the batch
        _hub_office(office, conn)
        if bad is not None:
            raise bad
        answer = _store().ingest(office, identity, events, conn)
    projector = current_app.config.get("CENTRAL_PROJECTOR")
    if projector is not None and answer["stored"]:
        projector.poke()
    return jsonify({"high_water_mark": answer["high_water_mark"], "stored": answer["stored"]})


@bp.post("/offices/<office>/accept-log")
@staff_required("company_admin")
def accept_log(office: str):
    """A company administrator accepts the office's log from another database (a hub restored
    from a backup, moved to a new machine): nothing stored is lost (docs/decisions.md)."""
    body = request.get_json(silent=True)
    ident = body.get("log") if isinstance(body, dict) else None
    if not isinstance(ident, str) or not ident.strip() or len(ident) > 200 or "\x00" in ident:
        raise Refused(400, "invalid", "Неверные данные: укажите идентификатор нового журнала офиса (log)")
    if len(office) > 200:
        raise Refused(404, "office_not_found", "Офис не зарегистрирован в центре")
    answer = _store().accept_log(office, ident.strip(), by=current_staff().login)
    projector = current_app.config.get("CENTRAL_PROJECTOR")
    if projector is not None:
        projector.poke()
    return jsonify(answer)


class Projector:
    """Keeps the projections up to date in the background (the ingest never waits for them):
    after new events, every office-day that got some is rebuilt, at most every ``interval`` s."""

    def __init__(self, store: CentralStore, interval: float = 2.0):
        self.store, self.interval = store, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="central-projector", daemon=True)

    def start(self) -> Projector:
        self.thread.start()
        return self

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(30)
            self._wake.clear()
            if self._stop.is_set():
                return
            began = time.monotonic()
            try:
                self.store.project_pending()
            except Exception:
                log.exception("projection failed; retried on the next batch")
            # yield to the ingest: a pass holds the GIL most of its time (replay in Python), so
            # the next one waits at least twice as long as this one took (docs/bench/central.md)
            self._stop.wait(max(self.interval, 2 * (time.monotonic() - began)))


class ProjectorProcess:
    """The projector in a process of its own (``talon central serve``): its replay in Python no
    longer holds the GIL the ingest's threads need, and it runs at a lower CPU priority (nice
    5), so on a busy machine the batches' acknowledgements go first (docs/bench/central.md).
    It looks for offices with events not yet projected every ``interval`` s (one cheap query);
    a pass that took d seconds is followed by at least 2d of rest. It ends with the centre."""

    def __init__(self, url: str, interval: float = 2.0):
        import multiprocessing

        self.proc = multiprocessing.get_context("spawn").Process(
            target=project_forever, args=(url, interval, os.getpid()), name="central-projector", daemon=True)

    def start(self) -> ProjectorProcess:
        self.proc.start()
        return self

    def poke(self) -> None:
        pass  # it polls

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(5)


def project_forever(url: str, interval: float, parent: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        os.nice(5)
    except (AttributeError, OSError):
        pass
    store = CentralStore(url, min_size=1, max_size=2)
    while os.getppid() == parent:  # the centre gone (even killed): this ends too
        began = time.monotonic()
        try:
            store.project_pending()
        except Exception:
            log.exception("projection failed; retried on the next pass")
        time.sleep(max(interval, 2 * (time.monotonic() - began)))


def create_app(url: str, *, pool_size: int = 20, project_interval: float | None = 2.0,
               project_process: bool = False) -> Flask:
    """The centre. ``project_interval`` None: no background projection (``rebuild_day`` on demand);
    ``project_process``: the projector in a process of its own (:class:`ProjectorProcess`)."""
    app = Flask(__name__)
    store = CentralStore(url, max_size=pool_size)
    app.config.update(CENTRAL_STORE=store, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if project_interval is not None:
        app.config["CENTRAL_PROJECTOR"] = (ProjectorProcess(url, project_interval) if project_process
                                           else Projector(store, project_interval)).start()
    for blueprint in (bp,
                      access.bp,  # staff sign-in
                      reports_routes.bp,  # consolidated reports, offices' settings
                      dashboard_web.bp,  # /company
                      public_routes.hub_bp,  # idle offices' heartbeat (the public page's freshness)
                      public_answers.hub_bp,  # the office's hub pulls the answers given at the public pages
                      catalogue_routes.bp):  # the company catalogue
        app.register_blueprint(blueprint)

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return _error(exc.status, exc.code, exc.message, **exc.details)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        words = {404: "Не найдено", 405: "Метод не поддерживается", 413: "Слишком большой запрос"}
        return _error(exc.code or 500, exc.name.lower().replace(" ", "_"),
                      words.get(exc.code, exc.description or exc.name))

    @app.errorhandler(PoolTimeout)
    @app.errorhandler(psycopg.OperationalError)
    def database_down(exc: Exception):
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        resp = _error(503, "database_unavailable", "База данных центра временно недоступна; повторите позже")
        resp.headers["Retry-After"] = "2"
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "internal", "Внутренняя ошибка центра: изменения не сохранены")

    return app
