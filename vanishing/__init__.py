"""The course library of *Vanishing Gradients*: activations, chains, MLPs, plots.

Modules map to ideas: :mod:`vanishing.activations` (every activation and its
derivative), :mod:`vanishing.chain` (the single-neuron chain of chapter 1),
:mod:`vanishing.mlp` (a fully connected network with exact gradients) and
:mod:`vanishing.plotting` (the course's figure style and widget plots).
"""

from . import activations, chain, mlp

__all__ = ["activations", "chain", "mlp"]
__version__ = "0.1.0"
