"""The library against an independent autograd implementation (PyTorch, CPU, float64).

Forward values and derivatives of every activation on a dense grid, the exact
values at kinks (where the library promises PyTorch's convention), and the
gradients of the chain and of the MLP.  Skipped where torch is not installed
(``./run test`` installs it from requirements-autograd.txt).
"""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import activations, chain, initialisation, mlp

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH = {
    "sigmoid": lambda t, p: torch.sigmoid(t),
    "tanh": lambda t, p: torch.tanh(t),
    "relu": lambda t, p: F.relu(t),
    "leaky_relu": lambda t, p: F.leaky_relu(t, p["alpha"]),
    "prelu": lambda t, p: F.prelu(t, torch.tensor([p["alpha"]], dtype=t.dtype)),
    "rrelu": lambda t, p: F.rrelu(t, p["lower"], p["upper"], training=False),
    "elu": lambda t, p: F.elu(t, p["alpha"]),
    "selu": lambda t, p: F.selu(t),
    "gelu": lambda t, p: F.gelu(t, approximate="none"),
    "silu": lambda t, p: F.silu(t),
    "swish": lambda t, p: t * torch.sigmoid(p["beta"] * t),
    "mish": lambda t, p: F.mish(t),
    # torch's softplus switches to the identity above `threshold`; raise it so
    # that both sides compute the same function.
    "softplus": lambda t, p: F.softplus(t, beta=1.0, threshold=1e9),
    "relu6": lambda t, p: F.relu6(t),
    "hard_sigmoid": lambda t, p: F.hardsigmoid(t),
    "hard_swish": lambda t, p: F.hardswish(t),
}

CASES = [(n, {}) for n in activations.names()] + [
    ("leaky_relu", {"alpha": 0.2}),
    ("prelu", {"alpha": -0.3}),
    ("elu", {"alpha": 0.4}),
    ("swish", {"beta": 2.0}),
    ("rrelu", {"lower": 0.05, "upper": 0.45}),
]


def torch_value_and_grad(name, params, xs):
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](t, params)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def test_every_registered_activation_has_a_torch_twin():
    assert set(TORCH) == set(activations.names())


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_forward_and_derivative_on_a_dense_grid(name, params):
    act = activations.get(name, **params)
    grid = np.linspace(-30, 30, 6001)
    y, g = torch_value_and_grad(name, act.params, grid)
    np.testing.assert_allclose(act.forward(grid), y, rtol=1e-12, atol=1e-15)
    # torch computes sigma' as y(1 - y), which loses relative accuracy in the
    # tails; an absolute floor of 1e-14 covers that rounding, nothing more.
    # Its hardsigmoid backward multiplies by 1/6 rounded to float32
    # (0.16666667163...), so there the agreement is only to float32 precision.
    rtol = 1e-7 if name == "hard_sigmoid" else 1e-9
    np.testing.assert_allclose(act.derivative(grid), g, rtol=rtol, atol=1e-14)


KINKED = [(n, p) for n, p in CASES if activations.get(n, **p).kinks]


@pytest.mark.parametrize(("name", "params"), KINKED, ids=[f"{n}-{p}" for n, p in KINKED])
def test_derivative_at_kinks_is_torchs(name, params):
    act = activations.get(name, **params)
    pts = np.array(act.kinks, dtype=float)
    _, g = torch_value_and_grad(name, act.params, pts)
    np.testing.assert_array_equal(act.derivative(pts), g)


def test_prelu_alpha_gradient_is_torchs():
    xs = np.linspace(-4, 4, 801)
    t = torch.tensor(xs, dtype=torch.float64)
    a = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    y = F.prelu(t, a)
    # the gradient of sum_i f(x_i) w.r.t. alpha is sum_i df/dalpha(x_i); check it per element
    per_element = torch.autograd.functional.jacobian(lambda w: F.prelu(t, w), a).numpy()[:, 0]
    assert float(torch.autograd.grad(y.sum(), a)[0]) == pytest.approx(per_element.sum())
    np.testing.assert_allclose(activations.get("prelu", alpha=0.3).param_derivative("alpha", xs), per_element)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "gelu", "elu"])
def test_chain_gradients_are_torchs(name):
    rng = np.random.default_rng(8)
    w, b = chain.random_chains(7, 30, rng, weight_std=1.5)
    x, y = rng.normal(size=30), rng.normal(size=30)
    ours = chain.backward(w, b, x, y, name)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    a = torch.tensor(x)
    for i in range(7):
        a = TORCH[name](tw[:, i] * a + tb[:, i], activations.get(name).params)
    loss = 0.5 * (a - torch.tensor(y)) ** 2
    gw, gb = torch.autograd.grad(loss.sum(), (tw, tb))
    np.testing.assert_allclose(ours.loss, loss.detach().numpy(), rtol=1e-13)
    # torch's GELU computes Phi(z) as (1 + erf(z / sqrt 2)) / 2, which cancels
    # for z < -5 (the library uses erfc); gradients that small (~1e-20 here)
    # are compared against a floor of 1e-12 of the largest one.
    for mine, theirs in ((ours.grad_w, gw.numpy()), (ours.grad_b, gb.numpy())):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12 * np.abs(theirs).max())


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("name", ["sigmoid", "relu", "mish", "selu"])
def test_mlp_gradients_are_torchs(name, loss):
    rng = np.random.default_rng(9)
    net = mlp.MLP.initialise([6, 16, 16, 16, 4], name, "he_normal", rng)
    for bias in net.biases:
        bias[:] = rng.normal(0, 0.1, bias.shape)
    X = rng.normal(size=(32, 6))
    targets = rng.normal(size=(32, 4)) if loss == "mse" else rng.integers(0, 4, 32)
    ours = net.loss_and_gradients(X, targets, loss)
    tw = [torch.tensor(w, requires_grad=True) for w in net.weights]
    tb = [torch.tensor(b, requires_grad=True) for b in net.biases]
    h = torch.tensor(X)
    for i, (w, b) in enumerate(zip(tw, tb, strict=True)):
        h = h @ w + b
        if i < len(tw) - 1:
            h = TORCH[name](h, {})
    if loss == "mse":
        value = F.mse_loss(h, torch.tensor(targets))
    else:
        value = F.cross_entropy(h, torch.tensor(targets))
    grads = torch.autograd.grad(value, tw + tb)
    assert ours.loss == pytest.approx(float(value.detach()), rel=1e-12)
    for mine, theirs in zip(ours.weights + ours.biases, grads, strict=True):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    ("norm", "residual"), [("batch", False), (None, True), ("batch", True), ("layer", False), ("layer", True)]
)
def test_mlp_options_match_torch(norm, residual):
    """Batch or layer norm (training mode), residual connections and learned PReLU slopes."""
    rng = np.random.default_rng(10)
    net = mlp.MLP.initialise(
        [5, 12, 12, 12, 3],
        "prelu",
        "he_normal",
        rng,
        batch_norm=norm == "batch",
        layer_norm=norm == "layer",
        residual=residual,
    )
    for p in net.parameters():
        p += rng.normal(0, 0.1, p.shape)
    X = rng.normal(size=(20, 5))
    labels = rng.integers(0, 3, 20)
    ours = net.loss_and_gradients(X, labels, "cross_entropy")
    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    n = len(net.weights)
    n_hidden = n - 1
    tw, tb = params[:n], params[n : 2 * n]
    rest = params[2 * n :]
    talpha = rest[:n_hidden]
    tgamma = rest[n_hidden : 2 * n_hidden] if norm else None
    tbeta = rest[2 * n_hidden :] if norm else None
    h = torch.tensor(X)
    for i in range(n):
        z = h @ tw[i] + tb[i]
        if i == n - 1:
            h = z
            break
        if norm == "batch":
            z = F.batch_norm(z, None, None, tgamma[i], tbeta[i], training=True, eps=1e-5)
        elif norm == "layer":
            z = F.layer_norm(z, (z.shape[1],), tgamma[i], tbeta[i], eps=1e-5)
        out = torch.where(z > 0, z, talpha[i] * z)
        h = h + out if residual and tw[i].shape[0] == tw[i].shape[1] else out
    value = F.cross_entropy(h, torch.tensor(labels))
    grads = torch.autograd.grad(value, params)
    assert ours.loss == pytest.approx(float(value.detach()), rel=1e-12)
    for mine, theirs in zip(ours.as_list(), grads, strict=True):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-8, atol=1e-13)


# -- what PyTorch does when nothing is set (issue: framework defaults) ---------
@pytest.mark.parametrize(
    ("name", "slope"),
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("selu", None),
        ("leaky_relu", 0.01),
        ("leaky_relu", 0.2),
    ],
)
def test_gains_are_torchs_calculate_gain(name, slope):
    ours = initialisation.torch_gain(name) if slope is None else initialisation.torch_gain(name, slope)
    theirs = (
        torch.nn.init.calculate_gain(name) if slope is None else torch.nn.init.calculate_gain(name, slope)
    )
    assert ours == pytest.approx(theirs, rel=1e-15)


def test_linear_default_bounds_and_variance_are_torchs():
    torch.manual_seed(0)
    n_in, n_out = 300, 400
    layer = torch.nn.Linear(n_in, n_out)
    bound = initialisation.torch_linear_bound(n_in)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.98 * bound  # the whole interval is used
    w = layer.weight.detach().double().numpy()
    expected = initialisation.weight_variance("torch_default", n_in, n_out)
    assert w.var() == pytest.approx(expected, rel=0.03)
    ours = initialisation.init_weights(n_in, n_out, "torch_default", np.random.default_rng(0))
    assert np.abs(ours).max() <= bound and ours.var() == pytest.approx(w.var(), rel=0.03)


def test_lstm_default_bounds_and_no_forget_bias_are_torchs():
    torch.manual_seed(0)
    n_in, n_hidden = 20, 256
    lstm = torch.nn.LSTM(n_in, n_hidden)
    bound = initialisation.torch_lstm_bound(n_hidden)
    for name, p in lstm.named_parameters():
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound, name
        assert np.abs(values).max() > 0.95 * bound, name
    # PyTorch's gate order is input, forget, cell, output: the forget gate's bias is
    # the second quarter of bias_ih + bias_hh, centred on 0 (a sum of two uniforms).
    forget = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().double().numpy()[n_hidden : 2 * n_hidden]
    spread = np.sqrt(2 * bound**2 / 3 / n_hidden)  # standard error of the mean
    assert abs(forget.mean()) < 4 * spread


def test_truncated_bptt_is_torchs_detach_every_k_steps():
    # Chapter 9: recurrent.rnn_loss_and_gradients(..., truncate=k) is PyTorch's
    # h = h.detach() k steps before a loss read at the last step.
    from vanishing.core import recurrent

    rng = np.random.default_rng(40)
    params = recurrent.init_rnn(3, 5, 4, rng, scheme="uniform")
    xs = rng.standard_normal((9, 2, 3))
    labels = np.array([0, 3])
    k = 4
    _, grads = recurrent.rnn_loss_and_gradients(params, xs, labels, truncate=k)
    t = {
        n: torch.tensor(a, dtype=torch.float64, requires_grad=True)
        for n, a in zip(params.names(), params.arrays(), strict=True)
    }
    h = torch.zeros(2, 5, dtype=torch.float64)
    for step, x in enumerate(torch.tensor(xs), start=1):
        if step == xs.shape[0] - k + 1:
            h = h.detach()
        h = torch.tanh(h @ t["W_hh"].T + x @ t["W_xh"].T + t["b_h"])
    loss = F.cross_entropy(h @ t["W_hy"].T + t["b_y"], torch.tensor(labels))
    loss.backward()
    for name, exact in zip(params.names(), grads.parameter_arrays(), strict=True):
        np.testing.assert_allclose(exact, t[name].grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


def test_setting_the_forget_bias_in_torchs_two_bias_vectors():
    # Chapter 9's recipe: bias_ih_l0[H:2H] = b_f and bias_hh_l0[H:2H] = 0 gives every
    # forget gate the bias b_f; the library's LSTM on the summed biases is torch's LSTM.
    from vanishing.core import recurrent

    torch.manual_seed(1)
    n_in, H = 3, 6
    lstm = torch.nn.LSTM(n_in, H).double()
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = 2.0
        lstm.bias_hh_l0[H : 2 * H] = 0.0
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()
    params = recurrent.LSTMParams(
        W_x=lstm.weight_ih_l0.detach().numpy(),
        W_h=lstm.weight_hh_l0.detach().numpy(),
        b=b,
        W_hy=np.zeros((1, H)),
        b_y=np.zeros(1),
    )
    np.testing.assert_array_equal(params.forget_bias, 2.0)
    xs = np.random.default_rng(2).standard_normal((5, 2, n_in))
    out, _ = lstm(torch.tensor(xs))
    np.testing.assert_allclose(
        recurrent.lstm_forward(params, xs).hs[1:], out.detach().numpy(), rtol=1e-12, atol=1e-14
    )
