"""Smarter queues, measured: on the peak-day scenario ``norm-aware`` keeps at least 10 percentage
points more visitors within their waiting norm than ``fifo`` with a 95th-percentile wait no worse,
and the wait estimate printed on the ticket holds the real wait for at least 80 % of visitors with
a mean absolute error of at most 2 minutes (issue 8).

The issue's targets are checked in full on the scenario's own 20 days (seed 2026). They do NOT
hold on every seed (docs/bench/simulation.md has the figures for seeds 1–5): on the heaviest seed
the p95 ends 0.65 minute above fifo's and the estimate's error is 2.15 minutes, on the lightest the
gain is 9.2 points. So on two more seeds — 2, the heaviest of seeds 1–5, and 1, the lightest —
the test holds what does hold on all six seeds measured, with a little room: the gain, the p95
within a minute of fifo's, and the printed range's share. Each seed runs the full 20 days: the
day-to-day spread is large (a day's mean wait ranges 1.5–13 minutes), and 5 or 10 days moved the
gain by more than a point, which would make a guard of this size meaningless."""
import pytest

from server.simulation import report, scenario as S


def _run(seed: int | None):
    sc = S.load("peak-day")
    assert 0.88 <= sc.load() <= 0.92 and sc.profile == "rosatom-2026"
    result = report.run(sc, ["fifo", "norm-aware"], seed=seed)
    print("\n" + report.format_report(result))
    fifo, smart = result.figures["fifo"], result.figures["norm-aware"]
    assert smart.visitors == fifo.visitors > 15_000
    return fifo, smart


def test_norm_aware_beats_fifo_on_the_peak_day_and_the_estimate_is_honest():
    fifo, smart = _run(None)  # the scenario's own seed, 2026
    assert smart.within_norm - fifo.within_norm >= 0.10
    assert smart.p95_wait <= fifo.p95_wait
    assert smart.estimate_within >= 0.80
    assert smart.estimate_mae <= 2.0
    # the estimate is as honest under the peers' policy
    assert fifo.estimate_within >= 0.80 and fifo.estimate_mae <= 2.0
    # a punctual share for the cash desk (norm 4) is where the peers lose most
    cash = {t.service: t for t in smart.topics}["cash"], {t.service: t for t in fifo.topics}["cash"]
    assert cash[0].within_norm > cash[1].within_norm + 0.15


@pytest.mark.parametrize("seed", [2, 1])
def test_on_other_seeds_norm_aware_still_gains_and_the_range_still_holds(seed):
    """Not the issue's targets (see the module's docstring): what holds on every seed measured."""
    fifo, smart = _run(seed)
    assert smart.within_norm - fifo.within_norm >= 0.085
    assert smart.p95_wait <= fifo.p95_wait + 1.0
    assert smart.estimate_within >= 0.80 and fifo.estimate_within >= 0.80
    assert smart.estimate_mae <= 2.3 and fifo.estimate_mae <= 2.0
