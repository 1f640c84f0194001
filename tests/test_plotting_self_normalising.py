"""Chapter 8's figures: each plot function returns a real figure with the expected axes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.experiments import self_normalising  # noqa: E402


def _white(fig):
    return fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_elu_shapes_has_function_and_derivative_panels():
    fig = plotting.plot_elu_shapes(alphas=(0.5, 2.0))
    left, right = fig.axes
    assert len(left.get_legend().get_texts()) == 2
    assert right.get_title() == "its derivative"
    assert _white(fig)
    plt.close(fig)


def test_bias_shift_plot_and_its_description():
    fig = plotting.plot_bias_shift(alpha=0.5, depth=6)
    assert len(fig.axes) == 2 and "depth 6" in fig._suptitle.get_text()
    assert len(fig.axes[0].lines) >= 4
    plt.close(fig)
    text = plotting.describe_bias_shift(0.5, 6)
    assert text.startswith("ELU alpha 0.5, depth 6") and "layer 6" in text


def test_training_plot_has_one_line_per_trace():
    tr = self_normalising.track_training("relu", hidden=2, width=8, epochs=2, seed=0)
    fig = plotting.plot_training_means({"ReLU": tr, "again": tr})
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert fig.axes[1].get_yscale() == "log"
    plt.close(fig)


def test_moment_map_plot_marks_the_fixed_point():
    fig = plotting.plot_moment_map(tau=1.1)
    (ax,) = fig.axes
    assert "tau = 1.1" in ax.get_title().replace("$", "").replace("\\", "")
    assert any(line.get_marker() == "*" for line in ax.lines)
    plt.close(fig)


def test_layer_profiles_plot():
    fig = plotting.plot_layer_profiles(self_normalising.compare_profiles(depth=3, width=16))
    assert [len(ax.get_lines()) >= 3 for ax in fig.axes] == [True, True]
    plt.close(fig)


@pytest.mark.parametrize(("gain", "input_std"), [(1.0, 3.0), (2.0, 1.0)])
def test_selu_depth_plot_and_description(gain, input_std):
    fig = plotting.plot_selu_depth(gain=gain, input_std=input_std)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and f"variance {gain:g}/n" in ax.get_title()
    plt.close(fig)
    text = plotting.describe_selu_depth(gain, input_std)
    assert f"Weight variance {gain:g}/n" in text and "layer 40" in text
    _, (_, std_th) = self_normalising.selu_depth_curves(gain, input_std, 40, 128, 0)
    assert f"Gaussian prediction for layer 40: {std_th[-1]:.3g}" in text


def test_training_plot_draws_every_seed_of_a_list():
    runs = [self_normalising.track_training("elu", hidden=2, width=8, epochs=1, seed=s) for s in (0, 1, 2)]
    fig = plotting.plot_training_means({"ELU": runs})
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["ELU (3 seeds)"]
    plt.close(fig)


def test_layer_profiles_plot_draws_every_seed_of_a_list():
    runs = [self_normalising.compare_profiles(depth=3, width=16, seed=s) for s in (0, 1)]
    fig = plotting.plot_layer_profiles({label: [r[label] for r in runs] for label in runs[0]})
    assert [len(ax.get_lines()) for ax in fig.axes] == [6 + 1, 6 + 1]  # plus the reference line
    plt.close(fig)


@pytest.mark.parametrize("bad", [{}, [1, 2]])
def test_profile_and_training_plots_reject_a_non_dict(bad):
    with pytest.raises(TypeError, match="profiles"):
        plotting.plot_layer_profiles(bad)
    with pytest.raises(TypeError, match="traces"):
        plotting.plot_training_means(bad)


@pytest.mark.parametrize(("activation", "gain"), [("selu", 1.0), ("elu", 2.0)])
def test_forward_backward_plot_and_description(activation, gain):
    fig = plotting.plot_forward_backward(activation, gain, depth=4, width=16)
    ax_f, ax_b = fig.axes
    assert ax_f.get_title() == "forward" and ax_b.get_title() == "backward"
    # five seeds: std and |mean| per seed plus two theory lines; five gradient lines plus theory
    assert len(ax_f.get_lines()) == 5 * 2 + 2 + 1  # + the dotted line at 1
    assert len(ax_b.get_lines()) == 5 + 1 + 1
    assert ax_b.get_yscale() == "log"
    title = fig._suptitle.get_text()
    assert ("no fixed point" in title) == (activation == "elu")
    plt.close(fig)
    text = plotting.describe_forward_backward(activation, gain)
    assert "five seeds" in text and "layer 30" in text
    assert ("no fixed point" in text) == (activation == "elu")
