/* Accessibility for the course's widgets on the static site.
 *
 * ipywidgets' sliders render as a div with role="slider" whose label is a
 * separate element.  This script (loaded on every page by html_js_files)
 *   - gives each slider an accessible name taken from its description,
 *   - keeps aria-valuetext equal to the visible readout (for a
 *     SelectionSlider the readout is the option label, not the index),
 * and watches the page so that widgets rendered later get the same treatment.
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
