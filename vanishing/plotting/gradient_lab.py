"""Chapter 10: the gradient lab (per-layer gradients while training on the digits).

Every plot function reads cached runs from :mod:`vanishing.experiments.gradient_lab`, so a figure,
the live widget and every frame of its twin share one training run per
setting.
"""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments import gradient_lab
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused
from .diagnostics import plot_layer_report

__all__ = [
    "LAB_REPORT_STAGES",
    "describe_lab_report",
    "describe_training",
    "plot_gradient_profiles",
    "plot_lab_report",
    "plot_remedies",
    "plot_seed_accuracies",
    "plot_signals",
    "plot_sweep",
    "plot_training",
]

_CHANCE = 0.1  # ten balanced classes

#: The two moments of a run at which :func:`plot_lab_report` can look at its network.
LAB_REPORT_STAGES = ("initialisation", "trained")


def _layers(r):
    return np.arange(1, r.depth + 2)


def _integer_ticks(ax, layers):
    step = max(1, int(np.ceil(len(layers) / 8)))
    ax.set_xticks(layers[::step])


def _accuracy_axes(ax, epochs):
    ax.axhline(_CHANCE, color="#555555", lw=0.8, ls=":")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlim(0, epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")


def plot_training(
    activation: str = "sigmoid", depth: int = 10, init: str = "xavier_normal", *, fig: Figure | None = None
):
    """Chapter 10's widget: how fast each layer learns, and what the network achieves.

    Left: the relative update ``||ΔW_l|| / ||W_l||`` of every layer in the
    first and in the last epoch (log scale).  Right: test accuracy after
    every epoch, with chance (0.1) dotted.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    r = gradient_lab.run(activation, init, depth)
    layers = _layers(r)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **MARGINS)
        if r.diverged:
            left.text(0.5, 0.5, f"diverged in epoch {r.diverged_at}", ha="center", transform=left.transAxes)
        else:
            left.plot(layers, r.rel_update[0], "o-", ms=3, color=COLORS[0], label="epoch 1")
            left.plot(layers, r.rel_update[-1], "s--", ms=3, color=COLORS[1], label=f"epoch {r.epochs}")
            log_y(left)
            low, high = left.get_ylim()
            left.set_ylim(low, high * (high / low) ** 0.4)  # headroom for the legend
            left.legend(
                fontsize=8,
                loc="upper left",
                ncols=2,
                title=f"speed ratio {r.update_ratio[0]:.1e}",
                title_fontsize=8,
            )
        left.set_title(f"{activation}, {init}, {depth} hidden layers", fontsize=9)
        _integer_ticks(left, layers)
        left.set_xlabel("layer l (1 = nearest the input)")
        left.set_ylabel(r"$\|\Delta W_l\| \,/\, \|W_l\|$ per epoch")
        right.plot(np.arange(r.epochs + 1), r.test_accuracy, "o-", ms=3, color=COLORS[2])
        _accuracy_axes(right, r.epochs)
        done = "training diverged" if r.diverged else f"final test accuracy {r.final_accuracy:.2f}"
        right.set_title(done, fontsize=9)
    return fig


def describe_training(activation: str = "sigmoid", depth: int = 10, init: str = "xavier_normal") -> str:
    """Alt text of a :func:`plot_training` frame: what it shows, with the numbers."""
    return gradient_lab.summarise(gradient_lab.run(activation, init, depth))


def plot_gradient_profiles(pairs=(("sigmoid", "xavier_normal"), ("relu", "he_normal")), depth: int = 10):
    """Per-layer gradient norm ``||dL/dW_l||`` (mean over each epoch's steps), one line per epoch.

    One panel per ``(activation, init)`` pair; epochs go from light to dark.
    """
    pairs = list(pairs)
    if not 1 <= len(pairs) <= 3:
        raise ValueError("pairs must list one to three (activation, init) pairs")
    runs = [gradient_lab.run(a, i, depth) for a, i in pairs]
    cmap = mpl.colormaps["viridis"]
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(runs), squeeze=False, sharey=True)
        fig.subplots_adjust(wspace=0.1, **MARGINS)
        for ax, r in zip(axes[0], runs, strict=True):
            for e in range(r.epochs):
                shade = cmap(0.85 - 0.75 * e / max(r.epochs - 1, 1))
                ax.plot(_layers(r), r.grad_norm[e], "o-", ms=2.5, lw=1.2, color=shade, label=f"epoch {e + 1}")
            log_y(ax)
            _integer_ticks(ax, _layers(r))
            ax.set_xlabel("layer l")
            ax.set_title(f"{r.activation} + {r.init}", fontsize=9)
        axes[0][0].set_ylabel(r"$\|\partial L / \partial W_l\|$, mean over the epoch")
        axes[0][-1].legend(fontsize=7, loc="lower right", ncols=2)
    return fig


def _ratio_label(v: float) -> str:
    if not np.isfinite(v):
        return "div." if np.isnan(v) else "inf"
    return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


def plot_sweep(depth: int = 10, seeds=gradient_lab.SEEDS):
    """The comparison sweep as two grids (activation × initialisation), the median over ``seeds``.

    Chapter 10.  Every cell trains one network per seed
    (:func:`vanishing.experiments.gradient_lab.seed_runs`, default
    :data:`~vanishing.experiments.gradient_lab.SEEDS`, cached).  Left: the median
    test accuracy after the last epoch, and under it how many seeds trained
    (accuracy above :data:`~vanishing.experiments.gradient_lab.TRAINED`).  Right:
    the median speed ratio ``u_L / u_1`` of the first epoch, on a log colour
    scale.  Diverged runs are left out of the medians; a cell whose runs all
    diverged is grey.
    """
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of integers; got {seeds!r}")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    acts, inits = gradient_lab.ACTIVATIONS, tuple(gradient_lab.INITS)
    acc = np.full((len(acts), len(inits)), np.nan)
    ratio = np.full((len(acts), len(inits)), np.nan)
    trained = np.zeros((len(acts), len(inits)), dtype=int)
    for (row, a), (col, i) in itertools.product(enumerate(acts), enumerate(inits)):
        ok = [r for r in gradient_lab.seed_runs(a, i, depth, seeds=seeds) if not r.diverged]
        trained[row, col] = sum(r.final_accuracy > gradient_lab.TRAINED for r in ok)
        if ok:
            acc[row, col] = np.median([r.final_accuracy for r in ok])
            ratio[row, col] = np.median([r.update_ratio[0] for r in ok])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log10(ratio)
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(left=0.13, right=0.98, bottom=0.1, top=0.86, wspace=0.45)
        panels = (
            (
                left,
                acc,
                "viridis",
                (0.0, 1.0),
                "median test accuracy (seeds trained)",
                lambda row, col: f"{acc[row, col]:.2f} ({trained[row, col]}/{len(seeds)})",
            ),
            (
                right,
                log_ratio,
                "magma_r",
                (-1.0, 19.0),
                "median speed ratio $u_L/u_1$, epoch 1",
                lambda row, col: _ratio_label(ratio[row, col]),
            ),
        )
        for ax, values, cmap, (lo, hi), title, label in panels:
            cm = mpl.colormaps[cmap].with_extremes(bad="#bbbbbb")
            ax.imshow(np.ma.masked_invalid(values), cmap=cm, vmin=lo, vmax=hi, aspect="auto")
            ax.grid(False)
            ax.set_xticks(range(len(inits)), [i.replace("_normal", "") for i in inits], fontsize=8)
            ax.set_yticks(range(len(acts)), acts, fontsize=8)
            ax.set_title(title, fontsize=9)
            for (row, col), v in np.ndenumerate(values):
                light = np.isfinite(v) and (v - lo) / (hi - lo) < 0.5
                dark_bg = light if cmap == "viridis" else not light
                ax.text(
                    col,
                    row,
                    label(row, col),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if dark_bg else "black",
                )
        fig.suptitle(
            f"{depth} hidden layers of {gradient_lab.DEFAULTS['width']} units, digits,"
            f" median over seeds {', '.join(str(k) for k in seeds)}",
            fontsize=10,
        )
    return fig


def plot_seed_accuracies(pairs, depth: int = 10, seeds=gradient_lab.SEEDS):
    """Test accuracy after the last epoch of every seed, one row per (activation, init) pair.

    Each dot is one run of :func:`vanishing.experiments.gradient_lab.seed_runs`
    (a diverged run is not drawn); the vertical bar marks the median of the
    runs that did not diverge, the dotted line chance.
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must list at least one (activation, init) pair")
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(left=0.3, right=0.97, bottom=0.14, top=0.9)
        for row, (a, i) in enumerate(pairs):
            runs = gradient_lab.seed_runs(a, i, depth, seeds=seeds)
            acc = np.array([r.final_accuracy for r in runs if not r.diverged])
            ax.plot(acc, np.full(len(acc), row), "o", ms=5, color=COLORS[0], alpha=0.7)
            if len(acc):
                ax.plot([np.median(acc)] * 2, [row - 0.3, row + 0.3], "-", lw=2, color=COLORS[1])
        ax.axvline(_CHANCE, color="#555555", lw=0.8, ls=":")
        ax.set_yticks(range(len(pairs)), [f"{a} + {i}" for a, i in pairs], fontsize=8)
        ax.set_ylim(len(pairs) - 0.5, -0.5)
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel("test accuracy after the last epoch (one dot per seed, bar: median)")
        ax.set_title(f"{depth} hidden layers, seeds {', '.join(str(k) for k in seeds)}", fontsize=9)
    return fig


def plot_signals(pairs=(("sigmoid", "xavier_normal"), ("relu", "xavier_normal")), depth: int = 10):
    """The two factors of each layer's gradient at initialisation, median over 64 digits.

    Solid: the size of the layer's input ``||a_{l-1}||``; dashed: the size of
    its backward signal ``||δ_l||``; dotted: their product, the gradient
    norm ``||dL/dW_l||`` of one example.
    """
    pairs = list(pairs)
    if not 1 <= len(pairs) <= 3:
        raise ValueError("pairs must list one to three (activation, init) pairs")
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(pairs), squeeze=False, sharey=True)
        fig.subplots_adjust(wspace=0.1, **MARGINS)
        for ax, (a, i) in zip(axes[0], pairs, strict=True):
            s = gradient_lab.layer_signals(a, i, depth)
            layers = np.arange(1, depth + 2)
            ax.plot(
                layers,
                np.median(s.forward, axis=0),
                "o-",
                ms=3,
                color=COLORS[0],
                label=r"input $\|a_{l-1}\|$",
            )
            ax.plot(
                layers,
                np.median(s.backward, axis=0),
                "s--",
                ms=3,
                color=COLORS[1],
                label=r"backward $\|\delta_l\|$",
            )
            ax.plot(
                layers,
                np.median(s.grad, axis=0),
                ":",
                lw=2,
                color=COLORS[6],
                label=r"gradient $\|\partial L/\partial W_l\|$",
            )
            log_y(ax)
            _integer_ticks(ax, layers)
            ax.set_xlabel("layer l")
            ax.set_title(f"{a} + {i}", fontsize=9)
        axes[0][0].set_ylabel("norm (median over 64 digits)")
        axes[0][-1].legend(fontsize=7, loc="lower right")
    return fig


def plot_remedies(
    activation: str = "sigmoid", init: str = "xavier_normal", depth: int = 10, seeds=gradient_lab.SEEDS
):
    """Plain network against batch normalisation and residual connections, every seed drawn.

    Left: relative update per layer in the first epoch (log scale).  Right:
    test accuracy per epoch.  One thin line per seed in ``seeds`` (default
    :data:`vanishing.experiments.gradient_lab.SEEDS`), one colour per variant;
    a diverged run ends where its step overflowed.
    """
    variants = (
        ("plain", {}),
        ("batch norm", {"batch_norm": True}),
        ("residual", {"residual": True}),
    )
    groups = [
        (name, gradient_lab.seed_runs(activation, init, depth, seeds=seeds, **kw)) for name, kw in variants
    ]
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **MARGINS)
        for (name, runs), color, marker in zip(groups, COLORS, "os^", strict=False):
            for k, r in enumerate(runs):
                label = name if k == 0 else None
                style = {"color": color, "lw": 0.9, "alpha": 0.75, "ms": 2.5, "label": label}
                left.plot(_layers(r), r.rel_update[0], marker + "-", **style)
                right.plot(np.arange(r.epochs + 1), r.test_accuracy, marker + "-", **style)
        first = groups[0][1][0]
        log_y(left)
        _integer_ticks(left, _layers(first))
        left.set_xlabel("layer l (1 = nearest the input)")
        left.set_ylabel(r"$\|\Delta W_l\| \,/\, \|W_l\|$, epoch 1")
        left.legend(fontsize=8, loc="best")
        _accuracy_axes(right, first.epochs)
        fig.suptitle(
            f"{activation} + {init}, {depth} hidden layers, one line per seed ({len(groups[0][1])} seeds)",
            fontsize=10,
        )
    return fig


def _lab_report(activation, init, stage, depth):
    if stage not in LAB_REPORT_STAGES:
        raise ValueError(f"stage must be one of {LAB_REPORT_STAGES}; got {stage!r}")
    return gradient_lab.lab_report(activation, init, depth, trained=stage == "trained")


def plot_lab_report(
    activation: str = "sigmoid",
    init: str = "xavier_normal",
    stage: str = "initialisation",
    depth: int = 10,
    *,
    fig: Figure | None = None,
):
    """Chapter 10's diagnostics widget: :func:`plot_layer_report` of a lab network.

    The network is the one :func:`vanishing.experiments.gradient_lab.run`
    trains (seed 0), at initialisation (``stage="initialisation"``) or after
    its six epochs of SGD (``stage="trained"``), measured on all the training
    digits (:func:`vanishing.experiments.gradient_lab.lab_report`, cached).
    ``fig``: a figure this function returned before, to draw into.
    """
    report = _lab_report(activation, init, stage, depth)
    when = "at initialisation" if stage == "initialisation" else "after training"
    return plot_layer_report(report, title=f"{activation} + {init}, {depth} hidden layers, {when}", fig=fig)


def describe_lab_report(
    activation: str = "sigmoid", init: str = "xavier_normal", stage: str = "initialisation", depth: int = 10
) -> str:
    """Alt text of a :func:`plot_lab_report` frame: what it shows, with the numbers."""
    r = _lab_report(activation, init, stage, depth)
    when = "at initialisation" if stage == "initialisation" else "after six epochs of SGD"
    g = r.grad_std
    if g[-1] > 0 and g[0] > 0:
        gradient = f"the gradient's standard deviation goes from {g[-1]:.1e} at layer {len(g)} to {g[0]:.1e} at layer 1"
    else:
        gradient = (
            f"the gradient's standard deviation is {g[-1]:.1e} at layer {len(g)} and {g[0]:.1e} at layer 1"
        )
    return (
        f"Histograms of the activations and of their gradients in each of the {len(g)} hidden layers of a "
        f"{activation} network with {init} weights, {when}, on all {len(gradient_lab.lab_data().y_train)} training digits: {gradient}; "
        f"the largest saturated share of a layer is {r.saturated.max():.0%}, the largest dead share "
        f"{r.dead.max():.0%}; the gradient-to-data ratio of the weights runs from "
        f"{r.grad_to_data[0]:.1e} (layer 1) to {r.grad_to_data[-1]:.1e} (layer {len(g)})."
    )
