"""Chapter 6's plot functions: they draw, describe their frames and refuse values they lack."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.experiments import dying_relu  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_relu_derivative_figure_marks_the_value_used_at_zero():
    fig = plotting.plot_relu_derivative()
    left, right = fig.axes
    ys = [line.get_ydata() for line in right.get_lines()]
    # the two dots at x = 0: an open one at 1 and the filled one at 0
    dots = [y[0] for y in ys if len(y) == 1]
    assert sorted(dots) == [0.0, 1.0]
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_relu_act_std_constant_is_the_closed_form():
    assert plotting.RELU_ACT_STD == pytest.approx(np.sqrt(1 - 1 / np.pi))
    z = np.random.default_rng(0).normal(0.0, np.sqrt(2.0), 400_000)
    assert np.maximum(z, 0).std() == pytest.approx(plotting.RELU_ACT_STD, rel=0.01)


@pytest.mark.parametrize("init", ["he_normal", "xavier_normal", "normal(0.01)"])
def test_init_profile_draws_both_panels_and_describes_them(init):
    fig = plotting.plot_init_profile(6, init, width=32, seeds=(0, 1))
    assert len(fig.axes) == 2
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    text = plotting.describe_init_profile(6, init, width=32, seeds=(0, 1))
    assert init in text and "6 ReLU layers" in text
    prof = dying_relu.init_profiles(6, init, width=32, seeds=(0, 1), n_samples=32)
    assert f"{prof.geometric_mean('act_std')[0]:.2g}" in text


def test_dead_sweep_figure_has_one_panel_per_initialisation():
    fig = plotting.plot_dead_sweep(
        depths=(1, 2), lrs=(0.05, 0.2), inits=("he_normal",), seeds=(0,), epochs=2, n_train=64, width=8
    )
    assert len(fig.axes) == 1
    assert fig.axes[0].get_xscale() == "log"


def test_dead_sweep_figure_draws_every_run_and_the_median():
    kw = {"depths": (1, 2), "lrs": (0.05, 0.2), "inits": ("he_normal",), "seeds": (0, 1, 2), "epochs": 2}
    kw.update(n_train=64, width=8)
    sw = dying_relu.dead_sweep(**kw)
    (ax,) = plotting.plot_dead_sweep(**kw).axes
    markers = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert sum(len(ln.get_ydata()) for ln in markers) == sw.final.size  # one marker per run
    medians = [ln for ln in ax.lines if ln.get_label().endswith("hidden layers")]
    assert len(medians) == len(sw.depths)
    assert np.allclose(medians[0].get_ydata(), 100 * np.median(sw.final[0, 0], axis=-1))


def test_dead_training_frame_and_description_use_the_default_sweep():
    sw = dying_relu.dead_sweep()
    fig = plotting.plot_dead_training(sw.lrs[-1], sw.depths[-1])
    left, right = fig.axes
    assert len(right.patches) == len(sw.inits) * sw.depths[-1]  # one bar per layer and initialisation
    text = plotting.describe_dead_training(sw.lrs[0], sw.depths[0])
    assert text.startswith(f"Learning rate {sw.lrs[0]:g}, {sw.depths[0]} hidden layers.")
    assert len(re.findall(r"\d+ % dead", text)) == len(sw.inits)


def test_dead_training_refuses_values_outside_the_sweep():
    with pytest.raises(ValueError, match="not in the sweep"):
        plotting.plot_dead_training(0.5, 8)


def test_dead_raster_has_one_row_per_hidden_unit():
    fig = plotting.plot_dead_raster((0.1,), 2, 0, epochs=2)
    (ax,) = fig.axes
    (image,) = ax.get_images()
    trace = dying_relu.revival_run(2, 0.1, 0, epochs=2)
    assert image.get_array().shape == (sum(m.shape[1] for m in trace.masks), 3)


def test_batch_norm_figure_draws_six_lines_per_panel():
    fig = plotting.plot_batch_norm_profile(depth=4, width=16, seeds=(0,))
    left, right = fig.axes
    assert len(left.get_lines()) == 6 and len(right.get_lines()) == 6
    assert len(left.get_legend().get_texts()) == 5


def test_revival_seeds_draws_one_marker_per_run_and_rings_a_lost_layer():
    lrs, seeds = (0.3, 0.4), (0, 1)
    fig = plotting.plot_revival_seeds(lrs, 8, seeds, epochs=30)
    left, right = fig.axes
    runs = [dying_relu.revival_run(8, lr, s, epochs=30) for lr in lrs for s in seeds]
    rings = sum(bool(np.any(r.fraction == 1.0)) for r in runs)
    assert rings == 1  # lr 0.4, seed 0 loses a whole layer
    for ax in (left, right):
        filled = [
            ln for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() != "none"
        ]
        ringed = [
            ln for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() == "none"
        ]
        assert len(filled) == len(runs) and len(ringed) == rings
    accuracies = sorted(
        ln.get_ydata()[0]
        for ln in right.get_lines()
        if ln.get_marker() == "o" and ln.get_markerfacecolor() != "none"
    )
    assert accuracies == pytest.approx(sorted(r.train_accuracy[-1] for r in runs))


def test_revival_seeds_marks_an_overflowed_run_and_refuses_empty_lists():
    fig = plotting.plot_revival_seeds((0.4,), 8, (3,), epochs=30)  # this run's step overflows
    left, right = fig.axes
    assert [ln.get_marker() for ln in left.get_lines() if ln.get_marker() != "None"] == ["x"]
    assert right.get_lines()[0].get_ydata()[0] == pytest.approx(1.1)
    with pytest.raises(ValueError, match="lrs must list"):
        plotting.plot_revival_seeds((), 8, (0,))
