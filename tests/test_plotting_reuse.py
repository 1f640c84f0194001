"""Every live widget's plot function draws into a figure it returned before, and shows what a new one shows.

:func:`vanishing.widgets.live` and :func:`vanishing.widgets.twin` keep one
figure per widget and pass it back as ``fig`` (:func:`vanishing.plotting._style.reuse`).
Each case below draws consecutive frames into one kept figure and compares
every pixel with a new figure drawn with the same values.  The frames are
chosen so that what a kept figure could carry over changes between them:
limits (log and linear, autoscaled and set), a curve or band present in one
frame and absent in the next, the legend corner, tick positions, the title
and suptitle, and figure-level text.  Sizes are small where the function
takes them (widths, chains, seeds), so that the case is quick.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from vanishing import plotting
from vanishing.plotting import _style

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"

SMALL_CHAINS = {"n_chains": 200}

FRAMES = {
    "plot_chain_comparison": [
        {"depth": 30, "weight_bound": 0.25, **SMALL_CHAINS},
        {"depth": 3, "weight_bound": 4.0, **SMALL_CHAINS},
    ],
    "plot_init_scale": [
        {"depth": 10, "scale": 0.25, "width": 32, "n_samples": 64},
        {"depth": 4, "scale": 1.0, "width": 32, "n_samples": 64},
    ],
    "plot_layer_profile": [
        {"activation": "relu", "sigma_w": 1.6, "sigma_b": 0.0, "depth": 8},
        {"activation": "tanh", "sigma_w": 0.5, "sigma_b": 0.3, "depth": 5},
    ],
    "plot_init_profile": [
        {"depth": 10, "init": "xavier_normal", "width": 32, "seeds": (0, 1)},
        {"depth": 3, "init": "he_normal", "width": 32, "seeds": (0, 1)},
    ],
    "plot_dead_training": [{"lr": 1.0, "depth": 8}, {"lr": 0.03, "depth": 2}],
    "plot_leaky_chain": [
        {"alpha": 0.0, "depth": 20, **SMALL_CHAINS},
        {"alpha": 0.5, "depth": 2, **SMALL_CHAINS},
    ],
    "plot_chain_and_wide": [
        {"alpha": 0.0, "depth": 10, "width": 32, "seeds": (0, 1), **SMALL_CHAINS},
        {"alpha": 0.9, "depth": 4, "width": 32, "seeds": (0,), **SMALL_CHAINS},
    ],
    "plot_bias_shift": [
        {"alpha": 3.0, "depth": 10, "width": 32},
        {"alpha": 0.5, "depth": 3, "width": 32},
    ],
    "plot_selu_depth": [
        {"gain": 2.0, "input_std": 0.1, "depth": 10, "width": 32},
        {"gain": 0.5, "input_std": 3.0, "depth": 5, "width": 32},
    ],
    "plot_forward_backward": [
        {"activation": "relu", "gain": 2.0, "depth": 10, "width": 32},
        {"activation": "selu", "gain": 0.5, "depth": 5, "width": 32},
    ],
    "plot_gradient_through_time": [
        {"weight_scale": 1.5, "length": 20, "other_seeds": (1,)},
        {"weight_scale": 0.5, "length": 10},
    ],
    "plot_lstm_cell_path": [
        {"forget_bias": 3.0, "length": 20, "other_seeds": (1,)},
        {"forget_bias": -1.0, "length": 10},
    ],
    "plot_training": [
        {"activation": "sigmoid", "depth": 2, "init": "xavier_normal"},
        {"activation": "relu", "depth": 3, "init": "he_normal"},
    ],
    "plot_custom_activation": [
        {"text": "tanh(x)", "depth": 10, **SMALL_CHAINS},
        {"text": "x/(1+abs(x))", "depth": 3, "x_max": 2.0, **SMALL_CHAINS},
    ],
    "plot_activation_depth": [
        {"activation": "mish", "depth": 10, "width": 16, "seeds": (0, 1)},
        {"activation": "relu", "depth": 3, "width": 16, "seeds": (0,)},
    ],
    "plot_lab_report": [  # the sigmoid's saturation against the ReLU's dead units, legends and offsets
        {"activation": "sigmoid", "init": "xavier_normal", "stage": "initialisation", "depth": 3},
        {"activation": "relu", "init": "he_normal", "stage": "trained", "depth": 2},
    ],
    "plot_residual_chains": [
        {"weight_scale": 0.125, "depth": 20, "n_chains": 100},
        {"weight_scale": 4.0, "depth": 5, "n_chains": 100, "activation": "sigmoid"},
    ],
}

#: Live widgets whose plot function builds a new figure per frame, and why (none now).
NEW_FIGURE_PER_FRAME: dict[str, str] = {}


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _live_plot_names():
    names = set()
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                names.update(re.findall(r"widgets\.live\(\s*plotting\.(\w+)", source))
    return names


def test_every_live_widget_keeps_its_figure_or_says_why_not():
    names = _live_plot_names()
    assert len(names) >= 20, names  # the chapters' widgets were found
    redrawn = {n for n in names if "fig" in inspect.signature(getattr(plotting, n)).parameters}
    assert names - redrawn == set(NEW_FIGURE_PER_FRAME), "a widget draws a new figure per frame"
    untested = {n for n in redrawn if n not in FRAMES} - {
        "plot_chain_profile",
        "plot_logistic_curve",
        "plot_chain_decay",
        "plot_first_layer_spread",  # these four: tests/test_plotting_sigmoid_chain.py
    }
    assert not untested, f"add frames for {sorted(untested)}"


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_a_kept_figure_shows_what_a_new_figure_shows(name):
    plot = getattr(plotting, name)
    frames = FRAMES[name]
    kept = None
    for values in [*frames, frames[0]]:
        before = kept
        kept = plot(**values, fig=kept)
        assert before is None or kept is before, "the figure passed in is the one drawn into"
        fresh = plot(**values)
        np.testing.assert_array_equal(_pixels(kept), _pixels(fresh), err_msg=f"{name}({values})")
        plt.close(fresh)
    plt.close(kept)


def test_reuse_removes_figure_text_but_keeps_the_suptitle():
    fig, (ax,) = _style.new_or_reused(None, 1)
    fig.suptitle("kept")
    fig.text(0.1, 0.1, "old note")
    ax.text(0.5, 0.5, "old label")
    (same,) = _style.reuse(fig, 1)
    assert same is ax
    assert [t.get_text() for t in fig.texts] == ["kept"]
    assert not ax.texts
    plt.close(fig)


def test_a_refused_activation_then_a_valid_one_draws_a_new_two_panel_figure():
    message = plotting.plot_custom_activation("x +* 2", depth=3, n_chains=50)
    assert len(message.axes) == 1
    fig = plotting.plot_custom_activation("tanh(x)", depth=3, n_chains=50, fig=message)
    assert fig is not message and len(fig.axes) == 2
    again = plotting.plot_custom_activation("tanh(x)", depth=4, n_chains=50, fig=fig)
    assert again is fig
    plt.close("all")
