"""Load thermal printer profiles from the TOML files in this folder.

A profile describes one printer model: the python-escpos capability profile, the paper,
the code page for Cyrillic, how the QR code is printed, the cut, and the default
connector.  The ESC t number of the code page is read from python-escpos's capability
database, because it differs between models (CP866 is 17 on Epson, 59 on POS-5890).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).resolve().parent

QR_MODES = ("native", "raster")
# How the ticket's text reaches paper: as characters in the profile's code page (native), or
# drawn into one picture sent as GS v 0 raster (raster), which any ESC/POS printer prints
# even when its firmware lacks the code page (it prints boxes or question marks instead).
TEXT_MODES = ("native", "raster")
CUT_MODES = ("full", "partial", "none")
CONNECTOR_KINDS = ("usb", "network", "file", "windows")
# Connectors through which python-escpos can read the printer's answer (DLE EOT).
STATUS_READABLE = ("usb", "network")


class ProfileError(ValueError):
    """A printer profile file is missing, malformed or contradicts python-escpos."""


@dataclass(frozen=True)
class Connector:
    """How the kiosk reaches the printer."""

    kind: str
    vendor_id: int | None = None
    product_id: int | None = None
    in_ep: int | None = None  # USB endpoints, when the printer differs from 0x82 / 0x01
    out_ep: int | None = None
    host: str | None = None
    port: int = 9100
    path: str | None = None
    printer_name: str | None = None
    timeout_s: float = 5.0

    def describe(self) -> str:
        """Short human description for logs and incidents."""
        if self.kind == "usb":
            return f"USB {self.vendor_id:04x}:{self.product_id:04x}"
        if self.kind == "network":
            return f"сеть {self.host}:{self.port}"
        if self.kind == "file":
            return f"файл {self.path}"
        return f"принтер Windows «{self.printer_name}»"


@dataclass(frozen=True)
class PrinterProfile:
    """One printer model, as read from `printer_profiles/<name>.toml`."""

    name: str
    title: str
    escpos_profile: str
    paper_width_mm: float
    printable_width_mm: float
    dots: int
    dpi: int
    columns: int
    codepage: str
    codepage_number: int
    qr_mode: str
    qr_module_dots: int
    cut: str
    status_readable: bool
    connector: Connector
    tear_feed_lines: int = 5
    text_mode: str = "native"
    codepage_source: str = ""  # where codepage_number comes from (capability data or the manual)
    source: Path | None = field(default=None, compare=False)

    @property
    def char_width_dots(self) -> int:
        """Width of one font A character in dots."""
        return self.dots // self.columns

    def with_connector(self, **changes: Any) -> PrinterProfile:
        """The same profile with an office's own connector settings (USB ids, IP, …)."""
        connector = dataclasses.replace(self.connector, **changes)
        _check_connector(connector, self.status_readable, self.name)
        return dataclasses.replace(self, connector=connector)

    def with_text_mode(self, mode: str) -> PrinterProfile:
        """The same profile printing its text natively or as a raster picture."""
        profile = dataclasses.replace(self, text_mode=mode)
        _check(profile, self.name)
        return profile

    def capability(self):
        """A python-escpos capability profile with this paper width and code page.

        The database's own entry is copied; only the media width (often "Unknown" in
        generic entries) and the code page slot are set from this profile.
        """
        return _capability(
            self.escpos_profile,
            self.dpi,
            self.printable_width_mm,
            self.dots,
            self.codepage,
            self.codepage_number,
        )

    def code_page_table(self) -> dict[int, str]:
        """ESC t number -> code page name, as this printer understands them."""
        return {int(n): page for n, page in self.capability().codePages.items()}


@functools.lru_cache(maxsize=32)
def _capability(escpos_name, dpi, printable_mm, dots, codepage, codepage_number):
    from escpos.capabilities import CAPABILITIES, Profile

    data = copy.deepcopy(CAPABILITIES["profiles"][escpos_name])
    data["media"] = {"dpi": dpi, "width": {"mm": printable_mm, "pixels": dots}}
    pages = {n: page for n, page in data["codePages"].items() if page != codepage}
    pages[str(codepage_number)] = codepage
    data["codePages"] = pages
    # A subclass of escpos's user Profile, so that printer classes accept the instance.
    cls = type(f"Talon{escpos_name.replace('-', '')}Profile", (Profile,), {"profile_data": data})
    return cls(features=data["features"])


def available_profiles(directory: Path = PROFILES_DIR) -> list[str]:
    """Names of the profiles shipped in `directory`."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_profile(name_or_path: str | Path, directory: Path = PROFILES_DIR) -> PrinterProfile:
    """Load a profile by name (`epson-tm-t88`) or by the path of a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = directory / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available_profiles(directory))
        raise ProfileError(f"no printer profile {name_or_path!r} (known: {known})")
    with path.open("rb") as handle:
        try:
            raw = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(raw, name=path.stem, source=path)


def parse_profile(raw: Mapping[str, Any], name: str, source: Path | None = None) -> PrinterProfile:
    """Build and check a profile from parsed TOML."""
    where = str(source or name)
    try:
        paper = raw["paper"]
        text = raw["text"]
        qr = raw["qr"]
        conn = dict(raw["connector"])
        escpos_name = raw["escpos_profile"]
    except KeyError as exc:
        raise ProfileError(f"{where}: missing key {exc}") from exc

    codepage = text.get("codepage", "CP866").upper()
    number = text.get("codepage_number")
    if number is None:
        number = _codepage_number_from_escpos(escpos_name, codepage, where)
    elif not 0 <= int(number) <= 255:
        raise ProfileError(f"{where}: codepage_number must be 0..255")

    kind = conn.pop("kind", None)
    connector = Connector(kind=kind, **conn)
    profile = PrinterProfile(
        name=raw.get("name", name),
        title=raw.get("title", name),
        escpos_profile=escpos_name,
        paper_width_mm=float(paper["width_mm"]),
        printable_width_mm=float(paper["printable_mm"]),
        dots=int(paper["dots"]),
        dpi=int(paper["dpi"]),
        columns=int(paper["columns"]),
        codepage=codepage,
        codepage_number=int(number),
        qr_mode=qr["mode"],
        qr_module_dots=int(qr.get("module_dots", 6)),
        cut=raw.get("cut", "partial"),
        status_readable=bool(raw.get("status", False)),
        tear_feed_lines=int(raw.get("tear_feed_lines", 5)),
        text_mode=str(text.get("mode", "native")),
        codepage_source=str(text.get("codepage_source", "")),
        connector=connector,
        source=source,
    )
    _check(profile, where)
    return profile


def _codepage_number_from_escpos(escpos_name: str, codepage: str, where: str) -> int:
    from escpos.capabilities import CAPABILITIES

    entry = CAPABILITIES["profiles"].get(escpos_name)
    if entry is None:
        raise ProfileError(f"{where}: python-escpos has no capability profile {escpos_name!r}")
    numbers = [int(n) for n, page in entry["codePages"].items() if page == codepage]
    if not numbers:
        raise ProfileError(
            f"{where}: python-escpos profile {escpos_name} has no code page {codepage}; "
            "set text.codepage_number from the printer's self-test page"
        )
    # python-escpos itself picks the last slot listed for a code page; so do we.
    return numbers[-1]


def _check(profile: PrinterProfile, where: str) -> None:
    from escpos.capabilities import CAPABILITIES

    if profile.escpos_profile not in CAPABILITIES["profiles"]:
        raise ProfileError(f"{where}: unknown python-escpos profile {profile.escpos_profile!r}")
    if profile.qr_mode not in QR_MODES:
        raise ProfileError(f"{where}: qr.mode must be one of {QR_MODES}")
    if not 1 <= profile.qr_module_dots <= 16:
        raise ProfileError(f"{where}: qr.module_dots must be 1..16")
    if profile.cut not in CUT_MODES:
        raise ProfileError(f"{where}: cut must be one of {CUT_MODES}")
    if profile.columns <= 0 or profile.dots < profile.columns:
        raise ProfileError(f"{where}: paper.columns and paper.dots do not fit")
    if profile.printable_width_mm > profile.paper_width_mm:
        raise ProfileError(f"{where}: printable width is wider than the paper")
    features = CAPABILITIES["profiles"][profile.escpos_profile]["features"]
    if profile.qr_mode == "native" and not features.get("qrCode"):
        raise ProfileError(
            f'{where}: {profile.escpos_profile} cannot print QR natively; use qr.mode = "raster"'
        )
    cut_feature = {"full": "paperFullCut", "partial": "paperPartCut"}.get(profile.cut)
    if cut_feature and not features.get(cut_feature):
        raise ProfileError(f"{where}: {profile.escpos_profile} has no {profile.cut} cut")
    if profile.text_mode not in TEXT_MODES:
        raise ProfileError(f"{where}: text.mode must be one of {TEXT_MODES}")
    if profile.text_mode == "raster" and not features.get("bitImageRaster"):
        raise ProfileError(f"{where}: {profile.escpos_profile} has no raster images (GS v 0)")
    if profile.qr_mode == "raster" and not features.get("bitImageRaster"):
        raise ProfileError(f"{where}: {profile.escpos_profile} has no raster images (GS v 0)")
    _check_connector(profile.connector, profile.status_readable, where)


def _check_connector(connector: Connector, status_readable: bool, where: str) -> None:
    kind = connector.kind
    if kind not in CONNECTOR_KINDS:
        raise ProfileError(f"{where}: connector.kind must be one of {CONNECTOR_KINDS}")
    needed = {
        "usb": ("vendor_id", "product_id"),
        "network": ("host",),
        "file": ("path",),
        "windows": ("printer_name",),
    }[kind]
    for attr in needed:
        if getattr(connector, attr) in (None, ""):
            raise ProfileError(f"{where}: connector of kind {kind} needs {attr}")
    if status_readable and kind not in STATUS_READABLE:
        raise ProfileError(f"{where}: status can not be read through a {kind} connector")
