"""Batch normalisation (Ioffe and Szegedy 2015): forward and exact backward pass.

For a batch of pre-activations ``Z`` of shape ``(batch, units)`` each unit is
standardised with the batch's own mean and variance, then rescaled:

    Ẑ = (Z - mean) / sqrt(var + eps),     out = gamma * Ẑ + beta.

The backward pass differentiates through the batch mean and variance too (a
unit's output depends on every example in the batch).  :class:`vanishing.core.mlp.MLP`
uses these functions when built with ``batch_norm=True``; chapters 6 and 12
show what they do to the per-layer statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_real

__all__ = [
    "BatchNormCache",
    "EPS",
    "batch_norm_backward",
    "batch_norm_forward",
]

#: Added to the variance before the square root, as in the paper and PyTorch.
EPS = 1e-5


@dataclass(frozen=True)
class BatchNormCache:
    """What the backward pass needs from the forward pass."""

    z_hat: np.ndarray  #: standardised input Ẑ
    inv_std: np.ndarray  #: 1 / sqrt(var + eps), shape (units,)
    gamma: np.ndarray  #: scale, shape (units,)
    mean: np.ndarray  #: batch mean, shape (units,)
    var: np.ndarray  #: batch variance (biased, divided by the batch size), shape (units,)


def batch_norm_forward(Z, gamma, beta, eps: float = EPS) -> tuple[np.ndarray, BatchNormCache]:
    """``(out, cache)`` for a batch ``Z`` of shape ``(batch, units)`` in training mode."""
    Z = np.asarray(as_float_array("Z", Z), dtype=np.float64)
    if Z.ndim != 2 or Z.shape[0] < 2:
        raise ValueError(f"Z must have shape (batch, units) with batch >= 2; got {Z.shape}")
    gamma = np.asarray(as_float_array("gamma", gamma), dtype=np.float64)
    beta = np.asarray(as_float_array("beta", beta), dtype=np.float64)
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != (Z.shape[1],):
            raise ValueError(f"{name} must have shape ({Z.shape[1]},); got {p.shape}")
    eps = check_real("eps", eps, low=0.0, low_open=True)
    mean = Z.mean(axis=0)
    var = Z.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    z_hat = (Z - mean) * inv_std
    return gamma * z_hat + beta, BatchNormCache(z_hat, inv_std, gamma, mean, var)


def batch_norm_backward(dout, cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dZ, dgamma, dbeta)`` from the gradient ``dout`` of the loss w.r.t. the output.

    With ``g = dout * gamma`` and ``m`` the batch size, the chain rule through
    the mean and the variance collapses to

        dZ = inv_std * (g - mean(g) - Ẑ * mean(g * Ẑ)),

    means taken over the batch.
    """
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != cache.z_hat.shape:
        raise ValueError(f"dout must have shape {cache.z_hat.shape}; got {dout.shape}")
    dgamma = np.sum(dout * cache.z_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    g = dout * cache.gamma
    dZ = cache.inv_std * (g - g.mean(axis=0) - cache.z_hat * np.mean(g * cache.z_hat, axis=0))
    return dZ, dgamma, dbeta
