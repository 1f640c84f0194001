"""ELU's bias shift and SELU's self-normalising fixed point (chapter 8).

Three groups of tools:

* **Gaussian moments of the ELU family.**  :func:`elu_gaussian_moments`
  gives ``E[f(z)]`` and ``E[f(z)^2]`` in closed form for
  ``f = scale * elu_alpha`` and ``z ~ N(mean, var)``; ``alpha = 0`` is the
  ReLU, ``(alpha, scale) = (SELU_ALPHA, SELU_LAMBDA)`` the SELU.  From them
  come the mean/variance map of Klambauer et al. (2017), :func:`moment_map`
  (their eq. 3-5, a unit whose weight vector has sum ``omega`` and squared
  norm ``tau``), its version for a layer of *random* weights,
  :func:`pooled_moment_map`, the iterated map :func:`trajectory`, its
  Jacobian :func:`jacobian`, and :func:`fixed_point_parameters`, which
  solves the fixed-point conditions for ``alpha`` and ``lambda`` numerically.
* **Deep networks at initialisation.**  :func:`forward_pass`
  and :func:`forward_statistics` push a batch through ``depth`` square
  layers with weights ``N(0, gain / width)`` (``gain = 1``: LeCun normal,
  ``gain = 2``: He normal), optionally with standard or alpha dropout;
  :func:`compare_profiles` runs :func:`vanishing.core.diagnostics.profile`
  (forward and backward statistics) for the three pairings the chapter
  compares; :func:`bias_shift_curves` and
  :func:`selu_depth_curves` (cached) feed the chapter's two widgets, and
  :func:`track_training` follows the mean activations while a network learns;
  :func:`forward_backward` (cached) measures, over several seeds, the
  forward statistics beside the size of the backward signal ``dL/dZ`` and
  sets both against the wide-network predictions of
  :mod:`vanishing.core.propagation` (the chapter's third widget).
  :func:`alpha_dropout` and :func:`standard_dropout` apply the two kinds of
  dropout the chapter compares.
* **Why a non-zero mean slows learning.**  :func:`input_moment_spectrum`
  gives the eigenvalues of ``E[a~ a~^T]`` for a layer's activations with a
  bias input ``1`` prepended: the Hessian of a linear unit with squared loss
  (LeCun, Kanter and Solla 1991) and, up to a weighting, the unit Fisher
  matrix of Clevert et al. (2016).

Every function validates its input and raises ``TypeError``/``ValueError``
naming the parameter.  Nothing exponentiates a large positive number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special

from ..core import activations as _act
from ..core import data as _data
from ..core import diagnostics as _diagnostics
from ..core import mlp as _mlp
from ..core import propagation as _propagation
from ..core import training as _training
from ..core._checks import as_float_array, check_generator, check_int, check_real
from ..core.activations import SELU_ALPHA, SELU_LAMBDA
from ..core.cache import frozen_cache

__all__ = [
    "BIAS_SHIFT_DEPTH",
    "DROPOUTS",
    "ForwardStats",
    "ForwardBackward",
    "PAIRINGS",
    "TrainingTrace",
    "alpha_dropout",
    "alpha_dropout_affine",
    "bias_shift_curves",
    "compare_profiles",
    "elu_gaussian_moments",
    "fixed_point_parameters",
    "FAMILY",
    "forward_pass",
    "forward_statistics",
    "forward_backward",
    "input_moment_spectrum",
    "jacobian",
    "moment_map",
    "pooled_moment_map",
    "selu_depth_curves",
    "spectral_norm",
    "standard_dropout",
    "track_training",
    "trajectory",
]


_SQRT2 = np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
DROPOUTS = ("none", "standard", "alpha")


# --------------------------------------------------------------------------
# Gaussian moments
# --------------------------------------------------------------------------
def _Phi(t):
    return 0.5 * scipy.special.erfc(-t / _SQRT2)


def _exp_tail(m, s, k):
    """E[exp(k z) 1{z <= 0}] for z ~ N(m, s^2), without overflow.

    The exact value is exp(k m + k^2 s^2 / 2) Phi(-t), t = (m + k s^2) / s.
    For t >= 0 we write Phi(-t) = erfcx(t / sqrt 2) exp(-t^2 / 2) / 2 and the
    exponents combine to -m^2 / (2 s^2) <= 0; for t < 0 the exponent
    k m + k^2 s^2 / 2 is itself negative.  Each branch sees clipped input, so
    the branch np.where discards never overflows either.
    """
    t = (m + k * s * s) / s
    pos = t >= 0
    scaled = 0.5 * scipy.special.erfcx(np.where(pos, t, 0.0) / _SQRT2) * np.exp(-0.5 * (m / s) ** 2)
    direct = np.exp(np.minimum(k * m + 0.5 * (k * s) ** 2, 0.0)) * _Phi(-np.where(pos, 0.0, t))
    return np.where(pos, scaled, direct)


def elu_gaussian_moments(mean, var, *, alpha: float, scale: float = 1.0):
    """``(E[f(z)], E[f(z)^2])`` for ``f = scale * elu_alpha`` and ``z ~ N(mean, var)``.

    ``alpha = 0`` gives the ReLU (times ``scale``); SELU is
    ``alpha=SELU_ALPHA, scale=SELU_LAMBDA``.  ``mean`` and ``var`` broadcast;
    ``var`` must be positive.  Closed form (chapter 8), with ``s = sqrt(var)``,
    ``P = Phi(-mean/s)`` and ``E_k = E[exp(k z) 1{z <= 0}]``::

        E[f]   = scale   (mean Phi(mean/s) + s phi(mean/s) + alpha (E_1 - P))
        E[f^2] = scale^2 ((mean^2 + var) Phi(mean/s) + mean s phi(mean/s)
                          + alpha^2 (E_2 - 2 E_1 + P))
    """
    alpha = check_real("alpha", alpha, low=0.0)
    scale = check_real("scale", scale, low=0.0, low_open=True)
    m = np.asarray(as_float_array("mean", mean), dtype=np.float64)
    v = np.asarray(as_float_array("var", var), dtype=np.float64)
    if np.any(v <= 0):
        raise ValueError("var must be positive (the pre-activations need a spread)")
    m, v = np.broadcast_arrays(m, v)
    s = np.sqrt(v)
    r = m / s
    p_pos = _Phi(r)
    p_neg = _Phi(-r)
    dens = _INV_SQRT_2PI * np.exp(-0.5 * r * r)
    e1 = _exp_tail(m, s, 1.0)
    e2 = _exp_tail(m, s, 2.0)
    first = scale * (m * p_pos + s * dens + alpha * (e1 - p_neg))
    second = scale**2 * ((m * m + v) * p_pos + m * s * dens + alpha**2 * (e2 - 2.0 * e1 + p_neg))
    return first, second


def _check_selu_params(alpha, lam):
    return check_real("alpha", alpha, low=0.0), check_real("lam", lam, low=0.0, low_open=True)


def _mean_var(m, v, alpha, lam):
    first, second = elu_gaussian_moments(m, v, alpha=alpha, scale=lam)
    return first, np.maximum(second - first**2, 0.0)  # clip a rounding-level negative


def moment_map(mu, nu, *, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """Klambauer et al.'s map ``g: (mu, nu) -> (mu~, nu~)`` (their eq. 3-5).

    The inputs ``x_i`` of a unit are independent with mean ``mu`` and
    variance ``nu``; its weights have sum ``omega`` and squared norm ``tau``,
    so its pre-activation is ``z ~ N(mu * omega, nu * tau)`` (central limit
    theorem).  Returns the mean and variance of ``lam * elu_alpha(z)``.
    ``mu, nu`` may be arrays (``nu > 0``).
    """
    omega = check_real("omega", omega)
    tau = check_real("tau", tau, low=0.0, low_open=True)
    alpha, lam = _check_selu_params(alpha, lam)
    mu = np.asarray(as_float_array("mu", mu), dtype=np.float64)
    nu = np.asarray(as_float_array("nu", nu), dtype=np.float64)
    if np.any(nu <= 0):
        raise ValueError("nu must be positive")
    return _mean_var(mu * omega, nu * tau, alpha, lam)


def pooled_moment_map(mu, nu, *, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """The map for a layer of independent random weights ``N(0, tau / n)``.

    Each unit's weight sum ``omega`` is then itself random, ``N(0, tau)``, so
    over the units of a layer the pre-activations mix ``N(mu * omega, nu * tau)``
    into ``N(0, tau * (nu + mu^2))``: the input mean adds to the spread
    instead of shifting it.  At ``mu = 0`` this agrees with
    :func:`moment_map` at ``omega = 0``.  Used to predict the layer statistics
    that :func:`forward_statistics` measures.
    """
    tau = check_real("tau", tau, low=0.0, low_open=True)
    alpha, lam = _check_selu_params(alpha, lam)
    mu = np.asarray(as_float_array("mu", mu), dtype=np.float64)
    nu = np.asarray(as_float_array("nu", nu), dtype=np.float64)
    if np.any(nu < 0):
        raise ValueError("nu must be non-negative")
    spread = tau * (nu + mu * mu)
    if np.any(spread <= 0):
        raise ValueError("nu + mu**2 must be positive")
    return _mean_var(np.zeros_like(spread), spread, alpha, lam)


def trajectory(
    mu0, nu0, n_layers: int, *, pooled=False, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA
):
    """Iterate the map ``n_layers`` times from ``(mu0, nu0)``.

    Returns two arrays of length ``n_layers + 1`` (index 0 is the input).
    ``pooled=True`` iterates :func:`pooled_moment_map` (``omega`` must then
    be 0), otherwise :func:`moment_map`.
    """
    n_layers = check_int("n_layers", n_layers, low=0)
    mu = [check_real("mu0", mu0)]
    nu = [check_real("nu0", nu0, low=0.0, low_open=True)]
    if pooled and check_real("omega", omega) != 0.0:
        raise ValueError("omega must be 0 with pooled=True (random weights have no fixed sum)")
    for _ in range(n_layers):
        if pooled:
            m, v = pooled_moment_map(mu[-1], nu[-1], tau=tau, alpha=alpha, lam=lam)
        else:
            m, v = moment_map(mu[-1], nu[-1], omega=omega, tau=tau, alpha=alpha, lam=lam)
        mu.append(float(m))
        nu.append(float(v))
    return np.array(mu), np.array(nu)


def jacobian(mu=0.0, nu=1.0, *, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA, h=1e-5):
    """The 2x2 Jacobian of :func:`moment_map` at ``(mu, nu)``, by central differences.

    Rows are ``(mu~, nu~)``, columns ``(mu, nu)``.  The error is of order
    ``h^2`` (about 1e-10 for the default), far below the digits printed.
    """
    h = check_real("h", h, low=0.0, low_open=True)
    mu = check_real("mu", mu)
    nu = check_real("nu", nu, low=h, low_open=True)
    kw = {"omega": omega, "tau": tau, "alpha": alpha, "lam": lam}
    out = np.empty((2, 2))
    for col, (dm, dn) in enumerate(((h, 0.0), (0.0, h))):
        plus = moment_map(mu + dm, nu + dn, **kw)
        minus = moment_map(mu - dm, nu - dn, **kw)
        out[:, col] = [(float(p) - float(q)) / (2 * h) for p, q in zip(plus, minus, strict=True)]
    return out


def spectral_norm(matrix) -> float:
    """The largest singular value of a matrix (the factor by which it can stretch a vector)."""
    a = np.asarray(as_float_array("matrix", matrix), dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"matrix must be 2-D; got shape {a.shape}")
    return float(np.linalg.svd(a, compute_uv=False)[0])


def fixed_point_parameters(mu=0.0, nu=1.0):
    """``(alpha, lam)`` that make ``(mu, nu)`` a fixed point of :func:`moment_map`
    with normalised weights ``omega = 0``, ``tau = 1``.

    Solves the two equations ``mu~ = mu``, ``nu~ = nu`` with
    :func:`scipy.optimize.root`, starting from ``(1.5, 1.0)``, on the closed-form
    Gaussian moments.  ``(0, 1)`` gives SELU's published constants.  Raises
    ``ValueError`` unless the solver reaches positive values whose residuals
    are below ``1e-12``.
    """
    mu = check_real("mu", mu)
    nu = check_real("nu", nu, low=0.0, low_open=True)

    def residual(p):
        # abs(): the solver may try a negative trial value; the map needs alpha >= 0, lam > 0
        m, v = moment_map(0.0, nu, alpha=abs(p[0]), lam=abs(p[1]) + 1e-300)
        return [float(m) - mu, float(v) - nu]

    sol = scipy.optimize.root(residual, x0=[1.5, 1.0], method="hybr", tol=1e-13)
    alpha, lam = (float(v) for v in sol.x)
    # Judge by the residual: "hybr" may stop with a step-size warning at a solution already
    # exact to rounding, and report success=False.
    if alpha <= 0 or lam <= 0 or max(abs(r) for r in residual(sol.x)) > 1e-12:
        raise ValueError(f"no positive (alpha, lam) found for the fixed point ({mu:g}, {nu:g})")
    return alpha, lam


# --------------------------------------------------------------------------
# Dropout on SELU activations
# --------------------------------------------------------------------------
def alpha_dropout_affine(rate: float, *, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """``(a, b)`` of alpha dropout (Klambauer et al. 2017) for drop probability ``rate``.

    A dropped activation is set to the SELU's negative saturation value
    ``alpha' = -lam * alpha``, then every activation is mapped to
    ``a x + b`` so that inputs of mean 0 and variance 1 keep them:
    ``a = (q + alpha'^2 q (1 - q))^(-1/2)``, ``b = -a (1 - q) alpha'`` with
    ``q = 1 - rate``.
    """
    rate = check_real("rate", rate, low=0.0, high=1.0, high_open=True)
    alpha, lam = _check_selu_params(alpha, lam)
    q = 1.0 - rate
    sat = -lam * alpha
    a = (q + sat * sat * q * (1.0 - q)) ** -0.5
    return a, -a * (1.0 - q) * sat


def _keep_mask(shape, rate, rng):
    return rng.random(shape) >= rate


def alpha_dropout(x, rate: float, rng: np.random.Generator, *, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """Training-mode alpha dropout of the activations ``x`` (each dropped with probability ``rate``)."""
    x = np.asarray(as_float_array("x", x), dtype=np.float64)
    rng = check_generator("rng", rng)
    a, b = alpha_dropout_affine(rate, alpha=alpha, lam=lam)
    keep = _keep_mask(x.shape, rate, rng)
    return a * np.where(keep, x, -lam * alpha) + b


def standard_dropout(x, rate: float, rng: np.random.Generator):
    """Training-mode (inverted) dropout: zero with probability ``rate``, scale the rest by ``1/(1 - rate)``."""
    x = np.asarray(as_float_array("x", x), dtype=np.float64)
    rng = check_generator("rng", rng)
    rate = check_real("rate", rate, low=0.0, high=1.0, high_open=True)
    return np.where(_keep_mask(x.shape, rate, rng), x / (1.0 - rate), 0.0)


# --------------------------------------------------------------------------
# Deep networks at initialisation
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ForwardStats:
    """Per-layer statistics of the activations, pooled over examples and units.

    Index ``l - 1`` is hidden layer ``l``; ``input_mean``/``input_std`` describe
    the batch fed in.
    """

    layers: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    pre_std: np.ndarray
    input_mean: float
    input_std: float


def forward_pass(
    activation,
    *,
    depth: int,
    width: int,
    rng: np.random.Generator,
    gain: float = 1.0,
    input_mean: float = 0.0,
    input_std: float = 1.0,
    n_samples: int = 256,
    dropout: str = "none",
    rate: float = 0.1,
):
    """Pre-activations and activations of every hidden layer of a fresh network.

    The batch is ``input_mean + input_std * N(0, 1)`` of shape
    ``(n_samples, width)``; each of the ``depth`` square layers has weights
    ``N(0, gain / width)`` and zero biases (``gain=1``: LeCun normal,
    ``gain=2``: He normal).  ``dropout`` (``"none"``, ``"standard"``,
    ``"alpha"``) is applied in training mode to every layer's output with
    drop probability ``rate``.  The random draws (inputs, then per layer the
    weights and the dropout mask) do not depend on the activation, so two
    calls with generators of the same seed see the same inputs and weights.
    Returns ``(pre_activations, activations)``, two lists of ``depth`` arrays.
    """
    act = _act.get(activation)
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    n_samples = check_int("n_samples", n_samples, low=2)
    rng = check_generator("rng", rng)
    gain = check_real("gain", gain, low=0.0, low_open=True)
    input_mean = check_real("input_mean", input_mean)
    input_std = check_real("input_std", input_std, low=0.0, low_open=True)
    if dropout not in DROPOUTS:
        raise ValueError(f"dropout must be one of {DROPOUTS}; got {dropout!r}")
    rate = check_real("rate", rate, low=0.0, high=1.0, high_open=True)
    a = input_mean + input_std * rng.normal(size=(n_samples, width))
    std_w = np.sqrt(gain / width)
    zs, acts = [], []
    for _ in range(depth):
        z = a @ rng.normal(0.0, std_w, size=(width, width))
        a = act._kernel(z)
        keep = _keep_mask(a.shape, rate, rng) if dropout != "none" else None
        if dropout == "standard":
            a = np.where(keep, a / (1.0 - rate), 0.0)
        elif dropout == "alpha":
            sat = -SELU_LAMBDA * SELU_ALPHA
            scale, shift = alpha_dropout_affine(rate)
            a = scale * np.where(keep, a, sat) + shift
        zs.append(z)
        acts.append(a)
    return zs, acts


def forward_statistics(activation, **kwargs) -> ForwardStats:
    """:func:`forward_pass`, summarised layer by layer (same keyword arguments)."""
    zs, acts = forward_pass(activation, **kwargs)
    return ForwardStats(
        layers=np.arange(1, len(acts) + 1),
        act_mean=np.array([a.mean() for a in acts]),
        act_std=np.array([a.std() for a in acts]),
        pre_std=np.array([z.std() for z in zs]),
        input_mean=float(kwargs.get("input_mean", 0.0)),
        input_std=float(kwargs.get("input_std", 1.0)),
    )


#: The depth for which :func:`bias_shift_curves` computes its ReLU network at least: chapter 8's
#: depth slider ends here.
BIAS_SHIFT_DEPTH = 60


@frozen_cache(maxsize=64)
def _bias_shift_network(alpha: float, depth: int, width: int, seed: int):
    """One network of :func:`bias_shift_curves` (``alpha = 0``: the ReLU) and its Gaussian prediction."""
    act = "relu" if alpha == 0.0 else _act.get("elu", alpha=alpha)
    stats = forward_statistics(act, rng=np.random.default_rng(seed), depth=depth, width=width, gain=2.0)
    mu, nu = trajectory(0.0, 1.0, depth, pooled=True, tau=2.0, alpha=alpha, lam=1.0)
    return stats, (mu[1:], np.sqrt(nu[1:]))


def _first_layers(stats: ForwardStats, depth: int) -> ForwardStats:
    """``stats`` of the first ``depth`` hidden layers only."""
    return dataclasses.replace(
        stats,
        layers=stats.layers[:depth],
        act_mean=stats.act_mean[:depth],
        act_std=stats.act_std[:depth],
        pre_std=stats.pre_std[:depth],
    )


@frozen_cache(maxsize=128)
def bias_shift_curves(alpha: float = 1.0, depth: int = 20, width: int = 128, seed: int = 0):
    """Chapter 8's bias-shift experiment: ReLU against ELU(``alpha``), He normal, same weights.

    Returns ``(relu, elu, relu_theory, elu_theory)``: two :class:`ForwardStats`
    measured with generators of the same ``seed`` (so the same inputs and
    weights), and for each a ``(mean, std)`` pair of arrays predicted by the
    Gaussian map :func:`pooled_moment_map` with ``tau = 2``.  Cached (the
    widget's plot and alt text both call it); the arrays are read-only.

    :func:`forward_pass` draws the inputs first and then the layers in order,
    and the map is iterated layer by layer, so the first ``depth`` layers of a
    deeper network are this network.  The ReLU network does not depend on
    ``alpha``: it is computed (and cached) once for at least
    :data:`BIAS_SHIFT_DEPTH` layers and cut to ``depth``, so a move of the
    widget's alpha or depth slider computes only the ELU network.
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    depth = check_int("depth", depth, low=1)
    relu, relu_th = _bias_shift_network(0.0, max(depth, BIAS_SHIFT_DEPTH), width, seed)
    elu, elu_th = _bias_shift_network(alpha, depth, width, seed)
    return _first_layers(relu, depth), elu, tuple(a[:depth] for a in relu_th), elu_th


@frozen_cache(maxsize=128)
def selu_depth_curves(
    gain: float = 1.0, input_std: float = 3.0, depth: int = 40, width: int = 128, seed: int = 0
):
    """Chapter 8's second widget: a deep SELU network, measured and predicted.

    Returns ``(stats, (mean, std))``: the :class:`ForwardStats` of a SELU
    network with weights ``N(0, gain / width)`` fed inputs of mean 0 and
    standard deviation ``input_std``, and the layer-by-layer mean and standard
    deviation that :func:`pooled_moment_map` predicts.  Cached; read-only arrays.
    """
    stats = forward_statistics(
        "selu", depth=depth, width=width, gain=gain, input_std=input_std, rng=np.random.default_rng(seed)
    )
    mu, nu = trajectory(0.0, input_std**2, depth, pooled=True, tau=gain)
    return stats, (mu[1:], np.sqrt(nu[1:]))


#: The activations :func:`forward_backward` compares, with their ``(alpha, scale)`` in ``scale * elu_alpha``.
FAMILY = {"selu": (SELU_ALPHA, SELU_LAMBDA), "elu": (1.0, 1.0), "relu": (0.0, 1.0)}


@dataclass(frozen=True)
class ForwardBackward:
    """What :func:`forward_backward` measured and predicted; rows of the 2-D arrays are seeds.

    Index ``l - 1`` of a row is hidden layer ``l``.  ``delta_rel`` is the
    standard deviation of ``dL/dZ_l`` divided by that of the last hidden
    layer (where the backward pass enters), so 1 in the last column.
    The ``*_theory`` arrays come from the wide-network maps: the mean and
    standard deviation of the activations from :func:`pooled_moment_map`, the
    backward signal from :func:`vanishing.core.propagation.gradient_trajectory`
    (square-rooted).  ``q_star`` and ``chi_1`` are
    :func:`vanishing.core.propagation.wide_gain` (``inf`` and ``nan`` where the
    variance grows without bound).
    """

    activation: str
    gain: float
    seeds: tuple
    layers: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    delta_rel: np.ndarray
    mean_theory: np.ndarray
    std_theory: np.ndarray
    delta_theory: np.ndarray
    q_star: float
    chi_1: float


def forward_backward(
    activation: str = "selu",
    gain: float = 1.0,
    depth: int = 30,
    width: int = 128,
    seeds: tuple = (0, 1, 2, 3, 4),
) -> ForwardBackward:
    """Chapter 8's third widget: forward statistics and the backward signal of one network, per seed.

    ``activation`` is ``"selu"``, ``"elu"`` (``alpha = 1``) or ``"relu"``; the
    ``depth`` hidden layers of ``width`` units have weights ``N(0, gain / width)``
    (``gain = 1``: LeCun normal, ``2``: He normal, ``0.5625``: PyTorch's
    ``kaiming_normal_(w, nonlinearity="selu")``) and zero biases, and the inputs
    are standard normal.  Each seed runs :func:`vanishing.core.diagnostics.profile`
    once (standard-normal error at the output, independent of the network's
    output).  Cached; read-only arrays.
    """
    if activation not in FAMILY:
        raise ValueError(f"activation must be one of {tuple(FAMILY)}; got {activation!r}")
    gain = check_real("gain", gain, low=0.0, low_open=True)
    depth = check_int("depth", depth, low=2)
    width = check_int("width", width, low=1)
    if not isinstance(seeds, tuple) or not seeds:
        raise TypeError("seeds must be a non-empty tuple of seeds")
    seeds = tuple(check_int("seeds", s, low=0) for s in seeds)
    return _forward_backward(activation, gain, depth, width, seeds)


@frozen_cache(maxsize=256)
def _forward_backward(activation, gain, depth, width, seeds) -> ForwardBackward:
    """:func:`forward_backward` on checked arguments (cached, so a list of seeds must not reach it)."""
    std_w = float(np.sqrt(gain / width))
    runs = [
        _diagnostics.profile(
            activation, "normal", std=std_w, depth=depth, width=width, rng=np.random.default_rng(s)
        )
        for s in seeds
    ]
    alpha, scale = FAMILY[activation]
    mu, nu = trajectory(0.0, 1.0, depth, pooled=True, tau=gain, alpha=alpha, lam=scale)
    sigma_w = float(np.sqrt(gain))
    with np.errstate(over="ignore"):
        grad_sq = _propagation.gradient_trajectory(activation, gain, depth, sigma_w, 0.0)
    q_star, chi_1 = _propagation.wide_gain(activation, sigma_w)
    return ForwardBackward(
        activation=activation,
        gain=gain,
        seeds=seeds,
        layers=np.arange(1, depth + 1),
        act_mean=np.array([r.act_mean for r in runs]),
        act_std=np.array([r.act_std for r in runs]),
        delta_rel=np.array([r.delta_std / r.delta_std[-1] for r in runs]),
        mean_theory=mu[1:],
        std_theory=np.sqrt(nu[1:]),
        delta_theory=np.sqrt(grad_sq),
        q_star=float(q_star),
        chi_1=float(chi_1),
    )


_DISPLAY = {
    "selu": "SELU",
    "relu": "ReLU",
    "elu": "ELU",
    "lecun_normal": "LeCun normal",
    "he_normal": "He normal",
}

#: The three pairings of activation and initialisation chapter 8 compares.
PAIRINGS = (("selu", "lecun_normal"), ("relu", "he_normal"), ("elu", "he_normal"))


def compare_profiles(*, depth: int = 64, width: int = 256, seed: int = 0):
    """:func:`vanishing.core.diagnostics.profile` for SELU + LeCun, ReLU + He and ELU + He.

    Each uses a generator of the same ``seed``.  Returns a dict from a label
    such as ``"SELU + LeCun normal"`` to the :class:`~vanishing.core.diagnostics.InitProfile`.
    """
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    seed = check_int("seed", seed, low=0)
    return {
        f"{_DISPLAY[name]} + {_DISPLAY[init]}": _diagnostics.profile(
            name, init, depth=depth, width=width, rng=np.random.default_rng(seed)
        )
        for name, init in PAIRINGS
    }


@dataclass(frozen=True)
class TrainingTrace:
    """What :func:`track_training` recorded, epoch by epoch (row 0 = before training)."""

    median_unit_mean: np.ndarray  #: median over all hidden units of each unit's mean activation
    layer_mean: np.ndarray  #: (epochs + 1, hidden layers): mean activation of each layer
    loss: np.ndarray  #: training loss (cross-entropy on the whole training set)
    test_accuracy: float  #: after the last epoch


def _unit_means(net, X):
    return [net.activation.forward(u).mean(axis=0) for u in net.hidden_inputs(X)]


def track_training(
    activation,
    *,
    hidden: int = 8,
    width: int = 64,
    epochs: int = 10,
    lr: float = 0.01,
    seed: int = 0,
) -> TrainingTrace:
    """Train on scikit-learn's digits and follow the mean activations (chapter 8).

    A scaled-down copy of Clevert et al.'s (2016) MNIST check: ``hidden``
    layers of ``width`` units, He-normal weights, plain SGD with mini-batches
    of 64 and learning rate ``lr``.  After every epoch it records each unit's
    average activation on the training set, their median over all units (the
    quantity Clevert et al. plot) and each layer's mean.  ``seed`` fixes the
    weights and the order of the mini-batches; the data split is always the
    same (seed 0), so two activations with the same ``seed`` start from the
    same weights and see the same batches.
    """
    hidden = check_int("hidden", hidden, low=1)
    width = check_int("width", width, low=1)
    epochs = check_int("epochs", epochs, low=0)
    seed = check_int("seed", seed, low=0)
    split = _data.digits(np.random.default_rng(0))
    X, y = split.X_train, split.y_train
    sizes = [split.n_features] + [width] * hidden + [split.n_classes]
    net = _mlp.MLP.initialise(sizes, activation, "he_normal", np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    medians, layer_means = [], []

    def record(epoch, net):
        means = _unit_means(net, X)
        medians.append(float(np.median(np.concatenate(means))))
        layer_means.append([float(m.mean()) for m in means])

    history = _training.train(net, (X, y), epochs=epochs, lr=lr, rng=rng, batch_size=64, on_epoch=record)
    return TrainingTrace(
        median_unit_mean=np.array(medians),
        layer_mean=np.array(layer_means),
        loss=history.loss,
        test_accuracy=_training.accuracy(net, split.X_test, split.y_test),
    )


# --------------------------------------------------------------------------
# The curvature a non-zero mean creates
# --------------------------------------------------------------------------
def input_moment_spectrum(acts) -> np.ndarray:
    """Eigenvalues (ascending) of ``E[a~ a~^T]``, ``a~ = (1, a_1, ..., a_n)``.

    ``acts`` is a ``(samples, units)`` array of a layer's activations; the
    leading 1 is the input that multiplies the next layer's bias.  For a
    linear unit with squared loss this matrix is the Hessian (LeCun, Kanter
    and Solla 1991); a common mean ``m`` of the inputs adds one large
    eigenvalue of about ``1 + n m^2`` along the direction of the all-ones
    vector, which forces a small learning rate on every other direction.
    """
    a = np.asarray(as_float_array("acts", acts), dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"acts must be a (samples, units) array with at least 2 samples; got {a.shape}")
    tilde = np.hstack([np.ones((a.shape[0], 1)), a])
    return np.linalg.eigvalsh(tilde.T @ tilde / a.shape[0])
