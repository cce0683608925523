"""The quality gates of issue 15 point 8: markers applied by what a test uses, warnings as errors,
the lint gate before the tests in CI. Each check runs the real pytest or reads the real files."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PLUGIN = """
def pytest_collection_finish(session):
    for item in session.items:
        names = sorted({m.name for m in item.iter_markers()} & {"browser", "qt", "slow"})
        print("MARKS", item.nodeid.split("::")[0], ",".join(names))
"""


def _marks(tmp_path, *modules: str) -> dict[str, set[str]]:
    """The gate markers of each collected module, from one real collection in a child process."""
    (tmp_path / "marks_probe.py").write_text(PLUGIN, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                        "-p", "marks_probe", *modules], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert r.returncode == 0, r.stdout + r.stderr
    out: dict[str, set[str]] = {}
    for line in r.stdout.splitlines():
        if line.startswith("MARKS "):
            _, module, *names = line.split(" ")
            out.setdefault(module, set()).add(names[0] if names else "")
    return out


def test_the_markers_follow_what_a_test_uses(tmp_path):
    marks = _marks(tmp_path, "tests/test_core_dispatch.py", "tests/test_stand_devices.py",
                   "tests/test_kiosk_states.py")
    assert marks["tests/test_core_dispatch.py"] == {""}  # pure core: in the quick run
    assert marks["tests/test_stand_devices.py"] == {"browser,slow", "slow"}  # the page fixture or HTTP, on a hub
    assert marks["tests/test_kiosk_states.py"] == {"qt,slow"}  # qtbot, on a hub


def test_a_warning_in_a_test_fails_it(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text("import warnings\n\n\ndef test_warns():\n"
                     "    warnings.warn('old API', DeprecationWarning)\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(probe)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "DeprecationWarning: old API" in r.stdout


def test_ci_runs_the_lint_gate_before_the_tests():
    steps = [line.split()[1] for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if line.startswith("bash ")]
    assert steps.index("scripts/lint.sh") < steps.index("scripts/test.sh")
    lint = (ROOT / "scripts" / "lint.sh").read_text(encoding="utf-8")
    assert "ruff check" in lint and "mypy" in lint
