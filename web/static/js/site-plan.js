// Site plan: drag a device's dot; on release its place (0..1 of the plan) is saved.
(function () {
  var svg = document.getElementById("site-plan");
  if (!svg || svg.dataset.editable !== "1") return;
  var box = svg.viewBox.baseVal, dragging = null;
  function point(ev) {
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener("pointerdown", function (ev) {
    if (!ev.target.classList.contains("dot")) return;
    dragging = ev.target;
    svg.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!dragging) return;
    var p = point(ev);
    dragging.setAttribute("cx", Math.max(0, Math.min(box.width, p.x)));
    dragging.setAttribute("cy", Math.max(0, Math.min(box.height, p.y)));
  });
  svg.addEventListener("pointerup", function () {
    if (!dragging) return;
    var dot = dragging; dragging = null;
    var body = new URLSearchParams();
    body.set("x", (dot.getAttribute("cx") / box.width).toFixed(4));
    body.set("y", (dot.getAttribute("cy") / box.height).toFixed(4));
    body.set("csrf_token", svg.dataset.csrf);
    fetch(dot.dataset.url, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { dot.dataset.saved = r.ok ? "1" : "0"; });
  });
})();
