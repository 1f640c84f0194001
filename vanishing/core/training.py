"""Training an :class:`~vanishing.core.mlp.MLP` with mini-batch SGD, and what to measure on the way.

:func:`train` runs mini-batch SGD (with optional momentum) or Adam with an
explicit random generator and records, epoch by epoch, the loss, the
accuracies, each layer's gradient norm, the fraction of dead units
(:func:`vanishing.core.diagnostics.dead_fraction`) and, for PReLU, the
learned slopes.  Also here:

* :func:`clip_by_global_norm`: gradient clipping (Pascanu et al. 2013;
  chapters 9 and 12).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_float_array, check_generator, check_int, check_real
from .data import Split
from .diagnostics import dead_fraction, update_ratio
from .losses import global_norm, output_loss
from .mlp import MLP
from .optimisers import Adam, Momentum

__all__ = [
    "EpochSteps",
    "History",
    "accuracy",
    "clip_by_global_norm",
    "OPTIMISERS",
    "train_epoch",
    "train",
]


def accuracy(net: MLP, X, labels) -> float:
    """Fraction of rows whose largest output is at the label's index."""
    labels = np.asarray(labels)
    return float(np.mean(np.argmax(net.forward(X), axis=1) == labels))


def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Rescale ``grads`` so that their joint Euclidean norm is at most ``max_norm``.

    Returns ``(clipped, norm)`` where ``norm`` is the norm before clipping.  The
    direction of the update is kept; only its length is capped (Pascanu,
    Mikolov and Bengio 2013, algorithm 1).
    """
    max_norm = check_real("max_norm", max_norm, low=0.0, low_open=True)
    norm = global_norm(grads)
    if norm <= max_norm:
        return list(grads), norm
    scale = max_norm / norm
    return [g * scale for g in grads], norm


@dataclass
class History:
    """What :func:`train` recorded.

    Arrays indexed by epoch have ``epochs + 1`` rows where row 0 is the state
    before training (``loss``, ``train_accuracy``, ``test_accuracy``,
    ``dead``, ``alpha_mean``), and ``epochs`` rows for quantities averaged over
    an epoch's steps (``grad_norm``).
    """

    loss: np.ndarray  #: training loss (on the whole training set)
    train_accuracy: np.ndarray  #: NaN for regression
    test_accuracy: np.ndarray  #: NaN when no test set was given, or for regression
    grad_norm: np.ndarray  #: (epochs, layers): mean over steps of ||dL/dW_l||
    dead: np.ndarray  #: (epochs + 1, hidden layers): dead_fraction on the training set
    alpha_mean: np.ndarray | None = None  #: (epochs + 1, hidden layers): mean PReLU slope
    alphas: list[list[np.ndarray]] = field(default_factory=list)  #: every slope, per epoch
    clipped_steps: int = 0  #: steps whose gradient norm exceeded clip_norm
    #: (steps, layers): each step's update-to-data ratio std(dW_l)/std(W_l), with record_updates=True
    update_ratios: np.ndarray | None = None

    @property
    def layer_speed_ratio(self) -> np.ndarray:
        """Per epoch, last layer's gradient norm over the first's: how many times
        faster the output layer's weights move than the first layer's."""
        return self.grad_norm[:, -1] / self.grad_norm[:, 0]


def _evaluate(net, X, y, loss):
    """``(loss, accuracy)`` in evaluation mode (batch norm uses running statistics)."""
    out = net.forward(X)
    value, _ = output_loss(loss, out, y)
    if loss != "cross_entropy":
        return value, np.nan
    return value, float(np.mean(np.argmax(out, axis=1) == y))


@dataclass(frozen=True)
class EpochSteps:
    """What one pass of :func:`train_epoch` measured, one row per step."""

    losses: np.ndarray  #: (steps,): the mini-batch loss before each update
    grad_w_norms: np.ndarray  #: (steps, layers): ||dL/dW_l|| of each step (before clipping)
    clipped: int  #: steps whose gradient norm exceeded clip_norm
    #: (steps, layers): std(dW_l) / std(W_l) of each step, with record_updates=True
    update_ratios: np.ndarray | None = None


def train_epoch(
    net: MLP,
    X,
    y,
    *,
    optimiser: Momentum | Adam,
    rng: np.random.Generator,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    clip_norm: float | None = None,
    record_updates: bool = False,
) -> EpochSteps:
    """One pass over ``X, y`` in mini-batches, in an order drawn from ``rng``.

    Each step computes the gradient of every array in ``net.parameters()``,
    clips it with :func:`clip_by_global_norm` when ``clip_norm`` is given, and
    hands it to ``optimiser`` (built on ``net.parameters()``; it keeps its
    state, such as momentum, from one epoch to the next).  :func:`train`
    runs it once per epoch; the gradient lab (chapter 10) calls it directly to
    measure each epoch's updates.  With ``record_updates=True`` each step's
    update-to-data ratio per weight matrix is kept
    (:func:`vanishing.core.diagnostics.update_ratio`).
    """
    params = net.parameters()
    order = rng.permutation(len(X))
    losses, norms, ratios = [], [], []
    clipped = 0
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        if net.batch_norm and len(idx) < 2:
            continue  # batch statistics need two rows
        g = net.loss_and_gradients(X[idx], y[idx], loss)
        grads = g.as_list()
        if clip_norm is not None:
            grads, norm = clip_by_global_norm(grads, clip_norm)
            clipped += norm > clip_norm
        before = [w.copy() for w in net.weights] if record_updates else None
        optimiser.step(params, grads)
        if record_updates:
            ratios.append(update_ratio(before, net.weights))
        net.update_running_stats(g)
        losses.append(g.loss)
        # Reading the layer statistics also squares every pre-activation: in a
        # diverging run that is the first thing to overflow, which train's
        # errstate turns into the FloatingPointError that names the epoch.
        norms.append(g.stats.grad_w_norm)
    n_layers = len(net.weights)
    return EpochSteps(
        np.array(losses),
        np.array(norms).reshape(-1, n_layers),
        int(clipped),
        np.array(ratios).reshape(-1, n_layers) if record_updates else None,
    )


def _training_data(data, loss):
    """``(X, y, X_test, y_test)`` from a :class:`~vanishing.core.data.Split` or a pair ``(X, y)``."""
    if isinstance(data, Split):
        return data.X_train, data.y_train, data.X_test, data.y_test
    if not (isinstance(data, tuple) and len(data) == 2):
        raise TypeError(
            f"data must be a vanishing.core.data.Split or a pair (X, y); got {type(data).__name__}"
        )
    X, y = data
    X = np.asarray(as_float_array("X", X), dtype=np.float64)
    y = np.asarray(y) if loss == "cross_entropy" else np.asarray(as_float_array("y", y), dtype=np.float64)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows; got {len(X)} and {len(y)}")
    return X, y, None, None


OPTIMISERS = ("sgd", "adam")


class _Recorder:
    """What :func:`train` measures before training and after each epoch."""

    def __init__(self, net, X, y, X_test, y_test, loss, on_epoch):
        self.net, self.X, self.y, self.X_test, self.y_test = net, X, y, X_test, y_test
        self.loss, self.on_epoch = loss, on_epoch
        self.losses, self.train_acc, self.test_acc, self.dead = [], [], [], []
        self.alpha_mean, self.alphas = [], []

    def __call__(self, epoch: int) -> None:
        net = self.net
        value, acc = _evaluate(net, self.X, self.y, self.loss)
        self.losses.append(value)
        self.train_acc.append(acc)
        has_test = self.X_test is not None
        self.test_acc.append(_evaluate(net, self.X_test, self.y_test, self.loss)[1] if has_test else np.nan)
        self.dead.append(dead_fraction(net, self.X))
        if net.alphas is not None:
            self.alpha_mean.append([float(a.mean()) for a in net.alphas])
            self.alphas.append([a.copy() for a in net.alphas])
        if self.on_epoch is not None:
            self.on_epoch(epoch, net)

    def history(self, grad_norm: np.ndarray, clipped: int, update_ratios=None) -> History:
        return History(
            loss=np.array(self.losses),
            train_accuracy=np.array(self.train_acc),
            test_accuracy=np.array(self.test_acc),
            grad_norm=grad_norm,
            dead=np.array(self.dead),
            alpha_mean=np.array(self.alpha_mean) if self.net.alphas is not None else None,
            alphas=self.alphas,
            clipped_steps=int(clipped),
            update_ratios=update_ratios,
        )


def _optimiser(net, optimiser, lr, momentum):
    lr = check_real("lr", lr, low=0.0, low_open=True)
    momentum = check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if optimiser == "sgd":
        return Momentum(net.parameters(), lr=lr, momentum=momentum)
    if optimiser == "adam":
        return Adam(net.parameters(), lr=lr)
    raise ValueError(f"optimiser must be one of {OPTIMISERS}; got {optimiser!r}")


def train(
    net: MLP,
    data,
    *,
    epochs: int,
    lr: float,
    rng: np.random.Generator,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    optimiser: str = "sgd",
    momentum: float = 0.0,
    clip_norm: float | None = None,
    on_epoch: Callable[[int, MLP], None] | None = None,
    record_updates: bool = False,
) -> History:
    """Train ``net`` in place and return its :class:`History`.

    ``data`` is a :class:`~vanishing.core.data.Split` (its test set is then
    measured too) or a pair ``(X, y)``.  Each epoch is one
    :func:`train_epoch`, with SGD (``optimiser="sgd"``: ``v <- momentum v +
    g``, ``p <- p - lr v``) or Adam (``optimiser="adam"``); with
    ``clip_norm`` the gradient is first clipped by :func:`clip_by_global_norm`.
    ``on_epoch(epoch, net)``, if given, is called before training (epoch 0)
    and after each epoch, for any measurement :class:`History` does not make.
    ``record_updates=True`` keeps every step's update-to-data ratio per layer
    (:attr:`History.update_ratios`).
    A step that overflows (a diverging run) stops training with a
    ``FloatingPointError`` that names the epoch, instead of carrying on with
    infinities and NaN; ``on_epoch`` has then seen every completed epoch.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    epochs = check_int("epochs", epochs, low=0)
    rng = check_generator("rng", rng)
    batch_size = check_int("batch_size", batch_size, low=2 if net.batch_norm else 1)
    opt = _optimiser(net, optimiser, lr, momentum)
    if clip_norm is not None:
        clip_norm = check_real("clip_norm", clip_norm, low=0.0, low_open=True)
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be callable or None; got {type(on_epoch).__name__}")
    X, y, X_test, y_test = _training_data(data, loss)
    record = _Recorder(net, X, y, X_test, y_test, loss, on_epoch)
    grad_norm = np.zeros((epochs, len(net.weights)))
    clipped = 0
    if not isinstance(record_updates, bool):
        raise TypeError(f"record_updates must be True or False; got {record_updates!r}")
    ratios = []
    record(0)
    for epoch in range(epochs):
        try:
            with np.errstate(over="raise", invalid="raise"):
                steps = train_epoch(
                    net,
                    X,
                    y,
                    optimiser=opt,
                    rng=rng,
                    batch_size=batch_size,
                    loss=loss,
                    clip_norm=clip_norm,
                    record_updates=record_updates,
                )
                if record_updates:
                    ratios.append(steps.update_ratios)
                grad_norm[epoch] = steps.grad_w_norms.sum(axis=0) / max(len(steps.losses), 1)
                clipped += steps.clipped
                record(epoch + 1)
        except FloatingPointError as err:
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1} ({err}); lower lr or clip the gradient"
            ) from None
    update_ratios = np.concatenate(ratios) if ratios else np.zeros((0, len(net.weights)))
    return record.history(grad_norm, clipped, update_ratios if record_updates else None)
