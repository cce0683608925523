import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import HubProcess


@pytest.fixture
def hub(tmp_path):
    """A real hub process over HTTP with the demo office (open round the clock)."""
    h = HubProcess(tmp_path / "hub.sqlite").start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory):
    """One hub for a whole test module (for tests that do not disturb each other)."""
    h = HubProcess(tmp_path_factory.mktemp("hub") / "hub.sqlite").start()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the whole run (tests/pg_support.py); each test module
    takes a database of its own from it with ``pg_support.fresh_database(pg_cluster)``. A test
    that restarts or kills PostgreSQL starts a cluster of its own instead."""
    from pg_support import start_cluster, stop_cluster
    c = start_cluster()
    yield c
    stop_cluster(c)


# Shared fixtures of the browser and Qt tests (issue 15: fixtures live here, not imported from
# helper modules). Chromium's flags are in tests/browser_support.py.

@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per test module."""
    from browser_support import ARGS, CHROMIUM
    from playwright import sync_api as playwright_api
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


@pytest.fixture
def kiosks():
    """Kiosk windows a test started (tests/test_kiosk_qt.py start_kiosk); shut down afterwards."""
    made = []
    yield made
    for w in made:
        w.shutdown()


# Markers applied by what a test uses (issue 15): `pytest -m "not browser and not slow"` is the quick
# run (the pure core and in-process tests), `-m "not browser"` leaves Chromium out.
_BROWSER_FIXTURES = {"browser", "page"}
_PROCESS_FIXTURES = {"hub", "shared_hub", "pg_cluster"}
# a module that starts hubs, centres or PostgreSQL of its own, or runs `talon` in a child process
_PROCESS_HELPERS = ("HubProcess", "CentralProcess", "OfficeHub", "start_cluster", "fresh_database", "subprocess")
# tests that start nothing of the above yet take more than about 5 s on the 2-core CI machine
_KNOWN_SLOW_MODULES = {"test_simulation", "test_simulation_peak", "test_simulation_erlang", "test_family",
                       "test_plan", "test_estimate_plan", "test_core_robustness", "test_reports_pdf_tables"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        module_name = module.__name__.rsplit(".", 1)[-1] if module else ""
        if names & _BROWSER_FIXTURES or (module is not None and hasattr(module, "sync_playwright")):
            item.add_marker(pytest.mark.browser)
        if "qtbot" in names:
            item.add_marker(pytest.mark.qt)
        if (names & _PROCESS_FIXTURES or module_name in _KNOWN_SLOW_MODULES
                or any(hasattr(module, helper) for helper in _PROCESS_HELPERS)):
            item.add_marker(pytest.mark.slow)
