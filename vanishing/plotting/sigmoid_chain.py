"""Chapters 1 and 3: the gradient along a sigmoid chain.

Every plot function is pure apart from drawing: it takes the slider values
(and a seed), computes with the tested functions in :mod:`vanishing.chain`,
and returns a :class:`matplotlib.figure.Figure`.  Chapters call each one once
with defaults, so the static page shows a real figure, and wire the same
function to sliders for the live widget and its twin.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import chain
from ._style import COLORS, MARGINS, STYLE, log_y

__all__ = ["plot_chain_profile", "plot_first_layer_spread"]


def plot_chain_profile(depth: int = 10, weight_scale: float = 1.0, *, n_chains: int = 200, seed: int = 0):
    """Chapter 1's widget: gradient per layer of a sigmoid chain, log scale.

    Draws ``|da_n/dz_i|`` for the centred chain (every weight =
    ``weight_scale``) and the 10-90 % band and median over random chains
    with weights ~ N(0, weight_scale^2).
    """
    prof = chain.depth_profile(depth, weight_scale, np.random.default_rng(seed), n_chains=n_chains)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
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
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **MARGINS)
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
