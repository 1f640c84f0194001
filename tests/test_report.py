"""vanishing.core.report: machine-independent printing of rounding-level numbers."""

import math

import pytest

from vanishing.core import report


def test_below_prints_the_tolerance_not_the_value():
    assert report.below(2.2e-16, 1e-15) == report.below(4.4e-16, 1e-15) == "< 1e-15"


@pytest.mark.parametrize("err", [1e-15, 2e-15, math.inf, math.nan])
def test_below_fails_when_the_bound_does_not_hold(err):
    with pytest.raises(AssertionError, match="below 1e-15"):
        report.below(err, 1e-15)


@pytest.mark.parametrize("tol", [0.0, -1.0])
def test_below_needs_a_positive_tolerance(tol):
    with pytest.raises(ValueError, match="tol must be in"):
        report.below(1e-20, tol)


def test_magnitude_hides_only_rounding_level_values():
    assert report.magnitude(0.012345) == "1.2e-02"
    assert report.magnitude(-3.0e-5) == "-3.0e-05"
    assert report.magnitude(4e-17) == report.magnitude(-9e-13) == "< 1e-12"
    assert report.magnitude(4e-11, floor=1e-10) == "< 1e-10"


def test_magnitude_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        report.magnitude(math.nan)
