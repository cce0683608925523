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

from server.central.pgcluster import Cluster

ROOT = Path(__file__).resolve().parent.parent


def start_cluster() -> Cluster:
    base = Path(tempfile.mkdtemp(prefix="talon-pg-"))
    os.chmod(base, 0o711)  # the postgres user must reach its folder inside
    return Cluster(base / "cluster", fsync=False).start()


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
                 threads: int = 16):
        self.db_url = url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"central-{self.port}.log"
        self.project_every = project_every
        self.threads = threads
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "CentralProcess":
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "central", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", str(self.threads), "--project-every", str(self.project_every)],
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
