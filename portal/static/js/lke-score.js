// Live LKE scoring: on every change the worksheet's fields go to the JSON endpoint, which scores
// them with the portal's scoring service; this script only shows the figures and words it gets
// back. Without JavaScript the "Hitung" button does the same by reloading the page.
(function () {
  "use strict";
  var form = document.querySelector("form.lke-form[data-score-url]");
  if (!form || !window.fetch || !window.JSON) { return; }
  var url = form.getAttribute("data-score-url");
  var rulebook = form.getAttribute("data-rulebook");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var summary = document.querySelector("[data-live-summary]");
  var timer = null;
  var sequence = 0;

  function fields() {
    var data = {};
    form.querySelectorAll("input.lke-input, select.lke-kind").forEach(function (el) {
      data[el.name] = el.value;
    });
    return data;
  }

  function setAll(selector, text) {
    document.querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-errors-for]").forEach(function (list) {
      var name = list.getAttribute("data-errors-for");
      var messages = errors[name] || [];
      var input = form.querySelector("[name='" + name + "']");
      list.textContent = "";
      messages.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
      if (input) {
        input.setAttribute("aria-invalid", messages.length ? "true" : "false");
        var row = input.closest(".lke-row");
        if (row) { row.classList.toggle("has-error", messages.length > 0); }
      }
    });
  }

  function showFigures(figures) {
    var shown = figures.shown || {};
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var key = el.getAttribute("data-figure");
      if (Object.prototype.hasOwnProperty.call(shown, key)) { el.textContent = shown[key]; }
    });
    var predicate = document.querySelector("[data-part=predicate]");
    if (predicate) {
      predicate.textContent = "";
      var badge = document.createElement("span");
      badge.className = "badge " + (figures.predicate ? "badge-" + figures.predicate.toLowerCase() : "badge-stage");
      badge.textContent = figures.predicate || "\u2014";
      predicate.appendChild(badge);
      predicate.appendChild(document.createTextNode(" " + (figures.predicate_label || "")));
    }
    setAll("[data-part=predicate-short]", figures.predicate || "\u2014");
    var unmet = document.querySelector("[data-part=unmet]");
    if (unmet) {
      unmet.textContent = "";
      (figures.unmet || []).forEach(function (item) {
        var li = document.createElement("li");
        li.className = "unmet-" + String(item.predicate).toLowerCase();
        li.textContent = item.text;
        unmet.appendChild(li);
      });
      if (!(figures.unmet || []).length && unmet.getAttribute("data-all-met")) {
        var met = document.createElement("li");
        met.className = "met";
        met.textContent = unmet.getAttribute("data-all-met");
        unmet.appendChild(met);
      }
    }
  }

  function update() {
    var mine = ++sequence;
    if (summary) { summary.parentNode.classList.add("is-updating"); }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : ""
      },
      body: JSON.stringify({ rulebook: rulebook, fields: fields() })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (mine !== sequence) { return; }  // a newer request is on its way
      var figures = answer.body || {};
      showErrors(figures.errors || {});
      if (figures.result) { showFigures(figures); }
      setAll("[data-part=status]", figures.status_text || "");
      form.setAttribute("data-scored", String(mine));
    }).catch(function () {
      // The page still works: "Hitung" recalculates on the server.
    }).then(function () {
      if (mine === sequence && summary) { summary.parentNode.classList.remove("is-updating"); }
    });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 250);
  }

  form.addEventListener("input", function (event) {
    if (event.target.matches(".lke-input")) { soon(); }
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches(".lke-kind")) {
      var row = target.closest(".lke-row");
      var input = row && row.querySelector(".lke-input");
      var hint = target.getAttribute("data-placeholder-" + target.value);
      if (input && hint) { input.setAttribute("placeholder", hint); }
    }
    if (target.matches(".lke-input, .lke-kind")) { soon(); }
  });
})();
