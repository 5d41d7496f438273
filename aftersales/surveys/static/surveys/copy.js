// The survey link page: "Copy" puts the link on the clipboard. Without the Clipboard API (an old
// browser, a page not served over HTTPS) the text is selected so that the user copies it by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button) {
    return;
  }
  var field = document.getElementById(button.getAttribute("data-copy-target"));
  var done = function () {
    button.textContent = button.getAttribute("data-copied-label");
  };
  var selectAndCopy = function () {
    field.focus();
    field.select();
    if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, selectAndCopy);
  } else {
    selectAndCopy();
  }
});
