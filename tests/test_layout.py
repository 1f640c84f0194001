"""The library's layout holds its design: layers, names, exports, caching.

* ``vanishing.core`` imports nothing from the other layers; ``experiments``
  imports no figures; ``plotting`` and ``widgets`` are the only ones that
  draw.
* Every experiments module has a figures module of the same name.
* Every module's ``__all__`` is exactly the public names it defines.
* Caching happens in the experiments layer only, through one decorator.
* The package docstring, the map a newcomer reads, names every module.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import vanishing

ROOT = Path(vanishing.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(vanishing.__path__, "vanishing."))
LAYERS = ("core", "experiments", "plotting")
#: Figures with no experiment of their own: chapters 1 and 3 plot the core chain directly,
#: the diagrams draw networks rather than measure them, and the diagnostics draw core's report.
FIGURES_ONLY = {"sigmoid_chain", "diagrams", "diagnostics"}


def _path(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    pkg = ROOT / rel / "__init__.py"
    return pkg if pkg.exists() else (ROOT / rel).with_suffix(".py")


def _tree(name: str) -> ast.Module:
    return ast.parse(_path(name).read_text(encoding="utf-8"))


def _imported_modules(name: str) -> set[str]:
    """Absolute names of the vanishing modules ``name`` imports (at any depth)."""
    package = name if _path(name).name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("vanishing"):
                out.add(mod)
                out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("vanishing"))
    return {m for m in out if m in MODULES or m == "vanishing"}


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_package_has_the_three_layers_and_the_widgets():
    top = {m.split(".")[1] for m in MODULES}
    assert top == {"core", "experiments", "plotting", "widgets"}


@pytest.mark.parametrize("name", [m for m in MODULES if _layer(m) == "core"])
def test_core_imports_only_core(name):
    outside = {m for m in _imported_modules(name) if _layer(m) != "core"}
    assert not outside, f"{name} imports {sorted(outside)}"


@pytest.mark.parametrize("name", [m for m in MODULES if _layer(m) == "experiments"])
def test_experiments_import_no_figures(name):
    outside = {m for m in _imported_modules(name) if _layer(m) not in ("core", "experiments")}
    assert not outside, f"{name} imports {sorted(outside)}"


def test_experiments_and_figures_share_their_names():
    def leaves(layer):
        return {m.rsplit(".", 1)[1] for m in MODULES if _layer(m) == layer and m.count(".") == 2}

    experiments = leaves("experiments")
    figures = {n for n in leaves("plotting") if not n.startswith("_")}
    assert experiments == figures - FIGURES_ONLY
    assert FIGURES_ONLY <= figures


def _defined_public_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n != "__all__"}


@pytest.mark.parametrize("name", [m for m in MODULES if not m.rsplit(".", 1)[1].startswith("_")])
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), "a name is listed twice"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not have: {missing}"
    if _path(name).name == "__init__.py":
        subpackages = {m.rsplit(".", 1)[1] for m in MODULES if m.rsplit(".", 1)[0] == name}
        if name == "vanishing.plotting":  # re-exports every plot function, and the style
            expected = {n for n in dir(module) if not n.startswith("_")} - subpackages - {"mpl"}
        else:
            expected = {n for n in subpackages if not n.startswith("_")}
    else:
        expected = _defined_public_names(_tree(name))
    assert (sorted(expected - exported), sorted(exported - expected)) == ([], []), "(unlisted, listed)"


def test_caching_lives_in_the_experiments_layer_and_uses_one_decorator():
    for name in MODULES:
        source = _path(name).read_text(encoding="utf-8")
        if name == "vanishing.core.cache":
            continue
        if name == "vanishing.widgets":  # a live widget's images per slider setting: a display cache,
            continue  # not a cached computation (it holds PNG bytes, never results)
        assert not re.search(r"lru_cache|functools\.cache\b|@cache\b", source), name
        if _layer(name) != "experiments":
            assert "frozen_cache" not in source, name


def test_the_map_names_every_module_and_where_selu_and_its_chapter_live():
    doc = vanishing.__doc__
    for name in MODULES:
        leaf = name.rsplit(".", 1)[1]
        if leaf.startswith("_") or name in ("vanishing.core", "vanishing.experiments", "vanishing.plotting"):
            continue
        assert f"``{leaf}``" in doc or f"``core.{leaf}``" in doc, name
    assert 'activations.get("selu")' in doc
    assert "vanishing.experiments.self_normalising" in doc
