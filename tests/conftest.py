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
