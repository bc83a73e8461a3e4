/* masterycat pages: the little JavaScript they use (everything works without it). */
(function () {
  "use strict";
  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // Tracker: Escape closes a dot's tooltip (moves focus off the dot).
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.activeElement && document.activeElement.classList.contains("cell-btn")) {
      document.activeElement.blur();
    }
  });
  // Calibration page: poll the status and move the progress bar; reload when it ends.
  var cal = document.getElementById("cal");
  if (cal && (cal.dataset.status === "queued" || cal.dataset.status === "running")) {
    var bar = document.getElementById("cal-progress");
    var pct = document.getElementById("cal-pct");
    var st = document.getElementById("cal-status");
    var timer = setInterval(function () {
      fetch("/bank/calibrations/" + cal.dataset.calibration + "/status", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.progress;
          pct.textContent = Math.round(100 * s.progress) + "%";
          st.textContent = s.status;
          if (s.status === "done" || s.status === "failed") { clearInterval(timer); window.location.reload(); }
        })
        .catch(function () { /* keep trying */ });
    }, 700);
  }
})();
