"""Every preset minute of every norm profile, checked against the line of the standard it comes from.

The table below is written from the standards (``../shared/standards/``), not from the code: each
row names a profile, which norm, the minutes the standard gives, and the ``FILE:LINE`` where it
says so. The test checks both directions: the profile holds exactly those minutes and cites that
place, and the cited lines of the standard really carry that figure. Changing a preset minute, or
a citation drifting away from its figure, fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.domain.norms import PRESETS, Norm

# ../shared/standards beside the checkout (also found from a copy of the tests, e.g. mutmut's)
STANDARDS = next(p / "shared" / "standards" for p in Path(__file__).resolve().parents
                 if (p / "shared" / "standards").is_dir())

# profile, norm path, (target, limit) minutes or None, where the standard says so
TABLE = [
    # 001 ООО «Росатом Энергосбыт бизнес»: the 8/4/12/33 table (001:379–419)
    ("rosatom-2026", "consultation.wait", (8, 8), "001:388–389"),
    ("rosatom-2026", "consultation.service", (8, 8), "001:392–393"),
    ("rosatom-2026", "cash.wait", (4, 4), "001:400–401"),
    ("rosatom-2026", "cash.service", (4, 4), "001:404–405"),
    ("rosatom-2026", "consultation_cash.wait", (12, 12), "001:408–409"),
    ("rosatom-2026", "consultation_cash.service", (16, 16), "001:412–413"),
    ("rosatom-2026", "digital", (4, 4), "001:396–397"),
    ("rosatom-2026", "upsell", (5, 5), "001:415–416"),
    ("rosatom-2026", "visit_total", (33, 33), "001:418–419"),
    # 001 appendix: per-service limits (waiting as for a consultation)
    ("rosatom-2026", "reregistration.service", (12, 12), "001:921"),
    ("rosatom-2026", "instalment.service", (30, 30), "001:933"),
    ("rosatom-2026", "certificate.service", (33, 33), "001:978"),
    ("rosatom-2026", "contract.service", (8, 8), "001:841"),
    ("rosatom-2026", "reregistration.wait", (8, 8), "001:388–389"),
    ("rosatom-2026", "instalment.wait", (8, 8), "001:388–389"),
    ("rosatom-2026", "certificate.wait", (8, 8), "001:388–389"),
    ("rosatom-2026", "contract.wait", (8, 8), "001:388–389"),
    # 000 Кузбассэнергосбыт: service 5–10, no waiting norm, the same for the ladder
    ("kuzbass-2020", "consultation.wait", None, "000:334"),
    ("kuzbass-2020", "consultation.service", (5, 10), "000:335"),
    ("kuzbass-2020", "escalation.senior", (5, 10), "000:337"),
    ("kuzbass-2020", "escalation.head", (5, 10), "000:338"),
    # 002 Пятигорские электрические сети: 10–15, senior and head 15
    ("pyatigorsk", "consultation.wait", None, None),
    ("pyatigorsk", "consultation.service", (10, 15), "002:153"),
    ("pyatigorsk", "escalation.senior", (15, 15), "002:159"),
    ("pyatigorsk", "escalation.head", (15, 15), "002:165"),
    # 003 ЮТЭК: 10–15, the heads 15
    ("yutek-2025", "consultation.wait", None, "003:246"),
    ("yutek-2025", "consultation.service", (10, 15), "003:247"),
    ("yutek-2025", "escalation.senior", (15, 15), "003:248"),
    ("yutek-2025", "escalation.head", (15, 15), "003:249"),
    # 004 БЭСО: no in-person norms, monthly averages disclosed (004:203–209)
    ("beso-2023", "consultation.wait", None, None),
    ("beso-2023", "consultation.service", None, None),
]

# What each profile has besides its rows above: none of these may appear unannounced.
NO_SUBPHASES = ("kuzbass-2020", "pyatigorsk", "yutek-2025", "beso-2023")
LADDERS = {"rosatom-2026": (), "kuzbass-2020": ("senior", "head"), "pyatigorsk": ("senior", "head"),
           "yutek-2025": ("senior", "head"), "beso-2023": ()}


def _lines(cite: str) -> str:
    file, span = cite.split(":")
    first, _, last = span.replace("–", "-").partition("-")
    path = next(STANDARDS.glob(f"{file}_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[int(first) - 1:int(last or first)])


def _norm(profile_id: str, path: str) -> Norm | None:
    p = PRESETS[profile_id]
    head, _, tail = path.partition(".")
    if head == "escalation":
        return p.escalation_norms.get(tail)
    if not tail:
        return getattr(p, head)
    kind = p.kinds[head]
    return getattr(kind, tail)


def _figure_in(text: str, minutes: tuple[float, float]) -> bool:
    target, limit = (int(m) for m in minutes)
    if target == limit:
        return re.search(rf"(?<![\d-]){target}(?![\d-])\s*(мин|ин\.)", text) is not None
    return re.search(rf"(?<!\d){target}\s*[-–]\s*{limit}(?!\d)\s*мин", text) is not None


@pytest.mark.parametrize("profile_id,path,minutes,cite", TABLE, ids=[f"{r[0]}:{r[1]}" for r in TABLE])
def test_preset_minutes_are_the_standards(profile_id, path, minutes, cite):
    norm = _norm(profile_id, path)
    if minutes is None:
        assert norm is None, f"{profile_id} {path}: the standard sets no norm here, the profile has {norm}"
        if cite:  # the standard says the wait depends on the queue
            assert "Исходя из нали" in _lines(cite)
        return
    assert norm is not None, f"{profile_id} {path}: missing"
    assert (norm.target, norm.limit) == minutes
    assert norm.source == cite, f"{profile_id} {path} cites {norm.source}, the figure stands at {cite}"
    assert _figure_in(_lines(cite), minutes), f"{cite} does not say {minutes} minutes"


def test_every_preset_norm_is_in_the_table():
    """A norm added to a preset without a row (and its source line) here fails."""
    listed = {(r[0], r[1]) for r in TABLE}
    for pid, p in PRESETS.items():
        for kind, norms in p.kinds.items():
            for which in ("wait", "service"):
                if getattr(norms, which) is not None:
                    assert (pid, f"{kind}.{which}") in listed, (pid, kind, which)
        for level in p.escalation_norms:
            assert (pid, f"escalation.{level}") in listed
        for extra in ("digital", "upsell", "visit_total"):
            if getattr(p, extra) is not None:
                assert (pid, extra) in listed
                assert pid not in NO_SUBPHASES


@pytest.mark.parametrize("profile_id", sorted(LADDERS))
def test_escalation_ladder_order(profile_id):
    # 000:322–324: specialist → lead specialist → head; 002 and 003 name the same two steps
    assert PRESETS[profile_id].escalation == LADDERS[profile_id]


def test_only_beso_discloses_monthly():
    assert [pid for pid, p in PRESETS.items() if p.monthly_disclosure] == ["beso-2023"]


def test_senior_norm_applies_after_escalation_and_kind_norm_before():
    p = PRESETS["pyatigorsk"]
    assert (p.service_norm("consultation").target, p.service_norm("consultation").limit) == (10, 15)
    assert (p.service_norm("consultation", "senior").target, p.service_norm("consultation", "senior").limit) == (15, 15)
    assert p.service_norm("consultation", "head").source == "002:165"
    # a level the profile has no norm for keeps the kind's norm
    assert p.service_norm("consultation", "intern") == p.service_norm("consultation")
    assert PRESETS["rosatom-2026"].service_norm("cash", "senior").limit == 4
    assert p.service_norm("consultation", "specialist").target == 10
    r = PRESETS["rosatom-2026"]
    assert r.service_norm("cash").limit == 4
    assert r.wait_norm("consultation_cash").limit == 12
    # an unknown kind falls back to the consultation row
    assert r.wait_norm("no-such-kind").limit == 8


def test_office_overrides_change_only_what_they_name():
    base = PRESETS["rosatom-2026"]
    p = base.with_overrides({"visit_total": 40, "cash": {"service": 6}, "consultation": {"wait": [5, 10]}})
    assert (p.visit_total.target, p.visit_total.limit, p.visit_total.source) == (40, 40, "override")
    assert p.service_norm("cash").limit == 6 and p.wait_norm("cash").limit == 4
    assert (p.wait_norm("consultation").target, p.wait_norm("consultation").limit) == (5, 10)
    assert p.service_norm("consultation") == base.service_norm("consultation")
    assert p.upsell == base.upsell and p.digital == base.digital
    assert base.visit_total.limit == 33  # the preset itself is untouched


def test_profile_json_carries_every_norm_with_its_source():
    j = PRESETS["kuzbass-2020"].to_json()
    assert j["kinds"]["consultation"] == {"wait": None,
                                          "service": {"target": 5.0, "limit": 10.0, "source": "000:335"}}
    assert j["escalation"] == ["senior", "head"]
    assert j["escalation_norms"]["head"]["source"] == "000:338"
    r = PRESETS["rosatom-2026"].to_json()
    assert r["visit_total"] == {"target": 33.0, "limit": 33.0, "source": "001:418–419"}
    assert r["digital"]["limit"] == 4.0 and r["upsell"]["limit"] == 5.0
    assert r["monthly_disclosure"] is False and r["id"] == "rosatom-2026"


def test_norm_of_minutes_and_ranges():
    assert Norm.of(None) is None
    n = Norm.of(7, "x:1")
    assert (n.target, n.limit, n.source, n.limit_seconds) == (7.0, 7.0, "x:1", 420.0)
    r = Norm.of((5, 10), "x:2")
    assert (r.target, r.limit, r.source, r.limit_seconds) == (5.0, 10.0, "x:2", 600.0)
    assert Norm.of([3, 4]).source == "" and Norm.of([3, 4]).limit == 4.0
    assert isinstance(Norm.of(7).target, float)


def test_a_profile_without_rows_has_no_norms():
    from server.domain.norms import NormProfile, ServiceKindNorms
    empty = NormProfile(id="x", title="x", kinds={})
    assert empty.for_kind("cash") == ServiceKindNorms(None, None)
    assert empty.wait_norm("cash") is None and empty.service_norm("cash") is None
    assert empty.phase_norm("digital") is None


def test_phase_norms():
    r = PRESETS["rosatom-2026"]
    assert r.phase_norm("digital").limit == 4 and r.phase_norm("upsell").limit == 5
    assert r.phase_norm("coffee") is None
    assert PRESETS["kuzbass-2020"].phase_norm("upsell") is None


def test_sub_phase_and_kind_overrides_are_marked_as_overrides():
    p = PRESETS["rosatom-2026"].with_overrides({"digital": 6, "upsell": [5, 7],
                                                "cash": {"wait": 5, "service": 6}})
    assert (p.digital.limit, p.digital.source) == (6, "override")
    assert (p.upsell.target, p.upsell.limit, p.upsell.source) == (5, 7, "override")
    assert (p.wait_norm("cash").limit, p.wait_norm("cash").source) == (5, "override")
    assert (p.service_norm("cash").limit, p.service_norm("cash").source) == (6, "override")
    # a kind the profile lacks starts from the consultation row
    k = PRESETS["kuzbass-2020"].with_overrides({"cash": {"wait": 3}})
    assert k.wait_norm("cash").limit == 3 and k.service_norm("cash") == PRESETS["kuzbass-2020"].service_norm("consultation")
    assert k.wait_norm("consultation") is None


def test_profile_without_overrides_is_the_preset_itself():
    from server.domain.norms import profile
    assert profile("rosatom-2026") is PRESETS["rosatom-2026"]
    assert profile("rosatom-2026", {}) is PRESETS["rosatom-2026"]
    assert profile("rosatom-2026", {"visit_total": 40}).visit_total.limit == 40


def test_profile_json_names_every_field():
    r = PRESETS["rosatom-2026"].to_json()
    assert set(r) == {"id", "title", "source", "kinds", "digital", "upsell", "visit_total", "escalation",
                      "escalation_norms", "monthly_disclosure"}
    assert r["title"] == "Росатом Энергосбыт бизнес, 2026" and r["source"] == "001:379–419, 001:816–994"
    assert r["kinds"]["cash"]["wait"] == {"target": 4.0, "limit": 4.0, "source": "001:400–401"}
    assert r["kinds"]["cash"]["service"]["source"] == "001:404–405"
