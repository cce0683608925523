/* «Обращения и выезды»: written requests, claims and complaints with their deadlines (what is due
   soon and overdue, in colour and in words), and home visits (register, schedule, done, refuse
   with a reason). Names are masked in the lists; «Показать данные» opens one record (the hub logs
   who opened it). Data: GET …/casework/requests, …/visits, …/terms; re-read every 30 s and after
   each change (the casework events are not followed on the stream: they carry no names anyway). */
"use strict";

(() => {
  const { h, api, clear, showError, toast } = Stand;
  const POLL_MS = 30000;
  const STATUS_CLASS = { overdue: "badge badge-danger", due: "badge badge-warning", open: "badge",
    answered: "badge lv-ok-solid", answered_late: "badge badge-warning" };
  const VISIT_CLASS = { requested: "badge badge-warning", scheduled: "badge", done: "badge lv-ok-solid",
    refused: "badge badge-danger" };

  const session = Stand.requireSession("admin", "administrator", "head");
  if (!session) return;
  Stand.header(session);

  let office = null;
  let terms = [];
  const base = () => `/api/v1/offices/${encodeURIComponent(office)}/casework`;
  const $ = (id) => document.getElementById(id);

  function dateWords(iso) {
    if (!iso) return "";
    const [y, m, d] = iso.split("-");
    return `${d}.${m}.${y}`;
  }

  function daysWords(n) {
    const a = Math.abs(n);
    const unit = (a % 10 === 1 && a % 100 !== 11) ? "день"
      : ([2, 3, 4].includes(a % 10) && ![12, 13, 14].includes(a % 100)) ? "дня" : "дней";
    return `${a} ${unit}`;
  }

  function leftWords(r) {
    if (r.state === "answered") return `ответ дан ${dateWords(r.answered_day)}`;
    if (r.days_left < 0) return `просрочено на ${daysWords(r.days_left)}`;
    if (r.days_left === 0) return "последний день — сегодня";
    return `осталось ${daysWords(r.days_left)}`;
  }

  // ------------------------------------------------------------------ personal data, opened on request

  async function showPerson(path, fields) {
    let rec;
    try {
      rec = await api("GET", path);
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    const dl = clear($("dlg-person-data"));
    for (const [key, label] of fields) {
      dl.append(h("dt", {}, label), h("dd", {}, rec[key] || "— стёрто по сроку хранения"));
    }
    $("dlg-person").showModal();
  }

  // ------------------------------------------------------------------ written requests

  function requestRow(r) {
    const actions = h("div", { class: "row-actions" },
      h("button", { type: "button", class: "btn btn-small", "aria-label": `Показать данные заявителя, обращение ${r.id}`,
        onclick: () => showPerson(`${base()}/requests/${r.id}`, [["name", "Имя"], ["contact", "Телефон или адрес"]]) },
      "Показать данные"));
    if (r.state === "registered") {
      actions.append(h("button", { type: "button", class: "btn btn-small btn-primary", dataset: { answer: r.id },
        "aria-label": `Ответ дан, обращение ${r.id}`, onclick: () => answer(r) }, "Ответ дан"));
    }
    return h("tr", { dataset: { request: r.id, status: r.status } },
      h("td", {}, String(r.id)),
      h("td", {}, h("strong", {}, r.kind_words), h("span", { class: "block" }, r.subject)),
      h("td", {}, r.forgotten ? "стёрто" : r.name),
      h("td", {}, dateWords(r.due), h("small", { class: "muted block" }, `${r.term} (${r.term_source})`)),
      h("td", {}, h("span", { class: STATUS_CLASS[r.status] || "badge" }, r.status_words),
        h("small", { class: "block" }, leftWords(r))),
      h("td", {}, actions));
  }

  async function answer(r) {
    try {
      await api("POST", `${base()}/requests/${r.id}/answer`, {});
      toast(`Обращение № ${r.id}: ответ отмечен`, "ok");
    } catch (e) {
      toast(e.message, "error");
    }
    await load();
  }

  function summaryWords(s) {
    const parts = [];
    if (s.overdue) parts.push(`срок прошёл: ${s.overdue}`);
    if (s.due) parts.push(`скоро срок: ${s.due}`);
    if (s.open) parts.push(`в работе: ${s.open}`);
    return parts.length ? "Без ответа — " + parts.join(", ") + "." : "Все обращения с ответом.";
  }

  // ------------------------------------------------------------------ home visits

  function visitRow(v) {
    const actions = h("div", { class: "row-actions" },
      h("button", { type: "button", class: "btn btn-small", "aria-label": `Показать данные, выезд ${v.id}`,
        onclick: () => showPerson(`${base()}/visits/${v.id}`, [["name", "Имя"], ["phone", "Телефон"], ["address", "Адрес"]]) },
      "Показать данные"));
    if (v.state === "requested" || v.state === "scheduled") {
      const again = v.state === "scheduled" ? "Перенести" : "Назначить дату";
      actions.append(
        h("button", { type: "button", class: "btn btn-small", dataset: { schedule: v.id },
          "aria-label": `${again}, выезд ${v.id}`, onclick: () => visitDialog(v, "schedule") }, again));
      if (v.state === "scheduled") {
        actions.append(h("button", { type: "button", class: "btn btn-small btn-primary", dataset: { done: v.id },
          "aria-label": `Выезд выполнен, выезд ${v.id}`, onclick: () => act(v, { action: "done" }) }, "Выполнен"));
      }
      actions.append(h("button", { type: "button", class: "btn btn-small btn-danger", dataset: { refuse: v.id },
        "aria-label": `Отказать, выезд ${v.id}`, onclick: () => visitDialog(v, "refuse") }, "Отказать"));
    }
    let state = v.state_words;
    if (v.state === "scheduled") state += ` на ${dateWords(v.scheduled_for)}`;
    return h("tr", { dataset: { visit: v.id, state: v.state } },
      h("td", {}, String(v.id)),
      h("td", {}, h("strong", {}, v.forgotten ? "стёрто" : v.name), h("span", { class: "block" }, v.reason),
        h("small", { class: "muted block" }, v.eligible_because)),
      h("td", {}, h("span", { class: VISIT_CLASS[v.state] || "badge" }, state),
        v.refusal ? h("small", { class: "block" }, `Причина: ${v.refusal}`) : null),
      h("td", {}, actions));
  }

  let dialogVisit = null;
  let dialogAction = null;

  function visitDialog(v, action) {
    dialogVisit = v;
    dialogAction = action;
    $("dlg-visit-title").textContent = action === "schedule" ? `Дата выезда № ${v.id}` : `Отказ в выезде № ${v.id}`;
    $("dlg-visit-date-box").hidden = action !== "schedule";
    $("dlg-visit-reason-box").hidden = action !== "refuse";
    $("dlg-visit-date").value = v.scheduled_for || "";
    $("dlg-visit-reason").value = "";
    $("dlg-visit-ok").textContent = action === "schedule" ? "Назначить" : "Отказать";
    showError($("dlg-visit-error"), "");
    $("dlg-visit").showModal();
  }

  async function act(v, body, errorEl) {
    try {
      await api("POST", `${base()}/visits/${v.id}/action`, body);
      toast(`Выезд № ${v.id}: сохранено`, "ok");
      await load();
      return true;
    } catch (e) {
      if (errorEl) showError(errorEl, e.message);
      else toast(e.message, "error");
      return false;
    }
  }

  $("dlg-visit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { action: dialogAction };
    if (dialogAction === "schedule") {
      if (!$("dlg-visit-date").value) {
        showError($("dlg-visit-error"), "Укажите дату выезда");
        return;
      }
      body.date = $("dlg-visit-date").value;
    } else {
      body.reason = $("dlg-visit-reason").value;
    }
    if (await act(dialogVisit, body, $("dlg-visit-error"))) $("dlg-visit").close();
  });
  for (const b of document.querySelectorAll("dialog [data-close]")) {
    b.addEventListener("click", () => b.closest("dialog").close());
  }

  // ------------------------------------------------------------------ forms

  function showTerm() {
    const t = terms.find((x) => x.kind === $("req-kind").value && x.channel === $("req-channel").value);
    $("req-term").textContent = t ? `Срок ответа: ${t.words} (${t.source}).` : "";
  }

  $("req-kind").addEventListener("change", showTerm);
  $("req-channel").addEventListener("change", showTerm);

  $("req-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { kind: f.kind.value, channel: f.channel.value, subject: f.subject.value, name: f.name.value,
      contact: f.contact.value, consent: f.consent.checked };
    if (!body.consent) {
      showError($("req-error"), "Нужно согласие на обработку персональных данных (152-ФЗ)");
      return;
    }
    try {
      const made = await api("POST", `${base()}/requests`, body);
      showError($("req-error"), "");
      f.reset();
      showTerm();
      toast(`Обращение № ${made.id} зарегистрировано. Ответить до ${dateWords(made.due)}.`, "ok");
      await load();
    } catch (e) {
      showError($("req-error"), e.message);
    }
  });

  $("visit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { name: f.name.value, reason: f.reason.value, address: f.address.value, phone: f.phone.value,
      channel: f.querySelector("input[name=channel]:checked").value, lives_alone: f.lives_alone.checked,
      disability: f.disability.checked, over_65: f.over_65.checked, consent: f.consent.checked };
    if (!body.consent) {
      showError($("visit-error"), "Нужно согласие на обработку персональных данных (152-ФЗ)");
      return;
    }
    try {
      const made = await api("POST", `${base()}/visits`, body);
      showError($("visit-error"), "");
      f.reset();
      toast(`Заявка на выезд № ${made.id} принята`, "ok");
      await load();
    } catch (e) {
      showError($("visit-error"), e.message);
    }
  });

  // ------------------------------------------------------------------ loading

  async function load() {
    try {
      const [reqs, visits] = await Promise.all([api("GET", `${base()}/requests`), api("GET", `${base()}/visits`)]);
      const rows = clear($("req-rows"));
      for (const r of reqs.requests) rows.append(requestRow(r));
      $("req-empty").hidden = reqs.requests.length > 0;
      $("req-count").textContent = reqs.requests.length ? `(${reqs.requests.length})` : "";
      $("req-summary").textContent = summaryWords(reqs.summary);
      const vrows = clear($("visit-rows"));
      for (const v of visits.visits) vrows.append(visitRow(v));
      $("visit-empty").hidden = visits.visits.length > 0;
      $("visit-count").textContent = visits.visits.length ? `(${visits.visits.length})` : "";
      Stand.setLink(true);
    } catch (e) {
      Stand.setLink(false);
      toast(e.message, "error");
    }
  }

  async function start() {
    office = await Stand.officeId(session);
    const t = await api("GET", `${base()}/terms`);
    terms = t.terms;
    for (const k of t.kinds) $("req-kind").append(h("option", { value: k.id }, k.words));
    for (const c of t.channels) $("req-channel").append(h("option", { value: c.id }, c.words));
    showTerm();
    await load();
    $("casework-page").setAttribute("aria-busy", "false");
    setInterval(load, POLL_MS);
  }

  start().catch((e) => toast(e.message, "error"));
})();
