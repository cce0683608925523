"""JSON schemas of API bodies and answers (also the components of the OpenAPI document)."""
from __future__ import annotations

from ..domain.model import CLIENT_TYPES, LEVELS, PAUSE_REASONS, PHASES
from ..domain.norms import PRESETS, SERVICE_KINDS


def obj(properties: dict, required: list[str] | tuple = (), extra: bool = False) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": extra}


EMPTY = obj({})
STR = {"type": "string"}
SHORT = {"type": "string", "minLength": 1, "maxLength": 200}
TEXT = {"type": "string", "maxLength": 2000}
#: SQLite's largest integer: the bound of every id (a path id beyond it is a 404, a body one a 400).
MAX_INT = 2**63 - 1
INT = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
ID_INT = {"type": "integer", "minimum": 1, "maximum": MAX_INT}  # a ticket's or window's id in a body
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
NULLABLE_INT = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_INT}
HHMM = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,39}$"}

ERROR = obj({"error": STR, "message": STR, "details": {"type": "object"}}, ["error", "message"], extra=True)

TICKET = obj({
    "id": INT, "office": STR, "day": STR, "code": STR, "service": STR, "service_name": STR,
    "letter": STR, "number": INT, "state": {"enum": ["waiting", "called", "serving", "finished", "no_show",
                                                     "cancelled"]},
    "window": NULLABLE_INT, "window_number": NULLABLE_INT, "recalls": INT,
    "estimate": {"type": ["array", "null"]}, "token": STR, "people_ahead": INT, "url": STR,
}, ["id", "code", "state"], extra=True)

WINDOW = obj({"id": INT, "number": INT, "state": {"enum": ["closed", "open", "paused"]},
              "services": {"type": "object"}, "operator": {"type": ["string", "null"]},
              "ticket": NULLABLE_INT}, ["id", "number", "state"], extra=True)

STATE = obj({"office": {"type": "object"}, "services": {"type": "array"}, "windows": {"type": "array"},
             "waiting": {"type": "array", "items": TICKET}, "calls": {"type": "array", "items": TICKET},
             "seq": INT,
             "log": {"type": "string",
                     "description": "the identity of the hub's event log (a restore gives a new one)"}},
            ["office", "services", "windows", "waiting", "calls", "seq", "log"], extra=True)

LOGIN = {
    "type": "object",
    "properties": {"login": SHORT, "password": {"type": "string", "maxLength": 200},
                   "pin": {"type": "string", "pattern": r"^\d{4,8}$"}},
    "required": ["login"],
    "additionalProperties": False,
    "oneOf": [{"required": ["password"]}, {"required": ["pin"]}],
}

ISSUE = obj({
    "service": ID,
    "client_type": {"enum": list(CLIENT_TYPES)},
    "individual": BOOL,
    "priority": {"type": "integer", "minimum": 0, "maximum": 5},
    "source": {"enum": ["kiosk", "administrator", "phone", "web"]},
    "kiosk": {"type": "string", "maxLength": 60},
}, ["service"])

FINISH = obj({"outcome": {"type": "string", "maxLength": 60}})
PHASE = obj({"phase": {"enum": [*PHASES, None]}}, ["phase"])
ACCOUNTS = obj({"accounts": {"type": "integer", "minimum": 1, "maximum": 99}}, ["accounts"])
TRANSFER = obj({"service": ID, "window": ID_INT, "hold": BOOL})
ESCALATE = obj({"level": {"enum": list(LEVELS[1:])}})
CANCEL = obj({"reason": {"type": "string", "maxLength": 200}})
CALL = obj({"ticket": ID_INT}, ["ticket"])
OPEN = obj({})
PAUSE = obj({"reason": {"enum": list(PAUSE_REASONS)}, "comment": {"type": "string", "maxLength": 200},
             "override": {"type": "boolean",
                          "description": "an administrator allows a break the guard refuses (logged)"}},
            ["reason"])
CLOSE = obj({"force": BOOL})

SERVICE = obj({
    "id": ID, "letter": {"type": "string", "pattern": r"^[А-ЯЁA-Z]{1,2}$"},
    "name": SHORT, "hint": {"type": "string", "maxLength": 200},
    "kind": {"enum": list(SERVICE_KINDS)}, "client_type": {"enum": list(CLIENT_TYPES)},
    "checklist": {"type": "array", "items": SHORT, "maxItems": 20},
    "until": {"anyOf": [HHMM, {"type": "null"}]}, "active": BOOL,
    "order": {"type": "integer", "minimum": 0, "maximum": 9999},
}, ["id", "letter", "name"])

WINDOW_CONFIG = obj({
    "number": {"type": "integer", "minimum": 1, "maximum": 999},
    "zone": {"type": "string", "maxLength": 100},
    "level": {"enum": list(LEVELS)},
    "services": {"type": "object", "propertyNames": ID, "additionalProperties": {"enum": [1, 2]},
                 "minProperties": 1, "maxProperties": 100},
}, ["number", "services"])

USER = obj({
    "login": {"type": "string", "pattern": r"^[a-zA-Z0-9_.-]{2,40}$"}, "name": SHORT,
    "password": {"type": "string", "minLength": 6, "maxLength": 200},
    "pin": {"type": "string", "pattern": r"^\d{4,8}$"},
    "roles": {"type": "array", "items": {"enum": ["operator", "administrator", "head", "admin"]},
              "minItems": 1, "uniqueItems": True},
    "office": {"anyOf": [ID, {"type": "null"}]}, "active": BOOL,
}, ["login", "name", "roles"])

DAY_HOURS = {"anyOf": [{"type": "null"}, obj({"open": HHMM, "close": HHMM,
                                                "break": {"type": "array", "items": HHMM, "minItems": 2,
                                                          "maxItems": 2}}, ["open", "close"])]}
SCHEDULE = obj({
    "tz": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$", "maxLength": 60},
    "week": obj({d: DAY_HOURS for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}),
    "holidays": {"type": "array", "items": DATE, "maxItems": 400},
    "special": {"type": "object", "propertyNames": DATE, "additionalProperties": DAY_HOURS, "maxProperties": 400},
}, ["week"])

TEXTS = obj({k: {"type": "string", "maxLength": 2000} for k in
             ("greeting", "recording", "phone", "site", "farewell", "ticker")})

#: A norm in minutes: one figure, or a range [target, limit] (the check target <= limit is
#: :func:`norm_range_errors`; JSON Schema can not compare two items). Null: no such norm.
MINUTES = {"type": "number", "minimum": 0, "maximum": 480}
NORM_MINUTES = {"anyOf": [MINUTES, {"type": "array", "items": MINUTES, "minItems": 2, "maxItems": 2},
                          {"type": "null"}]}
#: ``profile_overrides``: only the service kinds of the core and the three sub-norms, nothing else.
NORM_OVERRIDES = obj({
    **{kind: obj({"wait": NORM_MINUTES, "service": NORM_MINUTES}) for kind in SERVICE_KINDS},
    "digital": NORM_MINUTES, "upsell": NORM_MINUTES, "visit_total": NORM_MINUTES,
})


def norm_range_errors(overrides: dict | None) -> list[str]:
    """The ranges of ``overrides`` (already valid against :data:`NORM_OVERRIDES`) whose target
    is above their limit, as dotted paths."""
    bad = []
    for key, value in (overrides or {}).items():
        pairs = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, minutes in pairs:
            if isinstance(minutes, list) and minutes[0] > minutes[1]:
                bad.append(f"{key}.{sub}" if sub else key)
    return bad


OFFICE_SETTINGS = obj({
    "name": SHORT, "company": {"type": "string", "maxLength": 200},
    "address": {"type": "string", "maxLength": 300},
    "profile": {"enum": sorted(PRESETS)},
    "profile_overrides": NORM_OVERRIDES,
    "schedule": SCHEDULE,
    "texts": TEXTS,
    "policy": {"enum": ["fifo", "norm-aware"]},
    "transfer_position": {"enum": ["head", "tail"]},
    "alert_near": {"type": "number", "minimum": 0.5, "maximum": 0.99},
})

DEVICE_NEW = obj({"kind": {"enum": ["kiosk", "board"]}, "name": SHORT}, ["kind", "name"])
PAIR = obj({"code": {"type": "string", "pattern": r"^\d{6}$"}}, ["code"])
HEARTBEAT = obj({
    "printer": obj({"state": {"enum": ["ok", "paper_out", "paper_low", "cover_open", "offline", "error",
                                       "none"]},
                    "detail": {"type": "string", "maxLength": 300}}, ["state"]),
    "sound": obj({"state": {"enum": ["ok", "no_device", "error"]},
                  "detail": {"type": "string", "maxLength": 300}}, ["state"]),
    "version": {"type": "string", "maxLength": 40},
})
INCIDENT = obj({"kind": {"enum": ["printer", "kiosk", "board", "sound", "network"]},
                "state": {"enum": ["open", "closed"]},
                "detail": {"type": "string", "maxLength": 500}}, ["kind", "state"])
HELP = obj({"screen": {"type": "string", "maxLength": 60}, "comment": {"type": "string", "maxLength": 300}})
ROTA_BREAK = obj({"window": {"type": "integer", "minimum": 1, "maximum": 999},
                  "day": {"enum": ["every", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                  "start": HHMM, "end": HHMM, "kind": {"enum": ["lunch", "break"]}},
                 ["window", "start", "end"])
ROTA = obj({"breaks": {"type": "array", "items": ROTA_BREAK, "maxItems": 1000},
            "updated": {"type": ["number", "null"]}, "by": {"type": ["string", "null"]}}, ["breaks"])
