"""Chapter 7: Leaky ReLU, PReLU and RReLU (alpha and depth).

Each function computes with :mod:`vanishing.experiments.leaky_relu` and returns a
:class:`matplotlib.figure.Figure` in the course style.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core import activations
from ..experiments import leaky_relu
from ._style import COLORS, MARGINS, STYLE, new_or_reused

__all__ = [
    "plot_chain_and_wide",
    "plot_collapse_comparison",
    "plot_leaky_chain",
    "plot_leaky_family",
    "plot_prelu_slopes",
    "plot_rrelu_slopes",
]

#: Where :func:`plot_collapse_comparison` draws a run that diverged (below the 0 of both panels).
_DIVERGED_Y = -0.15


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


def plot_leaky_chain(
    alpha: float = 0.1, depth: int = 10, *, n_chains: int = 2000, seed: int = 0, fig: Figure | None = None
):
    """Chapter 7's widget: what inactive units do to the gradient of random Leaky ReLU chains.

    Left: histogram of ``log10 |da_n/dz_1|`` over the chains whose gradient is
    not exactly 0, with the theoretical mean (dashed) and the mean the same
    weights would give with no inactive unit (dotted).  Right: how many units
    of each chain are inactive (``z_j <= 0``), against the Binomial(depth, 1/2)
    prediction.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    s = leaky_relu.leaky_chain_gradients(alpha, depth, np.random.default_rng(seed), n_chains=n_chains)
    counts = np.bincount(s.inactive_counts, minlength=depth + 1) / n_chains
    ks = np.arange(depth + 1)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.3, **{**MARGINS, "top": 0.80})
        _chain_histogram(left, s)
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


def _chain_histogram(ax, s: leaky_relu.LeakyChainSample, *, weight_std: float = 1.0) -> None:
    """Histogram of ``log10 |da_n/dz_1|`` over the chains whose gradient is not 0, with the theory."""
    alpha, depth = s.alpha, s.depth
    live = s.grads[s.grads > 0]
    shift = depth * math.log10(weight_std)
    # One x-range per depth, wide enough for every slope down to 0.01.
    lo = math.floor(-1.3 * depth - 4.0 * math.sqrt(depth) + min(shift, 0.0))
    hi = math.ceil(1.0 + 0.6 * math.sqrt(depth) + max(shift, 0.0))
    if live.size:
        ax.hist(np.log10(live), bins=np.linspace(lo, hi, 61), color=COLORS[0], alpha=0.8)
    none_inactive = leaky_relu.expected_log10_gradient(1.0, depth, weight_std=weight_std)
    ax.axvline(none_inactive, color="#555555", ls=":", lw=1.2)
    if alpha > 0:
        ax.axvline(
            leaky_relu.expected_log10_gradient(alpha, depth, weight_std=weight_std),
            color="k",
            ls="--",
            lw=1.2,
        )
        ax.set_title("dashed: theory; dotted: no inactive units", fontsize=9)
    else:
        ax.set_title("dotted: theory with no inactive units", fontsize=9)
        ax.text(
            0.04,
            0.9,
            f"{100 * s.zero_fraction:.1f} % of chains:\ngradient exactly 0",
            transform=ax.transAxes,
            fontsize=9,
            va="top",
            color=COLORS[1],
        )
    ax.set_xlim(lo, hi)
    ax.set_xlabel(r"$\log_{10} |\partial a_n / \partial z_1|$")
    ax.set_ylabel("chains")


def plot_chain_and_wide(
    alpha: float = 0.1,
    depth: int = 30,
    *,
    width: int = 256,
    seeds=(0, 1, 2, 3, 4),
    n_chains: int = 2000,
    fig: Figure | None = None,
):
    """Chapter 7's second widget: the same slope in a chain (left) and in wide layers (right).

    Left: :func:`plot_leaky_chain`'s histogram of ``log10 |da_n/dz_1|`` for
    ``n_chains`` random chains whose weights have He's leaky variance
    ``2 / (1 + alpha^2)`` (biases standard normal, input 1).  Right: the RMS
    backward gradient of every layer of wide networks of ``width`` units
    (:func:`~vanishing.experiments.leaky_relu.wide_backward_profile`), divided
    by its value at the last layer, for He's leaky variance (blue) and He's ReLU
    variance 2 (orange): one thin line per seed, the median over seeds bold,
    the mean-field prediction ``chi_1^{(L - l)/2}`` dashed.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    profiles = [
        leaky_relu.wide_backward_profile(alpha, depth, width=width, seeds=seeds, init=init)
        for init in ("he_leaky", "he")
    ]
    weight_std = math.sqrt(profiles[0].sigma_w2)
    s = leaky_relu.leaky_chain_gradients(
        alpha, depth, np.random.default_rng(0), n_chains=n_chains, weight_std=weight_std
    )
    layers = np.arange(1, depth + 1)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, figsize=(7.2, 3.6))
        fig.subplots_adjust(wspace=0.32, **{**MARGINS, "top": 0.80, "left": 0.09, "right": 0.97})
        _chain_histogram(left, s, weight_std=weight_std)
        for color, p, name in zip(COLORS, profiles, ("leaky He", "He 2"), strict=False):
            rel = p.relative
            for row in rel:
                right.plot(layers, row, color=color, lw=0.7, alpha=0.6, gid="seed")
            right.plot(
                layers,
                np.median(rel, axis=0),
                color=color,
                lw=2.2,
                gid="median",
                label=f"{name}: σ_w² = {p.sigma_w2:.3f}, χ₁ = {p.chi_1:.3f}",
            )
            right.plot(layers, p.predicted, color=color, ls="--", lw=1.2, gid="prediction")
        right.set_yscale("log", base=2)
        low = min(0.25, float(min(p.relative.min() for p in profiles)) / 1.2)
        high = max(4.0, float(max(p.relative.max() for p in profiles)) * 1.2)
        right.set_ylim(low, high)
        right.set_xlim(1, depth)
        right.set_xlabel("layer $l$")
        right.set_ylabel("RMS gradient, layer $l$ / layer $L$")
        right.set_title(f"width {width}: {len(seeds)} seeds thin,\nmedian bold, theory dashed", fontsize=9)
        right.legend(fontsize=7, loc="upper right")
        fig.suptitle(
            f"α = {alpha:g}, depth L = {depth}: chains (left, σ_w² = {profiles[0].sigma_w2:.3f}) "
            f"against wide layers (right)",
            fontsize=10,
        )
    return fig


def plot_prelu_slopes(runs, *, seeds=None):
    """Chapter 7: PReLU slopes over training, one panel per hidden layer, every run drawn.

    ``runs`` is one :class:`~vanishing.experiments.leaky_relu.PReLURun` or a
    sequence of them (one per seed, labelled by ``seeds`` if given).  In each
    panel, per run: the mean slope of the layer's units (thick line) and the
    smallest and largest slope (thin lines of the same colour); dotted: the
    initial value 0.25.
    """
    if isinstance(runs, leaky_relu.PReLURun):
        runs = [runs]
    runs = list(runs)
    if not runs or not all(isinstance(r, leaky_relu.PReLURun) for r in runs):
        raise TypeError("runs must be a PReLURun from train_prelu or a non-empty sequence of them")
    labels = [f"run {i + 1}" for i in range(len(runs))] if seeds is None else [f"seed {s}" for s in seeds]
    if len(labels) != len(runs):
        raise ValueError(f"seeds must name one seed per run ({len(runs)}); got {len(labels)}")
    n_layers = runs[0].history.alpha_mean.shape[1]
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, n_layers, sharey=True, figsize=(2.4 * n_layers + 0.6, 3.6), squeeze=False)
        axes = axes[0]
        fig.subplots_adjust(wspace=0.08, **{**MARGINS, "top": 0.78, "left": 0.09, "right": 0.98})
        for k, (run, label) in enumerate(zip(runs, labels, strict=True)):
            c = COLORS[k % len(COLORS)]
            q = leaky_relu.slope_quantiles(run, (0.0, 1.0))
            means = run.history.alpha_mean
            epochs = np.arange(means.shape[0])
            for layer, ax in enumerate(axes):
                ax.plot(
                    epochs, means[:, layer], color=c, lw=1.8, gid="mean", label=label if layer == 0 else None
                )
                ax.plot(epochs, q[0, :, layer], color=c, lw=0.6, gid="extreme")
                ax.plot(epochs, q[1, :, layer], color=c, lw=0.6, gid="extreme")
        for layer, ax in enumerate(axes):
            ax.axhline(0.25, color="#555555", ls=":", lw=1.0)
            ax.axhline(0.0, color="k", lw=0.8)
            ax.set_xlabel("epoch")
            ax.set_title(f"hidden layer {layer + 1}", fontsize=9)
        axes[0].set_ylabel("learned slope $a_i$")
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="upper center",
            ncol=min(len(runs), 5),
            fontsize=8,
            bbox_to_anchor=(0.5, 0.99),
        )
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


def plot_collapse_comparison(comparison: leaky_relu.CollapseComparison):
    """Chapter 7: every run of :func:`~vanishing.experiments.leaky_relu.collapse_comparison`, one point per seed.

    Left: final training accuracy; right: the largest share of one hidden
    layer's units that is dead (pre-activation ``<= 0`` on every training
    example) after the last epoch.  One column per activation, the seeds side
    by side within it in increasing order; squares mark runs in which a whole
    layer was dead after some epoch, crosses on the bottom row runs that
    overflowed (they have no value).
    """
    if not isinstance(comparison, leaky_relu.CollapseComparison):
        raise TypeError(
            f"comparison must be a CollapseComparison from collapse_comparison; got {type(comparison).__name__}"
        )
    c = comparison
    n_seeds = len(c.seeds)
    offsets = np.linspace(-0.3, 0.3, n_seeds) if n_seeds > 1 else np.zeros(1)
    names = ["ReLU" if a == 0 else f"Leaky ReLU\nα = {a:g}" for a in c.alphas]
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.8))
        fig.subplots_adjust(wspace=0.35, **{**MARGINS, "left": 0.14, "bottom": 0.17, "top": 0.76})
        for ax, values, title in (
            (axes[0], c.accuracy, "final training accuracy"),
            (axes[1], c.dead_share, "largest dead share of one layer"),
        ):
            for i in range(len(c.alphas)):
                color = COLORS[i % len(COLORS)]
                xs = i + offsets
                lost, div = c.layer_lost[i], c.diverged[i]
                ok = ~div & ~lost
                ax.plot(xs[ok], values[i, ok], "o", color=color, ms=5, gid="finished")
                ax.plot(xs[lost], values[i, lost], "s", color=color, mec="k", mew=1.2, ms=7, gid="layer lost")
                ax.plot(
                    xs[div],
                    np.full(int(div.sum()), _DIVERGED_Y),
                    "x",
                    color=color,
                    ms=6,
                    mew=1.5,
                    gid="diverged",
                )
            ax.axhline(-0.07, color="#555555", lw=0.8)
            ax.set_ylim(_DIVERGED_Y - 0.07, 1.05)
            ax.set_yticks(
                [_DIVERGED_Y, 0.0, 0.25, 0.5, 0.75, 1.0], ["overflow", "0", "0.25", "0.5", "0.75", "1"]
            )
            ax.set_xticks(range(len(c.alphas)), names, fontsize=8)
            ax.set_xlim(-0.6, len(c.alphas) - 0.4)
            ax.set_title(title, fontsize=9)
        handles = [
            Line2D([], [], ls="none", marker="o", color="#555555", label="finished"),
            Line2D([], [], ls="none", marker="s", color="#555555", mec="k", label="a whole layer dead"),
            Line2D([], [], ls="none", marker="x", color="#555555", mew=1.5, label="overflowed"),
        ]
        fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, 0.92))
        fig.suptitle(
            f"{c.depth} hidden layers, learning rate {c.lr:g}, {c.epochs} epochs: "
            f"{n_seeds} seeds per activation, side by side",
            fontsize=10,
        )
    return fig
