"""Every activation function the course teaches, in one registry.

Each entry couples three descriptions of the same function:

* a numpy ``forward`` and ``derivative`` written in a numerically stable way
  (no ``exp`` of a large positive number; float16, float32 and float64 inputs
  with ``|x|`` up to ``1e4`` give no overflow, no invalid-value warning and no
  NaN);
* a SymPy expression in the real symbol :data:`x`, so that a chapter can
  differentiate it symbolically and the tests can hold the two equal;
* where it comes from: who introduced it, the year, and the key of the
  primary source in ``references.bib``.

Derivatives at kinks
--------------------
Where the derivative jumps, ``derivative`` returns the value that PyTorch's
autograd returns (TensorFlow and JAX agree for ReLU): ReLU, ReLU6 and hard
sigmoid have slope 0 at each corner; Leaky ReLU, PReLU and RReLU have slope
``alpha`` at 0 (the negative branch); ELU has ``alpha`` at 0; hard swish has 0
at ``x = -3`` and 1 at ``x = 3``.  The SymPy ``Piecewise`` conditions are
written so that differentiating the expression gives the same values.

Chapters 1-3 use ``sigmoid``; the others appear in chapters 4-12.

Example
-------
>>> from vanishing import activations
>>> act = activations.get("leaky_relu", alpha=0.1)
>>> act.derivative([-2.0, 0.0, 3.0])
array([0.1, 0.1, 1. ])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.special
import sympy as sp

from ._checks import as_float_array, check_generator, check_real

__all__ = [
    "Activation",
    "RReLU",
    "SELU_ALPHA",
    "SELU_LAMBDA",
    "Source",
    "custom",
    "get",
    "names",
    "x",
]

#: The real symbol every activation's SymPy expression is written in.
x = sp.Symbol("x", real=True)

# SELU's constants as published (Klambauer et al. 2017, eq. 14); chapter 8
# recomputes them from the fixed-point conditions and the tests compare.
_SELU_ALPHA_STR = "1.6732632423543772848170429916717"
_SELU_LAMBDA_STR = "1.0507009873554804934193349852946"
SELU_ALPHA = float(_SELU_ALPHA_STR)
SELU_LAMBDA = float(_SELU_LAMBDA_STR)

_SQRT_HALF = np.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# --------------------------------------------------------------------------
# Stable numpy building blocks.  Each takes an array already in the working
# dtype (float32 or wider) and never exponentiates a positive number.
# --------------------------------------------------------------------------
def _sigmoid(z):
    # Two branches sharing e = exp(-|z|) in (0, 1]: exp never sees a positive
    # argument.  (scipy.special.expit evaluates 1 / (1 + exp(-z)) and only
    # hides the overflow, returning 0 below z = -709.8 where sigma(z) is
    # still representable, down to about -745.)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_prime(z):
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2  # = sigma(z) sigma(-z), accurate in both tails


def _tanh_prime(z):
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2  # = 1 - tanh(z)^2 without cancellation


def _softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _tanh_softplus(z):
    """tanh(softplus(z)) as a ratio of exponentials that never overflow."""
    neg = z <= 0
    e = np.exp(np.where(neg, z, -z))  # exp(z) on the left, exp(-z) on the right
    left = e * (e + 2.0) / (e * (e + 2.0) + 2.0)
    right = (1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e)
    return np.where(neg, left, right)


def _sech2_softplus(z):
    """1 - tanh(softplus(z))^2, written so that neither tail cancels."""
    neg = z <= 0
    e = np.exp(np.where(neg, z, -z))
    a = (1.0 + e) ** 2
    left = 4.0 * a / (a + 1.0) ** 2
    right = 4.0 * e * e * a / (a + e * e) ** 2
    return np.where(neg, left, right)


def _phi(z):
    return _INV_SQRT_2PI * np.exp(-0.5 * z * z)


def _Phi(z):
    return 0.5 * scipy.special.erfc(-z * _SQRT_HALF)


def _relu6(z):
    return np.clip(z, 0.0, 6.0)


# --------------------------------------------------------------------------
# Registry entries
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where an activation comes from.

    ``introduced_by`` names the authors of the primary source the course
    cites, ``year`` is that source's year and ``cite_key`` its key in
    ``references.bib``; ``note`` records what a reader should not misattribute.
    """

    introduced_by: str
    year: int
    cite_key: str
    note: str = ""


@dataclass(frozen=True)
class _Param:
    default: float
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False


@dataclass(frozen=True)
class _Spec:
    name: str
    forward: Callable
    derivative: Callable
    expression: Callable  # (x, **params) -> sympy expression
    source: Source
    params: Mapping[str, _Param] = field(default_factory=dict)
    kinks: Callable = lambda **p: ()  # (**params) -> points where f' jumps
    param_derivatives: Mapping[str, Callable] = field(default_factory=dict)
    cls: type | None = None
    check: Callable | None = None  # cross-parameter validation


class Activation:
    """One activation function with fixed parameter values.

    Obtain it from :func:`get`.  ``forward`` and ``derivative`` accept anything
    numpy can turn into a real array and return an array of the same shape and
    floating dtype (integers become float64; float16 is computed in float32 and
    rounded back).  Non-numeric input raises ``TypeError``; NaN or infinity
    raises ``ValueError``.
    """

    def __init__(self, spec: _Spec, params: Mapping[str, float]):
        self._spec = spec
        self.params: dict[str, float] = dict(params)

    # -- identity -------------------------------------------------------
    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def source(self) -> Source:
        return self._spec.source

    @property
    def kinks(self) -> tuple[float, ...]:
        """Points where the derivative is discontinuous (empty if smooth)."""
        return tuple(self._spec.kinks(**self.params))

    @functools.cached_property
    def max_slope(self) -> float:
        """The largest ``|f'(x)|``, read on 40001 points of ``[-20, 20]`` (0 among them).

        1/4 for the sigmoid, 1 for tanh and ReLU, ``lambda`` for SELU; the
        yardstick for "saturated" (a slope far below this one).
        """
        grid = np.linspace(-20.0, 20.0, 40_001)
        return float(np.max(np.abs(self._kernel_derivative(grid))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Activation({self.name!r}{', ' if args else ''}{args})"

    # -- numpy -----------------------------------------------------------
    def _apply(self, fn, x_in, **extra):
        arr = as_float_array("x", x_in)
        work = arr.astype(np.promote_types(arr.dtype, np.float32), copy=False)
        out = fn(work, **self.params, **extra)
        out = np.asarray(out, dtype=work.dtype).astype(arr.dtype, copy=False)
        return out.reshape(arr.shape)

    def _kernel(self, z: np.ndarray) -> np.ndarray:
        """f on a float64 array that is already checked (for inner loops)."""
        return self._spec.forward(z, **self.params)

    def _kernel_derivative(self, z: np.ndarray) -> np.ndarray:
        """f' on a float64 array that is already checked (for inner loops)."""
        return self._spec.derivative(z, **self.params)

    def forward(self, x_in) -> np.ndarray:
        """The activation f(x), elementwise."""
        return self._apply(self._spec.forward, x_in)

    def derivative(self, x_in) -> np.ndarray:
        """f'(x), elementwise, with the framework convention at kinks."""
        return self._apply(self._spec.derivative, x_in)

    def param_derivative(self, param: str, x_in) -> np.ndarray:
        """∂f/∂param at x, for the activations that define one (PReLU's alpha)."""
        fns = self._spec.param_derivatives
        if param not in fns:
            offered = ", ".join(sorted(fns)) or "none"
            raise ValueError(
                f"param must name a parameter with a derivative for {self.name!r} "
                f"(available: {offered}); got {param!r}"
            )
        return self._apply(fns[param], x_in)

    # -- sympy -----------------------------------------------------------
    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        """One real SymPy symbol per parameter, named after it."""
        return {name: sp.Symbol(name, real=True) for name in self._spec.params}

    def expr(self, symbolic: bool = False) -> sp.Expr:
        """The SymPy expression of f in :data:`x`.

        With ``symbolic=True`` the parameters stay symbols (see
        :attr:`symbols`); otherwise their values are substituted as exact
        rationals where they are simple fractions.
        """
        if symbolic:
            values = self.symbols
        else:
            values = {k: sp.nsimplify(v, rational=True, tolerance=1e-15) for k, v in self.params.items()}
        return self._spec.expression(x, **values)


class RReLU(Activation):
    """Randomised leaky ReLU (Xu et al. 2015), parameterised as in PyTorch.

    ``forward`` and ``derivative`` are the deterministic evaluation-mode
    function: a leaky ReLU whose slope is the mean ``(lower + upper) / 2``.
    Training draws one slope per element from U(lower, upper) with
    :meth:`sample_slopes` or :meth:`forward_train`, which need an explicit
    ``numpy.random.Generator``.

    Xu et al. write the negative branch as ``x / a`` with ``a ~ U(3, 8)`` and
    use ``x / ((l + u) / 2)`` at test time; frameworks use a multiplicative
    slope ``U(1/8, 1/3)`` and its mean.  Chapter 7 compares the two.
    """

    @property
    def eval_slope(self) -> float:
        return 0.5 * (self.params["lower"] + self.params["upper"])

    def sample_slopes(self, shape, rng: np.random.Generator) -> np.ndarray:
        """Slopes drawn independently from U(lower, upper), float64."""
        rng = check_generator("rng", rng)
        return rng.uniform(self.params["lower"], self.params["upper"], size=shape)

    def forward_train(self, x_in, rng: np.random.Generator):
        """Training-mode output and the slopes drawn for it: ``(y, slopes)``."""
        arr = as_float_array("x", x_in)
        slopes = self.sample_slopes(arr.shape, rng)
        y = np.where(arr > 0, arr, slopes.astype(arr.dtype) * arr)
        return y.astype(arr.dtype, copy=False), slopes


def _leaky_forward(z, alpha):
    return np.where(z > 0, z, alpha * z)


def _leaky_derivative(z, alpha):
    return np.where(z > 0, 1.0, alpha)


def _leaky_expr(x, alpha):
    return sp.Piecewise((x, x > 0), (alpha * x, True))


def _rrelu_check(lower, upper):
    if not lower < upper:
        raise ValueError(f"lower must be < upper (both in [0, 1]); got lower={lower:g}, upper={upper:g}")


def _rrelu_mean(lower, upper):
    return (lower + upper) / 2


def _elu_forward(z, alpha):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def _elu_derivative(z, alpha):
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def _elu_expr(x, alpha):
    return sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True))


def _swish_forward(z, beta):
    return z * _sigmoid(beta * z)


def _swish_derivative(z, beta):
    # d/dz z*s(bz) = s(bz) + b z s(bz) s(-bz) = s(bz) * (1 + b z s(-bz))
    return _sigmoid(beta * z) * (1.0 + beta * z * _sigmoid(-beta * z))


def _sigmoid_expr(x):
    return 1 / (1 + sp.exp(-x))


_SPECS: dict[str, _Spec] = {}


def _register(spec: _Spec) -> None:
    _SPECS[spec.name] = spec


_register(
    _Spec(
        name="sigmoid",
        forward=_sigmoid,
        derivative=_sigmoid_prime,
        expression=lambda x: _sigmoid_expr(x),
        source=Source(
            "Pierre-François Verhulst",
            1838,
            "verhulst1838notice",
            "The logistic curve comes from population growth; as the link of logistic "
            "regression it is the inverse of Berkson's (1944) logit, and Rumelhart, "
            "Hinton and Williams (1986) used it in back-propagation.",
        ),
    )
)
_register(
    _Spec(
        name="tanh",
        forward=np.tanh,
        derivative=_tanh_prime,
        expression=lambda x: sp.tanh(x),
        source=Source(
            "Yann LeCun, Léon Bottou, Genevieve Orr and Klaus-Robert Müller",
            1998,
            "lecun1998efficient",
            "Efficient BackProp recommends the scaled tanh 1.7159 tanh(2x/3) with "
            "fan-in initialisation; tanh itself is centuries older.",
        ),
    )
)
_register(
    _Spec(
        name="relu",
        forward=lambda z: np.maximum(z, 0.0),
        derivative=lambda z: np.where(z > 0, 1.0, 0.0),
        expression=lambda x: sp.Piecewise((x, x > 0), (0, True)),
        kinks=lambda: (0.0,),
        source=Source(
            "Kunihiko Fukushima",
            1969,
            "fukushima1969visual",
            "Nair and Hinton (2010) named the rectified linear unit; Glorot, Bordes "
            "and Bengio (2011) showed deep supervised networks train with it.",
        ),
    )
)
_register(
    _Spec(
        name="leaky_relu",
        forward=_leaky_forward,
        derivative=_leaky_derivative,
        expression=_leaky_expr,
        params={"alpha": _Param(0.01, 0.0, 1.0, high_open=True)},
        kinks=lambda alpha: (0.0,),
        source=Source(
            "Andrew L. Maas, Awni Y. Hannun and Andrew Y. Ng",
            2013,
            "maas2013rectifier",
            "First author Maas, not Ng; the paper used alpha = 0.01.",
        ),
    )
)
_register(
    _Spec(
        name="prelu",
        forward=_leaky_forward,
        derivative=_leaky_derivative,
        expression=_leaky_expr,
        # He et al. place no constraint on the learned slope; any finite value.
        params={"alpha": _Param(0.25)},
        kinks=lambda alpha: (0.0,),
        param_derivatives={"alpha": lambda z, alpha: np.where(z > 0, 0.0, z)},
        source=Source(
            "Kaiming He, Xiangyu Zhang, Shaoqing Ren and Jian Sun",
            2015,
            "he2015delving",
            "alpha is learned, initialised at 0.25 and not constrained to (0, 1).",
        ),
    )
)
_register(
    _Spec(
        name="rrelu",
        forward=lambda z, lower, upper: _leaky_forward(z, _rrelu_mean(lower, upper)),
        derivative=lambda z, lower, upper: _leaky_derivative(z, _rrelu_mean(lower, upper)),
        expression=lambda x, lower, upper: _leaky_expr(x, (lower + upper) / 2),
        params={"lower": _Param(1 / 8, 0.0, 1.0), "upper": _Param(1 / 3, 0.0, 1.0)},
        kinks=lambda lower, upper: (0.0,),
        cls=RReLU,
        check=_rrelu_check,
        source=Source(
            "Bing Xu, Naiyan Wang, Tianqi Chen and Mu Li",
            2015,
            "xu2015empirical",
            "Not a Microsoft Research paper; the original divides by a ~ U(3, 8).",
        ),
    )
)
_register(
    _Spec(
        name="elu",
        forward=_elu_forward,
        derivative=_elu_derivative,
        expression=_elu_expr,
        params={"alpha": _Param(1.0, 0.0, None, low_open=True)},
        kinks=lambda alpha: () if alpha == 1.0 else (0.0,),
        source=Source(
            "Djork-Arné Clevert, Thomas Unterthiner and Sepp Hochreiter",
            2016,
            "clevert2016elu",
            "First author Clevert; preprint November 2015, published at ICLR 2016.",
        ),
    )
)
_register(
    _Spec(
        name="selu",
        forward=lambda z: SELU_LAMBDA * _elu_forward(z, SELU_ALPHA),
        derivative=lambda z: SELU_LAMBDA * _elu_derivative(z, SELU_ALPHA),
        expression=lambda x: sp.Float(_SELU_LAMBDA_STR, 32) * _elu_expr(x, sp.Float(_SELU_ALPHA_STR, 32)),
        kinks=lambda: (0.0,),
        source=Source(
            "Günter Klambauer, Thomas Unterthiner, Andreas Mayr and Sepp Hochreiter",
            2017,
            "klambauer2017selu",
        ),
    )
)
_register(
    _Spec(
        name="gelu",
        forward=lambda z: z * _Phi(z),
        derivative=lambda z: _Phi(z) + z * _phi(z),
        expression=lambda x: x / 2 * (1 + sp.erf(x / sp.sqrt(2))),
        source=Source(
            "Dan Hendrycks and Kevin Gimpel",
            2016,
            "hendrycks2016gelu",
            "The exact (erf) form, not the tanh approximation.",
        ),
    )
)
_register(
    _Spec(
        name="silu",
        forward=lambda z: _swish_forward(z, 1.0),
        derivative=lambda z: _swish_derivative(z, 1.0),
        expression=lambda x: x * _sigmoid_expr(x),
        source=Source(
            "Stefan Elfwing, Eiji Uchibe and Kenji Doya",
            2018,
            "elfwing2018silu",
            "The name SiLU first appears in Hendrycks and Gimpel (2016); Ramachandran "
            "et al. (2017) found the same function by search and called it Swish.",
        ),
    )
)
_register(
    _Spec(
        name="swish",
        forward=_swish_forward,
        derivative=_swish_derivative,
        expression=lambda x, beta: x * _sigmoid_expr(beta * x),
        params={"beta": _Param(1.0, 0.0, None)},
        param_derivatives={
            # d/dbeta z*s(bz) = z^2 s(bz) s(-bz)
            "beta": lambda z, beta: z * z * _sigmoid(beta * z) * _sigmoid(-beta * z),
        },
        source=Source("Prajit Ramachandran, Barret Zoph and Quoc V. Le", 2017, "ramachandran2017swish"),
    )
)
_register(
    _Spec(
        name="mish",
        forward=lambda z: z * _tanh_softplus(z),
        derivative=lambda z: _tanh_softplus(z) + z * _sech2_softplus(z) * _sigmoid(z),
        expression=lambda x: x * sp.tanh(sp.log(1 + sp.exp(x))),
        source=Source("Diganta Misra", 2019, "misra2019mish"),
    )
)
_register(
    _Spec(
        name="softplus",
        forward=_softplus,
        derivative=_sigmoid,
        expression=lambda x: sp.log(1 + sp.exp(x)),
        source=Source(
            "Charles Dugas, Yoshua Bengio, François Bélisle, Claude Nadeau and René Garcia",
            2001,
            "dugas2001softplus",
        ),
    )
)
_register(
    _Spec(
        name="relu6",
        forward=_relu6,
        derivative=lambda z: np.where((z > 0) & (z < 6), 1.0, 0.0),
        expression=lambda x: sp.Piecewise((0, x <= 0), (x, x < 6), (6, True)),
        kinks=lambda: (0.0, 6.0),
        source=Source("Alex Krizhevsky", 2010, "krizhevsky2010convolutional"),
    )
)
_register(
    _Spec(
        name="hard_sigmoid",
        forward=lambda z: _relu6(z + 3.0) / 6.0,
        derivative=lambda z: np.where(np.abs(z) < 3, 1.0 / 6.0, 0.0),
        expression=lambda x: sp.Piecewise((0, x <= -3), (x / 6 + sp.Rational(1, 2), x < 3), (1, True)),
        kinks=lambda: (-3.0, 3.0),
        source=Source(
            "Andrew Howard et al.",
            2019,
            "howard2019mobilenetv3",
            "This relu6(x + 3)/6 form is MobileNetV3's; earlier 'hard sigmoids' used other slopes.",
        ),
    )
)
_register(
    _Spec(
        name="hard_swish",
        forward=lambda z: z * _relu6(z + 3.0) / 6.0,
        derivative=lambda z: np.where(z <= -3, 0.0, np.where(z >= 3, 1.0, (2.0 * z + 3.0) / 6.0)),
        expression=lambda x: sp.Piecewise((0, x <= -3), (x * (x + 3) / 6, x < 3), (x, True)),
        kinks=lambda: (-3.0, 3.0),
        source=Source("Andrew Howard et al.", 2019, "howard2019mobilenetv3"),
    )
)


def custom(
    name: str,
    forward: Callable,
    derivative: Callable,
    expression: sp.Expr,
    *,
    source: Source | None = None,
    kinks: tuple[float, ...] = (),
) -> Activation:
    """An :class:`Activation` that is not in the registry (chapter 11).

    ``forward`` and ``derivative`` take a float array and return one of the same
    shape; ``expression`` is the SymPy expression in :data:`x`.  The result works
    everywhere a registered activation does (``chain.backward``, ``mlp.MLP``),
    but :func:`names` does not list it and :func:`get` does not know its name.
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError("name must be a non-empty string")
    if not callable(forward) or not callable(derivative):
        raise TypeError("forward and derivative must be callable")
    if not isinstance(expression, sp.Expr) or expression.free_symbols - {x}:
        raise ValueError(f"expression must be a SymPy expression in the symbol x only; got {expression!r}")
    spec = _Spec(
        name=name,
        forward=lambda z: forward(z),
        derivative=lambda z: derivative(z),
        expression=lambda x_: expression.subs(x, x_),
        source=source or Source("the reader", 0, "", "Not from the literature."),
        kinks=lambda: tuple(kinks),
    )
    return Activation(spec, {})


def names() -> list[str]:
    """The names :func:`get` accepts, in the order the course meets them."""
    return list(_SPECS)


def get(name: str, **params) -> Activation:
    """The activation called ``name`` with the given parameter values.

    Unknown names raise ``ValueError`` listing the known ones; unknown
    parameters raise ``TypeError``; parameter values out of range raise
    ``ValueError`` naming the parameter and the allowed range.
    """
    if isinstance(name, Activation):
        if params:
            raise TypeError("parameters cannot be given together with an Activation object")
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {names()}; got {type(name).__name__}")
    spec = _SPECS.get(name)
    if spec is None:
        raise ValueError(f"name must be one of {names()}; got {name!r}")
    unknown = set(params) - set(spec.params)
    if unknown:
        takes = ", ".join(spec.params) or "no parameters"
        raise TypeError(f"{name} takes {takes}; got unexpected {', '.join(sorted(unknown))}")
    values = {}
    for pname, p in spec.params.items():
        value = params.get(pname, p.default)
        values[pname] = check_real(
            pname, value, low=p.low, high=p.high, low_open=p.low_open, high_open=p.high_open
        )
    if spec.check is not None:
        spec.check(**values)
    return (spec.cls or Activation)(spec, values)
