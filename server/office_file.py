"""The schema of an office definition file (``talon office import FILE``)."""
from .api import schemas as S

OFFICE_FILE = S.obj({
    "office": S.obj({
        "id": S.ID, "name": S.SHORT, "company": {"type": "string"}, "address": {"type": "string"},
        "profile": S.OFFICE_SETTINGS["properties"]["profile"],
        "profile_overrides": {"type": "object"},
        "schedule": S.SCHEDULE, "texts": S.TEXTS,
        "settings": S.obj({"policy": {"enum": ["fifo", "norm-aware"]},
                           "transfer_position": {"enum": ["head", "tail"]},
                           "alert_near": {"type": "number", "minimum": 0.5, "maximum": 0.99}}),
    }, ["id", "name", "profile", "schedule"]),
    "services": {"type": "array", "items": S.SERVICE},
    "windows": {"type": "array", "items": S.WINDOW_CONFIG},
    "users": {"type": "array", "items": S.USER},
}, ["office"])
