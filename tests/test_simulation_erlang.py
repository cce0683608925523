"""Check against theory: on the M/M/c day the real queue core's mean wait agrees with Erlang C.

The M/M/c day (``scenarios/mmc-day.toml``): Poisson arrivals, exponential service, two identical
windows at ρ = 0.5, one service, oldest first, no walks, breaks or no-shows. Every ticket goes
through ``Hall.issue`` / ``call_next`` / ``start`` / ``finish`` and its wait is read back from the
ticket (``called_at − issued_at``), as the hub would record it.

The mean wait of a queue converges slowly (waits are strongly correlated), so the check is made
meaningful by its size: 320 seeded days, about 200 000 visitors, whose 95 % interval of the mean
(from the independent days) must be well inside the 5 % tolerance before the comparison counts.
"""
import math
import random
import statistics
import time

from server.simulation import engine, erlang, report
from server.simulation import scenario as S


def test_mmc_day_mean_wait_agrees_with_erlang_c():
    sc = S.load("mmc-day")
    ref = report.erlang_reference(sc)
    assert ref is not None and ref["servers"] == 2 and abs(ref["utilisation"] - 0.5) < 1e-9
    sim = engine.Simulator(sc, "fifo", record_points=False)  # the estimate still runs inside issue
    started = time.perf_counter()
    per_day, total, n = [], 0.0, 0
    for day in range(sc.days):
        waits = [v.wait / 60.0 for v in sim.run_day(day, random.Random(f"{sc.seed}:{day}")).visits if v.measured]
        per_day.append(statistics.fmean(waits))
        total += sum(waits)
        n += len(waits)
    elapsed = time.perf_counter() - started
    mean = total / n
    theory = erlang.mean_wait(ref["servers"], ref["arrivals_per_minute"], 1.0 / ref["service_minutes"])
    half_width = 1.96 * statistics.stdev(per_day) / math.sqrt(len(per_day))
    print(f"\nM/M/2 ρ=0.5: {n} visitors in {elapsed:.1f} s; simulated mean wait {mean:.4f} min "
          f"± {half_width:.4f} (95 %), Erlang C {theory:.4f} min, difference {100 * (mean - theory) / theory:+.2f} %")
    assert n > 180_000
    assert half_width / theory < 0.035, "too few visitors for the 5 % check to mean anything"
    assert abs(mean - theory) / theory < 0.05


def test_erlang_c_formula_matches_the_textbook():
    # Kleinrock vol. 1 / any table: c = 2, a = 1 erlang → C = 1/3, W_q = C / (cμ − λ)
    assert abs(erlang.erlang_c(2, 1.0, 1.0) - 1 / 3) < 1e-12
    assert abs(erlang.mean_wait(2, 1.0, 1.0) - 1 / 3) < 1e-12
    # c = 1 is M/M/1: C = ρ, W_q = ρ / (μ − λ)
    assert abs(erlang.erlang_c(1, 0.8, 1.0) - 0.8) < 1e-12
    assert abs(erlang.mean_wait(1, 0.8, 1.0) - 4.0) < 1e-9
    assert erlang.mean_wait(3, 3.0, 1.0) == math.inf
