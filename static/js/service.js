// Staff pages: let htmx swap in the form that came back with status 422 (invalid input), so the
// message appears next to the field. Other error statuses keep htmx's default (no swap).
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
