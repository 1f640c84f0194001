"""What the static site costs a reader: page sizes, first frame, frame switches.

    ./run bench            (or: .venv/bin/python benchmarks/site.py, after ./run book)
    .venv/bin/python benchmarks/site.py --site OLD --site NEW --page chapters/02_odds_to_sigmoid.html

For every page of ``_build/html`` (or of each ``--site`` folder) it prints the size of the HTML file (the
twins' frames are inlined in it, so this is what a reader downloads beyond
the shared scripts).  For every chapter with a kernel-free twin it opens the
page in headless chromium (network cut to 127.0.0.1) and reports

* first frame: milliseconds from navigation start until the first twin's
  frame is decoded and visible (site/widgets-render.js paints a static copy
  of each twin while the page is parsed; the manager replaces it);
* page parsed and math typeset: milliseconds from navigation start to
  DOMContentLoaded and to MathJax's first typesetting of the page, so that
  the first frame can be read against them (site/widgets-render.js renders
  the widgets once the page is parsed; MathJax typesets after them);
* frame switch: the median, over several key presses on the twin's sliders,
  of the milliseconds from the key event to the new frame being visible,
  measured inside the page with ``performance.now()``.

With several ``--site`` folders the pages are opened in turn, site after
site, in one browser, so that a busy machine slows them alike.

Budgets from the static-site issue: at most 1 MB of HTML for a page with a
one-parameter twin, 3 MB with two or more.  This script prints; nothing
asserts on time.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

#: Targets of the speed issue: the first twin frame painted within 1 s of
#: navigation, a frame switch within one 60 Hz frame (median).
FIRST_FRAME_TARGET_MS, SWITCH_TARGET_MS = 1000.0, 16.0


def _verdict(ms: float, target: float) -> str:
    return f"{'met' if ms <= target else 'MISSED'} (<= {target:g} ms)"


FIRST_FRAME_JS = """() => new Promise(resolve => {
    const done = () => {
        const img = Array.from(document.querySelectorAll('.vanishing-twin img[data-frame]'))
            .find(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0);
        if (img) resolve(performance.now()); else requestAnimationFrame(done);
    };
    done();
})"""

TIMELINE_JS = """() => new Promise(resolve => {
    // Once DOMContentLoaded has run (MathJax, a deferred script, has run before it).
    const wait = () => {
        const nav = performance.getEntriesByType('navigation')[0];
        if (!nav || !nav.domContentLoadedEventEnd) return setTimeout(wait, 10);
        const parsed = nav.domContentLoadedEventStart;
        const math = window.MathJax && MathJax.startup && MathJax.startup.promise;
        if (!math) resolve([parsed, NaN]);
        else math.then(() => resolve([parsed, performance.now()]));
    };
    wait();
})"""

SWITCH_JS = """async (n) => {
    const visible = () => Array.from(document.querySelectorAll('.vanishing-twin img[data-frame]'))
        .filter(i => i.offsetParent !== null).map(i => i.getAttribute('data-frame')).join('|');
    const handles = Array.from(document.querySelectorAll('.vanishing-twin [role="slider"]'));
    const times = [];
    for (let k = 0; k < n; k++) {
        const handle = handles[k % handles.length];
        const before = visible();
        handle.focus();
        // Step towards the far end, so that every key press changes the frame.
        const now = Number(handle.getAttribute('aria-valuenow'));
        const max = Number(handle.getAttribute('aria-valuemax'));
        const key = now < max ? 'ArrowRight' : 'ArrowLeft';
        const t0 = performance.now();
        handle.dispatchEvent(new KeyboardEvent('keydown', {key: key, bubbles: true}));
        await new Promise(resolve => {
            const check = () => (visible() !== before || performance.now() - t0 > 2000)
                ? resolve() : requestAnimationFrame(check);
            check();
        });
        times.push(performance.now() - t0);
    }
    return times;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def _twin_pages(site: Path, *, show_sizes: bool) -> list[str]:
    pages = sorted(
        p
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith(("_static", "_sources"))
    )
    if show_sizes:
        print(f"{'page':52s} {'HTML':>9s}  twins")
    twin_pages = []
    for p in pages:
        html = p.read_text(encoding="utf-8")
        rel = p.relative_to(site).as_posix()
        if show_sizes:
            n_twins = html.count("vanishing-twin")
            print(f"{rel:52s} {p.stat().st_size / 1e6:7.2f} MB  {min(n_twins, 9):5d}")
        if "data-frame" in html:
            twin_pages.append(rel)
    return twin_pages


def _visit(browser, base: str, rel: str) -> tuple[float, float, float, list[float]]:
    """(DOMContentLoaded, first frame, math typeset, frame switches) of one visit, in ms."""
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page.goto(base + rel, wait_until="commit")
    first = page.evaluate(FIRST_FRAME_JS)
    parsed, math = page.evaluate(TIMELINE_JS)
    page.evaluate("window.courseWidgetsRendered")  # switch frames with the real sliders
    switch = page.evaluate(SWITCH_JS, 4)
    page.close()
    return parsed, first, math, switch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site",
        action="append",
        type=Path,
        help="a built site folder (default _build/html); repeat to compare",
    )
    parser.add_argument("--page", action="append", help="only these pages (relative to the site folder)")
    parser.add_argument("--runs", type=int, default=3, help="visits per page and site (default 3)")
    args = parser.parse_args(argv)
    sites = args.site or [SITE]
    for site in sites:
        if not site.is_dir():
            print(f"no {site}: run ./run book first")
            return 1
    twin_pages = _twin_pages(sites[0], show_sizes=len(sites) == 1)
    if args.page:
        twin_pages = [p for p in twin_pages if p in args.page]

    from playwright.sync_api import sync_playwright

    served = [_serve(site) for site in sites]
    print(
        f"\n{'chapter':52s} {'parsed':>9s} {'first frame':>12s} {'math':>9s} "
        f"{'switch (median of ' + str(4 * args.runs) + ')':>22s}"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for rel in twin_pages:
            results = [([], [], [], []) for _ in sites]
            for _ in range(args.runs):
                for (_, base), (parsed, first, math, switch) in zip(served, results, strict=True):
                    when_parsed, when_first, when_typeset, switches = _visit(browser, base, rel)
                    parsed.append(when_parsed)
                    first.append(when_first)
                    math.append(when_typeset)
                    switch += switches
            for site, (parsed, first, math, switch) in zip(sites, results, strict=True):
                name = rel if len(sites) == 1 else f"{rel} [{site.parent.name}/{site.name}]"
                first_ms, switch_ms = statistics.median(first), statistics.median(switch)
                print(
                    f"{name:52s} {statistics.median(parsed):6.0f} ms {first_ms:9.0f} ms "
                    f"{statistics.median(math):6.0f} ms {switch_ms:19.1f} ms"
                    f"  first frame {_verdict(first_ms, FIRST_FRAME_TARGET_MS)}, switch {_verdict(switch_ms, SWITCH_TARGET_MS)}"
                )
        browser.close()
    for httpd, _ in served:
        httpd.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
