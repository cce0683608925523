"""Where the hub keeps its files (kept apart so that the CLI starts without importing Flask)."""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

#: Where the database was by default before it moved to the data folder (relative to the folder
#: the command runs in: the service units ran in Talon's own folder).
LEGACY_DB = Path("var") / "talon.sqlite"


def default_db_path() -> Path:
    """``$TALON_DB``, or ``talon.sqlite`` in the data folder (server/settings.py). A hub set up
    before the move (``./var/talon.sqlite`` here and nothing in the data folder) keeps its file."""
    from .settings import current, data_dir

    path = current().db
    if path == data_dir() / "talon.sqlite" and not path.exists() and LEGACY_DB.exists():
        log.warning("the hub's database is still %s (the default is now %s; move it there or give --db)",
                    LEGACY_DB.resolve(), path)
        return LEGACY_DB
    return path
