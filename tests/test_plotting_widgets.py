"""Plot functions return real figures; the live-widget helper wires real sliders."""

from __future__ import annotations

import runpy
from pathlib import Path

import ipywidgets as ipw
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vanishing import plotting, widgets  # noqa: E402


def test_chain_profile_figure_shows_one_log_axis_with_three_series():
    fig = plotting.plot_chain_profile(depth=12, weight_scale=6.0)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert len(ax.lines) >= 3 and "depth 12" in ax.get_title()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # opaque: readable in dark mode
    plt.close(fig)


def test_first_layer_spread_has_curve_and_histogram():
    fig = plotting.plot_first_layer_spread(depth=7, n_chains=300)
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert right.get_title() == "depth 7"
    plt.close(fig)


def test_live_builds_an_interactive_with_the_given_sliders():
    w = widgets.live(plotting.plot_chain_profile, depth=ipw.IntSlider(value=3, min=1, max=5))
    assert isinstance(w, ipw.interactive)
    sliders = [c for c in w.children if isinstance(c, ipw.IntSlider)]
    assert len(sliders) == 1 and sliders[0].value == 3
    plt.close("all")


def test_live_shows_each_slider_description_in_full():
    long = ipw.FloatSlider(description="weight scale")
    narrow = ipw.IntSlider(description="depth", style={"description_width": "60px"})
    widgets.live(plotting.plot_chain_profile, weight_scale=long, depth=narrow)
    assert long.style.description_width == "initial"
    assert narrow.style.description_width == "60px"  # a width the chapter chose is kept
    plt.close("all")


def test_live_refuses_bad_arguments():
    with pytest.raises(TypeError, match="plot must be callable"):
        widgets.live(3, depth=ipw.IntSlider())
    with pytest.raises(ValueError, match="controls must name"):
        widgets.live(plotting.plot_chain_profile)


# -- kernel-free twins --------------------------------------------------------
def _tiny_plot(depth=1, scale=1.0):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, depth], [0, scale])
    return fig


def _describe(**values):
    return "A line rising to " + ", ".join(f"{k} {v}" for k, v in values.items())


def _frames(widget):
    """Every HTML frame under a twin, depth first."""
    if isinstance(widget, ipw.HTML):
        return [widget]
    return [f for child in getattr(widget, "children", ()) for f in _frames(child)]


def test_twin_with_one_parameter_links_its_slider_to_one_stack(book_build):
    box = widgets.twin(_tiny_plot, _describe, start={"depth": 3}, depth=[1, 3, 5])
    note, slider, stack = box.children
    assert "the slider below switches between 3 frames drawn in advance (depth: 3 values)" in note.value
    assert isinstance(slider, ipw.SelectionSlider) and isinstance(stack, ipw.Stack)
    assert [label for label, _ in slider.options] == ["1", "3", "5"]
    assert slider.index == stack.selected_index == 1  # opens on the start value
    frames = [f.value for f in stack.children]
    assert len(frames) == 3 and all(f.startswith('<img src="data:image/png;base64,') for f in frames)
    assert 'data-frame="depth=5"' in frames[2] and 'alt="A line rising to depth 5"' in frames[2]
    links = [
        lk for lk in box.links if lk.source == (slider, "index") and lk.target == (stack, "selected_index")
    ]
    assert len(links) == 1
    assert "vanishing-twin" in box._dom_classes


def test_twin_with_two_parameters_nests_stacks_and_links_every_inner_one(book_build):
    box = widgets.twin(
        _tiny_plot, _describe, note="Six <frames> & more.", depth=[1, 2], scale=[0.5, 1.0, 2.0]
    )
    note, first, second, outer = box.children
    assert note.value == '<p class="vanishing-twin-note">Six &lt;frames&gt; &amp; more.</p>'
    assert len(outer.children) == 2 and all(len(s.children) == 3 for s in outer.children)
    targets = {id(lk.target[0]) for lk in box.links if lk.source == (second, "index")}
    assert targets >= {id(s) for s in outer.children}
    assert 'data-frame="depth=2; scale=0.5"' in outer.children[1].children[0].value
    assert len(_frames(outer)) == 6


def test_twin_frames_stay_small(book_build):
    box = widgets.twin(plotting.plot_chain_profile, lambda **v: "Gradient profile frame", depth=[5, 10])
    for f in _frames(box.children[-1]):
        size = len(f.value.encode())
        assert size < 60_000, size  # about 450 x 250 px palette PNGs
        assert 'width="448" height="252"' in f.value


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "grid must name at least one"),
        ({"depth": [1]}, ValueError, "at least two values"),
        ({"depth": [1, 1.0]}, ValueError, "distinct values"),
        ({"depth": [1, 2], "start": {"scale": 1}}, ValueError, "start must name grid parameters"),
        ({"depth": [1, 2], "start": {"depth": 7}}, ValueError, "is not one of"),
        ({"depth": list(range(9)), "scale": list(range(8))}, ValueError, "max_frames allows at most 64"),
    ],
)
@pytest.mark.parametrize("where", ["book_build", "reader_kernel"])
def test_twin_refuses_bad_grids(kwargs, error, match, where, request):
    request.getfixturevalue(where)  # bad arguments fail in nbval too, not only in the build
    with pytest.raises(error, match=match):
        widgets.twin(_tiny_plot, _describe, **kwargs)


def test_outside_the_book_build_a_twin_draws_nothing(reader_kernel, monkeypatch):
    drawn = []

    def plot(depth=1):
        drawn.append(depth)
        return _tiny_plot(depth)

    assert not widgets.building_the_book()
    assert widgets.twin(plot, _describe, depth=[1, 2, 3]) is None
    assert drawn == []
    monkeypatch.setenv(widgets.BOOK_BUILD, "1")
    assert isinstance(widgets.twin(plot, _describe, depth=[1, 2, 3]), ipw.VBox)
    assert drawn == [1, 2, 3]


def test_the_book_build_tells_the_library_it_is_building(monkeypatch):
    """_ext/course_html.py sets the variable the library reads, in the build's process."""
    monkeypatch.setenv(widgets.BOOK_BUILD, "0")  # restored (unset) after the test
    assert not widgets.building_the_book()
    ext = runpy.run_path(str(Path(__file__).parents[1] / "_ext" / "course_html.py"))
    assert ext["BOOK_BUILD"] == widgets.BOOK_BUILD

    class App:
        def connect(self, *args, **kwargs):
            pass

    ext["setup"](App())
    assert widgets.building_the_book()


def test_twin_refuses_an_empty_note(reader_kernel):
    with pytest.raises(ValueError, match="note must be a non-empty string"):
        widgets.twin(_tiny_plot, _describe, note=" ", depth=[1, 2])


def test_frame_html_needs_alt_text():
    png = widgets.render_png(_tiny_plot())
    with pytest.raises(ValueError, match="alt must be a non-empty string"):
        widgets.frame_html(png, "  ")
    assert 'alt="a &lt;b&gt; &quot;c&quot;"' in widgets.frame_html(png, 'a <b> "c"')


def test_use_course_style_loads_the_backend_outside_any_rc_context():
    plotting.use_course_style()
    interactive = plt.isinteractive()
    fig = plotting.plot_chain_profile(depth=3)
    plt.close(fig)
    assert plt.isinteractive() == interactive
    assert plt.rcParams["figure.facecolor"] == "white"


# -- the live widget's image: one draw, alt text, a cache by value ---------------------
def _counting_plot(calls):
    def plot_line(depth=1, scale=1.0):
        calls.append((depth, scale))
        fig, ax = plt.subplots(figsize=(2.0, 1.5), dpi=80)
        ax.plot([0, depth], [0, scale])
        ax.set_title(f"rise to {depth}")
        ax.set_xlabel("layer")
        ax.set_ylabel(r"$|\partial a_{n}|$ gradient")
        return fig

    return plot_line


def _png_of(tag: str):
    import base64
    import io

    import numpy as np
    from PIL import Image

    data = tag.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    with Image.open(io.BytesIO(base64.b64decode(data))) as img:
        return np.asarray(img.convert("RGBA"))


@pytest.fixture
def shown(monkeypatch):
    """What the live widget displays (outside a kernel display() would only print a repr)."""
    out = []
    monkeypatch.setattr(widgets, "display", out.append)
    return out


def test_live_shows_the_whole_figure_once_as_an_image_with_alt_text(shown):
    import io

    import numpy as np
    from PIL import Image

    calls, open_before = [], set(plt.get_fignums())
    w = widgets.live(_counting_plot(calls), depth=ipw.IntSlider(value=3, min=1, max=5))
    (html,) = shown
    tag = html.data
    assert tag.startswith('<img src="data:image/png;base64,') and 'data-frame="depth=3"' in tag
    # Mathtext is read out as plain words.
    assert 'alt="Live figure (plot line) for depth=3: rise to 3; |partial a_n| gradient against layer"' in tag
    assert 'width="160" height="120"' in tag  # the figure's own 2 x 1.5 in at its own 80 dpi: not cropped
    assert set(plt.get_fignums()) == open_before, "the figure is closed after it is shown"
    # The same pixels as matplotlib's own PNG of the figure (which has its own, default compression).
    reference = io.BytesIO()
    _counting_plot([])(depth=3).savefig(reference, format="png")
    plt.close("all")
    expected = np.asarray(Image.open(reference).convert("RGBA"))
    np.testing.assert_array_equal(_png_of(tag), expected)
    assert w.kwargs == {"depth": 3}


def test_live_caches_images_by_value_and_keeps_at_most_the_cache_size(shown, monkeypatch):
    monkeypatch.setattr(widgets, "LIVE_CACHE_SIZE", 3)
    calls = []
    slider = ipw.IntSlider(value=1, min=1, max=10)
    w = widgets.live(_counting_plot(calls), depth=slider)
    slider.value = 2
    slider.value = 1  # back: from the cache, the same bytes, no new figure
    assert calls == [(1, 1.0), (2, 1.0)]
    assert shown[2].data == shown[0].data and shown[1].data != shown[0].data
    w.update()  # ipywidgets' own redraw, at the current values
    assert shown[3].data == shown[0].data and w.kwargs == {"depth": 1} and len(calls) == 2
    for depth in (3, 4, 5, 6):
        slider.value = depth
    assert w.png_cache.cache_info().currsize == 3 and w.png_cache.cache_info().maxsize == 3
    slider.value = 1  # dropped from the cache (least recently used): drawn again
    assert calls[-1] == (1, 1.0) and len(calls) == 7
    assert shown[-1].data == shown[0].data  # a seeded plot draws the same image again


def test_live_draws_without_the_cache_for_unhashable_values(shown):
    calls = []

    def plot(depth=1, scales=()):
        return _counting_plot(calls)(depth, sum(scales))

    w = widgets.live(plot, depth=ipw.IntSlider(value=2, min=1, max=4), scales=ipw.fixed([1.0, 2.0]))
    w.update()
    assert calls == [(2, 3.0), (2, 3.0)] and len(shown) == 2
    assert w.png_cache.cache_info().currsize == 0


def test_live_shows_with_pyplot_a_plot_that_returns_no_figure(shown, monkeypatch):
    showed = []
    monkeypatch.setattr(plt, "show", lambda: showed.append(len(plt.get_fignums())))

    def plot_without_return(depth=1):
        plt.figure()
        plt.plot([0, depth])

    widgets.live(plot_without_return, depth=ipw.IntSlider(value=2, min=1, max=4))
    assert shown == [] and showed and showed[0] >= 1
    plt.close("all")


def test_live_still_refuses_a_control_ipywidgets_cannot_build(shown):
    with pytest.raises(ValueError, match="cannot be transformed to a widget"):
        widgets.live(_counting_plot([]), depth=object())


def test_live_does_not_cache_a_failed_draw(shown, caplog):
    calls = []

    def fragile(depth=1):
        calls.append(depth)
        if depth == 2:
            raise ValueError("depth must not be 2")
        return _counting_plot([])(depth)

    slider = ipw.IntSlider(value=1, min=1, max=3)
    w = widgets.live(fragile, depth=slider)
    slider.value = 2  # ipywidgets reports the error (logs it outside a kernel) and shows nothing
    slider.value = 2
    w.update()
    assert calls == [1, 2, 2] and len(shown) == 1
    assert "depth must not be 2" in caplog.text


def test_live_draws_every_frame_of_a_plot_that_takes_fig_into_its_first_figure(shown):
    received, returned = [], []

    def plot_into(depth=1, *, fig=None):
        received.append(fig)
        if depth == 3:
            raise ValueError("depth must not be 3")
        fig = fig if fig is not None else plt.figure(figsize=(2, 1.5), dpi=80)
        returned.append(fig)
        return fig

    slider = ipw.IntSlider(value=1, min=1, max=4)
    widgets.live(plot_into, depth=slider)
    slider.value = 2
    assert received == [None, returned[0]] and returned[1] is returned[0]
    assert plt.fignum_exists(returned[0].number) is False, "the kept figure is not left open in pyplot"
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # Its own Agg canvas: savefig would otherwise build a new canvas and renderer for every frame.
    assert type(returned[0].canvas) is FigureCanvasAgg
    slider.value = 3  # fails: the next frame starts from a new figure
    slider.value = 4
    assert received[2] is returned[0] and received[3] is None and returned[2] is not returned[0]
    assert len(shown) == 3


def test_live_shows_the_same_images_with_a_kept_figure_as_with_new_ones(shown):
    depth = ipw.IntSlider(value=10, min=1, max=20)
    w = ipw.FloatSlider(value=1.0, min=0.5, max=8.0, step=0.5)
    widgets.live(plotting.plot_chain_decay, depth=depth, w=w)
    for d, scale in [(20, 8.0), (1, 0.5), (5, 4.0)]:
        depth.value, w.value = d, scale
    new_each_time = [
        widgets.live_png(plotting.plot_chain_decay(d, s))
        for d, s in [(10, 1.0), (20, 1.0), (20, 8.0), (1, 8.0), (1, 0.5), (5, 0.5), (5, 4.0)]
    ]
    assert len(shown) == len(new_each_time)
    for html, png in zip(shown, new_each_time, strict=True):
        assert html.data == widgets.frame_html(png, _alt_of(html.data), _frame_of(html.data))


def _alt_of(tag: str) -> str:
    import html

    return html.unescape(tag.split(' alt="', 1)[1].split('"', 1)[0])


def _frame_of(tag: str) -> str:
    import html

    return html.unescape(tag.split(' data-frame="', 1)[1].split('"', 1)[0])


def test_a_twin_draws_every_frame_of_a_plot_that_takes_fig_into_its_first_figure(book_build):
    received = []

    def plot_into(depth=1, *, fig=None):
        received.append(fig)
        return _tiny_plot(depth) if fig is None else fig

    widgets.twin(plot_into, _describe, depth=[1, 2, 3])
    assert received[0] is None and received[1] is not None and received[2] is received[1]


def test_a_twin_of_a_kept_figure_shows_the_frames_new_figures_would(book_build):
    grid = {"depth": [2, 10, 20], "w": [1.0, 6.0], "z": [0.0, 5.0]}
    box = widgets.twin(plotting.plot_chain_decay, plotting.describe_chain_decay, **grid)
    shown = [_src_of(f.value) for f in _frames(box.children[-1])]
    fresh = [
        _src_of(widgets.frame_html(widgets.render_png(plotting.plot_chain_decay(d, w, z)), "x"))
        for d in grid["depth"]
        for w in grid["w"]
        for z in grid["z"]
    ]
    assert shown == fresh


def _src_of(tag: str) -> str:
    return tag.split(' src="', 1)[1].split('"', 1)[0]
