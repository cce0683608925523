"""Names of a reproducible sample of mutmut's mutants, for a mutation run that must fit a time budget.

    .venv/bin/python scripts/mutation_sample.py 3 "server.domain.alerts*"            # 1 in 3 not yet checked
    .venv/bin/python scripts/mutation_sample.py 1 "server.domain.hall*" --status survived   # every survivor

A mutant is in the sample when a hash of its name falls in 1 of N buckets: the same mutants every
time, spread over every function (not the first N of a file). Pass the names to ``mutmut run``
(scripts/mutation.sh does with MUTMUT_SAMPLE=N). The score of a sample estimates the file's; say so.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("every", type=int, help="take 1 mutant in this many")
    ap.add_argument("patterns", nargs="*", default=["server.domain.*"])
    ap.add_argument("--status", default="not checked", help="mutmut's status to sample from ('any': all)")
    args = ap.parse_args(argv)
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or (args.status != "any" and status != args.status):
            continue
        if not any(fnmatch.fnmatchcase(name, p) for p in args.patterns):
            continue
        if int(hashlib.sha1(name.encode()).hexdigest(), 16) % max(1, args.every) == 0:
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
