// Tap the spot of a report on the community site plan; the point is kept as 0..1 of the
// picture's width and height (the coordinates work orders and devices use).
(function () {
  "use strict";
  var box = document.getElementById("plan-pick-box");
  if (!box) return;
  var form = box.closest("form"), dot = box.querySelector(".plan-dot"), img = box.querySelector("img");
  var xi = form.elements.plan_x, yi = form.elements.plan_y;
  function show() {
    if (xi.value && yi.value) {
      dot.style.left = (parseFloat(xi.value) * 100) + "%";
      dot.style.top = (parseFloat(yi.value) * 100) + "%";
      dot.hidden = false;
    } else { dot.hidden = true; }
  }
  function changed() { xi.dispatchEvent(new Event("change", {bubbles: true})); show(); }
  box.addEventListener("click", function (ev) {
    var r = img.getBoundingClientRect();
    var x = (ev.clientX - r.left) / r.width, y = (ev.clientY - r.top) / r.height;
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
    xi.value = x.toFixed(4);
    yi.value = y.toFixed(4);
    changed();
  });
  document.getElementById("plan-pick-clear").addEventListener("click", function () {
    xi.value = ""; yi.value = ""; changed();
  });
  document.addEventListener("linli:draft-restored", show);
  show();
})();
