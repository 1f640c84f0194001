"""Chapter 11: an activation of the reader's own.

The plot functions take the reader's text, parse it with
:func:`vanishing.experiments.own_activation.parse_activation` and draw what it implies.  A text
that the parser refuses does not raise: the figure shows the parser's message
instead, so a typo in the live widget's text box reads as a message, not as
a traceback.
"""

from __future__ import annotations

import math
import re
import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..core import parser, propagation
from ..experiments import own_activation
from ._style import COLORS, MARGINS, STYLE, log_y, new_or_reused

__all__ = [
    "activation_label",
    "describe_custom_activation",
    "plot_custom_activation",
    "plot_depth_decay",
    "plot_judgements",
    "plot_slopes",
]

_MISH = own_activation.GALLERY["mish"]
_SIGMOID = own_activation.GALLERY["sigmoid"]


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


#: Readable names for the gallery's formulas, for legends.
_GALLERY_LABELS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "ReLU": "ReLU",
    "softplus": "softplus",
    "ELU": "ELU (α = 1)",
    "GELU": "GELU",
    "swish": "Swish (β = 1)",
    "mish": "Mish",
    "cube": "cube, x³",
    "bump": "bump, exp(−x²)",
}
_BY_TEXT = {text: _GALLERY_LABELS[name] for name, text in own_activation.GALLERY.items()}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def activation_label(text: str, label: str | None = None, *, width: int = 28) -> str:
    """A short, readable legend entry for a formula (chapter 11).

    ``label`` if given; else the gallery's name for a gallery formula
    (``"x*sigmoid(x)"`` is ``"Swish (β = 1)"``); else the formula itself,
    written more like mathematics (``x**3`` as ``x³``, ``*`` as ``·``, a
    minus sign as ``−``, no spaces) and cut to ``width`` characters with ``…``.
    """
    if label is not None:
        if not isinstance(label, str) or not label.strip():
            raise TypeError("label must be a non-empty string or None")
        return label.strip()
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    width = int(width)
    if width < 4:
        raise ValueError(f"width must be at least 4; got {width}")
    key = " ".join(text.split())
    if key in _BY_TEXT:
        return _BY_TEXT[key]
    pretty = "".join(key.split())
    pretty = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), pretty)
    pretty = pretty.replace("**", "^").replace("*", "·").replace("-", "−")
    return _short(pretty, width)


def _message_figure(text: str, err: Exception):
    reason = getattr(err, "reason", str(err))
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**MARGINS)
        ax.set_axis_off()
        ax.set_title(f"f(x) = {_short(str(text))}", loc="left")
        body = "This expression was refused:\n\n" + textwrap.fill(reason + ".", 70)
        body += "\n\n" + textwrap.fill(parser.ALLOWED, 70)
        ax.text(0.0, 0.95, body, va="top", ha="left", fontsize=8.5, transform=ax.transAxes, wrap=True)
    fig.refused_text = True  # a one-panel message: the next valid text starts a new figure
    return fig


def _positive(values: np.ndarray) -> np.ndarray:
    """Values a log axis can show: 0, inf and anything beyond 1e±100 become gaps."""
    out = np.asarray(values, dtype=float).copy()
    out[~np.isfinite(out) | (out < 1e-100) | (out > 1e100)] = np.nan
    return out


def _window(lo: float, hi: float) -> tuple[float, float]:
    """y-limits that show the interesting part near the origin."""
    lo, hi = max(lo, -3.0), min(hi, 4.0)
    pad = 0.08 * (hi - lo) + 0.05
    return lo - pad, hi + pad


def plot_custom_activation(
    text: str = _MISH,
    depth: int = 30,
    *,
    n_chains: int = 2000,
    seed: int = 0,
    x_max: float = 6.0,
    fig: Figure | None = None,
):
    """Chapter 11's widget: the reader's f and f', its gradient through chains, and a wide layer's gain.

    Left: f and f' on ``[-x_max, x_max]`` with the largest |f'| on
    [-10, 10] marked.  Right: the median and 10-90 % band of the first-layer
    gradient |da_d/dz_1| of ``n_chains`` random chains of single units, depth
    1..``depth`` (:func:`vanishing.experiments.own_activation.depth_decay`,
    weights uniform on [-e, e]), beside the sigmoid's median.  Below both, one
    line for a wide layer (:func:`vanishing.experiments.own_activation.wide_layer`,
    zero biases): chi_1 at ``sigma_w = 1`` and the weight scale that makes
    chi_1 = 1.  A refused text gives a figure with the parser's message.

    ``fig``: a figure this function returned before, to draw into instead of a
    new one (a message figure is not drawn into: a valid text after a refused
    one gets a new figure).
    """
    try:
        act = own_activation.parse_activation(text)
    except (ValueError, TypeError) as err:
        return _message_figure(text, err)
    if getattr(fig, "refused_text", False):
        fig = None
    decay = own_activation.seeded_depth_decay(act.text, depth, n_chains, seed)
    ref = own_activation.seeded_depth_decay(_SIGMOID, depth, n_chains, seed)
    wide = own_activation.parsed_wide_layer(act.text)
    xs = np.linspace(-x_max, x_max, 601)
    f, d = act.forward(xs), act.slope(xs)
    with mpl.rc_context(STYLE):
        fig, (left, right) = new_or_reused(fig, 2, width_ratios=(1, 1))
        fig.subplots_adjust(wspace=0.3, **{**MARGINS, "top": 0.84, "bottom": 0.22})
        left.plot(xs, f, color=COLORS[0], label="f(x)")
        left.plot(xs, d, color=COLORS[1], lw=2, label="f'(x)")
        left.axhline(1.0, color="#555555", lw=0.8, ls=":")
        for a, b in act.max_at:
            if a == b and abs(a) <= x_max:
                left.plot([a], [act.slope(a)], "o", color=COLORS[1], ms=5)
        left.set_ylim(*_window(min(f.min(), d.min()), max(f.max(), d.max())))
        left.set_xlabel("x")
        left.set_title(f"max |f'| = {act.max_slope:.3g} at {act.where_max(2)}", fontsize=8.5)
        left.legend(fontsize=8, loc="upper left")

        right.fill_between(
            decay.depths,
            _positive(decay.low),
            _positive(decay.high),
            color=COLORS[0],
            alpha=0.25,
            label="10–90 % of chains",
        )
        right.plot(decay.depths, _positive(decay.median), color=COLORS[0], label="median")
        right.plot(decay.depths, _positive(ref.median), "k--", lw=1, label="sigmoid, median")
        log_y(right)
        right.set_xlabel("depth d")
        right.set_ylabel(r"$|\partial a_d / \partial z_1|$")
        notes = []
        if decay.finite[-1] < 1:
            notes.append(f"{1 - decay.finite[-1]:.0%} overflowed")
        if decay.zero[-1] > 0:
            notes.append(f"{decay.zero[-1]:.0%} exactly 0")
        title = f"chains of single units, depth {depth}"
        right.set_title(title + ("\n" + ", ".join(notes) if notes else ""), fontsize=9)
        right.legend(fontsize=7, loc="best")
        name = _BY_TEXT.get(" ".join(act.text.split()))
        fig.suptitle((f"{name}: " if name else "") + f"f(x) = {_short(act.text, 60)}", fontsize=10)
        fig.text(0.02, 0.02, _wide_line(wide), fontsize=8.5, ha="left", va="bottom")
    return fig


def _chi(value: float) -> str:
    return f"{value:.3g}" if value >= 1e-3 else f"{value:.1e}"


def _wide_line(wide: own_activation.WideLayer) -> str:
    """The figure's one line on a wide layer."""
    at_one = (
        rf"$\chi_1$ = {_chi(wide.chi_at_one)} at $\sigma_w$ = 1"
        if np.isfinite(wide.chi_at_one)
        else r"variance unbounded at $\sigma_w$ = 1"
    )
    if wide.critical is not None and f"{wide.critical:.3g}" == "1":
        crit = "that is the critical scale"
    elif wide.critical is not None:
        crit = rf"$\chi_1$ = 1 at $\sigma_w$ = {wide.critical:.3g}"
    else:
        lo, hi = propagation.SIGMA_W_BOUNDS
        crit = rf"no $\sigma_w$ in [{lo:g}, {hi:g}] gives $\chi_1$ = 1"
    return rf"Wide layer, weights $N(0, \sigma_w^2/N)$, no biases: {at_one}; {crit}"


def describe_custom_activation(
    text: str = _MISH, depth: int = 30, *, n_chains: int = 2000, seed: int = 0
) -> str:
    """Alt text for one frame of :func:`plot_custom_activation`: what it shows, with numbers."""
    try:
        act = own_activation.parse_activation(text)
    except (ValueError, TypeError) as err:
        return f"The expression {text!r} was refused: {getattr(err, 'reason', err)}."
    decay = own_activation.seeded_depth_decay(act.text, depth, n_chains, seed)
    ref = own_activation.seeded_depth_decay(_SIGMOID, depth, n_chains, seed)
    wide = own_activation.parsed_wide_layer(act.text)
    med = decay.median[-1]
    if not np.isfinite(med):
        fate = "overflows in most chains"
    elif med == 0:
        fate = "is exactly 0 in most chains"
    else:
        fate = f"has median {med:.1e}"
    edge = ", the end of the range examined, so it may be larger beyond" if act.at_edge else ""
    if np.isfinite(wide.chi_at_one):
        at_one = f"one layer multiplies the mean squared gradient by chi_1 = {_chi(wide.chi_at_one)} at sigma_w = 1"
    else:
        at_one = "at sigma_w = 1 the pre-activation variance grows without bound"
    if wide.critical is not None and f"{wide.critical:.3g}" == "1":
        crit = "that is the critical scale"
    elif wide.critical is not None:
        crit = f"chi_1 = 1 at sigma_w = {wide.critical:.3g}"
    else:
        lo, hi = propagation.SIGMA_W_BOUNDS
        crit = f"no sigma_w between {lo:g} and {hi:g} gives chi_1 = 1: {wide.reason}"
    return (
        f"For f(x) = {act.text}, the largest slope |f'| is {act.max_slope:.3g} at {act.where_max(2)}{edge}; "
        f"at depth {depth} the first-layer gradient of random chains of single units {fate}, "
        f"against {ref.median[-1]:.1e} for the sigmoid. "
        f"In a wide layer with weights N(0, sigma_w^2/N) and no biases, {at_one}, and {crit}."
    )


def _labelled(texts) -> tuple[list[str], dict[str, str]]:
    """``texts`` as a list, and the reader's labels: a mapping is ``{label: text}``."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of formulas or a mapping {label: formula}, not one string")
    if isinstance(texts, dict):
        return list(texts.values()), {text: label for label, text in texts.items()}
    return list(texts), {}


def plot_depth_decay(
    texts=(_MISH, "tanh(x)", _SIGMOID, "x**3", "exp(-x**2)"),
    depth: int = 40,
    *,
    n_chains: int = 2000,
    seed: int = 0,
):
    """Median first-layer gradient against depth for several expressions, log scale (chapter 11).

    Each line is :func:`vanishing.experiments.own_activation.depth_decay` for one text, over the
    same random chains (same ``seed``).  A line stops where its median
    overflows or becomes exactly 0.  ``texts`` is a sequence of formulas or a
    mapping ``{label: formula}``; the legend shows :func:`activation_label`.
    """
    texts, labels = _labelled(texts)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**{**MARGINS, "right": 0.72})
        for i, text in enumerate(texts):
            decay = own_activation.seeded_depth_decay(text, depth, n_chains, seed)
            ax.plot(
                decay.depths,
                _positive(decay.median),
                color=COLORS[i % len(COLORS)],
                lw=1.8,
                label=activation_label(text, labels.get(text)),
            )
        log_y(ax)
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.set_xlabel("depth d")
        ax.set_ylabel(r"median $|\partial a_d / \partial z_1|$")
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def plot_slopes(
    texts=(_SIGMOID, "tanh(x)", "max(x, 0)", own_activation.GALLERY["GELU"], _MISH, "exp(-x**2)"),
    *,
    x_max: float = 5.0,
):
    """The slopes f'(x) of several expressions on one axis, with the line f' = 1 (chapter 11).

    ``texts`` as in :func:`plot_depth_decay`; the legend shows :func:`activation_label`.
    """
    texts, labels = _labelled(texts)
    xs = np.linspace(-x_max, x_max, 1001)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        fig.subplots_adjust(**{**MARGINS, "right": 0.72})
        ax.axhline(1.0, color="#555555", lw=0.8, ls=":")
        ax.axhline(0.0, color="#555555", lw=0.6)
        for i, text in enumerate(texts):
            act = own_activation.parse_activation(text)
            ax.plot(
                xs,
                act.slope(xs),
                color=COLORS[i % len(COLORS)],
                lw=1.8,
                label=activation_label(text, labels.get(text)),
            )
        ax.set_xlabel("x")
        ax.set_ylabel("f'(x)")
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def plot_judgements(
    texts=None, *, sigma_w: float = 1.0, depth: int = 30, width: int = 256, seeds=(0, 1, 2, 3, 4)
):
    """Each activation judged twice: in chains of single units and in a wide network (chapter 11).

    One row per formula (``texts``: a sequence of formulas or a mapping
    ``{label: formula}``; default the gallery), on a log axis of the factor
    per layer on the gradient: the median chain's factor (square; at the left
    edge if the chains die, at the right if they overflow), the mean-field
    ``sqrt(chi_1)`` of a wide network at ``sigma_w`` (open circle) and the
    factor measured in ``len(seeds)`` random networks of ``width`` units, median
    and min-max bar (filled circle, one dot per seed).  All numbers come from
    :func:`vanishing.experiments.own_activation.judge`.
    """
    texts, labels = _labelled(list(own_activation.GALLERY.values()) if texts is None else texts)
    if not texts:
        raise ValueError("texts must name at least one formula")
    judged = [
        own_activation.judge(
            own_activation.parse_activation(t), sigma_w=sigma_w, depth=depth, width=width, seeds=seeds
        )
        for t in texts
    ]
    lo_edge, hi_edge = 0.03, 3.0
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.42 * len(texts) + 1.4))
        fig.subplots_adjust(left=0.26, right=0.97, top=0.84, bottom=0.12 + 0.6 / (len(texts) + 3))
        ax.axvline(1.0, color="#555555", lw=0.8, ls=":")
        for row, j in enumerate(judged):
            y = len(texts) - 1 - row
            chain_x = min(max(j.chain_factor, lo_edge), hi_edge)
            ax.plot(
                [chain_x],
                [y + 0.15],
                "s",
                color=COLORS[1],
                ms=6,
                label="chain of single units, median" if row == 0 else None,
            )
            if not 0 < j.chain_factor < math.inf:
                ax.annotate(
                    "chains die" if j.chain_factor == 0 else "chains overflow",
                    (chain_x, y + 0.15),
                    xytext=(6, -3) if j.chain_factor == 0 else (-6, -3),
                    ha="left" if j.chain_factor == 0 else "right",
                    textcoords="offset points",
                    fontsize=7,
                    color=COLORS[1],
                )
            if math.isfinite(j.q_star):
                med, lo, hi = j.spread
                ax.plot([lo, hi], [y - 0.15, y - 0.15], color=COLORS[0], lw=2)
                ax.plot(j.measured, np.full(j.measured.size, y - 0.15), "|", color=COLORS[0], ms=6)
                ax.plot(
                    [med],
                    [y - 0.15],
                    "o",
                    color=COLORS[0],
                    ms=5,
                    label=f"wide network, {len(j.seeds)} seeds: median, min–max" if row == 0 else None,
                )
                ax.plot(
                    [j.predicted],
                    [y - 0.15],
                    "o",
                    mfc="none",
                    mec="k",
                    ms=8,
                    label=r"wide network, mean field $\sqrt{\chi_1}$" if row == 0 else None,
                )
            else:
                ax.annotate(
                    "variance grows without bound",
                    (lo_edge, y - 0.15),
                    xytext=(4, -3),
                    textcoords="offset points",
                    fontsize=7,
                    color=COLORS[0],
                )
        ax.set_xscale("log")
        ax.set_xlim(lo_edge / 1.3, hi_edge * 1.3)
        ax.set_yticks(range(len(texts)))
        ax.set_yticklabels([activation_label(t, labels.get(t)) for t in reversed(texts)])
        ax.set_ylim(-0.7, len(texts) - 0.3)
        ax.set_xlabel("factor per layer on the gradient (1 = kept)")
        ax.set_title(
            f"depth {depth}; chains: weights uniform on [−e, e]; wide: width {width}, "
            rf"$\sigma_w$ = {sigma_w:g}, no biases",
            fontsize=8.5,
        )
        ax.legend(fontsize=7.5, loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=2, frameon=False)
    return fig
