"""Training an :class:`~vanishing.mlp.MLP` with mini-batch SGD, and what to measure on the way.

:func:`train` runs plain (optionally momentum) stochastic gradient descent with
an explicit random generator and records, epoch by epoch, the loss, the
accuracies, each layer's gradient norm, the fraction of dead units and, for
PReLU, the learned slopes.  The measurements are also available on their own:

* :func:`dead_fraction`: units whose input to the activation is ``<= 0`` for
  every example.  A ReLU unit in that state outputs 0 and receives no
  gradient: it is *dead* (chapter 5).
* :func:`saturated_fraction`: how often a unit's slope ``f'`` is below a small
  fraction of the activation's largest slope (chapters 3, 4 and 9).
* :func:`clip_by_global_norm`: gradient clipping (Pascanu et al. 2013;
  chapters 8 and 11).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import as_float_array, check_generator, check_int, check_real
from .mlp import MLP

__all__ = [
    "EpochSteps",
    "History",
    "accuracy",
    "clip_by_global_norm",
    "dead_fraction",
    "saturated_fraction",
    "sgd_epoch",
    "train",
]


def accuracy(net: MLP, X, labels) -> float:
    """Fraction of rows whose largest output is at the label's index."""
    labels = np.asarray(labels)
    return float(np.mean(np.argmax(net.forward(X), axis=1) == labels))


def dead_fraction(net: MLP, X) -> np.ndarray:
    """Per hidden layer, the fraction of units whose activation input is ``<= 0`` on every row of ``X``.

    For ReLU and ReLU6 such a unit outputs 0 for every input and passes back a
    gradient of exactly 0, so gradient descent on these inputs cannot revive
    it.  For Leaky ReLU, PReLU and ELU the same units still pass a reduced
    gradient; the measure then counts units that are *inactive*, not dead.
    """
    return np.array([np.mean(np.all(u <= 0, axis=0)) for u in net.hidden_inputs(X)])


def _max_slope(net: MLP) -> float:
    grid = np.linspace(-20.0, 20.0, 40_001)
    return float(np.max(np.abs(net.activation.derivative(grid))))


def saturated_fraction(net: MLP, X, level: float = 0.01) -> np.ndarray:
    """Per hidden layer, the fraction of (example, unit) pairs whose slope ``|f'(u)|``
    is below ``level`` times the activation's largest slope (on ``[-20, 20]``).

    For the sigmoid (largest slope 1/4) the default flags ``|u| > 5.99``; for
    tanh (largest slope 1), ``|u| > 2.99``.  For ReLU it counts the inactive
    pairs, where the slope is exactly 0.
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True)
    threshold = level * _max_slope(net)
    out = []
    for i, u in enumerate(net.hidden_inputs(X)):
        slope = np.abs(net._fprime(i, u))
        out.append(np.mean(slope < threshold))
    return np.array(out)


def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Rescale ``grads`` so that their joint Euclidean norm is at most ``max_norm``.

    Returns ``(clipped, norm)`` where ``norm`` is the norm before clipping.  The
    direction of the update is kept; only its length is capped (Pascanu,
    Mikolov and Bengio 2013, algorithm 1).
    """
    max_norm = check_real("max_norm", max_norm, low=0.0, low_open=True)
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
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

    @property
    def layer_speed_ratio(self) -> np.ndarray:
        """Per epoch, last layer's gradient norm over the first's: how many times
        faster the output layer's weights move than the first layer's."""
        return self.grad_norm[:, -1] / self.grad_norm[:, 0]


def _evaluate(net, X, y, loss):
    """``(loss, accuracy)`` in evaluation mode (batch norm uses running statistics)."""
    out = net.forward(X)
    if loss != "cross_entropy":
        return float(np.mean((out - y) ** 2)), np.nan
    shifted = out - out.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    value = float(-np.mean(log_p[np.arange(len(y)), y]))
    return value, float(np.mean(np.argmax(out, axis=1) == y))


@dataclass(frozen=True)
class EpochSteps:
    """What one pass of :func:`sgd_epoch` measured, one row per step."""

    losses: np.ndarray  #: (steps,): the mini-batch loss before each update
    grad_w_norms: np.ndarray  #: (steps, layers): ||dL/dW_l|| of each step (before clipping)
    clipped: int  #: steps whose gradient norm exceeded clip_norm


def sgd_epoch(
    net: MLP,
    X,
    y,
    *,
    lr: float,
    rng: np.random.Generator,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    momentum: float = 0.0,
    velocity: list[np.ndarray] | None = None,
    clip_norm: float | None = None,
) -> EpochSteps:
    """One pass of mini-batch SGD over ``X, y`` in an order drawn from ``rng``.

    The update of every array ``p`` in ``net.parameters()`` is
    ``v <- momentum v + g``, ``p <- p - lr v``; pass the same ``velocity``
    list (one zero array per parameter to start) to every epoch to keep the
    momentum between epochs.  With ``clip_norm`` the gradient is clipped by
    :func:`clip_by_global_norm` first.  :func:`train` and the gradient lab
    (chapter 9) both train with it.
    """
    params = net.parameters()
    if velocity is None:
        velocity = [np.zeros_like(p) for p in params]
    order = rng.permutation(len(X))
    losses, norms = [], []
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
        for p, v, gr in zip(params, velocity, grads, strict=True):
            v *= momentum
            v += gr
            p -= lr * v
        net.update_running_stats(g)
        losses.append(g.loss)
        norms.append(g.stats.grad_w_norm)
    n_layers = len(net.weights)
    return EpochSteps(np.array(losses), np.array(norms).reshape(-1, n_layers), int(clipped))


def train(
    net: MLP,
    X,
    y,
    *,
    epochs: int,
    lr: float,
    rng: np.random.Generator,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    momentum: float = 0.0,
    clip_norm: float | None = None,
    X_test=None,
    y_test=None,
) -> History:
    """Train ``net`` in place by mini-batch SGD and return its :class:`History`.

    Each epoch visits the training rows in an order drawn from ``rng``.  The
    update is ``v <- momentum v + g``, ``p <- p - lr v`` for every array in
    ``net.parameters()``; with ``clip_norm`` the gradient is first clipped by
    :func:`clip_by_global_norm`.  A step that overflows (a diverging run)
    stops training with a ``FloatingPointError`` that names the epoch, instead
    of carrying on with infinities and NaN.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.mlp.MLP; got {type(net).__name__}")
    epochs = check_int("epochs", epochs, low=0)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    rng = check_generator("rng", rng)
    batch_size = check_int("batch_size", batch_size, low=2 if net.batch_norm else 1)
    momentum = check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if clip_norm is not None:
        clip_norm = check_real("clip_norm", clip_norm, low=0.0, low_open=True)
    X = np.asarray(as_float_array("X", X), dtype=np.float64)
    y = np.asarray(y) if loss == "cross_entropy" else np.asarray(as_float_array("y", y), dtype=np.float64)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows; got {len(X)} and {len(y)}")
    has_test = X_test is not None and y_test is not None

    params = net.parameters()
    velocity = [np.zeros_like(p) for p in params]
    n_layers = len(net.weights)
    losses, train_acc, test_acc, dead = [], [], [], []
    grad_norm = np.zeros((epochs, n_layers))
    alpha_mean, alphas = [], []
    clipped = 0

    def record():
        value, acc = _evaluate(net, X, y, loss)
        losses.append(value)
        train_acc.append(acc)
        test_acc.append(_evaluate(net, X_test, y_test, loss)[1] if has_test else np.nan)
        dead.append(dead_fraction(net, X))
        if net.alphas is not None:
            alpha_mean.append([float(a.mean()) for a in net.alphas])
            alphas.append([a.copy() for a in net.alphas])

    record()
    for epoch in range(epochs):
        try:
            with np.errstate(over="raise", invalid="raise"):
                steps = sgd_epoch(
                    net,
                    X,
                    y,
                    lr=lr,
                    rng=rng,
                    batch_size=batch_size,
                    loss=loss,
                    momentum=momentum,
                    velocity=velocity,
                    clip_norm=clip_norm,
                )
                grad_norm[epoch] = steps.grad_w_norms.sum(axis=0) / max(len(steps.losses), 1)
                clipped += steps.clipped
                record()
        except FloatingPointError as err:
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1} ({err}); lower lr or clip the gradient"
            ) from None
    return History(
        loss=np.array(losses),
        train_accuracy=np.array(train_acc),
        test_accuracy=np.array(test_acc),
        grad_norm=grad_norm,
        dead=np.array(dead),
        alpha_mean=np.array(alpha_mean) if net.alphas is not None else None,
        alphas=alphas,
        clipped_steps=int(clipped),
    )
