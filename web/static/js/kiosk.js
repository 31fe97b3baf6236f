// Gate kiosk: PIN pad, USB scanner field, optional camera scanning, spoken result.
// Works with touch only; the scanner field keeps the focus so card readers and QR
// scanners (USB keyboards) always type into it.
(function () {
  "use strict";
  var app = document.getElementById("kiosk");
  if (!app) return;
  var pinForm = document.getElementById("pin-form");
  var pinInput = document.getElementById("pin");
  var dots = document.getElementById("pin-dots");
  var scan = document.getElementById("scan");
  var scanForm = document.getElementById("scan-form");
  var length = parseInt(pinForm.dataset.length, 10) || 6;
  var idleHtml = document.getElementById("result").outerHTML;
  var idleTimer = null;
  var busyUntil = 0;

  function showPin() { dots.textContent = "●".repeat(pinInput.value.length); }
  function clearPin() { pinInput.value = ""; showPin(); }
  function refocus() { if (document.activeElement !== scan) scan.focus({preventScroll: true}); }

  pinForm.addEventListener("click", function (ev) {
    var key = ev.target.closest("[data-key]");
    if (!key) return;
    if (key.dataset.key === "clear") { clearPin(); }
    else if (pinInput.value.length < length) {
      pinInput.value += key.dataset.key;
      showPin();
      if (pinInput.value.length === length) htmx.trigger(pinForm, "submit");
    }
    refocus();
  });

  function played(result) {
    var name = result && result.dataset.sound;
    if (name) {
      try { new Audio(app.dataset.sounds + name + ".wav").play().catch(function () {}); } catch (e) { /* no audio */ }
    }
    busyUntil = Date.now() + 4000;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      var current = document.getElementById("result");
      if (current) current.outerHTML = idleHtml;
    }, (Number(result && result.dataset.hold) || 5) * 1000);  // longer when it offers a button
  }

  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "result" || ev.target.id === "result") {
      played(document.getElementById("result"));
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.elt === pinForm) clearPin();
    if (ev.detail.elt === scanForm) scan.value = "";
    refocus();
  });
  scan.addEventListener("blur", function () { setTimeout(refocus, 150); });
  document.addEventListener("click", refocus);

  // Optional camera: post a frame every 0.8 s; the server answers 204 until it reads a code.
  var video = document.getElementById("camera");
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.fetch) {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "user", width: 640}}).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var canvas = document.createElement("canvas");
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      setInterval(function () {
        if (Date.now() < busyUntil || !video.videoWidth) return;
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        canvas.toBlob(function (blob) {
          var body = new FormData();
          body.append("frame", blob, "frame.jpg");
          fetch(app.dataset.frameUrl || "/kiosk/frame", {method: "POST", body: body, headers: {"X-CSRFToken": token},
                                                         credentials: "same-origin"})
            .then(function (r) { return r.status === 200 ? r.text() : null; })
            .then(function (html) {
              if (!html) return;
              document.getElementById("result").outerHTML = html;
              played(document.getElementById("result"));
            }).catch(function () {});
        }, "image/jpeg", 0.8);
      }, 800);
    }).catch(function () { /* no camera: scanner and PIN pad only */ });
  }
  refocus();
}());
