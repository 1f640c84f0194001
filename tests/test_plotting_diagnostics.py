"""The diagnostics' figures draw one curve per layer and mark the target ratio."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.core import diagnostics, mlp, training  # noqa: E402


@pytest.fixture
def trained():
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([8, 20, 20, 20, 3], "tanh", "xavier_normal", rng)
    X, y = rng.normal(size=(64, 8)), rng.integers(0, 3, 64)
    history = training.train(net, (X, y), epochs=3, lr=0.1, rng=rng, batch_size=16, record_updates=True)
    return net, X, y, history


def test_the_layer_report_has_a_histogram_per_layer_in_each_panel(trained):
    net, X, y, _ = trained
    fig = plotting.plot_layer_report(diagnostics.network_report(net, X, y), title="tanh, Xavier")
    act_ax, grad_ax, summary = fig.axes[:3]
    assert len(act_ax.lines) == len(grad_ax.lines) == 3
    assert len(summary.lines) == 2  # gradient std and grad : data ratio
    assert len(fig.axes[3].patches) == 3  # the share of saturated or dead units, one bar per layer
    plt.close(fig)


def test_a_kept_layer_report_shows_what_a_new_one_shows_with_or_without_slopes(trained):
    """A report without slopes hides the summary's twin axis; drawn into the figure of a
    report with them (and back), every pixel is that of a new figure."""
    net, X, y, _ = trained
    full = diagnostics.network_report(net, X, y)
    bare = diagnostics.layer_report(full.activations[:2], full.gradients[:2])
    assert bare.saturated is None

    def pixels(fig):
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    kept = plotting.plot_layer_report(full, title="with slopes")
    for report, title in ((bare, None), (full, "with slopes")):
        kept = plotting.plot_layer_report(report, title=title, fig=kept)
        fresh = plotting.plot_layer_report(report, title=title)
        assert np.array_equal(pixels(kept), pixels(fresh)), title
        assert kept.axes[3].get_visible() == (report.saturated is not None)
        plt.close(fresh)
    plt.close(kept)


def test_the_update_ratios_have_a_line_per_weight_matrix_and_the_target(trained):
    *_, history = trained
    fig = plotting.plot_update_ratios(history.update_ratios)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 + 1
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(-3.0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.log10(history.update_ratios[:, 0]))
    plt.close(fig)
    with pytest.raises(ValueError, match="steps, layers"):
        plotting.plot_update_ratios(np.ones(3))
    with pytest.raises(TypeError, match="LayerReport"):
        plotting.plot_layer_report({"activations": []})
