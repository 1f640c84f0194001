"""Chapter 12: modern activations and the remedies beyond them.

Every plot function computes with the tested functions in
:mod:`vanishing.experiments.remedies` and returns a :class:`matplotlib.figure.Figure`;
the ``describe_*`` functions return the alt text of one twin frame.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure

from ..core import activations
from ..experiments import remedies
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "GALLERY",
    "describe_activation_depth",
    "describe_residual_chains",
    "plot_activation_depth",
    "plot_activation_gallery",
    "plot_clipping_runs",
    "plot_remedy_runs",
    "plot_residual_chains",
]

#: The activations of chapter 12's gallery, each with a colour of the course palette.
GALLERY = ("silu", "gelu", "mish", "relu6", "hard_swish")

_LABELS = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "silu": "SiLU (Swish, β = 1)",
    "gelu": "GELU",
    "mish": "Mish",
    "hard_swish": "hard swish",
    "hard_sigmoid": "hard sigmoid",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def plot_activation_gallery(names=GALLERY, *, low: float = -5.0, high: float = 7.0):
    """The modern activations (left) and their derivatives (right), with ReLU dashed for reference."""
    xs = np.linspace(low, high, 1201)
    relu = activations.get("relu")
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.3, **{**MARGINS, "left": 0.09, "top": 0.8})
        for ax, fn in ((left, relu.forward), (right, relu.derivative)):
            ax.plot(xs, fn(xs), color="#888888", ls="--", lw=1, label="ReLU")
        for name, color in zip(names, COLORS, strict=False):
            act = activations.get(name)
            left.plot(xs, act.forward(xs), color=color, lw=1.4, label=_label(name))
            right.plot(xs, act.derivative(xs), color=color, lw=1.4)
        right.axhline(1.0, color="#555555", lw=0.8, ls=":")
        left.set_xlabel("$x$")
        left.set_ylabel("$f(x)$")
        right.set_xlabel("$x$")
        right.set_ylabel("$f'(x)$")
        right.set_ylim(-0.6, 1.6)
        fig.legend(*left.get_legend_handles_labels(), loc="upper center", ncol=3, fontsize=8)
    return fig


def _depth_rows(activation: str, depth: int, width: int, seeds) -> np.ndarray:
    return np.array([remedies.seeded_backward_profile(activation, depth, width, int(s)) for s in seeds])


def plot_activation_depth(
    activation: str = "gelu",
    depth: int = 20,
    *,
    width: int = 64,
    seeds=remedies.SEEDS,
    fig: Figure | None = None,
):
    """Chapter 12's activation widget: the backward signal per layer under He initialisation.

    Draws :func:`vanishing.experiments.remedies.backward_profile` for ``activation`` and
    for ReLU (grey) in a network of ``depth`` hidden layers of ``width`` units,
    on a log scale, each relative to its last hidden layer: one line per seed.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    chosen = _depth_rows(activation, depth, width, seeds)
    relu = _depth_rows("relu", depth, width, seeds)
    layers = np.arange(1, depth + 1)
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        for k, row in enumerate(relu):
            ax.plot(layers, row, "-", color="#888888", lw=0.8, label="ReLU" if k == 0 else None)
        for k, row in enumerate(chosen):
            ax.plot(
                layers,
                row,
                "o-",
                color=COLORS[0],
                ms=2.5,
                lw=1,
                alpha=0.8,
                label=_label(activation) if k == 0 else None,
            )
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        log_y(ax)
        lo = min(chosen.min(), relu.min(), 0.1)
        hi = max(chosen.max(), relu.max(), 10.0)
        ax.set_ylim(lo / 3, hi * 3)
        ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        ax.set_xlabel("hidden layer l (1 = nearest the input)")
        ax.set_ylabel("spread of $\\partial L/\\partial Z_l$, relative to layer " + str(depth))
        ax.set_title(
            f"{_label(activation)}, {depth} layers of width {width}, He initialisation, "
            f"{len(chosen)} seeds (one line each)",
            fontsize=9,
        )
        ax.legend(fontsize=8, loc="lower right")
    return fig


def describe_activation_depth(
    activation: str = "gelu", depth: int = 20, *, width: int = 64, seeds=remedies.SEEDS
) -> str:
    """Alt text for one frame of :func:`plot_activation_depth`."""
    chosen = _depth_rows(activation, depth, width, seeds)[:, 0]
    relu = _depth_rows("relu", depth, width, seeds)[:, 0]
    return (
        f"With He initialisation and {depth} hidden layers, over {len(chosen)} seeds the gradient reaching "
        f"layer 1 is {np.median(chosen):.1e} times the one at layer {depth} for {_label(activation)} "
        f"(median; range {chosen.min():.1e} to {chosen.max():.1e}), against {np.median(relu):.1e} "
        f"({relu.min():.1e} to {relu.max():.1e}) for ReLU."
    )


def plot_clipping_runs(runs):
    """Test accuracy per epoch for every seed of every setting of :func:`remedies.clipping_runs`.

    One panel per ``(lr, clip_norm)`` setting, one line per seed; a run that
    diverged is listed in its panel with the epoch in which it overflowed.
    """
    settings = list(runs)
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(settings), sharey=True, squeeze=False)
        axes = axes[0]
        fig.subplots_adjust(wspace=0.12, **{**MARGINS, "top": 0.8})
        for ax, key in zip(axes, settings, strict=True):
            lr, clip = key
            diverged = []
            for k, run in enumerate(runs[key]):
                if run.diverged_in is not None:
                    diverged.append(f"seed {run.seed}: epoch {run.diverged_in}")
                    continue
                acc = run.test_accuracy
                ax.plot(
                    np.arange(len(acc)),
                    acc,
                    marker="o",
                    ms=2.5,
                    lw=1,
                    color=COLORS[k % len(COLORS)],
                    label=f"seed {run.seed}",
                )
            if diverged:
                ax.text(
                    0.05,
                    0.95,
                    "diverged\n" + "\n".join(diverged),
                    transform=ax.transAxes,
                    va="top",
                    fontsize=7,
                )
            ax.set_title(
                f"lr {lr:g}, " + ("no clipping" if clip is None else f"clipped at {clip:g}"), fontsize=9
            )
            ax.set_xlabel("epoch")
            ax.set_ylim(0.0, 1.0)
        axes[0].set_ylabel("test accuracy")
        handles, labels = [], []
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        if handles:
            fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8)
    return fig


def plot_residual_chains(
    weight_scale: float = 1.0,
    *,
    depth: int = 100,
    n_chains: int = 1000,
    activation: str = "tanh",
    seed: int = 0,
    fig: Figure | None = None,
):
    """Chapter 12's residual widget: first-layer gradient of plain and residual chains against depth.

    Median and 10-90 % band of ``|da_d/dz_1|`` over random chains with weights
    ~ N(0, weight_scale^2) (:func:`vanishing.experiments.remedies.chain_spread`).

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    spread = remedies.seeded_chain_spread(depth, float(weight_scale), n_chains, activation, seed)
    d = spread.depths
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        for q, color, name in ((spread.plain, COLORS[1], "plain"), (spread.residual, COLORS[0], "residual")):
            lo = np.maximum(q[0], 1e-300)  # a band edge at exactly 0 cannot be drawn on a log axis
            ax.fill_between(d, lo, q[2], color=color, alpha=0.2, lw=0)
            ax.plot(d, q[1], color=color, label=f"{name} chains, median (band: 10–90 %)")
        log_y(ax)
        ax.set_ylim(1e-60, 1e10)
        ax.set_yticks([10.0**k for k in range(-60, 11, 10)])
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.set_xlabel("depth d")
        ax.set_ylabel(r"$|\partial a_d / \partial z_1|$")
        ax.set_title(f"{activation} chains, weights ~ N(0, {weight_scale:g}²)", fontsize=10)
        ax.legend(fontsize=8, loc="lower left")
    return fig


def describe_residual_chains(
    weight_scale: float = 1.0,
    *,
    depth: int = 100,
    n_chains: int = 1000,
    activation: str = "tanh",
    seed: int = 0,
) -> str:
    """Alt text for one frame of :func:`plot_residual_chains`."""
    spread = remedies.seeded_chain_spread(depth, float(weight_scale), n_chains, activation, seed)
    return (
        f"With weights of scale {weight_scale:g}, the median first-layer gradient of {depth}-layer "
        f"{activation} chains is {spread.plain[1, -1]:.0e} without skips and "
        f"{spread.residual[1, -1]:.0e} with them."
    )


def _test_accuracy(run) -> np.ndarray:
    history = getattr(run, "history", None)
    return np.asarray(history.test_accuracy if history is not None else run.test_accuracy)


def plot_remedy_runs(runs):
    """Back-propagated signal per layer at initialisation (left) and test accuracy per epoch (right).

    ``runs`` is a sequence of :class:`vanishing.experiments.remedies.NetworkRun` or
    :class:`vanishing.experiments.remedies.SeededRun`; each network's ``std(dL/dZ_l)``
    is drawn relative to its output layer.  Several runs of one variant (one per
    seed) share its colour and marker, and every one of them is drawn.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("runs must contain at least one run")
    markers = "osD^v"
    per_variant = {}
    for run in runs:
        per_variant[run.variant] = per_variant.get(run.variant, 0) + 1
    several = max(per_variant.values()) > 1
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **{**MARGINS, "top": 0.8})
        labelled = set()
        for run in runs:
            # one colour and marker per variant, the same in every figure
            k = (
                remedies.VARIANTS.index(run.variant)
                if run.variant in remedies.VARIANTS
                else len(remedies.VARIANTS)
            )
            color, marker = COLORS[k % len(COLORS)], markers[k % len(markers)]
            style = {
                "marker": marker,
                "ms": 2.5 if several else 3,
                "color": color,
                "lw": 0.9 if several else 1.4,
            }
            if several:
                style["alpha"] = 0.75
            label = None if run.variant in labelled else run.variant
            labelled.add(run.variant)
            layers = np.arange(1, len(run.delta_std) + 1)
            left.plot(layers, run.delta_std / run.delta_std[-1], label=label, **style)
            acc = _test_accuracy(run)
            right.plot(np.arange(len(acc)), acc, **style)
        log_y(left)
        left.axhline(1.0, color="#555555", lw=0.8, ls=":")
        n_layers = len(runs[0].delta_std)
        left.set_xticks(np.arange(1, n_layers + 1, 2))
        left.set_xlabel(f"layer l ({n_layers} = output)")
        right.set_xticks(np.arange(0, len(_test_accuracy(runs[0])), 2))
        left.set_ylabel(r"spread of $\partial L/\partial Z_l$ (output = 1)")
        right.set_xlabel("epoch")
        right.set_ylabel("test accuracy")
        right.set_ylim(0.0, 1.0)
        fig.legend(*left.get_legend_handles_labels(), loc="upper center", ncol=4, fontsize=8)
    return fig
