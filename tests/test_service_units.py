"""``talon service install``: systemd units checked by systemd-analyze, the Windows task's
command line, and the hub's sd_notify READY / WATCHDOG pings to a real notify socket."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest

from server import service
from tests.support import ROOT, HubProcess

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
HOME_CONFIG = "/home/talon/.config"  # XDG_CONFIG_HOME of the pretend user in the tests
HUB_ARGS = ["--host", "0.0.0.0", "--port", "8470", "--db", "/var/lib/talon/office 1.db"]
KIOSK_ARGS = ["--hub", "http://192.168.1.10:8470", "--printer", "xprinter-80"]
TASK_NS = {"t": service.TASK_NS}


def talon(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command line, in a child process."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "XDG_CONFIG_HOME": HOME_CONFIG, **(env or {})},
                          timeout=60)


def verify(unit: Path, user: bool, runtime: Path) -> None:
    """systemd-analyze verify: no error and no warning about this unit."""
    assert SYSTEMD_ANALYZE, "systemd-analyze is missing: apt-get install systemd"
    runtime.mkdir(mode=0o700, exist_ok=True)
    command = [SYSTEMD_ANALYZE, *(["--user"] if user else []), "verify", "--man=no", str(unit)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if unit.name in line]
    assert done.returncode == 0 and not complaints, done.stdout + done.stderr


def unit_values(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


# -- the units -----------------------------------------------------------------


def test_dry_run_prints_the_hub_unit_and_writes_nothing(tmp_path):
    done = talon("service", "install", "hub", "--dry-run", "--root", str(tmp_path), "--", *HUB_ARGS)
    assert done.returncode == 0, done.stderr
    assert f"# {tmp_path}/etc/systemd/system/talon-hub.service" in done.stdout
    values = unit_values(done.stdout)
    assert values["Type"] == ["notify"]
    assert values["Restart"] == ["on-failure"]
    assert values["RestartPreventExitStatus"] == ["2"]  # a hub that refuses to start is not retried
    assert values["WatchdogSec"] == [str(service.WATCHDOG_SEC)]
    assert values["StandardOutput"] == ["journal"] and values["StandardError"] == ["journal"]
    assert values["WantedBy"] == ["multi-user.target"]
    (exec_start,) = values["ExecStart"]
    assert exec_start.startswith(f"{sys.executable} -m server.cli hub --host 0.0.0.0 ")
    assert exec_start.endswith('--db "/var/lib/talon/office 1.db"')
    assert list(tmp_path.iterdir()) == []


def test_hub_unit_installs_enables_and_verifies(tmp_path):
    done = talon("service", "install", "hub", "--root", str(tmp_path), "--run-as", "talon", "--", *HUB_ARGS)
    assert done.returncode == 0, done.stderr
    unit = tmp_path / "etc/systemd/system/talon-hub.service"
    values = unit_values(unit.read_text(encoding="utf-8"))
    assert values["User"] == ["talon"]
    # enabled by systemctl itself (offline, --root): the link multi-user.target wants
    link = tmp_path / "etc/systemd/system/multi-user.target.wants/talon-hub.service"
    assert link.is_symlink() and os.readlink(link) == "/etc/systemd/system/talon-hub.service"
    verify(unit, user=False, runtime=tmp_path / "run")


@pytest.mark.parametrize("kind, restart", [("kiosk", "always"), ("board", "always"), ("console", "on-failure")])
def test_screen_units_start_with_the_graphical_session(tmp_path, kind, restart):
    args = KIOSK_ARGS if kind == "kiosk" else ["--hub", "http://192.168.1.10:8470"]
    done = talon("service", "install", kind, "--root", str(tmp_path), *args)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / HOME_CONFIG.lstrip("/") / "systemd/user"
    unit = folder / f"talon-{kind}.service"
    values = unit_values(unit.read_text(encoding="utf-8"))
    assert values["WantedBy"] == ["graphical-session.target"]
    assert values["PartOf"] == ["graphical-session.target"]
    assert values["Restart"] == [restart]
    assert values["ExecStart"] == [" ".join([sys.executable, "-m", "server.cli", kind, *args])]
    assert (folder / "graphical-session.target.wants" / unit.name).resolve() == unit
    # desktops without graphical-session.target start it from an autostart entry
    entry = (tmp_path / HOME_CONFIG.lstrip("/") / "autostart" / f"talon-{kind}.desktop").read_text()
    assert f"systemctl --user start talon-{kind}.service" in entry
    assert "import-environment DISPLAY" in entry
    verify(unit, user=True, runtime=tmp_path / "run")


def test_a_broken_unit_is_caught_by_the_same_check(tmp_path):
    good = service.systemd_unit("kiosk", KIOSK_ARGS)
    broken = tmp_path / "talon-kiosk.service"
    broken.write_text(good.text.replace("Restart=always", "Restart=sometimes"), encoding="utf-8")
    with pytest.raises(AssertionError):
        verify(broken, user=True, runtime=tmp_path / "run")


def test_exec_start_quotes_what_systemd_would_expand():
    unit = service.systemd_unit("board", ["--hub", "http://hub:8470", "--size", "100%", "--cache-dir", "$HOME/x y"])
    (exec_start,) = unit_values(unit.text)["ExecStart"]
    assert exec_start.endswith('--size 100%% --cache-dir "$$HOME/x y"')


def test_unknown_program_is_refused_in_russian_or_by_click(tmp_path):
    done = talon("service", "install", "printer", "--dry-run")
    assert done.returncode == 2
    assert "printer" in done.stderr


# -- Windows ---------------------------------------------------------------------


def test_windows_one_line_command_for_a_screen():
    task = service.windows_task("kiosk", KIOSK_ARGS, python=r"C:\Talon\.venv\Scripts\python.exe")
    line = subprocess.list2cmdline(task)
    assert line.startswith(r"schtasks /Create /TN Talon\Kiosk /TR ")
    assert "/SC ONLOGON" in line and "/RL LIMITED" in line and " /F" in line
    program = task[task.index("/TR") + 1]
    # pythonw: no console window over the kiosk's screen
    assert program == (r"C:\Talon\.venv\Scripts\pythonw.exe -m server.cli kiosk --hub http://192.168.1.10:8470 "
                       "--printer xprinter-80")
    assert f'/TR "{program}"' in line  # the whole program is one argument of schtasks


def test_windows_one_line_command_for_the_hub_and_its_limits():
    task = service.windows_task("hub", ["--host", "0.0.0.0"], python=r"C:\Program Files\Talon\python.exe")
    assert task[task.index("/SC") + 1] == "ONSTART" and task[task.index("/RU") + 1] == "SYSTEM"
    program = task[task.index("/TR") + 1]
    assert program.startswith('"C:\\Program Files\\Talon\\python.exe" -m server.cli hub')
    with pytest.raises(click.ClickException, match="261"):
        service.windows_task("board", ["--hub", "http://" + "h" * 300])


def read_task(path: Path) -> ET.Element:
    raw = path.read_bytes()
    assert raw.startswith(b"\xff\xfe")  # UTF-16 with its byte order mark, as Task Scheduler writes it
    return ET.fromstring(raw.decode("utf-16").split("?>", 1)[1])


def task_value(task: ET.Element, path: str) -> str:
    node = task.find("t:" + path.replace("/", "/t:"), TASK_NS)
    assert node is not None, path
    return (node.text or "").strip()


@pytest.mark.parametrize("kind", ["kiosk", "hub"])
def test_windows_task_xml(tmp_path, kind):
    args = KIOSK_ARGS if kind == "kiosk" else ["--host", "0.0.0.0", "--db", r"C:\Talon\office 1.db"]
    done = talon("service", "install", kind, "--windows", "--root", str(tmp_path),
                 "--python", r"C:\Talon\.venv\Scripts\python.exe", "--", *args)
    assert done.returncode == 0, done.stderr
    assert f"schtasks /Create /TN Talon\\{kind.title()} /XML talon-{kind}.xml /F" in done.stdout
    task = read_task(tmp_path / f"talon-{kind}.xml")
    assert task.tag == f"{{{service.TASK_NS}}}Task" and task.get("version") == "1.2"
    assert task_value(task, "Settings/ExecutionTimeLimit") == "PT0S"  # not stopped after 72 hours
    assert task_value(task, "Settings/RestartOnFailure/Interval") == "PT1M"
    assert task_value(task, "Settings/DisallowStartIfOnBatteries") == "false"
    command = task_value(task, "Actions/Exec/Command")
    arguments = task_value(task, "Actions/Exec/Arguments")
    assert task_value(task, "Actions/Exec/WorkingDirectory") == r"C:\Talon"
    if kind == "kiosk":
        assert task.find("t:Triggers/t:LogonTrigger", TASK_NS) is not None
        assert command == r"C:\Talon\.venv\Scripts\pythonw.exe"
        assert arguments == "-m server.cli kiosk " + " ".join(KIOSK_ARGS)
        assert task_value(task, "Principals/Principal/LogonType") == "InteractiveToken"
    else:
        assert task.find("t:Triggers/t:BootTrigger", TASK_NS) is not None
        assert command == r"C:\Talon\.venv\Scripts\python.exe"
        assert arguments == r'-m server.cli hub --host 0.0.0.0 --db "C:\Talon\office 1.db"'
        assert task_value(task, "Principals/Principal/UserId") == "S-1-5-18"  # LocalSystem


# -- the hub's sd_notify -------------------------------------------------------------


class NotifySocket:
    """A systemd notify socket: a Unix datagram socket the test reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.5)
        self.messages: list[str] = []

    def wait_for(self, predicate, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.messages):
                return self.messages
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                pass
        raise AssertionError(f"no such notification in {timeout} s: {self.messages}")

    def close(self) -> None:
        self.sock.close()


def test_without_systemd_nothing_is_sent():
    assert service.notify("READY=1", env={}) is False
    assert service.watchdog_for("127.0.0.1", 9, env={}) is None
    assert service.watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 30.0
    assert service.watchdog_interval({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}) is None


def test_ready_only_once_the_hub_answers(tmp_path):
    status = {"code": 500}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    notify = NotifySocket(tmp_path / "notify")
    stop = threading.Event()
    thread = None
    try:
        env = {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "400000"}
        thread = service.watchdog_for("127.0.0.1", server.server_address[1], env=env, stop=stop)
        assert thread is not None
        with pytest.raises(AssertionError):  # a hub answering 500 is not ready
            notify.wait_for(lambda m: m, timeout=2.0)
        status["code"] = 200
        notify.wait_for(lambda m: any(x.startswith("READY=1") for x in m))
        notify.wait_for(lambda m: m.count("WATCHDOG=1") >= 2)
    finally:
        stop.set()
        if thread is not None:
            thread.join(5)
        server.shutdown()
        server.server_close()  # the listening socket, else a ResourceWarning (an error here) at collection
        notify.close()


def test_real_hub_tells_systemd_it_is_ready_and_pings_the_watchdog(tmp_path, monkeypatch):
    notify = NotifySocket(tmp_path / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify.path))
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # a ping every half second
    hub = HubProcess(tmp_path / "hub.db").start()
    try:
        messages = notify.wait_for(lambda m: m.count("WATCHDOG=1") >= 3)
        ready = [m for m in messages if m.startswith("READY=1")]
        assert len(ready) == 1 and f"MAINPID={hub.proc.pid}" in ready[0]
        assert messages.index(ready[0]) < messages.index("WATCHDOG=1")
    finally:
        hub.stop()
        notify.close()
