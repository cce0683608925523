"""``talon demo``: the whole hall on one machine, with one command.

It creates (or refreshes) the demo office on the embedded SQLite file, starts the hub, and:

- where a screen exists (``DISPLAY``/``WAYLAND_DISPLAY``, or on Windows and macOS) opens the
  ticket kiosk, two operator consoles (windows 1 and 2, signed in as op1 and op2) and the hall
  board, each as its own process — a part that is not installed is skipped with a log line;
- with ``--visitors RATE`` feeds simulated visitors through the real HTTP API (the kiosk's
  device key, as a kiosk would) and seats simulated operators at the windows no console took,
  so the hall moves by itself;
- prints where to open the administrator's stand and the demo logins, and runs until Ctrl+C.

The simulated people are plain hub clients (``hub_client.HubClient``): everything they do goes
through the same API, rules and log as a real office's devices.
"""
from __future__ import annotations

import importlib.util
import logging
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

log = logging.getLogger("talon.demo")

#: What simulated visitors come for (shares), and how long each topic takes at the window (minutes).
VISITOR_MIX = {"consult": 0.30, "cash": 0.27, "consult_cash": 0.10, "owner": 0.05, "instalment": 0.04,
               "certificate": 0.07, "contract": 0.05, "business": 0.12}
SERVICE_MINUTES = {"consult": 7.0, "cash": 3.0, "consult_cash": 12.0, "owner": 11.0, "instalment": 18.0,
                   "certificate": 6.0, "contract": 10.0, "business": 9.0}
THEN_CASH = 0.10  # a tenth of consultations end at the cash desk (a transfer)
NO_SHOW = 0.03
SLOW = 0.12       # a visitor who does not hear the first call: the operator calls again (a recall)
CONSOLE_WINDOWS = (1, 2)  # the consoles opened on a screen take these windows; without one they wait for real consoles
OFFICE = "demo"

#: The pace of scripts/run-office.sh: busy enough that a newcomer sees, within five minutes, a
#: queue, tickets nearing (amber) and over (red) their waiting norm, the alert, and a recall
#: (tests/test_fix_demo.py checks it through the real hub in fast time); at 90 an hour and
#: speed 4 the queue was nearly always empty.
DEMO_RATE = 120.0
DEMO_SPEED = 2.0
AT_THE_DOOR = 16   # people already waiting when the demo opens, most of them to pay (the cash norm is 4 min)
DOOR_MIX = {"cash": 0.75, "consult": 0.15, "business": 0.1}
TOO_LONG = 14      # a visitor who would have this many people ahead goes away without a ticket


class Pace:
    """How the simulated people wait: real seconds, or ``warp`` times faster (tests, with the hub's
    testing clock moved along by the same factor)."""

    def __init__(self, stop: threading.Event, warp: float = 1.0):
        self.stop, self.warp = stop, warp

    def wait(self, seconds: float) -> bool:
        """Wait ``seconds`` of the demo's time; True when the demo is stopping."""
        return self.stop.wait(max(0.0, seconds) / self.warp)


def register(main: click.Group) -> None:
    main.add_command(demo_command)


@click.command("demo")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=Path("var") / "demo.sqlite",
              show_default=True, help="SQLite file of the demo hub.")
@click.option("--port", type=int, default=8470, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to let other machines of the LAN in).")
@click.option("--visitors", "rate", type=click.FloatRange(min=0, min_open=True), default=None, metavar="RATE",
              help="Feed simulated visitors, RATE an hour, and simulated operators at the free windows.")
@click.option("--speed", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="Simulated operators serve this many times faster than real people.")
@click.option("--apps/--no-apps", default=None,
              help="Open the kiosk, two consoles and the board (default: when a screen exists).")
@click.option("--seed", type=int, default=None, help="Random seed of the simulated people.")
@click.option("--all-windows", is_flag=True,
              help="Seat simulated operators at windows 1 and 2 too (left for real consoles by default).")
def demo_command(db: Path, port: int, host: str, rate: float | None, speed: float, apps: bool | None,
                 seed: int | None, all_windows: bool = False) -> None:
    """Run the demo hall: the hub, the apps where a screen exists, simulated visitors on request."""
    from .app import create_app
    from .cli import create_demo
    from .serve import serve
    from .store import Store

    db.parent.mkdir(parents=True, exist_ok=True)
    lines = create_demo(Store(db), round_the_clock=True)
    kiosk_key = _line_value(lines, "ключ киоска:")
    board_key = _line_value(lines, "ключ табло:")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    app = create_app(db)
    from .serve import exposure_refusal  # the demo's passwords are the well-known ones
    refusal = exposure_refusal(app.config["TALON_STORE"], host)
    if refusal:
        click.echo(refusal, err=True)
        sys.exit(2)
    hub = threading.Thread(target=serve, args=(app,), kwargs=dict(host=host, port=port, threads=64),
                           name="hub", daemon=True)
    hub.start()
    if not _wait_for_hub(url, hub):
        raise click.ClickException(f"Сервер очереди не запустился на {url} (порт занят?)")

    stop = threading.Event()
    _on_terminate(stop)
    children: list[subprocess.Popen] = []
    taken: set[int] = set()
    if apps is None:
        apps = has_display()
        if not apps:
            log.info("no screen here: the apps are not opened (the hub and the stand work without them)")
    if apps:
        children, taken = launch_apps(url, kiosk_key, board_key)
    elif not all_windows:
        taken = set(CONSOLE_WINDOWS)  # kept for real consoles: a model would fight one for its window

    people = _start_people(url, kiosk_key, rate, speed, seed, taken, stop) if rate else []
    _tell_where(url, host, port, kiosk_key, lines, rate, taken, apps)
    _run_until_stopped(stop, children, people)


def _start_people(url: str, kiosk_key: str | None, rate: float, speed: float, seed: int | None, taken: set[int],
                  stop: threading.Event) -> list[threading.Thread]:
    """Simulated visitors, and simulated operators at the windows not ``taken``, started."""
    rng = random.Random(seed)
    people: list[threading.Thread] = [Visitors(url, kiosk_key, rate, stop, random.Random(rng.random()))]
    for number in range(1, 7):
        if number not in taken:
            people.append(Operator(url, f"op{number}", f"op{number}-demo", number, speed, stop,
                                   random.Random(rng.random())))
    for p in people:
        p.start()
    return people


def _tell_where(url: str, host: str, port: int, kiosk_key: str | None, lines: list[str], rate: float | None,
                taken: set[int], apps: bool) -> None:
    """Say where the stand, the reports and a visitor's page are, and what the simulation does."""
    click.echo(f"Талон: демонстрационный зал работает. Стойка администратора: {url}/stand")
    if host in ("0.0.0.0", "::"):
        click.echo(f"  с других компьютеров: http://<адрес этого компьютера>:{port}/stand")
    click.echo(f"  отчёты руководителя: {url}/reports")
    click.echo(f"  страница API: {url}/api/openapi.json")
    visitor = _visitor_page(url, kiosk_key)
    if visitor:
        click.echo(f"  страница посетителя (талон {visitor[0]}, как по QR-коду): {visitor[1]}")
    for line in lines:
        click.echo(line)
    if rate:
        busy = ", ".join(str(n) for n in range(1, 7) if n not in taken)
        click.echo(f"Посетители: {rate:g} в час (моделирование); операторы-модели у окон {busy}")
    free = [n for n in sorted(taken) if not apps]
    if free:
        click.echo("Окна " + " и ".join(str(n) for n in free) + " оставлены для настоящих пультов: "
                   + "; ".join(f"talon console --hub {url} --window {n} (вход op{n}, PIN {str(n) * 4})"
                               for n in free)
                   + ". Модели у всех окон: --all-windows")
    click.echo("Остановить: Ctrl+C")
    sys.stdout.flush()


def _run_until_stopped(stop: threading.Event, children: list[subprocess.Popen], people: list[threading.Thread]) -> None:
    """Until Ctrl+C or a stop signal: note apps that close; then stop the people and the apps."""
    try:
        while not stop.is_set():
            stop.wait(0.5)
            for child in list(children):
                if child.poll() is not None:
                    log.info("%s closed (exit code %s)", child.args[3], child.returncode)
                    children.remove(child)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for p in people:
            p.join(timeout=10)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
        click.echo("Демонстрация остановлена")


# ---------------------------------------------------------------------- the machine's edge

def has_display() -> bool:
    """Is there a screen to open windows on? (Windows and macOS always have one.)"""
    if sys.platform.startswith("win") or sys.platform == "darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def launch_apps(url: str, kiosk_key: str | None, board_key: str | None) -> tuple[list[subprocess.Popen], set[int]]:
    """Open the kiosk, two consoles and the board as child processes; skip what is not installed."""
    talon = [sys.executable, "-m", "server.cli"]
    plan = [("kiosk.app", "киоск", ["kiosk", "--hub", url, "--key", kiosk_key or "", "--window", "720x1000"], None)]
    for number in CONSOLE_WINDOWS:
        plan.append(("operator_console.app", f"пульт окна {number}",
                     ["console", "--hub", url, "--window", str(number), "--login", f"op{number}",
                      "--pin", f"{number}" * 4, "--size", "1100x700"], number))
    plan.append(("display_board.app", "табло", ["board", "--hub", url, "--key", board_key or "", "--windowed",
                                                "--size", "1280x720"], None))
    children, taken = [], set()
    if not module_available("PySide6"):
        log.warning("PySide6 is not installed: the kiosk, consoles and board are not opened")
        return children, taken
    for module, title, args, window in plan:
        if not module_available(module):
            log.info("%s (%s) is not installed here: skipped", title, module)
            continue
        try:
            children.append(subprocess.Popen(talon + args))
        except OSError as exc:
            log.warning("could not open %s: %s", title, exc)
            continue
        log.info("opened %s (process %d)", title, children[-1].pid)
        if window is not None:
            taken.add(window)
    return children, taken


def _visitor_page(url: str, kiosk_key: str | None) -> tuple[str, str] | None:
    """One ticket issued as the kiosk would, to show the visitor's live page (its QR code's address)."""
    from hub_client import HubClient, HubError, HubUnavailable

    try:
        ticket = HubClient(url, token=kiosk_key).issue(OFFICE, "consult", source="kiosk")
    except (HubError, HubUnavailable) as exc:
        log.info("no visitor's page to show: %s", exc)
        return None
    path = ticket.get("url") or (f"/t/{ticket['token']}" if ticket.get("token") else None)
    if not path:
        return None
    return ticket.get("code", ""), path if path.startswith("http") else url + path


def _wait_for_hub(url: str, thread: threading.Thread, timeout: float = 20.0) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and thread.is_alive():
        try:
            if requests.get(url + "/api/v1/offices", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def _on_terminate(stop: threading.Event) -> None:
    """A polite stop (SIGTERM, or the console window closing on Windows) ends the demo cleanly."""
    def handler(signum, frame):
        stop.set()

    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            try:
                signal.signal(getattr(signal, name), handler)
            except (ValueError, OSError):  # not the main thread
                pass


def _line_value(lines: list[str], prefix: str) -> str | None:
    for line in lines:
        if line.strip().startswith(prefix):
            return line.split(prefix, 1)[1].strip()
    return None


def _lognormal(rng: random.Random, mean: float, cv: float = 0.5) -> float:
    sigma2 = math.log(1 + cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


# ---------------------------------------------------------------------- simulated people

class Visitors(threading.Thread):
    """Visitors taking tickets at the kiosk, a Poisson stream of ``rate`` an hour."""

    def __init__(self, url: str, kiosk_key: str | None, rate: float, stop: threading.Event, rng: random.Random,
                 pace: Pace | None = None):
        super().__init__(name="visitors", daemon=True)
        self.url, self.key, self.rate, self.stop, self.rng = url, kiosk_key, rate, stop, rng
        self.pace = pace or Pace(stop)
        self.issued = 0
        self.went_away = 0
        self.ahead = 0

    def run(self) -> None:
        from hub_client import HubClient, HubError, HubUnavailable

        client = HubClient(self.url, token=self.key)
        topics, weights = list(VISITOR_MIX), list(VISITOR_MIX.values())
        # a few people are already at the door, so that a newcomer sees the hall move at once
        at_the_door = max(1, min(AT_THE_DOOR, round(self.rate / 7.5)))
        gaps = [0.4] * at_the_door
        while not self.pace.wait(gaps.pop() if gaps else self.rng.expovariate(self.rate / 3600.0)):
            if gaps or self.issued < at_the_door - 1:  # the crowd at the door
                service = self.rng.choices(list(DOOR_MIX), list(DOOR_MIX.values()))[0]
            else:
                service = self.rng.choices(topics, weights)[0]
            if self.ahead >= TOO_LONG:  # the hall is full: this one comes back another day
                self.went_away += 1
                self.ahead -= 1
                continue
            try:
                ticket = client.issue(OFFICE, service, source="kiosk")
                self.issued += 1
                self.ahead = ticket.get("people_ahead") or 0
                log.info("visitor took %s (%s), estimate %s min", ticket.get("code"), service,
                         ticket.get("estimate_now") or ticket.get("estimate"))
            except HubError as exc:
                log.info("kiosk refused %s: %s", service, exc.message)
            except HubUnavailable:
                log.warning("hub unavailable; the visitor left")


class Operator(threading.Thread):
    """An operator at one window: opens it, calls the next visitor whenever free, serves them."""

    def __init__(self, url: str, login: str, password: str, number: int, speed: float,
                 stop: threading.Event, rng: random.Random, pace: Pace | None = None):
        super().__init__(name=f"operator-{number}", daemon=True)
        self.url, self.login, self.password, self.number = url, login, password, number
        self.speed, self.stop, self.rng = speed, stop, rng
        self.pace = pace or Pace(stop)
        self.window: int | None = None
        self.served = 0

    def run(self) -> None:
        from hub_client import HubClient, HubError, HubUnavailable

        client = HubClient(self.url)
        while not self.stop.is_set():
            try:
                if self.window is None:
                    self._sit_down(client)
                ticket = client.call_next(self.window)
                if ticket is None:
                    self.pace.wait(1.0)
                    continue
                self._serve(client, ticket)
            except HubError as exc:
                if exc.code in ("window_busy",):
                    self._clear(client)
                elif exc.code in ("window_not_open", "window_taken", "not_your_window"):
                    self.window = None
                    self.stop.wait(1.0)
                else:
                    log.info("window %d: %s", self.number, exc.message)
                    self.stop.wait(1.0)
            except HubUnavailable:
                self.stop.wait(2.0)
        self._leave(client)

    def _sit_down(self, client) -> None:
        from hub_client import HubError

        client.login(self.login, self.password)
        windows = {w["number"]: w for w in client.state(OFFICE)["windows"]}
        w = windows[self.number]
        self.window = w["id"]
        try:
            client.window(self.window, "open")
        except HubError as exc:
            if exc.code != "already_open":
                raise
        log.info("operator %s opened window %d", self.login, self.number)

    def _clear(self, client) -> None:
        """A visitor left at the window from an earlier run: end that visit first."""
        from hub_client import HubError

        w = client.window(self.window)
        if w.get("ticket"):
            t = client.ticket(w["ticket"])
            try:
                if t["state"] == "called":
                    client.act(t["id"], "no-show")
                elif t["state"] == "serving":
                    client.act(t["id"], "finish")
            except HubError:
                pass

    def _serve(self, client, ticket: dict) -> None:
        tid = ticket["id"]
        log.info("window %d called %s", self.number, ticket.get("code"))
        if self.rng.random() < NO_SHOW:
            for _ in range(2):
                if self.pace.wait(6.0):
                    break
                client.act(tid, "recall")
            client.act(tid, "no-show")
            return
        if self.served == 0 or self.rng.random() < SLOW:  # not heard the first time: called again
            self.pace.wait(8.0)
            client.act(tid, "recall")
        self.pace.wait(self.rng.uniform(1.5, 4.0))  # the visitor walks to the window
        client.act(tid, "start")
        minutes = SERVICE_MINUTES.get(ticket.get("service"), 6.0)
        self.pace.wait(_lognormal(self.rng, minutes * 60.0 / self.speed))
        if ticket.get("service") == "consult" and ticket.get("segments", 1) == 1 and self.rng.random() < THEN_CASH:
            client.act(tid, "transfer", service="cash")
        else:
            client.act(tid, "finish")
        self.served += 1

    def _leave(self, client) -> None:
        from hub_client import HubError, HubUnavailable

        if self.window is None:
            return
        try:
            client.window(self.window, "close")
        except (HubError, HubUnavailable):
            pass  # the break guard keeps the last window open while people wait
