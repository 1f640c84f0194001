"""A chain of single-neuron layers: the network of chapter 1, generalised.

Layer ``i`` (1-based, ``i = 1..n``) computes

    z_i = w_i * a_{i-1} + b_i,      a_i = f(z_i),      a_0 = x,

and the loss is the squared error ``L = (a_n - y)**2 / 2``.  The chain rule
gives, for every layer,

    dL/db_i = (a_n - y) * f'(z_i) * prod_{j>i} w_j f'(z_j)
    dL/dw_i = dL/db_i * a_{i-1}

so the gradient reaching layer ``i`` is the output error times a product of
*per-layer factors* ``w_j f'(z_j)``.  Chapters 1 and 3 study that product.

With ``residual=True`` every layer adds its input to its output,
``a_i = a_{i-1} + f(z_i)``, and the factor of layer ``i`` becomes
``1 + w_i f'(z_i)``: a product of such factors does not shrink when the
``w_i f'(z_i)`` are small (chapter 12).

Every function is vectorised over leading "batch" axes: ``weights`` of shape
``(..., n)`` describe many chains at once, and ``x``/``y`` broadcast against
``(...)``.  The forward pass loops over the ``n`` layers; the backward pass is
one reversed cumulative product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as _act
from ._checks import as_float_array, check_generator, check_int, check_real

__all__ = [
    "ChainGradients",
    "DepthProfile",
    "backward",
    "centred_chain",
    "depth_profile",
    "first_layer_gradients",
    "forward",
    "gradient_profile",
    "random_chains",
]


@dataclass(frozen=True)
class ChainGradients:
    """Everything one forward and backward pass through a chain produces.

    Arrays have shape ``(..., n)`` with layer ``i`` at index ``i - 1``, except
    ``loss``, which has shape ``(...)``.
    """

    z: np.ndarray  #: pre-activations z_i
    a: np.ndarray  #: activations a_i (a_n is the output)
    loss: np.ndarray  #: (a_n - y)^2 / 2
    grad_w: np.ndarray  #: dL/dw_i
    grad_b: np.ndarray  #: dL/db_i
    factors: np.ndarray  #: w_i f'(z_i) (plus 1 with residual=True), the factor layer i contributes
    dout_dz: np.ndarray  #: da_n/dz_i = f'(z_i) prod_{j>i} w_j f'(z_j), the gradient per unit output error


def _check_parameters(weights, biases):
    w = as_float_array("weights", weights)
    b = as_float_array("biases", biases)
    if w.ndim < 1 or w.shape[-1] < 1:
        raise ValueError("weights must have a last axis of length n >= 1 (one weight per layer)")
    if b.shape != w.shape:
        raise ValueError(f"biases must have the same shape as weights {w.shape}; got {b.shape}")
    return np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)


def forward(weights, biases, x, activation="sigmoid", *, residual=False) -> tuple[np.ndarray, np.ndarray]:
    """Pre-activations and activations ``(z, a)`` of every layer, shape ``(..., n)``."""
    w, b = _check_parameters(weights, biases)
    act = _act.get(activation)
    a_prev = np.broadcast_to(as_float_array("x", x).astype(np.float64), w.shape[:-1])
    # Layers along the first axis so that each step touches contiguous memory;
    # inputs were checked above, so the loop calls the unchecked kernel.
    wt, bt = np.moveaxis(w, -1, 0), np.moveaxis(b, -1, 0)
    z = np.empty(wt.shape)
    a = np.empty(wt.shape)
    for i in range(wt.shape[0]):
        z[i] = wt[i] * a_prev + bt[i]
        a[i] = act._kernel(z[i]) + (a_prev if residual else 0.0)
        a_prev = a[i]
    return np.moveaxis(z, 0, -1), np.moveaxis(a, 0, -1)


def backward(weights, biases, x, y, activation="sigmoid", *, residual=False) -> ChainGradients:
    """Forward pass, squared loss and the exact gradient of every parameter."""
    w, b = _check_parameters(weights, biases)
    act = _act.get(activation)
    if not isinstance(residual, (bool, np.bool_)):
        raise TypeError(f"residual must be True or False; got {residual!r}")
    x = np.broadcast_to(as_float_array("x", x).astype(np.float64), w.shape[:-1])
    y = np.broadcast_to(as_float_array("y", y).astype(np.float64), w.shape[:-1])
    z, a = forward(w, b, x, act, residual=residual)
    fprime = act._kernel_derivative(z)
    factors = w * fprime + (1.0 if residual else 0.0)
    error = a[..., -1] - y
    # downstream[..., i] = prod_{j > i} factors[..., j]  (empty product = 1)
    ones = np.ones(w.shape[:-1] + (1,))
    downstream = np.concatenate([np.cumprod(factors[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    dout_dz = downstream * fprime
    grad_b = error[..., None] * dout_dz
    inputs = np.concatenate([x[..., None], a[..., :-1]], axis=-1)
    return ChainGradients(
        z=z,
        a=a,
        loss=0.5 * error**2,
        grad_w=grad_b * inputs,
        grad_b=grad_b,
        factors=factors,
        dout_dz=dout_dz,
    )


def random_chains(n_layers, n_chains, rng, *, weight_std=1.0, bias_std=1.0):
    """Weights ~ N(0, weight_std^2) and biases ~ N(0, bias_std^2), shape ``(n_chains, n_layers)``."""
    n_layers = check_int("n_layers", n_layers, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    rng = check_generator("rng", rng)
    weight_std = check_real("weight_std", weight_std, low=0.0)
    bias_std = check_real("bias_std", bias_std, low=0.0)
    shape = (n_chains, n_layers)
    return rng.normal(0.0, weight_std, shape), rng.normal(0.0, bias_std, shape)


def centred_chain(n_layers, weight, *, x=1.0, activation="sigmoid"):
    """A chain whose biases keep every pre-activation at exactly 0.

    With ``b_1 = -w x`` and ``b_i = -w f(0)`` afterwards, each ``z_i = 0``,
    where the sigmoid's slope is largest, so each factor is ``w f'(0)``: the
    most favourable case for a gradient to survive (or to explode).
    Returns ``(weights, biases)`` of shape ``(n_layers,)``.
    """
    n_layers = check_int("n_layers", n_layers, low=1)
    weight = check_real("weight", weight)
    x = check_real("x", x)
    act = _act.get(activation)
    weights = np.full(n_layers, weight)
    biases = np.full(n_layers, -weight * float(act.forward(0.0)))
    biases[0] = -weight * x
    return weights, biases


def gradient_profile(grads: ChainGradients, quantiles=(0.1, 0.5, 0.9)) -> np.ndarray:
    """Quantiles over chains of ``|da_n/dz_i|``, the gradient per unit output error.

    ``dL/db_i`` is the output error times ``da_n/dz_i``; the error is common to
    every layer, so ``|da_n/dz_i|`` is what depth does to the gradient.
    Returns shape ``(len(quantiles), n)``.
    """
    q = np.asarray(quantiles, dtype=float)
    if q.ndim != 1 or np.any((q < 0) | (q > 1)):
        raise ValueError("quantiles must be a 1-D sequence of numbers in [0, 1]")
    mags = np.abs(grads.dout_dz).reshape(-1, grads.dout_dz.shape[-1])
    return np.quantile(mags, q, axis=0)


@dataclass(frozen=True)
class DepthProfile:
    """``|da_n/dz_i|`` per layer for a centred chain and for random chains (chapter 1)."""

    layers: np.ndarray  #: 1..n
    centred: np.ndarray  #: the centred chain with every weight = weight_scale
    quantiles: np.ndarray  #: (3, n): 10th, 50th, 90th percentile over random chains


def depth_profile(depth, weight_scale, rng, *, n_chains=200, activation="sigmoid") -> DepthProfile:
    """What the chapter-1 widget shows for one slider setting.

    The centred chain (:func:`centred_chain`) has every factor equal to
    ``weight_scale * f'(0)``, the best case.  The random chains draw weights
    from N(0, weight_scale^2) and biases from N(0, 1), with input x = 1.
    """
    depth = check_int("depth", depth, low=1)
    weight_scale = check_real("weight_scale", weight_scale, low=0.0, low_open=True)
    w, b = centred_chain(depth, weight_scale, activation=activation)
    centred = np.abs(backward(w, b, 1.0, 0.0, activation).dout_dz)
    rw, rb = random_chains(depth, n_chains, rng, weight_std=weight_scale)
    spread = gradient_profile(backward(rw, rb, 1.0, 0.0, activation))
    return DepthProfile(np.arange(1, depth + 1), centred, spread)


def first_layer_gradients(max_depth, n_chains, rng, *, weight_bound=1.0, activation="sigmoid") -> np.ndarray:
    """``|da_d/dz_1|`` for chains of every depth ``d = 1..max_depth`` (chapter 3).

    Weights ~ U(-weight_bound, weight_bound), biases ~ N(0, 1), input
    x ~ U(-1, 1).  A chain of depth ``d`` is the first ``d`` layers of a chain
    of depth ``max_depth``, so one forward pass serves every depth.  Returns
    shape ``(n_chains, max_depth)``; column ``d - 1`` is depth ``d``.  For the
    sigmoid with ``weight_bound <= 1`` every entry is at most ``0.25**d``.
    """
    max_depth = check_int("max_depth", max_depth, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    rng = check_generator("rng", rng)
    weight_bound = check_real("weight_bound", weight_bound, low=0.0)
    act = _act.get(activation)
    w = rng.uniform(-weight_bound, weight_bound, (n_chains, max_depth))
    b = rng.normal(0.0, 1.0, (n_chains, max_depth))
    x = rng.uniform(-1.0, 1.0, n_chains)
    z, _ = forward(w, b, x, act)
    fprime = act._kernel_derivative(z)
    later = np.concatenate([np.ones((n_chains, 1)), w[:, 1:] * fprime[:, 1:]], axis=1)
    return np.abs(fprime[:, :1] * np.cumprod(later, axis=1))
