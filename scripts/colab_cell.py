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
tests/test_notebooks.py checks that every chapter carries this exact cell, and
tests/test_doors.py installs the library with its pip command, pointed at a
local clone.  The repository URL is read from ``_config.yml`` (``repository:
url``), the one place it is set; the launch buttons use the same entry.
JupyterLab shows the cell collapsed (``jupyter.source_hidden``).
"""

from __future__ import annotations

import copy
import glob
import sys
from pathlib import Path

import nbformat
import yaml

CONFIG = Path(__file__).parents[1] / "_config.yml"


def repository_url(config: Path = CONFIG) -> str:
    """``repository: url`` from the book's configuration."""
    url = (yaml.safe_load(config.read_text(encoding="utf-8")).get("repository") or {}).get("url")
    if not url:
        raise ValueError(f"{config} sets no repository url")
    return url


REPOSITORY = repository_url()
TAGS = ["colab", "remove-cell", "skip-execution", "nbval-skip"]
METADATA = {"tags": TAGS, "jupyter": {"source_hidden": True}}
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
    cell = nbformat.v4.new_code_cell(SOURCE, metadata=copy.deepcopy(METADATA))
    cell.pop("id", None)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    old = nb.cells[first_code]
    if "colab" in old.metadata.get("tags", []):
        if old.source == SOURCE and dict(old.metadata) == METADATA and not old.outputs:
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
