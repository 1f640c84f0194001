"""Chapter 10's figures: real figures for good text, a message (not an exception) for bad text."""

from __future__ import annotations

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402
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
    assert right.get_yscale() == "log" and right.get_title() == "depth 30"
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


def test_describe_says_what_the_frame_shows():
    mish = plotting.describe_custom_activation(own_activation.GALLERY["mish"], 30)
    assert "largest slope |f'| is 1.09 at x = 1.49" in mish and "depth 30" in mish and "sigmoid" in mish
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
