"""Smarter queues, measured: on the peak-day scenario ``norm-aware`` keeps at least 10 percentage
points more visitors within their waiting norm than ``fifo`` with a 95th-percentile wait no worse,
and the wait estimate printed on the ticket holds the real wait for at least 80 % of visitors with
a mean absolute error of at most 2 minutes (issue 8).

Checked on the scenario's own 20 days (seed 2026) and on two other seeds: 2, the heaviest of the
eight measured (docs/bench/simulation.md: its estimate error, 1.96 minutes, is the closest to the
limit), and 1, where the gain is smallest (10.6 points). Each seed runs the full 20 days: the
day-to-day spread is large (a day's mean wait ranges 1.5–13 minutes), and 5 or 10 days moved the
gain by more than a point."""
import pytest

from server.simulation import report
from server.simulation import scenario as S


def _run(seed: int | None):
    sc = S.load("peak-day")
    assert 0.88 <= sc.load() <= 0.92 and sc.profile == "rosatom-2026"
    result = report.run(sc, ["fifo", "norm-aware"], seed=seed)
    print("\n" + report.format_report(result))
    fifo, smart = result.figures["fifo"], result.figures["norm-aware"]
    assert smart.visitors == fifo.visitors > 15_000
    return fifo, smart


@pytest.mark.parametrize("seed", [None, 2, 1])   # None: the scenario's own seed, 2026
def test_norm_aware_beats_fifo_on_the_peak_day_and_the_estimate_is_honest(seed):
    fifo, smart = _run(seed)
    assert smart.within_norm - fifo.within_norm >= 0.10
    assert smart.p95_wait <= fifo.p95_wait
    assert smart.estimate_within >= 0.80
    assert smart.estimate_mae <= 2.0
    # the estimate is as honest under the peers' policy
    assert fifo.estimate_within >= 0.80 and fifo.estimate_mae <= 2.0
    # a punctual share for the cash desk (norm 4) is where the peers lose most
    cash = {t.service: t for t in smart.topics}["cash"], {t.service: t for t in fifo.topics}["cash"]
    assert cash[0].within_norm > cash[1].within_norm + 0.15
