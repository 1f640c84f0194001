"""Every chapter follows the course template (see CONTRIBUTING.md, "The shape of a chapter").

These checks read the committed notebooks as JSON; nbval (run separately)
re-executes them and compares outputs.
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
COLAB = runpy.run_path(str(ROOT / "scripts" / "colab_cell.py"))
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def markdown(nb):
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def code_cells(nb):
    """The chapter's own code cells (the Colab set-up cell aside)."""
    return [
        c for c in nb["cells"] if c["cell_type"] == "code" and "colab" not in c["metadata"].get("tags", [])
    ]


def test_there_are_chapters_and_each_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert CHAPTERS
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in toc


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
class TestChapter:
    def test_title_label_and_overview(self, path):
        nb = load(path)
        first = (
            source(nb["cells"][0]) if nb["cells"][0]["cell_type"] == "markdown" else source(nb["cells"][1])
        )
        assert re.match(r"\(ch-[a-z0-9-]+\)=\s*\n# \S", first), "label line, then one '# ' title"
        text = markdown(nb)
        assert len(re.findall(r"^# ", text, re.M)) == 1, "exactly one h1"
        assert "{admonition} Overview" in text
        for needed in ("You will learn", "Prerequisites", "Time to learn"):
            assert needed in text

    def test_closing_sections(self, path):
        headings = re.findall(r"^## (.+)$", markdown(load(path)), re.M)
        assert headings[-3:] == ["Summary", "Exercises", "What's next"]

    def test_at_least_three_exercises_each_with_a_dropdown_solution(self, path):
        text = markdown(load(path))
        labels = re.findall(r"```\{exercise\}\s*\n:label: (\S+)", text)
        solutions = re.findall(r"```\{solution\} (\S+)\s*\n:class: dropdown", text)
        assert len(labels) >= 3
        assert sorted(labels) == sorted(solutions)
        prefix = f"ex-ch{path.stem[:2]}-"
        assert all(label.startswith(prefix) for label in labels)

    def test_no_control_characters_in_the_text(self, path):
        """A backslash lost in an edit (``"\\rvert"`` written as ``"\\r" + "vert"``) leaves one."""
        for i, cell in enumerate(load(path)["cells"]):
            bad = sorted({repr(ch) for ch in source(cell) if ord(ch) < 32 and ch != "\n"})
            assert not bad, f"cell {i} holds control characters {bad}"

    def test_imports_come_first_in_one_cell_and_nothing_is_star_imported(self, path):
        cells = code_cells(load(path))
        assert "from vanishing import" in source(cells[0])
        assert "plotting.use_course_style()" in source(cells[0])
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", source(cells[0]), re.M)
        for cell in cells[1:]:
            src = source(cell)
            assert "sys.path" not in src
            assert not re.search(r"^\s*(import \S|from \S+ import )", src, re.M), (
                "imports belong in the first cell"
            )

    def test_every_figure_has_a_caption_a_name_and_alt_text(self, path):
        for cell in code_cells(load(path)):
            if "nbval-ignore-output" in cell["metadata"].get("tags", []):
                continue
            pngs = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            if not pngs:
                continue
            assert len(pngs) == 1, "one figure per cell"
            meta = cell["metadata"].get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), source(cell)[:80]
            assert meta.get("figure", {}).get("name", "").startswith(f"fig-ch{path.stem[:2]}-")
            assert len(meta.get("image", {}).get("alt", "")) >= 40, (
                "alt text should say what the figure shows"
            )

    def test_live_widgets_are_tagged_and_follow_a_static_figure(self, path):
        cells = code_cells(load(path))
        for i, cell in enumerate(cells):
            if "widgets.live(" in source(cell):
                assert "nbval-ignore-output" in cell["metadata"].get("tags", [])
                plot_fn = re.search(r"widgets\.live\(\s*plotting\.(\w+)", source(cell)).group(1)
                earlier = "".join(source(c) for c in cells[:i])
                assert f"plotting.{plot_fn}(" in earlier, "call the plot function once before the live widget"

    def test_every_live_widget_has_a_kernel_free_twin_right_after_it(self, path):
        """The twin (widgets.twin) is what moves on the static site.  It is drawn
        only in the book build (which raises on any error; tests/test_site.py
        moves every twin's sliders in a browser).  Everywhere else (nbval,
        JupyterLab, Colab) it checks its arguments and shows nothing, and
        JupyterLab folds its source away: a reader with a kernel meets the live
        widget only.  Nothing may stand between the two but the twin itself."""
        cells = code_cells(load(path))
        live = [i for i, c in enumerate(cells) if "widgets.live(" in source(c)]
        twins = [i for i, c in enumerate(cells) if "widgets.twin(" in source(c)]
        assert len(live) == len(twins)
        every = load(path)["cells"]
        for i, j in zip(live, twins, strict=True):
            assert j == i + 1, "the twin follows its live widget"
            assert every.index(cells[j]) == every.index(cells[i]) + 1, (
                "no cell between a live widget and its twin"
            )
            assert set(cells[i]["metadata"]["tags"]) >= {"nbval-ignore-output", "remove-output"}
            assert cells[j]["metadata"]["tags"] == ["remove-input"], (
                "nbval runs the twin: it is cheap outside the build"
            )
            assert cells[j]["metadata"].get("jupyter", {}).get("source_hidden") is True
            assert cells[j]["outputs"] == [], "outside the book build a twin shows nothing"
            assert cells[i]["outputs"] == [], "a stored widget view without its state shows only a repr"

    def test_outputs_are_clean_and_executed_in_order(self, path):
        nb = load(path)
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        every = [c for c in nb["cells"] if c["cell_type"] == "code"]
        counts = [c["execution_count"] for c in every if source(c).strip()]
        assert counts == list(range(1, len(counts) + 1)), "re-run top to bottom: scripts/run_notebooks.py"
        for cell in code_cells(nb):
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error" or "raises-exception" in cell["metadata"].get("tags", [])
                assert not (out["output_type"] == "stream" and out["name"] == "stderr"), source(cell)[:80]
                assert "image/svg+xml" not in out.get("data", {})

    def test_the_first_code_cell_sets_up_colab_and_nothing_else(self, path):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert first.source == COLAB["SOURCE"], "run scripts/colab_cell.py"
        assert first.metadata == COLAB["METADATA"], "run scripts/colab_cell.py"
        assert first.outputs == [], "outside Colab the cell does nothing"

    def test_glossary_terms_exist(self, path):
        glossary = (ROOT / "glossary.md").read_text(encoding="utf-8")
        terms = {t.lower() for t in re.findall(r"^(\S[^\n]*)$", glossary.split("```{glossary}")[1], re.M)}
        for ref in re.findall(r"\{term\}`([^`]+)`", markdown(load(path))):
            target = re.search(r"<([^>]+)>$", ref)
            assert (target.group(1) if target else ref).lower() in terms, ref

    def test_directive_fences_are_longer_than_the_code_fences_inside_them(self, path):
        """A ```` {solution} ```` holding a ```python block needs four backticks:
        with three, the inner block's closing fence ends the directive early."""
        for cell in load(path)["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            stack = []
            for line in source(cell).split("\n"):
                fence = re.match(r"^(`{3,})(.*)$", line)
                if not fence:
                    continue
                ticks, info = len(fence.group(1)), fence.group(2).strip()
                if stack and not info and ticks >= stack[-1]:
                    stack.pop()
                    continue
                assert not stack or ticks < stack[-1], f"nested fence as long as its directive: {line!r}"
                stack.append(ticks)
            assert not stack, "unclosed fence"

    def test_citations_exist_in_the_bibliography(self, path):
        keys = re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", markdown(load(path)))
        assert keys, "cite at least one primary source"
        for group in keys:
            for key in group.split(","):
                assert key.strip() in BIB_KEYS, key
