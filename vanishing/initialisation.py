"""Weight initialisation: the scale of each scheme, and what it does to a deep network.

A layer ``Z = A W`` with ``n_in`` inputs, independent zero-mean weights of
variance ``Var(w)`` and inputs of second moment ``E[a^2]`` gives each
pre-activation the variance ``n_in Var(w) E[a^2]``; backpropagation multiplies
the variance of ``dL/dA`` by ``n_out Var(w) E[f'(z)^2]`` per layer.  The
schemes choose ``Var(w)`` so that one of these gains is 1:

=================  ====================  ==========================================
scheme             Var(w)                source
=================  ====================  ==========================================
``lecun_normal``   1 / n_in              LeCun et al. (1998), used with SELU
``xavier_*``       2 / (n_in + n_out)    Glorot and Bengio (2010), for tanh
``he_*``           2 / n_in              He et al. (2015), for ReLU
``normal``         std^2, given          the "small random numbers" of old
=================  ====================  ==========================================

:func:`profile` measures the forward and backward statistics of a freshly
initialised deep network layer by layer (chapters 4, 5, 7 and 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_generator, check_int, check_real
from .mlp import INITIALISERS, MLP

__all__ = ["INITIALISERS", "InitProfile", "profile", "weight_variance"]


def weight_variance(scheme: str, n_in: int, n_out: int, *, std: float | None = None) -> float:
    """The variance of one weight under ``scheme`` (the formula, not a sample)."""
    n_in = check_int("n_in", n_in, low=1)
    n_out = check_int("n_out", n_out, low=1)
    if scheme not in INITIALISERS:
        raise ValueError(f"scheme must be one of {INITIALISERS}; got {scheme!r}")
    if (std is None) != (scheme != "normal"):
        raise ValueError("std must be given (a real number >= 0) exactly when scheme='normal'")
    if scheme == "normal":
        return check_real("std", std, low=0.0) ** 2
    if scheme.startswith("xavier"):
        return 2.0 / (n_in + n_out)
    if scheme.startswith("he"):
        return 2.0 / n_in
    return 1.0 / n_in  # lecun_normal


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

    Inputs are standard normal, ``(n_samples, width)``; the targets of the
    squared loss are standard normal too, so the backward signal starts with
    variance of order one and every change along the layers comes from the
    network.  Biases are 0.
    """
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    n_samples = check_int("n_samples", n_samples, low=2)
    rng = check_generator("rng", rng)
    net = MLP.initialise([width] * (depth + 2), activation, init, rng, std=std, batch_norm=batch_norm)
    X = rng.normal(size=(n_samples, width))
    targets = rng.normal(size=(n_samples, width))
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
