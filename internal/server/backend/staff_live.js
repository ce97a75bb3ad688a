// Helsekiosk staff pages: keeps the parts of a page marked data-live up to date in place (no reload). Every
// data-live-every seconds (on <main>) it fetches the page again, and replaces each data-live element whose
// content changed, unless the keyboard focus is inside it; then the status region (aria-live) says so.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live-every]");
  if (!main || !window.fetch || !window.DOMParser) { return; }
  var every = Math.max(1, parseInt(main.getAttribute("data-live-every"), 10) || 15) * 1000;
  var status = document.getElementById("live-status");
  function tick() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var changed = false;
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (!fresh || fresh.innerHTML === el.innerHTML) { return; }
          if (el.contains(document.activeElement)) { return; }
          el.innerHTML = fresh.innerHTML;
          changed = true;
        });
        if (changed && status) { status.textContent = main.getAttribute("data-live-said") || ""; }
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { window.setTimeout(tick, every); });
  }
  window.setTimeout(tick, every);
})();
