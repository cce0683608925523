"""``talon simulate``: an office day (or many) in simulation, per dispatch policy."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import click

log = logging.getLogger(__name__)


def register(main: click.Group) -> None:
    main.add_command(simulate_command)


@click.command("simulate")
@click.argument("scenario", required=False)
@click.option("--policy", "policies", multiple=True,
              help="Dispatch policy to run (repeat for several; default: the scenario's).")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Days to simulate (default: the scenario's).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a chart of the wait over the day (PNG).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the figures as JSON ('-' for the screen).")
@click.option("--list", "list_only", is_flag=True, help="List the scenarios that come with Talon.")
def simulate_command(scenario: str | None, policies: tuple[str, ...], days: int | None, seed: int | None,
                     chart_path: Path | None, json_path: Path | None, list_only: bool) -> None:
    """Simulate office days of SCENARIO (a name from scenarios/ or a .toml file) on the real queue core."""
    from ..domain.dispatch import POLICIES
    from . import report
    from .scenario import ScenarioError, available, load

    if list_only or not scenario:
        for name in available():
            sc = load(name)
            click.echo(f"{name:12} {sc.title}: {sc.about}")
        return
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise click.BadParameter(f"неизвестная политика: {', '.join(unknown)} (есть: {', '.join(POLICIES)})",
                                 param_hint="--policy")
    try:
        sc = load(scenario)
    except ScenarioError as exc:
        raise click.ClickException(str(exc))

    def progress(policy: str, day: int, outcome) -> None:
        log.debug("%s: day %d done, %d visitors", policy, day + 1, len(outcome.visits))

    result = report.run(sc, list(policies) or None, days=days, seed=seed, on_day=progress)
    if json_path is not None:
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2)
        if str(json_path) == "-":
            click.echo(text)
        else:
            json_path.write_text(text, encoding="utf-8")
    if json_path is None or str(json_path) != "-":
        click.echo(report.format_report(result))
    if chart_path is not None:
        written = report.chart(result, chart_path)
        click.echo(f"График: {written}")
