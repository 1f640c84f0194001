"""Chapter 5: one neuron per layer against a wide layer, predicted and measured.

The mean-field maps of :mod:`vanishing.core.propagation` predict, layer by
layer, the variance of a wide random network's pre-activations, the
correlation of two inputs, and the mean squared gradient on the way back.
This module puts those predictions beside simulated networks, over seeds and
widths, in the records the chapter's figures and widgets draw:

* :func:`layer_profile`: predicted and simulated variance, correlation and
  gradient per layer for one activation, ``sigma_w``, ``sigma_b`` and depth
  (the chapter's widget);
* :func:`width_sweep`: the gradient's gain per layer from width 1 (a chain of
  single neurons) to a wide layer, one value per seed;
* :func:`phase_diagram`: ``chi_1`` over a grid of ``(sigma_w, sigma_b)`` and
  the edge of chaos, ``chi_1 = 1``, through it.

The networks are those of :func:`vanishing.core.propagation.simulate`:
weights ``N(0, sigma_w^2 / width)``, biases ``N(0, sigma_b^2)``, inputs whose
first-layer pre-activations have variance ``q0 = 1``.  Results are cached
(:func:`vanishing.core.cache.frozen_cache`), so a figure and the twin of its
widget share one computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import activations, propagation
from ..core._checks import check_int, check_real
from ..core.cache import frozen_cache

__all__ = [
    "ACTIVATIONS",
    "SEEDS",
    "LayerProfile",
    "PhaseDiagram",
    "WidthSweep",
    "edge_of_chaos",
    "layer_profile",
    "phase_diagram",
    "width_sweep",
]

#: The activations the chapter's widget offers.
ACTIVATIONS = ("tanh", "relu", "sigmoid")
#: Every random measurement in the chapter uses these five seeds.
SEEDS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class LayerProfile:
    """Predicted and simulated per-layer statistics of one kind of wide network (layer 1 first)."""

    activation: str
    sigma_w: float
    sigma_b: float
    width: int
    q_predicted: np.ndarray  #: (depth,) pre-activation variance from the length map
    c_predicted: np.ndarray  #: (depth,) correlation of two inputs from the correlation map
    grad_predicted: np.ndarray  #: (depth,) mean squared gradient, relative to the last layer
    run: propagation.WideRun  #: the simulated networks, one row per seed
    mean_field: propagation.MeanField | None  #: fixed points and gains (None if q* is unbounded)

    @property
    def grad_simulated(self) -> np.ndarray:
        """(seeds, depth): each seed's mean squared gradient relative to its last layer."""
        g = self.run.grad_sq
        return g / g[:, -1:]


def _check_scales(sigma_w, sigma_b) -> tuple[float, float]:
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True, high=20.0)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0, high=20.0)
    return sigma_w, sigma_b


@frozen_cache(maxsize=64)
def _mean_field_or_none(activation: str, sigma_w: float, sigma_b: float) -> propagation.MeanField | None:
    """:func:`vanishing.core.propagation.mean_field`, or None where the variance grows without bound.

    It does not depend on the depth, so moving the widget's depth slider reuses it
    (it is up to a tenth of a second of quadrature for tanh).
    """
    try:
        return propagation.mean_field(activation, sigma_w, sigma_b)
    except ValueError:  # the variance grows without bound: no fixed point
        return None


@frozen_cache(maxsize=256)
def layer_profile(
    activation: str = "tanh",
    sigma_w: float = 1.5,
    sigma_b: float = 0.3,
    depth: int = 30,
    *,
    width: int = 256,
    c0: float = 0.5,
    seeds: tuple = SEEDS,
) -> LayerProfile:
    """What a wide network does to the forward signal and the backward gradient, predicted and simulated.

    ``activation`` is a registry name; ``depth`` counts the layers whose
    pre-activations are measured (2 to 100).  Two inputs start with
    correlation ``c0``.  The predictions are the length, correlation and
    gradient trajectories of :mod:`vanishing.core.propagation`; the
    simulation runs one random network of ``width`` units per seed.
    """
    if activation not in activations.names():
        raise ValueError(f"activation must be one of {activations.names()}; got {activation!r}")
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    depth = check_int("depth", depth, low=2, high=100)
    width = check_int("width", width, low=1, high=2048)
    c0 = check_real("c0", c0, low=-1.0, high=1.0)
    q = propagation.length_trajectory(activation, 1.0, depth, sigma_w, sigma_b)
    mf = _mean_field_or_none(activation, sigma_w, sigma_b)
    return LayerProfile(
        activation=activation,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        width=width,
        q_predicted=q,
        c_predicted=propagation.correlation_trajectory(activation, 1.0, c0, depth, sigma_w, sigma_b),
        grad_predicted=propagation.gradient_trajectory(activation, 1.0, depth, sigma_w, sigma_b),
        run=propagation.simulate(activation, sigma_w, sigma_b, depth=depth, width=width, seeds=seeds, c0=c0),
        mean_field=mf,
    )


@dataclass(frozen=True)
class WidthSweep:
    """The gradient's gain per layer at each width, one value per seed."""

    activation: str
    sigma_w: float
    sigma_b: float
    depth: int
    widths: tuple
    gains: (
        np.ndarray
    )  #: (widths, seeds): geometric-mean gain per layer of the mean squared gradient (0 if it died)
    chi_1: float  #: the mean-field prediction for an infinitely wide layer

    def died(self) -> np.ndarray:
        """Per width, how many seeds' gradients reached exactly zero (every path through a unit that is off)."""
        return np.sum(self.gains == 0.0, axis=1)


@frozen_cache(maxsize=32)
def width_sweep(
    activation: str = "relu",
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    depth: int = 30,
    widths: tuple = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    seeds: tuple = tuple(range(10)),
) -> WidthSweep:
    """From a chain of single neurons (width 1) to a wide layer: the gradient's gain per layer.

    For each width, one random network per seed; the gain is
    ``(grad_sq[layer 1] / grad_sq[last layer]) ** (1 / (depth - 1))``, so a
    gain of 1 keeps the mean squared gradient's size and ``chi_1`` is what an
    infinitely wide layer would give.
    """
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    depth = check_int("depth", depth, low=2, high=100)
    widths = tuple(check_int("widths[i]", w, low=1, high=2048) for w in widths)
    if len(widths) < 2 or list(widths) != sorted(set(widths)):
        raise ValueError(f"widths must list at least two increasing widths; got {widths!r}")
    gains = np.array(
        [
            propagation.simulate(
                activation, sigma_w, sigma_b, depth=depth, width=w, seeds=seeds
            ).gradient_gain
            for w in widths
        ]
    )
    mf = propagation.mean_field(activation, sigma_w, sigma_b)
    return WidthSweep(activation, sigma_w, sigma_b, depth, widths, gains, mf.chi_1)


@frozen_cache(maxsize=32)
def edge_of_chaos(activation: str = "tanh", sigma_bs: tuple = tuple(np.linspace(0.0, 1.0, 21))) -> np.ndarray:
    """For each bias scale ``sigma_b``, the weight scale ``sigma_w`` at which ``chi_1 = 1``.

    Each root is :func:`vanishing.core.propagation.critical_weight_scale`.
    """
    sigma_bs = tuple(check_real("sigma_bs[i]", s, low=0.0, high=20.0) for s in sigma_bs)
    return np.array([propagation.critical_weight_scale(activation, sigma_b=s) for s in sigma_bs])


@dataclass(frozen=True)
class PhaseDiagram:
    """``chi_1`` and ``q*`` over a grid of weight and bias scales, and the edge of chaos through it."""

    activation: str
    sigma_ws: np.ndarray  #: (n_w,) weight scales (columns)
    sigma_bs: np.ndarray  #: (n_b,) bias scales (rows)
    chi_1: np.ndarray  #: (n_b, n_w)
    q_star: np.ndarray  #: (n_b, n_w)
    edge: np.ndarray  #: (n_b,) the sigma_w with chi_1 = 1 at each sigma_b

    def phase(self, sigma_w: float, sigma_b: float) -> str:
        """The phase at one point, computed afresh: ``"ordered"``, ``"chaotic"`` or ``"critical"``."""
        return propagation.mean_field(self.activation, sigma_w, sigma_b).phase


@frozen_cache(maxsize=8)
def phase_diagram(
    activation: str = "tanh",
    sigma_ws: tuple = tuple(np.round(np.linspace(0.5, 4.0, 36), 6)),
    sigma_bs: tuple = tuple(np.round(np.linspace(0.0, 1.0, 21), 6)),
) -> PhaseDiagram:
    """``chi_1(sigma_w, sigma_b)`` at the fixed point ``q*`` for an activation whose variance always settles.

    Raises ``ValueError`` for an activation whose variance grows without
    bound somewhere on the grid (ReLU above ``sigma_w = sqrt(2)``): its
    diagram has no ``q*`` there.
    """
    ws = np.array([check_real("sigma_ws[i]", s, low=0.0, low_open=True, high=20.0) for s in sigma_ws])
    bs = np.array([check_real("sigma_bs[i]", s, low=0.0, high=20.0) for s in sigma_bs])
    chi_1, q_star = np.empty((bs.size, ws.size)), np.empty((bs.size, ws.size))
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            q = propagation.fixed_point_length(activation, w, b)
            if not math.isfinite(q):
                raise ValueError(
                    f"the variance of {activation!r} grows without bound at sigma_w = {w:g}, sigma_b = {b:g}"
                )
            q_star[i, j] = q
            chi_1[i, j] = propagation.chi(activation, q, w)
    return PhaseDiagram(activation, ws, bs, chi_1, q_star, edge_of_chaos(activation, tuple(bs)))
