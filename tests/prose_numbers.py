"""Which decimal numbers in a chapter's prose nothing re-runs.

A number in the text that comes from a computation must be printed by a cell
of its chapter (or glued with myst-nb's ``glue``); a number in a solution must
be printed by the solution's own code (``tests/test_solutions.py`` runs it) or
by the chapter.  A number counts as *tied* if its digits appear, as a whole
number, in

* an output of the chapter (stream text, ``text/plain``, ``text/markdown``,
  ``text/html``, which is where ``glue`` stores its value) or a figure's alt text;
* a code cell of the chapter (a parameter the reader can see set);
* the chapter's allowlist, ``metadata.vanishing.prose_numbers`` in the
  notebook: ``{"0.7071": "1/sqrt(2), the ..."}``, each with its reason;
* ``CONSTANTS`` below: values quoted from papers or from mathematics.

Numbers with at least two decimals are checked (``0.713``, ``1.0449``), the
ones a reader takes for a measurement.  Run as a script for a report::

    python tests/prose_numbers.py [chapters/NN_name.ipynb ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{2,}(?![\d])")

#: Constants from papers or mathematics that a chapter quotes; no chapter computes
#: them as a result, so no output need print them.
CONSTANTS = {
    "0.25": "the sigmoid's largest slope, 1/4 (derived symbolically in chapter 3)",
    "1.7159": "LeCun et al. (1998)'s scaled tanh, 1.7159 tanh(2x/3)",
    "1.0507": "SELU's lambda, Klambauer et al. (2017), to four decimals",
    "1.6733": "SELU's alpha, Klambauer et al. (2017), to four decimals",
    "0.044715": "the cubic coefficient of Hendrycks and Gimpel's tanh approximation of GELU",
    "1.702": "the slope in Hendrycks and Gimpel's sigmoid approximation of GELU, x sigmoid(1.702 x)",
    "3.1416": "pi to four decimals",
    "2.7183": "e to four decimals",
}

SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution\}[ \t]*(?P<label>\S*)[ \t]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
CODE_BLOCK = re.compile(r"^(`{3,})python[ \t]*\n.*?^\1[ \t]*$", re.M | re.S)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def chapter_text(nb: dict) -> str:
    """Everything the chapter's code cells show: their code, outputs and figures' alt text."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts.append(_source(cell))
        parts.append(cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", ""))
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]))
            data = out.get("data", {})
            for key in ("text/plain", "text/markdown", "text/html"):
                if key in data:
                    parts.append("".join(data[key]))
    return "\n".join(parts)


def allowed(nb: dict) -> dict[str, str]:
    """The constants and the chapter's own allowlist, number -> reason."""
    own = nb["metadata"].get("vanishing", {}).get("prose_numbers", {})
    return {**CONSTANTS, **own}


def contains_number(text: str, digits: str) -> bool:
    """Whether ``digits`` appears in ``text`` as a whole number (0.71 is not in 0.713)."""
    return re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d])", text) is not None


def untied(prose: str, *texts: str, allow: dict[str, str]) -> list[tuple[str, str]]:
    """(number, its sentence's start) for each number in ``prose`` found in none of ``texts``."""
    found = []
    for m in NUMBER.finditer(prose):
        digits = m.group(0).lstrip("-")
        if digits in allow or any(contains_number(t, digits) for t in texts):
            continue
        start = max(prose.rfind(". ", 0, m.start()) + 2, 0)
        found.append((digits, prose[start : m.end() + 20].replace("\n", " ")))
    return found


def listing(rows: list[tuple[str, str]]) -> str:
    """The untied numbers, one a line, for a failure message."""
    return "\n".join(f"  {d}: ...{c[-100:]}" for d, c in rows)


def body_prose(nb: dict) -> str:
    """The chapter's markdown without its solutions (those are checked against their own code)."""
    cells = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return "\n\n".join(SOLUTION.sub("", text) for text in cells)


def solutions(nb: dict) -> list[tuple[str, str]]:
    """(label, prose) of each solution, its python blocks removed."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for m in SOLUTION.finditer(_source(cell)):
                found.append((m["label"], CODE_BLOCK.sub("", m["body"])))
    return found


def main(paths: list[str]) -> None:
    total = 0
    for path in [Path(p) for p in paths] or CHAPTERS:
        nb = load(path)
        rows = untied(body_prose(nb), chapter_text(nb), allow=allowed(nb))
        total += len(rows)
        print(f"{path.name}: {len(rows)} in the chapter's prose (solutions: tests/test_solutions.py)")
        for digits, context in rows:
            print(f"    {digits:>10}  ...{context[-110:]}")
    print(f"total: {total}")


if __name__ == "__main__":
    main(sys.argv[1:])
