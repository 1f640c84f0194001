"""Chapter 5's figures: real figures of the computed records, and alt text with their numbers."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.experiments import wide_networks  # noqa: E402


def test_the_layer_profile_draws_five_seeds_and_the_prediction_in_three_panels():
    fig = plotting.plot_layer_profile("tanh", 1.5, 0.3, 12)
    assert len(fig.axes) == 3
    p = wide_networks.layer_profile("tanh", 1.5, 0.3, 12)
    for ax, predicted in zip(fig.axes, (p.q_predicted, p.c_predicted, p.grad_predicted), strict=True):
        dashed = [line for line in ax.lines if line.get_linestyle() == "--" and len(line.get_xdata())]
        assert len(dashed) == 1
        np.testing.assert_allclose(dashed[0].get_ydata(), predicted)
        assert sum(1 for line in ax.lines if line.get_linestyle() == "-" and len(line.get_xdata())) == 5
    assert fig.axes[0].get_yscale() == fig.axes[2].get_yscale() == "log"
    assert "χ₁ = 1.061 (chaotic)" in fig._suptitle.get_text()
    plt.close(fig)


def test_the_alt_text_states_the_frames_numbers():
    text = plotting.describe_layer_profile("relu", math.sqrt(2), 0.0, 12)
    p = wide_networks.layer_profile("relu", math.sqrt(2), 0.0, 12)
    assert "(critical)" in text
    assert f"{np.median(p.grad_simulated[:, 0]):.2g} (median of five networks" in text
    assert "no fixed point" in plotting.describe_layer_profile("relu", 2.0, 0.0, 12)


def test_the_width_sweep_marks_dead_gradients_and_chi():
    sweep = wide_networks.width_sweep("relu", math.sqrt(2), 0.0, 30, widths=(1, 512), seeds=tuple(range(5)))
    fig = plotting.plot_width_sweep(sweep)
    (ax,) = fig.axes
    crosses = [line for line in ax.lines if line.get_marker() == "x" and len(line.get_xdata())]
    assert sum(len(line.get_xdata()) for line in crosses) == int(sweep.died().sum())
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert any(
        line.get_ydata()[0] == pytest.approx(sweep.chi_1) for line in ax.lines if line.get_linestyle() == "--"
    )
    plt.close(fig)


def test_the_phase_diagram_draws_the_edge():
    d = wide_networks.phase_diagram("tanh", (0.5, 1.0, 2.0), (0.0, 0.5, 1.0))
    fig = plotting.plot_phase_diagram(d, marks=[(1.0, 0.0)])
    ax = fig.axes[0]
    edge = [line for line in ax.lines if line.get_label().startswith("edge of chaos")]
    np.testing.assert_allclose(edge[0].get_xdata(), d.edge)
    assert fig.axes[1].get_ylabel() == "log₁₀ χ₁"
    plt.close(fig)
