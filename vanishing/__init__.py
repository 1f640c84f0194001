"""The course library of *Vanishing Gradients*.

Modules map to ideas, and each docstring names the chapters that use it:

* :mod:`vanishing.activations`: every activation, its derivative and SymPy form;
* :mod:`vanishing.chain`: the chain of single-neuron layers (chapters 1, 3, 4, 6, 10, 11);
* :mod:`vanishing.mlp`: a fully connected network with exact gradients, batch
  normalisation, residual connections and learned PReLU slopes;
* :mod:`vanishing.normalisation`: batch normalisation's forward and backward pass;
* :mod:`vanishing.initialisation`: initialisation scales and their effect with depth (4, 5, 7);
* :mod:`vanishing.training`: SGD, dead and saturated units, gradient clipping;
* :mod:`vanishing.data`: small offline data sets (scikit-learn's digits, two moons);
* :mod:`vanishing.dead_units`: the dying-ReLU experiments (5);
* :mod:`vanishing.leaky`: Leaky ReLU, PReLU and RReLU experiments (6);
* :mod:`vanishing.selu`: ELU's bias shift and SELU's fixed point (7);
* :mod:`vanishing.recurrent`: a tanh RNN and an LSTM with backpropagation through time (8);
* :mod:`vanishing.lab`: the gradient lab on the digits (9);
* :mod:`vanishing.custom`: a safe parser for an activation of the reader's own (10);
* :mod:`vanishing.remedies`: normalisation, residual connections and clipping measured (11);
* :mod:`vanishing.plotting` and :mod:`vanishing.widgets`: figures, live widgets
  and their kernel-free twins (imported on demand: they need matplotlib);
* :mod:`vanishing.report`: printing numbers that are the same on every machine.
"""

from . import (
    activations,
    chain,
    custom,
    data,
    dead_units,
    initialisation,
    lab,
    leaky,
    mlp,
    normalisation,
    recurrent,
    remedies,
    report,
    selu,
    training,
)

__all__ = [
    "activations",
    "chain",
    "custom",
    "data",
    "dead_units",
    "initialisation",
    "lab",
    "leaky",
    "mlp",
    "normalisation",
    "recurrent",
    "remedies",
    "report",
    "selu",
    "training",
]
__version__ = "0.1.0"
