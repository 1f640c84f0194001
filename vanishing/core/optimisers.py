"""Optimisers: the update rules every training loop in the course uses.

Each optimiser holds its state (one array per parameter) and moves a list of
numpy arrays in place with ``step(params, grads)``:

* :class:`Momentum`: SGD with heavy-ball momentum, ``v <- momentum v + g``,
  ``p <- p - lr v`` (plain SGD when ``momentum=0``), the update of PyTorch's
  ``torch.optim.SGD`` with ``dampening=0``;
* :class:`Adam`: Kingma and Ba (2015), with bias-corrected moments.

Both are checked step for step against ``torch.optim`` in ``tests/test_optimisers.py``.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_real

__all__ = ["Adam", "Momentum"]


class Adam:
    """The Adam update (Kingma and Ba 2015) on a list of arrays, in place.

    ``step(params, grads)`` moves each array by
    ``lr * m_hat / (sqrt(v_hat) + eps)`` with the usual bias-corrected moments.
    """

    def __init__(self, params: list[np.ndarray], lr: float = 0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_real("lr", lr, low=0.0, low_open=True)
        self.beta1 = check_real("beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real("beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.eps = check_real("eps", eps, low=0.0, low_open=True)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


class Momentum:
    """SGD with (heavy-ball) momentum: ``v <- momentum v + g``, ``p <- p - lr v``."""

    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0):
        self.lr = check_real("lr", lr, low=0.0, low_open=True)
        self.momentum = check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for p, g, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v += g
            p -= self.lr * v
