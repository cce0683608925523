"""Issue 14, the demo: what a newcomer sees after `bash scripts/run-office.sh` (each point its own test)."""
from __future__ import annotations

import random
import threading
import time

import requests
from support import HubProcess
from test_demo import admin, headless_env, start_demo, stop

from server import demo_cli

FIVE_MINUTES = 300.0
WARP = 20.0  # the demo's people and the hub's clock both run twenty times faster than real time


def test_headless_demo_leaves_windows_1_and_2_for_real_consoles_and_prints_its_pages(tmp_path):
    proc, url = start_demo(tmp_path, "--visitors", "600", "--speed", "20", env=headless_env())
    try:
        client = admin(url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            windows = {w["number"]: w for w in client.state("demo")["windows"]}
            if all(windows[n]["operator"] == f"op{n}" for n in (3, 4, 5, 6)):
                break
            time.sleep(0.3)
        assert {n: windows[n]["operator"] for n in range(1, 7)} == {1: None, 2: None, 3: "op3", 4: "op4",
                                                                   5: "op5", 6: "op6"}
        assert windows[1]["state"] == windows[2]["state"] == "closed"
        # the visitor's page the demo prints is the first ticket's, and it opens
        first = client.ticket(min(t["id"] for t in client.state("demo")["waiting"] + client.state("demo")["calls"]))
        token = first.get("token")
        assert token and requests.get(f"{url}/t/{token}", timeout=10).status_code == 200
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err[-2000:]
    assert "операторы-модели у окон 3, 4, 5, 6" in out
    assert "Окна 1 и 2 оставлены для настоящих пультов" in out
    assert f"talon console --hub {url} --window 1 (вход op1, PIN 1111)" in out
    assert f"{url}/stand" in out and f"{url}/reports" in out
    page = next(line for line in out.splitlines() if "страница посетителя" in line).rsplit(" ", 1)[1]
    assert page == f"{url}/t/{token}", out


def test_the_demos_pace_shows_amber_red_an_alert_and_a_recall_within_five_minutes(tmp_path):
    hub = HubProcess(tmp_path / "hub.sqlite").start()
    stop_event = threading.Event()
    try:
        admin_client = hub.client("admin")
        rng = random.Random(2026)
        pace = demo_cli.Pace(stop_event, warp=WARP)
        people = [demo_cli.Visitors(hub.url, hub.kiosk_key, demo_cli.DEMO_RATE, stop_event,
                                    random.Random(rng.random()), pace=pace)]
        for number in range(1, 7):
            if number not in demo_cli.CONSOLE_WINDOWS:  # as the headless demo seats them
                people.append(demo_cli.Operator(hub.url, f"op{number}", f"op{number}-demo", number,
                                                demo_cli.DEMO_SPEED, stop_event, random.Random(rng.random()),
                                                pace=pace))
        start = admin_client.state("demo")["now"]
        for p in people:
            p.start()
        seen, most_waiting, recalls = set(), 0, 0
        step = 0.1
        while True:
            admin_client.post("/api/v1/testing/clock", {"advance": step * (WARP - 1)})
            time.sleep(step)
            state = admin_client.state("demo")
            most_waiting = max(most_waiting, len(state["waiting"]))
            recalls = max(recalls, max((t.get("recalls") or 0 for t in state["calls"]), default=0))
            seen |= {a["kind"] for a in admin_client.get("/api/v1/offices/demo/alerts")["alerts"]}
            if state["now"] - start >= FIVE_MINUTES or ({"wait_near", "wait_over"} <= seen and recalls):
                break
        elapsed = state["now"] - start
    finally:
        stop_event.set()
        for p in people:
            p.join(timeout=10)
        hub.stop()
    assert elapsed <= FIVE_MINUTES + 30, elapsed
    assert most_waiting >= 5, most_waiting          # a visible queue
    assert "wait_near" in seen, seen                # amber: nearing the waiting norm
    assert "wait_over" in seen, seen                # red, and the alert for it
    assert recalls >= 1                             # an operator called someone again
