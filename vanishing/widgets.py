"""Widgets: a live one for a kernel, and a kernel-free twin for the static site.

A chapter first calls a plot function from :mod:`vanishing.plotting` once with
its defaults (so the static page and the test run get a real figure), then

* builds the live widget with :func:`live` (Binder, Colab, local Jupyter), and
* builds its twin with :func:`twin`: every frame is rendered in advance for a
  grid of slider values, and the browser switches frames with
  ``ipywidgets.jslink`` from the slider to an ``ipywidgets.Stack``, so the
  twin responds on the static website with no kernel at all.

The twin is drawn only while the book is built (:func:`building_the_book`):
in Jupyter, Binder or Colab the reader has the live widget, and a twin would
be a third copy of the same figure that costs seconds of every Run All.
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import io
import os
from collections.abc import Callable, Sequence

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

__all__ = [
    "BOOK_BUILD",
    "FRAME_DPI",
    "LIVE_CACHE_SIZE",
    "building_the_book",
    "frame_html",
    "live",
    "live_png",
    "render_png",
    "twin",
]

#: The environment variable the book build sets to "1" (``_ext/course_html.py``
#: sets it when Sphinx loads the extension, and the kernels that execute the
#: chapters inherit it).
BOOK_BUILD = "VANISHING_BOOK_BUILD"

#: Frames are the course figures (6.4 x 3.6 in) rendered at 70 dpi: 448 x 252 px.
FRAME_DPI = 70
#: How :func:`render_png` makes a twin's frame: Pillow's fast octree quantiser, then zlib
#: at level 6 (on the course's figures 2-3 ms a frame, against 15-18 ms for the
#: median-cut quantiser with ``optimize=True``, for files of the same size).
PNG_QUANTIZER, PNG_LEVEL = Image.Quantize.FASTOCTREE, 6

#: How many images each live widget keeps, keyed by its controls' values (a
#: course figure is 40-80 kB as a PNG, so at most a few MB per widget).
LIVE_CACHE_SIZE = 32


def building_the_book() -> bool:
    """True while the book build executes the chapters (see :data:`BOOK_BUILD`)."""
    return os.environ.get(BOOK_BUILD) == "1"


def live(plot: Callable, **controls) -> ipywidgets.interactive:
    """An ``ipywidgets.interactive`` that redraws ``plot(**values)`` on every change.

    ``controls`` maps each keyword argument of ``plot`` to a widget (or any
    abbreviation ``ipywidgets.interact`` accepts).  A control's description is
    shown in full (ipywidgets would cut a long one such as "weight scale" to
    "weight sc...") unless it sets its own width.

    The figure ``plot`` returns is drawn once, at its own size and dpi, into a
    PNG (:func:`live_png`) and shown as an ``<img>`` with alt text
    (:func:`frame_html`), then closed.  This is the picture ``plt.show()``
    would show, without the inline backend's second, ``bbox_inches="tight"``
    pass and its slower PNG compression (``benchmarks/widget_update.py``).
    The last :data:`LIVE_CACHE_SIZE` images are kept, keyed by the controls'
    values, so going back to a setting shows it at once; the plot functions
    are seeded, so one setting always gives the same figure.  The cache is
    ``w.png_cache`` (a :func:`functools.lru_cache`: ``cache_info()``,
    ``cache_clear()``).  A plot function that returns no figure has the
    figures it opened shown by ``plt.show()`` as before.

    A plot function with a keyword-only parameter ``fig`` (see
    :mod:`vanishing.plotting.sigmoid_chain`) draws every frame after the first
    into the figure it returned first, passed back as ``fig``: the widget
    keeps that one figure instead of building a new one per slider move.
    After a failed draw the next one starts from a new figure.
    """
    if not callable(plot):
        raise TypeError(f"plot must be callable; got {type(plot).__name__}")
    if not controls:
        raise ValueError("controls must name at least one slider, e.g. depth=IntSlider(...)")
    name = getattr(plot, "__name__", "plot")
    redraws = _redraws_into_fig(plot)
    kept: list[Figure] = []  # the figure a plot that redraws into one drew last

    def image(**values) -> str | None:
        before = set(plt.get_fignums())
        fig = _plot_into_kept(plot, values, kept) if redraws else plot(**values)
        if not isinstance(fig, Figure):
            if set(plt.get_fignums()) - before:
                plt.show()
            return None
        where = ", ".join(f"{_description(k)}={_label(v)}" for k, v in values.items())
        alt = _alt_text(fig, name, where)
        return frame_html(live_png(fig), alt, where)

    cached = functools.lru_cache(maxsize=LIVE_CACHE_SIZE)(image)

    def draw(**values):
        try:
            hash(tuple(values.items()))
        except TypeError:  # an unhashable value (a list from SelectMultiple): not cached
            tag = image(**values)
        else:
            tag = cached(**values)
        if tag is not None:
            display(HTML(tag))

    draw.__name__ = name
    for control in controls.values():
        style = getattr(control, "style", None)
        if style is not None and hasattr(style, "description_width") and not style.description_width:
            style.description_width = "initial"
    w = ipywidgets.interactive(draw, **controls)
    w.png_cache = cached
    return w


def _redraws_into_fig(plot: Callable) -> bool:
    """True if ``plot`` takes a keyword-only ``fig``: a figure it returned before, to draw into."""
    try:
        parameter = inspect.signature(plot).parameters.get("fig")
    except (TypeError, ValueError):  # a callable without a signature (a builtin)
        return False
    return parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY


def _plot_into_kept(plot: Callable, values: dict, kept: list):
    """``plot(**values, fig=...)`` into the figure in ``kept`` (empty: a new one, then kept).

    The kept figure is out of pyplot (:func:`live_png` closed it), which left it
    a bare canvas; it gets an Agg canvas of its own, so every frame is drawn by
    the same renderer and matplotlib's cache of text sizes holds across frames.
    """
    previous = kept.pop() if kept else None
    if previous is not None and not isinstance(previous.canvas, FigureCanvasAgg):
        FigureCanvasAgg(previous)
    fig = plot(**values, fig=previous)  # on an error nothing is kept: the next draw starts afresh
    if isinstance(fig, Figure):
        kept.append(fig)
    return fig


def live_png(fig) -> bytes:
    """The figure as a PNG at its own size and dpi, drawn once (closes the figure).

    What the inline backend shows for ``plt.show()``, minus its
    ``bbox_inches="tight"`` pass (a second, layout-only draw that trims the
    white margin) and with zlib level 1 instead of 6: the course figures are
    flat colours, so the file grows by a few per cent and encoding is faster.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(
            buf,
            format="png",
            dpi=fig.dpi,
            facecolor=fig.get_facecolor(),
            edgecolor=fig.get_edgecolor(),
            pil_kwargs={"compress_level": 1},
        )
    finally:
        plt.close(fig)
    return buf.getvalue()


def _alt_text(fig, name: str, where: str) -> str:
    """Alt text from the figure's own words: its title, and each panel's title and axis labels."""
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(suptitle.get_text().strip())
    for ax in fig.axes:
        title = " ".join(t.get_text() for t in (ax.title, ax._left_title, ax._right_title) if t.get_text())
        labels = " against ".join(lb for lb in (ax.get_ylabel(), ax.get_xlabel()) if lb)
        panel = "; ".join(p for p in (title, labels) if p)
        if panel:
            parts.append(panel)
    shown = (": " + " | ".join(parts)) if parts else ""
    return _plain(f"Live figure ({name.replace('_', ' ')}) for {where}{shown}")


def _plain(text: str) -> str:
    """Mathtext as plain words for a screen reader: ``$\\partial a_n$`` -> ``partial a_n``."""
    return " ".join(text.replace("$", "").replace("\\", "").replace("{", "").replace("}", "").split())


def render_png(fig, *, dpi: int = FRAME_DPI, colors: int = 64) -> bytes:
    """The figure as a small palette PNG (closes the figure).

    An adaptive palette of ``colors`` entries keeps a frame near 10 kB; the
    course figures use a handful of flat colours, so nothing visible is lost.
    The figure is drawn once into matplotlib's raw RGBA buffer (what
    ``savefig`` does first) and quantised from there, which saves encoding and
    decoding a full-colour PNG for every frame of every twin.  Pillow's fast
    octree quantiser with zlib level 6 gives files of about the size its
    median-cut quantiser with ``optimize=True`` gave, several times faster
    (:data:`PNG_QUANTIZER`).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="raw", dpi=dpi)
    width, height = (int(round(v * dpi)) for v in fig.get_size_inches())
    plt.close(fig)
    img = Image.frombuffer("RGBA", (width, height), buf.getvalue(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=colors, method=PNG_QUANTIZER).save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def frame_html(png: bytes, alt: str, frame: str = "") -> str:
    """An ``<img>`` with alt text (the ``Image`` widget cannot carry alt text).

    ``frame`` goes into a ``data-frame`` attribute that names the slider values
    the image was drawn for (``"depth=10; weight scale=1"``); the site tests
    compare it with the sliders' readouts after moving them.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty string that says what the frame shows")
    with Image.open(io.BytesIO(png)) as img:
        width, height = img.size
    data = base64.b64encode(png).decode("ascii")
    tag = f' data-frame="{html.escape(frame, quote=True)}"' if frame else ""
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"{tag} '
        f'width="{width}" height="{height}" style="max-width:100%;height:auto">'
    )


def _description(name: str) -> str:
    return name.replace("_", " ")


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def twin(
    plot: Callable,
    describe: Callable[..., str],
    *,
    start: dict | None = None,
    note: str | None = None,
    max_frames: int = 64,
    **grid: Sequence,
) -> ipywidgets.VBox | None:
    """A kernel-free twin of ``live(plot, ...)`` over a grid of slider values.

    ``grid`` maps keyword arguments of ``plot`` to the sequences of values the
    reader can choose (numbers or strings); ``describe(**values)`` returns the
    alt text of that frame (say what it shows).  Every combination is drawn in
    advance, so the grid may hold at most ``max_frames`` of them.

    One parameter gives a slider linked to one ``Stack`` of frames.  More give
    nested stacks: slider ``k`` is linked by ``jslink`` to every stack at depth
    ``k`` (``jslink`` copies a value and cannot compute a flat index).  Sliders
    are ``SelectionSlider``\\ s, so the readout shows the value, not its
    position.  ``start`` names the values shown first (default: the first of
    each); use the plot function's defaults so that the twin opens on the
    static figure above it.  ``note`` is the plain-text line shown above the
    sliders on the website (default: how many frames were drawn for which
    values).

    A plot function that takes a keyword-only ``fig`` draws every frame into
    the figure it returned first, as in :func:`live`.

    Outside the book build (:func:`building_the_book`) the arguments are
    checked and nothing is drawn: the function returns ``None``, so the cell
    has no output and the reader meets the live widget only.
    """
    if not callable(plot) or not callable(describe):
        raise TypeError("plot and describe must be callable")
    if not grid:
        raise ValueError("grid must name at least one parameter, e.g. depth=[5, 10, 20]")
    names = list(grid)
    values = [list(grid[n]) for n in names]
    for name, vals in zip(names, values, strict=True):
        if len(vals) < 2:
            raise ValueError(f"grid[{name!r}] must list at least two values")
        if len({_label(v) for v in vals}) != len(vals):
            raise ValueError(f"grid[{name!r}] must list distinct values")
    n_frames = int(np.prod([len(v) for v in values]))
    if n_frames > max_frames:
        raise ValueError(f"the grid has {n_frames} frames; max_frames allows at most {max_frames}")
    start = dict(start or {})
    unknown = set(start) - set(names)
    if unknown:
        raise ValueError(f"start must name grid parameters {names}; got {sorted(unknown)}")
    first = []
    for name, vals in zip(names, values, strict=True):
        if name in start and start[name] not in vals:
            raise ValueError(f"start[{name!r}] = {start[name]!r} is not one of grid[{name!r}]")
        first.append(vals.index(start[name]) if name in start else 0)
    if note is None:
        counts = "; ".join(f"{_description(n)}: {len(v)} values" for n, v in zip(names, values, strict=True))
        sliders_switch = "the slider below switches" if len(names) == 1 else "the sliders below switch"
        note = (
            f"On the website, where no Python kernel runs, {sliders_switch} between "
            f"{n_frames} frames drawn in advance ({counts}); in Jupyter, Binder or Colab the "
            "live widget above redraws for any setting."
        )
    elif not isinstance(note, str) or not note.strip():
        raise ValueError("note must be a non-empty string (or None for the default)")
    if not building_the_book():
        return None
    redraws = _redraws_into_fig(plot)
    kept: list[Figure] = []  # as in live(): one figure for every frame of a plot that takes fig

    def frame(point):
        kwargs = dict(zip(names, point, strict=True))
        where = "; ".join(f"{_description(n)}={_label(v)}" for n, v in kwargs.items())
        fig = _plot_into_kept(plot, kwargs, kept) if redraws else plot(**kwargs)
        return ipywidgets.HTML(frame_html(render_png(fig), describe(**kwargs), where))

    sliders = [
        ipywidgets.SelectionSlider(
            options=[(_label(v), i) for i, v in enumerate(vals)],
            value=i0,
            description=_description(name),
            continuous_update=True,
            style={"description_width": "initial"},
            layout={"width": "420px"},
        )
        for name, vals, i0 in zip(names, values, first, strict=True)
    ]

    links = []

    def stack(level, point):
        if level == len(names) - 1:
            children = [frame((*point, v)) for v in values[level]]
        else:
            children = [stack(level + 1, (*point, v)) for v in values[level]]
        s = ipywidgets.Stack(children, selected_index=first[level])
        links.append(ipywidgets.jslink((sliders[level], "index"), (s, "selected_index")))
        return s

    caption = ipywidgets.HTML(f'<p class="vanishing-twin-note">{html.escape(note)}</p>')
    box = ipywidgets.VBox([caption, *sliders, stack(0, ())])
    box.add_class("vanishing-twin")
    box.links = tuple(links)  # the browser-side links, for inspection and tests
    return box
