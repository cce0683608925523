/* The stand's one line about the link to the company centre: what the centre holds, how many
   of the office's events wait to be sent, or since when the centre is out of reach. Read from
   GET /api/v1/offices/{office}/central-link every few seconds; hidden where shipping is not set
   up or the user may not see it. The office never waits for the centre: this line only tells. */
"use strict";

(() => {
  const PERIOD_MS = 5000;

  function show(el, state, line) {
    el.hidden = false;
    el.textContent = line;
    el.dataset.state = state;
    el.className = "link-state central-link " + (state === "ok" ? "link-ok" : "link-bad");
  }

  async function refresh(office, el) {
    try {
      const s = await Stand.api("GET", "/api/v1/offices/" + encodeURIComponent(office) + "/central-link");
      if (s.state === "off") {
        el.hidden = true;
        return;
      }
      show(el, s.state, s.line);
    } catch (e) {
      if (e.status === 403 || e.status === 404) {
        el.hidden = true;
        return;
      }
      show(el, "unknown", "Связь с центром: нет ответа от сервера офиса");
    }
  }

  async function start() {
    const s = Stand.session();
    if (!s || !s.token || !Stand.hasRole("administrator", "admin", "head")) return;
    let office;
    try {
      office = await Stand.officeId(s);
    } catch (e) {
      return;
    }
    const el = Stand.h("div", { id: "central-link", class: "link-state central-link", role: "status", hidden: true });
    const anchor = document.getElementById("link-state");
    if (anchor && anchor.parentNode) anchor.parentNode.insertBefore(el, anchor.nextSibling);
    else document.body.prepend(el);
    await refresh(office, el);
    setInterval(() => refresh(office, el), PERIOD_MS);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
