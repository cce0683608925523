"""What the browser tests share: Debian's headless Chromium through Playwright, and screenshots.

Import the fixtures into a test module (``from browser_support import browser, page``); set
``TALON_SCREENSHOTS=docs/screenshots`` to keep the screenshots the tests take.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, shared_hub):
    """A desktop page (the stand's screen); any script error on it fails the test."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU",
                              timezone_id="Europe/Moscow")
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(8000)
    yield pg
    ctx.close()
    assert errors == [], errors


def shots_dir(tmp_path) -> Path:
    """Where screenshots go: ``$TALON_SCREENSHOTS`` (relative to the project) or the test's tmp."""
    target = os.environ.get("TALON_SCREENSHOTS")
    path = (ROOT / target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path
