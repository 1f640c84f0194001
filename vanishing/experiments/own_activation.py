"""Chapter 10: the reader's own activation, differentiated and measured.

:func:`parse_activation` reads the reader's text with
:func:`vanishing.core.parser.parse_expression` (which never runs it),
differentiates it with SymPy, turns ``f`` and ``f'`` into numpy functions with
:func:`sympy.lambdify` (safe, since the expression was built from whitelisted
parts), checks that both are real and finite everywhere on :data:`GRID`
(``[-10, 10]``), and wraps them as an :class:`vanishing.core.activations.Activation`
that :mod:`vanishing.core.chain` and :mod:`vanishing.core.mlp` accept.
:func:`depth_decay` and :func:`typical_slopes` measure what a chain of
single-neuron layers does to the gradient; :func:`wide_gain`,
:func:`critical_weight_scale` and :func:`wide_layer` say what a wide layer
does, by the mean-field theory of :mod:`vanishing.core.propagation`.

Derivatives at kinks follow SymPy: ``d/dx abs(u)`` is ``sign(u)`` (0 at 0) and
``d/dx max(a, b)`` uses ``Heaviside`` with value 1/2 at a tie, which is also
what PyTorch's ``torch.maximum`` does (it splits the gradient at a tie), while
the registry's ``relu`` follows ``torch.relu`` and has slope 0 at 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.integrate
import scipy.optimize
import sympy as sp

from ..core import activations, chain, propagation
from ..core._checks import check_generator, check_int, check_real
from ..core.activations import x
from ..core.cache import frozen_cache
from ..core.diagnostics import per_layer_factor
from ..core.parser import RefusedExpression, check_limits, check_text, parse_expression

__all__ = [
    "EVAL_RANGE",
    "GALLERY",
    "GRID",
    "SIGMA_W_BOUNDS",
    "CustomActivation",
    "DepthDecay",
    "WideLayer",
    "critical_weight_scale",
    "depth_decay",
    "parse_activation",
    "parsed_wide_layer",
    "seeded_depth_decay",
    "typical_slopes",
    "wide_gain",
    "wide_layer",
]

#: The interval on which :func:`parse_activation` evaluates f and f'.
EVAL_RANGE = (-10.0, 10.0)
#: 4001 points with step 0.005, including x = 0 exactly.
GRID = np.linspace(EVAL_RANGE[0], EVAL_RANGE[1], 4001)

#: Well-known activations written in the grammar (the chapter's gallery).
GALLERY = {
    "sigmoid": "1/(1+exp(-x))",
    "tanh": "tanh(x)",
    "ReLU": "max(x, 0)",
    "softplus": "log(1+exp(x))",
    "ELU": "max(x, 0) + min(exp(x) - 1, 0)",
    "GELU": "x/2*(1+erf(x/sqrt(2)))",
    "swish": "x*sigmoid(x)",
    "mish": "x*tanh(log(1+exp(x)))",
    "cube": "x**3",
    "bump": "exp(-x**2)",
}


# Heaviside is handed to numpy as an opaque function: lambdify would
# otherwise rewrite Heaviside(a - Max(b, c)) into nested comparisons that
# numpy.select cannot evaluate.
_STEP = sp.Function("heaviside_half")
_NUMPY = {"heaviside_half": lambda a: np.heaviside(a, 0.5)}


def _numpy_function(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """A numpy function of ``expr`` that never warns; overflow gives inf or NaN."""
    opaque = expr.replace(sp.Heaviside, lambda arg, *h0: _STEP(arg))
    fn = sp.lambdify(x, opaque, modules=[_NUMPY, "scipy", "numpy"])

    def evaluate(z):
        z = np.asarray(z, dtype=np.float64)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(z))
        if np.iscomplexobj(out):  # pragma: no cover - complex constants are refused
            out = np.where(out.imag == 0, out.real, np.nan)
        return np.array(np.broadcast_to(out.astype(np.float64), z.shape))

    return evaluate


def _first_bad(values: np.ndarray) -> str:
    bad = ~np.isfinite(values)
    return f"{bad.sum()} of the {GRID.size} grid points, the first at x = {GRID[bad.argmax()]:.3f}"


def _kinks(derivative: sp.Expr, slope: Callable) -> tuple[float, ...]:
    """Points in EVAL_RANGE where f' jumps: zeros of Heaviside and sign arguments."""
    points = []
    for atom in derivative.atoms(sp.Heaviside, sp.sign):
        g = _numpy_function(atom.args[0])
        vals = g(GRID)
        s = np.sign(vals)
        candidates = list(GRID[s == 0])
        for i in np.flatnonzero(s[:-1] * s[1:] < 0):
            try:
                candidates.append(scipy.optimize.brentq(lambda t, g=g: float(g(t)), GRID[i], GRID[i + 1]))
            except (ValueError, RuntimeError):  # pragma: no cover - non-finite in between
                candidates.append(0.5 * (GRID[i] + GRID[i + 1]))
        for c in candidates:
            h = 1e-7
            left, right = slope(np.array([c - h, c + h]))
            if np.isfinite(left) and np.isfinite(right) and abs(left - right) > 1e-6 * (1 + abs(left)):
                points.append(round(float(c), 12) + 0.0)
    return tuple(sorted(set(points)))


def _largest_slope(d_vals: np.ndarray, slope: Callable):
    """max |f'| and where: contiguous runs of grid points within 1e-9 of the top.

    A run of one point is an isolated maximum; it is refined between its grid
    neighbours, so the location is not limited to the grid step of 0.005.
    """
    mag = np.abs(d_vals)
    near = np.flatnonzero(mag >= mag.max() * (1 - 1e-9))
    runs = np.split(near, np.flatnonzero(np.diff(near) > 1) + 1)
    best, where = float(mag.max()), []
    for run in runs:
        i, j = int(run[0]), int(run[-1])
        if i == j and 0 < i < GRID.size - 1:
            res = scipy.optimize.minimize_scalar(
                lambda t: -abs(float(slope(t))),
                bounds=(GRID[i - 1], GRID[i + 1]),
                method="bounded",
                options={"xatol": 1e-10},
            )
            if -res.fun >= mag[i]:
                best = max(best, float(-res.fun))
                where.append((float(res.x) + 0.0, float(res.x) + 0.0))
                continue
        where.append((round(float(GRID[i]), 12) + 0.0, round(float(GRID[j]), 12) + 0.0))
    return best, tuple(where)


@dataclass(frozen=True)
class CustomActivation:
    """Everything :func:`parse_activation` derives from the reader's text (chapter 10)."""

    text: str  #: the text as typed
    expression: sp.Expr  #: f, in activations.x
    derivative: sp.Expr  #: f', derived by SymPy
    forward: Callable  #: f on float arrays (numpy; never warns)
    slope: Callable  #: f' on float arrays
    max_slope: float  #: the largest |f'| on GRID (refined between grid points)
    max_at: tuple[
        tuple[float, float], ...
    ]  #: where: one (start, end) per separate maximum; start == end for a point
    slope_at_zero: float  #: f'(0)
    at_edge: bool  #: |f'| peaks at an end point of GRID only, so it may be larger outside EVAL_RANGE
    kinks: tuple[float, ...]  #: points in EVAL_RANGE where f' jumps
    activation: activations.Activation  #: for chain.* and mlp.MLP

    def where_max(self, digits: int = 4) -> str:
        """Where |f'| is largest, in words: ``"x = 1.4902"``, ``"x from 0.005 to 10"``."""

        def fmt(v):
            return f"{round(v, digits) + 0.0:.{digits}f}"  # never "-0.0000"

        parts = [f"x = {fmt(a)}" if a == b else f"x from {fmt(a)} to {fmt(b)}" for a, b in self.max_at]
        return " and ".join(parts)


@frozen_cache(maxsize=128)
def _parse_activation(text: str, name: str) -> CustomActivation:
    expr = parse_expression(text)
    deriv = sp.diff(expr, x)
    try:  # differentiating may rewrite powers; hold f' to the same limits before using it
        check_limits(deriv, "f'")
    except RefusedExpression as err:
        raise RefusedExpression(f"the slope f' breaks a limit: {err.reason}") from None
    forward, slope = _numpy_function(expr), _numpy_function(deriv)
    try:
        f_vals, d_vals = forward(GRID), slope(GRID)
    except (ArithmeticError, TypeError, ValueError) as err:  # pragma: no cover - defensive
        raise RefusedExpression(
            f"f or f' could not be evaluated numerically ({type(err).__name__})"
        ) from None
    lo, hi = EVAL_RANGE
    if not np.all(np.isfinite(f_vals)):
        raise RefusedExpression(
            f"f is not a finite real number at {_first_bad(f_vals)} (overflow, or outside its domain); "
            f"an activation must be defined on all of [{lo:g}, {hi:g}]"
        )
    if not np.all(np.isfinite(d_vals)):
        raise RefusedExpression(
            f"the slope f' is not a finite real number at {_first_bad(d_vals)}; "
            f"an activation needs a finite slope on all of [{lo:g}, {hi:g}]"
        )
    max_slope, max_at = _largest_slope(d_vals, slope)
    kinks = _kinks(deriv, slope)
    return CustomActivation(
        text=text,
        expression=expr,
        derivative=deriv,
        forward=forward,
        slope=slope,
        max_slope=max_slope,
        max_at=max_at,
        slope_at_zero=float(slope(0.0)) + 0.0,  # + 0.0 turns -0.0 into 0.0
        at_edge=any(a == b and a in (GRID[0], GRID[-1]) for a, b in max_at),  # not a plateau
        kinks=kinks,
        activation=activations.custom(name, forward, slope, expr, kinks=kinks),
    )


def parse_activation(text: str, name: str | None = None) -> CustomActivation:
    """Parse, differentiate and measure the reader's activation (chapter 10).

    ``text`` is read by :func:`parse_expression`; SymPy derives f'; f and f'
    must be finite real numbers on all of :data:`GRID`, otherwise
    :class:`RefusedExpression` says where they are not.  ``name`` (default:
    the text) names the returned ``activation``.  Results are cached by text.

    >>> act = parse_activation("tanh(x)")
    >>> act.derivative
    1 - tanh(x)**2
    >>> act.max_slope, act.where_max()
    (1.0, 'x = 0.0000')
    """
    text = check_text(text)
    if name is None:
        name = text.strip()
    if not isinstance(name, str) or not name.strip():
        raise TypeError("name must be a non-empty string")
    return _parse_activation(text, name)


@dataclass(frozen=True)
class DepthDecay:
    """``|da_d/dz_1|`` over random chains, summarised per depth (chapter 10).

    Chains whose gradient overflowed (infinite or NaN) count as ``+inf`` in
    the quantiles, so a median of ``inf`` means most chains blew up.
    """

    depths: np.ndarray  #: 1..max_depth
    low: np.ndarray  #: 10th percentile of |da_d/dz_1|
    median: np.ndarray  #: median
    high: np.ndarray  #: 90th percentile
    finite: np.ndarray  #: share of chains whose gradient is a finite number
    zero: np.ndarray  #: share of chains whose gradient is exactly 0

    @property
    def rate(self) -> float:
        """Typical factor per layer: ``(median_D / median_1) ** (1 / (D - 1))``.

        NaN when that is undefined (one depth only, or a median of 0 or inf).
        """
        first, last = self.median[0], self.median[-1]
        n = self.depths.size
        if n < 2 or not (0 < first < np.inf and 0 < last < np.inf):
            return float("nan")
        return per_layer_factor(first, last, n - 1)


def depth_decay(
    activation, max_depth: int, n_chains: int, rng, *, weight_bound: float = math.e
) -> DepthDecay:
    """How the first-layer gradient of random chains changes with depth (chapter 10).

    ``activation`` is a :class:`CustomActivation`, an ``Activation`` or a
    registry name.  The chains are those of
    :func:`vanishing.core.chain.first_layer_gradients`: weights uniform on
    ``[-weight_bound, weight_bound]``, biases N(0, 1), inputs uniform on
    [-1, 1].  The default bound ``e`` makes the typical weight magnitude 1
    (``E[ln|w|] = ln(weight_bound) - 1 = 0``), so the trend with depth comes
    from the activation's slope, not from the weights.  Overflow in a chain
    (a reader's ``x**3`` can overflow) is counted, not warned about.
    """
    max_depth = check_int("max_depth", max_depth, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    rng = check_generator("rng", rng)
    weight_bound = check_real("weight_bound", weight_bound, low=0.0)
    act = activation.activation if isinstance(activation, CustomActivation) else activations.get(activation)
    with np.errstate(all="ignore"):
        grads = chain.first_layer_gradients(
            max_depth, n_chains, rng, weight_bound=weight_bound, activation=act
        )
    finite = np.isfinite(grads)
    values = np.where(finite, grads, np.inf)
    q = np.quantile(values, (0.1, 0.5, 0.9), axis=0, method="inverted_cdf")
    return DepthDecay(
        depths=np.arange(1, max_depth + 1),
        low=q[0],
        median=q[1],
        high=q[2],
        finite=finite.mean(axis=0),
        zero=(grads == 0).mean(axis=0),
    )


def typical_slopes(activation, *, scale: float = 1.0) -> tuple[float, float]:
    """Geometric mean and root mean square of ``|f'(z)|`` for ``z ~ N(0, scale**2)`` (chapter 10).

    The geometric mean ``exp(E[ln |f'(z)|])`` is the typical factor a
    single-neuron layer contributes when the weights' geometric mean is 1; it
    is 0 when ``f'`` vanishes on an interval (not at isolated points, whose
    logarithm is integrable).  The root mean square
    ``sqrt(E[f'(z)**2])`` is the factor that matters for a wide layer, where
    many units are summed (for the ReLU, E[f'(z)**2] = 1/2, and He et al.'s
    2015 weight variance 2/n makes ``n Var(w) E[f'(z)**2] = 1``).  Both are
    integrals over ``[-8 scale, 8 scale]`` (``scale`` at most 1.25, so that
    this stays inside :data:`EVAL_RANGE`): the root mean square by the
    midpoint rule with 16000 points, the geometric mean by adaptive
    quadrature (``ln|f'|`` may have integrable singularities where ``f'`` is
    0), with the midpoint rule as a fallback.
    """
    scale = check_real("scale", scale, low=0.0, high=1.25, low_open=True)
    act = activation.activation if isinstance(activation, CustomActivation) else activations.get(activation)
    h = 16.0 * scale / 16000
    z = -8.0 * scale + h * (np.arange(16000) + 0.5)  # midpoints
    weights = np.exp(-0.5 * (z / scale) ** 2)
    weights /= weights.sum()
    slope = np.abs(act.derivative(z))
    rms = float(np.sqrt(np.sum(weights * slope**2)))
    zero = slope == 0
    if np.any(weights[zero & (np.roll(zero, 1) | np.roll(zero, -1))] > 1e-12):
        return 0.0, rms  # f' = 0 on an interval: ln|f'| = -inf there
    # ln|f'| may have integrable singularities at isolated zeros of f' (x**3
    # at 0): adaptive quadrature, told where the local minima of |f'| are.
    interior = (slope[1:-1] <= slope[:-2]) & (slope[1:-1] <= slope[2:])
    points = z[1:-1][interior][:50]
    norm = scale * math.sqrt(2 * math.pi)

    def integrand(t):
        value = abs(float(act.derivative(t)))
        return -np.inf if value == 0 else math.exp(-0.5 * (t / scale) ** 2) / norm * math.log(value)

    log_mean, _, info = scipy.integrate.quad(
        integrand, -8.0 * scale, 8.0 * scale, points=points, limit=400, full_output=1
    )[:3]
    if not math.isfinite(log_mean) or (isinstance(info, dict) and info.get("ier", 0) not in (0,)):
        keep = ~zero  # fall back on the midpoint rule
        log_mean = np.sum(weights[keep] * np.log(slope[keep])) / np.sum(weights[keep])
    return float(np.exp(log_mean)), rms


@frozen_cache(maxsize=128)
def seeded_depth_decay(text: str, depth: int, n_chains: int, seed: int) -> DepthDecay:
    """:func:`depth_decay` of the parsed ``text`` with ``numpy.random.default_rng(seed)``, cached.

    For chapter 10's figures and widgets, where a twin draws and describes
    every frame.
    """
    return depth_decay(parse_activation(text), depth, n_chains, np.random.default_rng(seed))


# --- The wide layer: chi_1 at the settled variance, and the critical weight scale ----------------

#: The weight scales :func:`critical_weight_scale` searches by default.  The
#: upper end is above the sigmoid's critical scale, which is about 10.
SIGMA_W_BOUNDS = (0.1, 20.0)
_Q_FLOOR = 1e-24  # a variance below this counts as 0; chi_1 at q* = 0 is taken here (its limit q -> 0+)
_SCAN = 32  # grid points of the scan over sigma_w (log-spaced)
_CHI_TOL = 1e-8  # how close to 1 chi_1 must be at a root
_Q_BOUNDED = 1e6  # at a boundary of settling, a root needs q* below this (bounded, not diverging)


def wide_gain(activation, sigma_w: float, *, sigma_b: float = 0.0, q0: float = 1.0) -> tuple[float, float]:
    """``(q*, chi_1)`` of a wide layer of ``activation`` with weight scale ``sigma_w`` (chapter 10).

    Weights are ``N(0, sigma_w**2 / N)`` and biases ``N(0, sigma_b**2)``, as in
    :mod:`vanishing.core.propagation`.  ``q*`` is the pre-activation variance
    the layers settle at when the first has variance ``q0``;
    ``chi_1 = sigma_w**2 E[f'(sqrt(q*) z)**2]`` is the factor by which one
    layer then multiplies the mean squared gradient (its root mean square
    changes by ``sqrt(chi_1)``).  At ``q* = 0`` chi_1 is its limit for small
    variances, ``sigma_w**2 f'(0)**2`` for a smooth ``f``.  When the variance
    grows without bound there is no ``q*``: the result is ``(inf, nan)``.

    ``q*`` is :func:`vanishing.core.propagation.fixed_point_length` (which
    finishes a slow approach to a fixed point, such as tanh's ``1/(2 l)``
    approach to 0 at ``sigma_w = 1``, with a root finder).  Raises ``ValueError`` when the
    pre-activations grow too large for ``f`` to be evaluated (a reader's
    formula is only checked on [-10, 10]).

    >>> q, chi_1 = wide_gain("relu", 2**0.5)
    >>> round(chi_1, 12)
    1.0
    """
    act = propagation.as_activation(activation)
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    q0 = check_real("q0", q0, low=0.0, low_open=True)
    q_star = propagation.fixed_point_length(act, sigma_w, sigma_b, q0=q0)
    if not math.isfinite(q_star):
        return math.inf, math.nan
    return q_star, propagation.chi(act, max(q_star, _Q_FLOOR), sigma_w)


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


def _scan(act, sigma_b: float, bounds: tuple[float, float]) -> tuple[float | None, str]:
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


def critical_weight_scale(activation, *, sigma_b: float = 0.0, bounds=SIGMA_W_BOUNDS) -> float:
    """The weight scale ``sigma_w`` at which a wide layer has ``chi_1 = 1`` (chapter 10).

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
    act = propagation.as_activation(activation)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    bounds = _check_bounds(bounds)
    root, reason = _scan(act, sigma_b, bounds)
    if root is None:
        raise ValueError(
            f"no weight scale sigma_w between {bounds[0]:g} and {bounds[1]:g} gives chi_1 = 1 "
            f"for {act.name!r} with sigma_b = {sigma_b:g}: {reason}"
        )
    return root


@dataclass(frozen=True)
class WideLayer:
    """A wide layer of one activation at two weight scales (chapter 10): ``sigma_w = 1`` and the critical one."""

    sigma_b: float  #: the biases' standard deviation
    q_at_one: float  #: q* at sigma_w = 1 (inf if the variance grows without bound)
    chi_at_one: float  #: chi_1 at sigma_w = 1 (nan if the variance grows without bound)
    critical: float | None  #: the sigma_w with chi_1 = 1 (:func:`critical_weight_scale`), None if none
    q_at_critical: float  #: q* there (nan if none)
    chi_at_critical: float  #: chi_1 there, 1 to within 1e-8 (nan if none)
    reason: str  #: why there is no critical scale ("" if there is one)

    @property
    def rms_at_one(self) -> float:
        """``sqrt(chi_1)`` at sigma_w = 1: the factor on the gradient's root mean square per layer."""
        return math.sqrt(self.chi_at_one)


def wide_layer(activation, *, sigma_b: float = 0.0, bounds=SIGMA_W_BOUNDS) -> WideLayer:
    """chi_1 at ``sigma_w = 1`` and at the critical scale, in one record (chapter 10).

    Neither raises for an activation that has no critical scale or whose
    variance grows without bound: the record holds ``None``, ``nan`` and
    ``inf`` and says why in ``reason``.
    """
    act = propagation.as_activation(activation)
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    bounds = _check_bounds(bounds)
    try:
        q1, chi1 = wide_gain(act, 1.0, sigma_b=sigma_b)
    except ValueError:
        q1, chi1 = math.inf, math.nan
    root, reason = _scan(act, sigma_b, bounds)
    if root is None:
        return WideLayer(sigma_b, q1, chi1, None, math.nan, math.nan, reason)
    qc, chic = wide_gain(act, root, sigma_b=sigma_b)
    return WideLayer(sigma_b, q1, chi1, root, qc, chic, "")


@frozen_cache(maxsize=128)
def parsed_wide_layer(text: str, sigma_b: float = 0.0) -> WideLayer:
    """:func:`wide_layer` of ``parse_activation(text)``, cached.

    For chapter 10's widget and its twin, which draw and describe every frame.
    """
    return wide_layer(parse_activation(text), sigma_b=sigma_b)
