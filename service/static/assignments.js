/* masterycat: an assignment's progress table follows its students without a reload, and the
   paper results grid moves with the arrow keys. Everything works without this script. */
(function () {
  "use strict";
  var WORDS = {
    not_started: "not started",
    in_progress: "in progress",
    submitted: "submitted",
    waiting_for_scoring: "waiting for rubric scoring"
  };

  function dot(band) {
    var outer = document.createElement("span");
    outer.className = "band band-" + band;
    var d = document.createElement("span");
    d.className = "dot";
    d.setAttribute("aria-hidden", "true");
    var w = document.createElement("span");
    w.className = "band-word";
    w.textContent = band;
    outer.appendChild(d);
    outer.appendChild(w);
    return outer;
  }

  function update(rows, counts) {
    rows.forEach(function (r) {
      var tr = document.querySelector('tr[data-student="' + r.student_id + '"]');
      if (!tr) { return; }
      var status = tr.querySelector('[data-field="status"]');
      var text = WORDS[r.status] + (r.late ? " (late)" : "") + (r.mode === "paper" ? " · paper" : "");
      if (status.textContent !== text) {
        status.textContent = text;
        status.className = "progress-status progress-" + r.status;
      }
      tr.querySelector('[data-field="attempts"]').textContent = r.attempts;
      tr.querySelector('[data-field="points"]').textContent =
        r.points === null ? "–" : (r.points + " / " + r.max_points);
      var band = tr.querySelector('[data-field="band"]');
      band.textContent = r.band ? "" : "–";
      if (r.band) { band.appendChild(dot(r.band)); }
    });
    var c = document.getElementById("progress-counts");
    if (c) {
      c.textContent = Object.keys(WORDS).map(function (k) { return counts[k] + " " + WORDS[k]; }).join(" · ");
    }
  }

  var section = document.getElementById("progress");
  if (section && section.dataset.url) {
    setInterval(function () {
      fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) { if (p) { update(p.rows, p.counts); } })
        .catch(function () { /* try again at the next tick */ });
    }, 4000);
  }

  // The results grid: arrow keys move between cells (Enter moves down, like a spreadsheet).
  var grid = document.querySelector("table.grid");
  if (grid) {
    grid.addEventListener("keydown", function (e) {
      var cell = e.target;
      if (!cell.matches("input, select")) { return; }
      var td = cell.closest("td");
      var tr = td.parentElement;
      var col = Array.prototype.indexOf.call(tr.children, td);
      var target = null;
      if (e.key === "ArrowDown" || e.key === "Enter") { target = tr.nextElementSibling; }
      else if (e.key === "ArrowUp") { target = tr.previousElementSibling; }
      if (target) {
        var next = target.children[col] && target.children[col].querySelector("input, select");
        if (next) { e.preventDefault(); next.focus(); if (next.select) { next.select(); } }
        return;
      }
      if (cell.tagName === "INPUT" && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
        var atEnd = cell.selectionStart === cell.value.length;
        var atStart = cell.selectionStart === 0;
        var step = e.key === "ArrowRight" ? (atEnd ? 1 : 0) : (atStart ? -1 : 0);
        var other = step && tr.children[col + step] && tr.children[col + step].querySelector("input, select");
        if (other) { e.preventDefault(); other.focus(); }
      }
    });
  }
})();
