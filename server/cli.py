"""The ``talon`` command."""
from __future__ import annotations

import json
import logging
import sys
import tomllib
from pathlib import Path

import click

from .paths import default_db_path

log = logging.getLogger("talon")


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="More detail in the log.")
def main(verbose: bool) -> None:
    """Talon: an electronic queue for customer service centres."""
    _logging(verbose)


db_option = click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help="SQLite file of the hub (default: ./var/talon.sqlite or $TALON_DB).")


@main.command()
@db_option
@click.option("--demo", is_flag=True, help="Create the demo office (id «demo») with its users.")
@click.option("--round-the-clock", is_flag=True, help="Demo office open at any hour (for trying it out).")
def init(db: Path | None, demo: bool, round_the_clock: bool) -> None:
    """Create the hub's database (and the demo office)."""
    from .store import Store

    path = db or default_db_path()
    store = Store(path)
    click.echo(f"База данных: {path}")
    if demo:
        for line in create_demo(store, round_the_clock):
            click.echo(line)


def create_demo(store, round_the_clock: bool = False) -> list[str]:
    """Create or refresh the demo office; returns the lines to show (logins and device keys)."""
    from .auth import Auth
    from .demo import DEMO_PASSWORDS, DEMO_PINS, demo_definition
    from .store.config import import_office

    import_office(store, demo_definition(round_the_clock))
    auth = Auth(store)
    keys = {kind: auth.device_key("demo", kind, name, f"{kind}-demo")
            for kind, name in (("kiosk", "Киоск у входа"), ("board", "Табло в зале"))}
    lines = ["Демо-офис «demo» создан. Входы:"]
    for login, password in DEMO_PASSWORDS.items():
        pin = f", PIN {DEMO_PINS[login]}" if login in DEMO_PINS else ""
        lines.append(f"  {login:6} пароль {password}{pin}")
    lines.append(f"  ключ киоска: {keys['kiosk']}")
    lines.append(f"  ключ табло:  {keys['board']}")
    return lines


@main.command()
@db_option
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8470, show_default=True, type=int)
@click.option("--threads", default=320, show_default=True, type=int, help="Worker threads (each live stream holds one).")
@click.option("--announce/--no-announce", default=True, show_default=True,
              help="Announce the hub on the LAN by zeroconf (_talon._tcp).")
@click.option("--testing-clock", is_flag=True, hidden=True)
def hub(db: Path | None, host: str, port: int, threads: int, announce: bool, testing_clock: bool) -> None:
    """Run the hub."""
    from .app import create_app
    from .discovery import announce as zeroconf_announce
    from .serve import serve

    app = create_app(db or default_db_path(), testing_clock=testing_clock)
    handle = zeroconf_announce(host, port) if announce and not testing_clock else None
    try:
        serve(app, host=host, port=port, threads=threads)
    finally:
        if handle:
            handle.close()


@main.group()
def office() -> None:
    """Offices: import a definition."""


@office.command("import")
@db_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def office_import(db: Path | None, file: Path) -> None:
    """Create or update an office from a TOML or JSON file (office, services, windows, users)."""
    from .api.framework import ApiError, validate
    from .office_file import OFFICE_FILE
    from .store import Store
    from .store.config import import_office

    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if file.suffix.lower() == ".toml" else json.loads(text)
        validate(OFFICE_FILE, data)
        import_office(Store(db or default_db_path()), data)
    except (ValueError, KeyError, ApiError, tomllib.TOMLDecodeError) as exc:
        raise click.ClickException(f"Файл не принят: {getattr(exc, 'message', exc)}")
    click.echo(f"Офис «{data['office']['id']}» загружен: {len(data.get('services', []))} услуг, "
               f"{len(data.get('windows', []))} окон, {len(data.get('users', []))} пользователей")


def _client_command(name: str, module: str, help_text: str):
    @main.command(name, help=help_text, context_settings={"ignore_unknown_options": True,
                                                          "allow_extra_args": True})
    @click.pass_context
    def run(ctx):
        mod = __import__(module, fromlist=["main"])
        sys.exit(mod.main(ctx.args))

    return run


_client_command("kiosk", "kiosk.app", "Run the ticket kiosk (talon kiosk --hub URL).")
_client_command("console", "operator_console.app", "Run the operator console (talon console --hub URL).")
_client_command("board", "display_board.app", "Run the hall board (talon board --hub URL).")

for _module in ("server.reports.cli", "server.simulation.cli", "server.demo_cli"):
    try:
        _mod = __import__(_module, fromlist=["register"])
    except ModuleNotFoundError as _exc:
        if _exc.name == _module or (_exc.name and _module.startswith(_exc.name)):
            continue
        raise
    _mod.register(main)


if __name__ == "__main__":
    main()
