// Issue 19 item 10 (SPEC 18): on a phone a wide table scrolls sideways inside itself (portal.css); a table
// that does scroll gets keyboard focus (tabindex 0), so a keyboard user can scroll it with the arrow keys.
// Kept out of the page so the Content-Security-Policy can refuse every inline script (issue 15 item 12).
(function () {
  function markScrollers() {
    var tables = document.querySelectorAll("main table, main pre, main .table-scroll");
    for (var i = 0; i < tables.length; i++) {
      var element = tables[i];
      var scrolls = element.scrollWidth > element.clientWidth + 1;
      if (scrolls && !element.hasAttribute("tabindex")) {
        element.setAttribute("tabindex", "0");
        element.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && element.hasAttribute("data-scroll-focus")) {
        element.removeAttribute("tabindex");
        element.removeAttribute("data-scroll-focus");
      }
    }
  }
  document.addEventListener("DOMContentLoaded", markScrollers);
  window.addEventListener("resize", markScrollers);
})();
