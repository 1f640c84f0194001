"""What Adam changes for a deep sigmoid network, and what it cannot (chapter 3).

Chapter 3 trains a sigmoid network with ten hidden layers of width 64 on 64
examples and finds that plain gradient descent, whose single learning rate
the output layer caps, barely moves the first layers.  This module runs the
same network with SGD and with Adam (Kingma and Ba 2015,
:class:`vanishing.core.optimisers.Adam`), full batch, and records each step's
loss, gradient norm per layer and update-to-data ratio per layer.

* :func:`regression_data`: the chapter's 64 examples and their targets.
* :func:`optimiser_run`: one seeded run, cached (read-only arrays).
* :func:`first_step_below`: the step at which a loss curve first drops below
  a level (leaving the plateau), or -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._checks import check_int, check_real
from ..core.cache import frozen_cache
from ..core.mlp import MLP
from ..core.optimisers import Adam, Momentum
from ..core.training import train_epoch

__all__ = ["OPTIMISERS", "OptimiserRun", "first_step_below", "optimiser_run", "regression_data"]

#: The optimisers :func:`optimiser_run` accepts.
OPTIMISERS = ("sgd", "adam")


def regression_data(seed: int = 2024) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 3's data: 64 standard-normal examples with 16 features and targets ``sin(X v)``.

    ``v`` has 16 entries drawn with standard deviation 0.5 after ``X``, from
    ``numpy.random.default_rng(seed)``; with the default seed these are the
    arrays the chapter builds in its own cell.
    """
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 16))
    v = rng.normal(0.0, 0.5, size=(16, 1))
    return X, np.sin(X @ v)


@dataclass(frozen=True)
class OptimiserRun:
    """One full-batch run of :func:`optimiser_run`."""

    optimiser: str  #: "sgd" or "adam"
    lr: float  #: the learning rate
    seed: int  #: the initialisation's seed
    losses: np.ndarray  #: (steps + 1,): the mean squared error before each step and after the last
    grad_norms: np.ndarray  #: (steps, layers): ||dL/dW_l|| at each step
    update_ratios: np.ndarray  #: (steps, layers): std(dW_l) / std(W_l) of each step
    #: (2,): the last hidden layer's spread across examples (std over the examples of each
    #: unit's pre-activation, mean over the units), before the first step and after the last
    last_spread: np.ndarray


@frozen_cache(maxsize=64)
def optimiser_run(
    optimiser: str, lr: float, seed: int, *, depth: int = 10, width: int = 64, steps: int = 200
) -> OptimiserRun:
    """Train chapter 3's sigmoid network full batch with SGD or Adam and record every step.

    The network has ``depth`` hidden sigmoid layers of ``width`` units on
    :func:`regression_data`, one linear output and the normalised
    (``xavier_normal``) initialisation from ``numpy.random.default_rng(seed)``;
    the loss is the mean squared error.  ``"sgd"`` is plain gradient descent
    (:class:`~vanishing.core.optimisers.Momentum` with momentum 0),
    ``"adam"`` is :class:`~vanishing.core.optimisers.Adam` with its default
    moments (0.9, 0.999) and eps 1e-8.  Cached; the arrays are read-only.
    """
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}; got {optimiser!r}")
    lr = check_real("lr", lr, low=0.0, low_open=True)
    seed = check_int("seed", seed, low=0)
    depth = check_int("depth", depth, low=1, high=30)
    width = check_int("width", width, low=1, high=512)
    steps = check_int("steps", steps, low=1, high=5000)
    X, y = regression_data()
    sizes = [X.shape[1]] + [width] * depth + [1]
    net = MLP.initialise(sizes, "sigmoid", "xavier_normal", np.random.default_rng(seed))
    params = net.parameters()
    opt = Adam(params, lr=lr) if optimiser == "adam" else Momentum(params, lr=lr, momentum=0.0)
    order_rng = np.random.default_rng(seed)  # full batch: the order does not change the step
    losses, norms, ratios = [], [], []
    spread = [_last_spread(net, X)]
    with np.errstate(over="raise", invalid="raise"):
        for _ in range(steps):
            step = train_epoch(
                net, X, y, optimiser=opt, rng=order_rng, batch_size=len(X), loss="mse", record_updates=True
            )
            losses.append(step.losses[0])
            norms.append(step.grad_w_norms[0])
            ratios.append(step.update_ratios[0])
        losses.append(net.loss_and_gradients(X, y, "mse").loss)
    spread.append(_last_spread(net, X))
    return OptimiserRun(
        optimiser, lr, seed, np.array(losses), np.array(norms), np.array(ratios), np.array(spread)
    )


def _last_spread(net: MLP, X: np.ndarray) -> float:
    """Std over the examples of each last-hidden-layer pre-activation, averaged over the units."""
    return float(net.hidden_inputs(X)[-1].std(axis=0).mean())


def first_step_below(losses, level: float) -> int:
    """The first index at which ``losses`` is below ``level``, or -1 if it never is.

    Chapter 3 uses it with half the targets' variance: the step at which a run
    has left the plateau where the network predicts only the mean.
    """
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"losses must be a non-empty 1-D array; got shape {losses.shape}")
    level = check_real("level", level)
    below = np.flatnonzero(losses < level)
    return int(below[0]) if below.size else -1
