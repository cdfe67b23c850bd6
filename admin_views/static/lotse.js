/* Lotse: event handlers that Flask-Admin writes inline, bound here so the CSP can forbid
   inline script, and the keyboard and screen-reader repairs of docs/design.md §10.
   Loaded after Flask-Admin's own scripts. */
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

  // Dropdowns by keyboard. Flask-Admin loads two Bootstrap dropdown scripts (4.6 and 4.3);
  // on Escape the first closes the menu and the second opens it again, and neither opens
  // a link-styled toggle on Space. Both keys are handled here, before either script.
  document.addEventListener(
    "keydown",
    function (event) {
      var $ = window.jQuery;
      if (!$ || (event.key !== "Escape" && event.key !== " ")) {
        return;
      }
      var dropdown = event.target.closest(".dropdown, .dropup, .dropleft, .dropright, .btn-group");
      var toggle = dropdown && dropdown.querySelector("[data-toggle='dropdown']");
      if (!toggle) {
        return;
      }
      var open = toggle.parentNode.querySelector(".dropdown-menu.show") !== null;
      if (event.key === "Escape") {
        if (!open) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        $(toggle).dropdown("toggle");
        toggle.focus(); // back to where the menu was opened
      } else if (event.target === toggle && toggle.tagName !== "BUTTON") {
        event.preventDefault(); // no page scroll
        event.stopPropagation();
        $(toggle).dropdown("toggle");
      }
    },
    true
  );

  // Link-styled dropdown toggles announce themselves as menu buttons.
  function describeToggles() {
    var toggles = document.querySelectorAll("a[data-toggle='dropdown']");
    for (var i = 0; i < toggles.length; i += 1) {
      toggles[i].setAttribute("role", "button");
      toggles[i].setAttribute("aria-haspopup", "true");
      if (!toggles[i].hasAttribute("aria-expanded")) {
        toggles[i].setAttribute("aria-expanded", "false");
      }
    }
  }

  // Forms shown again with errors: the first invalid field gets the focus, so a screen
  // reader announces it and its error (tied by aria-describedby). A <select> under Select2
  // is hidden: its attributes go to the Select2 control a person actually focuses.
  function select2Control(field) {
    var container = document.getElementById("s2id_" + field.id);
    return container && container.querySelector(".select2-focusser, input.select2-input");
  }

  function tieSelect2Fields() {
    var fields = document.querySelectorAll("select[aria-describedby], select[aria-invalid]");
    for (var i = 0; i < fields.length; i += 1) {
      var control = select2Control(fields[i]);
      if (!control) {
        continue;
      }
      ["aria-describedby", "aria-invalid"].forEach(function (name) {
        if (fields[i].hasAttribute(name)) {
          control.setAttribute(name, fields[i].getAttribute(name));
        }
      });
    }
  }

  function focusFirstInvalid() {
    var field = document.querySelector("main [aria-invalid='true']");
    if (!field) {
      return;
    }
    var control = field.tagName === "SELECT" ? select2Control(field) : null;
    (control || field).focus();
  }

  // Select2 3.5 builds its markup at run time; what axe-core and screen readers miss in it
  // is filled in as it appears: a name for the "remove" links of multiple choices, the
  // combobox's aria-controls, and an option role for its "searching"/"no results" notes.
  function repairSelect2(root) {
    var label = document.body.getAttribute("data-lotse-remove-label") || "Entfernen";
    var links = root.querySelectorAll(".select2-search-choice-close:not([aria-label])");
    for (var i = 0; i < links.length; i += 1) {
      var choice = links[i].parentNode.textContent.trim();
      links[i].setAttribute("aria-label", choice ? label + ": " + choice : label);
    }
    var boxes = root.querySelectorAll("input[role='combobox'][aria-owns]:not([aria-controls])");
    for (var j = 0; j < boxes.length; j += 1) {
      boxes[j].setAttribute("aria-controls", boxes[j].getAttribute("aria-owns"));
    }
    var notes = root.querySelectorAll(".select2-results > li:not([role])");
    for (var k = 0; k < notes.length; k += 1) {
      notes[k].setAttribute("role", "option");
      notes[k].setAttribute("aria-disabled", "true");
    }
  }

  window.addEventListener("load", function () {
    // After Flask-Admin's form.js has turned the selects into Select2 widgets.
    describeToggles();
    tieSelect2Fields();
    repairSelect2(document);
    new MutationObserver(function () {
      repairSelect2(document);
    }).observe(document.body, { childList: true, subtree: true });
    focusFirstInvalid();
  });
})();
