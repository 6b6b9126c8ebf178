// Rampart's page behaviour. Everything works without this file; it only
// makes htmx requests carry the session's CSRF token and keeps focus and
// the error summary usable. No inline script exists anywhere (the
// Content-Security-Policy forbids it), and htmx runs with eval disabled.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the token, as the API's X-CSRF-Token header.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  if (window.htmx) {
    window.htmx.config.allowEval = false;
    window.htmx.config.allowScriptTags = false;
    window.htmx.config.includeIndicatorStyles = false;
    window.htmx.config.historyCacheSize = 0;
  }

  // A list's results replaced by a filter: announce how many are now
  // shown (a status region, rather than reading out the whole table).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "results") {
      target.setAttribute("aria-busy", "false");
      var count = target.querySelector(".count");
      var status = document.getElementById("results-status");
      if (count && status) {
        status.textContent = count.textContent;
      }
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = document.getElementById("results");
    if (target && event.detail.target === target) {
      target.setAttribute("aria-busy", "true");
    }
  });

  // Move focus to the error summary of a refused form, so that keyboard
  // and screen-reader users hear what went wrong first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });
})();
