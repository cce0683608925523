// The booking pages: after each step the focus goes to the page's heading (or to the list of
// errors), so a screen reader announces the result at once. Nothing else runs here.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.getElementById("errors") || document.querySelector("[data-focus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  });
})();
