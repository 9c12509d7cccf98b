// A <select data-autosubmit> submits its form when changed (the language choosers). Kept out of the
// page so the Content-Security-Policy can refuse every inline script (issue 15 item 12).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
