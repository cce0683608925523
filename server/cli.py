"""The ``talon`` command."""
from __future__ import annotations

import json
import logging
import sys
import tomllib
from pathlib import Path

import click

from .paths import default_db_path
from .settings import DB_HELP, EPILOG

log = logging.getLogger("talon")


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group(epilog=EPILOG)
@click.option("-v", "--verbose", is_flag=True, help="More detail in the log.")
def main(verbose: bool) -> None:
    """Talon: an electronic queue for customer service centres."""
    _logging(verbose)
    from .settings import SettingsError, current

    try:
        current()  # every TALON_* variable (README.md, «Настройки»): a wrong one is said before anything starts
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


db_option = click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help=DB_HELP)


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
    else:
        db_arg = f" --db {path}" if db else ""
        click.echo("Хаб пока пуст. Что дальше:\n"
                   f"  1. Опишите офис (услуги, окна, сотрудников) в файле, как examples/office.toml,\n"
                   f"     и загрузите его: talon office import{db_arg} office.toml\n"
                   f"  2. Запустите хаб: talon hub{db_arg}\n"
                   "  3. Откройте в браузере http://<адрес хаба>:8470/ — там стойка администратора, "
                   "отчёты и подключение киоска и табло.\n"
                   f"  Чтобы просто посмотреть, как всё работает: talon init{db_arg} --demo или talon demo")


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
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 for the office network (refused while demo passwords remain).")
@click.option("--port", default=8470, show_default=True, type=int)
@click.option("--threads", default=320, show_default=True, type=int,
              help="Worker threads (each live stream holds one).")
@click.option("--announce/--no-announce", default=True, show_default=True,
              help="Announce the hub on the LAN by zeroconf (_talon._tcp).")
@click.option("--testing-clock", is_flag=True, hidden=True)
@click.option("--busy-timeout", default=30.0, show_default=True, type=float,
              help="Seconds a write waits for another program holding the database before it is refused (503).")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the daily backups (default: backups/ beside the database).")
@click.option("--backup-keep-days", default=14, show_default=True, type=int,
              help="Days of daily backups to keep (0: no daily backups).")
@click.option("--central", "central_url", default=None,
              help="The company centre (https://…): ship the office's log to it.")
@click.option("--central-key", default=None, envvar="TALON_CENTRAL_KEY", help="This hub's key (talon central join).")
@click.option("--central-ca", default=None, type=click.Path(exists=True, dir_okay=False), help="Company CA bundle.")
@click.option("--central-office", default=None, help="The office to ship (default: the hub's only office).")
@click.option("--central-keys", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Several offices in the file: a file of OFFICE=KEY lines, each office shipped under its own key.")
@click.option("--central-retry-max", default=30.0, type=float, hidden=True)
def hub(db: Path | None, host: str, port: int, threads: int, announce: bool, testing_clock: bool,
        busy_timeout: float = 30.0, backup_dir: Path | None = None, backup_keep_days: int = 14, **central) -> None:
    """Run the hub."""
    from .app import create_app
    from .backup import start_hub_checked
    from .discovery import announce as zeroconf_announce
    from .serve import exposure_refusal, serve

    app = start_hub_checked(db or default_db_path(), lambda path: create_app(
        path, testing_clock=testing_clock, busy_timeout=busy_timeout), backup_dir, backup_keep_days)
    refusal = exposure_refusal(app.config["TALON_STORE"], host)
    if refusal:
        log.error("refused to listen on %s: demo passwords unchanged", host)
        click.echo(refusal, err=True)
        sys.exit(2)
    if central.get("central_url"):  # ship the office's log to the company centre in the background
        from . import catalogue_pull, shipping
        shipping.start_from_options(app, **central)
        catalogue_pull.start_from_options(app, **central)  # and pull the catalogue
    handle = zeroconf_announce(host, port) if announce and not testing_clock else None
    try:
        from .service import watchdog_for  # under systemd: READY=1, then WATCHDOG=1 while the hub answers
        watchdog_for(host, port)
        serve(app, host=host, port=port, threads=threads)
    except OSError as exc:  # a busy or forbidden port: one line, not a traceback
        if handle:
            handle.close()
            handle = None
        message = _port_refusal(host, port, exc)
        if message is None:
            raise
        click.echo(message, err=True)
        sys.exit(1)
    finally:
        if handle:
            handle.close()


def _port_refusal(host: str, port: int, exc: OSError) -> str | None:
    """One Russian line for an address the hub can not listen on (None: some other error)."""
    import errno
    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
        return (f"Порт {port} уже занят другой программой (может быть, хаб уже запущен). "
                f"Остановите её или укажите другой порт: talon hub --port {port + 1}")
    if exc.errno in (errno.EACCES, errno.EADDRNOTAVAIL, getattr(errno, "WSAEACCES", -1),
                     getattr(errno, "WSAEADDRNOTAVAIL", -1)):
        return f"Не удалось открыть адрес {host}:{port}: {exc.strerror or exc}"
    return None


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
        raise click.ClickException(f"Файл не принят: {getattr(exc, 'message', exc)}") from exc
    click.echo(f"Офис «{data['office']['id']}» загружен: "
               + ", ".join(_count_ru(len(data.get(key, [])), *forms) for key, forms in (
                   ("services", ("услуга", "услуги", "услуг")), ("windows", ("окно", "окна", "окон")),
                   ("users", ("пользователь", "пользователя", "пользователей")))))


def _count_ru(n: int, one: str, few: str, many: str) -> str:
    """«1 услуга», «3 услуги», «5 услуг»: the Russian plural form by Babel's (CLDR's) rule."""
    from babel import Locale
    form = Locale("ru").plural_form(n)
    return f"{n} {one if form == 'one' else few if form == 'few' else many}"


def _client_command(name: str, module: str, help_text: str):
    # no help option of click's own: ``--help``/``-h`` go to the app, which lists its real options
    @main.command(name, help=help_text, add_help_option=False,
                  context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.pass_context
    def run(ctx):
        mod = __import__(module, fromlist=["main"])
        sys.exit(mod.main(ctx.args))

    return run


_client_command("kiosk", "kiosk.app", "Run the ticket kiosk (talon kiosk --hub URL).")
_client_command("console", "operator_console.app", "Run the operator console (talon console --hub URL).")
_client_command("board", "display_board.app", "Run the hall board (talon board --hub URL).")

# Every group of commands, imported explicitly: a broken module fails loudly at start.
from . import backup, demo_cli, service  # noqa: E402
from .central import cli as central_cli  # noqa: E402  (talon central …)
from .planning import cli as planning_cli  # noqa: E402  (talon plan)
from .reports import cli as reports_cli  # noqa: E402
from .simulation import cli as simulation_cli  # noqa: E402

for _commands in (reports_cli, simulation_cli, demo_cli, backup, service, central_cli, planning_cli):
    _commands.register(main)


if __name__ == "__main__":
    main()
