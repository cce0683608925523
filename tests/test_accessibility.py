"""Accessibility of every web page, in a real headless Chromium against a real hub process.

axe-core (pinned in scripts/setup.sh) runs over every page and state — the stand's monitor,
each setup tab and the devices page, the landing page, every report page, the visitor's page in
each state (waiting, called, recalled, serving, rating, thanks, cancelled, no-show, unknown) —
at desktop (1440×900) and phone (390×844) sizes: no violation of WCAG 2.0/2.1 A and AA.
Then the keyboard and screen-reader flows (skip link and one h1 per page, proper tabs, focus moved
to the result of an action, recalls and thanks announced, calls announced on the stand's monitor)
and reflow (320 CSS px and 200 % zoom: the page itself never scrolls sideways).
"""
from __future__ import annotations

import json
import re
import time

import pytest
import requests
from browser_support import WCAG_AA, axe_report, axe_run, no_page_scroll
from playwright.sync_api import expect
from support import empty_hall

DESKTOP = dict(viewport={"width": 1440, "height": 900})
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
NARROW = dict(viewport={"width": 320, "height": 640})
ZOOM200 = dict(viewport={"width": 720, "height": 450}, device_scale_factor=2)  # 1440×900 at 200 %
SIZES = {"desktop": DESKTOP, "phone": PHONE}
REFLOW = {"320px": NARROW, "zoom200": ZOOM200}
SETUP_TABS = ["services", "windows", "users", "hours", "norms", "texts"]  # at least these (others may come)


def setup_tabs(page) -> list[str]:
    """The setup's tabs as the page has them."""
    names = page.eval_on_selector_all("[role=tab][data-tab]", "ts => ts.filter(t => !t.hidden).map(t => t.dataset.tab)")
    assert set(SETUP_TABS) <= set(names), names
    return names


def within(seconds, check, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


# ---------------------------------------------------------------------- the hall in every state

@pytest.fixture(scope="module")
def hall(shared_hub):
    """Tickets in every state a visitor can see, windows open, a waiting list and an alert."""
    admin = empty_hall(shared_hub.client("admin"))
    w = {x["number"]: x["id"] for x in admin.state("demo")["windows"]}
    ops = {n: shared_hub.client(f"op{n}") for n in range(1, 7)}
    for n in range(1, 4):
        ops[n].window(w[n], "open")
    pages = {}

    def called(n):
        t = admin.issue("demo", "consult")
        ops[n].call(w[n], t["id"])
        return t

    t = called(1)
    ops[1].act(t["id"], "start")
    ops[1].act(t["id"], "finish")
    pages["rating"] = t["url"]
    t = called(1)
    ops[1].act(t["id"], "start")
    ops[1].act(t["id"], "finish")
    pages["thanks"] = t["url"]
    rate(shared_hub, t["url"], 5)
    t = called(2)
    ops[2].act(t["id"], "no-show")
    pages["no-show"] = t["url"]
    t = admin.issue("demo", "cash")
    admin.act(t["id"], "cancel")
    pages["cancelled"] = t["url"]
    t = called(2)
    ops[2].act(t["id"], "start")
    pages["serving"] = t["url"]
    t = called(1)
    pages["called"] = t["url"]
    t = called(3)
    ops[3].act(t["id"], "recall")
    pages["recalled"] = t["url"]
    waiting = [admin.issue("demo", s) for s in ("consult", "cash", "owner")]
    pages["waiting"] = waiting[-1]["url"]
    pages["unknown"] = "/t/ThisTokenWasNeverIssued"
    # a wait past its norm: an alert on the stand's monitor
    admin.post("/api/v1/testing/clock", {"advance": 25 * 60})
    return {"admin": admin, "windows": w, "ops": ops, "pages": pages, "waiting": waiting}


def rate(hub, url, score):
    """Rate a visit the way the visitor's page does (its CSRF token, its JSON)."""
    html = requests.get(hub.url + url, timeout=10).text
    data = json.loads(re.search(r'<script type="application/json" id="ticket-data">(.*?)</script>', html, re.S)
                      .group(1))
    r = requests.post(hub.url + data["urls"]["rating"], json={"score": score, "comment": ""}, timeout=10,
                      headers={"X-CSRF-Token": data["csrf"], "Accept": "application/json"})
    assert r.status_code == 201, r.text


def new_context(browser, size):
    return browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", bypass_csp=True, **size)


class Tab:
    """One browser context at one size, its page reused; page errors collected."""

    def __init__(self, browser, size):
        self.ctx = new_context(browser, size)
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(10000)
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self):
        self.ctx.close()
        assert self.errors == [], self.errors


def sign_in(page, url, login, password, landing):
    page.goto(url)
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(landing)


def open_stand(page, hub, path="/stand/"):
    page.goto(hub.url + path)
    if "/login" in page.url:
        page.fill("#login", "admin")
        page.fill("#password", "admin-demo")
        page.click("#login-submit")
        page.wait_for_url(re.compile(r".*/stand/(setup|devices)?(#\w*)?$"))


def open_reports(page, hub, kind):
    page.goto(f"{hub.url}/reports/{kind}")
    if "/login" in page.url:
        page.fill("#login", "head")
        page.fill("#password", "head-demo")
        page.click("#login-submit")
        page.wait_for_url(f"**/reports/{kind}")
    page.wait_for_selector("#report-slot[aria-busy=false]")


def check(page, found: dict, name: str, tags=WCAG_AA):
    v = axe_run(page, tags)
    if v:
        found[name] = axe_report(v)


def assert_clean(found: dict):
    assert not found, "\n\n".join(f"== {k}\n{v}" for k, v in found.items())


VISITOR_STATES = ["waiting", "called", "recalled", "serving", "rating", "thanks", "cancelled", "no-show",
                  "unknown"]


def visit_all(page, hub, hall):
    """Open every page in every state, one after another; yields each page's name when it is ready."""
    page.goto(hub.url + "/stand/login")
    page.wait_for_selector("#login-form")
    yield "stand: sign-in"
    open_stand(page, hub)
    page.wait_for_selector("#monitor[aria-busy=false]")
    page.wait_for_selector("#link-state.link-ok")
    page.wait_for_selector("#alerts li")
    yield "stand: monitor"
    open_stand(page, hub, "/stand/setup")
    page.wait_for_selector("#setup[aria-busy=false]")
    for name in setup_tabs(page):
        page.click(f"#tab-{name}")
        expect(page.locator(f"#pane-{name}")).to_be_visible()
        yield f"stand: setup, {name}"
    open_stand(page, hub, "/stand/devices")
    page.wait_for_selector("#devices-page[aria-busy=false]")
    yield "stand: devices"
    page.goto(hub.url + "/")
    yield "landing"
    page.goto(hub.url + "/reports/login")
    page.wait_for_selector("#login-form")
    yield "reports: sign-in"
    for kind in ("daily", "monthly", "yearly"):
        open_reports(page, hub, kind)
        yield f"reports: {kind}"
    page.goto(hub.url + "/reports/nothing-here")
    yield "reports: no such page"
    for state in VISITOR_STATES:
        page.goto(hub.url + hall["pages"][state])
        yield f"visitor: {state}"


#: The elements that stick out past the right edge (to say what breaks the reflow).
STICKING_OUT = """() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > w + 1 && !el.closest(".table-scroll, .scroll")) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}: ${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 8);
}"""


# ---------------------------------------------------------------------- axe over every page

#: Each axe pass also checks reflow at a narrower viewport, on the same page (one visit per page:
#: the module's time): 1440×900 at 200 % zoom is 720×450 CSS px; the phone's pass checks 320 px.
REFLOW_OF = {"desktop": "zoom200", "phone": "320px"}


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_passes_axe_reflows_and_has_a_skip_link_and_one_h1(browser, shared_hub, hall, size):
    """axe: no WCAG 2.0/2.1 A or AA violation (at the desktop size none of axe's best practices
    either); WCAG 1.4.10 reflow: the page itself never scrolls sideways at 320 px or 200 % zoom
    (tables scroll in their own boxes); at the desktop size, a skip link first and one h1."""
    tab, found, seen, structure, wide = Tab(browser, SIZES[size]), {}, [], {}, {}
    narrow = REFLOW[REFLOW_OF[size]]["viewport"]
    try:
        for name in visit_all(tab.page, shared_hub, hall):
            seen.append(name)
            check(tab.page, found, name, WCAG_AA + ["best-practice"] if size == "desktop" else WCAG_AA)
            if size == "desktop" and (problems := structure_problems(tab.page)):
                structure[name] = problems
            tab.page.set_viewport_size(narrow)
            scroll, client = no_page_scroll(tab.page)
            if scroll > client + 1:
                wide[name] = (scroll, client, tab.page.evaluate(STICKING_OUT))
            tab.page.set_viewport_size(SIZES[size]["viewport"])
    finally:
        tab.close()
    assert len(seen) >= 24 and sum(n.startswith("stand: setup") for n in seen) >= 6, seen
    assert_clean(found)
    assert not wide, f"the page scrolls sideways at {REFLOW_OF[size]}:\n" + "\n".join(
        f"{k}: {v}" for k, v in wide.items())
    assert not structure, structure


# ---------------------------------------------------------------------- keyboard and screen reader

def structure_problems(p) -> list[str]:
    """One h1; the skip link is the first thing the keyboard reaches and Enter takes focus past the top bar."""
    problems = []
    h1 = p.locator("h1").count()
    first = p.evaluate("""() => { const f = document.querySelector(
         'a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex="0"]');
       return f ? f.className + '|' + f.getAttribute('href') : null; }""")
    if h1 != 1:
        problems.append(f"{h1} h1")
    if not first or not first.startswith("skip-link|#"):
        problems.append(f"first focusable is {first}")
    else:
        target = first.split("|")[1][1:]
        p.focus("a.skip-link")
        p.keyboard.press("Enter")
        now = p.evaluate("document.activeElement.id")
        if now != target:
            problems.append(f"skip link to #{target} left focus on #{now}")
    return problems


def contrast(a: tuple, b: tuple) -> float:
    def lum(c):
        ch = [v / 255 for v in c]
        ch = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def test_setup_tabs_are_a_real_tab_list_driven_by_arrows_home_and_end(browser, shared_hub, hall):
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_stand(p, shared_hub, "/stand/setup#services")
        p.wait_for_selector("#setup[aria-busy=false]")
        names = setup_tabs(p)
        assert p.locator("[role=tablist] > [role=tab]").count() == len(names)
        assert p.locator("[role=tablist] a").count() == 0  # the devices link lives outside the list

        def selected():
            return p.evaluate("""() => { const s = [...document.querySelectorAll('[role=tab]')]
                .filter(t => t.getAttribute('aria-selected') === 'true');
              const t = s[0]; const pane = document.getElementById(t.getAttribute('aria-controls'));
              return {n: s.length, id: t.id, focused: document.activeElement === t, pane: pane.id,
                      visible: !pane.hidden, labelled: pane.getAttribute('aria-labelledby'),
                      roving: [...document.querySelectorAll('[role=tab]')]
                                .filter(x => x.tabIndex === 0).map(x => x.id)}; }""")

        p.focus("#tab-services")
        s = selected()
        assert s == {"n": 1, "id": "tab-services", "focused": True, "pane": "pane-services", "visible": True,
                     "labelled": "tab-services", "roving": ["tab-services"]}
        last = names[-1]
        for key, want in [("ArrowDown", names[1]), ("ArrowRight", names[2]), ("End", last),
                          ("ArrowDown", names[0]), ("ArrowUp", last), ("Home", names[0]),
                          ("ArrowLeft", last)]:
            p.keyboard.press(key)
            s = selected()
            assert (s["id"], s["focused"], s["visible"], s["roving"]) == (f"tab-{want}", True, True, [f"tab-{want}"]), \
                (key, s)
            assert p.locator("[role=tabpanel]:visible").count() == 1
        # Tab leaves the list (one stop for all the tabs): the devices link, then the open panel
        p.keyboard.press("Tab")
        assert p.evaluate("document.activeElement.id") == "link-devices"
        p.keyboard.press("Tab")
        assert p.evaluate("document.activeElement.id") == f"pane-{last}"
    finally:
        tab.close()


def test_issuing_a_ticket_with_the_keyboard_moves_focus_to_the_ticket(browser, shared_hub, hall):
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_stand(p, shared_hub)
        p.wait_for_selector("#monitor[aria-busy=false]")
        p.focus("#issue-service")
        p.select_option("#issue-service", "certificate")
        p.focus("#issue-submit")
        p.keyboard.press("Enter")
        expect(p.locator("#issued-code")).to_have_text(re.compile(r"^Е-\d+"))
        within(5, lambda: p.evaluate("document.activeElement.id") == "issued", "focus on the issued ticket")
        assert p.get_attribute("#issued", "aria-live") == "polite"
        found = {}
        check(p, found, "monitor with an issued ticket", WCAG_AA + ["best-practice"])
        assert_clean(found)
    finally:
        tab.close()


def test_a_cancel_from_the_dialog_leaves_focus_on_the_waiting_list(browser, shared_hub, hall):
    t = hall["admin"].issue("demo", "contract")
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_stand(p, shared_hub)
        row = p.wait_for_selector(f"#waiting-rows tr[data-ticket-id='{t['id']}']")
        row.query_selector(".btn-danger").focus()
        p.keyboard.press("Enter")
        expect(p.locator("#dlg-confirm")).to_be_visible()
        found = {}
        check(p, found, "monitor with the cancel dialog open", WCAG_AA + ["best-practice"])
        assert_clean(found)
        p.focus("#confirm-submit")
        p.keyboard.press("Enter")
        expect(p.locator(f"#waiting-rows tr[data-ticket-id='{t['id']}']")).to_have_count(0)
        expect(p.locator("#toast")).to_have_text(f"Талон {t['code']} отменён")
        within(5, lambda: p.evaluate("document.activeElement.id") == "waiting-title", "focus on the waiting list")
    finally:
        tab.close()


def test_calls_and_recalls_are_announced_on_the_monitor(browser, shared_hub, hall):
    admin, w, op4 = hall["admin"], hall["windows"], hall["ops"][4]
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_stand(p, shared_hub)
        p.wait_for_selector("#link-state.link-ok")
        live = p.locator("#call-announcer")
        assert live.get_attribute("aria-live") == "polite" and live.get_attribute("role") == "status"
        op4.window(w[4], "open")
        t = admin.issue("demo", "cash")
        op4.call(w[4], t["id"])
        expect(live).to_have_text(f"Талон {t['code']} — окно 4")
        op4.act(t["id"], "recall")
        expect(live).to_have_text(f"Повторный вызов: талон {t['code']} — окно 4")
        op4.act(t["id"], "start")
        op4.act(t["id"], "finish")
        op4.window(w[4], "close", force=True)
    finally:
        tab.close()


def test_the_visitor_hears_a_recall_and_the_thanks(browser, shared_hub, hall):
    admin, w, op4 = hall["admin"], hall["windows"], hall["ops"][4]
    op4.window(w[4], "open")
    t = admin.issue("demo", "cash")
    tab = Tab(browser, PHONE)
    try:
        p = tab.page
        p.goto(shared_hub.url + t["url"])
        expect(p.locator("#st-waiting")).to_be_visible()
        op4.call(w[4], t["id"])
        expect(p.locator("#call-text")).to_have_text("Вас приглашают к окну 4")
        assert p.get_attribute("#st-called", "role") == "alert"  # the live region the reader follows
        expect(p.locator("#recall-text")).to_be_hidden()
        first = p.inner_text("#st-called")
        op4.act(t["id"], "recall")
        expect(p.locator("#recall-text")).to_have_text(re.compile(r"^Повторное приглашение в \d\d:\d\d$"))
        second = p.inner_text("#st-called")
        assert second != first  # the region's text changed: a screen reader announces it again
        op4.act(t["id"], "recall")
        expect(p.locator("#recall-text")).to_have_text(re.compile(r"^Повторное приглашение № 2 в \d\d:\d\d$"))
        op4.act(t["id"], "start")
        op4.act(t["id"], "finish")
        expect(p.locator("#rating-form")).to_be_visible()
        found = {}
        check(p, found, "visitor: rating, after a recall", WCAG_AA + ["best-practice"])
        assert_clean(found)
        # rate with the keyboard only: focus a score, arrows choose, Enter on the button sends
        p.focus("#score-5")
        p.keyboard.press("ArrowDown")  # 5 → 4
        assert p.is_checked("#score-4")
        p.focus("#rate-submit")
        p.keyboard.press("Enter")
        expect(p.locator("#thanks-text")).to_have_text("Спасибо за оценку! Ваша оценка: 4 из 5 — хорошо.")
        within(5, lambda: p.evaluate("document.activeElement.id") == "thanks-text", "focus on the thanks")
        assert p.get_attribute("#thanks-text", "role") == "status"
    finally:
        tab.close()
        op4.window(w[4], "close", force=True)


def test_a_pairing_code_and_a_shown_report_take_the_focus(browser, shared_hub, hall):
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_stand(p, shared_hub, "/stand/devices")
        p.wait_for_selector("#devices-page[aria-busy=false]")
        p.focus("#dev-name")
        p.keyboard.type("Киоск для проверки клавиатуры")
        p.keyboard.press("Enter")
        expect(p.locator("#pairing-code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
        within(5, lambda: p.evaluate("document.activeElement.id") == "pairing-title", "focus on the code")
        found = {}
        check(p, found, "devices with a pairing code", WCAG_AA + ["best-practice"])
        assert_clean(found)
        p.focus("#pairing-close")
        p.keyboard.press("Enter")
        expect(p.locator("#pairing")).to_be_hidden()
        assert p.evaluate("document.activeElement.id") == "dev-name"
        open_reports(p, shared_hub, "daily")
        p.focus("#show")
        p.keyboard.press("Enter")
        within(10, lambda: p.evaluate("document.activeElement.id") == "report-slot", "focus on the report")
        assert p.locator("#report-slot main.report h1").count() == 1
    finally:
        tab.close()


def test_focus_rings_have_three_to_one_contrast(browser, shared_hub, hall):
    """WCAG 1.4.11: the reports' ring was #f2b700 (1.82:1 on white); now dark on light, white on dark."""
    tab = Tab(browser, DESKTOP)
    try:
        p = tab.page
        open_reports(p, shared_hub, "daily")
        for sel, ground in [("#show", (255, 255, 255)), ("#period", (255, 255, 255)),
                            ("#nav-yearly", (0x10, 0x32, 0x4f)), ("#logout", (0x10, 0x32, 0x4f))]:
            p.focus(sel)
            p.keyboard.press("Shift+Tab")
            p.keyboard.press("Tab")  # a keyboard focus, so :focus-visible applies
            style = p.eval_on_selector(sel, "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor,"
                                            " getComputedStyle(e).outlineWidth]")
            assert style[0] == "solid" and float(style[2].rstrip("px")) >= 2, (sel, style)
            assert contrast(rgb(style[1]), ground) >= 3, (sel, style)
    finally:
        tab.close()
