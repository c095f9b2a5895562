// Huishoudboekje: what the browser does when the server refuses a Dash request.
// 401 (session ended or expired): go to the login page. 403 (no access, e.g. consent was
// withdrawn): say so on the page instead of silently showing nothing.
(function () {
  "use strict";
  var original = window.fetch;
  if (!original) { return; }
  window.fetch = function (input, init) {
    return original.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (url.indexOf("/_dash-") !== -1) {
        if (response.status === 401) {
          window.location.assign("/login?verlopen=1");
        } else if (response.status === 403) {
          var box = document.getElementById("toegang-melding");
          if (box) {
            box.textContent = box.getAttribute("data-tekst") || "Geen toegang.";
          }
        }
      }
      return response;
    });
  };
})();
