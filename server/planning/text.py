"""The plan as a Russian text table (``talon plan``) and as short lines for the monthly report."""
from __future__ import annotations

from .staffing import Plan, hhmm

SOURCE_WORDS = {"history": "по истории офиса", "profile": "по типовому профилю (истории мало)"}


def pct(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)} %"


def plan_table(plan: Plan, names: dict[str, str] | None = None) -> str:
    names = names or {}
    lines = [f"План на {plan.day.strftime('%d.%m.%Y')} — офис «{plan.office}»",
             f"Цель: не меньше {pct(plan.target)} посетителей ждут не дольше норматива"]
    if plan.closed:
        lines.append("В этот день офис не работает.")
        return "\n".join(lines)
    used = f", дни: {', '.join(plan.forecast.days_used)}" if plan.forecast.days_used else ""
    lines.append(f"Прогноз {SOURCE_WORDS.get(plan.forecast.source, plan.forecast.source)}{used}; "
                 f"всего посетителей ≈ {round(plan.forecast.day_total())}")
    if plan.forecast.margin > 1.0:
        lines.append(f"Окна рассчитаны с запасом на загруженный день: +{round((plan.forecast.margin - 1) * 100)} % "
                     f"к прогнозу (разброс тех же дней недели)")
    lines.append("")
    lines.append(f"{'Час':<13}{'Посетителей':>12}{'Эрланг C':>10}{'Окон':>6}  {'Обед (окна)':<12}{'Моделирование':>14}")
    for h in plan.hours:
        lunch = ", ".join(str(n) for n in h.at_lunch) if h.at_lunch else ""
        lines.append(f"{hhmm(h.hour * 60)}–{hhmm(h.hour * 60 + 60):<7}{h.visitors:>12.1f}{h.erlang:>10}{h.windows:>6}  "
                     f"{lunch:<12}{pct(h.simulated_share):>14}")
    lines.append("")
    lines.append("Смены окон:")
    for s in plan.shifts:
        lunch = f", обед {s.to_json()['lunch'][0]}–{s.to_json()['lunch'][1]}" if s.lunch else ""
        lines.append(f"  окно {s.window}: {hhmm(s.start)}–{hhmm(s.end)}{lunch}")
    top = sorted(plan.forecast.mix().items(), key=lambda x: -x[1])[:4]
    if top:
        lines.append("Чаще всего приходят: " + ", ".join(f"{names.get(s, s)} — {pct(v)}" for s, v in top))
    if plan.simulated_share is not None:
        verdict = "цель достигается" if plan.held else "цель НЕ достигается"
        lines.append(f"Моделирование дня на ядре очереди: в нормативе {pct(plan.simulated_share)} — {verdict}"
                     f" (уточнений плана: {plan.rounds})")
    lines.extend(plan.notes)
    return "\n".join(lines)
