/* The visitor's page at the company centre (issue 18): polls this ticket's view, shows the call
   large and vibrates, and says when the office's information is stale. Every sentence shown
   comes from the centre (view.say, office.say), in the hub page's words. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("ticket-data").textContent);
  var last = data.view;
  var failures = 0;

  function $(id) { return document.getElementById(id); }
  function setText(id, text) {
    var el = $(id);
    if (el && el.textContent !== (text || "")) { el.textContent = text || ""; }
  }
  function show(id, on) { var el = $(id); if (el) { el.hidden = !on; } }

  function render(v, office) {
    var say = v.say || {};
    document.body.className = "page-ticket state-" + v.state;
    document.title = (say.title || "Ваш талон") + " — Талон";
    setText("code", v.code);
    setText("service", v.service);
    show("st-waiting", v.state === "waiting");
    show("st-called", v.state === "called");
    show("st-serving", v.state === "serving");
    show("st-finished", v.state === "finished");
    show("st-closed", v.state === "no_show" || v.state === "cancelled");
    setText("ahead-text", say.ahead);
    setText("estimate-text", say.estimate);
    setText("call-text", say.call);
    setText("call-hint", say.hint);
    setText("serving-text", say.serving);
    setText("serving-hint", say.hint);
    setText("done-text", say.done);
    setText("closed-text", say.closed);
    setText("closed-hint", say.hint);
    setText("stale", office.stale ? office.say : "");
    show("stale", !!office.stale);
  }

  function update(v, office) {
    var called = v.state === "called" && (last.state !== "called" || v.recalls > last.recalls);
    render(v, office);
    if (called) {
      try { if (navigator.vibrate) { navigator.vibrate([400, 200, 400, 200, 700]); } } catch (e) { /* no vibration */ }
    }
    last = v;
  }

  function linkDown() {
    setText("stale", "Нет связи с сервером. Пробуем подключиться снова…");
    show("stale", true);
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", data.urls.json, true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = 10000;
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body && body.view) {
        failures = 0;
        update(body.view, body.office || {});
        if (!body.view.final) { schedule(); }
        return;
      }
      if (xhr.status === 404 || xhr.status === 410) { window.location.reload(); return; }
      failures += 1;
      if (body && body.message) { setText("stale", body.message); show("stale", true); } else { linkDown(); }
      schedule();
    };
    xhr.onerror = xhr.ontimeout = function () { failures += 1; linkDown(); schedule(); };
    xhr.send();
  }

  function schedule() {
    var wait = data.poll * 1000 * Math.min(8, Math.pow(2, Math.max(0, failures - 1)));
    window.setTimeout(poll, failures ? wait : data.poll * 1000);
  }

  if (!last.final) { schedule(); }
}());
