"""Chapter 2's logistic-curve widget: the numbers behind it and its figure."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.core import chain  # noqa: E402

weights = st.floats(min_value=-8.0, max_value=8.0).filter(lambda w: abs(w) > 1e-3)
biases = st.floats(min_value=-5.0, max_value=5.0)


def prob(w1, w0, x):
    """The logistic curve written out, independently of the library."""
    return 1.0 / (1.0 + math.exp(-(w0 + w1 * x)))


@given(w1=weights, w0=biases)
def test_the_curve_crosses_one_half_at_the_boundary(w1, w0):
    curve = plotting.logistic_curve(w1, w0)
    assert prob(w1, w0, curve.boundary) == pytest.approx(0.5, abs=1e-12)


@given(w1=weights, w0=biases)
def test_the_slope_at_the_boundary_matches_a_central_difference(w1, w0):
    curve = plotting.logistic_curve(w1, w0)
    h = 1e-5
    numeric = (prob(w1, w0, curve.boundary + h) - prob(w1, w0, curve.boundary - h)) / (2 * h)
    assert curve.slope == pytest.approx(numeric, rel=1e-6)


@given(w1=weights, w0=biases)
def test_the_probability_runs_from_one_tenth_to_nine_tenths_across_the_width(w1, w0):
    curve = plotting.logistic_curve(w1, w0)
    ends = sorted(prob(w1, w0, curve.boundary + s * curve.width / 2) for s in (-1, 1))
    assert ends == pytest.approx([0.1, 0.9], abs=1e-12)


def test_known_values():
    # w1 = 2, w0 = -1: boundary 1/2, slope 1/2, width ln(81)/2
    curve = plotting.logistic_curve(2.0, -1.0)
    assert curve.boundary == pytest.approx(0.5)
    assert curve.slope == pytest.approx(0.5)
    assert curve.width == pytest.approx(math.log(81) / 2)


def test_a_zero_weight_has_no_boundary():
    curve = plotting.logistic_curve(0.0, 1.0)
    assert math.isnan(curve.boundary) and curve.slope == 0.0 and curve.width == math.inf
    assert "0.73" in plotting.describe_logistic_curve(0, 1.0)  # sigma(1)


def test_bad_parameters_are_refused_by_name():
    with pytest.raises(TypeError, match="w1"):
        plotting.logistic_curve("1", 0.0)
    with pytest.raises(ValueError, match="w0"):
        plotting.logistic_curve(1.0, float("nan"))
    with pytest.raises(ValueError, match="x_range"):
        plotting.plot_logistic_curve(1.0, 0.0, x_range=0.0)


def test_description_names_the_boundary_and_the_slope():
    text = plotting.describe_logistic_curve(1.5, -1.0)
    assert "x = 0.67" in text and "0.375" in text and "rises" in text
    assert "falls" in plotting.describe_logistic_curve(-2.0, 1.0)
    assert "outside the plotted range" in plotting.describe_logistic_curve(0.5, 3.0)


@pytest.mark.parametrize(("w1", "w0"), [(1.5, -1.0), (-2.0, 3.0), (0.0, 1.0), (0.5, 3.0)])
def test_logistic_curve_figure(w1, w0):
    fig = plotting.plot_logistic_curve(w1, w0)
    (ax,) = fig.axes
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # opaque: readable in dark mode
    assert f"w0 = {w0:g}" in ax.get_title()
    curve_line = [line for line in ax.lines if line.get_linewidth() == 2][0]
    xs, ps = curve_line.get_data()
    expected = [prob(w1, w0, x) for x in xs]
    assert np.allclose(ps, expected)
    assert ax.get_legend() is not None
    plt.close(fig)


def test_twin_alt_texts_state_the_numbers_of_their_frame():

    text = plotting.describe_chain_profile(depth=10, weight_scale=8.0)
    prof = chain.depth_profile(10, 8.0, np.random.default_rng(0))
    assert "grows" in text and f"{prof.centred[0]:.1e}" in text
    assert "stays flat" in plotting.describe_chain_profile(depth=5, weight_scale=4.0)
    spread = plotting.describe_first_layer_spread(depth=6)
    assert f"0.25^6 = {0.25**6:.1e}" in spread and "2000 random sigmoid chains" in spread


# Chapter 2's chain-decay widget: every neuron with weight w and pre-activation z.


def slope(z):
    """sigma'(z) written out, independently of the library."""
    s = 1.0 / (1.0 + math.exp(-z))
    return s * (1.0 - s)


@given(
    depth=st.integers(min_value=1, max_value=20),
    w=st.floats(min_value=0.1, max_value=8.0),
    z=st.floats(min_value=-6.0, max_value=6.0),
)
def test_chain_decay_is_the_slope_times_a_power_of_the_factor(depth, w, z):
    d = plotting.chain_decay(depth, w, z)
    assert d.factor == pytest.approx(w * slope(z), rel=1e-12)
    expected = [slope(z) * (w * slope(z)) ** (depth - i) for i in range(1, depth + 1)]
    assert np.allclose(d.gradient, expected, rtol=1e-9, atol=0.0)
    centred = [0.25 * (w / 4) ** (depth - i) for i in range(1, depth + 1)]
    assert np.allclose(d.centred, centred, rtol=1e-9, atol=0.0)
    assert list(d.layers) == list(range(1, depth + 1))


def test_chain_decay_agrees_with_the_centred_chain_and_known_values():
    w, b = chain.centred_chain(12, 3.0)
    assert np.allclose(
        plotting.chain_decay(12, 3.0, 0.0).gradient, np.abs(chain.backward(w, b, 1.0, 0.0).dout_dz)
    )
    assert np.allclose(plotting.chain_decay(8, 4.0, 0.0).gradient, 0.25)  # every factor is exactly 1
    assert plotting.chain_decay(10, 1.0, 0.0).gradient[0] == pytest.approx(0.25**10)
    # the saturated chain falls faster than the centred one with the same weight
    d = plotting.chain_decay(10, 6.0, 2.0)
    assert d.gradient[0] < d.centred[0] and d.factor == pytest.approx(6 * slope(2.0))


def test_chain_decay_refuses_bad_parameters_by_name():
    with pytest.raises(ValueError, match="depth"):
        plotting.chain_decay(0, 1.0, 0.0)
    with pytest.raises(TypeError, match="depth"):
        plotting.chain_decay(2.5, 1.0, 0.0)
    with pytest.raises(ValueError, match="w"):
        plotting.chain_decay(5, 0.0, 0.0)
    with pytest.raises(TypeError, match="w"):
        plotting.chain_decay(5, "1", 0.0)
    with pytest.raises(ValueError, match="z"):
        plotting.chain_decay(5, 1.0, 11.0)
    with pytest.raises(ValueError, match="z"):
        plotting.plot_chain_decay(5, 1.0, float("nan"))


def test_chain_decay_descriptions_state_the_numbers_of_their_frame():
    text = plotting.describe_chain_decay(10, 1.0, 2.0)
    d = plotting.chain_decay(10, 1.0, 2.0)
    assert "falls" in text and f"{d.factor:.3g}" in text and f"{d.gradient[0]:.1e}" in text
    assert f"{0.25**10:.1e}" in text  # the z = 0 comparison
    assert "stays flat at 0.25" in plotting.describe_chain_decay(10, 4.0, 0.0)
    grows = plotting.describe_chain_decay(20, 8.0, 0.0)
    assert "grows" in grows and f"{0.25 * 2.0**19:.1e}" in grows and "would receive" not in grows
    assert "single layer" in plotting.describe_chain_decay(1, 1.0, 2.0)


@pytest.mark.parametrize(("depth", "w", "z"), [(10, 1.0, 2.0), (10, 4.0, 0.0), (20, 6.0, 5.0), (1, 1.0, 0.0)])
def test_chain_decay_figure(depth, w, z):
    fig = plotting.plot_chain_decay(depth, w, z)
    (ax,) = fig.axes
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert ax.get_yscale() == "log"
    d = plotting.chain_decay(depth, w, z)
    solid = [line for line in ax.lines if line.get_linewidth() == 2]
    assert len(solid) == 1 and np.allclose(solid[0].get_ydata(), d.gradient)
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == (0 if z == 0 else 1)
    if dashed:
        assert np.allclose(dashed[0].get_ydata(), d.centred)
    low, high = ax.get_ylim()
    assert low < d.gradient.min() and high > max(d.gradient.max(), 1.0)
    assert f"{d.factor:.3g}" in ax.get_title()
    plt.close(fig)


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


# Settings chosen so that consecutive frames differ in what a reused figure could carry over:
# the limits (log and linear, autoscaled and set), a series or band present in one frame and
# absent in the next, the legend corner, and the number of ticks.
REDRAWN = [
    ("plot_chain_profile", [{"depth": 100, "weight_scale": 8.0}, {"depth": 2, "weight_scale": 0.5}]),
    ("plot_logistic_curve", [{"w1": 6.0, "w0": 0.0}, {"w1": 0.0, "w0": 3.0}, {"w1": -2.0, "w0": 3.0}]),
    ("plot_chain_decay", [{"depth": 20, "w": 8.0, "z": 6.0}, {"depth": 1, "w": 0.5, "z": 0.0}]),
    ("plot_first_layer_spread", [{"depth": 40, "n_chains": 300}, {"depth": 2, "n_chains": 300}]),
]


@pytest.mark.parametrize(("name", "frames"), REDRAWN)
def test_a_figure_drawn_into_again_shows_what_a_new_figure_shows(name, frames):
    plot = getattr(plotting, name)
    kept = None
    for values in frames:
        kept = plot(**values, fig=kept)
        fresh = plot(**values)
        assert kept is not fresh
        np.testing.assert_array_equal(_pixels(kept), _pixels(fresh), err_msg=f"{name}({values})")
        plt.close(fresh)
    first = kept
    kept = plot(**frames[0], fig=kept)
    assert kept is first, "the figure passed in is the one drawn into"
    plt.close(kept)


def test_a_figure_to_draw_into_must_come_from_the_same_plot_function():
    two_panels = plotting.plot_first_layer_spread(depth=3, n_chains=100)
    with pytest.raises(ValueError, match="fig must have the 1 axes"):
        plotting.plot_chain_decay(fig=two_panels)
    with pytest.raises(TypeError, match="fig must be a Figure"):
        plotting.plot_logistic_curve(fig="figure")
    plt.close("all")


def test_reuse_leaves_axes_as_new_ones_start():
    from vanishing.plotting._style import reuse

    fig, ax = plt.subplots()
    ax.plot([1.0, 2.0], [3.0, 4.0], label="a")
    ax.fill_between([1.0, 2.0], [0.0, 1.0], [2.0, 3.0])
    ax.axvspan(1.2, 1.5)
    ax.text(1.5, 3.5, "note")
    ax.legend()
    ax.set_xlim(0.0, 10.0)
    (same,) = reuse(fig, 1)
    assert same is ax
    assert not (ax.lines or ax.patches or ax.collections or ax.texts) and ax.legend_ is None
    assert ax.get_autoscalex_on() and ax.get_autoscaley_on()
    ax.axhline(7.5)  # updates the y limits only: x must not fall back on the old data
    ax.plot([5.0, 6.0], [7.0, 8.0])  # the old data no longer widens the limits
    np.testing.assert_array_equal(ax.dataLim.get_points(), [[5.0, 7.0], [6.0, 8.0]])
    plt.close(fig)
