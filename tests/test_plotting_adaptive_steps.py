"""The figure of chapter 3's SGD-against-Adam runs."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402

from vanishing.experiments import adaptive_steps as a  # noqa: E402
from vanishing.plotting.adaptive_steps import plot_optimiser_comparison  # noqa: E402


@pytest.fixture
def groups():
    kw = {"depth": 3, "width": 8, "steps": 4}
    return {
        "SGD": [a.optimiser_run("sgd", 0.05, s, **kw) for s in (0, 1)],
        "Adam": [a.optimiser_run("adam", 2e-3, s, **kw) for s in (0, 1, 2)],
    }


def test_one_loss_line_per_seed_and_one_ratio_line_per_group(groups):
    fig = plot_optimiser_comparison(groups, plateau=0.47)
    ax_loss, ax_ratio = fig.axes
    assert len(ax_loss.lines) == 2 + 3 + 1  # every seed, and the plateau
    assert len(ax_ratio.lines) == 2
    ratio_line = ax_ratio.lines[1]
    per_seed = np.array([np.median(r.update_ratios, axis=0) for r in groups["Adam"]])
    np.testing.assert_allclose(ratio_line.get_ydata(), np.median(per_seed, axis=0))
    assert list(ratio_line.get_xdata()) == [1, 2, 3, 4]
    assert ax_ratio.get_yscale() == "log"
    plt.close(fig)


def test_bad_input_raises():
    with pytest.raises(TypeError, match="groups"):
        plot_optimiser_comparison({}, plateau=0.5)
    with pytest.raises(TypeError, match="groups"):
        plot_optimiser_comparison({"x": [1, 2]}, plateau=0.5)
    run = a.optimiser_run("sgd", 0.05, 0, depth=2, width=4, steps=2)
    with pytest.raises((TypeError, ValueError), match="plateau"):
        plot_optimiser_comparison({"x": [run]}, plateau=-1.0)
