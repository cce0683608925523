"""«Рекомендации по числу окон» for the monthly report: from the month's own visitors, for each
weekday the mean visitors per day, the busiest hour and the windows Erlang C asks for each hour
so that the target share (80 %) waits within its norm (001:379-419); the detailed plan of a day,
checked by simulation, is ``talon plan --date D``."""
from __future__ import annotations

import logging
from datetime import date

from ..domain.schedule import WEEKDAYS
from .staffing import DEFAULT_TARGET, erlang_windows, hhmm

log = logging.getLogger(__name__)
WEEKDAY_WORDS = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")


def monthly_section(store, office: str, year: int, month: int, target: float = DEFAULT_TARGET) -> dict | None:
    """The section's rows, or None when the month has no visitors (or the store is not a hub's)."""
    try:
        from . import history
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1)
        setup = history.office_setup(store, office, first)
        counts = history.month_counts(store, office, first, last, setup.tz)
        minutes = {**history.default_minutes(setup), **history.service_minutes(store, office, last, weeks=5)}
    except Exception:  # a store that is not an office hub's (the company centre): no section
        log.debug("no staffing section for %s %04d-%02d", office, year, month, exc_info=True)
        return None
    if not counts:
        return None
    norms = setup.norms()
    most = len(setup.windows)
    rows = []
    for wd in range(7):
        days = {d: c for d, c in counts.items() if date.fromisoformat(d).weekday() == wd}
        if not days:
            continue
        hours: dict[int, dict[str, float]] = {}
        for c in days.values():
            for h, per in c.items():
                slot = hours.setdefault(h, {})
                for s, n in per.items():
                    slot[s] = slot.get(s, 0.0) + n / len(days)
        need = {h: erlang_windows(per, minutes, norms, target, most)[0] for h, per in hours.items()}
        peak = max(hours, key=lambda h: (sum(hours[h].values()), -h))
        rows.append({"weekday": WEEKDAY_WORDS[wd], "key": WEEKDAYS[wd], "days": len(days),
                     "visitors": round(sum(sum(p.values()) for p in hours.values()), 1),
                     "peak_hour": f"{hhmm(peak * 60)}–{hhmm(peak * 60 + 60)}",
                     "peak_visitors": round(sum(hours[peak].values()), 1), "peak_windows": need[peak],
                     "windows_min": min(need.values()), "windows_max": max(need.values()),
                     "by_hour": {str(h): need[h] for h in sorted(need)}})
    return {"target": target, "rows": rows,
            "note": "Число окон — по Эрлангу C, чтобы не меньше "
                    f"{round(target * 100)} % посетителей ждали не дольше норматива; "
                    "подробный план дня, проверенный моделированием: talon plan --date ГГГГ-ММ-ДД"}


def staffing_tables(report: dict) -> list:
    """The report's table «Рекомендации по числу окон» (none when the section is absent)."""
    section = report.get("staffing")
    if not section or not section.get("rows"):
        return []
    from ..reports.tables import Column, Table
    cols = [Column("День недели", "text", 1.6), Column("Дней в месяце"), Column("Посетителей в день", "num"),
            Column("Час пик", "text", 1.3), Column("Посетителей в час пик", "num"),
            Column("Окон в час пик"), Column("Окон в другие часы", "text")]
    rows = [[r["weekday"], r["days"], r["visitors"], r["peak_hour"], r["peak_visitors"], r["peak_windows"],
             f"{r['windows_min']}–{r['windows_max']}" if r["windows_min"] != r["windows_max"]
             else str(r["windows_min"])]
            for r in section["rows"]]
    return [Table("staffing", "Рекомендации по числу окон", cols, rows, note=section["note"], sheet="Число окон")]
