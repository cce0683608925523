"""A throwaway PostgreSQL cluster of Talon's own: ``initdb`` + ``pg_ctl`` on a folder, its unix
socket in that folder and a TCP port on 127.0.0.1. No system service is needed.

PostgreSQL refuses to run as root; when we are root the binaries run as the ``postgres`` user
(created by Debian's ``postgresql`` package) through ``runuser``, on a folder that user owns.
Used by the tests (tests/pg_support.py) and by ``scripts/run-company.sh``
(``python -m server.central.pgcluster start DIR``).
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

SUPERUSER = "talon"
DATABASE = "talon"


def bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``$TALON_PG_BIN``, ``pg_config --bindir``, else the
    newest /usr/lib/postgresql/*/bin."""
    from ..settings import current

    env = current().pg_bin
    if env:
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for c in reversed(candidates):
        if (Path(c) / "initdb").exists():
            return Path(c)
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    raise RuntimeError("PostgreSQL не найден: установите пакет postgresql или укажите TALON_PG_BIN")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


class Cluster:
    """One cluster in ``directory`` (``data/``, ``postgres.log``, the socket, ``port``)."""

    def __init__(self, directory: str | Path, port: int | None = None, fsync: bool = True):
        self.dir = Path(directory).resolve()
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        port_file = self.dir / "port"
        if port is None and port_file.exists():
            port = int(port_file.read_text().strip())
        self.port = port or free_port()
        self.fsync = fsync
        self.bin = bindir()

    # ------------------------------------------------------------------ running the binaries

    def _run(self, args: list[str], check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(self.dir))
        if check and proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def _own(self, path: Path) -> None:
        if _as_root():
            shutil.chown(path, "postgres", "postgres")

    # ------------------------------------------------------------------ life cycle

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> Cluster:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._own(self.dir)
        (self.dir / "port").write_text(str(self.port))
        if _as_root() and subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(self.dir)]).returncode:
            raise RuntimeError(f"Пользователь postgres не может войти в папку {self.dir}: PostgreSQL не работает "
                               "от имени root, а папки выше закрыты для других пользователей. Выберите папку, "
                               "открытую для чтения всем (например, /var/tmp/talon или var/ проекта вне /root)")
        if not self.initialised:
            self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
                       "--locale=C.UTF-8", "--no-sync"])
        return self

    def start(self, timeout: float = 60) -> Cluster:
        if not self.initialised:
            self.init()
        if self.running():
            return self
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                f"-c shared_buffers=128MB -c fsync={'on' if self.fsync else 'off'} "
                f"-c synchronous_commit={'on' if self.fsync else 'off'} "
                f"-c full_page_writes={'on' if self.fsync else 'off'}")
        if not self.logfile.exists():
            self.logfile.touch()
            self._own(self.logfile)
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", opts, "-w",
                   "-t", str(int(timeout)), "start"], timeout=timeout + 10)
        self._create_database()
        log.info("PostgreSQL on 127.0.0.1:%d (%s)", self.port, self.dir)
        return self

    def running(self) -> bool:
        if not self.initialised:
            return False
        return self._run(["pg_ctl", "-D", str(self.data), "status"], check=False).returncode == 0

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"], check=False, timeout=90)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ addresses

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _create_database(self, database: str = DATABASE) -> None:
        import psycopg

        deadline = time.time() + 30
        while True:
            try:
                with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
                    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None:
                        conn.execute(f'CREATE DATABASE "{database}"')
                return
            except psycopg.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def create_database(self, database: str) -> str:
        """A fresh, empty database in this cluster (for one test); answers its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        return self.url(database)


def throwaway(prefix: str = "talon-pg-", fsync: bool = True) -> Cluster:
    """A started cluster in a new temporary folder (for tests and benchmarks); ``destroy()`` it."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o711)  # the postgres user must reach its folder inside
    return Cluster(base / "cluster", fsync=fsync).start()


def main(argv: list[str] | None = None) -> int:
    """``python -m server.central.pgcluster start|stop|url DIR``: for scripts/run-company.sh."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2 or args[0] not in ("start", "stop", "url", "destroy"):
        print("usage: python -m server.central.pgcluster start|stop|url|destroy DIR", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cluster = Cluster(args[1])
    if args[0] == "start":
        cluster.start()
        sys.stdout.write(cluster.url() + "\n")
    elif args[0] == "stop":
        cluster.stop()
    elif args[0] == "destroy":
        cluster.destroy()
    else:
        sys.stdout.write(cluster.url() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
