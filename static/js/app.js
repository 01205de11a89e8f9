// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // A form sent back with errors: move the focus to its error summary, so it is read out first (GOV.UK pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // Preselect the browser's time zone in zone pickers the person has not set yet.
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (zone) {
    document.querySelectorAll("select[data-detect-zone]").forEach(function (select) {
      var current = select.value;
      if (current && current !== "UTC") { return; }
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === zone) { select.value = zone; break; }
      }
    });
  }
})();
