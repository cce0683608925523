"""A report as a document: titled tables and charts, the same for HTML, CSV, XLSX and PDF.

Values stay raw here (seconds, shares 0..1, counts, text); each format writes them its own way
through :func:`display` (HTML, PDF) or as numbers with number formats (XLSX) or Russian decimal
commas (CSV). Column kinds: ``text``, ``int``, ``min`` (seconds shown as minutes), ``share``
(0..1 shown as a percentage), ``score`` (an average rating), ``num``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import texts

MONTH_NAMES = texts.month_names()  # «январь» … «декабрь» (Babel)
REASON_WORDS = {"lunch": "обед", "technical": "технический перерыв", "other": "другое"}
LEVEL_WORDS = {"specialist": "специалист", "senior": "ведущий специалист", "head": "руководитель"}
PHASE_WORDS = {"digital": "Привлечение к цифровым сервисам", "upsell": "Предложение дополнительных товаров и услуг"}


@dataclass
class Column:
    title: str
    kind: str = "int"
    width: float = 1.0  # relative width (PDF)
    group: str = ""  # a heading over several columns: «Ожидание, мин» over «среднее», «медиана», …
    full: str = ""  # the title on its own (CSV, XLSX) when «group: title» would mislead

    @property
    def full_title(self) -> str:
        return self.full or (f"{self.group}: {self.title}" if self.group else self.title)


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[list]
    total: list | None = None
    note: str = ""
    wide: bool = False  # many columns: the PDF prints it in a smaller type
    sheet: str = ""  # a short name for its XLSX sheet (31 characters at most)

    def heading_rows(self) -> list[list[tuple[str, int, int, str]]]:
        """The heading as rows of (text, colspan, rowspan, kind): one row, or two when columns are
        grouped («Ожидание, мин» over «среднее», «медиана», …)."""
        if not any(c.group for c in self.columns):
            return [[(c.title, 1, 1, c.kind) for c in self.columns]]
        top, bottom = [], []
        i = 0
        while i < len(self.columns):
            c = self.columns[i]
            if not c.group:
                top.append((c.title, 1, 2, c.kind))
                i += 1
                continue
            j = i
            while j < len(self.columns) and self.columns[j].group == c.group:
                bottom.append((self.columns[j].title, 1, 1, self.columns[j].kind))
                j += 1
            top.append((c.group, j - i, 1, "group"))
            i = j
        return [top, bottom]


@dataclass
class Chart:
    id: str
    title: str
    categories: list[str]
    series: list[tuple[str, list]]
    kind: str = "column"  # or "line"
    y_title: str = ""


@dataclass
class Document:
    kind: str
    title: str
    lead: list[tuple[str, str]]  # (label, value): office, date, norms, generated
    summary: Table
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    filename: str = "report"
    #: the few figures the HTML report shows large at the top: (label, value, kind, remark)
    highlights: list[tuple[str, object, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------- showing a value

def display(value, kind: str) -> str:
    """A value as people read it in the HTML page and the PDF (Russian decimal comma)."""
    if value is None or value == "":
        return "—"
    if kind == "text":
        return str(value)
    if kind == "int":
        return texts.integer(value)
    if kind == "min":
        return texts.decimal(value / 60.0, 1)
    if kind == "share":
        return texts.decimal(value * 100, 1) + "\u00a0%"
    if kind == "score":
        return texts.decimal(value, 2)
    if kind == "num":
        return texts.decimal(value, 1)
    return str(value)


def norm_words(norm: dict | None) -> str:
    if not norm:
        return "нет"
    t, lim = norm["target"], norm["limit"]

    def fmt(x):
        return texts.decimal(x)

    return f"{fmt(t)}–{fmt(lim)}" if t != lim else fmt(lim)


# ---------------------------------------------------------------------- rows of groups

def _g(row: dict, path: str):
    v = row
    for part in path.split("."):
        if v is None:
            return None
        v = v.get(part)
    return v


def group_columns(first: str, detailed: bool, hours: bool = False) -> list[tuple[str, Column]]:
    cols = [("label", Column(first, "text", 3.2))]
    if hours:
        cols += [("arrivals", Column("Пришло (талонов)")), ("segments", Column("Встали в очередь")),
                 ("served_in_hour", Column("Обслужено за час"))]
    else:
        cols += [("segments", Column("Посетителей")), ("served", Column("Обслужено"))]
    for part, word in (("wait", "Ожидание"), ("service", "Приём")):
        group = f"{word}, мин"
        cols.append((f"{part}.avg", Column("среднее", "min", group=group)))
        if detailed:
            cols += [(f"{part}.median", Column("медиана", "min", group=group)),
                     (f"{part}.p90", Column("90\u00a0%", "min", group=group))]
        cols += [(f"{part}.max", Column("максимум", "min", group=group)),
                 (f"{part}.within_share", Column("в нормативе", "share", 1.15, group=group,
                                                 full=f"{word}: в нормативе"))]
    cols += [("no_show", Column("Неявки")), ("transferred", Column("Переводы")),
             ("escalated", Column("Передано старшему", width=1.1)), ("cancelled", Column("Отменено")),
             ("unfinished", Column("Не завершено")), ("pauses", Column("число", group="Перерывы")),
             ("pause_seconds", Column("мин", "min", group="Перерывы")),
             ("visits_over", Column("Визиты дольше нормы", width=1.1))]
    return cols


def group_table(tid: str, title: str, rows: list[dict], first: str, *, detailed: bool = True,
                total: dict | None = None, hours: bool = False, note: str = "") -> Table:
    spec = group_columns(first, detailed, hours)
    table_rows = [[_g(r, path) for path, _ in spec] for r in rows]
    total_row = [_g(total, path) for path, _ in spec] if total is not None else None
    return Table(tid, title, [c for _, c in spec], table_rows, total_row, note, wide=True)


def _stat_lines(label: str, s: dict, norm_note: str = "") -> list[tuple[str, object, str]]:
    return [
        (f"{label}: среднее, мин", s["avg"], "min"),
        (f"{label}: медиана, мин", s.get("median"), "min"),
        (f"{label}: 90 % посетителей дождались за, мин" if label == "Ожидание" else f"{label}: 90 %, мин",
         s.get("p90"), "min"),
        (f"{label}: максимум, мин", s["max"], "min"),
        (f"{label}: доля в нормативе{norm_note}", s.get("within_share"), "share"),
    ]


def kv_table(tid: str, title: str, lines: list[tuple[str, object, str]]) -> Table:
    """A two-column table «показатель — значение»; the value keeps its kind (column kind ``mixed``)."""
    return Table(tid, title, [Column("Показатель", "text", 3.0), Column("Значение", "mixed", 1.2)],
                 [[label, (value, kind)] for label, value, kind in lines])


def ratings_tables(prefix: str, ratings: dict, with_day: bool = False) -> list[Table]:
    cols = [Column("Оценок"), Column("Средняя", "score"), *[Column(f"«{s}»", group="Оценок") for s in range(1, 6)],
            Column("Удовлетворённость", "share", 1.3)]

    def rows(groups):
        return [[g["label"], g["count"], g["average"], *[g["distribution"][str(s)] for s in range(1, 6)],
                 g["share_good"]] for g in groups]

    out = [Table(f"{prefix}ratings_operators", "Оценки посетителей по операторам",
                 [Column("Оператор", "text", 3.0), *cols], rows(ratings["by_operator"]), sheet="Оценки по операторам"),
           Table(f"{prefix}ratings_services", "Оценки посетителей по услугам",
                 [Column("Услуга", "text", 3.0), *cols], rows(ratings["by_service"]), sheet="Оценки по услугам")]
    comments = [[(c["day"] + " " + c["time"]) if with_day else c["time"], c["score"], c["service"], c["window"],
                 c["operator"], c["comment"]] for c in ratings["comments"]]
    out.append(Table(f"{prefix}comments", "Комментарии посетителей",
                     [Column("Время", "text", 1.4 if with_day else 0.8), Column("Оценка", "int", 0.8),
                      Column("Услуга", "text", 2.2), Column("Окно", "text", 1.0), Column("Оператор", "text", 2.2),
                      Column("Комментарий", "text", 5.0)], comments, sheet="Комментарии"))
    return out


def norms_table(report: dict) -> Table:
    levels = ["specialist"] + [lv for lv in ("senior", "head")
                               if any(n["service_norm"].get(lv) for n in report["norms"])]
    cols = [Column("Услуга", "text", 3.0), Column("Ожидание, мин", "text")]
    cols += [Column(f"Приём, мин ({LEVEL_WORDS[lv]})", "text") for lv in levels]
    cols.append(Column("Пункт стандарта", "text", 1.6))
    rows = []
    for n in report["norms"]:
        sources = {x["source"] for x in [n["wait"], *n["service_norm"].values()] if x and x.get("source")}
        rows.append([n["label"], norm_words(n["wait"]), *[norm_words(n["service_norm"].get(lv)) for lv in levels],
                     ", ".join(sorted(sources))])
    vn = report["visit_norm"]
    if vn is not None:  # a profile without a whole-visit norm shows no such row
        rows.append(["Визит целиком, включая ожидание", "", *["" for _ in levels],
                     vn.get("source", "")])
        rows[-1][1] = f"не более {norm_words(vn)}"
    return Table("norms", "Нормативы, с которыми сравниваются показатели", cols, rows,
                 note="Норматив, заданный диапазоном («5–10»), соблюдён, если время не больше верхней границы.",
                 sheet="Нормативы")


# ---------------------------------------------------------------------- the day

DAILY_RULES = [
    "Единица счёта — посещение очереди: посетитель, переведённый в другую очередь или к старшему "
    "специалисту, учитывается в каждой очереди, где ждал, и сравнивается с нормативом своей услуги "
    "(001:379–419). Визит (талон) — единица для выданных талонов и для общего времени визита (001:418–419).",
    "Ожидание — от постановки в очередь до вызова к окну. Учитывается, если посетитель подошёл к окну "
    "(приём начат, либо после вызова его перевели, передали старшему или отложили). Неявки, отменённые "
    "талоны, вопросы, решённые администратором без вызова, и талоны, не дождавшиеся вызова до конца "
    "дня, в среднее время ожидания не входят и считаются отдельно.",
    "Приём — от начала до окончания приёма у окна (завершён, переведён, передан старшему, отложен). "
    "Приём, не завершённый до смены дня, в среднее не входит: время его окончания неизвестно.",
    "Средние значения сравниваются с нормативами средней продолжительности (001:379); доля «в нормативе» "
    "— посещения, у которых время не больше норматива (для диапазона — его верхней границы).",
    "Медиана — середина ряда; «90 %» — время, в которое уложились 90 % посетителей (90-й процентиль "
    "по ближайшему рангу).",
    "Визит целиком — от выдачи талона до окончания последнего приёма, со всеми ожиданиями; визиты дольше "
    "нормы (33 минуты, 001:418–419) относятся к услуге, окну, оператору и часу последнего приёма.",
    "Неявка — посетитель не подошёл по вызову (с повторными вызовами). Отменено — талон снят, пока "
    "посетитель ждал или был вызван. Не завершено — талон остался в очереди или на приёме к смене дня.",
    "Перерыв — от постановки окна на перерыв до его открытия или закрытия; перерыв, не законченный к "
    "концу приёма, считается до конца часов приёма. Перерыв относится к оператору, работавшему в окне.",
    "Час — час постановки в очередь по времени офиса; «Пришло» — выданные в этот час талоны, "
    "«Обслужено за час» — приёмы, завершённые в этот час.",
    "Уровень удовлетворённости (004:444) — доля оценок «4» и «5» среди всех оценок посетителей.",
]


def daily_document(report: dict) -> Document:
    v, t = report["visits"], report["total"]
    vt = v["time"]
    issued = v["issued"] or 0
    lines: list[tuple[str, object, str]] = [
        ("Выдано талонов (визитов)", issued, "int"),
        ("Обслужено визитов", v["served"], "int"),
        ("Вопрос решён администратором без вызова", v["resolved"], "int"),
        ("Неявки (визиты)", v["no_show"], "int"),
        ("Отменено (визиты)", v["cancelled"], "int"),
        ("Не завершено к концу дня (визиты)", v["unfinished"], "int"),
        ("Посещений очередей (с переводами)", t["segments"], "int"),
        ("Переводы в другую очередь", t["transferred"], "int"),
        ("Передачи старшему специалисту", t["escalated"], "int"),
        ("Отложено (посетитель вернулся в очередь)", t["postponed"], "int"),
        ("Повторные вызовы", t["recalls"], "int"),
        *_stat_lines("Ожидание", t["wait"]),
        *_stat_lines("Приём", t["service"]),
        ("Визит целиком: среднее, мин", vt["avg"], "min"),
        ("Визит целиком: медиана, мин", vt["median"], "min"),
        ("Визит целиком: 90 %, мин", vt["p90"], "min"),
        ("Визит целиком: максимум, мин", vt["max"], "min"),
        (f"Визиты дольше {norm_words(report['visit_norm'])} мин", v["over_norm"], "int"),
        ("Визиты в пределах общей нормы", vt.get("within_share"), "share"),
        ("Перерывы: число", report["pauses"]["count"], "int"),
        ("Перерывы: всего, мин", report["pauses"]["seconds"], "min"),
    ]
    for reason, r in sorted(report["pauses"]["by_reason"].items()):
        lines.append((f"Перерывы — {REASON_WORDS.get(reason, reason)}, мин", r["seconds"], "min"))
    for phase, s in report["phases"].items():
        word = PHASE_WORDS.get(phase, phase)
        lines += [(f"{word}: раз", s["count"], "int"), (f"{word}: среднее, мин", s["avg"], "min"),
                  (f"{word}: в нормативе", s["within_share"], "share")]
    r = report["ratings"]
    lines += [("Оценок посетителей", r["count"], "int"), ("Средняя оценка", r["average"], "score"),
              ("Уровень удовлетворённости (оценки 4 и 5)", r["satisfaction"], "share")]

    hours = report["by_hour"]
    total_h = dict(t, arrivals=issued, served_in_hour=sum(h["served_in_hour"] for h in hours))
    tables = [
        norms_table(report),
        group_table("services", "По услугам", report["by_service"], "Услуга", total=t),
        group_table("windows", "По окнам", report["by_window"], "Окно"),
        group_table("operators", "По операторам", report["by_operator"], "Оператор"),
        group_table("hours", "По часам", hours, "Час", total=total_h, hours=True),
        Table("wait_distribution", "Распределение времени ожидания",
              [Column("Ожидание", "text", 2.0), Column("Посетителей"), Column("Доля", "share")],
              [[b["label"], b["count"], b["share"]] for b in report["wait_distribution"]],
              sheet="Распределение ожидания"),
        Table("pauses", "Перерывы",
              [Column("Окно", "text"), Column("Оператор", "text", 2.5), Column("Причина", "text", 1.8),
               Column("С", "text", 0.8), Column("До", "text", 0.8), Column("Минут", "min")],
              [[p["window_label"], p["operator_label"] or "", REASON_WORDS.get(p["reason"], p["reason"] or ""),
                p["from"], p["to"], p["seconds"]] for p in report["pauses"]["list"]]),
        *ratings_tables("", r),
    ]
    charts = [
        Chart("by_hour", "Пришло и обслужено по часам", [h["label"][:5] for h in hours],
              [("Пришло", [h["arrivals"] for h in hours]), ("Обслужено", [h["served_in_hour"] for h in hours])],
              y_title="посетителей"),
        Chart("waits", "Распределение времени ожидания, мин",
              [(f"≤{b['to']}" if b["from"] == 0 else f"{b['from']}–{b['to']}") if b["to"] is not None
               else f">{b['from']}" for b in report["wait_distribution"]],
              [("Посетителей", [b["count"] for b in report["wait_distribution"]])],
              y_title="посетителей"),
    ]
    highlights = _highlights(report, t, v, r)
    return Document("daily", report["title"], _lead(report, ("Дата", _ru_date(report["date"]))),
                    kv_table("summary", "Сводка за день", lines), tables, charts, DAILY_RULES,
                    filename=f"talon-{report['office']['id']}-{report['date']}", highlights=highlights)


def _highlights(report: dict, t: dict, v: dict, ratings: dict) -> list[tuple[str, object, str, str]]:
    def share(x):
        return "" if x is None else f"в нормативе {display(x, 'share')}"

    return [
        ("Талонов выдано", v["issued"], "int", f"обслужено {display(v['served'], 'int')}"),
        ("Ожидание, среднее, мин", t["wait"]["avg"], "min", share(t["wait"]["within_share"])),
        ("Приём, средний, мин", t["service"]["avg"], "min", share(t["service"]["within_share"])),
        (f"Визиты дольше {norm_words(report['visit_norm'])} мин", v["over_norm"], "int", ""),
        ("Неявки", t["no_show"], "int", f"отменено {display(t['cancelled'], 'int')}"),
        ("Удовлетворённость", ratings.get("satisfaction"), "share",
         f"оценок {display(ratings['count'], 'int')}" if ratings.get("count") else "оценок нет"),
    ]


# ---------------------------------------------------------------------- the month and the year

PERIOD_RULES = [
    "Показатели месяца считаются по тем же правилам, что и дневной отчёт, по всем посещениям очередей "
    "месяца: среднее за месяц равно среднему по всем посещениям, а не среднему из дневных средних.",
    "Среднее время ожидания — до начала очного обслуживания (004:207), среднее время обслуживания — "
    "приём у окна (004:208). Неявки, отменённые и незавершённые талоны в средние не входят.",
    "Медиана и 90 % приводятся в дневном отчёте; за месяц и год — среднее, максимум и доля в нормативе.",
]


def monthly_document(report: dict) -> Document:
    v, t = report["visits"], report["total"]
    lines = [
        ("Выдано талонов (визитов)", v["issued"], "int"),
        ("Обслужено визитов", v["served"], "int"),
        ("Вопрос решён администратором без вызова", v["resolved"], "int"),
        ("Неявки (визиты)", v["no_show"], "int"),
        ("Отменено (визиты)", v["cancelled"], "int"),
        ("Не завершено к концу дня (визиты)", v["unfinished"], "int"),
        ("Среднее за месяц время ожидания до начала обслуживания, мин (004:207)", t["wait"]["avg"], "min"),
        ("Среднее за месяц время обслуживания, мин (004:208)", t["service"]["avg"], "min"),
        ("Ожидание: доля в нормативе", t["wait"]["within_share"], "share"),
        ("Приём: доля в нормативе", t["service"]["within_share"], "share"),
        ("Ожидание: максимум, мин", t["wait"]["max"], "min"),
        ("Приём: максимум, мин", t["service"]["max"], "min"),
        ("Визит целиком: среднее, мин", v["time"]["avg"], "min"),
        (f"Визиты дольше {norm_words(report['visit_norm'])} мин", v["over_norm"], "int"),
        ("Переводы в другую очередь", t["transferred"], "int"),
        ("Передачи старшему специалисту", t["escalated"], "int"),
        ("Перерывы: число", t["pauses"], "int"),
        ("Перерывы: всего, мин", t["pause_seconds"], "min"),
        ("Оценок посетителей", report["ratings"]["count"], "int"),
        ("Средняя оценка", report["ratings"]["average"], "score"),
        ("Уровень удовлетворённости (оценки 4 и 5)", report["ratings"]["satisfaction"], "share"),
    ]
    day_cols = [Column("День", "text", 1.6), Column("Талонов"), Column("Обслужено визитов", width=1.1),
                Column("среднее", "min", group="Ожидание, мин"), Column("максимум", "min", group="Ожидание, мин"),
                Column("в нормативе", "share", 1.15, group="Ожидание, мин", full="Ожидание: в нормативе"),
                Column("среднее", "min", group="Приём, мин"), Column("максимум", "min", group="Приём, мин"),
                Column("в нормативе", "share", 1.15, group="Приём, мин", full="Приём: в нормативе"),
                Column("Неявки"), Column("Переводы"), Column("Передано старшему", width=1.1), Column("Отменено"),
                Column("Не завершено"), Column("число", group="Перерывы"), Column("мин", "min", group="Перерывы"),
                Column("Визиты дольше нормы", width=1.1), Column("число", group="Оценки"),
                Column("средняя", "score", group="Оценки")]

    def day_row(d):
        return [d["label"], d.get("issued"), d.get("visits_served"), d["wait"]["avg"], d["wait"]["max"],
                d["wait"]["within_share"], d["service"]["avg"], d["service"]["max"], d["service"]["within_share"],
                d["no_show"], d["transferred"], d["escalated"], d["cancelled"], d["unfinished"], d["pauses"],
                d["pause_seconds"], d["visits_over"], d["rating"]["count"], d["rating"]["average"]]

    total_row = day_row(dict(t, label="Итого за месяц", issued=v["issued"], visits_served=v["served"],
                             rating={"count": report["ratings"]["count"], "average": report["ratings"]["average"]}))
    days = report["by_day"]
    from ..planning.report import staffing_tables
    tables = [
        norms_table(report),
        Table("days", "По дням", day_cols, [day_row(d) for d in days], total_row, wide=True),
        group_table("services", "По услугам", report["by_service"], "Услуга", detailed=False, total=t),
        group_table("windows", "По окнам", report["by_window"], "Окно", detailed=False),
        group_table("operators", "По операторам", report["by_operator"], "Оператор", detailed=False),
        *ratings_tables("", report["ratings"], with_day=True),
        *staffing_tables(report),  # «Рекомендации по числу окон» (server/planning/report.py)
        *casework_tables(report),  # written requests and home visits (server/reports/casework.py)
    ]
    charts = [Chart("by_day", "Среднее время ожидания и приёма по дням, мин", [d["label"][:5] for d in days],
                    [("Ожидание", [_minutes(d["wait"]["avg"]) for d in days]),
                     ("Приём", [_minutes(d["service"]["avg"]) for d in days])],
                    kind="line", y_title="минут")]
    y, m = report["month"].split("-")
    month_words = f"{MONTH_NAMES[int(m) - 1]} {y} г."
    return Document("monthly", report["title"], _lead(report, ("Месяц", month_words)),
                    kv_table("summary", "Показатели месяца", lines), tables, charts, PERIOD_RULES + DAILY_RULES[:1],
                    filename=f"talon-{report['office']['id']}-{report['month']}",
                    highlights=_highlights(report, t, v, report["ratings"]))


def yearly_document(report: dict) -> Document:
    cols = [Column("Месяц", "text", 1.6), Column("Визитов (талонов)", width=1.1),
            Column("Обслужено визитов", width=1.1),
            Column("среднее (004:207)", "min", 1.3, group="Ожидание, мин"),
            Column("максимум", "min", group="Ожидание, мин"),
            Column("в нормативе", "share", 1.15, group="Ожидание, мин", full="Ожидание: в нормативе"),
            Column("среднее (004:208)", "min", 1.3, group="Приём, мин"),
            Column("максимум", "min", group="Приём, мин"),
            Column("в нормативе", "share", 1.15, group="Приём, мин", full="Приём: в нормативе"),
            Column("Неявки"), Column("Отменено"), Column("Не завершено"), Column("Визиты дольше нормы", width=1.1),
            Column("число", group="Оценки"), Column("средняя", "score", group="Оценки"),
            Column("доля «4» и «5»", "share", 1.2, group="Оценки", full="Оценки: доля «4» и «5»")]

    def row(m):
        return [m["label"], m["visits"]["issued"], m["visits"]["served"], m["wait"]["avg"], m["wait"]["max"],
                m["wait"]["within_share"], m["service"]["avg"], m["service"]["max"], m["service"]["within_share"],
                m["visits"]["no_show"], m["visits"]["cancelled"], m["visits"]["unfinished"], m["visits_over"],
                m["rating"]["count"], m["rating"]["average"], m["rating"]["satisfaction"]]

    months = report["months"]
    t = report["total"]
    lines = [
        ("Визитов за год (талонов)", t["visits"]["issued"], "int"),
        ("Обслужено визитов", t["visits"]["served"], "int"),
        ("Среднее за год время ожидания, мин", t["wait"]["avg"], "min"),
        ("Среднее за год время обслуживания, мин", t["service"]["avg"], "min"),
        ("Ожидание: доля в нормативе", t["wait"]["within_share"], "share"),
        ("Приём: доля в нормативе", t["service"]["within_share"], "share"),
        ("Оценок посетителей", t["rating"]["count"], "int"),
        ("Средняя оценка", t["rating"]["average"], "score"),
        ("Уровень удовлетворённости (оценки 4 и 5)", t["rating"]["satisfaction"], "share"),
    ]
    tables = [Table("months", "По календарным месяцам (004:203–209)", cols, [row(m) for m in months],
                    row(t), wide=True, sheet="По месяцам"),
              norms_table(report)]
    tables += casework_tables(report)  # written requests and home visits (server/reports/casework.py)
    tables += survey_tables(report)  # the visitor questionnaire, 000:622–762 (server/reports/survey.py)
    charts = [
        Chart("averages", "Среднее за месяц время ожидания и обслуживания, мин", [m["label"][:3] for m in months],
              [("Ожидание", [_minutes(m["wait"]["avg"]) for m in months]),
               ("Приём", [_minutes(m["service"]["avg"]) for m in months])], y_title="минут"),
        Chart("visits", "Визитов по месяцам", [m["label"][:3] for m in months],
              [("Визитов", [m["visits"]["issued"] for m in months])], y_title="визитов"),
    ]
    return Document("yearly", report["title"], _lead(report, ("Год", str(report["year"]))),
                    kv_table("summary", "Итоги года", lines), tables, charts,
                    report["disclosure"] + PERIOD_RULES[:2],
                    filename=f"talon-{report['office']['id']}-{report['year']}",
                    highlights=[
                        ("Визитов за год", t["visits"]["issued"], "int",
                         f"обслужено {display(t['visits']['served'], 'int')}"),
                        ("Ожидание, среднее за год, мин", t["wait"]["avg"], "min", "004:207"),
                        ("Приём, средний за год, мин", t["service"]["avg"], "min", "004:208"),
                        ("Удовлетворённость", t["rating"]["satisfaction"], "share",
                         f"оценок {display(t['rating']['count'], 'int')}" if t["rating"]["count"] else "оценок нет"),
                    ])


def survey_tables(report: dict) -> list:
    from .survey import tables
    return tables(report)


def casework_tables(report: dict) -> list:
    from .casework import tables
    return tables(report)


def document(report: dict) -> Document:
    doc = {"daily": daily_document, "monthly": monthly_document, "yearly": yearly_document}[report["kind"]](report)
    if report.get("visit_norm", True) is None:
        _drop_visit_norm(doc)
    return doc


VISIT_NORM_NONE = ("Общей нормы времени визита в стандарте офиса нет: визиты дольше нормы не считаются, "
                   "время визита целиком показано без сравнения с нормой.")


def _drop_visit_norm(doc: Document) -> None:
    """A profile without a whole-visit norm (002, 003, 004): no «визиты дольше нормы» column, line
    or highlight and no visit row among the norms, instead of a 0 or somebody else's 33 minutes."""
    def over(title: str) -> bool:
        return title.startswith("Визиты дольше") or title.startswith("Визиты в пределах общей нормы")

    for table in [doc.summary, *doc.tables]:
        if table.columns and table.columns[0].title == "Показатель":  # a kv table: drop lines
            table.rows = [r for r in table.rows if not over(str(r[0]))]
            continue
        if table.id == "norms":
            table.rows = [r for r in table.rows if r[0] != "Визит целиком, включая ожидание"]
            continue
        keep = [i for i, c in enumerate(table.columns) if not over(c.title)]
        if len(keep) != len(table.columns):
            table.columns = [table.columns[i] for i in keep]
            table.rows = [[r[i] for i in keep] for r in table.rows]
            if table.total is not None:
                table.total = [table.total[i] for i in keep]
    doc.highlights = [h for h in doc.highlights if not over(h[0])]
    doc.rules = [VISIT_NORM_NONE if "001:418–419" in r else r for r in doc.rules]


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60.0, 2)


def _ru_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}.{m}.{y}"


def _lead(report: dict, period: tuple[str, str]) -> list[tuple[str, str]]:
    o = report["office"]
    office = o["name"] + (f", {o['address']}" if o.get("address") else "")
    p = report["profile"]
    return [("Офис", office), ("Компания", o.get("company") or ""), period,
            ("Нормативы", f"{p['title']} ({p['source']})" if p.get("source") else p["title"]),
            ("Сформирован", report["generated_at"])]
