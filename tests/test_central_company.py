"""scripts/run-company.sh's program (server/central/company_demo.py), run for real: its own
PostgreSQL, the centre and three office hubs in two time zones with simulated visitors; every
office's log reaches the centre."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pg_support import ROOT, free_port

from server.central.pgcluster import Cluster
from server.central.store import CentralStore
from server.store import Store


def test_the_company_demo_ships_three_offices_to_its_centre():
    base = Path(tempfile.mkdtemp(prefix="talon-company-"))
    os.chmod(base, 0o755)
    work = base / "company"
    port = free_port()
    try:
        out = subprocess.run([sys.executable, "-m", "server.central.company_demo", "--dir", str(work),
                              "--port", str(port), "--visitors", "1500", "--speed", "60", "--seconds", "20"],
                             cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr[-2000:]
        assert f"центр компании работает: http://127.0.0.1:{port}" in out.stdout
        for office_port in (port + 1, port + 2, port + 3):
            assert f"http://127.0.0.1:{office_port}/stand" in out.stdout
        assert "[Asia/Yekaterinburg]" in out.stdout and "[Europe/Moscow]" in out.stdout

        cluster = Cluster(work / "pg").start()  # stopped by the demo; started again to look inside
        store = CentralStore(cluster.url())
        try:
            offices = {o["id"]: o for o in store.offices()}
            assert set(offices) == {"msk-centr", "msk-sever", "ekb"}
            for office, row in offices.items():
                hub = Store(work / f"{office}.sqlite")
                issued = hub.one("SELECT count(*) AS n FROM events WHERE type = 'ticket.issued'")["n"]
                last = hub.last_seq(office)
                hub.close()
                assert issued > 0, office
                # shipped while it ran (the last second's events may have been left when it stopped)
                assert 0 < row["high_water_mark"] <= last, (office, row["high_water_mark"], last)
                assert store.event_count(office) == row["high_water_mark"]
                assert row["log_identity"]
        finally:
            store.close()
            cluster.destroy()
    finally:
        subprocess.run(["rm", "-rf", str(base)])
