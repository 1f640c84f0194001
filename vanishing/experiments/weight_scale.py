"""Chapter 4's experiments: the scale of the weights, and what it does to tanh and sigmoid networks.

:func:`scale_profile` measures a fresh network whose weights have a multiple
of the Xavier scale (the quantity chapter 4's widget varies);
:func:`linear_gains` gives the forward and backward gains of a linear stack
(the two sides of the Xavier compromise) and :func:`mean_field_tanh` what a
very wide tanh network should do.  Three smaller tools sit between the
activation and the weights it multiplies: :func:`slope_window` and
:func:`saturated_share` (where the sigmoid's and tanh's slopes fall below a
level), :func:`compare_chains` (the gradient through random sigmoid and tanh
chains of growing depth), and :func:`single_orthant_share` and
:func:`sgd_path` (why inputs that are all positive make a unit's weights
zig-zag).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import activations as _activations
from ..core import chain as _chain
from ..core._checks import as_float_array, check_generator, check_int, check_real
from ..core.cache import frozen_cache
from ..core.diagnostics import InitProfile, per_layer_factor, profile
from ..core.initialisation import init_weights, weight_variance

__all__ = [
    "ChainComparison",
    "LayerGains",
    "compare_chains",
    "gauss_expect",
    "linear_gains",
    "mean_field_tanh",
    "saturated_share",
    "scale_profile",
    "seeded_chain_comparison",
    "seeded_scale_profile",
    "sgd_path",
    "single_orthant_share",
    "slope_window",
]


def scale_profile(
    scale: float,
    *,
    depth: int,
    width: int,
    rng: np.random.Generator,
    n_samples: int = 256,
    activation="tanh",
) -> InitProfile:
    """:func:`profile` of a square network whose weights have ``scale`` times the Xavier std (chapter 4).

    Every layer has ``width`` inputs and outputs, so the Xavier variance
    ``2 / (n_in + n_out)`` is ``1 / width`` and the weights are drawn from
    N(0, scale^2 / width).  ``scale = 1`` is Xavier (and, for square layers,
    also LeCun's fan-in rule); below 1 the signal shrinks, above 1 the
    units saturate.
    """
    scale = check_real("scale", scale, low=0.0, low_open=True)
    width = check_int("width", width, low=1)
    std = scale * float(np.sqrt(weight_variance("xavier_normal", width, width)))
    return profile(activation, "normal", depth=depth, width=width, rng=rng, std=std, n_samples=n_samples)


@dataclass(frozen=True)
class LayerGains:
    """Variance gains of each weight matrix of a linear stack (chapter 4).

    ``forward[i]`` is ``Var(A W_i) / Var(A)`` for the signal ``A`` that
    reaches matrix ``i`` from the input side; ``backward[i]`` is
    ``Var(D W_i^T) / Var(D)`` for the error signal ``D`` that reaches it from
    the output side.  ``weights[i]`` has shape ``(widths[i], widths[i + 1])``.
    """

    weights: list  #: the drawn matrices, input side first
    forward: np.ndarray  #: forward variance gain of each matrix
    backward: np.ndarray  #: backward variance gain of each matrix


def linear_gains(
    widths, scheme: str, rng: np.random.Generator, *, n_samples: int = 4000, std=None
) -> LayerGains:
    """Measure the forward and backward gains of freshly drawn weights, no activation (chapter 4).

    Draws one matrix per pair of consecutive ``widths`` with
    :func:`vanishing.core.initialisation.init_weights` (input side first), then pushes
    standard normal inputs, shape ``(n_samples, widths[0])``, forward through
    ``A @ W`` and standard normal error signals, shape
    ``(n_samples, widths[-1])``, backward through ``D @ W.T``.  In
    expectation the gains are ``n_in Var(w)`` and ``n_out Var(w)``, the two
    quantities Glorot and Bengio's variance argument balances.
    """
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) < 2:
        raise ValueError(f"widths must be a sequence of at least two layer widths; got {widths!r}")
    widths = [check_int(f"widths[{i}]", w, low=1) for i, w in enumerate(widths)]
    rng = check_generator("rng", rng)
    n_samples = check_int("n_samples", n_samples, low=2)
    pairs = list(zip(widths[:-1], widths[1:], strict=True))
    weights = [init_weights(m, n, scheme, rng, std=std) for m, n in pairs]
    A = rng.normal(size=(n_samples, widths[0]))
    D = rng.normal(size=(n_samples, widths[-1]))
    forward = np.empty(len(weights))
    backward = np.empty(len(weights))
    for i, W in enumerate(weights):
        A_next = A @ W
        forward[i] = A_next.var() / A.var()
        A = A_next
    for i in reversed(range(len(weights))):
        D_next = D @ weights[i].T
        backward[i] = D_next.var() / D.var()
        D = D_next
    return LayerGains(weights, forward, backward)


def gauss_expect(fn, variance: float, *, step: float | None = None) -> float:
    """``E[fn(Z)]`` for ``Z ~ N(0, variance)``, by the trapezoid rule (chapter 4).

    With ``Z = s U``, ``s = sqrt(variance)`` and ``U`` standard normal, the
    expectation is the integral of ``fn(s u) phi(u)`` over ``u``; the rule
    sums it on ``[-12, 12]`` (``phi(12)`` is below ``1e-31``) with spacing
    ``step`` in ``u``.  For an integrand analytic in a strip around the real
    axis the trapezoid rule converges exponentially: for ``tanh``, its powers
    and its derivatives, whose nearest singularities are at ``z = +-i pi/2``,
    the error is about ``exp(-pi^2 / (s * step))``, so the default
    ``step = min(0.02, 0.25 / s)`` keeps it at rounding level for every
    variance.  (A fixed Gauss-Hermite rule does not: its nodes spread with
    ``s`` and, with 101 nodes, miss ``E[tanh'(Z)^2]`` by 9 % at variance 16.)
    ``fn`` must accept a numpy array.
    """
    variance = check_real("variance", variance, low=0.0)
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__}")
    s = float(np.sqrt(variance))
    if step is None:
        step = 0.02 if s <= 12.5 else 0.25 / s
    step = check_real("step", step, low=0.0, high=0.5, low_open=True)
    n = int(np.ceil(24.0 / step))  # intervals on [-12, 12], spacing <= step
    u = np.linspace(-12.0, 12.0, n + 1)
    integrand = np.asarray(fn(s * u), dtype=np.float64) * np.exp(-0.5 * u * u)
    h = 24.0 / n
    total = h * (integrand.sum() - 0.5 * (integrand[0] + integrand[-1]))
    return float(total / np.sqrt(2.0 * np.pi))


def mean_field_tanh(scale: float, depth: int, *, input_variance: float = 1.0):
    """What :func:`scale_profile` should measure for a very wide tanh network (chapter 4).

    With weight variance ``scale^2 / n`` and zero biases, the pre-activations
    of layer ``l`` are close to N(0, q_l) with ``q_l = scale^2 v_{l-1}``, where
    ``v_l = E[tanh(z)^2]`` is the activations' variance and ``v_0`` the
    input's.  Backpropagation multiplies the variance of dL/dZ by
    ``g_l = scale^2 E[tanh'(z_{l})^2]`` on the way from layer ``l + 1`` down
    to layer ``l``.  Returns ``(v, g)``, each of length ``depth``: ``v[l-1]``
    for layer ``l``, and ``g[l-1]`` the gain into layer ``l`` (``g[-1]`` is
    computed for completeness; the last hidden layer has no layer above it
    in the network).
    """
    scale = check_real("scale", scale, low=0.0, low_open=True)
    depth = check_int("depth", depth, low=1)
    v_prev = check_real("input_variance", input_variance, low=0.0)
    v, g = np.empty(depth), np.empty(depth)
    tanh_prime_sq = lambda z: (1.0 - np.tanh(z) ** 2) ** 2  # noqa: E731
    for layer in range(depth):
        q = scale**2 * v_prev
        v[layer] = gauss_expect(lambda z: np.tanh(z) ** 2, q)
        g[layer] = scale**2 * gauss_expect(tanh_prime_sq, q)
        v_prev = v[layer]
    return v, g


# ----------------------------------------------------------------------------
# Where the sigmoid and tanh are flat (chapter 4)
# ----------------------------------------------------------------------------
def slope_window(activation: str, level: float) -> float:
    """Half-width ``x_c`` of the window where the slope is at least ``level`` (chapter 4).

    ``f'(x) >= level`` exactly when ``|x| <= x_c``, from the closed forms
    ``sigma'(x) = 1 / (4 cosh^2(x/2))`` and ``tanh'(x) = 1 / cosh^2(x)``:

    * sigmoid: ``x_c = 2 arccosh(1 / (2 sqrt(level)))`` for ``0 < level <= 1/4``;
    * tanh: ``x_c = arccosh(1 / sqrt(level))`` for ``0 < level <= 1``.
    """
    if activation not in ("sigmoid", "tanh"):
        raise ValueError(f"activation must be 'sigmoid' or 'tanh'; got {activation!r}")
    peak = _activations.get(activation).max_slope
    level = check_real("level", level, low=0.0, high=peak, low_open=True)
    if activation == "sigmoid":
        return float(2.0 * np.arccosh(1.0 / (2.0 * np.sqrt(level))))
    return float(np.arccosh(1.0 / np.sqrt(level)))


def saturated_share(activation: str, level: float, half_width: float) -> float:
    """Share of the interval ``[-half_width, half_width]`` where the slope is below ``level`` (chapter 4)."""
    half_width = check_real("half_width", half_width, low=0.0, low_open=True)
    return max(0.0, 1.0 - slope_window(activation, level) / half_width)


# ----------------------------------------------------------------------------
# Sigmoid against tanh chains (chapter 4's first widget)
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainComparison:
    """``|da_d/dz_1|`` over the same random chains with different activations (chapter 4).

    ``quantiles[name]`` has shape ``(3, max_depth)``: the 10th, 50th and 90th
    percentile over chains at each depth ``d = 1..max_depth``; ``first[name]``
    and ``last[name]`` hold every chain's value at depth 1 and at
    ``max_depth``.
    """

    depths: np.ndarray  #: 1..max_depth
    quantiles: dict  #: activation name -> (3, max_depth) array
    first: dict  #: activation name -> (n_chains,) array at depth 1
    last: dict  #: activation name -> (n_chains,) array at the deepest layer

    def per_layer_factor(self, name: str) -> float:
        """The typical factor by which one more layer multiplies the gradient.

        The geometric mean over chains of ``(g_D / g_1) ** (1 / (D - 1))``,
        with ``g_d = |da_d/dz_1|`` and ``D = max_depth``.
        """
        if self.depths.size < 2:
            raise ValueError("per_layer_factor needs max_depth >= 2")
        if name not in self.last:
            raise ValueError(f"name must be one of {sorted(self.last)}; got {name!r}")
        if np.any(self.last[name] <= 0.0):
            raise ValueError(f"some {name} gradients underflowed to 0; use a smaller max_depth")
        return per_layer_factor(self.first[name], self.last[name], self.depths.size - 1)


def compare_chains(
    max_depth: int,
    weight_bound: float,
    rng_seed: int = 0,
    *,
    n_chains: int = 2000,
    activations=("sigmoid", "tanh"),
) -> ChainComparison:
    """The first-layer gradient of random chains, one activation after the other (chapter 4).

    Each activation gets a fresh ``numpy.random.default_rng(rng_seed)``, so
    every activation sees the *same* chains: weights ~ U(-weight_bound,
    weight_bound), biases ~ N(0, 1), inputs ~ U(-1, 1)
    (:func:`vanishing.core.chain.first_layer_gradients`).  Differences between
    the activations are then the activation's doing, not the draw's.
    """
    max_depth = check_int("max_depth", max_depth, low=1)
    rng_seed = check_int("rng_seed", rng_seed, low=0)
    weight_bound = check_real("weight_bound", weight_bound, low=0.0, low_open=True)
    if isinstance(activations, str) or len(activations) == 0:
        raise ValueError("activations must be a non-empty sequence of activation names")
    quantiles, last, first = {}, {}, {}
    for name in activations:
        grads = _chain.first_layer_gradients(
            max_depth, n_chains, np.random.default_rng(rng_seed), weight_bound=weight_bound, activation=name
        )
        quantiles[name] = np.quantile(grads, (0.1, 0.5, 0.9), axis=0)
        last[name] = grads[:, -1]
        first[name] = grads[:, 0]
    return ChainComparison(np.arange(1, max_depth + 1), quantiles, first, last)


# ----------------------------------------------------------------------------
# Why zero-centred inputs help (chapter 4)
# ----------------------------------------------------------------------------
def single_orthant_share(inputs, deltas) -> float:
    """Share of examples whose incoming-weight gradient has one sign throughout (chapter 4).

    A unit with inputs ``a_p`` (row ``p`` of ``inputs``, shape ``(P, n)``)
    and back-propagated error ``delta_p = dL/dz_p`` (shape ``(P,)``) has, for
    example ``p``, the weight gradient ``delta_p * a_p``.  The function counts
    the examples for which all ``n`` entries are > 0 or all are < 0: the
    gradient then points into a single orthant, and one step can only move
    every weight up together or every weight down together.
    """
    A = np.asarray(as_float_array("inputs", inputs), dtype=np.float64)
    d = np.asarray(as_float_array("deltas", deltas), dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 1 or A.shape[1] < 1:
        raise ValueError(f"inputs must be a (P, n) array with P, n >= 1; got shape {A.shape}")
    if d.shape != (A.shape[0],):
        raise ValueError(f"deltas must have shape ({A.shape[0]},), one error per example; got {d.shape}")
    G = d[:, None] * A
    one_sign = np.all(G > 0, axis=1) | np.all(G < 0, axis=1)
    return float(np.mean(one_sign))


def sgd_path(inputs, targets, eta: float, *, w0=None) -> np.ndarray:
    """Weights of one linear unit trained by per-example gradient descent (chapter 4).

    The unit predicts ``w . x_p`` and takes, for each example in turn, one
    step on ``L_p = (w . x_p - t_p)^2 / 2``, whose gradient is
    ``(w . x_p - t_p) x_p``.  Returns every iterate, shape ``(P + 1, n)``,
    starting with ``w0`` (zeros by default).
    """
    X = np.asarray(as_float_array("inputs", inputs), dtype=np.float64)
    t = np.asarray(as_float_array("targets", targets), dtype=np.float64)
    eta = check_real("eta", eta, low=0.0, low_open=True)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"inputs must be a (P, n) array with P, n >= 1; got shape {X.shape}")
    if t.shape != (X.shape[0],):
        raise ValueError(f"targets must have shape ({X.shape[0]},), one per example; got {t.shape}")
    w = np.zeros(X.shape[1]) if w0 is None else np.array(as_float_array("w0", w0), dtype=np.float64)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w0 must have shape ({X.shape[1]},); got {w.shape}")
    path = np.empty((X.shape[0] + 1, X.shape[1]))
    path[0] = w
    for p, (x, target) in enumerate(zip(X, t, strict=True), start=1):
        w = w - eta * (w @ x - target) * x
        path[p] = w
    return path


# Cached, seeded versions for chapter 4's figures and widgets: a twin draws
# every frame and describes it, and both ask for the same numbers.
@frozen_cache(maxsize=128)
def seeded_scale_profile(scale: float, depth: int, width: int, n_samples: int, seed: int) -> InitProfile:
    """:func:`scale_profile` with ``rng = numpy.random.default_rng(seed)``, cached (read-only arrays)."""
    return scale_profile(
        scale, depth=depth, width=width, rng=np.random.default_rng(seed), n_samples=n_samples
    )


@frozen_cache(maxsize=64)
def seeded_chain_comparison(depth: int, weight_bound: float, n_chains: int, seed: int) -> ChainComparison:
    """:func:`compare_chains` for these settings, cached (read-only arrays)."""
    return compare_chains(depth, weight_bound, seed, n_chains=n_chains)
