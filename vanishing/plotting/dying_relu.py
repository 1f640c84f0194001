"""Chapter 6: ReLU, dead units, He initialisation and batch normalisation.

Each function computes with :mod:`vanishing.experiments.dying_relu` (or
:mod:`vanishing.core.activations`) and returns a :class:`matplotlib.figure.Figure`
in the course style (``plot_revival_seeds`` draws every seed of the
revival runs).  ``plot_init_profile`` and ``plot_dead_training`` are
widgets; ``describe_init_profile`` and ``describe_dead_training`` give the alt
text of their pre-rendered frames.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core import activations
from ..experiments import dying_relu
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "INIT_COLORS",
    "RELU_ACT_STD",
    "describe_dead_training",
    "describe_init_profile",
    "plot_batch_norm_profile",
    "plot_dead_raster",
    "plot_dead_sweep",
    "plot_dead_training",
    "plot_init_profile",
    "plot_relu_derivative",
    "plot_revival_seeds",
]

#: One colour per initialisation, the same in every figure of the chapter.
INIT_COLORS = {"he_normal": COLORS[0], "xavier_normal": COLORS[1], "normal(0.01)": COLORS[2]}

#: Standard deviation of relu(z) for z ~ N(0, 2), the He network's steady state:
#: sqrt(E[relu(z)^2] - E[relu(z)]^2) = sqrt(1 - 1/pi) (derived in chapter 6).
RELU_ACT_STD = float(np.sqrt(1.0 - 1.0 / np.pi))


def _init_color(init: str) -> str:
    return INIT_COLORS.get(init, COLORS[3])


def plot_relu_derivative():
    """Left: the ReLU.  Right: the slopes of the sigmoid, tanh and ReLU, with the
    value the library (like PyTorch, JAX and TensorFlow) uses at the kink."""
    xs = np.linspace(-4.0, 4.0, 801)
    relu = activations.get("relu")
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.3, **MARGINS)
        left.plot(xs, relu.forward(xs), color=COLORS[0], lw=2)
        left.set_xlabel("$x$")
        left.set_ylabel(r"$\mathrm{relu}(x) = \max(x, 0)$")
        for i, name in enumerate(("sigmoid", "tanh"), start=1):
            right.plot(xs, activations.get(name).derivative(xs), color=COLORS[i], lw=1.5, label=name)
        neg, pos = xs < 0, xs > 0
        right.plot(xs[neg], relu.derivative(xs[neg]), color=COLORS[0], lw=2, label="ReLU")
        right.plot(xs[pos], relu.derivative(xs[pos]), color=COLORS[0], lw=2)
        right.plot([0.0], [1.0], "o", mfc="white", mec=COLORS[0], ms=5)
        right.plot([0.0], [0.0], "o", color=COLORS[0], ms=5)
        right.set_xlabel("$x$")
        right.set_ylabel("$f'(x)$")
        right.set_ylim(-0.08, 1.15)
        right.legend(fontsize=8, loc="center left")
        right.set_title("filled dot: value used at x = 0", fontsize=9)
    return fig


def plot_init_profile(
    depth: int = 30,
    init: str = "he_normal",
    *,
    width: int = 128,
    seeds=(0, 1, 2, 3, 4),
    fig: Figure | None = None,
):
    """Chapter 6's first widget: a fresh ReLU network's per-layer statistics.

    Left: standard deviation of the activations of each hidden layer; right:
    standard deviation of the backward signal dL/dz_l.  The line is the
    geometric mean over ``seeds`` and the band spans the seeds.  The He
    network is drawn in grey for reference when another ``init`` is chosen;
    the dotted line marks sqrt(1 - 1/pi), the activation spread He
    initialisation keeps.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    prof = dying_relu.init_profiles(depth, init, width=width, seeds=tuple(seeds), n_samples=width)
    ref = (
        None
        if init == "he_normal"
        else dying_relu.init_profiles(depth, "he_normal", width=width, seeds=tuple(seeds), n_samples=width)
    )
    color = _init_color(init)
    with mpl.rc_context(STYLE):
        fig, axes = new_or_reused(fig, 2)
        fig.subplots_adjust(wspace=0.35, **{**MARGINS, "left": 0.11, "top": 0.86})
        for ax, field, label in zip(
            axes,
            ("act_std", "delta_std"),
            ("std of activations $a_l$", r"std of $\partial L/\partial z_l$"),
            strict=True,
        ):
            if ref is not None:
                ax.plot(ref.layers, ref.geometric_mean(field), color="#888888", lw=1.2, label="he_normal")
            values = getattr(prof, field)
            ax.fill_between(prof.layers, values.min(axis=0), values.max(axis=0), color=color, alpha=0.25)
            ax.plot(prof.layers, prof.geometric_mean(field), "o-", color=color, ms=2.5, lw=1.5, label=init)
            log_y(ax)
            ax.set_xlabel("hidden layer l")
            ax.set_ylabel(label)
        axes[0].axhline(RELU_ACT_STD, color="#333333", ls=":", lw=1)
        axes[0].legend(fontsize=8, loc="lower left")
        fig.suptitle(f"ReLU network at initialisation: {init}, {depth} layers of {width}", fontsize=10)
    return fig


def describe_init_profile(
    depth: int = 30, init: str = "he_normal", *, width: int = 128, seeds=(0, 1, 2, 3, 4)
) -> str:
    """Alt text for one frame of :func:`plot_init_profile`, with its numbers."""
    prof = dying_relu.init_profiles(depth, init, width=width, seeds=tuple(seeds), n_samples=width)
    act = prof.geometric_mean("act_std")
    delta = prof.geometric_mean("delta_std")
    return (
        f"With {init} weights and {depth} ReLU layers the activation spread goes from {act[0]:.2g} "
        f"in layer 1 to {act[-1]:.2g} in layer {depth}, and the backward signal is {delta[0]:.2g} "
        f"at layer 1 against {delta[-1]:.2g} at layer {depth}."
    )


def plot_dead_sweep(**sweep_kwargs):
    """Fraction of dead hidden units after short training runs on the digits, against the
    learning rate, one colour per depth and one panel per initialisation (chapter 6).

    Every run that did not diverge is a small open marker (shifted sideways a
    little per depth, so that equal values stay visible); the line joins the
    medians over those runs; a cross above the 100 % line, labelled with the
    number of runs, marks a setting in which a run diverged.  ``sweep_kwargs`` go to :func:`vanishing.experiments.dying_relu.dead_sweep`.
    """
    sw = dying_relu.dead_sweep(**sweep_kwargs)
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(sw.inits), sharey=True, squeeze=False)
        axes = axes[0]
        fig.subplots_adjust(wspace=0.12, **{**MARGINS, "top": 0.88})
        lrs = np.array(sw.lrs)
        for ax, a, init in zip(axes, range(len(sw.inits)), sw.inits, strict=True):
            for b, depth in enumerate(sw.depths):
                runs = 100 * np.where(sw.diverged[a, b], np.nan, sw.final[a, b])  # (lrs, seeds)
                shift = lrs * 1.06 ** (b - (len(sw.depths) - 1) / 2)  # a log-scale offset per depth
                for c in range(len(sw.lrs)):
                    ok = ~np.isnan(runs[c])
                    ax.plot(
                        np.full(int(ok.sum()), shift[c]),
                        runs[c][ok],
                        "o",
                        mfc="none",
                        color=COLORS[b],
                        ms=3.5,
                        mew=0.8,
                        alpha=0.8,
                    )
                median = np.array(
                    [np.median(r[~np.isnan(r)]) if (~np.isnan(r)).any() else np.nan for r in runs]
                )
                ax.plot(shift, median, "-", color=COLORS[b], lw=1.6, label=f"{depth} hidden layers")
                for c in range(len(sw.lrs)):
                    if sw.diverged[a, b, c].any():  # above the 100 % line, labelled, not a value
                        ax.plot([shift[c]], [107], "x", color=COLORS[b], ms=7, mew=2)
                        n = int(sw.diverged[a, b, c].sum())
                        ax.annotate(
                            f"{n} diverged",
                            (shift[c], 107),
                            xytext=(-6, 0),
                            textcoords="offset points",
                            ha="right",
                            va="center",
                            fontsize=7,
                            color=COLORS[b],
                            annotation_clip=False,
                        )
            ax.set_xscale("log")
            ax.set_xticks(sw.lrs, [f"{lr:g}" for lr in sw.lrs])
            ax.minorticks_off()
            ax.set_xlabel("learning rate")
            ax.set_title(f"{init}: {len(sw.seeds)} seeds, line = median", fontsize=10)
            ax.set_ylim(-3, 112)
            ax.set_yticks(range(0, 101, 20))
            ax.axhline(100, color="0.6", lw=0.6)
        axes[0].set_ylabel(f"% dead units after {sw.epochs} epochs")
        axes[0].legend(fontsize=8, loc="upper left")
    return fig


def _dead_training_data(lr, depth):
    sw = dying_relu.dead_sweep()
    return sw, {init: sw.curve(init, depth, lr) for init in sw.inits}


def plot_dead_training(lr: float = 1.0, depth: int = 8, *, fig: Figure | None = None):
    """Chapter 6's second widget: dead units during training on the digits.

    Left: the percentage of all hidden units that are dead after each epoch,
    one thin line per seed and a thick line for the mean of the runs that did
    not diverge (a diverged run is dashed and ends in a cross), for He and
    Xavier initialisation.  Right: the percentage dead in each layer after
    the last epoch (mean over seeds).  Uses the cached default
    :func:`vanishing.dying_relu.dead_sweep`, so ``lr`` and ``depth`` must be
    values of that sweep.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    sw, curves = _dead_training_data(lr, depth)
    epochs = np.arange(sw.epochs + 1)
    layers = np.arange(1, depth + 1)
    bar = 0.8 / len(sw.inits)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.3, **{**MARGINS, "top": 0.86})
        for k, (init, curve) in enumerate(curves.items()):
            color = _init_color(init)
            pooled = 100 * curve.mean(axis=2)  # (seeds, epochs + 1): every layer has the same width
            diverged = np.isnan(pooled[:, -1])
            for run, div in zip(pooled, diverged, strict=True):
                left.plot(epochs, run, color=color, lw=0.8, alpha=0.6, ls="--" if div else "-")
                if div:  # mark where the run stopped
                    last = int(np.flatnonzero(~np.isnan(run))[-1])
                    left.plot([epochs[last]], [run[last]], "x", color=color, ms=7, mew=2)
            if (~diverged).any():
                left.plot(epochs, pooled[~diverged].mean(axis=0), color=color, lw=2.2, label=init)
            final = 100 * np.nanmean(curve[:, -1, :], axis=0)
            right.bar(layers + (k - (len(sw.inits) - 1) / 2) * bar, np.nan_to_num(final), bar, color=color)
        left.set_xlabel("epoch")
        left.set_ylabel("% of hidden units dead")
        left.set_ylim(-3, 103)
        left.legend(fontsize=8, loc="upper left")
        right.set_xlabel("hidden layer")
        right.set_ylabel(f"% dead after epoch {sw.epochs}")
        right.set_ylim(0, 103)
        right.set_xticks(layers)
        fig.suptitle(f"ReLU networks on the digits: learning rate {lr:g}, {depth} hidden layers", fontsize=10)
    return fig


def describe_dead_training(lr: float = 1.0, depth: int = 8) -> str:
    """Alt text for one frame of :func:`plot_dead_training`, with its numbers."""
    sw, curves = _dead_training_data(lr, depth)
    parts = []
    for init, curve in curves.items():
        pooled = 100 * curve.mean(axis=2)
        a, b = sw.inits.index(init), sw.depths.index(depth)
        c = sw.lrs.index(lr)
        n_div = int(sw.diverged[a, b, c].sum())
        tail = f" ({n_div} of {len(sw.seeds)} runs diverged)" if n_div else ""
        parts.append(
            f"{init}: {np.nanmean(pooled[:, 0]):.0f} % dead at the start, "
            f"{np.nanmean(pooled[:, -1]):.0f} % after {sw.epochs} epochs{tail}"
        )
    return f"Learning rate {lr:g}, {depth} hidden layers. " + "; ".join(parts) + "."


def plot_dead_raster(lrs=(0.3, 0.4), depth: int = 8, seed: int = 0, *, epochs: int = 30):
    """Which units are dead after each epoch, for one He-initialised network per learning rate.

    Each panel is one training run (:func:`vanishing.dying_relu.revival_run`):
    rows are hidden units grouped by layer (layer 1 at the top), columns are
    epochs, and a dark cell means the unit was dead on the whole training set
    after that epoch.
    """
    traces = [dying_relu.revival_run(depth, lr, seed, epochs=epochs) for lr in lrs]
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(lrs), sharey=True, squeeze=False)
        axes = axes[0]
        fig.subplots_adjust(wspace=0.08, **{**MARGINS, "left": 0.1, "top": 0.88})
        for ax, lr, trace in zip(axes, lrs, traces, strict=True):
            image = np.vstack([m.T for m in trace.masks]).astype(float)
            ax.imshow(
                image,
                aspect="auto",
                cmap=mpl.colors.ListedColormap(["#f2f2f2", "#222222"]),
                interpolation="nearest",
                extent=(-0.5, trace.epochs + 0.5, image.shape[0] - 0.5, -0.5),
            )
            edges = np.cumsum([m.shape[1] for m in trace.masks])[:-1]
            for e in edges:
                ax.axhline(e - 0.5, color=COLORS[0], lw=0.8)
            ax.grid(False)
            ax.set_xlabel("epoch")
            ax.set_title(
                f"learning rate {lr:g}: final accuracy {100 * trace.train_accuracy[-1]:.0f} %", fontsize=9
            )
        widths = [m.shape[1] for m in traces[0].masks]
        centres = np.cumsum(widths) - np.array(widths) / 2 - 0.5
        axes[0].set_yticks(centres, [f"layer {i}" for i in range(1, len(widths) + 1)])
    return fig


def plot_batch_norm_profile(
    depth: int = 20,
    width: int = 128,
    inits=("normal(0.01)", "he_normal", "normal(0.2)"),
    seeds=(0, 1, 2, 3, 4),
):
    """What batch normalisation does to a fresh ReLU network's per-layer statistics.

    Left: the standard deviation of each hidden layer's activations; right:
    the norm of the gradient of each hidden layer's weights (geometric mean
    over ``seeds``).  Solid lines without batch normalisation, dashed with it,
    one colour per initialisation.
    """
    styles = {False: "-", True: "--"}
    spare = iter(COLORS[3:])
    colors = {init: INIT_COLORS.get(init) or next(spare) for init in inits}
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.35, **{**MARGINS, "top": 0.86})
        for init in inits:
            for bn in (False, True):
                prof = dying_relu.init_profiles(
                    depth, init, width=width, seeds=tuple(seeds), n_samples=width, batch_norm=bn
                )
                kw = {"color": colors[init], "ls": styles[bn], "lw": 1.6}
                left.plot(prof.layers, prof.geometric_mean("act_std"), **kw)
                right.plot(prof.layers, prof.geometric_mean("grad_w_norm"), **kw)
        for ax, ylabel in ((left, "std of activations $a_l$"), (right, r"$\|\partial L/\partial W_l\|$")):
            log_y(ax)
            ax.set_xlabel("hidden layer l")
            ax.set_ylabel(ylabel)
        handles = [mpl.lines.Line2D([], [], color=colors[init], lw=1.6, label=init) for init in inits]
        handles += [
            mpl.lines.Line2D([], [], color="#333333", ls="-", lw=1.2, label="without batch norm"),
            mpl.lines.Line2D([], [], color="#333333", ls="--", lw=1.2, label="with batch norm"),
        ]
        left.legend(handles=handles, fontsize=7, loc="lower left")
        fig.suptitle(f"ReLU, {depth} layers of {width}: solid without, dashed with batch norm", fontsize=10)
    return fig


def plot_revival_seeds(lrs=(0.3, 0.4), depth: int = 8, seeds=tuple(range(10)), *, epochs: int = 30):
    """Revival and final accuracy of every seed's run, one marker per seed and learning rate.

    Each run is :func:`vanishing.experiments.dying_relu.revival_run`, totalled by
    :func:`vanishing.experiments.dying_relu.revival_seeds`.  Left:
    the share of the units that were ever dead which came back later; right:
    the final training accuracy.  A ringed marker is a run in which a whole
    layer was dead after some epoch; a run whose step overflowed has no values
    and is drawn as a cross on the "overflow" line above the panel's range.
    """
    rs = dying_relu.revival_seeds(lrs, depth, seeds, epochs=epochs)
    share = rs.revived_share()
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, sharex=True)
        fig.subplots_adjust(wspace=0.42, **{**MARGINS, "left": 0.16, "top": 0.8})
        for i in range(len(rs.lrs)):
            color = COLORS[i % len(COLORS)]
            offset = (i - (len(rs.lrs) - 1) / 2) * 0.2
            for j, seed in enumerate(rs.seeds):
                x = seed + offset
                if rs.overflowed[i, j]:
                    for ax in (left, right):
                        ax.plot([x], [1.1], "x", color=color, ms=7, mew=1.8)
                    continue
                for ax, value in ((left, share[i, j]), (right, rs.accuracy[i, j])):
                    ax.plot([x], [value], "o", color=color, ms=6)
                    if rs.layer_lost[i, j]:
                        ax.plot([x], [value], "o", mfc="none", mec="#222222", ms=11, mew=1.2)
        for ax, ylabel in (
            (left, "share of dead units revived"),
            (right, "final training accuracy"),
        ):
            ax.set_ylim(-0.05, 1.17)
            ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0, 1.1], ["0", "0.25", "0.5", "0.75", "1", "overflow"])
            ax.axhline(1.05, color="#999999", lw=0.6)
            ax.set_xlabel("seed")
            ax.set_xticks(rs.seeds)
            ax.set_ylabel(ylabel)
        handles = [
            mpl.lines.Line2D([], [], color=COLORS[k % len(COLORS)], marker="o", ls="", label=f"lr {lr:g}")
            for k, lr in enumerate(rs.lrs)
        ]
        handles.append(
            mpl.lines.Line2D(
                [], [], marker="o", mfc="none", mec="#222222", ls="", ms=9, label="a whole layer died"
            )
        )
        fig.legend(
            handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.93), ncol=len(handles)
        )
        fig.suptitle(f"ReLU, {depth} hidden layers, {len(rs.seeds)} seeds: one marker per run", fontsize=10)
    return fig
