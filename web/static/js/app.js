// Small behaviours without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});

// Forms that delete or void something ask first (htmx forms use hx-confirm instead).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// The ☰ menu is a <details>: always open on wide screens, where its button is hidden.
(function () {
  var menu = document.getElementById("main-menu");
  if (!menu || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 601px)");
  function follow() { menu.open = wide.matches; }
  follow();
  if (wide.addEventListener) { wide.addEventListener("change", follow); }
})();

// On phones tables become cards: each cell shows its column's name, taken from the header
// where the page did not set data-label itself.
function labelCells(root) {
  var tables = (root || document).querySelectorAll("table.list");
  Array.prototype.forEach.call(tables, function (table) {
    var head = table.querySelector("tr");
    if (!head || !head.querySelector("th")) { return; }
    var names = Array.prototype.map.call(head.children, function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (td.tagName === "TD" && !td.hasAttribute("data-label") && names[i] && !td.hasAttribute("colspan") &&
            !td.classList.contains("title") && !td.classList.contains("row-actions")) {
          td.setAttribute("data-label", names[i]);
        }
      });
    });
  });
}
labelCells(document);
document.addEventListener("htmx:afterSettle", function (event) { labelCells(event.target); });

// Errors htmx does not swap (5xx, no network) still reach the person: a line at the top of the page.
// 4xx answers are swapped in place (see the htmx-config meta tag); full error pages come retargeted here.
(function () {
  function say(kind) {
    var box = document.getElementById("htmx-error");
    if (!box) { return; }
    box.textContent = box.getAttribute("data-" + kind) || "";
    box.classList.add("shown");
  }
  document.addEventListener("htmx:responseError", function () { say("server"); });
  document.addEventListener("htmx:sendError", function () { say("offline"); });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-error");
    if (box) { box.textContent = ""; box.classList.remove("shown"); }
  });
})();

// Fire lane: the nav badge is polled; when it rises, a short sound and (if the person allowed it)
// a browser notification, so a blocked lane is noticed on any page.
(function () {
  var last = null;
  function slot() { return document.getElementById("firelane-badge-slot"); }
  function count() { var s = slot(); return s ? parseInt(s.getAttribute("data-count"), 10) || 0 : 0; }
  last = count();
  document.addEventListener("htmx:afterSwap", function () {
    var s = slot();
    if (!s) { return; }
    var now = count();
    if (last !== null && now > last) {
      try { new Audio(s.getAttribute("data-sound")).play().catch(function () {}); } catch (e) { /* no audio */ }
      if (window.Notification && Notification.permission === "granted") {
        try { new Notification(s.getAttribute("data-title"), {body: s.getAttribute("data-body")}); } catch (e) { /* none */ }
      }
      document.body.setAttribute("data-firelane-alerted", String(now));
    }
    last = now;
  });
  var ask = document.getElementById("firelane-notify");
  if (ask && window.Notification && Notification.permission === "default") {
    ask.hidden = false;
    ask.addEventListener("click", function () {
      Notification.requestPermission().then(function () { ask.hidden = true; });
    });
  }
})();
