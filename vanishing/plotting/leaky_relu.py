"""Chapter 6: Leaky ReLU, PReLU and RReLU (alpha and depth).

Each function computes with :mod:`vanishing.experiments.leaky_relu` and returns a
:class:`matplotlib.figure.Figure` in the course style.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ..core import activations
from ..experiments import leaky_relu
from ._style import COLORS, MARGINS, STYLE

__all__ = ["plot_leaky_chain", "plot_leaky_family", "plot_prelu_slopes", "plot_rrelu_slopes"]


def plot_leaky_family(alphas=(0.0, 0.01, 0.1, 0.3)):
    """Leaky ReLU (left) and its derivative (right) for several slopes; alpha = 0 is the ReLU."""
    xs = np.linspace(-3.0, 3.0, 601)
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.3, **MARGINS)
        for i, alpha in enumerate(alphas):
            act = activations.get("leaky_relu", alpha=alpha)
            label = "ReLU (α = 0)" if alpha == 0 else f"α = {alpha:g}"
            left.plot(xs, act.forward(xs), color=COLORS[i], lw=1.6, label=label)
            neg, pos = xs < 0, xs > 0
            right.plot(xs[neg], act.derivative(xs[neg]), color=COLORS[i], lw=1.6)
            right.plot(xs[pos], act.derivative(xs[pos]), color=COLORS[i], lw=1.6)
            right.plot([0.0], [alpha], "o", color=COLORS[i], ms=4)  # the value used at the kink
        left.set_xlabel("$x$")
        left.set_ylabel("$f(x)$")
        left.legend(fontsize=8, loc="upper left")
        right.set_xlabel("$x$")
        right.set_ylabel("$f'(x)$")
        right.set_ylim(-0.08, 1.12)
        right.set_title("dots: value used at x = 0", fontsize=9)
    return fig


def plot_leaky_chain(alpha: float = 0.1, depth: int = 10, *, n_chains: int = 2000, seed: int = 0):
    """Chapter 6's widget: what inactive units do to the gradient of random Leaky ReLU chains.

    Left: histogram of ``log10 |da_n/dz_1|`` over the chains whose gradient is
    not exactly 0, with the theoretical mean (dashed) and the mean the same
    weights would give with no inactive unit (dotted).  Right: how many units
    of each chain are inactive (``z_j <= 0``), against the Binomial(depth, 1/2)
    prediction.
    """
    s = leaky_relu.leaky_chain_gradients(alpha, depth, np.random.default_rng(seed), n_chains=n_chains)
    counts = np.bincount(s.inactive_counts, minlength=depth + 1) / n_chains
    ks = np.arange(depth + 1)
    live = s.grads[s.grads > 0]
    # One x-range per depth, wide enough for every slope down to 0.01.
    lo = math.floor(-1.3 * depth - 4.0 * math.sqrt(depth))
    hi = math.ceil(1.0 + 0.6 * math.sqrt(depth))
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.3, **{**MARGINS, "top": 0.80})
        if live.size:
            left.hist(np.log10(live), bins=np.linspace(lo, hi, 61), color=COLORS[0], alpha=0.8)
        none_inactive = leaky_relu.expected_log10_gradient(1.0, depth)
        left.axvline(none_inactive, color="#555555", ls=":", lw=1.2)
        if alpha > 0:
            left.axvline(leaky_relu.expected_log10_gradient(alpha, depth), color="k", ls="--", lw=1.2)
            left.set_title("dashed: theory; dotted: no inactive units", fontsize=9)
        else:
            left.set_title("dotted: theory with no inactive units", fontsize=9)
            left.text(
                0.04,
                0.9,
                f"{100 * s.zero_fraction:.1f} % of chains:\ngradient exactly 0",
                transform=left.transAxes,
                fontsize=9,
                va="top",
                color=COLORS[1],
            )
        left.set_xlim(lo, hi)
        left.set_xlabel(r"$\log_{10} |\partial a_n / \partial z_1|$")
        left.set_ylabel("chains")
        colors = [COLORS[0] if (alpha > 0 or k == 0) else COLORS[1] for k in ks]
        right.bar(ks, counts, color=colors, alpha=0.8, width=0.8)
        right.plot(ks, leaky_relu.inactive_count_pmf(depth), "k.", ms=4)
        right.set_xlabel("inactive units per chain, k")
        right.set_ylabel("share of chains")
        note = "dots: Binomial(n, ½)" + ("" if alpha > 0 else "\norange: gradient exactly 0")
        right.set_title(note, fontsize=9)
        fig.suptitle(
            f"α = {alpha:g}, depth {depth}: {100 * s.inactive_fraction:.0f} % of units inactive, "
            f"{100 * s.zero_fraction:.1f} % of gradients exactly 0",
            fontsize=10,
        )
    return fig


def plot_prelu_slopes(run: leaky_relu.PReLURun):
    """PReLU slopes per hidden layer over training: mean (line), 10-90 % of units (band), extremes (thin)."""
    q = leaky_relu.slope_quantiles(run, (0.0, 0.1, 0.9, 1.0))
    means = run.history.alpha_mean
    epochs = np.arange(means.shape[0])
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
        for layer in range(means.shape[1]):
            c = COLORS[layer]
            ax.fill_between(epochs, q[1, :, layer], q[2, :, layer], color=c, alpha=0.2)
            ax.plot(
                epochs, means[:, layer], color=c, lw=1.8, label=f"hidden layer {layer + 1}: mean, 10–90 %"
            )
            ax.plot(epochs, q[0, :, layer], color=c, lw=0.6)
            ax.plot(epochs, q[3, :, layer], color=c, lw=0.6)
        ax.axhline(0.25, color="#555555", ls=":", lw=1.0)
        ax.axhline(0.0, color="k", lw=0.8)
        ax.set_xlabel("epoch")
        ax.set_ylabel("learned slope $a_i$")
        ax.legend(fontsize=8, loc="lower left")
    return fig


def plot_rrelu_slopes(*, n: int = 200_000, seed: int = 0):
    """RReLU's training slopes under the paper's and PyTorch's conventions, with their means and test slopes."""
    rng = np.random.default_rng(seed)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
        bins = np.linspace(1 / 8, 1 / 3, 61)  # both conventions live on [1/8, 1/3]
        for c, conv in zip(COLORS, leaky_relu.rrelu_conventions().values(), strict=False):
            ax.hist(conv.sample(n, rng), bins=bins, density=True, color=c, alpha=0.45, label=conv.name)
            ax.axvline(conv.mean_train_slope, color=c, lw=1.6)
            ax.axvline(conv.eval_slope, color=c, lw=1.6, ls="--")
        ax.plot([], [], color="#555555", lw=1.6, label="mean training slope")
        ax.plot([], [], color="#555555", lw=1.6, ls="--", label="test-time slope")
        ax.set_xlim(0.1, 0.36)
        ax.set_xlabel("negative-side slope in training")
        ax.set_ylabel("density")
        ax.legend(fontsize=8, loc="upper right")
    return fig
