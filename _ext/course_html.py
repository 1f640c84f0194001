"""Small fixes to the HTML that Jupyter Book v1 writes (a local Sphinx extension).

* In a Jupyter Book 1.0.4 build the inline configuration scripts of
  sphinx-thebe (``const THEBE_JS_URL = ...``) and sphinx-togglebutton reach
  each page twice.  A second ``const`` declaration is a script error
  (``Identifier 'THEBE_JS_URL' has already been declared``), so identical
  inline scripts are kept once, in their first position.
* docutils marks each bibliography entry ``role="doc-biblioentry"`` inside a
  ``role="list"``.  DPUB-ARIA 1.1 deprecated that role in favour of
  ``listitem``, and axe-core reports the list as having no valid items (a
  critical violation), so the entries get ``role="listitem"``.

It also tells the library that the book is being built: the kernels that
execute the chapters inherit ``VANISHING_BOOK_BUILD=1`` from this process, and
only then does ``vanishing.widgets.twin`` draw the kernel-free twins the static
site needs (a reader with a kernel has the live widget instead).
"""

from __future__ import annotations

import os

# vanishing.widgets.BOOK_BUILD (not imported: the extension must load even
# where the library is not installed, and Sphinx loads it before executing).
BOOK_BUILD = "VANISHING_BOOK_BUILD"


def _drop_duplicate_inline_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body")
        key = (getattr(script, "filename", None) or "", body)
        if body is not None and key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def _bibliography_entries_as_list_items(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    os.environ[BOOK_BUILD] = "1"
    # After every other handler has added its scripts.
    app.connect("html-page-context", _drop_duplicate_inline_scripts, priority=900)
    app.connect("html-page-context", _bibliography_entries_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
