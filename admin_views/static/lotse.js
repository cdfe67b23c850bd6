/* Lotse: event handlers that Flask-Admin writes inline, bound here so the CSP can forbid
   inline script. Loaded after Flask-Admin's own scripts. */
(function () {
  "use strict";

  document.addEventListener(
    "click",
    function (event) {
      var link = event.target.closest("a");
      if (!link) {
        return;
      }
      var href = link.getAttribute("href") || "";
      if (href.indexOf("javascript:") === 0 || href === "#") {
        event.preventDefault(); // inert links; a javascript: URL would violate the CSP
      }
      var action = link.getAttribute("data-lotse-action");
      if (action && window.modelActions) {
        window.modelActions.execute(action);
        return;
      }
      var inline = link.getAttribute("data-lotse-inline-add");
      if (inline && window.faForm) {
        window.faForm.addInlineField(link, inline);
      }
    },
    true
  );

  // Buttons that ask before they submit (e.g. deleting an unused reference entry).
  document.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest("[data-lotse-confirm]");
      if (button && !window.confirm(button.getAttribute("data-lotse-confirm"))) {
        event.preventDefault();
      }
    },
    true
  );
})();
