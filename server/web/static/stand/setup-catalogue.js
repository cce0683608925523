/* Where each setting comes from (issue 11, point 5): on the setup tabs, a small label per
   service, hall text and the norms — «из каталога компании (версия N)», «изменено в офисе»,
   «только в этом офисе» — and the settings the company locked are read-only here (the hub
   refuses a change anyway: 403 locked_by_company). Nothing is shown on a hub that has never
   received the company catalogue. Reads GET /api/v1/offices/{office}/catalogue. */
"use strict";

(() => {
  const { h, api } = Stand;
  const session = Stand.session();
  if (!session || !(session.roles || []).some((r) => r === "admin" || r === "administrator")) return;

  const TEXT_KEYS = ["ticker", "recording", "phone", "greeting", "farewell", "site"];
  const SERVICE_FIELDS = ["letter", "name", "hint", "kind", "order"];
  let office = null;
  let info = null;
  let pending = null;

  function words(p) {
    if (!p) return null;
    if (p.source === "company") return `из каталога компании (версия ${info.version})`;
    if (p.source === "changed") return "изменено в офисе";
    return "только в этом офисе";
  }

  function label(p, extra) {
    const node = h("small", { class: "origin muted block", dataset: { origin: p.source, locked: p.locked ? "1" : "0" } },
      words(p) + (p.locked ? " · изменяет только компания" : ""));
    if (extra) node.id = extra;
    return node;
  }

  function place(after, p, id) {
    const old = document.getElementById(id);
    if (old) old.remove();
    if (p && after) after.insertAdjacentElement("afterend", label(p, id));
  }

  function decorateServices() {
    for (const li of document.querySelectorAll("#svc-list li[data-service]")) {
      const old = li.querySelector(".origin");
      if (old) old.remove();
      const p = info.provenance.services[li.dataset.service];
      if (!p) continue;
      const text = li.querySelector("span") || li;
      text.append(label(p));
    }
    lockServiceForm();
  }

  function lockServiceForm() {
    const form = document.getElementById("svc-form");
    if (!form) return;
    const id = form.elements.id.value;
    const p = id && form.elements.id.readOnly ? info.provenance.services[id] : null;
    const locked = !!(p && p.locked);
    for (const name of SERVICE_FIELDS) {
      const el = form.elements[name];
      if (!el) continue;
      if (el.tagName === "SELECT") el.disabled = locked;
      else el.readOnly = locked;
    }
    const del = form.querySelector("[data-slot=delete]");
    if (del) del.disabled = locked;
    place(form.querySelector("h2, [data-slot=title]"), p, "svc-origin");
  }

  function decorateNorms() {
    const form = document.getElementById("norms-form");
    if (!form || !info.provenance.norms) return;
    const p = info.provenance.norms;
    place(form.querySelector("h2"), p, "norms-origin");
    for (const el of form.querySelectorAll("input, select")) {
      if (el.name === "policy" || el.name === "transfer_position") continue; // the office's own
      if (el.tagName === "SELECT") el.disabled = p.locked;
      else el.readOnly = p.locked;
    }
  }

  function decorateTexts() {
    const form = document.getElementById("texts-form");
    if (!form) return;
    for (const key of TEXT_KEYS) {
      const el = form.elements[key];
      const p = info.provenance.texts[key];
      if (!el) continue;
      place(el, p, `text-origin-${key}`);
      el.readOnly = !!(p && p.locked);
    }
  }

  function showLine() {
    for (const pane of ["pane-services", "pane-norms", "pane-texts"]) {
      const box = document.getElementById(pane);
      if (!box) continue;
      let line = box.querySelector(".catalogue-line");
      if (!line) {
        line = h("p", { class: "catalogue-line muted", role: "status" });
        const panel = box.querySelector(".panel h2");
        if (panel) panel.insertAdjacentElement("afterend", line);
      }
      line.textContent = info.line;
      line.dataset.state = info.refused ? "refused" : (info.link && info.link.state) || "off";
    }
  }

  async function refresh() {
    try {
      if (!office) office = await Stand.officeId(session);
      info = await api("GET", `/api/v1/offices/${encodeURIComponent(office)}/catalogue`);
    } catch (e) {
      return; // the setup page works without it; the hub refuses locked changes anyway
    }
    if (!info.version && !info.refused) return; // never received a catalogue: every setting is the office's
    document.body.dataset.catalogueVersion = String(info.version || 0);
    showLine();
    decorateServices();
    decorateNorms();
    decorateTexts();
  }

  function later() {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const list = document.getElementById("svc-list");
    if (list) new MutationObserver(later).observe(list, { childList: true });
    // the form is filled by setup.js on «Изменить»/«Добавить»: lock or unlock right after it
    document.addEventListener("click", (ev) => {
      if (info && ev.target.closest("#svc-list button, #svc-new")) setTimeout(lockServiceForm, 0);
    });
    // after a save setup.js fills the forms again: labels follow the new values
    for (const id of ["norms-form", "texts-form"]) {
      const form = document.getElementById(id);
      if (form) form.addEventListener("submit", () => setTimeout(later, 400));
    }
    later();
  });
})();
