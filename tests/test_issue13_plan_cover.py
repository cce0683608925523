"""Issue 13 point 5, found walking the issue as a head would: the staffing plan must leave no topic
without a window in an hour its visitors are expected, and its check by simulation must count a
visitor nobody called all day as outside the norm (the demo office's businesses are taken at
window 6 only; the plan opened it 09:00–15:00 and the simulated share stayed at 93 % with
35 business visitors never called)."""
from __future__ import annotations

from datetime import date, time

from server.domain.model import Service, Window
from server.domain.schedule import DayHours
from server.planning import forecast as F
from server.planning import staffing as P
from server.simulation import engine
from server.simulation import scenario as S

DAY = date(2026, 12, 4)  # a Friday
HOURS = DayHours(time(8), time(20))
SERVICES = {"consult": Service("consult", "А", "Консультация", kind="consultation"),
            "cash": Service("cash", "Б", "Оплата", kind="cash"),
            "business": Service("business", "К", "Юридическим лицам", kind="consultation")}
# windows 1-2 take consultations and the cash desk; window 3 alone takes businesses
WINDOWS = [Window(1, 1, {"consult": 2, "cash": 1}), Window(2, 2, {"consult": 2, "cash": 1}),
           Window(3, 3, {"business": 2})]


def setup() -> P.OfficeSetup:
    return P.OfficeSetup("t", dict(SERVICES), list(WINDOWS), "rosatom-2026", {}, HOURS)


def forecast(business: float = 1.0) -> F.Forecast:
    rates = {h: {"consult": 3.0, "cash": 3.0, "business": business} for h in range(8, 20)}
    rates[10]["consult"] = 14.0  # a morning peak
    return F.Forecast(DAY, rates, "history", minutes={"consult": 8.0, "cash": 3.0, "business": 10.0})


def serving(plan: P.Plan, service: str, hour: int) -> list[int]:
    takes = {w.number for w in WINDOWS if w.services.get(service, 0) > 0}
    return [s.window for s in plan.shifts if s.window in takes and s.start < hour * 60 + 60 and s.end > hour * 60]


def test_every_topic_has_a_window_in_every_hour_it_is_expected():
    plan = P.make_plan(setup(), forecast(), 0.8, simulate=False)
    assert [h for h in range(8, 20) if not serving(plan, "business", h)] == []
    assert [h for h in range(8, 20) if not serving(plan, "consult", h)] == []
    assert all(h.windows >= h.erlang for h in plan.hours)  # covering a topic never takes a window away


def test_a_topic_not_expected_stretches_no_shift():
    without = P.make_plan(setup(), forecast(business=0.0), 0.8, simulate=False)
    need = {h.hour: h.need for h in without.hours}
    assert [(s.window, s.start, s.end) for s in without.shifts] == [
        (s.window, s.start, s.end) for s in P.shifts_for(need, [1, 2, 3], HOURS)]
    shifts = [P.Shift(1, 8 * 60, 20 * 60)]
    assert P.cover_services(shifts, {9: set(), 10: {"consult"}}, list(WINDOWS), HOURS) == [] and len(shifts) == 1


def test_covering_stretches_a_shift_or_adds_one_and_names_the_window():
    shifts = [P.Shift(1, 8 * 60, 20 * 60), P.Shift(3, 10 * 60, 11 * 60)]
    changed = P.cover_services(shifts, {9: {"business"}, 14: {"business", "consult"}}, list(WINDOWS), HOURS)
    assert changed == [3] and (shifts[1].start, shifts[1].end) == (9 * 60, 15 * 60)
    fresh = [P.Shift(1, 8 * 60, 20 * 60)]
    assert P.cover_services(fresh, {19: {"business"}, 8: {"nobody-takes-it"}}, list(WINDOWS), HOURS) == [3]
    assert (fresh[1].window, fresh[1].start, fresh[1].end) == (3, 19 * 60, 20 * 60)


def test_the_simulated_share_counts_visitors_nobody_called():
    plan = P.make_plan(setup(), forecast(), 0.8, simulate=False)
    nine = next(h for h in plan.hours if h.hour == 9)
    P.share_of(plan, [], [9 * 3600 + 300.0, 9 * 3600 + 900.0])
    assert nine.simulated_share == 0.0 and nine.simulated_visitors == 2 and plan.simulated_share == 0.0


def test_the_simulator_gives_the_times_of_the_tickets_nobody_called():
    sc = S.parse({"title": "Все окна закрыты", "office": "demo", "days": 1, "seed": 3, "first_day": "2026-11-23",
                  "hours": {"open": "08:00", "close": "10:00"}, "arrivals": {"08:00": 12},
                  "topics": {"consult": {"share": 1.0, "service": {"mean": 8.0, "cv": 0.5}}}, "staff": []},
                 name="closed")
    out = engine.simulate(sc, "norm-aware", days=1)[0]
    assert out.expired == len(out.unserved) > 5
    assert all(8 * 3600 <= c < 10 * 3600 for c in out.unserved)


def test_the_checked_plan_serves_every_topic_in_simulation():
    plan = P.make_plan(setup(), forecast(), 0.8, sim_days=2)
    sc = P.scenario_for(plan, setup(), 2, 7)
    outcomes = engine.simulate(sc, "norm-aware")
    assert sum(o.expired for o in outcomes) == 0
    assert plan.simulated_share is not None and plan.held


def test_a_proposal_for_a_saturday_alone_is_not_every_day():
    """Found on the demo office (08:00–20:00 with its own lunch 13:00–14:00 on weekdays, Saturday
    09:00–15:00 without): only Saturday needs window lunches, and they were proposed for «every day»,
    i.e. into the weekdays' common lunch hour."""
    weekday = DayHours(time(8), time(20), time(13), time(14))
    saturday = DayHours(time(9), time(15))

    def setup_for(wd: str) -> P.OfficeSetup:
        return P.OfficeSetup("t", dict(SERVICES), list(WINDOWS), "rosatom-2026", {},
                             saturday if wd == "sat" else None if wd == "sun" else weekday)

    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    rota, _ = P.propose_rota(setup_for, {wd: forecast() for wd in days})
    lines = rota.to_json()["breaks"]
    assert lines and {line["day"] for line in lines} == {"sat"}
    only_saturdays = P.propose_rota(setup_for, {"sat": forecast()})[0].to_json()["breaks"]
    assert {line["day"] for line in only_saturdays} == {"every"}  # one working day: its lunches are every day's
