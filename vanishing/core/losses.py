"""Losses and the gradient norm: one definition each, for every network in the course.

* :func:`softmax_cross_entropy`: the mean over a batch of ``-log softmax(y)[label]``
  and its gradient with respect to the outputs ``y``, computed from the
  log-softmax with the row maximum subtracted first, so no exponential overflows;
* :func:`squared_error`: the mean over every entry of ``(y - t)**2``;
* :func:`global_norm`: the Euclidean norm of a list of arrays taken together,
  the quantity gradient clipping caps.

Each loss returns ``(value, dvalue/dy)``; checked against PyTorch's
``cross_entropy`` and ``mse_loss`` in ``tests/test_losses.py``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array

__all__ = ["LOSSES", "global_norm", "output_loss", "softmax_cross_entropy", "squared_error"]

#: Names :func:`output_loss` accepts.
LOSSES = ("mse", "cross_entropy")


def softmax_cross_entropy(outputs: np.ndarray, labels) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of ``outputs`` (``(batch, n_classes)``) and its gradient.

    ``labels`` are integers in ``[0, n_classes)`` of shape ``(batch,)``;
    anything else raises ``TypeError`` (wrong type or shape) or ``ValueError``
    (a label out of range).
    """
    batch, n_cls = outputs.shape
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (batch,):
        raise TypeError(f"targets must be integer labels of shape ({batch},) for loss='cross_entropy'")
    if labels.min() < 0 or labels.max() >= n_cls:
        raise ValueError(f"targets must be class labels in [0, {n_cls - 1}]")
    shifted = outputs - outputs.max(axis=1, keepdims=True)  # stable log-softmax
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(batch)
    value = float(-np.mean(log_p[rows, labels]))
    grad = np.exp(log_p)
    grad[rows, labels] -= 1.0
    grad /= batch
    return value, grad


def squared_error(outputs: np.ndarray, targets) -> tuple[float, np.ndarray]:
    """Mean over every entry of ``(outputs - targets)**2``, and its gradient."""
    t = np.asarray(as_float_array("targets", targets), dtype=np.float64)
    if t.shape != outputs.shape:
        raise ValueError(f"targets must have shape {outputs.shape} for loss='mse'; got {t.shape}")
    diff = outputs - t
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def output_loss(loss: str, outputs: np.ndarray, targets) -> tuple[float, np.ndarray]:
    """The loss named ``loss`` (one of :data:`LOSSES`) and its gradient."""
    if loss == "mse":
        return squared_error(outputs, targets)
    if loss == "cross_entropy":
        return softmax_cross_entropy(outputs, targets)
    raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")


def global_norm(arrays) -> float:
    """``sqrt(sum of squares)`` over every entry of every array in ``arrays``."""
    return float(np.sqrt(sum(float(np.sum(a * a)) for a in arrays)))
