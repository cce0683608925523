/* The stand's health line: whether the hub can save changes, and the room left on its disk.
   Reads /healthz every 15 s (and at once when the page becomes visible again); shown in the
   top bar next to the link state, red with the reason when writes fail. */
"use strict";

(() => {
  const EVERY = 15000;
  const REASONS = {
    storage_full: "на диске нет места",
    storage_readonly: "база открыта только для чтения",
    storage_busy: "база занята другой программой",
    storage_io: "ошибка диска",
    storage_corrupt: "база повреждена",
  };
  let el = null;

  function place() {
    if (el) return el;
    const bar = document.querySelector(".topbar");
    if (!bar) return null;
    el = document.createElement("div");
    el.id = "health-state";
    el.className = "link-state health-state";
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
    const link = document.getElementById("link-state");
    if (link && link.parentNode === bar) link.after(el);
    else bar.appendChild(el);
    return el;
  }

  function gigabytes(bytes) {
    if (bytes == null) return "";
    const gb = bytes / 1024 / 1024 / 1024;
    return gb >= 10 ? `${Math.round(gb)} ГБ` : gb >= 1 ? `${gb.toFixed(1).replace(".", ",")} ГБ`
      : `${Math.round(bytes / 1024 / 1024)} МБ`;
  }

  function show(ok, text, title) {
    const box = place();
    if (!box) return;
    box.textContent = text;
    box.title = title || text;
    box.className = "link-state health-state " + (ok ? "link-ok health-ok" : "link-bad health-bad");
  }

  async function check() {
    let report = null;
    try {
      const resp = await fetch("/healthz", { cache: "no-store", headers: { Accept: "application/json" } });
      report = await resp.json();
    } catch (e) {
      return; // no link at all: the link state next to this line already says so
    }
    const free = report.disk ? gigabytes(report.disk.free_bytes) : "";
    const problems = (report.problems || []).join(" ");
    const fault = report.store && report.store.fault;
    if (report.ok) {
      show(true, `Данные сохраняются${free ? ` · на диске свободно ${free}` : ""}`);
    } else if (fault) {
      show(false, `Изменения не сохраняются: ${REASONS[fault.error] || "ошибка хранилища"}`, problems);
    } else if (report.disk && report.disk.low) {
      show(false, `Мало места на диске сервера${free ? `: свободно ${free}` : ""}`, problems);
    } else {
      show(false, "Сервер сообщает о неисправности хранилища", problems);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    check();
    setInterval(check, EVERY);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
  });
})();
