"""Means and variances of float64 arrays, bit for bit numpy's, without its Python wrapper.

``ndarray.mean``, ``var`` and ``std`` run through ``numpy._core._methods``,
which spends several microseconds per call in Python before and after the
sums.  A training step of the course's networks takes dozens of them (the
per-layer statistics, batch and layer normalisation), and a BPTT pass through
a layer-normalised RNN two per time step.  The functions here do numpy's own
arithmetic (the same ``np.add.reduce``, then the same division by the count,
the deviations squared in place) and so return the same bits;
``tests/test_mlp.py`` holds them equal to numpy's over shapes, axes and scales.
Floating-point errors are those of the same ufuncs, so a raising ``errstate``
stops at the same place.
"""

from __future__ import annotations

import numpy as np


def _count(a: np.ndarray, axis: int | None) -> int:
    return a.size if axis is None else a.shape[axis]


def mean(a: np.ndarray, axis: int | None = None, keepdims: bool = False):
    """``a.mean(axis, keepdims=keepdims)`` of a float64 array, bit for bit."""
    return np.add.reduce(a, axis=axis, keepdims=keepdims) / _count(a, axis)


def var(a: np.ndarray, axis: int | None = None, keepdims: bool = False):
    """``a.var(axis, keepdims=keepdims)`` (biased) of a float64 array, bit for bit."""
    n = _count(a, axis)
    d = a - np.add.reduce(a, axis=axis, keepdims=True) / n
    np.multiply(d, d, out=d)
    return np.add.reduce(d, axis=axis, keepdims=keepdims) / n


def std(a: np.ndarray):
    """``a.std()`` of a float64 array, bit for bit."""
    return np.sqrt(var(a))
