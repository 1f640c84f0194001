"""Chapter 3's SGD-against-Adam runs (vanishing.experiments.adaptive_steps)."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import mlp
from vanishing.experiments import adaptive_steps as a


def test_the_data_are_the_chapters():
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(64, 16))
    v = rng.normal(0.0, 0.5, size=(16, 1))
    X2, y2 = a.regression_data()
    assert np.array_equal(X, X2) and np.array_equal(np.sin(X @ v), y2)


def test_a_run_records_every_step_and_is_cached_read_only():
    run = a.optimiser_run("adam", 2e-3, 0, depth=3, width=8, steps=5)
    assert run.losses.shape == (6,) and run.grad_norms.shape == (5, 4) and run.update_ratios.shape == (5, 4)
    assert run.last_spread.shape == (2,)
    assert a.optimiser_run("adam", 2e-3, 0, depth=3, width=8, steps=5) is run
    with pytest.raises(ValueError):
        run.losses[0] = 0.0


def test_the_first_loss_is_the_initial_networks_and_sgd_takes_lr_times_the_gradient():
    X, y = a.regression_data()
    net = mlp.MLP.initialise([16, 8, 8, 1], "sigmoid", "xavier_normal", np.random.default_rng(3))
    g = net.loss_and_gradients(X, y, "mse")
    run = a.optimiser_run("sgd", 0.01, 3, depth=2, width=8, steps=1)
    assert run.losses[0] == pytest.approx(g.loss, rel=1e-12)
    expected = [np.std(0.01 * gW) / np.std(W) for gW, W in zip(g.weights, net.weights, strict=True)]
    np.testing.assert_allclose(run.update_ratios[0], expected, rtol=1e-10)


def test_adams_first_step_moves_every_layer_by_about_lr_whatever_its_gradient():
    # the first Adam step is lr * sign(g) for every entry whose |g| is well above eps
    run = a.optimiser_run("adam", 1e-3, 0, depth=4, width=16, steps=1)
    X, y = a.regression_data()
    net = mlp.MLP.initialise([16] + [16] * 4 + [1], "sigmoid", "xavier_normal", np.random.default_rng(0))
    grads = net.loss_and_gradients(X, y).weights
    expected = [np.std(1e-3 * np.sign(gW)) / np.std(W) for gW, W in zip(grads, net.weights, strict=True)]
    # hidden layers only: the output layer's entries all share a sign, so std(sign) is 0 there
    np.testing.assert_allclose(run.update_ratios[0, :-1], expected[:-1], rtol=0.02)
    assert run.grad_norms[0, -1] / run.grad_norms[0, 0] > 10


def test_first_step_below():
    assert a.first_step_below([3.0, 2.0, 0.5, 0.1], 1.0) == 2
    assert a.first_step_below([3.0, 2.0], 1.0) == -1
    with pytest.raises(ValueError, match="losses"):
        a.first_step_below([], 1.0)
    with pytest.raises(ValueError, match="losses"):
        a.first_step_below([[1.0]], 1.0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"optimiser": "rmsprop"}, "optimiser"),
        ({"lr": 0.0}, "lr"),
        ({"seed": -1}, "seed"),
        ({"depth": 0}, "depth"),
        ({"depth": 31}, "depth"),
        ({"width": 0}, "width"),
        ({"steps": 0}, "steps"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"optimiser": "adam", "lr": 1e-3, "seed": 0} | kwargs
    with pytest.raises((ValueError, TypeError), match=name):
        a.optimiser_run(args.pop("optimiser"), args.pop("lr"), args.pop("seed"), **args)


def test_the_data_seed_is_checked():
    with pytest.raises((ValueError, TypeError), match="seed"):
        a.regression_data(1.5)
