"""vanishing.core.optimisers: the update rules, step for step against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import optimisers


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _run_both(torch, ours, theirs, steps=25, seed=0):
    """Apply the same gradients (a fixed quadratic's, plus noise) to both; return the parameters."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt, topt = ours(params), theirs(tensors)
    for _ in range(steps):
        grads = [2.0 * p + 0.1 * rng.normal(size=p.shape) for p in params]
        opt.step(params, grads)
        for t, g in zip(tensors, grads, strict=True):
            t.grad = torch.tensor(g)
        topt.step()
    return params, [t.detach().numpy() for t in tensors]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_momentum_matches_torch_sgd(torch, momentum):
    ours, theirs = _run_both(
        torch,
        lambda p: optimisers.Momentum(p, lr=0.05, momentum=momentum),
        lambda t: torch.optim.SGD(t, lr=0.05, momentum=momentum),
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_adam_matches_torch_adam(torch):
    ours, theirs = _run_both(
        torch,
        lambda p: optimisers.Adam(p, lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8),
        lambda t: torch.optim.Adam(t, lr=0.01, betas=(0.8, 0.99), eps=1e-8),
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_adam_moves_each_parameter_by_about_lr_whatever_the_gradient_scale():
    # the first step is lr * g / (|g| + eps): the size of g cancels unless |g| ~ eps
    for scale in (1e-4, 1.0, 1e8):
        p = [np.zeros(3)]
        optimisers.Adam(p, lr=0.01).step(p, [np.array([scale, -scale, 2 * scale])])
        np.testing.assert_allclose(np.abs(p[0]), 0.01, rtol=1e-3)
        np.testing.assert_array_equal(np.sign(p[0]), [-1.0, 1.0, -1.0])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: optimisers.Momentum(p, lr=0.0), "lr"),
        (lambda p: optimisers.Momentum(p, lr=0.1, momentum=1.0), "momentum"),
        (lambda p: optimisers.Adam(p, lr=-1.0), "lr"),
        (lambda p: optimisers.Adam(p, beta1=1.0), "beta1"),
        (lambda p: optimisers.Adam(p, eps=0.0), "eps"),
    ],
)
def test_bad_settings_are_refused_by_name(build, message):
    with pytest.raises(ValueError, match=message):
        build([np.zeros(2)])
