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
``normal``         std^2, given          the "small random numbers" of old
=================  ====================  ==========================================

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

__all__ = ["INITIALISERS", "init_weights", "parse_init", "weight_variance"]

#: Initialisation schemes :func:`init_weights` understands.
INITIALISERS = ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal")


def init_weights(n_in: int, n_out: int, scheme: str, rng: np.random.Generator, *, std: float | None = None):
    """One ``(n_in, n_out)`` weight matrix drawn by ``scheme``.

    * ``normal``: N(0, std^2), ``std`` required;
    * ``xavier_uniform``: U(-r, r) with r = sqrt(6 / (n_in + n_out)) (Glorot & Bengio 2010);
    * ``xavier_normal``: N(0, 2 / (n_in + n_out));
    * ``he_normal``: N(0, 2 / n_in) (He et al. 2015); ``he_uniform``: U(-r, r), r = sqrt(6 / n_in);
    * ``lecun_normal``: N(0, 1 / n_in) (LeCun et al. 1998), used with SELU.
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
