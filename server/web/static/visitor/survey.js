/* The questionnaire of 000:622–762 on the visitor's page, after the 1–5 rating: optional, one
   question per screen (radio buttons or check boxes with labels, the keyboard works as usual),
   «Вопрос N из M», «Пропустить», «Назад»; the answers go to the hub once, at the end (a retry of
   the same answers is fine). Nothing personal is asked (server/domain/survey.py). */
(function () {
  "use strict";

  var section = document.getElementById("survey");
  if (!section) { return; }
  var conf = JSON.parse(document.getElementById("survey-data").textContent);
  var page = JSON.parse(document.getElementById("ticket-data").textContent);
  var questions = conf.questions;
  var answers = {};
  var index = 0;
  var declined = false;
  var sending = false;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }

  var done = conf.done;

  /** The offer appears once the rating is given (the thanks line shows), never before. */
  function rated() {
    var t = $("thanks-text");
    return t && !t.hidden && $("st-finished") && !$("st-finished").hidden;
  }

  function refresh() {
    var visible = rated() && !declined;
    if (done) { visible = false; }
    if (visible && section.hidden) {
      section.hidden = false;
      show("survey-offer", true);
      show("survey-form", false);
      show("survey-thanks", false);
    } else if (!visible && !section.hidden && !$("survey-thanks").hidden) {
      return;  // keep the thanks on screen
    } else if (!visible) {
      section.hidden = true;
    }
  }

  function chosen(q) {
    var a = answers[q.id];
    if (a === undefined) { return []; }
    return Array.isArray(a) ? a : [a];
  }

  function renderQuestion() {
    var q = questions[index];
    $("survey-progress").textContent = "Вопрос " + (index + 1) + " из " + questions.length;
    $("survey-legend").textContent = q.text;
    var group = $("survey-group");
    group.textContent = q.group || "";
    group.hidden = !q.group;
    show("survey-multiple", !!q.multiple);
    show("survey-error", false);
    var box = $("survey-options");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var picked = chosen(q);
    q.options.forEach(function (o, i) {
      var id = "survey-" + q.id + "-" + o.id;
      var label = document.createElement("label");
      label.className = "survey-option";
      label.htmlFor = id;
      var input = document.createElement("input");
      input.type = q.multiple ? "checkbox" : "radio";
      input.name = "survey-" + q.id;
      input.id = id;
      input.value = o.id;
      input.checked = picked.indexOf(o.id) >= 0;
      var span = document.createElement("span");
      span.textContent = o.label;
      label.appendChild(input);
      label.appendChild(span);
      box.appendChild(label);
    });
    $("survey-back").disabled = index === 0;
    $("survey-next").textContent = index === questions.length - 1 ? "Отправить ответы" : "Далее";
    $("survey-legend").focus();
  }

  function keep() {
    var q = questions[index];
    var boxes = $("survey-options").querySelectorAll("input:checked");
    var ids = Array.prototype.map.call(boxes, function (b) { return b.value; });
    if (!ids.length) { delete answers[q.id]; return; }
    answers[q.id] = q.multiple ? ids : ids[0];
  }

  function finish() {
    if (!Object.keys(answers).length) {  // everything skipped: nothing to send
      section.hidden = true;
      declined = true;
      return;
    }
    if (sending) { return; }
    sending = true;
    $("survey-next").disabled = true;
    send(2);
  }

  function send(triesLeft) {
    fetch(conf.url, {
      method: "POST",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": page.csrf },
      body: JSON.stringify({ answers: answers })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (resp.ok || (body && body.error === "survey_done")) {
          done = true;
          show("survey-form", false);
          show("survey-offer", false);
          $("survey-thanks").textContent = (body && body.message) || $("survey-thanks").textContent;
          show("survey-thanks", true);
          $("survey-thanks").focus();
          return;
        }
        $("survey-error").textContent = (body && body.message) ||
          "Не удалось отправить ответы. Пожалуйста, попробуйте ещё раз.";
        show("survey-error", true);
      });
    }).catch(function () {
      if (triesLeft > 0) { setTimeout(function () { send(triesLeft - 1); }, 1500); return; }
      $("survey-error").textContent = "Нет связи с центром обслуживания. Пожалуйста, попробуйте ещё раз.";
      show("survey-error", true);
    }).then(function () {
      sending = false;
      $("survey-next").disabled = false;
    });
  }

  $("survey-start").addEventListener("click", function () {
    show("survey-offer", false);
    show("survey-form", true);
    index = 0;
    renderQuestion();
  });
  $("survey-decline").addEventListener("click", function () {
    declined = true;
    section.hidden = true;
    var thanks = $("thanks-text");
    if (thanks) { thanks.focus(); }
  });
  $("survey-form").addEventListener("submit", function (e) {
    e.preventDefault();
    keep();
    if (index < questions.length - 1) { index += 1; renderQuestion(); } else { finish(); }
  });
  $("survey-skip").addEventListener("click", function () {
    delete answers[questions[index].id];
    if (index < questions.length - 1) { index += 1; renderQuestion(); } else { finish(); }
  });
  $("survey-back").addEventListener("click", function () {
    keep();
    if (index > 0) { index -= 1; renderQuestion(); }
  });

  // the rating is given on this page (the thanks line appears) or was given before: offer then
  var thanks = $("thanks-text");
  if (thanks && window.MutationObserver) {
    new MutationObserver(refresh).observe(thanks, { attributes: true, attributeFilter: ["hidden"] });
    new MutationObserver(refresh).observe($("st-finished"), { attributes: true, attributeFilter: ["hidden"] });
  }
  refresh();
})();
