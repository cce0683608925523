"""Explicit wiring (issue 15 point 1): every blueprint and every group of commands is imported by
name, so a module that can't be imported stops the hub and the CLI with its real error instead of
a part of Talon quietly going missing."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _broken(module: str, missing: str) -> str:
    """Code that makes importing ``module`` fail as a stale import inside it would."""
    return (
        "import sys, importlib.abc\n"
        "class Broken(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name == {module!r}:\n"
        f"            raise ModuleNotFoundError('No module named ' + {missing!r}, name={missing!r})\n"
        "sys.meta_path.insert(0, Broken())\n")


def test_every_part_of_the_hub_is_registered(tmp_path):
    from server.app import BLUEPRINTS, create_app
    app = create_app(tmp_path / "hub.sqlite")
    names = {bp.name for bp in BLUEPRINTS}
    assert names <= set(app.blueprints)
    prefixes = {r.rule.split("/")[1] for r in app.url_map.iter_rules()}
    # the stand, the reports, the visitor's page and the API are all there
    assert {"stand", "reports", "t", "api"} <= prefixes, prefixes


@pytest.mark.parametrize("module", ["server.web.stand", "server.reports.routes", "server.shipping"])
def test_a_broken_blueprint_module_stops_the_hub_loudly(module):
    # A stale import inside the module (a sibling that is gone) must not make the part vanish.
    missing = module.rsplit(".", 1)[0] + ".gone"
    r = _run(_broken(module, missing) + "from server.app import create_app")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith(("ModuleNotFoundError:", "ImportError:")), r.stderr


@pytest.mark.parametrize("module", ["server.reports.cli", "server.simulation.cli", "server.central.cli"])
def test_a_broken_command_module_stops_the_cli_loudly(module):
    # even the module itself missing (left out of a wheel) is an error, not a missing command
    r = _run(_broken(module, module) + "import server.cli")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith(("ModuleNotFoundError:", "ImportError:")), r.stderr


def test_every_command_group_is_there():
    r = subprocess.run([sys.executable, "-m", "server.cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for command in ("hub", "init", "report", "simulate", "demo", "backup", "restore", "service", "central",
                    "kiosk", "console", "board"):
        assert f"  {command} " in r.stdout, command


@pytest.mark.parametrize("module", ["server.central.dashboard_web", "server.central.reports_routes",
                                    "server.central.catalogue_routes"])
def test_a_broken_part_of_the_centre_stops_it_loudly(module):
    missing = module.rsplit(".", 1)[0] + ".gone"
    r = _run(_broken(module, missing) + "from server.central.app import create_app")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith(("ModuleNotFoundError:", "ImportError:")), r.stderr

