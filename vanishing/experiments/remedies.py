"""Chapter 12: the modern activations and the remedies beyond activation functions.

Every experiment of chapter 12 is a function here, so that the chapter stays
a narrative and each number it quotes comes from tested code:

* :func:`slope_summary`: the largest slope of an activation, where it occurs,
  its minimum value (the "dip" of SiLU, GELU, Mish and hard swish) and its
  slope at the origin, measured on a grid;
* :func:`backward_profile`: the back-propagated signal layer by layer in a
  freshly initialised deep network, for one activation (the He initialisation
  that suits ReLU does not suit the smooth activations);
* :func:`chain_first_layer` and :func:`chain_spread`: the gradient that
  reaches the first layer of random single-neuron chains, plain or with
  residual connections (:mod:`vanishing.core.chain`);
* :func:`build_network` and :func:`run_network`: one deep network in four
  versions (badly initialised, well initialised, batch-normalised, residual),
  its per-layer statistics at initialisation and a short training run on the
  digits, optionally with gradient clipping;
* :func:`per_layer_factor`: the typical factor by which one layer scales the
  back-propagated signal, the number the whole course is about;
* :func:`divergence_epoch`: the epoch named by the error that
  :func:`vanishing.core.training.train` raises when a run diverges;
* :func:`depth_profiles` and :func:`clipping_runs`: the same experiments
  repeated over several seeds, because one random network is one draw;
* :func:`quick_run` and :func:`seeded_network_run`: :func:`run_network`'s
  measurement and training without the per-step statistics it does not need,
  so that chapter 12 can train its networks for five seeds each;
* :func:`scaled_residual_pass` and :func:`residual_scaling`: a residual
  network whose branches are multiplied by a factor, with its exact backward
  pass, measured at initialisation over seeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..core import activations as _act
from ..core import chain as _chain
from ..core import diagnostics
from ..core import training as _training
from ..core._checks import as_float_array, check_generator, check_int, check_real
from ..core.cache import frozen_cache
from ..core.data import Split, digits
from ..core.diagnostics import profile
from ..core.losses import global_norm, softmax_cross_entropy
from ..core.mlp import MLP
from ..core.optimisers import Momentum

__all__ = [
    "MODERN",
    "VARIANTS",
    "ChainSpread",
    "SEEDS",
    "ClipRun",
    "DepthProfiles",
    "NetworkRun",
    "ResidualScaling",
    "ScaledResidualPass",
    "SeededRun",
    "SlopeSummary",
    "backward_profile",
    "build_network",
    "clipping_runs",
    "chain_first_layer",
    "chain_spread",
    "depth_profiles",
    "divergence_epoch",
    "per_layer_factor",
    "quick_run",
    "residual_scaling",
    "run_network",
    "scaled_residual_pass",
    "seeded_backward_profile",
    "seeded_chain_spread",
    "seeded_network_run",
    "slope_summary",
]

#: The activations chapter 12 introduces, in the order it meets them.
MODERN = ("silu", "gelu", "mish", "relu6", "hard_sigmoid", "hard_swish")

#: The versions of one deep network that chapter 12 compares: four, and layer normalisation beside batch norm.
VARIANTS = ("small init", "xavier init", "batch norm", "residual", "layer norm")

#: The seeds over which chapter 12 repeats every random experiment.
SEEDS = (0, 1, 2, 3, 4)


def _check_seeds(seeds) -> tuple[int, ...]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of non-negative integers; got {seeds!r}")
    out = tuple(check_int("seeds", s, low=0) for s in seeds)
    if not out:
        raise ValueError("seeds must contain at least one seed")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must not repeat a seed; got {out}")
    return out


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class SlopeSummary:
    """Shape facts of one activation, measured on a grid (chapter 12).

    ``max_slope`` is the largest value of ``f'`` on the grid and ``argmax`` the
    grid point where it occurs; where ``f'`` jumps (hard swish at 3) the
    largest value is approached from one side and the grid point lies next to
    the kink.  ``min_value``/``argmin`` describe ``f`` the same way.
    """

    name: str
    max_slope: float
    argmax: float
    min_value: float
    argmin: float
    slope_at_origin: float


def slope_summary(activation, *, low: float = -10.0, high: float = 10.0, n: int = 200_001) -> SlopeSummary:
    """Largest slope, lowest value and slope at 0 of ``activation`` on ``n`` points of ``[low, high]``.

    ``activation`` is a name known to :func:`vanishing.core.activations.get` or an
    :class:`~vanishing.core.activations.Activation`.  The grid includes 0 when
    ``low < 0 < high`` and ``n`` is chosen so (the default is).
    """
    act = _act.get(activation)
    low = check_real("low", low)
    high = check_real("high", high)
    if not low < high:
        raise ValueError(f"low must be < high; got low={low:g}, high={high:g}")
    n = check_int("n", n, low=3)
    grid = np.linspace(low, high, n)
    slope = act.derivative(grid)
    value = act.forward(grid)
    i, j = int(np.argmax(slope)), int(np.argmin(value))
    return SlopeSummary(
        name=act.name,
        max_slope=float(slope[i]),
        argmax=float(grid[i]),
        min_value=float(value[j]),
        argmin=float(grid[j]),
        slope_at_origin=float(act.derivative(0.0)),
    )


def backward_profile(
    activation,
    depth: int,
    rng: np.random.Generator,
    *,
    init: str = "he_normal",
    width: int = 64,
    std: float | None = None,
) -> np.ndarray:
    """Spread of the back-propagated signal per hidden layer, relative to the last one (chapter 12).

    Builds a network of ``depth`` hidden layers of ``width`` units with
    :func:`vanishing.core.diagnostics.profile` and returns the standard
    deviation of ``dL/dZ_l`` for ``l = 1..depth`` divided by its value at the
    last hidden layer, shape ``(depth,)``.  An entry of ``1e-6`` at layer 1
    means the gradient reaching the first layer is a millionth of the one
    leaving the last.
    """
    depth = check_int("depth", depth, low=1)
    rng = check_generator("rng", rng)
    prof = profile(activation, init, depth=depth, width=width, rng=rng, std=std)
    return prof.delta_std / prof.delta_std[-1]


@dataclass(frozen=True)
class DepthProfiles:
    """:func:`backward_profile` repeated over seeds, with the forward spread (chapter 12).

    Row ``k`` belongs to ``seeds[k]``; column ``l - 1`` is hidden layer ``l``.
    """

    activation: str
    seeds: tuple[int, ...]
    backward: np.ndarray  #: (n_seeds, depth): std of dL/dZ_l relative to the last hidden layer
    forward: np.ndarray  #: (n_seeds, depth): std of the pre-activations Z_l

    @property
    def first_layer(self) -> np.ndarray:
        """The share of the last hidden layer's gradient spread that reaches layer 1, per seed."""
        return self.backward[:, 0]

    def factor(self, start: int) -> np.ndarray:
        """Per seed, :func:`per_layer_factor` over hidden layers ``start + 1`` to the last."""
        start = check_int("start", start, low=0)
        if start > self.backward.shape[1] - 2:
            raise ValueError(
                f"start must leave at least two layers; got {start} for depth {self.backward.shape[1]}"
            )
        return np.array([per_layer_factor(row[start:]) for row in self.backward])


def depth_profiles(
    activation, depth: int, seeds=SEEDS, *, init: str = "he_normal", width: int = 64
) -> DepthProfiles:
    """The backward and forward spreads of :func:`backward_profile`'s network, once per seed (chapter 12).

    Each seed ``s`` draws the weights and inputs from ``numpy.random.default_rng(s)``,
    exactly as ``backward_profile(activation, depth, default_rng(s))`` does.
    """
    depth = check_int("depth", depth, low=1)
    seeds = _check_seeds(seeds)
    act = _act.get(activation)
    backward, forward = [], []
    for seed in seeds:
        prof = profile(act, init, depth=depth, width=width, rng=np.random.default_rng(seed))
        backward.append(prof.delta_std / prof.delta_std[-1])
        forward.append(prof.pre_std)
    return DepthProfiles(act.name, seeds, np.array(backward), np.array(forward))


# --------------------------------------------------------------------------
# Single-neuron chains, plain and residual
# --------------------------------------------------------------------------
def chain_first_layer(
    max_depth: int,
    n_chains: int,
    rng: np.random.Generator,
    *,
    activation="tanh",
    weight_scale: float = 1.0,
    residual: bool = False,
) -> np.ndarray:
    """``|da_d/dz_1|`` for random chains of every depth ``d = 1..max_depth`` (chapter 12).

    Weights ~ N(0, weight_scale^2), biases ~ N(0, 1), input x ~ U(-1, 1).
    With ``residual=True`` every layer computes ``a_i = a_{i-1} + f(z_i)``
    (:func:`vanishing.core.chain.backward`), so layer ``i`` contributes the factor
    ``1 + w_i f'(z_i)`` instead of ``w_i f'(z_i)``.  A chain of depth ``d`` is
    the first ``d`` layers of a chain of depth ``max_depth``, so one forward
    pass serves every depth.  Returns shape ``(n_chains, max_depth)``; column
    ``d - 1`` is depth ``d``.
    """
    if not isinstance(residual, (bool, np.bool_)):
        raise TypeError(f"residual must be True or False; got {residual!r}")
    act, draws = _chain_draws(max_depth, n_chains, rng, activation, weight_scale)
    return _first_layer_gradients(act, *draws, residual=bool(residual))


def _chain_draws(max_depth, n_chains, rng, activation, weight_scale):
    """The checked activation and the weights, biases and inputs of :func:`chain_first_layer`."""
    max_depth = check_int("max_depth", max_depth, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    rng = check_generator("rng", rng)
    weight_scale = check_real("weight_scale", weight_scale, low=0.0)
    act = _act.get(activation)
    w = rng.normal(0.0, weight_scale, (n_chains, max_depth))
    b = rng.normal(0.0, 1.0, (n_chains, max_depth))
    x = rng.uniform(-1.0, 1.0, n_chains)
    return act, (w, b, x)


def _first_layer_gradients(act, w, b, x, *, residual: bool) -> np.ndarray:
    """``|da_d/dz_1|`` for every depth of the chains with weights ``w``, biases ``b`` and inputs ``x``."""
    n_chains = w.shape[0]
    z, _ = _chain.forward(w, b, x, act, residual=residual)
    fprime = act.derivative(z)
    factors = w * fprime + (1.0 if residual else 0.0)
    later = np.concatenate([np.ones((n_chains, 1)), factors[:, 1:]], axis=1)
    with np.errstate(over="ignore", under="ignore"):
        # Products of hundreds of factors may leave the float range; inf and 0
        # are honest answers there, and the quantiles below cope with both.
        return np.abs(fprime[:, :1] * np.cumprod(later, axis=1))


@dataclass(frozen=True)
class ChainSpread:
    """Quantiles over chains of ``|da_d/dz_1|`` against depth, plain and residual."""

    depths: np.ndarray  #: 1..max_depth
    plain: np.ndarray  #: (3, max_depth): 10th, 50th and 90th percentile, plain chains
    residual: np.ndarray  #: (3, max_depth): the same for residual chains


def chain_spread(
    max_depth: int,
    weight_scale: float,
    rng: np.random.Generator,
    *,
    n_chains: int = 1000,
    activation="tanh",
) -> ChainSpread:
    """What chapter 12's residual-chain widget draws for one weight scale.

    Plain and residual chains get the same weights, biases and inputs (one
    draw from ``rng``), so the two bands differ only by the skip connections.
    """
    # One draw serves both: the same chains, without and with skips.
    act, draws = _chain_draws(max_depth, n_chains, rng, activation, weight_scale)
    plain = _first_layer_gradients(act, *draws, residual=False)
    res = _first_layer_gradients(act, *draws, residual=True)
    max_depth = plain.shape[1]
    q = (0.1, 0.5, 0.9)
    return ChainSpread(
        np.arange(1, max_depth + 1), np.quantile(plain, q, axis=0), np.quantile(res, q, axis=0)
    )


# --------------------------------------------------------------------------
# One deep network, four ways
# --------------------------------------------------------------------------
def build_network(
    variant: str,
    sizes,
    activation,
    rng: np.random.Generator,
    *,
    std: float = 0.05,
) -> MLP:
    """One of the four versions of the network in chapter 12.

    * ``"small init"``: weights ~ N(0, std^2), the "small random numbers" that
      make the signal shrink layer after layer;
    * ``"xavier init"``: Glorot and Bengio's variance 2 / (n_in + n_out);
    * ``"batch norm"``: the small initialisation with batch normalisation in
      every hidden layer;
    * ``"residual"``: the small initialisation with a skip connection around
      every hidden layer whose input and output widths agree;
    * ``"layer norm"``: the small initialisation with layer normalisation in
      every hidden layer (over each example's units, not over the batch).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    rng = check_generator("rng", rng)
    std = check_real("std", std, low=0.0, low_open=True)
    if variant == "xavier init":
        return MLP.initialise(sizes, activation, "xavier_normal", rng)
    return MLP.initialise(
        sizes,
        activation,
        "normal",
        rng,
        std=std,
        batch_norm=variant == "batch norm",
        layer_norm=variant == "layer norm",
        residual=variant == "residual",
    )


@dataclass(frozen=True)
class NetworkRun:
    """A network's statistics at initialisation and its training history (chapter 12)."""

    variant: str
    delta_std: np.ndarray  #: per layer (output layer last): std of dL/dZ_l at initialisation
    grad_w_norm: np.ndarray  #: per layer: ||dL/dW_l|| at initialisation
    grad_norm: float  #: norm of the whole gradient at initialisation (what clipping compares)
    history: _training.History  #: what training recorded


def run_network(
    variant: str,
    split: Split,
    *,
    depth: int = 10,
    width: int = 64,
    activation="tanh",
    std: float = 0.05,
    epochs: int = 8,
    lr: float = 0.005,
    momentum: float = 0.9,
    clip_norm: float | None = None,
    seed: int = 0,
) -> NetworkRun:
    """Build ``variant`` with :func:`build_network`, measure it, then train it on ``split``.

    The network has ``depth`` hidden layers of ``width`` units between the
    data's features and classes.  Statistics at initialisation come from one
    full-batch pass over the training set (cross-entropy loss).  Training is
    :func:`vanishing.core.training.train` with mini-batches of 64; a diverging run
    raises its ``FloatingPointError`` (see :func:`divergence_epoch`).  The
    weights are drawn from ``default_rng(seed)`` and the batch order from
    ``default_rng(seed + 1)``, so every variant sees the same data order.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a vanishing.core.data.Split; got {type(split).__name__}")
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    seed = check_int("seed", seed, low=0)
    sizes = [split.n_features] + [width] * depth + [split.n_classes]
    net = build_network(variant, sizes, activation, np.random.default_rng(seed), std=std)
    g = net.loss_and_gradients(split.X_train, split.y_train, "cross_entropy")
    grad_norm = global_norm(g.as_list())
    history = _training.train(
        net,
        split,
        epochs=epochs,
        lr=lr,
        momentum=momentum,
        clip_norm=clip_norm,
        rng=np.random.default_rng(seed + 1),
    )
    return NetworkRun(variant, g.stats.delta_std, g.stats.grad_w_norm, grad_norm, history)


@dataclass(frozen=True)
class SeededRun:
    """One version of chapter 12's network for one seed: measured at initialisation, then trained."""

    variant: str
    seed: int
    delta_std: np.ndarray  #: per layer (output layer last): std of dL/dZ_l at initialisation
    grad_w_norm: np.ndarray  #: per layer: ||dL/dW_l|| at initialisation
    grad_norm: float  #: norm of the whole gradient at initialisation
    test_accuracy: np.ndarray  #: before training, then after each epoch
    clipped_steps: int = 0  #: steps whose gradient clipping shortened


def quick_run(
    variant: str,
    split: Split,
    *,
    seed: int = 0,
    depth: int = 10,
    width: int = 64,
    activation="tanh",
    std: float = 0.05,
    epochs: int = 8,
    lr: float = 0.005,
    momentum: float = 0.9,
    clip_norm: float | None = None,
) -> SeededRun:
    """:func:`run_network` without its per-step statistics (chapter 12).

    The same weights (``default_rng(seed)``), the same batch order
    (``default_rng(seed + 1)``, batches of 64) and the same momentum updates as
    :func:`run_network`, so the test accuracies are the same numbers; only the
    measurements that :func:`vanishing.core.training.train` makes at every step
    and epoch (layer statistics, training loss, dead units) are skipped, which
    halves the cost.  With ``clip_norm`` each step's gradient is clipped by
    :func:`vanishing.core.training.clip_by_global_norm` and ``clipped_steps``
    counts the steps it shortened.  A run that overflows raises the
    ``FloatingPointError`` of :func:`vanishing.core.training.train`, naming the epoch.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a vanishing.core.data.Split; got {type(split).__name__}")
    seed = check_int("seed", seed, low=0)
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    epochs = check_int("epochs", epochs, low=0)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    momentum = check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if clip_norm is not None:
        clip_norm = check_real("clip_norm", clip_norm, low=0.0, low_open=True)
    sizes = [split.n_features] + [width] * depth + [split.n_classes]
    net = build_network(variant, sizes, activation, np.random.default_rng(seed), std=std)
    g = net.loss_and_gradients(split.X_train, split.y_train, "cross_entropy")
    delta_std, grad_w_norm = g.stats.delta_std, g.stats.grad_w_norm
    grad_norm = global_norm(g.as_list())
    params = net.parameters()
    opt = Momentum(params, lr=lr, momentum=momentum)
    rng = np.random.default_rng(seed + 1)
    X, y = split.X_train, split.y_train

    def accuracy() -> float:
        return float(np.mean(np.argmax(net.forward(split.X_test), axis=1) == split.y_test))

    acc = [accuracy()]
    clipped = 0
    for epoch in range(epochs):
        try:
            with np.errstate(over="raise", invalid="raise"):
                order = rng.permutation(len(X))
                for start in range(0, len(X), 64):
                    idx = order[start : start + 64]
                    if net.batch_norm and len(idx) < 2:
                        continue  # batch statistics need two rows, as in training.train_epoch
                    step = net.loss_and_gradients(X[idx], y[idx], "cross_entropy")
                    grads = step.as_list()
                    if clip_norm is not None:
                        grads, norm = _training.clip_by_global_norm(grads, clip_norm)
                        clipped += norm > clip_norm
                    opt.step(params, grads)
                    net.update_running_stats(step)
                acc.append(accuracy())
        except FloatingPointError as err:
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1} ({err}); lower lr or clip the gradient"
            ) from None
    return SeededRun(variant, seed, delta_std, grad_w_norm, grad_norm, np.array(acc), int(clipped))


@frozen_cache(maxsize=1)
def _digits_split(seed: int) -> Split:
    return digits(np.random.default_rng(seed))


@frozen_cache(maxsize=64)
def seeded_network_run(
    variant: str,
    seed: int,
    split_seed: int = 0,
    *,
    std: float = 0.05,
    epochs: int = 8,
    lr: float = 0.005,
    momentum: float = 0.9,
) -> SeededRun:
    """:func:`quick_run` on ``data.digits(default_rng(split_seed))``, cached (chapter 12).

    Chapter 12 prints, plots and summarises the same twenty-five runs (five
    variants, five seeds); the cache trains each once.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    seed = check_int("seed", seed, low=0)
    split_seed = check_int("split_seed", split_seed, low=0)
    return quick_run(
        variant, _digits_split(split_seed), seed=seed, std=std, epochs=epochs, lr=lr, momentum=momentum
    )


def per_layer_factor(signal) -> float:
    """The geometric mean of ``signal[l] / signal[l + 1]``: the typical per-layer factor.

    ``signal`` is a positive per-layer quantity ordered from the input side,
    such as the spread of ``dL/dZ_l``.  Going backwards, each layer multiplies
    it by ``signal[l] / signal[l + 1]``; the geometric mean of these ratios is
    ``(signal[0] / signal[-1]) ** (1 / (len(signal) - 1))``.  A value below 1
    means the gradient shrinks on its way to the input, above 1 that it grows.
    """
    s = as_float_array("signal", signal)
    if s.ndim != 1 or s.size < 2:
        raise ValueError("signal must be a 1-D sequence of at least two values")
    if np.any(s <= 0):
        raise ValueError("signal must be positive (a spread or a norm per layer)")
    return diagnostics.per_layer_factor(s[-1], s[0], s.size - 1)


@dataclass(frozen=True)
class ClipRun:
    """One training run of :func:`clipping_runs` (chapter 12).

    ``test_accuracy`` has one entry per completed epoch plus the start; a run
    that diverged has ``diverged_in`` set to the epoch named by the error and
    its accuracies are empty.
    """

    lr: float
    clip_norm: float | None
    seed: int
    test_accuracy: np.ndarray
    clipped_steps: int
    diverged_in: int | None

    @property
    def final_accuracy(self) -> float:
        """The test accuracy after the last epoch, or ``nan`` for a diverged run."""
        return float(self.test_accuracy[-1]) if self.test_accuracy.size else float("nan")


def clipping_runs(
    split: Split,
    settings,
    seeds=SEEDS,
    *,
    variant: str = "small init",
    **network,
) -> dict[tuple[float, float | None], list[ClipRun]]:
    """Train one network per seed for every ``(lr, clip_norm)`` in ``settings`` (chapter 12).

    ``clip_norm=None`` trains without clipping.  ``network`` goes to
    :func:`quick_run`, which trains as :func:`run_network` does
    (``activation``, ``std``, ``epochs``, ...), so every
    setting starts from the same weights and batch order for a given seed.  A
    run that overflows is recorded with its divergence epoch instead of
    raising.  Returns, for each setting, one :class:`ClipRun` per seed.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a vanishing.core.data.Split; got {type(split).__name__}")
    seeds = _check_seeds(seeds)
    if isinstance(settings, (str, bytes)) or not hasattr(settings, "__iter__"):
        raise TypeError(f"settings must be a sequence of (lr, clip_norm) pairs; got {settings!r}")
    checked = []
    for pair in settings:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"settings must hold (lr, clip_norm) pairs; got {pair!r}")
        lr = check_real("settings lr", pair[0], low=0.0, low_open=True)
        clip = None if pair[1] is None else check_real("settings clip_norm", pair[1], low=0.0, low_open=True)
        checked.append((lr, clip))
    if not checked:
        raise ValueError("settings must contain at least one (lr, clip_norm) pair")
    out: dict[tuple[float, float | None], list[ClipRun]] = {}
    for lr, clip in checked:
        runs = []
        for seed in seeds:
            try:
                run = quick_run(variant, split, lr=lr, clip_norm=clip, seed=seed, **network)
            except FloatingPointError as err:
                runs.append(ClipRun(lr, clip, seed, np.empty(0), 0, divergence_epoch(err)))
            else:
                runs.append(ClipRun(lr, clip, seed, np.array(run.test_accuracy), run.clipped_steps, None))
        out[(lr, clip)] = runs
    return out


_DIVERGED = re.compile(r"training diverged in epoch (\d+)")


def divergence_epoch(error: FloatingPointError) -> int:
    """The epoch named in the error :func:`vanishing.core.training.train` raises on divergence.

    The rest of the message quotes numpy's overflow report, whose wording
    depends on where the overflow happened; chapters print only the epoch.
    """
    if not isinstance(error, FloatingPointError):
        raise TypeError(f"error must be a FloatingPointError; got {type(error).__name__}")
    found = _DIVERGED.search(str(error))
    if found is None:
        raise ValueError(f"error does not come from a diverging training run: {error}")
    return int(found.group(1))


# Cached, seeded versions for chapter 12's figures and widgets: a twin draws
# each frame and describes it, and every frame needs the ReLU reference.
@frozen_cache(maxsize=256)
def seeded_backward_profile(activation: str, depth: int, width: int, seed: int) -> np.ndarray:
    """:func:`backward_profile` with ``numpy.random.default_rng(seed)``, cached (read-only)."""
    return backward_profile(activation, depth, np.random.default_rng(seed), width=width)


@frozen_cache(maxsize=64)
def seeded_chain_spread(
    depth: int, weight_scale: float, n_chains: int, activation: str, seed: int
) -> ChainSpread:
    """:func:`chain_spread` with ``numpy.random.default_rng(seed)``, cached (read-only arrays)."""
    return chain_spread(
        depth, weight_scale, np.random.default_rng(seed), n_chains=n_chains, activation=activation
    )


# --------------------------------------------------------------------------
# Residual networks with a scaled branch
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ScaledResidualPass:
    """One forward and backward pass of :func:`scaled_residual_pass` (chapter 12).

    Hidden layer ``l`` computes ``A_l = A_{l-1} + branch_scale * f(A_{l-1} W_l + b_l)``
    (a skip wherever its input and output widths agree); the last layer is linear.
    """

    loss: float
    activations: list  #: A_1 .. A_L, the hidden layers' outputs, shape (batch, width) each
    activation_grads: list  #: dL/dA_1 .. dL/dA_L
    grad_weights: list  #: dL/dW for every layer, the output layer last
    grad_biases: list  #: dL/db for every layer

    @property
    def activation_std(self) -> np.ndarray:
        """Per hidden layer: the standard deviation of ``A_l`` over the batch and the units."""
        return np.array([a.std() for a in self.activations])

    @property
    def gradient_std(self) -> np.ndarray:
        """Per hidden layer: the standard deviation of ``dL/dA_l``."""
        return np.array([g.std() for g in self.activation_grads])


def scaled_residual_pass(net: MLP, X, labels, branch_scale: float) -> ScaledResidualPass:
    """Loss and exact gradients of a residual network whose branches are scaled (chapter 12).

    ``net`` supplies the weights, biases and activation (an :class:`MLP`
    without normalisation, typically built with ``residual=True``); every hidden
    layer whose weight matrix is square adds its input to ``branch_scale`` times
    its branch, ``A_l = A_{l-1} + branch_scale * f(Z_l)``.  With
    ``branch_scale=1`` this is ``net.loss_and_gradients(X, labels, "cross_entropy")``
    with ``residual=True``; the loss is the mean softmax cross-entropy.
    Backwards, ``dL/dA_{l-1} = dL/dA_l + branch_scale * (dL/dA_l * f'(Z_l)) W_l^T``.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    if net.batch_norm or net.layer_norm or net.alphas is not None:
        raise ValueError("net must have no normalisation and no learned slopes")
    branch_scale = check_real("branch_scale", branch_scale, low=0.0)
    X = np.asarray(as_float_array("X", X), dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ValueError(f"X must have shape (batch, {net.sizes[0]}); got {X.shape}")
    act = net.activation
    n = len(net.weights)
    acts, zs = [X], []
    for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        z = acts[-1] @ w + b
        zs.append(z)
        if i == n - 1:
            acts.append(z)
        elif w.shape[0] == w.shape[1]:
            acts.append(acts[-1] + branch_scale * act._kernel(z))
        else:
            acts.append(act._kernel(z))
    loss, delta = softmax_cross_entropy(acts[-1], labels)
    grad_w, grad_b = [None] * n, [None] * n
    act_grads = [None] * (n - 1)
    d_out = None
    for i in range(n - 1, -1, -1):
        if i < n - 1:
            act_grads[i] = d_out
            skip = net.weights[i].shape[0] == net.weights[i].shape[1]
            delta = d_out * act._kernel_derivative(zs[i]) * (branch_scale if skip else 1.0)
        grad_w[i] = acts[i].T @ delta
        grad_b[i] = delta.sum(axis=0)
        if i:
            d_in = delta @ net.weights[i].T
            has_skip = i < n - 1 and net.weights[i].shape[0] == net.weights[i].shape[1]
            d_out = d_in + d_out if has_skip else d_in
    return ScaledResidualPass(loss, acts[1:-1], act_grads, grad_w, grad_b)


@dataclass(frozen=True)
class ResidualScaling:
    """:func:`scaled_residual_pass` at initialisation, once per seed (chapter 12).

    Row ``k`` belongs to ``seeds[k]``; column ``l - 1`` is hidden layer ``l``.
    """

    branch_scale: float
    depth: int
    seeds: tuple[int, ...]
    activation_std: np.ndarray  #: (n_seeds, depth): std of A_l
    gradient_std: np.ndarray  #: (n_seeds, depth): std of dL/dA_l
    first_weight_grad: np.ndarray  #: (n_seeds,): ||dL/dW_1||


@frozen_cache(maxsize=32)
def residual_scaling(
    depth: int,
    branch_scale: float,
    seeds=SEEDS,
    *,
    init: str = "xavier_normal",
    activation: str = "tanh",
    width: int = 64,
    split_seed: int = 0,
) -> ResidualScaling:
    """Chapter 12's residual digits network with every branch scaled by ``branch_scale``.

    For each seed ``s``, the network (``depth`` hidden layers of ``width``
    units with skips, weights drawn by ``init`` from ``default_rng(s)``, as
    :meth:`MLP.initialise` draws them) is measured on the whole training set of
    ``data.digits(default_rng(split_seed))`` with :func:`scaled_residual_pass`.
    Cached; the arrays are read-only.
    """
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    branch_scale = check_real("branch_scale", branch_scale, low=0.0)
    seeds = _check_seeds(seeds)
    split = _digits_split(check_int("split_seed", split_seed, low=0))
    sizes = [split.n_features] + [width] * depth + [split.n_classes]
    a_std, g_std, first = [], [], []
    for seed in seeds:
        net = MLP.initialise(sizes, activation, init, np.random.default_rng(seed), residual=True)
        p = scaled_residual_pass(net, split.X_train, split.y_train, branch_scale)
        a_std.append(p.activation_std)
        g_std.append(p.gradient_std)
        first.append(float(np.linalg.norm(p.grad_weights[0])))
    return ResidualScaling(branch_scale, depth, seeds, np.array(a_std), np.array(g_std), np.array(first))
