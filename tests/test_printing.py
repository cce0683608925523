"""Ticket printing: profiles, template, ESC/POS bytes, code pages, QR codes, preview."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
import zxingcpp
from PIL import Image, ImageOps

from kiosk.printing.decode import Cut, DecodeError, Feed, QrCode, decode
from kiosk.printing.escpos_render import render_blocks, render_ticket
from kiosk.printing.preview import preview_image, render_preview
from kiosk.printing.ticket import (
    TemplateError,
    TextBlock,
    TicketPrint,
    load_template,
    people_text,
    queue_text,
    ticket_blocks,
    wait_text,
)
from printer_profiles import ProfileError, available_profiles, load_profile, parse_profile

PROFILES = ["epson-tm-t88", "pos-58", "xprinter-80"]
MSK = timezone(timedelta(hours=3))
NBSP = "\u00a0"


def make_ticket(**changes) -> TicketPrint:
    values = dict(
        company="ООО «Росатом Энергосбыт бизнес»",
        office_name="Центр обслуживания клиентов на Ленина",
        office_address="г. Курск, ул. Ленина, д. 1",
        code="А-012",
        service_name="Консультация по договору энергоснабжения",
        people_ahead=3,
        wait_min=6,
        wait_max=9,
        issued_at=datetime(2026, 3, 12, 10, 5, tzinfo=MSK),
        url="https://talon.example.ru/t/Zk3xQp9aLm2R",
        contact_phone="8 800 100-70-70",
        checklist=["Паспорт", "Документ, подтверждающий право собственности"],
    )
    values.update(changes)
    return TicketPrint(**values)


def joined(job) -> str:
    """All printed text as one string (lines joined by spaces, wrapping undone)."""
    return " ".join(line.text for line in job.lines if line.text)


@pytest.fixture(params=PROFILES)
def profile(request):
    return load_profile(request.param)


# -- profiles ---------------------------------------------------------------


def test_shipped_profiles_are_the_three_classes():
    assert set(PROFILES) <= set(available_profiles())


@pytest.mark.parametrize(
    "name, escpos_name, number, qr, cut, kind",
    [
        ("epson-tm-t88", "TM-T88V", 17, "native", "partial", "usb"),
        ("pos-58", "POS-5890", 59, "raster", "none", "usb"),
        ("xprinter-80", "default", 17, "native", "full", "network"),
    ],
)
def test_profile_values_come_from_escpos_database(name, escpos_name, number, qr, cut, kind):
    from escpos.capabilities import CAPABILITIES

    profile = load_profile(name)
    assert profile.escpos_profile == escpos_name
    assert profile.codepage == "CP866"
    assert profile.codepage_number == number
    # the number is one python-escpos lists for CP866 on that printer
    assert CAPABILITIES["profiles"][escpos_name]["codePages"][str(number)] == "CP866"
    assert profile.qr_mode == qr and profile.cut == cut
    assert profile.connector.kind == kind
    assert profile.columns * profile.char_width_dots <= profile.dots
    assert profile.capability().media["width"]["pixels"] == profile.dots


def test_profile_rejects_contradictions():
    raw = {
        "escpos_profile": "POS-5890",
        "paper": {"width_mm": 58, "printable_mm": 48, "dpi": 203, "dots": 384, "columns": 32},
        "text": {"codepage": "CP866"},
        "qr": {"mode": "native"},  # POS-5890 has no native QR
        "cut": "none",
        "connector": {"kind": "usb", "vendor_id": 1, "product_id": 2},
    }
    with pytest.raises(ProfileError, match="natively"):
        parse_profile(raw, "bad")
    raw["qr"] = {"mode": "raster"}
    raw["cut"] = "full"  # POS-5890 has no cutter
    with pytest.raises(ProfileError, match="cut"):
        parse_profile(raw, "bad")
    raw["cut"] = "none"
    raw["status"] = True
    raw["connector"] = {"kind": "file", "path": "/dev/usb/lp0"}
    with pytest.raises(ProfileError, match="status"):
        parse_profile(raw, "bad")
    raw["status"] = False
    assert parse_profile(raw, "ok").connector.path == "/dev/usb/lp0"
    with pytest.raises(ProfileError):
        load_profile("no-such-printer")


# -- job framing --------------------------------------------------------------


def test_job_starts_with_init_then_code_page(profile):
    data = render_ticket(make_ticket(), profile)
    assert data[:2] == b"\x1b@"
    assert data[2:5] == b"\x1bt" + bytes([profile.codepage_number])
    job = decode(data, profile.code_page_table())
    assert job.commands[:2] == ["ESC @", "ESC t"]
    assert job.code_pages == [profile.codepage_number]  # set once, never switched


def test_job_ends_with_the_profiles_cut(profile):
    data = render_ticket(make_ticket(), profile)
    job = decode(data, profile.code_page_table())
    last = job.elements[-1]
    if profile.cut == "none":
        assert b"\x1dV" not in data
        assert data.endswith(b"\x1bd" + bytes([profile.tear_feed_lines]))
        assert last == Feed(profile.tear_feed_lines)
        assert job.cuts == []
    else:
        expected = {"full": b"\x1dV\x00", "partial": b"\x1dV\x01"}[profile.cut]
        assert data.endswith(expected)
        assert last == Cut(profile.cut)
        assert len(job.cuts) == 1


# -- text and code page -------------------------------------------------------


def test_cyrillic_round_trips_through_the_declared_code_page(profile):
    ticket = make_ticket()
    data = render_ticket(ticket, profile)
    assert "Талон".encode("cp866") in data
    assert "Талон".encode() not in data
    text = joined(decode(data, profile.code_page_table()))
    for expected in (
        "Талон",
        "А-012",
        "Консультация по договору энергоснабжения",
        "Ведётся аудио- и видеозапись",
        "Рады, что Вы к нам обратились. До свидания. Всего доброго. Хорошего дня.",
        "Перед Вами 3 человека",
        "Примерное время ожидания: 6-9 минут",
        "12 марта 2026, 10:05",
        "Телефон для справок: 8 800 100-70-70",
    ):
        assert expected in text, expected


def test_code_is_printed_big_and_centred(profile):
    job = decode(render_ticket(make_ticket(), profile), profile.code_page_table())
    (code_line,) = [line for line in job.lines if line.text == "А-012"]
    assert code_line.width >= 2 and code_line.height >= 2
    assert code_line.align == "center" and code_line.bold


def test_lines_fit_the_paper(profile):
    long_name = "Переоформление договора энергоснабжения при смене собственника помещения"
    job = decode(
        render_ticket(make_ticket(service_name=long_name), profile), profile.code_page_table()
    )
    for line in job.lines:
        assert len(line.text) * line.width <= profile.columns, line
    assert long_name in joined(job)


def test_wrong_code_page_table_is_refused():
    epson, pos58 = load_profile("epson-tm-t88"), load_profile("pos-58")
    with pytest.raises(DecodeError, match="ESC t 59"):
        decode(render_ticket(make_ticket(), pos58), epson.code_page_table())
    with pytest.raises(DecodeError, match="ESC t 17"):
        decode(render_ticket(make_ticket(), epson), pos58.code_page_table())


def test_code_page_number_override_is_used():
    profile = dataclasses.replace(load_profile("xprinter-80"), codepage_number=59)
    data = render_ticket(make_ticket(), profile)
    assert data[2:5] == b"\x1bt\x3b"
    assert "Талон" in joined(decode(data, profile.code_page_table()))


def test_characters_missing_from_cp866_are_replaced_readably(profile):
    ticket = make_ticket(service_name="Оплата ✓ без комиссии – от 100 ₽ (≈ 2 мин)")
    text = joined(decode(render_ticket(ticket, profile), profile.code_page_table()))
    assert "Оплата + без комиссии - от 100 руб. (~ 2 мин)" in text
    assert 'ООО "Росатом Энергосбыт бизнес"' in text
    assert "?" not in text
    assert "№ 5".encode("cp866") == b"\xfc 5"  # № is in CP866 and stays


# -- QR codes -----------------------------------------------------------------


def _zxing_texts(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("name", ["epson-tm-t88", "xprinter-80"])
def test_native_qr_carries_the_visitor_url(name):
    profile = load_profile(name)
    ticket = make_ticket()
    data = render_ticket(ticket, profile)
    job = decode(data, profile.code_page_table())
    assert job.rasters == []
    (qr,) = job.qr_codes
    assert qr == QrCode(ticket.url, profile.qr_module_dots, "M", 2, "center")
    # alignment is sent before the symbol: native QR can not be centred by python-escpos
    store = data.index(b"\x1d(k")
    assert data.rfind(b"\x1ba\x01", 0, store) > data.rfind(b"\x1ba\x00", 0, store)
    url = ticket.url.encode("utf-8")
    assert b"\x1d(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url in data


def test_raster_qr_decodes_with_zxing():
    profile = load_profile("pos-58")
    ticket = make_ticket(url="https://talon.example.ru/t/Qw7-Er8_Ty9Ui0")
    data = render_ticket(ticket, profile)
    assert b"\x1d(k" not in data  # no native QR on this printer
    job = decode(data, profile.code_page_table())
    assert job.qr_codes == []
    (raster,) = job.rasters
    assert raster.width <= profile.dots
    bitmap = ImageOps.expand(raster.to_image().convert("L"), border=24, fill=255)
    assert _zxing_texts(bitmap) == [ticket.url]


def test_preview_png_shows_a_readable_qr(profile, tmp_path):
    ticket = make_ticket()
    path = render_preview(ticket, profile, tmp_path / "ticket.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == round(profile.paper_width_mm / 25.4 * profile.dpi)
        assert _zxing_texts(image) == [ticket.url]
        assert image.height > 600


def test_preview_draws_text_from_the_bytes(profile):
    ticket = make_ticket()
    data = render_ticket(ticket, profile)
    page = preview_image(data, profile)
    # a blank job is just white; the real one has ink in the upper part (the big code)
    blank = preview_image(b"\x1b@" + b"\x1bd\x02", profile)
    assert blank.getextrema() == (255, 255)
    assert page.getextrema()[0] == 0
    # the preview follows the bytes: changing the code changes the picture
    other = preview_image(render_ticket(make_ticket(code="Б-999"), profile), profile)
    assert other.size == page.size and other.tobytes() != page.tobytes()


# -- ticket wording -------------------------------------------------------------


@pytest.mark.parametrize(
    "n, text",
    [
        (1, "1 человек"),
        (2, "2 человека"),
        (4, "4 человека"),
        (5, "5 человек"),
        (11, "11 человек"),
        (12, "12 человек"),
        (21, "21 человек"),
        (22, "22 человека"),
        (25, "25 человек"),
        (101, "101 человек"),
    ],
)
def test_people_plural(n, text):
    assert people_text(n).replace(NBSP, " ") == text


def test_queue_and_wait_sentences():
    assert queue_text(0) == "Перед Вами никого нет"
    assert queue_text(2).replace(NBSP, " ") == "Перед Вами 2 человека"
    assert wait_text(6, 9).replace(NBSP, " ") == "6-9 минут"
    assert wait_text(1, 2).replace(NBSP, " ") == "1-2 минуты"
    assert wait_text(15, 21).replace(NBSP, " ") == "15-21 минута"
    assert wait_text(5, 5).replace(NBSP, " ") == "5 минут"
    assert wait_text(0, 0) == "меньше минуты"
    assert wait_text(0, 1).replace(NBSP, " ") == "до 1 минуты"
    assert wait_text(0, 3).replace(NBSP, " ") == "до 3 минут"
    assert wait_text(0, 21).replace(NBSP, " ") == "до 21 минуты"
    assert wait_text(None, None) == ""


def test_unknown_wait_is_not_printed(profile):
    data = render_ticket(make_ticket(wait_min=None, wait_max=None, people_ahead=0), profile)
    text = joined(decode(data, profile.code_page_table()))
    assert "ожидания" not in text
    assert "Перед Вами никого нет" in text


def test_checklist_and_individual_format(profile):
    plain = joined(
        decode(render_ticket(make_ticket(checklist=[]), profile), profile.code_page_table())
    )
    assert "возьмите с собой" not in plain and "[ ]" not in plain
    assert "Индивидуальный формат" not in plain
    ticket = make_ticket(individual=True, checklist=["Паспорт", "Выписка из ЕГРН", "Заявление"])
    job = decode(render_ticket(ticket, profile), profile.code_page_table())
    text = joined(job)
    assert "Индивидуальный формат обслуживания" in text
    items = [line.text for line in job.lines if line.text.startswith("[ ] ")]
    assert items == ["[ ] Паспорт", "[ ] Выписка из ЕГРН", "[ ] Заявление"]


def test_ticket_needs_an_aware_time_and_a_sane_wait():
    with pytest.raises(ValueError):
        make_ticket(issued_at=datetime(2026, 3, 12, 10, 5))
    with pytest.raises(ValueError):
        make_ticket(wait_min=9, wait_max=6)
    with pytest.raises(ValueError):
        make_ticket(wait_min=None)
    with pytest.raises(ValueError):
        make_ticket(people_ahead=-1)


# -- the editable template -------------------------------------------------------


def test_office_template_changes_the_ticket(tmp_path, profile):
    path = tmp_path / "ticket.toml"
    path.write_text(
        '[[block]]\ntext = "Номер: {code}"\nsize = "triple"\nalign = "right"\n'
        '[[block]]\nkind = "qr"\ndata = "{url}"\nalign = "left"\n'
        '[[block]]\ntext = "{service_name}"\n',
        encoding="utf-8",
    )
    template = load_template(path)
    blocks = ticket_blocks(make_ticket(), template)
    assert blocks[0] == TextBlock("Номер: А-012", align="right", size="triple")
    job = decode(render_blocks(blocks, profile), profile.code_page_table())
    big = [line for line in job.lines if line.width == 3]
    assert " ".join(line.text for line in big) == "Номер: А-012"  # wrapped on 58 mm
    assert all(line.height == 3 and line.align == "right" for line in big)
    assert job.lines[0] == big[0]
    assert "Талон" not in joined(job)
    if profile.qr_mode == "native":
        assert job.qr_codes[0].align == "left"


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[block]]\ntext = "{account_number}"\n', "placeholder"),
        ('[[block]]\ntext = "{code.__class__}"\n', "placeholder"),
        ('[[block]]\ntext = "x"\nsize = "huge"\n', "size"),
        ('[[block]]\nkind = "barcode"\n', "kind"),
        ('[[block]]\ntext = "x"\nwhen = "nothing"\n', "when"),
        ('title = "no blocks"\n', "no \\[\\[block\\]\\]"),
    ],
)
def test_bad_templates_are_refused(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_template(path)


def test_shipped_template_loads():
    template = load_template()
    kinds = [spec.get("kind", "text") for spec in template.blocks]
    assert "qr" in kinds and "list" in kinds


def test_long_url_qr_is_shrunk_to_fit(profile):
    url = "https://talon.example.ru/t/" + "x" * 600
    data = render_ticket(make_ticket(url=url), profile)
    job = decode(data, profile.code_page_table())
    if profile.qr_mode == "native":
        (qr,) = job.qr_codes
        assert qr.payload == url and qr.module_dots < profile.qr_module_dots
    else:
        (raster,) = job.rasters
        assert raster.width <= profile.dots
        bitmap = ImageOps.expand(raster.to_image().convert("L"), border=24, fill=255)
        assert _zxing_texts(bitmap) == [url]
