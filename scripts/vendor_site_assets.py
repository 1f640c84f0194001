"""Copy the front-end files the website serves itself from node_modules into site/vendor/.

    npm ci && python scripts/vendor_site_assets.py

``package.json`` and ``package-lock.json`` pin the versions; ``site/vendor/`` is
generated (and git-ignored), and ``_config.yml`` points Sphinx at it through
``html_static_path``, ``mathjax_path`` and ``nb_ipywidgets_js``.  Nothing the
pages need is fetched from a CDN when they are viewed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "site" / "vendor"

# MathJax: the combined TeX + CHTML component with the base and AMS packages
# (every formula of the course needs only these and boldsymbol, which the
# component's autoload fetches from input/tex/extensions when a page uses it)
# and the directories it loads on demand (fonts, TeX extensions,
# accessibility, menu, speech rules), not the other combined builds.
# tex-chtml-full.js would add 170 kB of packages no formula uses.
MATHJAX_ENTRY = "tex-chtml.js"
# The ipywidgets 8 embedder (AMD flavour, loaded with require.js) without its
# render-on-load lines (site/widgets-render.js renders the widgets earlier),
# and the icon fonts it references by relative URL; embed-amd.js and embed.js
# are other builds of the same code.
HTML_MANAGER_SKIP = {"embed-amd.js", "embed.js", "embed.js.map"}


def copy_mathjax() -> None:
    src = MODULES / "mathjax" / "es5"
    dst = VENDOR / "mathjax"
    dst.mkdir(parents=True)
    for item in src.iterdir():
        if item.is_dir():
            shutil.copytree(item, dst / item.name)
        elif item.name == MATHJAX_ENTRY:
            shutil.copy2(item, dst / item.name)


def copy_html_manager() -> None:
    src = MODULES / "@jupyter-widgets" / "html-manager" / "dist"
    dst = VENDOR / "html-manager"
    dst.mkdir(parents=True)
    for item in src.iterdir():
        if item.is_file() and item.name not in HTML_MANAGER_SKIP:
            shutil.copy2(item, dst / item.name)


def main() -> int:
    if not MODULES.is_dir():
        print("node_modules/ is missing: run `npm ci` first", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    copy_mathjax()
    copy_html_manager()
    shutil.copy2(MODULES / "requirejs" / "require.js", VENDOR / "require.js")
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    print(f"site/vendor: {size / 1e6:.1f} MB copied from node_modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
