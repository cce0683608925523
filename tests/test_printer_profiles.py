"""Every shipped printer profile: its code page number proven against python-escpos's data.

The check reads python-escpos's capability database (``escpos/capabilities.json``) directly,
not the profile's own ``capability()`` (which is rewritten from the profile and so would
agree with any number).  A Cyrillic ticket must select that page with ESC t and carry its
text in CP866, decoded back through the printer's table as python-escpos describes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import zxingcpp
from escpos.capabilities import CAPABILITIES

from kiosk.printing.decode import QrCode, decode
from kiosk.printing.escpos_render import render_ticket
from kiosk.printing.preview import preview_image
from printer_profiles import available_profiles, load_profile, parse_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_printing import make_ticket  # one realistic ticket for all printing tests

SHIPPED = available_profiles()
ESC_T = b"\x1bt"

# The model's own manual or driver, as cited in the profile: profile -> (ESC t number, words
# that must appear in its codepage_source).  A number changed without its source fails here.
MANUALS = {
    "epson-tm-t88": (17, "TM-T88V"),
    "pos-58": (59, "POS-5890"),
    "xprinter-80": (17, "Xprinter"),
    "rongta-rp326": (7, "Rongta"),
    "bixolon-srp-350": (17, "Bixolon"),
}


def escpos_table(escpos_name: str) -> dict[int, str]:
    """ESC t number -> code page name, straight from python-escpos's capability data."""
    return {int(n): page for n, page in CAPABILITIES["profiles"][escpos_name]["codePages"].items()}


def page_in_escpos(profile) -> str | None:
    """What python-escpos says the profile's ESC t number selects on its named model."""
    return escpos_table(profile.escpos_profile).get(profile.codepage_number)


@pytest.fixture(params=SHIPPED)
def profile(request):
    return load_profile(request.param)


def test_at_least_five_models_are_shipped_with_their_sources():
    assert set(MANUALS) == set(SHIPPED)
    for name, (number, word) in MANUALS.items():
        profile = load_profile(name)
        assert profile.codepage_number == number, name
        assert word in profile.codepage_source, name
        assert "capabilities.json" in profile.codepage_source, name


def test_code_page_number_is_cp866_in_the_escpos_capability_data(profile):
    assert profile.escpos_profile in CAPABILITIES["profiles"]
    assert profile.codepage == "CP866"
    assert page_in_escpos(profile) == "CP866", (
        f"{profile.name}: ESC t {profile.codepage_number} is "
        f"{page_in_escpos(profile)} on {profile.escpos_profile}"
    )


def test_the_check_catches_a_wrong_number():
    # Rongta's table: 17 is Greek (WCP1253), not Cyrillic; the Epson number there prints Greek.
    rongta = load_profile("rongta-rp326")
    raw = {
        "escpos_profile": "RP326",
        "paper": {"width_mm": 80, "printable_mm": 72, "dpi": 203, "dots": 576, "columns": 48},
        "text": {"codepage": "CP866", "codepage_number": 17},
        "qr": {"mode": "native"},
        "cut": "partial",
        "connector": {"kind": "network", "host": "127.0.0.1"},
    }
    wrong = parse_profile(raw, "wrong")
    assert page_in_escpos(wrong) == "CP1253"
    assert page_in_escpos(rongta) == "CP866"
    # and the loader, left to itself, finds the same number the profile declares
    del raw["text"]["codepage_number"]
    assert parse_profile(raw, "derived").codepage_number == rongta.codepage_number == 7


def test_xprinter_page_22_is_not_cyrillic_anywhere_in_its_family():
    # The testers' emulator knew only pages 0 and 22; in every python-escpos table of the
    # Chinese firmware family the Xprinter belongs to, 22 is not CP866 and 17 is.
    for family in ("default", "POS-5890", "NT-80-V-UL", "P822D"):
        table = escpos_table(family)
        assert table[17] == "CP866", family
        assert table.get(22) != "CP866", family


def test_cyrillic_ticket_selects_the_page_and_is_cp866(profile):
    ticket = make_ticket()
    data = render_ticket(ticket, profile)
    assert data.startswith(b"\x1b@" + ESC_T + bytes([profile.codepage_number]))
    assert data.count(ESC_T) == 1  # selected once, never switched
    for phrase in ("Талон", "Консультация", "энергоснабжения", "Перед Вами"):  # short: lines wrap
        assert phrase.encode("cp866") in data
        assert phrase.encode("utf-8") not in data
        assert phrase.encode("cp1251") not in data
    # decoded through the printer's table as python-escpos knows it, not the profile's own
    job = decode(data, escpos_table(profile.escpos_profile))
    assert job.code_pages == [profile.codepage_number]
    text = " ".join(line.text for line in job.lines if line.text)
    for phrase in ("Талон", "А-012", ticket.service_name, "Ведётся аудио- и видеозапись"):
        assert phrase in text
    assert "?" not in text


def test_qr_of_every_profile_is_readable(profile):
    ticket = make_ticket()
    data = render_ticket(ticket, profile)
    job = decode(data, profile.code_page_table())
    if profile.qr_mode == "native":
        assert job.qr_codes == [QrCode(ticket.url, profile.qr_module_dots, "M", 2, "center")]
    else:
        assert job.qr_codes == [] and len(job.rasters) == 1
    page = preview_image(data, profile)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [ticket.url]


def test_new_models_fit_their_paper():
    for name in ("rongta-rp326", "bixolon-srp-350"):
        profile = load_profile(name)
        assert profile.text_mode == "native"
        assert profile.columns * profile.char_width_dots <= profile.dots
        assert profile.capability().media["width"]["pixels"] == profile.dots
        assert profile.code_page_table()[profile.codepage_number] == "CP866"
