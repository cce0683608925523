"""The family of office days (issue 13, point 1): seeded and reproducible, drawn over the space the
issue names, split into a tuning and a test half, judged per policy, and reachable from the CLI."""
import json

from click.testing import CliRunner

from server.cli import main
from server.simulation import family, judge


def test_the_same_seed_gives_the_same_family_and_another_seed_another():
    a = family.family("peak", 6, seed=5)
    b = family.family("peak", 6, seed=5)
    c = family.family("peak", 6, seed=6)
    def key(fam):
        return [(sc.family, sc.seed, sc.arrivals, [w.services for w in sc.windows]) for sc in fam]
    assert key(a) == key(b)
    assert key(a) != key(c)


def test_busy_days_span_the_space_and_quiet_days_are_quiet():
    peak = family.family("peak", 30, seed=1)
    loads = [sc.load() for sc in peak]
    assert all(0.85 - 1e-6 <= x <= 0.95 + 1e-6 for x in loads)
    assert max(loads) - min(loads) > 0.05
    surges = {sc.family["surge"] for sc in peak}
    assert {"opening", "lunch", "both", "flat"} <= surges
    assert any(sc.family["specialised"] > 0 for sc in peak)
    # a lunch surge comes with half the windows at lunch at once (two waves of the lunch rota)
    lunch = next(sc for sc in peak if sc.family["surge"] == "lunch")
    starts = [s.lunch[0].strftime("%H:%M") for s in lunch.shifts]
    assert starts.count("12:00") == len(starts) // 2 + len(starts) % 2
    noon = [rate for a, b, rate in lunch.arrivals if a == 12 * 3600]
    nine = [rate for a, b, rate in lunch.arrivals if a == 9 * 3600]
    assert noon[0] > 1.25 * nine[0]
    # the hall of a member knows its lunch rota
    hall = lunch.make_hall("fifo")
    assert hall.rota and sorted(hall.rota.windows()) == sorted(w.number for w in lunch.windows)
    # every topic is still served by at least two windows
    for sc in peak:
        for t in sc.topics:
            assert sum(1 for w in sc.windows if w.serves(t.service)) >= 2, (sc.name, t.service)
    quiet = family.family("quiet", 6, seed=1)
    assert all(0.30 - 1e-6 <= sc.load() <= 0.60 + 1e-6 for sc in quiet)


def test_halves_split_the_family():
    tune = family.family("peak", 7, seed=2, half="tune")
    test = family.family("peak", 7, seed=2, half="test")
    assert [sc.family["index"] for sc in tune] == [0, 2, 4, 6]
    assert [sc.family["index"] for sc in test] == [1, 3, 5]
    whole = family.family("peak", 7, seed=2)
    assert sorted(sc.name for sc in tune + test) == sorted(sc.name for sc in whole)


def test_judging_a_day_counts_what_the_targets_need():
    sc = family.family("quiet", 1, seed=4)[0]
    verdicts = judge.judge([sc], ["fifo", "norm-aware"])
    s = verdicts["norm-aware"].summary()
    day = verdicts["norm-aware"].days[0]
    assert day.visitors > 100 and day.estimated == day.visitors
    assert 0 <= s["hit"]["overall"] <= 1 and s["hit"]["per_hour"]
    assert s["within_norm"]["worst"] <= s["within_norm"]["mean"]
    text = judge.format_verdicts(verdicts)
    assert "в пределах норматива" in text and "norm-aware против fifo" not in text  # a quiet day: no load ≥ 0.85


def test_cli_family_prints_and_writes_json(tmp_path):
    out = tmp_path / "fam.json"
    r = CliRunner().invoke(main, ["simulate", "--family", "quiet", "--count", "2", "--seed", "3",
                                  "--half", "test", "--policy", "fifo", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "Семейство дней «quiet»" in r.output and "quiet-3-1" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["half"] == "test" and [m["index"] for m in data["members"]] == [1]
    assert list(data["policies"]) == ["fifo"]
    bad = CliRunner().invoke(main, ["simulate", "--family", "peak", "--policy", "lifo"])
    assert bad.exit_code != 0 and "неизвестная политика" in bad.output
