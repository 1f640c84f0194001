/* Accessibility fixes on the static site (loaded on every page by html_js_files).
 *
 * 1. The course's widgets.
 *    ipywidgets' sliders render as a div with role="slider" whose label is a
 *    separate element.  This script
 *   - gives each slider an accessible name taken from its description,
 *   - keeps aria-valuetext equal to the visible readout (for a
 *     SelectionSlider the readout is the option label, not the index),
 *    and watches the page so that widgets rendered later get the same treatment.
 * 2. Two buttons of pydata-sphinx-theme 0.17 whose accessible name does not
 *    contain their visible text (axe-core: label-content-name-mismatch, WCAG
 *    2.5.3 "Label in Name"; a voice-control user says what they see):
 *   - the search button is labelled "Search" but shows "Search Ctrl+K"
 *     ("Search ⌘+K" on a Mac); its label becomes the text it shows, and
 *     aria-keyshortcuts names the key the theme listens for (Meta+K on a
 *     Mac, Control+K elsewhere).  axe-core measures the visible text as
 *     drawn, so hiding the key hint with aria-hidden would not do;
 *   - the light/dark switch is labelled "Color mode" but shows an icon whose
 *     title names the current mode ("Light"); its label becomes
 *     "Color mode: Light" (and follows the mode when the reader switches).
 */
(function () {
  "use strict";

  function labelFor(slider) {
    var box = slider.closest(".widget-slider, .jupyter-widget-slider, .widget-hslider");
    if (!box) return null;
    var label = box.querySelector(".widget-label, .widget-label-basic");
    var readout = box.querySelector(".widget-readout");
    return { box: box, label: label, readout: readout };
  }

  function sync(slider) {
    var parts = labelFor(slider);
    if (!parts) return;
    var name = parts.label && parts.label.textContent.trim();
    if (name && slider.getAttribute("aria-label") !== name) {
      slider.setAttribute("aria-label", name);
    }
    if (parts.readout) {
      var text = (parts.readout.value !== undefined ? parts.readout.value : "") || parts.readout.textContent;
      text = String(text).trim();
      if (text && slider.getAttribute("aria-valuetext") !== text) {
        slider.setAttribute("aria-valuetext", text);
      }
    }
  }

  function syncAll(root) {
    (root || document).querySelectorAll('[role="slider"]').forEach(sync);
  }

  function start() {
    syncAll(document);
    new MutationObserver(function () {
      syncAll(document);
    }).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-valuenow", "value"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

(function () {
  "use strict";

  function searchButtons() {
    document.querySelectorAll(".search-button__button").forEach(function (button) {
      var hint = button.querySelector(".search-button__kbd-shortcut");
      if (!hint) return;
      var name = button.textContent.replace(/\s+/g, " ").trim(); // "Search Ctrl+K"
      if (name && button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
      var modifier = hint.querySelector("kbd");
      var keys = modifier && modifier.textContent.trim() === "\u2318" ? "Meta+K" : "Control+K";
      if (button.getAttribute("aria-keyshortcuts") !== keys) button.setAttribute("aria-keyshortcuts", keys);
    });
  }

  function themeSwitches() {
    var mode = document.documentElement.dataset.mode || "auto";
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      var icon = button.querySelector('.theme-switch[data-mode="' + mode + '"]');
      // Font Awesome may have replaced the <i title="Light"> by an <svg> with a <title>.
      var title = icon && (icon.getAttribute("title") || (icon.querySelector("title") || {}).textContent);
      var shown = (title || "").trim();
      var base = button.getAttribute("data-bs-title") || "Color mode";
      var name = shown ? base + ": " + shown : base;
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    });
  }

  function start() {
    searchButtons();
    themeSwitches();
    // The theme rewrites the key hint on a Mac once the page has loaded, and
    // sets data-mode on <html> whenever the reader switches.
    window.addEventListener("load", searchButtons);
    new MutationObserver(themeSwitches).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-mode"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
