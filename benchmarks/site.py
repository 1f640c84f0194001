"""What the static site costs a reader: page sizes, first frame, frame switches.

    ./run bench            (or: .venv/bin/python benchmarks/site.py, after ./run book)

For every page of ``_build/html`` it prints the size of the HTML file (the
twins' frames are inlined in it, so this is what a reader downloads beyond
the shared scripts).  For every chapter with a kernel-free twin it opens the
page in headless chromium (network cut to 127.0.0.1) and reports

* first frame: milliseconds from navigation start until the first twin's
  frame is decoded and visible (the ipywidgets manager has rendered it);
* page parsed and math typeset: milliseconds from navigation start to
  DOMContentLoaded and to MathJax's first typesetting of the page, so that
  the first frame can be read against them (site/widgets-render.js renders
  the widgets once the page is parsed; MathJax typesets after them);
* frame switch: the median, over several key presses on the twin's sliders,
  of the milliseconds from the key event to the new frame being visible,
  measured inside the page with ``performance.now()``.

Budgets from the static-site issue: at most 1 MB of HTML for a page with a
one-parameter twin, 3 MB with two or more.  This script prints; nothing
asserts on time.
"""

from __future__ import annotations

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

FIRST_FRAME_JS = """() => new Promise(resolve => {
    const done = () => {
        const img = Array.from(document.querySelectorAll('.vanishing-twin img[data-frame]'))
            .find(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0);
        if (img) resolve(performance.now()); else requestAnimationFrame(done);
    };
    done();
})"""

TIMELINE_JS = """() => new Promise(resolve => {
    const parsed = performance.getEntriesByType('navigation')[0].domContentLoadedEventStart;
    const math = window.MathJax && MathJax.startup && MathJax.startup.promise;
    if (!math) resolve([parsed, NaN]);
    else math.then(() => resolve([parsed, performance.now()]));
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


def main() -> int:
    if not SITE.is_dir():
        print("no _build/html: run ./run book first")
        return 1
    pages = sorted(
        p
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(("_static", "_sources"))
    )
    print(f"{'page':52s} {'HTML':>9s}  twins")
    twin_pages = []
    for p in pages:
        html = p.read_text(encoding="utf-8")
        n_twins = html.count("vanishing-twin")
        rel = p.relative_to(SITE).as_posix()
        print(f"{rel:52s} {p.stat().st_size / 1e6:7.2f} MB  {min(n_twins, 9):5d}")
        if "data-frame" in html:
            twin_pages.append(rel)

    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    print(
        f"\n{'chapter':52s} {'parsed':>9s} {'first frame':>12s} {'math':>9s} {'switch (median of 12)':>22s}"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for rel in twin_pages:
            first, switch, parsed, math = [], [], [], []
            for _ in range(3):
                page = browser.new_page()
                page.route(
                    "**/*",
                    lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
                )
                page.goto(base + rel, wait_until="commit")
                first.append(page.evaluate(FIRST_FRAME_JS))
                when_parsed, when_typeset = page.evaluate(TIMELINE_JS)
                parsed.append(when_parsed)
                math.append(when_typeset)
                switch += page.evaluate(SWITCH_JS, 4)
                page.close()
            print(
                f"{rel:52s} {statistics.median(parsed):6.0f} ms {statistics.median(first):9.0f} ms "
                f"{statistics.median(math):6.0f} ms {statistics.median(switch):19.1f} ms"
            )
        browser.close()
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
