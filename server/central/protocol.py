"""The shipping protocol's rules on a batch, with no I/O: what a well-formed batch is.

A batch is ``{"log": identity, "after": n, "events": [...]}``; each event is
``{seq, type, at, day, data, view}`` (``office``, when present, must name the batch's office).
Anything else is refused whole with a Russian message (400), and nothing of it is stored.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date

try:  # a C JSON codec several times faster than json's on the ingest's hot path; json works too
    import orjson
except ImportError:  # pragma: no cover - orjson is optional
    orjson = None


def loads(raw: bytes):
    """Parse a request body; raises ``ValueError`` on anything that is not strict JSON text
    (NaN and Infinity included: no JSON has them)."""
    if orjson is not None:
        return orjson.loads(raw)
    def no_constants(name):
        raise ValueError(name)
    return json.loads(raw, parse_constant=no_constants)


def dumps(value) -> str:
    if orjson is not None:
        return orjson.dumps(value).decode()
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

#: What of an event's ``view`` (the hub's presentation of the ticket and the window after the
#: event, ~1 kB, 13 times the event's own ``data``) an office ships to the centre: only what the
#: centre reads (the dashboard learns windows and each ticket's waiting norm from it). The event
#: itself - type, time, day, data - is shipped whole; the centre rebuilds tickets from it through
#: the core. Cuts the bytes parsed, checked, copied and written to the WAL per event about three
#: times (docs/decisions.md, «The centre keeps the facts and a thin view»).
SHIPPED_VIEW = {
    "ticket": ("id", "service", "service_name", "wait_limit", "service_limit"),
    "window": ("id", "number", "zone", "level", "services"),
}


def shipped_view(view) -> dict:
    """The part of a hub event's ``view`` that is shipped to the centre (:data:`SHIPPED_VIEW`)."""
    if not isinstance(view, dict):
        return {}
    out = {}
    for part, keys in SHIPPED_VIEW.items():
        v = view.get(part)
        if isinstance(v, dict):
            out[part] = {k: v[k] for k in keys if k in v}
    return out


#: The prefix of a ticket's token as shipped: ``sha256:`` and the hex sha256 of the token.
TOKEN_HASH_PREFIX = "sha256:"


def token_hash(token: str) -> str:
    """What the centre keeps of a visitor's page token: its sha256 (issue 18). The public page
    hashes the token of its address the same way and looks the ticket up by it."""
    return TOKEN_HASH_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def shipped_data(kind: str, data):
    """An event's ``data`` as shipped: whole, except the ticket's page token of ``ticket.issued``,
    which leaves the office only hashed (:func:`token_hash`): the centre can find the page of a
    token it is shown, but can not make one up."""
    token = data.get("token") if kind == "ticket.issued" and isinstance(data, dict) else None
    if not isinstance(token, str) or token.startswith(TOKEN_HASH_PREFIX):
        return data
    return {**data, "token": token_hash(token)}


MAX_BATCH = 2000            # events in one batch
MAX_SEQ = 2 ** 53           # seqs stay exact in JSON numbers
MAX_LOG_IDENTITY = 200
TYPE_RE = re.compile(r"^[a-z][a-z_]{0,40}\.[a-z][a-z_]{0,40}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Times before 2000 or after 2200 are not times of a queue.
AT_MIN, AT_MAX = 946684800.0, 7258118400.0


class BadBatch(ValueError):
    """A malformed batch: ``code`` and a Russian ``message`` for the 400 answer."""

    def __init__(self, message: str, code: str = "invalid", **details):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_batch(office: str, body) -> tuple[str, int | None, list[dict]]:
    """``(log_identity, after, events)`` of a well-formed batch; raises :class:`BadBatch`."""
    if not isinstance(body, dict):
        raise BadBatch("Неверные данные: ожидался объект JSON с полями log и events")
    extra = set(body) - {"log", "after", "events"}
    if extra:
        raise BadBatch(f"Неверные данные: лишнее поле «{sorted(extra)[0]}»")
    ident = body.get("log")
    if not isinstance(ident, str) or not ident.strip() or len(ident) > MAX_LOG_IDENTITY or "\x00" in ident:
        raise BadBatch("Неверные данные: не указан идентификатор журнала офиса (log)", field="log")
    try:
        ident.encode("utf-8")
    except UnicodeEncodeError:
        raise BadBatch("Неверные данные: недопустимый символ в идентификаторе журнала (log)", field="log") from None
    after = body.get("after")
    if after is not None and (not _is_int(after) or after < 0 or after > MAX_SEQ):
        raise BadBatch("Неверные данные: поле «after» должно быть целым числом не меньше нуля", field="after")
    events = body.get("events")
    if not isinstance(events, list):
        raise BadBatch("Неверные данные: поле «events» должно быть списком событий", field="events")
    if len(events) > MAX_BATCH:
        raise BadBatch(f"Слишком много событий в одной пачке: не больше {MAX_BATCH}", code="batch_too_large")
    out = []
    for i, e in enumerate(events):
        out.append(check_event(office, e, i))
    for i in range(1, len(out)):
        if out[i]["seq"] != out[i - 1]["seq"] + 1:
            raise BadBatch("Номера событий в пачке должны идти подряд, без пропусков и повторов",
                           code="not_consecutive", index=i)
    if out and after is not None and out[0]["seq"] != after + 1:
        raise BadBatch("Первое событие пачки должно идти сразу после «after»", code="after_mismatch")
    return ident, after, out


def check_event(office: str, e, i: int) -> dict:
    where = f"events.{i}"
    if not isinstance(e, dict):
        raise BadBatch(f"Неверные данные: событие {where} должно быть объектом", field=where)
    extra = set(e) - {"seq", "type", "at", "day", "data", "view", "office"}
    if extra:
        raise BadBatch(f"Неверные данные: лишнее поле «{sorted(extra)[0]}» в событии {where}", field=where)
    seq = e.get("seq")
    if not _is_int(seq) or seq <= 0 or seq > MAX_SEQ:
        raise BadBatch(f"Неверные данные: номер события {where}.seq должен быть целым числом больше нуля",
                       field=f"{where}.seq")
    kind = e.get("type")
    if not isinstance(kind, str) or not TYPE_RE.match(kind):
        raise BadBatch(f"Неверные данные: неизвестный вид события в {where}.type", field=f"{where}.type")
    at = e.get("at")
    if not (isinstance(at, (int, float)) and not isinstance(at, bool) and math.isfinite(at) and AT_MIN <= at <= AT_MAX):
        raise BadBatch(f"Неверные данные: время события {where}.at должно быть числом секунд", field=f"{where}.at")
    day = e.get("day")
    if day is not None:
        if not isinstance(day, str) or not DAY_RE.match(day):
            raise BadBatch(f"Неверные данные: день события {where}.day должен быть в виде ГГГГ-ММ-ДД",
                           field=f"{where}.day")
        try:
            date.fromisoformat(day)
        except ValueError:
            raise BadBatch(f"Неверные данные: такого дня нет ({where}.day)", field=f"{where}.day") from None
    data = e.get("data")
    view = e.get("view", {})
    if not isinstance(data, dict) or not isinstance(view, dict):
        raise BadBatch(f"Неверные данные: поля data и view события {where} должны быть объектами", field=where)
    if "office" in e and e["office"] != office:
        raise BadBatch(f"Событие {where} относится к другому офису", code="wrong_office", field=f"{where}.office")
    try:
        data_json, view_json = dumps(data), dumps(view)
        if orjson is None:
            data_json.encode("utf-8"), view_json.encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):  # a lone surrogate («\\ud800»): not text
        raise BadBatch(f"Неверные данные: недопустимый символ в событии {where}", field=where) from None
    if ("\\u0000" in data_json or "\\u0000" in view_json) and (_has_nul(data) or _has_nul(view)):
        raise BadBatch(f"Неверные данные: недопустимый символ в событии {where}", field=where)
    return {"seq": seq, "type": kind, "at": float(at), "day": day, "data": data, "view": view,
            "data_json": data_json, "view_json": view_json}


def _has_nul(x) -> bool:
    """PostgreSQL's jsonb holds no NUL character, in a key or in a value."""
    if isinstance(x, str):
        return "\x00" in x
    if isinstance(x, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in x.items())
    if isinstance(x, list):
        return any(_has_nul(v) for v in x)
    return False
