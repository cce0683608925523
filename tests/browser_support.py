"""What the browser tests share: Debian's headless Chromium through Playwright, and screenshots.

The fixtures ``browser`` and ``page`` are in conftest.py; set
``TALON_SCREENSHOTS=docs/screenshots`` to keep the screenshots the tests take.
"""
from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent


def shots_dir(tmp_path) -> Path:
    """Where screenshots go: ``$TALON_SCREENSHOTS`` (relative to the project) or the test's tmp."""
    target = os.environ.get("TALON_SCREENSHOTS")
    path = (ROOT / target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------------- accessibility (axe-core)

#: axe-core, fetched and checked by scripts/setup.sh (pinned version, sha512 from the npm registry).
AXE_JS = ROOT / ".venv" / "share" / "axe-core" / "axe.min.js"
#: WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_run(page, tags=WCAG_AA, context: str = "document") -> list[dict]:
    """Run axe-core on the page as it is now; the violations as compact dicts.

    Inject with ``page.add_script_tag(path=AXE_JS)`` (the pages' Content-Security-Policy forbids
    inline scripts: open the context with ``bypass_csp=True``)."""
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is missing at {AXE_JS}: run scripts/setup.sh")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async ([ctx, tags]) => {
             const r = await axe.run(ctx === "document" ? document : ctx,
                                     {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "),
                                                     summary: n.failureSummary}))}));
           }""", [context, list(tags)])
    return result


def axe_report(violations: list[dict]) -> str:
    """The violations, readable in a failed assertion."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"]:
            lines.append(f"    {n['target']}: {(n['summary'] or '').splitlines()[-1:]}")
    return "\n".join(lines)


def no_page_scroll(page) -> tuple[int, int]:
    """(scrollWidth, clientWidth) of the page: it reflows when the first is <= the second + 1."""
    return tuple(page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))
