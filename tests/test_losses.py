"""vanishing.core.losses: each loss and its gradient, against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from vanishing.core import losses


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _finite_differences(fn, y, h=1e-6):
    g = np.empty_like(y)
    for idx in np.ndindex(y.shape):
        keep = y[idx]
        y[idx] = keep + h
        up = fn(y)
        y[idx] = keep - h
        down = fn(y)
        y[idx] = keep
        g[idx] = (up - down) / (2 * h)
    return g


def test_cross_entropy_and_its_gradient_match_pytorch(torch):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(7, 4)) * 3
    labels = rng.integers(0, 4, 7)
    value, grad = losses.softmax_cross_entropy(y, labels)
    t = torch.tensor(y, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(labels))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_squared_error_and_its_gradient_match_pytorch(torch):
    rng = np.random.default_rng(1)
    y, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    value, grad = losses.squared_error(y, target)
    t = torch.tensor(y, requires_grad=True)
    ref = torch.nn.functional.mse_loss(t, torch.tensor(target))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_each_gradient_matches_finite_differences(loss):
    rng = np.random.default_rng(2)
    y = rng.normal(size=(6, 3))
    targets = rng.integers(0, 3, 6) if loss == "cross_entropy" else rng.normal(size=(6, 3))
    _, grad = losses.output_loss(loss, y, targets)
    numeric = _finite_differences(lambda v: losses.output_loss(loss, v, targets)[0], y)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_finite_for_huge_logits_without_overflow():
    y = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # exp may underflow to 0
        value, grad = losses.softmax_cross_entropy(y, np.array([1, 0]))
    assert value == pytest.approx((2e4 + 2e4 + np.log(2)) / 2)
    assert np.all(np.isfinite(grad))


def test_bad_targets_are_refused_with_the_allowed_form():
    y = np.zeros((2, 3))
    with pytest.raises(TypeError, match=r"integer labels of shape \(2,\)"):
        losses.softmax_cross_entropy(y, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"class labels in \[0, 2\]"):
        losses.softmax_cross_entropy(y, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"targets must have shape \(2, 3\)"):
        losses.squared_error(y, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="loss must be one of"):
        losses.output_loss("hinge", y, np.array([0, 1]))


def test_global_norm_is_the_norm_of_everything_together():
    arrays = [np.array([3.0]), np.array([[4.0, 0.0], [0.0, 12.0]])]
    assert losses.global_norm(arrays) == pytest.approx(13.0)
    assert losses.global_norm([]) == 0.0
