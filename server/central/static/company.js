/* Talon, the company dashboard (/company): sign-in, the offices' table live from the centre's
   stream (sortable, grouped by region with subtotals), and one office's hall. No framework. */
(function () {
  "use strict";
  var API = "/api/v1/central";

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clock(d) {
    return d.toLocaleTimeString("ru-RU", {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }
  /* a time by the office's own clock (its time zone when the centre knows it) */
  function officeClock(at, zone) {
    var opts = {hour: "2-digit", minute: "2-digit", second: "2-digit"};
    if (zone) opts.timeZone = zone;
    try {
      return new Date(at * 1000).toLocaleTimeString("ru-RU", opts);
    } catch (e) {
      return clock(new Date(at * 1000));
    }
  }
  function setStatus(text, offline) {
    var s = document.getElementById("status");
    if (!s) return;
    s.textContent = text;
    s.classList.toggle("offline", !!offline);
  }

  /* ------------------------------------------------------------ sign-in and sign-out */

  var form = document.getElementById("login");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var err = document.getElementById("login-error");
      err.hidden = true;
      var body = {login: form.elements.login.value.trim(), password: form.elements.password.value};
      if (!body.login || !body.password) {
        err.textContent = "Пожалуйста, укажите имя входа и пароль";
        err.hidden = false;
        return;
      }
      fetch(API + "/session", {method: "POST", headers: {"Content-Type": "application/json"},
                               body: JSON.stringify(body), credentials: "same-origin"})
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
        .then(function (res) {
          if (res.ok) { location.href = form.getAttribute("data-next") || "/company"; return; }
          err.textContent = res.body.message || "Не удалось войти";
          err.hidden = false;
        })
        .catch(function () {
          err.textContent = "Нет связи с центром. Пожалуйста, повторите попытку позже";
          err.hidden = false;
        });
    });
  }

  var out = document.getElementById("sign-out");
  if (out) {
    out.addEventListener("click", function () {
      fetch(API + "/session", {method: "DELETE", credentials: "same-origin"})
        .finally(function () { location.href = "/company/login"; });
    });
  }

  /* ------------------------------------------------------------ the stream */

  function follow(url, handlers) {
    var es = new EventSource(url);
    es.onopen = function () { setStatus("Соединение с центром установлено, " + clock(new Date())); };
    es.onerror = function () { setStatus("Нет связи с центром — переподключение…", true); };
    Object.keys(handlers).forEach(function (kind) {
      es.addEventListener(kind, function (ev) {
        handlers[kind](JSON.parse(ev.data));
        setStatus("Обновлено " + clock(new Date()));
      });
    });
    es.addEventListener("signed_out", function () { es.close(); location.href = "/company/login?next=" +
      encodeURIComponent(location.pathname); });
    return es;
  }

  function waitWords(r) {
    if (r.oldest_wait_min === null || r.oldest_wait_min === undefined) return "—";
    var s = r.oldest_wait_min + " мин";
    if (r.oldest_norm_min) s += " из " + r.oldest_norm_min;
    if (r.over_norm) s += " — сверх норматива: " + r.over_norm;
    return s;
  }
  function pct(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }

  /* ------------------------------------------------------------ the offices' table */

  var table = document.getElementById("offices");
  if (table) {
    var rows = {};
    var sort = {key: "name", dir: 1};
    var COLUMNS = [
      ["open", "Сейчас", function (r) { return r.open ? "открыт" : "закрыт"; }],
      ["waiting", "Ожидают", function (r) { return r.waiting; }],
      ["oldest_wait_min", "Дольше всех ждёт", waitWords],
      ["within_norm_share", "В пределах норматива сегодня", function (r) { return pct(r.within_norm_share); }],
      ["windows_open", "Окна ведут приём", function (r) { return r.windows_open + " из " + r.windows_total; }],
      ["alerts", "Тревоги", function (r) { return r.alerts; }],
      ["devices_down", "Неисправные устройства", function (r) { return r.devices_down; }],
      ["last_event_at", "Последнее событие", function (r) {
        var s = r.last_event_at ? officeClock(r.last_event_at, r.zone) : "—";
        if (r.behind) s += "; в центре не показано событий: " + r.behind;
        return s;
      }]
    ];

    function value(r, key) {
      var v = r[key];
      if (key === "open") return v ? 1 : 0;
      if (v === null || v === undefined) return -Infinity;
      return v;
    }
    function compare(a, b) {
      if (sort.key === "name") return sort.dir * a.name.localeCompare(b.name, "ru");
      var d = value(a, sort.key) - value(b, sort.key);
      return d !== 0 ? sort.dir * d : a.name.localeCompare(b.name, "ru");
    }

    function render() {
      Array.prototype.slice.call(table.tBodies).forEach(function (tb) { table.removeChild(tb); });
      var groups = {};
      Object.keys(rows).forEach(function (id) {
        var r = rows[id], g = r.region || "";
        (groups[g] = groups[g] || []).push(r);
      });
      var names = Object.keys(groups).sort(function (a, b) {
        if (!a) return 1;
        if (!b) return -1;
        return a.localeCompare(b, "ru");
      });
      names.forEach(function (g) {
        var list = groups[g].sort(compare);
        var tb = el("tbody", {"class": "region", "data-region": g});
        var sub = el("tr", {"class": "subtotal"});
        var total = function (k) { return list.reduce(function (s, r) { return s + (r[k] || 0); }, 0); };
        sub.appendChild(el("th", {scope: "rowgroup"}, (g || "Регион не указан") + " — офисов: " + list.length));
        var over = total("over_norm");
        [["Сейчас", "открыто " + list.filter(function (r) { return r.open; }).length],
         ["Ожидают", total("waiting")],
         ["Дольше всех ждёт", over ? "сверх норматива: " + over : "—"], ["", ""],
         ["Окна ведут приём", total("windows_open")], ["Тревоги", total("alerts")],
         ["Неисправные устройства", total("devices_down")], ["", ""]].forEach(function (c) {
          sub.appendChild(el("td", c[0] ? {"data-label": c[0]} : null, c[1]));
        });
        tb.appendChild(sub);
        list.forEach(function (r) {
          var tr = el("tr", {"class": "office" + (r.over_norm ? " over" : ""), "data-id": r.id});
          var th = el("th", {scope: "row"});
          th.appendChild(el("a", {href: "/company/offices/" + encodeURIComponent(r.id)}, r.name));
          tr.appendChild(th);
          COLUMNS.forEach(function (c) { tr.appendChild(el("td", {"data-label": c[1]}, c[2](r))); });
          tb.appendChild(tr);
        });
        table.appendChild(tb);
      });
      var empty = document.getElementById("empty");
      if (empty) empty.hidden = Object.keys(rows).length > 0;
    }

    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) {
      var button = th.querySelector("button");
      button.addEventListener("click", function () {
        var key = th.getAttribute("data-key");
        // numbers: the largest first on the first press (the offices that need attention)
        sort.dir = sort.key === key ? -sort.dir : (key === "name" ? 1 : -1);
        sort.key = key;
        Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (o) {
          o.setAttribute("aria-sort", o === th ? (sort.dir > 0 ? "ascending" : "descending") : "none");
        });
        render();
      });
    });

    follow(API + "/company/stream", {
      snapshot: function (d) { rows = {}; d.offices.forEach(function (r) { rows[r.id] = r; }); render(); },
      office: function (r) { rows[r.id] = r; render(); },
      gone: function (d) { delete rows[d.id]; render(); }
    });
  }

  /* ------------------------------------------------------------ one office's hall */

  var hall = document.getElementById("hall");
  if (hall) {
    var office = hall.getAttribute("data-office");
    var renderHall = function (h) {
      if (h.office.id !== office) return;
      document.getElementById("summary").textContent = (h.office.open ? "Открыт" : "Закрыт") +
        "; ожидают: " + h.office.waiting + "; окна ведут приём: " + h.office.windows_open + " из " +
        h.office.windows_total + (h.office.over_norm ? "; сверх норматива: " + h.office.over_norm : "");
      var wb = document.getElementById("windows");
      wb.textContent = "";
      h.windows.forEach(function (w) {
        var tr = el("tr", {"class": "w-" + w.state});
        tr.appendChild(el("th", {scope: "row"}, w.number));
        tr.appendChild(el("td", null, w.state_words));
        tr.appendChild(el("td", null, w.operator || "—"));
        tr.appendChild(el("td", null, w.ticket ? w.ticket + " (" + w.ticket_state + ")" : "—"));
        tr.appendChild(el("td", null, w.service || "—"));
        wb.appendChild(tr);
      });
      var qb = document.getElementById("queues");
      qb.textContent = "";
      if (!h.queues.length) {
        var none = el("tr");
        none.appendChild(el("td", {colspan: "4"}, "Очереди нет"));
        qb.appendChild(none);
      }
      h.queues.forEach(function (q) {
        var tr = el("tr", {"class": q.over_norm ? "over" : ""});
        tr.appendChild(el("th", {scope: "row"}, q.name));
        tr.appendChild(el("td", null, q.waiting));
        tr.appendChild(el("td", null, q.oldest_wait_min + " мин" + (q.norm_min ? " из " + q.norm_min : "") +
          (q.over_norm ? " — сверх норматива: " + q.over_norm : "")));
        tr.appendChild(el("td", null, q.tickets.map(function (t) { return t.code + " (" + t.wait_min + ")"; })
          .join(", ")));
        qb.appendChild(tr);
      });
    };
    follow(API + "/company/stream?office=" + encodeURIComponent(office), {
      hall: renderHall,
      snapshot: function () {},
      office: function () {},
      gone: function () {}
    });
  }
})();
