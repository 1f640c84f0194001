"""The single-neuron chain: exact gradients against finite differences and SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from vanishing.core import activations, chain

SMOOTH = ["sigmoid", "tanh", "gelu", "softplus", "silu", "mish", "elu"]


def loss_of(weights, biases, x, y, act):
    return chain.backward(weights, biases, x, y, act).loss


def finite_difference(weights, biases, x, y, act, which, h=1e-4):
    """Five-point central differences of the loss for every weight (or bias) of every chain.

    Error about h**4 from truncation plus eps * loss / h from rounding: ~1e-12.
    """
    params = {"w": weights, "b": biases}
    out = np.zeros_like(weights)
    for i in range(weights.shape[-1]):
        total = 0.0
        for step, coef in ((2 * h, -1.0), (h, 8.0), (-h, -8.0), (-2 * h, 1.0)):
            moved = {k: v.copy() for k, v in params.items()}
            moved[which][..., i] += step
            total = total + coef * loss_of(moved["w"], moved["b"], x, y, act)
        out[..., i] = total / (12 * h)
    return out


@pytest.mark.parametrize("act", SMOOTH + ["relu", "leaky_relu"])
def test_gradients_match_finite_differences(act):
    rng = np.random.default_rng(3)
    w, b = chain.random_chains(6, 50, rng, weight_std=1.5)
    x = rng.normal(size=50)
    y = rng.normal(size=50)
    g = chain.backward(w, b, x, y, act)
    # A stencil that straddles a kink (ReLU family at 0; ELU's second
    # derivative jumps there) measures the wrong slope: leave those chains out.
    away = np.all(np.abs(g.z) > 1e-2, axis=1)
    assert away.sum() >= 40
    for which, analytic in (("w", g.grad_w), ("b", g.grad_b)):
        fd = finite_difference(w, b, x, y, act, which)
        np.testing.assert_allclose(analytic[away], fd[away], rtol=1e-7, atol=3e-11)


def test_three_neuron_network_matches_an_independent_sympy_derivation():
    xs, ys = sp.symbols("x y", real=True)
    ws = sp.symbols("w1:4", real=True)
    bs = sp.symbols("b1:4", real=True)
    a = xs
    for w_i, b_i in zip(ws, bs, strict=True):
        a = 1 / (1 + sp.exp(-(w_i * a + b_i)))
    loss = (a - ys) ** 2 / 2
    values = {xs: 0.7, ys: 0.2, ws[0]: 1.3, ws[1]: -0.8, ws[2]: 2.1, bs[0]: 0.1, bs[1]: -0.4, bs[2]: 0.3}
    g = chain.backward([1.3, -0.8, 2.1], [0.1, -0.4, 0.3], 0.7, 0.2)
    for i in range(3):
        assert g.grad_w[i] == pytest.approx(float(sp.diff(loss, ws[i]).subs(values)), rel=1e-12)
        assert g.grad_b[i] == pytest.approx(float(sp.diff(loss, bs[i]).subs(values)), rel=1e-12)
    assert g.loss == pytest.approx(float(loss.subs(values)), rel=1e-14)


def test_factors_and_dout_dz_are_consistent():
    rng = np.random.default_rng(0)
    w, b = chain.random_chains(8, 10, rng)
    g = chain.backward(w, b, 0.5, 1.0, "tanh")
    np.testing.assert_allclose(g.factors, w * activations.get("tanh").derivative(g.z))
    np.testing.assert_allclose(g.grad_b, (g.a[:, -1] - 1.0)[:, None] * g.dout_dz)
    # da_n/dz_1 is f'(z_1) times the product of the later factors.
    fprime1 = activations.get("tanh").derivative(g.z[:, 0])
    np.testing.assert_allclose(g.dout_dz[:, 0], fprime1 * np.prod(g.factors[:, 1:], axis=1))


def test_vectorised_call_equals_a_loop_over_single_chains():
    rng = np.random.default_rng(1)
    w, b = chain.random_chains(5, 7, rng)
    x, y = rng.normal(size=7), rng.normal(size=7)
    batch = chain.backward(w, b, x, y)
    for k in range(7):
        single = chain.backward(w[k], b[k], x[k], y[k])
        np.testing.assert_allclose(single.grad_w, batch.grad_w[k], rtol=1e-14)
        np.testing.assert_allclose(single.a, batch.a[k], rtol=1e-14)


def test_forward_matches_a_hand_written_recursion():
    w, b = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.2, -0.3])
    z, a = chain.forward(w, b, 1.5, "tanh")
    prev = 1.5
    for i in range(3):
        assert z[i] == pytest.approx(w[i] * prev + b[i])
        prev = np.tanh(z[i])
        assert a[i] == pytest.approx(prev)


@pytest.mark.parametrize("weight", [1.0, 4.0, 6.0])
def test_centred_chain_has_every_factor_equal_to_w_over_four(weight):
    w, b = chain.centred_chain(12, weight, x=0.3)
    g = chain.backward(w, b, 0.3, 0.0)
    np.testing.assert_allclose(g.z, 0.0, atol=1e-15)
    np.testing.assert_allclose(g.factors, weight / 4)
    n = np.arange(12)
    np.testing.assert_allclose(g.dout_dz, 0.25 * (weight / 4) ** (11 - n), rtol=1e-12)


def test_depth_profile_centred_part_is_geometric_and_quantiles_are_ordered():
    prof = chain.depth_profile(20, 2.0, np.random.default_rng(0))
    np.testing.assert_allclose(prof.centred, 0.25 * 0.5 ** (19 - np.arange(20)), rtol=1e-12)
    assert prof.quantiles.shape == (3, 20)
    assert np.all(prof.quantiles[0] <= prof.quantiles[1]) and np.all(prof.quantiles[1] <= prof.quantiles[2])


def test_first_layer_gradients_respect_the_quarter_power_bound_and_prefix_property():
    grads = chain.first_layer_gradients(15, 500, np.random.default_rng(2))
    assert grads.shape == (500, 15)
    assert np.all(grads <= 0.25 ** np.arange(1, 16))
    # Column d-1 equals |da_d/dz_1| from a full backward pass on the first d layers.
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, (500, 15))
    b = rng.normal(0, 1, (500, 15))
    x = rng.uniform(-1, 1, 500)
    for d in (1, 4, 15):
        g = chain.backward(w[:, :d], b[:, :d], x, 0.0)
        np.testing.assert_allclose(grads[:, d - 1], np.abs(g.dout_dz[:, 0]), rtol=1e-12)


def test_gradient_profile_quantiles():
    rng = np.random.default_rng(4)
    w, b = chain.random_chains(4, 101, rng)
    g = chain.backward(w, b, 1.0, 0.0)
    q = chain.gradient_profile(g, (0.0, 0.5, 1.0))
    mags = np.abs(g.dout_dz)
    np.testing.assert_allclose(q[0], mags.min(axis=0))
    np.testing.assert_allclose(q[1], np.median(mags, axis=0))
    np.testing.assert_allclose(q[2], mags.max(axis=0))
    with pytest.raises(ValueError, match="quantiles must be"):
        chain.gradient_profile(g, (0.5, 1.5))


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: chain.backward([1.0, 2.0], [0.0], 1.0, 0.0), ValueError, "biases must have the same shape"),
        (lambda: chain.backward([], [], 1.0, 0.0), ValueError, "weights must have a last axis"),
        (lambda: chain.backward([1.0], [0.0], "x", 0.0), TypeError, "x must hold real numbers"),
        (lambda: chain.backward([1.0], [0.0], 1.0, np.nan), ValueError, "y must contain only finite"),
        (lambda: chain.backward([1.0], [0.0], 1.0, 0.0, "sigmod"), ValueError, "name must be one of"),
        (
            lambda: chain.random_chains(0, 5, np.random.default_rng(0)),
            ValueError,
            r"n_layers must be an integer in \[1, inf\)",
        ),
        (lambda: chain.random_chains(3, 5, 0), TypeError, "rng must be a numpy.random.Generator"),
        (
            lambda: chain.random_chains(3, 5, np.random.default_rng(0), weight_std=-1),
            ValueError,
            "weight_std must be in",
        ),
        (lambda: chain.centred_chain(2.5, 1.0), TypeError, "n_layers must be an integer"),
        (
            lambda: chain.depth_profile(5, 0.0, np.random.default_rng(0)),
            ValueError,
            r"weight_scale must be in \(0, inf\)",
        ),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_residual_chain_gradients_match_finite_differences(act):
    rng = np.random.default_rng(8)
    w, b = chain.random_chains(12, 40, rng, weight_std=0.8)
    x, y = rng.normal(size=40), rng.normal(size=40)
    g = chain.backward(w, b, x, y, act, residual=True)
    away = np.all(np.abs(g.z) > 1e-2, axis=1)
    h = 1e-6
    for which, analytic in (("w", g.grad_w), ("b", g.grad_b)):
        for i in range(12):
            up_w, up_b, dn_w, dn_b = w.copy(), b.copy(), w.copy(), b.copy()
            (up_w if which == "w" else up_b)[:, i] += h
            (dn_w if which == "w" else dn_b)[:, i] -= h
            up = chain.backward(up_w, up_b, x, y, act, residual=True).loss
            dn = chain.backward(dn_w, dn_b, x, y, act, residual=True).loss
            # Rounding error of the difference: about eps * loss / h, and the loss reaches ~50.
            np.testing.assert_allclose(analytic[away, i], ((up - dn) / (2 * h))[away], rtol=1e-5, atol=1e-7)


def test_residual_chain_adds_the_input_and_keeps_the_gradient():
    w, b = np.full(30, 0.5), np.zeros(30)
    z, a = chain.forward(w, b, 1.0, "tanh", residual=True)
    np.testing.assert_allclose(a[0], 1.0 + np.tanh(0.5))
    np.testing.assert_allclose(z[1], 0.5 * a[0])
    plain = chain.backward(w, b, 1.0, 0.0, "tanh")
    skip = chain.backward(w, b, 1.0, 0.0, "tanh", residual=True)
    assert np.all(skip.factors > 1.0)  # 1 + w f'(z) with w f'(z) > 0
    assert abs(plain.dout_dz[0]) < 1e-8 < 1.0 < abs(skip.dout_dz[0])
    with pytest.raises(TypeError, match="residual must be True or False"):
        chain.backward(w, b, 1.0, 0.0, "tanh", residual=1)
