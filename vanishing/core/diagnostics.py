"""Diagnostics: per-layer measurements of a network, at initialisation or during training.

* :func:`profile`: the forward and backward statistics of a freshly
  initialised deep network, layer by layer (chapters 4, 6, 8 and 10);
* :func:`dead_fraction`: units whose input to the activation is ``<= 0`` for
  every example.  A ReLU unit in that state outputs 0 and receives no
  gradient: it is *dead* (chapter 6);
* :func:`per_layer_factor`: the typical factor by which one layer scales a
  signal (a gradient, a spread), the number every chapter reads off a
  depth profile;
* :func:`saturated_fraction`: how often a unit's slope ``f'`` is below a small
  fraction of the activation's largest slope (chapters 3, 4 and 10);
* :func:`layer_report` and :func:`network_report`: the per-layer picture a
  practitioner checks on a real network (the habits Karpathy teaches in
  "Building makemore, part 3"): the activations' and their gradients'
  distributions, the saturated and dead shares, and each weight matrix's
  gradient-to-data ratio.  :func:`layer_report` takes plain arrays, so the
  numbers can come from any framework (in PyTorch, a forward hook's outputs
  and their ``.grad`` after ``retain_grad()``, converted with
  ``.detach().numpy()``); :func:`network_report` measures the course's
  :class:`~vanishing.core.mlp.MLP`;
* :func:`update_ratio`: how far one optimiser step moved each array, relative
  to its size (``std(update) / std(array)``); over training it is the
  update-to-data ratio, which :func:`vanishing.core.training.train` records
  step by step with ``record_updates=True``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_generator, check_int, check_real
from .mlp import MLP

__all__ = [
    "InitProfile",
    "LayerReport",
    "dead_fraction",
    "layer_report",
    "network_report",
    "per_layer_factor",
    "profile",
    "saturated_fraction",
    "update_ratio",
]


@dataclass(frozen=True)
class InitProfile:
    """Per-layer statistics of one forward and backward pass at initialisation.

    Index ``l - 1`` is hidden layer ``l``; the linear output layer is left out.
    """

    layers: np.ndarray  #: 1..depth
    pre_std: np.ndarray  #: standard deviation of the pre-activations Z_l
    act_mean: np.ndarray  #: mean of the activations A_l
    act_std: np.ndarray  #: standard deviation of A_l
    delta_std: np.ndarray  #: standard deviation of dL/dZ_l (backward signal)
    grad_w_norm: np.ndarray  #: ||dL/dW_l||


def profile(
    activation,
    init: str,
    *,
    depth: int,
    width: int,
    rng: np.random.Generator,
    std: float | None = None,
    n_samples: int = 256,
    batch_norm: bool = False,
    layer_norm: bool = False,
) -> InitProfile:
    """Statistics of a ``depth``-hidden-layer network of constant ``width`` at initialisation.

    Inputs are standard normal, ``(n_samples, width)``, and biases are 0; the
    hidden layers may be followed by batch or layer normalisation (chapter 6).
    The backward pass starts from an error signal ``dL/dout`` that is standard
    normal noise, independent of the network's output (the targets of the
    squared loss are set to ``output - noise``), as the variance arguments of
    Glorot and Bengio (2010) and He et al. (2015) assume.  An error that
    contains the output itself (targets independent of it) correlates the
    backward signal with the forward one and biases its growth: for ReLU with
    He initialisation, 64 layers of width 256 then seem to amplify the
    gradient about 7-fold instead of about 1-fold.
    """
    depth = check_int("depth", depth, low=1)
    width = check_int("width", width, low=1)
    n_samples = check_int("n_samples", n_samples, low=2)
    rng = check_generator("rng", rng)
    net = MLP.initialise(
        [width] * (depth + 2), activation, init, rng, std=std, batch_norm=batch_norm, layer_norm=layer_norm
    )
    X = rng.normal(size=(n_samples, width))
    noise = rng.normal(size=(n_samples, width))
    # targets = output - noise, so that dL/dout is proportional to noise: one forward pass
    s = net.loss_and_gradients(X, lambda output: output - noise, "mse").stats
    hidden = slice(0, depth)
    return InitProfile(
        layers=np.arange(1, depth + 1),
        pre_std=s.pre_std[hidden],
        act_mean=s.act_mean[hidden],
        act_std=s.act_std[hidden],
        delta_std=s.delta_std[hidden],
        grad_w_norm=s.grad_w_norm[hidden],
    )


def dead_fraction(net: MLP, X) -> np.ndarray:
    """Per hidden layer, the fraction of units whose activation input is ``<= 0`` on every row of ``X``.

    For ReLU and ReLU6 such a unit outputs 0 for every input and passes back a
    gradient of exactly 0, so gradient descent on these inputs cannot revive
    it.  For Leaky ReLU, PReLU and ELU the same units still pass a reduced
    gradient; the measure then counts units that are *inactive*, not dead.
    """
    return np.array([np.mean(np.all(u <= 0, axis=0)) for u in net.hidden_inputs(X)])


def saturated_fraction(net: MLP, X, level: float = 0.01) -> np.ndarray:
    """Per hidden layer, the fraction of (example, unit) pairs whose slope ``|f'(u)|``
    is below ``level`` times the activation's largest slope (on ``[-20, 20]``).

    For the sigmoid (largest slope 1/4) the default flags ``|u| > 5.99``; for
    tanh (largest slope 1), ``|u| > 2.99``.  For ReLU it counts the inactive
    pairs, where the slope is exactly 0.
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True)
    threshold = level * net.activation.max_slope
    out = []
    for i, u in enumerate(net.hidden_inputs(X)):
        slope = np.abs(net._fprime(i, u))
        out.append(np.mean(slope < threshold))
    return np.array(out)


def per_layer_factor(start, end, layers: int) -> float:
    """The typical factor by which each of ``layers`` layers scales a signal that goes from ``start`` to ``end``.

    ``(end / start) ** (1 / layers)``, and for arrays (one entry per chain,
    example or seed) its geometric mean over the entries,
    ``exp(mean(log end - log start) / layers)``.  ``start`` and ``end`` must
    be positive and of the same shape.  Below 1 the signal shrinks layer by
    layer, above 1 it grows.
    """
    layers = check_int("layers", layers, low=1)
    a = np.asarray(as_float_array("start", start), dtype=np.float64)
    b = np.asarray(as_float_array("end", end), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"start and end must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0 or np.any(a <= 0) or np.any(b <= 0):
        raise ValueError("start and end must be non-empty and positive (a norm or a spread)")
    return float(np.exp(np.mean(np.log(b) - np.log(a)) / layers))


@dataclass(frozen=True)
class LayerReport:
    """Per hidden layer (index 0 = the first), what :func:`layer_report` measured.

    ``activations`` and ``gradients`` hold every value of the layer (flattened)
    for histograms; the arrays summarise them.  ``saturated`` and ``dead`` are
    ``None`` when no slopes were given, ``grad_to_data`` when no weights were.
    """

    activations: list[np.ndarray]  #: the values A_l, flattened
    gradients: list[np.ndarray]  #: the values dL/dA_l, flattened
    act_mean: np.ndarray
    act_std: np.ndarray
    grad_std: np.ndarray  #: standard deviation of dL/dA_l: how much gradient reaches the layer
    saturated: np.ndarray | None  #: share of (example, unit) pairs with |f'| < level * max |f'|
    dead: np.ndarray | None  #: share of units whose slope is 0 on every example
    grad_to_data: np.ndarray | None  #: std(dL/dW_l) / std(W_l)


def _arrays(name: str, values) -> list[np.ndarray]:
    if not isinstance(values, (list, tuple)) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty list of arrays, one per layer")
    return [np.asarray(as_float_array(f"{name}[{i}]", v), dtype=np.float64) for i, v in enumerate(values)]


def layer_report(
    activations,
    gradients,
    *,
    slopes=None,
    max_slope: float | None = None,
    weights=None,
    weight_grads=None,
    level: float = 0.01,
) -> LayerReport:
    """Summarise per-layer arrays from any network, one list entry per layer.

    ``activations[l]`` and ``gradients[l]`` (same shape) are a layer's outputs on
    a batch and the loss's gradient with respect to them.  Optional:
    ``slopes[l]``, the activation's slope ``f'`` at each of those units, with
    ``max_slope``, its largest possible value (1/4 for the sigmoid, 1 for tanh
    and ReLU), for the saturated and dead shares; ``weights[l]`` and
    ``weight_grads[l]`` for the gradient-to-data ratio.
    """
    acts = _arrays("activations", activations)
    grads = _arrays("gradients", gradients)
    if len(acts) != len(grads) or any(a.shape != g.shape for a, g in zip(acts, grads, strict=True)):
        raise ValueError("activations and gradients must list arrays of the same shapes, layer by layer")
    level = check_real("level", level, low=0.0, high=1.0, low_open=True)
    saturated = dead = None
    if slopes is not None:
        if max_slope is None:
            raise ValueError("max_slope (the activation's largest slope) must be given with slopes")
        max_slope = check_real("max_slope", max_slope, low=0.0, low_open=True)
        sl = [np.abs(s) for s in _arrays("slopes", slopes)]
        if [s.shape for s in sl] != [a.shape for a in acts]:
            raise ValueError("slopes must have the shapes of the activations, layer by layer")
        saturated = np.array([np.mean(s < level * max_slope) for s in sl])
        dead = np.array([np.mean(np.all(s.reshape(len(s), -1) == 0, axis=0)) for s in sl])
    ratio = None
    if (weights is None) != (weight_grads is None):
        raise ValueError("weights and weight_grads must be given together")
    if weights is not None:
        ws, gs = _arrays("weights", weights), _arrays("weight_grads", weight_grads)
        if [w.shape for w in ws] != [g.shape for g in gs]:
            raise ValueError("weight_grads must have the shapes of the weights, layer by layer")
        ratio = np.array([g.std() / w.std() if w.std() > 0 else np.inf for w, g in zip(ws, gs, strict=True)])
    return LayerReport(
        activations=[a.ravel() for a in acts],
        gradients=[g.ravel() for g in grads],
        act_mean=np.array([a.mean() for a in acts]),
        act_std=np.array([a.std() for a in acts]),
        grad_std=np.array([g.std() for g in grads]),
        saturated=saturated,
        dead=dead,
        grad_to_data=ratio,
    )


def network_report(net: MLP, X, targets, loss: str = "cross_entropy", *, level: float = 0.01) -> LayerReport:
    """:func:`layer_report` of the course's network on one batch (hidden layers only).

    Slopes come from the network's activation (PReLU's learned ones included),
    the ratio from each hidden layer's weight matrix and its gradient.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a vanishing.core.mlp.MLP; got {type(net).__name__}")
    acts, d_acts = net.activations_and_gradients(X, targets, loss)
    slopes = [net._fprime(i, u) for i, u in enumerate(net.hidden_inputs(X, training=True))]
    grads = net.loss_and_gradients(X, targets, loss)
    n_hidden = len(acts)
    return layer_report(
        acts,
        d_acts,
        slopes=slopes,
        max_slope=net.activation.max_slope
        if net.alphas is None
        else max(1.0, *(np.abs(a).max() for a in net.alphas)),
        weights=net.weights[:n_hidden],
        weight_grads=grads.weights[:n_hidden],
        level=level,
    )


def update_ratio(before, after) -> np.ndarray:
    """``std(after - before) / std(before)`` for each pair of arrays: how far one step moved them.

    Over training this is the *update-to-data ratio*.  A rule of thumb from
    practice (Karpathy, "Building makemore, part 3") is that it sits near
    10^-3 for a well-set learning rate: far below, a layer barely learns (the
    signature of a vanishing gradient); far above, it is being overwritten.
    """
    b, a = _arrays("before", before), _arrays("after", after)
    if [x.shape for x in b] != [x.shape for x in a]:
        raise ValueError("before and after must list arrays of the same shapes")
    return np.array([(y - x).std() / x.std() if x.std() > 0 else np.inf for x, y in zip(b, a, strict=True)])
