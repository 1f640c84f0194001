"""The fully connected network: gradients against finite differences, initialisers, statistics."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import _reduce, initialisation, mlp


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
    numeric_grads = mlp.numerical_gradients(net, X, targets, loss, params=net.weights + net.biases)
    for analytic, numeric in zip(g.weights + g.biases, numeric_grads, strict=True):
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
    w = initialisation.init_weights(400, 300, scheme, np.random.default_rng(5))
    assert w.shape == (400, 300)
    assert w.var() == pytest.approx(expected_var, rel=0.03)
    assert abs(w.mean()) < 0.01 * np.sqrt(expected_var) * 10


def test_normal_initialiser_uses_std_and_requires_it():
    w = initialisation.init_weights(500, 400, "normal", np.random.default_rng(0), std=0.5)
    assert w.std() == pytest.approx(0.5, rel=0.01)
    with pytest.raises(ValueError, match="std must be given"):
        initialisation.init_weights(3, 3, "normal", np.random.default_rng(0))
    with pytest.raises(ValueError, match="std must be given"):
        initialisation.init_weights(3, 3, "he_normal", np.random.default_rng(0), std=1.0)


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


@pytest.mark.parametrize("shape", [(1,), (7,), (64, 1), (1, 16), (33, 17), (128, 32), (1024, 256)])
def test_the_cores_means_and_variances_are_numpys_bit_for_bit(shape):
    """vanishing.core._reduce (the per-layer statistics, batch and layer normalisation)."""
    rng = np.random.default_rng(len(shape) * 1000 + shape[0])
    for scale in (1e-150, 1e-3, 1.0, 1e3, 1e150):
        a = rng.standard_normal(shape) * scale + rng.standard_normal() * scale
        assert _reduce.mean(a) == a.mean() and _reduce.std(a) == a.std()
        for axis in range(a.ndim):
            for keepdims in (False, True):
                kw = {"keepdims": keepdims}
                assert _reduce.mean(a, axis, **kw).tobytes() == a.mean(axis=axis, **kw).tobytes()
                assert _reduce.var(a, axis, **kw).tobytes() == a.var(axis=axis, **kw).tobytes()
    assert _reduce.std(np.full(shape, 0.1)) == np.full(shape, 0.1).std()


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


# -- batch and layer normalisation, residual connections, learned PReLU slopes --
@pytest.mark.parametrize(
    ("activation", "norm", "residual"),
    [
        ("tanh", "batch", False),
        ("relu", "batch", False),
        ("relu", None, True),
        ("tanh", None, True),
        ("sigmoid", None, True),
        ("gelu", "batch", True),
        ("prelu", None, False),
        ("prelu", "batch", True),
        ("tanh", "layer", False),
        ("sigmoid", "layer", True),
        ("prelu", "layer", False),
    ],
)
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_every_option_has_exact_gradients(activation, norm, residual, loss):
    rng = np.random.default_rng(3)
    net = mlp.MLP.initialise(
        [3, 4, 4, 4, 3],
        activation,
        "he_normal",
        rng,
        batch_norm=norm == "batch",
        layer_norm=norm == "layer",
        residual=residual,
    )
    for p in net.parameters():
        p += rng.normal(0, 0.1, p.shape)  # move every parameter off its initial value
    X = rng.normal(size=(6, 3))
    targets = rng.normal(size=(6, 3)) if loss == "mse" else rng.integers(0, 3, size=6)
    g = net.loss_and_gradients(X, targets, loss)
    analytic = g.as_list()
    numeric = mlp.numerical_gradients(net, X, targets, loss)
    assert len(analytic) == len(numeric) == len(net.parameters())
    for a, n in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8)


def test_prelu_slopes_are_one_per_hidden_unit_and_start_at_alpha():
    net = mlp.MLP.initialise([2, 5, 3, 1], "prelu", "he_normal", np.random.default_rng(0))
    assert [a.shape for a in net.alphas] == [(5,), (3,)]
    assert all(np.all(a == 0.25) for a in net.alphas)
    net.alphas[0][:] = -0.5  # the paper does not constrain the slope
    X = np.array([[-1.0, -2.0]])
    z = X @ net.weights[0]
    np.testing.assert_allclose(net.hidden_inputs(X)[0], z)
    h = np.where(z > 0, z, -0.5 * z)
    np.testing.assert_allclose(
        net.forward(X), (np.where(h @ net.weights[1] > 0, 1, 0.25) * (h @ net.weights[1])) @ net.weights[2]
    )
    assert mlp.MLP.initialise([2, 3, 1], "relu", "he_normal", np.random.default_rng(0)).alphas is None


def test_batch_norm_standardises_every_hidden_layer_in_training_mode():
    rng = np.random.default_rng(4)
    net = mlp.MLP.initialise([5, 30, 30, 2], "tanh", "normal", rng, std=3.0, batch_norm=True)
    X = rng.normal(2.0, 5.0, size=(400, 5))
    for u in net.hidden_inputs(X, training=True):
        np.testing.assert_allclose(u.mean(axis=0), 0.0, atol=1e-10)
        np.testing.assert_allclose(u.var(axis=0), 1.0, rtol=1e-3)


def test_batch_norm_evaluation_uses_running_statistics():
    rng = np.random.default_rng(5)
    net = mlp.MLP.initialise([3, 8, 2], "relu", "he_normal", rng, batch_norm=True)
    X = rng.normal(1.0, 2.0, size=(500, 3))
    g = net.loss_and_gradients(X, rng.normal(size=(500, 2)))
    net.update_running_stats(g, momentum=1.0)  # adopt this batch's statistics exactly
    np.testing.assert_allclose(net.running_means[0], (X @ net.weights[0]).mean(axis=0))
    np.testing.assert_allclose(net.forward(X), net.forward(X, training=True), atol=1e-4)
    # One example at a time: evaluation mode needs no batch, training mode refuses one.
    assert net.forward(X[:1]).shape == (1, 2)
    with pytest.raises(ValueError, match="batch >= 2"):
        net.forward(X[:1], training=True)


def test_residual_layers_add_their_input_where_widths_agree():
    rng = np.random.default_rng(6)
    net = mlp.MLP.initialise([3, 4, 4, 2], "relu", "he_normal", rng, residual=True)
    X = rng.normal(size=(5, 3))
    a1 = np.maximum(X @ net.weights[0], 0)  # 3 -> 4: no skip
    a2 = a1 + np.maximum(a1 @ net.weights[1], 0)  # 4 -> 4: skip
    np.testing.assert_allclose(net.forward(X), a2 @ net.weights[2])


def test_residual_network_keeps_first_layer_gradients_that_a_plain_one_loses():
    rng = np.random.default_rng(7)
    sizes = [8] + [32] * 30 + [1]
    X, t = rng.normal(size=(64, 8)), rng.normal(size=(64, 1))
    norms = {}
    for residual in (False, True):
        net = mlp.MLP.initialise(
            sizes, "tanh", "normal", np.random.default_rng(1), std=0.5 / np.sqrt(32), residual=residual
        )
        # Bias gradients are dL/dZ summed over the batch: what reaches each layer.
        norms[residual] = net.loss_and_gradients(X, t).stats.grad_b_norm
    assert norms[False][1] / norms[False][-2] < 1e-6  # each plain layer about halves it
    assert norms[True][1] / norms[True][-2] > 0.1


def test_option_flags_must_be_booleans_and_one_normalisation_at_most():
    with pytest.raises(TypeError, match="batch_norm must be True or False"):
        mlp.MLP([np.ones((2, 2))], [np.zeros(2)], "relu", batch_norm="yes")
    with pytest.raises(TypeError, match="layer_norm must be True or False"):
        mlp.MLP([np.ones((2, 2))], [np.zeros(2)], "relu", layer_norm=1)
    with pytest.raises(ValueError, match="at most one"):
        mlp.MLP([np.ones((2, 2))], [np.zeros(2)], "relu", batch_norm=True, layer_norm=True)


def test_layer_norm_is_the_same_in_training_and_evaluation_and_for_one_example():
    rng = np.random.default_rng(4)
    net = mlp.MLP.initialise([5, 30, 30, 2], "tanh", "normal", rng, std=3.0, layer_norm=True)
    X = rng.normal(size=(7, 5))
    np.testing.assert_array_equal(net.forward(X, training=True), net.forward(X))
    np.testing.assert_allclose(net.forward(X[:1]), net.forward(X)[:1], rtol=1e-13)
    for u in net.hidden_inputs(X):  # each example's units standardised (gamma 1, beta 0)
        np.testing.assert_allclose(u.mean(axis=1), 0.0, atol=1e-12)
        np.testing.assert_allclose(u.std(axis=1), 1.0, rtol=1e-4)


def test_numerical_gradients_checks_its_arguments():
    net = mlp.MLP.initialise([2, 3, 1], "tanh", "xavier_normal", np.random.default_rng(0))
    X, t = np.ones((4, 2)), np.zeros((4, 1))
    with pytest.raises(TypeError, match="net must be"):
        mlp.numerical_gradients("net", X, t)
    with pytest.raises(ValueError, match="h must be in"):
        mlp.numerical_gradients(net, X, t, h=0.0)
    with pytest.raises(ValueError, match="arrays of net itself"):
        mlp.numerical_gradients(net, X, t, params=[np.ones(3)])
    before = [p.copy() for p in net.parameters()]
    mlp.numerical_gradients(net, X, t)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


# -- the fast paths of the backward pass --
def _manual_backprop(net, X, targets):
    """dL/dA_l of every hidden layer and dL/dW_l of every layer, by a plain numpy loop of
    the chain rule (mse, no normalisation, no skips): the reference for the fast paths."""
    acts, us = [X], []
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        us.append(acts[-1] @ w + b)
        acts.append(net.activation.forward(us[-1]))
    out = acts[-1] @ net.weights[-1] + net.biases[-1]
    delta = 2.0 * (out - targets) / out.size
    d_acts, grad_w = [], [acts[-1].T @ delta]
    for i in range(len(net.weights) - 2, -1, -1):
        d_a = delta @ net.weights[i + 1].T
        d_acts.insert(0, d_a)
        delta = d_a * net.activation.derivative(us[i])
        grad_w.insert(0, acts[i].T @ delta)
    return d_acts, grad_w


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "selu"])
def test_fast_slopes_match_the_chain_rule_with_the_public_derivative(activation):
    rng = np.random.default_rng(5)
    net = mlp.MLP.initialise([6, 8, 8, 8, 4], activation, "he_normal", rng)
    X = rng.normal(size=(10, 6))
    targets = rng.normal(size=(10, 4))
    d_acts, grad_w = _manual_backprop(net, X, targets)
    _, got_d_acts = net.activations_and_gradients(X, targets, "mse")
    got_grad_w = net.loss_and_gradients(X, targets, "mse").weights
    # dL/dA_l is returned as it was, not overwritten by the step that follows it.
    for got, want in zip(got_d_acts + got_grad_w, d_acts + grad_w, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_stats_are_the_same_read_late_or_taken_under_a_raising_errstate():
    rng = np.random.default_rng(2)
    net = mlp.MLP.initialise([5, 7, 7, 3], "tanh", "xavier_normal", rng, residual=True)
    X = rng.normal(size=(9, 5))
    targets = rng.normal(size=(9, 3))
    lazy = net.loss_and_gradients(X, targets, "mse")
    with np.errstate(over="raise", invalid="raise"):
        eager = net.loss_and_gradients(X, targets, "mse")
    # delta_std against dL/dZ of the output layer, computed here from the loss's formula.
    delta_out = 2.0 * (net.forward(X) - targets) / targets.size
    assert lazy.stats.delta_std[-1] == pytest.approx(delta_out.std(), rel=1e-12)
    np.testing.assert_array_equal(lazy.stats.delta_std, eager.stats.delta_std)
    np.testing.assert_array_equal(lazy.stats.grad_w_norm, eager.stats.grad_w_norm)


@pytest.mark.parametrize(
    ("activation", "norm", "residual"),
    [("relu", None, False), ("sigmoid", "batch", True), ("tanh", "layer", False), ("prelu", None, True)],
)
def test_targets_given_as_a_function_of_the_outputs_take_one_forward_pass(activation, norm, residual):
    rng = np.random.default_rng(5)
    net = mlp.MLP.initialise(
        [3, 4, 4, 2],
        activation,
        "he_normal",
        rng,
        batch_norm=norm == "batch",
        layer_norm=norm == "layer",
        residual=residual,
    )
    X, noise = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    fixed = net.forward(X, training=True) - noise  # the same targets, from a separate forward pass
    two_pass = net.loss_and_gradients(X, fixed, "mse")
    passes, seen = [], []
    forward_all = net._forward_all
    net._forward_all = lambda *a, **k: passes.append(1) or forward_all(*a, **k)
    one_pass = net.loss_and_gradients(X, lambda out: seen.append(out.shape) or out - noise, "mse")
    assert passes == [1] and seen == [(6, 2)]
    assert one_pass.loss == two_pass.loss
    for a, b in zip(one_pass.as_list(), two_pass.as_list(), strict=True):
        assert np.array_equal(a, b)
    for name in ("pre_std", "act_mean", "act_std", "delta_std", "grad_w_norm"):
        assert np.array_equal(getattr(one_pass.stats, name), getattr(two_pass.stats, name))
    del net._forward_all
    numeric = mlp.numerical_gradients(net, X, fixed, "mse")
    for a, n in zip(one_pass.as_list(), numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8)


def test_targets_function_must_return_targets_of_the_outputs_shape():
    net = mlp.MLP.initialise([3, 4, 2], "relu", "he_normal", np.random.default_rng(0))
    with pytest.raises(ValueError, match="targets must have shape"):
        net.loss_and_gradients(np.ones((5, 3)), lambda out: out[:, :1], "mse")
