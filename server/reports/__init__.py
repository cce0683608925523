"""The office head's reports: the daily wait-time report, the month, the yearly disclosure pack.

* :mod:`.figures` — the counting rules and the daily figures, pure (rows in, a dict out).
* :mod:`.build` — one call per report: ``daily``, ``monthly``, ``yearly`` (the month and the year
  summed in SQL: the indicators of 004:203–209).
* :mod:`.source` — reading the store (projection tables, the event log, ratings); SQL sums.
* :mod:`.cache` — the yearly pack's closed months, kept in ``report_months``.
* :mod:`.tables` — a report as titled tables and charts, shared by every format.
* :mod:`.export` — HTML, CSV (UTF-8 with BOM, ``;``), XLSX (native charts), PDF (DejaVuSans);
  :mod:`.charts` draws the charts as SVG (inline in HTML, drawn as vectors into the PDF).
* :mod:`.routes` — ``/api/v1/offices/<office>/reports/...`` and the pages under ``/reports``.
* :mod:`.cli` — ``talon report daily|month|year``.
* :mod:`.sample` — a generated office day through the real Hub, a bulk-written year (tests, bench).

How no-shows, cancellations, transfers and unfinished tickets count: ``docs/reports.md``.
"""
