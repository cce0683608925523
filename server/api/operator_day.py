"""«Мой день»: what one window (and its operator) has done today, read from the segments table.

The operator console shows it beside the ticket: visitors served, the average service time
against the norm, the share within the norm. Read-only; the norm of each segment is the one its
service kind and level had in the office's norm profile (001:379–419, 000:335–338,
002:153–165, 003:247–249), so an average over mixed topics is compared with the average of
their norms.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..app_context import current_hub
from ..store import journal
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

bp = Blueprint("operator_day", __name__, url_prefix="/api/v1")

#: Segment outcomes that had a service (the visitor was at the window and served).
SERVED_OUTCOMES = ("finished", "transferred", "escalated", "postponed")

DAY = S.obj({
    "day": {"type": ["string", "null"]}, "window": S.INT, "number": S.INT,
    "operator": {"type": ["string", "null"]}, "served": S.INT, "no_show": S.INT, "transferred": S.INT,
    "escalated": S.INT, "postponed": S.INT, "timed": S.INT,
    "avg_service": {"type": ["number", "null"]}, "avg_norm": {"type": ["number", "null"]},
    "within_norm": {"type": ["number", "null"]}, "services": {"type": "array"},
}, extra=True)


@api(bp, "/windows/<int:window>/day", summary="Today at one window: served, average service time against the norm",
     tag="windows", roles=("operator", "administrator", "admin"),
     query=S.obj({"operator": {"type": "string", "maxLength": 60}}), response=DAY)
def window_day(window, query):
    hub = current_hub()
    office = hub.office_of("window", window)
    if office is None:
        raise ApiError(404, "window_not_found", "Окно не найдено")
    check_office(current_principal(), office)
    with hub.lock(office):
        hall = hub.hall(office)
        w = hall.windows.get(window)
        if w is None:
            raise ApiError(404, "window_not_found", "Окно не найдено")
        day, number, profile = hall.day, w.number, hall.profile
        kinds = {s.id: (s.kind, s.name) for s in hall.services.values()}
    rows = journal.visits_ended_at_window(hub.store, office, day, window, query.get("operator")) if day else []

    counts = {k: 0 for k in ("finished", "no_show", "transferred", "escalated", "postponed")}
    per_service: dict[str, dict] = {}
    times, norms, within = [], [], 0
    for r in rows:
        if r["outcome"] in counts:
            counts[r["outcome"]] += 1
        if r["started_at"] is None or r["outcome"] not in SERVED_OUTCOMES:
            continue
        spent = r["ended_at"] - r["started_at"]
        kind, name = kinds.get(r["service"], ("consultation", r["service"]))
        norm = profile.service_norm(kind, r["level"] or "specialist")
        limit = norm.limit_seconds if norm else None
        times.append(spent)
        if limit is not None:
            norms.append(limit)
            within += spent <= limit
        s = per_service.setdefault(r["service"], {"service": r["service"], "name": name, "count": 0,
                                                  "total": 0.0, "norm": limit})
        s["count"] += 1
        s["total"] += spent
    services = [{"service": s["service"], "name": s["name"], "count": s["count"],
                 "avg_service": s["total"] / s["count"], "norm": s["norm"]} for s in per_service.values()]
    return jsonify({
        "day": day, "window": window, "number": number, "operator": query.get("operator"),
        "served": counts["finished"], "no_show": counts["no_show"], "transferred": counts["transferred"],
        "escalated": counts["escalated"], "postponed": counts["postponed"], "timed": len(times),
        "avg_service": sum(times) / len(times) if times else None,
        "avg_norm": sum(norms) / len(norms) if norms else None,
        "within_norm": within / len(norms) if norms else None,
        "services": sorted(services, key=lambda s: -s["count"]),
    })
