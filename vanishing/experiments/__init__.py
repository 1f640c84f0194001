"""The chapters' experiments, one module per idea, each with a figure module of the same name.

``vanishing.experiments.X`` computes; ``vanishing.plotting.X`` draws what it
computed.  Modules are named by the idea they serve, not by chapter number,
so chapters can be renumbered; :mod:`vanishing` says which chapter uses which.
"""

from . import (
    adaptive_steps,
    dying_relu,
    gradient_lab,
    leaky_relu,
    own_activation,
    remedies,
    self_normalising,
    through_time,
    weight_scale,
    wide_networks,
)

__all__ = [
    "adaptive_steps",
    "dying_relu",
    "gradient_lab",
    "leaky_relu",
    "own_activation",
    "remedies",
    "self_normalising",
    "through_time",
    "weight_scale",
    "wide_networks",
]
