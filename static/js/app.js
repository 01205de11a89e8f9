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

  // The zone picker's search (templates/_macros.html: field): show the box; typing keeps the zones whose city,
  // country or IANA name holds the words, and selects the first. Without this script the select alone works.
  function fold(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  document.querySelectorAll("input[data-zone-search]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-zone-search"));
    if (!select) { return; }
    input.parentNode.hidden = false;
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = fold(option.textContent + " " + option.value.replace(/_/g, " "));
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match && first === null) { first = option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (first && words.length && select.options[select.selectedIndex] && select.options[select.selectedIndex].hidden) {
        select.value = first.value;
      }
    });
  });
})();
