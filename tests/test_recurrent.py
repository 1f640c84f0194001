"""Recurrent networks: BPTT against finite differences and PyTorch, shapes, stability."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from vanishing.core import optimisers
from vanishing.core import recurrent as R
from vanishing.experiments import through_time

EPS = 1e-6


# -- helpers -------------------------------------------------------------------
def _problem(cell, seed=0, T=7, batch=3, n_in=4, n_hidden=5, n_out=3, **init):
    rng = np.random.default_rng(seed)
    if cell == "rnn":
        params = R.init_rnn(n_in, n_hidden, n_out, rng, **init)
    else:
        params = R.init_lstm(n_in, n_hidden, n_out, rng, **init)
    # Non-zero biases everywhere, so that every term of the backward pass is exercised.
    for a in params.arrays():
        if a.ndim == 1:
            a += rng.normal(0.0, 0.3, a.shape)
    xs = rng.standard_normal((T, batch, n_in))
    labels = rng.integers(0, n_out, batch)
    return params, xs, labels


def _loss(params, xs, labels, h0=None, c0=None, loss="cross_entropy"):
    if isinstance(params, R.RNNParams):
        return R.rnn_loss_and_gradients(params, xs, labels, loss=loss, h0=h0)[0]
    return R.lstm_loss_and_gradients(params, xs, labels, loss=loss, h0=h0, c0=c0)[0]


def _fd_parameters(params, fn):
    """Central differences of ``fn()`` for every entry of every parameter."""
    out = []
    for a in params.arrays():
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + EPS
            up = fn()
            a[idx] = old - EPS
            down = fn()
            a[idx] = old
            g[idx] = (up - down) / (2 * EPS)
        out.append(g)
    return out


def _loss_from_state(params, xs, labels, t, h, c=None):
    """The loss with the state after step t replaced by (h, c) and steps t+1..T rerun."""
    if t == xs.shape[0]:
        return R.readout_loss(params.W_hy, params.b_y, h, labels)[0]
    return _loss(params, xs[t:], labels, h0=h, c0=c)


def _fd_state(fn, state):
    g = np.zeros_like(state)
    for idx in np.ndindex(state.shape):
        s = state.copy()
        s[idx] += EPS
        up = fn(s)
        s[idx] -= 2 * EPS
        g[idx] = (up - fn(s)) / (2 * EPS)
    return g


# -- finite differences ---------------------------------------------------------
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_every_parameter_gradient_matches_finite_differences(cell, loss):
    params, xs, labels = _problem(cell, seed=1)
    if loss == "mse":
        labels = np.random.default_rng(2).standard_normal((xs.shape[1], params.n_out))
    h0 = np.random.default_rng(3).normal(0.0, 0.5, (xs.shape[1], params.n_hidden))
    if cell == "rnn":
        _, grads = R.rnn_loss_and_gradients(params, xs, labels, loss=loss, h0=h0)
    else:
        _, grads = R.lstm_loss_and_gradients(params, xs, labels, loss=loss, h0=h0, c0=-h0)
    numeric = _fd_parameters(
        params, lambda: _loss(params, xs, labels, h0, None if cell == "rnn" else -h0, loss)
    )
    for name, exact, approx in zip(params.names(), grads.parameter_arrays(), numeric, strict=True):
        assert exact.shape == getattr(params, name).shape
        np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-8, err_msg=name)


def test_every_rnn_hidden_state_gradient_matches_finite_differences():
    params, xs, labels = _problem("rnn", seed=4, recurrent_scale=1.3)
    cache = R.rnn_forward(params, xs)
    _, grads = R.rnn_loss_and_gradients(params, xs, labels)
    T = xs.shape[0]
    assert grads.dh.shape == (T + 1, xs.shape[1], params.n_hidden)
    for t in range(T + 1):
        numeric = _fd_state(lambda h, t=t: _loss_from_state(params, xs, labels, t, h), cache.hs[t])
        np.testing.assert_allclose(grads.dh[t], numeric, rtol=1e-6, atol=1e-9, err_msg=f"t={t}")


def test_every_lstm_hidden_and_cell_state_gradient_matches_finite_differences():
    params, xs, labels = _problem("lstm", seed=5, forget_bias=1.0)
    cache = R.lstm_forward(params, xs)
    _, grads = R.lstm_loss_and_gradients(params, xs, labels)
    T = xs.shape[0]
    for t in range(T + 1):
        h, c = cache.hs[t], cache.cs[t]
        num_h = _fd_state(lambda s, t=t, c=c: _loss_from_state(params, xs, labels, t, s, c), h)
        np.testing.assert_allclose(grads.dh[t], num_h, rtol=1e-6, atol=1e-9, err_msg=f"dh t={t}")
        if t < T:  # the readout sees h_T only, so dL/dc_T = 0 with h_T fixed
            num_c = _fd_state(lambda s, t=t, h=h: _loss_from_state(params, xs, labels, t, h, s), c)
            np.testing.assert_allclose(grads.dc[t], num_c, rtol=1e-6, atol=1e-9, err_msg=f"dc t={t}")
    assert np.all(grads.dc[T] == 0.0)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_loss_on_every_step_is_backpropagated_through_the_external_gradients(cell):
    """L = sum_t <a_t, h_t> (+ <b_t, c_t>): dh_ext = a and dc_ext = b."""
    params, xs, _ = _problem(cell, seed=6)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((xs.shape[0] + 1, xs.shape[1], params.n_hidden))
    b = rng.standard_normal(a.shape)
    if cell == "rnn":

        def loss():
            return float(np.sum(a * R.rnn_forward(params, xs).hs))

        grads = R.rnn_backward(params, R.rnn_forward(params, xs), a)
    else:

        def loss():
            cache = R.lstm_forward(params, xs)
            return float(np.sum(a * cache.hs) + np.sum(b * cache.cs))

        grads = R.lstm_backward(params, R.lstm_forward(params, xs), a, b)
    numeric = _fd_parameters(params, loss)
    for name, exact, approx in list(zip(params.names(), grads.parameter_arrays(), numeric, strict=True))[:3]:
        np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-8, err_msg=name)


# -- Jacobians through time -------------------------------------------------------
def test_rnn_jacobians_match_finite_differences_of_one_step():
    params, xs, _ = _problem("rnn", seed=8, T=4, batch=2)
    cache = R.rnn_forward(params, xs)
    J = R.rnn_jacobians(params, cache)
    assert J.shape == (4, 2, params.n_hidden, params.n_hidden)
    for t in range(1, 5):
        for b in range(2):
            numeric = np.empty((params.n_hidden, params.n_hidden))
            for j in range(params.n_hidden):
                e = np.zeros(params.n_hidden)
                e[j] = EPS
                up = R.rnn_forward(params, xs[t - 1 : t, b : b + 1], h0=(cache.hs[t - 1, b] + e)[None]).hs[
                    1, 0
                ]
                dn = R.rnn_forward(params, xs[t - 1 : t, b : b + 1], h0=(cache.hs[t - 1, b] - e)[None]).hs[
                    1, 0
                ]
                numeric[:, j] = (up - dn) / (2 * EPS)
            np.testing.assert_allclose(J[t - 1, b], numeric, rtol=1e-6, atol=1e-9)


def test_scalar_rnn_jacobian_product_is_the_product_of_w_times_tanh_slopes():
    """One unit: dh_T/dh_t = prod_{k>t} w (1 - h_k^2), computed here with a plain loop."""
    w, u, b = 1.7, 0.8, -0.2
    params = R.RNNParams(W_xh=[[u]], W_hh=[[w]], b_h=[b], W_hy=[[1.0]], b_y=[0.0])
    x = np.array([0.3, -1.0, 0.5, 2.0, -0.4, 0.1])
    h = [0.0]
    for xt in x:
        h.append(np.tanh(w * h[-1] + u * xt + b))
    expected = [
        np.prod([abs(w * (1 - h[k] ** 2)) for k in range(t + 1, len(x) + 1)]) for t in range(len(x) + 1)
    ]
    cache = R.rnn_forward(params, x[:, None, None])
    norms = R.jacobian_product_norms(R.rnn_jacobians(params, cache))
    np.testing.assert_allclose(norms[:, 0], expected, rtol=1e-12)


def test_jacobian_product_norms_equal_the_norm_of_the_explicit_product():
    params, xs, _ = _problem("rnn", seed=9, T=5, batch=2, recurrent_scale=1.4)
    J = R.rnn_jacobians(params, R.rnn_forward(params, xs))
    norms = R.jacobian_product_norms(J)
    for t in range(6):
        for b in range(2):
            P = np.eye(params.n_hidden)
            for k in range(5, t, -1):
                P = P @ J[k - 1, b]
            assert norms[t, b] == pytest.approx(np.linalg.norm(P, 2), rel=1e-12)


@pytest.mark.parametrize("scale", [0.5, 0.9, 1.0, 1.5, 3.0])
def test_pascanu_bound_holds_the_gradient_never_exceeds_lambda_to_the_power(scale):
    """|tanh'| <= 1, so ||dh_T/dh_t|| <= lambda_1^(T - t) (Pascanu et al. 2013, with gamma = 1)."""
    tt = through_time.gradient_through_time(scale, 40, n_hidden=12, batch=6, seed=1)
    assert np.all(tt.quantiles[2] <= tt.reference * (1 + 1e-9) + 1e-300)
    assert tt.quantiles.shape == (3, 41) and tt.reference[-1] == 1.0


def test_below_one_the_gradient_vanishes_geometrically():
    tt = through_time.gradient_through_time(0.5, 60, seed=2)
    assert tt.quantiles[1, 0] < 0.5**60


def test_random_orthogonal_has_every_singular_value_one():
    Q = R.random_orthogonal(9, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.svd(Q, compute_uv=False), np.ones(9), rtol=1e-12)
    W = R.init_rnn(3, 9, 2, np.random.default_rng(1), recurrent_scale=1.7).W_hh
    assert np.linalg.norm(W, 2) == pytest.approx(1.7, rel=1e-12)


def test_sum_outer_is_the_sum_of_outer_products_over_steps_and_batch():
    rng = np.random.default_rng(30)
    a, b = rng.standard_normal((4, 3, 5)), rng.standard_normal((4, 3, 2))
    expected = sum(np.outer(a[t, k], b[t, k]) for t in range(4) for k in range(3))
    np.testing.assert_allclose(R._sum_outer(a, b), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "widget", [through_time.gradient_through_time, through_time.lstm_cell_gradient_through_time]
)
def test_widget_functions_validate_the_seed(widget):
    with pytest.raises(ValueError, match="seed"):
        widget(1.0, 10, seed=-1)
    with pytest.raises(TypeError, match="seed"):
        widget(1.0, 10, seed=0.5)


# -- the LSTM's cell-state path -----------------------------------------------------
def test_cell_state_path_is_the_forget_gate_one_step_back():
    """With h_{t-1} fixed, dc_t/dc_{t-1} = diag(f_t): send back a unit gradient from c_t alone."""
    params, xs, _ = _problem("lstm", seed=10, T=5)
    cache = R.lstm_forward(params, xs)
    for t in range(1, 6):
        dc_ext = np.zeros_like(cache.cs)
        dc_ext[t] = 1.0
        # Cut every later path: only step t's own backward matters for dc[t - 1].
        g = R.lstm_backward(params, cache, np.zeros_like(cache.hs), dc_ext)
        np.testing.assert_allclose(g.dc[t - 1], cache.f[t - 1], rtol=1e-12)


def test_a_saturated_forget_gate_carries_the_gradient_unchanged():
    """Forget bias 40, input bias -40: c_t = c_{t-1} to rounding, and so is the gradient."""
    params = R.init_lstm(3, 4, 2, np.random.default_rng(11), forget_bias=40.0)
    params.b[:4] = -40.0
    xs = np.random.default_rng(12).standard_normal((30, 2, 3))
    c0 = np.random.default_rng(13).standard_normal((2, 4))
    cache = R.lstm_forward(params, xs, c0=c0)
    np.testing.assert_allclose(cache.cs[-1], c0, rtol=1e-12)
    dc_ext = np.zeros_like(cache.cs)
    dc_ext[-1] = 1.0
    g = R.lstm_backward(params, cache, np.zeros_like(cache.hs), dc_ext)
    np.testing.assert_allclose(g.dc[0], 1.0, rtol=1e-12)


def test_lstm_widget_numbers_grow_with_the_forget_bias():
    low = through_time.lstm_cell_gradient_through_time(0.0, 50, seed=3)
    high = through_time.lstm_cell_gradient_through_time(4.0, 50, seed=3)
    assert high.mean_gate > 0.95 > 0.55 > low.mean_gate
    assert high.reference[0] > 1e6 * low.reference[0]
    assert high.quantiles[1, 0] > low.quantiles[1, 0]
    assert low.reference[-1] == pytest.approx(1.0)


def test_init_lstm_sets_the_forget_bias_and_nothing_else():
    p = R.init_lstm(3, 5, 2, np.random.default_rng(0), forget_bias=1.5)
    assert np.all(p.forget_bias == 1.5)
    assert np.all(np.delete(p.b, np.arange(5, 10)) == 0.0)
    assert scipy.special.expit(1.0) == pytest.approx(0.7310585786, rel=1e-9)
    u = R.init_lstm(3, 16, 2, np.random.default_rng(0), scheme="uniform", forget_bias=0.0)
    assert np.abs(u.W_h).max() <= 0.25 and np.all(u.forget_bias == 0.0)


# -- shapes, errors and stability ------------------------------------------------------
def test_shape_errors_name_the_parameter():
    good = R.init_rnn(3, 4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="W_hh"):
        R.RNNParams(good.W_xh, np.zeros((4, 3)), good.b_h, good.W_hy, good.b_y)
    with pytest.raises(ValueError, match="W_xh"):
        R.RNNParams(np.zeros((5, 3)), good.W_hh, good.b_h, good.W_hy, good.b_y)
    with pytest.raises(ValueError, match="b_h"):
        R.RNNParams(good.W_xh, good.W_hh, np.zeros(5), good.W_hy, good.b_y)
    with pytest.raises(ValueError, match="W_hy"):
        R.RNNParams(good.W_xh, good.W_hh, good.b_h, np.zeros((2, 5)), good.b_y)
    with pytest.raises(ValueError, match="b_y"):
        R.RNNParams(good.W_xh, good.W_hh, good.b_h, good.W_hy, np.zeros(3))
    lstm = R.init_lstm(3, 4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="W_h "):
        R.LSTMParams(lstm.W_x, np.zeros((12, 4)), lstm.b, lstm.W_hy, lstm.b_y)
    with pytest.raises(ValueError, match="W_x"):
        R.LSTMParams(np.zeros((16, 3, 1)), lstm.W_h, lstm.b, lstm.W_hy, lstm.b_y)
    with pytest.raises(ValueError, match="b must"):
        R.LSTMParams(lstm.W_x, lstm.W_h, np.zeros(15), lstm.W_hy, lstm.b_y)
    with pytest.raises(ValueError, match="xs must have n_in = 3"):
        R.rnn_forward(good, np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"xs must have shape \(T, batch, n_in\)"):
        R.lstm_forward(lstm, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="h0"):
        R.rnn_forward(good, np.zeros((5, 2, 3)), h0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="c0"):
        R.lstm_forward(lstm, np.zeros((5, 2, 3)), c0=np.zeros((3, 4)))
    cache = R.rnn_forward(good, np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="dh_ext"):
        R.rnn_backward(good, cache, np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="targets"):
        R.rnn_loss_and_gradients(good, np.zeros((5, 2, 3)), np.array([0, 2]))
    with pytest.raises(TypeError, match="RNNParams"):
        R.rnn_forward(lstm, np.zeros((5, 2, 3)))


def test_bad_arguments_raise_clear_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="scheme"):
        R.init_rnn(2, 3, 1, rng, scheme="xavier")
    with pytest.raises(ValueError, match="recurrent_scale"):
        R.init_rnn(2, 3, 1, rng, recurrent_scale=-1.0)
    with pytest.raises(TypeError, match="rng"):
        R.init_lstm(2, 3, 1, 0)
    with pytest.raises(ValueError, match="cell"):
        through_time.train_recall("gru", 5, rng)
    with pytest.raises(ValueError, match="optimizer"):
        through_time.train_recall("rnn", 5, rng, optimizer="rmsprop")
    with pytest.raises(ValueError, match="loss"):
        R.readout_loss(np.zeros((2, 3)), np.zeros(2), np.zeros((1, 3)), [0], loss="hinge")
    with pytest.raises(ValueError, match="xs must contain only finite"):
        R.rnn_forward(R.init_rnn(2, 3, 1, rng), np.full((2, 1, 2), np.nan))


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_huge_inputs_and_weights_give_finite_results_without_warnings(cell):
    """RuntimeWarnings are errors in this test suite (pyproject), so an overflow would fail here."""
    params, xs, labels = _problem(cell, seed=14)
    for a in params.arrays():
        a *= 1e3
    xs = xs * 1e4
    value, grads = (R.rnn_loss_and_gradients if cell == "rnn" else R.lstm_loss_and_gradients)(
        params, xs, labels
    )
    assert np.isfinite(value)
    assert all(np.all(np.isfinite(g)) for g in grads.arrays())


# -- the recall task and training ---------------------------------------------------------
def test_recall_task_shows_the_label_first_and_blanks_or_distractors_after():
    xs, labels = through_time.recall_task(50, 6, np.random.default_rng(0))
    assert xs.shape == (6, 50, 4) and labels.shape == (50,)
    np.testing.assert_array_equal(np.argmax(xs[0], axis=1), labels)
    assert np.all(xs[1:] == 0.0)
    xs, labels = through_time.recall_task(50, 6, np.random.default_rng(0), n_distractors=3)
    assert xs.shape == (6, 50, 7)
    assert np.all(xs[1:].sum(axis=2) == 1.0) and np.all(xs[1:, :, :4] == 0.0)


def test_training_learns_a_short_recall_task_and_is_reproducible():
    a = through_time.train_recall("lstm", 4, np.random.default_rng(1), steps=150)
    b = through_time.train_recall("lstm", 4, np.random.default_rng(1), steps=150)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.loss[-10:].mean() < 0.1 * a.loss[:10].mean()
    assert a.test_accuracy == 1.0
    r = through_time.train_recall("rnn", 4, np.random.default_rng(2), steps=150)
    assert r.test_accuracy == 1.0


def test_clipping_bounds_the_step_but_records_the_norm_before_clipping():
    clipped = through_time.train_recall(
        "rnn", 20, np.random.default_rng(0), steps=60, clip_norm=0.5, recurrent_scale=1.5, scheme="orthogonal"
    )
    assert clipped.grad_norm.max() > 0.5  # recorded before clipping
    free = through_time.train_recall(
        "rnn",
        20,
        np.random.default_rng(0),
        steps=60,
        clip_norm=None,
        recurrent_scale=1.5,
        scheme="orthogonal",
    )
    # Identical until the first step whose gradient norm exceeds the threshold.
    first = int(np.argmax(clipped.grad_norm > 0.5))
    np.testing.assert_array_equal(clipped.loss[: first + 1], free.loss[: first + 1])


def test_adam_minimises_a_quadratic():
    x = np.array([3.0, -2.0])
    opt = optimisers.Adam([x], lr=0.1)
    for _ in range(500):
        opt.step([x], [2.0 * x])
    assert np.all(np.abs(x) < 1e-3)


# -- PyTorch autograd as an independent check (float64) ----------------------------------------
def _assert_matches_autograd(params, grads, t, hs):
    """Every parameter gradient and every dL/dh_k equal to PyTorch's (``t``: the leaf tensors by name)."""
    for name, exact in zip(params.names(), grads.parameter_arrays(), strict=True):
        np.testing.assert_allclose(exact, t[name].grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)
    for k, hk in enumerate(hs):
        np.testing.assert_allclose(grads.dh[k], hk.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=f"h_{k}")


def test_rnn_against_torch_autograd():
    torch = pytest.importorskip("torch")
    params, xs, labels = _problem("rnn", seed=20, recurrent_scale=1.2)
    _, grads = R.rnn_loss_and_gradients(params, xs, labels)
    t = {
        n: torch.tensor(a, dtype=torch.float64, requires_grad=True)
        for n, a in zip(params.names(), params.arrays(), strict=True)
    }
    h = torch.zeros(xs.shape[1], params.n_hidden, dtype=torch.float64, requires_grad=True)
    hs = [h]
    for x in torch.tensor(xs):
        h = torch.tanh(h @ t["W_hh"].T + x @ t["W_xh"].T + t["b_h"])
        h.retain_grad()
        hs.append(h)
    y = h @ t["W_hy"].T + t["b_y"]
    loss = torch.nn.functional.cross_entropy(y, torch.tensor(labels))
    loss.backward()
    _assert_matches_autograd(params, grads, t, hs)


def test_lstm_against_torch_nn_lstm_with_copied_weights():
    torch = pytest.importorskip("torch")
    params, xs, labels = _problem("lstm", seed=21, forget_bias=1.0)
    cache = R.lstm_forward(params, xs)
    _, grads = R.lstm_loss_and_gradients(params, xs, labels)
    lstm = torch.nn.LSTM(params.n_in, params.n_hidden).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(params.W_x))
        lstm.weight_hh_l0.copy_(torch.tensor(params.W_h))
        lstm.bias_ih_l0.copy_(torch.tensor(params.b))
        lstm.bias_hh_l0.zero_()
    W_hy = torch.tensor(params.W_hy, requires_grad=True)
    b_y = torch.tensor(params.b_y, requires_grad=True)
    out, (h_T, c_T) = lstm(torch.tensor(xs))
    np.testing.assert_allclose(out.detach().numpy(), cache.hs[1:], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_T[0].detach().numpy(), cache.cs[-1], rtol=1e-12, atol=1e-14)
    loss = torch.nn.functional.cross_entropy(out[-1] @ W_hy.T + b_y, torch.tensor(labels))
    loss.backward()
    torch_grads = {
        "W_x": lstm.weight_ih_l0.grad,
        "W_h": lstm.weight_hh_l0.grad,
        "b": lstm.bias_ih_l0.grad,
        "W_hy": W_hy.grad,
        "b_y": b_y.grad,
    }
    for name, exact in zip(params.names(), grads.parameter_arrays(), strict=True):
        np.testing.assert_allclose(exact, torch_grads[name].numpy(), rtol=1e-10, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(lstm.bias_hh_l0.grad.numpy(), grads.b, rtol=1e-10, atol=1e-13)


def test_lstm_state_gradients_against_torch_autograd():
    """dL/dh_t (c_t fixed) and dL/dc_t (h_t fixed): leaf tensors per step in a torch loop."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    params, xs, labels = _problem("lstm", seed=22, T=5)
    _, grads = R.lstm_loss_and_gradients(params, xs, labels)
    n = params.n_hidden
    W_x, W_h, b = (torch.tensor(a) for a in (params.W_x, params.W_h, params.b))
    h = torch.zeros(xs.shape[1], n, dtype=torch.float64)
    c = torch.zeros_like(h)
    leaves = []
    for x in torch.tensor(xs):
        # Detach and re-leaf the state: then h.grad is dL/dh_t with c_t fixed, and vice versa.
        h = h.detach().requires_grad_(True)
        c = c.detach().requires_grad_(True)
        leaves.append((h, c))
        z = x @ W_x.T + h @ W_h.T + b
        i, f, g, o = (
            torch.sigmoid(z[:, :n]),
            torch.sigmoid(z[:, n : 2 * n]),
            torch.tanh(z[:, 2 * n : 3 * n]),
            torch.sigmoid(z[:, 3 * n :]),
        )
        c = f * c + i * g
        h = o * torch.tanh(c)
    h = h.detach().requires_grad_(True)  # the final state is a leaf too
    c = c.detach().requires_grad_(True)
    loss = F.cross_entropy(h @ torch.tensor(params.W_hy).T + torch.tensor(params.b_y), torch.tensor(labels))
    # Chain the per-step leaves by hand: backpropagate step by step from the end.
    dh, dc = torch.autograd.grad(loss, [h, c], allow_unused=True)
    dc = torch.zeros_like(h) if dc is None else dc
    for t in range(len(leaves), 0, -1):
        np.testing.assert_allclose(grads.dh[t], dh.numpy(), rtol=1e-10, atol=1e-13, err_msg=f"dh t={t}")
        np.testing.assert_allclose(grads.dc[t], dc.numpy(), rtol=1e-10, atol=1e-13, err_msg=f"dc t={t}")
        h_prev, c_prev = leaves[t - 1]
        x = torch.tensor(xs[t - 1])
        z = x @ W_x.T + h_prev @ W_h.T + b
        i, f, g, o = (
            torch.sigmoid(z[:, :n]),
            torch.sigmoid(z[:, n : 2 * n]),
            torch.tanh(z[:, 2 * n : 3 * n]),
            torch.sigmoid(z[:, 3 * n :]),
        )
        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        dh, dc = torch.autograd.grad([h_new, c_new], [h_prev, c_prev], grad_outputs=[dh, dc])
    np.testing.assert_allclose(grads.dh[0], dh.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(grads.dc[0], dc.numpy(), rtol=1e-10, atol=1e-13)


# -- Truncated BPTT (chapter 9) ------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 3, 6])
def test_truncated_bptt_equals_full_bptt_on_the_last_k_steps_from_a_constant_state(k):
    params, xs, labels = _problem("rnn", seed=30, T=7, recurrent_scale=1.3)
    T = xs.shape[0]
    _, trunc = R.rnn_loss_and_gradients(params, xs, labels, truncate=k)
    h_start = R.rnn_forward(params, xs).hs[T - k]
    _, tail = R.rnn_loss_and_gradients(params, xs[T - k :], labels, h0=h_start)
    for name, a, b in zip(params.names(), trunc.parameter_arrays(), tail.parameter_arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=name)
    np.testing.assert_allclose(trunc.dh[T - k :], tail.dh, rtol=1e-12, atol=1e-15)
    assert np.all(trunc.dh[: T - k] == 0.0)  # exactly nothing beyond k steps


def test_truncated_bptt_with_k_at_least_T_is_full_bptt_and_with_k_below_T_differs():
    params, xs, labels = _problem("rnn", seed=31, T=6)
    _, full = R.rnn_loss_and_gradients(params, xs, labels)
    for k in (6, 9):
        _, same = R.rnn_loss_and_gradients(params, xs, labels, truncate=k)
        for a, b in zip(full.arrays(), same.arrays(), strict=True):
            np.testing.assert_array_equal(a, b)
    _, short = R.rnn_loss_and_gradients(params, xs, labels, truncate=2)
    assert not np.allclose(short.W_hh, full.W_hh)


def test_truncated_bptt_sends_each_injected_gradient_back_k_steps():
    # A gradient injected at every step: BPTT(k) is the sum, over injection steps s,
    # of full BPTT on steps s-k+1..s started from the constant state h_{s-k}.
    params, xs, _ = _problem("rnn", seed=32, T=6)
    T, k = xs.shape[0], 2
    cache = R.rnn_forward(params, xs)
    ext = np.random.default_rng(5).standard_normal(cache.hs.shape)
    got = R.rnn_backward(params, cache, ext, truncate=k)
    want = [np.zeros_like(a) for a in got.arrays()[:3]]
    for s in range(1, T + 1):
        lo = max(s - k, 0)
        sub = R.rnn_forward(params, xs[lo:s], h0=cache.hs[lo])
        e = np.zeros_like(sub.hs)
        e[-1] = ext[s]
        g = R.rnn_backward(params, sub, e)
        for w, a in zip(want, g.arrays()[:3], strict=True):
            w += a
    for name, w, a in zip(("W_xh", "W_hh", "b_h"), want, got.arrays()[:3], strict=True):
        np.testing.assert_allclose(a, w, rtol=1e-12, atol=1e-14, err_msg=name)


def test_truncated_bptt_gives_the_recall_tasks_input_weights_no_gradient():
    # The symbol arrives at step 1 only: with k < T no gradient reaches W_xh at all.
    from vanishing.experiments import through_time

    xs, labels = through_time.recall_task(8, 10, np.random.default_rng(0))
    params = R.init_rnn(4, 6, 4, np.random.default_rng(1))
    _, full = R.rnn_loss_and_gradients(params, xs, labels)
    _, cut = R.rnn_loss_and_gradients(params, xs, labels, truncate=9)
    assert np.abs(full.W_xh).max() > 0 and np.all(cut.W_xh == 0.0)


def test_truncate_must_be_a_positive_integer():
    params, xs, labels = _problem("rnn")
    for bad in (0, -1):
        with pytest.raises(ValueError, match="truncate"):
            R.rnn_loss_and_gradients(params, xs, labels, truncate=bad)
    with pytest.raises(TypeError, match="truncate"):
        R.rnn_loss_and_gradients(params, xs, labels, truncate=2.5)


# -- Layer normalisation on the tanh RNN (chapter 9) ---------------------------------------------
def _ln_problem(seed=50, **init):
    params, xs, labels = _problem("rnn", seed=seed, layer_norm=True, **init)
    rng = np.random.default_rng(seed + 1)
    params.ln_gain[:] = rng.uniform(0.5, 1.5, params.n_hidden)  # not the trivial gain 1 and bias 0
    params.ln_bias[:] = rng.normal(0.0, 0.3, params.n_hidden)
    return params, xs, labels


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_layer_norm_rnn_parameter_gradients_match_finite_differences(loss):
    params, xs, labels = _ln_problem(recurrent_scale=1.3)
    assert isinstance(params, R.LNRNNParams) and params.names()[-2:] == ["ln_gain", "ln_bias"]
    if loss == "mse":
        labels = np.random.default_rng(2).standard_normal((xs.shape[1], params.n_out))
    h0 = np.random.default_rng(3).normal(0.0, 0.5, (xs.shape[1], params.n_hidden))
    _, grads = R.rnn_loss_and_gradients(params, xs, labels, loss=loss, h0=h0)
    assert isinstance(grads, R.LNRNNGradients)
    numeric = _fd_parameters(params, lambda: _loss(params, xs, labels, h0, None, loss))
    for name, exact, approx in zip(params.names(), grads.parameter_arrays(), numeric, strict=True):
        assert exact.shape == getattr(params, name).shape
        np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-8, err_msg=name)


def test_layer_norm_rnn_hidden_state_gradients_match_finite_differences():
    params, xs, labels = _ln_problem(seed=51)
    cache = R.rnn_forward(params, xs)
    _, grads = R.rnn_loss_and_gradients(params, xs, labels)
    for t in range(xs.shape[0] + 1):
        numeric = _fd_state(lambda h, t=t: _loss_from_state(params, xs, labels, t, h), cache.hs[t])
        np.testing.assert_allclose(grads.dh[t], numeric, rtol=1e-6, atol=1e-9, err_msg=f"t={t}")


def test_layer_norm_rnn_jacobians_reproduce_the_backward_pass():
    params, xs, labels = _ln_problem(seed=52)
    cache = R.rnn_forward(params, xs)
    _, grads = R.rnn_loss_and_gradients(params, xs, labels)
    J = R.rnn_jacobians(params, cache)
    for t in range(xs.shape[0], 0, -1):  # dL/dh_{t-1} = J_t^T dL/dh_t when no loss enters at t-1
        back = np.einsum("bij,bi->bj", J[t - 1], grads.dh[t])
        np.testing.assert_allclose(back, grads.dh[t - 1], rtol=1e-10, atol=1e-13)


def test_layer_norm_rnn_standardises_each_pre_activation_and_truncates_like_the_plain_rnn():
    params, xs, labels = _problem("rnn", seed=53, layer_norm=True)
    plain = R.init_rnn(4, 5, 3, np.random.default_rng(53))
    again = R.init_rnn(4, 5, 3, np.random.default_rng(53), layer_norm=True)
    for a, b in zip(plain.arrays(), again.arrays()[:5], strict=True):  # same weights, same draws
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.ln_gain, 1.0)
    np.testing.assert_array_equal(again.ln_bias, 0.0)
    cache = R.rnn_forward(again, xs)
    z = np.arctanh(cache.hs[1:])  # gain 1, bias 0: each row has mean 0 and variance ~1
    np.testing.assert_allclose(z.mean(axis=-1), 0.0, atol=1e-9)
    np.testing.assert_allclose(z.var(axis=-1), 1.0, rtol=1e-3)
    k, T = 3, xs.shape[0]
    _, cut = R.rnn_loss_and_gradients(params, xs, labels, truncate=k)
    _, tail = R.rnn_loss_and_gradients(params, xs[T - k :], labels, h0=R.rnn_forward(params, xs).hs[T - k])
    for name, a, b in zip(params.names(), cut.parameter_arrays(), tail.parameter_arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=name)


def test_layer_norm_rnn_bad_arguments():
    with pytest.raises(TypeError, match="layer_norm"):
        R.init_rnn(2, 3, 2, np.random.default_rng(0), layer_norm=1)
    p = R.init_rnn(2, 3, 2, np.random.default_rng(0), layer_norm=True)
    with pytest.raises(ValueError, match="ln_gain"):
        R.LNRNNParams(p.W_xh, p.W_hh, p.b_h, p.W_hy, p.b_y, ln_gain=np.ones(4))
    with pytest.raises(ValueError, match="n_hidden >= 2"):  # one unit has no spread to normalise
        R.init_rnn(2, 1, 2, np.random.default_rng(0), layer_norm=True)
    plain_cache = R.rnn_forward(R.init_rnn(2, 3, 2, np.random.default_rng(0)), np.zeros((2, 1, 2)))
    with pytest.raises(ValueError, match="cache"):
        R.rnn_backward(p, plain_cache, np.zeros((3, 1, 3)))


def test_layer_norm_rnn_against_torch_autograd():
    torch = pytest.importorskip("torch")
    params, xs, labels = _ln_problem(seed=54, recurrent_scale=1.2)
    _, grads = R.rnn_loss_and_gradients(params, xs, labels)
    t = {
        n: torch.tensor(a, dtype=torch.float64, requires_grad=True)
        for n, a in zip(params.names(), params.arrays(), strict=True)
    }
    h = torch.zeros(xs.shape[1], params.n_hidden, dtype=torch.float64, requires_grad=True)
    hs = [h]
    for x in torch.tensor(xs):
        a = h @ t["W_hh"].T + x @ t["W_xh"].T + t["b_h"]
        h = torch.tanh(
            torch.nn.functional.layer_norm(a, (params.n_hidden,), t["ln_gain"], t["ln_bias"], eps=1e-5)
        )
        h.retain_grad()
        hs.append(h)
    loss = torch.nn.functional.cross_entropy(h @ t["W_hy"].T + t["b_y"], torch.tensor(labels))
    loss.backward()
    _assert_matches_autograd(params, grads, t, hs)


# -- Training the layer-normalised RNN on the recall task (chapter 9) ----------------------------
def test_train_recall_with_layer_norm_takes_exact_gradient_steps_on_every_parameter():
    """One step of SGD without momentum or clipping is ``p - lr * grad`` for all seven parameters,
    the gradient being the layer-norm BPTT gradient, itself checked here by finite differences."""
    T, lr = 6, 0.05
    trained = through_time.train_recall(
        "rnn", T, np.random.default_rng(4), steps=1, lr=lr, momentum=0.0, clip_norm=None, layer_norm=True
    )
    assert isinstance(trained.params, R.LNRNNParams)
    # Replay the same draws: the initial network, then the one training batch.
    rng = np.random.default_rng(4)
    start = R.init_rnn(4, 16, 4, rng, scheme="uniform", layer_norm=True)
    xs, labels = through_time.recall_task(32, T, rng)
    value, grads = R.rnn_loss_and_gradients(start, xs, labels)
    assert trained.loss[0] == pytest.approx(value, rel=1e-12)
    for name, p0, g, p1 in zip(
        start.names(), start.arrays(), grads.parameter_arrays(), trained.params.arrays(), strict=True
    ):
        np.testing.assert_allclose(p1, p0 - lr * g, rtol=1e-12, atol=1e-14, err_msg=name)
    # The gain and bias of layer norm really move (their gradients are not zero) ...
    assert np.abs(grads.ln_gain).max() > 1e-4 and np.abs(grads.ln_bias).max() > 1e-4
    # ... and their gradients on the recall batch match central differences.
    for name in ("ln_gain", "ln_bias"):
        a = getattr(start, name)
        numeric = np.empty_like(a)
        for i in range(a.size):
            old = a[i]
            a[i] = old + EPS
            up = R.rnn_loss_and_gradients(start, xs, labels)[0]
            a[i] = old - EPS
            down = R.rnn_loss_and_gradients(start, xs, labels)[0]
            a[i] = old
            numeric[i] = (up - down) / (2 * EPS)
        np.testing.assert_allclose(getattr(grads, name), numeric, rtol=1e-6, atol=1e-9, err_msg=name)


def test_train_recall_layer_norm_false_is_the_plain_rnn_and_true_differs():
    plain = through_time.train_recall("rnn", 5, np.random.default_rng(3), steps=20)
    same = through_time.train_recall("rnn", 5, np.random.default_rng(3), steps=20, layer_norm=False)
    ln = through_time.train_recall("rnn", 5, np.random.default_rng(3), steps=20, layer_norm=True)
    np.testing.assert_array_equal(plain.loss, same.loss)
    assert type(plain.params) is R.RNNParams and isinstance(ln.params, R.LNRNNParams)
    # The same weights, drawn in the same order, but layer norm changes the states and so the loss.
    assert ln.loss[0] != plain.loss[0]
    start = R.init_rnn(4, 16, 4, np.random.default_rng(3), scheme="uniform")
    ln_start = R.init_rnn(4, 16, 4, np.random.default_rng(3), scheme="uniform", layer_norm=True)
    np.testing.assert_array_equal(start.W_hh, ln_start.W_hh)


def test_layer_norm_rnn_learns_a_short_recall_task():
    r = through_time.train_recall("rnn", 4, np.random.default_rng(2), steps=150, layer_norm=True)
    assert r.loss[-10:].mean() < 0.1 * r.loss[:10].mean()
    assert r.test_accuracy == 1.0


def test_train_recall_layer_norm_is_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="layer_norm"):
        through_time.train_recall("rnn", 5, rng, layer_norm="yes")
    with pytest.raises(ValueError, match="layer_norm"):
        through_time.train_recall("lstm", 5, rng, layer_norm=True)
