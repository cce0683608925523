"""Raster text mode: the whole ticket as GS v 0 pictures, for printers that print boxes."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageOps

from kiosk.printing import PrintSpooler
from kiosk.printing.decode import decode
from kiosk.printing.escpos_render import raster_image, render_ticket
from kiosk.printing.preview import preview_image
from kiosk.printing.spooler import open_printer
from kiosk.printing.ticket import ticket_blocks
from printer_profiles import ProfileError, available_profiles, load_profile, parse_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_printing import make_ticket

GS_V0 = b"\x1dv0"


@pytest.fixture(params=available_profiles())
def raster_profile(request):
    return load_profile(request.param).with_text_mode("raster")


def stitched(job) -> Image.Image:
    """The GS v 0 pieces of a job, one under the other, as a mode '1' picture."""
    pieces = [r.to_image() for r in job.rasters]
    width = max(p.width for p in pieces)
    sheet = Image.new("1", (width, sum(p.height for p in pieces)), 1)
    y = 0
    for piece in pieces:
        sheet.paste(piece, (0, y))
        y += piece.height
    return sheet


def ink(image: Image.Image) -> float:
    """Share of black pixels."""
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / (image.width * image.height)


def test_raster_job_has_images_and_no_text_bytes(raster_profile):
    ticket = make_ticket()
    data = render_ticket(ticket, raster_profile)
    job = decode(data, raster_profile.code_page_table())
    assert data.startswith(b"\x1b@" + GS_V0)
    assert job.commands[0] == "ESC @" and "GS v 0" in job.commands
    assert "ESC t" not in job.commands and job.code_pages == []
    assert [line.text for line in job.lines if line.text] == []
    assert job.qr_codes == []  # the QR is part of the picture
    assert "Талон".encode("cp866") not in data
    assert ticket.url.encode() not in data
    # everything outside the image data is a handful of commands
    image_bytes = sum(r.width_bytes * r.height for r in job.rasters)
    assert len(data) - image_bytes < 40 + 8 * len(job.rasters)
    assert all(r.width == raster_profile.dots for r in job.rasters)
    # the cut (or the tear feed) is still the profile's
    if raster_profile.cut == "none":
        assert job.cuts == [] and data.endswith(b"\x1bd" + bytes([raster_profile.tear_feed_lines]))
    else:
        assert [c.mode for c in job.cuts] == [raster_profile.cut]


def test_raster_picture_is_the_ticket_and_its_qr_reads(raster_profile):
    ticket = make_ticket()
    job = decode(render_ticket(ticket, raster_profile), raster_profile.code_page_table())
    picture = stitched(job)
    assert picture.width == raster_profile.dots
    assert 0.02 < ink(picture) < 0.4  # printed, not blank and not black
    native = dataclasses.replace(raster_profile, text_mode="native")
    assert picture.tobytes() == raster_image(ticket_blocks(ticket), native).tobytes()
    bordered = ImageOps.expand(picture.convert("L"), border=24, fill=255)
    assert [r.text for r in zxingcpp.read_barcodes(bordered)] == [ticket.url]


def test_raster_ticket_looks_like_the_native_ticket(raster_profile):
    """On paper the picture is the native ticket: the same lines in the same places."""
    ticket = make_ticket()
    native = dataclasses.replace(raster_profile, text_mode="native")
    on_paper = preview_image(render_ticket(ticket, raster_profile), raster_profile)
    expected = preview_image(render_ticket(ticket, native), native)
    assert on_paper.width == expected.width
    body = 24 + stitched(decode(render_ticket(ticket, raster_profile), {})).height
    assert abs(on_paper.height - expected.height) <= 2 * round(native.dpi / 6)
    a = on_paper.crop((0, 0, on_paper.width, body)).point(lambda v: 0 if v < 128 else 255)
    b = expected.crop((0, 0, expected.width, body)).point(lambda v: 0 if v < 128 else 255)
    assert a.tobytes() == b.tobytes()


def test_raster_text_carries_characters_the_code_page_lacks():
    # A ticket whose text the printer could not print natively still comes out as ink.
    profile = load_profile("xprinter-80").with_text_mode("raster")
    plain = raster_image(ticket_blocks(make_ticket(service_name="Консультация")), profile)
    longer = raster_image(
        ticket_blocks(make_ticket(service_name="Консультация по договору энергоснабжения")), profile
    )
    assert ink(longer) > ink(plain)


def test_text_mode_in_the_profile_file():
    raw = {
        "escpos_profile": "default",
        "paper": {"width_mm": 80, "printable_mm": 72, "dpi": 203, "dots": 576, "columns": 48},
        "text": {"codepage": "CP866", "mode": "raster"},
        "qr": {"mode": "native"},
        "cut": "full",
        "connector": {"kind": "network", "host": "127.0.0.1"},
    }
    assert parse_profile(raw, "ok").text_mode == "raster"
    raw["text"]["mode"] = "picture"
    with pytest.raises(ProfileError, match="text.mode"):
        parse_profile(raw, "bad")
    # a model without raster images can not print its text as one
    impact = {**raw, "escpos_profile": "TM-U220", "qr": {"mode": "raster"}, "cut": "none",
              "text": {"codepage": "CP437", "codepage_number": 0, "mode": "raster"}}
    with pytest.raises(ProfileError, match="TM-U220 has no raster images"):
        parse_profile(impact, "bad")
    with pytest.raises(ProfileError, match="text.mode"):
        load_profile("xprinter-80").with_text_mode("boxes")


def test_spooler_prints_a_raster_ticket_to_a_file(tmp_path):
    """The whole path: spooler -> python-escpos File printer -> bytes on disk."""
    out = tmp_path / "lp0"
    out.write_bytes(b"")
    profile = dataclasses.replace(load_profile("xprinter-80"), status_readable=False)
    profile = profile.with_connector(kind="file", path=str(out)).with_text_mode("raster")
    printed = []
    spooler = PrintSpooler(profile, connect=open_printer, on_printed=printed.append, retries=1)
    try:
        spooler.submit(make_ticket())
        assert spooler.wait_idle(30)
    finally:
        spooler.stop()
    assert len(printed) == 1
    job = decode(out.read_bytes(), profile.code_page_table())
    assert job.rasters and not [line for line in job.lines if line.text]


# -- chosen on the stand, followed by the kiosk -------------------------------------

KIOSK = "kiosk-demo"  # the demo office's kiosk (talon init --demo)


def test_stand_route_sets_and_checks_a_kiosks_text_mode(shared_hub):
    from hub_client import HubClient, HubError

    hub = shared_hub
    admin = hub.client("admin")
    route = "/api/v1/offices/demo/devices/printer"
    # a kiosk of its own, paired as the stand pairs one
    device = admin.post("/api/v1/offices/demo/devices", {"kind": "kiosk", "name": "Киоск у окна 6"})
    kiosk = HubClient(hub.url)
    kiosk.pair(device["pairing_code"])
    kiosk_id = device["id"]
    assert kiosk.get("/api/v1/devices/printer") == {"device": kiosk_id, "text_mode": None}
    assert kiosk_id not in admin.get("/api/v1/offices/demo/devices/printers")
    seq = admin.state("demo")["seq"]
    answer = admin.request("PUT", route, json={"device": kiosk_id, "text_mode": "raster"})
    assert answer == {"device": kiosk_id, "text_mode": "raster"}
    assert kiosk.get("/api/v1/devices/printer")["text_mode"] == "raster"
    assert admin.get("/api/v1/offices/demo/devices/printers")[kiosk_id] == "raster"
    assert admin.state("demo")["seq"] == seq + 1  # one config.changed event in the office's log
    assert admin.get("/api/v1/offices/demo/settings")["name"]  # the office's settings still read
    cases = [
        (admin, route, {"device": kiosk_id, "text_mode": "boxes"}, 400),
        (admin, route, {"text_mode": "native"}, 400),
        (admin, route, {"device": kiosk_id, "text_mode": "native", "extra": 1}, 400),
        (admin, route, {"device": "kiosk-nowhere", "text_mode": "native"}, 404),
        (admin, route, {"device": "board-demo", "text_mode": "native"}, 409),
        (admin, "/api/v1/offices/nowhere/devices/printer", {"device": kiosk_id, "text_mode": "native"}, 403),
        (kiosk, route, {"device": kiosk_id, "text_mode": "native"}, 403),
        (HubClient(hub.url), route, {"device": kiosk_id, "text_mode": "native"}, 401),
    ]
    for client, path, body, status in cases:
        with pytest.raises(HubError) as caught:
            client.request("PUT", path, json=body)
        assert caught.value.status == status, (path, body)
        assert any("а" <= ch <= "я" for ch in caught.value.message.lower()), caught.value.message
    with pytest.raises(HubError) as caught:
        HubClient(hub.url, token=hub.board_key).get("/api/v1/devices/printer")
    assert caught.value.status == 403
    assert kiosk.get("/api/v1/devices/printer")["text_mode"] == "raster"  # nothing half-written
    assert admin.state("demo")["seq"] == seq + 1


def test_kiosk_prints_as_the_stand_says(qtbot, shared_hub, tmp_path):
    from test_kiosk_qt import click, start_kiosk

    hub = shared_hub
    out = tmp_path / "printer.bin"
    admin = hub.client("admin")
    window = start_kiosk(qtbot, hub, tmp_path, "--printer-file", str(out), "--printer", "xprinter-80",
                         ticket_timeout_s=1.0)
    try:
        assert window.spooler.profile.text_mode == "native"
        admin.request("PUT", "/api/v1/offices/demo/devices/printer", json={"device": KIOSK, "text_mode": "raster"})
        qtbot.waitUntil(lambda: window.spooler.profile.text_mode == "raster", timeout=20000)
        click(qtbot, window.idle.start_button)
        click(qtbot, window.choice.buttons["individual"])
        click(qtbot, window.topic_screen.buttons["owner"])
        qtbot.waitUntil(lambda: out.exists() and out.stat().st_size > 0 and window.spooler.wait_idle(0),
                        timeout=20000)
        job = decode(out.read_bytes(), window.spooler.profile.code_page_table())
        assert job.rasters and job.code_pages == []
        assert not [line for line in job.lines if line.text]
    finally:
        window.shutdown()

    # a kiosk started later reads the choice from the hub before its first ticket
    window = start_kiosk(qtbot, hub, tmp_path, "--printer-file", str(out), "--printer", "xprinter-80")
    try:
        assert window.spooler.profile.text_mode == "raster"
    finally:
        window.shutdown()
