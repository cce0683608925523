"""Where the hub keeps its files (kept apart so that the CLI starts without importing Flask)."""
from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """``$TALON_DB``, or ``./var/talon.sqlite``."""
    return Path(os.environ.get("TALON_DB", Path.cwd() / "var" / "talon.sqlite"))
