"""Tests of the built website in a real browser, with the network cut.

    ./run site-test          (after ./run book; ./run test runs it last)

``_build/html`` (or the folder named by the environment variable
``VANISHING_SITE``) is served on 127.0.0.1 and opened in Debian's chromium through
Playwright; every request that leaves 127.0.0.1 is aborted and recorded.  For
every page:

* nothing is fetched from outside the site, nothing fails to load, and no
  script error or console error occurs;
* every formula is typeset by MathJax (no raw TeX left);
* exactly one ``h1``; every image has alt text; no error output;
* every kernel-free twin shows exactly one frame, and after each slider is
  moved the frame shown is the one drawn for the sliders' readouts;
* axe-core finds no critical or serious violation, in light and in dark mode,
  apart from the theme problems in ``tests/axe_allowlist.json``;
* chapter pages have correct Binder, Colab, Thebe, repository and download
  buttons;
* on a phone (390 x 844, touch) nothing sticks out of the viewport (what is
  wider scrolls inside its own box), and every twin's sliders, readouts and
  frame fit on screen and move by touch as well as by keyboard;
* every chapter prints (to PDF, as a reader's "Print" in chromium) on a sane
  number of pages, with each twin's current frame and without navigation,
  sidebars, buttons or slider tracks.  The PDFs are kept in ``_build/print``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import runpy
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).parents[1]
SITE = Path(os.environ.get("VANISHING_SITE") or ROOT / "_build" / "html")
PRINTS = ROOT / "_build" / "print"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ALLOWLIST = json.loads((Path(__file__).parent / "axe_allowlist.json").read_text(encoding="utf-8"))
# owner/name of the repository the launch buttons point to, from _config.yml
# (the one place the URL is set; the Colab cell reads it there too).
REPO = runpy.run_path(str(ROOT / "scripts" / "colab_cell.py"))["REPOSITORY"].removeprefix(
    "https://github.com/"
)

# Console messages that are not faults of the course.
IGNORED_CONSOLE = [
    # The ipywidgets HTML manager's JSON-schema validator (ajv) warns about
    # its own schema.
    re.compile(r"^strict mode: use allowUnionTypes"),
]


def _pages() -> list[str]:
    if not SITE.is_dir():
        return []
    pages = []
    for path in sorted(SITE.rglob("*.html")):
        rel = path.relative_to(SITE).as_posix()
        if rel.startswith(("_static/", "_sources/", "_images/")):
            continue
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8")[:2000]:
            continue  # index.html: a redirect to the first page
        pages.append(rel)
    return pages


PAGES = _pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


def test_the_site_was_built_with_every_chapter():
    assert SITE.is_dir(), "build the site first: ./run book"
    notebooks = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert [Path(p).stem for p in CHAPTERS] == notebooks
    assert {"intro.html", "bibliography.html", "glossary.html"} <= set(PAGES)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# The viewports a page is opened in: a laptop, and a phone held upright
# (an iPhone 12 to 15 is 390 CSS px wide) that has a touch screen.
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


class Visit:
    """One page opened offline, with everything that went wrong recorded."""

    def __init__(self, browser, base: str, rel: str, *, theme: str = "light", device: str = "desktop"):
        self.context = browser.new_context(**VIEWPORTS[device], color_scheme=theme)
        # pydata-sphinx-theme reads the reader's choice ("mode") from localStorage.
        self.context.add_init_script(f"localStorage.setItem('mode', '{theme}');")
        self.page = self.context.new_page()
        self.blocked, self.failed, self.errors = [], [], []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.goto(base + rel, wait_until="load")
        if self.page.locator("script[src*='mathjax']").count():  # only pages with math load it
            self.page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
            self.page.evaluate("MathJax.startup.promise")
        if self.page.locator(".vanishing-twin").count() or "widget-view+json" in self.page.content():
            # site/widgets-render.js: every view displayed, every twin's placeholder gone.
            self.page.evaluate("window.courseWidgetsRendered")
            self.page.wait_for_selector(".widget-subarea", state="attached")
            assert self.page.locator(".course-twin-placeholder").count() == 0, "a twin's placeholder is left"

    def _route(self, route):
        url = route.request.url
        if url.startswith("http://127.0.0.1:") or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            if not any(p.search(msg.text) for p in IGNORED_CONSOLE):
                self.errors.append(f"console: {msg.text}")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def close(self):
        self.context.close()


def _grouped(pages):
    """One xdist group per page, so that one worker serves all of a page's tests."""
    return [pytest.param(rel, marks=pytest.mark.xdist_group(rel)) for rel in pages]


@pytest.fixture(scope="module", params=_grouped(PAGES))
def page(request, browser, server):
    """The page opened once per theme and device (lazily), shared by every test of that page.

    pytest runs every test that uses a module-scoped parametrized fixture for
    one parameter before moving to the next, so each page is loaded once in
    light mode and once in dark mode, not once per test.  ``purpose`` asks
    for a copy of its own (the print test changes the media type).
    """
    visits = {}

    def open_in(theme="light", device="desktop", purpose=""):
        key = (theme, device, purpose)
        if key not in visits:
            visits[key] = Visit(browser, server, request.param, theme=theme, device=device)
        return visits[key]

    open_in.rel = request.param
    yield open_in
    for v in visits.values():
        v.close()


def test_page_loads_offline_without_errors(page):
    v = page()
    assert v.blocked == [], "the page fetched something from outside the site"
    assert v.failed == []
    assert v.errors == []


def test_every_formula_is_typeset(page):
    v = page()
    untypeset = v.page.evaluate(
        """() => Array.from(document.querySelectorAll('.math, span.math, div.math'))
                 .filter(el => !el.querySelector('mjx-container') && el.tagName !== 'MJX-CONTAINER')
                 .map(el => el.textContent.slice(0, 60))"""
    )
    assert untypeset == []
    text = v.page.evaluate(
        """() => { const main = document.querySelector('main').cloneNode(true);
                   main.querySelectorAll('pre, code, .cell_input').forEach(el => el.remove());
                   return main.innerText; }"""
    )
    for raw in ("$$", "\\frac", "\\partial", "\\begin{", "\\sigma"):
        assert raw not in text, f"raw TeX {raw!r} left on the page"


def test_structure_images_and_outputs(page):
    v = page()
    assert v.page.locator("h1:visible").count() == 1  # the theme's print-only copy is hidden
    missing_alt = v.page.evaluate(
        """() => Array.from(document.images)
                 .filter(img => !(img.getAttribute('alt') || '').trim())
                 .map(img => img.src.slice(0, 80))"""
    )
    assert missing_alt == []
    assert v.page.locator(".output.error, .output.traceback, .output.stderr").count() == 0
    assert "Traceback (most recent call last)" not in v.page.inner_text("main")


def _twin_state(twin):
    """(expected data-frame from the readouts, the data-frame of every visible image)."""
    return twin.evaluate(
        """box => {
            const sliders = Array.from(box.querySelectorAll('.widget-slider, .jupyter-widget-slider'))
                .filter(el => el.querySelector('[role="slider"]'));
            const parts = sliders.map(el => {
                const label = el.querySelector('.widget-label').textContent.trim();
                const readout = el.querySelector('.widget-readout');
                const value = (readout.value !== undefined && readout.value !== '' ? readout.value
                               : readout.textContent).trim();
                return label + '=' + value;
            });
            const shown = Array.from(box.querySelectorAll('img[data-frame]'))
                .filter(img => img.offsetParent !== null)
                .map(img => img.getAttribute('data-frame'));
            return [parts.join('; '), shown];
        }"""
    )


def _axe(pw_page) -> list[dict]:
    pw_page.add_script_tag(path=str(AXE))
    result = pw_page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }"""
    )
    serious = []
    for violation in result:
        if violation["impact"] not in ("critical", "serious"):
            continue
        allowed = [a for a in ALLOWLIST if a["rule"] == violation["id"]]
        targets = [t for t in violation["targets"] if not any(re.search(a["target"], t) for a in allowed)]
        if targets:
            serious.append({"id": violation["id"], "targets": targets[:5]})
    return serious


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violation(page, theme):
    v = page(theme)
    assert v.page.evaluate("document.documentElement.dataset.theme") == theme
    assert _axe(v.page) == []


def test_launch_and_download_buttons(page, server):
    if page.rel not in CHAPTERS:
        pytest.skip("launch buttons are on chapter pages")
    v = page()
    notebook = page.rel.removesuffix(".html") + ".ipynb"
    hrefs = v.page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=lab/tree/{quote(notebook)}" in hrefs
    assert f"https://colab.research.google.com/github/{REPO}/blob/main/{notebook}" in hrefs
    assert f"https://github.com/{REPO}" in hrefs
    assert v.page.locator("button.btn-launch-thebe").count() == 1
    download = server + "_sources/" + notebook
    assert download in hrefs
    response = v.page.request.get(download)
    assert response.status == 200 and json.loads(response.body())["cells"]


_WAIT_FOR_MATCH = """(box, timeout) => new Promise(resolve => {
    const t0 = performance.now();
    const check = () => {
        const readouts = Array.from(box.querySelectorAll('.widget-readout'))
            .map(r => ((r.value !== undefined && r.value !== '') ? r.value : r.textContent).trim());
        const shown = Array.from(box.querySelectorAll('img[data-frame]'))
            .filter(img => img.offsetParent !== null).map(img => img.getAttribute('data-frame'));
        const ok = shown.length === 1 && readouts.every(v => shown[0].includes('=' + v));
        if (ok || performance.now() - t0 > timeout) resolve(ok); else requestAnimationFrame(check);
    };
    check();
})"""


def _settle(twin):
    try:  # the frame switches in the same animation frame; allow for a slow machine
        twin.evaluate(_WAIT_FOR_MATCH, 2000)
    except Exception:
        pass  # the caller's assertion reports what is shown


def _twins(v):
    twins = v.page.locator(".vanishing-twin")
    n_widgets = v.page.content().count("application/vnd.jupyter.widget-view+json")
    assert twins.count() == n_widgets, "every widget on a static page is a twin"
    return [twins.nth(t) for t in range(twins.count())]


# What a page must not show off-screen on a phone: every element of the
# article that reaches past the viewport's edge must be clipped by a box that
# scrolls (a wide table, code cell or formula) and itself fits.
_OFF_SCREEN = """() => {
    const vw = document.documentElement.clientWidth;
    const clipped = el => {  // inside a box that clips or scrolls and is itself on screen
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') {
                const r = a.getBoundingClientRect();
                if (r.left >= -1 && r.right <= vw + 1) return true;
            }
        }
        return false;
    };
    const out = [];
    for (const el of document.querySelectorAll('main *')) {
        if (!el.getClientRects().length) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || (r.left >= -1 && r.right <= vw + 1)) continue;
        if (getComputedStyle(el).visibility === 'hidden' || clipped(el)) continue;
        out.push(`${el.tagName.toLowerCase()}.${String(el.className).trim().split(/\\s+/).join('.')}`
                 + ` [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    return {viewport: vw, scrollWidth: document.scrollingElement.scrollWidth, offScreen: out.slice(0, 8)};
}"""


def test_page_reads_on_a_phone(page):
    v = page(device="phone")
    layout = v.page.evaluate(_OFF_SCREEN)
    assert layout["viewport"] == VIEWPORTS["phone"]["viewport"]["width"]
    assert layout["scrollWidth"] <= layout["viewport"], "the page scrolls sideways on a phone"
    assert layout["offScreen"] == [], "content sticks out of a 390 px viewport"


def _boxes(twin):
    """The bounding boxes (left, right) of each slider row, readout and shown frame."""
    return twin.evaluate(
        """box => {
            const shown = el => el.getClientRects().length > 0;
            const rect = el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width]; };
            return {
                sliders: Array.from(box.querySelectorAll('.widget-slider, .jupyter-widget-slider'))
                    .filter(el => el.querySelector('[role="slider"]')).map(rect),
                readouts: Array.from(box.querySelectorAll('.widget-readout')).filter(shown).map(rect),
                frames: Array.from(box.querySelectorAll('img[data-frame]'))
                    .filter(img => img.offsetParent !== null).map(rect),
            };
        }"""
    )


def test_twins_fit_a_phone_and_move_by_touch(page):
    if page.rel not in CHAPTERS:
        pytest.skip("twins are on chapter pages")
    from playwright.sync_api import expect  # where the browser tests run, not where they are collected

    v = page(device="phone")
    width = VIEWPORTS["phone"]["viewport"]["width"]
    for t, twin in enumerate(_twins(v)):
        boxes = _boxes(twin)
        assert (
            boxes["sliders"] and len(boxes["readouts"]) == len(boxes["sliders"]) and len(boxes["frames"]) == 1
        )
        for part, rects in boxes.items():
            for left, right, w in rects:
                assert w > 0 and left >= 0 and right <= width + 0.5, f"twin {t}: a {part[:-1]} is off-screen"
        tracks = twin.locator(".widget-slider .slider, .jupyter-widget-slider .slider")
        assert tracks.count() == len(boxes["sliders"])
        for k in range(tracks.count()):
            track = tracks.nth(k)
            track.scroll_into_view_if_needed()
            handle = twin.locator('[role="slider"]').nth(k)
            seen = set()
            for end, bound in ((0.98, "aria-valuemax"), (0.02, "aria-valuemin")):  # right end, then left
                # noUiSlider ignores a tap while the previous one still animates (300 ms).
                expect(track).not_to_have_class(re.compile(r"\bnoUi-state-tap\b"), timeout=3000)
                box = track.bounding_box()
                v.page.touchscreen.tap(box["x"] + end * box["width"], box["y"] + box["height"] / 2)
                expect(
                    handle, f"twin {t}, slider {k}: a tap at {end:.0%} of the track moves it there"
                ).to_have_attribute("aria-valuenow", handle.get_attribute(bound), timeout=3000)
                _settle(twin)
                expected, shown = _twin_state(twin)
                assert shown == [expected], f"twin {t}, slider {k}, after a tap"
                seen.update(shown)
            assert len(seen) == 2, f"twin {t}, slider {k}: tapping both ends shows two frames"


# Elements that have no business on paper.
_SCREEN_ONLY = [
    ".bd-header",
    ".bd-sidebar-primary",
    ".bd-sidebar-secondary",
    ".bd-header-article",
    ".article-header-buttons",
    ".prev-next-area",
    ".btn-launch-thebe",
    ".search-button__button",
    ".vanishing-twin .slider-container",
    ".vanishing-twin-note",
]
PAGES_PRINTED = (3, 80)  # a chapter is several pages long; 80 would mean a layout fault


def test_chapter_prints_with_each_twins_current_frame(page):
    if page.rel not in CHAPTERS:
        pytest.skip("chapters are what instructors print")
    v = page(purpose="print")
    twins = _twins(v)
    for twin in twins:  # the printout must show the frame chosen now, not the first one
        twin.locator('[role="slider"]').first.focus()
        v.page.keyboard.press("End")
        _settle(twin)
    v.page.emulate_media(media="print")
    PRINTS.mkdir(parents=True, exist_ok=True)
    pdf = v.page.pdf(path=PRINTS / (Path(page.rel).stem + ".pdf"), format="A4", print_background=True)
    # chromium writes one page object per page ("/Type /Page"; the tree is "/Type /Pages").
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    print(f"{page.rel}: {pages} printed pages")
    assert PAGES_PRINTED[0] <= pages <= PAGES_PRINTED[1], f"{pages} pages"
    assert v.page.evaluate("matchMedia('print').matches")
    on_paper = v.page.evaluate(
        """sels => sels.filter(s => Array.from(document.querySelectorAll(s))
                                       .some(el => el.getClientRects().length > 0))""",
        _SCREEN_ONLY,
    )
    assert on_paper == [], "screen-only elements are printed"
    for t, twin in enumerate(twins):
        expected, shown = _twin_state(twin)
        assert shown == [expected], f"twin {t} prints the frame its sliders name"
        frame = twin.evaluate(
            """box => { const img = Array.from(box.querySelectorAll('img[data-frame]'))
                                         .find(i => i.offsetParent !== null);
                        const r = img.getBoundingClientRect();
                        return {w: r.width, h: r.height, natural: img.naturalWidth, done: img.complete,
                                style: getComputedStyle(img).visibility}; }"""
        )
        assert frame["done"] and frame["natural"] > 0 and frame["style"] == "visible", f"twin {t}: {frame}"
        assert frame["w"] > 200 and frame["h"] > 100, f"twin {t} prints blank or tiny: {frame}"


# At DOMContentLoaded (before the ipywidgets manager has loaded): each twin's
# static copy from site/widgets-render.js, as (data-frame, alt) of its images.
_PLACEHOLDERS_AT_PARSE = """document.addEventListener('DOMContentLoaded', () => {
    window.__placeholders = Array.from(document.querySelectorAll(
            'script[type="application/vnd.jupyter.widget-view+json"]'))
        .map(s => s.previousElementSibling)
        .map(el => el && el.classList.contains('course-twin-placeholder')
             ? Array.from(el.querySelectorAll('img')).map(i => [i.getAttribute('data-frame'), i.alt]) : null);
});"""


@pytest.mark.parametrize("rel", _grouped(CHAPTERS))
def test_twins_show_their_start_frame_before_the_manager_renders(rel, browser, server):
    """The reader sees each twin's start frame while the page is parsed, and the same frame after."""
    context = browser.new_context(**VIEWPORTS["desktop"])
    try:
        context.add_init_script(_PLACEHOLDERS_AT_PARSE)
        pw_page = context.new_page()
        pw_page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
        pw_page.goto(server + rel, wait_until="domcontentloaded")
        placeholders = pw_page.evaluate("window.__placeholders")
        pw_page.evaluate("window.courseWidgetsRendered")
        assert pw_page.locator(".course-twin-placeholder").count() == 0
        twins = pw_page.locator(".vanishing-twin")
        assert len(placeholders) == twins.count()
        for t, copy in enumerate(placeholders):
            assert copy is not None and len(copy) == 1, f"twin {t}: one start frame while the page loads"
            (frame, alt), (expected, shown) = copy[0], _twin_state(twins.nth(t))
            assert alt.strip() and shown == [expected] == [frame], f"twin {t}"
    finally:
        context.close()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_every_twin_shows_the_frame_its_sliders_name(page, device):
    """Last in the module: it moves the sliders of the shared light-mode pages."""
    if page.rel not in CHAPTERS:
        pytest.skip("twins are on chapter pages")
    v = page(device=device)
    for twin in _twins(v):
        expected, shown = _twin_state(twin)
        assert shown == [expected], "the twin opens on the frame its sliders name"
        handles = twin.locator('[role="slider"]')
        assert handles.count() >= 1
        for k in range(handles.count()):
            handle = handles.nth(k)
            for key in ("End", "Home", "ArrowRight"):
                handle.focus()
                v.page.keyboard.press(key)
                _settle(twin)
                expected, shown = _twin_state(twin)
                assert shown == [expected], f"slider {k} after {key}"
            assert handle.get_attribute("aria-label"), "the slider has an accessible name"
            valuetext = handle.get_attribute("aria-valuetext")
            assert valuetext and valuetext in expected, "aria-valuetext follows the readout"
