"""The console's picture of the hall, without Qt or a hub: norm colours, clocks, events over a snapshot."""
from hub_client import HubEvent
from operator_console import model as M

PROFILE = {
    "digital": {"target": 4, "limit": 4, "source": "001:396–397"},
    "upsell": {"target": 5, "limit": 5, "source": "001:415–416"},
    "visit_total": {"target": 33, "limit": 33, "source": "001:418–419"},
    "escalation": [], "escalation_norms": {},
}
SERVICES = [
    {"id": "consult", "letter": "А", "name": "Консультация", "order": 1, "active": True, "open": True,
     "wait_norm": {"target": 8, "limit": 8}, "service_norm": {"target": 8, "limit": 8, "source": "001:392–393"}},
    {"id": "cash", "letter": "Б", "name": "Оплата в кассе", "order": 2, "active": True, "open": True,
     "wait_norm": {"target": 4, "limit": 4}, "service_norm": {"target": 4, "limit": 4}},
]
WINDOWS = [{"id": 7, "number": 1, "state": "open", "services": {"consult": 2}, "ticket": None},
           {"id": 8, "number": 2, "state": "open", "services": {"cash": 2}, "ticket": None}]


def snapshot(seq=10, now=1000.0, waiting=(), calls=()):
    return {"office": {"id": "demo", "name": "ЦОК"}, "now": now, "day": "2026-11-23", "profile": PROFILE,
            "schedule": {"tz": "Europe/Moscow"}, "services": SERVICES, "windows": [dict(w) for w in WINDOWS],
            "waiting": list(waiting), "calls": list(calls), "seq": seq, "log": "log-1"}


def ticket(tid, state="waiting", service="consult", window=None, **kw):
    return {"id": tid, "code": f"А-{tid:03d}", "service": service, "state": state, "window": window,
            "queued_at": 900.0, "issued_at": 900.0, "called_at": None, "started_at": None, "phase": None,
            "phase_started_at": None, "level": "specialist", "recalls": 0, **kw}


def event(seq, type_, t=None, w=None):
    view = {}
    if t is not None:
        view["ticket"] = t
    if w is not None:
        view["window"] = w
    return HubEvent(seq=seq, type=type_, at=0.0, data={}, view=view)


def test_single_figure_norm_turns_amber_at_three_quarters_and_red_past_it():
    n = M.Norm.from_json({"target": 8, "limit": 8})
    assert [n.level(s) for s in (0, 359, 360, 480, 481)] == [M.OK, M.OK, M.WARN, M.WARN, M.OVER]
    assert n.words == "8 мин"


def test_range_norm_turns_amber_past_its_target():
    n = M.Norm.from_json({"target": 5, "limit": 10, "source": "000:335"})  # kuzbass-2020
    assert [n.level(s) for s in (299, 300, 600, 601)] == [M.OK, M.WARN, M.WARN, M.OVER]
    assert n.words == "5–10 мин"
    assert M.norm_level(10_000, None) == M.NONE


def test_clock_uses_the_hubs_time_not_the_pcs():
    m = M.ConsoleModel()
    m.load(snapshot(now=5000.0), local_now=100.0)
    assert m.now(local=110.0) == 5010.0


def test_events_after_the_snapshot_apply_and_older_ones_are_ignored():
    m = M.ConsoleModel()
    m.window_id = 7
    m.load(snapshot(seq=10, waiting=[ticket(1)]))
    assert m.waiting_for_me() == 1
    # an event the snapshot already reflects changes nothing
    assert m.apply(event(9, "ticket.called", ticket(1, "called", window=8))) == set()
    assert m.my_ticket() is None
    touched = m.apply(event(11, "ticket.called", ticket(1, "called", window=7, called_at=950.0),
                            {"id": 7, "number": 1, "state": "open", "ticket": 1}))
    assert "mine" in touched
    assert m.my_ticket()["code"] == "А-001"
    m.apply(event(12, "ticket.finished", ticket(1, "finished", window=7)))
    assert m.my_ticket() is None and m.waiting_for_me() == 0


def test_an_event_that_arrives_while_a_snapshot_is_on_its_way_is_not_lost():
    m = M.ConsoleModel()
    m.window_id = 7
    m.load(snapshot(seq=10))
    m.apply(event(11, "ticket.issued", ticket(2)))   # the stream is ahead of the snapshot below
    m.load(snapshot(seq=10))                          # a snapshot taken before event 11
    assert 2 in m.tickets and m.seq == 11


def test_phase_clock_follows_the_sub_phase_and_its_norm():
    m = M.ConsoleModel()
    m.window_id = 7
    t = ticket(3, "serving", window=7, called_at=950.0, started_at=960.0)
    m.load(snapshot(calls=[t]))
    c = m.phase_clock(t)
    assert c.key == "serving" and c.norm.limit == 8 and c.elapsed(1000.0) == 40.0
    t2 = {**t, "phase": "digital", "phase_started_at": 990.0}
    c = m.phase_clock(t2)
    assert c.key == "digital" and c.norm.limit == 4 and c.title == "Цифровые сервисы"
    assert c.level(990.0 + 4 * 60 + 1) == M.OVER
    assert m.visit_clock(t).norm.limit == 33
    assert m.wait_clock(t).elapsed(5000.0) == 50.0  # the wait ended when the visitor was called


def test_escalated_ticket_is_timed_against_its_levels_norm():
    m = M.ConsoleModel()
    snap = snapshot()
    snap["profile"] = {**PROFILE, "escalation": ["senior", "head"],
                       "escalation_norms": {"senior": {"target": 15, "limit": 15, "source": "002:159"}}}
    m.load(snap)
    t = ticket(4, "serving", level="senior", service_limit=900.0)
    assert m.service_norm(t).limit == 15
    assert m.escalation_levels(t) == ["head"]
    assert m.escalation_levels(ticket(5)) == ["senior", "head"]


def test_hall_rows_give_the_oldest_wait_against_the_waiting_norm():
    m = M.ConsoleModel()
    m.window_id = 7
    m.load(snapshot(now=1000.0, waiting=[ticket(1, queued_at=500.0), ticket(2, queued_at=900.0),
                                         ticket(3, service="cash", queued_at=990.0)]), local_now=1000.0)
    rows = {r.service: r for r in m.hall_rows(now=1000.0)}
    assert rows["consult"].waiting == 2 and rows["consult"].oldest == 500.0 and rows["consult"].level == M.OVER
    assert rows["consult"].mine and not rows["cash"].mine
    assert rows["cash"].level == M.OK


def test_words():
    assert M.fmt_duration(65) == "1:05" and M.fmt_duration(3725) == "1:02:05" and M.fmt_duration(None) == "—"
    assert [M.people(n) for n in (1, 2, 5, 11, 21, 22)] == ["1 человек", "2 человека", "5 человек", "11 человек",
                                                              "21 человек", "22 человека"]


def test_the_norm_is_the_hubs_limit_told_as_the_stated_norm():
    """The console decides no norm: the ticket's limits come from the hub (level and accounts
    applied there); the stated norms only give their target and source."""
    m = M.ConsoleModel()
    snap = snapshot()
    snap["services"] = [{**SERVICES[0], "service_norm": {"target": 5, "limit": 10, "source": "000:335"}},
                        *SERVICES[1:]]
    m.load(snap, local_now=1000.0)
    two_accounts = m.service_norm(ticket(4, "serving", service_limit=1200.0))   # 001:841: both scale
    assert (two_accounts.target, two_accounts.limit, two_accounts.source) == (10.0, 20.0, "000:335")
    assert m.service_norm(ticket(5, "serving", service_limit=600.0)).words == "5–10 мин"
    # a level the profile has no norm for: the hub's limit, whatever the ticket's level says
    senior = m.service_norm(ticket(6, "serving", level="senior", service_limit=600.0))
    assert senior.limit == 10 and senior.target == 5
    assert m.wait_norm(ticket(7, wait_limit=300.0)).limit == 5
    assert m.wait_norm(ticket(8)).limit == 8   # no limit from the hub: the service's stated norm
