"""A fully connected network in numpy, with exact gradients and per-layer statistics.

Layer ``l`` (``l = 1..L``) maps a batch ``A_{l-1}`` of shape ``(batch, n_{l-1})`` to

    Z_l = A_{l-1} @ W_l + b_l,     A_l = f(Z_l)   (hidden layers)

and the last layer is linear: its ``Z_L`` are the outputs (regression
targets for ``"mse"``, logits for ``"cross_entropy"``).  Weights are
``(n_in, n_out)`` arrays, biases vectors of length ``n_out``.

Chapter 3 uses it to show the first layers of a deep sigmoid network learning
far more slowly than the last; chapters 4, 5 and 9 build on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as _act
from ._checks import as_float_array, check_generator, check_int, check_real

__all__ = ["INITIALISERS", "LayerStats", "MLP", "Gradients", "init_weights"]

#: Initialisation schemes :func:`init_weights` understands.
INITIALISERS = ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal")

LOSSES = ("mse", "cross_entropy")


def init_weights(n_in: int, n_out: int, scheme: str, rng: np.random.Generator, *, std: float | None = None):
    """One ``(n_in, n_out)`` weight matrix drawn by ``scheme``.

    * ``normal``: N(0, std^2), ``std`` required;
    * ``xavier_uniform``: U(-r, r) with r = sqrt(6 / (n_in + n_out)) (Glorot & Bengio 2010);
    * ``xavier_normal``: N(0, 2 / (n_in + n_out));
    * ``he_normal``: N(0, 2 / n_in) (He et al. 2015); ``he_uniform``: U(-r, r), r = sqrt(6 / n_in);
    * ``lecun_normal``: N(0, 1 / n_in) (LeCun et al. 1998), used with SELU.
    """
    n_in = check_int("n_in", n_in, low=1)
    n_out = check_int("n_out", n_out, low=1)
    rng = check_generator("rng", rng)
    if scheme not in INITIALISERS:
        raise ValueError(f"init must be one of {INITIALISERS}; got {scheme!r}")
    if (std is None) != (scheme != "normal"):
        raise ValueError("std must be given (a real number >= 0) exactly when init='normal'")
    shape = (n_in, n_out)
    if scheme == "normal":
        return rng.normal(0.0, check_real("std", std, low=0.0), shape)
    if scheme == "xavier_uniform":
        r = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-r, r, shape)
    if scheme == "xavier_normal":
        return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), shape)
    if scheme == "he_normal":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), shape)
    if scheme == "he_uniform":
        r = np.sqrt(6.0 / n_in)
        return rng.uniform(-r, r, shape)
    return rng.normal(0.0, np.sqrt(1.0 / n_in), shape)  # lecun_normal


@dataclass(frozen=True)
class LayerStats:
    """Per-layer summaries of one forward and backward pass, index 0 = first layer."""

    pre_mean: np.ndarray  #: mean of Z_l over batch and units
    pre_std: np.ndarray  #: standard deviation of Z_l
    act_mean: np.ndarray  #: mean of A_l (for the linear last layer, of Z_L)
    act_std: np.ndarray  #: standard deviation of A_l
    grad_w_norm: np.ndarray  #: Frobenius norm of dL/dW_l
    grad_b_norm: np.ndarray  #: Euclidean norm of dL/db_l


@dataclass(frozen=True)
class Gradients:
    """The loss on a batch, the gradient of every parameter, and layer statistics."""

    loss: float
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    stats: LayerStats


class MLP:
    """A fully connected network with one activation for every hidden layer.

    Build one with :meth:`initialise`, or pass your own ``weights`` (list of
    ``(n_in, n_out)`` arrays) and ``biases`` (list of vectors).  Parameters
    are float64 and are used as given (not copied), so a training loop can
    update them in place.
    """

    def __init__(self, weights, biases, activation="relu"):
        if len(weights) == 0 or len(weights) != len(biases):
            raise ValueError("weights and biases must be non-empty lists of the same length")
        self.weights = [
            np.asarray(as_float_array(f"weights[{i}]", w), dtype=np.float64) for i, w in enumerate(weights)
        ]
        self.biases = [
            np.asarray(as_float_array(f"biases[{i}]", b), dtype=np.float64) for i, b in enumerate(biases)
        ]
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if w.ndim != 2:
                raise ValueError(f"weights[{i}] must be a 2-D (n_in, n_out) array; got shape {w.shape}")
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},); got {b.shape}")
            if i and w.shape[0] != self.weights[i - 1].shape[1]:
                raise ValueError(
                    f"weights[{i}] must have {self.weights[i - 1].shape[1]} rows to follow "
                    f"weights[{i - 1}]; got {w.shape[0]}"
                )
        self.activation = _act.get(activation)

    @classmethod
    def initialise(cls, sizes, activation, init, rng, *, std=None):
        """A network with layer widths ``sizes`` (input first), zero biases,
        and weights drawn by :func:`init_weights`."""
        sizes = [check_int("sizes[i]", s, low=1) for s in sizes]
        if len(sizes) < 2:
            raise ValueError("sizes must list at least an input and an output width")
        weights = [init_weights(m, n, init, rng, std=std) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
        biases = [np.zeros(n) for n in sizes[1:]]
        return cls(weights, biases, activation)

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    def _check_inputs(self, X):
        X = np.asarray(as_float_array("X", X), dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (batch, {self.sizes[0]}); got {X.shape}")
        return X

    def _forward_all(self, X):
        zs, acts = [], [X]
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = acts[-1] @ w + b
            zs.append(z)
            acts.append(self.activation.forward(z) if i < len(self.weights) - 1 else z)
        return zs, acts

    def forward(self, X) -> np.ndarray:
        """Network outputs (linear last layer), shape ``(batch, n_out)``."""
        return self._forward_all(self._check_inputs(X))[1][-1]

    def loss_and_gradients(self, X, targets, loss: str = "mse") -> Gradients:
        """Loss on the batch and the exact gradient of every weight and bias.

        ``loss="mse"``: mean over all entries of ``(output - targets)**2``,
        targets of shape ``(batch, n_out)``.  ``loss="cross_entropy"``: mean
        softmax cross-entropy, targets are integer class labels of shape
        ``(batch,)``.
        """
        X = self._check_inputs(X)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
        zs, acts = self._forward_all(X)
        out = acts[-1]
        batch = X.shape[0]
        if loss == "mse":
            t = np.asarray(as_float_array("targets", targets), dtype=np.float64)
            if t.shape != out.shape:
                raise ValueError(f"targets must have shape {out.shape} for loss='mse'; got {t.shape}")
            diff = out - t
            value = float(np.mean(diff**2))
            delta = 2.0 * diff / diff.size
        else:
            labels = np.asarray(targets)
            if labels.dtype.kind not in "iu" or labels.shape != (batch,):
                raise TypeError(
                    f"targets must be integer labels of shape ({batch},) for loss='cross_entropy'"
                )
            n_cls = out.shape[1]
            if labels.min() < 0 or labels.max() >= n_cls:
                raise ValueError(f"targets must be class labels in [0, {n_cls - 1}]")
            shifted = out - out.max(axis=1, keepdims=True)  # stable log-softmax
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            value = float(-np.mean(log_p[np.arange(batch), labels]))
            delta = np.exp(log_p)
            delta[np.arange(batch), labels] -= 1.0
            delta /= batch
        n_layers = len(self.weights)
        grad_w, grad_b = [None] * n_layers, [None] * n_layers
        for i in range(n_layers - 1, -1, -1):
            grad_w[i] = acts[i].T @ delta
            grad_b[i] = delta.sum(axis=0)
            if i:
                delta = (delta @ self.weights[i].T) * self.activation.derivative(zs[i - 1])
        stats = LayerStats(
            pre_mean=np.array([z.mean() for z in zs]),
            pre_std=np.array([z.std() for z in zs]),
            act_mean=np.array([a.mean() for a in acts[1:]]),
            act_std=np.array([a.std() for a in acts[1:]]),
            grad_w_norm=np.array([np.linalg.norm(g) for g in grad_w]),
            grad_b_norm=np.array([np.linalg.norm(g) for g in grad_b]),
        )
        return Gradients(value, grad_w, grad_b, stats)
