// The staff workspace's only script: the inbox refreshes itself, and says so to screen readers.
// Everything else is plain forms that work without it.
(function () {
  "use strict";
  var rows = document.getElementById("inbox-rows");
  if (!rows) return;
  var url = rows.getAttribute("data-poll-url");
  var seconds = parseInt(rows.getAttribute("data-poll-seconds"), 10) || 5;
  var announce = document.getElementById("inbox-announce");

  function count(element) {
    var marker = element.querySelector("[data-lead-count]");
    return marker ? parseInt(marker.getAttribute("data-lead-count"), 10) : 0;
  }

  function refresh() {
    // Not while someone is keyboarding through the table: replacing it would lose their place.
    if (rows.contains(document.activeElement) && document.activeElement !== document.body) return;
    fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var before = count(rows);
        var holder = document.createElement("div");
        holder.innerHTML = html;
        if (holder.innerHTML === rows.innerHTML) return;
        rows.innerHTML = holder.innerHTML;
        var after = count(rows);
        if (announce && after > before) {
          announce.textContent = (after - before) + " new lead" + (after - before === 1 ? "" : "s");
        }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  window.setInterval(refresh, seconds * 1000);
})();
