"""No function above cyclomatic complexity 20 outside the tests and the queue core (issue 15 point 5;
the core has its own gate, mutation testing). Checked with ruff's mccabe rule."""
from __future__ import annotations

import subprocess
import sys

from support import ROOT

COMMAND = [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901", "--config",
           "lint.mccabe.max-complexity=20", "--output-format", "concise", "--exclude", "server/domain"]


def test_no_function_above_complexity_20():
    out = subprocess.run([*COMMAND, "server"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_check_sees_a_complex_function(tmp_path):
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(25))
    (tmp_path / "complex.py").write_text(f"def f(x):\n{branches}\n    return -1\n", encoding="utf-8")
    out = subprocess.run([*COMMAND, str(tmp_path / "complex.py")], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert "C901" in out.stdout and "`f` is too complex (26 > 20)" in out.stdout, out.stdout + out.stderr
