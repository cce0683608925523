"""Staffing advice (issue 13 point 5) and the rota proposal (point 4): the forecast from the office's
own history, Erlang C per hour, lunches never all at once, the plan checked by simulating the day
on the real core; `talon plan` and the routes of a real hub."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from support import HubProcess

from hub_client import HubError
from server.domain.model import Service, Window
from server.domain.schedule import DayHours, Schedule
from server.planning import forecast as F
from server.planning import staffing as P
from server.simulation.erlang import wait_share_within
from server.simulation.scenario import load as load_scenario

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 12, 4)  # a Friday
HOURS = DayHours(time(8), time(20))
SERVICES = {"consult": Service("consult", "А", "Консультация", kind="consultation"),
            "cash": Service("cash", "Б", "Оплата", kind="cash")}


def setup(windows: int = 6, hours: DayHours | None = HOURS) -> P.OfficeSetup:
    return P.OfficeSetup("t", dict(SERVICES), [Window(i, i, {"consult": 1, "cash": 1}) for i in range(1, windows + 1)],
                         "rosatom-2026", {}, hours)


def flat(per_hour: float, hours=range(8, 20), share_cash: float = 0.4) -> F.Forecast:
    return F.Forecast(DAY, {h: {"consult": per_hour * (1 - share_cash), "cash": per_hour * share_cash} for h in hours},
                      "history", minutes={"consult": 8.0, "cash": 3.0})


# ---------------------------------------------------------------------- pure parts

def test_erlang_windows_is_the_fewest_meeting_the_target():
    per, minutes, norms = {"consult": 12.0}, {"consult": 8.0}, {"consult": 8.0}
    c, share = P.erlang_windows(per, minutes, norms, 0.8, 6)
    assert share >= 0.8 and P.share_within(c - 1, per, minutes, norms) < 0.8
    mu = 1 / (8.0 + P.WALK_MINUTES)
    assert share == pytest.approx(wait_share_within(c, 12 / 60, mu, 8.0))
    assert P.erlang_windows({"consult": 30.0}, minutes, norms, 0.8, 6)[0] > c  # more visitors, more windows
    assert P.erlang_windows(per, minutes, norms, 0.95, 6)[0] >= c
    assert P.erlang_windows({"consult": 300.0}, minutes, norms, 0.8, 3) == (3, 0.0)  # all windows fall short
    assert P.share_within(2, {}, minutes, norms) == 1.0


def test_forecast_from_history_is_the_mean_and_needs_two_days():
    days = [("2026-11-27", {9: {"consult": 4, "cash": 2}}), ("2026-11-20", {9: {"consult": 2}, 10: {"cash": 2}}),
            ("2026-11-13", {})]
    fc = F.from_history(DAY, days)
    assert fc.source == "history" and fc.days_used == ["2026-11-20", "2026-11-27"]
    assert fc.rates[9] == {"consult": 3.0, "cash": 1.0} and fc.rates[10] == {"cash": 1.0}
    assert fc.day_total() == 5.0 and fc.mix()["consult"] == pytest.approx(0.6)
    assert F.from_history(DAY, days[:1]) is None
    assert fc.margin == 1.0  # two days: no spread to plan for
    three = F.from_history(DAY, [("a", {9: {"consult": 10}}), ("b", {9: {"consult": 20}}), ("c", {9: {"consult": 30}})])
    assert three.margin == pytest.approx(1.5) and three.planned(9) == {"consult": pytest.approx(30.0)}
    assert three.rates[9] == {"consult": 20.0}  # the forecast itself stays the mean


def test_forecast_from_the_profile_keeps_the_scenario_totals():
    sc = load_scenario("quiet-day")
    fc = F.from_profile(DAY, sc)
    assert fc.source == "profile" and fc.day_total() == pytest.approx(sc.visitors_per_day())
    assert fc.mix() == pytest.approx(sc.topic_mix())
    assert fc.minutes["consult"] == 7.0


def test_lunches_keep_the_need_and_are_never_all_at_once():
    shifts = [P.Shift(n, 8 * 60, 20 * 60) for n in (1, 2, 3)]
    need = {h: 2 for h in range(8, 20)}
    load = {h: (5.0 if h == 14 else 20.0) for h in range(8, 20)}
    notes = P.place_lunches(shifts, need, load, HOURS)
    assert notes == [] and all(s.lunch for s in shifts)
    for m in range(8 * 60, 20 * 60):
        assert P.on_duty(shifts, m) >= 2, P.hhmm(m)
    starts = sorted(s.lunch[0] for s in shifts)
    assert len(set(starts)) == 3  # staggered
    assert all(11 * 60 <= a and a + 45 <= 16 * 60 for a in starts)
    # two windows needing two: a lunch can not keep the need, and says so, but one window stays
    two = [P.Shift(n, 8 * 60, 20 * 60) for n in (1, 2)]
    notes = P.place_lunches(two, need, load, HOURS)
    assert len(notes) == 2 and "не укладывается" in notes[0]
    assert all(P.on_duty(two, m) >= 1 for m in range(8 * 60, 20 * 60))
    alone = [P.Shift(1, 8 * 60, 20 * 60)]
    assert "не поставить" in P.place_lunches(alone, need, load, HOURS)[0] and alone[0].lunch is None


def test_shifts_follow_the_hours_that_need_them():
    need = {8: 1, 9: 2, 10: 3, 11: 2, 12: 1}
    shifts = P.shifts_for(need, [4, 5, 6], DayHours(time(8), time(13)))
    assert [(s.window, P.hhmm(s.start), P.hhmm(s.end)) for s in shifts] == [
        (4, "08:00", "13:00"), (5, "09:00", "12:00"), (6, "10:00", "11:00")]


def test_the_plan_is_checked_by_simulation_and_lunches_fit():
    plan = P.make_plan(setup(), flat(18.0), 0.8, sim_days=3)
    assert not plan.closed and plan.simulated_share is not None
    assert plan.held and plan.simulated_share >= 0.8
    assert all(h.windows >= h.erlang for h in plan.hours)
    assert all(s.lunch for s in plan.shifts if s.end - s.start >= 240)
    assert all(P.on_duty(plan.shifts, m) >= 1 for m in range(8 * 60, 20 * 60))
    plan.rota().check(Schedule(week={d: HOURS for d in ("mon", "tue", "wed", "thu", "fri")}), [1, 2, 3, 4, 5, 6])
    js = plan.to_json()
    assert js["held"] is True and len(js["hours"]) == 12 and js["hours"][0]["from"] == "08:00"


def test_where_the_simulation_misses_the_plan_raises_windows():
    # a strict target: Erlang's first answer falls short in simulation somewhere; the plan adds windows
    plan = P.make_plan(setup(), flat(25.0), 0.97, sim_days=3, rounds=3)
    raised = [h for h in plan.hours if h.need > h.erlang]
    assert plan.rounds >= 1 and raised, [(h.hour, h.erlang, h.simulated_share) for h in plan.hours]
    first = P.make_plan(setup(), flat(25.0), 0.97, sim_days=3, rounds=0)
    assert plan.simulated_share >= first.simulated_share


def test_a_closed_day_has_no_plan():
    plan = P.make_plan(setup(hours=None), flat(10.0))
    assert plan.closed and plan.hours == [] and "не работает" in plan.notes[0]


def test_the_rota_proposal_keeps_the_norm_share_and_never_empties_the_hall():
    fcs = {wd: flat(14.0) for wd in ("mon", "tue", "wed", "thu", "fri")}
    rota, notes = P.propose_rota(lambda wd: setup(4), fcs)
    assert notes == [] and rota.windows() == [1, 2, 3, 4]
    assert {e.day for e in rota.entries} == {"every"}
    rota.check(Schedule(week={d: HOURS for d in fcs}), [1, 2, 3, 4])
    lunches = sorted((e.brk.start, e.brk.end) for e in rota.entries)
    assert all(a[1] <= b[0] for a, b in zip(lunches, lunches[1:], strict=False))  # one at a time here
    # an office with a common lunch break needs no rota
    common = DayHours(time(8), time(20), time(13), time(14))
    assert not P.propose_rota(lambda wd: setup(4, common), fcs)[0]


# ---------------------------------------------------------------------- the store, the command, the hub

def put_history(db: Path, office: str, days: list[date], per_hour: dict[int, dict[str, int]]) -> None:
    """Tickets of past days written as the hub's projection holds them (the plan only reads)."""
    import sqlite3
    from datetime import datetime
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("Europe/Moscow")
    con = sqlite3.connect(db)
    n = con.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0] + 1_000_000
    for d in days:
        number = 0
        for hour, per in per_hour.items():
            for service, count in per.items():
                for i in range(count):
                    n += 1
                    number += 1
                    at = datetime.combine(d, time(hour, (i * 7) % 60), zone).timestamp()
                    con.execute(
                        """INSERT INTO tickets (id, office, day, service, letter, number, code, token, state, source,
                           client_type, individual, priority, issued_at, queued_at, called_at, started_at, ended_at,
                           window, operator, recalls, outcome, first_service)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'finished', 'kiosk', 'any', 0, 0, ?, ?, ?, ?, ?, 1, 'op1', 0,
                           NULL, ?)""",
                        (n, office, d.isoformat(), service, "Я", number, f"Я-{number:03d}", f"tok{n}", at, at,
                         at + 60, at + 90, at + 90 + 300, service))
                    con.execute(
                        """INSERT INTO segments (ticket, idx, office, day, service, queued_at, called_at, started_at,
                           ended_at, window, operator, outcome, recalls, level)
                           VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, 1, 'op1', NULL, 0, 'specialist')""",
                        (n, office, d.isoformat(), service, at, at + 60, at + 90, at + 90 + 300))
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def office_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("plan") / "office.sqlite"
    subprocess.run([sys.executable, "-m", "server.cli", "init", "--db", str(db), "--demo"], cwd=ROOT,
                   check=True, capture_output=True)
    fridays = [DAY - timedelta(weeks=k) for k in (1, 2, 3)]
    put_history(db, "demo", fridays, {9: {"consult": 20, "cash": 10}, 10: {"consult": 6}, 15: {"cash": 3}})
    put_history(db, "demo", [DAY - timedelta(days=1)], {9: {"consult": 50}})  # a Thursday: not used
    return db


def test_the_forecast_reads_the_same_weekday_of_the_office(office_db):
    from server.planning import history
    from server.store.db import Store
    store = Store(office_db)
    fc = history.forecast_for(store, "demo", DAY)
    assert fc.source == "history" and len(fc.days_used) == 3
    assert fc.rates[9] == {"consult": 20.0, "cash": 10.0} and fc.rates[15] == {"cash": 3.0}
    assert fc.minutes["consult"] == pytest.approx(5.0)  # 300 s at the window in the history
    monday = history.forecast_for(store, "demo", DAY + timedelta(days=3))
    assert monday.source == "profile"  # no Monday history: the profile


def run_plan(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "plan", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)


def test_talon_plan_prints_the_table_in_russian(office_db):
    out = run_plan("--date", DAY.isoformat(), "--db", str(office_db), "--target", "0.8")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "План на 04.12.2026" in text and "по истории офиса" in text and "09:00–10:00" in text
    row = next(line for line in text.splitlines() if line.startswith("09:00–10:00"))
    assert "30.0" in row
    assert "Моделирование дня на ядре очереди" in text and "Консультация" in text
    bad = run_plan("--date", "04.12.2026", "--db", str(office_db))
    assert bad.returncode != 0 and "ГГГГ-ММ-ДД" in bad.stderr
    other = run_plan("--date", DAY.isoformat(), "--db", str(office_db), "--office", "nowhere")
    assert other.returncode != 0 and "Офиса «nowhere» нет" in other.stderr


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = HubProcess(tmp_path_factory.mktemp("planhub") / "hub.sqlite").start(timeout=90)
    yield h
    h.stop()


def test_the_plan_route_for_the_head(hub):
    head = hub.client("head")
    head.timeout = 120  # the plan simulates the day: seconds, more on a loaded machine
    plan = head.get("/api/v1/offices/demo/plan", date=DAY.isoformat(), target="0.8")
    assert plan["date"] == DAY.isoformat() and plan["target"] == 0.8 and plan["source"] == "profile"
    assert len(plan["hours"]) == 24 and "План на 04.12.2026" in plan["text"]  # the test hub works round the clock
    assert all(h["windows"] >= 1 for h in plan["hours"])
    with pytest.raises(HubError) as e:
        hub.client("op1").get("/api/v1/offices/demo/plan", date=DAY.isoformat())
    assert e.value.status == 403
    for bad in ({"date": "2026-13-40"}, {"target": "2"}, {"target": "много"}):
        with pytest.raises(HubError) as e:
            head.get("/api/v1/offices/demo/plan", **bad)
        assert e.value.status == 400 and any("а" <= ch <= "я" for ch in e.value.message.lower())


def test_the_rota_proposal_is_a_rota_the_hub_accepts(hub):
    admin = hub.client("admin")
    admin.timeout = 120
    proposal = admin.get("/api/v1/offices/demo/rota/proposal")
    assert len(proposal["breaks"]) == 6  # a lunch for each window of the round-the-clock demo office
    assert all(b["kind"] == "lunch" for b in proposal["breaks"])
    saved = admin.request("PUT", "/api/v1/offices/demo/rota", json={"breaks": proposal["breaks"]})
    assert len(saved["breaks"]) == 6


def test_the_monthly_report_recommends_windows(office_db):
    import time as _time

    from server.reports import build, export
    from server.reports.tables import document
    from server.store.db import Store
    report = build.monthly(Store(office_db), "demo", 2026, 11, _time.time())
    section = report["staffing"]
    friday = next(r for r in section["rows"] if r["key"] == "fri")
    assert friday["days"] == 3 and friday["visitors"] == 39.0
    assert friday["peak_hour"] == "09:00–10:00" and friday["peak_visitors"] == 30.0
    assert friday["peak_windows"] >= 2 and friday["windows_min"] == 1
    assert [r["key"] for r in section["rows"]] == ["fri"]  # the Thursday is in December
    table = next(t for t in document(report).tables if t.id == "staffing")
    assert table.title == "Рекомендации по числу окон" and table.rows[0][0] == "Пятница"
    text = export.render(report, "csv")[0].decode("utf-8-sig")
    assert "Рекомендации по числу окон" in text and "talon plan" in text
    assert build.monthly(Store(office_db), "demo", 2026, 10, _time.time())["staffing"] is None  # no visitors
