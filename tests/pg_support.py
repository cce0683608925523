"""A throwaway PostgreSQL cluster for the tests (server/central/pgcluster.py) and a real
``talon central serve`` process on it.

The cluster runs with ``fsync=off`` and ``synchronous_commit=off``: for test speed only (a
crash of the whole machine is not what these tests simulate; a kill -9 of PostgreSQL's client
or a PostgreSQL restart is, and those lose nothing committed with fsync off either).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from server.central.pgcluster import Cluster, throwaway

ROOT = Path(__file__).resolve().parent.parent


def talon(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``talon ARGS`` (``python -m server.cli``) from the project, as a person would."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, input=stdin)


def shipped_log(db, office: str) -> list[dict]:
    """An office hub's log as it is shipped to the centre: the facts whole, each event's view cut
    to what the centre reads (server.central.protocol.shipped_view), seqs as in the file."""
    from server.central.protocol import shipped_data, shipped_view
    from server.store import Store
    s = Store(db)
    try:
        return [{**{k: e[k] for k in ("seq", "type", "at", "day")}, "data": shipped_data(e["type"], e["data"]),
                 "view": shipped_view(e["view"])}
                for e in s.events_after(office, 0, limit=10_000_000)]
    finally:
        s.close()


def start_cluster() -> Cluster:
    return throwaway("talon-pg-", fsync=False)


def stop_cluster(cluster: Cluster) -> None:
    cluster.destroy()
    try:
        cluster.dir.parent.rmdir()
    except OSError:
        pass


def fresh_database(cluster: Cluster) -> str:
    return cluster.create_database("t_" + uuid.uuid4().hex[:12])


def free_port() -> int:
    from server.central.pgcluster import free_port as fp
    return fp()


class CentralProcess:
    """``talon central serve`` in a child process."""

    def __init__(self, url: str, log_dir: Path, port: int | None = None, project_every: float = 0.5,
                 threads: int = 16, extra_args: tuple[str, ...] = ()):
        self.db_url = url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"central-{self.port}.log"
        self.project_every = project_every
        self.threads = threads
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> CentralProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "central", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", str(self.threads), "--project-every", str(self.project_every),
             *self.extra_args],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"centre exited with {self.proc.returncode}: see {self.log_path}")
            try:
                if requests.get(self.url + "/api/v1/central/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("centre did not start in time")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()  # the process's log file (warnings are errors: an unclosed file fails the test)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()


def wait_until(condition, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    """Poll ``condition()`` until it answers something truthy; fail after ``timeout`` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------------- an office hub shipping to the centre

_DEMO_TEMPLATE: Path | None = None


def copy_demo_database(db: Path) -> None:
    """A fresh demo office database at ``db``: ``talon init --demo`` once per test session (it
    takes seconds: password hashing), then a copy of that file for each hub."""
    import shutil

    from support import HubProcess

    global _DEMO_TEMPLATE
    if _DEMO_TEMPLATE is None or not _DEMO_TEMPLATE.exists():
        template = Path(tempfile.mkdtemp(prefix="talon-demo-")) / "demo.sqlite"
        HubProcess(template)  # runs talon init --demo
        _DEMO_TEMPLATE = template
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(_DEMO_TEMPLATE) + suffix)
        if src.exists():
            shutil.copyfile(src, Path(str(db) + suffix))


class OfficeHub:
    """``talon hub --central URL --central-key KEY`` (the demo office, a testing clock) in a child
    process; ``batch`` events per batch (TALON_CENTRAL_BATCH), retries at most ``retry_max`` s apart."""

    def __init__(self, db: Path, central: str, key: str, batch: int = 25, retry_max: float = 1.0,
                 port: int | None = None, catalogue_every: float | None = None, keys_file: Path | None = None):
        from support import HubProcess

        db = Path(db)
        if not db.exists():
            copy_demo_database(db)
        self.base = HubProcess(db, port=port)
        self.db, self.port, self.url = self.base.db, self.base.port, self.base.url
        self.central, self.key, self.batch, self.retry_max = central, key, batch, retry_max
        self.catalogue_every = catalogue_every  # seconds between pulls of the company catalogue (TALON_CATALOGUE_EVERY)
        self.keys_file = keys_file  # several offices in the file: --central-keys FILE (lines OFFICE=KEY) instead of key
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> OfficeHub:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TALON_CENTRAL_BATCH": str(self.batch)}
        if self.catalogue_every is not None:
            env["TALON_CATALOGUE_EVERY"] = str(self.catalogue_every)
        self._log = open(self.db.with_suffix(".log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "hub", "--db", str(self.db), "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", "32", "--testing-clock", "--no-announce",
             "--central", self.central,
             *(["--central-keys", str(self.keys_file)] if self.keys_file else ["--central-key", self.key]),
             "--central-retry-max", str(self.retry_max)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.base.proc = self.proc
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

    def client(self, login: str = "admin"):
        return self.base.client(login)

    def link(self, client) -> dict:
        return client.get("/api/v1/offices/demo/central-link")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()  # the process's log file (warnings are errors: an unclosed file fails the test)

    def stop(self) -> None:
        """Stopped hard (the SQLite file is safe: every answer was committed first), for speed."""
        self.kill()
        if getattr(self, "_log", None):
            self._log.close()


# ---------------------------------------------------------------------- a faulty link of our own

class FaultyLink:
    """A TCP proxy between the hub and the centre that can cut, delay and reset the link.

    ``mode``: ``pass``; ``delay`` (each chunk toward the centre waits ``delay`` s); ``reset``
    (a connection is reset once ``reset_after`` bytes of a request went through: mid-batch);
    ``drop_reply`` (the request reaches the centre, its answer is lost and the connection reset);
    ``refuse`` (connections are reset at once). ``faults`` counts the faults done, per mode."""

    def __init__(self, upstream_port: int):
        import socket
        import threading

        self.upstream = ("127.0.0.1", upstream_port)
        self.mode = "pass"
        self.delay = 0.2
        self.reset_after = 1500
        self.faults: dict[str, int] = {}
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False
        self._conns: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _count(self, what: str) -> None:
        with self._lock:
            self.faults[what] = self.faults.get(what, 0) + 1

    @staticmethod
    def _reset(*socks) -> None:
        import socket
        import struct

        for s in socks:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:  # wakes the other pump blocked in recv() on it (a bare close() would not)
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _accept(self) -> None:
        import socket
        import threading

        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            if self.mode == "refuse":
                self._count("refuse")
                self._reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            self._conns += [client, server]
            state = {"up": 0}
            threading.Thread(target=self._pump_up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(server, client), daemon=True).start()

    def _pump_up(self, client, server, state) -> None:
        """Hub → centre."""
        try:
            while True:
                data = client.recv(1024)
                if not data:
                    break
                if self.mode == "delay":
                    time.sleep(self.delay)
                    self._count("delay")
                if self.mode == "reset" and state["up"] + len(data) >= self.reset_after:
                    part = max(0, self.reset_after - state["up"] - 1)
                    server.sendall(data[:part])
                    self._count("reset")
                    self._reset(client, server)
                    return
                state["up"] += len(data)
                server.sendall(data)
        except OSError:
            pass
        self._reset(client, server)

    def _pump_down(self, server, client) -> None:
        """Centre → hub."""
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if self.mode == "drop_reply":
                    self._count("drop_reply")
                    self._reset(client, server)
                    return
                client.sendall(data)
        except OSError:
            pass
        self._reset(client, server)

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass
        self._reset(*self._conns)
