// The print button on code pages (inline handlers are blocked by the content security policy).
(function () {
  var b = document.getElementById("print-button");
  if (b) b.addEventListener("click", function () { window.print(); });
}());
