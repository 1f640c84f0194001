/* Paints every twin's start frame while the page is parsed, renders the
 * page's widgets (the kernel-free twins) as soon as the document is parsed,
 * and tells the rest of the page when they are on screen.
 *
 * 1. Placeholders.  Loading the ipywidgets HTML manager's modules and
 *    building every model and view takes a second or more of main thread;
 *    until then a twin would be an empty gap.  This script runs in <head>,
 *    after the page's widget state (also in <head>), so it reads the state
 *    once and, while the parser adds each widget-view <script> to the body,
 *    puts a static copy of that twin in front of it: its note, a row per
 *    slider with the slider's name and start value, and the start frame (the
 *    <img> of the HTML model each Stack selects, through nested Stacks).  The
 *    copy has the twin's classes, so it has the twin's size and the course's
 *    styles (print included).  When the manager has displayed the real view,
 *    the copy is removed in the same task, so a reader never sees two frames.
 *    If the manager fails, the copy stays: the start frame with its alt text.
 * 2. The manager.  Its own embed-amd.js renders on the window's "load" event,
 *    which waits for every image, font and MathJax's typesetting of the whole
 *    page.  This file replaces its last few lines: after DOMContentLoaded it
 *    does what renderWidgets() does (set the state of every model, then show
 *    a view of each one the page places), with libembed-amd's module loader,
 *    and resolves window.courseWidgetsRendered when every view is displayed
 *    or when rendering failed (widgets-setup.js lets MathJax typeset after
 *    that, so that the two do not compete for the main thread).
 */
(function () {
  "use strict";

  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
  var VIEW = 'script[type="' + VIEW_TYPE + '"]';
  var PLACEHOLDER = "course-twin-placeholder";

  // The widget state of the page: [{script, state}], parsed once.
  var states = null;
  function readStates() {
    if (states) return states;
    states = [];
    Array.prototype.forEach.call(document.querySelectorAll(STATE), function (script) {
      try {
        states.push({ script: script, state: JSON.parse(script.textContent) });
      } catch (error) {
        console.error("the widget state could not be read", error);
      }
    });
    return states;
  }

  function modelOf(id) {
    var found = null;
    readStates().some(function (s) {
      var model = s.state.state && s.state.state[id];
      if (model) found = model;
      return !!model;
    });
    return found;
  }

  function refOf(value) {
    return typeof value === "string" && value.indexOf("IPY_MODEL_") === 0 ? modelOf(value.slice(10)) : null;
  }

  /* The HTML of the frame a Stack shows first (through nested Stacks). */
  function startFrame(model) {
    for (var depth = 0; model && depth < 16; depth++) {
      if (model.model_name === "HTMLModel") return model.state.value || "";
      if (model.model_name !== "StackModel") return "";
      var children = model.state.children || [];
      model = refOf(children[model.state.selected_index || 0]);
    }
    return "";
  }

  /* A static copy of a twin (a VBox of note, sliders and a Stack), or null. */
  function placeholderFor(viewScript) {
    var id;
    try {
      id = JSON.parse(viewScript.textContent).model_id;
    } catch (error) {
      return null;
    }
    var box = modelOf(id);
    var classes = (box && box.state && box.state._dom_classes) || [];
    if (!box || box.model_name !== "VBoxModel" || classes.indexOf("vanishing-twin") < 0) return null;
    var copy = document.createElement("div");
    copy.className = PLACEHOLDER;
    var twin = document.createElement("div");
    twin.className = "jupyter-widgets widget-container widget-box widget-vbox " + classes.join(" ");
    var frame = "";
    (box.state.children || []).forEach(function (ref) {
      var child = refOf(ref);
      if (!child) return;
      if (child.model_name === "HTMLModel") {
        var note = document.createElement("div");
        note.className = "jupyter-widgets widget-inline-hbox widget-html";
        note.innerHTML = child.state.value || "";
        twin.appendChild(note);
      } else if (child.model_name === "SelectionSliderModel") {
        var row = document.createElement("div");
        row.className = "jupyter-widgets widget-inline-hbox widget-slider widget-hslider " + PLACEHOLDER + "-slider";
        var label = document.createElement("span");
        label.className = "widget-label";
        label.textContent = child.state.description || "";
        var readout = document.createElement("span");
        readout.className = PLACEHOLDER + "-readout";
        readout.textContent = (child.state._options_labels || [])[child.state.index || 0] || "";
        row.appendChild(label);
        row.appendChild(readout);
        twin.appendChild(row);
      } else if (child.model_name === "StackModel") {
        frame = startFrame(child);
      }
    });
    if (!frame) return null;
    var stack = document.createElement("div");
    stack.className = "jupyter-widgets widget-inline-hbox widget-html";
    stack.innerHTML = frame;
    twin.appendChild(stack);
    copy.appendChild(twin);
    return copy;
  }

  function addPlaceholder(script) {
    if (script.__coursePlaceholder !== undefined || !script.parentElement) return;
    var copy = null;
    try {
      copy = placeholderFor(script);
    } catch (error) {
      console.error("the twin's start frame could not be painted", error);
    }
    script.__coursePlaceholder = copy;
    if (copy) script.parentElement.insertBefore(copy, script);
  }

  function addPlaceholders(root) {
    if (root.nodeType !== 1) return;
    if (root.tagName === "SCRIPT" && root.type === VIEW_TYPE) addPlaceholder(root);
    else if (root.firstElementChild) Array.prototype.forEach.call(root.querySelectorAll(VIEW), addPlaceholder);
  }

  var observer = null;
  if (document.readyState === "loading" && window.MutationObserver && document.querySelector(STATE)) {
    observer = new MutationObserver(function (records) {
      for (var r = 0; r < records.length; r++) {
        var added = records[r].addedNodes;
        for (var n = 0; n < added.length; n++) addPlaceholders(added[n]);
      }
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  }

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
        var copy = script.__coursePlaceholder;
        // Built hidden while the placeholder is shown, then swapped in.
        if (copy) area.style.display = "none";
        script.parentElement.insertBefore(area, script);
        return manager
          .create_view(model)
          .then(function (view) {
            return manager.display_view(view, area);
          })
          .then(function () {
            // Every Stack has shown its selected child before the swap.
            return Promise.all(stacksBuilding);
          })
          .then(function () {
            area.style.display = "";
            if (copy && copy.parentElement) copy.parentElement.removeChild(copy);
          });
      }),
    );
  }

  /* ipywidgets 8's Stack view removes the view of the frame it showed and
   * builds a new view (a new <img> from the base64 PNG) on every change of
   * selected_index, a chain of promises after the key press.  Instead, every
   * Stack view on the page builds a view of each child once and, when
   * selected_index changes, moves one class (STACK_SHOWN, see course.css)
   * from the old child to the new one, in the same task as the key press. */
  var STACK = "course-stack";
  var STACK_SHOWN = "course-stack-shown";
  var stacksBuilding = [];

  function showSelectedChild(view) {
    var index = view.model.get("selected_index");
    (view.__courseChildViews || []).forEach(function (child, i) {
      child.el.classList.toggle(STACK_SHOWN, i === index);
    });
  }

  function keepEveryChild(StackView) {
    if (!StackView || StackView.prototype.__courseKeepsChildren) return;
    StackView.prototype.__courseKeepsChildren = true;
    StackView.prototype.update_children = function () {
      var view = this;
      var children = view.model.get("children") || [];
      if (view.__courseChildren === children) return showSelectedChild(view);
      view.__courseChildren = children;
      view.__courseChildViews = null;
      view.el.classList.add(STACK);
      if (!view.children_views) return;
      stacksBuilding.push(
        view.children_views.update(children).then(function (childViews) {
          if (view.__courseChildren !== children) return;
          view.__courseChildViews = childViews;
          showSelectedChild(view);
        }),
      );
    };
  }

  function render(htmlManager, embed) {
    return Promise.all(
      readStates().map(function (s) {
        var manager = new htmlManager.HTMLManager({ loader: embed.requireLoader });
        return manager
          .loadClass("StackView", "@jupyter-widgets/controls", "2.0.0")
          .then(keepEveryChild, function (error) {
            console.error("the Stack view could not be changed", error);
          })
          .then(function () {
            return manager.set_state(s.state);
          })
          .then(function (models) {
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
      if (observer) observer.disconnect();
      if (!document.querySelector(STATE)) return null;
      Array.prototype.forEach.call(document.querySelectorAll(VIEW), addPlaceholder);
      if (!window.require) return null;
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
