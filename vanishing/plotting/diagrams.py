"""Diagrams of the networks the chapters differentiate, drawn in the course style.

Each function returns a :class:`matplotlib.figure.Figure` with the forward
computation in dark ink and the path the gradient takes back in the course's
orange, labelled with the factor it picks up on the way:

* :func:`draw_chain_network`: the chain of single-neuron layers of chapters
  1 and 3, each backward step multiplying by ``w_l sigma'(z_l)``;
* :func:`draw_unrolled_rnn`: a recurrent network unrolled in time (chapter 9),
  each step back multiplying by ``W_h^T diag(tanh'(.))``, and where truncated
  backpropagation through time stops;
* :func:`draw_lstm_cell`: the LSTM cell, its cell-state path highlighted
  (``dc_t/dc_{t-1} = f_t``: a product with the forget gate, no weight matrix
  and no squashing function);
* :func:`draw_residual_block`: one residual layer ``a_l = a_{l-1} + f(a_{l-1} W_l + b_l)``
  (chapter 12, rows as examples), whose Jacobian is the identity plus the branch's.

They are drawn by code, not stored as images, so that they share the course's
fonts, colours and white background (readable in dark mode too).
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..core._checks import check_int
from ._style import COLORS, STYLE

__all__ = ["draw_chain_network", "draw_lstm_cell", "draw_residual_block", "draw_unrolled_rnn"]

_INK = "#222222"
#: The colour of every gradient path (the course palette's vermilion).
_GRADIENT = COLORS[1]
#: The colour of the LSTM's cell-state path and of a skip connection.
_HIGHWAY = COLORS[2]


def _canvas(width: float, height: float, xlim, ylim):
    with mpl.rc_context(STYLE):
        fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _arrow(ax, start, end, *, color=_INK, style="-|>", lw=1.4, ls="-", rad=0.0, shrink=0.0):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            lw=lw,
            linestyle=ls,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=shrink,
            shrinkB=shrink,
        )
    )


def _box(ax, center, text, *, w=1.0, h=0.6, color=_INK, face="white", fontsize=10):
    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=face,
            ec=color,
            lw=1.4,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=_INK)


def _node(ax, center, text, *, r=0.32, color=_INK, face="white", fontsize=10):
    ax.add_patch(Circle(center, r, fc=face, ec=color, lw=1.4))
    ax.text(*center, text, ha="center", va="center", fontsize=fontsize, color=_INK)


def draw_chain_network(depth: int = 3):
    """A chain of ``depth`` single sigmoid neurons, forward above and backward below.

    Neuron ``l`` computes ``a_l = sigma(z_l)`` with ``z_l = w_l a_{l-1} + b_l``;
    the loss ``L`` reads the last activation.  The gradient reaching ``w_1`` is
    the product of the factors ``w_l sigma'(z_l)`` drawn on the way back.
    """
    depth = check_int("depth", depth, low=1, high=6)
    step = 2.0
    xs = [i * step for i in range(depth + 2)]  # input, neurons, loss
    fig, ax = _canvas(1.25 * (depth + 2) + 0.6, 2.4, (-0.8, xs[-1] + 0.9), (-1.25, 1.05))
    y = 0.25
    _node(ax, (xs[0], y), "$x$", face="#f2f2f2")
    for layer in range(1, depth + 1):
        _node(ax, (xs[layer], y), f"$\\sigma$\n$a_{layer}$", r=0.42, fontsize=9)
        _arrow(ax, (xs[layer - 1] + 0.35, y), (xs[layer] - 0.45, y))
        ax.text(
            (xs[layer - 1] + xs[layer]) / 2, y + 0.2, f"$w_{layer}$", ha="center", fontsize=10, color=_INK
        )
    _box(ax, (xs[-1], y), "$L$", w=0.7, h=0.6, face="#f2f2f2")
    _arrow(ax, (xs[-2] + 0.45, y), (xs[-1] - 0.37, y))
    ax.text(xs[0] - 0.6, y + 0.62, "forward", fontsize=9, color=_INK, ha="left")
    yb = -0.75
    for layer in range(depth, 0, -1):
        _arrow(ax, (xs[layer] + 0.15, yb), (xs[layer - 1] + 0.45, yb), color=_GRADIENT, lw=1.6)
        ax.text(
            (xs[layer - 1] + xs[layer]) / 2 + 0.25,
            yb - 0.38,
            f"$\\times\\, w_{layer}\\,\\sigma'(z_{layer})$",
            ha="center",
            fontsize=9,
            color=_GRADIENT,
        )
    _arrow(ax, (xs[-1], yb), (xs[-2] + 0.15, yb), color=_GRADIENT, lw=1.6)
    ax.text(
        xs[-1] - 0.05,
        yb - 0.38,
        f"$\\partial L/\\partial a_{depth}$",
        ha="center",
        fontsize=9,
        color=_GRADIENT,
    )
    ax.text(xs[0] - 0.6, yb + 0.22, "backward", fontsize=9, color=_GRADIENT, ha="left")
    return fig


def draw_unrolled_rnn(steps: int = 5, truncate: int | None = 3):
    """A tanh RNN unrolled over ``steps`` time steps, with the gradient's path back.

    ``h_t = tanh(W_h h_{t-1} + W_x x_t + b)``; a loss read at the last step
    sends its gradient back through every ``h_t``, each step multiplying by
    ``W_h^T diag(tanh'(.))``.  With ``truncate=k`` a bar marks where truncated
    backpropagation through time stops (``k`` steps back); ``None`` draws none.
    """
    steps = check_int("steps", steps, low=2, high=8)
    if truncate is not None:
        truncate = check_int("truncate", truncate, low=1, high=steps - 1)
    step = 1.9
    xs = [i * step for i in range(steps)]
    fig, ax = _canvas(1.15 * steps + 1.4, 3.2, (-1.4, xs[-1] + 1.3), (-1.55, 1.85))
    for t, x in enumerate(xs, start=1):
        label = "$h_{t}$".replace("{t}", "{" + (f"t-{steps - t}" if t < steps else "t") + "}")
        _box(ax, (x, 0.3), label, w=0.95, h=0.62)
        xin = "$x_{t}$".replace("{t}", "{" + (f"t-{steps - t}" if t < steps else "t") + "}")
        ax.text(x, -0.75, xin, ha="center", va="center", fontsize=10, color=_INK)
        _arrow(ax, (x, -0.58), (x, -0.02))
        if t > 1:
            _arrow(ax, (xs[t - 2] + 0.5, 0.3), (x - 0.5, 0.3))
            ax.text(
                (xs[t - 2] + x) / 2,
                0.42,
                "$W_h$",
                ha="center",
                fontsize=9,
                color=_INK,
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
                zorder=3,
            )
    ax.text(xs[0] - 1.35, 0.3, "$\\cdots\\rightarrow$", ha="left", va="center", fontsize=10, color=_INK)
    _box(ax, (xs[-1], 1.4), "$L$", w=0.6, h=0.45, face="#f2f2f2")
    _arrow(ax, (xs[-1], 0.62), (xs[-1], 1.17))
    for t in range(steps - 1, 0, -1):
        _arrow(ax, (xs[t] - 0.25, 0.95), (xs[t - 1] + 0.25, 0.95), color=_GRADIENT, lw=1.6, rad=0.25)
    ax.text(
        (xs[0] + xs[-1]) / 2,
        1.52,
        "each step back: $\\times\\, W_h^{\\top}\\,\\mathrm{diag}(\\tanh'(\\cdot))$",
        ha="center",
        fontsize=9,
        color=_GRADIENT,
    )
    if truncate is not None:
        xcut = (xs[steps - 1 - truncate] + xs[steps - truncate]) / 2
        ax.plot([xcut, xcut], [-1.2, 1.2], color=_GRADIENT, lw=1.2, ls="--")
        ax.text(
            xcut,
            -1.4,
            f"truncated BPTT: stop after {truncate} steps",
            ha="center",
            fontsize=8.5,
            color=_GRADIENT,
        )
    return fig


def draw_lstm_cell():
    """One LSTM cell, with the cell-state path along the top highlighted.

    ``c_t = f_t * c_{t-1} + i_t * g_t`` and ``h_t = o_t * tanh(c_t)``, where the
    gates ``f, i, o`` are sigmoids and the candidate ``g`` a tanh of
    ``W [h_{t-1}, x_t] + b``.  Backward along the top line, ``dc_t/dc_{t-1} = f_t``
    (elementwise): no weight matrix and no squashing derivative.
    """
    fig, ax = _canvas(6.6, 3.5, (-0.6, 9.6), (-1.9, 3.35))
    ytop, ygate = 2.35, 0.0
    # The cell-state path.
    ax.text(-0.5, ytop, "$c_{t-1}$", ha="left", va="center", fontsize=11, color=_HIGHWAY)
    _arrow(ax, (0.45, ytop), (2.25, ytop), color=_HIGHWAY, lw=2.6)
    _node(ax, (2.6, ytop), "$\\times$", r=0.3, color=_HIGHWAY)
    _arrow(ax, (2.9, ytop), (4.85, ytop), color=_HIGHWAY, lw=2.6)
    _node(ax, (5.2, ytop), "$+$", r=0.3, color=_HIGHWAY)
    _arrow(ax, (5.5, ytop), (8.75, ytop), color=_HIGHWAY, lw=2.6)
    ax.text(8.85, ytop, "$c_t$", ha="left", va="center", fontsize=11, color=_HIGHWAY)
    # Gates, fed by [h_{t-1}, x_t].
    gates = [
        (2.6, "$\\sigma$", "$f_t$"),
        (4.2, "$\\sigma$", "$i_t$"),
        (5.2, "tanh", "$g_t$"),
        (6.9, "$\\sigma$", "$o_t$"),
    ]
    ax.plot([0.3, 6.9], [-0.9, -0.9], color=_INK, lw=1.4)
    ax.text(-0.5, -0.9, "$h_{t-1}$", ha="left", va="center", fontsize=10, color=_INK)
    ax.text(3.4, -1.55, "$x_t$", ha="center", va="center", fontsize=10, color=_INK)
    _arrow(ax, (3.4, -1.35), (3.4, -0.93), style="-")
    for x, f, name in gates:
        _box(ax, (x, ygate), f, w=0.75, h=0.5, fontsize=9)
        _arrow(ax, (x, -0.9), (x, ygate - 0.27))
        ax.text(x + 0.42, ygate + 0.42, name, fontsize=9, color=_INK)
    _arrow(ax, (2.6, 0.27), (2.6, ytop - 0.32))  # f_t into the product
    _node(ax, (4.7, 1.25), "$\\times$", r=0.26)  # i_t * g_t
    _arrow(ax, (4.2, 0.27), (4.55, 1.05))
    _arrow(ax, (5.2, 0.27), (4.85, 1.05))
    _arrow(ax, (4.8, 1.5), (5.1, ytop - 0.3))
    # Output: h_t = o_t * tanh(c_t).
    _box(ax, (7.9, 1.45), "tanh", w=0.75, h=0.45, fontsize=9)
    _arrow(ax, (7.9, ytop - 0.05), (7.9, 1.7))
    _node(ax, (7.9, 0.45), "$\\times$", r=0.26)
    _arrow(ax, (7.9, 1.22), (7.9, 0.72))
    _arrow(ax, (7.3, 0.0), (7.65, 0.35))
    _arrow(ax, (8.17, 0.45), (8.95, 0.45))
    ax.text(9.0, 0.45, "$h_t$", ha="left", va="center", fontsize=11, color=_INK)
    # The gradient along the cell state.
    _arrow(ax, (8.5, ytop + 0.45), (0.6, ytop + 0.45), color=_GRADIENT, lw=1.6)
    ax.text(
        4.55,
        ytop + 0.68,
        "backward along the cell state: $\\partial c_t/\\partial c_{t-1} = f_t$",
        ha="center",
        fontsize=9,
        color=_GRADIENT,
    )
    return fig


def draw_residual_block():
    """One residual layer, ``a_l = a_{l-1} + f(a_{l-1} W_l + b_l)``, and its Jacobian.

    The course's networks hold an example as a row, ``z_l = a_{l-1} W_l + b_l``.
    The skip carries ``a_{l-1}`` around the branch unchanged, so backward the
    gradient reaching ``a_{l-1}`` is the incoming one plus the branch's share:
    ``da_l = da_{l-1} (I + W_l diag(f'(z_l)))``.
    """
    fig, ax = _canvas(6.4, 2.6, (-0.7, 9.5), (-1.45, 2.3))
    y = 0.3
    ax.text(-0.6, y, "$a_{l-1}$", ha="left", va="center", fontsize=11, color=_INK)
    _arrow(ax, (0.45, y), (1.45, y))
    _box(ax, (2.5, y), "$z_l = a_{l-1} W_l + b_l$", w=2.05, h=0.6, fontsize=9)
    _arrow(ax, (3.55, y), (4.43, y))
    _box(ax, (4.9, y), "$f$", w=0.9, h=0.6)
    _arrow(ax, (5.37, y), (6.6, y))
    _node(ax, (6.9, y), "$+$", r=0.3)
    _arrow(ax, (7.2, y), (8.35, y))
    ax.text(8.45, y, "$a_l$", ha="left", va="center", fontsize=11, color=_INK)
    # The skip connection.
    ax.plot([0.9, 0.9, 6.9], [y, 1.5, 1.5], color=_HIGHWAY, lw=2.4)
    _arrow(ax, (6.9, 1.5), (6.9, y + 0.32), color=_HIGHWAY, lw=2.4)
    ax.text(3.9, 1.68, "identity (skip)", ha="center", fontsize=9, color=_HIGHWAY)
    # The gradient.
    _arrow(ax, (8.3, -0.55), (0.5, -0.55), color=_GRADIENT, lw=1.6)
    ax.text(
        4.4,
        -1.05,
        "backward: $\\partial a_l/\\partial a_{l-1} = I + W_l\\,\\mathrm{diag}(f'(z_l))$",
        ha="center",
        fontsize=9,
        color=_GRADIENT,
    )
    return fig
