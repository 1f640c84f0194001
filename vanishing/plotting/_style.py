"""The course's figure style, shared by every plot module.

Figures have an opaque white background so that they stay readable when the
website is switched to dark mode, fixed margins instead of a layout engine,
and log axes labelled with plain Unicode powers of ten.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.ticker as mticker
import numpy as np

__all__ = ["COLORS", "MARGINS", "STYLE", "log_y", "power_of_ten_label", "use_course_style"]

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
    import matplotlib.pyplot as plt

    mpl.rcParams.update(STYLE)
    plt.close(plt.figure())
