"""Batch and layer normalisation: forward and exact backward passes.

For pre-activations ``Z`` of shape ``(batch, units)`` both standardise, then rescale:

    Ẑ = (Z - mean) / sqrt(var + eps),     out = gamma * Ẑ + beta,

with ``gamma`` and ``beta`` one per unit.  They differ in what they average over:

* **batch normalisation** (Ioffe and Szegedy 2015) standardises each *unit*
  with the mean and variance over the batch (axis 0), so an example's output
  depends on the other examples in its batch, and evaluation needs running
  averages;
* **layer normalisation** (Ba, Kiros and Hinton 2016) standardises each
  *example* with the mean and variance over its layer's units (axis 1), so it
  works the same for a batch of one, in training and in evaluation, and at
  every time step of a recurrent network.

The backward passes differentiate through the mean and the variance too.
:class:`vanishing.core.mlp.MLP` uses these functions when built with
``batch_norm=True`` or ``layer_norm=True``; chapters 6 and 12 show what they
do to the per-layer statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _reduce
from ._checks import as_float_array, check_real

__all__ = [
    "BatchNormCache",
    "EPS",
    "LayerNormCache",
    "batch_norm_backward",
    "batch_norm_forward",
    "layer_norm_backward",
    "layer_norm_forward",
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


def _checked(Z, gamma, beta, eps, axis: int):
    """Z, gamma, beta as float64 and eps, each checked; ``axis`` is the one that needs >= 2 entries."""
    Z = np.asarray(as_float_array("Z", Z), dtype=np.float64)
    if Z.ndim != 2 or Z.shape[axis] < 2:
        need = "batch >= 2" if axis == 0 else "units >= 2"
        raise ValueError(f"Z must have shape (batch, units) with {need}; got {Z.shape}")
    gamma = np.asarray(as_float_array("gamma", gamma), dtype=np.float64)
    beta = np.asarray(as_float_array("beta", beta), dtype=np.float64)
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != (Z.shape[1],):
            raise ValueError(f"{name} must have shape ({Z.shape[1]},); got {p.shape}")
    return Z, gamma, beta, check_real("eps", eps, low=0.0, low_open=True)


def batch_norm_forward(Z, gamma, beta, eps: float = EPS) -> tuple[np.ndarray, BatchNormCache]:
    """``(out, cache)`` for a batch ``Z`` of shape ``(batch, units)`` in training mode."""
    Z, gamma, beta, eps = _checked(Z, gamma, beta, eps, axis=0)
    mean = _reduce.mean(Z, 0)
    var = _reduce.var(Z, 0)
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
    return _standardised_backward(dout, cache, axis=0)


def _standardised_backward(dout, cache, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dZ, dgamma, dbeta)`` for ``gamma * (Z - mean) * inv_std + beta``, the mean and
    variance taken over ``axis`` (0: batch normalisation, 1: layer normalisation)."""
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != cache.z_hat.shape:
        raise ValueError(f"dout must have shape {cache.z_hat.shape}; got {dout.shape}")
    dgamma = np.sum(dout * cache.z_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    g = dout * cache.gamma
    mean_g = _reduce.mean(g, axis, keepdims=True)
    mean_gz = _reduce.mean(g * cache.z_hat, axis, keepdims=True)
    return cache.inv_std * (g - mean_g - cache.z_hat * mean_gz), dgamma, dbeta


@dataclass(frozen=True)
class LayerNormCache:
    """What the backward pass of layer normalisation needs from its forward pass."""

    z_hat: np.ndarray  #: standardised input Ẑ
    inv_std: np.ndarray  #: 1 / sqrt(var + eps), one per example, shape (batch, 1)
    gamma: np.ndarray  #: scale, shape (units,)


def layer_norm_forward(Z, gamma, beta, eps: float = EPS) -> tuple[np.ndarray, LayerNormCache]:
    """``(out, cache)``: each row of ``Z`` (one example's units) standardised over its units.

    The mean and the (biased) variance are taken over axis 1, as PyTorch's
    ``nn.LayerNorm(units)`` does; training and evaluation are the same.
    """
    return _layer_norm_forward(*_checked(Z, gamma, beta, eps, axis=1))


def _layer_norm_forward(Z, gamma, beta, eps) -> tuple[np.ndarray, LayerNormCache]:
    """:func:`layer_norm_forward` of arguments already checked (a layer-normalised RNN
    calls it at every time step, on its own float64 arrays)."""
    mean = _reduce.mean(Z, 1, keepdims=True)
    inv_std = 1.0 / np.sqrt(_reduce.var(Z, 1, keepdims=True) + eps)
    z_hat = (Z - mean) * inv_std
    return gamma * z_hat + beta, LayerNormCache(z_hat, inv_std, gamma)


def layer_norm_backward(dout, cache: LayerNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dZ, dgamma, dbeta)``: batch normalisation's formula with the means over the units.

    With ``g = dout * gamma``, ``dZ = inv_std * (g - mean(g) - Ẑ * mean(g * Ẑ))``,
    means taken over axis 1 (each example's units).
    """
    return _standardised_backward(dout, cache, axis=1)
