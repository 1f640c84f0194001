"""Chapter 7's figures: real figures with the course style, and a twin built from them."""

from __future__ import annotations

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402
from vanishing.experiments import leaky_relu  # noqa: E402


def test_leaky_family_draws_each_slope_and_its_derivative():
    fig = plotting.plot_leaky_family(alphas=(0.0, 0.2))
    left, right = fig.axes
    assert len(left.lines) == 2
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == ["ReLU (α = 0)", "α = 0.2"]
    # the derivative panel marks the value used at the kink: alpha
    dots = [ln for ln in right.lines if ln.get_marker() == "o"]
    assert [float(d.get_ydata()[0]) for d in dots] == [0.0, 0.2]
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)


def test_leaky_chain_figure_reports_inactive_units_and_zero_gradients():
    fig = plotting.plot_leaky_chain(alpha=0.1, depth=8, n_chains=300)
    left, right = fig.axes
    assert "α = 0.1, depth 8" in fig._suptitle.get_text()
    assert "% of units inactive" in fig._suptitle.get_text()
    assert right.get_xlabel() == "inactive units per chain, k"
    assert sum(p.get_height() for p in left.patches) == 300  # every chain has a non-zero gradient
    assert len(right.patches) == 9  # k = 0..8
    assert {ln.get_linestyle() for ln in left.lines} == {"--", ":"}
    plt.close(fig)


def test_relu_chain_figure_counts_the_killed_gradients():
    fig = plotting.plot_leaky_chain(alpha=0.0, depth=30, n_chains=200)
    left, right = fig.axes
    assert "100.0 % of gradients exactly 0" in fig._suptitle.get_text()
    assert not left.patches  # nothing left to histogram
    assert "gradient exactly 0" in left.texts[0].get_text()
    plt.close(fig)


def test_prelu_slope_figure_has_one_panel_per_layer_and_every_run_in_each():
    runs = [leaky_relu.train_prelu(seed, epochs=3, sizes=(2, 4, 4, 2)) for seed in (0, 1, 2)]
    fig = plotting.plot_prelu_slopes(runs, seeds=(0, 1, 2))
    assert len(fig.axes) == 2  # two hidden layers
    for layer, ax in enumerate(fig.axes):
        assert ax.get_title() == f"hidden layer {layer + 1}"
        means = [ln for ln in ax.lines if ln.get_gid() == "mean"]
        assert len(means) == 3 and sum(ln.get_gid() == "extreme" for ln in ax.lines) == 6
        for run, line in zip(runs, means, strict=True):
            np.testing.assert_allclose(line.get_ydata(), run.history.alpha_mean[:, layer])
        lows = [ln.get_ydata() for ln in ax.lines if ln.get_gid() == "extreme"][::2]
        np.testing.assert_allclose(lows[1], runs[1].slopes[layer].min(axis=1))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["seed 0", "seed 1", "seed 2"]
    plt.close(fig)
    single = plotting.plot_prelu_slopes(runs[0])  # one run is accepted too
    assert sum(ln.get_gid() == "mean" for ln in single.axes[0].lines) == 1
    plt.close(single)
    with pytest.raises(TypeError, match="runs"):
        plotting.plot_prelu_slopes([])
    with pytest.raises(ValueError, match="seeds"):
        plotting.plot_prelu_slopes(runs, seeds=(0, 1))
    plt.close("all")


def test_rrelu_figure_marks_both_test_slopes():
    fig = plotting.plot_rrelu_slopes(n=2000)
    (ax,) = fig.axes
    xs = {round(float(ln.get_xdata()[0]), 4) for ln in ax.lines if len(ln.get_xdata())}
    assert {round(2 / 11, 4), round(11 / 48, 4), round(np.log(8 / 3) / 5, 4)} <= xs
    plt.close(fig)


def test_twin_of_the_chain_widget_renders_every_frame_with_alt_text(book_build):
    box = widgets.twin(
        plotting.plot_leaky_chain,
        leaky_relu.describe_leaky_chain,
        start={"alpha": 0.1, "depth": 5},
        alpha=[0.0, 0.1],
        depth=[5, 10],
    )
    _note, alpha_slider, depth_slider, outer = box.children
    assert isinstance(alpha_slider, ipw.SelectionSlider) and isinstance(outer, ipw.Stack)
    frames = [f for inner in outer.children for f in inner.children]
    assert len(frames) == 4
    assert 'data-frame="alpha=0; depth=10"' in frames[1].value
    assert "99." in frames[1].value or "100" in frames[1].value  # almost every ReLU gradient is 0 at depth 10
    plt.close("all")


def test_plot_functions_validate_through_the_library():
    with pytest.raises(ValueError, match="alpha must be in"):
        plotting.plot_leaky_chain(alpha=1.5)
    plt.close("all")


def _comparison():
    """A hand-made comparison: 2 activations x 3 seeds, one run lost a layer, one overflowed."""
    nan = np.nan
    return leaky_relu.CollapseComparison(
        alphas=(0.0, 0.1),
        seeds=(0, 1, 2),
        depth=8,
        width=32,
        n_train=512,
        lr=0.4,
        epochs=30,
        accuracy=np.array([[0.109, 0.6, nan], [0.99, 0.75, 1.0]]),
        loss=np.array([[2.3, 1.0, nan], [0.05, 0.7, 0.01]]),
        dead_share=np.array([[1.0, 0.3, nan], [0.06, 0.1, 0.03]]),
        layer_lost=np.array([[True, False, False], [False, False, False]]),
        diverged=np.array([[False, False, True], [False, False, False]]),
    )


def test_collapse_figure_shows_every_seed_of_every_activation():
    c = _comparison()
    fig = plotting.plot_collapse_comparison(c)
    left, right = fig.axes
    assert [left.get_title(), right.get_title()] == [
        "final training accuracy",
        "largest dead share of one layer",
    ]
    for ax, values in ((left, c.accuracy), (right, c.dead_share)):
        points = [ln for ln in ax.lines if ln.get_gid() in ("finished", "layer lost", "diverged")]
        xs = np.concatenate([ln.get_xdata() for ln in points])
        assert xs.size == 6 and np.unique(np.round(xs, 9)).size == 6  # no two seeds share a spot
        finished = np.concatenate([ln.get_ydata() for ln in points if ln.get_gid() == "finished"])
        np.testing.assert_array_equal(np.sort(finished), np.sort(values[~c.diverged & ~c.layer_lost]))
        (lost,) = [ln.get_ydata() for ln in points if ln.get_gid() == "layer lost" and len(ln.get_xdata())]
        assert list(lost) == [values[0, 0]]
        crosses = [ln for ln in points if ln.get_gid() == "diverged" and len(ln.get_xdata())]
        assert len(crosses) == 1 and crosses[0].get_marker() == "x"
        assert float(crosses[0].get_ydata()[0]) < 0  # on the row below 0, labelled as an overflow
        assert "overflow" in [t.get_text() for t in ax.get_yticklabels()]
    assert [t.get_text() for t in left.get_xticklabels()] == ["ReLU", "Leaky ReLU\nα = 0.1"]
    assert "learning rate 0.4" in fig._suptitle.get_text()
    plt.close(fig)


def test_collapse_figure_draws_a_real_comparison_and_refuses_anything_else():
    c = leaky_relu.collapse_comparison((0.0, 0.1), seeds=(0, 1), depth=3, epochs=2, width=8, n_train=64)
    fig = plotting.plot_collapse_comparison(c)
    assert len(fig.axes) == 2
    plt.close(fig)
    with pytest.raises(TypeError, match="comparison must be a CollapseComparison"):
        plotting.plot_collapse_comparison(c.accuracy)


def test_chain_and_wide_draws_the_chains_beside_every_seed_of_the_wide_profile():
    fig = plotting.plot_chain_and_wide(alpha=0.3, depth=8, width=32, n_chains=200)
    left, right = fig.axes
    assert "α = 0.3, depth L = 8" in fig._suptitle.get_text()
    assert sum(p.get_height() for p in left.patches) == 200  # a leaky chain never passes exactly 0
    gids = [ln.get_gid() for ln in right.lines]
    assert gids.count("seed") == 2 * 5 and gids.count("median") == 2 and gids.count("prediction") == 2
    leaky = leaky_relu.wide_backward_profile(0.3, 8, width=32, init="he_leaky")
    he = leaky_relu.wide_backward_profile(0.3, 8, width=32, init="he")
    medians = [ln for ln in right.lines if ln.get_gid() == "median"]
    np.testing.assert_allclose(medians[0].get_ydata(), np.median(leaky.relative, axis=0))
    np.testing.assert_allclose(medians[1].get_ydata(), np.median(he.relative, axis=0))
    dashed = [ln for ln in right.lines if ln.get_gid() == "prediction"]
    assert all(ln.get_linestyle() == "--" for ln in dashed)
    np.testing.assert_allclose(dashed[1].get_ydata(), 1.09 ** ((8 - np.arange(1, 9)) / 2))
    assert right.get_yscale() == "log"
    assert [t.get_text()[:8] for t in right.get_legend().get_texts()] == ["leaky He", "He 2: σ_"]
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 1.2}, "alpha"),
        ({"depth": 1}, "depth"),
        ({"width": 0}, "width"),
        ({"n_chains": 0}, "n_chains"),
    ],
)
def test_chain_and_wide_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_chain_and_wide(**{"depth": 4, "width": 8, **kwargs})
    plt.close("all")


def test_chain_and_wide_twin_renders_every_frame(book_build):
    box = widgets.twin(
        lambda alpha, depth: plotting.plot_chain_and_wide(alpha, depth, width=16, n_chains=50),
        lambda alpha, depth: leaky_relu.describe_wide_profile(alpha, depth, width=16, n_chains=50),
        alpha=[0.0, 0.3],
        depth=[3, 5],
    )
    _note, alpha_slider, depth_slider, outer = box.children
    assert isinstance(alpha_slider, ipw.SelectionSlider) and isinstance(outer, ipw.Stack)
    assert len(outer.children) == 2 and all(len(inner.children) == 2 for inner in outer.children)
    plt.close("all")
