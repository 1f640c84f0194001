"""Chapter 5's experiments: predictions beside simulations, from a chain to a wide layer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vanishing.core import activations, propagation
from vanishing.experiments import wide_networks


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "selu"])
def test_the_simulated_backward_pass_equals_finite_differences(name):
    """simulate's backward pass is the gradient of L = sum(delta * h_last) with respect to h_1."""
    act = activations.get(name)
    rng = np.random.default_rng(3)
    width, depth = 5, 4
    h1 = rng.standard_normal((2, width))
    weights = [rng.normal(0, 1.3 / math.sqrt(width), (width, width)) for _ in range(depth - 1)]
    biases = [rng.normal(0, 0.3, width) for _ in range(depth - 1)]
    delta = rng.standard_normal((2, width))
    grads = propagation._backward(act, propagation._forward(act, h1, weights, biases), weights, delta)

    def loss(h):
        return float(np.sum(delta * propagation._forward(act, h, weights, biases)[-1]))

    eps = 1e-6
    numeric = np.zeros_like(h1)
    for idx in np.ndindex(h1.shape):
        up, down = h1.copy(), h1.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss(up) - loss(down)) / (2 * eps)
    np.testing.assert_allclose(grads[0], numeric, rtol=1e-6, atol=1e-8)


def test_a_layer_profile_puts_predictions_beside_five_simulated_networks():
    p = wide_networks.layer_profile("tanh", 1.5, 0.3, 30)
    assert p.run.q.shape == p.run.c.shape == p.grad_simulated.shape == (5, 30)
    assert p.q_predicted.shape == p.c_predicted.shape == p.grad_predicted.shape == (30,)
    np.testing.assert_allclose(p.grad_simulated[:, -1], 1.0)
    assert p.mean_field.phase == "chaotic"  # chi_1 > 1 at (1.5, 0.3)
    # width 256 is wide enough for the maps: correlations within 0.05, the
    # gradient's 29-layer growth within a factor 1.5 for every seed
    assert np.max(np.abs(np.median(p.run.c, axis=0) - p.c_predicted)) < 0.05
    ratio = p.grad_simulated[:, 0] / p.grad_predicted[0]
    assert np.all((ratio > 1 / 1.5) & (ratio < 1.5)), ratio
    assert wide_networks.layer_profile("tanh", 1.5, 0.3, 30) is p  # cached


def test_a_profile_without_a_fixed_point_says_so():
    p = wide_networks.layer_profile("relu", 2.0, 0.0, 10)
    assert p.mean_field is None  # sigma_w^2 / 2 = 2 > 1: the variance doubles every layer
    np.testing.assert_allclose(p.q_predicted, 2.0 ** np.arange(10))


def test_moving_the_depth_reuses_the_mean_field_and_keeps_every_number():
    """The widget's depth slider: the fixed point and gains do not depend on depth, so they are
    computed once; the record is what an uncached computation gives."""
    short = wide_networks.layer_profile("tanh", 1.2, 0.2, 6)
    long = wide_networks.layer_profile("tanh", 1.2, 0.2, 12)
    assert short.mean_field is long.mean_field  # one computation, shared
    fresh = propagation.mean_field("tanh", 1.2, 0.2)
    assert long.mean_field.q_star == fresh.q_star and long.mean_field.chi_1 == fresh.chi_1
    np.testing.assert_array_equal(
        long.c_predicted, propagation.correlation_trajectory("tanh", 1.0, 0.5, 12, 1.2, 0.2)
    )
    run = propagation.simulate("tanh", 1.2, 0.2, depth=12, width=256)
    np.testing.assert_array_equal(long.run.grad_sq, run.grad_sq)
    assert wide_networks.layer_profile("relu", 2.0, 0.0, 3).mean_field is None  # no fixed point


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: wide_networks.layer_profile("cosine"), "activation"),
        (lambda: wide_networks.layer_profile("tanh", 0.0), "sigma_w"),
        (lambda: wide_networks.layer_profile("tanh", 1.0, -0.1), "sigma_b"),
        (lambda: wide_networks.layer_profile("tanh", 1.0, 0.0, 1), "depth"),
        (lambda: wide_networks.width_sweep(widths=(8, 4)), "widths"),
        (lambda: wide_networks.width_sweep(widths=(0, 4)), r"widths\[i\]"),
        (lambda: wide_networks.phase_diagram("relu"), "grows without bound"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_width_turns_a_dying_chain_into_a_layer_with_gain_chi():
    """ReLU with He weights: chains lose the gradient, wide layers keep it at chi_1 = 1."""
    sweep = wide_networks.width_sweep("relu", math.sqrt(2), 0.0, 30, widths=(1, 512), seeds=tuple(range(5)))
    assert sweep.chi_1 == pytest.approx(1.0)
    # a chain of 30 ReLU units passes a gradient only if one of its 16 inputs
    # keeps every unit on: each unit is on for about half of them
    assert sweep.died()[0] == 5
    assert np.all(np.abs(sweep.gains[1] - 1.0) < 0.05)


def test_wide_tanh_networks_with_large_weights_explode_where_chains_vanish():
    sweep = wide_networks.width_sweep("tanh", 4.0, 0.0, 20, widths=(1, 512), seeds=tuple(range(5)))
    assert np.all(sweep.gains[0] < 0.5)
    # the first layers start below q*, where the gain is larger: the prediction
    # follows the variance layer by layer
    predicted = propagation.gradient_trajectory("tanh", 1.0, 20, 4.0, 0.0)[0] ** (1 / 19)
    assert np.all(np.abs(sweep.gains[1] / predicted - 1) < 0.05), (sweep.gains[1], predicted)
    assert sweep.chi_1 > 2


def test_the_edge_of_chaos_has_chi_one_and_moves_right_with_the_biases():
    bs = (0.0, 0.3, 1.0)
    edge = wide_networks.edge_of_chaos("tanh", bs)
    assert edge[0] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(edge) > 0)
    for w, b in zip(edge[1:], bs[1:], strict=True):
        assert propagation.mean_field("tanh", w, b).chi_1 == pytest.approx(1.0, abs=1e-8)


def test_the_phase_diagram_is_chi_at_the_fixed_point_and_changes_sign_at_the_edge():
    d = wide_networks.phase_diagram("tanh", (0.5, 1.2, 2.0, 3.0), (0.0, 0.5))
    assert d.chi_1.shape == d.q_star.shape == (2, 4)
    mf = propagation.mean_field("tanh", 2.0, 0.5)
    assert d.chi_1[1, 2] == pytest.approx(mf.chi_1, rel=1e-9)
    assert d.q_star[1, 2] == pytest.approx(mf.q_star, rel=1e-9)
    for row, edge in zip(d.chi_1, d.edge, strict=True):
        assert np.all((row > 1) == (d.sigma_ws > edge))
    assert d.phase(0.5, 0.0) == "ordered"
