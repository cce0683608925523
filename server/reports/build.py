"""One call per report: :func:`daily`, :func:`monthly`, :func:`yearly` (a JSON-ready dict each).

The day is computed row by row by :func:`.figures.daily_figures` (medians and percentiles need the
values). The month and the year — the indicators 004:203–209 asks to disclose: the average
waiting and service time per calendar month and the counts of visits — are summed in SQL by
:mod:`.source` with the same rules, so a month's figure is exactly the pooled figure of its days.
"""
from __future__ import annotations

import calendar
import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime

from .. import texts
from . import source
from .figures import COUNTERS, DayContext, daily_figures, norms_table, pauses_of, ratings_section, without_visit_norm
from .tables import MONTH_NAMES


def _generated(now: float, ctx: DayContext) -> str:
    return datetime.fromtimestamp(now, ctx.zone).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------- the day

def daily(store, office: str, day: date, now: float) -> dict:
    """``store``: a report source (:class:`.source.SqliteSource`, the centre's ``CentralSource``)
    or a hub :class:`Store`."""
    src = source.as_source(store)
    ctx = src.context(office, day, now)
    d = day.isoformat()
    report = daily_figures(ctx, src.segments_of_day(office, d), src.tickets_of_day(office, d),
                           src.window_events(office, d, d), src.ratings(office, d, d))
    report["generated_at"] = _generated(now, ctx)
    report["title"] = f"Отчёт о времени ожидания за {texts.long_date(day)}"  # «3 декабря 2026 г.»
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
    """Sums of several aggregate rows (the year from its months, a company from its offices).
    A rating row's ``average`` is pooled weighted by its ``count``."""
    out: dict = {}
    rated = 0
    for r in rows:
        for k, v in r.items():
            if k in ("k", "average") or v is None:
                continue
            if k.endswith("_max"):
                out[k] = max(out.get(k, v), v)
            else:
                out[k] = out.get(k, 0) + v
        if r.get("average") is not None and r.get("count"):
            out["average"] = out.get("average", 0.0) + r["average"] * r["count"]
            rated += r["count"]
    if rated:
        out["average"] = out["average"] / rated
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


def _pauses(src, ctx: DayContext, first: date, last: date) -> dict[str, list[dict]]:
    """Each day's pauses (the rules of :func:`.figures.pauses_of`), by ISO day."""
    by_day: dict[str, list[dict]] = {}
    for e in src.window_events(ctx.office["id"], first.isoformat(), last.isoformat()):
        by_day.setdefault(e["day"], []).append(e)
    return {d: pauses_of(replace(ctx, day=date.fromisoformat(d)), events) for d, events in by_day.items()}


def _add_pauses(row: dict, pauses: list[dict]) -> None:
    row["pauses"] = (row["pauses"] or 0) + len(pauses)
    row["pause_seconds"] = (row["pause_seconds"] or 0.0) + math.fsum(p["seconds"] for p in pauses)


def _period_common(ctx: DayContext) -> dict:
    return {"office": ctx.office,
            "profile": {"id": ctx.profile.id, "title": ctx.profile.title, "source": ctx.profile.source},
            "norms": norms_table(ctx), "visit_norm": ctx.visit_norm.to_json() if ctx.visit_norm else None}


# ---------------------------------------------------------------------- the month

def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _month_sums(src, ctx: DayContext, first: date, last: date) -> dict:
    """Everything the month's report is made of, as sums from the source (SQL)."""
    office = ctx.office["id"]
    a, b = first.isoformat(), last.isoformat()
    seg_total = src.segment_aggregates(ctx, "month", a, b)
    vis_total = src.visit_aggregates(ctx, "month", a, b)
    out = {"seg_total": seg_total[0] if seg_total else None, "vis_total": vis_total[0] if vis_total else None,
           "seg_days": {r["k"]: r for r in src.segment_aggregates(ctx, "day", a, b)},
           "vis_days": {r["k"]: r for r in src.visit_aggregates(ctx, "day", a, b)},
           "rat_days": {r["k"]: r for r in src.rating_aggregates(office, "day", a, b)},
           "pauses": _pauses(src, ctx, first, last), "ratings": src.ratings(office, a, b), "groups": {}}
    for kind in ("service", "window", "operator"):
        out["groups"][kind] = ({r["k"]: r for r in src.segment_aggregates(ctx, kind, a, b)},
                               {r["k"]: r for r in src.visit_aggregates(ctx, kind, a, b)})
    return out


def _monthly_report(ctx: DayContext, sums: dict, year: int, month: int, now: float, per_window: bool = True) -> dict:
    first, last = _month_bounds(year, month)
    seg_days, vis_days, rat_days, pauses = sums["seg_days"], sums["vis_days"], sums["rat_days"], sums["pauses"]
    total = group_from_sums(sums["seg_total"], "total", "Итого за месяц")
    visits = _visits(sums["vis_total"])
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
        segs, vis = sums["groups"][kind]
        rows = {}
        for k in segs:
            rows[k] = group_from_sums(segs[k], k, label(k))
            rows[k]["visits_over"] = int((vis.get(k) or {}).get("over_norm") or 0)
        return list(rows.values())

    by_service = groups("service", ctx.service_label)
    order = {sid: (s.get("order", 0), s.get("letter", "")) for sid, s in ctx.services.items()}
    by_service.sort(key=lambda g: (order.get(g["key"], (999, "")), str(g["key"])))
    by_window = groups("window", ctx.window_label) if per_window else []
    by_operator = groups("operator", ctx.operator_label) if per_window else []
    win_rows = {g["key"]: g for g in by_window}
    op_rows = {g["key"]: g for g in by_operator}
    for g in by_window + by_operator:
        g["pauses"], g["pause_seconds"] = 0, 0.0
    for day_pauses in (pauses.values() if per_window else ()):
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

    return without_visit_norm(ctx, {
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
        "ratings": ratings_section(ctx, sums["ratings"]),
    })


def monthly(store, office: str, year: int, month: int, now: float) -> dict:
    src = source.as_source(store)
    first, last = _month_bounds(year, month)
    ctx = src.context(office, first, now)
    report = _monthly_report(ctx, _month_sums(src, ctx, first, last), year, month, now)
    from ..planning.report import monthly_section  # «Рекомендации по числу окон» (issue 13 point 5)
    report["staffing"] = monthly_section(store, office, year, month)
    from .casework import section as casework_section  # written requests and home visits (004:206)
    report["casework"] = casework_section(store, [office], first, last, now)
    return report


# ---------------------------------------------------------------------- the year (004:203–209)

def _yearly_report(ctx: DayContext, sums: dict[str, dict], year: int, now: float) -> dict:
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
    total.update(visits=visits, visits_over=visits["over_norm"], pauses=sum(r["pauses"] for r in months),
                 pause_seconds=math.fsum(r["pause_seconds"] for r in months), rating=_ratings_row(rat_pool))
    return without_visit_norm(ctx, {
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
            "Количество очных обращений по талонам электронной очереди — визиты (к 004:206); письменные "
            "обращения, претензии и жалобы — в таблице «Письменные обращения, претензии и жалобы (004:206)».",
        ],
    })


def yearly(store, office: str, year: int, now: float) -> dict:
    src = source.as_source(store)
    ctx = src.context(office, date(year, 1, 1), now)
    report = _yearly_report(ctx, src.year_months(ctx, year, now), year, now)
    from .casework import section as casework_section  # written requests and home visits (004:206)
    report["casework"] = casework_section(store, [office], date(year, 1, 1), date(year, 12, 31), now)
    from .survey import section as survey_section  # the visitor questionnaire (000:622–762)
    report["survey"] = survey_section(store, [office], year)
    return report


# ---------------------------------------------------------------------- several offices pooled

def _pooled_context(contexts: list[DayContext], scope: dict) -> DayContext:
    """The context of a consolidated report: the scope (company or region) as its «office»; the
    services and people of every office by id (the first office's name wins); no windows (window
    numbers are each office's own). The norms are shown only when every office has the same."""
    first = contexts[0]
    services: dict = {}
    users: dict = {}
    for c in contexts:
        for sid, s in c.services.items():
            services.setdefault(sid, s)
        for login, name in c.users.items():
            users.setdefault(login, name)
    return replace(first, office={"id": scope["id"], "name": scope["name"], "company": scope.get("company", ""),
                                  "address": scope.get("address", "")},
                   services=services, windows={}, users=users)


def _same_norms(contexts: list[DayContext]) -> bool:
    return len({json.dumps(norms_table(c), sort_keys=True) for c in contexts}) == 1 and \
        len({c.visit_norm.limit_seconds if c.visit_norm else None for c in contexts}) == 1


def _pool_keyed(maps: list[dict]) -> dict:
    keys: dict = {}
    for m in maps:
        for k, r in m.items():
            keys.setdefault(k, []).append(r)
    return {k: {"k": k, **_pool(rows)} for k, rows in keys.items()}


def _scope_rows(reports: list[dict]) -> list[dict]:
    """Each office's total as a row of the consolidated report (``by_office``)."""
    rows = []
    for r in reports:
        t = dict(r["total"])
        t.update(key=r["office"]["id"], label=r["office"]["name"] or r["office"]["id"], visits=r["visits"])
        rows.append(t)
    return rows


def monthly_pooled(store, offices: list[str], scope: dict, year: int, month: int, now: float) -> dict:
    """A company's or region's month: the offices' sums pooled (not an average of averages), by
    the same rules and code as an office's month; ``by_office`` holds each office's own total."""
    src = source.as_source(store)
    first, last = _month_bounds(year, month)
    contexts = [src.context(o, first, now) for o in offices]
    parts = [_month_sums(src, c, first, last) for c in contexts]
    pauses: dict[str, list] = {}
    for p in parts:
        for d, ps in p["pauses"].items():
            pauses.setdefault(d, []).extend(ps)
    pooled = {
        "seg_total": _pool([p["seg_total"] for p in parts if p["seg_total"]]) or None,
        "vis_total": _pool([p["vis_total"] for p in parts if p["vis_total"]]) or None,
        "seg_days": _pool_keyed([p["seg_days"] for p in parts]),
        "vis_days": _pool_keyed([p["vis_days"] for p in parts]),
        "rat_days": _pool_keyed([p["rat_days"] for p in parts]),
        "pauses": pauses, "ratings": [r for p in parts for r in p["ratings"]],
        "groups": {"service": (_pool_keyed([p["groups"]["service"][0] for p in parts]),
                               _pool_keyed([p["groups"]["service"][1] for p in parts]))},
    }
    ctx = _pooled_context(contexts, scope)
    report = _monthly_report(ctx, pooled, year, month, now, per_window=False)
    report["scope"] = scope
    report["by_office"] = _scope_rows([_monthly_report(c, p, year, month, now)
                                       for c, p in zip(contexts, parts, strict=True)])
    from .casework import section as casework_section  # «нет данных» at the centre (no casework tables)
    report["casework"] = casework_section(src, offices, first, last, now)
    if not _same_norms(contexts):
        report["norms"] = []
    return report


def yearly_reports(store, offices: list[str], scope: dict, year: int, now: float) -> tuple[dict, list[dict]]:
    """The company's (or a region's) year pooled from its offices, and each office's own year."""
    src = source.as_source(store)
    contexts = [src.context(o, date(year, 1, 1), now) for o in offices]
    many = getattr(src, "year_months_many", None)
    sums = many(contexts, year, now) if many else [src.year_months(c, year, now) for c in contexts]
    own = [_yearly_report(c, s, year, now) for c, s in zip(contexts, sums, strict=True)]
    pooled: dict[str, dict] = {}
    for m in range(1, 13):
        k = f"{year:04d}-{m:02d}"
        pooled[k] = {part: _pool([s[k][part] for s in sums if s[k][part]]) or None for part in ("seg", "vis", "rat")}
        pooled[k]["pauses"] = [sum(s[k]["pauses"][0] for s in sums), math.fsum(s[k]["pauses"][1] for s in sums)]
    report = _yearly_report(_pooled_context(contexts, scope), pooled, year, now)
    report["scope"] = scope
    report["by_office"] = _scope_rows(own)
    from .casework import section as casework_section  # «нет данных» at the centre (no casework tables)
    report["casework"] = casework_section(src, offices, date(year, 1, 1), date(year, 12, 31), now)
    from .survey import section as survey_section  # «нет данных» at the centre (answers not shipped)
    report["survey"] = survey_section(src, offices, year)
    if not _same_norms(contexts):
        report["norms"] = []
    return report, own


def yearly_pooled(store, offices: list[str], scope: dict, year: int, now: float) -> dict:
    return yearly_reports(store, offices, scope, year, now)[0]


def disclosure_document(pooled: dict, own: list[dict]):
    """The 004:203–209 yearly disclosure of every office in ONE document (one XLSX, one PDF): the
    company's months and totals first, then a table of months for each office (its own sheet)."""
    from .tables import Document, document

    head = document(pooled)
    tables = [t for t in head.tables if t.id == "months"]
    tables[0].title = f"{pooled['office']['name']}: по календарным месяцам (004:203–209), все офисы вместе"
    tables[0].sheet = "Компания по месяцам"
    for r in own:
        doc = document(r)
        months = next(t for t in doc.tables if t.id == "months")
        name = r["office"]["name"] or r["office"]["id"]
        months.id = f"months-{r['office']['id']}"
        months.title = f"{name}: по календарным месяцам (004:203–209)"
        months.sheet = name[:31]
        tables.append(months)
    return Document("yearly", f"{pooled['title']}: все офисы", head.lead, head.summary, tables, [],
                    head.rules, filename=f"talon-disclosure-{pooled['office']['id']}-{pooled['year']}",
                    highlights=head.highlights)


def parse_month(text: str) -> tuple[int, int]:
    y, m = text.split("-")
    year, month = int(y), int(m)
    if not (1 <= month <= 12 and 2000 <= year <= 2100) or len(y) != 4 or len(m) != 2:
        raise ValueError(text)
    return year, month


def utc_now() -> float:
    return datetime.now(UTC).timestamp()
