"""Ticket printing for the kiosk: template -> blocks -> ESC/POS bytes -> printer.

No Qt here.  The kiosk builds a `TicketPrint`, hands it to a `PrintSpooler`, and shows
the ticket on screen (`preview_image`) when `on_failed` is called.
"""

from .decode import DecodedJob, DecodeError, decode
from .escpos_render import render_blocks, render_ticket
from .preview import preview_image, render_preview
from .spooler import (
    PAPER_LOW,
    PAPER_OUT,
    PRINTER_NOT_READY,
    PRINTER_OFFLINE,
    PrintJob,
    PrintSpooler,
    open_printer,
)
from .ticket import (
    TemplateError,
    TicketPrint,
    TicketTemplate,
    load_template,
    ticket_blocks,
)

__all__ = [
    "PAPER_LOW",
    "PAPER_OUT",
    "PRINTER_NOT_READY",
    "PRINTER_OFFLINE",
    "DecodeError",
    "DecodedJob",
    "PrintJob",
    "PrintSpooler",
    "TemplateError",
    "TicketPrint",
    "TicketTemplate",
    "decode",
    "load_template",
    "open_printer",
    "preview_image",
    "render_blocks",
    "render_preview",
    "render_ticket",
    "ticket_blocks",
]
