/* The visitor's own page: follows this ticket's view (Server-Sent Events, or polling when the
   hub has no room for another stream), shows the call large and vibrates, takes one rating.
   Every sentence shown comes from the hub (view.say), so the wording lives in one place. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("ticket-data").textContent);
  var urls = data.urls;
  var view = data.view;
  var lastState = view.state;
  var lastRecalls = view.recalls;
  var source = null;
  var pollTimer = null;
  var stopped = false;

  function $(id) { return document.getElementById(id); }

  function setText(id, text) {
    var el = $(id);
    if (el && el.textContent !== (text || "")) { el.textContent = text || ""; }
  }

  function show(id, on) {
    var el = $(id);
    if (el) { el.hidden = !on; }
  }

  function linkState(ok, text) {
    var el = $("link-state");
    if (ok) { el.hidden = true; el.textContent = ""; return; }
    el.hidden = false;
    el.textContent = text || "Нет связи с центром обслуживания. Пробуем подключиться снова…";
  }

  function render(v) {
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
    if (!v.recalls) { show("recall-text", false); }
    setText("call-hint", say.hint);
    setText("serving-text", say.serving);
    setText("serving-hint", say.hint);
    setText("done-text", say.done);
    setText("closed-text", say.closed);
    setText("closed-hint", say.hint);
    show("rating-form", !!v.can_rate);
    setText("thanks-text", say.thanks);
    show("thanks-text", !!v.rated);
    if (say.note) { setText("rate-note", say.note); show("rate-note", true); }
  }

  function callAlert() {
    try {
      if (navigator.vibrate) { navigator.vibrate([400, 200, 400, 200, 700]); }
    } catch (e) { /* a phone without vibration: the large text is enough */ }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /** A recall says so, with the time it came: the live region's text changes, so a screen
      reader announces the second call too (the invitation itself reads the same). */
  function recallWords(v, now) {
    if (!v.recalls) { return ""; }
    var words = "Повторное приглашение" + (v.recalls > 1 ? " № " + v.recalls : "");
    if (now) { words += " в " + pad(now.getHours()) + ":" + pad(now.getMinutes()); }
    return words;
  }

  function update(v) {
    var called = v.state === "called" && (lastState !== "called" || v.recalls > lastRecalls);
    var recalled = v.state === "called" && v.recalls > lastRecalls;
    view = v;
    render(v);
    if (recalled) {
      setText("recall-text", recallWords(v, new Date()));
      show("recall-text", true);
    }
    if (called) { callAlert(); }
    lastState = v.state;
    lastRecalls = v.recalls;
    if (v.final) { stop(); }
  }

  function stop() {
    stopped = true;
    if (source) { source.close(); source = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    linkState(true);
  }

  // ---------------------------------------------------------------- polling (fallback)

  function poll(delay) {
    if (stopped) { return; }
    pollTimer = setTimeout(function () {
      fetch(urls.json, { cache: "no-store", headers: { "Accept": "application/json" } })
        .then(function (resp) {
          if (resp.status === 404 || resp.status === 410) { stop(); window.location.reload(); return; }
          if (resp.status === 429) {
            linkState(false, "Страница обновится чуть позже.");
            poll(30000);
            return;
          }
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          return resp.json().then(function (v) {
            linkState(true);
            update(v);
            poll(data.poll * 1000);
          });
        })
        .catch(function () {
          linkState(false);
          poll(data.poll * 1000);
        });
    }, delay);
  }

  // ---------------------------------------------------------------- the live stream

  function connect() {
    if (view.final) { return; }
    if (!window.EventSource) { poll(data.poll * 1000); return; }
    source = new EventSource(urls.events);
    source.addEventListener("ticket", function (e) {
      linkState(true);
      update(JSON.parse(e.data));
    });
    source.addEventListener("gone", function () {
      stop();
      window.location.reload();
    });
    source.onopen = function () { linkState(true); };
    source.onerror = function () {
      if (stopped) { return; }
      if (source && source.readyState === EventSource.CLOSED) {
        // the hub refused the stream (busy, too many requests, the ticket is gone): poll
        source = null;
        poll(1000);
        return;
      }
      linkState(false);
    };
  }

  // ---------------------------------------------------------------- the rating

  var form = $("rating-form");
  if (form) {
    form.addEventListener("change", function () { show("rate-error", false); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = form.querySelector("input[name=score]:checked");
      if (!chosen) {
        setText("rate-error", "Выберите, пожалуйста, оценку от 1 до 5.");
        show("rate-error", true);
        return;
      }
      show("rate-error", false);
      var button = $("rate-submit");
      button.disabled = true;
      fetch(urls.rating, {
        method: "POST",
        cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRF-Token": data.csrf },
        body: JSON.stringify({ score: Number(chosen.value), comment: $("comment").value })
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (resp.ok && body.view) {
            update(body.view);
            $("thanks-text").focus();  // the form is gone: the thanks is the result, read it out
            return;
          }
          if (body.view) {
            update(body.view);
            if (!body.view.can_rate) {
              setText("rate-note", body.message);
              show("rate-note", true);
              $("rate-note").tabIndex = -1;
              $("rate-note").focus();
              return;
            }
          }
          setText("rate-error", body.message ||
                  "Не удалось отправить оценку. Пожалуйста, попробуйте ещё раз.");
          show("rate-error", true);
        });
      }).catch(function () {
        setText("rate-error", "Нет связи с центром обслуживания. Пожалуйста, попробуйте ещё раз.");
        show("rate-error", true);
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  render(view);
  if (view.state === "called") { callAlert(); }
  connect();
})();
