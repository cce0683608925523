/* A report page: choose the office and the period, see the report, download it.
   The report is the API's HTML format (rendered and escaped by the server); the page takes its
   <main> and shows it in place. Downloads go through fetch with the token, then a blob link. */
"use strict";

(() => {
  const s = Reports.requireSession();
  if (!s) return;

  const page = document.getElementById("page");
  const kind = page.dataset.kind;
  const form = document.getElementById("controls");
  const officeSel = document.getElementById("office");
  const period = document.getElementById("period");
  const status = document.getElementById("status");
  const slot = document.getElementById("report-slot");
  const PARAM = { daily: "date", monthly: "month", yearly: "year" }[kind];
  const params = new URLSearchParams(location.search);

  document.getElementById("user-name").textContent = s.name || s.login || "";
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await Reports.request("POST", "/api/v1/auth/logout");
    } catch (e) {
      /* signed out here anyway */
    }
    Reports.clearSession();
    Reports.toLogin();
  });

  period.value = params.get(PARAM) || page.dataset[PARAM];

  function say(text, kindOfMessage) {
    status.textContent = text || "";
    status.className = "status" + (kindOfMessage ? " status-" + kindOfMessage : "");
  }

  function apiPath(format, embed) {
    const q = new URLSearchParams({ [PARAM]: period.value.trim(), format });
    if (embed) q.set("embed", "1");
    return `/api/v1/offices/${encodeURIComponent(officeSel.value)}/reports/${kind}?${q}`;
  }

  function valid() {
    const v = period.value.trim();
    const ok = { date: /^\d{4}-\d{2}-\d{2}$/, month: /^\d{4}-\d{2}$/, year: /^\d{4}$/ }[PARAM].test(v);
    if (!ok) {
      say({ date: "Укажите день.", month: "Укажите месяц в виде ГГГГ-ММ.", year: "Укажите год." }[PARAM], "error");
      period.focus();
    }
    return ok;
  }

  async function show(focusResult) {
    if (!valid()) return;
    slot.setAttribute("aria-busy", "true");
    say("Отчёт формируется…");
    const url = new URL(location.href);
    url.searchParams.set(PARAM, period.value.trim());
    url.searchParams.set("office", officeSel.value);
    history.replaceState(null, "", url.pathname + url.search);
    try {
      const resp = await Reports.request("GET", apiPath("html", true));
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const report = doc.querySelector("main.report");
      while (slot.firstChild) slot.removeChild(slot.firstChild);
      if (report) slot.append(document.importNode(report, true));
      say("");
      // after «Показать» the keyboard and the screen reader go on to the report just shown
      if (focusResult && report) slot.focus();
    } catch (e) {
      say(e.message, "error");
    } finally {
      slot.setAttribute("aria-busy", "false");
    }
  }

  async function download(format, button) {
    if (!valid()) return;
    button.disabled = true;
    say("Готовим файл…");
    try {
      const name = await Reports.download(apiPath(format), `report.${format}`);
      say(`Файл «${name}» скачан.`, "ok");
    } catch (e) {
      say(e.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    show(true);
  });
  for (const b of document.querySelectorAll("[data-format]")) {
    b.addEventListener("click", () => download(b.dataset.format, b));
  }

  (async () => {
    try {
      const offices = await Reports.json("GET", "/api/v1/offices");
      const mine = offices.filter((o) => !s.office || o.id === s.office);
      for (const o of mine) {
        const opt = document.createElement("option");
        opt.value = o.id;
        opt.textContent = o.name;
        officeSel.append(opt);
      }
      const wanted = params.get("office");
      if (wanted && mine.some((o) => o.id === wanted)) officeSel.value = wanted;
      officeSel.disabled = mine.length < 2;
      if (!mine.length) {
        say("Нет доступных офисов.", "error");
        return;
      }
      await show();
    } catch (e) {
      say(e.message, "error");
    }
  })();
})();
