"""The practitioner's diagnostics: per-layer report and update-to-data ratios.

Checked against PyTorch (the same numbers from hooks and ``retain_grad`` on the
same weights, the way a reader would take them from their own model), against
cases whose answer is known, and against the optimiser's own update.
"""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import diagnostics, mlp, optimisers, training


def _net(activation="tanh", seed=0, std=None, init="xavier_normal", sizes=(6, 16, 16, 16, 3)):
    rng = np.random.default_rng(seed)
    net = mlp.MLP.initialise(list(sizes), activation, init, rng, std=std)
    X = rng.normal(size=(32, sizes[0]))
    y = rng.integers(0, sizes[-1], 32)
    return net, X, y


def test_the_report_of_the_course_network_is_what_pytorch_hooks_give():
    torch = pytest.importorskip("torch")
    net, X, y = _net("tanh", seed=1)
    ours = diagnostics.network_report(net, X, y)
    h = torch.tensor(X)
    acts = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        z = h @ torch.tensor(w, requires_grad=True) + torch.tensor(b)
        if i == len(net.weights) - 1:
            h = z
            break
        h = torch.tanh(z)
        h.retain_grad()
        acts.append(h)
    torch.nn.functional.cross_entropy(h, torch.tensor(y)).backward()
    theirs = diagnostics.layer_report(
        [a.detach().numpy() for a in acts],
        [a.grad.numpy() for a in acts],
        slopes=[1 - a.detach().numpy() ** 2 for a in acts],
        max_slope=1.0,
    )
    np.testing.assert_allclose(ours.act_std, theirs.act_std, rtol=1e-12)
    np.testing.assert_allclose(ours.grad_std, theirs.grad_std, rtol=1e-10)
    np.testing.assert_allclose(ours.saturated, theirs.saturated)
    for a, b in zip(ours.gradients, theirs.gradients, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-15)


def test_saturation_and_dead_shares_on_networks_whose_answer_is_known():
    big, X, y = _net("tanh", init="normal", std=3.0)
    small, _, _ = _net("tanh", init="normal", std=0.01)
    assert diagnostics.network_report(big, X, y).saturated.min() > 0.5
    assert diagnostics.network_report(small, X, y).saturated.max() == 0.0
    relu, X, y = _net("relu", init="he_normal")
    relu.weights[0][:, 3] = 0.0
    relu.biases[0][3] = -1.0  # unit 3 of layer 1 never fires
    report = diagnostics.network_report(relu, X, y)
    assert report.dead[0] >= 1 / 16
    np.testing.assert_allclose(report.dead, diagnostics.dead_fraction(relu, X))


def test_a_plain_sgd_step_moves_each_matrix_by_lr_times_its_gradient():
    net, X, y = _net("relu", init="he_normal", seed=2)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    expected = np.array([0.05 * gw.std() / w.std() for gw, w in zip(g.weights, net.weights, strict=True)])
    opt = optimisers.Momentum(net.parameters(), lr=0.05)
    steps = training.train_epoch(
        net, X, y, optimiser=opt, rng=np.random.default_rng(0), batch_size=len(X), record_updates=True
    )
    assert steps.update_ratios.shape == (1, len(net.weights))
    np.testing.assert_allclose(steps.update_ratios[0], expected, rtol=1e-10)


def test_train_records_every_steps_ratio_only_when_asked():
    net, X, y = _net("tanh", seed=3)
    history = training.train(
        net, (X, y), epochs=2, lr=0.1, rng=np.random.default_rng(0), batch_size=8, record_updates=True
    )
    assert history.update_ratios.shape == (2 * 4, len(net.weights))
    assert np.all(history.update_ratios > 0)
    assert training.train(net, (X, y), epochs=1, lr=0.1, rng=np.random.default_rng(0)).update_ratios is None
    with pytest.raises(TypeError, match="record_updates"):
        training.train(net, (X, y), epochs=1, lr=0.1, rng=np.random.default_rng(0), record_updates="yes")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activations": [], "gradients": []}, TypeError, "non-empty list"),
        ({"activations": [np.ones((2, 3))], "gradients": [np.ones((2, 2))]}, ValueError, "same shapes"),
        (
            {"activations": [np.ones((2, 3))], "gradients": [np.ones((2, 3))], "slopes": [np.ones((2, 3))]},
            ValueError,
            "max_slope",
        ),
        (
            {"activations": [np.ones((2, 3))], "gradients": [np.ones((2, 3))], "weights": [np.ones((3, 3))]},
            ValueError,
            "together",
        ),
        ({"activations": [np.full((2, 3), np.nan)], "gradients": [np.ones((2, 3))]}, ValueError, "finite"),
    ],
)
def test_bad_input_is_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        diagnostics.layer_report(**kwargs)


@pytest.mark.parametrize(
    ("activation", "init", "norm"),
    [("relu", "he_normal", None), ("tanh", "xavier_normal", "batch"), ("selu", "lecun_normal", "layer")],
)
def test_profile_is_the_squared_loss_with_targets_output_minus_noise(activation, init, norm):
    """The profile's definition, with the targets from a separate forward pass."""
    depth, width, n = 4, 5, 7
    kw = dict(batch_norm=norm == "batch", layer_norm=norm == "layer")
    p = diagnostics.profile(
        activation, init, depth=depth, width=width, n_samples=n, rng=np.random.default_rng(2), **kw
    )
    rng = np.random.default_rng(2)
    net = mlp.MLP.initialise([width] * (depth + 2), activation, init, rng, **kw)
    X, noise = rng.normal(size=(n, width)), rng.normal(size=(n, width))
    s = net.loss_and_gradients(X, net.forward(X, training=True) - noise, "mse").stats
    for name in ("pre_std", "act_mean", "act_std", "delta_std", "grad_w_norm"):
        assert np.array_equal(getattr(p, name), getattr(s, name)[:depth])
