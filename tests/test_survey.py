"""The visitor questionnaire of 000:622–762 (issue 16 point 5): the questions against the
standard's lines, the answer rules, the answers through a real hub (once per visit, idempotent,
nothing personal), the yearly pack in every format, and the page in Chromium at 390×844 with axe.

One hub for the module. Set ``TALON_SCREENSHOTS=docs/screenshots`` to refresh docs' screenshots.
"""
from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
import requests
from browser_support import WCAG_AA, axe_report, axe_run, shots_dir
from playwright.sync_api import expect
from pypdf import PdfReader
from support import HubProcess, empty_hall

from server.domain import survey
from server.domain.model import Invalid

STANDARDS = next(p / "shared" / "standards" for p in Path(__file__).resolve().parents
                 if (p / "shared" / "standards").is_dir())
LINES = next(STANDARDS.glob("000_*.txt")).read_text(encoding="utf-8").splitlines()
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             locale="ru-RU", timezone_id="Europe/Moscow")


def _cited(cite: str) -> str:
    span = cite.split(":")[1]
    first, _, last = span.replace("–", "-").partition("-")
    return "\n".join(LINES[int(first) - 1:int(last or first)])


def _norm(text: str) -> str:
    """The form names the company; Talon says «компания» (any company's office offers it)."""
    text = text.replace("ПАО «Кузбассэнергосбыт»", "X")
    text = re.sub(r"компани[а-я]*", "X", text)
    return re.sub(r"[\s*\\_]+", " ", text).strip().lower()


# ---------------------------------------------------------------------- the questions (pure)

def test_every_question_and_option_stands_at_its_line():
    assert len(survey.QUESTIONS) == 22 and len(survey.BY_ID) == 22
    for q in survey.QUESTIONS:
        text = _norm(_cited(q.source))
        assert _norm(q.text) in text, (q.id, q.source)
        if q.group:  # a row of the matrix questions 2 (000:638–639) and 7 (000:685)
            assert _norm(q.group) in _norm(_cited("000:638–639" if q.id.startswith("q2") else "000:685")), q.id
        for _oid, label in q.options:
            if label[0].isdigit():  # the 1–4 scale: its digits and the words over it (000:641)
                assert label[0] in text and ("очень" not in label or label.split("— ")[1] in
                                             _norm(_cited("000:641")))
            else:  # a row of question 7 takes its options from the header line 000:687
                assert _norm(label) in text + " " + _norm(_cited("000:687") if q.group else ""), (q.id, label)
        assert len({o for o, _ in q.options}) == len(q.options)


def test_the_form_is_in_the_standards_order_and_leaves_out_personal_data():
    starts = [int(q.source.split(":")[1].split("–")[0]) for q in survey.QUESTIONS]
    assert starts == sorted(starts) and starts[0] == 634 and starts[-1] == 740
    texts = " ".join(q.text + " " + " ".join(label for _, label in q.options) for q in survey.QUESTIONS)
    for personal in ("пол", "Возраст", "улицу", "номер дома", "Муж"):
        assert not re.search(rf"\b{personal}\b", texts), personal
    assert "000:710" not in [q.source for q in survey.QUESTIONS]
    assert "Анкетирование" in _cited("000:571") and "не реже 1 раза в год" in _cited("000:525")


def test_validate_cleans_and_refuses_in_russian():
    got = survey.validate({"q1": "yes", "q5": ["post", "cabinet", "post"], "q9": "news"})
    assert got == {"q1": "yes", "q5": ["cabinet", "post"], "q9": ["news"]}
    assert survey.rows(got) == [("q1", "yes"), ("q5", "cabinet"), ("q5", "post"), ("q9", "news")]
    for bad, code in (({}, "survey_empty"), (None, "survey_empty"), ([], "survey_empty"),
                      ({"q99": "yes"}, "survey_question"), ({"q1": "maybe"}, "survey_option"),
                      ({"q1": ["yes"]}, "survey_option"), ({"q5": []}, "survey_option"),
                      ({"q5": ["cabinet", 3]}, "survey_option"), ({1: "yes"}, "survey_question")):
        with pytest.raises(Invalid) as e:
            survey.validate(bad)
        assert e.value.code == code and re.search("[а-я]", e.value.message)


def test_tally_gives_every_question_with_shares_of_those_who_answered():
    out = survey.tally([{"question": "q1", "answer": "yes", "n": 3, "visits": 4},
                        {"question": "q1", "answer": "no", "n": 1, "visits": 4}])
    assert [q["id"] for q in out] == [q.id for q in survey.QUESTIONS]
    q1 = out[0]
    assert q1["answered"] == 4 and [(o["id"], o["count"], o["share"]) for o in q1["options"]] == \
        [("yes", 3, 0.75), ("no", 1, 0.25), ("unsure", 0, 0.0)]
    assert out[1]["answered"] == 0 and out[1]["options"][0]["share"] is None


def test_a_source_without_answers_says_so():
    """A report source with neither an office's SQLite file nor the centre's survey events gets
    «нет данных», not zeros (the centre counts the shipped events: tests/test_central_reports.py)."""
    from server.reports.survey import section, tables
    s = section(object(), ["demo"], 2026)
    assert s == {"available": False, "note": s["note"]} and s["note"].startswith("нет данных")
    (t,) = tables({"survey": s})
    assert t.rows == [[s["note"]]]


# ---------------------------------------------------------------------- through the hub

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = HubProcess(tmp_path_factory.mktemp("survey") / "hub.sqlite").start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def admin(hub):
    return hub.client("admin")


def served(admin) -> dict:
    """A consultation served and finished at window 1; the ticket as issued (with its url)."""
    empty_hall(admin)
    w = {x["number"]: x["id"] for x in admin.state("demo")["windows"]}[1]
    admin.window(w, "open")
    t = admin.issue("demo", "consult")
    assert admin.call_next(w)["id"] == t["id"]
    admin.act(t["id"], "start")
    admin.act(t["id"], "finish")
    return t


def csrf_of(hub, t) -> str:
    html = requests.get(hub.url + t["url"], timeout=10).text
    data = re.search(r'id="ticket-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(data)["csrf"]


def post(hub, t, path, body, csrf):
    return requests.post(hub.url + t["url"] + path, json=body, timeout=10,
                         headers={"X-CSRF-Token": csrf, "Accept": "application/json"})


def rows_of(hub, ticket_id):
    with sqlite3.connect(hub.db) as conn:
        return conn.execute("SELECT * FROM survey_answers WHERE ticket = ? ORDER BY question, answer",
                            (ticket_id,)).fetchall()


def test_answers_once_per_visit_after_the_rating(hub, admin):
    t = served(admin)
    csrf = csrf_of(hub, t)
    answers = {"q1": "yes", "q2_office": "4", "q5": ["office", "bank"]}
    r = post(hub, t, "/survey", {"answers": answers}, csrf)
    assert r.status_code == 409 and r.json()["error"] == "survey_not_open"  # not before the rating
    assert post(hub, t, "/rating", {"score": 5}, csrf).status_code == 201
    r = post(hub, t, "/survey", {"answers": answers}, "bad-csrf")
    assert r.status_code == 403 and r.json()["error"] == "csrf" and "Обновите" in r.json()["message"]
    # (a visit's posts are limited to 10 a minute, the rating's included: a few bad bodies here)
    for bad in ({"answers": {"q1": "perhaps"}}, {"nothing": 1}):
        r = post(hub, t, "/survey", bad, csrf)
        assert r.status_code == 400, (bad, r.text)
        assert set(r.json()) == {"error", "message"} and re.search("[а-я]", r.json()["message"])
    r = requests.post(hub.url + t["url"] + "/survey", data="not json", timeout=10,
                      headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid"
    assert rows_of(hub, t["id"]) == []  # nothing half-written
    r = post(hub, t, "/survey", {"answers": answers}, csrf)
    assert r.status_code == 201 and r.json()["message"] == survey.THANKS
    r = post(hub, t, "/survey", {"answers": {"q5": ["bank", "office"], "q2_office": "4", "q1": "yes"}}, csrf)
    assert r.status_code == 200  # the same answers again (a retry): fine, nothing doubled
    r = post(hub, t, "/survey", {"answers": {"q1": "no"}}, csrf)
    assert r.status_code == 409 and r.json()["error"] == "survey_done"
    got = rows_of(hub, t["id"])
    assert [(q, a) for _, q, _, _, a, _ in got] == [("q1", "yes"), ("q2_office", "4"), ("q5", "bank"),
                                                   ("q5", "office")]
    with sqlite3.connect(hub.db) as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(survey_answers)")]
    assert cols == ["ticket", "question", "office", "day", "answer", "at"]  # nothing personal


def test_yearly_pack_has_the_answers_by_question_and_office_in_every_format(hub, admin):
    for answers in ({"q1": "no", "q6": "yes"}, {"q1": "no", "q5": ["app"]}):
        t = served(admin)
        csrf = csrf_of(hub, t)
        assert post(hub, t, "/rating", {"score": 4}, csrf).status_code == 201
        assert post(hub, t, "/survey", {"answers": answers}, csrf).status_code == 201
    year = admin.ticket(t["id"])["day"][:4]

    def get(fmt):
        r = requests.get(f"{hub.url}/api/v1/offices/demo/reports/yearly", params={"year": year, "format": fmt},
                         headers={"Authorization": f"Bearer {admin.token}"}, timeout=60)
        assert r.status_code == 200, r.text
        return r

    s = get("json").json()["survey"]
    assert s["available"] and s["visits"] == 3
    q1 = next(q for q in s["questions"] if q["id"] == "q1")
    assert q1["answered"] == 3 and q1["source"] == "000:634–636"
    assert {o["id"]: (o["count"], round(o["share"], 3)) for o in q1["options"]} == \
        {"yes": (1, 0.333), "no": (2, 0.667), "unsure": (0, 0.0)}
    q5 = next(q for q in s["questions"] if q["id"] == "q5")
    assert q5["answered"] == 2 and {o["id"]: o["count"] for o in q5["options"] if o["count"]} == \
        {"office": 1, "bank": 1, "app": 1}
    (office,) = s["by_office"]
    assert office["office"] == "demo" and office["visits"] == 3
    html = get("html").text
    assert "Анкета посетителей (000:622–762)" in html and "Довольны ли Вы качеством обслуживания" in html
    assert "по офисам" in html
    csv_text = get("csv").content.decode("utf-8-sig")
    assert "Анкета посетителей" in csv_text and "Затрудняюсь ответить" in csv_text
    wb = openpyxl.load_workbook(io.BytesIO(get("xlsx").content))
    assert "Анкета" in wb.sheetnames and "Анкета по офисам" in wb.sheetnames
    sheet = wb["Анкета"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(r[:3] == ["Довольны ли Вы качеством обслуживания в компании в целом?", "Нет", 2] for r in values)
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(get("pdf").content)).pages)
    assert "Анкета посетителей" in pdf


# ---------------------------------------------------------------------- the page, in Chromium

def test_the_page_offers_one_question_per_screen_accessibly(hub, admin, browser, tmp_path):
    shots = shots_dir(tmp_path)
    t = served(admin)
    ctx = browser.new_context(**PHONE, bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(10_000)
    try:
        page.goto(hub.url + t["url"])
        expect(page.locator("#rating-form")).to_be_visible()
        expect(page.locator("#survey")).to_be_hidden()  # not before the rating
        page.locator("label[for=score-5]").click()
        page.locator("#rate-submit").click()
        expect(page.locator("#thanks-text")).to_be_visible()
        expect(page.locator("#survey-title")).to_have_text(survey.OFFER)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        violations = axe_run(page, WCAG_AA)
        assert violations == [], axe_report(violations)
        page.screenshot(path=str(shots / "survey-offer.png"), full_page=True)

        page.locator("#survey-start").click()
        n = len(survey.QUESTIONS)
        expect(page.locator("#survey-progress")).to_have_text(f"Вопрос 1 из {n}")
        expect(page.locator("#survey-legend")).to_have_text(survey.QUESTIONS[0].text)
        assert page.evaluate("document.activeElement.id") == "survey-legend"  # read out first
        # the keyboard: Tab to the first option, arrow down to «Нет», Enter goes on
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        assert page.locator("#survey-q1-no").is_checked()
        violations = axe_run(page, WCAG_AA)
        assert violations == [], axe_report(violations)
        page.screenshot(path=str(shots / "survey-question.png"), full_page=True)
        page.keyboard.press("Enter")
        expect(page.locator("#survey-progress")).to_have_text(f"Вопрос 2 из {n}")
        expect(page.locator("#survey-group")).to_contain_text("Оцените работу компании в баллах")
        page.locator("label[for=survey-q2_office-3]").click()
        page.locator("#survey-back").click()  # «Назад» keeps what was chosen
        expect(page.locator("#survey-progress")).to_have_text(f"Вопрос 1 из {n}")
        assert page.locator("#survey-q1-no").is_checked()
        page.locator("#survey-next").click()
        expect(page.locator("#survey-progress")).to_have_text(f"Вопрос 2 из {n}")
        assert page.locator("#survey-q2_office-3").is_checked()
        page.locator("#survey-skip").click()  # «Пропустить» drops this question's answer
        expect(page.locator("#survey-progress")).to_have_text(f"Вопрос 3 из {n}")
        for _ in range(3, 11):
            page.locator("#survey-skip").click()
        expect(page.locator("#survey-legend")).to_have_text("Как Вам удобно оплачивать электроэнергию?")
        expect(page.locator("#survey-multiple")).to_be_visible()
        page.locator("label[for=survey-q5-app]").click()
        page.locator("label[for=survey-q5-post]").click()
        page.locator("#survey-next").click()
        for _ in range(12, n):
            page.locator("#survey-skip").click()
        expect(page.locator("#survey-next")).to_have_text("Отправить ответы")
        page.locator("#survey-next").click()
        # the thanks is in the page from the start (hidden): wait until it is shown and has the focus,
        # which happens once the hub has answered, not just for its text
        expect(page.locator("#survey-thanks")).to_be_visible()
        expect(page.locator("#survey-thanks")).to_have_text(survey.THANKS)
        expect(page.locator("#survey-thanks")).to_be_focused()
        page.screenshot(path=str(shots / "survey-thanks.png"), full_page=True)
        assert [(q, a) for _, q, _, _, a, _ in rows_of(hub, t["id"])] == [("q1", "no"), ("q5", "app"),
                                                                         ("q5", "post")]
        page.reload()  # answered: not offered again
        expect(page.locator("#thanks-text")).to_be_visible()
        expect(page.locator("#survey")).to_be_hidden()
        assert errors == [], errors
    finally:
        ctx.close()


def test_declining_hides_the_offer_and_writes_nothing(hub, admin, browser):
    t = served(admin)
    csrf = csrf_of(hub, t)
    assert post(hub, t, "/rating", {"score": 3}, csrf).status_code == 201
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    try:
        page.goto(hub.url + t["url"])
        expect(page.locator("#survey-title")).to_be_visible()  # rated before: offered on opening
        page.locator("#survey-decline").click()
        expect(page.locator("#survey")).to_be_hidden()
        assert rows_of(hub, t["id"]) == []
    finally:
        ctx.close()


def test_the_form_opens_after_the_rating_and_once_per_visit():
    from server.domain.model import Conflict
    with pytest.raises(Conflict) as e:
        survey.check(False, None, {"q1": "yes"})
    assert e.value.code == "survey_not_open" and e.value.status == 409
    assert survey.check(True, None, {"q1": "yes"}) is True
    assert survey.check(True, {"q1": "yes"}, {"q1": "yes"}) is False
    with pytest.raises(Conflict) as e:
        survey.check(True, {"q1": "yes"}, {"q1": "no"})
    assert e.value.code == "survey_done" and "уже получены" in e.value.message
