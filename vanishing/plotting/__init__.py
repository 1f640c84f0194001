"""The course's figure style and the plot functions behind its figures and widgets.

Every plot function is pure apart from drawing: it takes the slider values
(and a seed), computes with tested functions elsewhere in :mod:`vanishing`,
and returns a :class:`matplotlib.figure.Figure`.  A chapter calls each one once
with its defaults, so the static page shows a real figure, and wires the same
function to sliders for the live widget (:func:`vanishing.widgets.live`) and
its kernel-free twin (:func:`vanishing.widgets.twin`).

One module per chapter or pair of chapters; everything is re-exported here, so
chapters write ``plotting.plot_chain_profile``.  Figures have an opaque white
background so that they stay readable when the website is in dark mode.
"""

from . import (
    adaptive_steps,
    diagnostics,
    diagrams,
    dying_relu,
    gradient_lab,
    leaky_relu,
    own_activation,
    remedies,
    self_normalising,
    sigmoid_chain,
    through_time,
    weight_scale,
    wide_networks,
)
from ._style import COLORS, MARGINS, STYLE, log_y, power_of_ten_label, use_course_style
from .adaptive_steps import *  # noqa: F403
from .diagnostics import *  # noqa: F403
from .diagrams import *  # noqa: F403
from .dying_relu import *  # noqa: F403
from .gradient_lab import *  # noqa: F403
from .leaky_relu import *  # noqa: F403
from .own_activation import *  # noqa: F403
from .remedies import *  # noqa: F403
from .self_normalising import *  # noqa: F403
from .sigmoid_chain import *  # noqa: F403
from .through_time import *  # noqa: F403
from .weight_scale import *  # noqa: F403
from .wide_networks import *  # noqa: F403

__all__ = ["COLORS", "MARGINS", "STYLE", "log_y", "power_of_ten_label", "use_course_style"]
for _module in (
    diagnostics,
    diagrams,
    sigmoid_chain,
    weight_scale,
    wide_networks,
    dying_relu,
    leaky_relu,
    self_normalising,
    through_time,
    gradient_lab,
    own_activation,
    remedies,
    adaptive_steps,
):
    __all__ += _module.__all__
