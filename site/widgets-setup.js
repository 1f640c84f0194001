/* Runs between require.js and the ipywidgets HTML manager (see nb_ipywidgets_js
 * in _config.yml), before either is used.
 *
 * 1. The manager finds its icon fonts relative to its own AMD module id,
 *    "@jupyter-widgets/html-manager/dist", which require.js resolves against
 *    the page's folder (chapters/@jupyter-widgets/... : 404).  Map that id to
 *    the copy this site serves, next to this script.
 * 2. The manager typesets widget labels with the MathJax 2 call
 *    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site serves
 *    MathJax 3, which has no Hub.  Give every MathJax object a Hub whose Queue
 *    forwards to MathJax 3's typesetPromise (only for an element whose text
 *    has a TeX delimiter, $ or \, so not for a twin's frames).
 * 3. MathJax typesets the page only once the widgets are on screen
 *    (window.courseWidgetsRendered, from widgets-render.js): both need the
 *    main thread, and a twin waits for all of its frames' views while a
 *    formula is typeset on its own.
 */
(function () {
  "use strict";

  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var base = here.slice(0, here.lastIndexOf("/") + 1);
    window.require.config({
      paths: { "@jupyter-widgets/html-manager/dist": base + "vendor/html-manager" },
    });
  }

  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        var element = Array.isArray(job) && job[0] === "Typeset" ? job[2] : null;
        var mj = window.MathJax;
        if (!element || !mj || !mj.startup || !mj.startup.promise) return;
        // A twin's frame is an <img> with no text: nothing to typeset, and
        // the manager asks for every frame it renders or switches to.
        if (!/[$\\]/.test(element.textContent || "")) return;
        mj.startup.promise.then(function () {
          return mj.typesetPromise ? mj.typesetPromise([element]) : null;
        });
      });
    },
  };

  var current = window.MathJax;
  if (current && !current.Hub) current.Hub = hub;
  // Before MathJax has loaded, window.MathJax is its configuration.
  if (current && typeof current === "object" && !current.version) {
    current.startup = current.startup || {};
    current.startup.pageReady = function () {
      return Promise.resolve(window.courseWidgetsRendered).then(function () {
        return window.MathJax.startup.defaultPageReady();
      });
    };
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
    },
  });
})();
