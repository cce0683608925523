"""The company demo (``scripts/run-company.sh``): a throwaway PostgreSQL of its own under
``var/company/``, the centre, and three demo office hubs in two time zones with simulated
visitors and operators, each hub shipping its log to the centre.

    python -m server.central.company_demo [--dir var/company] [--port 8480] [--visitors 60]
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

log = logging.getLogger("talon.company")
ROOT = Path(__file__).resolve().parent.parent.parent

OFFICES = [
    ("msk-centr", "Центр обслуживания «Центральный» (Москва)", "Europe/Moscow"),
    ("msk-sever", "Центр обслуживания «Северный» (Москва)", "Europe/Moscow"),
    ("ekb", "Центр обслуживания в Екатеринбурге", "Asia/Yekaterinburg"),
]
SERVICES = ["consult", "cash", "consult_cash", "certificate", "contract"]
WEIGHTS = [4, 3, 1.5, 1, 1]


def office_database(path: Path, office: str, name: str, tz: str) -> str:
    """Create the office's hub database (the demo office under another id and time zone); answers
    the kiosk's key."""
    from ..auth import Auth
    from ..demo import demo_definition
    from ..store import Store
    from ..store.config import import_office

    d = demo_definition(round_the_clock=True)
    d["office"].update(id=office, name=name)
    d["office"]["schedule"]["tz"] = tz
    for u in d.get("users", []):
        if u.get("office") == "demo":
            u["office"] = office
    store = Store(path)
    import_office(store, d)
    key = Auth(store).device_key(office, "kiosk", "Киоск у входа", f"kiosk-{office}")
    store.close()
    return key


#: each demo office's region (the regional head «ural» sees the Yekaterinburg one)
REGIONS = {"msk-centr": "Москва", "msk-sever": "Москва", "ekb": "Свердловская область"}
#: the company's demo staff at the centre: (login, name, password, role, regions)
STAFF = [("company", "Администратор компании (демо)", "company-demo", "company_admin", ()),
         ("ural", "Руководитель Свердловского региона (демо)", "ural-demo", "regional_head", (REGIONS["ekb"],))]


def demo_staff(store) -> None:
    """The demo offices' regions and the staff accounts of the company dashboard (server/central/access.py)."""
    from .staff_store import StaffStore

    staff = StaffStore(store)
    for office, region in REGIONS.items():
        staff.set_office_region(office, region)
    for login, name, password, role, regions in STAFF:
        if staff.staff_by_login(login) is None:
            staff.add_staff(login, name, password, role, regions=regions)


def wait_for(url: str, timeout: float = 60.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def visitors(url: str, office: str, kiosk_key: str, per_hour: float, stop: threading.Event, rng: random.Random):
    from hub_client import HubClient, HubError, HubUnavailable

    client = HubClient(url, token=kiosk_key)
    while not stop.wait(rng.expovariate(per_hour / 3600.0)):
        try:
            client.issue(office, rng.choices(SERVICES, WEIGHTS)[0], source="kiosk")
        except (HubError, HubUnavailable) as exc:
            log.info("%s: the kiosk could not issue: %s", office, exc)


def operator(url: str, office: str, number: int, speed: float, stop: threading.Event, rng: random.Random):
    from hub_client import HubClient, HubError, HubUnavailable

    from ..demo import DEMO_PASSWORDS

    client = HubClient(url)
    window = None
    while not stop.is_set():
        try:
            if window is None:
                client.login(f"op{number}", DEMO_PASSWORDS[f"op{number}"])
                w = {x["number"]: x for x in client.state(office)["windows"]}[number]
                window = w["id"]
                if w["state"] != "open":
                    client.window(window, "open")
            ticket = client.call_next(window)
            if ticket is None:
                stop.wait(2.0)
                continue
            stop.wait(rng.uniform(5, 20) / speed)
            client.act(ticket["id"], "start")
            stop.wait(rng.uniform(120, 600) / speed)
            client.act(ticket["id"], "finish")
        except HubError as exc:
            log.info("%s window %d: %s", office, number, exc.message)
            window = None
            stop.wait(2.0)
        except HubUnavailable:
            stop.wait(2.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "var" / "company")
    ap.add_argument("--port", type=int, default=8480, help="the centre's port (the hubs take the next ones)")
    ap.add_argument("--visitors", type=float, default=60.0, help="visitors an hour per office")
    ap.add_argument("--speed", type=float, default=10.0, help="operators serve this many times faster")
    ap.add_argument("--seconds", type=float, default=0.0, help="stop after this many seconds (0: at Ctrl+C)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from .pgcluster import Cluster
    from .store import CentralStore, migrate_database

    work = args.dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(work / "pg").start()
    url = cluster.url()
    migrate_database(url)
    children: list[subprocess.Popen] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        central = f"http://127.0.0.1:{args.port}"
        logs = open(work / "central.log", "ab")
        children.append(subprocess.Popen([sys.executable, "-m", "server.cli", "central", "serve", "--db", url,
                                          "--port", str(args.port)], cwd=ROOT, env=env, stdout=logs,
                                         stderr=subprocess.STDOUT))
        if not wait_for(central + "/api/v1/central/health"):
            raise SystemExit(f"Центр не запустился: см. {work / 'central.log'}")
        store = CentralStore(url, min_size=1, max_size=2)
        hubs = []
        for i, (office, name, tz) in enumerate(OFFICES):
            db = work / f"{office}.sqlite"
            keyfile, kioskfile = work / f"{office}.central-key", work / f"{office}.kiosk-key"
            if not db.exists():
                kioskfile.write_text(office_database(db, office, name, tz))
            if not keyfile.exists():
                store.add_office(office, name)
                keyfile.write_text(store.pair(store.issue_pairing_code(office, name))["key"])
            port = args.port + 1 + i
            hub_url = f"http://127.0.0.1:{port}"
            hub_log = open(work / f"{office}.log", "ab")
            children.append(subprocess.Popen(
                [sys.executable, "-m", "server.cli", "hub", "--db", str(db), "--port", str(port), "--no-announce",
                 "--central", central, "--central-key", keyfile.read_text().strip()],
                cwd=ROOT, env=env, stdout=hub_log, stderr=subprocess.STDOUT))
            hubs.append((office, name, tz, hub_url, kioskfile.read_text().strip()))
        demo_staff(store)
        store.close()
        rng = random.Random(2026)
        threads = []
        for office, _name, _tz, hub_url, kiosk in hubs:
            if not wait_for(hub_url + "/api/v1/offices"):
                raise SystemExit(f"Сервер офиса {office} не запустился: см. {work / (office + '.log')}")
            threads.append(threading.Thread(target=visitors, args=(hub_url, office, kiosk, args.visitors, stop,
                                                                   random.Random(rng.random())), daemon=True))
            for n in (1, 2, 3):
                threads.append(threading.Thread(target=operator, args=(hub_url, office, n, args.speed, stop,
                                                                       random.Random(rng.random())), daemon=True))
        for t in threads:
            t.start()
        print(f"Талон: центр компании работает: {central}/api/v1/central/health")
        print(f"  PostgreSQL центра: {url} (папка {work / 'pg'})")
        print(f"  Панель компании: {central}/company (вход company / company-demo - администратор компании; "
              f"ural / ural-demo - руководитель региона «{REGIONS['ekb']}»)")
        for _office, name, tz, hub_url, _ in hubs:
            print(f"  {name} [{tz}]: стойка {hub_url}/stand (вход hall / hall-demo)")
        print("Остановить: Ctrl+C")
        sys.stdout.flush()
        deadline = time.time() + args.seconds if args.seconds else None
        while not stop.wait(1.0):
            if deadline and time.time() > deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for t in locals().get("threads", []):
            t.join(timeout=2)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        cluster.stop()
        print("Центр и офисы остановлены")
    return 0


if __name__ == "__main__":
    sys.exit(main())
