"""Signal propagation through wide random networks: the mean-field picture.

A chain of single neurons multiplies the gradient by one factor ``w f'(z)``
per layer.  A wide layer multiplies it by a matrix, and what survives many
layers is that matrix's *average* gain.  Take a fully connected network of
width ``N`` with weights ``W_ij ~ N(0, sigma_w^2 / N)`` and biases
``b_i ~ N(0, sigma_b^2)``, and write ``h^l`` for the pre-activations of
layer ``l``.  As ``N`` grows, each ``h^l_i`` becomes Gaussian and four
numbers describe how signals travel (Poole et al. 2016; Schoenholz et al.
2017):

* the **length map**: the pre-activation variance ``q_l = E[(h^l_i)^2]`` obeys
  ``q_{l+1} = sigma_w^2 E[f(sqrt(q_l) z)^2] + sigma_b^2`` with ``z ~ N(0, 1)``
  (:func:`length_map`), which settles at a fixed point ``q*``
  (:func:`fixed_point_length`);
* the **correlation map**: two inputs whose pre-activations have correlation
  ``c`` at layer ``l`` have, at layer ``l + 1``, correlation
  ``(sigma_w^2 E[f(u_1) f(u_2)] + sigma_b^2) / q*`` with ``(u_1, u_2)``
  Gaussian of variance ``q*`` and correlation ``c`` (:func:`correlation_map`);
  ``c = 1`` is always a fixed point;
* **chi_1** ``= sigma_w^2 E[f'(sqrt(q*) z)^2]`` (:func:`chi`): the slope of the
  correlation map at ``c = 1``, and also the factor by which one layer
  multiplies the mean squared gradient ``E[(dL/dh^l_i)^2]`` on its way back.
  ``chi_1 < 1``: the *ordered* phase, where gradients vanish and, when the
  variance settles at ``q* > 0``, nearby inputs merge; ``chi_1 > 1``: the
  *chaotic* phase, where gradients explode and nearby inputs are torn apart;
  ``chi_1 = 1``: the *edge of chaos*.  (With ``q* = 0``, which zero biases and
  ``f(0) = 0`` give below the critical scale, the gradient still shrinks by
  ``chi_1`` per layer, but the whole signal fades and correlations are carried
  unchanged.  The ReLU's correlation map does not depend on ``sigma_w`` at
  all; only its gradient half has phases);
* the **depth scales** (Schoenholz et al. 2017): ``xi_q`` for the length to
  reach ``q*``, ``xi_c = -1 / log chi_c`` for correlations to reach their fixed
  point ``c*`` (``chi_c`` is the correlation map's slope there), and
  ``1 / |log chi_1|`` layers for the gradient's mean square to change by a
  factor ``e``.

* the **critical weight scale** (:func:`critical_weight_scale`): for a given
  ``sigma_b``, the ``sigma_w`` at which ``chi_1 = 1``, the edge of chaos
  (:func:`wide_gain` gives ``(q*, chi_1)`` at one scale, and ``(inf, nan)``
  instead of raising where the variance grows without bound).

For ReLU, ``E[f'(z)^2] = 1/2`` whatever the scale, so ``chi_1 = sigma_w^2 / 2``
and He et al.'s (2015) ``sigma_w^2 = 2`` puts it at 1.

Every expectation here is computed by quadrature, not sampling: piecewise
Gauss-Legendre rules on ``z`` in ``[-10, 10]`` (the Gaussian weight outside is
below ``1e-22``), with the pieces cut at the activation's kinks so that the
integrand is smooth on each (:func:`gaussian_expectation`); the correlation
map nests the same rule in two variables, cutting the inner integral where
``u_2`` crosses a kink.  :func:`simulate` runs wide random networks, so the
predictions can be checked (``tests/test_propagation.py``).

``activation`` is a registry name, an :class:`~vanishing.core.activations.Activation`,
or anything with an ``activation`` attribute holding one (a reader's activation
from :func:`vanishing.experiments.own_activation.parse_activation`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from . import activations as _act
from ._checks import check_int, check_real

__all__ = [
    "SIGMA_W_BOUNDS",
    "STANDARD_NORMALS",
    "Z_MAX",
    "MeanField",
    "StandardNormals",
    "WideRun",
    "as_activation",
    "chi",
    "correlation_map",
    "correlation_trajectory",
    "critical_weight_scale",
    "fixed_point_correlation",
    "fixed_point_length",
    "gaussian_expectation",
    "gradient_trajectory",
    "length_map",
    "length_map_slope",
    "length_trajectory",
    "mean_field",
    "search_critical_weight_scale",
    "simulate",
    "wide_gain",
]

#: Integrals over ``z ~ N(0, 1)`` are taken on ``[-Z_MAX, Z_MAX]``.
Z_MAX = 10.0
_CUTS = (-10.0, -7.0, -5.0, -3.5, -2.5, -1.5, -0.75, 0.0, 0.75, 1.5, 2.5, 3.5, 5.0, 7.0, 10.0)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: A variance of 0 is evaluated as this one, so that a gain at q = 0 is its limit
#: q -> 0+ (for the ReLU, the average of the slopes on both sides of the kink).
_Q_FLOOR = 1e-300


def as_activation(activation) -> _act.Activation:
    """The :class:`~vanishing.core.activations.Activation` behind a registry name, an
    ``Activation``, or an object with an ``activation`` attribute (a reader's parsed one)."""
    inner = getattr(activation, "activation", None)
    if isinstance(inner, _act.Activation):
        return inner
    return _act.get(activation)


def _rule(cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and Gaussian-density weights on the pieces between sorted ``cuts``.

    ``cuts`` may hold one list of cuts per row (shape ``(..., k)``); the result
    then has one rule per row (shape ``(..., (k - 1) * 24)``).
    """
    a, b = cuts[..., :-1, None], cuts[..., 1:, None]
    half = 0.5 * (b - a)
    z = (a + b) / 2 + half * _NODES
    w = half * _WEIGHTS * np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    rows = cuts.shape[:-1]
    return z.reshape(*rows, -1), w.reshape(*rows, -1)


#: The rule with no cuts beyond _CUTS (smooth activations, and kinks at 0), built once:
#: fixed_point_length evaluates it hundreds of times per call.  Read-only, as it is shared.
_PLAIN_RULE = _rule(np.unique(np.asarray(_CUTS)))
for _array in _PLAIN_RULE:
    _array.setflags(write=False)


def _pieces(extra_cuts) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and Gaussian-density weights of the piecewise rule on [-Z_MAX, Z_MAX]."""
    inside = [c for c in extra_cuts if -Z_MAX < c < Z_MAX]
    if all(c in _CUTS for c in inside):
        return _PLAIN_RULE
    return _rule(np.unique(np.concatenate([_CUTS, inside])))


def _finite(values: np.ndarray, act: _act.Activation, what: str) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{what} of {act.name!r} is not finite at some pre-activation in the integral; "
            "a reader's activation is only checked on [-10, 10], so lower sigma_w or sigma_b"
        )
    return values


def _z_kinks(act: _act.Activation, q: float) -> list[float]:
    root = math.sqrt(q)
    return [k / root for k in act.kinks] if root > 0 else []


def gaussian_expectation(fn: Callable[[np.ndarray], np.ndarray], *, kinks=()) -> float:
    """``E[fn(z)]`` for ``z ~ N(0, 1)``, by piecewise Gauss-Legendre quadrature.

    ``kinks`` lists the points (in ``z``) where ``fn`` or a derivative jumps;
    the rule cuts there, so a kinked integrand is integrated as accurately
    as a smooth one (about 1e-14 for ``max(z, 0)**2``).
    """
    z, w = _pieces(kinks)
    return float(np.sum(w * np.asarray(fn(z), dtype=np.float64)))


def _check_sigmas(sigma_w, sigma_b) -> tuple[float, float]:
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    return sigma_w, sigma_b


def length_map(activation, q: float, sigma_w: float, sigma_b: float) -> float:
    """``sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2``: the next layer's pre-activation variance."""
    act = as_activation(activation)
    q = check_real("q", q, low=0.0)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    return _length_map(act, q, sigma_w, sigma_b)


def _length_map(act: _act.Activation, q: float, sigma_w: float, sigma_b: float) -> float:
    """:func:`length_map` of arguments already checked (iterations call it hundreds of times)."""
    root = math.sqrt(q)
    values = gaussian_expectation(
        lambda z: _finite(act._kernel(root * z), act, "f") ** 2, kinks=_z_kinks(act, q)
    )
    return sigma_w**2 * values + sigma_b**2


def length_map_slope(activation, q: float, sigma_w: float) -> float:
    """``d q_{l+1} / d q_l`` at ``q``: ``sigma_w^2 E[f(sqrt(q) z) f'(sqrt(q) z) z] / sqrt(q)``.

    By Gaussian integration by parts this is ``sigma_w^2 E[f'^2 + f f'']``,
    Schoenholz et al.'s form, without needing ``f''`` (which is a Dirac delta
    at a kink).  At ``q = 0`` it is the limit ``sigma_w^2 (f'(0)^2 + f(0) f''(0))``,
    evaluated on a tiny ``q``.
    """
    act = as_activation(activation)
    q = max(check_real("q", q, low=0.0), _Q_FLOOR)
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    root = math.sqrt(q)

    def integrand(z):
        u = root * z
        return _finite(act._kernel(u), act, "f") * _finite(act._kernel_derivative(u), act, "f'") * z

    return sigma_w**2 * gaussian_expectation(integrand, kinks=_z_kinks(act, q)) / root


def chi(activation, q: float, sigma_w: float) -> float:
    """``chi_1 = sigma_w^2 E[f'(sqrt(q) z)^2]``: one layer's gain on the mean squared gradient.

    At ``q = 0`` it is the limit ``q -> 0+``: ``sigma_w^2 f'(0)^2`` for a smooth
    ``f``, and for a kink at 0 the mean of the squared slopes on its two sides
    (``sigma_w^2 / 2`` for the ReLU, whatever convention it uses at 0 itself).
    """
    act = as_activation(activation)
    q = max(check_real("q", q, low=0.0), _Q_FLOOR)
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    root = math.sqrt(q)
    value = gaussian_expectation(
        lambda z: _finite(act._kernel_derivative(root * z), act, "f'") ** 2, kinks=_z_kinks(act, q)
    )
    return sigma_w**2 * value


def length_trajectory(activation, q0: float, depth: int, sigma_w: float, sigma_b: float) -> np.ndarray:
    """``q_1 .. q_depth``: the length map iterated from ``q_1 = q0``."""
    depth = check_int("depth", depth, low=1)
    out = np.empty(depth)
    out[0] = check_real("q0", q0, low=0.0)
    for layer in range(1, depth):
        out[layer] = length_map(activation, out[layer - 1], sigma_w, sigma_b)
    return out


def correlation_trajectory(
    activation, q0: float, c0: float, depth: int, sigma_w: float, sigma_b: float
) -> np.ndarray:
    """``c_1 .. c_depth``: the correlation of two inputs of variance ``q0`` and correlation ``c0``, layer by layer.

    Each step uses the current layer's variance from :func:`length_trajectory`,
    so the prediction holds before the variance has reached ``q*`` too.
    """
    c = np.empty(check_int("depth", depth, low=1))
    c[0] = check_real("c0", c0, low=-1.0, high=1.0)
    qs = length_trajectory(activation, q0, depth, sigma_w, sigma_b)
    for layer in range(1, c.size):
        c[layer] = correlation_map(activation, c[layer - 1], qs[layer - 1], sigma_w, sigma_b)
    return c


def gradient_trajectory(activation, q0: float, depth: int, sigma_w: float, sigma_b: float) -> np.ndarray:
    """Predicted mean squared gradient ``E[(dL/dh^l)^2]`` for ``l = 1 .. depth``, relative to the last layer.

    Going back from layer ``l + 1`` to ``l`` multiplies it by ``chi_1(q_l)``,
    the gain at that layer's variance along :func:`length_trajectory`.
    """
    qs = length_trajectory(activation, q0, depth, sigma_w, sigma_b)
    gains = np.array([chi(activation, q, sigma_w) for q in qs[:-1]])
    return np.append(np.cumprod(gains[::-1])[::-1], 1.0)


def fixed_point_length(activation, sigma_w: float, sigma_b: float, *, q0: float = 1.0) -> float:
    """``q*``, the variance the length map settles at when iterated from ``q0``.

    ``math.inf`` when the variance grows without bound (ReLU with
    ``sigma_w^2 > 2``, say); ``q0`` itself when every variance is a fixed
    point (ReLU with ``sigma_w^2 = 2`` and ``sigma_b = 0``).
    """
    act = as_activation(activation)
    q = check_real("q0", q0, low=0.0)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    for _ in range(400):
        nxt = _length_map(act, q, sigma_w, sigma_b)  # finite and >= 0, or inf (returned below)
        if nxt > 1e12:
            return math.inf
        if nxt == q or abs(nxt - q) <= 1e-13 * q:
            return nxt
        q = nxt
    # Slow convergence (a slope near 1): find the fixed point the map is moving
    # towards with a root finder, searching below q if it is falling and above
    # it if it is rising.

    def gap(v):
        return _length_map(act, v, sigma_w, sigma_b) - v

    if gap(q) < 0:  # falling: towards a fixed point below q, or to 0
        lo = q
        while lo > 1e-300:
            lo /= 16.0
            if gap(lo) >= 0:
                return float(scipy.optimize.brentq(gap, lo, q, xtol=1e-300, rtol=1e-13))
        return 0.0
    hi = q
    while hi < 1e12:
        hi *= 16.0
        if gap(hi) <= 0:
            return float(scipy.optimize.brentq(gap, q, hi, xtol=1e-14, rtol=1e-13))
    return math.inf


def _values(fn, u: np.ndarray) -> np.ndarray:
    """``fn`` at every entry of ``u`` (any shape), as a float64 array of that shape."""
    flat = u.ravel()
    return np.broadcast_to(np.asarray(fn(flat), dtype=np.float64), flat.shape).reshape(u.shape)


def _pair_expectation(act: _act.Activation, fn, q: float, c: float) -> float:
    """``E[fn(u_1) fn(u_2)]`` for a centred Gaussian pair of variance ``q`` and correlation ``c``.

    ``u_1 = root z_1`` and ``u_2 = root (c z_1 + s z_2)`` with ``root = sqrt(q)``,
    ``s = sqrt(1 - c^2)``: the outer rule in ``z_1`` and, for each of its nodes,
    an inner rule in ``z_2`` cut where ``u_2`` crosses a kink, all evaluated at
    once (one array of nodes; a cut outside ``[-Z_MAX, Z_MAX]`` or on one of
    the standard cuts adds a piece of width 0, which weighs nothing).
    """
    root = math.sqrt(q)
    if c >= 1.0 or root == 0.0:
        return gaussian_expectation(lambda z: fn(root * z) ** 2, kinks=_z_kinks(act, q))
    kinks = np.asarray(_z_kinks(act, q), dtype=np.float64)
    if c <= -1.0:  # u_2 = -u_1
        return gaussian_expectation(lambda z: fn(root * z) * fn(-root * z), kinks=[*kinks, *(-kinks)])
    s = math.sqrt(1.0 - c * c)
    z1, w1 = _pieces(kinks)
    f1 = _values(fn, root * z1)
    keep = (w1 != 0.0) & (f1 != 0.0)
    a, weight = z1[keep], w1[keep] * f1[keep]
    if kinks.size == 0:
        z2, w2 = _PLAIN_RULE
        return float(weight @ (_values(fn, root * (c * a[:, None] + s * z2)) @ w2))
    # u_2 = root (c a + s z_2) crosses kink k at z_2 = (k - c a) / s
    crossings = np.clip((kinks - c * a[:, None]) / s, -Z_MAX, Z_MAX)
    cuts = np.sort(np.concatenate([np.broadcast_to(_CUTS, (a.size, len(_CUTS))), crossings], axis=1), axis=1)
    z2, w2 = _rule(cuts)  # one inner rule per outer node
    inner = np.sum(w2 * _values(fn, root * (c * a[:, None] + s * z2)), axis=1)
    return float(weight @ inner)


def correlation_map(activation, c: float, q: float, sigma_w: float, sigma_b: float) -> float:
    """The correlation at the next layer of two inputs with correlation ``c`` and variance ``q``.

    ``(sigma_w^2 E[f(u_1) f(u_2)] + sigma_b^2) / q_next``, where
    ``q_next = length_map(q)``; at the fixed point ``q = q*`` this is Poole
    et al.'s ``C`` map.
    """
    act = as_activation(activation)
    c = check_real("c", c, low=-1.0, high=1.0)
    q = check_real("q", q, low=0.0)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    q_next = length_map(act, q, sigma_w, sigma_b)
    if q_next == 0.0:
        return 1.0  # every input is mapped to the same point
    pair = _pair_expectation(act, lambda u: _finite(act._kernel(u), act, "f"), q, c)
    # A correlation lies in [-1, 1] (Cauchy-Schwarz); quadrature can round a hair past 1.
    return min(1.0, max(-1.0, (sigma_w**2 * pair + sigma_b**2) / q_next))


def fixed_point_correlation(activation, q_star: float, sigma_w: float, sigma_b: float) -> tuple[float, float]:
    """``(c*, chi_c)``: the stable fixed point of the correlation map at ``q*``, and the map's slope there.

    In the ordered phase (``chi_1 <= 1``) ``c* = 1`` and ``chi_c = chi_1``.  In
    the chaotic phase ``c = 1`` is unstable and ``c*`` is the fixed point
    below it; ``chi_c = sigma_w^2 E[f'(u_1) f'(u_2)]`` at correlation ``c*``.
    When ``q* = 0`` (no biases, ``f(0) = 0``, weights below the critical
    scale) the signal fades as a whole and correlations are carried
    unchanged: the result is ``(nan, 1.0)``, so ``xi_c`` is infinite.
    """
    act = as_activation(activation)
    q_star = check_real("q_star", q_star, low=0.0)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    if q_star == 0.0:
        # The whole signal fades: near the origin f acts linearly on every
        # input alike, so correlations are carried unchanged, not driven to a
        # fixed point (every c is fixed; the map's slope is 1).
        return math.nan, 1.0
    chi_1 = chi(act, q_star, sigma_w)
    if chi_1 <= 1.0 + 1e-12:
        return 1.0, chi_1

    def gap(c):
        return correlation_map(act, c, q_star, sigma_w, sigma_b) - c

    top = 1.0 - 1e-9
    # An odd activation with no bias: c* = 0.  Its gap at 0 is E[f]^2 = 0 up to
    # the quadrature's rounding (about 1e-35 either side), so within 1e-14.
    if gap(0.0) <= 1e-14:
        c_star = 0.0
    else:
        c_star = float(scipy.optimize.brentq(gap, 0.0, top, xtol=1e-12))
    slope = _pair_expectation(act, lambda u: _finite(act._kernel_derivative(u), act, "f'"), q_star, c_star)
    return c_star, sigma_w**2 * slope


@dataclass(frozen=True)
class MeanField:
    """The mean-field summary of a wide network with one activation, ``sigma_w`` and ``sigma_b``."""

    activation: str
    sigma_w: float
    sigma_b: float
    q_star: float  #: fixed point of the pre-activation variance
    chi_1: float  #: per-layer gain of the mean squared gradient (slope of the correlation map at c = 1)
    c_star: float  #: stable fixed point of the correlation map (nan when q* = 0: correlations are carried unchanged)
    chi_c: float  #: slope of the correlation map at c*
    length_slope: float  #: slope of the length map at q*

    @property
    def phase(self) -> str:
        """``"ordered"`` (chi_1 < 1), ``"chaotic"`` (chi_1 > 1) or ``"critical"`` (within 1e-9 of 1)."""
        if abs(self.chi_1 - 1.0) <= 1e-9:
            return "critical"
        return "ordered" if self.chi_1 < 1.0 else "chaotic"

    @property
    def xi_q(self) -> float:
        """Depth scale of the length map, ``-1 / log(length_slope)`` (``inf`` if the slope is 1)."""
        return _depth_scale(self.length_slope)

    @property
    def xi_c(self) -> float:
        """Depth scale of correlations, ``-1 / log(chi_c)``: layers over which two inputs stay told apart."""
        return _depth_scale(self.chi_c)

    @property
    def gradient_scale(self) -> float:
        """``1 / |log chi_1|``: layers over which the mean squared gradient changes by a factor e."""
        return math.inf if self.phase == "critical" else 1.0 / abs(math.log(self.chi_1))


def _depth_scale(slope: float) -> float:
    if slope <= 0.0:
        return 0.0
    if slope >= 1.0:
        return math.inf
    return -1.0 / math.log(slope)


def mean_field(activation, sigma_w: float, sigma_b: float, *, q0: float = 1.0) -> MeanField:
    """Fixed points, gains and depth scales of a wide network (see the module docstring).

    Raises ``ValueError`` when the forward variance has no fixed point (it
    grows without bound), since the gains are then undefined.
    """
    act = as_activation(activation)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    q_star = fixed_point_length(act, sigma_w, sigma_b, q0=q0)
    if not math.isfinite(q_star):
        raise ValueError(
            f"with sigma_w = {sigma_w:g} and sigma_b = {sigma_b:g} the pre-activation variance of "
            f"{act.name!r} grows without bound: there is no fixed point q*"
        )
    c_star, chi_c = fixed_point_correlation(act, q_star, sigma_w, sigma_b)
    return MeanField(
        activation=act.name,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        q_star=q_star,
        chi_1=chi(act, q_star, sigma_w),
        c_star=c_star,
        chi_c=chi_c,
        length_slope=length_map_slope(act, q_star, sigma_w),
    )


# --- The critical weight scale: chi_1 = 1 at the settled variance --------------------------------

#: The weight scales :func:`critical_weight_scale` searches by default.  The
#: upper end is above the sigmoid's critical scale, which is about 10.
SIGMA_W_BOUNDS = (0.1, 20.0)
_Q_ZERO = 1e-24  # a variance below this counts as 0; chi_1 at q* = 0 is taken here (its limit q -> 0+)
_SCAN = 32  # grid points of the scan over sigma_w (log-spaced)
_CHI_TOL = 1e-8  # how close to 1 chi_1 must be at a root
_Q_BOUNDED = 1e6  # at a boundary of settling, a root needs q* below this (bounded, not diverging)


def wide_gain(activation, sigma_w: float, *, sigma_b: float = 0.0, q0: float = 1.0) -> tuple[float, float]:
    """``(q*, chi_1)`` of a wide layer of ``activation`` with weight scale ``sigma_w`` (chapters 5 and 11).

    Weights are ``N(0, sigma_w**2 / N)`` and biases ``N(0, sigma_b**2)``, as above.  ``q*`` is the pre-activation variance
    the layers settle at when the first has variance ``q0``;
    ``chi_1 = sigma_w**2 E[f'(sqrt(q*) z)**2]`` is the factor by which one
    layer then multiplies the mean squared gradient (its root mean square
    changes by ``sqrt(chi_1)``).  At ``q* = 0`` chi_1 is its limit for small
    variances, ``sigma_w**2 f'(0)**2`` for a smooth ``f``.  When the variance
    grows without bound there is no ``q*``: the result is ``(inf, nan)``.

    ``q*`` is :func:`vanishing.core.fixed_point_length` (which
    finishes a slow approach to a fixed point, such as tanh's ``1/(2 l)``
    approach to 0 at ``sigma_w = 1``, with a root finder).  Raises ``ValueError`` when the
    pre-activations grow too large for ``f`` to be evaluated (a reader's
    formula is only checked on [-10, 10]).

    >>> q, chi_1 = wide_gain("relu", 2**0.5)
    >>> round(chi_1, 12)
    1.0
    """
    act = as_activation(activation)
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    q0 = check_real("q0", q0, low=0.0, low_open=True)
    q_star = fixed_point_length(act, sigma_w, sigma_b, q0=q0)
    if not math.isfinite(q_star):
        return math.inf, math.nan
    return q_star, chi(act, max(q_star, _Q_ZERO), sigma_w)


class _Unsettled(Exception):
    """The variance does not settle at this sigma_w: it grows without bound, or f overflows."""


def _settled_gain(act, sigma_w: float, sigma_b: float) -> tuple[float, float]:
    """:func:`wide_gain`, raising :class:`_Unsettled` where there is no q*."""
    try:
        q_star, chi_1 = wide_gain(act, sigma_w, sigma_b=sigma_b)
    except ValueError as err:
        raise _Unsettled("overflow") from err
    if not math.isfinite(q_star):
        raise _Unsettled("grows")
    return q_star, chi_1


def _scan(act: _act.Activation, sigma_b: float, bounds: tuple[float, float]) -> tuple[float | None, str]:
    """The smallest sigma_w in ``bounds`` with chi_1 = 1, or ``None`` and the reason in words.

    chi_1 is sampled on ``_SCAN`` log-spaced scales.  Where it crosses 1
    between two samples whose variance settles, Brent's method finds the
    root.  Where the variance stops settling between two samples, the
    boundary is found by bisection; it is a root if chi_1 tends to 1 there
    while ``q*`` stays bounded (ReLU without biases: ``q*`` is 0 below
    ``sqrt(2)`` and every variance is fixed at ``sqrt(2)``).  If instead ``q*``
    grows without bound towards the boundary (ReLU with biases, softplus),
    chi_1 = 1 is a limit that no weight scale attains, and it does not count.
    """
    grid = [float(s) for s in np.geomspace(bounds[0], bounds[1], _SCAN)]
    seen: list[tuple[float, float]] = []  # (sigma_w, chi_1) wherever the variance settles
    edges = []  # (sigma_w, chi_1 there, what lies beyond, whether beyond is above)

    def sample(s):
        """(q*, chi_1) at s; (inf, nan) and the reason when the variance does not settle."""
        try:
            q_star, chi_1 = _settled_gain(act, s, sigma_b)
        except _Unsettled as err:
            return math.inf, math.nan, str(err)
        seen.append((s, chi_1))
        return q_star, chi_1, ""

    def gap(s):
        return _settled_gain(act, s, sigma_b)[1] - 1.0

    def edge(good: float, bad: float) -> tuple[float, float, float]:
        """Where, between the two, the variance stops settling: (sigma_w, q*, chi_1) on the settled side.

        Coarse bisection first (relative 1e-4), and on to 1e-14 only if
        chi_1 is near 1 there, so that an edge that is no root stays cheap.
        """
        q_star, chi_1, _ = sample(good)
        for tol in (1e-4, 1e-14):
            if tol < 1e-4 and abs(chi_1 - 1.0) > 1e-2:
                break
            while abs(bad - good) > tol * good:
                mid = 0.5 * (good + bad)
                if mid in (good, bad):
                    break
                q_mid, chi_mid, _ = sample(mid)
                if math.isfinite(chi_mid):
                    good, q_star, chi_1 = mid, q_mid, chi_mid
                else:
                    bad = mid
        return good, q_star, chi_1

    prev_s = grid[0]
    _, prev_chi, prev_kind = sample(prev_s)
    if prev_chi == 1.0:
        return prev_s, ""
    for s in grid[1:]:
        _, chi_1, kind = sample(s)
        if chi_1 == 1.0:
            return s, ""
        if math.isfinite(prev_chi) and math.isfinite(chi_1):
            if (prev_chi - 1.0) * (chi_1 - 1.0) < 0:
                try:
                    root = float(scipy.optimize.brentq(gap, prev_s, s, xtol=1e-14, rtol=1e-14))
                    if abs(gap(root)) <= _CHI_TOL:
                        return root, ""
                except _Unsettled:  # pragma: no cover - the variance stops settling in between
                    pass
        elif math.isfinite(prev_chi) != math.isfinite(chi_1):
            good, bad = (prev_s, s) if math.isfinite(prev_chi) else (s, prev_s)
            chi_good = prev_chi if good == prev_s else chi_1
            s_edge, q_edge, chi_edge = edge(good, bad)
            # Does chi_1 cross 1 between the settled sample and the edge?  The
            # bisection's samples say; the one nearest the sample brackets a root.
            between = sorted(
                (abs(t - good), t)
                for t, c in seen
                if min(good, s_edge) < t <= max(good, s_edge) and (c - 1.0) * (chi_good - 1.0) < 0
            )
            if between:
                lo, hi = sorted((good, between[0][1]))
                root = float(scipy.optimize.brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14))
                if abs(gap(root)) <= _CHI_TOL:
                    return root, ""
            if abs(chi_edge - 1.0) <= _CHI_TOL and q_edge <= _Q_BOUNDED:
                return s_edge, ""
            edges.append((s_edge, chi_edge, kind or prev_kind, good < bad))
        prev_s, prev_chi, prev_kind = s, chi_1, kind
    return None, _no_root_reason(seen, edges, bounds, prev_kind)


def _no_root_reason(seen, edges, bounds, kind: str) -> str:
    def what(kind):
        return "grows without bound" if kind == "grows" else "grows too large for f to be evaluated"

    if not seen:
        return f"for every sigma_w between {bounds[0]:g} and {bounds[1]:g} the pre-activation variance {what(kind)}"
    chis = [c for _, c in seen]
    if max(chis) < 1.0:
        at, best = max(seen, key=lambda p: p[1])
        if best < 1e-9:
            text = "chi_1 is 0 wherever the variance settles (it fades to 0, where f' = 0)"
        elif best < 0.999:
            text = f"chi_1 stays below 1 wherever the variance settles, and reaches at most {best:.3g} (at sigma_w = {at:.3g})"
        else:
            text = (
                "chi_1 stays below 1 wherever the variance settles, and approaches 1 only where "
                f"the variance stops settling (near sigma_w = {at:.3g})"
            )
    elif min(chis) > 1.0:
        at, best = min(seen, key=lambda p: p[1])
        text = f"chi_1 stays above 1 wherever the variance settles, and is at least {best:.3g} (at sigma_w = {at:.3g})"
    else:  # pragma: no cover - a jump over 1 inside the settled range
        text = "chi_1 jumps over 1 without passing through it"
    for s_edge, _, kind, upward in edges:
        text += f"; {'above' if upward else 'below'} sigma_w = {s_edge:.3g} the variance {what(kind)}"
    return text


def _check_bounds(bounds) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise TypeError(f"bounds must be two numbers (low, high); got {bounds!r}") from None
    if not (0.0 < lo < hi < math.inf):
        raise ValueError(f"bounds must satisfy 0 < low < high < inf; got {bounds!r}")
    return lo, hi


def search_critical_weight_scale(
    activation, *, sigma_b: float = 0.0, bounds=SIGMA_W_BOUNDS
) -> tuple[float | None, str]:
    """:func:`critical_weight_scale` without raising: ``(sigma_w, "")``, or ``(None, why there is none)``."""
    act = as_activation(activation)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    return _scan(act, sigma_b, _check_bounds(bounds))


def critical_weight_scale(activation, *, sigma_b: float = 0.0, bounds=SIGMA_W_BOUNDS) -> float:
    """The weight scale ``sigma_w`` at which a wide layer has ``chi_1 = 1`` (chapters 5 and 11).

    This is the edge of chaos of Poole et al. (2016) and Schoenholz et al.
    (2017), the critical initialisation: weights ``N(0, sigma_w**2 / N)``,
    biases ``N(0, sigma_b**2)``, the first layer's pre-activations of
    variance 1, and chi_1 taken at the variance ``q*`` the layers settle at
    (:func:`wide_gain`).  For the ReLU it is He et al.'s ``sqrt(2)``, for a
    Leaky ReLU ``sqrt(2 / (1 + alpha**2))``, for tanh 1.

    ``sigma_w`` is scanned on 32 log-spaced points of ``bounds`` and the first
    crossing of 1 is refined by Brent's method; where the variance stops
    settling between two points, the boundary is located by bisection and
    counts as the answer if chi_1 tends to 1 there while ``q*`` stays bounded
    (the ReLU's case: without biases its variance settles for
    ``sigma_w <= sqrt(2)`` only).  Returns the smallest such ``sigma_w``;
    raises ``ValueError`` saying why if there is none (GELU without biases,
    say: its variance either fades to 0, where its slope is 1/2 and chi_1 is
    at most 0.59, or grows without bound).
    """
    act = as_activation(activation)
    bounds = _check_bounds(bounds)
    root, reason = search_critical_weight_scale(act, sigma_b=sigma_b, bounds=bounds)
    if root is None:
        raise ValueError(
            f"no weight scale sigma_w between {bounds[0]:g} and {bounds[1]:g} gives chi_1 = 1 "
            f"for {act.name!r} with sigma_b = {sigma_b:g}: {reason}"
        )
    return root


@dataclass(frozen=True)
class WideRun:
    """Per-layer measurements of random wide networks, one row per seed (layer 1 first)."""

    q: np.ndarray  #: (seeds, depth): mean square of the pre-activations h^l
    c: (
        np.ndarray
    )  #: (seeds, depth): correlation of the pre-activations of two inputs (nan once a layer is all zero)
    grad_sq: np.ndarray  #: (seeds, depth): mean square of dL/dh^l

    @property
    def gradient_gain(self) -> np.ndarray:
        """Per seed, the geometric mean over layers of ``grad_sq[l] / grad_sq[l + 1]`` (0 if it died)."""
        g = self.grad_sq
        with np.errstate(divide="ignore"):  # a gradient that died on the way back gains 0
            return np.exp((np.log(g[:, 0]) - np.log(g[:, -1])) / (g.shape[1] - 1))


def simulate(
    activation,
    sigma_w: float,
    sigma_b: float,
    *,
    depth: int,
    width: int,
    seeds=(0, 1, 2, 3, 4),
    q0: float = 1.0,
    c0: float = 0.5,
    batch: int = 16,
) -> WideRun:
    """Random networks of ``width`` units per layer, measured layer by layer, one per seed.

    Layer 1's pre-activations are Gaussian with variance ``q0``; ``batch``
    inputs are drawn in pairs whose pre-activations have correlation ``c0``.
    Then ``h^{l+1} = W^{l+1} f(h^l) + b^{l+1}`` with ``W ~ N(0, sigma_w^2 / width)``
    and ``b ~ N(0, sigma_b^2)``.  The backward pass starts at the last layer
    from a standard normal ``dL/dh`` that is independent of the forward pass
    (the assumption of the mean-field theory), and applies
    ``dL/dh^l = f'(h^l) * (W^{l+1})^T dL/dh^{l+1}``.  ``width = 1`` is a chain of
    single neurons, each weight ``N(0, sigma_w^2)``.
    """
    act = as_activation(activation)
    sigma_w, sigma_b = _check_sigmas(sigma_w, sigma_b)
    depth = check_int("depth", depth, low=2)
    width = check_int("width", width, low=1)
    batch = check_int("batch", batch, low=2)
    if batch % 2:
        raise ValueError(f"batch must be even (inputs come in pairs); got {batch}")
    q0 = check_real("q0", q0, low=0.0, low_open=True)
    c0 = check_real("c0", c0, low=-1.0, high=1.0)
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    shape = (len(seeds), depth)
    q, c, grad_sq = np.empty(shape), np.empty(shape), np.empty(shape)
    half = batch // 2
    # One buffer for every seed's parameters, layer l's row holding W^{l+1} and then b^{l+1}.
    params = np.empty((depth - 1, width * width + (width if sigma_b > 0 else 0)))
    zero_bias = np.zeros(width)
    # Per seed, the generator's standard normals in the order the draws above take them:
    # the pairs (a, then the noise that makes b), every layer's row, then dL/dh of the last layer.
    n_in = half * width
    n_params = params.size
    for row, seed in enumerate(seeds):
        z = STANDARD_NORMALS.first(seed, 2 * n_in + n_params + batch * width)
        a = z[:n_in].reshape(half, width)
        b = c0 * a + math.sqrt(max(1.0 - c0 * c0, 0.0)) * z[n_in : 2 * n_in].reshape(half, width)
        h1 = math.sqrt(q0) * np.concatenate([a, b])
        layers = z[2 * n_in : 2 * n_in + n_params].reshape(params.shape)
        weights, biases = _draw_layers(layers, params, width, sigma_w / math.sqrt(width), sigma_b, zero_bias)
        hs = _forward(act, h1, weights, biases)
        grads = _backward(act, hs, weights, z[2 * n_in + n_params :].reshape(hs[-1].shape))
        for layer, (hl, dl) in enumerate(zip(hs, grads, strict=True)):
            q[row, layer] = np.mean(hl * hl)
            x, y = hl[:half], hl[half:]
            norms = np.sqrt(np.sum(x * x, 1) * np.sum(y * y, 1))
            # A pair with an all-zero layer (a dead ReLU chain) has no correlation: nan.
            c[row, layer] = np.mean(np.sum(x * y, 1) / norms) if np.all(norms > 0) else math.nan
            grad_sq[row, layer] = np.mean(dl * dl)
    return WideRun(q=q, c=c, grad_sq=grad_sq)


def _draw_layers(normals, params, width: int, w_std: float, sigma_b: float, zero_bias):
    """Every layer's ``(W, b)``, written into ``params`` from ``normals`` (standard
    normals of ``params``'s shape, one row per layer) as the draws
    ``rng.normal(0.0, w_std, (width, width))`` then ``rng.normal(0.0, sigma_b, width)``
    (if ``sigma_b > 0``), layer by layer, would give them from the same stream, bit for bit.

    Generator.normal(loc, scale) is ``loc + scale * z`` for the same stream of
    standard normals ``z``, taken in the same order.
    """
    n_w = width * width
    np.multiply(normals[:, :n_w], w_std, out=params[:, :n_w])
    params[:, :n_w] += 0.0  # loc + scale * z: -0.0 becomes 0.0, as in rng.normal
    if sigma_b > 0:
        np.multiply(normals[:, n_w:], sigma_b, out=params[:, n_w:])
        params[:, n_w:] += 0.0
    weights = [layer[:n_w].reshape(width, width) for layer in params]
    biases = [layer[n_w:] if sigma_b > 0 else zero_bias for layer in params]
    return weights, biases


class StandardNormals:
    """The first ``n`` standard normals of ``np.random.default_rng(seed)``, kept per seed.

    :func:`simulate` takes every draw of one seed's networks (inputs, weights,
    biases, the starting gradient) from one stream of standard normals, so
    networks of any depth, width, weight scale and bias scale drawn from the same
    seed share a prefix of the same stream: a twin's 30 frames of five seeds, or a
    reader's moves of a depth slider, draw it once.  The numbers are exactly
    those the generator gives (a ``Generator`` fills an array one normal after
    another, so the first ``n`` of a longer draw are the ``n`` of a shorter one).

    A stream longer than ``max_stream`` numbers is drawn each time and not kept;
    the kept streams together hold at most ``max_total`` numbers (the least
    recently used seed goes first).  :meth:`cache_clear` forgets them all.
    """

    def __init__(self, *, max_stream: int = 4_500_000, max_total: int = 24_000_000):
        self.max_stream = max_stream
        self.max_total = max_total
        self._kept: dict[int, tuple[np.random.Generator, np.ndarray]] = {}

    def first(self, seed: int, n: int) -> np.ndarray:
        """The first ``n`` standard normals of ``default_rng(seed)`` (read-only)."""
        if n > self.max_stream:
            return np.random.default_rng(seed).standard_normal(n)
        rng, drawn = self._kept.pop(seed, (None, None))
        if rng is None:
            rng = np.random.default_rng(seed)
            drawn = rng.standard_normal(n)
        elif drawn.size < n:
            drawn = np.concatenate([drawn, rng.standard_normal(n - drawn.size)])
        drawn.setflags(write=False)
        self._kept[seed] = (rng, drawn)  # most recently used last
        while sum(d.size for _, d in self._kept.values()) > self.max_total:
            del self._kept[next(iter(self._kept))]
        return drawn[:n]

    def cache_clear(self) -> None:
        self._kept.clear()


#: The cache of draws that :func:`simulate` uses (at most 24 million numbers, 192 MB).
STANDARD_NORMALS = StandardNormals()


def _forward(act: _act.Activation, h1: np.ndarray, weights, biases) -> list[np.ndarray]:
    """Pre-activations of every layer: ``h^{l+1} = f(h^l) W^{l+1} + b^{l+1}`` (rows are examples)."""
    hs = [h1]
    for w, bias in zip(weights, biases, strict=True):
        hs.append(act._kernel(hs[-1]) @ w + bias)
    return hs


def _backward(act: _act.Activation, hs, weights, delta: np.ndarray) -> list[np.ndarray]:
    """``dL/dh^l`` for every layer, from ``dL/dh`` of the last one (backpropagation)."""
    grads = [delta]
    for layer in range(len(weights) - 1, -1, -1):
        grads.append((grads[-1] @ weights[layer].T) * act._kernel_derivative(hs[layer]))
    grads.reverse()
    return grads
