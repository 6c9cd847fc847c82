// Keyboard access to what sphinx-needs draws for the mouse only (cvplus_a11y.py adds this file).
// The show/hide-details icons of a need box become one button: focusable,
// named after the need, operated with Enter or Space, telling whether the
// details are shown.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.need span.needs_collapse").forEach(function (toggle) {
    var table = toggle.closest("table.need");
    var id = table ? table.id : "";
    var icons = toggle.querySelectorAll("span.needs.collapsed, span.needs.visible");
    if (!icons.length) { return; }
    var rows = (toggle.id || "").split("__").slice(2);
    toggle.setAttribute("role", "button");
    toggle.setAttribute("tabindex", "0");
    toggle.setAttribute("aria-label", "Details of " + id);
    icons.forEach(function (icon) { icon.setAttribute("aria-hidden", "true"); });
    var expanded = function () {
      return rows.every(function (row) {
        var tr = table.querySelector("tr." + row);
        return !tr || !tr.classList.contains("collapse_is_hidden");
      });
    };
    var sync = function () { toggle.setAttribute("aria-expanded", expanded() ? "true" : "false"); };
    window.setTimeout(sync, 0); // after sphinx-needs has set the initial state
    toggle.addEventListener("focus", sync);
    toggle.addEventListener("click", function () { window.setTimeout(sync, 0); });
    toggle.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") { return; }
      event.preventDefault();
      var icon = Array.prototype.find.call(icons, function (i) { return !i.classList.contains("collapse_is_hidden"); });
      (icon || icons[0]).click();
    });
  });
});
