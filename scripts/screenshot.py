"""Make images/screenshot-chapter1.png, the README's picture of a chapter page.

    .venv/bin/python scripts/screenshot.py       (after ./run book; needs chromium)

Serves _build/html on 127.0.0.1, opens chapter 1 in headless chromium with the
network cut, scrolls to the kernel-free depth widget, moves its depth slider
one step, and saves a 1280 x 860 screenshot.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
OUT = ROOT / "images" / "screenshot-chapter1.png"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> int:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860}, color_scheme="light")
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        page.goto(base + "chapters/01_why_gradients_vanish.html", wait_until="load")
        twin = page.locator(".vanishing-twin").first
        twin.wait_for(state="visible")
        handle = twin.locator('[role="slider"]').first
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        page.evaluate("el => el.scrollIntoView({block: 'center'})", twin.element_handle())
        page.wait_for_timeout(300)
        OUT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT))
        browser.close()
    httpd.shutdown()
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
