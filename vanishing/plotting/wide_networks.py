"""Chapter 5: a wide layer's variance, correlation and gradient, predicted and measured.

Every plot function draws records computed by
:mod:`vanishing.experiments.wide_networks` (predictions by quadrature from
:mod:`vanishing.core.propagation`, simulations over five seeds) and returns a
:class:`matplotlib.figure.Figure`.  :func:`describe_layer_profile` writes the
alt text of one frame of the chapter's kernel-free twin, with its numbers.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure

from ..experiments import wide_networks
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "describe_layer_profile",
    "plot_layer_profile",
    "plot_phase_diagram",
    "plot_width_sweep",
]

_PREDICTED = "#000000"


def _phase_words(mf) -> str:
    if mf is None:
        return "no fixed point: the variance grows without bound"
    return f"q* = {mf.q_star:.3g}, χ₁ = {mf.chi_1:.3f} ({mf.phase})"


def _label_short_log_axis(ax, *arrays) -> None:
    """On a log axis spanning less than a decade and a half, label the minor ticks too (else only "1" shows)."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size and values.max() / values.min() < 30:
        ax.yaxis.set_minor_formatter(mticker.FormatStrFormatter("%g"))
        ax.tick_params(axis="y", which="minor", labelsize=7)


def plot_layer_profile(
    activation: str = "tanh",
    sigma_w: float = 1.5,
    sigma_b: float = 0.3,
    depth: int = 30,
    *,
    fig: Figure | None = None,
):
    """Chapter 5's widget: variance, correlation and gradient per layer, predicted (black) and
    simulated (one thin line per seed, width 256).

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    p = wide_networks.layer_profile(activation, sigma_w, sigma_b, depth)
    layers = np.arange(1, depth + 1)
    with mpl.rc_context(STYLE):
        fig, axes = new_or_reused(fig, 3, figsize=(9.0, 3.4))
        fig.subplots_adjust(wspace=0.38, left=0.07, right=0.99, bottom=0.16, top=0.8)
        panels = (
            (axes[0], p.run.q, p.q_predicted, "variance $q_l$", True),
            (axes[1], p.run.c, p.c_predicted, "correlation $c_l$ of two inputs", False),
            (
                axes[2],
                p.grad_simulated,
                p.grad_predicted,
                "mean squared gradient\n(relative to the last layer)",
                True,
            ),
        )
        for ax, simulated, predicted, title, log in panels:
            for row in simulated:
                ax.plot(layers, row, color=COLORS[0], lw=0.8, alpha=0.7)
            ax.plot(layers, predicted, color=_PREDICTED, ls="--", lw=1.4)
            if log:
                log_y(ax)
                _label_short_log_axis(ax, simulated, predicted)
            ax.set_xlabel("layer $l$")
            ax.set_title(title, fontsize=9)
        axes[1].set_ylim(-0.05, 1.05)
        axes[0].plot([], [], color=COLORS[0], lw=0.8, label="simulated, 5 seeds")
        axes[0].plot([], [], color=_PREDICTED, ls="--", lw=1.4, label="mean-field prediction")
        axes[0].legend(fontsize=7, loc="best")
        fig.suptitle(
            f"{activation}, σ_w = {sigma_w:.3g}, σ_b = {sigma_b:.3g}: {_phase_words(p.mean_field)}",
            fontsize=10,
        )
    return fig


def describe_layer_profile(
    activation: str = "tanh", sigma_w: float = 1.5, sigma_b: float = 0.3, depth: int = 30
):
    """Alt text for one frame of :func:`plot_layer_profile`."""
    p = wide_networks.layer_profile(activation, sigma_w, sigma_b, depth)
    g_sim = p.grad_simulated[:, 0]
    c_sim = p.run.c[:, -1]
    c_text = (
        f"the correlation of two inputs goes from 0.5 to {p.c_predicted[-1]:.3f} (predicted) and "
        f"{np.nanmedian(c_sim):.3f} (median of five networks)"
        if np.all(np.isfinite(c_sim))
        else f"the correlation of two inputs goes from 0.5 to {p.c_predicted[-1]:.3f} (predicted)"
    )
    return (
        f"A {activation} network with weight scale {sigma_w:.3g} and bias scale {sigma_b:.3g}, {depth} layers of "
        f"width 256: {_phase_words(p.mean_field)}. The pre-activation variance ends at {p.q_predicted[-1]:.3g} "
        f"(predicted), {c_text}, and the mean squared gradient at layer 1 is {p.grad_predicted[0]:.2g} times that "
        f"at layer {depth} (predicted) against {np.median(g_sim):.2g} (median of five networks, "
        f"{g_sim.min():.2g} to {g_sim.max():.2g})."
    )


def plot_width_sweep(sweep: wide_networks.WidthSweep | None = None):
    """Chapter 5: the gradient's gain per layer against width, every seed a dot, chi_1 dashed."""
    sweep = sweep if sweep is not None else wide_networks.width_sweep()
    widths = np.array(sweep.widths, dtype=float)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
        floor = 1e-3
        for k, w in enumerate(widths):
            g = sweep.gains[k]
            alive = g > 0
            jitter = np.linspace(0.92, 1.08, g.size)
            ax.plot(w * jitter[alive], g[alive], "o", color=COLORS[0], ms=4, alpha=0.8)
            if np.any(~alive):
                ax.plot(w * jitter[~alive], np.full((~alive).sum(), floor), "x", color=COLORS[1], ms=5)
        ax.plot([], [], "o", color=COLORS[0], ms=4, label="one network (seed)")
        ax.plot([], [], "x", color=COLORS[1], ms=5, label="gradient exactly 0 (drawn at the floor)")
        ax.axhline(
            sweep.chi_1, color=_PREDICTED, ls="--", lw=1.2, label=f"χ₁ = {sweep.chi_1:.3g} (infinitely wide)"
        )
        ax.set_xscale("log", base=2)
        ax.set_xticks(widths, [f"{int(w)}" for w in widths])
        ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        log_y(ax)
        ax.set_xlabel("units per layer (1 = a chain of single neurons)")
        ax.set_ylabel("gain per layer of the\nmean squared gradient")
        ax.set_title(
            f"{sweep.activation}, σ_w = {sweep.sigma_w:.3g}, σ_b = {sweep.sigma_b:.3g}, {sweep.depth} layers, "
            f"{sweep.gains.shape[1]} seeds",
            fontsize=10,
        )
        ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_phase_diagram(diagram: wide_networks.PhaseDiagram | None = None, *, marks=()):
    """Chapter 5: log10 chi_1 over (sigma_w, sigma_b), the edge of chaos as a black line.

    ``marks`` is a sequence of ``(sigma_w, sigma_b)`` points to label.
    """
    d = diagram if diagram is not None else wide_networks.phase_diagram()
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(left=0.1, right=0.92, bottom=0.15, top=0.9)
        span = float(np.max(np.abs(np.log10(d.chi_1))))
        mesh = ax.pcolormesh(
            d.sigma_ws, d.sigma_bs, np.log10(d.chi_1), cmap="RdBu_r", vmin=-span, vmax=span, shading="nearest"
        )
        bar = fig.colorbar(mesh, ax=ax, pad=0.02)
        bar.set_label("log₁₀ χ₁", fontsize=9)
        ax.plot(d.edge, d.sigma_bs, color="k", lw=1.6, label="edge of chaos, χ₁ = 1")
        for w, b in marks:
            ax.plot(w, b, "o", mfc="white", mec="k", ms=6)
            ax.annotate(f"({w:.3g}, {b:.3g})", (w, b), textcoords="offset points", xytext=(5, 4), fontsize=8)
        ax.text(0.6, 0.85, "ordered:\ngradients vanish,\ninputs merge", fontsize=8, va="top")
        ax.text(
            float(d.sigma_ws[-1]) - 0.1,
            0.05,
            "chaotic:\ngradients explode,\ninputs torn apart",
            fontsize=8,
            ha="right",
        )
        ax.set_xlabel("weight scale σ_w (weights N(0, σ_w²/N))")
        ax.set_ylabel("bias scale σ_b")
        ax.set_title(f"{d.activation}: the gain χ₁ of one wide layer", fontsize=10)
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(False)
    return fig
