"""``talon demo``: the one command that shows the whole hall working.

Started as a real process on a free port, it must create the demo office, serve the hub, let
simulated visitors take tickets through the kiosk's API and simulated operators call them, print
where to open the stand, and stop cleanly — taking the apps it opened with it.
"""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import free_port

from hub_client import HubClient
from server.demo import DEMO_PASSWORDS

ROOT = Path(__file__).resolve().parent.parent


def start_demo(tmp_path, *args, env=None):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "demo", "--db", str(tmp_path / "demo.sqlite"),
                             "--port", str(port), "--seed", "3", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{port}"


def admin(url: str, timeout: float = 20.0) -> HubClient:
    deadline = time.monotonic() + timeout
    while True:
        try:
            c = HubClient(url, timeout=2, retries=0)
            c.login("admin", DEMO_PASSWORDS["admin"])
            return c
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(proc) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return out, err


def headless_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_demo_without_a_screen_runs_the_hall_by_itself(tmp_path):
    proc, url = start_demo(tmp_path, "--visitors", "3600", "--speed", "30", "--all-windows", env=headless_env())
    try:
        client = admin(url)
        seen: set[int] = set()
        called: set[int] = set()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not (len(seen) >= 3 and called):
            state = client.state("demo")
            seen |= {t["id"] for t in state["waiting"] + state["calls"]}
            called |= {t["id"] for t in state["calls"]}
            for tid in list(seen - called):
                if client.ticket(tid).get("called_at"):
                    called.add(tid)
            time.sleep(0.3)
        assert len(seen) >= 3, "simulated visitors should be taking tickets"
        assert called, "simulated operators should be calling them"
        windows = client.state("demo")["windows"]
        assert {w["number"]: w["operator"] for w in windows} == {n: f"op{n}" for n in range(1, 7)}
        assert all(w["state"] == "open" for w in windows)
        sources = {client.ticket(t)["source"] for t in seen}
        assert sources == {"kiosk"}
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err[-2000:]
    assert f"{url}/stand" in out
    assert "admin  пароль admin-demo" in out and "ключ киоска:" in out
    assert "операторы-модели у окон 1, 2, 3, 4, 5, 6" in out
    assert "Демонстрация остановлена" in out
    assert "no screen here" in err


def test_demo_with_a_screen_opens_the_apps_leaves_two_windows_to_the_consoles_and_closes_them(tmp_path):
    env = headless_env()
    env["DISPLAY"] = ":987"  # «a screen exists»: the apps draw offscreen (QT_QPA_PLATFORM=offscreen)
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc, url = start_demo(tmp_path, "--visitors", "600", "--speed", "20", env=env)
    try:
        admin(url)
        time.sleep(3)  # let the apps start
        assert proc.poll() is None
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err[-2000:]
    opened = re.findall(r"opened (.+?) \(process (\d+)\)", err)
    titles = {t for t, _ in opened}
    for module, title in (("kiosk.app", "киоск"), ("operator_console.app", "пульт окна 1"),
                          ("operator_console.app", "пульт окна 2"), ("display_board.app", "табло")):
        installed = (ROOT / module.replace(".", "/")).with_suffix(".py").exists()
        assert (title in titles) == installed, (title, err[-1500:])
    if {"пульт окна 1", "пульт окна 2"} <= titles:
        assert "операторы-модели у окон 3, 4, 5, 6" in out
    for _, pid in opened:  # every app was closed with the demo
        deadline = time.monotonic() + 10
        while _alive(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(int(pid)), f"app process {pid} outlived the demo"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("env_display, expected", [({"DISPLAY": ":0"}, True), ({}, False),
                                                   ({"WAYLAND_DISPLAY": "wayland-0"}, True)])
def test_has_display_reads_the_environment(monkeypatch, env_display, expected):
    from server import demo_cli

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for k, v in env_display.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys, "platform", "linux")
    assert demo_cli.has_display() is expected
    monkeypatch.setattr(sys, "platform", "win32")
    assert demo_cli.has_display() is True
