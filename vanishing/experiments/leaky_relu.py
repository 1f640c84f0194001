"""Chapter 7: Leaky ReLU, PReLU and RReLU, the experiments behind the chapter.

Four questions, one section each:

* **What does an inactive unit cost in a chain?**  :func:`leaky_chain_gradients`
  runs random single-neuron chains (:mod:`vanishing.core.chain`) with a Leaky ReLU
  of slope ``alpha`` and records the gradient that reaches the first layer and
  which units were inactive.  In a chain evaluated on one input, unit ``j`` is
  *inactive* when its pre-activation is ``z_j <= 0``: its slope is then
  ``alpha`` instead of 1, so its per-layer factor is ``alpha * w_j``.  The
  first-layer gradient is exactly ``alpha**k * prod_{j>=2} |w_j|`` with ``k``
  the number of inactive units (:func:`predicted_gradient`); with ``alpha = 0``
  a single inactive unit makes it exactly zero, and since the chain sees no
  other input, that unit is then a dead unit in the glossary's sense.
* **And in a wide network?**  :func:`wide_backward_profile` measures the RMS
  backward gradient of every layer of wide Leaky ReLU networks over several
  seeds (:func:`vanishing.core.propagation.simulate`) beside the mean-field
  prediction ``chi_1^{(L - l)/2}`` (:func:`vanishing.core.propagation.chi`):
  with He's leaky variance ``sigma_w^2 = 2 / (1 + alpha^2)``, ``chi_1 = 1`` for
  every ``alpha``; with He's ReLU variance 2, ``chi_1 = 1 + alpha^2``.
* **What does a Leaky ReLU change in training?**  :func:`collapse_comparison`
  trains chapter 6's learning-rate collapse setting
  (:func:`vanishing.experiments.dying_relu.revival_run`) with the ReLU and with
  Leaky ReLUs over several seeds and records the final accuracy, the largest
  share of a layer's units that is dead (``z <= 0`` on every training
  example) and whether a whole layer was ever dead.
* **Where does gradient descent take PReLU's slopes?**  :func:`train_prelu`
  trains a small PReLU network on two moons and keeps every slope after every
  epoch; :func:`slope_quantiles` summarises them per layer, and
  :func:`alpha_finite_differences` checks the slopes' gradients.
* **What does RReLU do at test time?**  :func:`rrelu_conventions` describes the
  original paper's convention (Xu et al. 2015: the negative input is *divided*
  by ``a ~ U(3, 8)`` in training and by ``(3 + 8) / 2`` at test time) and the
  frameworks' (PyTorch: *multiplied* by ``s ~ U(1/8, 1/3)`` in training and by
  the mean ``(1/8 + 1/3) / 2`` in evaluation); :func:`rrelu_mean_shift`
  measures what the difference does to the mean output of a layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core import activations, chain, data, mlp, propagation, training
from ..core._checks import as_float_array, check_generator, check_int, check_real
from ..core.cache import frozen_cache
from . import dying_relu

__all__ = [
    "LOG_ABS_NORMAL",
    "CollapseComparison",
    "LeakyChainSample",
    "PReLURun",
    "RReLUConvention",
    "WIDE_INITS",
    "WideProfile",
    "alpha_finite_differences",
    "collapse_comparison",
    "describe_leaky_chain",
    "describe_wide_profile",
    "expected_log10_gradient",
    "inactive_count_pmf",
    "leaky_chain_gradients",
    "paper_rrelu_slopes",
    "predicted_gradient",
    "rrelu_conventions",
    "rrelu_mean_shift",
    "slope_quantiles",
    "train_prelu",
    "wide_backward_profile",
]

#: E[ln |w|] for w ~ N(0, 1): -(Euler's gamma + ln 2) / 2 (chapter 7 derives it with SymPy).
LOG_ABS_NORMAL = -(0.57721566490153286061 + math.log(2.0)) / 2.0


# --------------------------------------------------------------------------
# Inactive units in a chain
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LeakyChainSample:
    """Random Leaky ReLU chains and the gradient that reaches their first layer.

    Arrays are per chain (first axis); layer ``j`` (1-based) is column ``j - 1``.
    """

    alpha: float  #: the negative slope
    weights: np.ndarray  #: (n_chains, depth) w_j
    z: np.ndarray  #: (n_chains, depth) pre-activations z_j
    grads: np.ndarray  #: (n_chains,) |da_n/dz_1|, the first-layer gradient per unit output error

    @property
    def depth(self) -> int:
        return self.weights.shape[1]

    @property
    def inactive(self) -> np.ndarray:
        """(n_chains, depth) booleans: unit j is inactive on this chain's input (z_j <= 0)."""
        return self.z <= 0

    @property
    def inactive_counts(self) -> np.ndarray:
        """Number of inactive units in each chain, k in 0..depth."""
        return self.inactive.sum(axis=1)

    @property
    def inactive_fraction(self) -> float:
        """Share of all units (every layer of every chain) that are inactive."""
        return float(self.inactive.mean())

    @property
    def zero_fraction(self) -> float:
        """Share of chains whose first-layer gradient is exactly 0."""
        return float(np.mean(self.grads == 0.0))


def leaky_chain_gradients(
    alpha, depth, rng, *, n_chains=2000, weight_std=1.0, bias_std=1.0, x=1.0
) -> LeakyChainSample:
    """Chapter 7's widget: first-layer gradients of random Leaky ReLU chains.

    Weights ~ N(0, weight_std^2), biases ~ N(0, bias_std^2)
    (:func:`vanishing.core.chain.random_chains`), input ``x``; the gradients come
    from :func:`vanishing.core.chain.backward` with
    ``activations.get("leaky_relu", alpha=alpha)``.  ``alpha = 0`` is the ReLU.
    """
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, high_open=True)
    depth = check_int("depth", depth, low=1)
    rng = check_generator("rng", rng)
    x = check_real("x", x)
    w, b = chain.random_chains(depth, n_chains, rng, weight_std=weight_std, bias_std=bias_std)
    g = chain.backward(w, b, x, 0.0, activation=activations.get("leaky_relu", alpha=alpha))
    return LeakyChainSample(alpha=alpha, weights=w, z=g.z, grads=np.abs(g.dout_dz[:, 0]))


def predicted_gradient(alpha, weights, inactive) -> np.ndarray:
    """``alpha**k * prod_{j>=2} |w_j|``: the first-layer gradient the theory predicts.

    ``weights`` and ``inactive`` have shape ``(..., depth)``; ``k`` counts the
    inactive units.  The first weight does not appear: ``da_n/dz_1`` starts at ``f'(z_1)``.
    """
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, high_open=True)
    w = as_float_array("weights", weights)
    inactive = np.asarray(inactive)
    if inactive.dtype != bool or inactive.shape != w.shape:
        raise ValueError(f"inactive must be a boolean array of the weights' shape {w.shape}")
    k = inactive.sum(axis=-1)
    # 0.0**0 == 1: no inactive unit, no loss
    return np.power(alpha, k) * np.prod(np.abs(w[..., 1:]), axis=-1)


def inactive_count_pmf(depth) -> np.ndarray:
    """P(k inactive units) for k = 0..depth in a random chain: Binomial(depth, 1/2).

    With zero-mean symmetric weights and biases drawn afresh for every layer,
    flipping the signs of ``(w_j, b_j)`` flips the sign of ``z_j`` whatever came
    before, so every unit is inactive with probability 1/2, independently.
    """
    depth = check_int("depth", depth, low=1)
    return np.array([math.comb(depth, k) for k in range(depth + 1)], dtype=float) / 2.0**depth


def expected_log10_gradient(alpha, depth, *, weight_std=1.0) -> float:
    """E[log10 |da_n/dz_1|] = (depth/2) log10(alpha) + (depth-1) E[log10 |w|]; ``-inf`` for alpha = 0."""
    alpha = check_real("alpha", alpha, low=0.0, high=1.0)
    depth = check_int("depth", depth, low=1)
    weight_std = check_real("weight_std", weight_std, low=0.0, low_open=True)
    if alpha == 0.0:
        return -math.inf
    per_weight = (math.log(weight_std) + LOG_ABS_NORMAL) / math.log(10.0)
    return depth / 2 * math.log10(alpha) + (depth - 1) * per_weight


def describe_leaky_chain(alpha=0.1, depth=10, *, n_chains=2000, seed=0) -> str:
    """Alt text for one frame of the chapter-7 widget: what the frame shows, with numbers."""
    s = leaky_chain_gradients(alpha, depth, np.random.default_rng(seed), n_chains=n_chains)
    start = f"Leaky ReLU chains with alpha {alpha:g} and depth {depth}: {100 * s.inactive_fraction:.0f} % of units are inactive"
    if s.zero_fraction == 1.0:
        return start + f", and every one of the {n_chains} first-layer gradients is exactly 0."
    live = s.grads[s.grads > 0]
    tail = f"the median first-layer gradient is 10^{np.log10(np.median(live)):.1f}"
    if alpha == 0.0:
        return (
            start
            + f"; {100 * s.zero_fraction:.1f} % of the first-layer gradients are exactly 0, and among the rest "
            + tail
            + "."
        )
    gap = depth / 2 * -math.log10(alpha)
    return (
        start
        + f", none of the gradients is 0, {tail}, on average {gap:.1f} decades below chains without inactive units."
    )


# --------------------------------------------------------------------------
# The same slope in wide layers
# --------------------------------------------------------------------------
#: Weight variances ``sigma_w^2`` (times 1/width) for :func:`wide_backward_profile`:
#: He's for the ReLU, and He et al.'s (2015) eq. (15) for a Leaky ReLU of slope alpha.
WIDE_INITS = {
    "he": lambda alpha: 2.0,
    "he_leaky": lambda alpha: 2.0 / (1.0 + alpha * alpha),
}


@dataclass(frozen=True)
class WideProfile:
    """Backward gradients of wide random Leaky ReLU networks, layer by layer, one row per seed.

    Column ``l - 1`` belongs to layer ``l`` (1 = first, ``depth`` = last).
    """

    alpha: float
    depth: int
    width: int
    seeds: tuple[int, ...]
    init: str  #: a key of :data:`WIDE_INITS`
    sigma_w2: float  #: the weight variance sigma_w^2 (each weight ~ N(0, sigma_w^2 / width))
    chi_1: float  #: mean-field gain of one layer on the mean squared gradient
    rms: np.ndarray  #: (seeds, depth) root mean square of dL/dh^l over units and inputs

    @property
    def relative(self) -> np.ndarray:
        """``rms`` divided by each seed's last layer: 1 at layer ``depth``."""
        return self.rms / self.rms[:, -1:]

    @property
    def predicted(self) -> np.ndarray:
        """``chi_1^{(depth - l)/2}`` for l = 1..depth: the mean-field prediction of :attr:`relative`."""
        return self.chi_1 ** ((self.depth - np.arange(1, self.depth + 1)) / 2.0)

    @property
    def first_over_last(self) -> np.ndarray:
        """Per seed, RMS gradient at layer 1 over that at the last layer."""
        return self.relative[:, 0]


@frozen_cache(maxsize=256)
def _wide_backward_profile(alpha, depth, width, seeds, init):
    act = activations.get("leaky_relu", alpha=alpha)  # alpha = 0 is the ReLU
    sigma_w2 = WIDE_INITS[init](alpha)
    sigma_w = math.sqrt(sigma_w2)
    run = propagation.simulate(act, sigma_w, 0.0, depth=depth, width=width, seeds=seeds)
    # Leaky ReLUs are positively homogeneous: f'^2 does not depend on the variance, so any q will do.
    chi_1 = propagation.chi(act, 1.0, sigma_w)
    return WideProfile(alpha, depth, width, seeds, init, sigma_w2, chi_1, np.sqrt(run.grad_sq))


def wide_backward_profile(
    alpha, depth=30, *, width=256, seeds=(0, 1, 2, 3, 4), init="he_leaky"
) -> WideProfile:
    """Chapter 7: the RMS backward gradient per layer of wide Leaky ReLU networks, one row per seed.

    Each network is :func:`vanishing.core.propagation.simulate` with the Leaky
    ReLU of slope ``alpha`` (0 is the ReLU): ``depth`` layers of ``width``
    units, weights ``N(0, sigma_w^2 / width)`` with ``sigma_w^2`` from
    :data:`WIDE_INITS` (``"he_leaky"``: ``2 / (1 + alpha^2)``; ``"he"``: 2), no
    biases, and a backward pass started at the last layer from standard normal
    errors independent of the forward pass.  ``chi_1`` is
    :func:`vanishing.core.propagation.chi`, ``sigma_w^2 (1 + alpha^2) / 2``.
    Cached per arguments, with read-only arrays, so a widget frame is cheap.
    """
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, high_open=True)
    depth = check_int("depth", depth, low=2)
    width = check_int("width", width, low=1)
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError("seeds must list at least one seed, without repeats")
    if init not in WIDE_INITS:
        raise ValueError(f"init must be one of {sorted(WIDE_INITS)}; got {init!r}")
    return _wide_backward_profile(alpha, depth, width, seeds, init)


def describe_wide_profile(alpha=0.1, depth=30, *, width=256, seeds=(0, 1, 2, 3, 4), n_chains=2000) -> str:
    """Alt text for one frame of chapter 7's chain-versus-wide widget: what it shows, with numbers.

    The chains have the wide networks' leaky He weight variance ``2 / (1 + alpha^2)``.
    """
    weight_std = math.sqrt(
        WIDE_INITS["he_leaky"](check_real("alpha", alpha, low=0.0, high=1.0, high_open=True))
    )
    s = leaky_chain_gradients(
        alpha, depth, np.random.default_rng(0), n_chains=n_chains, weight_std=weight_std
    )
    if s.zero_fraction == 1.0:
        chain_text = f"every one of {n_chains} chains passes a gradient of exactly 0"
    else:
        live = s.grads[s.grads > 0]
        chain_text = f"the median chain passes 10^{np.log10(np.median(live)):.1f}"
        if s.zero_fraction > 0:
            chain_text = (
                f"{100 * s.zero_fraction:.1f} % of {n_chains} chains pass a gradient of exactly 0, "
                f"and the median of the others is 10^{np.log10(np.median(live)):.1f}"
            )
    parts = []
    for init, name in (("he_leaky", "leaky He variance"), ("he", "ReLU He variance 2")):
        p = wide_backward_profile(alpha, depth, width=width, seeds=seeds, init=init)
        r = p.first_over_last
        parts.append(
            f"with the {name} (chi_1 = {p.chi_1:.3f}) the RMS gradient at layer 1 is {np.median(r):.2f} "
            f"times that at layer {depth} at the median of {len(seeds)} seeds "
            f"({r.min():.2f} to {r.max():.2f}; predicted {p.predicted[0]:.2f})"
        )
    return (
        f"Alpha {alpha:g}, depth {depth}. Left, chains of single units with the same weight variance: {chain_text}. "
        f"Right, networks of width {width}: " + "; ".join(parts) + "."
    )


# --------------------------------------------------------------------------
# PReLU: learned slopes
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PReLURun:
    """A PReLU network trained by :func:`train_prelu`, its data and its history."""

    net: mlp.MLP
    split: data.Split
    history: training.History

    @property
    def slopes(self) -> list[np.ndarray]:
        """One array per hidden layer, shape ``(epochs + 1, units)``: every slope after every epoch."""
        n_layers = len(self.history.alphas[0])
        return [np.array([epoch[i] for epoch in self.history.alphas]) for i in range(n_layers)]


def train_prelu(
    seed=0,
    *,
    sizes=(2, 16, 16, 16, 2),
    epochs=100,
    lr=0.01,
    momentum=0.9,
    batch_size=32,
    n_points=600,
    noise=0.2,
) -> PReLURun:
    """Train a PReLU network (one slope per hidden unit, all starting at 0.25) on two moons.

    He initialisation, mini-batch SGD with momentum and no weight decay, as
    He et al. (2015) train their slopes.  ``seed`` fixes the data, the
    initial weights and the order of the mini-batches.
    """
    seed = check_int("seed", seed, low=0)
    split = data.two_moons(n_points, np.random.default_rng(seed), noise=noise)
    net = mlp.MLP.initialise(list(sizes), "prelu", "he_normal", np.random.default_rng(seed + 1))
    history = training.train(
        net,
        split,
        epochs=epochs,
        lr=lr,
        momentum=momentum,
        batch_size=batch_size,
        rng=np.random.default_rng(seed + 2),
    )
    return PReLURun(net=net, split=split, history=history)


def slope_quantiles(run: PReLURun, quantiles=(0.0, 0.1, 0.5, 0.9, 1.0)) -> np.ndarray:
    """Quantiles of the slopes over each layer's units: shape ``(len(quantiles), epochs + 1, layers)``."""
    if not isinstance(run, PReLURun):
        raise TypeError(f"run must be a PReLURun from train_prelu; got {type(run).__name__}")
    q = np.asarray(quantiles, dtype=float)
    if q.ndim != 1 or np.any((q < 0) | (q > 1)):
        raise ValueError("quantiles must be a 1-D sequence of numbers in [0, 1]")
    return np.stack([np.quantile(s, q, axis=1) for s in run.slopes], axis=-1)


def alpha_finite_differences(net: mlp.MLP, X, targets, loss="cross_entropy", h=1e-6) -> list[np.ndarray]:
    """Central differences ``(L(a + h) - L(a - h)) / (2h)`` for every PReLU slope of ``net``.

    Compare with ``net.loss_and_gradients(X, targets, loss).alphas``.  Each
    slope is moved and restored in place.
    """
    if not isinstance(net, mlp.MLP) or net.alphas is None:
        raise TypeError("net must be a vanishing.core.mlp.MLP with the activation 'prelu'")
    return mlp.numerical_gradients(net, X, targets, loss, h=h, params=net.alphas)


# --------------------------------------------------------------------------
# RReLU: the paper's convention and the frameworks'
# --------------------------------------------------------------------------
def paper_rrelu_slopes(shape, rng, *, lower=3.0, upper=8.0) -> np.ndarray:
    """Training slopes ``1 / a`` with ``a ~ U(lower, upper)``: Xu et al.'s y = x / a for x < 0."""
    rng = check_generator("rng", rng)
    lower = check_real("lower", lower, low=1.0)
    upper = check_real("upper", upper, low=1.0)
    if not lower < upper:
        raise ValueError(f"lower must be < upper (both >= 1); got lower={lower:g}, upper={upper:g}")
    return 1.0 / rng.uniform(lower, upper, size=shape)


@dataclass(frozen=True)
class RReLUConvention:
    """How one source draws RReLU's slope in training and fixes it for testing."""

    name: str
    sample: Callable  #: (shape, rng) -> training slopes
    mean_train_slope: float  #: E[slope] over the training distribution (exact)
    eval_slope: float  #: the slope used at test time


def rrelu_conventions() -> dict[str, RReLUConvention]:
    """The original paper's convention and PyTorch's, keyed ``"paper"`` and ``"pytorch"``.

    Paper (Xu et al. 2015, experiments): y = x / a, a ~ U(3, 8); test y = x / 5.5,
    slope 2/11; mean training slope E[1/a] = ln(8/3) / 5.
    PyTorch ``nn.RReLU``: y = s x, s ~ U(1/8, 1/3); evaluation slope 11/48, the mean.
    """
    torch_like = activations.get("rrelu", lower=1 / 8, upper=1 / 3)
    return {
        "paper": RReLUConvention(
            name="Xu et al. (2015): x / a, a ~ U(3, 8)",
            sample=lambda shape, rng: paper_rrelu_slopes(shape, rng),
            mean_train_slope=math.log(8 / 3) / 5,
            eval_slope=2 / 11,
        ),
        "pytorch": RReLUConvention(
            name="PyTorch: s x, s ~ U(1/8, 1/3)",
            sample=torch_like.sample_slopes,
            mean_train_slope=torch_like.eval_slope,
            eval_slope=torch_like.eval_slope,
        ),
    }


def rrelu_mean_shift(convention: RReLUConvention, x, rng) -> tuple[float, float]:
    """Mean output of an RReLU layer on inputs ``x`` in training and in evaluation mode.

    Training draws one slope per element with ``convention.sample``; evaluation
    uses ``convention.eval_slope``.  Returns ``(train_mean, eval_mean)``.
    """
    if not isinstance(convention, RReLUConvention):
        raise TypeError(f"convention must be an RReLUConvention; got {type(convention).__name__}")
    rng = check_generator("rng", rng)
    x = np.asarray(as_float_array("x", x), dtype=np.float64)
    slopes = convention.sample(x.shape, rng)
    train = np.where(x > 0, x, slopes * x)
    evaluation = np.where(x > 0, x, convention.eval_slope * x)
    return float(train.mean()), float(evaluation.mean())


# --------------------------------------------------------------------------
# Dead units in training: chapter 6's learning-rate collapse, leaky or not
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class CollapseComparison:
    """Chapter 6's collapse setting trained with the ReLU and with Leaky ReLUs (chapter 7).

    Row ``i`` of every array belongs to ``alphas[i]`` (0 is the ReLU) and
    column ``j`` to ``seeds[j]``.  A unit is *dead* when its pre-activation
    is ``<= 0`` on every training example, the same test for every slope
    (:func:`vanishing.experiments.dying_relu.dead_masks`); a dead Leaky ReLU
    unit still has slope ``alpha`` there, so it still receives a gradient.
    A run whose step overflowed is ``diverged``; its ``accuracy``, ``loss``
    and ``dead_share`` are NaN and its ``layer_lost`` is False (not observed).
    """

    alphas: tuple[float, ...]
    seeds: tuple[int, ...]
    depth: int
    width: int
    n_train: int
    lr: float
    epochs: int
    accuracy: np.ndarray  #: final training accuracy
    loss: np.ndarray  #: final training loss (cross-entropy)
    dead_share: np.ndarray  #: largest share of one hidden layer's units that is dead after the last epoch
    layer_lost: np.ndarray  #: True if every unit of some hidden layer was dead after some epoch
    diverged: np.ndarray  #: True if a step overflowed (training stopped with FloatingPointError)

    def row(self, alpha: float) -> int:
        """The row of ``alpha``, after checking that the comparison contains it."""
        alpha = check_real("alpha", alpha, low=0.0, high=1.0, high_open=True)
        if alpha not in self.alphas:
            raise ValueError(f"alpha must be one of {self.alphas}; got {alpha:g}")
        return self.alphas.index(alpha)


@frozen_cache(maxsize=4)
def _collapse_comparison(alphas, seeds, depth, lr, epochs, width, n_train, data_seed):
    shape = (len(alphas), len(seeds))
    accuracy = np.full(shape, np.nan)
    loss = np.full(shape, np.nan)
    dead_share = np.full(shape, np.nan)
    layer_lost = np.zeros(shape, dtype=bool)
    diverged = np.zeros(shape, dtype=bool)
    for i, alpha in enumerate(alphas):
        act = "relu" if alpha == 0.0 else activations.get("leaky_relu", alpha=alpha)
        for j, seed in enumerate(seeds):
            try:
                trace = dying_relu.revival_run(
                    depth,
                    lr,
                    seed,
                    epochs=epochs,
                    width=width,
                    n_train=n_train,
                    data_seed=data_seed,
                    activation=act,
                )
            except FloatingPointError:
                diverged[i, j] = True
                continue
            fraction = trace.fraction  # (epochs + 1, layers)
            accuracy[i, j] = trace.train_accuracy[-1]
            loss[i, j] = trace.loss[-1]
            dead_share[i, j] = fraction[-1].max()
            layer_lost[i, j] = bool(np.any(fraction == 1.0))
    return CollapseComparison(
        alphas, seeds, depth, width, n_train, lr, epochs, accuracy, loss, dead_share, layer_lost, diverged
    )


def collapse_comparison(
    alphas=(0.0, 0.01, 0.1),
    *,
    seeds=tuple(range(10)),
    depth: int = 8,
    lr: float = 0.4,
    epochs: int = 30,
    width: int = 32,
    n_train: int = 512,
    data_seed: int = 0,
) -> CollapseComparison:
    """Chapter 7: train chapter 6's collapse setting with ReLU (``alpha = 0``) and Leaky ReLU units.

    Every run is :func:`vanishing.experiments.dying_relu.revival_run` with the
    given activation: ``depth`` hidden layers of ``width`` units, He
    initialisation, plain SGD at learning rate ``lr`` for ``epochs`` epochs on
    ``n_train`` digits; with ``alpha = 0`` it is exactly chapter 6's run.
    Cached, with read-only arrays.
    """
    alphas = tuple(check_real("alphas[i]", a, low=0.0, high=1.0, high_open=True) for a in alphas)
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    for name, values in (("alphas", alphas), ("seeds", seeds)):
        if not values or len(set(values)) != len(values):
            raise ValueError(f"{name} must list at least one value, without repeats")
    depth = check_int("depth", depth, low=1)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    epochs = check_int("epochs", epochs, low=1)
    width = check_int("width", width, low=1)
    n_train = check_int("n_train", n_train, low=2, high=1348)
    data_seed = check_int("data_seed", data_seed, low=0)
    return _collapse_comparison(alphas, seeds, depth, lr, epochs, width, n_train, data_seed)
