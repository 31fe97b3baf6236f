// PIN pad of the kiosk's face entry settings page: touch only, submits when complete.
(function () {
  "use strict";
  var form = document.getElementById("face-pin-form");
  if (!form) return;
  var input = document.getElementById("pin");
  var dots = document.getElementById("pin-dots");
  var length = parseInt(form.dataset.length, 10) || 6;
  function show() { dots.textContent = "●".repeat(input.value.length); }
  form.addEventListener("click", function (ev) {
    var key = ev.target.closest("[data-key]");
    if (!key) return;
    if (key.dataset.key === "clear") { input.value = ""; }
    else if (input.value.length < length) { input.value += key.dataset.key; }
    show();
    if (input.value.length === length) form.submit();
  });
}());
