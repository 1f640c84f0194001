"""Chapter 9's plot functions return real figures, and their alt texts carry the numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.experiments import through_time  # noqa: E402


def test_gradient_through_time_figure_has_a_log_axis_the_curve_and_the_bound():
    fig = plotting.plot_gradient_through_time(weight_scale=1.5, length=30)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert len(ax.lines) >= 3 and "T = 30" in ax.get_title()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)


def test_gradient_through_time_handles_underflowing_bounds():
    fig = plotting.plot_gradient_through_time(weight_scale=0.5, length=100)
    low, high = fig.axes[0].get_ylim()
    assert 0 < low < high
    plt.close(fig)


def test_describe_gradient_through_time_quotes_the_numbers():
    text = plotting.describe_gradient_through_time(0.5, 25)
    tt = through_time.gradient_through_time(0.5, 25)
    assert "shrinks" in text and f"{tt.quantiles[1, 0]:.1e}" in text and f"{0.5**25:.1e}" in text


def test_lstm_cell_path_figure_and_description():
    fig = plotting.plot_lstm_cell_path(forget_bias=2.0, length=40)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and "forget-gate bias 2" in ax.get_title()
    plt.close(fig)
    text = plotting.describe_lstm_cell_path(2.0, 40)
    assert text.startswith("Forget-gate bias 2:") and "40 steps back" in text


def test_clipping_and_recall_figures_draw_training_histories():
    rng = np.random.default_rng(0)
    a = through_time.train_recall("rnn", 3, rng, steps=5, clip_norm=None)
    b = through_time.train_recall("rnn", 3, rng, steps=5, clip_norm=0.5)
    fig = plotting.plot_clipping(a, b, 0.5)
    left, right = fig.axes
    assert left.get_yscale() == "log" and len(right.lines) >= 2
    plt.close(fig)
    runs = {"RNN": {3: [a, b], 5: [a]}, "LSTM": {3: [b], 5: [a]}}
    fig = plotting.plot_recall_results(runs)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "5"]
    plt.close(fig)
