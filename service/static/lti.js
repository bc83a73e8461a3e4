// The signed deep-linking response goes back to the LMS at once (the button stays for browsers without scripts);
// after a dynamic registration, the LMS is told to close its dialog.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-lti-autosubmit]");
  if (form) form.submit();
  if (document.querySelector("[data-lti-close]")) {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
});
