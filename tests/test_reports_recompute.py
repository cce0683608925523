"""Every figure of the daily report equals an independent recomputation from the event log.

Two office days are generated through the real Hub (real core, real event log, real projection)
with a clock of the test's own: visitors arrive, windows call and serve, visitors are transferred,
escalated up the ladder (profile kuzbass-2020, with waiting norms added as overrides), postponed,
miss their call, leave the queue, are settled by the hall administrator; operators take lunch,
a technical break and one break nobody ends; some visitors rate the visit; the day closes with
tickets still waiting and in service, which the next day's first action expires.

The report reads the projection tables (``tickets``, ``segments``), the pause events and the
``ratings`` table. This test reads **only** the ``events`` table, rebuilds every visit with its
own straightforward replay, applies the counting rules of docs/reports.md with its own code, and
compares figure by figure. Then the month and the year must be the pooled figures of the days.
"""
from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.domain.norms import profile as norm_profile
from server.reports import build
from server.reports.sample import DayPlan, build_office_day, sample_office
from server.store import Store

MSK = ZoneInfo("Europe/Moscow")
DAY1, DAY2 = date(2026, 11, 16), date(2026, 11, 17)
OVERRIDES = {"consultation": {"wait": 8}, "cash": {"wait": 4, "service": 4}, "visit_total": 33}
OPENS, CLOSES = time(9, 0), time(13, 0)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=MSK).timestamp()  # the reports are made days later


@pytest.fixture(scope="module")
def hub_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "days.sqlite"
    definition = sample_office("kuzbass-2020", OVERRIDES, opens="09:00", closes="13:00",
                               levels={3: "senior", 2: "head"})
    build_office_day(path, definition, [
        DayPlan(day=DAY1, visitors=170, overtime=0, p_leave=0.06, p_escalate=0.05, seed=11),
        DayPlan(day=DAY2, visitors=120, overtime=10, p_leave=0.04, seed=12),
    ])
    return path


@pytest.fixture(scope="module")
def store(hub_db):
    return Store(hub_db)


@pytest.fixture(scope="module")
def reports(store):
    return {d: build.daily(store, "demo", d, NOW) for d in (DAY1, DAY2)}


# ---------------------------------------------------------------------- the independent replay

@dataclass
class Seg:
    service: str
    queued: float
    level: str
    called: float | None = None
    started: float | None = None
    ended: float | None = None
    window: int | None = None
    operator: str | None = None
    outcome: str | None = None
    recalls: int = 0
    phases: dict = field(default_factory=dict)


@dataclass
class Visit:
    issued: float
    segs: list
    level: str = "specialist"
    end_state: str = "open"
    ended: float | None = None
    phase: str | None = None
    phase_at: float | None = None


ENDINGS = {"ticket.finished": ("finished", "served"), "ticket.no_show": ("no_show", "no_show"),
           "ticket.cancelled": ("cancelled", "cancelled"), "ticket.expired": ("expired", "unfinished"),
           "ticket.resolved": ("resolved", "resolved")}


def read_log(path, day: date) -> list[dict]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, type, at, data FROM events WHERE office = 'demo' AND day = ? ORDER BY seq",
                        (day.isoformat(),)).fetchall()
    conn.close()
    return [{"seq": s, "type": t, "at": a, "data": json.loads(d)} for s, t, a, d in rows]


def replay(events: list[dict]):
    visits: dict[int, Visit] = {}
    ratings, window_events = [], []

    def stop_phase(v: Visit, at: float):
        if v.phase is not None:
            seg = v.segs[-1]
            seg.phases[v.phase] = seg.phases.get(v.phase, 0.0) + at - v.phase_at
        v.phase, v.phase_at = None, None

    def close(v: Visit, at: float, outcome: str):
        stop_phase(v, at)
        v.segs[-1].ended, v.segs[-1].outcome = at, outcome

    for e in events:
        kind, d, at = e["type"], e["data"], e["at"]
        if kind == "ticket.issued":
            visits[d["ticket"]] = Visit(at, [Seg(d["service"], at, "specialist")])
            continue
        if kind == "rating.given":
            ratings.append(d)
            continue
        if kind.startswith("window."):
            window_events.append({"type": kind, "at": at, **d})
            continue
        if not kind.startswith("ticket."):
            continue
        v = visits[d["ticket"]]
        seg = v.segs[-1]
        if kind == "ticket.called":
            seg.called, seg.window, seg.operator = at, d["window"], d.get("operator")
        elif kind == "ticket.recalled":
            seg.recalls += 1
        elif kind == "ticket.started":
            seg.started = at
        elif kind == "ticket.phase":
            stop_phase(v, at)
            if d.get("phase"):
                v.phase, v.phase_at = d["phase"], at
        elif kind in ENDINGS:
            outcome, state = ENDINGS[kind]
            close(v, at, outcome)
            v.end_state, v.ended = state, at
        elif kind == "ticket.postponed":
            close(v, at, "postponed")
            v.segs.append(Seg(seg.service, at, v.level))
        elif kind == "ticket.transferred":
            close(v, at, "transferred")
            v.segs.append(Seg(d["service"], at, v.level))
        elif kind == "ticket.escalated":
            close(v, at, "escalated")
            v.level = d["level"]
            v.segs.append(Seg(seg.service, at, v.level))
    return visits, ratings, window_events


# ---------------------------------------------------------------------- the rules, written again

def service_kinds(store) -> dict[str, str]:
    return {r["id"]: r["kind"] for r in store.query("SELECT id, kind FROM services WHERE office = 'demo'")}


def limits(kinds):
    prof = norm_profile("kuzbass-2020", OVERRIDES)

    def wait_limit(service):
        n = prof.wait_norm(kinds[service])
        return None if n is None else n.limit * 60

    def service_limit(service, level):
        n = prof.service_norm(kinds[service], level)
        return None if n is None else n.limit * 60

    return wait_limit, service_limit, prof


def wait_of(s: Seg):
    came = s.started is not None or s.outcome in ("transferred", "escalated", "postponed")
    return s.called - s.queued if s.called is not None and came else None


def service_of(s: Seg):
    ok = (s.started is not None and s.ended is not None
          and s.outcome in ("finished", "transferred", "escalated", "postponed"))
    return s.ended - s.started if ok else None


def figures(values: list[tuple[float, float | None]]) -> dict:
    xs = sorted(x for x, _ in values)
    n = len(xs)
    if n == 0:
        return {"count": 0, "avg": None, "median": None, "p90": None, "max": None, "normed": 0, "within": 0,
                "within_share": None}
    median = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    rank = -(-9 * n // 10)  # ⌈0.9·n⌉
    normed = [(x, lim) for x, lim in values if lim is not None]
    within = len([1 for x, lim in normed if x <= lim])
    return {"count": n, "avg": sum(xs) / n, "median": median, "p90": xs[rank - 1], "max": xs[-1],
            "normed": len(normed), "within": within, "within_share": within / len(normed) if normed else None}


def hour_of(at: float, day: date) -> int:
    t = datetime.fromtimestamp(at, MSK)
    return 0 if t.date() < day else 23 if t.date() > day else t.hour


def expected_day(store, events, day: date) -> dict:
    visits, ratings, window_events = replay(events)
    kinds = service_kinds(store)
    wait_limit, service_limit, prof = limits(kinds)
    close = datetime.combine(day, CLOSES, MSK).timestamp()
    cut = min(close, NOW)

    rows = {dim: defaultdict(lambda: {"segs": [], "over": 0, "pauses": []})
            for dim in ("service", "window", "operator", "hour", "total")}
    for v in visits.values():
        for s in v.segs:
            for dim, key in (("total", "total"), ("service", s.service), ("window", s.window),
                             ("operator", s.operator), ("hour", hour_of(s.queued, day))):
                if key is not None:
                    rows[dim][key]["segs"].append(s)
        if v.end_state == "served" and v.ended - v.issued > 33 * 60:
            last = v.segs[-1]
            for dim, key in (("total", "total"), ("service", last.service), ("window", last.window),
                             ("operator", last.operator), ("hour", hour_of(last.queued, day))):
                if key is not None:
                    rows[dim][key]["over"] += 1

    # pauses: paused → the next opened/closed of that window, cut at the close of reception
    pauses = []
    state: dict[int, dict] = {}
    who: dict[int, str | None] = {}
    for e in window_events:
        w = e["window"]
        if e["type"] == "window.paused" and w not in state:
            state[w] = {"window": w, "operator": who.get(w), "reason": e.get("reason"), "start": e["at"]}
        elif e["type"] in ("window.opened", "window.closed"):
            if w in state:
                p = state.pop(w)
                p["seconds"] = max(0.0, min(e["at"], cut) - p["start"])
                pauses.append(p)
            who[w] = e.get("operator") or who.get(w) if e["type"] == "window.opened" else None
    for p in state.values():
        p["seconds"] = max(0.0, cut - p["start"])
        pauses.append(p)
    for p in pauses:
        for dim, key in (("total", "total"), ("window", p["window"]), ("operator", p["operator"]),
                         ("hour", hour_of(p["start"], day))):
            if key is not None:
                rows[dim][key]["pauses"].append(p["seconds"])

    def row(r, pausable):
        segs = r["segs"]
        out = {
            "segments": len(segs),
            "served": sum(1 for s in segs if s.outcome == "finished"),
            "wait": figures([(wait_of(s), wait_limit(s.service)) for s in segs if wait_of(s) is not None]),
            "service": figures([(service_of(s), service_limit(s.service, s.level))
                                for s in segs if service_of(s) is not None]),
            "unfinished": sum(1 for s in segs if s.outcome in (None, "expired")),
            "recalls": sum(s.recalls for s in segs),
            "visits_over": r["over"],
            "pauses": len(r["pauses"]) if pausable else None,
            "pause_seconds": math.fsum(r["pauses"]) if pausable else None,
        }
        for c in ("no_show", "cancelled", "transferred", "escalated", "postponed", "resolved"):
            out[c] = sum(1 for s in segs if s.outcome == c)
        return out

    out = {dim: {k: row(r, dim in ("window", "operator", "hour", "total")) for k, r in rows[dim].items()}
           for dim in rows}
    # hours also: arrivals (tickets issued) and services finished in the hour
    for v in visits.values():
        out["hour"].setdefault(hour_of(v.issued, day), row({"segs": [], "over": 0, "pauses": []}, True))
    for h, r in out["hour"].items():
        r["arrivals"] = sum(1 for v in visits.values() if hour_of(v.issued, day) == h)
        r["served_in_hour"] = sum(1 for v in visits.values() for s in v.segs
                                  if s.outcome == "finished" and hour_of(s.ended, day) == h)

    states = defaultdict(int)
    for v in visits.values():
        states[v.end_state] += 1
    served_times = [(v.ended - v.issued, 33 * 60) for v in visits.values() if v.end_state == "served"]
    waits = [wait_of(s) for v in visits.values() for s in v.segs if wait_of(s) is not None]
    edges = [2, 4, 6, 8, 10, 12, 15, 20, 25, 30]
    buckets = [0] * 11
    for w in waits:
        i = 0
        while i < len(edges) and w > edges[i] * 60:
            i += 1
        buckets[i] += 1
    phases = defaultdict(list)
    for v in visits.values():
        for s in v.segs:
            if service_of(s) is None:
                continue  # a phase counts with a measured service only
            for ph, secs in s.phases.items():
                phases[ph].append((secs, prof.phase_norm(ph).limit * 60 if prof.phase_norm(ph) else None))

    by_op, by_svc = defaultdict(list), defaultdict(list)
    for r in ratings:
        by_op[r["operator"]].append(r["score"])
        by_svc[r["service"]].append(r["score"])

    return {
        "rows": out, "visits": {"issued": len(visits), "served": states["served"], "resolved": states["resolved"],
                                "no_show": states["no_show"], "cancelled": states["cancelled"],
                                "unfinished": states["unfinished"] + states["open"]},
        "visit_time": figures(served_times), "buckets": buckets, "phases": {k: figures(v) for k, v in phases.items()},
        "pauses": pauses, "ratings": ratings, "by_op": by_op, "by_svc": by_svc,
    }


# ---------------------------------------------------------------------- comparing

def same(actual, expected, where: str) -> None:
    if isinstance(expected, dict):
        for k, v in expected.items():
            same(actual[k], v, f"{where}.{k}")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-6), where
    else:
        assert actual == expected, where


@pytest.fixture(scope="module")
def expected(hub_db, store):
    return {d: expected_day(store, read_log(hub_db, d), d) for d in (DAY1, DAY2)}


@pytest.mark.parametrize("day", [DAY1, DAY2])
def test_the_generated_day_has_every_kind_of_case(reports, day):
    """The comparison below means something only if every outcome actually happened."""
    t = reports[day]["total"]
    for figure in ("served", "no_show", "cancelled", "transferred", "postponed", "recalls", "visits_over"):
        assert t[figure] > 0, figure
    assert reports[day]["visits"]["issued"] > 100
    assert reports[day]["pauses"]["count"] >= 7  # six lunches, a technical break, a forgotten one
    assert reports[day]["ratings"]["count"] > 10
    assert t["wait"]["within"] < t["wait"]["normed"]  # some waits broke the norm
    if day == DAY1:
        assert t["escalated"] > 0 and t["unfinished"] > 0 and t["resolved"] > 0
        assert {"technical", "lunch", "other"} <= set(reports[day]["pauses"]["by_reason"])


@pytest.mark.parametrize("day", [DAY1, DAY2])
@pytest.mark.parametrize("dim,key", [("service", "by_service"), ("window", "by_window"),
                                     ("operator", "by_operator"), ("hour", "by_hour")])
def test_every_row_equals_the_replay(reports, expected, day, dim, key):
    rows = {r["key"]: r for r in reports[day][key]}
    want = expected[day]["rows"][dim]
    if dim == "hour":  # the report lists every hour between the first and the last with activity
        assert set(want) <= set(rows)
        assert all(r["segments"] == 0 and r["arrivals"] == 0 for k, r in rows.items() if k not in want)
    else:
        assert set(rows) == set(want)
    for k, w in want.items():
        same(rows[k], w, f"{key}[{k}]")


@pytest.mark.parametrize("day", [DAY1, DAY2])
def test_day_totals_visits_and_distribution(reports, expected, day):
    rep, exp = reports[day], expected[day]
    same(rep["total"], exp["rows"]["total"]["total"], "total")
    same(rep["visits"], exp["visits"], "visits")
    same(rep["visits"]["time"], exp["visit_time"], "visits.time")
    assert rep["visits"]["over_norm"] == exp["rows"]["total"]["total"]["visits_over"]
    assert [b["count"] for b in rep["wait_distribution"]] == exp["buckets"]
    assert set(rep["phases"]) == set(exp["phases"]) and rep["phases"]
    for ph, f in exp["phases"].items():
        same(rep["phases"][ph], f, f"phases.{ph}")


@pytest.mark.parametrize("day", [DAY1, DAY2])
def test_pauses_equal_the_replay(reports, expected, day):
    got = reports[day]["pauses"]
    want = sorted(expected[day]["pauses"], key=lambda p: (p["start"], p["window"]))
    assert got["count"] == len(want)
    assert got["seconds"] == pytest.approx(math.fsum(p["seconds"] for p in want))
    assert [(p["window"], p["operator"], p["reason"]) for p in got["list"]] == \
        [(p["window"], p["operator"], p["reason"]) for p in want]
    assert [p["seconds"] for p in got["list"]] == pytest.approx([p["seconds"] for p in want])
    close = datetime.combine(day, CLOSES, MSK).timestamp()
    assert max(p["end"] for p in got["list"]) <= close  # a break nobody ended stops at closing


@pytest.mark.parametrize("day", [DAY1, DAY2])
def test_ratings_equal_the_rating_events(reports, expected, day):
    r, exp = reports[day]["ratings"], expected[day]
    scores = [x["score"] for x in exp["ratings"]]
    assert r["count"] == len(scores)
    assert r["average"] == round(sum(scores) / len(scores), 2)
    assert r["distribution"] == {str(s): scores.count(s) for s in range(1, 6)}
    assert r["satisfaction"] == round(sum(1 for s in scores if s >= 4) / len(scores), 4)  # 4 decimals
    assert r["with_comment"] == sum(1 for x in exp["ratings"] if x["commented"]) == len(r["comments"])
    assert {g["operator"]: (g["count"], g["average"]) for g in r["by_operator"]} == \
        {op: (len(v), round(sum(v) / len(v), 2)) for op, v in exp["by_op"].items()}
    assert {g["service"]: g["count"] for g in r["by_service"]} == {s: len(v) for s, v in exp["by_svc"].items()}


def test_the_month_and_the_year_are_the_pooled_days(store, reports):
    """004:203–209: the month's average is over all its visits, i.e. the days pooled."""
    month = build.monthly(store, "demo", 2026, 11, NOW)
    year = build.yearly(store, "demo", 2026, NOW)
    days = [reports[DAY1], reports[DAY2]]
    nov = year["months"][10]
    for part in ("wait", "service"):
        count = sum(d["total"][part]["count"] for d in days)
        pooled = sum(d["total"][part]["avg"] * d["total"][part]["count"] for d in days) / count
        for figures_ in (month["total"][part], nov[part], year["total"][part]):
            assert figures_["count"] == count
            assert figures_["avg"] == pytest.approx(pooled, rel=1e-9)
            assert figures_["max"] == pytest.approx(max(d["total"][part]["max"] for d in days))
            assert figures_["within"] == sum(d["total"][part]["within"] for d in days)
    for f in ("segments", "served", "no_show", "cancelled", "transferred", "escalated", "postponed", "resolved",
              "unfinished", "recalls"):
        assert month["total"][f] == nov[f] == sum(d["total"][f] for d in days), f
    for f in ("issued", "served", "resolved", "no_show", "cancelled", "unfinished", "over_norm"):
        assert month["visits"][f] == nov["visits"][f] == sum(d["visits"][f] for d in days), f
    assert month["total"]["pauses"] == nov["pauses"] == sum(d["pauses"]["count"] for d in days)
    assert month["total"]["pause_seconds"] == pytest.approx(sum(d["pauses"]["seconds"] for d in days))
    assert nov["rating"]["count"] == month["ratings"]["count"] == sum(d["ratings"]["count"] for d in days)
    # each day's row of the month is that day's report
    by_day = {r["key"]: r for r in month["by_day"]}
    for d in days:
        row = by_day[d["date"]]
        assert row["issued"] == d["visits"]["issued"] and row["segments"] == d["total"]["segments"]
        assert row["wait"]["avg"] == pytest.approx(d["total"]["wait"]["avg"])
        assert row["service"]["within_share"] == pytest.approx(d["total"]["service"]["within_share"])
        assert row["visits_over"] == d["total"]["visits_over"]
    # by service / window / operator: the month's counts are the sums of the days' rows
    for key in ("by_service", "by_window", "by_operator"):
        month_rows = {r["key"]: r for r in month[key]}
        for d in days:
            for r in d[key]:
                assert r["key"] in month_rows
        for k, r in month_rows.items():
            day_rows = [x for d in days for x in d[key] if x["key"] == k]
            assert r["segments"] == sum(x["segments"] for x in day_rows)
            assert r["wait"]["count"] == sum(x["wait"]["count"] for x in day_rows)
            assert r["visits_over"] == sum(x["visits_over"] for x in day_rows), (key, k)
            if key != "by_service":
                assert r["pauses"] == sum(x["pauses"] or 0 for x in day_rows), (key, k)
    assert [m["visits"]["issued"] for i, m in enumerate(year["months"]) if i != 10] == [0] * 11


# ---------------------------------------------------------------------- the kept months of the yearly pack

def test_a_closed_month_is_kept_and_counted_again_when_anything_changes(hub_db, tmp_path, monkeypatch):
    path = tmp_path / "copy.sqlite"
    src, dst = sqlite3.connect(hub_db), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    store = Store(path)
    later = datetime(2026, 12, 2, 9, 0, tzinfo=MSK).timestamp()
    live = build.yearly(store, "demo", 2026, NOW)  # November is still going: only the months before it are kept
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    assert [r["month"] for r in store.query("SELECT month FROM report_months ORDER BY month")] == months[:10]
    # the office moves on to December: November is closed and kept
    dst.execute("INSERT INTO events (office, day, type, at, data) "
                "VALUES ('demo', '2026-12-01', 'day.started', ?, '{}')", (later - 3600,))
    dst.commit()
    first = build.yearly(store, "demo", 2026, later)
    assert [r["month"] for r in store.query("SELECT month FROM report_months ORDER BY month")] == months[:11]
    from server.reports import source

    counted = []
    real = source.segment_aggregates
    monkeypatch.setattr(source, "segment_aggregates",
                        lambda st, ctx, group, a, b: counted.append((a, b)) or real(st, ctx, group, a, b))
    kept = build.yearly(store, "demo", 2026, later)
    assert counted == [("2026-12-01", "2026-12-31")]  # only the month still going is counted
    for a, b, c in zip(live["months"], first["months"], kept["months"], strict=True):
        a, b, c = (json.loads(json.dumps({k: v for k, v in x.items()})) for x in (a, b, c))
        assert a == b == c
    # the norms change: the kept months no longer count
    dst.execute("""UPDATE offices SET profile_overrides = '{"consultation": {"wait": 2}, "visit_total": 33}'""")
    dst.commit()
    stricter = build.yearly(store, "demo", 2026, later)
    assert counted[-1] == ("2026-01-01", "2026-12-31")
    assert stricter["months"][10]["wait"]["within"] < kept["months"][10]["wait"]["within"]
    assert stricter["months"][10]["wait"]["avg"] == pytest.approx(kept["months"][10]["wait"]["avg"])
    # a ticket of November disappears (a repair of old data): counted again, not read from the cache
    dst.execute("DELETE FROM segments WHERE ticket = (SELECT max(id) FROM tickets WHERE day = ?)", (DAY2.isoformat(),))
    dst.execute("DELETE FROM ratings WHERE ticket = (SELECT max(id) FROM tickets WHERE day = ?)", (DAY2.isoformat(),))
    dst.execute("DELETE FROM tickets WHERE id = (SELECT max(id) FROM tickets WHERE day = ?)", (DAY2.isoformat(),))
    dst.commit()
    repaired = build.yearly(store, "demo", 2026, later)
    assert repaired["months"][10]["visits"]["issued"] == stricter["months"][10]["visits"]["issued"] - 1
    dst.close()
