"""The office-day simulator on the real queue core: scenarios, a simulated day, the report, the CLI,
and the core changes it brought (the waiting index, the estimate's parallel windows, the
late-visitor rule of ``norm-aware``)."""
import json
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from core_support import at, make_hall

from server.domain import dispatch, estimate
from server.domain.hall import Hall
from server.domain.model import TicketState
from server.simulation import engine, report
from server.simulation import scenario as S

ROOT = Path(__file__).resolve().parent.parent
T0 = at("2026-11-23 10:00")
MIN = 60.0


# ---------------------------------------------------------------------- scenarios

def test_the_three_scenarios_ship_with_the_load_they_claim():
    assert {"quiet-day", "peak-day", "mmc-day"} <= set(S.available())
    peak, quiet, mmc = S.load("peak-day"), S.load("quiet-day"), S.load("mmc-day")
    assert peak.profile == "rosatom-2026" and 0.88 <= peak.load() <= 0.92
    assert quiet.load() < 0.6
    assert report.erlang_reference(mmc)["utilisation"] == pytest.approx(0.5)
    assert report.erlang_reference(peak) is None  # not an M/M/c day
    # the rosatom-2026 waiting norms of the peak day's main topics (001:388, 400, 408)
    hall = peak.make_hall("norm-aware")
    limits = {s: hall.profile.wait_norm(hall.services[s].kind).limit for s in ("consult", "cash", "consult_cash")}
    assert limits == {"consult": 8, "cash": 4, "consult_cash": 12}


def _minimal(**extra) -> dict:
    data = {
        "services": [{"id": "consult", "letter": "А", "name": "Консультация"}],
        "windows": [{"number": 1, "services": {"consult": 1}}],
        "arrivals": {"09:00": 10},
        "topics": {"consult": {"share": 1, "service": {"mean": 5}}},
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("change, words", [
    ({"topics": {"nothing": {"share": 1, "service": {"mean": 5}}}}, "не является услугой"),
    ({"policies": ["random"]}, "неизвестная политика"),
    ({"hours": {"open": "9 утра", "close": "20:00"}}, "ЧЧ:ММ"),
    ({"arrivals": {}}, "нет раздела [arrivals]"),
    ({"profile": "nowhere"}, "неизвестный профиль"),
    ({"staff": [{"window": 7}]}, "нет окна 7"),
    ({"topics": {"consult": {"share": 1, "service": {"mean": 5, "dist": "weibull"}}}}, "неизвестное распределение"),
])
def test_a_bad_scenario_is_refused_with_a_reason(change, words):
    with pytest.raises(S.ScenarioError) as e:
        S.parse(_minimal(**change))
    assert words in str(e.value)


def test_an_unknown_scenario_name_lists_the_known_ones():
    with pytest.raises(S.ScenarioError) as e:
        S.load("no-such-day")
    assert "peak-day" in str(e.value)


# ---------------------------------------------------------------------- a day on the real core

def test_a_quiet_day_runs_through_the_real_hall():
    sc = S.load("quiet-day")
    sim = engine.Simulator(sc, "norm-aware")
    out = sim.run_day(0, random.Random(5))
    hall = sim.hall
    tickets = list(hall.tickets.values())
    assert len(tickets) == len(out.visits) > 100
    assert all(t.state.terminal for t in tickets)  # every visitor was called and finished (or left)
    by_letter: dict[str, list[int]] = {}
    for t in tickets:
        by_letter.setdefault(t.letter, []).append(t.number)
    for letter, numbers in by_letter.items():  # numbered by the core from 1, no gaps
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), letter
    transferred = [t for t in tickets if len(t.segments) == 2]
    assert transferred and all(t.segments[1].service == "cash" and t.segments[0].outcome == "transferred"
                               for t in transferred)
    assert any(t.state is TicketState.NO_SHOW and t.recalls == sc.recalls for t in tickets)
    assert all(t.estimate is not None for t in tickets)
    # windows were open for the day less their lunches, and busy part of it
    assert set(out.open_seconds) == {s.window for s in sc.shifts}
    for w, opened in out.open_seconds.items():
        assert 10 * 3600 < opened < 12 * 3600
        assert 0 < out.busy_seconds[w] < opened
    # a second day starts afresh: numbering from 1 again, yesterday's tickets gone
    sim.run_day(1, random.Random(6))
    assert min(t.number for t in sim.hall.tickets.values() if t.letter == "А") == 1


def test_the_break_guard_keeps_the_only_window_for_a_service_from_lunch():
    data = _minimal(
        services=[{"id": "consult", "letter": "А", "name": "Консультация"},
                  {"id": "cash", "letter": "Б", "name": "Оплата", "kind": "cash"}],
        windows=[{"number": 1, "services": {"consult": 1}}, {"number": 2, "services": {"cash": 1}}],
        arrivals={"09:00": 24, "09:30": 0},
        topics={"consult": {"share": 1, "service": {"mean": 6, "cv": 0.2}}},
        hours={"open": "09:00", "close": "12:00"},
        staff=[{"window": 1, "lunch": ["09:30", 30]}, {"window": 2}],
        visitors={"walk": [0, 0]})
    sim = engine.Simulator(S.parse(data), "fifo")
    out = sim.run_day(0, random.Random(1))
    assert len(out.visits) >= 8
    # at 09:30 consultations were waiting and window 2 does not take them: no lunch yet
    assert out.lunch_refusals > 0
    last_call = max(v.clock + v.wait for v in out.visits)
    assert last_call > 9.6 * 3600  # window 1 kept calling after 09:30 …
    assert out.open_seconds[1] == pytest.approx(2.5 * 3600, abs=1)  # … and had its 30 minutes later


def test_the_same_seed_gives_the_same_day_and_both_policies_get_the_same_visitors():
    sc = S.load("quiet-day")
    a = report.run(sc, ["fifo", "norm-aware"], days=2, seed=3)
    b = report.run(sc, ["fifo"], days=2, seed=3)
    assert a.figures["fifo"].to_json() | {"seconds": 0} == b.figures["fifo"].to_json() | {"seconds": 0}
    arrivals = {p: [(v.day, v.clock, v.topic) for o in outs for v in o.visits] for p, outs in a.outcomes.items()}
    assert sorted(arrivals["fifo"]) == sorted(arrivals["norm-aware"])


def test_the_report_has_every_figure_the_issue_asks_for():
    sc = S.load("quiet-day")
    result = report.run(sc, days=1, seed=2)
    text = report.format_report(result)
    for words in ("В пределах норматива ожидания", "Консультация (норматив 8 мин)", "p90", "максимум",
                  "Визитов дольше 33 мин", "Загрузка окон", "средняя ошибка", "в указанном диапазоне",
                  "norm-aware против fifo"):
        assert words in text, words
    f = result.figures["norm-aware"]
    assert 0 < f.within_norm <= 1 and f.mean_wait <= f.p90_wait <= f.p95_wait <= f.max_wait
    assert f.estimate_n == f.visitors and 0 < f.estimate_within <= 1
    assert all(0 < u < 1 for u in f.utilisation.values())


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_talon_simulate_prints_the_report_and_writes_the_chart_and_json(tmp_path):
    chart, data = tmp_path / "wait.png", tmp_path / "figures.json"
    out = subprocess.run([sys.executable, "-m", "server.cli", "simulate", "quiet-day", "--days", "2",
                          "--seed", "4", "--chart", str(chart), "--json", str(data)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Политика вызова: fifo" in out.stdout and "Политика вызова: norm-aware" in out.stdout
    width, height = _png_size(chart)
    assert width >= 800 and height >= 600 and chart.stat().st_size > 20_000
    figures = json.loads(data.read_text(encoding="utf-8"))
    assert figures["scenario"] == "quiet-day" and figures["days"] == 2
    assert set(figures["policies"]) == {"fifo", "norm-aware"}
    assert figures["policies"]["fifo"]["visitors"] > 200
    listed = subprocess.run([sys.executable, "-m", "server.cli", "simulate", "--list"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert "peak-day" in listed.stdout and "mmc-day" in listed.stdout
    bad = subprocess.run([sys.executable, "-m", "server.cli", "simulate", "quiet-day", "--policy", "lottery"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "неизвестная политика" in bad.stderr


# ---------------------------------------------------------------------- the core changes

def test_the_waiting_index_matches_the_tickets_through_commands_and_replay():
    hall = make_hall(windows=3)
    rng = random.Random(9)
    events, now = [], T0
    for w in (1, 2, 3):
        hall.open_window(w, now)
    for _ in range(400):
        now += rng.uniform(5, 90)
        roll = rng.random()
        try:
            if roll < 0.35:
                hall.issue(rng.choice(["consult", "cash", "both"]), now)
            elif roll < 0.6:
                hall.call_next(rng.choice([1, 2, 3]), now)
            else:
                busy = [t for t in hall.tickets.values() if t.state.active]
                if busy:
                    t = rng.choice(busy)
                    action = rng.choice(["start", "finish", "no_show", "transfer", "postpone", "cancel"])
                    if action == "transfer":
                        hall.transfer(t.id, now, service=rng.choice(["cash", "consult"]))
                    else:
                        getattr(hall, action)(t.id, now)
        except Exception as exc:  # refusals by the rules are part of the game
            assert getattr(exc, "status", None) in (400, 404, 409), exc
        events += hall.take_pending()
        assert hall.waiting() == [t for t in hall.tickets.values() if t.state is TicketState.WAITING]
    replayed = Hall(office="t", services=hall.services, windows={i: type(w)(id=w.id, number=w.number,
                    services=dict(w.services)) for i, w in hall.windows.items()}, profile=hall.profile,
                    schedule=hall.schedule, settings=hall.settings)
    for e in events:
        replayed.apply(e)
    assert [t.id for t in replayed.waiting()] == [t.id for t in hall.waiting()]
    assert len(hall.waiting()) > 0 and any(len(t.segments) > 1 for t in hall.tickets.values())


def test_the_estimate_knows_the_first_of_several_busy_windows_is_free_sooner():
    """Four windows busy with visitors whose service times are exponential (mean 8 min): the next
    ticket waits for the first of four to finish, about 2 minutes, not 8."""
    hall = make_hall(policy="fifo", windows=4, window_services={"consult": 1})
    rng = random.Random(1)
    now = T0
    for w in (1, 2, 3, 4):
        hall.open_window(w, now)
    for _ in range(100):  # a history of exponential service times at window 1
        t = hall.issue("consult", now)
        hall.call_next(1, now)
        hall.start(t.id, now)
        now += rng.expovariate(1 / (8 * MIN))
        hall.finish(t.id, now)
    for w in (1, 2, 3, 4):  # four visitors have just sat down
        t = hall.issue("consult", now)
        hall.call_next(w, now)
        hall.start(t.id, now)
    point = estimate.point_for_new_ticket(hall, "consult", now)
    assert 1.2 * MIN < point < 3.5 * MIN
    low, high = estimate.for_new_ticket(hall, "consult", now)
    assert low <= point / MIN <= high


def test_estimate_counts_visitors_still_to_come_who_will_go_first():
    """Under norm-aware a cash visitor (norm 4) who comes later is called before a consultation
    (norm 8) issued now; the estimate for the consultation must count those still to come."""
    hall = make_hall(policy="norm-aware", windows=1)
    now = T0
    hall.open_window(1, now)
    for i in range(30):  # an hour of visitors, mostly for the cash desk, every 2 minutes
        t = hall.issue("cash" if i % 3 else "consult", now)
        hall.call_next(1, now)
        hall.start(t.id, now)
        now += 110
        hall.finish(t.id, now)
        now += 10
    busy = hall.issue("consult", now)
    hall.call_next(1, now)
    hall.start(busy.id, now)
    with_arrivals = estimate.point_for_new_ticket(hall, "consult", now + 1)
    hall.queued_log.clear()
    without = estimate.point_for_new_ticket(hall, "consult", now + 1)
    assert with_arrivals > without + MIN


@pytest.mark.parametrize("late_by, punctual_slack, first", [
    (2, 20, "А-002"),    # a punctual visitor about to lose the norm goes first
    (2, 200, "А-001"),   # with time to spare, the late one (second deadline in 3 min) goes first
    (30, 40, "А-002"),   # however late, never before someone within LOST_FLOOR of the norm …
    (30, 60, "А-001"),   # … but before anyone else
])
def test_norm_aware_a_late_visitor_never_makes_a_punctual_one_late(late_by, punctual_slack, first):
    assert 40 < dispatch.LOST_FLOOR < 60
    hall = make_hall(policy="norm-aware", windows=1)
    hall.issue("consult", T0 - (8 + late_by) * MIN)           # consultation norm: 8 minutes
    hall.issue("consult", T0 - 8 * MIN + punctual_slack)
    hall.open_window(1, T0)
    assert hall.call_next(1, T0).code == first


def test_norm_aware_late_visitors_held_at_the_floor_go_newest_first():
    hall = make_hall(policy="norm-aware", windows=1)
    hall.issue("consult", T0 - 40 * MIN)         # both long past the norm and its second deadline
    hall.issue("consult", T0 - 30 * MIN)
    hall.open_window(1, T0)
    assert hall.call_next(1, T0).code == "А-002"


def test_norm_aware_holds_a_long_printed_wait_to_its_promise():
    hall = make_hall(policy="norm-aware", windows=1)
    promised = hall.issue("consult", T0 - 5 * MIN)    # told «40–46 минут»: beyond 3 × the 8-minute norm
    promised.estimate = (40.0, 46.0)
    hall.issue("consult", T0 - 2 * MIN)                # told nothing special: its norm is the deadline
    hall.open_window(1, T0)
    assert hall.call_next(1, T0).code == "А-002"
    assert dispatch.PROMISE_BEYOND * 8 < 40


def test_norm_aware_calls_anyone_waiting_an_hour_first():
    hall = make_hall(policy="norm-aware", windows=1)
    hall.issue("both", T0 - 61 * MIN)
    hall.issue("cash", T0 - 3 * MIN)
    hall.open_window(1, T0)
    assert hall.call_next(1, T0).code == "В-001"
