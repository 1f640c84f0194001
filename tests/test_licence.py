"""What a reader may do with the course is stated, and stated the same everywhere.

The code is MIT (``LICENSE``, ``pyproject.toml``), the text and figures CC BY
4.0 (``LICENSE-CONTENT``); the README, the site's footer (``_config.yml``) and
``CITATION.cff`` say so, and ``CITATION.cff`` names the repository and version
the rest of the tree names.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CITATION = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_code_licence_is_the_mit_text_with_the_books_authors():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert f"Copyright (c) {CONFIG['copyright']} {CONFIG['author']}" in text
    assert "<year>" not in text and "<copyright holders>" not in text
    assert PROJECT["license"] == "MIT" and "LICENSE" in PROJECT["license-files"]


def test_the_content_licence_is_cc_by_4_and_every_page_says_so():
    text = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert text.startswith("Creative Commons Attribution 4.0 International")
    assert "Section 1 – Definitions" in text and "Section 8 – Interpretation" in text, "the full legal code"
    footer = CONFIG["html"]["extra_footer"]
    assert "creativecommons.org/licenses/by/4.0/" in footer and "MIT" in footer
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(LICENSE)" in readme and "(LICENSE-CONTENT)" in readme and "CC BY 4.0" in readme


def test_the_citation_file_agrees_with_the_project():
    assert CITATION["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "type"):
        assert CITATION[key], key
    assert CITATION["version"] == PROJECT["version"]
    assert set(CITATION["license"]) == {"MIT", "CC-BY-4.0"}
    assert CITATION["repository-code"] == CONFIG["repository"]["url"], "the URL is set in _config.yml"
    assert CITATION["authors"] == [{"name": CONFIG["author"]}]
