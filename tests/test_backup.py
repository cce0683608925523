"""Backups and restores on real files and a real hub process: a consistent copy while the hub
writes, the hub's daily copy and its retention, a restore that checks before it replaces, refuses
while a hub runs, keeps the old file aside, gives the log a new identity, and never prints a
number twice on the same day."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from support import ROOT, HubProcess

from server.backup import BadDatabase, restore
from server.domain.hall import Hall
from server.domain.model import Service
from server.store import Store


def talon(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def issue(hub: HubProcess, service: str = "cash") -> dict:
    r = requests.post(f"{hub.url}/api/v1/offices/demo/tickets", json={"service": service},
                      headers={"Authorization": f"Bearer {hub.kiosk_key}", "Idempotency-Key": uuid.uuid4().hex},
                      timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def consistent(path: Path) -> int:
    """The copy passes integrity_check and its projection agrees with its log; answers the ticket count."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        issued = conn.execute("SELECT count(*) FROM events WHERE type = 'ticket.issued'").fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        assert issued == tickets
        return tickets
    finally:
        conn.close()


def test_backup_while_the_hub_writes_is_consistent(tmp_path):
    hub = HubProcess(tmp_path / "hub.sqlite", extra_args=("--backup-keep-days", "0")).start()
    stop = threading.Event()
    done: list[int] = []

    def writer():
        while not stop.is_set():
            done.append(issue(hub)["number"])

    t = threading.Thread(target=writer)
    t.start()
    try:
        wait_for(lambda: len(done) >= 5, what="first tickets")
        copies = []
        for i in range(3):
            out = tmp_path / f"copy{i}.sqlite"
            r = talon("backup", "--db", str(hub.db), "-o", str(out))
            assert r.returncode == 0, r.stderr
            assert "Резервная копия записана" in r.stdout
            copies.append(out)
        stop.set()
        t.join(30)
        counts = [consistent(c) for c in copies]
        assert counts == sorted(counts) and counts[0] >= 5 and counts[-1] <= len(done)
        assert not list(tmp_path.glob("*.partial"))
    finally:
        stop.set()
        hub.stop()


def test_backup_of_a_garbage_file_is_refused(tmp_path):
    db = tmp_path / "hub.sqlite"
    db.write_bytes(os.urandom(4096))
    r = talon("backup", "--db", str(db), "-o", str(tmp_path / "copy.sqlite"))
    assert r.returncode != 0 and "Копия не сделана" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "copy.sqlite").exists()


def test_the_hub_makes_a_daily_copy_and_keeps_fourteen_days(tmp_path):
    db = tmp_path / "hub.sqlite"
    folder = tmp_path / "backups"
    folder.mkdir()
    today = dt.date.today()
    old = {n: folder / f"hub-{(today - dt.timedelta(days=n)).isoformat()}.sqlite" for n in (1, 13, 14, 30)}
    for p in old.values():
        p.write_bytes(b"old copy")
    other = folder / "notes.sqlite"  # not a daily copy: never deleted
    other.write_bytes(b"x")
    hub = HubProcess(db).start()
    try:
        made = folder / f"hub-{today.isoformat()}.sqlite"
        wait_for(made.exists, what="today's copy")
        wait_for(lambda: not old[14].exists() and not old[30].exists(), what="old copies deleted")
        assert old[1].exists() and old[13].exists() and other.exists()
        # the copy is whole: a demo office with its users
        conn = sqlite3.connect(f"file:{made}?mode=ro", uri=True)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT id FROM offices").fetchall() == [("demo",)]
        conn.close()
    finally:
        hub.stop()


def test_restore_refuses_a_running_hub_and_a_corrupt_copy(tmp_path):
    hub = HubProcess(tmp_path / "hub.sqlite", extra_args=("--backup-keep-days", "0")).start()
    try:
        issue(hub)
        copy = tmp_path / "copy.sqlite"
        assert talon("backup", "--db", str(hub.db), "-o", str(copy)).returncode == 0
        r = talon("restore", str(copy), "--db", str(hub.db))
        assert r.returncode != 0 and "работает хаб" in r.stderr and "Traceback" not in r.stderr
        assert issue(hub)["number"] == 2  # the hub goes on, its file untouched
        second = talon("hub", "--db", str(hub.db), "--port", "1", "--no-announce", timeout=60)
        assert second.returncode == 2 and "уже работает другой хаб" in second.stderr
    finally:
        hub.stop()
    before = hub.db.read_bytes()
    bad = tmp_path / "bad.sqlite"
    data = copy.read_bytes()
    bad.write_bytes(data[:4096] + os.urandom(len(data) - 4096))
    r = talon("restore", str(bad), "--db", str(hub.db))
    assert r.returncode != 0 and "рабочий файл не тронут" in r.stderr and "Traceback" not in r.stderr
    foreign = tmp_path / "crm.sqlite"
    with sqlite3.connect(str(foreign)) as conn:
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(BadDatabase, match="другой программы"):  # the same check, in this process
        restore(foreign, hub.db)
    assert hub.db.read_bytes() == before
    assert not list(tmp_path.glob("hub.sqlite.replaced-*"))


def test_restore_of_an_older_copy_never_reprints_a_number(tmp_path):
    db = tmp_path / "hub.sqlite"
    hub = HubProcess(db, extra_args=("--backup-keep-days", "0")).start()
    try:
        first = [issue(hub)["code"] for _ in range(3)]
        issue(hub, "consult")
        copy = tmp_path / "copy.sqlite"
        assert talon("backup", "--db", str(db), "-o", str(copy)).returncode == 0
        later = [issue(hub)["number"] for _ in range(3)]  # printed after the copy, then lost
        assert later == [4, 5, 6]
    finally:
        hub.stop()
    identity = Store(db).log_identity()
    r = talon("restore", str(copy), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "Прежний файл сохранён" in r.stdout and "продолжатся" in r.stdout
    aside = list(tmp_path.glob("hub.sqlite.replaced-*"))
    assert len([p for p in aside if not p.name.endswith("-wal")]) == 1
    assert Store(db).log_identity() != identity
    key = hub.kiosk_key
    hub = HubProcess(db, extra_args=("--backup-keep-days", "0"))
    hub.kiosk_key = key  # the copy's devices are the same office's
    hub.start()
    try:
        admin = hub.client("admin")
        state = admin.state("demo")
        assert sorted(t["code"] for t in state["waiting"] if t["code"].startswith("Б")) == sorted(first)
        assert issue(hub)["number"] == 7  # not 4: 4..6 were printed before the restore
        assert issue(hub, "consult")["number"] == 2  # the consult line was not ahead of the copy
    finally:
        hub.stop()
    # the floor outlives another restart (it travels in the day's own events)
    hub.start()
    try:
        assert issue(hub)["number"] == 8
    finally:
        hub.stop()


def test_the_hall_continues_above_a_floor_of_a_day_not_yet_started():
    hall = Hall(office="demo", services={"cash": Service(id="cash", letter="Б", name="Касса", kind="cash")})
    t0 = 1_796_000_000.0
    hall.issue("cash", t0)
    day = hall.day
    tomorrow = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    hall.apply({"type": "numbering.floor", "at": t0, "office": "demo", "day": tomorrow,
                "data": {"day": tomorrow, "letters": {"Б": 40}}})
    assert hall.issue("cash", t0 + 60).number == 2  # today is not touched
    hall.take_pending()
    t = hall.issue("cash", t0 + 86400)
    assert hall.day == tomorrow and t.number == 41
    started = [e for e in hall.take_pending() if e["type"] == "day.started"]
    assert started[0]["data"]["floor"] == {"Б": 40}  # replayed after a restart, the day starts at 41 again
    replay = Hall(office="demo", services=hall.services)
    replay.apply(started[0])
    assert replay.issue("cash", t0 + 86400 + 5).number == 41
