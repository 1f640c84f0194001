"""Live widgets: sliders wired to a plot function from :mod:`vanishing.plotting`.

A chapter first calls the plot function once with its defaults (so the static
page and the test run get a real figure), then builds the live widget with
:func:`live` in a cell tagged ``nbval-ignore-output``.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets
import matplotlib.pyplot as plt

__all__ = ["live"]


def live(plot: Callable, **controls) -> ipywidgets.interactive:
    """An ``ipywidgets.interactive`` that redraws ``plot(**values)`` on every change.

    ``controls`` maps each keyword argument of ``plot`` to a widget (or any
    abbreviation ``ipywidgets.interact`` accepts).  The figure is shown with
    ``plt.show()`` and the return value is discarded, so it appears once.
    """
    if not callable(plot):
        raise TypeError(f"plot must be callable; got {type(plot).__name__}")
    if not controls:
        raise ValueError("controls must name at least one slider, e.g. depth=IntSlider(...)")

    def draw(**values):
        plot(**values)
        plt.show()

    draw.__name__ = getattr(plot, "__name__", "draw")
    return ipywidgets.interactive(draw, **controls)
