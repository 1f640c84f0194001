"""Small data sets for the experiments, all available offline.

* :func:`digits`: the 8×8 handwritten digits that scikit-learn ships inside
  its package (1,797 images, 10 classes; the test set of the UCI "Optical
  Recognition of Handwritten Digits" data), split and standardised.  Nothing
  is downloaded.
* :func:`two_moons`: a two-class problem with a curved boundary, generated.

Chapters 6, 7, 10 and 12 train on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_generator, check_int, check_real

__all__ = ["Split", "digits", "two_moons"]


@dataclass(frozen=True)
class Split:
    """Training and test arrays; ``X_*`` float64 ``(n, features)``, ``y_*`` int labels ``(n,)``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def _split(X, y, test_fraction, rng) -> Split:
    order = rng.permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    # Standardise with the training set's statistics only.
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0  # constant pixels (always blank) stay 0
    Xs = (X - mean) / std
    return Split(Xs[train], y[train], Xs[test], y[test])


def digits(rng: np.random.Generator, *, test_fraction: float = 0.25) -> Split:
    """scikit-learn's 8×8 digits, shuffled by ``rng``, split, and standardised.

    Pixel intensities (0-16) are standardised per pixel with the training
    set's mean and standard deviation.
    """
    rng = check_generator("rng", rng)
    test_fraction = check_real(
        "test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True
    )
    from sklearn.datasets import load_digits  # imported here: only this function needs it

    bunch = load_digits()
    return _split(bunch.data.astype(np.float64), bunch.target.astype(np.int64), test_fraction, rng)


def two_moons(n: int, rng: np.random.Generator, *, noise: float = 0.1, test_fraction: float = 0.25) -> Split:
    """Two interleaving half circles in the plane, ``n`` points, labels 0 and 1."""
    n = check_int("n", n, low=4)
    rng = check_generator("rng", rng)
    noise = check_real("noise", noise, low=0.0)
    test_fraction = check_real(
        "test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True
    )
    y = np.arange(n) % 2
    angle = rng.uniform(0.0, np.pi, n)
    X = np.column_stack([np.cos(angle), np.sin(angle)])
    X[y == 1] = np.column_stack([1.0 - np.cos(angle[y == 1]), 0.5 - np.sin(angle[y == 1])])
    X += rng.normal(0.0, noise, X.shape)
    return _split(X, y.astype(np.int64), test_fraction, rng)
