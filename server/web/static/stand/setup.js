/* Office setup: services, windows, users, reception hours, norms and hall texts.
   Every form is checked here first, with a clear Russian message and nothing sent; the hub
   checks again and refuses a bad change whole (its message is shown the same way). */
"use strict";

(() => {
  const { h, api, clear } = Stand;
  const W = Stand.WORDS;
  const PRESETS = JSON.parse(document.getElementById("norm-presets").textContent);
  const DAYS = { mon: "Понедельник", tue: "Вторник", wed: "Среда", thu: "Четверг", fri: "Пятница",
    sat: "Суббота", sun: "Воскресенье" };
  const CATEGORICAL = ["обязаны", "обязан ", "предписывается", "явиться", "предъявить"]; // 001:209

  const session = Stand.requireSession("admin", "administrator");
  if (!session) return;
  Stand.header(session);
  const isAdmin = session.roles.includes("admin");

  let office = null;
  let services = [];
  let windows = [];
  let users = [];
  let settings = null;

  const base = () => `/api/v1/offices/${encodeURIComponent(office)}`;

  // ------------------------------------------------------------------ forms: messages and marks

  class Invalid extends Error {
    constructor(message, field) {
      super(message);
      this.field = field;
    }
  }

  function unmark(form) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    Stand.showError(form.querySelector("[data-slot=error]"), "");
    Stand.showError(form.querySelector("[data-slot=ok]"), "");
  }

  function fail(form, message, field) {
    Stand.showError(form.querySelector("[data-slot=error]"), message);
    const el = field && (typeof field === "string" ? form.querySelector(`[name="${field}"]`) : field);
    if (el) {
      el.setAttribute("aria-invalid", "true");
      el.focus();
    }
  }

  function done(form, message) {
    Stand.showError(form.querySelector("[data-slot=ok]"), message);
  }

  /** Check, send, report: ``build`` throws Invalid for bad input (nothing is sent then). */
  function handle(form, build, send, after) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      unmark(form);
      let body;
      try {
        body = build();
      } catch (e) {
        if (e instanceof Invalid) return fail(form, e.message, e.field);
        throw e;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const result = await send(body);
        await reload();
        if (after) after(result, body);
      } catch (e) {
        fail(form, e.message, e.details && e.details.field ? e.details.field.split(".")[0] : null);
      } finally {
        button.disabled = false;
      }
    });
  }

  /** «8:00» or «08:00» → «08:00»; empty → ""; anything else → Invalid with the field's name. */
  function hhmm(input, label) {
    const raw = String(input.value || "").trim().replace(".", ":");
    if (!raw) return "";
    const m = /^(\d{1,2}):(\d{2})$/.exec(raw);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
      throw new Invalid(`${label}: время в виде ЧЧ:ММ, например 08:00.`, input);
    }
    return `${m[1].padStart(2, "0")}:${m[2]}`;
  }

  function value(form, name) {
    const el = form.elements[name];
    return el ? String(el.value || "").trim() : "";
  }

  // ------------------------------------------------------------------ tabs

  const tabs = Array.from(document.querySelectorAll("[data-tab]"));
  const allowed = tabs.filter((t) => isAdmin || t.dataset.role === "administrator");
  for (const t of tabs) {
    t.hidden = !allowed.includes(t);
    t.addEventListener("click", () => show(t.dataset.tab));
    // the keyboard of a tab list (WAI-ARIA): arrows move and select, Home/End go to the ends
    t.addEventListener("keydown", (ev) => {
      const i = allowed.indexOf(t);
      const to = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1,
                   Home: 0, End: allowed.length - 1 }[ev.key];
      if (to === undefined || i < 0) return;
      ev.preventDefault();
      const next = allowed[(to + allowed.length) % allowed.length];
      show(next.dataset.tab);
      next.focus();
    });
  }

  function show(name) {
    if (!allowed.some((t) => t.dataset.tab === name)) name = allowed[0].dataset.tab;
    for (const t of tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      const pane = document.getElementById("pane-" + t.dataset.tab);
      pane.hidden = !on;
      pane.tabIndex = 0;
    }
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  }

  // ------------------------------------------------------------------ services

  const svcForm = document.getElementById("svc-form");
  let svcEditing = null;

  function renderServices() {
    const list = clear(document.getElementById("svc-list"));
    for (const s of services) {
      list.append(h("li", { class: s.active ? "" : "inactive", dataset: { service: s.id } },
        h("span", {}, h("strong", {}, `${s.letter} — ${s.name}`),
          h("small", { class: "muted block" }, `${W.kinds[s.kind] || s.kind} · ${W.clients[s.client_type]}` +
            (s.active ? "" : " · не оказывается"))),
        h("button", { type: "button", class: "btn btn-small", onclick: () => editService(s) }, "Изменить")));
    }
  }

  function editService(s) {
    svcEditing = s ? s.id : null;
    unmark(svcForm);
    svcForm.querySelector("[data-slot=title]").textContent = s ? `Услуга «${s.name}»` : "Новая услуга";
    svcForm.elements.id.value = s ? s.id : "";
    svcForm.elements.id.readOnly = !!s;
    svcForm.letter.value = s ? s.letter : "";
    svcForm.elements.name.value = s ? s.name : "";
    svcForm.hint.value = s ? s.hint : "";
    svcForm.kind.value = s ? s.kind : "consultation";
    svcForm.client_type.value = s ? s.client_type : "any";
    svcForm.checklist.value = s ? (s.checklist || []).join("\n") : "";
    svcForm.until.value = s && s.until ? s.until : "";
    svcForm.order.value = s ? s.order : services.length + 1;
    svcForm.active.checked = s ? s.active : true;
    svcForm.querySelector("[data-slot=delete]").hidden = !s;
    svcForm.elements.name.focus();
  }
  document.getElementById("svc-new").addEventListener("click", () => editService(null));

  handle(svcForm, () => {
    const f = svcForm;
    const id = value(f, "id");
    const letter = value(f, "letter").toUpperCase();
    const name = value(f, "name");
    if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(id)) {
      throw new Invalid("Код услуги: латинские строчные буквы, цифры, «_» или «-», до 40 знаков (например, consult).", "id");
    }
    if (!svcEditing && services.some((s) => s.id === id)) throw new Invalid(`Услуга с кодом «${id}» уже есть.`, "id");
    if (!/^[А-ЯЁA-Z]{1,2}$/.test(letter)) throw new Invalid("Буква талона: одна или две заглавные буквы, например «А».", "letter");
    const clash = services.find((s) => s.letter === letter && s.id !== id);
    if (clash) throw new Invalid(`Буква «${letter}» уже у услуги «${clash.name}». Выберите другую букву.`, "letter");
    if (!name) throw new Invalid("Введите название услуги так, как его увидит посетитель.", "name");
    const checklist = f.checklist.value.split("\n").map((x) => x.trim()).filter(Boolean);
    if (checklist.length > 20) throw new Invalid("В перечне документов — не больше 20 строк.", "checklist");
    if (checklist.some((x) => x.length > 200)) throw new Invalid("Каждый документ в перечне — не длиннее 200 знаков.", "checklist");
    const order = f.order.value === "" ? 0 : Number(f.order.value);
    if (!Number.isInteger(order) || order < 0 || order > 999) throw new Invalid("Порядок на киоске: целое число от 0 до 999.", "order");
    return { id, letter, name, hint: value(f, "hint"), kind: f.kind.value, client_type: f.client_type.value,
      checklist, until: hhmm(f.until, "Принимается до") || null, active: f.active.checked, order };
  }, (body) => svcEditing
    ? api("PUT", `${base()}/services/${encodeURIComponent(svcEditing)}`, body)
    : api("POST", `${base()}/services`, body),
  (r, body) => {
    editService(services.find((s) => s.id === body.id));
    done(svcForm, `Услуга «${body.name}» сохранена.`);
  });

  svcForm.querySelector("[data-slot=delete]").addEventListener("click", async () => {
    const s = services.find((x) => x.id === svcEditing);
    if (!s || !confirm(`Удалить услугу «${s.name}»?`)) return;
    unmark(svcForm);
    try {
      await api("DELETE", `${base()}/services/${encodeURIComponent(s.id)}`);
      await reload();
      editService(null);
      done(svcForm, `Услуга «${s.name}» удалена.`);
    } catch (e) {
      fail(svcForm, e.message);
    }
  });

  // ------------------------------------------------------------------ windows

  const winForm = document.getElementById("win-form");
  let winEditing = null;

  function renderWindows() {
    const list = clear(document.getElementById("win-list"));
    for (const w of windows) {
      const names = Object.entries(w.services)
        .map(([id, weight]) => {
          const s = services.find((x) => x.id === id);
          return (s ? s.letter : id) + (weight === 2 ? "" : "*");
        }).join(" ");
      list.append(h("li", { dataset: { window: w.id } },
        h("span", {}, h("strong", {}, `Окно ${w.number}`), w.zone ? ` · ${w.zone}` : "",
          h("small", { class: "muted block" }, `${W.levels[w.level]} · услуги: ${names} (* — дополнительная)`)),
        h("button", { type: "button", class: "btn btn-small", onclick: () => editWindow(w) }, "Изменить")));
    }
  }

  function editWindow(w) {
    winEditing = w ? w.id : null;
    unmark(winForm);
    winForm.querySelector("[data-slot=title]").textContent = w ? `Окно ${w.number}` : "Новое окно";
    winForm.number.value = w ? w.number : Math.max(0, ...windows.map((x) => x.number)) + 1;
    winForm.zone.value = w ? w.zone : "";
    winForm.level.value = w ? w.level : "specialist";
    const body = clear(document.getElementById("win-services"));
    for (const s of services) {
      const weight = w ? (w.services[s.id] || 0) : 0;
      const select = h("select", { name: `weight-${s.id}`, "aria-label": `${s.name}: как оказывает окно` },
        h("option", { value: "0" }, "не оказывает"),
        h("option", { value: "2" }, "основная"),
        h("option", { value: "1" }, "дополнительная"));
      select.value = String(weight);
      body.append(h("tr", {}, h("td", {}, `${s.letter} — ${s.name}`), h("td", {}, select)));
    }
    winForm.querySelector("[data-slot=delete]").hidden = !w;
  }
  document.getElementById("win-new").addEventListener("click", () => editWindow(null));

  handle(winForm, () => {
    const number = Number(winForm.number.value);
    if (winForm.number.value === "" || !Number.isInteger(number) || number < 1 || number > 999) {
      throw new Invalid("Номер окна: целое число от 1 до 999, как на табличке.", "number");
    }
    if (windows.some((w) => w.number === number && w.id !== winEditing)) {
      throw new Invalid(`Окно ${number} уже есть. Выберите другой номер.`, "number");
    }
    const chosen = {};
    for (const s of services) {
      const weight = Number(winForm.elements[`weight-${s.id}`].value);
      if (weight) chosen[s.id] = weight;
    }
    if (!Object.keys(chosen).length) {
      throw new Invalid("Отметьте хотя бы одну услугу, которую оказывает окно.", winForm.querySelector("#win-services select"));
    }
    return { number, zone: value(winForm, "zone"), level: winForm.level.value, services: chosen };
  }, (body) => winEditing
    ? api("PUT", `${base()}/windows/${winEditing}`, body)
    : api("POST", `${base()}/windows`, body),
  (r) => {
    editWindow(windows.find((w) => w.id === r.id));
    done(winForm, `Окно ${r.number} сохранено.`);
  });

  winForm.querySelector("[data-slot=delete]").addEventListener("click", async () => {
    const w = windows.find((x) => x.id === winEditing);
    if (!w || !confirm(`Удалить окно ${w.number}?`)) return;
    unmark(winForm);
    try {
      await api("DELETE", `${base()}/windows/${w.id}`);
      await reload();
      editWindow(null);
      done(winForm, `Окно ${w.number} удалено.`);
    } catch (e) {
      fail(winForm, e.message);
    }
  });

  // ------------------------------------------------------------------ users

  const userForm = document.getElementById("user-form");
  let userEditing = null;

  function renderUsers() {
    const list = clear(document.getElementById("user-list"));
    for (const u of users) {
      list.append(h("li", { class: u.active ? "" : "inactive", dataset: { login: u.login } },
        h("span", {}, h("strong", {}, u.name), ` (${u.login})`,
          h("small", { class: "muted block" }, u.roles.map((r) => W.roles[r] || r).join(", ") +
            (u.active ? "" : " · не действует"))),
        h("button", { type: "button", class: "btn btn-small", onclick: () => editUser(u) }, "Изменить")));
    }
  }

  function editUser(u) {
    userEditing = u ? u.login : null;
    unmark(userForm);
    userForm.querySelector("[data-slot=title]").textContent = u ? `Пользователь ${u.login}` : "Новый пользователь";
    userForm.login.value = u ? u.login : "";
    userForm.login.readOnly = !!u;
    userForm.elements.name.value = u ? u.name : "";
    userForm.password.value = "";
    userForm.pin.value = "";
    userForm.querySelector("[data-slot=password-hint]").textContent = u
      ? "Пароль и PIN меняются, только если их ввести. Пароль — не короче 6 знаков, PIN — от 4 до 8 цифр."
      : "Пароль — не короче 6 знаков. PIN — от 4 до 8 цифр, необязателен.";
    for (const box of userForm.querySelectorAll("[name=roles]")) box.checked = !!u && u.roles.includes(box.value);
    userForm.active.checked = u ? u.active : true;
  }
  document.getElementById("user-new").addEventListener("click", () => editUser(null));

  handle(userForm, () => {
    const login = value(userForm, "login");
    const name = value(userForm, "name");
    const password = userForm.password.value;
    const pin = value(userForm, "pin");
    const roles = Array.from(userForm.querySelectorAll("[name=roles]:checked")).map((b) => b.value);
    if (!/^[a-zA-Z0-9_.-]{2,40}$/.test(login)) {
      throw new Invalid("Логин: от 2 до 40 латинских букв, цифр, точек, «_» или «-».", "login");
    }
    if (!userEditing && users.some((u) => u.login === login)) throw new Invalid(`Логин «${login}» уже занят.`, "login");
    if (!name) throw new Invalid("Введите фамилию, имя и отчество — они видны на бейдже оператора.", "name");
    if (!userEditing && !password) throw new Invalid("Для нового пользователя нужен пароль (не короче 6 знаков).", "password");
    if (password && password.length < 6) throw new Invalid("Пароль — не короче 6 знаков.", "password");
    if (pin && !/^\d{4,8}$/.test(pin)) throw new Invalid("PIN — от 4 до 8 цифр.", "pin");
    if (!roles.length) throw new Invalid("Отметьте хотя бы одну роль.", userForm.querySelector("[name=roles]"));
    if (login === session.login && (!roles.includes("admin") || !userForm.active.checked)) {
      throw new Invalid("Нельзя снять с себя роль администратора системы или отключить себя: это сделает другой администратор.",
        userForm.querySelector("[name=roles][value=admin]"));
    }
    const existing = users.find((u) => u.login === login);
    const body = { login, name, roles, active: userForm.active.checked,
      office: existing ? existing.office : office };
    if (password) body.password = password;
    if (pin) body.pin = pin;
    return body;
  }, (body) => userEditing
    ? api("PUT", `/api/v1/users/${encodeURIComponent(userEditing)}`, body)
    : api("POST", "/api/v1/users", body),
  (r) => {
    editUser(users.find((u) => u.login === r.login));
    done(userForm, `Пользователь ${r.login} сохранён.`);
  });

  // ------------------------------------------------------------------ hours

  const hoursForm = document.getElementById("hours-form");
  let holidays = [];

  function renderHolidays() {
    const list = clear(document.getElementById("holidays"));
    if (!holidays.length) list.append(h("li", {}, "праздничных дней нет"));
    for (const d of holidays) {
      const [y, m, day] = d.split("-");
      list.append(h("li", { dataset: { date: d } }, `${day}.${m}.${y}`,
        h("button", { type: "button", class: "btn btn-small", "aria-label": `Убрать ${day}.${m}.${y}`,
          onclick: () => { holidays = holidays.filter((x) => x !== d); renderHolidays(); } }, "×")));
    }
  }

  function fillHours() {
    const sch = settings.schedule;
    hoursForm.tz.value = sch.tz || "Europe/Moscow";
    for (const day of Object.keys(DAYS)) {
      const hours = sch.week ? sch.week[day] : null;
      hoursForm.elements[`${day}-off`].checked = !hours;
      hoursForm.elements[`${day}-open`].value = hours ? hours.open : "";
      hoursForm.elements[`${day}-close`].value = hours ? hours.close : "";
      hoursForm.elements[`${day}-break-from`].value = hours && hours.break ? hours.break[0] : "";
      hoursForm.elements[`${day}-break-to`].value = hours && hours.break ? hours.break[1] : "";
    }
    holidays = [...(sch.holidays || [])].sort();
    renderHolidays();
  }

  document.getElementById("holiday-add").addEventListener("click", () => {
    unmark(hoursForm);
    const input = document.getElementById("holiday-date");
    const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(input.value.trim());
    const day = m ? new Date(Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]))) : null;
    if (!m || day.getUTCDate() !== Number(m[1]) || day.getUTCMonth() !== Number(m[2]) - 1) {
      return fail(hoursForm, "Праздничный день: дата в виде ДД.ММ.ГГГГ, например 04.11.2026.", input);
    }
    const d = day.toISOString().slice(0, 10);
    if (holidays.includes(d)) return fail(hoursForm, "Этот день уже в списке праздничных.", input);
    holidays = [...holidays, d].sort();
    input.value = "";
    renderHolidays();
  });

  handle(hoursForm, () => {
    const tz = value(hoursForm, "tz");
    if (!tz) throw new Invalid("Укажите часовой пояс, например Europe/Moscow.", "tz");
    try {
      new Intl.DateTimeFormat("ru-RU", { timeZone: tz });
    } catch (e) {
      throw new Invalid(`Неизвестный часовой пояс «${tz}». Пример: Europe/Moscow.`, "tz");
    }
    const week = {};
    for (const [day, title] of Object.entries(DAYS)) {
      const f = (x) => hoursForm.elements[`${day}-${x}`];
      if (f("off").checked) {
        week[day] = null;
        continue;
      }
      const open = hhmm(f("open"), `${title}, открытие`), close = hhmm(f("close"), `${title}, закрытие`);
      const bFrom = hhmm(f("break-from"), `${title}, начало перерыва`);
      const bTo = hhmm(f("break-to"), `${title}, конец перерыва`);
      if (!open) throw new Invalid(`${title}: укажите время открытия или отметьте выходной.`, f("open"));
      if (!close) throw new Invalid(`${title}: укажите время закрытия или отметьте выходной.`, f("close"));
      if (open >= close) throw new Invalid(`${title}: открытие должно быть раньше закрытия.`, f("close"));
      const hours = { open, close };
      if (bFrom || bTo) {
        if (!bFrom || !bTo) throw new Invalid(`${title}: укажите и начало, и конец перерыва.`, bFrom ? f("break-to") : f("break-from"));
        if (!(open < bFrom && bFrom < bTo && bTo < close)) {
          throw new Invalid(`${title}: перерыв должен быть внутри часов приёма и начинаться раньше, чем кончается.`, f("break-from"));
        }
        hours.break = [bFrom, bTo];
      }
      week[day] = hours;
    }
    if (!Object.values(week).some(Boolean)) throw new Invalid("Отметьте хотя бы один рабочий день.", "mon-off");
    return { schedule: { tz, week, holidays, special: settings.schedule.special || {} } };
  }, (body) => api("PUT", `${base()}/settings`, body), () => {
    fillHours();
    done(hoursForm, "Часы приёма сохранены.");
  });

  // ------------------------------------------------------------------ norms

  const normsForm = document.getElementById("norms-form");
  const NORM_ROWS = Array.from(normsForm.querySelectorAll("tr[data-kind]")).map((tr) => tr.dataset.kind);

  function normText(n) {
    if (!n) return "нет";
    return n.target === n.limit ? `${n.target}` : `${n.target}–${n.limit}`;
  }

  function presetPlaceholders() {
    const p = PRESETS[normsForm.profile.value];
    if (!p) return;
    document.getElementById("norms-source").textContent = p.source ? `Источник: ${p.source}` : "";
    for (const kind of NORM_ROWS) {
      const k = p.kinds[kind] || p.kinds.consultation || { wait: null, service: null };
      normsForm.elements[`${kind}-wait`].placeholder = normText(k.wait);
      normsForm.elements[`${kind}-service`].placeholder = normText(k.service);
    }
    for (const key of ["visit_total", "digital", "upsell"]) normsForm.elements[key].placeholder = normText(p[key]);
  }

  function fillNorms() {
    const select = clear(normsForm.profile);
    for (const [id, p] of Object.entries(PRESETS)) select.append(h("option", { value: id }, p.title));
    select.value = settings.profile;
    const o = settings.profile_overrides || {};
    const one = (v) => (Array.isArray(v) ? v[v.length - 1] : v);
    for (const kind of NORM_ROWS) {
      normsForm.elements[`${kind}-wait`].value = o[kind] && o[kind].wait !== undefined ? one(o[kind].wait) : "";
      normsForm.elements[`${kind}-service`].value = o[kind] && o[kind].service !== undefined ? one(o[kind].service) : "";
    }
    for (const key of ["visit_total", "digital", "upsell"]) normsForm.elements[key].value = o[key] !== undefined ? one(o[key]) : "";
    normsForm.policy.value = settings.policy || "norm-aware";
    normsForm.transfer_position.value = settings.transfer_position || "head";
    presetPlaceholders();
  }
  normsForm.profile.addEventListener("change", presetPlaceholders);

  function minutes(input, what, max) {
    const raw = input.value.trim();
    if (raw === "") return undefined;
    const n = Number(raw.replace(",", "."));
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new Invalid(`${what}: число минут больше 0 и не больше ${max}.`, input);
    return n;
  }

  handle(normsForm, () => {
    const overrides = {};
    for (const kind of NORM_ROWS) {
      const name = W.kinds[kind];
      const wait = minutes(normsForm.elements[`${kind}-wait`], `Ожидание, «${name}»`, 240);
      const service = minutes(normsForm.elements[`${kind}-service`], `Приём, «${name}»`, 240);
      if (wait !== undefined || service !== undefined) {
        overrides[kind] = {};
        if (wait !== undefined) overrides[kind].wait = wait;
        if (service !== undefined) overrides[kind].service = service;
      }
    }
    const labels = { visit_total: "Весь визит", digital: "Цифровые сервисы", upsell: "Дополнительные услуги" };
    for (const key of Object.keys(labels)) {
      const v = minutes(normsForm.elements[key], labels[key], key === "visit_total" ? 480 : 240);
      if (v !== undefined) overrides[key] = v;
    }
    return { profile: normsForm.profile.value, profile_overrides: overrides, policy: normsForm.policy.value,
      transfer_position: normsForm.transfer_position.value };
  }, (body) => api("PUT", `${base()}/settings`, body), () => {
    fillNorms();
    done(normsForm, "Нормативы сохранены.");
  });

  // ------------------------------------------------------------------ texts

  const textsForm = document.getElementById("texts-form");
  const TEXT_KEYS = ["ticker", "recording", "phone", "greeting", "farewell", "site"];
  const TEXT_NAMES = { ticker: "Бегущая строка", recording: "Уведомление о записи", phone: "Телефон",
    greeting: "Приветствие", farewell: "Прощание", site: "Сайт" };

  function fillTexts() {
    for (const k of TEXT_KEYS) textsForm.elements[k].value = (settings.texts || {})[k] || "";
  }

  handle(textsForm, () => {
    const body = {};
    for (const k of TEXT_KEYS) {
      const v = value(textsForm, k);
      const max = k === "ticker" ? 2000 : 300;
      if (v.length > max) throw new Invalid(`${TEXT_NAMES[k]}: не длиннее ${max} знаков.`, k);
      const low = ` ${v.toLowerCase()} `;
      const word = CATEGORICAL.find((w) => low.includes(w));
      if (word) {
        throw new Invalid(`${TEXT_NAMES[k]}: без категоричных слов («${word.trim()}») — пишите вежливо, как просьбу (001:209).`, k);
      }
      body[k] = v;
    }
    if (body.phone && !/^[0-9+()\-\s]{5,40}$/.test(body.phone)) {
      throw new Invalid("Телефон: только цифры, пробелы, «+», «-» и скобки, например 8 800 000-00-00.", "phone");
    }
    if (!body.recording) {
      throw new Invalid("Уведомление о записи нужно посетителям: например, «Ведётся аудио- и видеозапись».", "recording");
    }
    return body;
  }, (body) => api("PUT", `${base()}/texts`, body), () => {
    fillTexts();
    done(textsForm, "Тексты зала сохранены.");
  });

  // ------------------------------------------------------------------ loading

  async function reload() {
    settings = await api("GET", `${base()}/settings`);
    if (isAdmin) {
      [services, windows, users] = await Promise.all([
        api("GET", `${base()}/services`), api("GET", `${base()}/windows`), api("GET", "/api/v1/users"),
      ]);
      renderServices();
      renderWindows();
      renderUsers();
    }
    document.getElementById("office-name").textContent = settings.name;
  }

  (async () => {
    try {
      office = await Stand.officeId(session);
      await reload();
      if (isAdmin) {
        editService(null);
        editWindow(null);
        editUser(null);
        fillHours();
        fillNorms();
      }
      fillTexts();
      show((location.hash || "").slice(1) || allowed[0].dataset.tab);
      Stand.setLink(true);
      document.getElementById("setup").setAttribute("aria-busy", "false");
      const clock = document.getElementById("clock");
      const st = await api("GET", `${base()}/state`);
      const offset = st.now - Date.now() / 1000;
      const tick = () => { clock.textContent = Stand.wallClock(Date.now() / 1000 + offset, st.schedule.tz, true); };
      tick();
      setInterval(tick, 1000);
    } catch (e) {
      Stand.setLink(false, e.message);
    }
  })();
})();
