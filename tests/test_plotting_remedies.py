"""Chapter 12's figures: real plots of the tested numbers, and alt text that states them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402
from vanishing.core import data  # noqa: E402
from vanishing.experiments import remedies  # noqa: E402


def test_gallery_draws_each_activation_and_its_slope_beside_relu():
    fig = plotting.plot_activation_gallery()
    left, right = fig.axes
    n = len(plotting.remedies.GALLERY) + 1  # plus the dashed ReLU
    assert len(left.lines) == n and len(right.lines) == n + 1  # right also has the line at slope 1
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "ReLU" and "GELU" in labels
    plt.close(fig)


def test_activation_depth_plots_every_seed_of_the_chosen_activation():
    fig = plotting.plot_activation_depth("silu", 12, seeds=(0, 3))
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and "12 layers" in ax.get_title() and "2 seeds" in ax.get_title()
    relu_lines, chosen_lines = ax.lines[:2], ax.lines[2:4]
    for line, seed in zip(chosen_lines, (0, 3), strict=True):
        expected = remedies.backward_profile("silu", 12, np.random.default_rng(seed))
        np.testing.assert_allclose(line.get_ydata(), expected)
    np.testing.assert_allclose(
        relu_lines[1].get_ydata(), remedies.backward_profile("relu", 12, np.random.default_rng(3))
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ReLU", "SiLU (Swish, β = 1)"]
    plt.close(fig)


def test_clipping_plot_draws_one_line_per_finished_run_and_lists_the_diverged():
    split = data.digits(np.random.default_rng(0))
    runs = remedies.clipping_runs(
        split, [(0.01, None), (0.01, 10.0)], (0, 1), activation="relu", std=0.3, depth=3, width=8, epochs=1
    )
    fig = plotting.plot_clipping_runs(runs)
    assert len(fig.axes) == 2
    for ax, seeded in zip(fig.axes, runs.values(), strict=True):
        finished = [r for r in seeded if r.diverged_in is None]
        assert len(ax.lines) == len(finished)
        assert ("diverged" in " ".join(t.get_text() for t in ax.texts)) == (len(finished) < len(seeded))
    assert "no clipping" in fig.axes[0].get_title() and "clipped at 10" in fig.axes[1].get_title()
    plt.close(fig)


def test_residual_chains_plot_two_medians_on_a_log_axis():
    fig = plotting.plot_residual_chains(2.0, depth=20, n_chains=100)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and "N(0, 2²)" in ax.get_title()
    medians = [line for line in ax.lines if "median" in line.get_label()]
    assert len(medians) == 2
    plt.close(fig)


def test_remedy_runs_plot_one_curve_per_network_in_each_panel():
    split = data.digits(np.random.default_rng(0))
    runs = [remedies.run_network(v, split, depth=3, width=8, epochs=1) for v in ("small init", "residual")]
    fig = plotting.plot_remedy_runs(runs)
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert len(right.lines) == 2 and len(right.lines[0].get_xdata()) == 2
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["small init", "residual"]
    plt.close(fig)


@pytest.mark.parametrize(
    ("describe", "kwargs", "needles"),
    [
        (
            plotting.describe_activation_depth,
            {"activation": "gelu", "depth": 10},
            ["10 hidden layers", "GELU", "5 seeds", "median", "range"],
        ),
        (plotting.describe_residual_chains, {"weight_scale": 0.5, "depth": 30}, ["scale 0.5", "30-layer"]),
    ],
)
def test_descriptions_state_the_numbers(describe, kwargs, needles):
    text = describe(**kwargs)
    assert len(text) >= 40 and all(n in text for n in needles)
    assert any(ch.isdigit() for ch in text.split("layer")[-1])


def test_twin_frames_of_the_chapter_render(book_build):
    box = widgets.twin(
        plotting.plot_activation_depth,
        plotting.describe_activation_depth,
        activation=["relu", "silu"],
        depth=[5, 10],
    )
    assert "vanishing-twin" in box._dom_classes
    plt.close("all")


def test_remedy_runs_plot_every_seed_with_one_legend_entry_per_network():
    split = data.digits(np.random.default_rng(0))
    runs = [
        remedies.quick_run(v, split, seed=s, depth=3, width=8, epochs=1)
        for v in ("small init", "residual")
        for s in (0, 1, 2)
    ]
    fig = plotting.plot_remedy_runs(runs)
    left, right = fig.axes
    assert len(left.lines) == 6 + 1 and len(right.lines) == 6  # six runs and the dotted line at 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["small init", "residual"]
    plt.close(fig)
    with pytest.raises(ValueError, match="runs"):
        plotting.plot_remedy_runs([])


def test_remedy_runs_give_layer_norm_its_own_colour():
    split = data.digits(np.random.default_rng(0))
    runs = [remedies.quick_run(v, split, depth=3, width=16, epochs=1) for v in ("batch norm", "layer norm")]
    fig = plotting.plot_remedy_runs(runs)
    left = fig.axes[0]
    assert [line.get_label() for line in left.lines[:2]] == ["batch norm", "layer norm"]
    assert left.lines[0].get_color() != left.lines[1].get_color()
    assert left.lines[0].get_marker() != left.lines[1].get_marker()
    plt.close(fig)
