"""Time one update of every live widget of the chapters, at its default and its costliest setting.

    ./run bench        (or: .venv/bin/python benchmarks/widget_update.py [--quick] [--only ch05])

The widgets are read from the chapters themselves: every code cell with
``widgets.live(`` is run with a stand-in ``live`` that records the plot
function and its controls, so a widget added to a chapter is timed here too.
For each one it prints, as medians over repeats, every repeat *cold* (every
``lru_cache`` in :mod:`vanishing` cleared first, as for a setting the reader has
not visited yet):

* compute: ``plot(**values)``, the figure built but not drawn;
* before: compute + render as the Jupyter inline backend pays it for the old
  ``live()`` (``plt.show()`` -> ``IPython.core.pylabtools.print_figure`` with
  ``bbox_inches="tight"``, base64);
* after: what :func:`vanishing.widgets.live` pays now for a move to this
  setting, timed through the widget itself: its figure last showed the other
  setting (a plot function that takes ``fig`` draws into that kept figure),
  then ``plot`` computes, and the figure is drawn once into a PNG at zlib
  level 1 and wrapped in an ``<img>`` tag with alt text;
* revisit: the same setting again through ``live()``'s image cache.

Under a row whose computation alone is over the target it names the function
with the most own time in that computation (one cold call under cProfile),
the measured reason the widget is slow: the Gaussian draws of five seeds'
wide networks, say, or a training run.

The costliest setting is found greedily: starting from the defaults, each
control in turn takes the candidate value (its ends, every option of a
dropdown) that makes ``plot`` slowest, timed once and cold.  Target on the
course's 2-core machine: compute + render <= 50 ms (median).  This script
prints; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import pstats
import statistics
import sys
import time
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ipywidgets as ipw  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402

import vanishing  # noqa: E402
from vanishing import plotting, widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0

#: The clock: CPU time of this process by default (the work is single-threaded,
#: so on a quiet machine it is the wall time, and other users' load hardly
#: moves it); ``--wall`` for ``time.perf_counter``.
CLOCK = [time.process_time]


# -- the inventory: every widgets.live( call in the chapters -----------------------------
class _Names(dict):
    """Cell namespace: names a chapter imported earlier resolve to vanishing's modules."""

    def __missing__(self, name):
        import importlib

        for package in ("vanishing.experiments", "vanishing.core", "vanishing"):
            try:
                return importlib.import_module(f"{package}.{name}")
            except ImportError:
                continue
        raise KeyError(name)


def inventory():
    """[(label, plot, {name: control})] for every live widget in chapters/*.ipynb."""
    found = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "widgets.live(" not in source:
                continue
            calls = []
            recorder = types.SimpleNamespace(
                live=lambda plot, calls=calls, **controls: calls.append((plot, controls))
            )
            names = _Names(widgets=recorder, ipw=ipw, plotting=plotting, np=np)
            exec(compile(source, str(path), "exec"), {"__builtins__": __builtins__}, names)  # noqa: S102
            for plot, controls in calls:
                found.append((f"{path.stem[:2]} {plot.__name__}", plot, controls))
    return found


def candidates(control):
    """The values the greedy search tries for one control: its ends, or all its options."""
    options = getattr(control, "options", None)
    if options is not None:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if isinstance(control, ipw.FloatLogSlider):
        return [control.base**control.min, control.value, control.base**control.max]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [control.min, control.value, control.max]
    return [control.value]


# -- timing ----------------------------------------------------------------------------
def clear_caches():
    """Clear every cache in vanishing (each functools.lru_cache, and the kept random draws
    of propagation.STANDARD_NORMALS), so that a call is as cold as a first visit."""
    for name, module in list(sys.modules.items()):
        if name == "vanishing" or name.startswith("vanishing."):
            for attr in vars(module).values():
                if not isinstance(attr, type) and callable(getattr(attr, "cache_clear", None)):
                    attr.cache_clear()


def cold_ms(fn, repeats, warm=None):
    """Median ms of ``fn()``, every repeat after clearing the caches and calling ``warm()``.

    ``warm`` visits another setting first, so what a kernel computes once (a
    data set, a quadrature table) is ready, as it is when a reader moves a
    slider, while the setting timed is new.
    """
    times = []
    for _ in range(repeats):
        clear_caches()
        if warm is not None:
            warm()
        gc.collect()
        start = CLOCK[0]()
        fn()
        times.append(CLOCK[0]() - start)
    return 1e3 * statistics.median(times)


def warm_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = CLOCK[0]()
        fn()
        times.append(CLOCK[0]() - start)
    return 1e3 * statistics.median(times)


def compute_only(plot, values):
    plt.close(plot(**values))


def top_cost(plot, values, warm):
    """Where a cold ``plot(**values)`` spends its time: the function with the most own time
    (cProfile), as ``name (file) N ms``; the reason a computation is over the target."""
    clear_caches()
    warm()
    profiler = cProfile.Profile()
    profiler.runcall(compute_only, plot, values)
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (calls, ncalls, own, cumulative, callers)}
    (path, _, name), (_, calls, own, _, _) = max(stats.items(), key=lambda item: item[1][2])
    return f"{name} ({Path(path).name}, {calls} calls) {1e3 * own:.0f} ms"


def render_old_ms(plot, values, repeats):
    """Median ms of rendering a built figure as the old ``live()`` did in Jupyter.

    ``plt.show()`` in the inline backend, i.e. ``print_figure`` with a tight
    bounding box, base64.
    """
    times = []
    for _ in range(repeats):
        fig = plot(**values)
        start = CLOCK[0]()
        print_figure(fig, "png", bbox_inches="tight", base64=True)
        times.append(CLOCK[0]() - start)
        plt.close(fig)
    return 1e3 * statistics.median(times)


def costliest(plot, controls):
    values = {k: c.value for k, c in controls.items()}
    for name, control in controls.items():
        trials = {}
        for v in dict.fromkeys(candidates(control)):
            once = [cold_ms(lambda p={**values, name: v}: compute_only(plot, p), 1)]
            if once[0] < 500:  # not a training run: the least of three, as the load varies
                once += [cold_ms(lambda p={**values, name: v}: compute_only(plot, p), 1) for _ in range(2)]
            trials[v] = min(once)
        values[name] = max(trials, key=trials.get)
    return values


def setting(values):
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--only", default="", help="only widgets whose label ('05 plot_layer_profile') contains this"
    )
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = parser.parse_args()
    if args.wall:
        CLOCK[0] = time.perf_counter
    print(f"numpy {np.__version__}, matplotlib {matplotlib.__version__}, vanishing from {vanishing.__file__}")
    plotting.use_course_style()
    rows = []
    header = (
        f"{'widget':<32} {'setting':<9} {'compute':>8} {'rnd old':>8} {'before':>8} {'after':>8} "
        f"{'revisit':>7} {'target':>6}  {'verdict':<14} values"
    )
    print(f"clock: {CLOCK[0].__name__}")
    print(
        "\nms, medians over repeats.  compute: plot(**values) into a new figure, cold (caches cleared);\n"
        "rnd old: rendering it as the old live() paid in Jupyter (plt.show, inline backend, tight bbox);\n"
        "before: compute + rnd old; after: a move to this setting through live() now (its kept figure,\n"
        "one draw into a PNG), cold; revisit: a setting in live()'s image cache.\n\n" + header
    )
    for label, plot, controls in inventory():
        if args.only not in label:
            continue
        compute_only(plot, {k: c.value for k, c in controls.items()})  # imports, fonts
        points = {"default": {k: c.value for k, c in controls.items()}}
        points["costliest"] = costliest(plot, controls)
        with contextlib.redirect_stdout(io.StringIO()):  # no kernel: display() would print
            w = widgets.live(plot, **controls)  # draws once at the defaults
        image = w.png_cache.__wrapped__  # live()'s own draw, without its cache of images
        for kind, values in points.items():
            other = points["costliest" if kind == "default" else "default"]
            if other == values:  # a widget whose default is its costliest setting
                # each control at another of its candidates (a text box has none: it keeps its value)
                other = {
                    k: next((c for c in candidates(controls[k]) if c != v), v) for k, v in values.items()
                }
            warm = lambda f=plot, v=other: compute_only(f, v)  # noqa: E731
            slow = cold_ms(lambda f=plot, v=values: compute_only(f, v), 1, warm) > 500
            repeats = 1 if slow else (3 if args.quick else 7)
            c = cold_ms(lambda f=plot, v=values: compute_only(f, v), repeats, warm)
            d_old = render_old_ms(plot, values, repeats)
            # a move from the other setting to this one, through the widget (kept figure included)
            a = cold_ms(lambda v=values, f=image: f(**v), repeats, lambda v=other, f=image: f(**v))
            b = c + d_old
            r = warm_ms(lambda v=values, w=w: w.png_cache(**v), 20)
            verdict = verdict_for(plot, c, a)
            rows.append((label, kind, c, d_old, b, a, r, verdict))
            print(
                f"{label:<32} {kind:<9} {c:>8.1f} {d_old:>8.1f} {b:>8.1f} {a:>8.1f} {r:>7.3f} {TARGET_MS:>6.0f}  "
                f"{verdict:<14} {setting(values)}",
                flush=True,
            )
            if verdict != "ok" and c > TARGET_MS:
                print(f"{'':<42} most own time: {top_cost(plot, values, warm)}", flush=True)
        plt.close("all")
    if not rows:
        sys.exit(f"no widget's label contains {args.only!r}; labels are like '05 plot_layer_profile'")
    print(
        f"\n{len(rows)} settings of {len(rows) // 2} widgets: median compute+render before "
        f"{statistics.median(r[4] for r in rows):.1f} ms, after {statistics.median(r[5] for r in rows):.1f} ms; "
        f"{sum(r[7] == 'ok' for r in rows)} within {TARGET_MS:.0f} ms"
    )


#: Plot functions whose computation is a training run: over the target by
#: nature; cached by value (live()'s images, the experiments layer's runs).
TRAINING_RUNS = {"plot_dead_training", "plot_training", "plot_lab_report"}


def verdict_for(plot, compute, after):
    """ok; else the reason: a training run, the computation, or the drawing."""
    if after <= TARGET_MS:
        return "ok"
    if plot.__name__ in TRAINING_RUNS:
        return "training run"
    return "over: compute" if compute > TARGET_MS else "over: draw"


if __name__ == "__main__":
    main()
