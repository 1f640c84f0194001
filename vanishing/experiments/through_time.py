"""Chapter 9's experiments: gradients through time in a tanh RNN and an LSTM, and a memory task.

:func:`gradient_through_time` and :func:`lstm_cell_gradient_through_time`
measure how the gradient norm falls with the distance back in time (the
chapter's two widgets); :func:`recall_task` is a toy task that needs a
memory of ``length`` steps, and :func:`train_recall` trains either cell on it.
The networks themselves are in :mod:`vanishing.core.recurrent`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._checks import check_generator, check_int, check_real
from ..core.cache import frozen_cache
from ..core.losses import global_norm
from ..core.optimisers import Adam, Momentum
from ..core.recurrent import (
    LSTMParams,
    RNNParams,
    init_lstm,
    init_rnn,
    jacobian_product_norms,
    lstm_backward,
    lstm_forward,
    readout_loss,
    rnn_backward,
    rnn_forward,
    rnn_jacobians,
)
from ..core.training import clip_by_global_norm

__all__ = [
    "RecallHistory",
    "ThroughTime",
    "gradient_through_time",
    "lstm_cell_gradient_through_time",
    "recall_accuracy",
    "recall_task",
    "train_recall",
]


@dataclass(frozen=True)
class ThroughTime:
    """Gradient norms against the time step ``t = 0..T`` (arrays of length ``T + 1``).

    ``quantiles`` holds the 10 %, 50 % and 90 % points over the batch of
    sequences; ``reference`` is the curve to compare with: the bound
    ``scale^(T - t)`` for the RNN, the norm along the cell-state path alone
    (a product of forget gates) for the LSTM.
    """

    steps: np.ndarray
    quantiles: np.ndarray  #: (3, T + 1)
    reference: np.ndarray  #: (T + 1,)
    mean_gate: float = float("nan")  #: LSTM only: mean forget-gate value


def _unit_rows(rng, batch, n):
    v = rng.standard_normal((batch, n))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def gradient_through_time(
    weight_scale: float = 1.0,
    length: int = 50,
    *,
    n_hidden: int = 32,
    batch: int = 16,
    input_scale: float = 1.0,
    seed: int = 0,
) -> ThroughTime:
    """Chapter 9's first widget: ``||dh_T/dh_t||_2`` for a random tanh RNN.

    ``W_hh = weight_scale * Q`` with ``Q`` random orthogonal, so its largest
    singular value is ``weight_scale``; inputs are ``N(0, 1)`` with
    ``n_in = n_hidden``.  The reference curve is the bound
    ``weight_scale^(T - t)`` that holds because ``|tanh'| <= 1``.
    """
    weight_scale = check_real("weight_scale", weight_scale, low=0.0, low_open=True)
    length = check_int("length", length, low=1, high=1000)
    n_hidden = check_int("n_hidden", n_hidden, low=1)
    batch = check_int("batch", batch, low=1)
    input_scale = check_real("input_scale", input_scale, low=0.0)
    seed = check_int("seed", seed, low=0)
    return _gradient_through_time(weight_scale, length, n_hidden, batch, input_scale, seed)


@frozen_cache(maxsize=256)  # a twin's plot and its alt text ask for the same numbers
def _gradient_through_time(weight_scale, length, n_hidden, batch, input_scale, seed):
    rng = np.random.default_rng(seed)
    params = init_rnn(n_hidden, n_hidden, 1, rng, recurrent_scale=weight_scale, input_scale=input_scale)
    xs = rng.standard_normal((length, batch, n_hidden))
    cache = rnn_forward(params, xs)
    norms = jacobian_product_norms(rnn_jacobians(params, cache))
    steps = np.arange(length + 1)
    with np.errstate(under="ignore"):
        reference = weight_scale ** (length - steps).astype(float)
    quantiles = np.quantile(norms, (0.1, 0.5, 0.9), axis=1)
    return ThroughTime(steps=steps, quantiles=quantiles, reference=reference)


def lstm_cell_gradient_through_time(
    forget_bias: float = 1.0,
    length: int = 100,
    *,
    n_hidden: int = 32,
    batch: int = 16,
    seed: int = 0,
) -> ThroughTime:
    """Chapter 9's second widget: ``||(dc_T/dc_t)^T v||`` for a random LSTM.

    ``v`` is a random unit vector per sequence, sent back from ``c_T`` by
    :func:`lstm_backward` (all paths, through the gates too).  The reference
    is the median over the batch of ``||(f_T * ... * f_{t+1}) * v||``, the same
    gradient along the cell-state path alone.
    """
    forget_bias = check_real("forget_bias", forget_bias, low=-20.0, high=20.0)
    length = check_int("length", length, low=1, high=1000)
    n_hidden = check_int("n_hidden", n_hidden, low=1)
    batch = check_int("batch", batch, low=1)
    seed = check_int("seed", seed, low=0)
    return _lstm_cell_gradient_through_time(forget_bias, length, n_hidden, batch, seed)


@frozen_cache(maxsize=256)
def _lstm_cell_gradient_through_time(forget_bias, length, n_hidden, batch, seed):
    rng = np.random.default_rng(seed)
    params = init_lstm(n_hidden, n_hidden, 1, rng, forget_bias=forget_bias)
    xs = rng.standard_normal((length, batch, n_hidden))
    cache = lstm_forward(params, xs)
    v = _unit_rows(rng, batch, n_hidden)
    dc_ext = np.zeros_like(cache.cs)
    dc_ext[-1] = v
    grads = lstm_backward(params, cache, np.zeros_like(cache.hs), dc_ext)
    full = np.linalg.norm(grads.dc, axis=2)  # (T + 1, batch)
    # Direct path: v times the forget gates of steps t+1..T (reverse cumulative product).
    path = np.empty_like(cache.cs)
    path[-1] = v
    for t in range(length, 0, -1):
        path[t - 1] = path[t] * cache.f[t - 1]
    direct = np.median(np.linalg.norm(path, axis=2), axis=1)
    return ThroughTime(
        steps=np.arange(length + 1),
        quantiles=np.quantile(full, (0.1, 0.5, 0.9), axis=1),
        reference=direct,
        mean_gate=float(cache.f.mean()),
    )


# --------------------------------------------------------------------------
# A long-memory task and training
# --------------------------------------------------------------------------
def recall_task(n: int, length: int, rng: np.random.Generator, *, n_symbols: int = 4, n_distractors: int = 0):
    """The "recall the first symbol" task: ``(xs, labels)``.

    Each of the ``n`` sequences has ``length`` steps.  Step 1 shows one of
    ``n_symbols`` symbols (one-hot); steps 2..T show random distractor symbols
    from a separate set of ``n_distractors``.  The label is the first symbol:
    to answer at step T the network must carry it across ``T - 1`` steps and
    ignore everything after it.  ``xs`` has shape ``(length, n, n_symbols +
    n_distractors)``; chance accuracy is ``1 / n_symbols``.
    """
    n = check_int("n", n, low=1)
    length = check_int("length", length, low=1)
    rng = check_generator("rng", rng)
    n_symbols = check_int("n_symbols", n_symbols, low=2)
    n_distractors = check_int("n_distractors", n_distractors, low=0)
    xs = np.zeros((length, n, n_symbols + n_distractors))
    labels = rng.integers(0, n_symbols, n)
    xs[0, np.arange(n), labels] = 1.0
    if length > 1 and n_distractors > 0:
        noise = rng.integers(0, n_distractors, (length - 1, n)) + n_symbols
        xs[np.arange(1, length)[:, None], np.arange(n)[None, :], noise] = 1.0
    return xs, labels


@dataclass(frozen=True)
class RecallHistory:
    """What :func:`train_recall` recorded, one entry per training step.

    ``test_accuracy`` is measured on a fixed set of sequences after the last step.
    """

    cell: str
    length: int
    loss: np.ndarray
    accuracy: np.ndarray
    grad_norm: np.ndarray
    test_accuracy: float
    params: RNNParams | LSTMParams


def recall_accuracy(params, xs, labels) -> float:
    """Fraction of sequences whose largest readout is at the label (RNN or LSTM)."""
    cache = rnn_forward(params, xs) if isinstance(params, RNNParams) else lstm_forward(params, xs)
    y = cache.hs[-1] @ params.W_hy.T + params.b_y
    return float(np.mean(np.argmax(y, axis=1) == np.asarray(labels)))


def train_recall(
    cell: str,
    length: int,
    rng: np.random.Generator,
    *,
    n_hidden: int = 16,
    steps: int = 300,
    batch: int = 32,
    lr: float = 0.1,
    momentum: float = 0.9,
    optimizer: str = "sgd",
    clip_norm: float | None = 1.0,
    scheme: str | None = None,
    recurrent_scale: float = 1.0,
    forget_bias: float = 2.0,
    layer_norm: bool = False,
    n_symbols: int = 4,
    n_distractors: int = 0,
    n_test: int = 500,
) -> RecallHistory:
    """Train a vanilla RNN (``cell="rnn"``) or an LSTM (``cell="lstm"``) on :func:`recall_task`.

    Each step draws a fresh batch of ``batch`` sequences from ``rng``,
    computes the cross-entropy gradient by BPTT, clips it to ``clip_norm``
    with :func:`vanishing.core.training.clip_by_global_norm` (``None`` switches
    clipping off) and updates every parameter with SGD with momentum
    (``optimizer="sgd"``: ``v <- momentum v + g``, ``p <- p - lr v``) or with
    :class:`Adam` (``optimizer="adam"``).  ``scheme`` is passed to
    :func:`init_rnn` (default ``"uniform"``, PyTorch's default) or to
    :func:`init_lstm` (default ``"normal"``); ``recurrent_scale`` applies to
    the RNN and ``forget_bias`` to the LSTM.  ``layer_norm=True`` (RNN only)
    trains the layer-normalised tanh RNN of :class:`vanishing.core.recurrent.LNRNNParams`
    (chapter 9's "Layer normalisation inside the recurrence"): the same
    weights, drawn in the same order, plus a per-unit gain and bias that are
    trained with the rest.  ``grad_norm`` records the norm before clipping.
    """
    if cell not in ("rnn", "lstm"):
        raise ValueError(f"cell must be 'rnn' or 'lstm'; got {cell!r}")
    if not isinstance(layer_norm, bool):
        raise TypeError(f"layer_norm must be True or False; got {layer_norm!r}")
    if layer_norm and cell != "rnn":
        raise ValueError("layer_norm=True needs cell='rnn' (the library has no layer-normalised LSTM)")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd'; got {optimizer!r}")
    rng = check_generator("rng", rng)
    length = check_int("length", length, low=1)
    steps = check_int("steps", steps, low=0)
    batch = check_int("batch", batch, low=1)
    if clip_norm is not None:
        clip_norm = check_real("clip_norm", clip_norm, low=0.0, low_open=True)
    task = {"n_symbols": n_symbols, "n_distractors": n_distractors}
    n_in = n_symbols + n_distractors
    if cell == "rnn":
        params = init_rnn(
            n_in,
            n_hidden,
            n_symbols,
            rng,
            scheme=scheme or "uniform",
            recurrent_scale=recurrent_scale,
            layer_norm=layer_norm,
        )
        forward, backward = rnn_forward, rnn_backward
    else:
        params = init_lstm(n_in, n_hidden, n_symbols, rng, forget_bias=forget_bias, scheme=scheme or "normal")
        forward, backward = lstm_forward, lstm_backward
    arrays = params.arrays()
    opt = Adam(arrays, lr=lr) if optimizer == "adam" else Momentum(arrays, lr=lr, momentum=momentum)
    losses, accs, norms = np.empty(steps), np.empty(steps), np.empty(steps)
    for k in range(steps):
        xs, labels = recall_task(batch, length, rng, **task)
        cache = forward(params, xs)
        h_T = cache.hs[-1]
        value, dh_T, dW_hy, db_y = readout_loss(params.W_hy, params.b_y, h_T, labels)
        accs[k] = np.mean(np.argmax(h_T @ params.W_hy.T + params.b_y, axis=1) == labels)
        ext = np.zeros_like(cache.hs)
        ext[-1] = dh_T
        g = backward(params, cache, ext, dW_hy=dW_hy, db_y=db_y).parameter_arrays()
        norm = global_norm(g)
        if clip_norm is not None:
            g, _ = clip_by_global_norm(g, clip_norm)
        losses[k], norms[k] = value, norm
        opt.step(arrays, g)
    xs_test, labels_test = recall_task(n_test, length, rng, **task)
    return RecallHistory(
        cell=cell,
        length=length,
        loss=losses,
        accuracy=accs,
        grad_norm=norms,
        test_accuracy=recall_accuracy(params, xs_test, labels_test),
        params=params,
    )
