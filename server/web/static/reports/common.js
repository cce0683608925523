/* The head's report pages: the session (a bearer token in sessionStorage) and calls to the API. */
"use strict";

const Reports = (() => {
  const KEY = "talon.reports.session";
  const STAND_KEY = "talon.stand.session"; // signed in on the stand as admin: the reports open too
  const ROLES = ["head", "admin"];

  function read(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function session() {
    const own = read(KEY);
    if (own && own.token) return own;
    const stand = read(STAND_KEY);
    if (stand && stand.token && ROLES.some((r) => (stand.roles || []).includes(r))) return stand;
    return null;
  }

  function saveSession(s) {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  }

  function clearSession() {
    sessionStorage.removeItem(KEY);
  }

  function toLogin() {
    const next = location.pathname + location.search;
    location.replace("/reports/login?next=" + encodeURIComponent(next));
  }

  function requireSession() {
    const s = session();
    if (!s || !ROLES.some((r) => (s.roles || []).includes(r))) {
      toLogin();
      return null;
    }
    return s;
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** fetch with the bearer token; returns the Response when it is OK, else throws ApiError. */
  async function request(method, path, body) {
    const s = session();
    const headers = {};
    if (s && s.token) headers.Authorization = "Bearer " + s.token;
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "offline", "Нет связи с сервером. Проверьте сеть и повторите.");
    }
    if (!resp.ok) {
      let data = null;
      try {
        data = await resp.json();
      } catch (e) {
        data = null;
      }
      if (resp.status === 401 && path !== "/api/v1/auth/login") {
        clearSession();
        toLogin();
      }
      throw new ApiError(resp.status, (data && data.error) || "error",
        (data && data.message) || `Ошибка сервера (${resp.status}). Повторите, пожалуйста, позже.`);
    }
    return resp;
  }

  async function json(method, path, body) {
    const resp = await request(method, path, body);
    return resp.status === 204 ? null : resp.json();
  }

  /** The file name from Content-Disposition, or the fallback. */
  function fileName(resp, fallback) {
    const cd = resp.headers.get("Content-Disposition") || "";
    const m = /filename="?([^";]+)"?/.exec(cd);
    return m ? m[1] : fallback;
  }

  /** Fetch a file with the token and hand it to the browser as a download. */
  async function download(path, fallbackName) {
    const resp = await request("GET", path);
    const blob = await resp.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName(resp, fallbackName);
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    return a.download;
  }

  function showError(el, message) {
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  return { session, saveSession, clearSession, requireSession, toLogin, request, json, download, showError,
    ApiError, ROLES };
})();
