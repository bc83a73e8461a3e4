// The signed deep-linking response goes back to the LMS at once (the button stays for browsers without scripts).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-lti-autosubmit]");
  if (form) form.submit();
});
