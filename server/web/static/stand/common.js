/* The administrator stand: what every page shares — the session, calls to the hub's API,
   building DOM safely (text only, never HTML from data) and Russian words for times. */
"use strict";

const Stand = (() => {
  const KEY = "talon.stand.session";
  const WORDS = JSON.parse(document.getElementById("stand-words").textContent);

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }
  }

  // ------------------------------------------------------------------ session

  function session() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "null");
    } catch (e) {
      return null;
    }
  }

  function saveSession(s) {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  }

  function clearSession() {
    sessionStorage.removeItem(KEY);
  }

  function hasRole(...roles) {
    const s = session();
    return !!s && roles.some((r) => s.roles.includes(r));
  }

  function toLogin() {
    const next = location.pathname + location.search + location.hash;
    location.replace("/stand/login?next=" + encodeURIComponent(next));
  }

  /** The session, or a trip to the login page when there is none or it lacks the roles. */
  function requireSession(...roles) {
    const s = session();
    if (!s || !s.token || (roles.length && !roles.some((r) => s.roles.includes(r)))) {
      toLogin();
      return null;
    }
    return s;
  }

  // ------------------------------------------------------------------ the API

  async function api(method, path, body, headers) {
    const s = session();
    const h = Object.assign({ Accept: "application/json" }, headers || {});
    if (s && s.token) h.Authorization = "Bearer " + s.token;
    const init = { method, headers: h, cache: "no-store" };
    if (body !== undefined) {
      h["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "offline", "Нет связи с сервером. Проверьте сеть и повторите.");
    }
    if (resp.status === 204) return null;
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    if (!resp.ok) {
      if (resp.status === 401 && path !== "/api/v1/auth/login") {
        clearSession();
        toLogin();
      }
      const d = data || {};
      throw new ApiError(resp.status, d.error || "error",
        d.message || `Ошибка сервера (${resp.status}). Изменения не сохранены.`, d.details);
    }
    return data;
  }

  // ------------------------------------------------------------------ DOM

  /** h("tr", {class: "x", dataset: {id: 1}, onclick: fn}, "text", child, …) — text is never parsed as HTML. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function showError(el, message) {
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.className = "toast" + (kind ? " toast-" + kind : "");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
  }

  // ------------------------------------------------------------------ words for time

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  /** A running time: «4:07», «1:02:09». */
  function clockDuration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = s % 60;
    return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
  }

  /** A length of time in words: «45 с», «7 мин», «1 ч 05 мин». */
  function durationWords(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s} с`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} мин`;
    return `${Math.floor(m / 60)} ч ${pad(m % 60)} мин`;
  }

  function minutesWords(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    return `${DECIMAL.format(seconds / 60)} мин`;  // «7,5 мин»: the Russian decimal comma
  }

  const formatters = {};
  /** Wall-clock time of an epoch second in the office's time zone: «10:32» or «10:32:05». */
  function wallClock(epoch, tz, seconds) {
    const key = (tz || "") + (seconds ? "s" : "");
    if (!formatters[key]) {
      const opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (seconds) opts.second = "2-digit";
      try {
        formatters[key] = new Intl.DateTimeFormat("ru-RU", Object.assign({ timeZone: tz || undefined }, opts));
      } catch (e) {
        formatters[key] = new Intl.DateTimeFormat("ru-RU", opts);
      }
    }
    return formatters[key].format(new Date(epoch * 1000));
  }

  // The browser's CLDR rules for Russian, as Babel's on the server (server/texts.py)
  const DECIMAL = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 1, useGrouping: false });
  const PLURAL = new Intl.PluralRules("ru-RU");
  function peopleWords(n) {
    return `${n} ${PLURAL.select(n) === "few" ? "человека" : "человек"}`;
  }

  /** How a wait stands against its norm — the same rule as server/domain/alerts.py:wait_level. */
  function waitLevel(waited, limit, near) {
    if (!limit) return "ok";
    if (waited >= limit) return "over";
    if (waited >= near * limit) return "near";
    return "ok";
  }

  const LEVEL_WORDS = { ok: "в норме", near: "скоро норматив", over: "норматив превышен", none: "без норматива" };

  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // ------------------------------------------------------------------ the header every page has

  function header(s) {
    const name = document.getElementById("user-name");
    if (name) name.textContent = s.name || s.login || "";
    const setup = document.getElementById("nav-setup");
    if (setup) setup.hidden = !s.roles.includes("admin") && !s.roles.includes("administrator");
    const out = document.getElementById("logout");
    if (out) {
      out.addEventListener("click", async () => {
        try {
          await api("POST", "/api/v1/auth/logout", {});
        } catch (e) { /* the token is forgotten here anyway */ }
        clearSession();
        location.replace("/stand/login");
      });
    }
  }

  /** The office this stand works for: ?office=…, the user's own, or the hub's first. */
  async function officeId(s) {
    const asked = new URLSearchParams(location.search).get("office");
    if (asked) return asked;
    if (s.office) return s.office;
    const offices = await api("GET", "/api/v1/offices");
    if (!offices.length) throw new ApiError(404, "no_office", "На этом сервере нет ни одного офиса");
    return offices[0].id;
  }

  function setLink(ok, text) {
    const el = document.getElementById("link-state");
    if (!el) return;
    el.textContent = text || (ok ? "Связь с сервером есть" : "Нет связи с сервером — данные могут быть устаревшими");
    el.className = "link-state " + (ok ? "link-ok" : "link-bad");
  }

  /** Re-reading a page's data, one read at a time: `schedule(delay)` asks for `work` after `delay`
   *  ms (30 by default, so that a burst of events makes one read); a request while a read runs
   *  makes it run once more afterwards. `run()` reads now and waits for it. `work` handles its
   *  own errors. */
  function reloader(work) {
    let running = false;
    let again = false;
    let timer = null;
    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(run, delay === undefined ? 30 : delay);
    }
    async function run() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await work();
      } finally {
        running = false;
        if (again) {
          again = false;
          schedule(0);
        }
      }
    }
    return { schedule, run };
  }

  /** The office's live events: `onEvent()` for each of `types`, `onOpen()` when (re)connected,
   *  `onDown()` when the link drops. A stream the hub refused or lost for good is opened again
   *  after 3 s, once a plain request has had the chance to send an expired session to the login
   *  page. Answers `{ isOpen(), log() }`.
   *
   *  The hub begins every stream with `hello` ({log, seq}: the identity of its event log); the
   *  stream names that log when it connects again (`?log=`). `reload` (the log is another life
   *  of the hub's file, restored from a backup, or shorter than the events this page saw) or a
   *  `hello` naming another log means the page's data is from elsewhere: `onReload()` (by
   *  default `onOpen()`, the pages' «read everything again») runs, and a changed log opens the
   *  stream afresh with the new identity. */
  function liveStream(office, session, types, onEvent, onOpen, onDown, onReload) {
    let stream = null;
    let log = null;
    const reload = onReload || onOpen;
    function changed(e) {
      let info = {};
      try {
        info = JSON.parse(e.data);
      } catch (err) { /* an unreadable frame: read everything again all the same */ }
      const other = Boolean(info.log) && info.log !== log;
      if (info.log) log = info.log;
      reload();
      if (other && stream) {  // reconnecting with the old identity would ask for reload again
        stream.close();
        open();
      }
    }
    function open() {
      const known = log ? `&log=${encodeURIComponent(log)}` : "";
      const source = stream = new EventSource(`/api/v1/offices/${encodeURIComponent(office)}/events?access_token=` +
        encodeURIComponent(session.token) + known);
      for (const t of types) stream.addEventListener(t, onEvent);
      stream.addEventListener("hello", (e) => {
        if (source !== stream) return;
        let info = {};
        try {
          info = JSON.parse(e.data);
        } catch (err) { return; }
        if (log && info.log && info.log !== log) changed(e);
        else if (info.log) log = info.log;
      });
      stream.addEventListener("reload", (e) => {
        if (source === stream) changed(e);
      });
      stream.addEventListener("open", onOpen);
      stream.addEventListener("error", () => {
        if (source !== stream) return;  // a stream this page has left for one with a newer log
        onDown();
        if (stream.readyState === EventSource.CLOSED) {
          stream = null;
          setTimeout(async () => {
            try {
              await api("GET", "/api/v1/auth/me");
            } catch (e) { /* offline: try again below */ }
            if (!stream) open();
          }, 3000);
        }
      });
    }
    open();
    return { isOpen: () => Boolean(stream && stream.readyState === EventSource.OPEN), log: () => log };
  }

  return {
    WORDS, ApiError, session, saveSession, clearSession, hasRole, requireSession, toLogin, api, h, clear,
    showError, toast, clockDuration, durationWords, minutesWords, wallClock, peopleWords, waitLevel,
    LEVEL_WORDS, idempotencyKey, header, officeId, setLink, reloader, liveStream,
  };
})();
