"""The reports' section «Обращения, претензии, жалобы и выезды на дом» (issue 16 points 3 and 4;
004:206: «количество обращений, претензий и жалоб»; home visits: 000:348, 002:170).

The counts come from the office's casework tables (:func:`server.store.casework.counts`); at the
company centre, which has no casework tables (personal data never leaves the office), from the
events the offices ship - ids, kinds, due dates and «late» only
(:meth:`server.central.report_source.CentralSource.casework_counts`). A source with neither says
«нет данных» instead of a zero that would read as «none were written».
"""
from __future__ import annotations

import json
from datetime import date

from ..domain import casework as rules
from ..domain.schedule import Schedule
from ..store import casework as store_cw
from .source import office_store
from .tables import Column, Table

NO_DATA = ("нет данных: у этого источника отчёта нет ни таблиц обращений офиса, ни событий о них; "
           "смотрите отчёты офисов")
NOTE = ("Письменные обращения, претензии и жалобы, зарегистрированные за период (004:206), со сроком ответа "
        "по стандарту компании; выезды на дом для одиноко проживающих людей с инвалидностью или старше "
        "65 лет (000:348, 002:170). «Срок прошёл» — без ответа, хотя срок уже истёк.")


def section(store_or_source, offices: list[str], first: date, last: date, now: float) -> dict:
    """The counts of the days ``first``..``last`` over ``offices`` (summed), or «нет данных»."""
    store = office_store(store_or_source)
    central = getattr(store_or_source, "casework_counts", None)  # the centre: counted from the shipped events
    if store is None and central is None:
        return {"available": False, "note": NO_DATA}
    visits = {"requested": 0, "done": 0, "refused": 0}
    requests = {k: {"registered": 0, "in_time": 0, "late": 0, "overdue": 0} for k in rules.KINDS}
    for office in offices:
        if store is None:
            c = central(office, first.isoformat(), last.isoformat(), store_or_source.today(office).isoformat())
        else:
            row = store.one("SELECT schedule FROM offices WHERE id = ?", (office,))
            today = Schedule.from_json(json.loads(row["schedule"])).office_day(now) if row else date.today().isoformat()
            c = store_cw.counts(store, office, first.isoformat(), last.isoformat(), today)
        for k in visits:
            visits[k] += c["visits"][k]
        for kind in rules.KINDS:
            for k in requests[kind]:
                requests[kind][k] += c["requests"][kind][k]
    return {"available": True, "visits": visits, "requests": requests, "note": NOTE}


def tables(report: dict) -> list[Table]:
    """The section as two tables (none when the report has no section)."""
    s = report.get("casework")
    if not s:
        return []
    if not s.get("available"):
        return [Table("casework", "Обращения, претензии, жалобы и выезды на дом (004:206)",
                      [Column("Раздел", "text", 3.0)], [[s["note"]]], note=s["note"], sheet="Обращения")]
    cols = [Column("Вид", "text", 2.0), Column("Зарегистрировано"), Column("Ответ дан в срок"),
            Column("Ответ дан с опозданием", width=1.2), Column("Срок прошёл, ответа нет", width=1.3)]
    rows = [[rules.KIND_NAMES[k], r["registered"], r["in_time"], r["late"], r["overdue"]]
            for k, r in s["requests"].items()]
    total = ["Всего", *[sum(r[i] for r in rows) for i in range(1, 5)]]
    v = s["visits"]
    return [
        Table("casework", "Письменные обращения, претензии и жалобы (004:206)", cols, rows, total, note=s["note"],
              sheet="Обращения"),
        Table("home_visits", "Выезды на дом (000:348, 002:170)",
              [Column("Заявок на выезд"), Column("Выполнено"), Column("Отказано")],
              [[v["requested"], v["done"], v["refused"]]], sheet="Выезды на дом"),
    ]
