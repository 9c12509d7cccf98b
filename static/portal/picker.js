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

// The card list's "select every card on this page" box (issue 19 item 5): shown only with JavaScript;
// without it each card is ticked on its own.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form;
    var name = all.getAttribute("data-select-all");
    all.hidden = false;
    all.addEventListener("change", function () {
      form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
});
