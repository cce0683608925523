"""The reports over HTTP from a real hub process, every format read back, and on the command line.

A past office day is generated into the hub's database (the real Hub in-process, see
server/reports/sample.py), then ``talon hub`` runs on that file. Each format is downloaded and
opened: the JSON is the report, the CSV is UTF-8 with BOM and ``;`` with the same figures, the
XLSX is read back with openpyxl (numbers, sheets and the native charts), the PDF is turned into
text with its Cyrillic intact and DejaVu Sans embedded. Roles: head and admin only. Today's report
follows what happens over HTTP (the hub's testing clock moves time). ``talon report`` writes the
same files.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import requests
from pypdf import PdfReader
from support import ROOT, HubProcess

from server.reports import build
from server.reports.sample import DayPlan, build_office_day, sample_office
from server.store import Store

MSK = ZoneInfo("Europe/Moscow")
DAY = datetime.now(MSK).date() - timedelta(days=3)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    db = tmp_path_factory.mktemp("reports-http") / "hub.sqlite"
    h = HubProcess(db)  # ``talon init --demo --round-the-clock``
    build_office_day(db, sample_office("rosatom-2026", opens="00:00", closes="23:59"),
                     DayPlan(day=DAY, visitors=140, overtime=0, p_leave=0.05, seed=5), synchronous="NORMAL")
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def head(hub):
    return hub.client("head")


def get(hub, client, path, **params):
    return requests.get(hub.url + path, params=params, headers={"Authorization": f"Bearer {client.token}"},
                        timeout=30)


def daily(hub, client, fmt="json", day=DAY):
    return get(hub, client, "/api/v1/offices/demo/reports/daily", date=day.isoformat(), format=fmt)


@pytest.fixture(scope="module")
def report(hub, head):
    r = daily(hub, head)
    assert r.status_code == 200
    return r.json()


def minutes(seconds, digits=2):
    return f"{seconds / 60:.{digits}f}".replace(".", ",")


# ---------------------------------------------------------------------- JSON

def test_json_is_the_report_of_the_store(hub, report):
    local = build.daily(Store(hub.db), "demo", DAY, datetime.now().timestamp())
    report = dict(report)
    report.pop("generated_at"), local.pop("generated_at")
    assert json.loads(json.dumps(local)) == report
    assert report["visits"]["issued"] > 100 and report["total"]["wait"]["count"] > 50
    assert report["title"].startswith("Отчёт о времени ожидания")


# ---------------------------------------------------------------------- CSV

def test_csv_is_utf8_with_bom_and_semicolons(hub, head, report):
    r = daily(hub, head, "csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == f'attachment; filename="talon-demo-{DAY.isoformat()}.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [report["title"]]
    values = {row[0]: row[1] for row in rows if len(row) == 2}
    assert values["Выдано талонов (визитов)"] == str(report["visits"]["issued"])
    assert values["Ожидание: среднее, мин"] == minutes(report["total"]["wait"]["avg"])
    assert values["Приём: медиана, мин"] == minutes(report["total"]["service"]["median"])
    # the table by service: header, then one row per service, then the total
    start = rows.index(["По услугам"])
    header = rows[start + 1]
    assert header[:4] == ["Услуга", "Посетителей", "Обслужено", "Ожидание, мин: среднее"]
    assert "Ожидание: в нормативе, %" in header
    body = rows[start + 2:start + 2 + len(report["by_service"]) + 1]
    for row, g in zip(body, report["by_service"] + [report["total"]], strict=True):
        assert row[0] == g["label"] and row[1] == str(g["segments"])
        assert row[3] == (minutes(g["wait"]["avg"]) if g["wait"]["avg"] is not None else "")
        share = g["wait"]["within_share"]
        assert row[header.index("Ожидание: в нормативе, %")] == \
            ("" if share is None else f"{share * 100:.1f}".replace(".", ","))


# ---------------------------------------------------------------------- XLSX

def test_xlsx_reads_back_with_numbers_and_native_charts(hub, head, report, tmp_path):
    r = daily(hub, head, "xlsx")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    path = tmp_path / "day.xlsx"
    path.write_bytes(r.content)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["Сводка", "Графики", "Нормативы", "По услугам"]
    assert {"По окнам", "По операторам", "По часам", "Перерывы", "Оценки по операторам", "Комментарии"} <= \
        set(wb.sheetnames)
    summary = {row[0]: row[1] for row in wb["Сводка"].iter_rows(values_only=True) if row[0]}
    assert summary["Выдано талонов (визитов)"] == report["visits"]["issued"]
    assert summary["Ожидание: среднее, мин"] == pytest.approx(report["total"]["wait"]["avg"] / 60)
    assert summary["Ожидание: доля в нормативе"] == pytest.approx(report["total"]["wait"]["within_share"])
    ops = list(wb["По операторам"].iter_rows(min_row=3, values_only=True))
    for row, g in zip(ops, report["by_operator"], strict=False):
        assert row[0] == g["label"] and row[1] == g["segments"]
        assert row[3] == pytest.approx(g["wait"]["avg"] / 60)  # minutes, as a number
        assert row[5] == pytest.approx(g["wait"]["p90"] / 60)
    assert wb["По операторам"]["D3"].number_format == "0.0"
    hours = list(wb["Графики"].iter_rows(min_row=2, max_row=1 + len(report["by_hour"]), values_only=True))
    assert [h[1] for h in hours[1:]] == [h["arrivals"] for h in report["by_hour"]][:len(hours) - 1]
    names = zipfile.ZipFile(path).namelist()
    charts = sorted(n for n in names if n.startswith("xl/charts/chart"))
    assert len(charts) == 2
    xml = zipfile.ZipFile(path).read(charts[0]).decode()
    assert "<c:barChart>" in xml and "Графики" in xml  # a native column chart fed from the sheet


# ---------------------------------------------------------------------- PDF

def pdf_text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(p.extract_text() for p in reader.pages), reader


def test_pdf_has_its_cyrillic_intact(hub, head, report):
    r = daily(hub, head, "pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text, reader = pdf_text(r.content)
    for words in (report["title"], "Сводка за день", "Центр обслуживания клиентов на Ленина", "По операторам",
                  "Иванова Мария Петровна", "Неявки", "Как считаются показатели", "Уровень удовлетворённости"):
        assert words in text.replace("\n", " "), words
    avg = f"{report['total']['wait']['avg'] / 60:.1f}".replace(".", ",")
    assert avg in text
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in (p["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()]}
    assert any("DejaVuSans" in f for f in fonts), fonts
    assert len(reader.pages) >= 3
    # the two charts are drawn as vectors (the HTML page's SVG): their titles and axis labels are text
    from server.reports.tables import document
    titles = [c.title for c in document(report).charts]
    assert len(titles) == 2
    for title in titles:
        assert title in text, title
    assert "08:00" in text or "09:00" in text  # the hours under the bars


def test_html_format_is_a_self_contained_page(hub, head, report):
    r = daily(hub, head, "html")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.content.decode("utf-8")
    assert "<script" not in html and "<svg" in html and "<style>" in html
    assert report["title"] in html and "Итого за день" in html


# ---------------------------------------------------------------------- month and year

@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf", "html"])
def test_month_and_year_in_every_format(hub, head, report, fmt, tmp_path):
    month = get(hub, head, "/api/v1/offices/demo/reports/monthly", month=DAY.strftime("%Y-%m"), format=fmt)
    year = get(hub, head, "/api/v1/offices/demo/reports/yearly", year=DAY.year, format=fmt)
    assert month.status_code == 200 and year.status_code == 200
    # the generated day is the only day of its month so far (today's live test may add to it later)
    issued = report["visits"]["issued"]
    if fmt == "json":
        assert month.json()["visits"]["issued"] == issued
        m = year.json()["months"][DAY.month - 1]
        assert m["visits"]["issued"] == issued
        assert m["wait"]["avg"] == pytest.approx(report["total"]["wait"]["avg"])
    elif fmt == "csv":
        text = year.content.decode("utf-8-sig")
        assert "По календарным месяцам (004:203–209)" in text and ";" in text
        row = next(r for r in csv.reader(io.StringIO(text), delimiter=";") if r and r[0].startswith("Итого за"))
        assert row[1] == str(issued) and row[3] == minutes(report["total"]["wait"]["avg"])
    elif fmt == "xlsx":
        path = tmp_path / "year.xlsx"
        path.write_bytes(year.content)
        wb = openpyxl.load_workbook(path)
        months = list(wb["По месяцам"].iter_rows(min_row=3, max_row=14, values_only=True))
        assert [m[0] for m in months][:3] == ["Январь", "Февраль", "Март"]
        assert months[DAY.month - 1][1] == issued
        assert months[DAY.month - 1][3] == pytest.approx(report["total"]["wait"]["avg"] / 60)
        path.write_bytes(month.content)
        assert "По дням" in openpyxl.load_workbook(path).sheetnames
    elif fmt == "pdf":
        text, _ = pdf_text(year.content)
        assert f"Раскрытие информации о качестве обслуживания за {DAY.year} год" in text.replace("\n", " ")
        assert "004:207" in text and "Январь" in text
        text, _ = pdf_text(month.content)
        assert "Показатели обслуживания за" in text and "По дням" in text
    else:
        assert "Раскрытие информации" in year.text and "По дням" in month.text


# ---------------------------------------------------------------------- who may, and bad input

def test_only_the_head_and_the_admin_get_reports(hub):
    path = "/api/v1/offices/demo/reports/daily"
    assert requests.get(hub.url + path, timeout=10).status_code == 401
    for login, status in (("op1", 403), ("hall", 403), ("head", 200), ("admin", 200)):
        r = get(hub, hub.client(login), path, date=DAY.isoformat())
        assert r.status_code == status, login
        if status == 403:
            assert r.json()["error"] == "forbidden"
    r = get(hub, hub.client("head"), "/api/v1/offices/elsewhere/reports/daily")
    assert r.status_code == 403 and r.json()["message"] == "Нет доступа к этому офису"


@pytest.mark.parametrize("path,params,word", [
    ("daily", {"date": "2026-02-30"}, "Неверная дата"),
    ("daily", {"date": "23.11.2026"}, "неверный формат"),
    ("daily", {"format": "docx"}, "недопустимое значение"),
    ("daily", {"when": "today"}, "лишнее поле"),
    ("monthly", {"month": "2026-13"}, "Неверный месяц"),
    ("yearly", {"year": "two thousand"}, "целым числом"),
    ("yearly", {"year": "1900"}, "слишком мало"),
])
def test_bad_input_is_a_400_in_russian(hub, head, path, params, word):
    r = get(hub, head, f"/api/v1/offices/demo/reports/{path}", **params)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid" and word in r.json()["message"]


def test_the_reports_are_in_the_openapi_document(hub):
    doc = requests.get(hub.url + "/api/openapi.json", timeout=10).json()
    for kind in ("daily", "monthly", "yearly"):
        op = doc["paths"][f"/api/v1/offices/{{office}}/reports/{kind}"]["get"]
        assert op["x-roles"] == ["head", "admin"]
        assert "application/pdf" in op["responses"]["200"]["content"]
        assert any(p["name"] == "format" for p in op["parameters"])


# ---------------------------------------------------------------------- today, live over HTTP

def test_todays_report_follows_the_hub(hub):
    admin, op = hub.client("admin"), hub.client("op1")
    windows = {w["number"]: w["id"] for w in admin.state("demo")["windows"]}
    before = get(hub, admin, "/api/v1/offices/demo/reports/daily").json()
    op.window(windows[1], "open")
    a = admin.issue("demo", "consult")
    b = admin.issue("demo", "consult")
    admin.post("/api/v1/testing/clock", {"advance": 5 * 60})
    assert op.call_next(windows[1])["id"] == a["id"]
    op.act(a["id"], "start")
    admin.post("/api/v1/testing/clock", {"advance": 6 * 60})
    op.act(a["id"], "finish")
    assert op.call_next(windows[1])["id"] == b["id"]
    op.act(b["id"], "recall")
    op.act(b["id"], "no-show")
    admin.window(windows[2], "open")  # 001:353: a break never leaves the hall with no open window
    op.window(windows[1], "pause", reason="lunch")
    admin.post("/api/v1/testing/clock", {"advance": 10 * 60})
    now = get(hub, admin, "/api/v1/offices/demo/reports/daily").json()
    assert now["date"] == datetime.fromtimestamp(admin.state("demo")["now"], MSK).date().isoformat()
    assert now["visits"]["issued"] == before["visits"]["issued"] + 2
    assert now["visits"]["no_show"] == before["visits"]["no_show"] + 1
    row = next(g for g in now["by_operator"] if g["key"] == "op1")
    assert row["served"] >= 1 and row["no_show"] >= 1 and row["recalls"] >= 1
    assert row["pauses"] >= 1
    lunch = [p for p in now["pauses"]["list"] if p["operator"] == "op1" and p["reason"] == "lunch"][-1]
    assert lunch["seconds"] == pytest.approx(600, abs=30)  # still on lunch: counted up to now
    waits = sorted(g["wait"]["max"] for g in now["by_operator"] if g["key"] == "op1")
    assert waits[0] >= 5 * 60
    op.window(windows[1], "close")
    admin.window(windows[2], "close")


# ---------------------------------------------------------------------- the command line

def talon(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_talon_report_daily_writes_the_xlsx(hub, report, tmp_path):
    out = tmp_path / "day.xlsx"
    r = talon("report", "daily", "--db", str(hub.db), "--date", DAY.isoformat(), "--format", "xlsx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Отчёт сохранён" in r.stdout
    summary = {row[0]: row[1] for row in openpyxl.load_workbook(out)["Сводка"].iter_rows(values_only=True) if row[0]}
    assert summary["Выдано талонов (визитов)"] == report["visits"]["issued"]
    pdf = tmp_path / "day.pdf"
    assert talon("report", "daily", "--db", str(hub.db), "--date", DAY.isoformat(), "-o", str(pdf)).returncode == 0
    assert report["title"] in pdf_text(pdf.read_bytes())[0]


def test_talon_report_year_prints_the_twelve_months(hub, report, tmp_path):
    r = talon("report", "year", "--db", str(hub.db), "--year", str(DAY.year))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Раскрытие информации о качестве обслуживания за {DAY.year} год"
    months = [line for line in lines if line.strip().split(" ")[0] in
              ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
               "Ноябрь", "Декабрь")]
    assert len(months) == 12
    expected = build.yearly(Store(hub.db), "demo", DAY.year, datetime.now().timestamp())["months"][DAY.month - 1]
    assert months[DAY.month - 1].split()[1] == str(expected["visits"]["issued"])
    assert months[DAY.month - 1].split()[3] == f"{expected['wait']['avg'] / 60:.1f}".replace(".", ",")
    out = tmp_path / "year.csv"
    assert talon("report", "year", "--db", str(hub.db), "--year", str(DAY.year), "-o", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_talon_report_refuses_bad_input_politely(hub, tmp_path):
    r = talon("report", "daily", "--db", str(hub.db), "--date", "вчера")
    assert r.returncode != 0 and "ГГГГ-ММ-ДД" in r.stderr
    r = talon("report", "daily", "--db", str(hub.db), "--date", DAY.isoformat(), "-o", str(tmp_path / "x.doc"))
    assert r.returncode != 0 and "формат" in r.stderr
    r = talon("report", "year", "--db", str(tmp_path / "none.sqlite"), "--year", "2026")
    assert r.returncode != 0 and "Нет базы данных" in r.stderr
