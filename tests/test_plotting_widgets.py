"""Plot functions return real figures; the live-widget helper wires real sliders."""

from __future__ import annotations

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402


def test_chain_profile_figure_shows_one_log_axis_with_three_series():
    fig = plotting.plot_chain_profile(depth=12, weight_scale=6.0)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert len(ax.lines) >= 3 and "depth 12" in ax.get_title()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # opaque: readable in dark mode
    plt.close(fig)


def test_first_layer_spread_has_curve_and_histogram():
    fig = plotting.plot_first_layer_spread(depth=7, n_chains=300)
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert right.get_title() == "depth 7"
    plt.close(fig)


def test_live_builds_an_interactive_with_the_given_sliders():
    w = widgets.live(plotting.plot_chain_profile, depth=ipw.IntSlider(value=3, min=1, max=5))
    assert isinstance(w, ipw.interactive)
    sliders = [c for c in w.children if isinstance(c, ipw.IntSlider)]
    assert len(sliders) == 1 and sliders[0].value == 3
    plt.close("all")


def test_live_refuses_bad_arguments():
    with pytest.raises(TypeError, match="plot must be callable"):
        widgets.live(3, depth=ipw.IntSlider())
    with pytest.raises(ValueError, match="controls must name"):
        widgets.live(plotting.plot_chain_profile)
