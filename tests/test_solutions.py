"""The code in the exercises and their solutions runs as printed.

Readers copy the ```python blocks of the ``{exercise}`` and ``{solution}``
directives (markdown cells, folded as dropdowns) into the chapter's notebook.
nbval never executes them, so a renamed library function would go unnoticed.
Here each block runs in a fresh namespace that has run only the chapter's
imports cell (the first code cell after the Colab set-up cell), as a reader
who has just opened the notebook and run its first cell would.

A block that needs a variable the chapter defines later must say so in
``NEEDS`` (names and the reason); the chapter's code cells then run in order
until those names exist.  Any other undefined name fails the test.

The blocks of one solution run in order in one namespace, as a reader runs
them one after another, and every decimal number the solution's prose quotes
must be printed by them, by the chapter, or be allowed (``tests/prose_numbers.py``):
a solution's answer is re-run, not remembered.

A block that is a long run is shortened by the textual substitutions in
``CHEAPER`` (each must match, with the reason): the same calls on less work,
so a renamed function or a changed signature still fails, but the printed
numbers of the full run are then not checked.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import time
from pathlib import Path

import matplotlib

# Agg in this process only.  Never through os.environ: pytest-xdist runs the
# chapters' nbval kernels from the same worker, and a kernel that inherits
# MPLBACKEND=Agg shows no figures (strict nbval then fails on every figure).
matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from prose_numbers import allowed, chapter_text, listing, solutions, untied  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

ROOT = Path(__file__).parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# A block's budget: a reader who copies a solution should see its answer at once.  CPU
# seconds of this process (BLAS limited to one thread below), not wall time: on a CI
# machine whose other core runs a chapter's kernel, wall time says more about the load.
SECONDS = 10.0

# (chapter stem, exercise label): (names the chapter defines before the exercises, reason)
NEEDS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("06_relu", "ex-ch06-born-dead"): (
        ("X_all",),
        "the exercise asks for the chapter's digits, X_all (section on counting dead units)",
    ),
}

# (chapter stem, exercise label): ((old, new) substitutions, reason)
CHEAPER: dict[tuple[str, str], tuple[tuple[tuple[str, str], ...], str]] = {}

DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<kind>exercise|solution)\}[ \t]*(?P<arg>\S*)[ \t]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
PYTHON = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"])


def _code_cells(nb):
    """The chapter's own code cells (the Colab set-up cell aside)."""
    return [
        c for c in nb["cells"] if c["cell_type"] == "code" and "colab" not in c["metadata"].get("tags", [])
    ]


def snippets():
    """(id, chapter path, label, kind, [code, ...]) for each exercise block and each solution's blocks."""
    found = []
    for path in CHAPTERS:
        for cell in _load(path)["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for m in DIRECTIVE.finditer(_source(cell)):
                label = m["arg"]
                blocks = [b["code"] for b in PYTHON.finditer(m["body"])]
                if m["kind"] == "solution":
                    found.append((f"{path.stem}-{label}", path, label, "solution", blocks))
                    continue
                named = re.search(r"^:label:\s*(\S+)", m["body"], re.M)
                label = named.group(1) if named else "unlabelled-exercise"
                for i, code in enumerate(blocks):
                    suffix = "-exercise" + (f"-{i + 1}" if len(blocks) > 1 else "")
                    found.append((f"{path.stem}-{label}{suffix}", path, label, "exercise", [code]))
    return found


SNIPPETS = snippets()


def _run(code, namespace, name):
    """Execute a block as a notebook cell would: a final bare expression is shown (printed)."""
    tree = ast.parse(code, filename=name)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
        if value is not None:
            print(repr(value))


def _chapter_namespace(path, needs):
    """A fresh namespace after the imports cell, and then the cells that define ``needs``."""
    cells = _code_cells(_load(path))
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        _run(_source(cells[0]), namespace, f"{path.stem}[imports]")
        for i, cell in enumerate(cells[1:], start=1):
            if all(n in namespace for n in needs):
                break
            _run(_source(cell), namespace, f"{path.stem}[code cell {i}]")
            plt.close("all")
    missing = [n for n in needs if n not in namespace]
    assert not missing, f"{path.stem} defines no {missing} (see NEEDS)"
    return namespace


def test_every_exercise_and_solution_block_is_found():
    assert len(SNIPPETS) >= 10
    ids = [s[0] for s in SNIPPETS]
    assert len(ids) == len(set(ids)), "two blocks with one id"
    known = {(s[1].stem, s[2]) for s in SNIPPETS}
    assert set(NEEDS) <= known, "NEEDS names a block that no longer exists"
    assert set(CHEAPER) <= known, "CHEAPER names a block that no longer exists"


@pytest.mark.parametrize(
    ("path", "label", "kind", "blocks"), [s[1:] for s in SNIPPETS], ids=[s[0] for s in SNIPPETS]
)
def test_blocks_run_after_the_imports_cell_and_print_the_numbers_they_quote(path, label, kind, blocks):
    key = (path.stem, label)
    needs = NEEDS.get(key, ((), ""))[0]
    substitutions = CHEAPER.get(key, ((), ""))[0]
    for old, _ in substitutions:
        assert any(old in code for code in blocks), f"CHEAPER substitution {old!r} no longer matches a block"
    printed = io.StringIO()
    with threadpool_limits(limits=1):
        namespace = _chapter_namespace(path, needs)
        for i, code in enumerate(blocks):
            for old, new in substitutions:
                code = code.replace(old, new)
            start = time.process_time()
            try:
                with contextlib.redirect_stdout(printed):
                    _run(code, namespace, f"{path.stem}[{label}][{i + 1}]")
            finally:
                plt.close("all")
            seconds = time.process_time() - start
            print(f"[block {i + 1}: {seconds:.2f} s of CPU]")
            assert seconds < SECONDS, (
                f"block {i + 1} took {seconds:.1f} s of CPU: shorten it or list it in CHEAPER"
            )
    print(printed.getvalue())
    if kind == "exercise" or substitutions:
        return  # an exercise's starter code, or a shortened run: its numbers are not the prose's
    nb = _load(path)
    prose = dict(solutions(nb))[label]
    rows = untied(prose, printed.getvalue(), "\n".join(blocks), chapter_text(nb), allow=allowed(nb))
    assert not rows, (
        f"the solution to {label} quotes numbers its code does not print "
        f"(print them, or allow them in metadata.vanishing.prose_numbers with a reason):\n{listing(rows)}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_solution_is_checked(path):
    labels = {s[2] for s in SNIPPETS if s[1] == path and s[3] == "solution"}
    assert labels == {label for label, _ in solutions(_load(path))}
