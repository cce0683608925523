/* Kiosks and boards of the office: the list with their state, pairing a new one with a
   one-time six-digit code, withdrawing one (its key stops working at once).
   Data: GET …/devices; live: EventSource on the office's device and incident events, plus a
   re-read every 15 s (the «N мин назад» words move with time, without any event). */
"use strict";

(() => {
  const { h, api, clear } = Stand;
  const POLL_MS = 15000;
  const EVENT_TYPES = ["device.registered", "device.paired", "device.status", "device.revoked",
    "incident.opened", "incident.closed"];
  const KIND = { kiosk: "Киоск", board: "Табло" };
  const KIND_OF = { kiosk: "киоск", board: "табло" };
  const PRINTER = { ok: "в порядке", paper_low: "бумага заканчивается", paper_out: "нет бумаги",
    cover_open: "открыта крышка", offline: "не отвечает", error: "ошибка", none: "не подключён" };
  const SOUND = { ok: "в порядке", no_device: "нет звукового устройства", error: "ошибка" };
  const INCIDENT = { printer: "Принтер", kiosk: "Киоск", board: "Табло", sound: "Звук", network: "Сеть" };
  const CODE_MINUTES = 15;
  const DONE = { kiosk: { paired: "привязан", revoked: "отозван" }, board: { paired: "привязано", revoked: "отозвано" } };

  const session = Stand.requireSession("admin", "administrator");
  if (!session) return;
  Stand.header(session);
  const isAdmin = session.roles.includes("admin");

  let office = null;
  let devices = [];
  let shown = null;           // the device whose code is on screen: {id, kind, name, pairing_code}
  let officeTz;               // the office's time zone: times on this page are the office's, not the browser's
  let hubOffset = 0;          // the hub's clock minus this browser's, in seconds
  let stream = null;

  const base = () => `/api/v1/offices/${encodeURIComponent(office)}`;

  // ------------------------------------------------------------------ words

  /** Seconds ago in words: «только что», «7 мин назад», «2 ч 05 мин назад», «больше суток назад». */
  function agoWords(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return "только что";
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} мин назад`;
    if (m < 24 * 60) return `${Math.floor(m / 60)} ч ${String(m % 60).padStart(2, "0")} мин назад`;
    return "больше суток назад";
  }

  function codeText(code) {
    return `${code.slice(0, 3)} ${code.slice(3)}`;
  }

  // ------------------------------------------------------------------ the list

  function pairingCell(d) {
    if (d.pairing === "paired") return h("span", { class: "badge lv-ok-solid" }, "привязано");
    if (d.pairing === "waiting") {
      const left = Math.max(1, Math.ceil((d.pairing_left || 0) / 60));
      return h("span", {}, h("span", { class: "badge badge-warning" }, "ждёт привязки"),
        h("small", { class: "muted block" }, `код действует ещё ${left} мин`));
    }
    return h("span", {}, h("span", { class: "badge st-closed" }, "код устарел"),
      h("small", { class: "muted block" }, "отзовите и добавьте заново, чтобы получить новый код"));
  }

  function seenCell(d) {
    if (d.seen_ago === null || d.seen_ago === undefined) {
      return h("span", { class: "muted" }, d.pairing === "paired" ? "ещё не выходило на связь" : "—");
    }
    const badge = d.online
      ? h("span", { class: "badge lv-ok-solid" }, "на связи")
      : h("span", { class: "badge lv-over-solid" }, "нет связи");
    return h("span", {}, badge, h("small", { class: "block" }, agoWords(d.seen_ago)));
  }

  function healthCell(d) {
    const st = d.status || {};
    const parts = [];
    if (st.printer) {
      const bad = st.printer.state !== "ok" && st.printer.state !== "none";
      parts.push(h("span", { class: "block" + (bad ? " bad" : "") }, `Принтер: ${PRINTER[st.printer.state] || st.printer.state}`));
    }
    if (st.sound) {
      const bad = st.sound.state !== "ok";
      parts.push(h("span", { class: "block" + (bad ? " bad" : "") }, `Звук: ${SOUND[st.sound.state] || st.sound.state}`));
    }
    if (!parts.length) return h("span", { class: "muted" }, "нет сведений");
    if (!d.online && d.seen_ago !== null) parts.push(h("small", { class: "muted block" }, "по последним сведениям"));
    return h("span", {}, parts);
  }

  function incidentsCell(d) {
    if (!d.incidents || !d.incidents.length) return h("span", { class: "muted" }, "нет");
    return h("ul", { class: "dev-incidents" }, d.incidents.map((i) => h("li", {},
      h("strong", {}, INCIDENT[i.kind] || i.kind), i.detail ? `: ${i.detail}` : "",
      h("small", { class: "muted" }, ` (${agoWords(i.ago)})`))));
  }

  function row(d) {
    const actions = isAdmin
      ? h("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": `Отозвать: ${d.name}`,
        dataset: { revoke: d.id }, onclick: () => askRevoke(d) }, "Отозвать")
      : null;
    return h("tr", { dataset: { deviceId: d.id, pairing: d.pairing },
      class: d.pairing !== "paired" ? "dev-waiting" : d.online ? "dev-online" : d.seen_ago === null ? "dev-quiet"
        : "dev-offline" },
    h("td", {}, h("strong", { class: "dev-name" }, d.name), h("small", { class: "muted block" }, KIND[d.kind] || d.kind)),
    h("td", { class: "dev-pairing" }, pairingCell(d)),
    h("td", { class: "dev-seen" }, seenCell(d)),
    h("td", { class: "dev-health" }, healthCell(d)),
    h("td", { class: "dev-incidents-cell" }, incidentsCell(d)),
    h("td", { class: "actions" }, actions));
  }

  function render() {
    const body = clear(document.getElementById("dev-rows"));
    for (const d of devices) body.append(row(d));
    document.getElementById("dev-empty").hidden = devices.length > 0;
    document.getElementById("dev-table").hidden = devices.length === 0;
    document.getElementById("dev-count").textContent = devices.length ? `(${devices.length})` : "";
    document.getElementById("dev-revoke-note").hidden = isAdmin || devices.length === 0;
    if (shown) {
      const d = devices.find((x) => x.id === shown.id);
      if (d && d.pairing === "paired" && !shown.paired) {
        shown.paired = true;
        showPaired();
      }
    }
  }

  async function readDevices() {
    try {
      devices = await api("GET", `${base()}/devices`);
      render();
      if (stream && stream.isOpen()) Stand.setLink(true);
    } catch (e) {
      Stand.setLink(false, e.message);
    }
  }

  const reading = Stand.reloader(readDevices);
  const scheduleLoad = reading.schedule;
  const load = reading.run;

  function follow() {
    stream = Stand.liveStream(office, session, EVENT_TYPES, () => scheduleLoad(), () => {
      Stand.setLink(true);
      scheduleLoad(0);
    }, () => Stand.setLink(false));
  }

  // ------------------------------------------------------------------ adding a device

  const form = document.getElementById("dev-form");
  const formError = document.getElementById("dev-error");

  function formFail(message, field) {
    Stand.showError(formError, message);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    Stand.showError(formError, "");
    const input = form.elements.name;
    const name = String(input.value || "").trim().replace(/\s+/g, " ");
    const picked = form.querySelector("[name=kind]:checked");
    const kind = picked ? picked.value : "";
    if (!(kind in KIND)) return formFail("Выберите, что подключаете: киоск или табло.", form.querySelector("[name=kind]"));
    if (!name) return formFail("Введите название устройства, например «Киоск у входа».", input);
    if (name.length > 200) return formFail("Название — не длиннее 200 знаков.", input);
    if (devices.some((d) => d.name === name)) {
      return formFail(`Устройство «${name}» уже есть. Выберите другое название.`, input);
    }
    const button = document.getElementById("dev-submit");
    button.disabled = true;
    try {
      const d = await api("POST", `${base()}/devices`, { kind, name });
      input.value = "";
      showCode(d);
      await load();
    } catch (e) {
      formFail(e.message, e.details && e.details.field === "name" ? input : null);
    } finally {
      button.disabled = false;
    }
  });

  const pairing = document.getElementById("pairing");

  function showCode(d) {
    shown = { id: d.id, kind: d.kind, name: d.name, code: d.pairing_code, paired: false };
    const codeEl = document.getElementById("pairing-code");
    codeEl.textContent = codeText(d.pairing_code);
    codeEl.dataset.code = d.pairing_code;
    codeEl.hidden = false;
    document.getElementById("pairing-title").textContent = `Код привязки: ${KIND_OF[d.kind]} «${d.name}»`;
    const kiosk = d.kind === "kiosk";
    document.getElementById("pairing-kiosk").hidden = !kiosk;
    document.getElementById("pairing-board").hidden = kiosk;
    document.getElementById("pairing-command").textContent =
      `talon kiosk --hub ${location.origin} --pair ${d.pairing_code}`;
    document.getElementById("pairing-board-command").textContent =
      `talon board --hub ${location.origin} --pair ${d.pairing_code}`;
    const minutes = Math.round((d.expires_in || CODE_MINUTES * 60) / 60);
    const until = Stand.wallClock(Date.now() / 1000 + hubOffset + (d.expires_in || CODE_MINUTES * 60), officeTz);
    const expires = document.getElementById("pairing-expires");
    expires.className = "muted";
    expires.textContent = `Код действует ${minutes} минут, до ${until}, и только один раз. ` +
      "Если не успеете, отзовите устройство и добавьте его заново.";
    Stand.showError(document.getElementById("pairing-error"), "");
    pairing.hidden = false;
    pairing.scrollIntoView({ block: "nearest" });
    document.getElementById("pairing-title").focus();  // the result: the code, read out from its heading
  }

  function showPaired() {
    document.getElementById("pairing-code").hidden = true;
    document.getElementById("pairing-kiosk").hidden = true;
    document.getElementById("pairing-board").hidden = true;
    const expires = document.getElementById("pairing-expires");
    expires.className = "note-ok";
    expires.textContent = `Готово: ${KIND_OF[shown.kind]} «${shown.name}» ${DONE[shown.kind].paired} к серверу очереди.`;
  }

  document.getElementById("pairing-close").addEventListener("click", () => {
    pairing.hidden = true;
    shown = null;
    document.getElementById("dev-name").focus();  // the button is gone: back to the form, for the next one
  });

  // ------------------------------------------------------------------ withdrawing a device

  const dlg = document.getElementById("dlg-revoke");
  const revokeForm = document.getElementById("revoke-form");
  let revoking = null;

  function askRevoke(d) {
    revoking = d;
    const what = `${KIND_OF[d.kind]} «${d.name}»`;
    revokeForm.querySelector("[data-slot=title]").textContent = `Отозвать ${what}?`;
    revokeForm.querySelector("[data-slot=text]").textContent = d.pairing === "paired"
      ? `Ключ устройства перестанет действовать сразу: ${d.kind === "kiosk" ? "киоск перестанет выдавать талоны" :
        "табло перестанет показывать вызовы"} и попросит новый код привязки. Устройство уйдёт из списка; ` +
        "чтобы подключить его снова, добавьте его заново."
      : "Код привязки перестанет действовать, устройство уйдёт из списка.";
    Stand.showError(revokeForm.querySelector("[data-slot=error]"), "");
    dlg.showModal();
  }

  dlg.querySelector("[data-close]").addEventListener("click", () => dlg.close());

  revokeForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!revoking) return;
    const d = revoking;
    const button = document.getElementById("revoke-submit");
    button.disabled = true;
    try {
      await api("POST", `${base()}/devices/revoke`, { device: d.id });
      dlg.close();
      if (shown && shown.id === d.id) {
        pairing.hidden = true;
        shown = null;
      }
      Stand.toast(`${KIND[d.kind]} «${d.name}» ${DONE[d.kind].revoked}: его ключ больше не действует.`, "ok");
    } catch (e) {
      Stand.showError(revokeForm.querySelector("[data-slot=error]"), e.message);
    } finally {
      button.disabled = false;
      revoking = dlg.open ? revoking : null;
      await load();
    }
  });

  // ------------------------------------------------------------------ start

  (async () => {
    try {
      office = await Stand.officeId(session);
      const st = await api("GET", `${base()}/state`);
      document.getElementById("office-name").textContent = st.office.name;
      const clock = document.getElementById("clock");
      const offset = st.now - Date.now() / 1000;
      officeTz = st.schedule.tz;
      hubOffset = offset;
      const tick = () => { clock.textContent = Stand.wallClock(Date.now() / 1000 + offset, st.schedule.tz, true); };
      tick();
      setInterval(tick, 1000);
      await load();
      document.getElementById("devices-page").setAttribute("aria-busy", "false");
      follow();
      setInterval(() => scheduleLoad(0), POLL_MS);
    } catch (e) {
      Stand.setLink(false, e.message);
    }
  })();
})();
