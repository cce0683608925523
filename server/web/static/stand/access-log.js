/* The personal-data access log on the stand (issue 16 point 7): who saw (read), made (create),
   changed (change), cancelled (cancel), closed (close) or blanked (forget) the names and phones of
   bookings, home visits and written requests. Data: GET …/casework/access-log (head and admin only);
   re-read every 30 s. */
"use strict";

(() => {
  const { h, api, clear } = Stand;
  const POLL_MS = 30000;
  const ACTION = { read: "смотрел(а) данные", create: "внёс(ла) данные", change: "изменил(а)",
    cancel: "отменил(а)", close: "закрыл(а)", forget: "стёрто по сроку хранения" };
  const KIND = { booking: "запись на приём", visit: "выезд на дом", request: "обращение" };
  const FIELD = { name: "имя", phone: "телефон", address: "адрес", contact: "контакт", state: "состояние",
    slot: "время записи", scheduled_for: "дата выезда", refusal: "причина отказа" };
  const WHO = { visitor: "сам посетитель (по коду записи)", system: "автоматически" };

  const session = Stand.session();
  if (!session || !session.roles.some((r) => r === "admin" || r === "head")) return;
  const $ = (id) => document.getElementById(id);

  function when(epoch) {
    return new Date(epoch * 1000).toLocaleString("ru-RU", { day: "2-digit", month: "2-digit", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  async function load() {
    const office = await Stand.officeId(session);
    const data = await api("GET", `/api/v1/offices/${encodeURIComponent(office)}/casework/access-log`);
    const body = clear($("access-rows"));
    for (const a of data.access) {
      const fields = (a.fields || "").split(",").filter(Boolean).map((f) => FIELD[f] || f).join(", ");
      body.append(h("tr", { "data-action": a.action, "data-kind": a.record_kind },
        h("td", {}, when(a.at)), h("td", {}, WHO[a.login] || a.login), h("td", {}, ACTION[a.action] || a.action),
        h("td", {}, `${KIND[a.record_kind] || a.record_kind} № ${a.record}`), h("td", {}, fields)));
    }
    $("access-empty").hidden = data.access.length > 0;
    $("access-panel").hidden = false;
  }

  function tick() {
    load().catch(() => {}).finally(() => setTimeout(tick, POLL_MS));
  }
  document.addEventListener("DOMContentLoaded", tick);
})();
