"""Where the hub keeps its files (kept apart so that the CLI starts without importing Flask)."""
from __future__ import annotations

from pathlib import Path


def default_db_path() -> Path:
    """``$TALON_DB``, or ``talon.sqlite`` in the data folder (server/settings.py)."""
    from .settings import current

    return current().db
