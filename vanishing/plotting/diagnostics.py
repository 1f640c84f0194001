"""Figures of :mod:`vanishing.core.diagnostics`: the per-layer report and the update-to-data ratio.

:func:`plot_layer_report` draws, for each hidden layer, the distribution of
its activations and of the gradient that reaches them, with the saturated (or
dead) share and the gradient-to-data ratio of its weights;
:func:`plot_update_ratios` draws each layer's update-to-data ratio over the
steps of training, against the 10^-3 that practitioners aim for.  Both take
what the core functions return, so a report built from another framework's
numbers (:func:`vanishing.core.diagnostics.layer_report`) draws the same way.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core._checks import as_float_array
from ..core.diagnostics import LayerReport
from ._style import STYLE, log_y, new_or_reused, reuse

__all__ = ["plot_layer_report", "plot_update_ratios"]

#: The update-to-data ratio practitioners aim for (Karpathy, "Building makemore, part 3").
_TARGET_RATIO = 1e-3


def _layer_colors(n: int):
    return mpl.colormaps["viridis"](np.linspace(0.0, 0.9, n))


def _histogram(ax, values, color, label, bins):
    counts, edges = np.histogram(values, bins=bins, density=True)
    ax.step(0.5 * (edges[1:] + edges[:-1]), counts, where="mid", color=color, lw=1.2, label=label)


def plot_layer_report(report: LayerReport, *, title: str | None = None, fig: Figure | None = None):
    """Three panels: activations per layer, gradients per layer, and the layer summaries.

    The key to the layers' colours sits under the two histograms, and the key
    to the summary panel under that panel, so that no key covers data.
    ``fig``: a figure this function returned before, to draw into (a widget's
    frames reuse one figure).
    """
    if not isinstance(report, LayerReport):
        raise TypeError(
            f"report must be a vanishing.core.diagnostics.LayerReport; got {type(report).__name__}"
        )
    n = len(report.activations)
    colors = _layer_colors(n)
    with mpl.rc_context(STYLE):
        if fig is None:
            fig, axes = new_or_reused(None, 3, figsize=(10.5, 4.0))
            fig.subplots_adjust(left=0.06, right=0.93, bottom=0.3, top=0.84, wspace=0.36)
            twin = axes[2].twinx()  # the share of saturated or dead units (hidden without one)
            twin.grid(False)
            axes[2].set_zorder(twin.get_zorder() + 1)  # the lines over the bars
            axes[2].patch.set_visible(False)
        axes = reuse(fig, 4)
        lo, hi = (
            min(float(a.min()) for a in report.activations),
            max(float(a.max()) for a in report.activations),
        )
        act_bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 61)
        g_max = max(float(np.abs(g).max()) for g in report.gradients) or 1.0
        grad_bins = np.linspace(-g_max, g_max, 61)
        for i in range(n):
            _histogram(axes[0], report.activations[i], colors[i], f"layer {i + 1}", act_bins)
            _histogram(axes[1], report.gradients[i], colors[i], f"layer {i + 1}", grad_bins)
        axes[0].set(title="activations $a_l$", xlabel="value", ylabel="density")
        axes[1].set(title="gradients $\\partial L/\\partial a_l$", xlabel="value")
        # gradients of 1e-4 or 1e4 as 1, 2, ... times a power of ten shown once at the axis' end
        axes[1].ticklabel_format(axis="x", style="sci", scilimits=(-2, 3), useMathText=True)
        fig.legend(
            *axes[0].get_legend_handles_labels(),
            loc="lower center",
            bbox_to_anchor=(0.345, 0.03),
            ncol=min(n, 10) if n <= 10 else -(-n // 2),
            fontsize=7,
            handlelength=1.2,
            columnspacing=1.0,
        )
        layers = np.arange(1, n + 1)
        ax, twin = axes[2], axes[3]
        ax.plot(layers, report.grad_std, "o-", color="#0072B2", label="std of $\\partial L/\\partial a_l$")
        if report.grad_to_data is not None:
            ax.plot(layers, report.grad_to_data, "s--", color="#009E73", label="grad : data of $W_l$")
        log_y(ax)
        ax.set(title="per layer", xlabel="hidden layer $l$", xticks=layers)
        handles, labels = ax.get_legend_handles_labels()
        twin.set_visible(report.saturated is not None)
        if report.saturated is not None:
            share = np.maximum(report.saturated, report.dead)
            twin.bar(layers, share, color="#D55E00", alpha=0.25, width=0.6, label="saturated or dead share")
            twin.set_ylim(0, 1)
            twin.set_ylabel("share of units", color="#D55E00")
            twin.yaxis.set_label_position("right")
            twin.yaxis.tick_right()
            handles += twin.get_legend_handles_labels()[0]
            labels += twin.get_legend_handles_labels()[1]
        ax.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
        fig.suptitle(title or "", fontsize=10)
    return fig


def plot_update_ratios(update_ratios, *, title: str | None = None):
    """``log10`` of each layer's update-to-data ratio over the steps, with the 10^-3 mark."""
    ratios = np.asarray(as_float_array("update_ratios", update_ratios), dtype=np.float64)
    if ratios.ndim != 2 or ratios.shape[0] < 1:
        raise ValueError(f"update_ratios must have shape (steps, layers); got {ratios.shape}")
    colors = _layer_colors(ratios.shape[1])
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
    fig.subplots_adjust(left=0.12, right=0.8, bottom=0.15, top=0.88)
    steps = np.arange(1, ratios.shape[0] + 1)
    with np.errstate(divide="ignore"):
        logs = np.log10(ratios)
    for j in range(ratios.shape[1]):
        label = f"layer {j + 1}" if j < ratios.shape[1] - 1 else f"layer {j + 1} (output)"
        ax.plot(steps, logs[:, j], color=colors[j], lw=1.1, label=label)
    ax.axhline(np.log10(_TARGET_RATIO), color="#333333", ls="--", lw=1)
    ax.set(xlabel="training step", ylabel="log$_{10}$ (update : data)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title or "update-to-data ratio per weight matrix", fontsize=10)
    return fig
