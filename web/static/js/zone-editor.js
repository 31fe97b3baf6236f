// Zone editor: click on the SVG to add polygon corners; the hidden input gets "x,y x,y ...".
(function () {
  var svg = document.getElementById("zone-editor");
  if (!svg) return;
  var shape = document.getElementById("zone-shape");
  var input = document.getElementById(svg.dataset.target);
  var points = (input.value || "").trim() ? input.value.trim().split(/\s+/) : [];
  function draw() {
    shape.setAttribute("points", points.join(" "));
    input.value = points.join(" ");
  }
  svg.addEventListener("click", function (ev) {
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    points.push(Math.round(p.x) + "," + Math.round(p.y));
    draw();
  });
  document.getElementById("zone-undo").addEventListener("click", function () { points.pop(); draw(); });
  document.getElementById("zone-clear").addEventListener("click", function () { points = []; draw(); });
  draw();
})();
