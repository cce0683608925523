"""Where a kiosk or board keeps its files on this computer (its settings, its device key)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def config_dir() -> Path:
    """``%APPDATA%\\Talon`` on Windows, ``~/Library/Application Support/Talon`` on macOS,
    ``$XDG_CONFIG_HOME/talon`` (``~/.config/talon``) elsewhere."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "Talon"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Talon"
    return Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "talon"
