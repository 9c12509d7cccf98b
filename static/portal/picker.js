// Pickers of merchant categories and countries (SPEC 18, issue 19 item 6): a filter field above each
// list of checkboxes narrows it to the names or codes typed. A static file, so the
// Content-Security-Policy can refuse every inline script; without JavaScript the whole list shows.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-picker-filter]");
    if (!filter) { return; }
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      picker.querySelectorAll(".picker-option").forEach(function (option) {
        var text = option.textContent.toLowerCase();
        option.hidden = wanted !== "" && text.indexOf(wanted) === -1 && !option.querySelector("input").checked;
      });
    });
  });
});
