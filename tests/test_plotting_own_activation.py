"""Chapter 11's figures: real figures for good text, a message (not an exception) for bad text."""

from __future__ import annotations

import math

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402
from vanishing.core import activations, propagation  # noqa: E402
from vanishing.experiments import own_activation  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [
        fig._suptitle.get_text() if fig._suptitle else ""
    ]


def test_default_figure_shows_mish_and_its_depth_decay():
    fig = plotting.plot_custom_activation()
    left, right = fig.axes
    assert "x*tanh(log(1+exp(x)))" in fig._suptitle.get_text()
    assert [line.get_label() for line in left.lines[:2]] == ["f(x)", "f'(x)"]
    assert "max |f'| = 1.09 at x = 1.49" in left.get_title()
    assert right.get_yscale() == "log" and right.get_title() == "chains of single units, depth 30"
    wide = fig.texts[-1].get_text()  # the wide layer's line under both panels
    assert wide.startswith("Wide layer") and r"$\chi_1$ = 0.36 at $\sigma_w$ = 1" in wide
    assert r"no $\sigma_w$ in [0.1, 20] gives $\chi_1$ = 1" in wide
    median = right.lines[0].get_ydata()
    assert len(median) == 30 and median[-1] < median[0]  # the gradient shrinks with depth
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)


@pytest.mark.parametrize("bad", ["x^2", "__import__('os')", "sqrt(x)", "", "open('f')"])
def test_a_refused_text_draws_the_message(bad):
    fig = plotting.plot_custom_activation(bad, 10)
    (ax,) = fig.axes
    body = " ".join(_texts(fig))
    assert "This expression was refused" in body and "Allowed:" in body
    with pytest.raises(ValueError) as info:
        own_activation.parse_activation(bad)
    assert info.value.reason.split()[0] in body.replace("\n", " ")
    plt.close(fig)


def test_exploding_and_dead_chains_render_without_errors_or_warnings():
    for text, note in [("x**3", "overflowed"), ("max(x, 0)", "exactly 0")]:
        fig = plotting.plot_custom_activation(text, 25)
        assert note in fig.axes[1].get_title()
        png = widgets.render_png(fig)  # draws the log axis: no overflow in the tick labels
        assert png.startswith(b"\x89PNG")


def test_the_figure_states_the_wide_layer_beside_the_chains():
    texts = {
        "max(x, 0)": r"$\chi_1$ = 0.5 at $\sigma_w$ = 1; $\chi_1$ = 1 at $\sigma_w$ = 1.41",
        "tanh(x)": r"$\chi_1$ = 1 at $\sigma_w$ = 1; that is the critical scale",
        "x + tanh(x)/4": r"variance unbounded at $\sigma_w$ = 1; $\chi_1$ = 1 at $\sigma_w$ = 0.8",
        "1/(1+exp(-x))": r"$\chi_1$ = 0.0557 at $\sigma_w$ = 1; $\chi_1$ = 1 at $\sigma_w$ = 10.1",
    }
    for text, expected in texts.items():
        fig = plotting.plot_custom_activation(text, 10)
        line = fig.texts[-1]
        assert expected in line.get_text(), text
        fig.canvas.draw()
        assert line.get_window_extent().x1 <= fig.bbox.width  # the line fits in the figure
        plt.close(fig)


def test_describe_says_what_the_frame_shows():
    mish = plotting.describe_custom_activation(own_activation.GALLERY["mish"], 30)
    assert "largest slope |f'| is 1.09 at x = 1.49" in mish and "depth 30" in mish and "sigmoid" in mish
    assert "chains of single units" in mish and "chi_1 = 0.36 at sigma_w = 1" in mish
    assert "no sigma_w between 0.1 and 20 gives chi_1 = 1: chi_1 stays below 1" in mish
    assert "chi_1 = 1 at sigma_w = 1.41" in plotting.describe_custom_activation("max(x, 0)", 30)
    assert "chi_1 = 1 at sigma_w = 1, and that is the critical scale" in (
        plotting.describe_custom_activation("tanh(x)", 30)
    )
    assert "at sigma_w = 1 the pre-activation variance grows without bound" in (
        plotting.describe_custom_activation("x**3", 30)
    )
    assert "overflows in most chains" in plotting.describe_custom_activation("x**3", 30)
    assert "exactly 0 in most chains" in plotting.describe_custom_activation("max(x, 0)", 30)
    assert "may be larger beyond" in plotting.describe_custom_activation("x**3", 10)
    assert "may be larger beyond" not in plotting.describe_custom_activation("max(x, 0)", 10)
    assert "was refused" in plotting.describe_custom_activation("x^2", 10)


def test_depth_decay_and_slopes_figures():
    fig = plotting.plot_depth_decay(("tanh(x)", "x"), depth=12)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and len(ax.get_legend().get_texts()) == 2
    identity = ax.lines[1].get_ydata()
    assert np.all(np.isfinite(identity))
    plt.close(fig)
    fig = plotting.plot_slopes(("tanh(x)", "x**3"))
    (ax,) = fig.axes
    tanh_slope = ax.lines[2].get_ydata()  # after the two reference lines
    assert tanh_slope.max() == pytest.approx(1.0, abs=1e-4)
    plt.close(fig)


def test_live_widget_and_twin_over_the_gallery(book_build):
    w = widgets.live(
        plotting.plot_custom_activation,
        text=ipw.Text(value="x*tanh(log(1+exp(x)))", continuous_update=False),
        depth=ipw.IntSlider(value=20, min=2, max=60),
    )
    assert isinstance(w, ipw.interactive)
    plt.close("all")
    box = widgets.twin(
        plotting.plot_custom_activation,
        plotting.describe_custom_activation,
        start={"text": "tanh(x)"},
        text=["x**3", "tanh(x)"],
        depth=[5, 10],
    )
    frames = [c for stack in box.children[-1].children for c in stack.children]
    assert len(frames) == 4 and all('alt="For f(x) = ' in f.value for f in frames)


# --- The wide layer: chi_1 at the settled variance and the critical weight scale ------------------


def test_critical_scale_closed_forms():
    assert propagation.critical_weight_scale("relu") == pytest.approx(math.sqrt(2), abs=1e-9)
    assert propagation.critical_weight_scale("tanh") == pytest.approx(1.0, abs=1e-6)
    for alpha in (0.01, 0.1, 0.3, 0.5):
        expected = math.sqrt(2 / (1 + alpha**2))  # He et al.'s rule for the Leaky ReLU
        leaky = activations.get("leaky_relu", alpha=alpha)
        assert propagation.critical_weight_scale(leaky) == pytest.approx(expected, abs=1e-9)
        typed = own_activation.parse_activation(f"max(x, {alpha}*x)")
        assert propagation.critical_weight_scale(typed) == pytest.approx(expected, abs=1e-9)
    # typed versions of the same functions give the same scales
    for text, name in [("max(x, 0)", "relu"), ("tanh(x)", "tanh"), ("1/(1+exp(-x))", "sigmoid")]:
        typed = propagation.critical_weight_scale(own_activation.parse_activation(text))
        assert typed == pytest.approx(propagation.critical_weight_scale(name), abs=1e-6)
    # q* = 0 below the critical scale: chi_1 = sigma_w^2 f'(0)^2 there, so 1 / f'(0) is critical
    assert propagation.critical_weight_scale(own_activation.parse_activation("2*tanh(x)")) == pytest.approx(
        0.5, abs=1e-6
    )
    assert propagation.critical_weight_scale(
        own_activation.parse_activation("x + tanh(x)/4")
    ) == pytest.approx(0.8, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "sigma_b"),
    [("tanh", 0.3), ("tanh", 1.0), ("elu", 0.3), ("sigmoid", 0.0), ("silu", 1.0), ("gelu", 1.0)],
)
def test_at_the_critical_scale_the_library_mean_field_gives_chi_1_of_1(name, sigma_b):
    root = propagation.critical_weight_scale(name, sigma_b=sigma_b)
    mf = propagation.mean_field(name, root, sigma_b)
    assert mf.chi_1 == pytest.approx(1.0, abs=1e-7)
    assert propagation.wide_gain(name, root, sigma_b=sigma_b)[0] == pytest.approx(mf.q_star, rel=1e-8)


def test_a_typed_swish_is_the_registry_silu():
    typed = own_activation.parse_activation("x*sigmoid(x)")
    for sigma_w, sigma_b in [(0.5, 0.0), (1.0, 0.0), (1.5, 0.5), (3.0, 1.0)]:
        q_typed, chi_typed = propagation.wide_gain(typed, sigma_w, sigma_b=sigma_b)
        q_silu, chi_silu = propagation.wide_gain("silu", sigma_w, sigma_b=sigma_b)
        assert (q_typed, chi_typed) == pytest.approx((q_silu, chi_silu), rel=1e-9, abs=1e-12, nan_ok=True)
    assert propagation.critical_weight_scale(typed, sigma_b=1.0) == pytest.approx(
        propagation.critical_weight_scale("silu", sigma_b=1.0), abs=1e-8
    )
    a, b = own_activation.wide_layer(typed), own_activation.wide_layer("silu")
    assert a.critical is None and b.critical is None and a.reason == b.reason
    assert a.chi_at_one == pytest.approx(0.25, abs=1e-12)  # q* = 0 and f'(0) = 1/2


def test_no_critical_scale_raises_with_the_reason():
    # GELU without biases: the variance fades to 0 (where f' = 1/2) or grows without bound
    with pytest.raises(
        ValueError, match=r"no weight scale .* for 'gelu' .*stays below 1.*grows without bound"
    ):
        propagation.critical_weight_scale("gelu")
    # ReLU with biases reaches chi_1 = 1 only as the variance diverges: no scale attains it
    with pytest.raises(ValueError, match="approaches 1 only where the variance stops settling"):
        propagation.critical_weight_scale("relu", sigma_b=0.3)
    with pytest.raises(ValueError, match="stays above 1"):
        propagation.critical_weight_scale("tanh", bounds=(2.0, 5.0))
    with pytest.raises(ValueError, match="at most 0.98"):  # the sigmoid needs about 10.1
        propagation.critical_weight_scale("sigmoid", bounds=(0.1, 10.0))
    with pytest.raises(ValueError, match="is 0 wherever the variance settles"):
        propagation.critical_weight_scale(own_activation.parse_activation("x**3"))
    with pytest.raises(ValueError, match="bounds must satisfy"):
        propagation.critical_weight_scale("tanh", bounds=(2.0, 1.0))
    with pytest.raises(TypeError, match="bounds must be two numbers"):
        propagation.critical_weight_scale("tanh", bounds=(1.0,))


def test_wide_gain_settles_where_iterating_is_slow():
    # tanh just below sigma_w = 1 shrinks the variance towards 0 only slowly; q* = 0, chi_1 = sigma_w^2
    q, chi_1 = propagation.wide_gain("tanh", 0.99)
    assert q == 0.0 and chi_1 == pytest.approx(0.99**2, rel=1e-12)
    q, chi_1 = propagation.wide_gain("relu", 1.4)
    assert q == 0.0 and chi_1 == pytest.approx(0.98, rel=1e-12)
    assert propagation.wide_gain("relu", 1.5) == (math.inf, pytest.approx(math.nan, nan_ok=True))
    # where the library's iteration converges, the two agree
    for name, sigma_w, sigma_b in [
        ("tanh", 2.0, 0.0),
        ("sigmoid", 1.0, 0.0),
        ("relu", 1.2, 0.3),
        ("gelu", 1.0, 0.5),
    ]:
        q, chi_1 = propagation.wide_gain(name, sigma_w, sigma_b=sigma_b)
        assert q == pytest.approx(propagation.fixed_point_length(name, sigma_w, sigma_b), rel=1e-9)
        assert chi_1 == pytest.approx(propagation.chi(name, q, sigma_w), rel=1e-12)


def test_wide_layer_records_both_scales_and_is_cached():
    relu = own_activation.wide_layer("relu")
    assert relu.chi_at_one == pytest.approx(0.5, abs=1e-12) and relu.rms_at_one == pytest.approx(
        math.sqrt(0.5)
    )
    assert relu.critical == pytest.approx(math.sqrt(2), abs=1e-9) and relu.chi_at_critical == pytest.approx(
        1.0
    )
    assert relu.reason == ""
    cube = own_activation.parsed_wide_layer("x**3")
    assert cube.q_at_one == math.inf and math.isnan(cube.chi_at_one) and cube.critical is None
    assert "grows without bound" in cube.reason
    assert own_activation.parsed_wide_layer("x**3") is cube


def test_the_sigmoid_critical_scale_holds_in_wide_random_networks():
    sigmoid = own_activation.parse_activation("1/(1+exp(-x))")
    root = propagation.critical_weight_scale(sigmoid)
    assert 10.1 < root < 10.2
    q_star, _ = propagation.wide_gain(sigmoid, root)
    run = propagation.simulate(sigmoid, root, 0.0, depth=20, width=256, q0=q_star)
    factor = np.sqrt(run.gradient_gain)  # per layer, on the gradient's root mean square
    assert np.all(np.abs(factor - 1.0) < 0.03)
    at_one = propagation.simulate(
        sigmoid, 1.0, 0.0, depth=20, width=256, q0=propagation.wide_gain(sigmoid, 1.0)[0]
    )
    chi_1 = propagation.wide_gain(sigmoid, 1.0)[1]
    assert np.all(np.abs(np.sqrt(at_one.gradient_gain) - math.sqrt(chi_1)) < 0.01)


# --- Usability: bounded titles, readable legends, the two judgements ------------------------------


@pytest.mark.parametrize("text", ["sin(50*x)", "sin(100*pi*x)"])
def test_an_oscillating_formula_gets_a_short_title(text):
    fig = plotting.plot_custom_activation(text, 10)
    title = fig.axes[0].get_title()
    assert title.startswith("max |f'| = ") and len(title) < 90, len(title)
    assert len(plotting.describe_custom_activation(text, 10)) < 1000
    plt.close(fig)
    act = own_activation.parse_activation("sin(100*pi*x)")
    assert len(act.max_at) > 1000  # the input really has that many maxima


def test_legends_show_readable_names():
    fig = plotting.plot_slopes()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["sigmoid", "tanh", "ReLU", "GELU", "Mish", "bump, exp(−x²)"]
    plt.close(fig)
    fig = plotting.plot_depth_decay({"mine": "x + tanh(x)/4", "Swish": "x*sigmoid(x)"}, depth=5)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["mine", "Swish"]
    plt.close(fig)
    assert plotting.activation_label("x*sigmoid(x)") == "Swish (β = 1)"
    assert plotting.activation_label("x*sigmoid(x)", "my swish") == "my swish"
    assert plotting.activation_label("x**3 - 2*x") == "x³−2·x"
    long = plotting.activation_label("x**2/(1+abs(x)) + 0.5*sin(3*x)*exp(-x**2)")
    assert len(long) == 28 and long.endswith("…")
    with pytest.raises(TypeError, match="label"):
        plotting.activation_label("x", "")
    with pytest.raises(TypeError, match="texts"):
        plotting.plot_slopes("tanh(x)")
    fig = plotting.plot_custom_activation(own_activation.GALLERY["swish"], 5)
    assert fig._suptitle.get_text().startswith("Swish (β = 1): f(x) = x*sigmoid(x)")
    plt.close(fig)


def test_judgements_figure_shows_both_pictures_per_activation():
    texts = {"tanh": "tanh(x)", "ReLU": "max(x, 0)", "cube": "x**3"}
    fig = plotting.plot_judgements(texts, depth=10)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cube", "ReLU", "tanh"]
    notes = [t.get_text() for t in ax.texts]
    assert "chains die" in notes and "chains overflow" in notes and "variance grows without bound" in notes
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 3
    relu = own_activation.judge(own_activation.parse_activation("max(x, 0)"), depth=10)
    medians = [
        line.get_xdata()[0] for line in ax.lines if line.get_marker() == "o" and line.get_mfc() != "none"
    ]
    assert relu.spread[0] in medians
    plt.close(fig)
    with pytest.raises(ValueError, match="texts"):
        plotting.plot_judgements({})
