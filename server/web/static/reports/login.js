/* Signing in to the reports: POST /api/v1/auth/login, the token kept in sessionStorage. */
"use strict";

(() => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");

  function nextPage() {
    const next = new URLSearchParams(location.search).get("next") || "";
    // only a page of the reports themselves: never another site
    return /^\/reports\/(daily|monthly|yearly)(\?[\w=&%.\-]*)?$/.test(next) ? next : "/reports/daily";
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const login = form.login.value.trim();
    const password = form.password.value;
    if (!login || !password) {
      Reports.showError(error, !login ? "Введите логин." : "Введите пароль.");
      (login ? form.password : form.login).focus();
      return;
    }
    Reports.showError(error, "");
    submit.disabled = true;
    try {
      const r = await Reports.json("POST", "/api/v1/auth/login", { login, password });
      if (!Reports.ROLES.some((role) => r.roles.includes(role))) {
        Reports.showError(error, "У этой учётной записи нет доступа к отчётам руководителя офиса.");
        return;
      }
      Reports.saveSession({ token: r.token, roles: r.roles, login: r.login, name: r.name, office: r.office });
      location.replace(nextPage());
    } catch (e) {
      Reports.showError(error, e.status === 401 ? "Неверный логин или пароль." : e.message);
      form.password.select();
    } finally {
      submit.disabled = false;
    }
  });
})();
