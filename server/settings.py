"""Every setting of the hub and the centre read from the environment, in one place.

:func:`current` reads the ``TALON_*`` variables (each with its default, :data:`VARIABLES`) into one
typed :class:`Settings`; a command-line option given to ``talon`` wins over its variable (the
options are named in :data:`VARIABLES` too, and README.md lists them all). The data and cache
folders follow the platform's rules through platformdirs (``~/.local/share/talon`` and
``~/.cache/talon`` on Linux, ``%LOCALAPPDATA%\\Talon\\talon`` on Windows); the hub's database is in the
data folder unless ``--db`` or ``TALON_DB`` says otherwise.

Kept free of Flask so that the command line starts fast.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import platformdirs

APP = "talon"
AUTHOR = "Talon"


def data_dir() -> Path:
    """Where the hub keeps its files by default (the database, backups)."""
    return Path(platformdirs.user_data_dir(APP, AUTHOR))


def cache_dir() -> Path:
    """Where files that can be made again are kept (spoken phrases, fonts' caches)."""
    return Path(platformdirs.user_cache_dir(APP, AUTHOR))


def config_dir() -> Path:
    """Where a device keeps what it was given (a paired key, its settings file)."""
    return Path(platformdirs.user_config_dir(APP, AUTHOR))


@dataclass(frozen=True)
class Var:
    env: str
    field: str
    default: str
    option: str
    meaning: str


#: Every ``TALON_*`` variable: its field in :class:`Settings`, its default as text (empty: none),
#: the command-line option that overrides it, and what it is for (README.md's table is made from this).
VARIABLES: tuple[Var, ...] = (
    Var("TALON_DB", "db", "<data folder>/talon.sqlite", "talon … --db FILE",
        "SQLite file of the office hub"),
    Var("TALON_SYNC", "sync", "FULL", "",
        "SQLite «synchronous» of the hub's database (FULL: a committed ticket survives a power cut)"),
    Var("TALON_SECRET", "secret", "", "",
        "Flask secret key of the hub (default: a random one at each start)"),
    Var("TALON_SSE", "sse", "broadcast", "",
        "«threads»: event streams served by waitress threads instead of the office broadcaster"),
    Var("TALON_VISITOR_STREAMS", "visitor_streams", "120", "",
        "open event streams of visitors' phones at most; beyond it the page polls"),
    Var("TALON_FORGET_EVERY", "forget_every", "3600", "",
        "seconds between runs that forget personal data of closed cases past their term"),
    Var("TALON_CATALOGUE_EVERY", "catalogue_every", "60", "",
        "seconds between pulls of the company's service catalogue from the centre"),
    Var("TALON_ANSWERS_EVERY", "answers_every", "2", "",
        "seconds between an office hub's pulls of the ratings given on the centre's public page"),
    Var("TALON_CENTRAL_BATCH", "central_batch", "500", "",
        "events per batch shipped from a hub to the company centre"),
    Var("TALON_CENTRAL_HEARTBEAT", "central_heartbeat", "10", "",
        "seconds between the heartbeats an idle office hub sends to the centre"),
    Var("TALON_CENTRAL_KEY", "central_key", "", "talon hub --central-key KEY",
        "this hub's key at the company centre (talon central join)"),
    Var("TALON_CENTRAL_DB", "central_db", "", "talon central … --db URL",
        "PostgreSQL address of the company centre"),
    Var("TALON_PG_BIN", "pg_bin", "", "",
        "folder of the PostgreSQL programs (initdb, pg_ctl) for a local centre database"),
    Var("TALON_PUBLIC_LIMIT", "public_limit", "600 per minute", "",
        "request limit per address of the centre's public pages"),
    Var("TALON_PUBLIC_STALE_AFTER", "public_stale_after", "30", "",
        "seconds without news from an office after which the centre's public page says «нет связи с офисом»"),
)


@dataclass(frozen=True)
class Settings:
    db: Path
    sync: str = "FULL"
    secret: str | None = None
    sse: str = "broadcast"
    visitor_streams: int = 120
    forget_every: float = 3600.0
    catalogue_every: float = 60.0
    answers_every: float = 2.0
    central_batch: int = 500
    central_heartbeat: float = 10.0
    central_key: str | None = None
    central_db: str | None = None
    pg_bin: str | None = None
    public_limit: str = "600 per minute"
    public_stale_after: float = 30.0

    @property
    def sse_broadcast(self) -> bool:
        return self.sse != "threads"


class SettingsError(ValueError):
    """A variable holds a value its setting can't take (the message is in Russian)."""


def _convert(var: Var, kind: type, text: str):
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"Переменная {var.env}: «{text}» — не число") from None
    if not value >= 0:  # a negative number, or nan
        raise SettingsError(f"Переменная {var.env}: нужно число не меньше нуля, а не «{text}»")
    return value


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``env`` (default: this process's environment); unset or empty
    variables take their defaults."""
    env = os.environ if env is None else env
    kinds = {f.name: f.type for f in fields(Settings)}
    values: dict = {}
    for var in VARIABLES:
        text = (env.get(var.env) or "").strip()
        if not text:
            continue
        kind = kinds[var.field]
        if kind == "int":
            values[var.field] = _convert(var, int, text)
        elif kind == "float":
            values[var.field] = _convert(var, float, text)
        elif kind == "Path":
            values[var.field] = Path(text)
        else:
            values[var.field] = text
    values.setdefault("db", data_dir() / "talon.sqlite")
    return Settings(**values)


def current() -> Settings:
    """The settings now (read afresh: tests and the command line set variables before a start)."""
    return from_env()


#: The ``--db`` option's help, naming the default on this computer.
DB_HELP = f"SQLite file of the hub (default: $TALON_DB, else {data_dir() / 'talon.sqlite'})."
#: Said under ``talon --help``.
EPILOG = (f"The hub's database is {data_dir() / 'talon.sqlite'} unless --db FILE or TALON_DB says otherwise; "
          "every TALON_* variable is listed in README.md («Settings»).")
