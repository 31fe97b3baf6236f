// Kiosk: "read it to me" on the notice board. The board is replaced every few seconds, so the
// click is caught on the document and the sound lives outside the board.
(function () {
  var playing = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-speech]");
    if (!button) return;
    if (playing) { playing.pause(); }
    playing = new Audio(button.dataset.speech);
    playing.play().catch(function () { /* no audio device */ });
    document.body.dataset.speaking = button.dataset.speech;
  });
})();
