/* «Перерывы»: the office's break rota (001:353: breaks are never taken all at once), one table per
   window; «Предложить график» fills the tables from the office's history (not saved until
   «Сохранить график»); «План на завтра» shows the staffing advice (head and admin). The hub checks
   the rota again and refuses overlaps or an empty hall with its own Russian message. */
"use strict";

(() => {
  const { h, api, clear } = Stand;
  const session = Stand.session && Stand.session();
  if (!session || !session.token) return;
  const pane = document.getElementById("pane-rota");
  if (!pane) return;
  const form = document.getElementById("rota-form");
  const tables = document.getElementById("rota-tables");
  const errorSlot = form.querySelector("[data-slot=error]");
  const okSlot = form.querySelector("[data-slot=ok]");
  const DAYS = [["every", "Каждый день"], ["mon", "Понедельник"], ["tue", "Вторник"], ["wed", "Среда"],
    ["thu", "Четверг"], ["fri", "Пятница"], ["sat", "Суббота"], ["sun", "Воскресенье"]];
  const KINDS = [["lunch", "Обед"], ["break", "Перерыв"]];
  let office = null;
  let numbers = [];

  const base = () => `/api/v1/offices/${encodeURIComponent(office)}`;

  function select(name, options, value, label) {
    return h("select", { name, "aria-label": label },
      ...options.map(([v, text]) => h("option", Object.assign({ value: v }, v === value ? { selected: "" } : {}), text)));
  }

  function timeInput(name, value, label) {
    return h("input", { name, value: value || "", class: "hhmm", inputmode: "numeric", maxlength: "5",
      placeholder: "ЧЧ:ММ", "aria-label": label });
  }

  function addRow(body, number, b) {
    const n = body.rows.length + 1;
    const what = `Окно ${number}, перерыв ${n}`;
    const row = h("tr", {},
      h("td", {}, select("day", DAYS, b.day || "every", `${what}: день`)),
      h("td", {}, timeInput("start", b.start, `${what}: с`)),
      h("td", {}, timeInput("end", b.end, `${what}: до`)),
      h("td", {}, select("kind", KINDS, b.kind || "lunch", `${what}: вид`)),
      h("td", {}, h("button", { type: "button", class: "btn", "aria-label": `${what}: убрать`,
        onclick: () => { row.remove(); } }, "Убрать")));
    body.appendChild(row);
    return row;
  }

  function render(breaks) {
    clear(tables);
    for (const number of numbers) {
      const body = h("tbody", { "data-window": String(number) });
      const table = h("table", { class: "rota", id: `rota-window-${number}` },
        h("caption", {}, `Окно ${number}`),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "День"), h("th", { scope: "col" }, "С"),
          h("th", { scope: "col" }, "До"), h("th", { scope: "col" }, "Вид"), h("th", { scope: "col" }, "Действие"))),
        body);
      for (const b of breaks.filter((x) => x.window === number)) addRow(body, number, b);
      const add = h("button", { type: "button", class: "btn", id: `rota-add-${number}`,
        onclick: () => { addRow(body, number, {}).querySelector("[name=start]").focus(); } },
        `Добавить перерыв окну ${number}`);
      tables.appendChild(h("div", { class: "rota-window" }, table, add));
    }
  }

  function collect() {
    const out = [];
    for (const body of tables.querySelectorAll("tbody[data-window]")) {
      const number = Number(body.dataset.window);
      for (const row of body.rows) {
        const get = (name) => row.querySelector(`[name=${name}]`);
        const start = get("start").value.trim();
        const end = get("end").value.trim();
        for (const [el, text] of [[get("start"), start], [get("end"), end]]) {
          if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(text)) {
            el.setAttribute("aria-invalid", "true");
            el.focus();
            throw new Error(`Окно ${number}: время перерыва в виде ЧЧ:ММ, например 13:00.`);
          }
        }
        if (start >= end) {
          get("end").setAttribute("aria-invalid", "true");
          get("end").focus();
          throw new Error(`Окно ${number}: перерыв должен кончаться позже, чем начинается.`);
        }
        out.push({ window: number, day: get("day").value, start, end, kind: get("kind").value });
      }
    }
    return out;
  }

  function say(slot, text) {
    Stand.showError(errorSlot, "");
    Stand.showError(okSlot, "");
    Stand.showError(slot, text);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    let breaks;
    try {
      breaks = collect();
    } catch (e) {
      return say(errorSlot, e.message);
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const saved = await api("PUT", `${base()}/rota`, { breaks });
      render(saved.breaks);
      say(okSlot, "График перерывов сохранён.");
    } catch (e) {
      say(errorSlot, e.message);
    } finally {
      button.disabled = false;
    }
  });

  document.getElementById("rota-propose").addEventListener("click", async () => {
    try {
      const proposal = await api("GET", `${base()}/rota/proposal`);
      render(proposal.breaks);
      const notes = (proposal.notes || []).join(" ");
      say(okSlot, `Предложен график по истории офиса: проверьте и нажмите «Сохранить график». ${notes}`.trim());
    } catch (e) {
      say(errorSlot, e.message);
    }
  });

  const planOut = document.getElementById("plan-text");
  const planError = document.getElementById("plan-error");
  document.getElementById("plan-show").addEventListener("click", async () => {
    Stand.showError(planError, "");
    planOut.textContent = "Считаем план: прогноз, Эрланг C и моделирование дня…";
    try {
      const plan = await api("GET", `${base()}/plan`);
      planOut.textContent = plan.text;
    } catch (e) {
      planOut.textContent = "";
      Stand.showError(planError, e.status === 403
        ? "План на завтра доступен руководителю офиса и администратору системы." : e.message);
    }
  });

  (async () => {
    try {
      office = await Stand.officeId(session);
      const st = await api("GET", `${base()}/state`);
      numbers = st.windows.map((w) => w.number).sort((a, b) => a - b);
      const rota = await api("GET", `${base()}/rota`);
      render(rota.breaks);
      pane.dataset.ready = "true";
    } catch (e) {
      say(errorSlot, e.message);
    }
  })();
})();
