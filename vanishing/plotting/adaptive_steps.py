"""Figures of :mod:`vanishing.experiments.adaptive_steps`: SGD against Adam (chapter 3).

:func:`plot_optimiser_comparison` draws, for runs of chapter 3's deep sigmoid
network, the loss of every seed against the step (left) and each layer's
update-to-data ratio (right: the median over a run's steps, then the median
over the seeds with the seeds' range as a band), one colour per optimiser.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ..core._checks import check_real
from ..experiments.adaptive_steps import OptimiserRun
from ._style import COLORS, STYLE, log_y

__all__ = ["plot_optimiser_comparison"]


def _check_runs(name: str, runs) -> list[OptimiserRun]:
    runs = list(runs) if isinstance(runs, (list, tuple)) else runs
    if not isinstance(runs, list) or not runs or not all(isinstance(r, OptimiserRun) for r in runs):
        raise TypeError(f"{name} must be a non-empty list of OptimiserRun")
    return runs


def plot_optimiser_comparison(groups: dict, *, plateau: float):
    """Loss per seed (left) and update-to-data ratio per layer (right), one colour per group.

    ``groups`` maps a label (such as ``"SGD, lr 0.05"``) to a list of
    :class:`~vanishing.experiments.adaptive_steps.OptimiserRun`; ``plateau``
    is the loss of predicting the targets' mean, drawn as a dotted line.
    """
    if not isinstance(groups, dict) or not groups:
        raise TypeError("groups must be a non-empty dict from label to a list of OptimiserRun")
    groups = {label: _check_runs(f"groups[{label!r}]", runs) for label, runs in groups.items()}
    plateau = check_real("plateau", plateau, low=0.0, low_open=True)
    with mpl.rc_context(STYLE):
        fig, (ax_loss, ax_ratio) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.92, wspace=0.3)
    for k, (label, runs) in enumerate(groups.items()):
        color = COLORS[k % len(COLORS)]
        for i, run in enumerate(runs):
            ax_loss.plot(run.losses, color=color, lw=1.0, alpha=0.8, label=label if i == 0 else None)
        per_seed = np.array([np.median(run.update_ratios, axis=0) for run in runs])
        layers = np.arange(1, per_seed.shape[1] + 1)
        ax_ratio.fill_between(
            layers, per_seed.min(axis=0), per_seed.max(axis=0), color=color, alpha=0.25, lw=0
        )
        ax_ratio.plot(layers, np.median(per_seed, axis=0), "o-", ms=4, color=color, label=label)
    ax_loss.axhline(plateau, color="#333333", ls=":", lw=1.0, label="predicting the mean")
    ax_loss.set(xlabel="step", ylabel="mean squared error", title="loss, every seed")
    ax_loss.legend(fontsize=8, loc="lower left")
    log_y(ax_ratio)
    ax_ratio.set_xticks(layers)
    ax_ratio.set(
        xlabel="layer l (1 = nearest the input)",
        ylabel=r"$\mathrm{std}(\Delta W_l) / \mathrm{std}(W_l)$ per step",
        title="update-to-data ratio (median over steps)",
    )
    ax_ratio.legend(fontsize=8, loc="center left")
    return fig
