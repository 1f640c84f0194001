"""Dead ReLU units, sparsity, and the per-layer statistics of ReLU networks (chapter 6).

A ReLU unit is *dead* on a set of inputs when its pre-activation is ``<= 0``
for every one of them: it outputs 0 everywhere, its slope is 0 everywhere,
and no gradient reaches its incoming weights or its bias (Lu et al. 2020).
This module measures that state and how often training produces it:

* :func:`zero_fraction` and :func:`dead_masks`: how many activations are exact
  zeros (sparsity) and which units are dead, layer by layer;
* :func:`kill_units`: make chosen units dead on purpose, by shifting their
  biases, for controlled experiments;
* :func:`track_dead`: train epoch by epoch and record the set of dead units
  after every epoch, so that deaths and revivals can be counted
  (:class:`DeadTrace`); :func:`revival_run` does it for a He-initialised
  network on the digits (cached); :func:`revival_seeds` totals such runs
  over several seeds and learning rates (:class:`RevivalSeeds`; cached);
* :func:`dead_sweep`: the fraction of dead units after a short training run
  against depth, initialisation and learning rate, on scikit-learn's digits
  (:class:`DeadSweep`; cached, so that a widget's frames are cheap);
* :func:`init_profiles`: per-layer activation and backward-signal statistics
  at initialisation over several seeds, for He against Xavier
  (:class:`InitProfiles`; cached).

Initialisations are named by strings, as a widget's slider shows them:
a scheme of :data:`vanishing.core.initialisation.INITIALISERS` such as ``"he_normal"``, or
``"normal(0.01)"`` for weights drawn from N(0, 0.01^2) (:func:`vanishing.core.initialisation.parse_init`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import activations, data, diagnostics, training
from ..core._checks import check_generator, check_int, check_real
from ..core.cache import frozen_cache
from ..core.diagnostics import profile
from ..core.initialisation import parse_init
from ..core.mlp import MLP

__all__ = [
    "DeadSweep",
    "DeadTrace",
    "InitProfiles",
    "RevivalSeeds",
    "dead_masks",
    "dead_sweep",
    "init_profiles",
    "kill_units",
    "revival_run",
    "revival_seeds",
    "track_dead",
    "zero_fraction",
]


def _check_relu_net(net) -> MLP:
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    return net


def zero_fraction(net: MLP, X) -> np.ndarray:
    """Per hidden layer, the fraction of activations that are exactly 0 on ``X``.

    For ReLU this is the sparsity of the representation: the share of
    (example, unit) pairs whose pre-activation is ``<= 0``.
    """
    net = _check_relu_net(net)
    return np.array([np.mean(net._f(i, u) == 0.0) for i, u in enumerate(net.hidden_inputs(X))])


def dead_masks(net: MLP, X) -> list[np.ndarray]:
    """Per hidden layer, a boolean vector: ``True`` where the unit is dead on ``X``.

    A unit is dead when its activation input is ``<= 0`` for every row of
    ``X`` (the measure of :func:`vanishing.core.diagnostics.dead_fraction`, unit by
    unit).
    """
    net = _check_relu_net(net)
    return [np.all(u <= 0, axis=0) for u in net.hidden_inputs(X)]


def kill_units(net: MLP, X, layer: int, units, *, margin: float = 0.05) -> None:
    """Make ``units`` of hidden ``layer`` (1 = first hidden layer) dead on ``X``, in place.

    Each chosen unit's bias is lowered so that its largest pre-activation over
    ``X`` becomes ``-margin``.  Nothing else changes, so the experiment
    isolates what happens to a dead unit during training.  Networks with batch
    normalisation are refused: there the bias before normalisation has no
    effect.
    """
    net = _check_relu_net(net)
    if net.batch_norm:
        raise ValueError("kill_units needs a network without batch normalisation")
    n_hidden = len(net.weights) - 1
    layer = check_int("layer", layer, low=1, high=n_hidden)
    margin = check_real("margin", margin, low=0.0, low_open=True)
    width = net.weights[layer - 1].shape[1]
    idx = np.asarray(units)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise TypeError("units must be a non-empty sequence of integer unit indices")
    if idx.min() < 0 or idx.max() >= width or len(set(idx.tolist())) != idx.size:
        raise ValueError(f"units must be distinct indices in [0, {width - 1}]; got {idx.tolist()}")
    u = net.hidden_inputs(X)[layer - 1]
    net.biases[layer - 1][idx] -= u[:, idx].max(axis=0) + margin


# --------------------------------------------------------------------------
# Tracking deaths and revivals during training
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadTrace:
    """The dead units of every hidden layer after every epoch of one training run.

    ``masks[l]`` has shape ``(epochs + 1, width_l)``; row 0 is the state
    before training.  ``loss`` and ``train_accuracy`` follow the same rows.
    """

    masks: tuple[np.ndarray, ...]
    loss: np.ndarray
    train_accuracy: np.ndarray

    @property
    def epochs(self) -> int:
        return self.loss.size - 1

    @property
    def fraction(self) -> np.ndarray:
        """``(epochs + 1, layers)``: the fraction of dead units per layer and epoch."""
        return np.column_stack([m.mean(axis=1) for m in self.masks])

    def ever_dead(self) -> np.ndarray:
        """Per layer, how many units were dead after at least one epoch (or at the start)."""
        return np.array([int(m.any(axis=0).sum()) for m in self.masks])

    def revived(self) -> np.ndarray:
        """Per layer, how many units were dead after some epoch and alive after a later one."""
        out = []
        for m in self.masks:
            # alive_later[t, j]: unit j is alive after some epoch later than t
            alive_later = np.flip(np.logical_or.accumulate(np.flip(~m, axis=0), axis=0), axis=0)
            came_back = m[:-1] & alive_later[1:]
            out.append(int(came_back.any(axis=0).sum()))
        return np.array(out)

    def dead_at_end(self) -> np.ndarray:
        """Per layer, how many units are dead after the last epoch."""
        return np.array([int(m[-1].sum()) for m in self.masks])


def track_dead(
    net: MLP, X, y, *, epochs: int, lr: float, rng: np.random.Generator, batch_size: int = 64
) -> DeadTrace:
    """Train ``net`` in place with :func:`vanishing.core.training.train` and
    record which units are dead on ``X`` before training and after each epoch.

    Plain SGD (no momentum), so a unit that stays dead on the whole training
    set keeps exactly the same incoming weights and bias: every mini-batch
    gives them a gradient of 0.
    """
    net = _check_relu_net(net)
    epochs = check_int("epochs", epochs, low=0)
    rng = check_generator("rng", rng)
    per_epoch = []
    h = training.train(
        net,
        (X, y),
        epochs=epochs,
        lr=lr,
        rng=rng,
        batch_size=batch_size,
        on_epoch=lambda epoch, net: per_epoch.append(dead_masks(net, X)),
    )
    masks = tuple(np.array([p[i] for p in per_epoch]) for i in range(len(per_epoch[0])))
    return DeadTrace(masks=masks, loss=h.loss, train_accuracy=h.train_accuracy)


@frozen_cache(maxsize=16)
def _revival_run(depth, lr, seed, epochs, width, n_train, data_seed, activation):
    X, y, n_classes = _digits_subset(n_train, data_seed)
    sizes = [X.shape[1]] + [width] * depth + [n_classes]
    name, params = activation
    act = activations.get(name, **dict(params))
    net = MLP.initialise(sizes, act, "he_normal", np.random.default_rng(seed))
    trace = track_dead(net, X, y, epochs=epochs, lr=lr, rng=np.random.default_rng(10_000 + seed))
    for arr in (*trace.masks, trace.loss, trace.train_accuracy):
        arr.flags.writeable = False
    return trace


def revival_run(
    depth: int = 6,
    lr: float = 0.5,
    seed: int = 0,
    *,
    epochs: int = 30,
    width: int = 32,
    n_train: int = 512,
    data_seed: int = 0,
    activation="relu",
) -> DeadTrace:
    """:func:`track_dead` for a He-initialised ReLU network on the digits (cached, read-only).

    The network has ``depth`` hidden layers of ``width`` units and is trained
    by plain SGD with batches of 64 on the first ``n_train`` training rows of
    :func:`vanishing.core.data.digits`; the same arguments give the same trace.
    ``activation`` (a name or an object from :func:`vanishing.core.activations.get`,
    e.g. ``activations.get("leaky_relu", alpha=0.1)``) replaces the ReLU;
    chapter 7 compares the two.  A unit counts as dead when its pre-activation
    is ``<= 0`` on every row, whatever the activation.  A run whose step
    overflows raises ``FloatingPointError``, as :func:`vanishing.core.training.train` does.
    """
    depth = check_int("depth", depth, low=1)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    seed = check_int("seed", seed, low=0)
    epochs = check_int("epochs", epochs, low=0)
    width = check_int("width", width, low=1)
    n_train = check_int("n_train", n_train, low=2, high=1348)
    data_seed = check_int("data_seed", data_seed, low=0)
    if not isinstance(activation, (str, activations.Activation)):
        raise TypeError(f"activation must be a name or an Activation; got {type(activation).__name__}")
    act = activation if isinstance(activation, activations.Activation) else None
    if act is None and activation in activations.names():
        act = activations.get(activation)
    # The cache knows an activation by its registered name and parameters.
    grid = np.linspace(-2.0, 2.0, 9)
    if (
        act is None
        or act.name not in activations.names()
        or not np.array_equal(act.forward(grid), activations.get(act.name, **act.params).forward(grid))
    ):
        raise ValueError(f"activation must be one of {activations.names()}; got {activation!r}")
    key = (act.name, tuple(sorted(act.params.items())))
    return _revival_run(depth, lr, seed, epochs, width, n_train, data_seed, key)


@dataclass(frozen=True)
class RevivalSeeds:
    """Totals of :func:`revival_run` for every learning rate and seed (chapter 6).

    Every array has shape ``(len(lrs), len(seeds))``.  ``ever_dead``,
    ``revived`` and ``dead_at_end`` count units over all hidden layers
    (:meth:`DeadTrace.ever_dead` and friends, summed); ``first_layer_ever_dead``
    counts those of hidden layer 1; ``layer_lost`` is True when every unit of
    some layer was dead after some epoch.  A run whose step overflowed has
    ``overflowed`` True, counts of 0, ``layer_lost`` False and accuracy NaN.
    """

    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    depth: int
    epochs: int
    ever_dead: np.ndarray
    revived: np.ndarray
    dead_at_end: np.ndarray
    first_layer_ever_dead: np.ndarray
    accuracy: np.ndarray
    layer_lost: np.ndarray
    overflowed: np.ndarray

    def revived_share(self) -> np.ndarray:
        """The share of ever-dead units that revived; NaN for an overflowed run or one with no dead unit."""
        with np.errstate(invalid="ignore", divide="ignore"):
            share = self.revived / self.ever_dead
        return np.where(self.overflowed | (self.ever_dead == 0), np.nan, share)


@frozen_cache(maxsize=8)
def _revival_seeds(lrs, depth, seeds, epochs):
    shape = (len(lrs), len(seeds))
    counts = {k: np.zeros(shape, dtype=int) for k in ("ever", "back", "end", "first")}
    accuracy = np.full(shape, np.nan)
    lost, overflowed = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for i, lr in enumerate(lrs):
        for j, seed in enumerate(seeds):
            try:
                run = revival_run(depth, lr, seed, epochs=epochs)
            except FloatingPointError:
                overflowed[i, j] = True
                continue
            counts["ever"][i, j] = run.ever_dead().sum()
            counts["back"][i, j] = run.revived().sum()
            counts["end"][i, j] = run.dead_at_end().sum()
            counts["first"][i, j] = run.ever_dead()[0]
            accuracy[i, j] = run.train_accuracy[-1]
            lost[i, j] = bool(np.any(run.fraction == 1.0))
    return RevivalSeeds(
        lrs=lrs,
        seeds=seeds,
        depth=depth,
        epochs=epochs,
        ever_dead=counts["ever"],
        revived=counts["back"],
        dead_at_end=counts["end"],
        first_layer_ever_dead=counts["first"],
        accuracy=accuracy,
        layer_lost=lost,
        overflowed=overflowed,
    )


def revival_seeds(
    lrs=(0.3, 0.4), depth: int = 8, seeds=tuple(range(10)), *, epochs: int = 30
) -> RevivalSeeds:
    """:func:`revival_run` (ReLU, width 32, 512 digits) for every learning rate in ``lrs``
    and seed in ``seeds``, totalled per run (cached, read-only).

    Chapter 6 uses it to show that its single revival and collapse runs are
    draws from a spread; a run whose step overflows is recorded, not raised.
    """
    lrs = tuple(check_real("lrs[i]", r, low=0.0, low_open=True) for r in lrs)
    seeds = tuple(check_int("seeds[i]", s_, low=0) for s_ in seeds)
    for name, values in (("lrs", lrs), ("seeds", seeds)):
        if not values or len(set(values)) != len(values):
            raise ValueError(f"{name} must list at least one value, without repeats")
    depth = check_int("depth", depth, low=1)
    epochs = check_int("epochs", epochs, low=0)
    return _revival_seeds(lrs, depth, seeds, epochs)


# --------------------------------------------------------------------------
# The sweep: dead units against depth, initialisation and learning rate
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadSweep:
    """Short training runs on the digits for every (init, depth, learning rate, seed).

    ``final``, ``accuracy`` and ``diverged`` have shape
    ``(inits, depths, lrs, seeds)``: the fraction of all hidden units that are
    dead after the last epoch, the final training accuracy (both NaN when the
    run diverged) and whether it diverged.  ``curves[(init, depth, lr)]`` has
    shape ``(seeds, epochs + 1, depth)``: the dead fraction of every layer
    after every epoch (NaN from the epoch a run diverged on).
    """

    inits: tuple[str, ...]
    depths: tuple[int, ...]
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    width: int
    epochs: int
    final: np.ndarray
    accuracy: np.ndarray
    diverged: np.ndarray
    curves: dict

    def curve(self, init: str, depth: int, lr: float) -> np.ndarray:
        """``curves[(init, depth, lr)]`` after checking that the sweep contains it."""
        key = (init, int(depth), float(lr))
        if key not in self.curves:
            raise ValueError(
                f"(init, depth, lr) = {key} is not in the sweep; inits {self.inits}, "
                f"depths {self.depths}, lrs {self.lrs}"
            )
        return self.curves[key]


@frozen_cache(maxsize=4)
def _digits_subset(n_train: int, data_seed: int):
    split = data.digits(np.random.default_rng(data_seed))
    X = split.X_train[:n_train].copy()
    y = split.y_train[:n_train].copy()
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y, split.n_classes


def _one_run(init, depth, lr, seed, width, epochs, batch_size, X, y, n_classes):
    """(curve, final pooled fraction, final accuracy, diverged) of one training run."""
    scheme, std = parse_init(init)
    sizes = [X.shape[1]] + [width] * depth + [n_classes]

    net = MLP.initialise(sizes, "relu", scheme, np.random.default_rng(seed), std=std)
    rng = np.random.default_rng(10_000 + seed)
    # The curve up to the last completed epoch survives a run that overflows.
    curve = np.full((epochs + 1, depth), np.nan)

    def record(epoch, net):
        curve[epoch] = diagnostics.dead_fraction(net, X)

    try:
        h = training.train(net, (X, y), epochs=epochs, lr=lr, rng=rng, batch_size=batch_size, on_epoch=record)
    except FloatingPointError:
        return curve, np.nan, np.nan, True
    # every layer has `width` units, so the pooled fraction is the mean over layers
    return h.dead, float(np.mean(h.dead[-1])), float(h.train_accuracy[-1]), False


@frozen_cache(maxsize=8)
def _sweep(inits, depths, lrs, seeds, width, epochs, batch_size, n_train, data_seed):
    X, y, n_classes = _digits_subset(n_train, data_seed)
    shape = (len(inits), len(depths), len(lrs), len(seeds))
    final = np.full(shape, np.nan)
    accuracy = np.full(shape, np.nan)
    diverged = np.zeros(shape, dtype=bool)
    curves = {}
    for a, init in enumerate(inits):
        for b, depth in enumerate(depths):
            for c, lr in enumerate(lrs):
                runs = []
                for d, seed in enumerate(seeds):
                    curve, f, acc, div = _one_run(
                        init, depth, lr, seed, width, epochs, batch_size, X, y, n_classes
                    )
                    runs.append(curve)
                    final[a, b, c, d], accuracy[a, b, c, d], diverged[a, b, c, d] = f, acc, div
                stacked = np.array(runs)
                stacked.flags.writeable = False
                curves[(init, depth, lr)] = stacked
    for arr in (final, accuracy, diverged):
        arr.flags.writeable = False
    return DeadSweep(inits, depths, lrs, seeds, width, epochs, final, accuracy, diverged, curves)


def dead_sweep(
    depths=(2, 4, 8),
    lrs=(0.03, 0.1, 0.3, 1.0),
    inits=("he_normal", "xavier_normal"),
    *,
    seeds=(0, 1, 2, 3, 4),
    width: int = 32,
    epochs: int = 10,
    batch_size: int = 64,
    n_train: int = 384,
    data_seed: int = 0,
) -> DeadSweep:
    """Train small ReLU networks on the digits and measure their dead units.

    Every network has ``depth`` hidden layers of ``width`` units, zero biases
    and weights drawn by ``init`` (seeded by ``seed``), and is trained by plain
    mini-batch SGD for ``epochs`` epochs on the first ``n_train`` training
    rows of :func:`vanishing.core.data.digits` (split by ``data_seed``).  A run
    whose step overflows is recorded as diverged.  Results are cached (the
    arrays are read-only), so a widget that asks for the same sweep again
    pays nothing.  The default, five seeds per setting, is chapter 6's sweep,
    which reports the median and the range over the seeds.
    """
    inits = tuple(inits)
    for init in inits:
        parse_init(init)
    depths = tuple(check_int("depths[i]", d, low=1) for d in depths)
    lrs = tuple(check_real("lrs[i]", r, low=0.0, low_open=True) for r in lrs)
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    for name, values in (("inits", inits), ("depths", depths), ("lrs", lrs), ("seeds", seeds)):
        if not values or len(set(values)) != len(values):
            raise ValueError(f"{name} must list at least one value, without repeats")
    width = check_int("width", width, low=1)
    epochs = check_int("epochs", epochs, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    n_train = check_int("n_train", n_train, low=2, high=1348)
    data_seed = check_int("data_seed", data_seed, low=0)
    return _sweep(inits, depths, lrs, seeds, width, epochs, batch_size, n_train, data_seed)


# --------------------------------------------------------------------------
# Per-layer statistics at initialisation over several seeds
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class InitProfiles:
    """:func:`vanishing.core.diagnostics.profile` for several seeds, stacked.

    Every array has shape ``(seeds, depth)``; column ``l - 1`` is hidden layer ``l``.
    """

    init: str
    layers: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    delta_std: np.ndarray
    grad_w_norm: np.ndarray

    #: The per-layer statistics stored for every seed (all positive for a ReLU network).
    FIELDS = ("act_mean", "act_std", "delta_std", "grad_w_norm")

    def geometric_mean(self, field: str) -> np.ndarray:
        """Per layer, the geometric mean over seeds of ``field``, one of :attr:`FIELDS`.

        A field with a value <= 0 (which a ReLU network does not produce) has no
        geometric mean and is refused.
        """
        if field not in self.FIELDS:
            raise ValueError(f"field must be one of {self.FIELDS}; got {field!r}")
        values = getattr(self, field)
        if not np.all(values > 0):
            raise ValueError(f"{field} has values <= 0, so it has no geometric mean")
        return np.exp(np.mean(np.log(values), axis=0))


@frozen_cache(maxsize=64)
def _profiles(depth, init, width, seeds, n_samples, batch_norm, layer_norm=False):
    scheme, std = parse_init(init)
    runs = [
        profile(
            "relu",
            scheme,
            depth=depth,
            width=width,
            rng=np.random.default_rng(seed),
            std=std,
            n_samples=n_samples,
            batch_norm=batch_norm,
            layer_norm=layer_norm,
        )
        for seed in seeds
    ]
    fields = {}
    for name in InitProfiles.FIELDS:
        arr = np.array([getattr(r, name) for r in runs])
        arr.flags.writeable = False
        fields[name] = arr
    return InitProfiles(init=init, layers=np.arange(1, depth + 1), **fields)


def init_profiles(
    depth: int,
    init: str,
    *,
    width: int = 256,
    seeds=(0, 1, 2, 3, 4),
    n_samples: int = 256,
    batch_norm: bool = False,
    layer_norm: bool = False,
) -> InitProfiles:
    """Per-layer statistics of a fresh ReLU network of ``depth`` hidden layers, one row per seed.

    Wraps :func:`vanishing.core.diagnostics.profile` (standard-normal inputs
    and squared-loss targets, zero biases) and caches the result, so that
    the frames of a widget and their descriptions share one computation.
    ``batch_norm=True`` normalises every hidden unit over the batch;
    ``layer_norm=True`` normalises every example over the units of each hidden
    layer instead (Ba, Kiros and Hinton 2016; chapter 6 compares the two).
    ``init`` may also be ``"torch_default"``, PyTorch's ``nn.Linear`` default.
    """
    depth = check_int("depth", depth, low=1)
    parse_init(init)
    width = check_int("width", width, low=1)
    seeds = tuple(check_int("seeds[i]", s, low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    n_samples = check_int("n_samples", n_samples, low=2)
    if not isinstance(batch_norm, (bool, np.bool_)):
        raise TypeError(f"batch_norm must be True or False; got {batch_norm!r}")
    if not isinstance(layer_norm, (bool, np.bool_)):
        raise TypeError(f"layer_norm must be True or False; got {layer_norm!r}")
    if batch_norm and layer_norm:
        raise ValueError("batch_norm and layer_norm are alternatives: set at most one to True")
    if layer_norm:
        return _profiles(depth, init, width, seeds, n_samples, False, True)
    return _profiles(depth, init, width, seeds, n_samples, bool(batch_norm))
