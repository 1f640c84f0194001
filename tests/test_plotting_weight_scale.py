"""Chapter 4's figures: real figures with the axes, scales and numbers the chapter describes."""

from __future__ import annotations

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402
from vanishing.experiments import weight_scale  # noqa: E402


def test_slope_windows_draws_both_functions_and_both_windows():
    fig = plotting.plot_slope_windows(0.1)
    left, right = fig.axes
    assert len(left.lines) == 3  # sigmoid, tanh, the zero line
    # the window edges are drawn at +-x_c for each activation
    edges = sorted(abs(line.get_xdata()[0]) for line in right.lines if line.get_linestyle() == ":")
    expected = [weight_scale.slope_window("tanh", 0.1)] * 2 + [weight_scale.slope_window("sigmoid", 0.1)] * 2
    assert edges == pytest.approx(expected)
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)
    with pytest.raises(ValueError, match="level must be in"):
        plotting.plot_slope_windows(0.5)  # the sigmoid never reaches it


def test_chain_comparison_has_a_log_panel_and_a_histogram():
    fig = plotting.plot_chain_comparison(depth=6, weight_bound=2.0, n_chains=200)
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert [line.get_label() for line in left.lines] == ["sigmoid, median", "tanh, median"]
    assert right.get_title() == "depth 6"
    # the median line is the median the library computes
    comp = weight_scale.compare_chains(6, 2.0, 0, n_chains=200)
    np.testing.assert_allclose(left.lines[1].get_ydata(), comp.quantiles["tanh"][1])
    plt.close(fig)


def test_chain_comparison_histograms_count_every_chain_in_its_bin():
    fig = plotting.plot_chain_comparison(depth=6, weight_bound=2.0, n_chains=200)
    steps = [p for p in fig.axes[1].patches if isinstance(p, matplotlib.patches.StepPatch)]
    assert [p.get_label() for p in steps] == ["sigmoid", "tanh"]
    comp = weight_scale.compare_chains(6, 2.0, 0, n_chains=200)
    for patch, name in zip(steps, ("sigmoid", "tanh"), strict=True):
        counts, edges = patch.get_data().values, patch.get_data().edges
        x = np.log10(comp.last[name])
        # bin i holds edges[i] <= x < edges[i + 1]; the last bin also holds its right edge
        expected = [np.sum((x >= lo) & (x < hi)) for lo, hi in zip(edges[:-2], edges[1:-1], strict=True)]
        expected.append(np.sum((x >= edges[-2]) & (x <= edges[-1])))
        np.testing.assert_array_equal(counts, expected)
        assert counts.sum() == 200
    plt.close(fig)


def test_a_filled_step_outline_paints_the_pixels_of_the_bars_it_replaced():
    """plot_chain_comparison draws each histogram with ax.stairs instead of ax.hist, to build faster;
    the chapter's stored figure was drawn with ax.hist, so the two must paint the same pixels."""
    x = np.random.default_rng(1).normal(size=500)
    bins = np.linspace(x.min(), x.max(), 41)
    images = []
    for draw in ("hist", "stairs"):
        fig, ax = plt.subplots()
        if draw == "hist":
            ax.hist(x, bins=bins, color="C0", alpha=0.6, label="x")
        else:
            ax.stairs(np.histogram(x, bins=bins)[0], bins, fill=True, color="C0", alpha=0.6, label="x")
        ax.legend()
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)
    np.testing.assert_array_equal(images[0], images[1])


def test_describe_chain_comparison_quotes_the_medians():
    text = plotting.describe_chain_comparison(depth=6, weight_bound=2.0, n_chains=200)
    comp = weight_scale.compare_chains(6, 2.0, 0, n_chains=200)
    assert f"{np.median(comp.last['tanh']):.1e}" in text and "depth 6" in text


def test_init_scale_shows_both_panels_on_log_axes_with_the_xavier_reference():
    fig = plotting.plot_init_scale(depth=8, scale=2.0, width=32, n_samples=64)
    left, right = fig.axes
    assert left.get_yscale() == right.get_yscale() == "log"
    assert [line.get_label() for line in left.lines][:2] == ["Xavier (scale 1)", "scale 2"]
    prof = weight_scale.scale_profile(2.0, depth=8, width=32, rng=np.random.default_rng(0), n_samples=64)
    np.testing.assert_allclose(left.lines[1].get_ydata(), prof.act_std)
    np.testing.assert_allclose(right.lines[1].get_ydata(), prof.delta_std / prof.delta_std[-1])
    lo, hi = right.get_ylim()
    assert lo <= 0.1 and hi >= 10.0  # at least two labelled decades
    plt.close(fig)
    fig = plotting.plot_init_scale(depth=4, scale=1.0, width=16, n_samples=32)
    assert [line.get_label() for line in fig.axes[0].lines][0] == "scale 1 (Xavier)"
    plt.close(fig)


def test_describe_init_scale_says_what_the_frame_shows():
    text = plotting.describe_init_scale(depth=8, scale=0.5, width=32, n_samples=64)
    prof = weight_scale.scale_profile(0.5, depth=8, width=32, rng=np.random.default_rng(0), n_samples=64)
    assert f"{prof.act_std[-1]:.2g}" in text and "0.5 times the Xavier scale" in text


def test_weight_paths_draws_one_panel_per_path():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (20, 2))
    target = np.array([1.0, -1.0])
    path = weight_scale.sgd_path(X, X @ target, 0.5)
    fig = plotting.plot_weight_paths({"a": path, "b": path}, target, hessians={"a": np.eye(2)})
    a, b = fig.axes
    assert a.get_title() == "a" and b.get_title() == "b"
    np.testing.assert_allclose(a.lines[0].get_xydata(), path)
    plt.close(fig)
    with pytest.raises(ValueError, match="must have shape"):
        plotting.plot_weight_paths({"a": np.zeros((3, 3))}, target)
    with pytest.raises(ValueError, match="paths must map"):
        plotting.plot_weight_paths({}, target)
    with pytest.raises(ValueError, match="target must be a weight vector"):
        plotting.plot_weight_paths({"a": path}, np.zeros(3))


def test_the_twins_build_with_the_chapter_functions(book_build):
    box = widgets.twin(
        lambda depth, scale: plotting.plot_init_scale(depth, scale, width=16, n_samples=32),
        lambda depth, scale: plotting.describe_init_scale(depth, scale, width=16, n_samples=32),
        depth=[3, 4],
        scale=[0.5, 2.0],
    )
    sliders = [c for c in box.children if isinstance(c, ipw.SelectionSlider)]
    assert [s.description for s in sliders] == ["depth", "scale"]
    plt.close("all")
