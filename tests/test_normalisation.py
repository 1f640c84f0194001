"""Batch and layer normalisation: forward statistics, exact backward passes, bad input."""

import numpy as np
import pytest

from vanishing.core import normalisation as bn


def test_forward_standardises_then_rescales():
    rng = np.random.default_rng(0)
    Z = rng.normal(3.0, 7.0, size=(200, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 4.0, 0.5])
    out, cache = bn.batch_norm_forward(Z, gamma, beta)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(Z.var(axis=0) / (Z.var(axis=0) + bn.EPS)))
    np.testing.assert_allclose(cache.mean, Z.mean(axis=0))


NORMS = {
    "batch": (bn.batch_norm_forward, bn.batch_norm_backward, 0),
    "layer": (bn.layer_norm_forward, bn.layer_norm_backward, 1),
}


@pytest.mark.parametrize("kind", NORMS)
def test_backward_matches_finite_differences(kind):
    forward, backward, axis = NORMS[kind]
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(5, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    weights = rng.normal(size=(5, 3))  # loss = sum(weights * out), a generic linear read-out

    def loss(Z, gamma, beta):
        return float(np.sum(weights * forward(Z, gamma, beta)[0]))

    _, cache = forward(Z, gamma, beta)
    dZ, dgamma, dbeta = backward(weights, cache)
    h = 1e-6
    for arr, grad in ((Z, dZ), (gamma, dgamma), (beta, dbeta)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            up = loss(Z, gamma, beta)
            arr[idx] = old - h
            down = loss(Z, gamma, beta)
            arr[idx] = old
            num[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)
    # The output is invariant to shifting what it averages over (a unit's inputs over
    # the batch, or an example's units), so dZ sums to 0 along that axis.
    np.testing.assert_allclose(dZ.sum(axis=axis), 0.0, atol=1e-12)


def test_layer_norm_standardises_each_example_and_ignores_the_rest_of_the_batch():
    rng = np.random.default_rng(2)
    Z = rng.normal(3.0, 7.0, size=(6, 50))
    gamma, beta = np.ones(50), np.zeros(50)
    out, _ = bn.layer_norm_forward(Z, gamma, beta)
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=1), Z.var(axis=1) / (Z.var(axis=1) + bn.EPS))
    alone, _ = bn.layer_norm_forward(Z[:1], gamma, beta)
    np.testing.assert_array_equal(alone, out[:1])  # a batch of one is fine, and the same
    with pytest.raises(ValueError, match="units >= 2"):
        bn.layer_norm_forward(np.ones((4, 1)), np.ones(1), np.zeros(1))


def test_a_constant_unit_gives_finite_output():
    Z = np.ones((4, 2))
    out, _ = bn.batch_norm_forward(Z, np.ones(2), np.zeros(2))
    assert np.all(np.isfinite(out)) and np.all(out == 0)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.ones((1, 3)), np.ones(3), np.zeros(3)), ValueError, "batch >= 2"),
        ((np.ones((4, 3)), np.ones(2), np.zeros(3)), ValueError, r"gamma must have shape \(3,\)"),
        ((np.ones((4, 3)), np.ones(3), np.zeros(3), 0.0), ValueError, "eps must be in"),
        ((np.full((4, 3), np.nan), np.ones(3), np.zeros(3)), ValueError, "Z must contain only finite"),
        ((np.array([["a"]]), np.ones(1), np.zeros(1)), TypeError, "Z must hold real numbers"),
    ],
)
def test_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        bn.batch_norm_forward(*args)
