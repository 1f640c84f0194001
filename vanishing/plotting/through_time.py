"""Chapter 9: gradients through time in a vanilla RNN and an LSTM.

The two widget plots compute with :mod:`vanishing.core.recurrent` and come with a
``describe_*`` function that writes the alt text of a twin frame from the
same numbers.  The other two draw results the chapter has already computed
(training runs), so that nothing is trained twice.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core._checks import check_int, check_real
from ..experiments import through_time
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "describe_gradient_through_time",
    "describe_lstm_cell_path",
    "plot_clipping",
    "plot_gradient_through_time",
    "plot_lstm_cell_path",
    "plot_recall_results",
]

_FLOOR = 1e-60  # plotted values below this are drawn at the floor (log axis)


def _log_limits(ax, *arrays, low=1e-40, high=1e40):
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[(values > 0) & np.isfinite(values)]
    bottom = max(values.min() / 10.0, low)
    top = min(values.max() * 10.0, high)
    ax.set_ylim(bottom, max(top, bottom * 100.0))


def _other_seeds(other_seeds, seed):
    """``other_seeds`` as a tuple of distinct non-negative ints other than ``seed``."""
    if isinstance(other_seeds, (str, bytes)) or not hasattr(other_seeds, "__iter__"):
        raise TypeError(f"other_seeds must be a sequence of seeds; got {type(other_seeds).__name__}")
    seeds = tuple(check_int("other_seeds", s, low=0) for s in other_seeds)
    if seed in seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"other_seeds must be distinct and must not repeat seed={seed}; got {seeds}")
    return seeds


def plot_gradient_through_time(
    weight_scale: float = 1.0, length: int = 50, *, seed: int = 0, other_seeds=(), fig: Figure | None = None
):
    """Chapter 9's first widget: ``||dh_T/dh_t||_2`` against ``t`` for a random tanh RNN.

    Median and 10-90 % band over 16 sequences of a 32-unit RNN whose
    recurrent matrix has largest singular value ``weight_scale``
    (:func:`vanishing.experiments.through_time.gradient_through_time`), with the bound
    ``weight_scale^(T - t)`` dashed.  ``other_seeds`` adds the medians of
    further networks, one thin line each.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    tt = through_time.gradient_through_time(weight_scale, length, seed=seed)
    others = [
        through_time.gradient_through_time(weight_scale, length, seed=s)
        for s in _other_seeds(other_seeds, seed)
    ]
    q = np.maximum(tt.quantiles, _FLOOR)
    ref = np.maximum(tt.reference, _FLOOR)
    medians = [np.maximum(o.quantiles[1], _FLOOR) for o in others]
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.fill_between(tt.steps, q[0], q[2], color=COLORS[0], alpha=0.25, label="10–90 % of sequences")
        ax.plot(tt.steps, q[1], color=COLORS[0], label=r"median $\|\partial h_T/\partial h_t\|_2$")
        for k, m in enumerate(medians):
            ax.plot(
                tt.steps,
                m,
                color=COLORS[0],
                lw=0.8,
                alpha=0.6,
                label="median, other networks" if k == 0 else None,
            )
        ax.plot(
            tt.steps,
            ref,
            "--",
            color=COLORS[1],
            label=rf"bound $\lambda_1^{{T-t}}$, $\lambda_1 = {weight_scale:g}$",
        )
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        log_y(ax)
        _log_limits(ax, q, ref, *medians)
        ax.set_xlim(0, length)
        ax.set_xlabel("time step t")
        ax.set_ylabel("gradient norm")
        ax.set_title(f"Vanilla tanh RNN, T = {length}, largest singular value of W_hh = {weight_scale:g}")
        ax.legend(fontsize=8, loc="lower right" if weight_scale <= 1 else "upper right")
    return fig


def describe_gradient_through_time(weight_scale: float = 1.0, length: int = 50, *, seed: int = 0) -> str:
    """Alt text for one frame of :func:`plot_gradient_through_time`."""
    tt = through_time.gradient_through_time(weight_scale, length, seed=seed)
    first = tt.quantiles[1, 0]
    trend = "shrinks" if first < 1 else "grows"
    return (
        f"Largest singular value {weight_scale:g}, sequence length {length}: going back from step {length} "
        f"to step 0 the median gradient norm {trend} to {first:.1e}, "
        f"while the bound {weight_scale:g}^(T - t) reaches {tt.reference[0]:.1e}."
    )


def plot_lstm_cell_path(
    forget_bias: float = 1.0, length: int = 100, *, seed: int = 0, other_seeds=(), fig: Figure | None = None
):
    """Chapter 9's second widget: the gradient sent back along an LSTM's cell state.

    Median and 10-90 % band of ``||(dc_T/dc_t)^T v||`` over 16 sequences of a
    32-unit LSTM with forget-gate bias ``forget_bias``, all paths included,
    and (dashed) the same gradient along the cell-state path alone, a
    product of forget gates (:func:`vanishing.experiments.through_time.lstm_cell_gradient_through_time`).
    ``other_seeds`` adds both curves of further networks, one thin line each.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    tt = through_time.lstm_cell_gradient_through_time(forget_bias, length, seed=seed)
    others = [
        through_time.lstm_cell_gradient_through_time(forget_bias, length, seed=s)
        for s in _other_seeds(other_seeds, seed)
    ]
    q = np.maximum(tt.quantiles, _FLOOR)
    ref = np.maximum(tt.reference, _FLOOR)
    extra = [np.maximum(o.quantiles[1], _FLOOR) for o in others] + [
        np.maximum(o.reference, _FLOOR) for o in others
    ]
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.fill_between(tt.steps, q[0], q[2], color=COLORS[2], alpha=0.25, label="all paths, 10–90 %")
        ax.plot(tt.steps, q[1], color=COLORS[2], label="all paths, median")
        ax.plot(tt.steps, ref, "--", color=COLORS[1], label="cell-state path only (product of forget gates)")
        for k, o in enumerate(others):
            tag = k == 0
            ax.plot(
                tt.steps,
                np.maximum(o.quantiles[1], _FLOOR),
                color=COLORS[2],
                lw=0.8,
                alpha=0.6,
                label="all paths, median, other networks" if tag else None,
            )
            ax.plot(
                tt.steps,
                np.maximum(o.reference, _FLOOR),
                "--",
                color=COLORS[1],
                lw=0.8,
                alpha=0.6,
                label="cell-state path, other networks" if tag else None,
            )
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        log_y(ax)
        _log_limits(ax, q, ref, *extra)
        ax.set_xlim(0, length)
        ax.set_xlabel("time step t")
        ax.set_ylabel(r"$\|(\partial c_T/\partial c_t)^\top v\|$")
        ax.set_title(f"LSTM, forget-gate bias {forget_bias:g}: mean forget gate {tt.mean_gate:.2f}")
        ax.legend(fontsize=8, loc="lower right")
    return fig


def describe_lstm_cell_path(forget_bias: float = 1.0, length: int = 100, *, seed: int = 0) -> str:
    """Alt text for one frame of :func:`plot_lstm_cell_path`."""
    tt = through_time.lstm_cell_gradient_through_time(forget_bias, length, seed=seed)
    return (
        f"Forget-gate bias {forget_bias:g}: the forget gates average {tt.mean_gate:.2f}; "
        f"{length} steps back the gradient along the cell-state path alone is {tt.reference[0]:.1e} "
        f"and along all paths (median) {tt.quantiles[1, 0]:.1e}."
    )


def _histories(name, runs):
    """One :class:`RecallHistory` or a non-empty sequence of them, as a list."""
    if isinstance(runs, through_time.RecallHistory):
        return [runs]
    if isinstance(runs, (str, bytes)) or not hasattr(runs, "__iter__"):
        raise TypeError(f"{name} must be a RecallHistory or a sequence of them; got {type(runs).__name__}")
    runs = list(runs)
    if not runs or not all(isinstance(r, through_time.RecallHistory) for r in runs):
        raise TypeError(f"{name} must be a RecallHistory or a non-empty sequence of them")
    return runs


def plot_clipping(unclipped, clipped, clip_norm: float):
    """Chapter 9: training runs of the same RNN, without and with gradient clipping.

    ``unclipped`` and ``clipped`` are :class:`vanishing.experiments.through_time.RecallHistory`
    objects, or sequences of them (one per seed; every seed is drawn as a thin line).
    Left: the gradient norm before clipping, with the threshold.
    Right: the training loss, with the loss of guessing, ``ln(n_symbols)``, dotted.
    """
    unclipped = _histories("unclipped", unclipped)
    clipped = _histories("clipped", clipped)
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.3, **MARGINS)
        for runs, color, label in ((unclipped, COLORS[1], "no clipping"), (clipped, COLORS[0], "clipped")):
            alpha = 1.0 if len(runs) == 1 else 0.45
            for k, run in enumerate(runs):
                steps = np.arange(1, len(run.loss) + 1)
                tag = label if k == 0 else None
                left.plot(steps, run.grad_norm, color=color, lw=0.8, alpha=alpha, label=tag)
                right.plot(steps, run.loss, color=color, lw=0.8, alpha=alpha, label=tag)
        left.axhline(clip_norm, color="k", ls="--", lw=0.8, label=f"threshold {clip_norm:g}")
        log_y(left)
        left.set_xlabel("training step")
        left.set_ylabel("gradient norm (before clipping)")
        left.legend(fontsize=8, loc="best")
        right.axhline(np.log(unclipped[0].params.n_out), color="#555555", ls=":", lw=0.8, label="guessing")
        right.set_xlabel("training step")
        right.set_ylabel("cross-entropy loss")
        right.legend(fontsize=8, loc="upper right")
        if len(unclipped) > 1 or len(clipped) > 1:
            fig.suptitle(f"{len(unclipped)} seeds without clipping, {len(clipped)} with", fontsize=9)
    return fig


_LEGEND_LOCS = frozenset({"lower left", "upper left", "center left", "center right", "outside right"})


def plot_recall_results(results: dict, *, solved: float = 0.95, legend_loc: str = "lower left"):
    """Chapter 9: test accuracy on the recall task against the sequence length.

    ``results`` maps a model label to ``{length: [RecallHistory, ...]}`` (one
    history per seed; a model need not be run at every length).  Every seed
    is a dot, the median of the seeds a short bar; the number of seeds with
    accuracy at least ``solved`` is written above each group.  ``legend_loc``
    is a matplotlib legend location (the layer-norm comparison at one length
    uses ``"outside right"``, to the right of the axes, so that no dot is hidden).
    """
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {label: {length: [RecallHistory, ...]}}")
    solved = check_real("solved", solved, low=0.0, high=1.0)
    if legend_loc not in _LEGEND_LOCS:
        raise ValueError(f"legend_loc must be one of {sorted(_LEGEND_LOCS)}; got {legend_loc!r}")
    lengths = sorted({T for runs in results.values() for T in runs})
    slot = {T: i for i, T in enumerate(lengths)}
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
        n_models = len(results)
        width = 0.8 / n_models
        for k, (label, runs) in enumerate(results.items()):
            color = COLORS[k % len(COLORS)]
            for j, T in enumerate(sorted(runs)):
                acc = np.array([h.test_accuracy for h in runs[T]])
                centre = slot[T] + (k - (n_models - 1) / 2) * width
                jitter = np.linspace(-0.25, 0.25, len(acc)) * width if len(acc) > 1 else np.zeros(1)
                ax.plot(
                    centre + jitter,
                    acc,
                    "o",
                    color=color,
                    ms=3.5,
                    alpha=0.75,
                    label=label if j == 0 else None,
                )
                ax.plot([centre - 0.4 * width, centre + 0.4 * width], [np.median(acc)] * 2, color=color, lw=2)
                ax.text(
                    centre,
                    1.04,
                    f"{int(np.sum(acc >= solved))}/{len(acc)}",
                    ha="center",
                    fontsize=7,
                    color=color,
                )
        first = next(iter(results.values()))
        n_symbols = next(iter(first.values()))[0].params.n_out
        ax.axhline(1.0 / n_symbols, color="#555555", ls=":", lw=0.8)
        ax.text(-0.45, 1.0 / n_symbols + 0.02, "chance", ha="left", fontsize=8, color="#555555")
        ax.set_xticks(np.arange(len(lengths)), [str(T) for T in lengths])
        ax.set_xlim(-0.5, len(lengths) - 0.5)
        ax.set_ylim(0.0, 1.1)
        ax.set_xlabel("sequence length T (steps between the symbol and the answer, plus one)")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"dots: seeds; bars: medians; counts: seeds with accuracy ≥ {solved:g}", fontsize=9)
        if legend_loc == "outside right":
            ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
        else:
            ax.legend(fontsize=8, loc=legend_loc)
    return fig
