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
@click.option("--family", "family_kind", type=click.Choice(["peak", "quiet"]), default=None,
              help="Simulate a family of days drawn at random (busy or quiet) instead of one scenario.")
@click.option("--count", type=click.IntRange(min=1, max=1000), default=30, help="Days in the family (default 30).")
@click.option("--half", type=click.Choice(["tune", "test", "all"]), default="all",
              help="Only the tuning half of the family (even days), the test half (odd days), or all.")
def simulate_command(scenario: str | None, policies: tuple[str, ...], days: int | None, seed: int | None,
                     chart_path: Path | None, json_path: Path | None, list_only: bool,
                     family_kind: str | None = None, count: int = 30, half: str = "all") -> None:
    """Simulate office days of SCENARIO (a name from scenarios/ or a .toml file) on the real queue core,
    or a family of days (--family peak|quiet --count N --seed S)."""
    from ..domain.dispatch import POLICIES
    from . import report
    from .scenario import ScenarioError, available, load

    if family_kind is not None:
        unknown = [p for p in policies if p not in POLICIES]
        if unknown:
            raise click.BadParameter(f"неизвестная политика: {', '.join(unknown)} (есть: {', '.join(POLICIES)})",
                                     param_hint="--policy")
        _family(family_kind, count, 1 if seed is None else seed, half, list(policies) or ["fifo", "norm-aware"],
                json_path)
        return
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
        raise click.ClickException(str(exc)) from None

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


def _family(kind: str, count: int, seed: int, half: str, policies: list[str], json_path: Path | None) -> None:
    from . import family, judge

    members = family.family(kind, count, seed, half)
    click.echo(f"Семейство дней «{kind}»: {count} дн., начальное число {seed}, половина {half} "
               f"({len(members)} дн.)")
    for sc in members:
        f = sc.family
        click.echo(f"  {sc.name}: {f['surge']}, загрузка {f['load']:.2f}, особых окон {f['specialised']}, "
                   f"посетителей ≈ {sc.visitors_per_day():.0f}")
    verdicts = judge.judge(members, policies)
    text = judge.format_verdicts(verdicts)
    if json_path is not None:
        data = {"kind": kind, "count": count, "seed": seed, "half": half,
                "members": [sc.family | {"name": sc.name} for sc in members],
                "policies": {p: v.summary() for p, v in verdicts.items()}}
        if "fifo" in verdicts and "norm-aware" in verdicts:
            data["compare"] = judge.compare(verdicts["fifo"], verdicts["norm-aware"])
        out = json.dumps(data, ensure_ascii=False, indent=2)
        if str(json_path) == "-":
            click.echo(out)
            return
        json_path.write_text(out, encoding="utf-8")
    click.echo(text)
