r"""``talon service install``: run Talon's programs as services of the office's own computers.

    talon service install hub|kiosk|board|console [--user] [--dry-run] [--root DIR] [--windows]
                          [--python PATH] [--run-as USER] [--] [options of the program]

On Linux (Debian, Astra Linux) it writes a systemd unit and enables it:

* ``hub`` — a system unit (``/etc/systemd/system/talon-hub.service``; ``--user`` for a user
  unit): ``Type=notify`` with ``WatchdogSec``; the hub tells systemd when it answers and
  keeps telling it while it does (``watchdog_for`` below, a plain datagram to
  ``$NOTIFY_SOCKET``), so a hub that hangs is restarted like one that crashed
  (``Restart=on-failure``). Its log goes to journald (``journalctl -u talon-hub``).
* ``kiosk``, ``board``, ``console`` — user units started with the graphical session
  (``WantedBy=graphical-session.target``); kiosk and board are full screen by their own
  defaults and come back whatever happens (``Restart=always``), the console comes back after
  a crash only (an operator may close it). Desktops that do not start
  ``graphical-session.target`` (Astra Linux Fly, LXDE) start the unit from an XDG autostart
  entry written next to it.

On Windows, or with ``--windows``, it writes a Task Scheduler task (XML: started at logon, at
system start for the hub, restarted after a failure, no 72-hour limit) and runs (on Windows) or
prints ``schtasks /Create /TN Talon\Kiosk /XML talon-kiosk.xml /F``. ``windows_task`` gives the
plain one-line ``schtasks /Create … /TR … /SC ONLOGON`` form as well.

``--dry-run`` prints what would be written; ``--root DIR`` writes under DIR instead of ``/``
(for tests and for preparing an image). See docs/install.md.
"""
from __future__ import annotations

import getpass
import logging
import os
import shlex
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

import click

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("hub", "kiosk", "board", "console")
WATCHDOG_SEC = 60

DESCRIPTIONS = {
    "hub": "Talon: сервер электронной очереди (хаб)",
    "kiosk": "Talon: киоск выдачи талонов",
    "board": "Talon: табло в зале",
    "console": "Talon: пульт оператора",
}
WINDOWS_TASKS = {
    "hub": r"Talon\Hub",
    "kiosk": r"Talon\Kiosk",
    "board": r"Talon\Board",
    "console": r"Talon\Console",
}
DEFAULT_WINDOWS_PYTHON = r"C:\Talon\.venv\Scripts\python.exe"
WINDOWS_TR_LIMIT = 261  # schtasks /TR takes at most this many characters


@dataclass(frozen=True)
class Unit:
    """One systemd unit: where it goes and what it says."""

    kind: str
    user: bool
    name: str
    text: str
    wanted_by: str

    def path(self, root: Path | None = None) -> Path:
        base = user_unit_dir() if self.user else Path("/etc/systemd/system")
        return _under(root, base) / self.name


def user_unit_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def autostart_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart"


def _under(root: Path | None, path: Path) -> Path:
    return Path(root) / path.relative_to(path.anchor) if root else path


def command_line(kind: str, args: list[str], python: str) -> list[str]:
    """The program's command line: ``python -m server.cli KIND ARGS``."""
    if kind not in KINDS:
        raise ValueError(f"unknown program {kind!r}; one of {', '.join(KINDS)}")
    return [python, "-m", "server.cli", kind, *args]


def _exec(argv: list[str]) -> str:
    """ExecStart= value: each word quoted as systemd reads it (``%`` and ``$`` kept literal)."""
    words = []
    for word in argv:
        word = word.replace("%", "%%").replace("$", "$$")
        if not word or any(c in word for c in " \t\"'\\;"):
            word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words.append(word)
    return " ".join(words)


def systemd_unit(kind: str, args: list[str] | None = None, *, user: bool | None = None,
                 python: str | None = None, run_as: str | None = None,
                 workdir: Path = ROOT) -> Unit:
    """The unit for ``talon KIND ARGS``; the hub is a system unit unless ``user`` is true."""
    args = list(args or [])
    python = python or sys.executable
    user = (kind != "hub") if user is None else user
    exec_start = _exec(command_line(kind, args, python))
    lines = ["[Unit]", f"Description={DESCRIPTIONS[kind]}",
             f"Documentation=file://{workdir / 'docs' / 'install.md'}"]
    if kind == "hub":
        if not user:
            lines += ["Wants=network-online.target", "After=network-online.target"]
        lines += ["", "[Service]",
                  "Type=notify",
                  "NotifyAccess=main",
                  f"ExecStart={exec_start}",
                  f"WorkingDirectory={workdir}",
                  "Environment=PYTHONUNBUFFERED=1",
                  "Restart=on-failure",
                  "RestartSec=5",
                  # exit 2: refused to start (demo passwords on the LAN, a bad option): say it once
                  "RestartPreventExitStatus=2",
                  f"WatchdogSec={WATCHDOG_SEC}",
                  "TimeoutStartSec=120",
                  "TimeoutStopSec=30",
                  "StandardOutput=journal",
                  "StandardError=journal",
                  "SyslogIdentifier=talon-hub"]
        if not user and run_as:
            lines.append(f"User={run_as}")
        wanted_by = "default.target" if user else "multi-user.target"
    else:
        lines += ["PartOf=graphical-session.target", "After=graphical-session.target",
                  "", "[Service]",
                  "Type=simple",
                  f"ExecStart={exec_start}",
                  f"WorkingDirectory={workdir}",
                  "Environment=PYTHONUNBUFFERED=1",
                  "Restart=" + ("on-failure" if kind == "console" else "always"),
                  "RestartSec=5",
                  "StandardOutput=journal",
                  "StandardError=journal",
                  f"SyslogIdentifier=talon-{kind}"]
        wanted_by = "graphical-session.target"
    lines += ["", "[Install]", f"WantedBy={wanted_by}", ""]
    return Unit(kind=kind, user=user, name=f"talon-{kind}.service", text="\n".join(lines),
                wanted_by=wanted_by)


def autostart_entry(unit: Unit) -> str:
    """An XDG autostart entry that starts the user unit on desktops without graphical-session.target."""
    start = ("systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY; "
             f"systemctl --user start {unit.name}")
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={DESCRIPTIONS[unit.kind]}",
        f"Exec=sh -c {shlex.quote(start)}",
        "X-GNOME-Autostart-enabled=true",
        "NoDisplay=true",
        "",
    ])


def windows_task(kind: str, args: list[str] | None = None, *, python: str | None = None,
                 run_as: str | None = None) -> list[str]:
    """``schtasks /Create`` arguments of the task that starts ``talon KIND`` on Windows.

    The hub starts with the system (``/SC ONSTART``, as SYSTEM unless ``run_as``); the
    screens start when their user logs on (``/SC ONLOGON``), with ``pythonw.exe`` so that
    no console window opens on top of them.
    """
    python = python or (sys.executable if sys.platform == "win32" else DEFAULT_WINDOWS_PYTHON)
    if kind != "hub":
        exe = PureWindowsPath(python)
        if exe.name.lower() == "python.exe":
            python = str(exe.with_name("pythonw.exe"))
    program = subprocess.list2cmdline(command_line(kind, list(args or []), python))
    if len(program) > WINDOWS_TR_LIMIT:
        raise click.ClickException(
            f"Команда задачи длиннее {WINDOWS_TR_LIMIT} знаков, а планировщик Windows столько не принимает: "
            "перенесите настройки в файл настроек программы или установите Talon в папку с коротким путём")
    task = ["schtasks", "/Create", "/TN", WINDOWS_TASKS[kind], "/TR", program, "/F"]
    if kind == "hub":
        task += ["/SC", "ONSTART", "/RU", run_as or "SYSTEM", "/RL", "HIGHEST"]
    else:
        task += ["/SC", "ONLOGON", "/RL", "LIMITED"]
        if run_as:
            task += ["/RU", run_as, "/IT"]
    return task


TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
LOCAL_SYSTEM = "S-1-5-18"


def windows_task_xml(kind: str, args: list[str] | None = None, *, python: str | None = None,
                     run_as: str | None = None, workdir: str | None = None) -> str:
    """A Task Scheduler task (XML, schema 1.2) for ``talon KIND ARGS`` on Windows.

    Unlike a bare ``schtasks /Create /TR …`` it lifts the default 72-hour run limit
    (``ExecutionTimeLimit PT0S``: the programs run for months), restarts the program a minute
    after it fails, runs on battery power too, and starts in Talon's folder.
    """
    from xml.sax.saxutils import escape

    python = python or (sys.executable if sys.platform == "win32" else DEFAULT_WINDOWS_PYTHON)
    exe = PureWindowsPath(python)
    if kind != "hub" and exe.name.lower() == "python.exe":
        exe = exe.with_name("pythonw.exe")  # no console window over the screen
    argv = command_line(kind, list(args or []), str(exe))
    arguments = subprocess.list2cmdline(argv[1:])
    workdir = workdir or (str(ROOT) if sys.platform == "win32" else str(exe.parent.parent.parent))
    if kind == "hub":
        trigger = "<BootTrigger><Enabled>true</Enabled></BootTrigger>"
        principal = (f"<UserId>{escape(run_as)}</UserId><LogonType>Password</LogonType>" if run_as
                     else f"<UserId>{LOCAL_SYSTEM}</UserId>") + "<RunLevel>HighestAvailable</RunLevel>"
    else:
        user = f"<UserId>{escape(run_as)}</UserId>" if run_as else ""
        trigger = f"<LogonTrigger><Enabled>true</Enabled>{user}</LogonTrigger>"
        principal = f"{user}<LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel>"
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Description>{escape(DESCRIPTIONS[kind])}</Description>
    <URI>\\{escape(WINDOWS_TASKS[kind])}</URI>
  </RegistrationInfo>
  <Triggers>{trigger}</Triggers>
  <Principals>
    <Principal id="Author">{principal}</Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>5</Priority>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(str(exe))}</Command>
      <Arguments>{escape(arguments)}</Arguments>
      <WorkingDirectory>{escape(workdir)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def install_windows(kind: str, args: list[str], *, dry_run: bool, root: Path | None, python: str | None,
                    run_as: str | None, out=click.echo) -> Path | None:
    """Write the task's XML and create the task (on Windows) or print the command to do it."""
    xml = windows_task_xml(kind, args, python=python, run_as=run_as)
    path = Path(root or Path.cwd()) / f"talon-{kind}.xml"
    here = sys.platform == "win32"  # elsewhere the file is carried over and run in its folder
    command = ["schtasks", "/Create", "/TN", WINDOWS_TASKS[kind], "/XML", str(path) if here else path.name, "/F"]
    if kind == "hub" and run_as:
        command += ["/RU", run_as, "/RP", "*"]  # schtasks asks for the account's password
    line = subprocess.list2cmdline(command)
    if dry_run:
        out(f"# {path}")
        out(xml)
        out(line)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(xml, encoding="utf-16")  # with a byte order mark, as Task Scheduler exports it
    if not here:
        out(f"Задача записана в {path}. На компьютере с Windows, в папке с этим файлом, выполните:\n{line}")
        return path
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"Не удалось создать задачу: {done.stderr.strip() or done.stdout.strip()}")
    out(f"Задача «{WINDOWS_TASKS[kind]}» создана ({path}); она запустится при "
        + ("включении компьютера" if kind == "hub" else "входе пользователя"))
    return path


def install(kind: str, args: list[str], *, user: bool | None, dry_run: bool, root: Path | None,
            python: str | None, run_as: str | None, out=click.echo) -> list[Path]:
    """Write and enable the unit (and the autostart entry of a screen); the files written."""
    unit = systemd_unit(kind, args, user=user, python=python, run_as=run_as)
    path = unit.path(root)
    written: list[Path] = []
    if dry_run:
        out(f"# {path}")
        out(unit.text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit.text, encoding="utf-8")
        written.append(path)
        log.info("systemd unit written: %s", path)
    if unit.user and kind != "hub":
        entry = _under(root, autostart_dir()) / f"talon-{kind}.desktop"
        if dry_run:
            out(f"# {entry}")
            out(autostart_entry(unit))
        else:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_text(autostart_entry(unit), encoding="utf-8")
            written.append(entry)
    if dry_run:
        return written
    _enable(unit, path, root, out)
    return written


def _enable(unit: Unit, path: Path, root: Path | None, out) -> None:
    if root is not None and unit.user:
        # systemctl has no offline mode for user units: make the link `enable` would make.
        wants = path.parent / f"{unit.wanted_by}.wants"
        wants.mkdir(exist_ok=True)
        link = wants / unit.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(path)
        out(f"Служба {unit.name} записана и включена: {path}")
        return
    scope = ["--user"] if unit.user else []
    if root is not None:
        commands = [["systemctl", f"--root={root}", "enable", unit.name]]
    else:
        commands = [["systemctl", *scope, "daemon-reload"],
                    ["systemctl", *scope, "enable", "--now", unit.name]]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise click.ClickException(
                f"Не удалось выполнить «{' '.join(command)}»: {done.stderr.strip() or done.returncode}")
    follow = "journalctl --user -u" if unit.user else "journalctl -u"
    out(f"Служба {unit.name} записана и включена: {path}\nЖурнал: {follow} {unit.name}")


# ------------------------------------------------------------------ the hub's watchdog ping

def notify(message: str, env: dict | None = None) -> bool:
    """Send one sd_notify message (``READY=1``, ``WATCHDOG=1``, …); False when not under systemd."""
    address = (env if env is not None else os.environ).get("NOTIFY_SOCKET")
    family = getattr(socket, "AF_UNIX", None)
    if not address or family is None:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
        return True
    except OSError as exc:
        log.warning("systemd notification %r failed: %s", message, exc)
        return False


def watchdog_interval(env: dict | None = None) -> float | None:
    """Half of systemd's WatchdogSec for this process, in seconds; None without a watchdog."""
    env = env if env is not None else os.environ
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 2_000_000, 0.05)
    except ValueError:
        return None


def _probe_url(host: str, port: int) -> str:
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/api/v1/offices"


def _answers(url: str, timeout: float) -> bool:
    """The hub answers HTTP: its worker threads serve and it reads its database. A 503 (the
    database busy or its disk in trouble) counts as alive: a restart would not help."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the answer's socket: a watchdog probing every few seconds would leak one each time
        return exc.code < 500 or exc.code == 503
    except (OSError, ValueError):
        return False


def watchdog_for(host: str, port: int, env: dict | None = None,
                 stop: threading.Event | None = None) -> threading.Thread | None:
    """Under systemd (``NOTIFY_SOCKET`` set): tell it READY=1 once the hub answers on
    ``host:port``, then WATCHDOG=1 every half WatchdogSec for as long as it keeps answering.
    A hub that stops answering stops pinging, and systemd restarts it. Without
    ``NOTIFY_SOCKET`` (a hub started by hand, Windows, tests) nothing happens. ``stop`` ends it."""
    env = dict(env if env is not None else os.environ)
    stop = stop or threading.Event()
    if not env.get("NOTIFY_SOCKET"):
        return None
    url = _probe_url(host, port)
    interval = watchdog_interval(env)

    def run() -> None:
        while not _answers(url, timeout=2.0):
            if stop.wait(0.2):
                return
        notify(f"READY=1\nSTATUS=Хаб отвечает на {host}:{port}\nMAINPID={os.getpid()}", env)
        log.info("systemd told the hub is ready (watchdog every %s s)", interval)
        while interval and not stop.wait(interval):
            if _answers(url, timeout=max(interval, 1.0)):
                notify("WATCHDOG=1", env)
            else:
                log.error("the hub does not answer %s: no watchdog ping", url)

    thread = threading.Thread(target=run, name="systemd-watchdog", daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------ the command

def register(main: click.Group) -> None:
    @main.group("service")
    def service() -> None:
        """Run Talon's programs as services of this computer (systemd, Windows task scheduler)."""

    @service.command("install", context_settings={"ignore_unknown_options": True})
    @click.argument("kind", type=click.Choice(KINDS))
    @click.option("--user", "user", flag_value=True, default=None,
                  help="A user unit (kiosk, board, console are user units anyway).")
    @click.option("--dry-run", is_flag=True, help="Print the unit (or the Windows command) instead of installing.")
    @click.option("--root", type=click.Path(file_okay=False, path_type=Path),
                  help="Write under this folder instead of / (tests, images).")
    @click.option("--windows", is_flag=True, help="The Windows task scheduler command (default on Windows).")
    @click.option("--python", help="The Python of Talon's venv (default: this one).")
    @click.option("--run-as", help="The system account of the hub (default: the current user).")
    @click.argument("program_args", nargs=-1, type=click.UNPROCESSED)
    def install_command(kind, user, dry_run, root, windows, python, run_as, program_args) -> None:
        """Install KIND (hub, kiosk, board, console) to start with the computer or the session.

        Anything after the options (best after --) is passed to the program, e.g.
        talon service install kiosk -- --hub http://192.168.1.10:8470 --printer xprinter-80
        """
        args = list(program_args)
        if kind == "hub" and not any(a == "--db" or a.startswith("--db=") for a in args):
            # the database the installing user's talon init made (its data folder), not the one of
            # the service's account (LocalSystem, --run-as): server/settings.py
            from .paths import default_db_path
            args += ["--db", str(default_db_path())]
        if windows or sys.platform == "win32":
            install_windows(kind, args, dry_run=dry_run, root=root, python=python, run_as=run_as)
            return
        if kind == "hub" and not user and run_as is None:
            login = getpass.getuser()
            run_as = login if login != "root" else None
        install(kind, args, user=user, dry_run=dry_run, root=root, python=python, run_as=run_as)
