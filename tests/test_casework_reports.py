"""The monthly and yearly reports count written requests by kind (registered, answered in time,
answered late, overdue) and home visits (requested, done, refused) - 004:206 - in every format
(JSON, HTML, CSV, XLSX, PDF), through a real hub; a report whose source is not an office's file
(the centre's) says «нет данных» instead of failing."""
import csv
import io
from datetime import date

import openpyxl
import pypdf
import pytest
import requests

from server.reports import casework as section

BASE = "/api/v1/offices/demo/casework"
DAY = 86400.0
REQ = dict(channel="paper", subject="Счёт", name="Петров", contact="+7 900 000-00-01", consent=True)
VISIT = dict(name="Иванова", phone="+7 900 123-45-67", address="ул. Ленина, 1", reason="Договор", consent=True,
             lives_alone=True, disability=False, over_65=True)


@pytest.fixture(scope="module")
def month(shared_hub):
    """Two complaints (one answered in time, one left to go overdue), a claim answered late, a
    request still open; three home visits: one done, one refused, one waiting."""
    admin = shared_hub.client("admin")
    # start on the first day of a month, so that everything below falls into one month
    now = date.fromisoformat(admin.get(f"{BASE}/requests")["today"])
    first_next = date(now.year + (now.month == 12), now.month % 12 + 1, 1)
    admin.post("/api/v1/testing/clock", {"advance": (first_next - now).days * DAY})
    c1 = admin.post(f"{BASE}/requests", {**REQ, "kind": "complaint"})
    admin.post(f"{BASE}/requests", {**REQ, "kind": "complaint"})
    claim = admin.post(f"{BASE}/requests", {**REQ, "kind": "claim"})
    admin.post(f"{BASE}/requests", {**REQ, "kind": "request"})
    admin.post(f"{BASE}/requests/{c1['id']}/answer")
    v1 = admin.post(f"{BASE}/visits", VISIT)
    v2 = admin.post(f"{BASE}/visits", VISIT)
    admin.post(f"{BASE}/visits", VISIT)
    admin.post(f"{BASE}/visits/{v1['id']}/action", {"action": "schedule", "date": c1["day"]})
    admin.post(f"{BASE}/visits/{v1['id']}/action", {"action": "done"})
    admin.post(f"{BASE}/visits/{v2['id']}/action", {"action": "refuse", "reason": "Проживает не один"})
    admin.post("/api/v1/testing/clock", {"advance": 20 * DAY})  # 10 working days (001:990) are past
    admin.post(f"{BASE}/requests/{claim['id']}/answer")
    return c1["day"][:7]


def get(hub, path, **params):
    token = hub.client("head").token
    r = requests.get(hub.url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r


EXPECTED_ROWS = {"Обращение (заявление)": [1, 0, 0, 0], "Претензия": [1, 0, 1, 0], "Жалоба": [2, 1, 0, 1]}


def test_monthly_json(shared_hub, month):
    r = get(shared_hub, "/api/v1/offices/demo/reports/monthly", month=month, format="json").json()
    cw = r["casework"]
    assert cw["available"] is True
    assert cw["visits"] == {"requested": 3, "done": 1, "refused": 1}
    assert cw["requests"] == {"request": {"registered": 1, "in_time": 0, "late": 0, "overdue": 0},
                              "claim": {"registered": 1, "in_time": 0, "late": 1, "overdue": 0},
                              "complaint": {"registered": 2, "in_time": 1, "late": 0, "overdue": 1}}


def test_yearly_json_counts_the_same(shared_hub, month):
    r = get(shared_hub, "/api/v1/offices/demo/reports/yearly", year=int(month[:4]), format="json").json()
    assert r["casework"]["visits"] == {"requested": 3, "done": 1, "refused": 1}
    assert r["casework"]["requests"]["complaint"]["registered"] == 2


def test_monthly_csv(shared_hub, month):
    text = get(shared_hub, "/api/v1/offices/demo/reports/monthly", month=month,
               format="csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    found = {r[0]: [int(x) for x in r[1:5]] for r in rows if r and r[0] in EXPECTED_ROWS}
    assert found == EXPECTED_ROWS
    assert any(r[:3] == ["3", "1", "1"] for r in rows)  # home visits: requested, done, refused


def test_yearly_xlsx(shared_hub, month):
    data = get(shared_hub, "/api/v1/offices/demo/reports/yearly", year=int(month[:4]), format="xlsx").content
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Обращения"]
    values = {row[0]: list(row[1:5]) for row in ws.iter_rows(values_only=True) if row and row[0] in EXPECTED_ROWS}
    assert values == EXPECTED_ROWS
    visits = [list(r) for r in wb["Выезды на дом"].iter_rows(values_only=True)]
    assert [3, 1, 1] in [r[:3] for r in visits]


@pytest.mark.parametrize("kind,param", [("monthly", "month"), ("yearly", "year")])
def test_pdf_and_html(shared_hub, month, kind, param):
    value = month if kind == "monthly" else int(month[:4])
    pdf = get(shared_hub, f"/api/v1/offices/demo/reports/{kind}", **{param: value, "format": "pdf"}).content
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Письменные обращения, претензии и жалобы (004:206)" in text
    assert "Выезды на дом" in text
    html = get(shared_hub, f"/api/v1/offices/demo/reports/{kind}", **{param: value, "format": "html"}).text
    assert "Письменные обращения, претензии и жалобы (004:206)" in html and "Срок прошёл, ответа нет" in html


class CentreLikeSource:
    """A report source with neither an office's SQLite file nor the centre's events."""


def test_no_data_where_the_source_has_no_casework():
    s = section.section(CentreLikeSource(), ["a", "b"], date(2026, 1, 1), date(2026, 1, 31), 0.0)
    assert s["available"] is False and s["note"].startswith("нет данных")
    tables = section.tables({"casework": s})
    assert [t.id for t in tables] == ["casework"] and tables[0].rows[0][0].startswith("нет данных")
    assert section.tables({}) == []
