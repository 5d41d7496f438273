// Staff pages: let htmx swap in the form that came back with status 422 (invalid input), so the
// message appears next to the field. Other error statuses keep htmx's default (no swap).
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Registration: the complaint fields (severity, source) show only when the kind is "complaint".
// Without JavaScript they are always shown, and ignored for other kinds.
document.addEventListener("DOMContentLoaded", function () {
  var kind = document.querySelector("select[name=kind]");
  var fields = document.querySelectorAll("[data-shown-for-kind]");
  if (!kind || !fields.length) {
    return;
  }
  function sync() {
    fields.forEach(function (element) {
      element.hidden = element.getAttribute("data-shown-for-kind") !== kind.value;
    });
  }
  kind.addEventListener("change", sync);
  sync();
});
