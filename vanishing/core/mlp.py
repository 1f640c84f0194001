"""A fully connected network in numpy, with exact gradients and per-layer statistics.

Hidden layer ``l`` (``l = 1..L-1``) maps a batch ``A_{l-1}`` of shape
``(batch, n_{l-1})`` to

    Z_l = A_{l-1} @ W_l + b_l,     A_l = f(Z_l),

and the last layer is linear: its ``Z_L`` are the outputs (regression
targets for ``"mse"``, logits for ``"cross_entropy"``).  Weights are
``(n_in, n_out)`` arrays, biases vectors of length ``n_out``.

Four options change the hidden layers, each taught in a later chapter:

* ``batch_norm=True`` standardises ``Z_l`` over the batch before ``f`` and
  rescales it with learned ``gamma_l``, ``beta_l``
  (:mod:`vanishing.core.normalisation`; chapters 6 and 12);
* ``layer_norm=True`` does the same over each example's units instead of
  over the batch (Ba et al. 2016): the same in training and evaluation;
* ``residual=True`` adds the layer's input to its output,
  ``A_l = A_{l-1} + f(Z_l)``, in every hidden layer whose input and output
  widths agree (chapter 12);
* the activation ``"prelu"`` gets one learned slope per hidden unit, initialised
  at the activation's ``alpha`` (He et al. 2015, the channel-wise variant;
  chapter 7).

Chapter 3 uses the network to show the first layers of a deep sigmoid network
learning far more slowly than the last; chapters 4-7, 10 and 12 build on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import _reduce
from . import activations as _act
from ._checks import as_float_array, check_int, check_real
from .initialisation import init_weights
from .losses import LOSSES, output_loss
from .normalisation import batch_norm_backward, batch_norm_forward, layer_norm_backward, layer_norm_forward

__all__ = ["Gradients", "LayerStats", "MLP", "numerical_gradients"]


@dataclass(frozen=True)
class LayerStats:
    """Per-layer summaries of one forward and backward pass, index 0 = first layer."""

    pre_mean: np.ndarray  #: mean of Z_l = A_{l-1} W_l + b_l over batch and units
    pre_std: np.ndarray  #: standard deviation of Z_l
    act_mean: np.ndarray  #: mean of A_l (for the linear last layer, of Z_L)
    act_std: np.ndarray  #: standard deviation of A_l
    grad_w_norm: np.ndarray  #: Frobenius norm of dL/dW_l
    grad_b_norm: np.ndarray  #: Euclidean norm of dL/db_l
    delta_std: np.ndarray  #: standard deviation of dL/dZ_l, the signal backpropagation carries


@dataclass(frozen=True)
class Gradients:
    """The loss on a batch, the gradient of every parameter, and layer statistics.

    ``alphas``, ``gammas`` and ``betas`` are ``None`` unless the network has
    learned PReLU slopes or batch normalisation; ``batch_means`` and
    ``batch_vars`` are the batch statistics batch normalisation used (for the
    running averages that :meth:`MLP.forward` uses at evaluation).
    """

    loss: float
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    alphas: list[np.ndarray] | None = None
    gammas: list[np.ndarray] | None = None
    betas: list[np.ndarray] | None = None
    batch_means: list[np.ndarray] | None = None
    batch_vars: list[np.ndarray] | None = None
    _stats: Callable[[], LayerStats] | None = field(default=None, repr=False, compare=False)

    @property
    def stats(self) -> LayerStats:
        """Per-layer statistics of the pass, computed on first access and kept."""
        if not isinstance(self._stats, LayerStats):
            if self._stats is None:
                raise ValueError("these gradients were built without layer statistics")
            object.__setattr__(self, "_stats", self._stats())
        return self._stats

    def as_list(self) -> list[np.ndarray]:
        """Every gradient, in the order of :meth:`MLP.parameters`."""
        return _in_parameter_order(self)


class MLP:
    """A fully connected network with one activation for every hidden layer.

    Build one with :meth:`initialise`, or pass your own ``weights`` (list of
    ``(n_in, n_out)`` arrays) and ``biases`` (list of vectors).  Parameters
    are float64 and are used as given (not copied), so a training loop can
    update them in place.  See the module docstring for ``batch_norm``,
    ``layer_norm``, ``residual`` and PReLU's learned slopes.
    """

    def __init__(
        self, weights, biases, activation="relu", *, batch_norm=False, layer_norm=False, residual=False
    ):
        self.weights, self.biases = _checked_layers(weights, biases)
        self.activation = _act.get(activation)
        self.batch_norm = _flag("batch_norm", batch_norm)
        self.layer_norm = _flag("layer_norm", layer_norm)
        if self.batch_norm and self.layer_norm:
            raise ValueError("batch_norm and layer_norm are alternatives: set at most one to True")
        self.residual = _flag("residual", residual)
        hidden = [w.shape[1] for w in self.weights[:-1]]
        #: PReLU's learned slopes, one vector per hidden layer (None otherwise).
        self.alphas = (
            [np.full(n, self.activation.params["alpha"]) for n in hidden]
            if self.activation.name == "prelu"
            else None
        )
        #: The normalisation's scale and shift (batch or layer), and batch
        #: normalisation's running statistics for evaluation.
        normalised = self.batch_norm or self.layer_norm
        self.gammas = [np.ones(n) for n in hidden] if normalised else None
        self.betas = [np.zeros(n) for n in hidden] if normalised else None
        self.running_means = [np.zeros(n) for n in hidden] if self.batch_norm else None
        self.running_vars = [np.ones(n) for n in hidden] if self.batch_norm else None

    @classmethod
    def initialise(
        cls, sizes, activation, init, rng, *, std=None, batch_norm=False, layer_norm=False, residual=False
    ):
        """A network with layer widths ``sizes`` (input first), zero biases,
        and weights drawn by :func:`init_weights`."""
        sizes = [check_int("sizes[i]", s, low=1) for s in sizes]
        if len(sizes) < 2:
            raise ValueError("sizes must list at least an input and an output width")
        weights = [init_weights(m, n, init, rng, std=std) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
        biases = [np.zeros(n) for n in sizes[1:]]
        return cls(
            weights, biases, activation, batch_norm=batch_norm, layer_norm=layer_norm, residual=residual
        )

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    def parameters(self) -> list[np.ndarray]:
        """Every trainable array: weights, biases, then PReLU slopes, gammas, betas."""
        return _in_parameter_order(self)

    def _has_skip(self, i: int) -> bool:
        w = self.weights[i]
        return self.residual and i < len(self.weights) - 1 and w.shape[0] == w.shape[1]

    def _check_inputs(self, X):
        X = np.asarray(as_float_array("X", X), dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (batch, {self.sizes[0]}); got {X.shape}")
        return X

    def _f(self, i, u):
        if self.alphas is not None:
            return np.where(u > 0, u, self.alphas[i] * u)
        return self.activation._kernel(u)

    def _fprime(self, i, u):
        if self.alphas is not None:
            return np.where(u > 0, 1.0, self.alphas[i])
        return self.activation._kernel_derivative(u)

    def _forward_all(self, X, training, slope_cache=None):
        """Pre-activations Z, inputs U of f, activations A and batch-norm caches.

        ``slope_cache``, a list, receives per hidden layer what :meth:`_slope_times`
        can reuse from computing f (the sigmoid's ``exp(-|u|)``; None otherwise).
        """
        zs, us, acts, caches = [], [], [X], []
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = acts[-1] @ w
            z += b  # in place: the same sum as ``acts[-1] @ w + b``, without a temporary
            zs.append(z)
            if i == last:
                acts.append(z)
                break
            if self.batch_norm and training:
                u, cache = batch_norm_forward(z, self.gammas[i], self.betas[i])
                caches.append(cache)
            elif self.batch_norm:
                u = self.gammas[i] * (z - self.running_means[i]) / np.sqrt(self.running_vars[i] + 1e-5)
                u = u + self.betas[i]
            elif self.layer_norm:
                u, cache = layer_norm_forward(z, self.gammas[i], self.betas[i])
                caches.append(cache)
            else:
                u = z
            us.append(u)
            spec = self.activation._spec if self.alphas is None else None
            if spec is _SIGMOID:
                h, shared = _sigmoid_and_exp(u)
            else:
                h, shared = self._f(i, u), None
            if slope_cache is not None:
                slope_cache.append(shared)
            if self._has_skip(i):
                if spec in _OWN_OUTPUT:
                    h += acts[-1]  # f gave a fresh array: the same sum as ``acts[-1] + h``, in place
                else:
                    h = acts[-1] + h
            acts.append(h)
        return zs, us, acts, caches

    def _slope_times(self, i, u, d_out, shared, overwrite):
        """``d_out * f'(u)`` for hidden layer ``i``, bit for bit, with fewer temporaries.

        ``shared`` is what the forward pass left in its slope cache; with
        ``overwrite`` the result may be written into ``d_out``.
        """
        if self.alphas is None:
            spec = self.activation._spec
            if spec is _RELU:
                # d_out * where(u > 0, 1.0, 0.0): multiplying by the mask is the same product.
                return np.multiply(d_out, u > 0, out=d_out if overwrite else None)
            out = d_out if overwrite else None
            if spec is _SIGMOID and shared is not None:
                return _sigmoid_slope_times(shared, d_out, out)
            if spec is _TANH:
                return _tanh_slope_times(u, d_out, out)
        return d_out * self._fprime(i, u)

    def forward(self, X, *, training: bool = False) -> np.ndarray:
        """Network outputs (linear last layer), shape ``(batch, n_out)``.

        With batch normalisation, ``training=False`` (the default) uses the
        running averages of the batch statistics that training recorded, as the
        frameworks do at evaluation; ``training=True`` uses the batch's own.
        """
        return self._forward_all(self._check_inputs(X), training)[2][-1]

    def hidden_inputs(self, X, *, training: bool = False) -> list[np.ndarray]:
        """What each hidden layer feeds into its activation function (``Z_l``, or
        its normalised version), shape ``(batch, n_l)`` each.  A ReLU unit
        is dead on ``X`` when its column is ``<= 0`` everywhere."""
        return self._forward_all(self._check_inputs(X), training)[1]

    def activations_and_gradients(self, X, targets, loss: str = "mse") -> tuple[list, list]:
        """``(A, dA)``: each hidden layer's activations ``A_l`` and the loss's gradient
        ``dL/dA_l`` with respect to them, on one batch (normalisation in training mode).

        The two lists a diagnostic histogram needs (:mod:`vanishing.core.diagnostics`),
        shape ``(batch, n_l)`` each, hidden layers only.
        """
        X = self._check_inputs(X)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
        shared = []
        _, us, acts, caches = self._forward_all(X, training=True, slope_cache=shared)
        _, delta = output_loss(loss, acts[-1], targets)
        grads = self._backward(us, acts, caches, delta, shared, keep_activation_grads=True)
        return acts[1:-1], grads["activation_grads"]

    def update_running_stats(self, grads: Gradients, momentum: float = 0.1) -> None:
        """Blend one batch's statistics into the running averages (PyTorch's rule)."""
        if not self.batch_norm:
            return
        momentum = check_real("momentum", momentum, low=0.0, high=1.0)
        for i, (m, v) in enumerate(zip(grads.batch_means, grads.batch_vars, strict=True)):
            self.running_means[i] = (1 - momentum) * self.running_means[i] + momentum * m
            self.running_vars[i] = (1 - momentum) * self.running_vars[i] + momentum * v

    def loss_and_gradients(self, X, targets, loss: str = "mse") -> Gradients:
        """Loss on the batch and the exact gradient of every parameter.

        ``loss="mse"``: mean over all entries of ``(output - targets)**2``,
        targets of shape ``(batch, n_out)``.  ``loss="cross_entropy"``: mean
        softmax cross-entropy, targets are integer class labels of shape
        ``(batch,)`` (both from :mod:`vanishing.core.losses`).  Batch
        normalisation, if any, runs in training mode (batch statistics).  The
        per-layer statistics (:attr:`Gradients.stats`) are computed only when
        read.

        ``targets`` may also be a function of the outputs that returns the
        targets, for targets that depend on the outputs: it is called once with
        the ``(batch, n_out)`` outputs of this very pass (do not modify them),
        which saves the second forward pass that ``net.forward(X, training=True)``
        would cost.  :func:`vanishing.core.diagnostics.profile` sets
        ``targets = outputs - noise`` so.
        """
        X = self._check_inputs(X)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
        shared = []
        zs, us, acts, caches = self._forward_all(X, training=True, slope_cache=shared)
        if callable(targets):
            targets = targets(acts[-1])
        value, delta = output_loss(loss, acts[-1], targets)
        grads = self._backward(us, acts, caches, delta, shared)
        del grads["activation_grads"]
        grads["batch_means"] = [c.mean for c in caches] if self.batch_norm else None
        grads["batch_vars"] = [c.var for c in caches] if self.batch_norm else None
        deltas = grads.pop("deltas")
        err = np.geterr()
        if err["over"] == "raise" or err["invalid"] == "raise":
            # Under a raising errstate (train's), an overflowing dL/dZ must stop the
            # step here, before any update, as it always has: take its std now.
            deltas = np.array([_reduce.std(d) for d in deltas])
        return Gradients(value, **grads, _stats=lambda: _layer_stats(zs, acts, grads, deltas))

    def _backward(self, us, acts, caches, delta, shared, *, keep_activation_grads=False) -> dict:
        """Walk back from the output, given ``delta = dL/dZ`` of the linear output layer.

        ``d_out`` is dL/dA_{i+1}, the gradient with respect to layer i's
        output; ``delta`` is dL/dZ_i.  ``shared`` is the forward pass's slope
        cache (its entries are dropped once used).  Unless
        ``keep_activation_grads``, each ``d_out`` may be overwritten once used,
        and ``activation_grads`` is not filled in.  ``deltas`` keeps every
        ``dL/dZ_i`` for the statistics, read only if asked for.
        """
        n_layers = len(self.weights)
        n_hidden = n_layers - 1
        grad_w, grad_b = [None] * n_layers, [None] * n_layers
        grad_alpha = [None] * n_hidden if self.alphas is not None else None
        normalised = self.batch_norm or self.layer_norm
        grad_gamma = [None] * n_hidden if normalised else None
        grad_beta = [None] * n_hidden if normalised else None
        deltas = [None] * n_layers
        activation_grads = [None] * n_hidden
        d_out = None
        for i in range(n_layers - 1, -1, -1):
            skip = self._has_skip(i)
            if i < n_layers - 1:
                u = us[i]
                if keep_activation_grads:
                    activation_grads[i] = d_out
                if grad_alpha is not None:
                    grad_alpha[i] = np.sum(d_out * np.where(u > 0, 0.0, u), axis=0)
                # d_out is still needed after this step only by a skip connection.
                overwrite = not (keep_activation_grads or skip)
                d_u = self._slope_times(i, u, d_out, shared[i], overwrite)
                shared[i] = None
                if self.batch_norm:
                    delta, grad_gamma[i], grad_beta[i] = batch_norm_backward(d_u, caches[i])
                elif self.layer_norm:
                    delta, grad_gamma[i], grad_beta[i] = layer_norm_backward(d_u, caches[i])
                else:
                    delta = d_u
            grad_w[i] = acts[i].T @ delta
            grad_b[i] = delta.sum(axis=0)
            deltas[i] = delta
            if i:
                d_in = delta @ self.weights[i].T
                # A_{i+1} = A_i + f(.): the skip hands dL/dA_{i+1} to A_i unchanged.
                if skip:
                    d_in += d_out  # in place: the same sum as ``d_in + d_out``
                d_out = d_in
        return {
            "weights": grad_w,
            "biases": grad_b,
            "alphas": grad_alpha,
            "gammas": grad_gamma,
            "betas": grad_beta,
            "deltas": deltas,
            "activation_grads": activation_grads,
        }


def _in_parameter_order(obj) -> list[np.ndarray]:
    """Weights, biases, then PReLU slopes, gammas and betas where present: the order of
    :meth:`MLP.parameters`, shared by a network and its :class:`Gradients`."""
    out = [*obj.weights, *obj.biases]
    for extra in (obj.alphas, obj.gammas, obj.betas):
        if extra is not None:
            out.extend(extra)
    return out


def _checked_layers(weights, biases) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``weights`` and ``biases`` as float64 arrays whose shapes chain, or a ValueError naming the first misfit."""
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError("weights and biases must be non-empty lists of the same length")
    ws = [np.asarray(as_float_array(f"weights[{i}]", w), dtype=np.float64) for i, w in enumerate(weights)]
    bs = [np.asarray(as_float_array(f"biases[{i}]", b), dtype=np.float64) for i, b in enumerate(biases)]
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        if w.ndim != 2:
            raise ValueError(f"weights[{i}] must be a 2-D (n_in, n_out) array; got shape {w.shape}")
        if b.shape != (w.shape[1],):
            raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},); got {b.shape}")
        if i and w.shape[0] != ws[i - 1].shape[1]:
            raise ValueError(
                f"weights[{i}] must have {ws[i - 1].shape[1]} rows to follow weights[{i - 1}]; got {w.shape[0]}"
            )
    return ws, bs


def _flag(name: str, flag) -> bool:
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {flag!r}")
    return bool(flag)


_RELU, _SIGMOID, _TANH = (_act._SPECS[name] for name in ("relu", "sigmoid", "tanh"))
#: Activations whose f returns a new array, which the forward pass may then add to in place.
_OWN_OUTPUT = (_RELU, _SIGMOID, _TANH)


_SCRATCH = threading.local()


def _scratch(slot: int, like: np.ndarray) -> np.ndarray:
    """A reusable array shaped like ``like``, private to this thread: one per ``slot``.

    For temporaries that never leave a function.  A fresh array of a batch's
    size costs more in page faults than the arithmetic done in it.
    """
    pool = _SCRATCH.__dict__.setdefault("arrays", {})
    key = (slot, like.shape, like.dtype)
    if key not in pool:
        if len(pool) > 8:
            pool.clear()  # shapes changed: let the old buffers go
        pool[key] = np.empty_like(like)
    return pool[key]


def _sigmoid_and_exp(u):
    """``(sigmoid(u), exp(-|u|))``: the activation's own formula, keeping the exponential
    that its derivative needs too (the same operations, so the same bits)."""
    e = np.abs(u)
    np.negative(e, out=e)
    np.exp(e, out=e)
    h = np.where(u >= 0, 1.0, e)
    return np.divide(h, np.add(1.0, e, out=_scratch(0, e)), out=h), e


def _sigmoid_slope_times(e, d_out, out):
    """``d_out * e / (1 + e)**2`` from ``e = exp(-|u|)``: sigmoid'(u) as :mod:`activations`
    computes it, times ``d_out``; ``e`` is used up, the result goes to ``out`` (None: new)."""
    den = np.add(1.0, e, out=_scratch(0, e))
    np.square(den, out=den)
    np.divide(e, den, out=e)
    return np.multiply(e, d_out, out=out)


def _tanh_slope_times(u, d_out, out):
    """``d_out * 4 e / (1 + e)**2`` with ``e = exp(-2|u|)``: tanh'(u) as :mod:`activations`
    computes it, times ``d_out``, into ``out`` (None: a new array)."""
    e = np.abs(u, out=_scratch(1, u))
    e *= -2.0
    np.exp(e, out=e)
    den = np.add(1.0, e, out=_scratch(0, u))
    np.square(den, out=den)
    e *= 4.0
    np.divide(e, den, out=e)
    return np.multiply(e, d_out, out=out)


def _layer_stats(zs, acts, grads, deltas) -> LayerStats:
    """The statistics of one pass; ``deltas`` is every layer's dL/dZ, or their stds already taken."""
    return LayerStats(
        pre_mean=np.array([_reduce.mean(z) for z in zs]),
        pre_std=np.array([_reduce.std(z) for z in zs]),
        act_mean=np.array([_reduce.mean(a) for a in acts[1:]]),
        act_std=np.array([_reduce.std(a) for a in acts[1:]]),
        grad_w_norm=np.array([np.linalg.norm(g) for g in grads["weights"]]),
        grad_b_norm=np.array([np.linalg.norm(g) for g in grads["biases"]]),
        delta_std=deltas if isinstance(deltas, np.ndarray) else np.array([_reduce.std(d) for d in deltas]),
    )


def numerical_gradients(net: MLP, X, targets, loss: str = "mse", *, h: float = 1e-6, params=None):
    """Central differences ``(L(p + h) - L(p - h)) / (2h)`` for every entry of every array.

    ``params`` is a list of ``net``'s own arrays (default: ``net.parameters()``,
    in that order, to compare with :meth:`Gradients.as_list`).  Each entry is
    moved and restored in place.  This is the independent check every
    back-propagated gradient in the course is held to: it uses nothing but the
    loss.  Its error is about ``h**2`` times the third derivative from
    truncation plus ``eps * |L| / h`` from rounding, near ``1e-10`` here.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    h = check_real("h", h, low=0.0, low_open=True)
    params = net.parameters() if params is None else list(params)
    own = {id(p) for p in net.parameters()}
    if any(id(p) not in own for p in params):
        raise ValueError("params must be arrays of net itself (from net.parameters())")
    out = []
    for p in params:
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            keep = p[idx]
            p[idx] = keep + h
            up = net.loss_and_gradients(X, targets, loss).loss
            p[idx] = keep - h
            down = net.loss_and_gradients(X, targets, loss).loss
            p[idx] = keep
            g[idx] = (up - down) / (2 * h)
        out.append(g)
    return out
