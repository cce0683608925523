"""The yearly pack's section «Анкета посетителей» (issue 16 point 5; the questionnaire of
000:622–762, surveys at least once a year: 000:525, 000:571).

Answers by question (counts and shares of each option among the visits that answered the
question) for the whole scope, and the same for each office. The counts come from the office's
``survey_answers`` table (server/store/survey.py); at the company centre from the
``survey.answered`` events the offices ship (no personal data in them). A source with neither
says «нет данных», never a zero that would read as «nobody answered».
"""
from __future__ import annotations

from ..domain import survey as rules
from ..store import survey as store_sv
from .source import office_store
from .tables import Column, Table

TITLE = "Анкета посетителей (000:622–762)"
NO_DATA = ("нет данных: у этого источника отчёта нет ни ответов на анкету, ни событий о них; "
           "смотрите годовые отчёты офисов")
NOTE = ("Анкета стандарта (000:622–762) предлагается посетителю на его странице после оценки "
        "обслуживания; отвечать необязательно, любой вопрос можно пропустить. Доля — среди визитов, "
        "ответивших на вопрос; в вопросах с несколькими ответами сумма долей может быть больше 100 %. "
        "Свободный текст, пол и возраст не собираются (персональные данные).")


def section(store_or_source, offices: list[str], year: int) -> dict:
    """The answers of ``year`` over ``offices``: pooled and per office, or «нет данных»."""
    store = office_store(store_or_source)
    central = store_or_source if store is None and hasattr(store_or_source, "survey_counts") else None
    if store is None and central is None:
        return {"available": False, "note": NO_DATA}
    first, last = f"{year:04d}-01-01", f"{year:04d}-12-31"
    pooled: dict[tuple[str, str], dict] = {}
    by_office = []
    total = 0
    for office in offices:
        if central is not None:  # the centre: the answers the offices shipped as survey.answered events
            rows = central.survey_counts(office, first, last)
            n = central.survey_visits(office, first, last)
            name = central.office_name(office)
        else:
            rows = store_sv.counts(store, office, first, last)
            n = store_sv.visits(store, office, first, last)
            name = (store.one("SELECT name FROM offices WHERE id = ?", (office,)) or {}).get("name") or office
        total += n
        by_office.append({"office": office, "label": name, "visits": n, "questions": rules.tally(rows)})
        for r in rows:
            p = pooled.setdefault((r["question"], r["answer"]), {"question": r["question"], "answer": r["answer"],
                                                                 "n": 0, "visits": 0})
            p["n"] += int(r["n"])
    # the visits that answered each question, summed over the offices
    answered: dict[str, int] = {}
    for o in by_office:
        for q in o["questions"]:
            answered[q["id"]] = answered.get(q["id"], 0) + q["answered"]
    for p in pooled.values():
        p["visits"] = answered.get(p["question"], 0)
    return {"available": True, "visits": total, "questions": rules.tally(list(pooled.values())),
            "by_office": by_office, "note": NOTE}


def _rows(questions: list[dict], office: str | None = None) -> list[list]:
    out = []
    for q in questions:
        title = f"{q['group']}: {q['text']}" if q["group"] else q["text"]
        for o in q["options"]:
            row = [title, o["label"], o["count"], o["share"], q["answered"], q["source"]]
            out.append([office, *row] if office is not None else row)
    return out


def tables(report: dict) -> list[Table]:
    """The section as tables: by question, and by office and question (none without a section)."""
    s = report.get("survey")
    if not s:
        return []
    if not s.get("available"):
        return [Table("survey", TITLE, [Column("Раздел", "text", 3.0)], [[s["note"]]], note=s["note"],
                      sheet="Анкета")]
    cols = [Column("Вопрос", "text", 3.2), Column("Вариант ответа", "text", 2.6), Column("Ответов"),
            Column("Доля", "share"), Column("Ответили на вопрос", width=1.1), Column("Пункт стандарта", "text", 1.2)]
    out = [Table("survey", f"{TITLE}: по вопросам, визитов с ответами — {s['visits']}", cols,
                 _rows(s["questions"]), note=s["note"], wide=True, sheet="Анкета")]
    rows = [r for o in s["by_office"] for r in _rows(o["questions"], o["label"]) if r[3]]
    out.append(Table("survey_offices", f"{TITLE}: по офисам", [Column("Офис", "text", 2.0), *cols], rows,
                     note="Только выбранные варианты; офисы без ответов не показаны.", wide=True,
                     sheet="Анкета по офисам"))
    return out
