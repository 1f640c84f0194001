"""Weight initialisation: the vocabulary of schemes, and the variance each one sets.

A layer ``Z = A W`` with ``n_in`` inputs, independent zero-mean weights of
variance ``Var(w)`` and inputs of second moment ``E[a^2]`` gives each
pre-activation the variance ``n_in Var(w) E[a^2]``; backpropagation multiplies
the variance of ``dL/dA`` by ``n_out Var(w) E[f'(z)^2]`` per layer.  The
schemes choose ``Var(w)`` so that one of these gains is 1 (Xavier: so that
their average is 1):

=================  ====================  ==========================================
scheme             Var(w)                source
=================  ====================  ==========================================
``lecun_normal``   1 / n_in              LeCun et al. (1998), used with SELU
``xavier_*``       2 / (n_in + n_out)    Glorot and Bengio (2010), for tanh
``he_*``           2 / n_in              He et al. (2015), for ReLU
``torch_default``  1 / (3 n_in)          PyTorch's ``nn.Linear`` when nothing is set
``normal``         std^2, given          the "small random numbers" of old
=================  ====================  ==========================================

**What a framework does when you set nothing.**  Readers train with PyTorch's
defaults, which are not the schemes above: ``nn.Linear`` draws weights and
biases from U(-1/sqrt(n_in), 1/sqrt(n_in)) (:func:`torch_linear_bound`), a third
of LeCun's variance and a sixth of He's; ``nn.init.calculate_gain`` scales
Xavier or He by a gain per activation (:func:`torch_gain`: 5/3 for tanh, 3/4
for SELU); ``nn.LSTM`` draws every weight and bias from
U(-1/sqrt(hidden), 1/sqrt(hidden)), with no positive forget-gate bias
(:func:`torch_lstm_bound`).  The tests check each against PyTorch itself.

:data:`INITIALISERS` names them, and :func:`parse_init` reads a label such as
``"he_normal"`` or ``"normal(0.01)"`` (the small normal weights of old); :func:`init_weights` draws a matrix and
:func:`weight_variance` gives the variance it is drawn with.  Every network in
the course (:class:`vanishing.core.mlp.MLP`, the chains' experiments) draws
its weights here.  What the schemes do to a deep network is measured by
:func:`vanishing.core.diagnostics.profile`.
"""

from __future__ import annotations

import re

import numpy as np

from ._checks import check_generator, check_int, check_real

__all__ = [
    "INITIALISERS",
    "TORCH_GAINS",
    "init_weights",
    "parse_init",
    "torch_gain",
    "torch_linear_bound",
    "torch_lstm_bound",
    "weight_variance",
]

#: Initialisation schemes :func:`init_weights` understands.
INITIALISERS = (
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "torch_default",
)

#: ``torch.nn.init.calculate_gain``'s gains, as its documentation tabulates them
#: (``leaky_relu``'s depends on its slope: :func:`torch_gain`).
TORCH_GAINS = {
    "linear": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": float(np.sqrt(2.0)),
    "selu": 3.0 / 4.0,
}


def torch_gain(nonlinearity: str, negative_slope: float = 0.01) -> float:
    """What ``torch.nn.init.calculate_gain(nonlinearity, negative_slope)`` returns.

    ``leaky_relu`` gets ``sqrt(2 / (1 + negative_slope**2))``, the He et al.
    (2015) gain for a rectifier with that slope (PyTorch's default slope is 0.01).
    Xavier's and He's schemes multiply their standard deviation by it.
    """
    if nonlinearity == "leaky_relu":
        slope = check_real("negative_slope", negative_slope)
        return float(np.sqrt(2.0 / (1.0 + slope**2)))
    if nonlinearity not in TORCH_GAINS:
        raise ValueError(f"nonlinearity must be one of {(*TORCH_GAINS, 'leaky_relu')}; got {nonlinearity!r}")
    return TORCH_GAINS[nonlinearity]


def torch_linear_bound(n_in: int) -> float:
    """``1/sqrt(n_in)``: ``nn.Linear(n_in, n_out)`` draws weights and biases from U(-b, b).

    PyTorch initialises the weights with ``kaiming_uniform_(a=sqrt(5))``, whose
    bound ``sqrt(6 / ((1 + a^2) n_in))`` is ``1/sqrt(n_in)``, and the biases
    from the same interval.  The weights' variance is ``b^2 / 3 = 1/(3 n_in)``.
    """
    return 1.0 / np.sqrt(check_int("n_in", n_in, low=1))


def torch_lstm_bound(n_hidden: int) -> float:
    """``1/sqrt(n_hidden)``: ``nn.LSTM`` draws every weight and bias from U(-b, b).

    The forget gate's biases too (both ``bias_ih`` and ``bias_hh``), so a new
    LSTM starts with forget gates near sigmoid(0) = 1/2, not the positive bias
    of Gers et al. (2000) and Jozefowicz et al. (2015).
    """
    return 1.0 / np.sqrt(check_int("n_hidden", n_hidden, low=1))


def init_weights(n_in: int, n_out: int, scheme: str, rng: np.random.Generator, *, std: float | None = None):
    """One ``(n_in, n_out)`` weight matrix drawn by ``scheme``.

    * ``normal``: N(0, std^2), ``std`` required;
    * ``xavier_uniform``: U(-r, r) with r = sqrt(6 / (n_in + n_out)) (Glorot & Bengio 2010);
    * ``xavier_normal``: N(0, 2 / (n_in + n_out));
    * ``he_normal``: N(0, 2 / n_in) (He et al. 2015); ``he_uniform``: U(-r, r), r = sqrt(6 / n_in);
    * ``lecun_normal``: N(0, 1 / n_in) (LeCun et al. 1998), used with SELU;
    * ``torch_default``: U(-b, b), b = 1/sqrt(n_in), PyTorch's ``nn.Linear`` default.
    """
    n_in = check_int("n_in", n_in, low=1)
    n_out = check_int("n_out", n_out, low=1)
    rng = check_generator("rng", rng)
    if scheme not in INITIALISERS:
        raise ValueError(f"init must be one of {INITIALISERS}; got {scheme!r}")
    if (std is None) != (scheme != "normal"):
        raise ValueError("std must be given (a real number >= 0) exactly when init='normal'")
    shape = (n_in, n_out)
    if scheme == "normal":
        return rng.normal(0.0, check_real("std", std, low=0.0), shape)
    if scheme == "xavier_uniform":
        r = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-r, r, shape)
    if scheme == "xavier_normal":
        return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), shape)
    if scheme == "he_normal":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), shape)
    if scheme == "he_uniform":
        r = np.sqrt(6.0 / n_in)
        return rng.uniform(-r, r, shape)
    if scheme == "torch_default":
        r = torch_linear_bound(n_in)
        return rng.uniform(-r, r, shape)
    return rng.normal(0.0, np.sqrt(1.0 / n_in), shape)  # lecun_normal


def weight_variance(scheme: str, n_in: int, n_out: int, *, std: float | None = None) -> float:
    """The variance of one weight under ``scheme`` (the formula, not a sample)."""
    n_in = check_int("n_in", n_in, low=1)
    n_out = check_int("n_out", n_out, low=1)
    if scheme not in INITIALISERS:
        raise ValueError(f"scheme must be one of {INITIALISERS}; got {scheme!r}")
    if (std is None) != (scheme != "normal"):
        raise ValueError("std must be given (a real number >= 0) exactly when scheme='normal'")
    if scheme == "normal":
        return check_real("std", std, low=0.0) ** 2
    if scheme.startswith("xavier"):
        return 2.0 / (n_in + n_out)
    if scheme.startswith("he"):
        return 2.0 / n_in
    if scheme == "torch_default":
        return 1.0 / (3.0 * n_in)
    return 1.0 / n_in  # lecun_normal


_NORMAL = re.compile(r"^normal\(\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\)$")


def parse_init(init: str) -> tuple[str, float | None]:
    """``(scheme, std)`` for an initialisation label.

    >>> parse_init("he_normal"), parse_init("normal(0.01)")
    (('he_normal', None), ('normal', 0.01))
    """
    if not isinstance(init, str):
        raise TypeError(f"init must be a string such as 'he_normal' or 'normal(0.01)'; got {init!r}")
    match = _NORMAL.match(init.strip())
    if match:
        std = float(match.group(1))
        if not std > 0:
            raise ValueError(f"init 'normal(std)' needs std > 0; got {init!r}")
        return "normal", std
    if init in INITIALISERS and init != "normal":
        return init, None
    allowed = ", ".join(s for s in INITIALISERS if s != "normal")
    raise ValueError(f"init must be one of {allowed} or 'normal(std)' with std > 0; got {init!r}")
