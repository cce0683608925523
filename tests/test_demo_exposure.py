"""`talon demo` keeps its well-known passwords on this computer: it refuses an address other
computers can reach, like `talon hub` does (issue 12)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_refuses_to_listen_beyond_the_machine(tmp_path):
    out = subprocess.run([sys.executable, "-m", "server.cli", "demo", "--db", str(tmp_path / "d.sqlite"),
                          "--host", "0.0.0.0", "--port", "1"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                           "DISPLAY": ""})
    assert out.returncode == 2, out.stderr[-2000:]
    assert "демонстрационные пароли" in out.stderr
    assert "Traceback" not in out.stderr
