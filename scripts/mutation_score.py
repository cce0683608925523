"""Print mutmut's results as a score per file of server/domain (run after ``mutmut run``)."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    by_file: dict[str, Counter] = defaultdict(Counter)
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x_")[0].split(".xǁ")[0]
        by_file[module][status] += 1
    worst = 100.0
    print(f"{'file':40} {'killed':>7} {'survived':>9} {'other':>6} {'score':>7}")
    for module, c in sorted(by_file.items()):
        caught = c["killed"] + c["timeout"]
        tested = caught + c["survived"]
        other = sum(c.values()) - tested
        score = 100.0 * caught / tested if tested else 0.0
        worst = min(worst, score)
        print(f"{module:40} {caught:7d} {c['survived']:9d} {other:6d} {score:6.1f}%")
    return 0 if by_file else 1


if __name__ == "__main__":
    sys.exit(main())
