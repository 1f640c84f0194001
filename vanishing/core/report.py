"""Printing numbers so that a notebook's stored output is the same on every machine.

Strict nbval compares each printed line with the one stored in the notebook.
A difference at the level of rounding error (``2.2e-16`` here, ``4.4e-16`` on a
machine whose numpy sums in another order) is not a result, so the chapters
never print one: :func:`below` checks a rounding-level difference against a
tolerance and prints the tolerance, and :func:`magnitude` prints a value unless
it is rounding-level.  Used from chapter 2 on.
"""

from __future__ import annotations

import math

from ._checks import check_real

__all__ = ["below", "magnitude"]


def below(err, tol: float) -> str:
    """``"< 1e-12"`` after checking that ``err < tol``.

    Raises ``AssertionError`` (with the actual value) if ``err`` is not below
    ``tol``, so a chapter that prints the bound also enforces it.

    >>> below(3e-17, 1e-15)
    '< 1e-15'
    """
    tol = check_real("tol", tol, low=0.0, low_open=True)
    err = float(err)
    if math.isnan(err) or not err < tol:
        raise AssertionError(f"expected a value below {tol:.0e}; got {err!r}")
    return f"< {tol:.0e}"


def magnitude(value, floor: float = 1e-12) -> str:
    """``f"{value:.1e}"``, or ``"< floor"`` when ``|value|`` is below ``floor``.

    >>> magnitude(0.0123), magnitude(4e-17)
    ('1.2e-02', '< 1e-12')
    """
    floor = check_real("floor", floor, low=0.0, low_open=True)
    value = float(value)
    if math.isnan(value):
        raise ValueError("value must not be NaN")
    return f"< {floor:.0e}" if abs(value) < floor else f"{value:.1e}"
