"""Chapter 10: the gradient lab.

Deep fully connected networks (:class:`vanishing.core.mlp.MLP`) are trained on
scikit-learn's 8×8 digits (:func:`vanishing.core.data.digits`) by plain
mini-batch SGD (the update of :func:`vanishing.core.training.train`), and the lab
records in every epoch

* the gradient norm of every layer, ``||dL/dW_l||`` averaged over the epoch's
  steps (as :class:`vanishing.core.training.History` does);
* the *relative update* of every layer,

      u_l(t) = ||W_l(t) - W_l(t-1)||_F / ||W_l(t-1)||_F,

  the size of the epoch's change to the weight matrix measured in units of
  the matrix itself;
* the test accuracy;

and, before and after training, the dead units
(:func:`vanishing.core.diagnostics.dead_fraction`) and the saturated (example, unit)
pairs (:func:`vanishing.core.diagnostics.saturated_fraction`) on the training set.

The *speed ratio* of an epoch is ``u_L / u_1``: how many times more the last
(output) layer's weights change, relative to their size, than the first
layer's.  A ratio of 1 means the two ends of the network learn at the same
pace; a ratio of 10^5 means the first layer would need 10^5 epochs to change
as much as the last changes in one.

Every run uses plain SGD unless ``optimiser="adam"`` asks for Adam
(:class:`vanishing.core.optimisers.Adam`, the rule of
:func:`vanishing.core.training.train`), which chapter 10 sets beside SGD.
:func:`lab_report` applies :func:`vanishing.core.diagnostics.network_report`
to a lab network at initialisation or after its training run, and
:func:`update_history` repeats a run with
:func:`vanishing.core.training.train` and ``record_updates=True`` for the
update-to-data ratio of every step.

Runs are pure functions of their settings and are cached
(:func:`vanishing.core.cache.frozen_cache`), so a table, a figure and every frame of a widget
can ask for the same run without training twice.  A run whose step overflows
(a diverging network) is recorded as diverged, with NaN from that epoch on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import activations as _act
from ..core import data, diagnostics, initialisation, mlp, optimisers, training
from ..core._checks import check_generator, check_int, check_real
from ..core.cache import frozen_cache

__all__ = [
    "ACTIVATIONS",
    "DATA_SEED",
    "DEFAULTS",
    "GradientCheck",
    "INITS",
    "LabRun",
    "OPTIMISERS",
    "LayerSignals",
    "RECTIFIERS",
    "SEEDS",
    "SMALL_STD",
    "TRAINED",
    "backward_factor",
    "digit_spread",
    "format_seed_table",
    "format_table",
    "gradient_check",
    "lab_data",
    "lab_report",
    "layer_signals",
    "relative_update",
    "run",
    "seed_runs",
    "speed_ratio",
    "summarise",
    "sweep",
    "train_and_measure",
    "update_history",
]

#: The activations of the lab's main comparison (chapters 3-8 and 12 teach them).
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu")

#: Activations whose inactive side has slope exactly 0 or a fixed small slope:
#: for them the lab reports dead units; for the others, saturation.
RECTIFIERS = ("relu", "leaky_relu")

#: Standard deviation of the "small normal" initialisation.
SMALL_STD = 0.01

#: The lab's initialisations, each mapped to the scheme and ``std`` of
#: :func:`vanishing.core.initialisation.init_weights`.
INITS = {
    "xavier_normal": ("xavier_normal", None),
    "he_normal": ("he_normal", None),
    "lecun_normal": ("lecun_normal", None),
    "small_normal": initialisation.parse_init(f"normal({SMALL_STD})"),
}

#: The settings of the lab's sweep: 32 units per hidden layer, 6 epochs of
#: plain SGD with learning rate 0.1 and mini-batches of 64.
DEFAULTS = {"width": 32, "epochs": 6, "lr": 0.1, "batch_size": 64, "seed": 0}

#: The update rules a run may use: plain SGD (the lab's default) or Adam.
OPTIMISERS = ("sgd", "adam")

#: The seeds over which chapter 10 repeats every accuracy it interprets.
SEEDS = (0, 1, 2, 3, 4)

#: A run "trains" if its test accuracy exceeds this: about twice the best constant guess (0.116).
TRAINED = 0.2

#: The seed of the fixed train/test split of the digits.
DATA_SEED = 0


@frozen_cache(maxsize=1)
def lab_data() -> data.Split:
    """The lab's data: :func:`vanishing.core.data.digits` split with seed ``DATA_SEED`` (cached)."""
    split = data.digits(np.random.default_rng(DATA_SEED))
    for arr in (split.X_train, split.y_train, split.X_test, split.y_test):
        arr.flags.writeable = False
    return split


def relative_update(before, after) -> np.ndarray:
    """Per layer, ``||after_l - before_l||_F / ||before_l||_F`` for two lists of weight matrices.

    A layer whose weights were all zero before gets ``inf`` if it moved and
    ``0`` if it did not.
    """
    if len(before) == 0 or len(before) != len(after):
        raise ValueError("before and after must be non-empty lists of the same length")
    out = np.empty(len(before))
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        b = np.asarray(b, dtype=np.float64)
        a = np.asarray(a, dtype=np.float64)
        if a.shape != b.shape:
            raise ValueError(f"after[{i}] must have shape {b.shape}; got {a.shape}")
        step = np.linalg.norm(a - b)
        size = np.linalg.norm(b)
        out[i] = step / size if size > 0 else (np.inf if step > 0 else 0.0)
    return out


def speed_ratio(values) -> np.ndarray:
    """``values[..., -1] / values[..., 0]``: last layer over first layer.

    Applied to relative updates (or gradient norms) of shape ``(epochs,
    layers)`` it gives one ratio per epoch.  A zero first-layer value gives
    ``inf`` (or NaN if the last is zero too), without a warning.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 0 or v.shape[-1] < 2:
        raise ValueError("values must have at least two layers along the last axis")
    last, first = v[..., -1], v[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(last / first)


@dataclass(frozen=True)
class LabRun:
    """One training run of the lab: its settings and what was measured.

    Arrays indexed by epoch have ``epochs + 1`` rows (row 0: before training)
    or ``epochs`` rows (quantities of an epoch's steps).  Layers are numbered
    from the input: column 0 is ``W_1``, the last column the output layer.
    The arrays are read-only because cached runs are shared.
    """

    activation: str
    init: str
    depth: int  #: hidden layers (the network has depth + 1 weight matrices)
    width: int
    epochs: int
    lr: float
    batch_size: int
    seed: int
    batch_norm: bool
    residual: bool
    batch_loss: np.ndarray  #: (epochs,) mean over the epoch's steps of the mini-batch loss
    train_accuracy: float  #: after the last epoch
    test_accuracy: np.ndarray  #: (epochs + 1,) row 0 before training
    grad_norm: np.ndarray  #: (epochs, layers) mean over the epoch's steps of ||dL/dW_l||
    rel_update: np.ndarray  #: (epochs, layers) ||W_l(t) - W_l(t-1)|| / ||W_l(t-1)||
    dead: np.ndarray  #: (2, hidden) dead fraction per hidden layer, before and after training
    saturated: np.ndarray  #: (2, hidden) saturated fraction per hidden layer, before and after
    diverged_at: int | None = None  #: the epoch (1-based) whose step overflowed, if any
    optimiser: str = "sgd"  #: "sgd" (plain, no momentum) or "adam"

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def grad_ratio(self) -> np.ndarray:
        """Per epoch, last layer's gradient norm over the first layer's."""
        return speed_ratio(self.grad_norm)

    @property
    def update_ratio(self) -> np.ndarray:
        """Per epoch, last layer's relative update over the first layer's (the speed ratio)."""
        return speed_ratio(self.rel_update)

    @property
    def final_accuracy(self) -> float:
        """Test accuracy after the last epoch (NaN if the run diverged)."""
        return float(self.test_accuracy[-1])

    @property
    def label(self) -> str:
        extra = [name for name, on in (("batch norm", self.batch_norm), ("residual", self.residual)) if on]
        if self.optimiser != "sgd":
            extra.append(self.optimiser)
        return f"{self.activation} + {self.init}" + (f" + {' + '.join(extra)}" if extra else "")


def _check_settings(
    activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser="sgd"
):
    if not isinstance(activation, _act.Activation) and (
        not isinstance(activation, str) or activation not in _act.names()
    ):
        raise ValueError(
            f"activation must be an Activation or one of {tuple(_act.names())}; got {activation!r}"
        )
    if init not in INITS:
        raise ValueError(f"init must be one of {tuple(INITS)}; got {init!r}")
    depth = check_int("depth", depth, low=1, high=200)
    width = check_int("width", width, low=1, high=1024)
    epochs = check_int("epochs", epochs, low=1, high=1000)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    batch_size = check_int("batch_size", batch_size, low=2, high=len(lab_data().y_train))
    seed = check_int("seed", seed, low=0)
    for name, flag in (("batch_norm", batch_norm), ("residual", residual)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}")
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}; got {optimiser!r}")
    return (
        activation,
        init,
        depth,
        width,
        epochs,
        lr,
        batch_size,
        seed,
        bool(batch_norm),
        bool(residual),
        optimiser,
    )


def _network(activation, init, depth, width, rng, batch_norm, residual) -> mlp.MLP:
    scheme, std = INITS[init]
    split = lab_data()
    sizes = [split.n_features] + [width] * depth + [split.n_classes]
    return mlp.MLP.initialise(
        sizes, activation, scheme, rng, std=std, batch_norm=batch_norm, residual=residual
    )


def _generators(seed):
    """Independent generators for the weights and for the order of the examples."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]


def train_and_measure(
    net: mlp.MLP,
    split: data.Split,
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    rng,
    optimiser: str = "sgd",
) -> dict:
    """Train ``net`` in place by plain mini-batch SGD (or Adam) and measure every epoch.

    Each epoch is one :func:`vanishing.core.training.train_epoch` (plain SGD), the
    step :func:`vanishing.core.training.train` takes; the measurements are leaner than its :class:`~vanishing.core.training.History`, so
    that a sweep of dozens of runs takes seconds: the training set is evaluated
    only before and after training, the test set after every epoch.

    Returns a dict with the measurement fields of :class:`LabRun` and
    ``diverged_at``.  An epoch whose step overflows stops training; that
    epoch and the later ones are NaN.
    """
    if not isinstance(net, mlp.MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    if not isinstance(split, data.Split):
        raise TypeError(f"split must be a vanishing.core.data.Split; got {type(split).__name__}")
    epochs = check_int("epochs", epochs, low=1)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    batch_size = check_int("batch_size", batch_size, low=2 if net.batch_norm else 1)
    rng = check_generator("rng", rng)
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}; got {optimiser!r}")
    X, y = split.X_train, split.y_train
    n_layers = len(net.weights)
    test_acc = np.full(epochs + 1, np.nan)
    batch_loss = np.full(epochs, np.nan)
    grad_norm = np.full((epochs, n_layers), np.nan)
    rel_update = np.full((epochs, n_layers), np.nan)
    test_acc[0] = training.accuracy(net, split.X_test, split.y_test)
    dead = [diagnostics.dead_fraction(net, X)]
    saturated = [diagnostics.saturated_fraction(net, X)]
    diverged_at = None
    if optimiser == "adam":
        optimiser = optimisers.Adam(net.parameters(), lr=lr)
    else:
        optimiser = optimisers.Momentum(net.parameters(), lr=lr)  # momentum 0: plain SGD
    for epoch in range(epochs):
        before = [w.copy() for w in net.weights]
        try:
            with np.errstate(over="raise", invalid="raise"):
                steps = training.train_epoch(net, X, y, optimiser=optimiser, rng=rng, batch_size=batch_size)
                test_acc[epoch + 1] = training.accuracy(net, split.X_test, split.y_test)
        except FloatingPointError:
            diverged_at = epoch + 1
            break
        batch_loss[epoch] = np.mean(steps.losses)
        grad_norm[epoch] = np.mean(steps.grad_w_norms, axis=0)
        rel_update[epoch] = relative_update(before, net.weights)
    if diverged_at is None:
        train_acc = training.accuracy(net, X, y)
        dead.append(diagnostics.dead_fraction(net, X))
        saturated.append(diagnostics.saturated_fraction(net, X))
    else:
        train_acc = np.nan
        dead.append(np.full(n_layers - 1, np.nan))
        saturated.append(np.full(n_layers - 1, np.nan))
    out = {
        "batch_loss": batch_loss,
        "train_accuracy": float(train_acc),
        "test_accuracy": test_acc,
        "grad_norm": grad_norm,
        "rel_update": rel_update,
        "dead": np.array(dead),
        "saturated": np.array(saturated),
    }
    for value in out.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # cached runs are shared
    out["diverged_at"] = diverged_at
    return out


@frozen_cache(maxsize=512)
def _trained_cached(
    activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser
):
    """The trained network and its :class:`LabRun`; the network's parameters are made read-only."""
    init_rng, order_rng = _generators(seed)
    net = _network(activation, init, depth, width, init_rng, batch_norm, residual)
    measured = train_and_measure(
        net, lab_data(), epochs=epochs, lr=lr, batch_size=batch_size, rng=order_rng, optimiser=optimiser
    )
    for p in net.parameters():
        p.flags.writeable = False  # the cached network is shared by lab_report
    name = activation.name if isinstance(activation, _act.Activation) else activation
    settings = (name, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual)
    return net, LabRun(*settings, **measured, optimiser=optimiser)


def _run_cached(*key):
    return _trained_cached(*key)[1]


def run(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    width: int = DEFAULTS["width"],
    epochs: int = DEFAULTS["epochs"],
    lr: float = DEFAULTS["lr"],
    batch_size: int = DEFAULTS["batch_size"],
    seed: int = DEFAULTS["seed"],
    batch_norm: bool = False,
    residual: bool = False,
    optimiser: str = "sgd",
) -> LabRun:
    """Train one network of ``depth`` hidden layers of ``width`` units on the digits.

    ``activation`` is a name from :func:`vanishing.core.activations.names` or an
    :class:`~vanishing.core.activations.Activation` object, for instance one built
    with :func:`vanishing.core.activations.custom` (chapter 11; such runs are cached
    per object).  ``init`` is a key of :data:`INITS`.  The weights are drawn, and the order
    of the examples in every epoch is shuffled, by two generators spawned from
    ``seed``; the train/test split is fixed (:func:`digits`).  Training is
    plain mini-batch SGD on the softmax cross-entropy, or Adam with
    ``optimiser="adam"`` (then pass a learning rate that suits Adam, such as
    ``lr=1e-3``).  The result is cached: the same settings return the same
    :class:`LabRun` object.
    """
    key = _check_settings(
        activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser
    )
    return _run_cached(*key)


def sweep(activations=ACTIVATIONS, inits=tuple(INITS), depths=(10,), **settings) -> list[LabRun]:
    """:func:`run` for every combination, activations outermost, then inits, then depths."""
    return [run(a, i, d, **settings) for a in activations for i in inits for d in depths]


def seed_runs(activation, init: str, depth: int = 10, *, seeds=SEEDS, **settings) -> list[LabRun]:
    """:func:`run` once per seed in ``seeds`` (default :data:`SEEDS`), other settings equal.

    Chapter 10 reads every accuracy it interprets from such a group, never
    from one seed.  Runs are cached like every :func:`run`.
    """
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of integers; got {seeds!r}")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if "seed" in settings:
        raise TypeError("pass seeds=..., not seed=..., to seed_runs")
    return [run(activation, init, depth, seed=s, **settings) for s in seeds]


def format_seed_table(groups) -> str:
    """One line per group of runs that differ only in their seed (:func:`seed_runs`).

    Columns: the test accuracy of every seed in order (``div`` for a run that
    diverged); how many runs exceed :data:`TRAINED`; the median and the range
    (min-max) of the accuracies over the runs that did not diverge; the
    median first-epoch speed ratio.
    """
    groups = [list(g) for g in groups]
    if not groups or any(not g for g in groups):
        raise ValueError("groups must hold at least one non-empty group of runs")
    head = (
        f"{'network':<30s} {'test accuracy per seed':<34s} {'trained':>7s}  {'median':>6s}"
        f"  {'range':>11s}  {'speed L/1':>9s}"
    )
    lines = [head, "-" * len(head)]
    for g in groups:
        for r in g:
            if not isinstance(r, LabRun):
                raise TypeError(f"groups must hold LabRun objects; got {type(r).__name__}")
        first = g[0]
        same = (
            "activation",
            "init",
            "depth",
            "width",
            "epochs",
            "lr",
            "batch_size",
            "batch_norm",
            "residual",
            "optimiser",
        )
        if any(getattr(r, k) != getattr(first, k) for r in g for k in same):
            raise ValueError("every run of a group must have the same settings apart from the seed")
        name = first.activation + (" +BN" if first.batch_norm else "") + (" +res" if first.residual else "")
        name += f" {first.optimiser}" if first.optimiser != "sgd" else ""
        name = f"{name} {first.init}"
        each = " ".join("  div" if r.diverged else f"{r.final_accuracy:5.3f}" for r in g)
        ok = [r for r in g if not r.diverged]
        trained = sum(r.final_accuracy > TRAINED for r in ok)
        if ok:
            acc = np.array([r.final_accuracy for r in ok])
            speed = np.median([r.update_ratio[0] for r in ok])
            stats = f"{np.median(acc):6.3f}  {acc.min():5.3f}-{acc.max():5.3f}  {speed:9.1e}"
        else:
            at = sorted({r.diverged_at for r in g})
            when = f"epoch {at[0]}" if len(at) == 1 else f"epochs {at[0]}-{at[-1]}"
            stats = f"{'every run diverged, in ' + when:>32s}"
        lines.append(f"{name:<30s} {each:<34s} {trained:3d} of {len(g)}  {stats}")
    return "\n".join(lines)


def _stuck_fraction(r: LabRun) -> float:
    return float(np.mean(r.dead[-1] if r.activation in RECTIFIERS else r.saturated[-1]))


def format_table(runs) -> str:
    """A fixed-format table of runs, one line each.

    Columns: test accuracy after the last epoch; the gradient-norm ratio
    (last layer over first) in the first and last epochs; the speed ratio
    ``u_L / u_1`` in the first and last epochs; and, after the last epoch,
    the mean over hidden layers of the dead fraction (rectifiers) or the
    saturated fraction (every other activation), marked ``d`` or ``s``.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("runs must hold at least one LabRun")
    head = (
        f"{'activation':<12s} {'init':<13s} {'test acc':>8s}  {'grad L/1':>8s} {'(last)':>8s}"
        f"  {'speed L/1':>9s} {'(last)':>8s}  {'stuck':>7s}"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        if not isinstance(r, LabRun):
            raise TypeError(f"runs must hold LabRun objects; got {type(r).__name__}")
        name = r.activation + (" +BN" if r.batch_norm else "") + (" +res" if r.residual else "")
        if r.diverged:
            lines.append(f"{name:<12s} {r.init:<13s}    diverged in epoch {r.diverged_at}")
            continue
        g, u = r.grad_ratio, r.update_ratio
        kind = "d" if r.activation in RECTIFIERS else "s"
        lines.append(
            f"{name:<12s} {r.init:<13s} {r.final_accuracy:8.3f}  {g[0]:8.1e} {g[-1]:8.1e}"
            f"  {u[0]:9.1e} {u[-1]:8.1e}  {_stuck_fraction(r):5.2f} {kind}"
        )
    return "\n".join(lines)


def summarise(r: LabRun) -> str:
    """One sentence on a run: accuracy, speed ratio and stuck units (the widget's alt text)."""
    if not isinstance(r, LabRun):
        raise TypeError(f"r must be a LabRun; got {type(r).__name__}")
    what = f"{r.activation} with {r.init} initialisation and {r.depth} hidden layers"
    if r.diverged:
        return f"{what}: training diverged in epoch {r.diverged_at}."
    stuck = "dead units" if r.activation in RECTIFIERS else "saturated unit-example pairs"
    return (
        f"{what}: test accuracy {r.final_accuracy:.2f} after {r.epochs} epochs; in the first epoch the "
        f"last layer's relative update is {r.update_ratio[0]:.1e} times the first layer's, in the last "
        f"epoch {r.update_ratio[-1]:.1e} times; {_stuck_fraction(r):.0%} {stuck} at the end."
    )


@dataclass(frozen=True)
class GradientCheck:
    """Per layer, the analytic gradient norm against a central difference.

    ``numeric[l]`` is ``(L(W_l + h V) - L(W_l - h V)) / (2h)`` with ``V`` the
    unit-norm direction of the analytic gradient ``G_l``; if the analytic
    gradient is right, it equals ``||G_l||`` up to O(h^2) and rounding.
    """

    analytic: np.ndarray  #: ||G_l|| per layer
    numeric: np.ndarray  #: the central difference along G_l / ||G_l||
    h: float

    @property
    def relative_error(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.analytic > 0, np.abs(self.numeric - self.analytic) / self.analytic, np.abs(self.numeric)
            )


def gradient_check(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    width: int = DEFAULTS["width"],
    n_examples: int = 64,
    h: float = 1e-5,
    seed: int = DEFAULTS["seed"],
    batch_norm: bool = False,
    residual: bool = False,
) -> GradientCheck:
    """Check the lab network's back-propagated gradient, layer by layer, at initialisation.

    The network is the one :func:`run` trains with the same settings and
    ``seed``; the loss is the cross-entropy on the first ``n_examples``
    training digits.  A direction along the gradient makes the check
    sensitive to the gradient's size, which is what the lab measures, even
    for a first layer whose gradient is 10^5 times smaller than the last's.
    The default step ``h = 1e-5`` rarely crosses a ReLU kink, and the rounding
    error of the two losses (about 1e-16 each, divided by 2h) stays far below
    a gradient of 1e-6; the relative errors are then below 1e-4 for every
    activation and initialisation of the lab (see tests/test_lab.py).
    """
    key = _check_settings(activation, init, depth, width, 1, 0.1, 2, seed, batch_norm, residual)
    activation, init, depth, width, _, _, _, seed, batch_norm, residual, _ = key
    n_examples = check_int("n_examples", n_examples, low=2, high=len(lab_data().y_train))
    h = check_real("h", h, low=0.0, high=1.0, low_open=True)
    split = lab_data()
    X, y = split.X_train[:n_examples], split.y_train[:n_examples]
    net = _network(activation, init, depth, width, _generators(seed)[0], batch_norm, residual)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    analytic = np.array([np.linalg.norm(gw) for gw in g.weights])
    numeric = np.empty_like(analytic)
    probe = np.random.default_rng(seed)
    for i, (W, G) in enumerate(zip(net.weights, g.weights, strict=True)):
        if analytic[i] > 0:
            V = G / analytic[i]
        else:  # a layer with no gradient at all: any direction must give 0
            V = probe.normal(size=G.shape)
            V /= np.linalg.norm(V)
        W0 = W.copy()
        W[...] = W0 + h * V
        up = net.loss_and_gradients(X, y, "cross_entropy").loss
        W[...] = W0 - h * V
        down = net.loss_and_gradients(X, y, "cross_entropy").loss
        W[...] = W0
        numeric[i] = (up - down) / (2 * h)
    return GradientCheck(analytic, numeric, h)


@dataclass(frozen=True)
class LayerSignals:
    """Per example (rows) and layer (columns), the two factors of the weight gradient.

    For a single example the gradient of ``W_l`` is the outer product of the
    layer's input ``a_{l-1}`` and its backward signal ``delta_l = dL/dz_l``,
    so ``||dL/dW_l|| = ||a_{l-1}|| * ||delta_l||`` exactly.
    """

    forward: np.ndarray  #: ||a_{l-1}||, the input of layer l (column 0: the digit itself)
    backward: np.ndarray  #: ||delta_l|| = ||dL/db_l|| for one example
    grad: np.ndarray  #: ||dL/dW_l|| for one example, from back-propagation

    @property
    def identity_error(self) -> float:
        """Largest relative difference between ``forward * backward`` and ``grad`` (0 where grad is 0)."""
        product = self.forward * self.backward
        scale = np.where(self.grad > 0, self.grad, 1.0)
        return float(np.max(np.abs(product - self.grad) / scale))

    def last_over_first(self) -> tuple[float, float, float]:
        """Geometric means over the examples of last layer / first layer, for
        ``forward``, ``backward`` and ``grad`` (examples with a zero first or
        last value are left out; NaN if none is left)."""
        out = []
        for values in (self.forward, self.backward, self.grad):
            first, last = values[:, 0], values[:, -1]
            keep = (first > 0) & (last > 0)
            out.append(diagnostics.per_layer_factor(first[keep], last[keep], 1) if keep.any() else np.nan)
        return tuple(out)


def layer_signals(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    width: int = DEFAULTS["width"],
    n_examples: int = 64,
    seed: int = DEFAULTS["seed"],
) -> LayerSignals:
    """Forward and backward signal sizes of the lab network at initialisation, one example at a time.

    The network is the one :func:`run` starts from (same settings and
    ``seed``); the examples are the first ``n_examples`` training digits.
    Networks with batch normalisation are not supported (one example has no
    batch statistics).
    """
    key = _check_settings(activation, init, depth, width, 1, 0.1, 2, seed, False, False)
    activation, init, depth, width, _, _, _, seed, _, _, _ = key
    n_examples = check_int("n_examples", n_examples, low=1, high=len(lab_data().y_train))
    split = lab_data()
    X, y = split.X_train[:n_examples], split.y_train[:n_examples]
    net = _network(activation, init, depth, width, _generators(seed)[0], False, False)
    hidden = net.hidden_inputs(X)  # what each hidden layer feeds into f
    acts = [X] + [net.activation.forward(u) for u in hidden]
    forward = np.column_stack([np.linalg.norm(a, axis=1) for a in acts])
    backward = np.empty((n_examples, depth + 1))
    grad = np.empty((n_examples, depth + 1))
    for k in range(n_examples):
        stats = net.loss_and_gradients(X[k : k + 1], y[k : k + 1], "cross_entropy").stats
        backward[k] = stats.grad_b_norm
        grad[k] = stats.grad_w_norm
    return LayerSignals(forward, backward, grad)


def digit_spread(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    width: int = DEFAULTS["width"],
    seed: int = DEFAULTS["seed"],
) -> tuple[np.ndarray, np.ndarray]:
    """What the lab network at initialisation makes of the training digits, layer by layer.

    Returns ``(spread, level)``, each of shape ``(depth + 1,)``: entry 0 is
    the input, entry ``l`` hidden layer ``l``'s output ``a_l``.  ``spread`` is
    the mean over units of the standard deviation over the digits (the part of
    the signal that differs from digit to digit); ``level`` is the mean over
    units of the absolute mean over the digits (the part every digit shares).
    The network is the one :func:`run` starts from (same settings and ``seed``).
    """
    key = _check_settings(activation, init, depth, width, 1, 0.1, 2, seed, False, False)
    activation, init, depth, width, _, _, _, seed, _, _, _ = key
    X = lab_data().X_train
    net = _network(activation, init, depth, width, _generators(seed)[0], False, False)
    acts = [X] + [net.activation.forward(u) for u in net.hidden_inputs(X)]
    spread = np.array([a.std(axis=0).mean() for a in acts])
    level = np.array([np.abs(a.mean(axis=0)).mean() for a in acts])
    return spread, level


def backward_factor(signals: LayerSignals) -> float:
    """The typical factor by which one hidden layer scales the backward signal.

    The geometric mean, over examples and over the transitions between
    hidden layers (``delta_{l+1} -> delta_l`` for ``l = 1 .. depth - 1``, all
    through square weight matrices), of ``||delta_l|| / ||delta_{l+1}||``.
    Examples with a zero backward signal anywhere are left out.
    """
    if not isinstance(signals, LayerSignals):
        raise TypeError(f"signals must be a LayerSignals; got {type(signals).__name__}")
    b = signals.backward[:, :-1]  # hidden layers only
    if b.shape[1] < 2:
        raise ValueError("backward_factor needs at least two hidden layers")
    keep = np.all(b > 0, axis=1)
    if not keep.any():
        return 0.0
    return diagnostics.per_layer_factor(b[keep, -1], b[keep, 0], b.shape[1] - 1)


@frozen_cache(maxsize=128)
def _report_cached(key, trained, n_examples):
    split = lab_data()
    X, y = split.X_train[:n_examples], split.y_train[:n_examples]
    if trained:
        net, r = _trained_cached(*key)
        if r.diverged:
            raise ValueError(
                f"the run {r.label} (seed {r.seed}) diverged: there is no trained network to report on"
            )
    else:
        activation, init, depth, width, _, _, _, seed, batch_norm, residual, _ = key
        net = _network(activation, init, depth, width, _generators(seed)[0], batch_norm, residual)
    return diagnostics.network_report(net, X, y, "cross_entropy")


def lab_report(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    trained: bool = False,
    n_examples: int | None = None,
    width: int = DEFAULTS["width"],
    epochs: int = DEFAULTS["epochs"],
    lr: float = DEFAULTS["lr"],
    batch_size: int = DEFAULTS["batch_size"],
    seed: int = DEFAULTS["seed"],
    batch_norm: bool = False,
    residual: bool = False,
    optimiser: str = "sgd",
) -> diagnostics.LayerReport:
    """Chapter 10's diagnostics: :func:`vanishing.core.diagnostics.network_report` of a lab network.

    With ``trained=False`` the network is the one :func:`run` starts from,
    with ``trained=True`` the one it ends with (the same cached run, so the
    sweep's networks cost nothing more); the batch is the first
    ``n_examples`` training digits (default: all of them, so that a dead unit
    is one that no training digit activates, as in :func:`run`).  The report is cached, so every frame of a
    widget over activation and initialisation is cheap once drawn.
    """
    key = _check_settings(
        activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser
    )
    if not isinstance(trained, (bool, np.bool_)):
        raise TypeError(f"trained must be True or False; got {trained!r}")
    n_train = len(lab_data().y_train)
    n_examples = n_train if n_examples is None else check_int("n_examples", n_examples, low=2, high=n_train)
    return _report_cached(key, bool(trained), n_examples)


@frozen_cache(maxsize=32)
def _history_cached(key):
    activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser = key
    init_rng, order_rng = _generators(seed)
    net = _network(activation, init, depth, width, init_rng, batch_norm, residual)
    history = training.train(
        net,
        lab_data(),
        epochs=epochs,
        lr=lr,
        rng=order_rng,
        batch_size=batch_size,
        optimiser=optimiser,
        record_updates=True,
    )
    history.update_ratios.flags.writeable = False
    return history


def update_history(
    activation: str | _act.Activation,
    init: str,
    depth: int = 10,
    *,
    width: int = DEFAULTS["width"],
    epochs: int = DEFAULTS["epochs"],
    lr: float = DEFAULTS["lr"],
    batch_size: int = DEFAULTS["batch_size"],
    seed: int = DEFAULTS["seed"],
    batch_norm: bool = False,
    residual: bool = False,
    optimiser: str = "sgd",
) -> training.History:
    """The training run of :func:`run` repeated by :func:`vanishing.core.training.train` with
    ``record_updates=True`` (chapter 10).

    Same network, same order of the digits, same steps, so the final test
    accuracy equals the run's; :attr:`~vanishing.core.training.History.update_ratios`
    holds every step's update-to-data ratio ``std(ΔW_l) / std(W_l)`` per
    weight matrix, shape ``(steps, depth + 1)``.  Cached.
    """
    key = _check_settings(
        activation, init, depth, width, epochs, lr, batch_size, seed, batch_norm, residual, optimiser
    )
    return _history_cached(key)
