// Huishoudboekje: give the file field inside an upload zone (dcc.Upload renders it without a
// label) the zone's visible text as its accessible name, so a screen reader says what it is for.
(function () {
  "use strict";
  function label() {
    var inputs = document.querySelectorAll(".upload-zone input[type=file]:not([aria-label])");
    Array.prototype.forEach.call(inputs, function (input) {
      var zone = input.closest(".upload-zone");
      var text = zone ? zone.textContent.trim() : "";
      input.setAttribute("aria-label", text || "Bestanden kiezen");
    });
  }
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
})();
