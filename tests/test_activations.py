"""The activation registry: numpy, SymPy and finite differences agree.

Three independent descriptions of each derivative are held equal:
1. the hand-written, numerically stable numpy ``derivative``;
2. SymPy's derivative of the registry's expression, evaluated two ways:
   lambdified to numpy/scipy, and to mpmath at 320 significant digits (enough for the cancellation in
   1 + erf(x/sqrt 2) at x = -40);
3. a five-point central finite difference of the numpy ``forward``.
"""

from __future__ import annotations

import re
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vanishing.core import activations, chain, mlp

# Non-default parameter values exercised alongside the defaults.
CASES = [(name, {}) for name in activations.names()] + [
    ("leaky_relu", {"alpha": 0.3}),
    ("prelu", {"alpha": -0.4}),
    ("prelu", {"alpha": 1.7}),
    ("rrelu", {"lower": 0.05, "upper": 0.5}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.5}),
    ("swish", {"beta": 0.5}),
    ("swish", {"beta": 4.0}),
    ("swish", {"beta": 0.0}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in p.items()) for name, p in CASES]

EXPECTED_NAMES = [
    "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu", "selu", "gelu",
    "silu", "swish", "mish", "softplus", "relu6", "hard_sigmoid", "hard_swish",
]  # fmt: skip

H = 1e-3  # finite-difference step


def branch_points(expr) -> list[float]:
    """Where the pieces of any Piecewise in ``expr`` meet (f may not be smooth there)."""
    points = []
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational) if cond is not sp.true else ():
                points.append(float(sp.solve(sp.Eq(rel.lhs, rel.rhs), activations.x)[0]))
    return points


def smooth_grid(act, lo=-8.0, hi=8.0, n=4001, margin=3 * H):
    grid = np.linspace(lo, hi, n)
    for p in branch_points(act.expr()):
        grid = grid[np.abs(grid - p) > margin]
    return grid


def five_point(f, x, h=H):
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def mp_eval(expr, points, dps=320):
    fn = sp.lambdify(activations.x, expr, modules="mpmath")
    with mpmath.workdps(dps):
        return np.array([float(fn(mpmath.mpf(float(p)))) for p in points])


def test_names_are_exactly_the_course_list():
    assert activations.names() == EXPECTED_NAMES


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_forward_matches_sympy_to_mpmath_precision(name, params):
    act = activations.get(name, **params)
    pts = np.concatenate([np.linspace(-30, 30, 241), [-1e3, 1e3]])
    ref = mp_eval(act.expr(), pts)
    np.testing.assert_allclose(act.forward(pts), ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_derivative_matches_sympy_to_mpmath_precision_including_tails(name, params):
    act = activations.get(name, **params)
    dexpr = sp.diff(act.expr(), activations.x)
    pts = smooth_grid(act, -40.0, 40.0, 801, margin=1e-9)
    np.testing.assert_allclose(act.derivative(pts), mp_eval(dexpr, pts), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_derivative_matches_lambdified_sympy_on_dense_grid(name, params):
    act = activations.get(name, **params)
    dexpr = sp.diff(act.expr(), activations.x)
    fn = sp.lambdify(activations.x, dexpr, modules=["scipy", "numpy"])
    grid = smooth_grid(act)
    expected = np.broadcast_to(np.asarray(fn(grid), dtype=float), grid.shape)
    np.testing.assert_allclose(act.derivative(grid), expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_derivative_matches_finite_differences(name, params):
    act = activations.get(name, **params)
    grid = smooth_grid(act)
    d, f = act.derivative(grid), act.forward(grid)
    fd = five_point(act.forward, grid)
    # Relative 1e-9, with an absolute floor at the stencil's rounding error
    # (about eps * |f| / h), so that points where f' = 0 do not divide by zero.
    err = np.abs(fd - d)
    bound = 1e-9 * np.abs(d) + 1e-11 * np.maximum(1.0, np.abs(f))
    assert np.all(err <= bound), f"worst at x={grid[np.argmax(err - bound)]:.4f}"


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_derivative_at_kinks_follows_the_sympy_piecewise_convention(name, params):
    act = activations.get(name, **params)
    dexpr = sp.diff(act.expr(), activations.x)
    for k in act.kinks:
        expected = float(dexpr.subs(activations.x, sp.nsimplify(k)))
        assert act.derivative(k) == pytest.approx(expected, rel=1e-15), k


@pytest.mark.parametrize(
    ("name", "params", "point", "expected"),
    [
        # PyTorch autograd values at the kinks (see the module docstring).
        ("relu", {}, 0.0, 0.0),
        ("leaky_relu", {"alpha": 0.2}, 0.0, 0.2),
        ("prelu", {"alpha": 0.25}, 0.0, 0.25),
        ("elu", {"alpha": 2.0}, 0.0, 2.0),
        ("relu6", {}, 0.0, 0.0),
        ("relu6", {}, 6.0, 0.0),
        ("hard_sigmoid", {}, -3.0, 0.0),
        ("hard_sigmoid", {}, 3.0, 0.0),
        ("hard_swish", {}, -3.0, 0.0),
        ("hard_swish", {}, 3.0, 1.0),
    ],
)
def test_kink_values_are_the_framework_convention(name, params, point, expected):
    assert activations.get(name, **params).derivative(point) == expected


def test_known_values_from_the_literature():
    sig = activations.get("sigmoid")
    assert sig.forward(0.0) == 0.5 and sig.derivative(0.0) == 0.25
    # exp(-|z|) keeps sigma representable down to z = -745 (1/(1 + exp(-z))
    # would overflow at z = -709.8 and return 0).
    assert sig.forward(-740.0) > 0 and sig.derivative(-740.0) > 0
    assert activations.get("tanh").derivative(0.0) == 1.0
    # SELU maps 1 to lambda and its negative saturation is -lambda*alpha.
    selu = activations.get("selu")
    assert selu.forward(1.0) == pytest.approx(1.0507009873554805)
    assert selu.forward(-50.0) == pytest.approx(-1.0507009873554805 * 1.6732632423543772)
    # GELU(1) = Phi(1) = 0.8413447460685429 (standard normal CDF).
    assert activations.get("gelu").forward(1.0) == pytest.approx(0.8413447460685429, rel=1e-14)
    assert activations.get("hard_sigmoid").forward(0.0) == 0.5
    assert activations.get("rrelu").forward(-1.0) == pytest.approx(-(1 / 8 + 1 / 3) / 2)


def test_prelu_alpha_derivative_matches_sympy_and_finite_differences():
    act = activations.get("prelu", alpha=0.3)
    alpha = act.symbols["alpha"]
    dexpr = sp.diff(act.expr(symbolic=True), alpha).subs(alpha, sp.Rational(3, 10))
    grid = np.linspace(-5, 5, 1001)
    expected = np.array([float(dexpr.subs(activations.x, sp.Float(v))) for v in grid])
    np.testing.assert_allclose(act.param_derivative("alpha", grid), expected, rtol=1e-15, atol=0)
    fd = (
        activations.get("prelu", alpha=0.3 + 1e-6).forward(grid)
        - activations.get("prelu", alpha=0.3 - 1e-6).forward(grid)
    ) / 2e-6
    np.testing.assert_allclose(act.param_derivative("alpha", grid), fd, rtol=1e-8, atol=1e-10)


def test_swish_beta_derivative_matches_sympy():
    act = activations.get("swish", beta=1.5)
    beta = act.symbols["beta"]
    dexpr = sp.diff(act.expr(symbolic=True), beta).subs(beta, sp.Rational(3, 2))
    pts = np.linspace(-20, 20, 161)
    np.testing.assert_allclose(
        act.param_derivative("beta", pts), mp_eval(dexpr, pts), rtol=1e-12, atol=1e-300
    )


def test_param_derivative_refuses_unknown_parameter():
    with pytest.raises(ValueError, match="param must name"):
        activations.get("relu").param_derivative("alpha", [1.0])


def test_symbolic_expression_keeps_parameters_as_symbols():
    act = activations.get("elu", alpha=0.5)
    expr = act.expr(symbolic=True)
    assert act.symbols["alpha"] in expr.free_symbols
    assert expr.subs(act.symbols["alpha"], sp.Rational(1, 2)) == act.expr()
    assert act.expr().free_symbols == {activations.x}


# -- sources -----------------------------------------------------------------
def _bib_years() -> dict[str, int]:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "references.bib").read_text(encoding="utf-8")
    years = {}
    for entry in re.split(r"\n@", "\n" + text)[1:]:
        key = re.match(r"\w+\{([^,]+),", entry).group(1).strip()
        year = re.search(r"\byear\s*=\s*\{?(\d{4})", entry)
        years[key] = int(year.group(1)) if year else None
    return years


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_every_activation_cites_a_bib_entry_of_the_same_year(name):
    src = activations.get(name).source
    years = _bib_years()
    assert src.cite_key in years, f"{src.cite_key} missing from references.bib"
    assert years[src.cite_key] == src.year
    assert src.introduced_by


# -- numerical soundness ----------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_extremes_give_no_warning_and_keep_dtype(name, params, dtype):
    act = activations.get(name, **params)
    xs = np.concatenate([np.linspace(-1e4, 1e4, 2001), [-1e4, -88.8, -11.1, 0.0, 11.1, 88.8, 1e4]]).astype(
        dtype
    )
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        f, d = act.forward(xs), act.derivative(xs)
    for out in (f, d):
        assert out.dtype == dtype and out.shape == xs.shape
        assert np.all(np.isfinite(out))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(EXPECTED_NAMES),
    arr=hnp.arrays(
        dtype=st.sampled_from([np.float16, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
        elements={"min_value": -1e4, "max_value": 1e4, "allow_nan": False, "allow_infinity": False},
    ),
)
def test_property_shape_dtype_and_finiteness(name, arr):
    act = activations.get(name)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        for out in (act.forward(arr), act.derivative(arr)):
            assert out.shape == arr.shape and out.dtype == arr.dtype
            assert np.all(np.isfinite(out))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(EXPECTED_NAMES),
    values=st.lists(st.floats(-50, 50), min_size=1, max_size=20),
)
def test_property_float32_agrees_with_float64(name, values):
    act = activations.get(name)
    x64 = np.array(values)
    x32 = x64.astype(np.float32)
    # Compare on the float32-rounded inputs so only the arithmetic differs.
    np.testing.assert_allclose(act.forward(x32), act.forward(x32.astype(np.float64)), rtol=2e-6, atol=1e-6)


def test_integer_input_becomes_float64_and_scalars_work():
    act = activations.get("relu")
    out = act.forward([-2, 3])
    assert out.dtype == np.float64 and out.tolist() == [0.0, 3.0]
    assert act.derivative(2.5) == 1.0


# -- bad input ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: activations.get("sigmod"), ValueError, r"name must be one of .*sigmoid"),
        (lambda: activations.get(3), TypeError, r"name must be a string"),
        (lambda: activations.get("leaky_relu", alpha=-0.1), ValueError, r"alpha must be in \[0, 1\)"),
        (lambda: activations.get("leaky_relu", alpha=1.0), ValueError, r"alpha must be in \[0, 1\)"),
        (lambda: activations.get("leaky_relu", alpha="0.1"), TypeError, r"alpha must be a real number"),
        (lambda: activations.get("leaky_relu", alpha=True), TypeError, r"alpha must be a real number"),
        (lambda: activations.get("prelu", alpha=float("nan")), ValueError, r"alpha must be a finite"),
        (lambda: activations.get("elu", alpha=0.0), ValueError, r"alpha must be in \(0, inf\)"),
        (lambda: activations.get("elu", alpha=-1), ValueError, r"alpha must be in \(0, inf\)"),
        (lambda: activations.get("swish", beta=-1.0), ValueError, r"beta must be in \[0, inf\)"),
        (lambda: activations.get("rrelu", lower=0.3, upper=0.3), ValueError, r"lower must be < upper"),
        (lambda: activations.get("rrelu", lower=0.5, upper=0.2), ValueError, r"lower must be < upper"),
        (lambda: activations.get("rrelu", upper=1.5), ValueError, r"upper must be in \[0, 1\]"),
        (lambda: activations.get("relu", alpha=0.1), TypeError, r"relu takes no parameters"),
        (lambda: activations.get("elu", beta=0.1), TypeError, r"elu takes alpha; got unexpected beta"),
        (lambda: activations.get("relu").forward(["a", "b"]), TypeError, r"x must hold real numbers"),
        (
            lambda: activations.get("relu").forward(np.array([1, None], dtype=object)),
            TypeError,
            r"x must hold",
        ),
        (lambda: activations.get("relu").forward([1 + 2j]), TypeError, r"x must hold real numbers"),
        (lambda: activations.get("relu").forward([True]), TypeError, r"x must hold real numbers"),
        (
            lambda: activations.get("tanh").derivative([0.0, np.nan]),
            ValueError,
            r"x must contain only finite",
        ),
        (lambda: activations.get("tanh").forward([np.inf]), ValueError, r"x must contain only finite"),
    ],
)
def test_bad_input_names_the_parameter_and_range(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# -- RReLU ------------------------------------------------------------------
def test_rrelu_evaluation_mode_is_leaky_relu_with_mean_slope():
    rr = activations.get("rrelu", lower=0.1, upper=0.3)
    grid = np.linspace(-3, 3, 61)
    np.testing.assert_array_equal(rr.forward(grid), activations.get("leaky_relu", alpha=0.2).forward(grid))
    assert rr.eval_slope == pytest.approx(0.2)


def test_rrelu_training_slopes_are_uniform_reproducible_and_need_a_generator():
    rr = activations.get("rrelu")
    s1 = rr.sample_slopes((20000,), np.random.default_rng(7))
    s2 = rr.sample_slopes((20000,), np.random.default_rng(7))
    np.testing.assert_array_equal(s1, s2)
    assert s1.min() >= 1 / 8 and s1.max() <= 1 / 3
    assert s1.mean() == pytest.approx((1 / 8 + 1 / 3) / 2, abs=3e-3)
    xs = -np.ones(5)
    y, slopes = rr.forward_train(xs, np.random.default_rng(1))
    np.testing.assert_array_equal(y, -slopes)
    np.testing.assert_array_equal(rr.forward_train(np.ones(3), np.random.default_rng(1))[0], np.ones(3))
    for bad in (None, 0, np.random.RandomState(0)):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
            rr.sample_slopes(3, bad)


def test_custom_activation_works_in_the_chain_and_the_mlp():
    softsign = activations.custom(
        "softsign",
        lambda z: z / (1 + np.abs(z)),
        lambda z: 1 / (1 + np.abs(z)) ** 2,
        activations.x / (1 + sp.Abs(activations.x)),
    )
    assert softsign.name == "softsign" and "softsign" not in activations.names()
    np.testing.assert_allclose(softsign.forward(np.array([-1.0, 0.0, 3.0])), [-0.5, 0.0, 0.75])
    assert softsign.forward(np.float32([1.0])).dtype == np.float32
    assert sp.simplify(softsign.expr() - activations.x / (1 + sp.Abs(activations.x))) == 0
    g = chain.backward(np.ones(4), np.zeros(4), 1.0, 0.0, softsign)
    np.testing.assert_allclose(g.factors, 1 / (1 + np.abs(g.z)) ** 2)
    net = mlp.MLP.initialise([2, 3, 1], softsign, "xavier_normal", np.random.default_rng(0))
    assert net.forward(np.ones((1, 2))).shape == (1, 1)


def test_custom_activation_refuses_bad_definitions():
    with pytest.raises(TypeError, match="name must be"):
        activations.custom("", np.tanh, np.tanh, sp.tanh(activations.x))
    with pytest.raises(TypeError, match="must be callable"):
        activations.custom("f", 1, np.tanh, sp.tanh(activations.x))
    with pytest.raises(ValueError, match="symbol x only"):
        activations.custom("f", np.tanh, np.tanh, sp.tanh(sp.Symbol("y")))
