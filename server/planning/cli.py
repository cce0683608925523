"""``talon plan --date D [--office O] [--target 0.8]``: tomorrow's windows per hour, printed."""
from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

import click

from ..settings import DB_HELP

log = logging.getLogger(__name__)


def register(main: click.Group) -> None:
    main.add_command(plan_command)


@click.command("plan")
@click.option("--date", "day", default=None, help="The day to plan, ГГГГ-ММ-ДД (default: tomorrow).")
@click.option("--office", default=None, help="The office id (default: the hub's only office).")
@click.option("--target", type=click.FloatRange(0.5, 0.99), default=0.8, show_default=True,
              help="Share of visitors to serve within their waiting norm.")
@click.option("--weeks", type=click.IntRange(1, 52), default=6, show_default=True,
              help="Weeks of the same weekday to forecast from.")
@click.option("--no-simulation", is_flag=True, help="Erlang C only, without checking by simulation.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=DB_HELP)
def plan_command(day: str | None, office: str | None, target: float, weeks: int, no_simulation: bool,
                 as_json: bool, db: Path | None) -> None:
    """Staffing advice: visitors forecast per hour and topic, and the windows to open each hour."""
    from ..paths import default_db_path
    from ..store.db import Store
    from . import service
    from .text import plan_table
    path = db or default_db_path()
    if not Path(path).exists():
        raise click.ClickException(f"Нет базы данных {path}: сначала talon init")
    try:
        when = date.fromisoformat(day) if day else date.today() + timedelta(days=1)
    except ValueError:
        raise click.ClickException("Дата в виде ГГГГ-ММ-ДД, например 2026-12-04") from None
    store = Store(path)
    offices = [r["id"] for r in store.query("SELECT id FROM offices ORDER BY id")]
    if office is None:
        if len(offices) != 1:
            raise click.ClickException("Укажите офис: --office (есть: " + ", ".join(offices) + ")")
        office = offices[0]
    if office not in offices:
        raise click.ClickException(f"Офиса «{office}» нет (есть: {', '.join(offices)})")
    plan = service.plan_for(store, office, when, target, weeks=weeks, simulate=not no_simulation)
    if as_json:
        click.echo(json.dumps(plan.to_json(), ensure_ascii=False, indent=1))
    else:
        names = {s: n for s, n in service.service_names(store, office).items()}
        click.echo(plan_table(plan, names))
