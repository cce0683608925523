import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import HubProcess  # noqa: E402


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
