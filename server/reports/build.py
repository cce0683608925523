"""One call per report: :func:`daily`, :func:`monthly`, :func:`yearly` (a JSON-ready dict each).

The day is computed row by row by :func:`.figures.daily_figures` (medians and percentiles need the
values). The month and the year — the indicators 004:203–209 asks to disclose: the average
waiting and service time per calendar month and the counts of visits — are summed in SQL by
:mod:`.source` with the same rules, so a month's figure is exactly the pooled figure of its days.
"""
from __future__ import annotations

import calendar
import math
from dataclasses import replace
from datetime import date, datetime, timezone

from ..store import Store
from . import cache, source
from .figures import COUNTERS, DayContext, daily_figures, norms_table, pauses_of, ratings_section
from .tables import MONTH_NAMES

MONTH_NAMES_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")


def _generated(now: float, ctx: DayContext) -> str:
    return datetime.fromtimestamp(now, ctx.zone).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------- the day

def daily(store: Store, office: str, day: date, now: float) -> dict:
    ctx = source.context(store, office, day, now)
    d = day.isoformat()
    report = daily_figures(ctx, source.segments_of_day(store, office, d), source.tickets_of_day(store, office, d),
                           source.window_events(store, office, d, d), source.ratings(store, office, d, d))
    report["generated_at"] = _generated(now, ctx)
    report["title"] = f"Отчёт о времени ожидания за {day.day} {MONTH_NAMES_GEN[day.month - 1]} {day.year} г."
    return report


# ---------------------------------------------------------------------- sums → figures

def _stats(count: int, total: float, maximum, normed: int, within: int) -> dict:
    return {"count": count, "avg": total / count if count else None, "median": None, "p90": None,
            "max": maximum, "normed": normed, "within": within,
            "within_share": within / normed if normed else None}


def group_from_sums(r: dict | None, key, label: str) -> dict:
    """A report row (the shape of :meth:`.figures.Group.to_json`) from SQL sums (or nothing)."""
    r = r or {}

    def g(f):
        return r.get(f) or 0

    return {
        "key": key, "label": label, "segments": g("segments"), "served": g("served"),
        "wait": _stats(g("wait_count"), g("wait_sum"), r.get("wait_max"), g("wait_normed"), g("wait_within")),
        "service": _stats(g("service_count"), g("service_sum"), r.get("service_max"), g("service_normed"),
                          g("service_within")),
        **{c: g(c) for c in COUNTERS}, "unfinished": g("unfinished"), "recalls": g("recalls"),
        "visits_over": 0, "pauses": None, "pause_seconds": None,
    }


def _pool(rows: list[dict]) -> dict:
    """Sums of several aggregate rows (the year from its months)."""
    out: dict = {}
    for r in rows:
        for k, v in r.items():
            if k == "k" or v is None:
                continue
            if k.endswith("_max"):
                out[k] = max(out.get(k, v), v)
            else:
                out[k] = out.get(k, 0) + v
    return out


def _visits(v: dict | None) -> dict:
    v = v or {}
    served = int(v.get("served") or 0)
    return {"issued": int(v.get("issued") or 0), "served": served, "resolved": int(v.get("resolved") or 0),
            "no_show": int(v.get("no_show") or 0), "cancelled": int(v.get("cancelled") or 0),
            "unfinished": int(v.get("unfinished") or 0),
            "time": {"count": served, "avg": (v.get("time_sum") or 0) / served if served else None,
                     "median": None, "p90": None, "max": v.get("time_max")},
            "over_norm": int(v.get("over_norm") or 0)}


def _ratings_row(r: dict | None) -> dict:
    r = r or {}
    n = int(r.get("count") or 0)
    dist = {str(s): int(r.get(f"s{s}") or 0) for s in range(1, 6)}
    good = dist["4"] + dist["5"]
    return {"count": n, "average": round(r["average"], 2) if n else None, "distribution": dist,
            "satisfaction": good / n if n else None, "with_comment": int(r.get("with_comment") or 0)}


def _pauses(store: Store, ctx: DayContext, first: date, last: date) -> dict[str, list[dict]]:
    """Each day's pauses (the rules of :func:`.figures.pauses_of`), by ISO day."""
    by_day: dict[str, list[dict]] = {}
    for e in source.window_events(store, ctx.office["id"], first.isoformat(), last.isoformat()):
        by_day.setdefault(e["day"], []).append(e)
    return {d: pauses_of(replace(ctx, day=date.fromisoformat(d)), events) for d, events in by_day.items()}


def _add_pauses(row: dict, pauses: list[dict]) -> None:
    row["pauses"] = (row["pauses"] or 0) + len(pauses)
    row["pause_seconds"] = (row["pause_seconds"] or 0.0) + math.fsum(p["seconds"] for p in pauses)


def _period_common(ctx: DayContext) -> dict:
    return {"office": ctx.office,
            "profile": {"id": ctx.profile.id, "title": ctx.profile.title, "source": ctx.profile.source},
            "norms": norms_table(ctx), "visit_norm": ctx.visit_norm.to_json()}


# ---------------------------------------------------------------------- the month

def monthly(store: Store, office: str, year: int, month: int, now: float) -> dict:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    ctx = source.context(store, office, first, now)
    a, b = first.isoformat(), last.isoformat()
    seg_total = source.segment_aggregates(store, ctx, "month", a, b)
    vis_total = source.visit_aggregates(store, ctx, "month", a, b)
    seg_days = {r["k"]: r for r in source.segment_aggregates(store, ctx, "day", a, b)}
    vis_days = {r["k"]: r for r in source.visit_aggregates(store, ctx, "day", a, b)}
    rat_days = {r["k"]: r for r in source.rating_aggregates(store, office, "day", a, b)}
    pauses = _pauses(store, ctx, first, last)

    total = group_from_sums(seg_total[0] if seg_total else None, "total", "Итого за месяц")
    visits = _visits(vis_total[0] if vis_total else None)
    total["visits_over"] = visits["over_norm"]
    total["pauses"], total["pause_seconds"] = 0, 0.0
    days = []
    for i in range(1, last.day + 1):
        d = date(year, month, i).isoformat()
        if d not in seg_days and d not in vis_days and d not in pauses:
            continue
        row = group_from_sums(seg_days.get(d), d, f"{i:02d}.{month:02d}.{year}")
        v = _visits(vis_days.get(d))
        row.update(visits_over=v["over_norm"], issued=v["issued"], visits_served=v["served"],
                   pauses=0, pause_seconds=0.0, rating=_ratings_row(rat_days.get(d)))
        _add_pauses(row, pauses.get(d, []))
        _add_pauses(total, pauses.get(d, []))
        days.append(row)

    def groups(kind: str, label) -> list[dict]:
        segs = {r["k"]: r for r in source.segment_aggregates(store, ctx, kind, a, b)}
        vis = {r["k"]: r for r in source.visit_aggregates(store, ctx, kind, a, b)}
        rows = {}
        for k in segs:
            rows[k] = group_from_sums(segs[k], k, label(k))
            rows[k]["visits_over"] = int((vis.get(k) or {}).get("over_norm") or 0)
        return list(rows.values())

    by_service = groups("service", ctx.service_label)
    order = {sid: (s.get("order", 0), s.get("letter", "")) for sid, s in ctx.services.items()}
    by_service.sort(key=lambda g: (order.get(g["key"], (999, "")), str(g["key"])))
    by_window = groups("window", ctx.window_label)
    by_operator = groups("operator", ctx.operator_label)
    win_rows = {g["key"]: g for g in by_window}
    op_rows = {g["key"]: g for g in by_operator}
    for g in by_window + by_operator:
        g["pauses"], g["pause_seconds"] = 0, 0.0
    for day_pauses in pauses.values():
        for p in day_pauses:
            if p["window"] not in win_rows:
                win_rows[p["window"]] = group_from_sums(None, p["window"], ctx.window_label(p["window"]))
                win_rows[p["window"]].update(pauses=0, pause_seconds=0.0)
                by_window.append(win_rows[p["window"]])
            _add_pauses(win_rows[p["window"]], [p])
            if p["operator"]:
                if p["operator"] not in op_rows:
                    op_rows[p["operator"]] = group_from_sums(None, p["operator"], ctx.operator_label(p["operator"]))
                    op_rows[p["operator"]].update(pauses=0, pause_seconds=0.0)
                    by_operator.append(op_rows[p["operator"]])
                _add_pauses(op_rows[p["operator"]], [p])
    by_window.sort(key=lambda g: (ctx.windows.get(g["key"], {}).get("number", 10**6), g["key"]))
    by_operator.sort(key=lambda g: (g["label"], g["key"]))

    return {
        "kind": "monthly",
        "month": f"{year:04d}-{month:02d}",
        "title": f"Показатели обслуживания за {MONTH_NAMES[month - 1]} {year} г.",
        "generated_at": _generated(now, ctx),
        **_period_common(ctx),
        "visits": visits,
        "total": total,
        "by_day": days,
        "by_service": by_service,
        "by_window": by_window,
        "by_operator": by_operator,
        "ratings": ratings_section(ctx, source.ratings(store, office, a, b)),
    }


# ---------------------------------------------------------------------- the year (004:203–209)

def yearly(store: Store, office: str, year: int, now: float) -> dict:
    first = date(year, 1, 1)
    ctx = source.context(store, office, first, now)
    sums = cache.year_months(store, ctx, year, now)
    segs = {k: v["seg"] for k, v in sums.items() if v["seg"]}
    vis = {k: v["vis"] for k, v in sums.items() if v["vis"]}
    rats = {k: v["rat"] for k, v in sums.items() if v["rat"]}
    months = []
    for m in range(1, 13):
        k = f"{year:04d}-{m:02d}"
        row = group_from_sums(segs.get(k), k, f"{MONTH_NAMES[m - 1].capitalize()}")
        v = _visits(vis.get(k))
        count, seconds = sums[k]["pauses"]
        row.update(visits=v, visits_over=v["over_norm"], pauses=count, pause_seconds=seconds,
                   rating=_ratings_row(rats.get(k)))
        months.append(row)
    total = group_from_sums(_pool(list(segs.values())), "total", f"Итого за {year} год")
    visits = _visits(_pool(list(vis.values())))
    rat_pool = _pool(list(rats.values()))
    if rat_pool.get("count"):
        rat_pool["average"] = math.fsum((r["average"] or 0) * r["count"] for r in rats.values()) / rat_pool["count"]
    total.update(visits=visits, visits_over=visits["over_norm"], pauses=sum(r["pauses"] for r in months),
                 pause_seconds=math.fsum(r["pause_seconds"] for r in months), rating=_ratings_row(rat_pool))
    return {
        "kind": "yearly",
        "year": year,
        "title": f"Раскрытие информации о качестве обслуживания за {year} год",
        "generated_at": _generated(now, ctx),
        **_period_common(ctx),
        "months": months,
        "total": total,
        "visits": visits,
        "disclosure": [
            "Среднее за календарный месяц время ожидания потребителей в очереди до начала очного "
            "обслуживания (004:207): столбец «Ожидание, среднее».",
            "Среднее за календарный месяц время обслуживания работниками центра очно (004:208): "
            "столбец «Приём, среднее».",
            "Количество очных обращений по талонам электронной очереди — визиты (к 004:206; претензии "
            "и жалобы, поданные письменно, электронная очередь не учитывает).",
        ],
    }


def parse_month(text: str) -> tuple[int, int]:
    y, m = text.split("-")
    year, month = int(y), int(m)
    if not (1 <= month <= 12 and 2000 <= year <= 2100) or len(y) != 4 or len(m) != 2:
        raise ValueError(text)
    return year, month


def utc_now() -> float:
    return datetime.now(timezone.utc).timestamp()
