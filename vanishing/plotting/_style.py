"""The course's figure style, shared by every plot module.

Figures have an opaque white background so that they stay readable when the
website is switched to dark mode, fixed margins instead of a layout engine,
and log axes labelled with plain Unicode powers of ten.  A plot function that
takes ``fig`` draws a new frame into a figure it returned before
(:func:`new_or_reused`), as the live widgets and their twins do.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

__all__ = [
    "COLORS",
    "MARGINS",
    "STYLE",
    "log_y",
    "new_or_reused",
    "power_of_ten_label",
    "reuse",
    "use_course_style",
]

#: Colour-blind-safe palette (Okabe & Ito), used in a fixed order.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "font.size": 10,
    "legend.frameon": False,
    "svg.hashsalt": "vanishing",
    # A fixed title height: with the default (None) matplotlib measures the tick
    # labels on every draw to lift the title clear of them, a third of a redraw.
    "axes.titley": 1.0,
}


# Fixed margins instead of a layout engine: the figures have a known size, and
# constrained layout measured every tick label on every redraw (most of the
# time a slider move took; see benchmarks/widget_update.py).
MARGINS = {"left": 0.12, "right": 0.98, "bottom": 0.15, "top": 0.9}


_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def power_of_ten_label(value: float, _pos=None) -> str:
    """Tick label ``10⁻⁵`` in plain Unicode for exact powers of ten, else ``""``.

    Matplotlib's default log labels are TeX (``$10^{-5}$``) and parsing them was
    most of the time one redraw took; Unicode superscripts look the same.
    """
    if value <= 0:
        return ""
    exponent = np.log10(value)
    if not np.isclose(exponent, np.round(exponent)):
        return ""
    k = int(np.round(exponent))
    return "1" if k == 0 else "10" if k == 1 else "10" + str(k).translate(_SUPERSCRIPT)


def log_y(ax) -> None:
    """A log-scaled y axis labelled with :func:`power_of_ten_label`.

    Minor ticks, unlabelled, only at 2 and 5 times each power of ten (and
    none when the axis spans many decades): matplotlib's default eight per
    decade made building ticks a large part of a live widget's redraw
    (benchmarks/widget_update.py), while an axis spanning a decade or two
    still needs some marks between its labels.
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(power_of_ten_label))
    ax.yaxis.set_minor_locator(mticker.LogLocator(base=10.0, subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(mticker.NullFormatter())


def use_course_style() -> None:
    """Apply the course style to matplotlib (called by every chapter once).

    It also makes pyplot load its backend here, outside any ``rc_context``.
    In a Jupyter kernel the inline backend switches interactive mode on when it
    first loads; if that happened inside a plot function's
    ``mpl.rc_context(STYLE)``, leaving the context would switch it off again
    and every later figure of the chapter would stay undisplayed.
    """
    mpl.rcParams.update(STYLE)
    plt.close(plt.figure())


def new_or_reused(fig: Figure | None, n_axes: int, **subplots) -> tuple[Figure, list]:
    """A new figure with ``n_axes`` axes side by side, or ``fig`` emptied by :func:`reuse`.

    Call inside ``mpl.rc_context(STYLE)``.  ``subplots`` go to
    :func:`matplotlib.pyplot.subplots` for a new figure (a reused one keeps
    its layout).
    """
    if fig is None:
        fig, axes = plt.subplots(1, n_axes, **subplots)
        return fig, list(np.atleast_1d(axes))
    return fig, reuse(fig, n_axes)


def reuse(fig: Figure, n_axes: int) -> list:
    """Empty the axes of ``fig`` for a new frame, keeping what drawing the last one built.

    Removes every line, patch, collection, bar container, text and legend (the
    figure's legends too), and resets each
    axes' scales, tick locators and formatters, view and data limits,
    autoscaling, titles, axis labels and colour cycle to a new axes' state, so
    that drawing the same calls again gives the picture a new figure would.
    Texts placed on the figure itself (``fig.text``) go too; the suptitle
    stays, for the next ``fig.suptitle`` call to rewrite.  The axes
    themselves, their tick objects, the canvas and its renderer (with
    matplotlib's cache of text sizes) stay.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a Figure returned by the same plot function; got {type(fig).__name__}")
    if len(fig.axes) != n_axes:
        raise ValueError(f"fig must have the {n_axes} axes this plot function draws; it has {len(fig.axes)}")
    for legend in list(fig.legends):
        legend.remove()
    for ax in fig.axes:
        for container in list(ax.containers):  # bar containers: their patches, and the legend entry
            container.remove()
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
            artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        # a new axes' scales (with their default tick locators and formatters),
        # view limits (0, 1), titles and axis labels: a frame that draws no
        # data on a panel, or sets no title, shows what a new figure shows
        ax.set_xscale("linear")
        ax.set_yscale("linear")
        ax.viewLim.set_points(Bbox.unit().get_points())
        for text in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            text.set_text("")
        ax.dataLim = Bbox.null()
        ax.ignore_existing_data_limits = True
        ax.set_autoscale_on(True)
        ax.set_prop_cycle(None)
    for text in list(fig.texts):
        if text is not getattr(fig, "_suptitle", None):
            text.remove()
    return list(fig.axes)
