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


def test_clipping_figure_draws_every_seed_and_refuses_other_inputs():
    runs = [
        through_time.train_recall("rnn", 3, np.random.default_rng(s), steps=4, clip_norm=None)
        for s in range(3)
    ]
    fig = plotting.plot_clipping(runs, runs[:2], 1.0)
    left, right = fig.axes
    # three unclipped and two clipped seeds, plus the threshold (left) or the guessing line (right)
    assert len(left.lines) == 6 and len(right.lines) == 6
    assert "3 seeds" in fig._suptitle.get_text()
    plt.close(fig)
    for bad in ([], [1.0], "runs", 3):
        try:
            plotting.plot_clipping(bad, runs, 1.0)
        except TypeError as err:
            assert "unclipped" in str(err) or "RecallHistory" in str(err)
        else:
            raise AssertionError(f"plot_clipping accepted {bad!r}")


def test_recall_figure_places_models_on_a_shared_length_axis_and_counts_solved_seeds():
    rng = np.random.default_rng(1)
    a = through_time.train_recall("rnn", 3, rng, steps=3)
    b = through_time.train_recall("rnn", 5, rng, steps=3)
    runs = {"short and long": {3: [a, a], 5: [b]}, "long only": {5: [b, b, b]}}
    fig = plotting.plot_recall_results(runs, solved=0.0)  # every seed counts as solved at 0
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "5"]
    counts = sorted(t.get_text() for t in ax.texts if "/" in t.get_text())
    assert counts == ["1/1", "2/2", "3/3"]
    plt.close(fig)
    for bad, err in (({}, TypeError), ([], TypeError)):
        try:
            plotting.plot_recall_results(bad)
        except err:
            pass
        else:
            raise AssertionError(f"plot_recall_results accepted {bad!r}")
    try:
        plotting.plot_recall_results(runs, solved=1.5)
    except ValueError as e:
        assert "solved" in str(e)
    else:
        raise AssertionError("solved=1.5 was accepted")


def test_widget_figures_add_one_thin_line_per_other_network_and_check_the_seeds():
    base = plotting.plot_gradient_through_time(1.0, 10)
    more = plotting.plot_gradient_through_time(1.0, 10, other_seeds=(1, 2, 3))
    assert len(more.axes[0].lines) == len(base.axes[0].lines) + 3
    lstm_base = plotting.plot_lstm_cell_path(1.0, 10)
    lstm_more = plotting.plot_lstm_cell_path(1.0, 10, other_seeds=[4])
    assert len(lstm_more.axes[0].lines) == len(lstm_base.axes[0].lines) + 2  # all paths and cell path
    for fig in (base, more, lstm_base, lstm_more):
        plt.close(fig)
    for bad, err in (
        ((0, 1), ValueError),
        ((1, 1), ValueError),
        ((-1,), ValueError),
        (3, TypeError),
        ("12", TypeError),
    ):
        try:
            plotting.plot_gradient_through_time(1.0, 5, other_seeds=bad)
        except err as e:
            assert "other_seeds" in str(e)
        else:
            raise AssertionError(f"other_seeds={bad!r} was accepted")


def test_recall_figure_shows_every_seed_of_a_layer_norm_rnn_beside_a_plain_one_at_one_length():
    """Chapter 9's layer-norm comparison: one length, several models, one dot per seed."""
    plain = [through_time.train_recall("rnn", 4, np.random.default_rng(s), steps=3) for s in range(5)]
    ln = [
        through_time.train_recall("rnn", 4, np.random.default_rng(s), steps=3, layer_norm=True)
        for s in range(5)
    ]
    fig = plotting.plot_recall_results({"plain": {4: plain}, "LayerNorm": {4: ln}}, solved=0.0)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4"]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [len(line.get_xdata()) for line in dots] == [5, 5]  # every seed visible
    np.testing.assert_allclose(sorted(dots[1].get_ydata()), sorted(h.test_accuracy for h in ln))
    assert sorted(t.get_text() for t in ax.texts if "/" in t.get_text()) == ["5/5", "5/5"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["plain", "LayerNorm"]
    plt.close(fig)


def test_recall_figure_legend_can_move_outside_the_axes_and_bad_locations_are_refused():
    runs = {"plain": {3: [through_time.train_recall("rnn", 3, np.random.default_rng(0), steps=2)]}}
    inside = plotting.plot_recall_results(runs)
    outside = plotting.plot_recall_results(runs, legend_loc="outside right")
    renderer = outside.canvas.get_renderer()
    ax_box = outside.axes[0].get_window_extent(renderer)
    legend_box = outside.axes[0].get_legend().get_window_extent(renderer)
    assert legend_box.x0 > ax_box.x1  # entirely to the right of the axes: hides no dot
    in_box = inside.axes[0].get_legend().get_window_extent(inside.canvas.get_renderer())
    assert in_box.x0 < inside.axes[0].get_window_extent(inside.canvas.get_renderer()).x1
    for fig in (inside, outside):
        plt.close(fig)
    try:
        plotting.plot_recall_results(runs, legend_loc="somewhere")
    except ValueError as e:
        assert "legend_loc" in str(e)
    else:
        raise AssertionError("legend_loc='somewhere' was accepted")
