"""Benchmark: ticket -> ESC/POS bytes ready to send, for every shipped printer profile.

Run:  .venv/bin/python bench/bench_print.py [--renders 500]
Prints p50 / p95 / max per profile in milliseconds (not a test: nothing is asserted).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.printing.escpos_render import render_ticket
from kiosk.printing.ticket import TicketPrint, load_template
from printer_profiles import available_profiles, load_profile

log = logging.getLogger("bench_print")


def sample_ticket(number: int) -> TicketPrint:
    """A realistic ticket; the number changes so nothing is cached by accident."""
    return TicketPrint(
        company="ООО «Росатом Энергосбыт бизнес»",
        office_name="Центр обслуживания клиентов на Ленина",
        office_address="г. Курск, ул. Ленина, д. 1",
        code=f"А-{number % 1000:03d}",
        service_name="Консультация по договору энергоснабжения",
        people_ahead=number % 17,
        wait_min=number % 10,
        wait_max=number % 10 + 4,
        issued_at=datetime(2026, 3, 12, 9, 0, tzinfo=timezone(timedelta(hours=3)))
        + timedelta(seconds=number),
        url=f"https://talon.example.ru/t/Zk3xQp9aLm{number:06d}",
        contact_phone="8 800 100-70-70",
        checklist=["Паспорт", "Документ, подтверждающий право собственности"],
        individual=number % 5 == 0,
    )


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


def bench_profile(name: str, renders: int) -> dict[str, float]:
    """Time `renders` renders of distinct tickets for one profile."""
    profile = load_profile(name)
    template = load_template()
    render_ticket(sample_ticket(0), profile, template)  # warm-up: caches, imports
    timings = []
    size = 0
    for number in range(1, renders + 1):
        ticket = sample_ticket(number)
        started = time.perf_counter()
        data = render_ticket(ticket, profile, template)
        timings.append((time.perf_counter() - started) * 1000)
        size = len(data)
    timings.sort()
    return {
        "p50": percentile(timings, 0.50),
        "p95": percentile(timings, 0.95),
        "max": timings[-1],
        "mean": statistics.fmean(timings),
        "bytes": size,
        "qr": profile.qr_mode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=500)
    args = parser.parse_args(argv)
    # force: python-escpos calls logging.basicConfig() when it is imported
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout, force=True)
    log.info("ticket -> ESC/POS bytes, %d renders per profile (ms)", args.renders)
    log.info(
        "%-14s %-7s %8s %8s %8s %8s %7s", "profile", "qr", "p50", "p95", "max", "mean", "bytes"
    )
    for name in available_profiles():
        r = bench_profile(name, args.renders)
        log.info(
            "%-14s %-7s %8.2f %8.2f %8.2f %8.2f %7d",
            name,
            r["qr"],
            r["p50"],
            r["p95"],
            r["max"],
            r["mean"],
            r["bytes"],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
