"""Chapter 11: the reader's own activation, differentiated and measured.

:func:`parse_activation` reads the reader's text with
:func:`vanishing.core.parser.parse_expression` (which never runs it),
differentiates it with SymPy, turns ``f`` and ``f'`` into numpy functions with
:func:`sympy.lambdify` (safe, since the expression was built from whitelisted
parts), checks that both are real and finite everywhere on :data:`GRID`
(``[-10, 10]``), and wraps them as an :class:`vanishing.core.activations.Activation`
that :mod:`vanishing.core.chain` and :mod:`vanishing.core.mlp` accept.
:func:`depth_decay` and :func:`typical_slopes` measure what a chain of
single-neuron layers does to the gradient; :func:`~vanishing.core.propagation.wide_gain`,
:func:`~vanishing.core.propagation.critical_weight_scale` and :func:`wide_layer` say what a wide layer
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
from ..core.parser import (
    RefusedExpression,
    StableNumpyFunction,
    check_limits,
    check_text,
    parse_expression,
    sympy_errors_refused,
    vanishes_identically,
)

__all__ = [
    "EVAL_RANGE",
    "GALLERY",
    "GRID",
    "CustomActivation",
    "DepthDecay",
    "Judgement",
    "WideLayer",
    "depth_decay",
    "judge",
    "parse_activation",
    "parsed_wide_layer",
    "seeded_depth_decay",
    "typical_slopes",
    "wide_layer",
]

#: The interval on which :func:`parse_activation` evaluates f and f'.
EVAL_RANGE = (-10.0, 10.0)
#: 4001 points with step 0.005, including x = 0 exactly.
GRID = np.linspace(EVAL_RANGE[0], EVAL_RANGE[1], 4001)
#: What the refining minimiser sees in place of an infinite or undefined value.
_OBJECTIVE_CAP = 1e300

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


def _numpy_function(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """A numpy function of ``expr`` that never warns and never overflows on the way.

    :class:`~vanishing.core.parser.StableNumpyFunction` rewrites the forms whose
    intermediate results overflow (``log(1 + exp(100 x))/100`` at x = 10 needs
    exp(1000)) into numpy's and scipy's stable primitives, and evaluates a point
    with mpmath only where that is still not finite.
    """
    return StableNumpyFunction(expr)


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


def _short(expr: sp.Expr) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def _restrictions(expr: sp.Expr):
    """``(kind, base)`` for each part of ``expr`` that restricts where it is defined.

    ``"zero"``: ``base`` is a denominator (a power with a negative exponent), so f
    is infinite where it is 0; ``"negative"``: ``base`` is raised to a non-integer
    power, so f is not real where it is below 0; ``"non-positive"``: ``base`` is
    the argument of a logarithm or the base of a power whose exponent depends on
    x.  Abs(u) under a power below one leaves, in f', ``Abs(u)`` in a
    denominator: the slope is infinite at the zeros of u.
    """
    for power in expr.atoms(sp.Pow):
        base, exponent = power.base, power.exp
        if x not in base.free_symbols:
            if x in exponent.free_symbols and base.is_number and not base.is_positive:
                yield "non-positive", base
            continue
        if exponent.is_number:
            if not exponent.is_integer:
                yield "negative", base
            if exponent.is_negative:
                yield "zero", base
        else:
            yield "non-positive", base
    for log in expr.atoms(sp.log):
        yield "non-positive", log.args[0]


def _candidates(values: np.ndarray, fn: Callable, sign: float) -> list[float]:
    """Points of GRID and local minima of ``sign * fn`` between grid points, refined."""
    finite = np.isfinite(values)
    g = np.where(finite, sign * values, np.inf)
    points = list(GRID[g == g.min()][:1]) if finite.any() else []
    interior = np.flatnonzero((g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:])) + 1

    def objective(t: float) -> float:
        # finite everywhere: an infinite value between grid points (a pole of
        # fn) would make the minimiser's own arithmetic compute inf - inf
        value = float(sign * fn(np.array([t]))[0])
        return float(np.clip(value, -_OBJECTIVE_CAP, _OBJECTIVE_CAP)) if value == value else _OBJECTIVE_CAP

    for i in interior[:50]:
        res = scipy.optimize.minimize_scalar(
            objective,
            bounds=(GRID[i - 1], GRID[i + 1]),
            method="bounded",
            options={"xatol": 1e-12},
        )
        points.append(float(res.x))
    return points


def _first_zero(base: sp.Expr) -> float | None:
    """The first zero of ``base`` on EVAL_RANGE, or None: exact for polynomials, else
    sign changes solved by bisection and touching zeros (local minima of |base|)
    certified to 30 digits."""
    lo, hi = EVAL_RANGE
    while isinstance(base, sp.Abs):  # |u| is 0 where u is: solve u, whose zeros change sign
        base = base.args[0]
    try:
        poly = sp.Poly(base, x)
    except sp.PolynomialError:
        poly = None
    if poly is not None and poly.degree() <= 20 and all(c.is_Rational for c in poly.coeffs()):
        roots = [float(r) for r in sp.real_roots(poly) if lo <= r <= hi]
        return min(roots) if roots else None
    fn = _numpy_function(base)
    values = fn(GRID)
    found = list(GRID[values == 0])
    s = np.sign(np.where(np.isfinite(values), values, 0.0))
    for i in np.flatnonzero(s[:-1] * s[1:] < 0)[:50]:
        root = scipy.optimize.brentq(lambda t: float(fn(np.array([t]))[0]), GRID[i], GRID[i + 1], xtol=1e-14)
        found.append(root)  # a sign change: a zero, or a pole of base itself (also a fault)
    magnitude = np.abs(values)
    scale = 1.0 + float(np.median(magnitude[np.isfinite(magnitude)])) if np.isfinite(magnitude).any() else 1.0
    for t in _candidates(magnitude, lambda z: np.abs(fn(z)), 1.0):
        exact = base.evalf(30, subs={x: sp.Float(t, 30)})
        if exact.is_number and abs(complex(exact)) < 1e-9 * scale:
            found.append(t)  # a zero that touches 0 without crossing, as (x - c)**2 does
    return min(found) if found else None


def _first_below(base: sp.Expr, strict: bool) -> float | None:
    """The first point of EVAL_RANGE where ``base`` is negative (``strict``) or <= 0."""
    fn = _numpy_function(base)
    values = fn(GRID)
    bad = (values < 0) if strict else (values <= 0)
    if bad.any():
        return float(GRID[np.argmax(bad)])
    for t in _candidates(values, fn, 1.0):
        v = float(fn(np.array([t]))[0])
        if v < 0 or (not strict and v <= 0):
            return t
    return None


def _check_domain(expr: sp.Expr, what: str) -> None:
    """Refuse ``expr`` (f or f') if it is infinite or not real anywhere on EVAL_RANGE.

    The parts that can fail are found symbolically (:func:`_restrictions`); where
    each fails is then solved on the range, so a pole between two grid points
    (at x = 1/3, say) is found too, and an identity that is zero everywhere
    (``sin(x)**2 + cos(x)**2 - 1``) is recognised by a 50-digit certificate
    instead of evaluating to 1e-16 in floating point.
    """
    lo, hi = EVAL_RANGE
    for kind, base in list(dict.fromkeys(_restrictions(expr)))[:40]:
        if kind != "negative" and vanishes_identically(base):
            raise RefusedExpression(
                f"{what} divides by, or takes the logarithm of, {_short(base)}, which is 0 for every x "
                "(an identity; SymPy does not simplify it on its own)"
            )
        if kind == "zero":
            at = _first_zero(base)
            problem = "is infinite (a pole)" if at is not None else None
            cause = f"{_short(base)} is 0 there"
        elif kind == "negative":
            at = _first_below(base, strict=True)
            problem = "is not a real number" if at is not None else None
            cause = f"a non-integer power of {_short(base)}, which is negative there"
        else:
            at = _first_below(base, strict=False)
            problem = "is not defined" if at is not None else None
            cause = f"{_short(base)} must be positive and is not there"
        if problem:
            raise RefusedExpression(
                f"{what} {problem} at x = {at:.4f} ({cause}); an activation must be finite and real "
                f"on all of [{lo:g}, {hi:g}]"
            )


@dataclass(frozen=True)
class CustomActivation:
    """Everything :func:`parse_activation` derives from the reader's text (chapter 11)."""

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

    def where_max(self, digits: int = 4, *, limit: int = 3) -> str:
        """Where |f'| is largest, in words: ``"x = 1.4902"``, ``"x from 0.005 to 10"``.

        At most ``limit`` places are listed, then ``"and N more"``, so an
        oscillating formula such as ``sin(50*x)``, whose slope peaks at over
        three hundred places, gets a short answer.
        """
        digits = check_int("digits", digits, low=0, high=12)
        limit = check_int("limit", limit, low=1)

        def fmt(v):
            return f"{round(v, digits) + 0.0:.{digits}f}"  # never "-0.0000"

        parts = [f"x = {fmt(a)}" if a == b else f"x from {fmt(a)} to {fmt(b)}" for a, b in self.max_at]
        if len(parts) > limit:
            return ", ".join(parts[:limit]) + f" and {len(parts) - limit} more"
        return " and ".join(parts)


@frozen_cache(maxsize=128)
def _parse_activation(text: str, name: str) -> CustomActivation:
    expr = parse_expression(text)
    with sympy_errors_refused("differentiate"):
        deriv = sp.diff(expr, x)
        try:  # differentiating may rewrite powers; hold f' to the same limits before using it
            check_limits(deriv, "f'")
        except RefusedExpression as err:
            raise RefusedExpression(f"the slope f' breaks a limit: {err.reason}") from None
        _check_domain(expr, "f")
        _check_domain(deriv, "the slope f'")
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
    """Parse, differentiate and measure the reader's activation (chapter 11).

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
    """``|da_d/dz_1|`` over random chains, summarised per depth (chapter 11).

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
    """How the first-layer gradient of random chains changes with depth (chapter 11).

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
    """Geometric mean and root mean square of ``|f'(z)|`` for ``z ~ N(0, scale**2)`` (chapter 11).

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


def _parsed_text(activation) -> str | None:
    """The text that :func:`parse_activation` turns into ``activation``, or None if there is none.

    Results cached by text apply to such an activation; one built by hand
    (a :class:`CustomActivation` whose expression is not its text's) gets None.
    """
    if not isinstance(activation, CustomActivation):
        return None
    try:
        parsed = parse_activation(activation.text)
    except (ValueError, TypeError):
        return None
    return activation.text if parsed.expression == activation.expression else None


@frozen_cache(maxsize=128)
def seeded_depth_decay(text: str, depth: int, n_chains: int, seed: int) -> DepthDecay:
    """:func:`depth_decay` of the parsed ``text`` with ``numpy.random.default_rng(seed)``, cached.

    For chapter 11's figures and widgets, where a twin draws and describes
    every frame.
    """
    return depth_decay(parse_activation(text), depth, n_chains, np.random.default_rng(seed))


# --- The wide layer: chi_1 at sigma_w = 1 and at the critical weight scale ------------------------


@dataclass(frozen=True)
class WideLayer:
    """A wide layer of one activation at two weight scales (chapter 11): ``sigma_w = 1`` and the critical one."""

    sigma_b: float  #: the biases' standard deviation
    q_at_one: float  #: q* at sigma_w = 1 (inf if the variance grows without bound)
    chi_at_one: float  #: chi_1 at sigma_w = 1 (nan if the variance grows without bound)
    critical: (
        float | None
    )  #: the sigma_w with chi_1 = 1 (:func:`~vanishing.core.propagation.critical_weight_scale`), None if none
    q_at_critical: float  #: q* there (nan if none)
    chi_at_critical: float  #: chi_1 there, 1 to within 1e-8 (nan if none)
    reason: str  #: why there is no critical scale ("" if there is one)

    @property
    def rms_at_one(self) -> float:
        """``sqrt(chi_1)`` at sigma_w = 1: the factor on the gradient's root mean square per layer."""
        return math.sqrt(self.chi_at_one)


def wide_layer(activation, *, sigma_b: float = 0.0, bounds=propagation.SIGMA_W_BOUNDS) -> WideLayer:
    """chi_1 at ``sigma_w = 1`` and at the critical scale, in one record (chapter 11).

    Neither raises for an activation that has no critical scale or whose
    variance grows without bound: the record holds ``None``, ``nan`` and
    ``inf`` and says why in ``reason``.  For a formula from
    :func:`parse_activation` and the default ``bounds`` the record is cached by
    its text, shared with :func:`parsed_wide_layer` (chapter 11 prints it
    before its twin draws it).
    """
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    text = _parsed_text(activation)
    if text is not None and bounds is propagation.SIGMA_W_BOUNDS:
        return _cached_wide_layer(text, sigma_b)  # the same record, computed once per text
    return _wide_layer(propagation.as_activation(activation), sigma_b, bounds)


def _wide_layer(act, sigma_b: float, bounds) -> WideLayer:
    """:func:`wide_layer`'s computation, for a checked activation and ``sigma_b``."""
    try:
        q1, chi1 = propagation.wide_gain(act, 1.0, sigma_b=sigma_b)
    except ValueError:
        q1, chi1 = math.inf, math.nan
    root, reason = propagation.search_critical_weight_scale(act, sigma_b=sigma_b, bounds=bounds)
    if root is None:
        return WideLayer(sigma_b, q1, chi1, None, math.nan, math.nan, reason)
    qc, chic = propagation.wide_gain(act, root, sigma_b=sigma_b)
    return WideLayer(sigma_b, q1, chi1, root, qc, chic, "")


def parsed_wide_layer(text: str, sigma_b: float = 0.0) -> WideLayer:
    """:func:`wide_layer` of ``parse_activation(text)``, cached.

    For chapter 11's widget and its twin, which draw and describe every frame;
    :func:`wide_layer` of a parsed activation reads the same cache, so a table
    that printed an activation's wide layer has already computed the frame's.
    """
    sigma_b = check_real("sigma_b", sigma_b, low=0.0)
    return _cached_wide_layer(parse_activation(text).text, sigma_b)


@frozen_cache(maxsize=128)
def _cached_wide_layer(text: str, sigma_b: float) -> WideLayer:
    """:func:`_wide_layer` of a text :func:`parse_activation` accepted; always called positionally."""
    return _wide_layer(propagation.as_activation(parse_activation(text)), sigma_b, propagation.SIGMA_W_BOUNDS)


# --- Both judgements at once: a chain of single units and a wide network -------------------------


@dataclass(frozen=True)
class Judgement:
    """What an activation does to the gradient in a chain and in a wide network (chapter 11).

    The chain: random chains of single units as in :func:`depth_decay`
    (weights uniform on ``[-e, e]``, so of typical size 1), summarised by the
    geometric-mean slope ``G`` and the measured factor per layer.  The wide
    network: weights ``N(0, sigma_w**2 / N)``, no biases; the mean-field
    ``q*`` and ``chi_1`` of :func:`vanishing.core.propagation.wide_gain`, and
    the factor per layer on the gradient's root mean square measured in random
    networks of ``width`` units, one per seed.
    """

    depth: int  #: layers in the chains and in the wide networks
    G: float  #: exp(E ln|f'(z)|), z ~ N(0, 1): the chain's typical slope
    chain_factor: float  #: median chain's factor per layer; 0 if most chains die, inf if most overflow
    sigma_w: float  #: the wide network's weight scale
    q_star: float  #: settled pre-activation variance (inf if it grows without bound)
    chi_1: float  #: mean-field gain on the mean squared gradient per layer (nan if no q*)
    width: int  #: units per layer of the measured networks
    seeds: tuple[int, ...]  #: one network per seed
    measured: np.ndarray  #: per seed, the RMS gradient's factor per layer (empty if no q*)

    @property
    def predicted(self) -> float:
        """``sqrt(chi_1)``: the mean-field factor per layer on the gradient's root mean square."""
        return math.sqrt(self.chi_1) if math.isfinite(self.chi_1) else math.nan

    @property
    def spread(self) -> tuple[float, float, float]:
        """Median, min and max of :attr:`measured` (nan if nothing was measured)."""
        if self.measured.size == 0:
            return math.nan, math.nan, math.nan
        return float(np.median(self.measured)), float(self.measured.min()), float(self.measured.max())

    @staticmethod
    def _verdict(factor: float, depth: int) -> str:
        if not math.isfinite(factor):
            return "explodes" if factor == math.inf else "no verdict"
        if factor == 0:
            return "dies"
        total = factor ** (depth - 1)
        return "vanishes" if total < 0.1 else ("explodes" if total > 10 else "keeps")

    @property
    def chain_verdict(self) -> str:
        """``"vanishes"``, ``"keeps"`` or ``"explodes"``: whether the median chain's gradient changes
        by more than a factor of 10 over ``depth - 1`` layers; ``"dies"`` if it is exactly 0."""
        return self._verdict(self.chain_factor, self.depth)

    @property
    def wide_verdict(self) -> str:
        """The same verdict for the wide networks' median factor; ``"variance grows"`` if there is no q*."""
        if not math.isfinite(self.q_star):
            return "variance grows"
        return self._verdict(self.spread[0], self.depth)


def judge(
    activation,
    *,
    sigma_w: float = 1.0,
    depth: int = 30,
    width: int = 256,
    seeds=(0, 1, 2, 3, 4),
    n_chains: int = 2000,
    chain_seed: int = 0,
) -> Judgement:
    """Judge ``activation`` in a chain of single units and in a wide network (chapter 11).

    ``activation`` is a :class:`CustomActivation` (from :func:`parse_activation`),
    an ``Activation`` or a registry name.  The chain: ``G`` from
    :func:`typical_slopes` and the median chain's factor per layer from
    :func:`depth_decay` (``n_chains`` chains of ``depth`` layers,
    ``numpy.random.default_rng(chain_seed)``).  The wide network: ``(q*, chi_1)``
    from :func:`vanishing.core.propagation.wide_gain` at ``sigma_w`` without
    biases, and :func:`vanishing.core.propagation.simulate` with ``width``
    units, ``depth`` layers and one network per seed, its first layer at the
    settled variance (at 1 where ``q* = 0``).  Where the variance grows without
    bound nothing is simulated.  Pure: the same arguments give the same record.
    """
    sigma_w = check_real("sigma_w", sigma_w, low=0.0, low_open=True)
    depth = check_int("depth", depth, low=2, high=200)
    width = check_int("width", width, low=1, high=2048)
    n_chains = check_int("n_chains", n_chains, low=1)
    chain_seed = check_int("chain_seed", chain_seed, low=0)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of integers; got {type(seeds).__name__}")
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    act = activation.activation if isinstance(activation, CustomActivation) else activations.get(activation)
    g, _ = typical_slopes(act)
    text = _parsed_text(activation)
    if text is not None:  # the cached chains that chapter 11's widget draws
        decay = seeded_depth_decay(text, depth, n_chains, chain_seed)
    else:
        decay = depth_decay(act, depth, n_chains, np.random.default_rng(chain_seed))
    if decay.finite[-1] < 0.5:
        chain_factor = math.inf
    elif decay.median[-1] == 0:
        chain_factor = 0.0
    else:
        chain_factor = decay.rate
    try:
        q_star, chi_1 = propagation.wide_gain(act, sigma_w)
    except ValueError:  # pre-activations beyond what f can evaluate: the variance does not settle
        q_star, chi_1 = math.inf, math.nan
    if math.isfinite(q_star):
        with np.errstate(all="ignore"):
            run = propagation.simulate(
                act, sigma_w, 0.0, depth=depth, width=width, seeds=seeds, q0=q_star if q_star > 0 else 1.0
            )
        measured = np.sqrt(run.gradient_gain)
    else:
        measured = np.empty(0)
    return Judgement(depth, g, chain_factor, sigma_w, q_star, chi_1, width, seeds, measured)
