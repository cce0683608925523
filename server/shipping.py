"""Shipping the office's event log to the company centre, offline-first.

A background thread of the hub process (``talon hub --central URL --central-key KEY``) reads the
office's log from its own SQLite file (its own connection: no lock shared with
:meth:`Hub.execute`, so issuing, calling and printing never wait for it) and posts batches of
consecutive events after the centre's high-water mark. The centre stores each (office, seq)
once, so a batch sent again after a lost answer stores nothing twice; a gap is refused with the
centre's mark and the shipper resumes from it. When the centre or the link is down it retries
with exponential backoff and jitter, and the backlog drains when the centre is back.

Its state (``GET /api/v1/offices/{office}/central-link``) is shown on the stand as one line.
The centre's certificate is verified (``requests`` does by default); ``--central-ca`` names a
company CA bundle.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from flask import Blueprint, current_app, jsonify

from . import central_pull
from .api import schemas as S
from .api.framework import api, check_office, current_principal
from .central.protocol import shipped_data, shipped_view

log = logging.getLogger(__name__)

FALLBACK_LOG_IDENTITY = "talon-office-log"  # a store without log identities (older files)
LOG_MISMATCH = ("Журнал этого офиса в центре ведётся из другой базы данных. Если базу офиса восстановили из "
                "копии или перенесли на другой компьютер, администратор компании может принять новый журнал "
                "в центре (журнал офиса: {log})")


def _plural(n: int, one: str, few: str, many: str) -> str:
    from .texts import plural  # Babel's Russian rules (server/texts.py)

    return plural(n, one, few, many)


def events_words(n: int) -> str:
    return f"{n} {_plural(n, 'событие', 'события', 'событий')}"


class Shipper:
    """Ships one office's log. ``state``: ``starting`` (the centre not asked yet), ``ok``,
    ``offline`` (the centre or the link down: retried), ``refused`` (the centre refuses this
    hub: a withdrawn key, another log identity; retried slowly, needs a person)."""

    def __init__(self, store, office: str, central: str, key: str, *, ca: str | None = None,
                 batch: int = 500, retry_min: float = 0.5, retry_max: float = 30.0, idle: float = 0.5,
                 timeout: float = 30.0):
        self.store, self.office, self.key = store, office, key
        self.central = central.rstrip("/")
        self.batch = max(1, min(batch, 2000))
        self.retry_min, self.retry_max, self.idle, self.timeout = retry_min, retry_max, idle, timeout
        self.session = requests.Session()
        self.session.verify = ca or True  # never False: the centre's certificate is always checked
        self.session.headers["Authorization"] = f"Bearer {key}"
        self._stop = threading.Event()
        self._lock = threading.Lock()  # guards the fields below (the route reads them)
        self.state = "starting"
        self.sent_seq: int | None = None  # the centre's high-water mark as last heard
        self.sent_at: float | None = None  # the time of the last event the centre holds
        self.last_error: str | None = None
        self.down_since: float | None = None  # wall time the link went down
        self.last_ok: float | None = None
        self.failures = 0
        self._cursor: tuple[int, int] | None = None  # (the office's n-th event, its seq in the file)
        self.thread = threading.Thread(target=self._run, name=f"shipping-{office}", daemon=True)
        # the office's settings shipped to the centre (reports there): on start and on every change
        self.clock = time.time  # the hub's clock (its testing clock in tests): the snapshot's valid_from
        self.config_sent: str | None = None  # the hash of the snapshot the centre holds
        self._config_checked = -1e9

    # ------------------------------------------------------------------ life

    def start(self) -> Shipper:
        self.thread.start()
        log.info("shipping office %s to %s", self.office, self.central)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def _identity(self) -> str:
        ident = getattr(self.store, "log_identity", None)
        return ident() if callable(ident) else FALLBACK_LOG_IDENTITY

    # ------------------------------------------------------------------ state

    def status(self) -> dict:
        with self._lock:
            sent, state = self.sent_seq, self.state
            out = {"state": state, "central": self.central, "sent_seq": sent, "sent_at": self.sent_at,
                   "last_error": self.last_error, "down_since": self.down_since, "last_ok": self.last_ok}
        # not yet confirmed by the centre; before the first answer (the centre down since the hub
        # started) that is the whole log: the mark is not remembered across restarts of the hub
        base = self._file_seq(sent or 0)
        waiting = 0 if base is None else self.store.one(
            "SELECT count(*) AS n FROM events WHERE office = ? AND seq > ?", (self.office, base))["n"]
        out["last_seq"] = (sent or 0) + waiting  # in the centre's numbering of the office's events
        out["waiting"] = waiting
        return out

    def _set(self, **fields) -> None:
        with self._lock:
            for k, v in fields.items():
                setattr(self, k, v)

    def _failed(self, state: str, error: str) -> float:
        """Note a failure; answers the seconds to wait before the next try (backoff with jitter)."""
        with self._lock:
            if self.state not in ("offline", "refused") or self.down_since is None:
                self.down_since = time.time()
            self.state, self.last_error = state, error
            self.failures += 1
            n = self.failures
        if state == "refused":
            delay = self.retry_max
        else:
            delay = min(self.retry_max, self.retry_min * 2 ** min(n - 1, 16))
        return delay * random.uniform(0.5, 1.0)

    def _ok(self, hwm: int, at: float | None) -> None:
        with self._lock:
            self.state, self.last_error, self.down_since, self.failures = "ok", None, None, 0
            self.last_ok = time.time()
            if self.sent_seq is None or hwm != self.sent_seq:
                self.sent_seq = hwm
                self.sent_at = at
            elif at is not None:
                self.sent_at = at

    # ------------------------------------------------------------------ the loop

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception as exc:  # the shipper never dies; the hub goes on regardless
                log.exception("shipping to the centre failed unexpectedly")
                wait = self._failed("offline", f"Внутренняя ошибка отправки: {exc}")
            if wait:
                self._stop.wait(wait)

    def step(self) -> float:
        """One round: learn the centre's mark if unknown, send the next batch. Answers seconds to wait."""
        if self.sent_seq is None:
            resp = self._request("GET", f"/api/v1/central/offices/{self.office}/events/high-water-mark")
            if isinstance(resp, float):
                return resp
            theirs, ours = resp.get("log"), self._identity()
            if theirs is not None and theirs != ours:  # a restored or moved hub: a person must accept it
                log.error("office %s: the centre keeps log %r, this hub's is %r", self.office, theirs, ours)
                return self._failed("refused", LOG_MISMATCH.format(log=ours))
            hwm = int(resp["high_water_mark"])
            self._ok(hwm, self._event_time(hwm))
            log.info("office %s: the centre holds its log up to %d", self.office, hwm)
        self._push_config()
        after = self.sent_seq
        base = self._file_seq(after)  # None: the centre holds more of this office's log than the file
        events = [] if base is None else self.store.events_after(self.office, base, limit=self.batch)
        if not events:
            with self._lock:
                if self.state != "ok":
                    self.state = "ok"
            self._heartbeat()
            return self.idle
        # the centre numbers the office's own events 1, 2, 3, …; the file's seqs are shared by its
        # offices, so they are renumbered (the same numbers for a file of one office)
        body = {"log": self._identity(), "after": after,
                "events": [{"seq": after + i, **{k: e[k] for k in ("type", "at", "day")},
                            "data": shipped_data(e["type"], e["data"]), "view": shipped_view(e["view"])}
                           for i, e in enumerate(events, 1)]}
        resp = self._request("POST", f"/api/v1/central/offices/{self.office}/events", body)
        if isinstance(resp, float):
            return resp
        hwm = int(resp["high_water_mark"])
        at = None
        if after < hwm <= after + len(events):
            mine = events[hwm - after - 1]
            self._cursor = (hwm, mine["seq"])
            at = mine["at"]
        self._ok(hwm, at if at is not None else self._event_time(hwm))
        return 0.0 if len(events) == self.batch else self.idle

    def _heartbeat(self) -> None:
        """An idle office tells the centre it is still in touch, every $TALON_CENTRAL_HEARTBEAT s (10):
        the centre's public page of a ticket says how fresh its information is (issue 18). Best
        effort: a centre without the route, or a failure, changes nothing of the shipping."""
        from .settings import current

        now = time.monotonic()
        if now - getattr(self, "_heartbeat_at", -1e9) < current().central_heartbeat:
            return
        self._heartbeat_at = now
        try:
            self.session.post(f"{self.central}/api/v1/central/offices/{self.office}/heartbeat", json={},
                              timeout=(5, 10))
        except requests.RequestException as exc:
            log.debug("heartbeat to the centre failed: %s", exc)

    def _file_seq(self, n: int) -> int | None:
        """The file's seq of the office's ``n``-th event (0 for none; None when the file has fewer)."""
        if n <= 0:
            return 0
        cursor = self._cursor
        if cursor is not None and cursor[0] == n:
            return cursor[1]
        row = self.store.one("SELECT seq FROM events WHERE office = ? ORDER BY seq LIMIT 1 OFFSET ?",
                             (self.office, n - 1))
        if row is None:
            return None
        self._cursor = (n, row["seq"])
        return row["seq"]

    def _push_config(self, every: float = 1.0) -> None:
        """Ship the office's settings (what its reports read, server/reports/source.py) when they
        differ from what the centre last acknowledged; checked at most every ``every`` seconds.
        A failure is retried at the next check; the log's shipping goes on regardless."""
        if time.monotonic() - self._config_checked < every:
            return
        self._config_checked = time.monotonic()
        from .reports.source import config_snapshot, settings_hash

        try:
            settings = config_snapshot(self.store, self.office)
        except Exception:
            log.exception("office %s: its settings could not be read for the centre", self.office)
            return
        digest = settings_hash(settings)
        if digest == self.config_sent:
            return
        try:
            resp = self.session.put(f"{self.central}/api/v1/central/offices/{self.office}/config",
                                    json={"valid_from": self.clock(), "settings": settings}, timeout=(5, self.timeout))
        except requests.RequestException as exc:
            log.info("office %s: settings not sent to the centre: %s", self.office, exc)
            self._config_checked += 4 * every  # the link's own retries show the outage
            return
        if resp.status_code == 200:
            self.config_sent = digest
            log.info("office %s: settings %s sent to the centre", self.office, digest[:12])
        else:
            log.warning("office %s: the centre refused the settings: %s %s", self.office, resp.status_code,
                        resp.text[:300])
            self._config_checked += 30.0

    def _event_time(self, seq: int) -> float | None:
        """The time of the office's ``seq``-th event (the centre's numbering)."""
        fs = self._file_seq(seq) if seq > 0 else None
        if not fs:
            return None
        row = self.store.one("SELECT at FROM events WHERE seq = ?", (fs,))
        return row["at"] if row else None

    def _request(self, method: str, path: str, body: dict | None = None):
        """The centre's JSON answer, or the seconds to wait after a failure (a float)."""
        try:
            resp = self.session.request(method, self.central + path, json=body, timeout=(5, self.timeout))
        except requests.exceptions.SSLError as exc:
            log.warning("the centre's certificate is not trusted: %s", exc)
            return self._failed("refused", "Сертификат центра не прошёл проверку")
        except requests.RequestException as exc:
            log.info("the centre is unreachable: %s", exc)
            return self._failed("offline", "Центр недоступен")
        try:
            data = resp.json()
        except ValueError:
            data = {}
        if resp.status_code == 200 and isinstance(data, dict) and isinstance(data.get("high_water_mark"), int):
            return data
        message = data.get("message") if isinstance(data, dict) else None
        code = data.get("error") if isinstance(data, dict) else None
        if resp.status_code == 409 and code == "gap" and isinstance(data.get("high_water_mark"), int):
            log.info("office %s: the centre holds up to %d; resuming from there", self.office, data["high_water_mark"])
            hwm = data["high_water_mark"]
            self._ok(hwm, self._event_time(hwm))
            return 0.0
        if resp.status_code == 413:
            self.batch = max(1, self.batch // 2)
            return self._failed("offline", "Пачка событий слишком велика для центра; отправка меньшими пачками")
        if resp.status_code == 409 and code == "log_mismatch":
            with self._lock:
                self.sent_seq = None  # ask the centre's mark again: once the log is accepted it is the new log's
        if resp.status_code in (400, 401, 403, 404, 409):
            log.error("the centre refuses office %s's events: %s %s", self.office, resp.status_code, message)
            return self._failed("refused", message or f"Центр отказал ({resp.status_code})")
        log.warning("the centre answered %s: %s", resp.status_code, message)
        return self._failed("offline", message or f"Центр временно не отвечает ({resp.status_code})")


# ---------------------------------------------------------------------- the hub's side: start and show it

def start_shipping(app, central: str, key: str, *, office: str | None = None, ca: str | None = None,
                   **options) -> Shipper:
    """Start shipping the office's log from the hub ``app``. Without ``office``: the hub's one
    office (the centre numbers each office's log without gaps, so one hub file ships one office)."""
    store = app.config["TALON_STORE"]
    offices = [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]
    if office is None:
        if len(offices) != 1:
            raise ValueError("На этом сервере не один офис: укажите, какой отправлять в центр (--central-office)")
        office = offices[0]
    shipper = Shipper(store, office, central, key, ca=ca, **options)
    hub = app.config.get("TALON_HUB")
    if hub is not None:
        shipper.clock = hub.clock.now  # the settings' valid_from on the office's own clock
        central_pull.follow(shipper, hub)  # the answers given at the centre's public pages (issue 18)
    app.config["TALON_SHIPPER"] = shipper
    app.config.setdefault("TALON_SHIPPERS", {})[office] = shipper
    return shipper.start()


def read_keys(items, key_file: str | None = None) -> dict[str, str]:
    """``office=KEY`` pairs (repeated ``--central-key``, or lines of a key file: ``#`` comments
    and blank lines skipped) as {office: key}. Raises ``ValueError`` with a Russian message."""
    lines = [("--central-key", x) for x in items or ()]
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"Не удалось прочитать файл ключей «{key_file}»: {exc}") from exc
        lines += [(f"{key_file}:{n}", x.strip()) for n, x in enumerate(text.splitlines(), 1)
                  if x.strip() and not x.strip().startswith("#")]
    keys: dict[str, str] = {}
    for where, item in lines:
        office, sep, key = item.partition("=")
        if not sep or not office.strip() or not key.strip():
            raise ValueError(f"{where}: ожидалось «офис=КЛЮЧ»")
        if office.strip() in keys:
            raise ValueError(f"{where}: ключ офиса «{office.strip()}» указан дважды")
        keys[office.strip()] = key.strip()
    return keys


def start_offices(app, central: str, keys: dict[str, str], *, ca: str | None = None, **options) -> list[Shipper]:
    """Ship each office of the hub's file named in ``keys`` under its own key (the centre
    numbers each office's own events: :meth:`Shipper.step`)."""
    store = app.config["TALON_STORE"]
    offices = {r["id"] for r in store.query("SELECT id FROM offices")}
    unknown = sorted(set(keys) - offices)
    if unknown:
        raise ValueError(f"На этом сервере нет офиса «{unknown[0]}»: проверьте ключи офисов")
    shippers = [start_shipping(app, central, key, office=office, ca=ca, **options)
                for office, key in sorted(keys.items())]
    app.config["TALON_SHIPPER"] = shippers[0]
    return shippers


def _batch() -> int:
    from .settings import current

    return current().central_batch  # TALON_CENTRAL_BATCH


def start_from_options(app, central_url: str, central_key=None, central_ca: str | None = None,
                       central_office: str | None = None, central_retry_max: float = 30.0,
                       central_keys: str | None = None, **_others) -> Shipper:
    """``talon hub --central URL --central-key KEY [--central-ca FILE] [--central-office ID]``;
    several offices in the file: ``--central-key OFFICE=KEY`` (repeated) or ``--central-keys FILE``
    (lines ``OFFICE=KEY``), each office shipped under its own key."""
    import click

    plain = [central_key] if isinstance(central_key, str) else list(central_key or ())
    paired = [k for k in plain if "=" in k]
    if central_keys or paired:
        if len(paired) != len(plain):
            raise click.UsageError("Укажите ключи всех офисов в виде --central-key ОФИС=КЛЮЧ")
        if not central_url.startswith(("https://", "http://")):
            raise click.UsageError("Адрес центра должен начинаться с https://")
        try:
            keys = read_keys(paired, central_keys)
            return start_offices(app, central_url, keys, ca=central_ca, retry_max=central_retry_max,
                                 batch=_batch())[0]
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    central_key = plain[-1] if plain else None
    if not central_key:
        raise click.UsageError("Укажите ключ офиса: --central-key (его выдаёт talon central join)")
    if not central_url.startswith(("https://", "http://")):
        raise click.UsageError("Адрес центра должен начинаться с https://")
    if central_url.startswith("http://") and not central_url.startswith(("http://127.", "http://localhost")):
        log.warning("the centre at %s is reached without TLS: put it behind HTTPS (docs/central.md)", central_url)
    try:
        return start_shipping(app, central_url, central_key, office=central_office, ca=central_ca,
                              retry_max=central_retry_max, batch=_batch())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def link_line(status: dict, tz: str | None) -> str:
    """The one honest line the stand shows about the link to the centre."""
    zone = ZoneInfo(tz) if tz else None

    def hhmm(t: float | None) -> str:
        return datetime.fromtimestamp(t, zone).strftime("%H:%M") if t else "—"

    waiting = status.get("waiting")
    rest = f"ожидают отправки {events_words(waiting)}" if waiting else "все события отправлены"
    state = status["state"]
    if state == "off":
        return "Отправка в центр не настроена"
    if state == "starting":
        return "Подключение к центру…"
    if state == "ok":
        if status.get("sent_at"):
            return f"Отправлено в центр до {hhmm(status['sent_at'])}, {rest}"
        return f"Связь с центром есть, {rest}"
    sent = f"отправлено до {hhmm(status['sent_at'])}, " if status.get("sent_at") else ""
    if state == "offline":
        return f"Нет связи с центром с {hhmm(status.get('down_since'))}: {sent}{rest}"
    return f"Центр не принимает события офиса: {status.get('last_error') or 'отказ'}. {sent.capitalize()}{rest}"


bp = Blueprint("central_link", __name__, url_prefix="/api/v1")


@api(bp, "/offices/<office>/central-link", "GET", summary="The state of shipping the office's log to the centre",
     tag="central", roles=("administrator", "admin", "head"),
     response=S.obj({"state": S.STR, "line": S.STR}))
def central_link(office: str):
    check_office(current_principal(), office)
    hub = current_app.config["TALON_HUB"]
    info = hub.office(office)
    shipper = current_app.config.get("TALON_SHIPPERS", {}).get(office) or current_app.config.get("TALON_SHIPPER")
    if shipper is None or shipper.office != office:
        status = {"state": "off", "sent_seq": None, "sent_at": None, "waiting": None, "last_error": None}
    else:
        status = shipper.status()
    status["line"] = link_line(status, (info.get("schedule") or {}).get("tz"))
    return jsonify(status)
