/* «Записи»: today's appointments (issue 16) - who has arrived, who has not yet, whose booking was
   released after the grace time - and check-in by the code at the desk (the hub issues the ticket).
   Data: GET /api/v1/offices/{office}/bookings (staff only: names and phones), re-read every 30 s,
   when a ticket is issued on the stream's reload and after each check-in. */
"use strict";

(() => {
  const { h, api, clear, showError, toast } = Stand;
  const POLL_MS = 30000;
  const STATE = {
    booked: ["ещё не пришёл", "badge"],
    arrived: ["пришёл", "badge lv-ok-solid"],
    released: ["не пришёл — время вышло", "badge badge-warning"],
    cancelled: ["отменена", "badge badge-danger"],
  };

  const session = Stand.requireSession("admin", "administrator", "head");
  if (!session) return;
  Stand.header(session);
  const mayCheckIn = session.roles.includes("admin") || session.roles.includes("administrator");

  let office = null;
  const $ = (id) => document.getElementById(id);

  function row(b) {
    const [words, cls] = STATE[b.state] || [b.state, "badge"];
    const state = h("td", {}, h("span", { class: cls }, words));
    if (b.ticket_code) state.append(" ", h("span", { class: "muted" }, `талон ${b.ticket_code}`));
    const action = h("td", {});
    if (b.state === "booked" && mayCheckIn) {
      action.append(h("button", { type: "button", class: "btn", onclick: () => checkIn(b.code) },
        `Выдать талон (${b.time})`));
    }
    return h("tr", { dataset: { code: b.code, state: b.state } },
      h("td", {}, b.time), h("td", {}, b.service_name),
      h("td", {}, b.name || "— стёрто", h("br"), h("span", { class: "muted" }, b.phone || "")),
      h("td", {}, `${b.code.slice(0, 4)} ${b.code.slice(4)}`), state, action);
  }

  async function checkIn(code) {
    const clean = String(code).replace(/\D/g, "");
    try {
      const t = await api("POST", `/api/v1/offices/${encodeURIComponent(office)}/bookings/${clean}/check-in`, {});
      const when = t.booking && t.booking.on_time ? `, по записи на ${t.booking.time}` : " (опоздание: обычная очередь)";
      showError($("bk-error"), "");
      $("bk-result").textContent = `Талон ${t.code}${when}`;
      toast(`Талон ${t.code} выдан${when}`, "ok");
      await load();
    } catch (e) {
      showError($("bk-error"), e.message);
      $("bk-result").textContent = "";
    }
  }

  async function load() {
    try {
      const data = await api("GET", `/api/v1/offices/${encodeURIComponent(office)}/bookings`);
      const rows = clear($("bk-rows"));
      const shown = data.bookings.filter((b) => b.state !== "cancelled");
      for (const b of shown) rows.append(row(b));
      $("bk-empty").hidden = shown.length > 0;
      $("bk-count").textContent = shown.length ? `(${shown.length})` : "";
      const c = data.counts;
      $("bk-summary").textContent = `Пришли: ${c.arrived}. Ещё не пришли: ${c.booked}. Время вышло: ${c.released}.`;
      Stand.setLink(true);
    } catch (e) {
      Stand.setLink(false);
      toast(e.message, "error");
    }
  }

  $("bk-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = $("bk-code").value.replace(/\D/g, "");
    if (code.length !== 8) {
      showError($("bk-error"), "Код записи — восемь цифр");
      return;
    }
    await checkIn(code);
    $("bk-code").value = "";
  });
  $("bk-form").hidden = !mayCheckIn;

  async function start() {
    office = await Stand.officeId(session);
    await load();
    $("bookings-page").setAttribute("aria-busy", "false");
    setInterval(load, POLL_MS);
  }

  start().catch((e) => toast(e.message, "error"));
})();
