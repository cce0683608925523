"""The kiosk's own settings: a small JSON file in the user's configuration folder.

What an office sets once per kiosk: the hub's address, the device key the kiosk got when it
was paired, the printer profile (and its connection), the ticket template, the screen's
orientation and the timeouts. The command line overrides the file for one run; pairing
writes the key back so that the next start needs no options at all.

The file lives where each system keeps per-user settings (``pathlib`` only, Windows too):

* Windows: ``%APPDATA%\\Talon\\kiosk.json``
* macOS:   ``~/Library/Application Support/Talon/kiosk.json``
* Linux:   ``$XDG_CONFIG_HOME/talon/kiosk.json`` (``~/.config/talon/kiosk.json``)

``TALON_KIOSK_SETTINGS`` (a file path) or ``--settings PATH`` choose another file.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub_client.device_files import config_dir

log = logging.getLogger(__name__)

ORIENTATIONS = ("auto", "portrait", "landscape")


def default_path() -> Path:
    """Where the settings file is kept for this user on this system."""
    override = os.environ.get("TALON_KIOSK_SETTINGS")
    if override:
        return Path(override)
    return config_dir() / "kiosk.json"


@dataclass
class KioskSettings:
    """Everything the kiosk needs to run; see docs/kiosk.md for each field."""

    hub_url: str | None = None            # the hub's address; always wins over zeroconf discovery
    key: str | None = None                # the device key (from pairing or `talon init --demo`)
    office: str | None = None             # normally learned from the key; set only to check it
    printer: str = "epson-tm-t88"         # a profile name from printer_profiles/ or a .toml path
    printer_connector: dict[str, Any] = field(default_factory=dict)  # e.g. {"kind": "network", "host": "…"}
    template: str | None = None           # an office's own ticket template (TOML)
    visitor_url: str | None = None        # the address visitors' phones reach for /t/{token}; the hub's by default
    orientation: str = "auto"             # auto | portrait | landscape
    fullscreen: bool = True
    idle_timeout_s: float = 25.0          # back to the idle screen after this long without a touch
    ticket_timeout_s: float = 15.0        # the issued ticket stays on screen this long
    failed_ticket_timeout_s: float = 60.0  # … and this long when it could not be printed
    retry_s: float = 5.0                  # how often to try the hub again when it can not be reached
    issue_retry_for_s: float = 60.0       # how long one touch keeps retrying its ticket
    heartbeat_s: float = 30.0
    refresh_s: float = 30.0               # the office state (hours, topics) is read again this often
    help_repeat_s: float = 20.0           # a second press within this time does not call again
    discovery_s: float = 3.0              # how long to look for the hub on the LAN

    @classmethod
    def load(cls, path: Path | None = None) -> KioskSettings:
        """Read the file; a missing file gives the defaults, unknown keys are ignored with a warning."""
        path = Path(path) if path else default_path()
        if not path.is_file():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.error("kiosk settings %s are unreadable (%s); using defaults", path, exc)
            return cls()
        if not isinstance(raw, dict):
            log.error("kiosk settings %s are not a JSON object; using defaults", path)
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            log.warning("kiosk settings %s: unknown keys ignored: %s", path, ", ".join(unknown))
        settings = cls(**{k: v for k, v in raw.items() if k in names})
        settings.check()
        return settings

    def check(self) -> None:
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be one of {ORIENTATIONS}")
        for name in ("idle_timeout_s", "ticket_timeout_s", "failed_ticket_timeout_s", "retry_s",
                     "heartbeat_s", "refresh_s"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name} must be positive")

    def save(self, path: Path | None = None) -> Path:
        """Write the file atomically; it holds the device key, so only the user may read it."""
        path = Path(path) if path else default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        try:
            tmp.chmod(0o600)  # on Windows this only clears read-only; the profile folder is private anyway
        except OSError:
            pass
        tmp.replace(path)
        log.info("kiosk settings saved to %s", path)
        return path
