"""The course library of *Vanishing Gradients*: a map.

Three layers, visible from the path.  Each chapter's experiments and its
figures share a module name, and each name says the idea it serves.

``vanishing.core``: the ideas every chapter builds on

============================  ================================================
``core.activations``          every activation (sigmoid, tanh, ReLU, ..., SELU,
                              GELU, Mish), its derivative, SymPy form and
                              largest slope: the registry, ``activations.get``
``core.chain``                chains of single-neuron layers and their gradient
``core.mlp``                  a fully connected network with exact gradients
``core.initialisation``       the schemes (normal, Xavier, He, LeCun) and their
                              variances; PyTorch's defaults and gains
``core.normalisation``        batch and layer normalisation, forward and backward
``core.recurrent``            a tanh RNN and an LSTM, with backpropagation
                              through time
``core.propagation``          wide random networks: the length and correlation
                              maps, chi_1, the critical weight scale, depth
                              scales, and a simulation
``core.losses``               cross-entropy, squared error, the gradient norm
``core.optimisers``           SGD with momentum, Adam
``core.training``             the training loop, gradient clipping
``core.diagnostics``          per-layer statistics: profiles at initialisation,
                              dead and saturated units
``core.data``                 small offline data sets (digits, two moons)
``core.parser``               reads a formula typed by a reader, never runs it
``core.report``               numbers printed the same on every machine
``core.cache``                the experiments' cache, with read-only results
============================  ================================================

``vanishing.experiments`` (what a chapter measures) and ``vanishing.plotting``
(its figures), by idea

============================  =========  =====================================
module                        chapter    idea
============================  =========  =====================================
``sigmoid_chain``             1, 3       the gradient through a sigmoid chain
                                         (figures only: the maths is core)
``adaptive_steps``            3          SGD against Adam on the deep sigmoid
                                         network: per-weight step sizes
``weight_scale``              4          the scale of the weights in tanh
                                         and sigmoid networks
``wide_networks``             5          one neuron against a wide layer:
                                         order, chaos and the edge between
``dying_relu``                6          ReLU units that die and revive
``leaky_relu``                7          Leaky ReLU, PReLU, RReLU
``self_normalising``          8          ELU's bias shift, SELU's fixed point
``through_time``              9          gradients through time, a memory task
``gradient_lab``              10         the gradient lab on the digits
``own_activation``            11         an activation of the reader's own
``remedies``                  12         modern activations, normalisation,
                                         residual connections, clipping
``diagnostics``               10         the per-layer report and update-to-
                                         data ratios (figures of core's)
``diagrams``                  1, 9, 12   the chain, the unrolled RNN, the
                                         LSTM cell, a residual block (figures
                                         only: drawings of the networks)
============================  =========  =====================================

``vanishing.widgets``: a live widget for a plot function, and its kernel-free
twin for the website.  ``plotting`` and ``widgets`` need matplotlib and are
imported on demand; ``import vanishing`` loads ``core`` and ``experiments``.

So the SELU activation is ``vanishing.core.activations.get("selu")``, and
chapter 8's experiments are in ``vanishing.experiments.self_normalising``
with their figures in ``vanishing.plotting.self_normalising``.
"""

from . import core, experiments

__all__ = ["core", "experiments"]
__version__ = "0.1.0"
