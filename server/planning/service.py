"""The plan and the rota proposal for one office of the store (used by the CLI, the routes and the
monthly report)."""
from __future__ import annotations

from datetime import date, timedelta

from ..domain.schedule import WEEKDAYS
from ..store.db import Store
from . import history
from .forecast import WEEKS
from .staffing import DEFAULT_TARGET, Plan, make_plan, propose_rota

_CACHE: dict[tuple, Plan] = {}
_CACHE_SIZE = 32


def plan_for(store: Store, office: str, day: date, target: float = DEFAULT_TARGET, *, weeks: int = WEEKS,
             simulate: bool = True, sim_days: int = 4) -> Plan:
    """The plan for ``day``; the same question asked again with the same history and the same
    configuration is answered from memory (the simulation takes seconds)."""
    key = (str(store.path), office, day, target, weeks, simulate, sim_days, history.fingerprint(store, office, day))
    plan = _CACHE.get(key)
    if plan is None:
        setup = history.office_setup(store, office, day)
        fc = history.forecast_for(store, office, day, weeks)
        plan = make_plan(setup, fc, target, simulate=simulate, sim_days=sim_days)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = plan
    return plan


def service_names(store: Store, office: str) -> dict[str, str]:
    return {r["id"]: r["name"] for r in store.query("SELECT id, name FROM services WHERE office = ?", (office,))}


def rota_proposal(store: Store, office: str, today: date, target: float = DEFAULT_TARGET, weeks: int = WEEKS):
    """(Rota, notes): lunches for every window from the next week's forecasts, one per weekday."""
    days = {WEEKDAYS[(today + timedelta(days=k)).weekday()]: today + timedelta(days=k) for k in range(1, 8)}
    forecasts = {wd: history.forecast_for(store, office, d, weeks) for wd, d in days.items()}
    return propose_rota(lambda wd: history.office_setup(store, office, days[wd]), forecasts, target)
