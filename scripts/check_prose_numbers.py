"""List the decimal numbers in a chapter's prose that no output of the chapter prints.

A number in the text that comes from a computation should be printed by a
cell above it (or glued); one that appears in no output, no code and no
allowlist has nothing that re-runs it.  Usage::

    python scripts/check_prose_numbers.py [chapters/NN_name.ipynb ...]

prints, per chapter, each such number with the start of its sentence, and a
count.  Numbers with at least two decimals are checked (``0.713``,
``1.0449``); a number counts as found if its digits appear in any output
(stream text, ``text/plain``, figure alt text) or in any code cell (an input
the reader can see).  Exit status 0 always: this is an audit, not yet a test.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{2,}(?![\d])")
#: Constants quoted from papers or mathematics, not computed by a chapter.
ALLOWED = {"1.7159", "1.0507", "1.6733", "0.5772", "3.1416", "2.7183", "0.044715", "1.702", "0.25"}


def _outputs(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts.append("".join(cell["source"]))
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        parts.append(alt)
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]))
            data = out.get("data", {})
            for key in ("text/plain", "text/markdown", "text/html"):
                if key in data:
                    parts.append("".join(data[key]))
    return "\n".join(parts)


def unprinted(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text())
    printed = _outputs(nb)
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        for m in NUMBER.finditer(text):
            digits = m.group(0).lstrip("-")
            if digits in ALLOWED or digits in printed:
                continue
            start = max(text.rfind(". ", 0, m.start()) + 2, 0)
            found.append((digits, text[start : m.end() + 20].replace("\n", " ")))
    return found


def main(paths: list[str]) -> None:
    chapters = [Path(p) for p in paths] or sorted(Path(__file__).parents[1].glob("chapters/*.ipynb"))
    total = 0
    for path in chapters:
        rows = unprinted(path)
        total += len(rows)
        print(f"{path.name}: {len(rows)}")
        for digits, context in rows:
            print(f"    {digits:>10}  ...{context[-110:]}")
    print(f"total: {total}")


if __name__ == "__main__":
    main(sys.argv[1:])
