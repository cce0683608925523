/* Signing in to the stand: POST /api/v1/auth/login, the token kept in sessionStorage. */
"use strict";

(() => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");
  const ALLOWED = ["administrator", "admin"];

  function nextPage() {
    const next = new URLSearchParams(location.search).get("next") || "";
    // only a page of the stand itself: never another site
    return /^\/stand(\/[\w\-/]*)?(\?[\w=&%.\-]*)?(#[\w-]*)?$/.test(next) && !next.startsWith("/stand/login")
      ? next : "/stand/";
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const login = form.login.value.trim();
    const password = form.password.value;
    if (!login || !password) {
      Stand.showError(error, !login ? "Введите логин." : "Введите пароль.");
      (login ? form.password : form.login).focus();
      return;
    }
    Stand.showError(error, "");
    submit.disabled = true;
    try {
      const r = await Stand.api("POST", "/api/v1/auth/login", { login, password });
      if (!ALLOWED.some((role) => r.roles.includes(role))) {
        Stand.showError(error, "У этой учётной записи нет доступа к стойке администратора.");
        return;
      }
      Stand.saveSession({ token: r.token, roles: r.roles, login: r.login, name: r.name, office: r.office });
      location.replace(nextPage());
    } catch (e) {
      Stand.showError(error, e.status === 401 ? "Неверный логин или пароль." : e.message);
      form.password.select();
    } finally {
      submit.disabled = false;
    }
  });
})();
