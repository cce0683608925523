"""Running a real hub process for tests: a fresh SQLite file, a free port, the demo office."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from hub_client import HubClient
from server.demo import DEMO_PASSWORDS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubProcess:
    """``talon hub`` in a child process, on its own database file."""

    def __init__(self, db: Path, port: int | None = None, threads: int = 64, round_the_clock: bool = True,
                 demo: bool = True, extra_args: tuple = ()):
        self.db = Path(db)
        self.extra_args = tuple(extra_args)  # more ``talon hub`` options (e.g. --busy-timeout 1)
        self.port = port or free_port()
        self.threads = threads
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        if demo and not self.db.exists():
            args = [sys.executable, "-m", "server.cli", "init", "--db", str(self.db), "--demo"]
            if round_the_clock:
                args.append("--round-the-clock")
            out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
            self.kiosk_key = _line_value(out, "ключ киоска:")
            self.board_key = _line_value(out, "ключ табло:")

    def start(self, timeout: float = 20.0) -> HubProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if getattr(self, "log", None):  # a restart after kill(): the earlier run's log file is done with
            self.log.close()
        self.log = open(self.db.with_suffix(".log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "hub", "--db", str(self.db), "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", str(self.threads), "--testing-clock", *self.extra_args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: see {self.db.with_suffix('.log')}")
            try:
                if requests.get(self.url + "/api/v1/offices", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("hub did not start in time")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a power cut of the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()

    def client(self, login: str | None = None, token: str | None = None) -> HubClient:
        c = HubClient(self.url, token=token)
        if login:
            c.login(login, DEMO_PASSWORDS[login])
        return c


def _line_value(text: str, prefix: str) -> str | None:
    for line in text.splitlines():
        if line.strip().startswith(prefix):
            return line.split(prefix, 1)[1].strip()
    return None


def next_morning(client, hour: int = 9, zone: str = "Europe/Moscow") -> float:
    """Move a hub's testing clock to the office's next ``hour``:00 (a day ahead), so a module whose
    tests advance the clock by minutes or hours never crosses the office's midnight, whatever the
    hour it runs at (the day's end closes windows and expires tickets). Answers the offset set."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(zone))
    target = (now + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    offset = target.timestamp() - time.time()
    client.post("/api/v1/testing/clock", {"offset": offset})
    return offset


def empty_hall(client, office: str = "demo"):
    """Bring a shared hub's hall back to empty: calls ended, waiting tickets cancelled, every
    window closed. Answers ``client`` (for fixtures)."""
    state = client.state(office)
    for t in state["calls"]:
        client.act(t["id"], "finish" if t["state"] == "serving" else "cancel")
    for t in state["waiting"]:
        client.act(t["id"], "cancel")
    for w in state["windows"]:
        if w["state"] != "closed":
            client.window(w["id"], "close", force=True)
    return client
