"""Recurrent networks in numpy: a vanilla tanh RNN and an LSTM, with backpropagation through time.

Chapter 9 builds on this module; its experiments are in
:mod:`vanishing.experiments.through_time`.  Vectors are columns in the maths and rows in the
code: a batch of inputs at step ``t`` is an array of shape ``(batch, n_in)``,
and a whole sequence has shape ``(T, batch, n_in)``.

Vanilla RNN
-----------
For ``t = 1..T``

    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h),        h_0 given (zeros by default),

with ``W_hh`` of shape ``(n_hidden, n_hidden)`` and ``W_xh`` of shape
``(n_hidden, n_in)`` (PyTorch's layout).  The Jacobian of one step is

    dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh,

and the gradient that reaches ``h_t`` from ``h_T`` is the product of
``T - t`` of them (:func:`rnn_jacobians`, :func:`jacobian_product_norms`).

LSTM
----
With the gates and the candidate stacked in PyTorch's order ``[i, f, g, o]``
(input gate, forget gate, candidate, output gate),

    z_t = W_x x_t + W_h h_{t-1} + b                      (4 n_hidden numbers)
    i_t = sigma(z_i),  f_t = sigma(z_f),  g_t = tanh(z_g),  o_t = sigma(z_o)
    c_t = f_t * c_{t-1} + i_t * g_t                      (the cell state)
    h_t = o_t * tanh(c_t)

where ``*`` is the elementwise product.  Along the cell-state path alone,
``dc_t/dc_{t-1} = diag(f_t)``: the gradient is multiplied by the forget gates
and by nothing else.  :func:`init_lstm` sets the forget-gate bias ``b_f`` to
``forget_bias`` (default 1, the advice of Jozefowicz, Zaremba and Sutskever
2015), so that ``f_t`` starts near ``sigma(1) = 0.73`` instead of 0.5.

The state of an LSTM is the pair ``(h_t, c_t)``.  :class:`LSTMGradients`
reports ``dL/dh_t`` with ``c_t`` held fixed and ``dL/dc_t`` with ``h_t`` held
fixed: the two partial derivatives of the loss with respect to the state
that step ``t`` hands to step ``t + 1``.

Readout and loss
----------------
Both networks read out the last hidden state, ``y = W_hy h_T + b_y``, and
the loss is the mean over the batch of the softmax cross-entropy (integer
labels) or of ``||y - target||^2 / 2`` (``loss="mse"``).  The backward
functions also accept a gradient arriving at every step, so a loss on every
step is one extra argument away.

Every gradient here is checked against central finite differences and
against PyTorch's autograd in ``tests/test_recurrent.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import scipy.special

from ._checks import as_float_array, check_generator, check_int, check_real
from .losses import softmax_cross_entropy
from .normalisation import EPS as LN_EPS
from .normalisation import _layer_norm_forward, layer_norm_backward

__all__ = [
    "LSTMCache",
    "LSTMGradients",
    "LNRNNGradients",
    "LNRNNParams",
    "LSTMParams",
    "READOUT_LOSSES",
    "RNNCache",
    "RNNGradients",
    "RNNParams",
    "init_lstm",
    "init_rnn",
    "jacobian_product_norms",
    "lstm_backward",
    "lstm_forward",
    "lstm_loss_and_gradients",
    "random_orthogonal",
    "readout_loss",
    "rnn_backward",
    "rnn_forward",
    "rnn_jacobians",
    "rnn_loss_and_gradients",
]

#: Losses :func:`readout_loss` accepts (its "mse" is ``||y - target||^2 / 2``, averaged over the batch).
READOUT_LOSSES = ("cross_entropy", "mse")


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------
def _shape_error(name, expected, got):
    return ValueError(f"{name} must have shape {expected}; got {got}")


class _Arrays:
    """Mixin: the dataclass fields as a list of arrays, in declaration order,
    and what both cells share: float conversion and the linear readout
    ``W_hy`` ``(n_out, n_hidden)``, ``b_y`` ``(n_out,)``."""

    def _as_float_fields(self) -> None:
        for f in fields(self):
            setattr(self, f.name, np.asarray(as_float_array(f.name, getattr(self, f.name)), dtype=np.float64))

    def _check_readout(self, n: int) -> None:
        if self.W_hy.ndim != 2 or self.W_hy.shape[1] != n:
            raise _shape_error("W_hy", f"(n_out, n_hidden) = (n_out, {n})", self.W_hy.shape)
        if self.b_y.shape != (self.W_hy.shape[0],):
            raise _shape_error("b_y", f"(n_out,) = ({self.W_hy.shape[0]},)", self.b_y.shape)

    @property
    def n_out(self) -> int:
        return self.W_hy.shape[0]

    def arrays(self) -> list[np.ndarray]:
        return [getattr(self, f.name) for f in fields(self)]

    def names(self) -> list[str]:
        return [f.name for f in fields(self)]

    def copy(self):
        return type(self)(*[a.copy() for a in self.arrays()])


@dataclass
class RNNParams(_Arrays):
    """Parameters of a vanilla tanh RNN with a linear readout of the last state.

    Shapes: ``W_xh`` ``(n_hidden, n_in)``, ``W_hh`` ``(n_hidden, n_hidden)``,
    ``b_h`` ``(n_hidden,)``, ``W_hy`` ``(n_out, n_hidden)``, ``b_y`` ``(n_out,)``.
    A mismatch raises ``ValueError`` naming the parameter.
    """

    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray

    def __post_init__(self):
        self._as_float_fields()
        if self.W_hh.ndim != 2 or self.W_hh.shape[0] != self.W_hh.shape[1] or self.W_hh.shape[0] < 1:
            raise ValueError(
                f"W_hh must be a square matrix (n_hidden, n_hidden); got shape {self.W_hh.shape}"
            )
        n = self.W_hh.shape[0]
        if self.W_xh.ndim != 2 or self.W_xh.shape[0] != n:
            raise _shape_error("W_xh", f"(n_hidden, n_in) = ({n}, n_in)", self.W_xh.shape)
        if self.b_h.shape != (n,):
            raise _shape_error("b_h", f"(n_hidden,) = ({n},)", self.b_h.shape)
        self._check_readout(n)

    @property
    def n_in(self) -> int:
        return self.W_xh.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W_hh.shape[0]


@dataclass
class LNRNNParams(RNNParams):
    """A tanh RNN with layer normalisation (chapter 9; Ba, Kiros and Hinton 2016).

    ``h_t = tanh(LN(W_hh h_{t-1} + W_xh x_t + b_h))``, where ``LN`` standardises
    each example's ``n_hidden`` pre-activations (mean 0, variance 1, with
    ``eps = 1e-5`` as PyTorch's ``nn.LayerNorm``) and then applies the per-unit
    gain ``ln_gain`` and bias ``ln_bias`` (both of shape ``(n_hidden,)``).
    """

    ln_gain: np.ndarray = None
    ln_bias: np.ndarray = None

    def __post_init__(self):
        n = np.shape(self.W_hh)[0] if np.ndim(self.W_hh) == 2 else 0
        if self.ln_gain is None:
            self.ln_gain = np.ones(n)
        if self.ln_bias is None:
            self.ln_bias = np.zeros(n)
        super().__post_init__()
        if self.n_hidden < 2:
            raise ValueError(f"layer normalisation needs n_hidden >= 2 units; got {self.n_hidden}")
        for name in ("ln_gain", "ln_bias"):
            if getattr(self, name).shape != (self.n_hidden,):
                raise _shape_error(name, f"(n_hidden,) = ({self.n_hidden},)", getattr(self, name).shape)


@dataclass
class LSTMParams(_Arrays):
    """Parameters of an LSTM layer with a linear readout of the last hidden state.

    ``W_x`` ``(4 n_hidden, n_in)``, ``W_h`` ``(4 n_hidden, n_hidden)`` and ``b``
    ``(4 n_hidden,)`` stack the input gate, forget gate, candidate and output
    gate in that order (PyTorch's ``weight_ih_l0``, ``weight_hh_l0`` and
    ``bias_ih_l0 + bias_hh_l0``); ``W_hy`` ``(n_out, n_hidden)``, ``b_y`` ``(n_out,)``.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray

    def __post_init__(self):
        self._as_float_fields()
        if self.W_h.ndim != 2 or self.W_h.shape[0] != 4 * self.W_h.shape[1] or self.W_h.shape[1] < 1:
            raise ValueError(f"W_h must have shape (4 n_hidden, n_hidden); got {self.W_h.shape}")
        n = self.W_h.shape[1]
        if self.W_x.ndim != 2 or self.W_x.shape[0] != 4 * n:
            raise _shape_error("W_x", f"(4 n_hidden, n_in) = ({4 * n}, n_in)", self.W_x.shape)
        if self.b.shape != (4 * n,):
            raise _shape_error("b", f"(4 n_hidden,) = ({4 * n},)", self.b.shape)
        self._check_readout(n)

    @property
    def n_in(self) -> int:
        return self.W_x.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W_h.shape[1]

    @property
    def forget_bias(self) -> np.ndarray:
        """The forget-gate part ``b_f`` of ``b`` (a view)."""
        n = self.n_hidden
        return self.b[n : 2 * n]


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``n x n`` orthogonal matrix (QR of a Gaussian matrix, signs fixed).

    Every singular value is 1, so ``scale * random_orthogonal(n, rng)`` has
    largest singular value exactly ``scale``.
    """
    n = check_int("n", n, low=1)
    rng = check_generator("rng", rng)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_rnn(
    n_in: int,
    n_hidden: int,
    n_out: int,
    rng: np.random.Generator,
    *,
    scheme: str = "orthogonal",
    recurrent_scale: float = 1.0,
    input_scale: float = 1.0,
    layer_norm: bool = False,
) -> RNNParams:
    """A freshly initialised vanilla RNN.

    ``scheme="orthogonal"``: ``W_hh = recurrent_scale * Q`` for a random
    orthogonal ``Q``, so that the largest singular value of ``W_hh`` is exactly
    ``recurrent_scale``, the number that decides vanishing and exploding in
    chapter 9; ``W_xh`` has entries ``N(0, input_scale^2 / n_in)`` and the bias
    is zero.  ``scheme="uniform"``: PyTorch's default for ``nn.RNN``, every
    recurrent weight and bias from ``U(-1/sqrt(n_hidden), 1/sqrt(n_hidden))``
    (``recurrent_scale`` and ``input_scale`` then multiply ``W_hh`` and ``W_xh``).
    The readout ``W_hy`` has entries ``N(0, 1 / n_hidden)`` and ``b_y = 0``.
    ``layer_norm=True`` returns an :class:`LNRNNParams` with the same weights,
    drawn in the same order, and layer-norm gain 1 and bias 0.
    """
    if not isinstance(layer_norm, bool):
        raise TypeError(f"layer_norm must be True or False; got {layer_norm!r}")
    n_in = check_int("n_in", n_in, low=1)
    n_hidden = check_int("n_hidden", n_hidden, low=1)
    n_out = check_int("n_out", n_out, low=1)
    rng = check_generator("rng", rng)
    if scheme not in ("orthogonal", "uniform"):
        raise ValueError(f"scheme must be 'orthogonal' or 'uniform'; got {scheme!r}")
    recurrent_scale = check_real("recurrent_scale", recurrent_scale, low=0.0)
    input_scale = check_real("input_scale", input_scale, low=0.0)
    if scheme == "orthogonal":
        W_xh = rng.normal(0.0, input_scale / np.sqrt(n_in), (n_hidden, n_in))
        W_hh = recurrent_scale * random_orthogonal(n_hidden, rng)
        b_h = np.zeros(n_hidden)
    else:
        k = 1.0 / np.sqrt(n_hidden)
        W_xh = input_scale * rng.uniform(-k, k, (n_hidden, n_in))
        W_hh = recurrent_scale * rng.uniform(-k, k, (n_hidden, n_hidden))
        b_h = rng.uniform(-k, k, n_hidden)
    cls = LNRNNParams if layer_norm else RNNParams
    return cls(
        W_xh=W_xh,
        W_hh=W_hh,
        b_h=b_h,
        W_hy=rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (n_out, n_hidden)),
        b_y=np.zeros(n_out),
    )


def init_lstm(
    n_in: int,
    n_hidden: int,
    n_out: int,
    rng: np.random.Generator,
    *,
    scheme: str = "normal",
    forget_bias: float = 1.0,
    weight_scale: float = 1.0,
) -> LSTMParams:
    """A freshly initialised LSTM with the forget-gate bias set to ``forget_bias``.

    ``scheme="normal"``: weights ``N(0, weight_scale^2 / fan_in)`` (fan-in
    ``n_in`` for ``W_x``, ``n_hidden`` for ``W_h``) and zero biases.
    ``scheme="uniform"``: PyTorch's default for ``nn.LSTM``, weights and biases
    from ``U(-1/sqrt(n_hidden), 1/sqrt(n_hidden))`` (times ``weight_scale``
    for the weights).  Either way the forget-gate bias ``b_f`` is then set to
    ``forget_bias``: with the default 1 every forget gate starts near
    ``sigma(1) = 0.731`` (Jozefowicz et al. 2015, who note that the idea is
    already in Gers et al. 2000).
    """
    n_in = check_int("n_in", n_in, low=1)
    n_hidden = check_int("n_hidden", n_hidden, low=1)
    n_out = check_int("n_out", n_out, low=1)
    rng = check_generator("rng", rng)
    if scheme not in ("normal", "uniform"):
        raise ValueError(f"scheme must be 'normal' or 'uniform'; got {scheme!r}")
    forget_bias = check_real("forget_bias", forget_bias)
    weight_scale = check_real("weight_scale", weight_scale, low=0.0)
    if scheme == "normal":
        W_x = rng.normal(0.0, weight_scale / np.sqrt(n_in), (4 * n_hidden, n_in))
        W_h = rng.normal(0.0, weight_scale / np.sqrt(n_hidden), (4 * n_hidden, n_hidden))
        b = np.zeros(4 * n_hidden)
    else:
        k = 1.0 / np.sqrt(n_hidden)
        W_x = weight_scale * rng.uniform(-k, k, (4 * n_hidden, n_in))
        W_h = weight_scale * rng.uniform(-k, k, (4 * n_hidden, n_hidden))
        b = rng.uniform(-k, k, 4 * n_hidden)
    b[n_hidden : 2 * n_hidden] = forget_bias
    return LSTMParams(
        W_x=W_x,
        W_h=W_h,
        b=b,
        W_hy=rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (n_out, n_hidden)),
        b_y=np.zeros(n_out),
    )


# --------------------------------------------------------------------------
# Input checks shared by both cells
# --------------------------------------------------------------------------
def _check_sequence(xs, n_in: int) -> np.ndarray:
    xs = np.asarray(as_float_array("xs", xs), dtype=np.float64)
    if xs.ndim != 3 or xs.shape[0] < 1 or xs.shape[1] < 1:
        raise ValueError(f"xs must have shape (T, batch, n_in) with T, batch >= 1; got {xs.shape}")
    if xs.shape[2] != n_in:
        raise ValueError(f"xs must have n_in = {n_in} features in its last axis; got shape {xs.shape}")
    return xs


def _check_state(name, value, batch: int, n_hidden: int) -> np.ndarray:
    if value is None:
        return np.zeros((batch, n_hidden))
    value = np.asarray(as_float_array(name, value), dtype=np.float64)
    if value.shape != (batch, n_hidden):
        raise _shape_error(name, f"(batch, n_hidden) = ({batch}, {n_hidden})", value.shape)
    return value


def _check_external(name, value, T: int, batch: int, n_hidden: int) -> np.ndarray:
    """A gradient arriving from outside at h_0..h_T: shape (T + 1, batch, n_hidden)."""
    if value is None:
        return np.zeros((T + 1, batch, n_hidden))
    value = np.asarray(as_float_array(name, value), dtype=np.float64)
    if value.shape != (T + 1, batch, n_hidden):
        raise _shape_error(name, f"(T + 1, batch, n_hidden) = ({T + 1}, {batch}, {n_hidden})", value.shape)
    return value


def _sum_outer(a, b):
    """``sum_t a[t]^T b[t]`` for ``a`` of shape ``(T, batch, m)`` and ``b`` of shape ``(T, batch, k)``.

    One matrix product over the stacked steps: the same sum as
    ``np.einsum("tbi,tbj->ij", a, b)``, several times faster (BLAS).
    """
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])


def _sigmoid(z):
    # scipy's expit never overflows and never warns, for any finite z.
    return scipy.special.expit(z)


# --------------------------------------------------------------------------
# Readout and loss
# --------------------------------------------------------------------------
def readout_loss(W_hy, b_y, h, targets, loss: str = "cross_entropy"):
    """Loss of the readout ``y = W_hy h + b_y`` and its gradients.

    Returns ``(value, dh, dW_hy, db_y)``: the mean loss over the batch and its
    derivatives.  ``targets`` are integer labels in ``[0, n_out)`` of shape
    ``(batch,)`` for ``"cross_entropy"``, or an array of shape ``(batch, n_out)``
    for ``"mse"`` (loss ``||y - target||^2 / 2``).  The log-softmax subtracts
    the row maximum first, so no exponential overflows.
    """
    if loss not in READOUT_LOSSES:
        raise ValueError(f"loss must be one of {READOUT_LOSSES}; got {loss!r}")
    batch = h.shape[0]
    y = h @ W_hy.T + b_y
    if loss == "cross_entropy":
        value, dy = softmax_cross_entropy(y, targets)
    else:
        target = np.asarray(as_float_array("targets", targets), dtype=np.float64)
        if target.shape != y.shape:
            raise _shape_error("targets", f"(batch, n_out) = {y.shape}", target.shape)
        diff = y - target
        value = float(0.5 * np.sum(diff * diff) / batch)
        dy = diff / batch
    return value, dy @ W_hy, dy.T @ h, dy.sum(axis=0)


# --------------------------------------------------------------------------
# Vanilla RNN
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RNNCache:
    """What :func:`rnn_forward` keeps for the backward pass.

    ``hs`` has shape ``(T + 1, batch, n_hidden)`` with ``hs[0] = h_0`` and
    ``hs[t] = h_t``.
    """

    xs: np.ndarray
    hs: np.ndarray
    ln: tuple = ()  #: one LayerNormCache per step for an LNRNNParams, else empty


@dataclass
class RNNGradients(_Arrays):
    """Every gradient of one BPTT pass through a vanilla RNN.

    The parameter gradients have their parameter's shape; ``dh`` has shape
    ``(T + 1, batch, n_hidden)`` and ``dh[t]`` is ``dL/dh_t`` (``dh[0]`` is the
    gradient with respect to the initial state).
    """

    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    def parameter_arrays(self) -> list[np.ndarray]:
        """The five parameter gradients, in the order of :meth:`RNNParams.arrays`."""
        return self.arrays()[:5]


@dataclass
class LNRNNGradients(RNNGradients):
    """:class:`RNNGradients` plus the gradients of the layer-norm gain and bias."""

    ln_gain: np.ndarray = None
    ln_bias: np.ndarray = None

    def parameter_arrays(self) -> list[np.ndarray]:
        """The seven parameter gradients, in the order of :meth:`LNRNNParams.arrays`."""
        return [self.W_xh, self.W_hh, self.b_h, self.W_hy, self.b_y, self.ln_gain, self.ln_bias]


def rnn_forward(params: RNNParams, xs, h0=None) -> RNNCache:
    """Run the RNN over ``xs`` of shape ``(T, batch, n_in)``; return every hidden state."""
    if not isinstance(params, RNNParams):
        raise TypeError(f"params must be an RNNParams; got {type(params).__name__}")
    xs = _check_sequence(xs, params.n_in)
    T, batch, _ = xs.shape
    hs = np.empty((T + 1, batch, params.n_hidden))
    hs[0] = _check_state("h0", h0, batch, params.n_hidden)
    drive = xs @ params.W_xh.T + params.b_h  # the input part of every step at once
    W_hh_T = params.W_hh.T
    if isinstance(params, LNRNNParams):
        ln = []
        for t in range(T):
            z, c = _layer_norm_forward(hs[t] @ W_hh_T + drive[t], params.ln_gain, params.ln_bias, LN_EPS)
            hs[t + 1] = np.tanh(z)
            ln.append(c)
        return RNNCache(xs=xs, hs=hs, ln=tuple(ln))
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W_hh_T + drive[t])
    return RNNCache(xs=xs, hs=hs)


def rnn_backward(
    params: RNNParams, cache: RNNCache, dh_ext, *, dW_hy=None, db_y=None, truncate: int | None = None
) -> RNNGradients:
    """Backpropagation through time for the vanilla RNN.

    ``dh_ext`` (shape ``(T + 1, batch, n_hidden)``) is the gradient of the loss
    that reaches each ``h_t`` directly, not through later steps: for a loss
    on the last state only, every row but the last is zero.  The recursion is

        dL/dh_{t-1} = dh_ext[t-1] + W_hh^T [(1 - h_t^2) * dL/dh_t].

    ``truncate=k`` (chapter 9) is truncated BPTT in the form Williams and Peng
    (1990) call BPTT(k): the gradient injected at step ``s`` is sent back
    through at most ``k`` steps, to ``h_{s-k}``, and stops there, as if
    ``h_{s-k}`` were a constant (PyTorch: ``h.detach()``).  Steps further back
    get nothing from it, so a dependency longer than ``k`` steps gets no
    gradient at all.  ``dh[t]`` is then the truncated gradient that reaches
    ``h_t``; ``truncate >= T`` gives full BPTT.

    ``dW_hy`` and ``db_y`` are passed through (zeros if not given).
    """
    T, batch, _ = cache.xs.shape
    n = params.n_hidden
    ext = _check_external("dh_ext", dh_ext, T, batch, n)
    if truncate is not None:
        truncate = check_int("truncate", truncate, low=1)
    norm = isinstance(params, LNRNNParams)
    if norm and len(cache.ln) != T:
        raise ValueError("cache must come from rnn_forward with the same LNRNNParams")
    d_gain, d_bias = np.zeros(n), np.zeros(n)
    slope = 1.0 - cache.hs**2  # tanh' at every step at once: slope[t] = 1 - h_t^2

    def step_back(t, g):
        """The gradient at the pre-activation of step t, given dL/dh_t = g."""
        a = g * slope[t]
        if norm:
            a, dg, db = layer_norm_backward(a, cache.ln[t - 1])
            d_gain[:] += dg
            d_bias[:] += db
        return a

    if truncate is None or truncate >= T:
        dh = np.empty_like(cache.hs)
        da = np.empty((T, batch, n))
        dh[T] = ext[T]
        for t in range(T, 0, -1):
            a = da[t - 1] = step_back(t, dh[t])
            np.add(ext[t - 1], a @ params.W_hh, out=dh[t - 1])
    else:
        dh = np.zeros_like(cache.hs)
        da = np.zeros((T, batch, n))
        for s in range(T, -1, -1):  # each injected gradient travels back at most `truncate` steps
            g = ext[s]
            if not g.any():
                continue
            dh[s] += g
            for t in range(s, max(s - truncate, 0), -1):
                a = step_back(t, g)
                da[t - 1] += a
                g = a @ params.W_hh
                dh[t - 1] += g
    out = {
        "W_xh": _sum_outer(da, cache.xs),
        "W_hh": _sum_outer(da, cache.hs[:-1]),
        "b_h": da.sum(axis=(0, 1)),
        "W_hy": np.zeros_like(params.W_hy) if dW_hy is None else dW_hy,
        "b_y": np.zeros_like(params.b_y) if db_y is None else db_y,
        "dh": dh,
    }
    if norm:
        return LNRNNGradients(**out, ln_gain=d_gain, ln_bias=d_bias)
    return RNNGradients(**out)


def rnn_loss_and_gradients(
    params: RNNParams, xs, targets, *, loss: str = "cross_entropy", h0=None, truncate: int | None = None
):
    """``(loss, RNNGradients)`` for a loss on the readout of the last hidden state.

    ``truncate=k`` backpropagates only ``k`` steps (see :func:`rnn_backward`).
    """
    cache = rnn_forward(params, xs, h0)
    value, dh_T, dW_hy, db_y = readout_loss(params.W_hy, params.b_y, cache.hs[-1], targets, loss)
    ext = np.zeros_like(cache.hs)
    ext[-1] = dh_T
    return value, rnn_backward(params, cache, ext, dW_hy=dW_hy, db_y=db_y, truncate=truncate)


def rnn_jacobians(params: RNNParams, cache: RNNCache) -> np.ndarray:
    """The per-step Jacobians ``dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh``.

    For an :class:`LNRNNParams`, ``diag(1 - h_t^2) dLN/da W_hh`` with
    ``dLN/da = diag(gain) inv_std (I - 11^T/n - z_hat z_hat^T/n)``.

    Shape ``(T, batch, n_hidden, n_hidden)``; index ``t - 1`` holds step ``t``.
    """
    d = 1.0 - cache.hs[1:] ** 2  # (T, batch, n)
    if isinstance(params, LNRNNParams):
        # d LN(a)/da = diag(gain) inv_std (I - 11^T/n - z_hat z_hat^T/n), then times W_hh.
        n = params.n_hidden
        z_hat = np.stack([c.z_hat for c in cache.ln])  # (T, batch, n)
        inv_std = np.stack([c.inv_std for c in cache.ln])  # (T, batch, 1)
        centre = np.eye(n) - 1.0 / n - z_hat[..., :, None] * z_hat[..., None, :] / n
        scale = d * params.ln_gain * inv_std
        return scale[..., :, None] * (centre @ params.W_hh)
    return d[..., :, None] * params.W_hh


def jacobian_product_norms(jacobians) -> np.ndarray:
    """Spectral norms ``||dh_T/dh_t||_2`` for ``t = 0..T``, shape ``(T + 1, batch)``.

    ``jacobians`` has shape ``(T, batch, n, n)`` as from :func:`rnn_jacobians`;
    ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}`` and the entry for ``t = T`` is 1.
    """
    J = np.asarray(as_float_array("jacobians", jacobians), dtype=np.float64)
    if J.ndim != 4 or J.shape[-1] != J.shape[-2]:
        raise ValueError(f"jacobians must have shape (T, batch, n, n); got {J.shape}")
    T, batch, n, _ = J.shape
    products = np.empty((T, batch, n, n))  # products[t - 1] = dh_T/dh_{t-1}
    prod = np.broadcast_to(np.eye(n), (batch, n, n))
    for t in range(T, 0, -1):
        prod = products[t - 1] = prod @ J[t - 1]
    out = np.empty((T + 1, batch))
    out[:T] = np.linalg.norm(products, ord=2, axis=(2, 3))  # one batched SVD
    out[T] = 1.0
    return out


# --------------------------------------------------------------------------
# LSTM
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LSTMCache:
    """What :func:`lstm_forward` keeps: states and gates of every step.

    ``hs`` and ``cs`` have shape ``(T + 1, batch, n_hidden)`` (index 0 is the
    initial state); ``i, f, g, o`` have shape ``(T, batch, n_hidden)`` with
    index ``t - 1`` for step ``t``.
    """

    xs: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    tanh_c: np.ndarray  #: tanh(c_t) for t = 1..T, shape (T, batch, n_hidden)
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray


@dataclass
class LSTMGradients(_Arrays):
    """Every gradient of one BPTT pass through an LSTM.

    ``dh[t]`` is ``dL/dh_t`` with ``c_t`` held fixed and ``dc[t]`` is
    ``dL/dc_t`` with ``h_t`` held fixed, for ``t = 0..T`` (shape
    ``(T + 1, batch, n_hidden)``); the other fields have their parameter's shape.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray
    dc: np.ndarray

    def parameter_arrays(self) -> list[np.ndarray]:
        """The five parameter gradients, in the order of :meth:`LSTMParams.arrays`."""
        return self.arrays()[:5]


def lstm_forward(params: LSTMParams, xs, h0=None, c0=None) -> LSTMCache:
    """Run the LSTM over ``xs`` of shape ``(T, batch, n_in)``."""
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params must be an LSTMParams; got {type(params).__name__}")
    xs = _check_sequence(xs, params.n_in)
    T, batch, _ = xs.shape
    n = params.n_hidden
    hs = np.empty((T + 1, batch, n))
    cs = np.empty((T + 1, batch, n))
    hs[0] = _check_state("h0", h0, batch, n)
    cs[0] = _check_state("c0", c0, batch, n)
    gates = {k: np.empty((T, batch, n)) for k in "ifgo"}
    tanh_c = np.empty((T, batch, n))
    drive = xs @ params.W_x.T + params.b
    W_h_T = params.W_h.T
    for t in range(T):
        z = drive[t] + hs[t] @ W_h_T
        s = _sigmoid(z)  # the g slice is recomputed with tanh below
        i, f, o = s[:, :n], s[:, n : 2 * n], s[:, 3 * n :]
        g = np.tanh(z[:, 2 * n : 3 * n])
        cs[t + 1] = f * cs[t] + i * g
        tanh_c[t] = np.tanh(cs[t + 1])
        hs[t + 1] = o * tanh_c[t]
        for k, v in zip("ifgo", (i, f, g, o), strict=True):
            gates[k][t] = v
    return LSTMCache(xs=xs, hs=hs, cs=cs, tanh_c=tanh_c, **gates)


def lstm_backward(
    params: LSTMParams, cache: LSTMCache, dh_ext, dc_ext=None, *, dW_hy=None, db_y=None
) -> LSTMGradients:
    """Backpropagation through time for the LSTM.

    ``dh_ext`` and ``dc_ext`` (shape ``(T + 1, batch, n_hidden)``, ``dc_ext``
    optional) are the gradients that reach ``h_t`` and ``c_t`` directly.  With
    ``delta_c = dc[t] + dh[t] * o_t * (1 - tanh(c_t)^2)`` the gradient that
    reaches ``c_t`` by either route, one step back is

        dc[t-1] = dc_ext[t-1] + f_t * delta_c
        dh[t-1] = dh_ext[t-1] + W_h^T dz_t,

    where ``dz_t`` collects the gate pre-activation gradients
    ``(delta_c g_t i_t(1-i_t), delta_c c_{t-1} f_t(1-f_t), delta_c i_t (1-g_t^2),
    dh[t] tanh(c_t) o_t(1-o_t))``.  The first line is the cell-state path: a
    product of forget gates.
    """
    T, batch, _ = cache.xs.shape
    n = params.n_hidden
    eh = _check_external("dh_ext", dh_ext, T, batch, n)
    ec = _check_external("dc_ext", dc_ext, T, batch, n)
    dh = np.empty_like(cache.hs)
    dc = np.empty_like(cache.cs)
    dz = np.empty((T, batch, 4 * n))
    dh[T], dc[T] = eh[T], ec[T]
    for t in range(T, 0, -1):
        i, f, g, o = cache.i[t - 1], cache.f[t - 1], cache.g[t - 1], cache.o[t - 1]
        tanh_c = cache.tanh_c[t - 1]
        delta_c = dc[t] + dh[t] * o * (1.0 - tanh_c**2)
        dz[t - 1, :, :n] = delta_c * g * i * (1.0 - i)
        dz[t - 1, :, n : 2 * n] = delta_c * cache.cs[t - 1] * f * (1.0 - f)
        dz[t - 1, :, 2 * n : 3 * n] = delta_c * i * (1.0 - g**2)
        dz[t - 1, :, 3 * n :] = dh[t] * tanh_c * o * (1.0 - o)
        dc[t - 1] = ec[t - 1] + delta_c * f
        dh[t - 1] = eh[t - 1] + dz[t - 1] @ params.W_h
    return LSTMGradients(
        W_x=_sum_outer(dz, cache.xs),
        W_h=_sum_outer(dz, cache.hs[:-1]),
        b=dz.sum(axis=(0, 1)),
        W_hy=np.zeros_like(params.W_hy) if dW_hy is None else dW_hy,
        b_y=np.zeros_like(params.b_y) if db_y is None else db_y,
        dh=dh,
        dc=dc,
    )


def lstm_loss_and_gradients(
    params: LSTMParams, xs, targets, *, loss: str = "cross_entropy", h0=None, c0=None
):
    """``(loss, LSTMGradients)`` for a loss on the readout of the last hidden state."""
    cache = lstm_forward(params, xs, h0, c0)
    value, dh_T, dW_hy, db_y = readout_loss(params.W_hy, params.b_y, cache.hs[-1], targets, loss)
    ext = np.zeros_like(cache.hs)
    ext[-1] = dh_T
    return value, lstm_backward(params, cache, ext, dW_hy=dW_hy, db_y=db_y)
