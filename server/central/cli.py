"""``talon central …``: the company centre's commands (registered into ``talon`` by server/cli.py)."""
from __future__ import annotations

import logging

import click

log = logging.getLogger(__name__)

db_option = click.option("--db", "url", envvar="TALON_CENTRAL_DB", required=True,
                         help="PostgreSQL of the centre: postgresql://user@host:port/db (or $TALON_CENTRAL_DB).")


def _migrate(url: str) -> tuple[list[int], int]:
    import psycopg

    from .store import migrate_database

    try:
        return migrate_database(url)
    except psycopg.OperationalError as exc:
        raise click.ClickException(f"База данных центра недоступна: {str(exc).strip()}") from exc


def register(main: click.Group) -> None:
    main.add_command(central)


@click.group()
def central() -> None:
    """The company centre: office hubs ship their event logs to it (PostgreSQL)."""


@central.command()
@db_option
def init(url: str) -> None:
    """Create or migrate the centre's schema (a second run changes nothing)."""
    applied, version = _migrate(url)
    if applied:
        click.echo(f"Схема центра обновлена до версии {version} (применены миграции: "
                   f"{', '.join(map(str, applied))})")
    else:
        click.echo(f"Схема центра уже в версии {version}: изменений нет")


@central.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Listen here; put the centre behind a TLS reverse proxy (docs/central.md).")
@click.option("--port", default=8480, show_default=True, type=int)
@click.option("--threads", default=32, show_default=True, type=int)
@click.option("--pool", "pool_size", default=20, show_default=True, type=int, help="PostgreSQL connections.")
@click.option("--project-every", default=2.0, show_default=True, type=float,
              help="Seconds between background projection passes (0: only on demand).")
@click.option("--trusted-proxy", default=None, metavar="ADDR",
              help="The TLS reverse proxy's address: its X-Forwarded-Proto is believed, so the centre "
                   "knows a request came over HTTPS and marks the staff cookie Secure (docs/central.md).")
@click.option("--public-port", default=None, type=int,
              help="Also serve the PUBLIC pages (the visitor's page /t/TOKEN, …) on this port of --host; "
                   "only they are served there (docs/central.md, «Публичные страницы»).")
@click.option("--public-listen", default=None, metavar="HOST:PORT",
              help="The public listener's own address (instead of --public-port).")
@click.option("--public-limit", default=None, metavar="N per minute",
              help="Requests per client address on every public route (default 600 per minute).")
def serve(url: str, host: str, port: int, threads: int, pool_size: int, project_every: float,
          trusted_proxy: str | None, public_port: int | None = None, public_listen: str | None = None,
          public_limit: str | None = None) -> None:
    """Run the centre (waitress)."""
    from waitress import serve as waitress_serve

    from .app import create_app

    _migrate(url)
    app = create_app(url, pool_size=pool_size, project_interval=project_every or None, project_process=True)
    if public_port is not None or public_listen:
        from .public_app import serve_public_in_background

        try:
            serve_public_in_background(app, public_listen or f"{host}:{public_port}", threads=threads,
                                       limit=public_limit, trusted_proxy=trusted_proxy)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    log.info("Talon central on http://%s:%d (%d threads)", host, port, threads)
    waitress_serve(app, host=host, port=port, threads=threads, connection_limit=1000, backlog=2048,
                   channel_timeout=120, ident="talon-central", clear_untrusted_proxy_headers=True,
                   **({"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto"}}
                      if trusted_proxy else {}))


@central.command("pair-hub")
@db_option
@click.option("--office", required=True, help="The office id (as in the office's hub).")
@click.option("--name", default="", help="The office's name, for people.")
def pair_hub(url: str, office: str, name: str) -> None:
    """Issue a one-time code (30 minutes) for the office's hub to exchange for its own key."""
    from .store import CentralStore

    store = CentralStore(url, min_size=1, max_size=2)
    try:
        store.migrate()
        store.add_office(office, name)
        code = store.issue_pairing_code(office, name)
    finally:
        store.close()
    click.echo(f"Код подключения офиса «{office}» (действует 30 минут): {code}")
    click.echo(f"На сервере офиса: talon central join --central URL --code {code}")


@central.command("revoke-hub")
@db_option
@click.option("--office", required=True)
def revoke_hub(url: str, office: str) -> None:
    """Withdraw every key of the office's hub: its batches are refused at once."""
    from .store import CentralStore

    store = CentralStore(url, min_size=1, max_size=2)
    try:
        n = store.revoke_keys(office)
    finally:
        store.close()
    click.echo(f"Отозвано ключей офиса «{office}»: {n}")


@central.command()
@click.option("--central", "central_url", required=True, help="The centre's address (https://…).")
@click.option("--code", required=True, help="The code from «talon central pair-hub».")
@click.option("--central-ca", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The company's CA bundle, when the centre's certificate is issued by it.")
def join(central_url: str, code: str, central_ca: str | None) -> None:
    """On the office's server: exchange the pairing code for the hub's key and print it."""
    import requests

    try:
        resp = requests.post(central_url.rstrip("/") + "/api/v1/central/pair", json={"code": code},
                             timeout=15, verify=central_ca or True)
    except requests.RequestException as exc:
        raise click.ClickException(f"Центр недоступен: {exc}") from exc
    if resp.status_code != 200:
        try:
            message = resp.json().get("message")
        except ValueError:
            message = resp.text[:200]
        raise click.ClickException(f"Центр отказал: {message}")
    answer = resp.json()
    click.echo(f"Офис «{answer['office']}» подключён. Ключ офиса: {answer['key']}")
    click.echo(f"Запуск: talon hub --central {central_url} --central-key {answer['key']}")


@central.command("accept-log")
@db_option
@click.option("--office", required=True, help="The office id.")
@click.option("--log", "identity", required=True,
              help="The new log identity (the hub's «log», shown in the centre's refusal on the stand).")
def accept_log(url: str, office: str, identity: str) -> None:
    """Accept the office's log from another database (a hub restored from a backup or moved to a
    new machine); the events already stored stay, under the old log."""
    from .store import CentralStore, Refused

    _migrate(url)
    store = CentralStore(url, min_size=1, max_size=2)
    try:
        answer = store.accept_log(office, identity.strip(), by="cli")
    except Refused as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        store.close()
    if not answer["changed"]:
        click.echo(f"Офис «{office}» уже ведёт журнал {identity.strip()}: изменений нет")
    else:
        click.echo(f"Офис «{office}»: принят журнал {answer['log']} (эпоха {answer['epoch']}); события прежнего "
                   f"журнала {answer['previous_log'] or '—'} сохранены")


@central.command()
@db_option
@click.option("--office", required=True)
@click.option("--day", default=None, help="YYYY-MM-DD; without it: every day with new events.")
def rebuild(url: str, office: str, day: str | None) -> None:
    """Rebuild the projections (tickets, segments, roll-ups) of an office-day from its events."""
    from .store import CentralStore

    store = CentralStore(url, min_size=1, max_size=2)
    try:
        done = [store.rebuild_day(office, day)] if day else store.project_pending(office)
    finally:
        store.close()
    for d in done:
        click.echo(f"{d['office']} {d['day']}: событий {d['events']}, талонов {d['tickets']}")


@central.command("add-user")
@db_option
@click.option("--login", required=True, help="The staff member's sign-in name.")
@click.option("--name", required=True, help="Full name, for people.")
@click.option("--role", required=True, type=click.Choice(["company_admin", "regional_head", "office_head"]))
@click.option("--region", "regions", multiple=True, help="A regional head's region (repeat for several).")
@click.option("--office", "offices", multiple=True, help="An office head's office id (repeat for several).")
@click.option("--password", prompt="Пароль", hide_input=True, confirmation_prompt="Пароль ещё раз",
              help="Without it the password is asked for (keeps it out of the process list).")
def add_user(url: str, login: str, name: str, role: str, regions: tuple[str, ...], offices: tuple[str, ...],
             password: str) -> None:
    """Create (or replace) a company staff account at the centre: company administrator,
    regional head (--region) or office head (--office)."""
    from .staff_store import ROLE_NAMES, StaffError, StaffStore
    from .store import CentralStore

    _migrate(url)
    store = CentralStore(url, min_size=1, max_size=2)
    try:
        row = StaffStore(store).add_staff(login, name, password, role, regions, offices)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    scope = {"regional_head": f": регионы {', '.join(row['regions'])}",
             "office_head": f": офисы {', '.join(row['offices'])}"}.get(role, "")
    click.echo(f"Учётная запись «{row['login']}» ({ROLE_NAMES[role]}{scope}) сохранена")


@central.command("set-region")
@db_option
@click.option("--office", required=True, help="The office id.")
@click.option("--region", required=True, help="The region's name, e.g. «Свердловская область».")
def set_region(url: str, office: str, region: str) -> None:
    """Put an office in a region (regional heads see the offices of their regions)."""
    from .staff_store import StaffError, StaffStore
    from .store import CentralStore

    _migrate(url)
    store = CentralStore(url, min_size=1, max_size=2)
    try:
        StaffStore(store).set_office_region(office, region)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"Офис «{office}»: регион «{region.strip()}»")


# ---------------------------------------------------------------------- the company catalogue (issue 11, point 5)

@central.group()
def catalogue() -> None:
    """The company catalogue: services, norms, hall texts and office heads for every office."""


@catalogue.command("show")
@db_option
@click.option("--version", "number", type=int, default=None, help="A version (default: the latest).")
def catalogue_show(url: str, number: int | None) -> None:
    """Print a version of the catalogue as JSON (the heads' code hashes left out)."""
    import json

    from .catalogue import public
    from .catalogue_store import CatalogueStore
    from .store import CentralStore

    _migrate(url)
    store = CentralStore(url, min_size=1, max_size=2)
    try:
        cs = CatalogueStore(store)
        row = cs.latest() if number is None else cs.version(number)
    finally:
        store.close()
    if row is None:
        raise click.ClickException("Каталог компании ещё не опубликован" if number is None
                                   else f"Версии {number} каталога нет")
    click.echo(json.dumps({"version": row["version"], "hash": row["hash"],
                           "published_at": row["published_at"].isoformat(), "published_by": row["published_by"],
                           "catalogue": public(row["content"])}, ensure_ascii=False, indent=2))


@catalogue.command("publish")
@db_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--expect", type=int, default=None,
              help="The version the file was edited from (default: the latest; a newer one then is refused).")
@click.option("--by", default="cli", show_default=True, help="Who publishes (kept with the version).")
def catalogue_publish(url: str, file: str, expect: int | None, by: str) -> None:
    """Check FILE.json and publish it as the next version of the catalogue."""
    import json
    from pathlib import Path

    from .catalogue import CatalogueError, check_catalogue
    from .catalogue_store import CatalogueStore
    from .store import CentralStore, Refused

    try:
        body = json.loads(Path(file).read_text(encoding="utf-8"))
    except (ValueError, UnicodeError) as exc:
        raise click.ClickException(f"Файл {file} - не JSON: {exc}") from exc
    try:
        content = check_catalogue(body)
    except CatalogueError as exc:
        where = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"Каталог не опубликован: {exc.message}{where}") from exc
    _migrate(url)
    store = CentralStore(url, min_size=1, max_size=2)
    try:
        cs = CatalogueStore(store)
        if expect is None:
            latest = cs.latest()
            expect = latest["version"] if latest else 0
        answer = cs.publish(content, expect, by=by)
    except Refused as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        store.close()
    click.echo(f"Опубликована версия {answer['version']} каталога компании ({answer['hash'][:12]})")
    for login, code in sorted(answer["codes"].items()):
        click.echo(f"Одноразовый код первого входа для «{login}»: {code} "
                   "(передайте его лично; больше он не показывается)")
