"""Diagnostics: per-layer measurements of a network, at initialisation or during training.

* :func:`profile`: the forward and backward statistics of a freshly
  initialised deep network, layer by layer (chapters 4, 6, 8 and 10);
* :func:`dead_fraction`: units whose input to the activation is ``<= 0`` for
  every example.  A ReLU unit in that state outputs 0 and receives no
  gradient: it is *dead* (chapter 6);
* :func:`per_layer_factor`: the typical factor by which one layer scales a
  signal (a gradient, a spread), the number every chapter reads off a
  depth profile;
* :func:`saturated_fraction`: how often a unit's slope ``f'`` is below a small
  fraction of the activation's largest slope (chapters 3, 4 and 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_generator, check_int, check_real
from .mlp import MLP

__all__ = ["InitProfile", "dead_fraction", "per_layer_factor", "profile", "saturated_fraction"]


@dataclass(frozen=True)
class InitProfile:
    """Per-layer statistics of one forward and backward pass at initialisation.

    Index ``l - 1`` is hidden layer ``l``; the linear output layer is left out.
    """

    layers: np.ndarray  #: 1..depth
    pre_std: np.ndarray  #: standard deviation of the pre-activations Z_l
    act_mean: np.ndarray  #: mean of the activations A_l
    act_std: np.ndarray  #: standard deviation of A_l
    delta_std: np.ndarray  #: standard deviation of dL/dZ_l (backward signal)
    grad_w_norm: np.ndarray  #: ||dL/dW_l||


def profile(
    activation,
    init: str,
    *,
    depth: int,
    width: int,
    rng: np.random.Generator,
    std: float | None = None,
    n_samples: int = 256,
    batch_norm: bool = False,
) -> InitProfile:
    """Statistics of a ``depth``-hidden-layer network of constant ``width`` at initialisation.

    Inputs are standard normal, ``(n_samples, width)``, and biases are 0.
    The backward pass starts from an error signal ``dL/dout`` that is standard
    normal noise, independent of the network's output (the targets of the
    squared loss are set to ``output - noise``), as the variance arguments of
    Glorot and Bengio (2010) and He et al. (2015) assume.  An error that
    contains the output itself (targets independent of it) correlates the
    backward signal with the forward one and biases its growth: for ReLU with
    He initialisation, 64 layers of width 256 then seem to amplify the
    gradient about 7-fold instead of about 1-fold.
    """
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    n_samples = check_int("n_samples", n_samples, low=2)
    rng = check_generator("rng", rng)
    net = MLP.initialise([width] * (depth + 2), activation, init, rng, std=std, batch_norm=batch_norm)
    X = rng.normal(size=(n_samples, width))
    noise = rng.normal(size=(n_samples, width))
    targets = net.forward(X, training=True) - noise  # so that dL/dout is proportional to noise
    s = net.loss_and_gradients(X, targets, "mse").stats
    hidden = slice(0, depth)
    return InitProfile(
        layers=np.arange(1, depth + 1),
        pre_std=s.pre_std[hidden],
        act_mean=s.act_mean[hidden],
        act_std=s.act_std[hidden],
        delta_std=s.delta_std[hidden],
        grad_w_norm=s.grad_w_norm[hidden],
    )


def dead_fraction(net: MLP, X) -> np.ndarray:
    """Per hidden layer, the fraction of units whose activation input is ``<= 0`` on every row of ``X``.

    For ReLU and ReLU6 such a unit outputs 0 for every input and passes back a
    gradient of exactly 0, so gradient descent on these inputs cannot revive
    it.  For Leaky ReLU, PReLU and ELU the same units still pass a reduced
    gradient; the measure then counts units that are *inactive*, not dead.
    """
    return np.array([np.mean(np.all(u <= 0, axis=0)) for u in net.hidden_inputs(X)])


def saturated_fraction(net: MLP, X, level: float = 0.01) -> np.ndarray:
    """Per hidden layer, the fraction of (example, unit) pairs whose slope ``|f'(u)|``
    is below ``level`` times the activation's largest slope (on ``[-20, 20]``).

    For the sigmoid (largest slope 1/4) the default flags ``|u| > 5.99``; for
    tanh (largest slope 1), ``|u| > 2.99``.  For ReLU it counts the inactive
    pairs, where the slope is exactly 0.
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True)
    threshold = level * net.activation.max_slope
    out = []
    for i, u in enumerate(net.hidden_inputs(X)):
        slope = np.abs(net._fprime(i, u))
        out.append(np.mean(slope < threshold))
    return np.array(out)


def per_layer_factor(start, end, layers: int) -> float:
    """The typical factor by which each of ``layers`` layers scales a signal that goes from ``start`` to ``end``.

    ``(end / start) ** (1 / layers)``, and for arrays (one entry per chain,
    example or seed) its geometric mean over the entries,
    ``exp(mean(log end - log start) / layers)``.  ``start`` and ``end`` must
    be positive and of the same shape.  Below 1 the signal shrinks layer by
    layer, above 1 it grows.
    """
    layers = check_int("layers", layers, low=1)
    a = np.asarray(as_float_array("start", start), dtype=np.float64)
    b = np.asarray(as_float_array("end", end), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"start and end must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0 or np.any(a <= 0) or np.any(b <= 0):
        raise ValueError("start and end must be non-empty and positive (a norm or a spread)")
    return float(np.exp(np.mean(np.log(b) - np.log(a)) / layers))
