"""The office head's reports: the daily wait-time report, the month, the yearly disclosure pack.

* :mod:`.figures` — the counting rules and the daily figures, pure (rows in, a dict out).
* :mod:`.periods` — the month and the year from SQL aggregates (004:203–209).
* :mod:`.source` — reading the store (projection tables, the event log, ratings).
* :mod:`.build` — one call per report: ``daily(store, office, day, now)``, ``monthly``, ``yearly``.
* :mod:`.tables` — a report as titled tables and charts, shared by every format.
* :mod:`.export` — HTML, CSV (UTF-8 with BOM, ``;``), XLSX (native charts), PDF (DejaVuSans).
* :mod:`.routes` — ``/api/v1/offices/<office>/reports/...`` and the pages under ``/reports``.
* :mod:`.cli` — ``talon report daily|month|year``.

How no-shows, cancellations, transfers and unfinished tickets count: ``docs/reports.md``.
"""
