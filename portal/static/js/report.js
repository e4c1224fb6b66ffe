// Progressive enhancement of the report and reply forms; everything works without it.
// 1. A category's default privacy is preselected until the reporter picks one themselves.
// 2. Files over the limits are flagged before anything is sent.
// 3. The upload shows its progress, so a slow connection does not look like a hang.
(function () {
  "use strict";
  var form = document.querySelector("form[data-max-file]");
  if (!form) { return; }

  var privacyTouched = false;
  form.querySelectorAll("input[name=privacy]").forEach(function (radio) {
    radio.addEventListener("change", function () { privacyTouched = true; });
  });
  var category = form.querySelector("select[name=category]");
  if (category) {
    category.addEventListener("change", function () {
      var option = category.options[category.selectedIndex];
      var wanted = option && option.getAttribute("data-privacy");
      if (!privacyTouched && wanted) {
        var radio = form.querySelector("input[name=privacy][value=" + wanted + "]");
        if (radio) { radio.checked = true; }
      }
    });
  }

  var maxFile = parseInt(form.getAttribute("data-max-file"), 10);
  var maxTotal = parseInt(form.getAttribute("data-max-total"), 10);
  var warning = form.querySelector(".upload-warning");
  function tooBig() {
    var total = 0, names = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
        if (file.size > maxFile) { names.push(file.name); }
      });
    });
    if (names.length) { return (warning.getAttribute("data-file") || "Terlalu besar: ") + names.join(", "); }
    if (total > maxTotal) { return warning.getAttribute("data-total") || "Jumlah berkas terlalu besar."; }
    return "";
  }

  form.addEventListener("submit", function (event) {
    var problem = warning ? tooBig() : "";
    if (problem) {
      event.preventDefault();
      warning.textContent = problem;
      warning.hidden = false;
      return;
    }
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var progress = form.querySelector(".progress");
    var bar = progress && progress.querySelector("progress");
    if (button) { button.disabled = true; }
    if (progress) { progress.hidden = false; }
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-ZI-Upload", "1");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable && bar) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(request.responseText).next);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (progress) { progress.hidden = true; }
      if (warning) {
        warning.textContent = warning.getAttribute("data-network") || "Koneksi terputus. Isian Anda masih di sini; coba kirim lagi.";
        warning.hidden = false;
      }
    });
    request.send(new FormData(form));
  });
})();
