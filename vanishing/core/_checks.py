"""Input validation shared by every module.

Each check raises a ``TypeError`` (wrong kind of value) or a ``ValueError``
(right kind, wrong range) whose message names the parameter and the allowed
range, so that a reader who passes ``alpha=-1`` learns what went wrong.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_float_array", "check_generator", "check_int", "check_real"]


def _interval(low, high, low_open, high_open) -> str:
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def check_real(
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is a real number in range.

    ``low``/``high`` bound the allowed interval (``None`` means unbounded);
    ``low_open``/``high_open`` make an end exclusive.  Booleans are refused:
    ``alpha=True`` is almost always a mistake.
    """
    allowed = _interval(low, high, low_open or low is None, high_open or high is None)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number in {allowed}; got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number in {allowed}; got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {allowed}; got {value!r}")
    return value


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer in ``[low, high]``."""
    allowed = _interval(low, high, low is None, high is None)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer in {allowed}; got {type(value).__name__} {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer in {allowed}; got {value!r}")
    return value


def check_generator(name: str, rng) -> np.random.Generator:
    """Require an explicit ``numpy.random.Generator`` (no hidden global state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng


def as_float_array(name: str, x) -> np.ndarray:
    """Convert ``x`` to a real floating-point array with only finite entries.

    Floating arrays keep their dtype (float16, float32, float64, longdouble);
    integer input becomes float64.  Booleans, complex numbers, strings and
    objects raise ``TypeError``; NaN or infinity raises ``ValueError``.
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers (a float or integer array); got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or infinity)")
    return arr
