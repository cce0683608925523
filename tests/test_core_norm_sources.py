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
    # 001 appendix completed (issue 16 point 6): the document list and form, meter readings in person
    ("rosatom-2026", "documents.service", (5, 5), "001:824"),
    ("rosatom-2026", "meter_readings.service", (8, 8), "001:890–893"),
    ("rosatom-2026", "documents.wait", (8, 8), "001:388–389"),
    ("rosatom-2026", "meter_readings.wait", (8, 8), "001:388–389"),
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
    assert k.wait_norm("cash").limit == 3
    assert k.service_norm("cash") == PRESETS["kuzbass-2020"].service_norm("consultation")
    assert k.wait_norm("consultation") is None


def test_profile_without_overrides_is_the_preset_itself():
    from server.domain.norms import profile
    assert profile("rosatom-2026") is PRESETS["rosatom-2026"]
    assert profile("rosatom-2026", {}) is PRESETS["rosatom-2026"]
    assert profile("rosatom-2026", {"visit_total": 40}).visit_total.limit == 40


def test_profile_json_names_every_field():
    r = PRESETS["rosatom-2026"].to_json()
    assert set(r) == {"id", "title", "source", "kinds", "digital", "upsell", "visit_total", "escalation",
                      "escalation_norms", "monthly_disclosure", "per_account", "remote"}
    assert r["title"] == "Росатом Энергосбыт бизнес, 2026" and r["source"] == "001:379–419, 001:816–994"
    assert r["kinds"]["cash"]["wait"] == {"target": 4.0, "limit": 4.0, "source": "001:400–401"}
    assert r["kinds"]["cash"]["service"]["source"] == "001:404–405"


# ---------------------------------------------------------------------- issue 16 point 6: norms completed

def test_per_account_norm_is_only_the_contract_documents_of_001_841():
    """001:841: «8 минут на 1 лицевой счет или 1 точку подключения» under 1.2 (documents for a
    contract): the only appendix limit given per account."""
    assert "на 1 лицевой счет" in _lines("001:841") and "1.2" in _lines("001:826")
    assert {pid: p.per_account for pid, p in PRESETS.items() if p.per_account} == {"rosatom-2026": ("contract",)}


@pytest.mark.parametrize("accounts,limit", [(1, 8), (2, 16), (3, 24), (10, 80)])
def test_per_account_limit_scales_with_the_accounts(accounts, limit):
    r = PRESETS["rosatom-2026"]
    n = r.service_norm("contract", "specialist", accounts)
    assert (n.target, n.limit, n.source) == (limit, limit, "001:841")
    assert n.limit_seconds == limit * 60


def test_per_account_does_not_touch_other_kinds_levels_or_profiles():
    r = PRESETS["rosatom-2026"]
    assert r.service_norm("consultation", "specialist", 3) == r.service_norm("consultation")
    assert r.service_norm("documents", "specialist", 4).limit == 5
    assert r.service_norm("contract", "specialist", 1) is r.service_norm("contract")
    p = PRESETS["pyatigorsk"]
    assert p.service_norm("contract", "specialist", 5) == p.service_norm("consultation")
    assert p.service_norm("consultation", "senior", 5).limit == 15  # escalation norms never scale
    k = PRESETS["kuzbass-2020"].with_overrides({"contract": {"service": 9}})
    assert k.service_norm("contract", "specialist", 3).limit == 9  # not per account in 000


def test_norm_per_accounts_keeps_the_source_and_refuses_nonsense():
    n = Norm.of((5, 10), "x:1")
    assert n.per_accounts(1) is n
    m = n.per_accounts(3)
    assert (m.target, m.limit, m.source) == (15, 30, "x:1")
    assert n.per_accounts(0) is n and n.per_accounts(-2) is n  # at least one account


def test_remote_norms_are_documented_with_sources_and_not_hall_kinds():
    """001:915: the payment confirmation message within 5 minutes of an online payment: a norm of
    the standard the queue does not measure (no visitor in the hall); kept with its line."""
    r = PRESETS["rosatom-2026"]
    n = r.remote["payment_confirmation"]
    assert (n.target, n.limit, n.source) == (5, 5, "001:915")
    assert _figure_in(_lines("001:915"), (5, 5)) and "подтверждении оплаты" in _lines("001:914")
    assert "payment_confirmation" not in r.kinds
    assert r.to_json()["remote"] == {"payment_confirmation": {"target": 5.0, "limit": 5.0, "source": "001:915"}}
    assert r.to_json()["per_account"] == ["contract"]
    assert all(not p.remote for pid, p in PRESETS.items() if pid != "rosatom-2026")


def test_appendix_lines_in_minutes_are_all_in_the_profile():
    """Every in-hall appendix line of 001 that gives minutes (816–994) is a kind's service norm."""
    cited = {n.service.source for n in PRESETS["rosatom-2026"].kinds.values() if n.service}
    for cite in ("001:824", "001:841", "001:890–893", "001:921", "001:933", "001:978"):
        assert cite in cited, cite


def test_the_whole_visit_norm_is_001s_own():
    """001:418–419 «не более 33 минут» is Rosatom's; 000, 002, 003 and 004 set no whole-visit
    norm, so their profiles have none (their reports show no visit-limit figure)."""
    assert PRESETS["rosatom-2026"].visit_total.limit == 33
    assert [pid for pid, p in PRESETS.items() if p.visit_total is not None] == ["rosatom-2026"]
    for f in ("000", "002", "003", "004"):
        text = next(STANDARDS.glob(f"{f}_*.txt")).read_text(encoding="utf-8")
        assert "33 мин" not in text


# ---------------------------------------------------------------------- the operator's accounts (001:841)

def _contract_hall():
    from core_support import make_hall

    from server.domain.model import Service
    return make_hall(services=[Service("contract", "Ж", "Документы по договору", kind="contract"),
                               Service("consult", "А", "Консультация", kind="consultation")], windows=1)


def _serving(hall, service="contract", t0=1_000_000.0):
    hall.open_window(1, t0, "op1")
    t = hall.issue(service, t0)
    hall.call_next(1, t0 + 1, "op1")
    hall.start(t.id, t0 + 2, actor="op1")
    return t


def test_accounts_scale_the_service_limit_and_the_alert():
    from server.domain.alerts import hall_alerts
    hall = _contract_hall()
    t0 = 1_000_000.0
    t = _serving(hall, t0=t0)
    assert t.accounts == 1 and hall.service_limit(t) == 8 * 60
    hall.set_accounts(t.id, 3, t0 + 3, actor="op1")
    assert t.accounts == 3 and t.segment.accounts == 3
    assert hall.service_limit(t) == 24 * 60
    (e,) = [e for e in hall.take_pending() if e["type"] == "ticket.accounts"]
    assert e["data"] == {"ticket": t.id, "accounts": 3, "by": "op1"}
    over = [a for a in hall_alerts(hall, t0 + 2 + 20 * 60) if a.kind == "service_over"]
    assert over == []  # 20 minutes of 24 allowed for three accounts
    (a,) = [a for a in hall_alerts(hall, t0 + 2 + 24 * 60 + 1) if a.kind == "service_over"]
    assert a.limit == 24 * 60 and "24 мин" in a.text and a.source == "001:841"


def test_accounts_replay_from_the_log():
    hall = _contract_hall()
    t = _serving(hall)
    hall.set_accounts(t.id, 4, 1_000_010.0, actor="op1")
    events = hall.take_pending()
    fresh = _contract_hall()
    for e in events:
        fresh.apply(e)
    assert fresh.tickets[t.id].accounts == 4 and fresh.service_limit(fresh.tickets[t.id]) == 32 * 60


def test_accounts_same_number_changes_nothing_and_a_new_segment_starts_at_one():
    hall = _contract_hall()
    t = _serving(hall)
    hall.take_pending()
    hall.set_accounts(t.id, 1, 1_000_010.0, actor="op1")
    assert hall.take_pending() == []
    hall.set_accounts(t.id, 2, 1_000_011.0, actor="op1")
    hall.transfer(t.id, 1_000_020.0, service="consult", actor="op1")
    assert t.segments[0].accounts == 2 and t.accounts == 1  # the new request is counted afresh


@pytest.mark.parametrize("bad", [0, -1, 100, 2.5, "3", True, None])
def test_accounts_out_of_range_are_refused(bad):
    from server.domain.model import Invalid
    hall = _contract_hall()
    t = _serving(hall)
    with pytest.raises(Invalid) as e:
        hall.set_accounts(t.id, bad, 1_000_010.0, actor="op1")
    assert e.value.code == "bad_accounts" and "от 1 до 99" in e.value.message
    assert t.accounts == 1


def test_accounts_only_while_called_or_served_and_only_by_its_operator():
    from server.domain.model import Conflict, Forbidden
    hall = _contract_hall()
    t0 = 1_000_000.0
    hall.open_window(1, t0, "op1")
    t = hall.issue("contract", t0)
    with pytest.raises((Conflict, Forbidden)):
        hall.set_accounts(t.id, 2, t0 + 1, actor="op1")  # still waiting
    hall.call_next(1, t0 + 1, "op1")
    hall.set_accounts(t.id, 2, t0 + 2, actor="op1")  # called: allowed
    with pytest.raises(Forbidden):
        hall.set_accounts(t.id, 3, t0 + 3, actor="op2")
    hall.set_accounts(t.id, 3, t0 + 3, actor="hall", admin=True)
    hall.start(t.id, t0 + 4, actor="op1")
    hall.finish(t.id, t0 + 5, actor="op1")
    with pytest.raises(Conflict):
        hall.set_accounts(t.id, 4, t0 + 6, actor="op1")
    assert t.accounts == 3


def test_accounts_bounds_are_one_and_ninety_nine():
    from server.domain.hall import MAX_ACCOUNTS
    assert MAX_ACCOUNTS == 99
    hall = _contract_hall()
    t = _serving(hall)
    hall.set_accounts(t.id, 99, 1_000_010.0, actor="op1")
    assert hall.service_limit(t) == 99 * 8 * 60
    hall.set_accounts(t.id, 1, 1_000_011.0, actor="op1")  # back to one: an event, the plain limit
    assert [e["data"]["accounts"] for e in hall.take_pending() if e["type"] == "ticket.accounts"] == [99, 1]
    assert hall.service_limit(t) == 8 * 60


def test_accounts_do_not_scale_a_service_without_a_per_account_norm():
    hall = _contract_hall()
    t = _serving(hall, service="consult")
    hall.set_accounts(t.id, 5, 1_000_010.0, actor="op1")
    assert t.accounts == 5 and hall.service_limit(t) == 8 * 60  # a consultation: 8 whatever the count


def test_the_tickets_json_names_the_accounts_only_when_not_one():
    hall = _contract_hall()
    t = _serving(hall)
    assert "accounts" not in t.to_json()
    hall.set_accounts(t.id, 2, 1_000_010.0, actor="op1")
    assert t.to_json()["accounts"] == 2
