"""The course's figure style and the plot functions behind its widgets.

Every plot function is pure apart from drawing: it takes the slider values
(and a seed), computes with the tested functions in :mod:`vanishing.chain`,
and returns a :class:`matplotlib.figure.Figure`.  Chapters call each one once
with defaults, so the static page shows a real figure, and wire the same
function to sliders for the live widget.

Figures have an opaque white background so that they stay readable when the
website is switched to dark mode.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from . import chain

__all__ = [
    "COLORS",
    "log_y",
    "plot_chain_profile",
    "plot_first_layer_spread",
    "power_of_ten_label",
    "use_course_style",
]

#: Colour-blind-safe palette (Okabe & Ito), used in a fixed order.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_STYLE = {
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
}


# Fixed margins instead of a layout engine: the figures have a known size, and
# constrained layout measured every tick label on every redraw (most of the
# time a slider move took; see benchmarks/widget_update.py).
_MARGINS = {"left": 0.12, "right": 0.98, "bottom": 0.15, "top": 0.9}


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
    """A log-scaled y axis labelled with :func:`power_of_ten_label`."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(power_of_ten_label))
    ax.yaxis.set_minor_formatter(mticker.NullFormatter())


def use_course_style() -> None:
    """Apply the course style to matplotlib (called by every chapter once)."""
    mpl.rcParams.update(_STYLE)


def plot_chain_profile(depth: int = 10, weight_scale: float = 1.0, *, n_chains: int = 200, seed: int = 0):
    """Chapter 1's widget: gradient per layer of a sigmoid chain, log scale.

    Draws ``|da_n/dz_i|`` for the centred chain (every weight =
    ``weight_scale``) and the 10-90 % band and median over random chains
    with weights ~ N(0, weight_scale^2).
    """
    prof = chain.depth_profile(depth, weight_scale, np.random.default_rng(seed), n_chains=n_chains)
    with mpl.rc_context(_STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**_MARGINS)
        ax.plot(
            prof.layers,
            prof.centred,
            "o-",
            color=COLORS[1],
            ms=3,
            label=f"centred chain, every w = {weight_scale:g}",
        )
        ax.fill_between(
            prof.layers,
            prof.quantiles[0],
            prof.quantiles[2],
            color=COLORS[0],
            alpha=0.25,
            label="random chains, 10–90 %",
        )
        ax.plot(prof.layers, prof.quantiles[1], color=COLORS[0], label="random chains, median")
        log_y(ax)
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.set_xlabel("layer i (1 = nearest the input)")
        ax.set_ylabel(r"$|\partial a_n / \partial z_i|$")
        ax.set_title(f"Sigmoid chain of depth {depth}, weight scale {weight_scale:g}")
        ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_first_layer_spread(depth: int = 10, *, n_chains: int = 2000, seed: int = 0):
    """Chapter 3's widget: the first-layer gradient against the 0.25^d bound.

    Left: median and 5-95 % band of ``|da_d/dz_1|`` over random sigmoid
    chains with ``|w| <= 1``, for depths 1..``depth``, beside the bound
    ``0.25**d``.  Right: the distribution at the chosen depth.
    """
    grads = chain.first_layer_gradients(depth, n_chains, np.random.default_rng(seed))
    depths = np.arange(1, depth + 1)
    q = np.quantile(grads, (0.05, 0.5, 0.95), axis=0)
    bound = 0.25**depths
    with mpl.rc_context(_STYLE):
        fig, (left, right) = plt.subplots(1, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **_MARGINS)
        left.plot(depths, bound, "k--", label=r"bound $0.25^d$")
        left.fill_between(depths, q[0], q[2], color=COLORS[0], alpha=0.25, label="5–95 % of chains")
        left.plot(depths, q[1], color=COLORS[0], label="median")
        log_y(left)
        left.set_xlabel("depth d")
        left.set_ylabel(r"$|\partial a_d / \partial z_1|$")
        left.legend(fontsize=8, loc="lower left")
        logs = np.log10(grads[:, -1])
        right.hist(logs, bins=40, color=COLORS[0], alpha=0.8)
        right.axvline(np.log10(bound[-1]), color="k", ls="--")
        right.set_xlabel(rf"$\log_{{10}} |\partial a_{{{depth}}} / \partial z_1|$")
        right.set_ylabel("chains")
        right.set_title(f"depth {depth}", fontsize=10)
    return fig
