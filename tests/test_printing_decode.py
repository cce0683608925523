"""The ESC/POS decoder reads what we emit and refuses what it does not know."""

from __future__ import annotations

import pytest

from kiosk.printing.decode import Cut, DecodeError, Feed, Line, QrCode, decode

PAGES = {0: "CP437", 17: "CP866", 46: "CP1251"}


def test_hand_built_stream():
    data = (
        b"\x1b@"
        + b"\x1bt\x11"
        + b"\x1ba\x01"
        + b"\x1d!\x33"
        + b"\x1bE\x01"
        + "Талон А-1".encode("cp866")
        + b"\n"
        + b"\x1bE\x00\x1d!\x00\x1ba\x00"
        + b"ok\n"
        + b"\x1bd\x03"
        + b"\x1dV\x01"
    )
    job = decode(data, PAGES)
    assert job.elements == [
        Line("Талон А-1", "center", 4, 4, True),
        Line("ok", "left", 1, 1, False),
        Feed(3),
        Cut("partial"),
    ]
    assert job.commands[0] == "ESC @" and job.commands[-1] == "GS V"


def test_code_page_decides_the_letters():
    body = "Ёлка".encode("cp866")
    assert decode(b"\x1b@\x1bt\x11" + body + b"\n", PAGES).lines[0].text == "Ёлка"
    # the same bytes under another code page are other letters
    assert decode(b"\x1b@\x1bt\x2e" + body + b"\n", PAGES).lines[0].text != "Ёлка"


def test_init_resets_code_page_and_style():
    data = b"\x1bt\x11\x1d!\x11\x1b@" + b"abc\n"
    assert decode(data, PAGES).lines == [Line("abc")]
    with pytest.raises(DecodeError, match="unknown code page"):
        decode(b"\x1bt\x11\x1b@" + "Я".encode("cp866") + b"\n", {17: "CP866", 0: "Unknown"})


def test_esc_bang_mode_and_feed_cut_variants():
    job = decode(b"\x1b!\x38X\n\x1dVB\x00\x1dV\x00\x1dV1", PAGES)
    assert job.lines[0] == Line("X", "left", 2, 2, True)
    assert [c.mode for c in job.cuts] == ["partial", "full", "partial"]


def test_native_qr_commands():
    url = b"https://talon.example.ru/t/abc"
    data = (
        b"\x1ba\x01"
        + b"\x1d(k\x04\x001A2\x00"
        + b"\x1d(k\x03\x001C\x06"
        + b"\x1d(k\x03\x001E1"
        + b"\x1d(k"
        + (len(url) + 3).to_bytes(2, "little")
        + b"1P0"
        + url
        + b"\x1d(k\x03\x001Q0"
    )
    (qr,) = decode(data, PAGES).qr_codes
    assert qr == QrCode("https://talon.example.ru/t/abc", 6, "M", 2, "center")


def test_raster_image():
    data = b"\x1dv0\x00\x02\x00\x02\x00" + b"\x80\x01\xff\x00"
    (raster,) = decode(data, PAGES).rasters
    assert (raster.width, raster.height) == (16, 2)
    image = raster.to_image()
    assert image.getpixel((0, 0)) == 0  # set bit: black dot
    assert image.getpixel((1, 0)) == 255
    assert image.getpixel((15, 0)) == 0
    assert [image.getpixel((x, 1)) for x in range(9)] == [0] * 8 + [255]


def test_status_requests_are_understood():
    assert decode(b"\x10\x04\x01\x10\x04\x04", PAGES).commands == ["DLE EOT 1", "DLE EOT 4"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x1b@\x07", "control byte 0x07"),
        (b"\x1b@\x1bZ\x00", "ESC 0x5a"),
        (b"\x1d(L\x02\x0001", "GS 0x28"),
        (b"\x1bt\x63", "ESC t 99"),
        (b"\x1ba\x07", "alignment"),
        (b"\x1d(k\x10\x001P0abc", "ends inside"),
        (b"\x1d(k\x03\x001Q0", "without stored data"),
        (b"\x1d(k\x03\x002Q0", "not QR"),
        (b"\x1dv0\x00\x02\x00\x02\x00\x80", "ends inside"),
        (b"\x1dV\x07", "unknown cut"),
        (b"\x1d!\xff", "size out of range"),
        (b"\x10\x05", "DLE 0x05"),
        (b"\x1b", "ends inside"),
    ],
)
def test_unknown_or_broken_bytes_fail_loudly(data, message):
    with pytest.raises(DecodeError, match=message):
        decode(data, PAGES)


def test_error_names_the_offset():
    with pytest.raises(DecodeError) as caught:
        decode(b"\x1b@abc\x1bq", PAGES)
    assert caught.value.offset == 5
