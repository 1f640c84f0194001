"""Chapter 4: tanh against the sigmoid, and initialisation scale against depth.

Every plot function is pure apart from drawing: it computes with the tested
functions in :mod:`vanishing.core.initialisation` and returns a
:class:`matplotlib.figure.Figure`.  The two ``describe_*`` functions write the
alt text of one frame of the chapter's kernel-free twins, with the numbers
that frame shows.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core import activations
from ..core._checks import check_int, check_real
from ..experiments import weight_scale
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "describe_chain_comparison",
    "describe_init_scale",
    "plot_chain_comparison",
    "plot_init_scale",
    "plot_slope_windows",
    "plot_weight_paths",
]

_NAMES = ("sigmoid", "tanh")
_COLOR = {"sigmoid": COLORS[0], "tanh": COLORS[1]}


def plot_slope_windows(level: float = 0.1, *, half_width: float = 5.0):
    """The sigmoid and tanh (left) and their slopes (right), with the windows
    where each slope is at least ``level`` shaded (chapter 4)."""
    level = check_real("level", level, low=0.0, high=0.25, low_open=True)
    half_width = check_real("half_width", half_width, low=0.0, low_open=True)
    xs = np.linspace(-half_width, half_width, 801)
    with mpl.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(wspace=0.3, **MARGINS)
        for name in _NAMES:
            act = activations.get(name)
            left.plot(xs, act.forward(xs), color=_COLOR[name], label=name)
            right.plot(xs, act.derivative(xs), color=_COLOR[name], label=f"{name}'")
            xc = weight_scale.slope_window(name, level)
            right.axvspan(-xc, xc, color=_COLOR[name], alpha=0.12)
            for edge in (-xc, xc):
                right.axvline(edge, color=_COLOR[name], ls=":", lw=1.0)
        left.axhline(0.0, color="#555555", lw=0.8)
        left.set_xlabel("$x$")
        left.set_title("the functions", fontsize=10)
        left.legend(fontsize=8, loc="upper left")
        right.axhline(level, color="#333333", ls="--", lw=0.8, label=f"level {level:g}")
        right.set_xlabel("$x$")
        right.set_title(f"slopes; shaded: slope ≥ {level:g}", fontsize=10)
        right.legend(fontsize=8, loc="upper right")
    return fig


def plot_chain_comparison(
    depth: int = 20,
    weight_bound: float = 1.0,
    *,
    n_chains: int = 2000,
    seed: int = 0,
    fig: Figure | None = None,
):
    """Chapter 4's first widget: the first-layer gradient of sigmoid and tanh chains.

    The same random chains (weights ~ U(-weight_bound, weight_bound),
    biases ~ N(0, 1)) with each activation.  Left: median and 10-90 % band
    of ``|da_d/dz_1|`` against depth, log scale.  Right: its distribution at
    the chosen depth.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    depth = check_int("depth", depth, low=2)
    weight_bound = check_real("weight_bound", weight_bound, low=0.0, low_open=True)
    comp = weight_scale.seeded_chain_comparison(depth, weight_bound, n_chains, seed)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **MARGINS)
        for name in _NAMES:
            q = comp.quantiles[name]
            left.fill_between(comp.depths, q[0], q[2], color=_COLOR[name], alpha=0.2)
            left.plot(comp.depths, q[1], color=_COLOR[name], label=f"{name}, median")
        log_y(left)
        left.set_xlabel("depth $d$")
        left.set_ylabel(r"$|\partial a_d / \partial z_1|$")
        left.set_title(f"weights uniform on [−{weight_bound:g}, {weight_bound:g}]", fontsize=10)
        left.legend(fontsize=8, loc="lower left")
        logs = {name: np.log10(comp.last[name]) for name in _NAMES}
        lo = min(v.min() for v in logs.values())
        hi = max(v.max() for v in logs.values())
        bins = np.linspace(lo, hi, 41)
        for name in _NAMES:
            # one filled step outline per histogram: the same pixels as ax.hist's 40
            # bars, built several times faster (the bars were most of a widget update)
            counts, _ = np.histogram(logs[name], bins=bins)
            right.stairs(counts, bins, fill=True, color=_COLOR[name], alpha=0.6, label=name)
        right.set_xlabel(rf"$\log_{{10}} |\partial a_{{{depth}}} / \partial z_1|$")
        right.set_ylabel("chains")
        right.set_title(f"depth {depth}", fontsize=10)
        right.legend(fontsize=8, loc="upper left")
    return fig


def describe_chain_comparison(
    depth: int = 20, weight_bound: float = 1.0, *, n_chains: int = 2000, seed: int = 0
):
    """Alt text for one frame of :func:`plot_chain_comparison`."""
    comp = weight_scale.seeded_chain_comparison(
        check_int("depth", depth, low=2), float(weight_bound), n_chains, seed
    )
    med = {name: np.median(comp.last[name]) for name in _NAMES}
    fac = {name: comp.per_layer_factor(name) for name in _NAMES}
    return (
        f"With weights uniform on [-{weight_bound:g}, {weight_bound:g}], the median first-layer gradient "
        f"at depth {depth} is {med['sigmoid']:.1e} for sigmoid chains and {med['tanh']:.1e} for tanh "
        f"chains; a typical layer multiplies it by {fac['sigmoid']:.2f} (sigmoid) and {fac['tanh']:.2f} (tanh)."
    )


def plot_weight_paths(paths: dict, target, *, hessians: dict | None = None):
    """Per-example gradient descent paths of a two-input linear unit, one panel each (chapter 4).

    ``paths`` maps a panel title to an array of iterates, shape ``(steps + 1, 2)``;
    ``target`` is the weight vector the unit should reach.  If ``hessians``
    maps the same titles to 2x2 matrices ``H``, the panel also shows contours
    of the mean loss ``(w - target)^T H (w - target) / 2``.
    """
    target = np.asarray(target, dtype=float)
    if target.shape != (2,):
        raise ValueError(f"target must be a weight vector of shape (2,); got shape {target.shape}")
    if not paths:
        raise ValueError("paths must map at least one title to an array of iterates")
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(paths), sharex=True, sharey=True, squeeze=False)
        fig.subplots_adjust(wspace=0.15, **MARGINS)
        for ax, (title, path) in zip(axes[0], paths.items(), strict=True):
            path = np.asarray(path, dtype=float)
            if path.ndim != 2 or path.shape[1] != 2:
                raise ValueError(f"paths[{title!r}] must have shape (steps + 1, 2); got {path.shape}")
            if hessians is not None and title in hessians:
                g1, g2 = np.meshgrid(np.linspace(-0.6, 1.6, 121), np.linspace(-1.6, 0.6, 121))
                d = np.stack([g1 - target[0], g2 - target[1]], axis=-1)
                loss = 0.5 * np.einsum("...i,ij,...j->...", d, np.asarray(hessians[title]), d)
                ax.contour(g1, g2, loss, levels=8, colors="#999999", linewidths=0.6)
            ax.plot(path[:, 0], path[:, 1], "-", color=COLORS[0], lw=0.9)
            ax.plot(*path[0], "o", color="#333333", ms=4)
            ax.plot(*target, "*", color=COLORS[1], ms=10)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("$w_1$")
            ax.set_aspect("equal")
        axes[0][0].set_ylabel("$w_2$")
    return fig


def plot_init_scale(
    depth: int = 20,
    scale: float = 1.0,
    *,
    width: int = 128,
    n_samples: int = 256,
    seed: int = 0,
    fig: Figure | None = None,
):
    """Chapter 4's second widget: a tanh network at initialisation, layer by layer.

    Weights ~ N(0, (scale / sqrt(width))^2), that is ``scale`` times the
    Xavier standard deviation of a square layer (grey dashed: ``scale = 1``).
    Left: standard deviation of the activations.  Right: standard deviation
    of the backward signal dL/dZ_l, relative to the last hidden layer; a
    value below 1 at layer 1 means the gradient shrinks on its way down.
    Both log scale.

    ``fig``: a figure this function returned before, to draw into instead of a new one.
    """
    depth = check_int("depth", depth, low=2)
    scale = check_real("scale", scale, low=0.0, low_open=True)
    prof = weight_scale.seeded_scale_profile(scale, depth, width, n_samples, seed)
    ref = weight_scale.seeded_scale_profile(1.0, depth, width, n_samples, seed)
    curves = [(prof, {"color": COLORS[1]}, f"scale {scale:g}" + (" (Xavier)" if scale == 1.0 else ""))]
    if scale != 1.0:
        curves.insert(0, (ref, {"color": "#777777", "ls": "--", "lw": 1.0}, "Xavier (scale 1)"))
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2)
        fig.subplots_adjust(wspace=0.35, **{**MARGINS, "top": 0.82})
        for ax, values in ((left, "act"), (right, "delta")):
            ys = []
            for p, style, label in curves:
                y = p.act_std if values == "act" else p.delta_std / p.delta_std[-1]
                y = np.maximum(y, 1e-300)  # a log axis cannot show an exact 0
                ys.append(y)
                ax.plot(p.layers, y, marker="o", ms=2.5, label=label, **style)
            log_y(ax)
            # at least two decades on every panel, so that labelled ticks show
            lo, hi = min(y.min() for y in ys), max(y.max() for y in ys)
            if values == "act":
                ax.set_ylim(min(lo / 1.5, 1e-2), 1.5)
            else:
                ax.set_ylim(min(lo / 1.5, 0.1), max(hi * 1.5, 10.0))
            ax.axhline(1.0, color="#333333", lw=0.8, ls=":")
            ax.set_xlabel("layer $l$ (1 = nearest the input)")
        left.set_ylabel("std of activations $A_l$")
        left.set_title("forward: tanh outputs", fontsize=10)
        left.legend(fontsize=8, loc="lower left")
        right.set_ylabel(r"std of $\partial L/\partial Z_l$ / last layer's")
        right.set_title("backward signal", fontsize=10)
        fig.suptitle(
            f"tanh network, width {width}, depth {depth}, weight std = {scale:g} × Xavier", fontsize=10
        )
    return fig


def describe_init_scale(
    depth: int = 20, scale: float = 1.0, *, width: int = 128, n_samples: int = 256, seed: int = 0
):
    """Alt text for one frame of :func:`plot_init_scale`."""
    prof = weight_scale.seeded_scale_profile(
        float(scale), check_int("depth", depth, low=2), width, n_samples, seed
    )
    ratio = prof.delta_std[0] / prof.delta_std[-1]
    return (
        f"With weights at {scale:g} times the Xavier scale and {depth} tanh layers, the activation "
        f"standard deviation goes from {prof.act_std[0]:.2g} at layer 1 to {prof.act_std[-1]:.2g} at "
        f"layer {depth}, and the backward signal at layer 1 is {ratio:.2g} times its size at layer {depth}."
    )
