/* The hall monitor: waiting tickets against their norms, windows, alerts, devices, and the
   administrator's actions. Data: GET state/alerts/devices; live: EventSource on the office's
   events, plus a re-read every few seconds (the hub's clock moves without events). Every time
   shown is the hub's: the snapshot's «now» plus the time since it was read. */
"use strict";

(() => {
  const { h, api, clear } = Stand;
  const W = Stand.WORDS;
  const POLL_MS = 3000;
  // The event types come from the hub's catalogue (server/domain/events.py, served as
  // /api/v1/events/catalogue.js): the stand follows those it announces or re-reads the hall for.
  const EV = window.TalonEvents;
  const ANNOUNCED = new Set(EV.stand.announce);
  const EVENT_TYPES = [...EV.stand.announce, ...EV.stand.refresh];
  const declared = (name) => {
    if (!EV.all.some((e) => e.name === name)) throw new Error(`event type ${name} is not in the catalogue`);
    return name;
  };
  const RECALLED = declared("ticket.recalled");

  const session = Stand.requireSession("administrator", "admin");
  if (!session) return;
  Stand.header(session);

  let office = null;
  let state = null;          // the last /state answer
  let stateAt = 0;           // performance.now() when it arrived
  let alerts = { alerts: [], near: 0.75, now: 0 };
  let devices = [];
  let staff = {};            // login → name
  let streamOk = false;
  const seenAlerts = new Set();
  let firstRender = true;

  function hubNow() {
    if (!state) return Date.now() / 1000;
    return state.now + (performance.now() - stateAt) / 1000;
  }

  function tz() {
    return state && state.schedule ? state.schedule.tz : undefined;
  }

  function serviceName(id) {
    const s = state && state.services.find((x) => x.id === id);
    return s ? s.name : id;
  }

  // ------------------------------------------------------------------ reading

  async function readAll() {
    try {
      const base = `/api/v1/offices/${encodeURIComponent(office)}`;
      const [st, al, dv] = await Promise.all([
        api("GET", `${base}/state`), api("GET", `${base}/alerts`), api("GET", `${base}/devices`),
      ]);
      state = st;
      stateAt = performance.now();
      alerts = al;
      devices = dv;
      render();
      if (!streamOk) Stand.setLink(false, "Нет живой связи — данные обновляются раз в несколько секунд");
      else Stand.setLink(true);
    } catch (e) {
      Stand.setLink(false);
    }
  }

  const reading = Stand.reloader(readAll);
  const scheduleRefresh = reading.schedule;
  const refresh = reading.run;

  function follow() {
    Stand.liveStream(office, session, EVENT_TYPES, (e) => { announceCall(e); scheduleRefresh(); }, () => {
      streamOk = true;
      Stand.setLink(true);
      scheduleRefresh(0); // whatever happened while we were away
    }, () => {
      streamOk = false;
      Stand.setLink(false);
    });
  }

  /** A call or a recall in words in the polite live region: «Талон А-012 — окно 3». The text
      is cleared first, so a second call of the same ticket is announced again. */
  function announceCall(e) {
    if (!ANNOUNCED.has(e.type)) return;
    let t = null;
    try {
      t = (JSON.parse(e.data).view || {}).ticket;
    } catch (err) { return; }
    if (!t || !t.code) return;
    const where = t.window_number != null ? ` — окно ${t.window_number}` : "";
    const text = (e.type === RECALLED ? "Повторный вызов: талон " : "Талон ") + t.code + where;
    const el = document.getElementById("call-announcer");
    el.textContent = "";
    setTimeout(() => { el.textContent = text; }, 100);
  }

  /** After an action from a dialog the row acted on may be gone (the list is re-read): focus goes
      to the waiting list's heading; the toast, a polite status, says what was done. */
  function focusAfterAction() {
    setTimeout(() => document.getElementById("waiting-title").focus(), 0);
  }

  // ------------------------------------------------------------------ keyed lists

  /** Put ``items`` into ``container`` keeping the elements whose content did not change. */
  function keyed(container, items, key, signature, build) {
    const old = new Map();
    for (const el of Array.from(container.children)) old.set(el.dataset.key, el);
    items.forEach((item, i) => {
      const k = String(key(item));
      const sig = signature(item);
      let el = old.get(k);
      if (!el || el.dataset.sig !== sig) {
        const fresh = build(item);
        fresh.dataset.key = k;
        fresh.dataset.sig = sig;
        if (el) el.replaceWith(fresh);
        el = fresh;
      }
      old.delete(k);
      if (container.children[i] !== el) container.insertBefore(el, container.children[i] || null);
    });
    for (const el of old.values()) el.remove();
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    document.getElementById("monitor").setAttribute("aria-busy", "false");
    document.getElementById("office-name").textContent = state.office.name;
    renderAlerts();
    renderWaiting();
    renderWindows();
    renderDevices();
    renderIssueChoices();
    tick();
    firstRender = false;
  }

  function renderAlerts() {
    const list = alerts.alerts || [];
    const fresh = list.filter((a) => !a.acknowledged);
    const acked = list.filter((a) => a.acknowledged);
    document.getElementById("alerts-count").textContent = fresh.length ? `(${fresh.length})` : "";
    document.getElementById("alerts-empty").hidden = list.length > 0;
    document.getElementById("alerts-panel").classList.toggle("has-danger",
      fresh.some((a) => a.level === "danger"));
    const sig = (a) => JSON.stringify([a.level, a.title, a.text, a.since, a.acknowledged]);
    keyed(document.getElementById("alerts"), fresh, (a) => a.id, sig, alertItem);
    keyed(document.getElementById("acked-list"), acked, (a) => a.id, sig, alertItem);
    const details = document.getElementById("acked");
    details.hidden = acked.length === 0;
    document.getElementById("acked-count").textContent = `(${acked.length})`;
    for (const a of fresh) seenAlerts.add(a.id);
    document.title = (fresh.length ? `(${fresh.length}) ` : "") + "Монитор зала — Талон";
  }

  function alertItem(a) {
    const isNew = !firstRender && !seenAlerts.has(a.id) && !a.acknowledged;
    const badge = a.level === "danger" ? "СРОЧНО" : "ВНИМАНИЕ";
    const meta = [];
    if (a.since) {
      meta.push(`с ${Stand.wallClock(a.since, tz())} · уже `,
        h("span", { "data-tick": "words", "data-from": a.since }, Stand.durationWords(hubNow() - a.since)));
    }
    if (a.source) meta.push(` · правило ${a.source}`);
    if (a.acknowledged) {
      meta.push(` · принято (${a.acknowledged.login}) в ${Stand.wallClock(a.acknowledged.at, tz())}`);
    }
    return h("li", {
      class: `alert alert-${a.level}${a.acknowledged ? " is-acked" : ""}${isNew ? " is-new" : ""}`,
      dataset: { alertId: a.id, kind: a.kind },
    },
    h("span", { class: `badge badge-${a.level}` }, badge),
    h("div", { class: "alert-body" },
      h("strong", { class: "alert-title" }, a.title),
      h("p", { class: "alert-text" }, a.text),
      h("p", { class: "alert-meta" }, meta)),
    a.acknowledged ? null : h("button", {
      type: "button", class: "btn btn-ack", "aria-label": `Принято: ${a.title}`,
      onclick: (ev) => ack(a, ev.currentTarget),
    }, "Принято"));
  }

  async function ack(a, button) {
    button.disabled = true;
    try {
      await api("POST", `/api/v1/offices/${encodeURIComponent(office)}/alerts/${encodeURIComponent(a.id)}/ack`, {});
      scheduleRefresh(0);
    } catch (e) {
      button.disabled = false;
      if (e.status === 404) scheduleRefresh(0);
      else Stand.toast(e.message, "error");
    }
  }

  function estimateWords(est) {
    if (!est || est[0] === null || est[0] === undefined) return "";
    return `≈ ${est[0]}–${est[1]} мин`;
  }

  function renderWaiting() {
    const rows = state.waiting;
    document.getElementById("waiting-count").textContent = `(${rows.length})`;
    document.getElementById("waiting-empty").hidden = rows.length > 0;
    document.getElementById("waiting").hidden = rows.length === 0;
    keyed(document.getElementById("waiting-rows"), rows, (t) => t.id,
      (t) => JSON.stringify([t.code, t.service, t.queued_at, t.wait_limit, t.people_ahead, t.estimate,
        t.individual, t.priority, t.target_window, t.segments, t.client_type]),
      waitingRow);
  }

  function waitingRow(t) {
    const tags = [];
    if (t.individual) tags.push(h("span", { class: "tag tag-individual" }, "индивидуальный формат"));
    if (t.segments > 1) tags.push(h("span", { class: "tag" }, "переведён"));
    if (t.target_window) {
      const w = state.windows.find((x) => x.id === t.target_window);
      if (w) tags.push(h("span", { class: "tag" }, `к окну ${w.number}`));
    }
    const client = t.client_type && t.client_type !== "any" ? W.clients[t.client_type] : "";
    const ahead = t.people_ahead === 0 ? "первый" : Stand.peopleWords(t.people_ahead);
    return h("tr", { dataset: { ticketId: t.id, code: t.code, from: t.queued_at, limit: t.wait_limit || "" },
      class: "lv-row" },
    h("td", { class: "code-cell" }, h("span", { class: "code" }, t.code), tags),
    h("td", {}, t.service_name, client ? h("small", { class: "muted block" }, client) : null),
    h("td", { class: "num" }, h("span", { "data-tick": "clock", "data-from": t.queued_at },
      Stand.clockDuration(hubNow() - t.queued_at)),
    h("small", { class: "muted block" }, t.wait_limit ? `норматив ${Stand.minutesWords(t.wait_limit)}` : "без норматива")),
    h("td", {}, h("span", { class: "badge lv-badge" }, "")),
    h("td", {}, ahead, h("small", { class: "muted block" }, estimateWords(t.estimate))),
    h("td", { class: "actions" }, h("div", { class: "action-grid" },
      h("button", { type: "button", class: "btn btn-small", onclick: () => openTransfer(t) }, "Перевести"),
      h("button", { type: "button", class: "btn btn-small", onclick: () => confirmResolve(t) }, "Решено"),
      h("button", { type: "button", class: "btn btn-small", onclick: () => openPrint(t) }, "Печать"),
      h("button", { type: "button", class: "btn btn-small btn-danger", onclick: () => confirmCancel(t) },
        "Отменить"))));
  }

  function windowState(w, call) {
    if (w.state === "closed") return { cls: "st-closed", words: "Закрыто" };
    if (w.state === "paused") return { cls: "st-paused", words: `Перерыв: ${W.pauses[w.pause_reason] || "перерыв"}` };
    if (call && call.state === "serving") return { cls: "st-serving", words: "Ведёт приём" };
    if (call) return { cls: "st-called", words: "Вызван посетитель" };
    return { cls: "st-open", words: "Открыто, свободно" };
  }

  function renderWindows() {
    const calls = new Map(state.calls.map((c) => [c.window, c]));
    keyed(document.getElementById("windows"), state.windows, (w) => w.id,
      (w) => JSON.stringify([w, calls.get(w.id) || null, staff[w.operator] || null]),
      (w) => windowCard(w, calls.get(w.id)));
  }

  function windowCard(w, call) {
    const st = windowState(w, call);
    const operator = w.operator ? (staff[w.operator] ? `${staff[w.operator]} (${w.operator})` : w.operator) : null;
    // since what the card shows began (a call, the service, free again), not since the window opened
    const changed = w.state_since || w.since;
    const since = changed ? [`с ${Stand.wallClock(changed, tz())} · `,
      h("span", { "data-tick": "words", "data-from": changed }, Stand.durationWords(hubNow() - changed))] : [];
    let current = null;
    if (call) {
      const serving = call.state === "serving";
      const from = serving ? call.started_at : call.called_at;
      const limit = serving ? call.service_limit : null;
      current = h("div", { class: "current lv-row", dataset: { from, limit: limit || "", ticketId: call.id } },
        h("div", {}, h("span", { class: "code" }, call.code), " ", call.service_name,
          call.phase ? h("span", { class: "tag" }, call.phase === "digital" ? "цифровые сервисы" : "доп. услуги") : null),
        h("div", { class: "running" },
          serving ? "приём " : "ждём посетителя ",
          h("span", { "data-tick": "clock", "data-from": from }, Stand.clockDuration(hubNow() - from)),
          limit ? ` из ${Stand.minutesWords(limit)} ` : " ",
          limit ? h("span", { class: "badge lv-badge" }, "") : null,
          !serving && call.recalls ? ` · повторных вызовов: ${call.recalls}` : ""),
        h("button", { type: "button", class: "btn btn-small", onclick: () => openTransfer(call) }, "Перевести"));
    }
    return h("article", { class: `card window ${st.cls}`, dataset: { windowId: w.id, number: w.number } },
      h("header", {}, h("span", { class: "window-number" }, `Окно ${w.number}`),
        w.zone ? h("small", { class: "muted" }, w.zone) : null),
      h("p", { class: "window-state" }, h("span", { class: `badge ${st.cls}` }, st.words), " ", since),
      h("p", { class: "operator" }, operator ? `Оператор: ${operator}` : "Оператор не вошёл"),
      current);
  }

  function deviceLine(d) {
    const now = hubNow();
    const kind = d.kind === "kiosk" ? "Киоск" : d.kind === "board" ? "Табло" : d.kind;
    let link;
    if (!d.last_seen) link = h("span", { class: "badge st-closed" }, "ещё не подключался");
    else if (d.online) link = h("span", { class: "badge lv-ok-solid" }, "на связи");
    else link = h("span", { class: "badge lv-over-solid" }, `нет связи ${Stand.durationWords(now - d.last_seen)}`);
    const printer = d.status && d.status.printer ? d.status.printer.state : null;
    const PRINTER = { ok: "принтер в порядке", paper_low: "бумага заканчивается", paper_out: "нет бумаги",
      cover_open: "открыта крышка", offline: "принтер не отвечает", error: "ошибка принтера", none: "без принтера" };
    return h("li", { class: "device", dataset: { deviceId: d.id } },
      h("span", { class: "device-name" }, `${kind} «${d.name}»`), " ", link,
      printer ? h("small", { class: "muted block" }, PRINTER[printer] || printer) : null);
  }

  function renderDevices() {
    const list = document.getElementById("devices");
    clear(list);
    for (const d of devices) list.append(deviceLine(d));
    document.getElementById("devices-empty").hidden = devices.length > 0;
  }

  function kiosks() {
    return devices.filter((d) => d.kind === "kiosk" && d.paired_at);
  }

  function fillKiosks(select) {
    const keep = select.value;
    clear(select);
    const list = kiosks();
    if (!list.length) select.append(h("option", { value: "" }, "нет подключённых киосков"));
    for (const d of list) {
      select.append(h("option", { value: d.id }, `${d.name} — ${d.online ? "на связи" : "нет связи"}`));
    }
    if (list.some((d) => d.id === keep)) select.value = keep;
  }

  let choicesSig = "";
  function renderIssueChoices() {
    const sig = JSON.stringify([state.services.map((s) => [s.id, s.name, s.open, s.active]),
      kiosks().map((d) => [d.id, d.name, d.online]), state.windows.map((w) => [w.id, w.number, w.zone])]);
    if (sig === choicesSig) return;
    choicesSig = sig;
    const select = document.getElementById("issue-service");
    const keep = select.value;
    clear(select);
    select.append(h("option", { value: "" }, "— выберите услугу —"));
    for (const s of state.services.filter((x) => x.active)) {
      select.append(h("option", { value: s.id }, `${s.letter} — ${s.name}${s.open ? "" : " (сейчас не принимается)"}`));
    }
    if (state.services.some((s) => s.id === keep)) select.value = keep;
    fillKiosks(document.getElementById("issue-kiosk"));
  }

  /** Every second: the clock, running times, and each row's level against its norm. */
  function tick() {
    if (!state) return;
    const now = hubNow();
    document.getElementById("clock").textContent = Stand.wallClock(now, tz(), true);
    for (const el of document.querySelectorAll("[data-tick]")) {
      const from = Number(el.dataset.from);
      el.textContent = el.dataset.tick === "clock" ? Stand.clockDuration(now - from) : Stand.durationWords(now - from);
    }
    for (const row of document.querySelectorAll(".lv-row")) {
      const limit = Number(row.dataset.limit) || 0;
      const level = limit ? Stand.waitLevel(now - Number(row.dataset.from), limit, alerts.near || 0.75) : "none";
      row.classList.remove("lv-ok", "lv-near", "lv-over", "lv-none");
      row.classList.add("lv-" + level);
      row.dataset.level = level;
      const badge = row.querySelector(".lv-badge");
      if (badge) badge.textContent = Stand.LEVEL_WORDS[level];
    }
  }

  // ------------------------------------------------------------------ dialogs

  function dialogError(dlg, message) {
    Stand.showError(dlg.querySelector("[data-slot=error]"), message);
  }

  function openDialog(dlg) {
    dialogError(dlg, "");
    dlg.showModal();
  }

  for (const dlg of document.querySelectorAll("dialog")) {
    for (const b of dlg.querySelectorAll("[data-close]")) b.addEventListener("click", () => dlg.close());
  }

  let transferTicket = null;
  function openTransfer(t) {
    transferTicket = t;
    const dlg = document.getElementById("dlg-transfer");
    dlg.querySelector("[data-slot=code]").textContent = t.code;
    const services = document.getElementById("transfer-service");
    clear(services);
    services.append(h("option", { value: "" }, "— та же услуга —"));
    for (const s of state.services.filter((x) => x.active)) {
      services.append(h("option", { value: s.id }, `${s.letter} — ${s.name}${s.id === t.service ? " (сейчас)" : ""}`));
    }
    const windows = document.getElementById("transfer-window");
    clear(windows);
    windows.append(h("option", { value: "" }, "— любое подходящее окно —"));
    for (const w of state.windows) {
      const st = w.state === "open" ? "открыто" : w.state === "paused" ? "перерыв" : "закрыто";
      windows.append(h("option", { value: w.id }, `Окно ${w.number}${w.zone ? " · " + w.zone : ""} (${st})`));
    }
    openDialog(dlg);
  }

  document.getElementById("transfer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const dlg = document.getElementById("dlg-transfer");
    const service = document.getElementById("transfer-service").value;
    const win = document.getElementById("transfer-window").value;
    if (!service && !win) {
      dialogError(dlg, "Выберите услугу или окно, куда перевести посетителя.");
      return;
    }
    if (service === transferTicket.service && !win && transferTicket.state === "waiting") {
      dialogError(dlg, "Талон уже ждёт эту услугу: выберите другую услугу или окно.");
      return;
    }
    const body = {};
    if (service) body.service = service;
    if (win) body.window = Number(win);
    const button = document.getElementById("transfer-submit");
    button.disabled = true;
    try {
      const t = await api("POST", `/api/v1/tickets/${transferTicket.id}/transfer`, body);
      dlg.close();
      focusAfterAction();
      Stand.toast(`Талон ${t.code} переведён: ${t.service_name}${t.target_window ? "" : ""}`, "ok");
      scheduleRefresh(0);
    } catch (e) {
      dialogError(dlg, e.message);
    } finally {
      button.disabled = false;
    }
  });

  let confirmAction = null;
  function confirmDialog({ title, text, ok, reason, run }) {
    const dlg = document.getElementById("dlg-confirm");
    dlg.querySelector("[data-slot=title]").textContent = title;
    dlg.querySelector("[data-slot=text]").textContent = text;
    dlg.querySelector("[data-slot=ok]").textContent = ok;
    dlg.querySelector("[data-slot=reason-box]").hidden = !reason;
    document.getElementById("confirm-reason").value = "";
    confirmAction = run;
    openDialog(dlg);
  }

  document.getElementById("confirm-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const dlg = document.getElementById("dlg-confirm");
    const button = document.getElementById("confirm-submit");
    button.disabled = true;
    try {
      const message = await confirmAction(document.getElementById("confirm-reason").value.trim());
      dlg.close();
      focusAfterAction();
      Stand.toast(message, "ok");
      scheduleRefresh(0);
    } catch (e) {
      dialogError(dlg, e.message);
    } finally {
      button.disabled = false;
    }
  });

  function confirmResolve(t) {
    confirmDialog({
      title: `Решено администратором: талон ${t.code}`,
      text: "Вопрос посетителя решён у стойки администратора. Талон закроется и не будет вызван к окну.",
      ok: "Да, вопрос решён",
      run: async () => {
        await api("POST", `/api/v1/tickets/${t.id}/resolve`, {});
        return `Талон ${t.code}: решено администратором`;
      },
    });
  }

  function confirmCancel(t) {
    confirmDialog({
      title: `Отменить талон ${t.code}?`,
      text: "Посетитель ушёл или талон выдан по ошибке. Талон не будет вызван.",
      ok: "Да, отменить талон",
      reason: true,
      run: async (reason) => {
        await api("POST", `/api/v1/tickets/${t.id}/cancel`, reason ? { reason } : {});
        return `Талон ${t.code} отменён`;
      },
    });
  }

  let printTicket = null;
  function openPrint(t) {
    printTicket = t;
    const dlg = document.getElementById("dlg-print");
    dlg.querySelector("[data-slot=code]").textContent = t.code;
    fillKiosks(document.getElementById("print-kiosk"));
    openDialog(dlg);
  }

  async function printAt(ticketId, device) {
    const r = await api("POST", `/api/v1/tickets/${ticketId}/print`, { device });
    return `Талон ${r.code} отправлен на печать: киоск «${r.device_name}»`;
  }

  document.getElementById("print-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const dlg = document.getElementById("dlg-print");
    const device = document.getElementById("print-kiosk").value;
    if (!device) {
      dialogError(dlg, "Выберите киоск, на котором напечатать талон.");
      return;
    }
    const button = document.getElementById("print-submit");
    button.disabled = true;
    try {
      Stand.toast(await printAt(printTicket.id, device), "ok");
      dlg.close();
      focusAfterAction();
    } catch (e) {
      dialogError(dlg, e.message);
    } finally {
      button.disabled = false;
    }
  });

  // ------------------------------------------------------------------ issuing a ticket on behalf

  const issueForm = document.getElementById("issue-form");
  const issueKiosk = document.getElementById("issue-kiosk");
  issueForm.addEventListener("change", () => {
    issueKiosk.disabled = issueForm.delivery.value !== "print";
  });

  issueForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = document.getElementById("issue-error");
    const service = issueForm.service.value;
    const delivery = issueForm.delivery.value;
    if (!service) {
      Stand.showError(error, "Выберите услугу, по которой выдать талон.");
      issueForm.service.focus();
      return;
    }
    if (delivery === "print" && !issueKiosk.value) {
      Stand.showError(error, "Выберите киоск для печати или покажите код на экране.");
      return;
    }
    Stand.showError(error, "");
    const body = { service, source: "administrator" };
    if (issueForm.client_type.value) body.client_type = issueForm.client_type.value;
    if (issueForm.individual.checked) body.individual = true;
    const button = document.getElementById("issue-submit");
    button.disabled = true;
    try {
      const t = await api("POST", `/api/v1/offices/${encodeURIComponent(office)}/tickets`, body,
        { "Idempotency-Key": Stand.idempotencyKey() });
      let printed = null;
      let printError = null;
      if (delivery === "print") {
        try {
          printed = await printAt(t.id, issueKiosk.value);
        } catch (e) {
          printError = e.message;
        }
      }
      showIssued(t, printed, printError);
      issueForm.individual.checked = false;
      scheduleRefresh(0);
    } catch (e) {
      Stand.showError(error, e.message);
    } finally {
      button.disabled = false;
    }
  });

  function showIssued(t, printed, printError) {
    const box = document.getElementById("issued");
    clear(box);
    const ahead = t.people_ahead === 0 ? "Перед посетителем никого нет" : `Перед посетителем: ${Stand.peopleWords(t.people_ahead)}`;
    // Element.append turns null into the text «null»: the lines that are absent are left out
    box.append(...[
      h("p", { class: "muted" }, "Выдан талон"),
      h("p", { class: "issued-code", id: "issued-code" }, t.code),
      h("p", {}, t.service_name, t.individual ? h("span", { class: "tag tag-individual" }, "индивидуальный формат") : null),
      h("p", {}, ahead, t.estimate ? ` · ожидание ${estimateWords(t.estimate)}` : ""),
      printed ? h("p", { class: "note-ok" }, printed) : null,
      printError ? h("p", { class: "form-error" }, `Талон выдан, но не напечатан: ${printError}`) : null,
      !printed ? h("p", { class: "muted" }, "Назовите посетителю код талона или покажите этот экран.") : null,
    ].filter(Boolean));
    box.hidden = false;
    box.focus();  // the result of the action: the keyboard and the screen reader go there
  }

  // ------------------------------------------------------------------ start

  (async () => {
    try {
      office = await Stand.officeId(session);
      try {
        const people = await api("GET", `/api/v1/offices/${encodeURIComponent(office)}/staff`);
        for (const p of people) staff[p.login] = p.name;
      } catch (e) { /* names are a convenience: logins show instead */ }
      await refresh();
      follow();
      setInterval(tick, 1000);
      setInterval(() => scheduleRefresh(0), POLL_MS);
    } catch (e) {
      Stand.setLink(false, e.message);
    }
  })();
})();
