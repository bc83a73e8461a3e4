/* After logging in again: send the form that was kept while the login had ended (the page's button does it without JavaScript). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (form) { form.submit(); }
})();
