"""Chapters 1-3: the logistic curve and the gradient along a sigmoid chain.

Every plot function is pure apart from drawing: it takes the slider values
(and a seed), computes with the tested functions in :mod:`vanishing.core.chain`,
and returns a :class:`matplotlib.figure.Figure`.  Chapters call each one once
with defaults, so the static page shows a real figure, and wire the same
function to sliders for the live widget and its twin.

Each plot function also takes ``fig``, a figure it returned earlier: it then
draws the new frame into that figure instead of building a new one
(:func:`vanishing.plotting._style.reuse`).  :func:`vanishing.widgets.live` keeps one figure per widget
this way, so a slider move skips building the figure and its axes, ticks and
fonts again; the picture is the one a new figure would show, pixel for pixel.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from ..core import activations, chain
from ..core._checks import check_int, check_real
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "ChainDecay",
    "LogisticCurve",
    "chain_decay",
    "describe_chain_decay",
    "describe_chain_profile",
    "describe_first_layer_spread",
    "describe_logistic_curve",
    "logistic_curve",
    "plot_chain_decay",
    "plot_chain_profile",
    "plot_first_layer_spread",
    "plot_logistic_curve",
]

#: logit(0.9) - logit(0.1) = 2 ln 9: the width, on the logit scale, of the
#: region where a logistic curve climbs from 0.1 to 0.9.
_LOGIT_10_90 = 2.0 * np.log(9.0)


class LogisticCurve(NamedTuple):
    """Where the curve ``P(y = 1 | x) = sigma(w0 + w1 x)`` turns (chapter 2).

    ``boundary``: the decision boundary ``x = -w0/w1``, where ``P = 1/2``
    (NaN if ``w1 == 0``).  ``slope``: ``dP/dx`` there, ``w1 * sigma'(0) =
    w1/4``.  ``width``: the length ``2 ln 9 / |w1|`` of the interval of ``x``
    on which ``P`` lies between 0.1 and 0.9 (infinite if ``w1 == 0``).
    """

    boundary: float
    slope: float
    width: float


def logistic_curve(w1: float, w0: float) -> LogisticCurve:
    """Boundary, slope at the boundary and 10-90 % width of ``sigma(w0 + w1 x)``.

    Chapter 2's widget: ``w1`` sets how steep the curve is (its slope at the
    boundary is ``w1/4``, the sigmoid's peak slope 1/4 times ``w1``) and,
    with ``w0``, where it crosses one half.
    """
    w1 = check_real("w1", w1)
    w0 = check_real("w0", w0)
    if w1 == 0.0:
        return LogisticCurve(float("nan"), 0.0, float("inf"))
    return LogisticCurve(-w0 / w1, w1 / 4.0, _LOGIT_10_90 / abs(w1))


def describe_logistic_curve(w1: float, w0: float, *, x_range: float = 4.0) -> str:
    """Alt text for one frame of :func:`plot_logistic_curve` (what it shows)."""
    curve = logistic_curve(w1, w0)
    if curve.slope == 0.0:
        level = float(activations.get("sigmoid").forward(np.array([float(w0)]))[0])
        return (
            f"With w1 = 0 and w0 = {w0:g} the probability is flat at {level:.2f} for every x: "
            "the feature has no effect and there is no decision boundary."
        )
    if abs(curve.boundary) <= x_range:
        where = f"crosses one half at the decision boundary x = {curve.boundary:.2f}"
    else:
        where = f"has its decision boundary at x = {curve.boundary:.2f}, outside the plotted range"
    shape = "rises with x" if w1 > 0 else "falls as x grows"
    return (
        f"With w1 = {w1:g} and w0 = {w0:g} the curve {shape} and {where}; its slope there is "
        f"w1/4 = {curve.slope:.3f}, and the probability lies between 0.1 and 0.9 on an interval "
        f"of width {curve.width:.2f}."
    )


def _free_corner(p_left_right) -> str:
    """A legend corner the curve stays out of, from its values at 60 % of each side."""
    p_left, p_right = p_left_right
    if p_left < 0.55:
        return "upper left"
    # both ends high: the curve stays above the middle on the right
    return "upper right" if p_right < 0.55 else "lower right"


def plot_logistic_curve(
    w1: float = 1.5, w0: float = -1.0, *, x_range: float = 4.0, fig: Figure | None = None
):
    """Chapter 2's widget: the logistic-regression curve ``sigma(w0 + w1 x)``.

    Draws the probability of a yes against one feature ``x`` on
    ``[-x_range, x_range]``, the decision boundary ``-w0/w1`` (dotted), the
    tangent there (slope ``w1/4``, dashed) and the band of ``x`` where the
    probability lies between 0.1 and 0.9 (shaded).  The defaults are the
    parameters that generate chapter 2's data.  ``fig``: a figure this
    function returned before, to draw into instead of a new one.
    """
    curve = logistic_curve(w1, w0)
    x_range = check_real("x_range", x_range, low=0.0, low_open=True)
    sigmoid = activations.get("sigmoid")
    xs = np.linspace(-x_range, x_range, 401)
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.axhline(0.5, color="#555555", lw=0.8, ls=":")
        if w1 != 0:
            half = curve.width / 2
            lo, hi = np.clip([curve.boundary - half, curve.boundary + half], -x_range, x_range)
            ax.axvspan(
                lo,
                hi,
                color=COLORS[2],
                alpha=0.15,
                label="0.1 < P < 0.9",
            )
            tangent = 0.5 + curve.slope * (xs - curve.boundary)
            keep = (tangent >= -0.05) & (tangent <= 1.05)
            ax.plot(
                xs[keep],
                tangent[keep],
                "--",
                color=COLORS[1],
                lw=1.0,
                label=f"slope w1/4 = {curve.slope:.3g}",
            )
            if abs(curve.boundary) <= x_range:
                ax.axvline(curve.boundary, color=COLORS[0], lw=0.8, ls=":", label="boundary -w0/w1")
            title = f"w1 = {w1:g}, w0 = {w0:g}: boundary x = -w0/w1 = {curve.boundary:.2f}"
        else:
            title = f"w1 = 0, w0 = {w0:g}: no boundary"
        ax.plot(xs, sigmoid.forward(w0 + w1 * xs), color=COLORS[0], lw=2, label=r"$\sigma(w_0 + w_1 x)$")
        ax.set_xlim(-x_range, x_range)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("feature x")
        ax.set_ylabel(r"$P(y = 1 \mid x)$")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, loc=_free_corner(sigmoid.forward(w0 + w1 * np.array([-0.6, 0.6]) * x_range)))
    return fig


def plot_chain_profile(
    depth: int = 10,
    weight_scale: float = 1.0,
    *,
    n_chains: int = 200,
    seed: int = 0,
    fig: Figure | None = None,
):
    """Chapter 1's widget: gradient per layer of a sigmoid chain, log scale.

    Draws ``|da_n/dz_i|`` for the centred chain (every weight =
    ``weight_scale``) and the 10-90 % band and median over random chains
    with weights ~ N(0, weight_scale^2).  ``fig``: a figure this function
    returned before, to draw into instead of a new one.
    """
    prof = chain.depth_profile(depth, weight_scale, np.random.default_rng(seed), n_chains=n_chains)
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.plot(
            prof.layers,
            prof.centred,
            "o-",
            color=COLORS[1],
            ms=3,
            label=f"centred chain, every w = {weight_scale:g}",
        )
        ax.fill_between(
            prof.layers,
            prof.quantiles[0],
            prof.quantiles[2],
            color=COLORS[0],
            alpha=0.25,
            label="random chains, 10–90 %",
        )
        ax.plot(prof.layers, prof.quantiles[1], color=COLORS[0], label="random chains, median")
        log_y(ax)
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.set_xlabel("layer i (1 = nearest the input)")
        ax.set_ylabel(r"$|\partial a_n / \partial z_i|$")
        ax.set_title(f"Sigmoid chain of depth {depth}, weight scale {weight_scale:g}")
        ax.legend(fontsize=8, loc="lower right")
    return fig


def describe_chain_profile(
    depth: int = 10, weight_scale: float = 1.0, *, n_chains: int = 200, seed: int = 0
) -> str:
    """Alt text for one frame of :func:`plot_chain_profile` (chapter 1's twin)."""
    prof = chain.depth_profile(depth, weight_scale, np.random.default_rng(seed), n_chains=n_chains)
    trend = "falls" if weight_scale < 4 else "stays flat" if weight_scale == 4 else "grows"
    return (
        f"Depth {depth}, weight scale {weight_scale:g}: towards the input the centred chain {trend} "
        f"to {prof.centred[0]:.1e} at layer 1, while the median random chain reaches {prof.quantiles[1, 0]:.1e}."
    )


def plot_first_layer_spread(
    depth: int = 10, *, n_chains: int = 2000, seed: int = 0, fig: Figure | None = None
):
    """Chapter 3's widget: the first-layer gradient against the 0.25^d bound.

    Left: median and 5-95 % band of ``|da_d/dz_1|`` over random sigmoid
    chains with ``|w| <= 1``, for depths 1..``depth``, beside the bound
    ``0.25**d``.  Right: the distribution at the chosen depth.  ``fig``: a
    figure this function returned before, to draw into instead of a new one.
    """
    grads = chain.first_layer_gradients(depth, n_chains, np.random.default_rng(seed))
    depths = np.arange(1, depth + 1)
    q = np.quantile(grads, (0.05, 0.5, 0.95), axis=0)
    bound = 0.25**depths
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(3, 2))
        fig.subplots_adjust(wspace=0.35, **MARGINS)
        left.plot(depths, bound, "k--", label=r"bound $0.25^d$")
        left.fill_between(depths, q[0], q[2], color=COLORS[0], alpha=0.25, label="5–95 % of chains")
        left.plot(depths, q[1], color=COLORS[0], label="median")
        log_y(left)
        left.set_xlabel("depth d")
        left.set_ylabel(r"$|\partial a_d / \partial z_1|$")
        left.legend(fontsize=8, loc="lower left")
        logs = np.log10(grads[:, -1])
        # One filled outline instead of 40 bar patches: a fifth of the redraw time.
        right.hist(logs, bins=40, color=COLORS[0], alpha=0.8, histtype="stepfilled")
        right.axvline(np.log10(bound[-1]), color="k", ls="--")
        right.set_xlabel(rf"$\log_{{10}} |\partial a_{{{depth}}} / \partial z_1|$")
        right.set_ylabel("chains")
        right.set_title(f"depth {depth}", fontsize=10)
    return fig


def describe_first_layer_spread(depth: int = 10, *, n_chains: int = 2000, seed: int = 0) -> str:
    """Alt text for one frame of :func:`plot_first_layer_spread` (chapter 3's twin)."""
    grads = chain.first_layer_gradients(depth, n_chains, np.random.default_rng(seed))
    median = np.median(grads[:, -1])
    return (
        f"At depth {depth} the median first-layer gradient over {n_chains} random sigmoid chains is "
        f"{median:.1e}, below the bound 0.25^{depth} = {0.25**depth:.1e}; the band of chains widens with depth."
    )


class ChainDecay(NamedTuple):
    """The gradient along a sigmoid chain whose neurons all sit at one pre-activation (chapter 2).

    ``layers``: 1..depth.  ``gradient``: ``|da_d/dz_i|`` at each layer ``i``
    with every ``z_i = z``.  ``centred``: the same with every ``z_i = 0``,
    the sigmoid's steepest point.  ``factor``: ``w sigma'(z)``, what each layer
    multiplies the gradient by on its way back.
    """

    layers: np.ndarray
    gradient: np.ndarray
    centred: np.ndarray
    factor: float


def _pinned_gradient(depth: int, w: float, z: float) -> np.ndarray:
    """``|da_d/dz_i|`` of a chain with every weight ``w``, biases tuned so every ``z_i = z``."""
    x = 1.0
    level = float(activations.get("sigmoid").forward(np.array([z]))[0])
    weights = np.full(depth, w)
    biases = np.full(depth, z - w * level)  # z_i = w a_{i-1} + b_i = z when a_{i-1} = sigma(z)
    biases[0] = z - w * x
    return np.abs(chain.backward(weights, biases, x, 0.0).dout_dz)


def chain_decay(depth: int = 10, w: float = 1.0, z: float = 2.0) -> ChainDecay:
    """Chapter 2's widget: a chain of ``depth`` sigmoid neurons, every weight ``w``, every ``z_i = z``.

    Each bias is tuned so that every neuron sees the same pre-activation
    ``z`` (with ``z = 0`` this is :func:`vanishing.core.chain.centred_chain`),
    so each layer multiplies the gradient by the same factor
    ``w sigma'(z)``, and ``|da_d/dz_i| = sigma'(z) (w sigma'(z))**(d - i)``.
    The gradients come from :func:`vanishing.core.chain.backward`; a negative
    weight would only flip signs, so ``w`` must be positive.
    """
    depth = check_int("depth", depth, low=1, high=50)
    w = check_real("w", w, low=0.0, high=16.0, low_open=True)
    z = check_real("z", z, low=-10.0, high=10.0)
    slope = float(activations.get("sigmoid").derivative(np.array([z]))[0])
    return ChainDecay(
        np.arange(1, depth + 1),
        _pinned_gradient(depth, w, z),
        _pinned_gradient(depth, w, 0.0),
        w * slope,
    )


def _trend(factor: float) -> str:
    if np.isclose(factor, 1.0, rtol=1e-12, atol=0.0):
        return "stays flat"
    return "falls" if factor < 1.0 else "grows"


def describe_chain_decay(depth: int = 10, w: float = 1.0, z: float = 2.0) -> str:
    """Alt text for one frame of :func:`plot_chain_decay` (chapter 2's twin)."""
    d = chain_decay(depth, w, z)
    head = f"Depth {depth}, every weight w = {w:g}, every pre-activation z = {z:g}: "
    if depth == 1:
        text = head + f"the single layer receives the slope sigma'(z) = {d.gradient[0]:.3g}"
    else:
        trend = _trend(d.factor)
        if trend == "stays flat":
            where = f"stays flat at {d.gradient[0]:.3g} in every layer"
        else:
            where = f"{trend} from {d.gradient[-1]:.3g} at layer {depth} to {d.gradient[0]:.1e} at layer 1"
        text = (
            head
            + f"each layer multiplies the gradient by w sigma'(z) = {d.factor:.3g}, so towards the input it {where}"
        )
    if z != 0.0:
        text += f"; with every z = 0 layer 1 would receive {d.centred[0]:.1e}"
    return text + "."


def plot_chain_decay(depth: int = 10, w: float = 1.0, z: float = 2.0, *, fig: Figure | None = None):
    """Chapter 2's widget: the gradient per layer of a sigmoid chain, log scale.

    Every neuron has weight ``w`` and its bias tuned so that its
    pre-activation is ``z`` (:func:`chain_decay`).  Draws ``|da_d/dz_i|`` at
    each layer ``i`` (solid), and, for comparison, the same chain with every
    ``z_i = 0``, where the sigmoid is steepest (dashed).  ``fig``: a figure
    this function returned before, to draw into instead of a new one.
    """
    d = chain_decay(depth, w, z)
    with mpl.rc_context(STYLE):
        fig, (ax,) = new_or_reused(fig, 1)
        fig.subplots_adjust(**MARGINS)
        ax.plot(d.layers, d.gradient, "o-", color=COLORS[0], ms=4, lw=2, label=f"every $z_i$ = {z:g}")
        if z != 0.0:
            ax.plot(
                d.layers, d.centred, "--", color=COLORS[1], lw=1.2, label="every $z_i$ = 0 (steepest slope)"
            )
        log_y(ax)
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        values = np.concatenate([d.gradient, d.centred, [1.0]])
        ax.set_ylim(values.min() / 10.0, values.max() * 10.0)
        ax.set_xlim(0.5, depth + 0.5)
        ax.set_xlabel("layer i (1 = nearest the input)")
        ax.set_ylabel(r"$|\partial a_d / \partial z_i|$")
        ax.set_title(
            f"depth {depth}, w = {w:g}, z = {z:g}: each layer multiplies by "
            + rf"$w\sigma'(z)$ = {d.factor:.3g}",
            fontsize=10,
        )
        ax.legend(fontsize=8, loc="upper right" if d.factor > 1.0 else "lower right")
    return fig
