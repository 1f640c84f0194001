"""Chapter 10's figures: real figures drawn from the cached lab runs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.experiments import gradient_lab  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_training_figure_has_a_log_update_panel_and_an_accuracy_panel():
    fig = plotting.plot_training("relu", 3, "he_normal")
    left, right = fig.axes
    assert left.get_yscale() == "log" and len(left.lines) == 2
    r = gradient_lab.run("relu", "he_normal", 3)
    np.testing.assert_array_equal(left.lines[0].get_ydata(), r.rel_update[0])
    np.testing.assert_array_equal(right.lines[0].get_ydata(), r.test_accuracy)
    assert right.get_ylim() == (0.0, 1.0)
    assert "relu, he_normal, 3 hidden layers" == left.get_title()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_training_figure_says_when_a_run_diverged(monkeypatch):
    real = gradient_lab.run("selu", "he_normal", 3, lr=1e3, width=8, epochs=2)
    assert real.diverged
    monkeypatch.setattr(gradient_lab, "run", lambda *a, **k: real)
    fig = plotting.plot_training("selu", 3, "he_normal")
    assert any("diverged in epoch 1" in t.get_text() for t in fig.axes[0].texts)


def test_describe_training_quotes_the_runs_numbers():
    r = gradient_lab.run("tanh", "xavier_normal", 3)
    text = plotting.describe_training("tanh", 3, "xavier_normal")
    assert f"test accuracy {r.final_accuracy:.2f}" in text
    assert f"{r.update_ratio[0]:.1e}" in text and len(text) >= 40


def test_gradient_profiles_draw_one_line_per_epoch_and_panel():
    fig = plotting.gradient_lab.plot_gradient_profiles(
        (("tanh", "xavier_normal"), ("relu", "he_normal")), depth=3
    )
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(ax.lines) == gradient_lab.DEFAULTS["epochs"] and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="pairs"):
        plotting.gradient_lab.plot_gradient_profiles(())


def test_sweep_figure_shows_two_grids_of_activation_by_init():
    seeds = (0, 1, 2)
    fig = plotting.plot_sweep(depth=2, seeds=seeds)
    left, right = fig.axes
    for ax in (left, right):
        (image,) = ax.images
        assert image.get_array().shape == (len(gradient_lab.ACTIVATIONS), len(gradient_lab.INITS))
        assert [t.get_text() for t in ax.get_yticklabels()] == list(gradient_lab.ACTIVATIONS)
    runs = gradient_lab.seed_runs("sigmoid", "xavier_normal", 2, seeds=seeds)
    acc = [r.final_accuracy for r in runs]
    assert left.images[0].get_array()[0, 0] == pytest.approx(np.median(acc))
    trained = sum(a > gradient_lab.TRAINED for a in acc)
    assert left.texts[0].get_text() == f"{np.median(acc):.2f} ({trained}/3)"
    speed = np.median([r.update_ratio[0] for r in runs])
    assert right.images[0].get_array()[0, 0] == pytest.approx(np.log10(speed))
    assert len(left.texts) == len(gradient_lab.ACTIVATIONS) * len(gradient_lab.INITS)
    assert "median over seeds 0, 1, 2" in fig._suptitle.get_text()


@pytest.mark.parametrize(("seeds", "error"), [((), ValueError), (3, TypeError), ("012", TypeError)])
def test_sweep_figure_rejects_bad_seeds(seeds, error):
    with pytest.raises(error, match="seeds"):
        plotting.plot_sweep(depth=2, seeds=seeds)


def test_signal_figure_has_three_curves_per_panel():
    fig = plotting.plot_signals((("sigmoid", "xavier_normal"),), depth=3)
    (ax,) = fig.axes
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="pairs"):
        plotting.plot_signals([("relu", "he_normal")] * 4)


def test_remedies_figure_compares_three_variants():
    fig = plotting.plot_remedies("tanh", "xavier_normal", depth=2, seeds=(0, 1))
    left, right = fig.axes
    labels = [line.get_label() for line in left.lines]
    assert [lab for lab in labels if not lab.startswith("_")] == ["plain", "batch norm", "residual"]
    assert len(left.lines) == 6  # three variants, two seeds each
    assert len(right.lines) == 7  # six curves and the chance line
    r = gradient_lab.run("tanh", "xavier_normal", 2, seed=1, residual=True)
    np.testing.assert_array_equal(right.lines[5].get_ydata(), r.test_accuracy)
    assert "2 seeds" in fig.texts[0].get_text()


def test_ratio_labels_are_compact():
    from vanishing.plotting.gradient_lab import _ratio_label

    assert _ratio_label(4.3e5) == "4e5"
    assert _ratio_label(0.86) == "9e-1"
    assert _ratio_label(float("inf")) == "inf"
    assert _ratio_label(float("nan")) == "div."


def test_seed_accuracy_figure_draws_every_seed_and_the_median():
    fig = plotting.plot_seed_accuracies([("tanh", "xavier_normal")], depth=2, seeds=(0, 1, 2))
    (ax,) = fig.axes
    dots, median = ax.lines[0], ax.lines[1]
    acc = [gradient_lab.run("tanh", "xavier_normal", 2, seed=k).final_accuracy for k in (0, 1, 2)]
    np.testing.assert_array_equal(dots.get_xdata(), acc)
    assert median.get_xdata()[0] == np.median(acc)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["tanh + xavier_normal"]
    with pytest.raises(ValueError, match="pairs"):
        plotting.plot_seed_accuracies([])


def test_lab_report_figure_is_the_layer_report_of_the_chosen_network():
    fig = plotting.plot_lab_report("tanh", "xavier_normal", "trained", depth=3)
    rep = gradient_lab.lab_report("tanh", "xavier_normal", 3, trained=True)
    assert len(fig.axes) == 4  # two histograms, the per-layer summary and its share axis
    np.testing.assert_array_equal(fig.axes[2].lines[0].get_ydata(), rep.grad_std)
    assert "after training" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="stage"):
        plotting.plot_lab_report("tanh", "xavier_normal", "halfway", depth=3)


def test_lab_report_description_quotes_the_report():
    text = plotting.describe_lab_report("sigmoid", "xavier_normal", "initialisation")
    rep = gradient_lab.lab_report("sigmoid", "xavier_normal")
    assert f"{rep.grad_std[0]:.1e} at layer 1" in text and "at initialisation" in text
    assert plotting.LAB_REPORT_STAGES == ("initialisation", "trained")
