"""Thermal printer profiles: one TOML file per printer model (DESIGN §5)."""

from .loader import (
    PROFILES_DIR,
    TEXT_MODES,
    Connector,
    PrinterProfile,
    ProfileError,
    available_profiles,
    load_profile,
    parse_profile,
)

__all__ = [
    "PROFILES_DIR",
    "TEXT_MODES",
    "Connector",
    "PrinterProfile",
    "ProfileError",
    "available_profiles",
    "load_profile",
    "parse_profile",
]
