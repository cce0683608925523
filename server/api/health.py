"""The hub's health: can it write, how much room is left, when it last committed; and the honest
answer when the disk or the file fails.

``GET /healthz`` (no sign-in, like any probe of a service; see docs/decisions.md) answers 200
when the store takes writes and 503 when it does not, with the reason in Russian.

A write that fails because of the storage (SQLite's SQLITE_FULL, SQLITE_READONLY, SQLITE_BUSY,
an I/O error) is answered 503 ``storage_full`` / ``storage_readonly`` / ``storage_busy`` /
``storage_io`` with a ``Retry-After`` header by :func:`storage_response` (the app's error handler
calls it), and the hall's administrator sees an alert (:func:`storage_alerts`) until a write
succeeds again.
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

from flask import Blueprint, current_app, jsonify

from ..app_context import current_hub
from ..domain.alerts import DANGER, WARNING, Alert
from ..store import journal
from ..store.db import Store, storage_fault
from . import schemas as S
from .framework import api, error_response

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)
testing_bp = Blueprint("testing_storage", __name__, url_prefix="/api/v1/testing")

#: Below this much free space at the database's folder the hub is not healthy (a day's log of a
#: busy office is about a megabyte), nor below twice the file (the daily backup needs as much again).
LOW_DISK = 16 * 1024 * 1024

#: code, message, seconds to wait before trying again (Retry-After)
FAULTS: dict[str, tuple[str, str, int]] = {
    "full": ("storage_full",
             "Изменение не сохранено: на диске сервера закончилось место. Пожалуйста, сообщите "
             "администратору системы: нужно освободить место на диске сервера Talon.", 60),
    "readonly": ("storage_readonly",
                 "Изменение не сохранено: файл базы данных или его папка открыты только для чтения. "
                 "Пожалуйста, сообщите администратору системы: нужно вернуть право записи.", 60),
    "busy": ("storage_busy",
             "Изменение не сохранено: база данных занята другой программой. Пожалуйста, повторите "
             "через несколько секунд.", 5),
    "io": ("storage_io",
           "Изменение не сохранено: диск сервера не отвечает или ответил ошибкой. Пожалуйста, "
           "сообщите администратору системы.", 30),
    "corrupt": ("storage_corrupt",
                "Изменение не сохранено: файл базы данных повреждён. Пожалуйста, сообщите "
                "администратору системы: базу нужно восстановить из резервной копии (talon restore).", 300),
}


def storage_response(exc: BaseException):
    """The 503 answer to a storage fault, or None when ``exc`` is not one."""
    kind = storage_fault(exc)
    if kind is None:
        return None
    code, message, retry = FAULTS[kind]
    log.error("storage fault (%s): %s", kind, exc)
    resp = error_response(503, code, message)
    resp.headers["Retry-After"] = str(retry)
    return resp


def _store() -> Store:
    return current_app.config["TALON_STORE"]


def disk(store: Store) -> dict:
    folder = Path(store.path).resolve().parent
    try:
        usage = shutil.disk_usage(folder)
    except OSError as exc:
        return {"folder": str(folder), "free_bytes": None, "total_bytes": None, "low": True, "error": str(exc)}
    return {"folder": str(folder), "free_bytes": usage.free, "total_bytes": usage.total,
            "low": usage.free < max(LOW_DISK, 2 * log_size(store))}


def log_size(store: Store) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += Path(store.path + suffix).stat().st_size
        except OSError:
            pass
    return total


def health(store: Store, now: float) -> tuple[bool, dict]:
    """(healthy, the report) of the store at ``now``."""
    problems: list[str] = []
    fault = store.write_fault
    fault_json = None
    if fault is not None:
        kind = storage_fault(fault[1]) or "io"
        code, message, _ = FAULTS[kind]
        fault_json = {"error": code, "message": message, "since": fault[0]}
        problems.append(message)
    probe = store.probe_write()
    if probe is not None and fault_json is None:
        kind = storage_fault(probe) or "io"
        code, message, _ = FAULTS[kind]
        fault_json = {"error": code, "message": message, "since": now}
        problems.append(message)
    space = disk(store)
    if space["low"]:
        free = space["free_bytes"]
        problems.append("На диске сервера мало места: осталось "
                        f"{free / 1024 / 1024:.0f} МБ. Пожалуйста, освободите место" if free is not None else
                        "Не удаётся узнать, сколько места на диске сервера")
    try:
        last = journal.last_event(store)
        seq, last_at = last.get("seq", 0), last.get("at")
        events = journal.event_count(store)
    except sqlite3.Error as exc:
        seq, last_at, events = None, None, None
        problems.append(f"База данных не читается: {exc}")
    ok = not problems
    return ok, {
        "ok": ok,
        "now": now,
        "store": {"file": Path(store.path).name, "writable": fault_json is None, "fault": fault_json,
                  "synchronous": store.synchronous},
        "disk": space,
        # at: when this hub last committed (or, before its first write, the last event's time)
        "last_commit": {"at": store.last_commit or last_at, "seq": seq},
        "log": {"events": events, "bytes": log_size(store)},
        "problems": problems,
    }


@bp.get("/healthz")
def healthz():
    hub = current_hub()
    ok, report = health(_store(), hub.clock.now())
    resp = jsonify(report)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    if not ok:
        resp.headers["Retry-After"] = "30"
    return resp


def storage_alerts(store: Store, now: float) -> list[Alert]:
    """The administrator's alert while writes fail (gone with the next write that succeeds)."""
    fault = store.write_fault
    if fault is None:
        return []
    kind = storage_fault(fault[1]) or "io"
    code, message, _ = FAULTS[kind]
    return [Alert(id=f"storage:{code}", kind="storage", level=DANGER if kind != "busy" else WARNING,
                  title="Изменения не сохраняются", text=message, since=fault[0], dismiss_on_ack=False)]


# ---------------------------------------------------------------------- tests only

@api(testing_bp, "/storage", "POST", summary="Reopen the hub's writer read-only, as a file made read-only "
     "under it would be (test hubs only)", tag="testing", roles=("admin",),
     body=S.obj({"read_only": {"type": "boolean"}}, ["read_only"]))
def testing_storage(body):
    journal.reopen_writer(_store(), body["read_only"])
    return jsonify({"read_only": body["read_only"]})
