"""Put the Colab set-up cell at the top of every chapter (idempotent).

    python scripts/colab_cell.py                  # every chapter
    python scripts/colab_cell.py chapters/04_*.ipynb

A reader who opens a chapter in Colab has the notebook but not the repository,
so the first code cell installs the course library there, and only there.
Its tags keep it off the website (``remove-cell``), out of the book build's
execution (``skip-execution``, which myst-nb honours) and out of nbval
(``nbval-skip``), so CI never runs it.  scripts/run_notebooks.py does run it
(outside Colab it does nothing), so the stored notebook has an execution count
for every code cell.
tests/test_notebooks.py checks that every chapter carries this exact cell.
"""

from __future__ import annotations

import glob
import sys

import nbformat

REPOSITORY = "https://github.com/vanishing-gradients/course"
TAGS = ["colab", "remove-cell", "skip-execution", "nbval-skip"]
SOURCE = f"""\
# Colab only: install the course library and enable its widgets. Elsewhere
# (Binder, a local clone) the library is already installed and nothing runs.
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "vanishing @ git+{REPOSITORY}@main"
    from google.colab import output

    output.enable_custom_widget_manager()"""


def add(path: str) -> bool:
    """Insert or refresh the cell; return True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(SOURCE, metadata={"tags": list(TAGS)})
    cell.pop("id", None)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    old = nb.cells[first_code]
    if "colab" in old.metadata.get("tags", []):
        if old.source == SOURCE and old.metadata.get("tags") == TAGS and not old.outputs:
            return False
        cell["id"] = old.get("id")
        nb.cells[first_code] = cell
    else:
        cell["id"] = "colab-setup"
        nb.cells.insert(first_code, cell)
    nbformat.write(nb, path)
    return True


def main(paths: list[str]) -> int:
    for path in paths or sorted(glob.glob("chapters/*.ipynb")):
        print(f"{path}: {'updated' if add(path) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
