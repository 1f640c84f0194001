"""The course library of *Vanishing Gradients*.

Modules map to ideas, and each docstring names the chapters that use it:

* :mod:`vanishing.activations`: every activation, its derivative and SymPy form;
* :mod:`vanishing.chain`: the chain of single-neuron layers (chapters 1, 3, 11);
* :mod:`vanishing.mlp`: a fully connected network with exact gradients, batch
  normalisation, residual connections and learned PReLU slopes;
* :mod:`vanishing.normalisation`: batch normalisation's forward and backward pass;
* :mod:`vanishing.initialisation`: initialisation scales and their effect with depth;
* :mod:`vanishing.training`: SGD, dead and saturated units, gradient clipping;
* :mod:`vanishing.data`: small offline data sets (scikit-learn's digits, two moons);
* :mod:`vanishing.plotting` and :mod:`vanishing.widgets`: figures, live widgets
  and their kernel-free twins (imported on demand: they need matplotlib);
* :mod:`vanishing.report`: printing numbers that are the same on every machine.
"""

from . import activations, chain, data, initialisation, mlp, normalisation, report, training

__all__ = [
    "activations",
    "chain",
    "data",
    "initialisation",
    "mlp",
    "normalisation",
    "report",
    "training",
]
__version__ = "0.1.0"
