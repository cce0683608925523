"""Consolidated reports at the company centre, by the office's own report code (issue 11 point 4).

One real PostgreSQL database, one real centre process, two real office hubs shipping to it: «msk»
in Moscow and «vl» in Vladivostok (UTC+10, so its local day is not the UTC day). The hubs work a
day through their API with their testing clocks; then the centre's reports are compared with the
hubs' own, number for number, and the company's report with hand-computed pooled figures.
"""
from __future__ import annotations

import io
import json
import math
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from pg_support import CentralProcess, OfficeHub, fresh_database, wait_until

from server.central import config_store
from server.central.staff_store import StaffStore
from server.central.store import CentralStore
from server.store import Store

API = "/api/v1/central"
MSK, VL = "msk", "vl"
OFFICES = {MSK: ("Центр обслуживания на Ленина (Москва)", "Europe/Moscow", "Москва"),
           VL: ("Центр обслуживания во Владивостоке", "Asia/Vladivostok", "Приморский край")}


def office_database(path, office: str, name: str, tz: str) -> None:
    """The demo office under another id, name and time zone, open round the clock, with only the
    admin's account (each password costs seconds of hashing; the operators are not needed here)."""
    from server.demo import demo_definition
    from server.store.config import import_office

    d = demo_definition(round_the_clock=True)
    d["office"].update(id=office, name=name)
    d["office"]["schedule"]["tz"] = tz
    d["users"] = [u for u in d["users"] if u["login"] == "admin"]
    store = Store(path)
    try:
        import_office(store, d)
    finally:
        store.close()


def work_day() -> date:
    """A day well ahead (the 10th of the month after next): the hubs' clocks are moved to it."""
    today = date.today()
    first = (today.replace(day=1) + timedelta(days=70)).replace(day=1)
    return first.replace(day=10)


DAY = work_day()


class Office:
    def __init__(self, hub: OfficeHub, office: str, tz: str):
        self.hub, self.office, self.zone = hub, office, ZoneInfo(tz)
        self.c = hub.client("admin")
        self.window = self.c.state(office)["windows"][0]["id"]

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        """Move the hub's clock to ``day`` ``hour:minute`` local time (only forward)."""
        target = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone).timestamp()
        self.c.post("/api/v1/testing/clock", {"offset": target - time.time()})

    def advance(self, seconds: float) -> None:
        self.c.post("/api/v1/testing/clock", {"advance": seconds})

    def open(self) -> None:
        if self.c.window(self.window).get("state") != "open":
            self.c.window(self.window, "open")

    def visit(self, wait: float, service: float, kind: str = "consult", accounts: int = 1) -> None:
        """One visitor: waits ``wait`` s, is served ``service`` s (the clock runs on by the calls' own ms);
        ``accounts``: how many accounts the request covers, as the operator enters it (001:841)."""
        issued = self.c.issue(self.office, kind, source="kiosk")
        self.open()  # (the first command of a new office day closes yesterday's windows)
        self.advance(wait)
        t = self.c.call_next(self.window)
        self.c.act(t["id"], "start")
        if accounts != 1:
            self.c.set_accounts(t["id"], accounts)
        self.advance(service)
        self.c.act(t["id"], "finish")
        return issued

    def rate_and_answer(self, issued: dict, score: int, answers: dict) -> None:
        """The visitor's page: the 1-5 rating, then the questionnaire (000:622-762)."""
        url = self.hub.url + issued["url"]
        html = requests.get(url, timeout=10).text
        csrf = json.loads(re.search(r'id="ticket-data">(.*?)</script>', html, re.S).group(1))["csrf"]
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        assert requests.post(url + "/rating", json={"score": score}, headers=headers, timeout=10).status_code == 201
        assert requests.post(url + "/survey", json={"answers": answers}, headers=headers,
                             timeout=10).status_code == 201

    def last_seq(self) -> int:
        s = Store(self.hub.db)
        try:
            return s.last_seq(self.office)
        finally:
            s.close()

    def own_report(self, kind: str, **query) -> dict:
        return self.c.get(f"/api/v1/offices/{self.office}/reports/{kind}", **query)


@pytest.fixture(scope="module")
def company(pg_cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("central-reports")
    url = fresh_database(pg_cluster)
    store = CentralStore(url)
    store.migrate()
    staff = StaffStore(store)
    keys = {}
    for office, (name, _tz, region) in OFFICES.items():
        keys[office] = store.pair(store.issue_pairing_code(office, name))["key"]
        staff.set_office_region(office, region)
    staff.add_staff("boss", "Анна Петрова", "boss-password", "company_admin")
    staff.add_staff("east", "Игорь Восточный", "east-password", "regional_head", regions=["Приморский край"])
    centre = CentralProcess(url, tmp, project_every=0.2).start()
    hubs = {}
    try:
        for office, (name, tz, _region) in OFFICES.items():
            db = tmp / f"{office}.sqlite"
            office_database(db, office, name, tz)
            hubs[office] = OfficeHub(db, centre.url, keys[office], batch=200, retry_max=0.5).start()
        offices = {o: Office(h, o, OFFICES[o][1]) for o, h in hubs.items()}
        m, v = offices[MSK], offices[VL]
        # Moscow: three visitors on DAY, waiting 10, 20 and 5 minutes, each served 5 minutes
        m.at(DAY, 9)
        m.open()
        first = m.visit(600, 300)
        m.rate_and_answer(first, 5, {"q1": "yes", "q2_office": "4", "q5": ["office", "bank"]})
        m.visit(1200, 300)
        m.visit(300, 300)
        # a contract for three accounts served 20 minutes: within its norm of 8 minutes per account
        # (001:841) only if the centre scales it by the accounts as the office does
        m.visit(60, 1200, "contract", accounts=3)
        # casework (004:206): a home visit asked for and made, a complaint answered, a request still open
        cw = f"/api/v1/offices/{MSK}/casework"
        hv = m.c.post(cw + "/visits", {"name": "Иванова Анна Петровна", "phone": "+7 900 123-45-67",
                                       "address": "ул. Ленина, 1, кв. 5", "reason": "Переоформить договор",
                                       "consent": True, "lives_alone": True, "disability": True, "over_65": False})
        m.c.post(cw + f"/visits/{hv['id']}/action", {"action": "schedule", "date": DAY.isoformat()})
        m.c.post(cw + f"/visits/{hv['id']}/action", {"action": "done"})
        complaint = m.c.post(cw + "/requests", {"kind": "complaint", "channel": "paper", "subject": "Неверный счёт",
                                                "name": "Петров Сергей", "contact": "+7 913 000-11-22",
                                                "consent": True})
        m.c.post(cw + f"/requests/{complaint['id']}/answer", {})
        m.c.post(cw + "/requests", {"kind": "request", "channel": "paper", "subject": "Справка", "name": "Сидоров",
                                    "contact": "+7 913 000-11-23", "consent": True})
        # Vladivostok: one visitor waiting 1 minute, served 5; one more at 23:50 who is never called
        # (the day's change ends the ticket); and one at 00:10 of the next local day - the same UTC day
        v.at(DAY, 9)
        v.open()
        v.visit(60, 300)
        v.at(DAY, 23, 50)
        v.c.issue(VL, "cash", source="kiosk")
        v.at(DAY + timedelta(days=1), 0, 10)
        v.open()
        v.visit(120, 200, "cash")
        # a later day begins in both offices, so DAY (and DAY + 1 in Vladivostok) are over
        for o in offices.values():
            o.at(DAY + timedelta(days=3), 9)
            o.c.issue(o.office, "consult", source="kiosk")
        for o in offices.values():
            target = o.last_seq()
            def shipped(target=target, o=o):
                r = store.office(o.office)
                return r and r["high_water_mark"] >= target and r["projected_seq"] >= target
            wait_until(shipped, timeout=90, what=f"office {o.office} shipped and projected")
        yield {"store": store, "centre": centre, "offices": offices, "url": url}
    finally:
        for h in hubs.values():
            h.stop()
        centre.stop()
        store.close()


def bearer(company, login: str, password: str) -> dict:
    """A signed-in staff member's header (one sign-in per login for the module: password hashing is slow)."""
    tokens = company.setdefault("tokens", {})
    if login in tokens:
        return tokens[login]
    r = requests.post(company["centre"].url + API + "/session", json={"login": login, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    tokens[login] = {"Authorization": f"Bearer {r.json()['token']}"}
    return tokens[login]


def central(company, path: str, who=("boss", "boss-password"), **params) -> requests.Response:
    return requests.get(company["centre"].url + API + path, params=params, headers=bearer(company, *who), timeout=60)


def central_json(company, path: str, **params) -> dict:
    r = central(company, path, **params)
    assert r.status_code == 200, r.text
    return r.json()


def same(a, b, path="report"):
    """Equal number for number; sums of seconds made by SQLite and by PostgreSQL may differ in the
    last binary digit (the order of addition), so floats are compared to 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} != {b!r}"
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), \
            f"{path}: {len(a)} items != {len(b) if isinstance(b, list) else b}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def without_time(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    report.pop("generated_at", None)
    return report


# ---------------------------------------------------------------------- the configuration flow

def test_the_office_settings_reach_the_centre_once_and_are_checked(company):
    store, centre = company["store"], company["centre"]
    for office, (_name, tz, _) in OFFICES.items():
        versions = config_store.history(store, office)
        assert len(versions) == 1, versions  # sent on start; the hub's later checks stored nothing new
        assert versions[0]["tz"] == tz
    own = Store(company["offices"][MSK].hub.db)
    try:
        from server.reports.source import config_snapshot
        settings = config_snapshot(own, MSK)
    finally:
        own.close()
    key = company["store"].pair(company["store"].issue_pairing_code(MSK))["key"]
    def put(office, body, k=key):
        return requests.put(f"{centre.url}{API}/offices/{office}/config", json=body,
                            headers={"Authorization": f"Bearer {k}"}, timeout=30)
    again = put(MSK, {"valid_from": time.time(), "settings": settings})
    assert again.status_code == 200 and again.json()["stored"] is False
    assert len(config_store.history(store, MSK)) == 1
    # schema-checked, in Russian, nothing stored
    for body in ({"valid_from": time.time()}, {"valid_from": "now", "settings": settings},
                 {"valid_from": time.time(), "settings": {**settings, "tz": "Mars/Olympus"}},
                 {"valid_from": time.time(), "settings": {**settings, "services": [{"id": 1}]}}, [1]):
        r = put(MSK, body)
        assert r.status_code == 400 and r.json()["error"] == "invalid" and r.json()["message"][0] in "НТ", r.text
    # the office's own key only; no key 401
    assert put(VL, {"valid_from": time.time(), "settings": settings}).status_code == 403
    assert requests.put(f"{centre.url}{API}/offices/{MSK}/config", json={}, timeout=30).status_code == 401
    assert len(config_store.history(store, MSK)) == 1 and len(config_store.history(store, VL)) == 1


# ---------------------------------------------------------------------- the office's reports, equal

@pytest.mark.parametrize("office", [MSK, VL])
def test_the_centres_daily_report_equals_the_office_hubs_own(company, office):
    o = company["offices"][office]
    for day in (DAY, DAY + timedelta(days=1)):
        own = o.own_report("daily", date=day.isoformat())
        theirs = central_json(company, f"/reports/offices/{office}/daily", date=day.isoformat())
        same(without_time(theirs), without_time(own))
    msk = central_json(company, f"/reports/offices/{MSK}/daily", date=DAY.isoformat())
    assert msk["total"]["segments"] == 4
    # the contract for three accounts, served 20 minutes, is within its norm of 3 × 8 minutes (001:841)
    contract = next(g for g in msk["by_service"] if g["key"] == "contract")
    assert contract["service"]["normed"] == 1 and contract["service"]["within"] == 1


def test_a_report_day_is_the_offices_own_local_day(company):
    """23:50 and 00:10 in Vladivostok are the same UTC day but two office days."""
    day1 = central_json(company, f"/reports/offices/{VL}/daily", date=DAY.isoformat())
    day2 = central_json(company, f"/reports/offices/{VL}/daily", date=(DAY + timedelta(days=1)).isoformat())
    assert day1["visits"]["issued"] == 2 and day1["visits"]["served"] == 1 and day1["visits"]["unfinished"] == 1
    assert day2["visits"]["issued"] == 1 and day2["visits"]["served"] == 1
    assert day2["total"]["wait"]["avg"] == pytest.approx(120, abs=2)


@pytest.mark.parametrize("office", [MSK, VL])
def test_the_centres_monthly_and_yearly_reports_equal_the_office_hubs_own(company, office):
    o = company["offices"][office]
    month = DAY.strftime("%Y-%m")
    theirs = without_time(central_json(company, f"/reports/offices/{office}/monthly", month=month))
    own = without_time(o.own_report("monthly", month=month))
    # «Рекомендации по числу окон» (server/planning/report.py, being added to the hub's month) reads
    # the hub's SQLite directly and is not made at the centre: every figure of the month is compared
    own.pop("staffing", None)
    assert theirs.pop("staffing", None) is None
    # written requests and home visits (server/reports/casework.py): the office counts its tables,
    # the centre the ids and kinds the office shipped in its events - the same figures
    if office == MSK:
        cw = own["casework"]
        assert cw["visits"] == {"requested": 1, "done": 1, "refused": 0}
        assert cw["requests"]["complaint"]["registered"] == cw["requests"]["complaint"]["in_time"] == 1
        assert cw["requests"]["request"]["registered"] == 1
    same(theirs, own)
    # the year at the centre comes from its day roll-up; the office's from its own SQL sums
    year_theirs = without_time(central_json(company, f"/reports/offices/{office}/yearly", year=str(DAY.year)))
    year_own = without_time(o.own_report("yearly", year=DAY.year))
    # the visitor questionnaire (server/reports/survey.py): the office counts its table, the centre
    # the survey.answered events the office shipped - the same figures
    assert year_own["survey"]["available"] is True
    assert year_own["survey"]["visits"] == (1 if office == MSK else 0)
    same(year_theirs, year_own)


# ---------------------------------------------------------------------- pooled

def test_the_company_report_pools_the_offices_figures(company):
    """Waits 600, 1200, 300, 60 s (Moscow, average 540) and 60, 120 s (Vladivostok, average 90): the
    company's month is the pooled (600 + 1200 + 300 + 60 + 60 + 120) / 6 = 390 s, not the average
    of the offices' averages (540 + 90) / 2 = 315 s. Each office also issued one ticket three days
    later, still waiting when the report is made."""
    month = DAY.strftime("%Y-%m")
    r = central_json(company, "/reports/company/monthly", month=month)
    assert r["office"]["id"] == "company"
    assert r["total"]["wait"]["count"] == 6
    assert r["total"]["wait"]["avg"] == pytest.approx(2340 / 6, abs=2)
    assert r["total"]["service"]["avg"] == pytest.approx(2600 / 6, abs=2)
    assert r["visits"]["issued"] == 4 + 2 + 1 + 2 and r["visits"]["served"] == 6
    day = next(d for d in r["by_day"] if d["key"] == DAY.isoformat())
    assert day["wait"]["count"] == 5
    assert day["wait"]["avg"] == pytest.approx(2220 / 5, abs=2)  # 444, not (540 + 60) / 2 = 300
    assert day["issued"] == 6
    by_office = {row["key"]: row for row in r["by_office"]}
    assert by_office[MSK]["wait"]["avg"] == pytest.approx(540, abs=2)
    assert by_office[VL]["wait"]["avg"] == pytest.approx(90, abs=2)
    # within the norms: the pooled counts are the offices' counts added
    own = [central_json(company, f"/reports/offices/{o}/monthly", month=month)["total"] for o in (MSK, VL)]
    assert r["total"]["wait"]["within"] == sum(t["wait"]["within"] for t in own)
    assert r["total"]["wait"]["normed"] == sum(t["wait"]["normed"] for t in own) == 6
    year = central_json(company, "/reports/company/yearly", year=str(DAY.year))
    m = year["months"][DAY.month - 1]
    assert m["wait"]["count"] == 6 and m["wait"]["avg"] == pytest.approx(390, abs=2)
    assert m["wait"]["within"] == r["total"]["wait"]["within"]
    assert m["visits"]["issued"] == 9 and year["total"]["visits"]["issued"] == 9
    assert m["service"]["avg"] == pytest.approx(2600 / 6, abs=2)
    # a region: only its offices
    east = central_json(company, "/reports/regions/Приморский край/yearly", year=str(DAY.year))
    assert east["total"]["visits"]["issued"] == 4 and [o["key"] for o in east["by_office"]] == [VL]


def test_every_format_of_a_centre_report(company):
    import openpyxl
    from pypdf import PdfReader

    path = f"/reports/offices/{MSK}/monthly"
    month = DAY.strftime("%Y-%m")
    html = central(company, path, month=month, format="html")
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert "Центр обслуживания на Ленина" in html.text
    csv = central(company, "/reports/company/yearly", year=str(DAY.year), format="csv")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "Итого за" in text and "По офисам" in text
    assert all(name in text for name, _tz, _region in OFFICES.values())
    pooled = central(company, "/reports/company/monthly", month=month, format="pdf")
    pooled_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pooled.content)).pages).split())
    assert pooled.status_code == 200 and "По офисам" in pooled_text and "Москва" in pooled_text
    xlsx = central(company, path, month=month, format="xlsx")
    assert xlsx.status_code == 200 and openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    pdf = central(company, f"/reports/offices/{VL}/daily", date=DAY.isoformat(), format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Владивосток" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_the_disclosure_of_every_office_in_one_xlsx_and_one_pdf(company):
    import openpyxl
    from pypdf import PdfReader

    xlsx = central(company, "/reports/disclosure", year=str(DAY.year), format="xlsx")
    assert xlsx.status_code == 200, xlsx.text
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    names = " ".join(wb.sheetnames)
    for name, _tz, _region in OFFICES.values():
        assert name[:31] in names and name in text
    assert "Компания по месяцам" in names
    pdf = central(company, "/reports/disclosure", year=str(DAY.year), format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    words = " ".join(words.split())
    for name, _tz, _region in OFFICES.values():
        assert name in words, name
    data = central_json(company, "/reports/disclosure", year=str(DAY.year), format="json")
    assert data["company"]["total"]["visits"]["issued"] == sum(o["total"]["visits"]["issued"] for o in data["offices"])


# ---------------------------------------------------------------------- access and bad input

def test_a_regional_head_sees_only_their_region(company):
    east = ("east", "east-password")
    assert central(company, f"/reports/offices/{VL}/daily", who=east, date=DAY.isoformat()).status_code == 200
    for path in (f"/reports/offices/{MSK}/daily", "/reports/regions/Москва/monthly", "/reports/company/yearly",
                 "/reports/disclosure"):
        r = central(company, path, who=east)
        assert r.status_code == 403 and r.json()["error"] == "forbidden" and r.json()["message"], (path, r.text)
    assert central(company, "/reports/regions/Приморский край/monthly", who=east,
                   month=DAY.strftime("%Y-%m")).status_code == 200
    assert requests.get(company["centre"].url + API + "/reports/company/yearly", timeout=30).status_code == 401


def test_bad_queries_are_400_in_russian(company):
    for path, params in ((f"/reports/offices/{MSK}/daily", {"date": "2026-13-40"}),
                         (f"/reports/offices/{MSK}/daily", {"date": "вчера"}),
                         (f"/reports/offices/{MSK}/monthly", {"month": "2026-1"}),
                         (f"/reports/offices/{MSK}/yearly", {"year": "1999"}),
                         (f"/reports/offices/{MSK}/daily", {"format": "docx"}),
                         ("/reports/disclosure", {"format": "csv"})):
        r = central(company, path, **params)
        assert r.status_code == 400 and r.json()["error"] == "invalid", (path, params, r.text)
        assert any("а" <= ch <= "я" for ch in r.json()["message"].lower())
    assert central(company, "/reports/offices/nowhere/daily").status_code == 404
    assert central(company, f"/reports/offices/{MSK}/weekly").status_code == 404


# ---------------------------------------------------------------------- settings history (last: it renames an office)

def test_a_past_day_keeps_the_settings_in_force_that_day(company):
    """The office is renamed (the hub records config.changed and ships a new snapshot): the centre
    keeps both versions; DAY's report keeps the old name, a day after the change has the new one,
    and the days from the change on are projected again with the new version."""
    store, m = company["store"], company["offices"][MSK]
    old = OFFICES[MSK][0]
    m.c.request("PUT", f"/api/v1/offices/{MSK}/settings", json={"name": "Центр обслуживания «Новый»"})
    versions = wait_until(lambda: (lambda h: h if len(h) == 2 else None)(config_store.history(store, MSK)),
                          timeout=30, what="the new settings at the centre")
    assert versions[0]["valid_from"] < versions[1]["valid_from"]
    later = (DAY + timedelta(days=3)).isoformat()
    with store.connection() as conn:
        wait_until(lambda: conn.execute("SELECT config_hash FROM day_figures WHERE office = %s AND day = %s",
                                        (MSK, later)).fetchone()["config_hash"] == versions[1]["hash"],
                   timeout=30, what="the day after the change projected with the new settings")
        assert conn.execute("SELECT config_hash FROM day_figures WHERE office = %s AND day = %s",
                            (MSK, DAY.isoformat())).fetchone()["config_hash"] == versions[0]["hash"]
    assert central_json(company, f"/reports/offices/{MSK}/daily", date=DAY.isoformat())["office"]["name"] == old
    assert central_json(company, f"/reports/offices/{MSK}/daily", date=later)["office"]["name"] == \
        "Центр обслуживания «Новый»"
