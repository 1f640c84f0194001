/* Renders the page's widgets (the kernel-free twins) as soon as the document
 * is parsed, and tells the rest of the page when they are on screen.
 *
 * The ipywidgets HTML manager's own embed-amd.js renders on the window's
 * "load" event, which waits for every image, font and MathJax's typesetting
 * of the whole page.  This file replaces its last few lines: after
 * DOMContentLoaded it does what renderWidgets() does (set the state of every
 * model, then show a view of each one the page places), with libembed-amd's
 * module loader, and resolves window.courseWidgetsRendered when every view is
 * displayed or when rendering failed (widgets-setup.js lets MathJax typeset
 * after that, so that the two do not compete for the main thread).
 */
(function () {
  "use strict";

  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';

  function showViews(manager, models) {
    return Promise.all(
      Array.prototype.map.call(document.querySelectorAll(VIEW), function (script) {
        var id = JSON.parse(script.textContent).model_id;
        var model = models.find(function (m) {
          return m.model_id === id;
        });
        if (!model || !script.parentElement) return null;
        var area = document.createElement("div");
        area.className = "widget-subarea";
        script.parentElement.insertBefore(area, script);
        return manager.create_view(model).then(function (view) {
          return manager.display_view(view, area);
        });
      }),
    );
  }

  function render(htmlManager, embed) {
    return Promise.all(
      Array.prototype.map.call(document.querySelectorAll(STATE), function (script) {
        var manager = new htmlManager.HTMLManager({ loader: embed.requireLoader });
        return manager.set_state(JSON.parse(script.textContent)).then(function (models) {
          return showViews(manager, models);
        });
      }),
    );
  }

  var parsed = new Promise(function (resolve) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });

  window.courseWidgetsRendered = parsed
    .then(function () {
      if (!window.require || !document.querySelector(STATE)) return null;
      return new Promise(function (resolve, reject) {
        window.require(
          ["@jupyter-widgets/html-manager", "@jupyter-widgets/html-manager/dist/libembed-amd"],
          function (htmlManager, embed) {
            render(htmlManager, embed).then(resolve, reject);
          },
          reject,
        );
      });
    })
    .catch(function (error) {
      console.error("the widgets could not be rendered", error);
    });
})();
