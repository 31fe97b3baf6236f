// Reports kept on the phone until the box has them (随手拍 on a flaky connection).
// A draft lives in IndexedDB (the photo too), so losing the network or closing the tab loses
// nothing; it is sent by itself when the phone is back online, or by "send again". Each draft
// carries a key the box stores with the order, so sending it twice makes one report.
(function () {
  "use strict";
  var banner = document.getElementById("draft-banner");
  if (!banner || !window.indexedDB || !window.fetch) return;
  var DB = "linli-report-drafts", STORE = "drafts", RETRY_MS = 20000;
  var FIELDS = ["category", "building_id", "spot", "description", "sms", "plan_x", "plan_y"];
  var form = document.querySelector("form[data-drafts]");
  var state = banner.querySelector("[data-testid=draft-state]");
  var resend = document.getElementById("draft-resend");
  var openLink = document.getElementById("draft-open");
  var discard = document.getElementById("draft-discard");
  var busy = false;

  function withStore(mode, fn) {
    return new Promise(function (ok, fail) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "key"}); };
      req.onerror = function () { fail(req.error); };
      req.onsuccess = function () {
        var db = req.result, t = db.transaction(STORE, mode), r = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); ok(r ? r.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); fail(t.error); };
      };
    });
  }
  function all() { return withStore("readonly", function (s) { return s.getAll(); }); }
  function put(d) { d.savedAt = Date.now(); return withStore("readwrite", function (s) { s.put(d); }); }
  function drop(key) { return withStore("readwrite", function (s) { s["delete"](key); }); }

  function token() {
    var el = document.querySelector("input[name=csrf_token]");  // this page's token: a fresh one
    return el ? el.value : "";
  }

  function fromForm(status) {
    var d = {key: form.elements.draft_key.value, fields: {}, state: status, message: ""};
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      if (el.type === "checkbox") { d.fields[name] = el.checked ? el.value : ""; }
      else { d.fields[name] = el.value || ""; }
    });
    var file = form.elements.photo && form.elements.photo.files[0];
    d.photo = file || null;
    d.photoName = file ? file.name : "";
    return d;
  }

  function intoForm(d) {
    form.elements.draft_key.value = d.key;
    FIELDS.forEach(function (name) {
      var el = form.elements[name], value = d.fields[name] || "";
      if (!el) return;
      if (el.type === "checkbox") { el.checked = value !== ""; }
      else if (el.length !== undefined && el.tagName !== "SELECT") {
        Array.prototype.forEach.call(el, function (r) { r.checked = r.value === value; });
      } else { el.value = value; }
    });
    if (d.photo && form.elements.photo && window.DataTransfer) {
      try {
        var dt = new DataTransfer();
        dt.items.add(new File([d.photo], d.photoName || "photo.jpg", {type: d.photo.type || "image/jpeg"}));
        form.elements.photo.files = dt.files;
      } catch (e) { /* an old browser: the words stay, the photo has to be taken again */ }
    }
    document.dispatchEvent(new CustomEvent("linli:draft-restored"));
  }

  function show(text, opts) {
    opts = opts || {};
    state.textContent = text;
    banner.dataset.state = opts.state || "";
    resend.hidden = !opts.resend;
    discard.hidden = !opts.discard;
    openLink.hidden = !opts.href;
    if (opts.href) openLink.href = opts.href;
    banner.hidden = false;
  }

  function send(d) {
    var body = new FormData();
    body.append("csrf_token", token());
    body.append("draft_key", d.key);
    FIELDS.forEach(function (name) { if (d.fields[name]) body.append(name, d.fields[name]); });
    if (d.photo) body.append("photo", d.photo, d.photoName || "photo.jpg");
    return fetch(banner.dataset.url, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) {
        if (r.ok && /\/me\/reports\/\d+/.test(r.url)) {
          return drop(d.key).then(function () { return {sent: r.url}; });
        }
        if (r.status === 400) {
          return r.text().then(function (html) {
            var page = new DOMParser().parseFromString(html, "text/html");
            var err = page.querySelector("[data-testid=report-error]");
            d.state = "refused";
            d.message = err ? err.textContent.trim() : "";
            return put(d).then(function () { return {refused: d.message}; });
          });
        }
        return {waiting: true};  // the box is restarting, a proxy answered: try again later
      }, function () { return {waiting: true}; });  // no network
  }

  function sendWaiting() {
    if (busy) return Promise.resolve();
    busy = true;
    return all().then(function (drafts) {
      var waiting = drafts.filter(function (d) { return d.state === "waiting"; });
      if (!waiting.length) return null;
      show(banner.dataset.sending, {state: "sending"});
      return waiting.reduce(function (p, d) {
        return p.then(function (last) { return last && last.waiting ? last : send(d); });
      }, Promise.resolve(null));
    }).then(function (result) {
      busy = false;
      return refresh(result);
    }, function () { busy = false; });
  }

  function refresh(result) {
    return all().then(function (drafts) {
      var waiting = drafts.filter(function (d) { return d.state === "waiting"; });
      var refused = drafts.filter(function (d) { return d.state === "refused"; });
      var editing = drafts.filter(function (d) { return d.state === "editing"; });
      if (waiting.length) {
        show(banner.dataset.waiting, {state: "waiting", resend: true});
      } else if (refused.length) {
        show(banner.dataset.refused + " " + (refused[0].message || ""),
             {state: "refused", discard: true, href: form ? "" : openLink.getAttribute("href")});
        banner.dataset.key = refused[0].key;
      } else if (result && result.sent) {
        show(banner.dataset.sent, {state: "sent", href: result.sent});
      } else if (editing.length && !form) {
        show(banner.dataset.editing, {state: "editing", href: openLink.getAttribute("href"), discard: true});
        banner.dataset.key = editing[0].key;
      } else {
        banner.hidden = true;
      }
      return result;
    });
  }

  resend.addEventListener("click", function () { sendWaiting(); });
  discard.addEventListener("click", function () {
    var key = banner.dataset.key;
    if (key) drop(key).then(function () { refresh(null); });
  });
  window.addEventListener("online", function () { sendWaiting(); });
  setInterval(function () { if (navigator.onLine) sendWaiting(); }, RETRY_MS);

  if (form) {
    var timer = null;
    var save = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { put(fromForm("editing")); }, 250);
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (ev) {
      if (ev.target !== form) return;  // a form inside (none today) is not the report
      ev.preventDefault();
      clearTimeout(timer);
      var d = fromForm("waiting");
      put(d).then(function () {
        if (busy) return null;
        busy = true;
        show(banner.dataset.sending, {state: "sending"});
        return send(d).then(function (result) {
          busy = false;
          if (result.sent) { window.location.href = result.sent; return null; }
          return refresh(result);
        });
      }, function () {
        form.submit();  // no storage on this phone (private mode): send it the ordinary way
      });
    });
    // Back on the form with something unfinished or refused: put it back into the form.
    all().then(function (drafts) {
      var d = drafts.filter(function (x) { return x.state === "editing" || x.state === "refused"; })
        .sort(function (a, b) { return b.savedAt - a.savedAt; })[0];
      if (d && !form.querySelector("[name=category]:checked")) {
        intoForm(d);
        if (d.state === "refused") { d.state = "editing"; put(d); }
      }
    });
  }
  refresh(null).then(function () { if (navigator.onLine) sendWaiting(); });
})();
