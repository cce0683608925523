"""The plan for a day and the rota proposal, for the stand (head and administrators)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, jsonify

from ..api import schemas as S
from ..api.framework import ApiError, api, check_office, current_principal
from ..app_context import current_hub as _hub
from ..domain.rota import RotaError
from . import service
from .text import plan_table

bp = Blueprint("planning", __name__, url_prefix="/api/v1")
PLANNERS = ("admin", "head")
ROTA_EDITORS = ("admin", "administrator", "head")

PLAN_QUERY = S.obj({"date": S.DATE, "target": {"type": "number", "minimum": 0.5, "maximum": 0.99}})


def _today(office: str) -> date:
    hub = _hub()
    with hub.lock(office):
        hall = hub.hall(office)
        return hall.schedule.local(hub.clock.now()).date()


@api(bp, "/offices/<office>/plan", summary="Staffing advice: forecast per hour and topic, windows to open, lunches",
     tag="planning", roles=PLANNERS, query=PLAN_QUERY)
def get_plan(office, query):
    check_office(current_principal(), office)
    _hub().office(office)
    try:
        day = date.fromisoformat(query["date"]) if query.get("date") else _today(office) + timedelta(days=1)
    except ValueError:
        raise ApiError(400, "invalid", "Дата в виде ГГГГ-ММ-ДД, например 2026-12-04", field="date") from None
    target = float(query.get("target", 0.8))
    plan = service.plan_for(_hub().store, office, day, target, sim_days=3)
    answer = plan.to_json()
    answer["text"] = plan_table(plan, service.service_names(_hub().store, office))
    return jsonify(answer)


@api(bp, "/offices/<office>/rota/proposal", summary="«Предложить график»: lunches from the office's history",
     tag="planning", roles=ROTA_EDITORS, extra_responses={409: "No rota that keeps the hall open can be proposed"})
def rota_proposal(office):
    check_office(current_principal(), office)
    _hub().office(office)
    rota, notes = service.rota_proposal(_hub().store, office, _today(office))
    hall_windows = None
    with _hub().lock(office):
        hall = _hub().hall(office)
        hall_windows, schedule = [w.number for w in hall.windows.values()], hall.schedule
    try:
        rota.check(schedule, hall_windows)
    except RotaError as exc:  # a proposal that can not be kept is not offered
        raise ApiError(409, exc.code, f"Предложить график не удалось: {exc}") from exc
    if not rota:
        notes = notes + ["Перерывы отдельным окнам не нужны: у офиса общий обеденный перерыв"]
    return jsonify({**rota.to_json(), "notes": notes})
