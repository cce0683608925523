"""Building halls by hand for the pure core tests (no I/O, time passed in)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.domain.hall import Hall, Settings
from server.domain.model import Service, Window
from server.domain.norms import PRESETS
from server.domain.schedule import Schedule, always_open

MSK = ZoneInfo("Europe/Moscow")


def at(text: str) -> float:
    """Epoch seconds of a Moscow wall-clock time, e.g. ``at("2026-11-23 10:00")``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=MSK).timestamp()


def make_hall(policy: str = "norm-aware", profile: str = "rosatom-2026", windows: int = 2,
              schedule: Schedule | None = None, services: list[Service] | None = None,
              window_services: dict[str, int] | None = None) -> Hall:
    services = services or [
        Service("consult", "А", "Консультация", kind="consultation"),
        Service("cash", "Б", "Оплата", kind="cash"),
        Service("both", "В", "Консультация и оплата", kind="consultation_cash"),
    ]
    ws = window_services or {s.id: 1 for s in services}
    return Hall(office="t", services={s.id: s for s in services},
                windows={i: Window(id=i, number=i, services=dict(ws)) for i in range(1, windows + 1)},
                profile=PRESETS[profile], schedule=schedule or always_open(), settings=Settings(policy=policy))
