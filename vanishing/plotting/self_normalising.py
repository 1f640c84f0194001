"""Chapter 8: ELU's bias shift and SELU's self-normalisation.

Every plot function takes the values a slider would set, computes with the
tested functions in :mod:`vanishing.experiments.self_normalising` and :mod:`vanishing.core.activations`,
and returns a :class:`matplotlib.figure.Figure`.  ``describe_*`` functions
give the alt text of a widget's frame (what it shows, with numbers).
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure

from ..core import activations
from ..experiments import self_normalising
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "describe_bias_shift",
    "describe_forward_backward",
    "describe_selu_depth",
    "plot_bias_shift",
    "plot_elu_shapes",
    "plot_forward_backward",
    "plot_layer_profiles",
    "plot_moment_map",
    "plot_selu_depth",
    "plot_training_means",
]

_TWO_PANELS = {**MARGINS, "left": 0.09, "wspace": 0.3}


def plot_elu_shapes(alphas=(0.5, 1.0, 2.0)):
    """ELU (left) and its derivative (right) for several ``alpha``.

    The derivative is drawn as two pieces so that the jump at 0 (from
    ``alpha`` on the left to 1 on the right) stays visible.
    """
    alphas = [float(a) for a in alphas]
    left_x = np.linspace(-4.0, 0.0, 401)
    right_x = np.linspace(0.0, 3.0, 301)
    with mpl.rc_context(STYLE):
        fig, (ax_f, ax_d) = plt.subplots(1, 2)
        fig.subplots_adjust(**_TWO_PANELS)
        for a, color in zip(alphas, COLORS, strict=False):
            act = activations.get("elu", alpha=a)
            xs = np.concatenate([left_x, right_x[1:]])
            ax_f.plot(xs, act.forward(xs), color=color, label=rf"$\alpha = {a:g}$")
            ax_f.axhline(-a, color=color, lw=0.8, ls=":")
            ax_d.plot(left_x, act.derivative(left_x), color=color, label=rf"$\alpha = {a:g}$")
            ax_d.plot(right_x[1:], act.derivative(right_x[1:]), color=color)
            ax_d.plot([0.0], [a], "o", color=color, ms=4)
            ax_d.plot([0.0], [1.0], "o", mfc="white", color=color, ms=4)
        ax_f.set_xlabel("$x$")
        ax_f.set_ylabel(r"$f_\alpha(x)$")
        ax_f.set_title("ELU (dotted: the floor $-\\alpha$)", fontsize=10)
        ax_f.legend(fontsize=8, loc="upper left")
        ax_d.set_xlabel("$x$")
        ax_d.set_ylabel(r"$f_\alpha'(x)$")
        ax_d.set_title("its derivative", fontsize=10)
        ax_d.set_ylim(-0.05, max(alphas) + 0.2)
    return fig


def plot_bias_shift(
    alpha: float = 1.0, depth: int = 20, *, width: int = 128, seed: int = 0, fig: Figure | None = None
):
    """Chapter 8's first widget: mean activation per layer, ReLU against ELU(``alpha``).

    Both networks are He-normal with the same inputs and weights.  Left: the
    mean activation of each layer; right: the mean divided by the standard
    deviation.  Markers are measured (:func:`vanishing.experiments.self_normalising.bias_shift_curves`),
    lines are the Gaussian prediction.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    relu, elu, relu_th, elu_th = self_normalising.bias_shift_curves(float(alpha), int(depth), width, seed)
    layers = relu.layers
    with mpl.rc_context(STYLE):
        fig, (ax_m, ax_r) = new_or_reused(fig, 2)
        fig.subplots_adjust(**_TWO_PANELS)
        for stats, (mean_th, std_th), label, color in (
            (relu, relu_th, "ReLU", COLORS[1]),
            (elu, elu_th, rf"ELU, $\alpha = {alpha:g}$", COLORS[0]),
        ):
            ax_m.plot(layers, stats.act_mean, "o", ms=3, color=color, label=f"{label} (measured)")
            ax_m.plot(layers, mean_th, "-", lw=1, color=color, label=f"{label} (Gaussian theory)")
            ax_r.plot(layers, stats.act_mean / stats.act_std, "o", ms=3, color=color)
            ax_r.plot(layers, mean_th / std_th, "-", lw=1, color=color)
        for ax in (ax_m, ax_r):
            ax.axhline(0.0, color="#555555", lw=0.8)
            ax.set_xlabel("hidden layer")
        ax_m.set_ylabel("mean activation")
        ax_r.set_ylabel("mean / standard deviation")
        ax_m.legend(fontsize=7, loc="upper left")
        fig.suptitle(f"He-normal weights, width {width}, depth {depth}", fontsize=10)
    return fig


def describe_bias_shift(alpha: float, depth: int) -> str:
    """Alt text of one frame of :func:`plot_bias_shift`."""
    relu, elu, _, _ = self_normalising.bias_shift_curves(float(alpha), int(depth), 128, 0)
    r_first, r_last = relu.act_mean[0] / relu.act_std[0], relu.act_mean[-1] / relu.act_std[-1]
    e_first, e_last = elu.act_mean[0] / elu.act_std[0], elu.act_mean[-1] / elu.act_std[-1]
    return (
        f"ELU alpha {alpha:g}, depth {depth}: the ELU layers' mean activation is {elu.act_mean[0]:.2f} in "
        f"layer 1 and {elu.act_mean[-1]:.2f} in layer {depth}, against {relu.act_mean[0]:.2f} and "
        f"{relu.act_mean[-1]:.2f} for ReLU; relative to the spread the ELU mean goes from "
        f"{e_first:.2f} to {e_last:.2f}, the ReLU mean from {r_first:.2f} to {r_last:.2f}."
    )


def _runs(value):
    """One run or a sequence of runs (one per seed) as a list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def plot_training_means(traces):
    """Median unit mean activation (left) and training loss (right) per epoch.

    ``traces`` maps a label to a :class:`vanishing.experiments.self_normalising.TrainingTrace`
    or to a list of them (one per seed); every run is drawn, in the label's colour.
    """
    if not isinstance(traces, dict) or not traces:
        raise TypeError("traces must be a non-empty dict from a label to a trace or a list of traces")
    with mpl.rc_context(STYLE):
        fig, (ax_m, ax_l) = plt.subplots(1, 2)
        fig.subplots_adjust(**_TWO_PANELS)
        for (label, runs), color in zip(traces.items(), (COLORS[1], COLORS[0], COLORS[2]), strict=False):
            runs = _runs(runs)
            shown = label if len(runs) == 1 else f"{label} ({len(runs)} seeds)"
            for k, trace in enumerate(runs):
                epochs = np.arange(len(trace.loss))
                kw = {
                    "color": color,
                    "ms": 3,
                    "lw": 1.2 if len(runs) == 1 else 0.9,
                    "alpha": 1.0 if len(runs) == 1 else 0.7,
                }
                ax_m.plot(epochs, trace.median_unit_mean, "o-", label=shown if k == 0 else None, **kw)
                ax_l.plot(epochs, trace.loss, "o-", label=shown if k == 0 else None, **kw)
        ax_m.set_xlabel("epoch")
        ax_m.set_ylabel("median of the units' mean activation")
        ax_m.set_ylim(bottom=0.0)
        ax_m.legend(fontsize=8, loc="lower right")
        ax_l.set_xlabel("epoch")
        ax_l.set_ylabel("training loss (cross-entropy)")
        log_y(ax_l)
        for ax in (ax_m, ax_l):
            ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    return fig


def plot_moment_map(omega: float = 0.0, tau: float = 1.0, *, starts=((-0.4, 2.2), (0.4, 0.3), (0.3, 2.0))):
    """The mean/variance map of Klambauer et al. as arrows, with three trajectories.

    Each arrow goes from ``(mu, nu)`` towards ``g(mu, nu)`` (drawn at a fixed
    fraction of its length); the trajectories iterate the map from ``starts``
    for 8 layers; the star is ``(0, 1)``.
    """
    mu = np.linspace(-0.5, 0.5, 11)
    nu = np.linspace(0.2, 2.4, 12)
    M, N = np.meshgrid(mu, nu)
    M2, N2 = self_normalising.moment_map(M, N, omega=omega, tau=tau)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**{**MARGINS, "right": 0.7})
        ax.quiver(
            M, N, M2 - M, N2 - N, angles="xy", scale_units="xy", scale=2.0, color="#888888", width=0.003
        )
        for (m0, v0), color in zip(starts, COLORS, strict=False):
            m_tr, v_tr = self_normalising.trajectory(m0, v0, 8, omega=omega, tau=tau)
            ax.plot(m_tr, v_tr, "o-", ms=3, color=color, label=f"start ({m0:g}, {v0:g})")
        ax.plot([0.0], [1.0], "*", ms=12, color="black", label="fixed point (0, 1)")
        ax.set_xlabel(r"mean $\mu$ of a layer's activations")
        ax.set_ylabel(r"variance $\nu$")
        ax.set_title(rf"SELU mean/variance map, $\omega = {omega:g}$, $\tau = {tau:g}$", fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def plot_layer_profiles(profiles):
    """Mean (left) and standard deviation (right) of the activations per layer.

    ``profiles`` maps a label to a :class:`vanishing.core.diagnostics.InitProfile`
    or to a list of them (one per seed; see
    :func:`vanishing.experiments.self_normalising.compare_profiles`); every run is drawn.
    """
    if not isinstance(profiles, dict) or not profiles:
        raise TypeError("profiles must be a non-empty dict from a label to a profile or a list of profiles")
    with mpl.rc_context(STYLE):
        fig, (ax_m, ax_s) = plt.subplots(1, 2)
        fig.subplots_adjust(**_TWO_PANELS)
        for (label, runs), color in zip(profiles.items(), (COLORS[2], COLORS[1], COLORS[0]), strict=False):
            runs = _runs(runs)
            shown = label if len(runs) == 1 else f"{label} ({len(runs)} seeds)"
            lw = 1.5 if len(runs) == 1 else 0.9
            for k, prof in enumerate(runs):
                name = shown if k == 0 else None
                ax_m.plot(prof.layers, prof.act_mean, "-", color=color, lw=lw, label=name)
                ax_s.plot(prof.layers, prof.act_std, "-", color=color, lw=lw, label=name)
        ax_m.axhline(0.0, color="#555555", lw=0.8)
        ax_m.set_xlabel("hidden layer")
        ax_m.set_ylabel("mean activation")
        ax_s.legend(fontsize=7, loc="upper left")
        ax_s.set_ylim(bottom=0.0)
        ax_s.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax_s.set_xlabel("hidden layer")
        ax_s.set_ylabel("standard deviation of the activations")
    return fig


def plot_selu_depth(
    gain: float = 1.0,
    input_std: float = 3.0,
    *,
    depth: int = 40,
    width: int = 128,
    seed: int = 0,
    fig: Figure | None = None,
):
    """Chapter 8's second widget: a deep SELU network with weights ``N(0, gain / width)``.

    Markers: measured mean and standard deviation of each layer's activations
    for inputs of standard deviation ``input_std``; lines: the prediction of
    :func:`vanishing.experiments.self_normalising.pooled_moment_map`.  ``gain = 1`` is LeCun normal,
    ``gain = 2`` He normal.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    stats, (mean_th, std_th) = self_normalising.selu_depth_curves(
        float(gain), float(input_std), depth, width, seed
    )
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.plot(
            stats.layers, stats.act_std, "o", ms=3, color=COLORS[0], label="standard deviation (measured)"
        )
        ax.plot(stats.layers, std_th, "-", lw=1, color=COLORS[0], label="standard deviation (theory)")
        ax.plot(stats.layers, np.abs(stats.act_mean), "s", ms=3, color=COLORS[1], label="|mean| (measured)")
        ax.plot(stats.layers, np.abs(mean_th), "-", lw=1, color=COLORS[1], label="|mean| (theory)")
        log_y(ax)
        ax.yaxis.set_minor_locator(mticker.NullLocator())  # fewer tick artists: faster twin frames
        ax.set_ylim(1e-3, 1e3)
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.set_xlabel("hidden layer")
        ax.set_ylabel("size of the activations")
        ax.set_title(
            f"SELU, weight variance {gain:g}/n, inputs of standard deviation {input_std:g}", fontsize=10
        )
        ax.legend(fontsize=7, loc="lower left", ncols=2)
    return fig


def describe_selu_depth(gain: float, input_std: float) -> str:
    """Alt text of one frame of :func:`plot_selu_depth`."""
    stats, (_, std_th) = self_normalising.selu_depth_curves(float(gain), float(input_std), 40, 128, 0)
    s, m = stats.act_std, stats.act_mean
    return (
        f"Weight variance {gain:g}/n, input standard deviation {input_std:g}: the activations' standard "
        f"deviation is {s[0]:.2f} in layer 1, {s[9]:.2f} in layer 10 and {s[-1]:.3g} in layer 40 "
        f"(Gaussian prediction for layer 40: {std_th[-1]:.3g}), and their mean is {m[0]:.2f}, "
        f"{m[9]:.2f} and {m[-1]:.3g}."
    )


_FAMILY_NAMES = {"selu": "SELU", "elu": "ELU (alpha = 1)", "relu": "ReLU"}


def plot_forward_backward(
    activation: str = "selu",
    gain: float = 1.0,
    *,
    depth: int = 30,
    width: int = 128,
    fig: Figure | None = None,
):
    """Chapter 8's third widget: the forward statistics beside the backward signal, five seeds.

    Left: the standard deviation and the absolute mean of each layer's
    activations; right: the standard deviation of ``dL/dZ`` in each layer,
    relative to the last hidden layer.  Thin lines: seeds 0 to 4 of
    :func:`vanishing.experiments.self_normalising.forward_backward`; dashed black lines: the
    wide-network prediction.  Weights ``N(0, gain / width)``.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    r = self_normalising.forward_backward(str(activation), float(gain), int(depth), int(width))
    name = _FAMILY_NAMES[r.activation]
    with mpl.rc_context(STYLE):
        fig, (ax_f, ax_b) = new_or_reused(fig, 2)
        fig.subplots_adjust(**{**_TWO_PANELS, "left": 0.12, "top": 0.84})
        for k in range(len(r.seeds)):
            first = k == 0
            ax_f.plot(r.layers, r.act_std[k], "-", lw=0.9, color=COLORS[0], label="std" if first else None)
            ax_f.plot(
                r.layers,
                np.abs(r.act_mean[k]),
                "-",
                lw=0.9,
                color=COLORS[1],
                label="|mean|" if first else None,
            )
            ax_b.plot(
                r.layers,
                r.delta_rel[k],
                "-",
                lw=0.9,
                color=COLORS[2],
                label=f"measured ({len(r.seeds)} seeds)" if first else None,
            )
        ax_f.plot(r.layers, r.std_theory, "--", lw=1, color="black", label="theory")
        ax_f.plot(r.layers, np.abs(r.mean_theory), "--", lw=1, color="black")
        ax_b.plot(r.layers, r.delta_theory, "--", lw=1, color="black", label="theory")
        for ax in (ax_f, ax_b):
            log_y(ax)
            ax.yaxis.set_minor_locator(mticker.NullLocator())  # fewer tick artists: faster twin frames
            ax.set_ylim(1e-10, 1e3)
            ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
            ax.set_xlabel("hidden layer")
        ax_f.set_ylabel("activations")
        ax_b.set_ylabel(r"std of $\partial L/\partial Z$ (last layer = 1)")
        ax_f.set_title("forward", fontsize=10)
        ax_b.set_title("backward", fontsize=10)
        ax_f.legend(fontsize=7, loc="lower left", ncols=3)
        ax_b.legend(fontsize=7, loc="lower right")
        chi = "no fixed point" if not np.isfinite(r.chi_1) else f"$\\chi_1$ at the fixed point {r.chi_1:.3f}"
        fig.suptitle(f"{name}, weight variance {gain:g}/n, width {width}: {chi}", fontsize=10)
    return fig


def describe_forward_backward(activation: str, gain: float) -> str:
    """Alt text of one frame of :func:`plot_forward_backward`."""
    r = self_normalising.forward_backward(str(activation), float(gain), 30, 128)
    std_last = np.median(r.act_std[:, -1])
    mean_last = np.median(r.act_mean[:, -1])
    grad_first = r.delta_rel[:, 0]
    fixed = (
        "the variance has no fixed point"
        if not np.isfinite(r.chi_1)
        else f"at the fixed point chi_1 = {r.chi_1:.3f}"
    )
    return (
        f"{_FAMILY_NAMES[r.activation]}, weight variance {gain:g}/n, five seeds: in layer 30 the activations' "
        f"standard deviation has median {std_last:.3g} and their mean {mean_last:.3g}; going back from "
        f"layer 30 to layer 1 the backward signal's standard deviation is multiplied by {np.median(grad_first):.3g} "
        f"(range {grad_first.min():.3g} to {grad_first.max():.3g}, theory {r.delta_theory[0]:.3g}); {fixed}."
    )
