"""The fully connected network: gradients against finite differences, initialisers, statistics."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing import mlp


def numeric_gradients(net, X, targets, loss, h=1e-6):
    grads_w, grads_b = [], []
    for params, out in ((net.weights, grads_w), (net.biases, grads_b)):
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = net.loss_and_gradients(X, targets, loss).loss
                p[idx] = old - h
                down = net.loss_and_gradients(X, targets, loss).loss
                p[idx] = old
                g[idx] = (up - down) / (2 * h)
            out.append(g)
    return grads_w, grads_b


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "gelu", "softplus", "relu", "selu"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_gradients_match_finite_differences(activation, loss):
    rng = np.random.default_rng(11)
    net = mlp.MLP.initialise([3, 5, 4, 3], activation, "xavier_normal", rng)
    for b in net.biases:
        b[:] = rng.normal(0, 0.1, b.shape)  # non-zero biases exercise their gradient
    X = rng.normal(size=(7, 3))
    targets = rng.normal(size=(7, 3)) if loss == "mse" else rng.integers(0, 3, size=7)
    g = net.loss_and_gradients(X, targets, loss)
    fw, fb = numeric_gradients(net, X, targets, loss)
    for analytic, numeric in zip(g.weights + g.biases, fw + fb, strict=True):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_losses_match_direct_formulas():
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([2, 4, 3], "tanh", "he_normal", rng)
    X = rng.normal(size=(5, 2))
    out = net.forward(X)
    t = rng.normal(size=(5, 3))
    assert net.loss_and_gradients(X, t, "mse").loss == pytest.approx(np.mean((out - t) ** 2))
    labels = np.array([0, 2, 1, 1, 0])
    p = np.exp(out) / np.exp(out).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(5), labels]))
    assert net.loss_and_gradients(X, labels, "cross_entropy").loss == pytest.approx(expected)


def test_cross_entropy_is_stable_for_huge_logits():
    net = mlp.MLP([np.array([[1e4, -1e4]])], [np.zeros(2)], "relu")
    g = net.loss_and_gradients(np.ones((1, 1)), np.array([1]), "cross_entropy")
    assert g.loss == pytest.approx(2e4)
    assert all(np.all(np.isfinite(w)) for w in g.weights)


@pytest.mark.parametrize(
    ("scheme", "expected_var"),
    [
        ("xavier_uniform", 2 / (400 + 300)),
        ("xavier_normal", 2 / (400 + 300)),
        ("he_normal", 2 / 400),
        ("he_uniform", 2 / 400),
        ("lecun_normal", 1 / 400),
    ],
)
def test_initialiser_variances(scheme, expected_var):
    w = mlp.init_weights(400, 300, scheme, np.random.default_rng(5))
    assert w.shape == (400, 300)
    assert w.var() == pytest.approx(expected_var, rel=0.03)
    assert abs(w.mean()) < 0.01 * np.sqrt(expected_var) * 10


def test_normal_initialiser_uses_std_and_requires_it():
    w = mlp.init_weights(500, 400, "normal", np.random.default_rng(0), std=0.5)
    assert w.std() == pytest.approx(0.5, rel=0.01)
    with pytest.raises(ValueError, match="std must be given"):
        mlp.init_weights(3, 3, "normal", np.random.default_rng(0))
    with pytest.raises(ValueError, match="std must be given"):
        mlp.init_weights(3, 3, "he_normal", np.random.default_rng(0), std=1.0)


def test_stats_describe_the_forward_pass():
    rng = np.random.default_rng(2)
    net = mlp.MLP.initialise([4, 6, 6, 2], "sigmoid", "xavier_normal", rng)
    X = rng.normal(size=(9, 4))
    g = net.loss_and_gradients(X, rng.normal(size=(9, 2)))
    h1 = 1 / (1 + np.exp(-(X @ net.weights[0] + net.biases[0])))
    assert g.stats.act_mean[0] == pytest.approx(h1.mean())
    assert g.stats.act_std[0] == pytest.approx(h1.std())
    assert g.stats.grad_w_norm.shape == (3,)
    np.testing.assert_allclose(g.stats.grad_w_norm, [np.linalg.norm(w) for w in g.weights])
    np.testing.assert_allclose(g.stats.grad_b_norm, [np.linalg.norm(b) for b in g.biases])
    assert net.sizes == [4, 6, 6, 2]


def test_deep_sigmoid_network_has_smaller_gradients_near_the_input():
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([16] + [64] * 10 + [1], "sigmoid", "xavier_normal", rng)
    X = rng.normal(size=(256, 16))
    g = net.loss_and_gradients(X, rng.normal(size=(256, 1)))
    assert g.stats.grad_w_norm[0] < g.stats.grad_w_norm[-1] / 10


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: mlp.MLP([], [], "relu"), ValueError, "non-empty lists"),
        (
            lambda: mlp.MLP([np.ones((2, 3))], [np.ones(2)], "relu"),
            ValueError,
            r"biases\[0\] must have shape \(3,\)",
        ),
        (
            lambda: mlp.MLP([np.ones((2, 3)), np.ones((4, 1))], [np.ones(3), np.ones(1)], "relu"),
            ValueError,
            r"weights\[1\] must have 3 rows",
        ),
        (lambda: mlp.MLP([np.ones(3)], [np.ones(3)], "relu"), ValueError, "2-D"),
        (
            lambda: mlp.MLP.initialise([3], "relu", "he_normal", np.random.default_rng(0)),
            ValueError,
            "at least an input",
        ),
        (
            lambda: mlp.MLP.initialise([3, 2], "relu", "kaiming", np.random.default_rng(0)),
            ValueError,
            "init must be one of",
        ),
        (lambda: mlp.MLP.initialise([3, 2], "relu", "he_normal", None), TypeError, "rng must be"),
    ],
)
def test_bad_construction(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_bad_batches():
    net = mlp.MLP.initialise([3, 4, 2], "relu", "he_normal", np.random.default_rng(0))
    X = np.ones((5, 3))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\)"):
        net.forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match="loss must be one of"):
        net.loss_and_gradients(X, np.ones((5, 2)), "hinge")
    with pytest.raises(ValueError, match="targets must have shape"):
        net.loss_and_gradients(X, np.ones((5, 3)), "mse")
    with pytest.raises(TypeError, match="integer labels"):
        net.loss_and_gradients(X, np.ones(5), "cross_entropy")
    with pytest.raises(ValueError, match=r"class labels in \[0, 1\]"):
        net.loss_and_gradients(X, np.array([0, 1, 2, 0, 1]), "cross_entropy")
