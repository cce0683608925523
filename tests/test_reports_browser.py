"""The head's report pages in a real headless Chromium against a real hub process.

Scenarios: the page sends a visitor without a session to sign in, refuses an operator, lets the
head in; the daily report for a generated past day shows the same figures as the API; each
download button gives a file that opens (XLSX read back, PDF turned into text with its Cyrillic,
CSV with BOM and ``;``, HTML); the month and year pages show their tables; no script errors and no
Content-Security-Policy violations.

Set ``TALON_SCREENSHOTS=docs/screenshots`` to refresh the screenshots used in docs/reports.md.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import requests
from browser_support import shots_dir
from playwright import sync_api as playwright_api
from pypdf import PdfReader
from support import HubProcess

from server.reports.sample import DayPlan, build_office_day, fill_year, sample_office, working_days

MSK = ZoneInfo("Europe/Moscow")
DAY = datetime.now(MSK).date() - timedelta(days=2)
LAST_YEAR = DAY.year - 1


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    db = tmp_path_factory.mktemp("reports-browser") / "hub.sqlite"
    h = HubProcess(db)
    build_office_day(db, sample_office("rosatom-2026", opens="00:00", closes="23:59"),
                     DayPlan(day=DAY, visitors=130, overtime=15, seed=3), synchronous="NORMAL")
    fill_year(db, "demo", LAST_YEAR, 24_000)  # last year, for the yearly pack: rows straight into the file
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def api_report(hub):
    head = hub.client("head")
    r = requests.get(f"{hub.url}/api/v1/offices/demo/reports/daily", params={"date": DAY.isoformat()},
                     headers={"Authorization": f"Bearer {head.token}"}, timeout=30)
    return r.json()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="ru-RU", timezone_id="Europe/Moscow",
                              accept_downloads=True)
    pg = ctx.new_page()
    problems = []
    pg.on("pageerror", lambda e: problems.append(str(e)))

    def console(m):
        # a refused sign-in (wrong password) is a 401 the browser logs; anything else is a problem
        if m.type == "error" and not m.location.get("url", "").endswith("/api/v1/auth/login"):
            problems.append(m.text)

    pg.on("console", console)
    pg.set_default_timeout(10000)
    yield pg
    ctx.close()
    assert problems == [], problems


def sign_in(page, hub, login, password, path):
    page.goto(hub.url + path)
    page.wait_for_url("**/reports/login**")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")


def open_daily(page, hub):
    sign_in(page, hub, "head", "head-demo", f"/reports/daily?date={DAY.isoformat()}")
    page.wait_for_url("**/reports/daily**")
    page.wait_for_selector("#report-slot[aria-busy=false] main.report")


def test_an_operator_is_refused_and_the_head_gets_in(page, hub):
    sign_in(page, hub, "op1", "op1-demo", "/reports/daily")
    error = page.locator("#login-error")
    playwright_api.expect(error).to_have_text("У этой учётной записи нет доступа к отчётам руководителя офиса.")
    page.fill("#login", "head")
    page.fill("#password", "не тот")
    page.click("#login-submit")
    playwright_api.expect(error).to_have_text("Неверный логин или пароль.")
    page.fill("#password", "head-demo")
    page.click("#login-submit")
    page.wait_for_url("**/reports/daily")
    page.wait_for_selector("#report-slot main.report")
    assert page.locator("#user-name").inner_text() == "Николаев Сергей Павлович"


def test_the_daily_page_shows_the_apis_figures(page, hub, api_report, tmp_path):
    open_daily(page, hub)
    assert page.locator("#report h1").inner_text() == api_report["title"]
    assert page.input_value("#period") == DAY.isoformat()
    summary = {r.locator("th").inner_text(): r.locator("td").inner_text()
               for r in page.locator("#t-summary tr").all()}
    assert summary["Выдано талонов (визитов)"] == str(api_report["visits"]["issued"])
    assert summary["Ожидание: среднее, мин"] == f"{api_report['total']['wait']['avg'] / 60:.1f}".replace(".", ",")
    rows = page.locator("#t-operators tbody tr")
    assert rows.count() == len(api_report["by_operator"])
    first = rows.nth(0).locator("td")
    g = api_report["by_operator"][0]
    assert first.nth(0).inner_text() == g["label"] and first.nth(1).inner_text() == str(g["segments"])
    assert page.locator("#chart-by_hour svg rect").count() > 5
    assert page.locator("#t-hours tfoot td").first.inner_text() == "Итого за день"
    page.screenshot(path=str(shots_dir(tmp_path) / "report-daily.png"), full_page=False)


def test_every_download_opens(page, hub, api_report, tmp_path):
    open_daily(page, hub)
    files = {}
    for fmt in ("xlsx", "pdf", "csv", "html"):
        with page.expect_download() as info:
            page.click(f"#download-{fmt}")
        d = info.value
        assert d.suggested_filename == f"talon-demo-{DAY.isoformat()}.{fmt}"
        files[fmt] = tmp_path / d.suggested_filename
        d.save_as(files[fmt])
        playwright_api.expect(page.locator("#status")).to_contain_text("скачан")
    wb = openpyxl.load_workbook(files["xlsx"])
    summary = {row[0]: row[1] for row in wb["Сводка"].iter_rows(values_only=True) if row[0]}
    assert summary["Выдано талонов (визитов)"] == api_report["visits"]["issued"]
    text = "\n".join(p.extract_text() for p in PdfReader(files["pdf"]).pages)
    assert api_report["title"] in text and "Распределение времени ожидания" in text
    raw = files["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [api_report["title"]]
    assert api_report["title"] in files["html"].read_text(encoding="utf-8")


def test_choosing_another_day_and_a_bad_one(page, hub):
    open_daily(page, hub)
    other = (DAY - timedelta(days=30)).isoformat()
    page.fill("#period", other)
    page.click("#show")
    page.wait_for_function(f"location.search.includes('date={other}')")
    page.wait_for_selector("#report-slot[aria-busy=false] main.report")
    summary = page.locator("#t-summary tr").first.locator("td").inner_text()
    assert summary == "0"  # nobody came that day
    page.fill("#period", "")
    page.click("#show")
    playwright_api.expect(page.locator("#status")).to_have_text("Укажите день.")


def test_the_month_and_year_pages(page, hub, api_report, tmp_path):
    open_daily(page, hub)
    page.click("#nav-monthly")
    page.wait_for_url("**/reports/monthly")
    page.fill("#period", DAY.strftime("%Y-%m"))
    page.click("#show")
    page.wait_for_selector("#report-slot[aria-busy=false] #t-days")
    day_row = page.locator("#t-days tbody tr", has_text=DAY.strftime("%d.%m.%Y"))
    assert day_row.locator("td").nth(1).inner_text() == str(api_report["visits"]["issued"])
    page.fill("#period", f"{LAST_YEAR}-03")  # a whole month of last year's rows
    page.click("#show")
    page.wait_for_function(f"location.search.includes('month={LAST_YEAR}-03')")
    # the new month's report has replaced the old one (the URL changes before the slot does)
    playwright_api.expect(page.locator("#report .report-lead")).to_contain_text(f"март {LAST_YEAR} г.")
    page.wait_for_selector("#report-slot[aria-busy=false] #t-days")
    assert page.locator("#t-days tbody tr").count() == len([d for d in working_days(LAST_YEAR) if d.month == 3])
    assert page.locator("#report .report-lead").inner_text().count(f"март {LAST_YEAR} г.") == 1
    page.screenshot(path=str(shots_dir(tmp_path) / "report-monthly.png"), full_page=False)
    page.click("#nav-yearly")
    page.wait_for_url("**/reports/yearly")
    page.fill("#period", str(LAST_YEAR))
    page.click("#show")
    page.wait_for_function(f"location.search.includes('year={LAST_YEAR}')")
    page.wait_for_selector("#report-slot[aria-busy=false] #t-months")
    rows = page.locator("#t-months tbody tr")
    assert rows.count() == 12
    assert "004:207" in page.locator("#t-months thead").inner_text()
    issued = [int(rows.nth(i).locator("td").nth(1).inner_text().replace("\u00a0", "")) for i in range(12)]
    assert sum(issued) == 24_000 and all(n > 0 for n in issued)
    assert page.locator("#chart-averages svg rect").count() >= 24
    page.screenshot(path=str(shots_dir(tmp_path) / "report-yearly.png"), full_page=False)
    with page.expect_download() as info:
        page.click("#download-xlsx")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert info.value.suggested_filename == f"talon-demo-{LAST_YEAR}.xlsx"
    months = list(openpyxl.load_workbook(path)["По месяцам"].iter_rows(min_row=3, max_row=14, values_only=True))
    assert [m[1] for m in months] == issued


def test_signing_out_needs_signing_in_again(page, hub):
    open_daily(page, hub)
    page.click("#logout")
    page.wait_for_url("**/reports/login**")
    page.goto(hub.url + "/reports/yearly")
    page.wait_for_url("**/reports/login**")
