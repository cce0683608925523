"""The office hub pulls the company catalogue from the centre and applies it (issue 11, point 5).

``talon hub --central URL --central-key KEY`` starts, next to the shipper, a background thread
that asks ``GET /api/v1/central/offices/{office}/catalogue?since=N`` (N: the version this office
applied last) every ``TALON_CATALOGUE_EVERY`` seconds (60 by default). A new version is checked
with the hub's own rules (server/central/catalogue.py) and applied in ONE transaction together
with its ``config.changed`` event ``{"what": "catalogue", "version": N}``
(server/store/catalogue.py does the merge). A version that fails the checks is refused whole: it
is logged, remembered with its reason, shown on the stand, and the office keeps its last good
version. When the centre can not be reached the office keeps working on what it has and asks
again with backoff.

``GET /api/v1/offices/{office}/catalogue`` answers the version applied, the link's state and,
per service, text and the norms, where the setting comes from - the stand's provenance labels.
"""
from __future__ import annotations

import logging
import random
import threading
import time

import requests
from flask import Blueprint, current_app, jsonify

from .api.framework import api, check_office, current_principal
from .central.catalogue import CatalogueError, check_office_view
from .store import catalogue as store_catalogue

log = logging.getLogger(__name__)

READERS = ("admin", "administrator", "head", "operator")


def apply_view(hub, office: str, view: dict) -> dict | None:
    """Check and apply one office view of the catalogue (idempotent: a version not newer than the
    one applied changes nothing and answers None). Raises :class:`CatalogueError` when refused."""
    check_office_view(view, office)
    store = hub.store
    with hub.lock(office):
        before = store_catalogue.state(store, office)
        if before and before["version"] is not None and view["version"] <= before["version"]:
            return None
        previous = before["content"] if before and before["content"] else None
        # a catalogue that does not fit the office's own settings is refused before anything is written
        store_catalogue.plan(store.conn, office, view, previous)
        done: dict = {}

        def write(conn):
            done.update(store_catalogue.apply(conn, office, view, previous, hub.clock.now()))
            store_catalogue.clear_refusal(conn, office)

        hub.record(office, "config.changed", {"what": "catalogue", "version": view["version"]}, write=write)
        hub.reload_config(office)
    log.info("office %s: company catalogue version %d applied (%d services written, %d kept as the office "
             "changed them, norms %s, %d texts, %d heads)", office, view["version"], len(done["services"]),
             len(done["kept"]), "set" if done["norms"] else "unchanged", len(done["texts"]), len(done["heads"]))
    return done


class CataloguePuller:
    """Pulls one office's catalogue. ``state``: ``starting``, ``ok`` (the centre answered; the
    latest version is applied), ``offline`` (the centre or the link down), ``refused`` (the centre
    refuses this hub's key), ``invalid`` (the latest version failed the hub's checks)."""

    def __init__(self, app, office: str, central: str, key: str, *, ca: str | None = None,
                 every: float = 60.0, retry_max: float = 30.0, timeout: float = 30.0):
        self.app, self.office = app, office
        self.hub = app.config["TALON_HUB"]
        self.central = central.rstrip("/")
        self.every, self.retry_max, self.timeout = every, retry_max, timeout
        self.session = requests.Session()
        self.session.verify = ca or True  # the centre's certificate is always checked
        self.session.headers["Authorization"] = f"Bearer {key}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.state = "starting"
        self.last_error: str | None = None
        self.last_ok: float | None = None
        self.down_since: float | None = None
        self.failures = 0
        self.thread = threading.Thread(target=self._run, name=f"catalogue-{office}", daemon=True)

    def start(self) -> CataloguePuller:
        self.thread.start()
        log.info("pulling the company catalogue of office %s from %s every %.0f s", self.office, self.central,
                 self.every)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ok = self.pull_once()
            except Exception:  # never let the thread die: the office keeps its version
                log.exception("pulling the catalogue of office %s failed", self.office)
                ok = False
            if ok:
                self.failures = 0
                wait = self.every
            else:
                self.failures += 1
                wait = min(self.retry_max, 0.5 * 2 ** min(self.failures, 10)) * (0.5 + random.random() / 2)
            self._wake.wait(wait)
            self._wake.clear()

    def _down(self, state: str, error: str) -> bool:
        self.state, self.last_error = state, error
        if self.down_since is None:
            self.down_since = time.time()
        return False

    def pull_once(self) -> bool:
        """One question to the centre; True when it answered (whatever the version's fate)."""
        row = store_catalogue.state(self.hub.store, self.office)
        since = row["version"] if row and row["version"] is not None else 0
        try:
            resp = self.session.get(f"{self.central}/api/v1/central/offices/{self.office}/catalogue",
                                    params={"since": since}, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            log.warning("the centre's certificate is not trusted: %s", exc)
            return self._down("refused", "Сертификат центра не прошёл проверку")
        except requests.RequestException as exc:
            log.info("the centre is unreachable for the catalogue: %s", exc)
            return self._down("offline", "Центр недоступен")
        if resp.status_code == 304:
            return self._answered()
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code != 200:
            message = data.get("message") if isinstance(data, dict) else None
            if resp.status_code in (401, 403):
                log.error("the centre refuses office %s's catalogue requests: %s", self.office, message)
                return self._down("refused", message or f"Центр отказал ({resp.status_code})")
            return self._down("offline", message or f"Центр временно не отвечает ({resp.status_code})")
        version = data.get("version") if isinstance(data, dict) else None
        digest = data.get("hash") if isinstance(data, dict) else None
        try:
            apply_view(self.hub, self.office, data)
        except CatalogueError as exc:
            self.state, self.last_error, self.down_since = "invalid", exc.message, None
            if row and row["refused_version"] == version and row["refused_error"] == exc.message:
                return True  # the same version refused for the same reason: already logged and shown
            log.error("office %s refused company catalogue version %s: %s (%s)", self.office, version,
                      exc.message, exc.field)
            store_catalogue.record_refusal(self.hub.store, self.office, version if isinstance(version, int) else None,
                                           digest if isinstance(digest, str) else None, exc.message,
                                           self.hub.clock.now())
            self.state, self.last_error = "invalid", exc.message
            self.down_since = None
            return True
        return self._answered()

    def _answered(self) -> bool:
        self.state, self.last_error, self.down_since, self.last_ok = "ok", None, None, time.time()
        return True

    def status(self) -> dict:
        return {"state": self.state, "last_error": self.last_error, "down_since": self.down_since,
                "last_ok": self.last_ok}


def start_from_options(app, central_url: str, central_key=None, central_ca: str | None = None,
                       central_office: str | None = None, central_keys: str | None = None,
                       central_retry_max: float = 30.0, **_others) -> list[CataloguePuller]:
    """Next to the shipper (``talon hub --central …``): the same centre, keys, CA and offices - one
    puller per office (``--central-key OFFICE=KEY`` / ``--central-keys FILE``: each its own key).
    The shipper has checked the options already (and stopped the hub on bad ones)."""
    from .shipping import read_keys

    plain = [central_key] if isinstance(central_key, str) else list(central_key or ())
    paired = [k for k in plain if "=" in k]
    store = app.config["TALON_STORE"]
    if central_keys or paired:
        keys = read_keys(paired, central_keys)
    elif plain and plain[-1]:
        office = central_office
        if office is None:
            offices = [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]
            if len(offices) != 1:
                return []
            office = offices[0]
        keys = {office: plain[-1]}
    else:
        return []
    from .settings import current

    every = current().catalogue_every
    pullers = app.config.setdefault("TALON_CATALOGUE_PULLERS", {})
    for office, key in keys.items():
        pullers[office] = CataloguePuller(app, office, central_url, key, ca=central_ca, every=every,
                                          retry_max=central_retry_max or 30.0).start()
    return list(pullers.values())


# ---------------------------------------------------------------------- the stand's view of it

bp = Blueprint("catalogue", __name__, url_prefix="/api/v1")

STATE_WORDS = {"off": "Каталог компании не подключён", "starting": "Подключение к центру…",
               "offline": "Нет связи с центром: офис работает по своей версии каталога",
               "refused": "Центр не выдаёт каталог этому офису",
               "invalid": "Новая версия каталога компании не принята"}


@api(bp, "/offices/<office>/catalogue", summary="The company catalogue applied here, and where each setting comes from",
     tag="setup", roles=READERS)
def catalogue_status(office):
    check_office(current_principal(), office)
    hub = current_app.config["TALON_HUB"]
    hub.office(office)
    row = store_catalogue.state(hub.store, office) or {}
    puller = (current_app.config.get("TALON_CATALOGUE_PULLERS") or {}).get(office)
    link = puller.status() if puller is not None else {"state": "off"}
    version = row.get("version")
    line = (f"Каталог компании: версия {version}" if version else "Каталог компании ещё не получен")
    if link["state"] != "ok" and link["state"] in STATE_WORDS:
        line += ". " + STATE_WORDS[link["state"]]
    refused = None
    if row.get("refused_error"):
        refused = {"version": row.get("refused_version"), "error": row["refused_error"], "at": row.get("refused_at")}
        line += f". Версия {row.get('refused_version')} не принята: {row['refused_error']}"
    return jsonify({"version": version, "hash": row.get("hash"), "applied_at": row.get("applied_at"),
                    "link": link, "refused": refused, "line": line,
                    "provenance": store_catalogue.provenance(hub.store, office)})
