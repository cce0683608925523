"""Company catalogue on the hub: the time to check and apply a new version (the three-way merge,
the config.changed event and the hall's reload, in one SQLite transaction with synchronous=FULL)
on a copy of the demo office's file, and the provenance read the stand makes.

    .venv/bin/python bench/bench_catalogue.py

For 10 and 150 services (half locked, half local_allowed): version 1 applied, then version 2
renaming every service and the greeting is timed; 5 runs each, a fresh file per run."""
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pg_support import copy_demo_database

from server.app import create_app
from server.catalogue_pull import apply_view
from server.central.catalogue import check_catalogue, content_hash, office_view
from server.store import catalogue as sc

AZ = "БВГДЕЖИКЛМНОПРСТУФХЦЧШЭЮЯ"
def body(n, rename=""):
    letters = [a + b for a in AZ for b in AZ][:n]
    return {"services": [{"id": f"s{i}", "letter": letters[i], "name": f"Услуга {i}{rename}", "kind": "consultation",
                          "order": i, "local": "locked" if i % 2 else "local_allowed"} for i in range(n)],
            "norms": {"profile": "rosatom-2026", "overrides": {"cash": {"wait": 5}}},
            "texts": {"greeting": {"text": "Здравствуйте" + rename}}, "heads": []}
for n in (10, 150):
    times, prov = [], []
    for _ in range(5):
        d = Path(tempfile.mkdtemp())
        db = d / "hub.sqlite"
        copy_demo_database(db)
        app = create_app(db, testing_clock=True)
        hub = app.config["TALON_HUB"]
        for v, rename in ((1, ""), (2, " (2)")):
            c = check_catalogue(body(n, rename))
            view = office_view(c, v, content_hash(c), "demo")
            t = time.perf_counter()
            apply_view(hub, "demo", view)
            dt = time.perf_counter() - t
            if v == 2:
                times.append(dt * 1000)
        t = time.perf_counter()
        sc.provenance(hub.store, "demo")
        prov.append((time.perf_counter() - t) * 1000)
        shutil.rmtree(d, ignore_errors=True)
    print(f"{n} services: apply v2 median {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f}); "
          f"provenance median {statistics.median(prov):.1f} ms")
