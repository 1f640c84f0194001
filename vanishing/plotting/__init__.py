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

from . import custom, elu_selu, lab, leaky, modern, recurrent, relu, sigmoid_chain, tanh_init
from ._style import COLORS, MARGINS, STYLE, log_y, power_of_ten_label, use_course_style
from .custom import *  # noqa: F403
from .elu_selu import *  # noqa: F403
from .lab import *  # noqa: F403
from .leaky import *  # noqa: F403
from .modern import *  # noqa: F403
from .recurrent import *  # noqa: F403
from .relu import *  # noqa: F403
from .sigmoid_chain import *  # noqa: F403
from .tanh_init import *  # noqa: F403

__all__ = ["COLORS", "MARGINS", "STYLE", "log_y", "power_of_ten_label", "use_course_style"]
for _module in (sigmoid_chain, tanh_init, relu, leaky, elu_selu, recurrent, lab, custom, modern):
    __all__ += _module.__all__
