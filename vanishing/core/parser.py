"""Read a reader's formula into a SymPy expression, safely, without ever running it.

The reader types an expression in ``x``, for example ``x*tanh(log(1+exp(x)))``.
:func:`parse_expression` reads it into a SymPy expression *without ever running
it*: the text goes through :func:`ast.parse`, which only builds a syntax tree,
and a converter walks that tree and accepts nothing but the node types, names
and functions listed below.  It never calls ``eval``, ``exec``,
``sympy.sympify`` or ``sympy.parsing.parse_expr`` on the text (SymPy's own
documentation warns that ``sympify`` uses ``eval`` and must not see
unsanitised input).  Anything not on the list is refused with a
:class:`RefusedExpression` (a ``ValueError``) that says what was refused and
what is allowed; the check is a whitelist, so an attack the tests never tried
is refused by the same rule as the ones they did.

:mod:`vanishing.experiments.own_activation` turns the expression into an
activation (chapter 11).  This module reads it and, for numpy, writes it again
in forms that do not overflow (:func:`stable_form`, :class:`StableNumpyFunction`):
``log(1 + exp(u))`` as ``numpy.logaddexp(0, u)``, ``1/(1 + exp(-u))`` as
``scipy.special.expit(u)``, so that ``softplus(100*x)/100`` and its slope are
ordinary numbers at x = 10 in float64, with mpmath only as a counted last resort.

Grammar
-------
::

    expr   := expr ("+" | "-" | "*" | "/" | "**") expr
            | ("+" | "-") expr  |  "(" expr ")"  |  call  |  name  |  number
    call   := unary "(" expr ")"  |  ("max" | "min") "(" expr "," expr ")"
    unary  := exp | log | sqrt | tanh | sinh | cosh | sin | cos | atan | erf
            | abs | sigmoid | softplus
    name   := "x" | "pi" | "e"
    number := a Python int or float literal, e.g. 2, 0.5, 1e-3

``sigmoid(u)`` means ``1/(1+exp(-u))`` and ``softplus(u)`` means
``log(1+exp(u))``; ``abs``, ``max`` and ``min`` become SymPy's ``Abs``,
``Max`` and ``Min``.  Python's precedence applies (``-x**2`` is ``-(x**2)``).
``^`` is refused with a hint to write ``**`` (in Python ``^`` is the bitwise
exclusive or, and accepting it would make ``2^3`` mean different things here
and in a code cell).  Floats become exact fractions (``0.1`` is ``1/10``).

Limits (each keeps the work bounded, whatever the input):

* at most :data:`MAX_LENGTH` characters, printable ASCII only (no look-alike
  letters from other alphabets), no ``__``;
* at most :data:`MAX_NODES` syntax nodes, nested at most :data:`MAX_DEPTH` deep;
* a power whose exponent is a constant needs ``|exponent| <= MAX_EXPONENT``;
* every constant sub-expression must be real and finite with magnitude at
  most :data:`MAX_CONSTANT`, and every exact number SymPy builds must fit in
  :data:`MAX_BITS` bits (numerator and denominator), checked after each step,
  so ``9**9**9**9`` or ``(((2*x)**10)**10)**10`` stop after one cheap step
  instead of computing a giant integer.  "Constant" means what SymPy makes of
  a part, not how it was typed: ``x - x + 1000000`` and ``x*1000*1000/x``
  are constants too;
* the result must depend on ``x`` (a constant activation has slope 0 and
  passes no gradient at all);

SymPy simplifies as it builds, and some of its rewriting computes exact
numbers or polynomials whose size no check on the typed text would see.
Three further limits keep that work small too:

* inside an exponent (of ``**``, or the argument of exp, sigmoid and
  softplus) every exact fraction has a numerator of at most
  :data:`MAX_FRACTION` and a denominator of at most :data:`MAX_DENOMINATOR`:
  SymPy's polynomial routines, which it calls on its own (to decide whether
  ``cosh(u)`` is positive, say), store ``p`` coefficients for ``a**(p/q)``.
  A decimal the reader types whose exact fraction is not that simple
  (``1.5958``, ``0.7071067811865476``, ``0.3333333333333333``) is kept as a
  floating-point number (a SymPy ``Float`` of its 17 significant digits),
  which those routines treat as one coefficient, so ordinary constants never
  meet the limit; ``0.5`` or ``0.25`` stay exact (``1/2``, ``1/4``);
* a power whose exponent depends on x may not have exp or another such power
  in its base: SymPy would multiply the two exponents, and x can cancel from
  the product (``(2**(1000*x))**(1000/x)`` is ``2**1000000``);
* a constant multiple ``c*log(b)`` must satisfy ``|c log b| <= MAX_BITS log 2``:
  SymPy turns it into ``log(b**c)`` or ``b**c`` on its own initiative, and
  ``b**c`` would not fit in :data:`MAX_BITS` bits anyway.

:func:`check_limits` holds any other expression built from a parsed one (its
derivative, say) to the same limits.
"""

from __future__ import annotations

import ast
import fractions
import math
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable
from contextlib import contextmanager

import mpmath
import numpy as np
import scipy.special
import sympy as sp

from .activations import x

#: The five binary operators the grammar accepts, applied alike to float
#: constants (checked first, cheaply) and to SymPy expressions.
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}

__all__ = [
    "ALLOWED",
    "MAX_BITS",
    "MAX_CONSTANT",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_DENOMINATOR",
    "MAX_FRACTION",
    "MAX_LENGTH",
    "MAX_NODES",
    "RefusedExpression",
    "StableNumpyFunction",
    "check_limits",
    "check_not_constant",
    "check_text",
    "parse_expression",
    "stable_form",
    "sympy_errors_refused",
    "vanishes_identically",
]

MAX_LENGTH = 200  #: characters
MAX_NODES = 100  #: expression nodes in the syntax tree
MAX_DEPTH = 20  #: nesting depth of the syntax tree
MAX_EXPONENT = 10  #: largest |p| in a power with a constant exponent p
MAX_CONSTANT = 1e6  #: largest magnitude of a constant sub-expression (messages say "1e6")
MAX_BITS = 256  #: largest numerator or denominator of an exact number, in bits
MAX_FRACTION = 1000  #: largest numerator of an exact fraction inside an exponent (and of an exact decimal)
MAX_DENOMINATOR = 10**6  #: largest denominator of an exact fraction inside an exponent


def _sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def _softplus(u):
    return sp.log(1 + sp.exp(u))


def _f_sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _f_softplus(v):
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


# name -> (number of arguments, SymPy builder, float builder for constants)
_FUNCTIONS: dict[str, tuple[int, Callable, Callable]] = {
    "exp": (1, sp.exp, math.exp),
    "log": (1, sp.log, math.log),
    "sqrt": (1, sp.sqrt, math.sqrt),
    "tanh": (1, sp.tanh, math.tanh),
    "sinh": (1, sp.sinh, math.sinh),
    "cosh": (1, sp.cosh, math.cosh),
    "sin": (1, sp.sin, math.sin),
    "cos": (1, sp.cos, math.cos),
    "atan": (1, sp.atan, math.atan),
    "erf": (1, sp.erf, math.erf),
    "abs": (1, sp.Abs, abs),
    "sigmoid": (1, _sigmoid, _f_sigmoid),
    "softplus": (1, _softplus, _f_softplus),
    "max": (2, sp.Max, max),
    "min": (2, sp.Min, min),
}
_NAMES = {"x": (x, None), "pi": (sp.pi, math.pi), "e": (sp.E, math.e)}
# The functions whose SymPy form applies exp to the argument (up to its sign).
_EXP_BASED = {"exp", "sigmoid", "softplus"}

ALLOWED = (
    "Allowed: the variable x; the constants pi and e; numbers such as 2, 0.5 or 1e-3; "
    "+ - * / and ** (power); parentheses; the functions exp, log, sqrt, tanh, sinh, cosh, "
    "sin, cos, atan, erf, abs, sigmoid, softplus (one argument each) and max, min (two arguments)."
)


class RefusedExpression(ValueError):
    """The reader's text was refused; ``reason`` says why in one sentence.

    ``str(error)`` is the reason followed by :data:`ALLOWED`.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"{reason}. {ALLOWED}")


# What each refused kind of Python syntax is, in the reader's words.
_SYNTAX = {
    ast.Attribute: "attribute access (a.b) is",
    ast.Subscript: "indexing or slicing (a[...]) is",
    ast.Lambda: "lambda functions are",
    ast.IfExp: "conditional expressions (a if c else b) are",
    ast.Compare: "comparisons (<, ==, in, is, ...) are",
    ast.BoolOp: "boolean operators (and, or) are",
    ast.NamedExpr: "assignment expressions (:=) are",
    ast.Starred: "starred arguments (*a) are",
    ast.List: "lists are",
    ast.Tuple: "tuples (a comma outside a function call) are",
    ast.Set: "sets are",
    ast.Dict: "dictionaries are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "generator expressions are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
    ast.Slice: "slices are",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_GROUP = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_REFUSED_BINOPS = {
    ast.BitXor: "^ (write ** for a power: in Python ^ is the bitwise exclusive or)",
    ast.FloorDiv: "// (floor division)",
    ast.Mod: "% (remainder)",
    ast.MatMult: "@ (matrix product)",
    ast.LShift: "<< (bit shift)",
    ast.RShift: ">> (bit shift)",
    ast.BitAnd: "& (bitwise and)",
    ast.BitOr: "| (bitwise or)",
}


# Slips a reader is likely to make, and what to write instead.
_HINTS = {
    "relu": "ReLU is written max(x, 0)",
    "ln": "the natural logarithm is written log",
    "arctan": "the arctangent is written atan",
    "tan": "tan has poles on [-10, 10]; atan and tanh are allowed",
    "logistic": "the logistic function is written sigmoid",
    "sigma": "the logistic function is written sigmoid",
    "swish": "swish is written x*sigmoid(x)",
    "silu": "SiLU is written x*sigmoid(x)",
    "gelu": "GELU is written x/2*(1+erf(x/sqrt(2)))",
    "elu": "ELU is written max(x, 0) + min(exp(x) - 1, 0)",
    "leaky_relu": "Leaky ReLU is written max(x, 0.01*x)",
    "mish": "mish is written x*tanh(softplus(x))",
    "X": "the variable is a lowercase x",
    "E": "Euler's number is written e (lowercase), and 1e-3 is written with a lowercase e too",
    "Abs": "the absolute value is written abs",
    "Max": "the maximum is written max",
    "Min": "the minimum is written min",
}


def _hint(name: str) -> str:
    hint = _HINTS.get(name) or _HINTS.get(name.lower())
    return f" ({hint})" if hint else ""


def check_text(text) -> str:
    """``text`` as a plain ``str`` without leading or trailing white space, or a refusal."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as 'x*tanh(x)'; got {type(text).__name__}")
    text = str.__str__(text)  # a plain str, whatever subclass came in
    if len(text) > MAX_LENGTH:
        raise RefusedExpression(f"the text is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    text = text.strip(" \t\r\n")  # white space around the expression is not part of it
    for i, ch in enumerate(text):
        if not (" " <= ch <= "~"):
            code = f"U+{ord(ch):04X}"
            name = unicodedata.name(ch, "a control character")
            raise RefusedExpression(
                f"character {i + 1} is {code} ({name}); only printable ASCII characters are allowed "
                "(letters that merely look like x, e or exp are refused)"
            )
    if "__" in text:
        raise RefusedExpression("double underscores (__) are not allowed: they name Python internals")
    if not text.strip():
        raise RefusedExpression("the text is empty; type an expression in x, such as x*tanh(x)")
    return text


def _check_numbers(expr: sp.Expr) -> None:
    """Refuse infinities, NaN, imaginary parts and oversized exact numbers."""
    if expr.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan):
        raise RefusedExpression(f"the expression becomes infinite or undefined ({expr})")
    if expr.has(sp.I):
        raise RefusedExpression(f"the expression is not real ({expr})")
    for r in expr.atoms(sp.Rational):
        if max(abs(r.p).bit_length(), r.q.bit_length()) > MAX_BITS:
            raise RefusedExpression(
                f"an exact number in the expression needs more than {MAX_BITS} bits; "
                "use smaller powers or numbers with fewer digits"
            )


def _check_value(value: float | complex, what: str) -> float:
    if isinstance(value, complex):
        raise RefusedExpression(f"{what} is not a real number")
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise RefusedExpression(f"{what} is larger than 1e6 in magnitude")
    return value


def _constant_value(expr: sp.Expr, what: str) -> float:
    """The value of a sub-expression that SymPy reduced to a constant, checked like a written one."""
    try:
        value = complex(expr.evalf(30))
    except (TypeError, ValueError, ArithmeticError):  # OverflowError is an ArithmeticError
        raise RefusedExpression(f"{what} is too large or not a number") from None
    if abs(value.imag) > 1e-12 * (1.0 + abs(value.real)):
        raise RefusedExpression(f"{what} is not a real number")
    return _check_value(value.real, what)


def _has_variable_power(expr: sp.Expr) -> bool:
    """Whether ``expr`` contains exp(...) or a power whose exponent depends on x."""
    return bool(expr.atoms(sp.exp)) or any(x in p.exp.free_symbols for p in expr.atoms(sp.Pow))


def _check_exponent(exponent: sp.Expr, what: str) -> None:
    """Only simple fractions inside an exponent.

    SymPy's polynomial routines, which it calls on its own (for instance to
    decide whether ``cosh(u)`` is positive), treat ``a**(p/q)`` as the p-th
    power of ``a**(1/q)`` and store p coefficients: ``abs(x)**0.3333333333333333``
    would make them allocate 3333333333333333.
    """
    for r in exponent.atoms(sp.Rational):
        if abs(r.p) > MAX_FRACTION or r.q > MAX_DENOMINATOR:
            raise RefusedExpression(
                f"{what} contains the {'number' if r.q == 1 else 'fraction'} {r}; inside an exponent a "
                f"fraction's numerator may be at most "
                f"{MAX_FRACTION} and its denominator at most {MAX_DENOMINATOR} (a decimal such as 0.3333 is "
                "allowed: write the exponent with a decimal point)"
            )


# exp(c*log(b)) is b**c, a number of c*log2(b) bits: beyond this, more than MAX_BITS.
_LOG_PRODUCT_LIMIT = MAX_BITS * math.log(2.0)


def _check_log_product(term: sp.Expr, what: str) -> None:
    """Refuse a constant ``c*log(b)`` whose exact power ``b**c`` would exceed MAX_BITS.

    SymPy rewrites ``c*log(b)`` as ``log(b**c)`` and ``exp(u + c*log(b))`` as
    ``b**c * exp(u)`` on its own initiative (inside ``exp``, while it
    differentiates, while it compares), and computes ``b**c`` exactly: with a
    large ``c`` that computation never ends.
    """
    if abs(_constant_value(term, what)) > _LOG_PRODUCT_LIMIT:
        raise RefusedExpression(
            f"{what} would make SymPy compute an exact number of more than {MAX_BITS} bits"
        )


def _check_sizes(expr: sp.Expr, what: str) -> None:
    """The limits that SymPy's own rewriting could otherwise get round (every node, and f').

    Every exponent (of a power or of exp) passes :func:`_check_exponent`,
    and every constant product with a logarithm in it, wherever it sits,
    passes :func:`_check_log_product`.
    """
    exponents = [p.exp for p in expr.atoms(sp.Pow)] + [f.args[0] for f in expr.atoms(sp.exp)]
    for exponent in exponents:
        _check_exponent(exponent, f"an exponent in {what}")
    for sub in sp.preorder_traversal(expr):
        if sub.is_Mul and sub.has(sp.log) and x not in sub.free_symbols:
            same = str(sub) == what.replace(" ", "")
            _check_log_product(sub, f"the constant {sub}" + ("" if same else f" in {what}"))


def _number(node: ast.Constant, spelling: str) -> tuple[sp.Expr, float]:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        kind = {str: "a string", bytes: "a bytes literal", complex: "an imaginary number"}.get(
            type(v), repr(v)
        )
        raise RefusedExpression(
            f"the text contains {kind}, which is not allowed; only real numbers such as 2 or 0.5"
        )
    if isinstance(v, int):
        if abs(v) > MAX_CONSTANT:  # compare before converting a huge int to float
            raise RefusedExpression(f"the number {spelling} is larger than 1e6 in magnitude")
        return sp.Integer(v), float(v)
    _check_value(v, f"the number {spelling}")
    exact = fractions.Fraction(repr(v))  # shortest decimal form: 0.1 -> 1/10 exactly
    if max(abs(exact.numerator).bit_length(), exact.denominator.bit_length()) > MAX_BITS:
        raise RefusedExpression(f"the number {spelling} needs more than {MAX_BITS} bits as an exact fraction")
    if abs(exact.numerator) > MAX_FRACTION or exact.denominator > MAX_FRACTION:
        return sp.Float(repr(v), 17), v  # 1.5958: a float, not 7979/5000 (see the module docstring)
    return sp.Rational(exact.numerator, exact.denominator), v


def _shown(spelling: str, value: float) -> str:
    """``"2**2**2 = 16"``, or just ``"11"`` when the spelling is the value."""
    return spelling if spelling == f"{value:g}" else f"{spelling} = {value:g}"


class _Converter:
    """Walks the syntax tree; every branch is a whitelisted construct."""

    def __init__(self, text: str):
        self.text = text

    def source(self, node: ast.AST) -> str:
        """The reader's own spelling of a node, for messages."""
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def convert(self, node: ast.AST, depth: int) -> tuple[sp.Expr, float | None]:
        """(SymPy expression, float value if constant else None)."""
        if depth > MAX_DEPTH:
            raise RefusedExpression(f"the expression is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            return _number(node, self.source(node))
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            expr, value = self._unary(node, depth)
        elif isinstance(node, ast.BinOp):
            expr, value = self._binop(node, depth)
        elif isinstance(node, ast.Call):
            expr, value = self._call(node, depth)
        else:
            what = _SYNTAX.get(type(node), f"the Python construct {type(node).__name__} is")
            raise RefusedExpression(f"{what} not allowed")
        _check_sizes(expr, self.source(node))
        if value is None and x not in expr.free_symbols:
            # SymPy simplifies as it builds: a part that mentions x, such as
            # x - x + 1000000 or x*1000000*1000000/x, can still become a
            # constant.  It is held to the same limits as a written constant,
            # so that the exponent limit below sees it too.
            value = _constant_value(expr, f"the constant {self.source(node)}")
        return expr, value

    def _name(self, node: ast.Name):
        if node.id in _NAMES:
            return _NAMES[node.id]
        if node.id in _FUNCTIONS:
            raise RefusedExpression(f"{node.id} is a function: call it, as in {node.id}(x)")
        raise RefusedExpression(
            f"unknown name {node.id!r}{_hint(node.id)}; the only variable is x and the constants are pi and e"
        )

    def _unary(self, node: ast.UnaryOp, depth):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            op = "not" if isinstance(node.op, ast.Not) else "~"
            raise RefusedExpression(f"the operator {op!r} is not allowed")
        expr, value = self.convert(node.operand, depth + 1)
        if isinstance(node.op, ast.USub):
            expr = -expr
            value = None if value is None else -value
        _check_numbers(expr)
        return expr, value

    def _binop(self, node: ast.BinOp, depth):
        op = type(node.op)
        if op not in _BINOPS:
            what = _REFUSED_BINOPS.get(op, op.__name__)
            raise RefusedExpression(f"the operator {what} is not allowed")
        # A chain such as a + b - c + d is nested to the left in Python's tree;
        # it reads as flat, so its left links do not count as nesting.
        flat = op in _GROUP and type(node.left) is ast.BinOp and _GROUP.get(type(node.left.op)) == _GROUP[op]
        left, lv = self.convert(node.left, depth if flat else depth + 1)
        right, rv = self.convert(node.right, depth + 1)
        if op is ast.Pow and rv is not None and abs(rv) > MAX_EXPONENT:
            raise RefusedExpression(
                f"the exponent {_shown(self.source(node.right), rv)} is too large: a constant exponent must lie in "
                f"[-{MAX_EXPONENT}, {MAX_EXPONENT}]"
            )
        if op is ast.Div and rv == 0:
            raise RefusedExpression("division by zero")
        value = None
        if lv is not None and rv is not None:
            # Float arithmetic first: it cannot take long, and it refuses an
            # oversized or complex constant before SymPy computes it exactly.
            try:
                value = _BINARY[op](lv, rv)
            except OverflowError:
                raise RefusedExpression(f"the constant {self.source(node)} is too large") from None
            except ZeroDivisionError:
                raise RefusedExpression(f"the constant {self.source(node)} divides by zero") from None
            value = _check_value(value, f"the constant {self.source(node)}")
        if op is ast.Pow and lv == 0 and rv is None:
            raise RefusedExpression("0 raised to a power that depends on x is not defined for every x")
        if op is ast.Pow and rv is None:
            # SymPy merges (a**b)**c into a**(b*c) and exp(a)**c into exp(a*c)
            # before any limit can look at the product; if x cancels from it,
            # the product is a constant exponent that no check has seen.
            if _has_variable_power(left):
                raise RefusedExpression(
                    f"the power {self.source(node)} has an exponent that depends on x and a base that contains "
                    "exp(...) or another power of x; write exp(b*log(a)) instead of a**b"
                )
        if op is ast.Pow:
            _check_exponent(right, f"the exponent of {self.source(node)}")
        expr = _BINARY[op](left, right)
        _check_numbers(expr)
        return expr, value

    def _call(self, node: ast.Call, depth):
        if isinstance(node.func, ast.Constant):
            number = self.source(node.func)
            raise RefusedExpression(f"a number cannot be called; write {number}*(...) to multiply")
        if not isinstance(node.func, ast.Name):
            raise RefusedExpression(
                "only the named functions can be called, as in tanh(x); not methods or results"
            )
        name = node.func.id
        if name not in _FUNCTIONS:
            if name in _NAMES:
                raise RefusedExpression(f"{name} is not a function; write {name}*(...) to multiply")
            raise RefusedExpression(f"{name!r} is not an allowed function{_hint(name)}")
        arity, build, fbuild = _FUNCTIONS[name]
        if node.keywords:
            raise RefusedExpression(f"{name}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise RefusedExpression("starred arguments (*a) are not allowed")
        if len(node.args) != arity:
            raise RefusedExpression(
                f"{name}() takes {arity} argument{'s' if arity > 1 else ''}; got {len(node.args)}"
            )
        args = [self.convert(a, depth + 1) for a in node.args]
        exprs = [a[0] for a in args]
        values = [a[1] for a in args]
        value = None
        if all(v is not None for v in values):
            try:
                value = fbuild(*values)
            except OverflowError:
                raise RefusedExpression(f"{self.source(node)} is too large") from None
            except ValueError:
                raise RefusedExpression(f"{self.source(node)} is not defined") from None
            value = _check_value(value, self.source(node))
        if name in _EXP_BASED:  # the argument becomes an exponent
            _check_exponent(exprs[0], f"the argument of {self.source(node)}")
        expr = build(*exprs)
        _check_numbers(expr)
        return expr, value


def parse_expression(text: str) -> sp.Expr:
    """The reader's text as a SymPy expression in :data:`vanishing.core.activations.x`.

    Never evaluates the text; refuses everything outside the grammar and the
    limits in the module docstring with :class:`RefusedExpression` (a
    ``ValueError``), and non-strings with ``TypeError``.  Chapter 11.

    >>> parse_expression("x*sigmoid(x)")
    x/(1 + exp(-x))
    """
    text = check_text(text)
    try:
        with warnings.catch_warnings():
            # Python warns about some odd spellings (``1if``, ``"\["``); refuse them instead
            warnings.simplefilter("error")
            tree = ast.parse(text, mode="eval")
    except Warning as err:
        raise RefusedExpression(f"not a valid expression ({err})") from None
    except SyntaxError as err:
        where = f" at character {err.offset}" if err.offset else ""
        slip = re.search(r"(\d)\s*([a-z(])", text)
        hint = f"; write {slip[1]}*{slip[2]} to multiply" if slip else ""
        raise RefusedExpression(f"not a valid expression ({err.msg}{where}{hint})") from None
    except (ValueError, MemoryError, RecursionError) as err:  # pragma: no cover - bounded by MAX_LENGTH
        raise RefusedExpression(f"not a valid expression ({type(err).__name__})") from None
    n_nodes = sum(isinstance(n, ast.expr) for n in ast.walk(tree))
    if n_nodes > MAX_NODES:
        raise RefusedExpression(f"the expression has {n_nodes} parts; at most {MAX_NODES} are allowed")
    with sympy_errors_refused("read"):
        expr, _ = _Converter(text).convert(tree.body, 1)
        if x not in expr.free_symbols:
            raise RefusedExpression(
                f"the expression does not depend on x (it is the constant {expr}); "
                "a constant activation has slope 0 and passes no gradient back"
            )
        check_not_constant(expr)
    return expr


@contextmanager
def sympy_errors_refused(doing: str):
    """Turn any error SymPy raises while it works on a reader's expression into a refusal.

    SymPy signals what it cannot do with ``TypeError`` ("cannot determine truth
    value"), ``ValueError`` ("not comparable"), ``NotImplementedError`` and
    others; the reader should see :class:`RefusedExpression` with its reason and
    the list of what is allowed, never those.
    """
    try:
        yield
    except RefusedExpression:
        raise
    except (
        TypeError,
        ValueError,
        ArithmeticError,
        NotImplementedError,
        RecursionError,
        AttributeError,
    ) as err:
        detail = str(err).splitlines()[0][:80] if str(err) else type(err).__name__
        raise RefusedExpression(f"SymPy could not {doing} this expression ({detail})") from None


#: Points of [-10, 10] with no special relation to pi, e or the integers, where an
#: identity is tested to :data:`_DIGITS` digits (a numerical certificate).
_PROBES = ("-9.3137", "-6.2718", "-2.6178", "-0.5093", "0.8414", "3.1721", "6.2849", "9.0007")
_DIGITS = 50


_FLOAT_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.tanh: math.tanh,
    sp.sinh: math.sinh,
    sp.cosh: math.cosh,
    sp.atan: math.atan,
    sp.erf: math.erf,
    sp.Abs: abs,
    sp.sign: lambda v: math.copysign(1.0, v) if v else 0.0,
}


def _float(expr: sp.Expr, v: float) -> float:
    """``expr`` at ``x = v`` in floating point, by walking the tree (no code is generated
    or run); inf on overflow, nan outside a function's domain."""
    if expr is x:
        return v
    if expr.is_Number or expr in (sp.pi, sp.E):
        return float(expr)
    args = [_float(a, v) for a in expr.args]
    try:
        if expr.is_Add:
            return math.fsum(args)
        if expr.is_Mul:
            return math.prod(args)
        if expr.is_Pow:
            return (
                float(args[0] ** args[1])
                if not (args[0] < 0 and not float(args[1]).is_integer())
                else math.nan
            )
        if isinstance(expr, sp.Max):
            return max(args)
        if isinstance(expr, sp.Min):
            return min(args)
        if isinstance(expr, sp.Heaviside):
            return 0.5 if args[0] == 0 else float(args[0] > 0)
        return float(_FLOAT_FUNCTIONS[expr.func](*args))
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, KeyError, TypeError):
        return math.nan


def _float_values(expr: sp.Expr) -> list[float] | None:
    """``expr`` at every probe in floating point (cheap), or None if it is not finite there."""
    values = [_float(expr, float(p)) for p in _PROBES]
    return values if all(math.isfinite(v) for v in values) else None


def _tame(expr: sp.Expr) -> bool:
    """Whether every sub-expression is a float below 1e300 at every probe: only then is a
    50-digit evaluation bounded (``exp(-exp(exp(exp(x + 20))))`` is 0.0 in floating
    point, but its 50-digit value needs an exponent of about 10**3500 digits)."""
    for sub in sp.preorder_traversal(expr):
        if sub.is_Atom or x not in sub.free_symbols:
            continue
        values = _float_values(sub)
        if values is None or max(abs(v) for v in values) > 1e300:
            return False
    return True


def _probe_values(expr: sp.Expr) -> list[complex] | None:
    """``expr`` at every probe, to 50 digits, or None where it is not a number there."""
    if not _tame(expr):
        return None
    values = []
    for point in _PROBES:
        try:
            v = expr.evalf(_DIGITS, subs={x: sp.Rational(point)})
        except (TypeError, ValueError, ArithmeticError):  # SymPy cannot order a tie it computed
            return None
        if not v.is_number or v.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan):
            return None
        values.append(complex(v))
    return values


def vanishes_identically(expr: sp.Expr) -> bool:
    """Whether ``expr`` is zero at every probe point to 40 digits: an identity such as
    ``sin(x)**2 + cos(x)**2 - 1``, which SymPy does not simplify on its own and which
    floating point evaluates to about 1e-16 instead of 0.  Floating point answers first
    (cheaply) wherever a value is clearly not 0; only the rest is certified."""
    values = _float_values(expr)
    if values is None or any(abs(v) > 1e-8 for v in values):
        return False
    values = _probe_values(expr)
    return values is not None and all(abs(v) < 1e-40 for v in values)


def check_not_constant(expr: sp.Expr) -> None:
    """Refuse an expression whose value is the same at every probe point (to 40 digits).

    ``sin(x)**2 + cos(x)**2`` mentions x but is the constant 1, and
    ``max(x - 20, 0)`` is 0 on all of [-10, 10]: either way an activation with slope 0
    on the range, which passes no gradient back.
    """
    rough = _float_values(expr)
    if rough is None or max(abs(v - rough[0]) for v in rough) > 1e-8 * (1 + max(abs(v) for v in rough)):
        return  # it changes (or is not finite at a probe, which the range check reports)
    values = _probe_values(expr)
    if values is not None and max(abs(v - values[0]) for v in values) <= 1e-40 * max(abs(v) for v in values):
        raise RefusedExpression(
            "the expression does not change with x on [-10, 10] (it has the same value at every point "
            "tested, to 40 digits); a constant activation has slope 0 and passes no gradient back"
        )


def check_limits(expr: sp.Expr, what: str) -> None:
    """Hold an expression derived from a parsed one (``what`` names it) to the same limits.

    Raises :class:`RefusedExpression` if an exact number in ``expr`` is too
    large or a constant part is out of range: differentiating can rewrite
    powers and constants into forms the parsed text did not have.
    """
    _check_numbers(expr)
    _check_sizes(expr, what)


# --------------------------------------------------------------------------
# Stable numpy code: the same function, written so that float64 does not overflow
# --------------------------------------------------------------------------
#: ``expit(u) = 1/(1 + exp(-u))``, computed by :func:`scipy.special.expit` without overflow.
_EXPIT = sp.Function("expit")
#: Heaviside with value 1/2 at 0, handed to numpy as an opaque function (lambdify would rewrite
#: ``Heaviside(a - Max(b, c))`` into nested comparisons that ``numpy.select`` cannot evaluate).
_STEP = sp.Function("heaviside_half")
_NUMPY_NAMES = {"expit": scipy.special.expit, "heaviside_half": lambda a: np.heaviside(a, 0.5)}
_MPMATH_NAMES = {"heaviside_half": lambda a: mpmath.mpf(0.5) if a == 0 else mpmath.mpf(a > 0)}


def _one_plus_exp(expr: sp.Expr) -> sp.Expr | None:
    """``u`` if ``expr`` is ``1 + exp(u)``, else None."""
    if expr.is_Add and len(expr.args) == 2 and sp.S.One in expr.args:
        (other,) = (a for a in expr.args if a is not sp.S.One)
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _sigmoid_power(expr: sp.Expr) -> bool:
    """Whether ``expr`` is ``(1 + exp(u))**n`` with a negative number ``n``."""
    return (
        expr.is_Pow and expr.exp.is_number and expr.exp.is_negative and _one_plus_exp(expr.base) is not None
    )


def _is_log_of_sum(expr: sp.Expr) -> bool:
    return isinstance(expr, sp.log) and _one_plus_exp(expr.args[0]) is not None


def _is_exp_ratio(expr: sp.Expr) -> bool:
    """``exp(a) * (1 + exp(u))**n * ...`` (n < 0): the quotient of two overflowing factors."""
    return (
        expr.is_Mul and any(isinstance(f, sp.exp) for f in expr.args) and any(map(_sigmoid_power, expr.args))
    )


def _exp_ratio(expr: sp.Expr) -> sp.Expr:
    """``exp(a) (1 + exp(u))**n`` as ``exp(a + n logaddexp(0, u))``; ``exp(u)/(1 + exp(u))`` as ``expit(u)``."""
    from sympy.codegen.numpy_nodes import logaddexp

    exps = [f for f in expr.args if isinstance(f, sp.exp)]
    powers = [f for f in expr.args if _sigmoid_power(f)]
    rest = [f for f in expr.args if f not in exps and f not in powers]
    if (
        len(exps) == 1
        and len(powers) == 1
        and powers[0].exp == -1
        and _one_plus_exp(powers[0].base) == exps[0].args[0]
    ):
        return sp.Mul(*rest) * _EXPIT(exps[0].args[0])
    exponent = sp.Add(*(e.args[0] for e in exps)) + sp.Add(
        *(p.exp * logaddexp(0, _one_plus_exp(p.base)) for p in powers)
    )
    return sp.Mul(*rest) * sp.exp(exponent, evaluate=False)


def _is_log_cosh(expr: sp.Expr) -> bool:
    return isinstance(expr, sp.log) and isinstance(expr.args[0], sp.cosh)


def _is_sinh_over_cosh(expr: sp.Expr) -> bool:
    return expr.is_Mul and any(
        isinstance(f, sp.sinh) and sp.cosh(f.args[0]) ** -1 in expr.args for f in expr.args
    )


def _sinh_over_cosh(expr: sp.Expr) -> sp.Expr:
    (s,) = (f for f in expr.args if isinstance(f, sp.sinh) and sp.cosh(f.args[0]) ** -1 in expr.args)
    rest = [f for f in expr.args if f not in (s, sp.cosh(s.args[0]) ** -1)]
    return sp.Mul(*rest) * sp.tanh(s.args[0])


def _complement_pair(expr: sp.Expr, match: Callable) -> tuple[sp.Expr, sp.Expr, sp.Expr] | None:
    """``(c, term, inner)`` for an Add ``c + c*s*g + ...`` where ``match(g)`` is ``(s, inner)``.

    ``s`` is +1 or -1: the sign with which ``g`` must appear for ``c + c*s*g`` to be a
    difference that floating point would lose to cancellation (``1 - tanh(u)**2``,
    ``1 + erf(u)`` at large ``u``).
    """
    if not expr.is_Add:
        return None
    constants = [a for a in expr.args if a.is_number]
    if len(constants) != 1 or constants[0] == 0:
        return None
    c = constants[0]
    for term in expr.args:
        coeff, g = term.as_coeff_Mul()
        found = match(g)
        if found is not None and coeff == found[0] * c:
            return c, term, found[1]
    return None


def _tanh_squared(g: sp.Expr):
    if g.is_Pow and g.exp == 2 and isinstance(g.base, sp.tanh):
        return -1, g.base.args[0]
    return None


def _erf_added(g: sp.Expr):
    return (1, g.args[0]) if isinstance(g, sp.erf) else None


def _erf_subtracted(g: sp.Expr):
    return (-1, g.args[0]) if isinstance(g, sp.erf) else None


def _is_sech_squared(expr: sp.Expr) -> bool:
    return _complement_pair(expr, _tanh_squared) is not None


def _sech_squared(expr: sp.Expr) -> sp.Expr:
    """``c - c*tanh(u)**2`` as ``4c expit(2u) expit(-2u)`` (= c sech(u)**2, which cosh would overflow)."""
    c, term, u = _complement_pair(expr, _tanh_squared)
    return expr - c - term + 4 * c * _EXPIT(2 * u) * _EXPIT(-2 * u)


def _is_one_plus_erf(expr: sp.Expr) -> bool:
    return any(_complement_pair(expr, m) is not None for m in (_erf_added, _erf_subtracted))


def _one_plus_erf(expr: sp.Expr) -> sp.Expr:
    """``c + c*erf(u)`` as ``c*erfc(-u)`` and ``c - c*erf(u)`` as ``c*erfc(u)``: the difference keeps
    its digits where erf(u) is near -1 or 1 (SymPy would turn ``erfc(-u)`` into ``2 - erfc(u)``)."""
    for match, sign in ((_erf_added, -1), (_erf_subtracted, 1)):
        found = _complement_pair(expr, match)
        if found is not None:
            c, term, u = found
            return expr - c - term + c * sp.erfc(sign * u, evaluate=False)
    raise AssertionError("unreachable: _is_one_plus_erf matched")  # pragma: no cover


_RULES: tuple | None = None  # built by _stable_rules() on first use


def _stable_rules() -> tuple:
    """Rewriting rules, applied in this order with :func:`sympy.codegen.rewriting.optimize`.

    Each replaces a form whose intermediate results overflow (or cancel) in float64 by
    the same function written with numpy's and scipy's stable primitives
    (``numpy.logaddexp``, ``scipy.special.expit``, ``scipy.special.erfc``).  Built on first
    use: ``sympy.codegen`` takes a noticeable time to import.
    """
    global _RULES
    if _RULES is not None:
        return _RULES
    from sympy.codegen.numpy_nodes import logaddexp
    from sympy.codegen.rewriting import ReplaceOptim, logaddexp_opt

    _RULES = (
        ReplaceOptim(_is_exp_ratio, _exp_ratio),  # softplus' and sigmoid' of a scaled argument
        ReplaceOptim(_is_sinh_over_cosh, _sinh_over_cosh),  # (log cosh u)' = tanh u
        ReplaceOptim(_is_sech_squared, _sech_squared),  # tanh' = 1 - tanh**2
        ReplaceOptim(_is_one_plus_erf, _one_plus_erf),  # GELU = x (1 + erf(x/sqrt 2))/2
        ReplaceOptim(_sigmoid_power, lambda p: _EXPIT(-_one_plus_exp(p.base)) ** (-p.exp)),  # sigmoid(u)**k
        ReplaceOptim(_is_log_of_sum, lambda e: logaddexp(0, _one_plus_exp(e.args[0]))),  # softplus
        ReplaceOptim(_is_log_cosh, lambda e: logaddexp(e.args[0].args[0], -e.args[0].args[0]) - sp.log(2)),
        logaddexp_opt,  # SymPy's own: log(exp(a) + exp(b)) -> logaddexp(a, b)
    )
    return _RULES


def stable_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` rewritten so that numpy evaluates it without intermediate overflow.

    ``log(1 + exp(u))`` becomes ``logaddexp(0, u)``; ``1/(1 + exp(-u))`` and
    ``exp(u)/(1 + exp(u))`` become ``expit(u)`` (:func:`scipy.special.expit`);
    ``exp(a)/(1 + exp(u))**n`` becomes ``exp(a - n*logaddexp(0, u))``;
    ``log(cosh(u))`` becomes ``logaddexp(u, -u) - log(2)`` and ``sinh(u)/cosh(u)``
    becomes ``tanh(u)``; ``Heaviside`` becomes an opaque step with value 1/2 at 0.
    The result is the same function (the rules are identities); only its
    printed numpy code differs.
    """
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"expr must be a SymPy expression; got {type(expr).__name__}")
    from sympy.codegen.rewriting import optimize

    return _opaque(optimize(expr, _stable_rules()))


def _opaque(expr: sp.Expr) -> sp.Expr:
    """``expr`` with Heaviside as the opaque step that numpy and mpmath are handed."""
    return expr.replace(sp.Heaviside, lambda arg, *h0: _STEP(arg))


def _evaluate(code: Callable, z: np.ndarray) -> np.ndarray:
    """``code(z)`` as a float64 array of z's shape, without warnings (non-finite values are looked at after)."""
    with np.errstate(all="ignore"):
        out = np.asarray(code(z))
    if np.iscomplexobj(out):  # pragma: no cover - complex constants are refused
        out = np.where(out.imag == 0, out.real, np.nan)
    return np.array(np.broadcast_to(out.astype(np.float64), z.shape))


class StableNumpyFunction:
    """``expr`` as a numpy function of ``x`` that does not overflow on the way to an ordinary value.

    Calling it with an array (float16, float32 or float64; computed and returned in
    float64) evaluates :func:`stable_form` with numpy and scipy.  Where that is still
    not finite at a finite input, the point is evaluated again with mpmath at 30
    digits (whose numbers have no exponent limit) and rounded to float64, so the
    value is inf or NaN only if it truly is; :attr:`fallback_points` counts those
    points (a last resort: the stable forms make it rare).  :attr:`code` is the
    stable form's generated numpy function, which raises no overflow or invalid
    warning wherever the value and the intermediate values it needs are finite.

    With ``plain_first=True`` the formula as SymPy wrote it (:attr:`plain`) is
    evaluated first and the stable code only where that is not finite: values at
    points where the plain formula does not overflow are then bit for bit those of
    ``sympy.lambdify(x, expr)``, as stored outputs may require, at the cost of the
    plain formula's rounding (``1 - tanh(u)**2`` is 0 for u > 19, ``x*(1 + erf(x))``
    loses all digits below x = -6).
    """

    def __init__(self, expr: sp.Expr, *, plain_first: bool = False):
        if not isinstance(plain_first, bool):
            raise TypeError(f"plain_first must be True or False; got {plain_first!r}")
        self.expr = expr
        self.code = sp.lambdify(x, stable_form(expr), modules=[_NUMPY_NAMES, "scipy", "numpy"])
        self.plain = sp.lambdify(x, _opaque(expr), modules=[_NUMPY_NAMES, "scipy", "numpy"])
        self.plain_first = plain_first
        self.fallback_points = 0
        self._exact = None
        self._guards = None

    def __call__(self, z) -> np.ndarray:
        z = np.asarray(z)
        if not (np.issubdtype(z.dtype, np.floating) or np.issubdtype(z.dtype, np.integer)):
            raise TypeError(f"z must be an array of real numbers; got dtype {z.dtype}")
        z = z.astype(np.float64)
        out = _evaluate(self.plain if self.plain_first else self.code, z)
        redo = ~np.isfinite(out) & np.isfinite(z)
        if self.plain_first and redo.any():
            out[redo] = _evaluate(self.code, z)[redo]
            redo = ~np.isfinite(out) & np.isfinite(z)
        if redo.any():
            self._fall_back(z, out, redo)
        return out

    def _fall_back(self, z: np.ndarray, out: np.ndarray, redo: np.ndarray) -> None:
        """Evaluate ``out[redo]`` again with mpmath, where no exponent in the formula is huge."""
        if self._exact is None:
            self._exact = sp.lambdify(x, _opaque(self.expr), modules=[_MPMATH_NAMES, "mpmath"])
            # Where an exponent inside the formula is beyond 1e8 (or infinite) the value's own
            # exponent is astronomically large, and mpmath would not finish.
            exponents = [e.args[0] for e in self.expr.atoms(sp.exp, sp.cosh, sp.sinh)] + [
                p.exp * sp.log(sp.Abs(p.base) + 1) for p in self.expr.atoms(sp.Pow) if x in p.exp.free_symbols
            ]
            self._guards = [sp.lambdify(x, g, modules=[_NUMPY_NAMES, "scipy", "numpy"]) for g in exponents]
        with np.errstate(all="ignore"):
            for guard in self._guards:
                size = np.abs(np.broadcast_to(np.asarray(guard(z), dtype=np.float64), z.shape))
                redo &= np.isfinite(size) & (size < 1e8)
        with mpmath.workdps(30):
            for i in zip(*np.nonzero(redo), strict=True):
                self.fallback_points += 1
                try:
                    v = mpmath.mpmathify(self._exact(mpmath.mpf(float(z[i]))))
                    out[i] = float(v.real) if v.imag == 0 else np.nan
                except (ArithmeticError, ValueError, TypeError, MemoryError):
                    out[i] = np.nan
