"""The ideas every chapter builds on: activations, networks, gradients, training.

Nothing here belongs to one chapter.  The experiments of the chapters
(:mod:`vanishing.experiments`) and their figures (:mod:`vanishing.plotting`)
are built from these modules; :mod:`vanishing` lists them all.
"""

from . import (
    activations,
    cache,
    chain,
    data,
    diagnostics,
    initialisation,
    losses,
    mlp,
    normalisation,
    optimisers,
    parser,
    propagation,
    recurrent,
    report,
    training,
)

__all__ = [
    "activations",
    "cache",
    "chain",
    "data",
    "diagnostics",
    "initialisation",
    "losses",
    "mlp",
    "normalisation",
    "optimisers",
    "parser",
    "propagation",
    "recurrent",
    "report",
    "training",
]
