"""The contributor documentation stays true to the repository, and the repository stays self-contained.

* Every repository path that ``CONTRIBUTING.md`` or ``SOURCES.md`` quotes in
  backticks exists (placeholders such as ``chapters/NN_topic.ipynb`` or
  ``vanishing/plotting/<idea>.py`` aside).
* Every bib key that ``SOURCES.md`` names is in ``references.bib``, and every
  key in ``references.bib`` is named in ``SOURCES.md`` (so no cited source goes
  without a record of what it says).
* No text file in the repository refers to files outside it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ("CONTRIBUTING.md", "SOURCES.md")

#: Made by ./run, npm or the build, never committed: a path under one of these may be quoted.
GENERATED = (".venv/", "_build/", "node_modules/", "site/vendor/")
#: A backticked word is taken for a path if it has a slash or one of these endings.
EXTENSIONS = (".md", ".py", ".ipynb", ".txt", ".toml", ".yml", ".yaml", ".cfg", ".bib", ".json", ".cff")
#: Strings that would point outside the repository, or name documents that are not part of it.
OUTSIDE = ("../shared", "/work/", "seed article", "seed 000", "seed 001")
#: Not scanned: the licence text and npm's lockfile are third-party text; this file names the strings.
NOT_SCANNED = {"LICENSE-CONTENT", "package-lock.json", "tests/test_contributing.py"}

INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.M | re.S)
PATHLIKE = re.compile(r"^[\w.<>*/-]+$")
BIB_KEY = re.compile(r"^[a-z]+\d{4}[a-z]+$")


def repository_files() -> list[str]:
    """Tracked files, and new files not yet added that git does not ignore."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({f for f in out.splitlines() if (ROOT / f).is_file()})


FILES = repository_files()


def inline_code(text: str) -> list[str]:
    """The contents of the inline code spans of a markdown text (fenced blocks aside)."""
    return [m.group(2).strip() for m in INLINE_CODE.finditer(FENCE.sub("", text))]


def quoted_paths(text: str) -> set[str]:
    """The words of inline code spans that look like repository paths."""
    paths = set()
    for span in inline_code(text):
        for word in span.split():
            word = word.strip("()[],;:\"'")
            if "://" in word or not PATHLIKE.match(word):
                continue
            if "/" not in word and not word.endswith(EXTENSIONS):
                continue
            if any(mark in word for mark in ("<", "*", "NN", "...")):
                continue  # a placeholder, not a path
            paths.add(word.removeprefix("./"))
    return paths


def exists(path: str) -> bool:
    if path.startswith(GENERATED) or path.rstrip("/") + "/" in GENERATED:
        return True
    path = path.rstrip("/")
    return path in FILES or any(f.startswith(path + "/") for f in FILES)


@pytest.mark.parametrize("doc", DOCS)
def test_every_quoted_path_exists(doc):
    paths = quoted_paths((ROOT / doc).read_text(encoding="utf-8"))
    assert paths, f"{doc} quotes no path: is the extraction broken?"
    missing = sorted(p for p in paths if not exists(p))
    assert not missing, f"{doc} quotes paths that are not in the repository: {missing}"


def test_the_path_extraction_keeps_paths_and_skips_placeholders():
    text = (
        "Run `./run test` on `chapters/NN_topic.ipynb`, see `tests/`, `{cite:p}` and\n```\nnot/this.py\n```\n"
    )
    assert quoted_paths(text) == {"run", "tests/"}


def bib_keys() -> set[str]:
    """The keys of the entries in ``references.bib``."""
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.M))


def test_every_bib_key_in_sources_exists():
    known = bib_keys()
    named = {w for w in inline_code((ROOT / "SOURCES.md").read_text(encoding="utf-8")) if BIB_KEY.match(w)}
    assert len(named) >= 30, "SOURCES.md names too few keys: is the extraction broken?"
    assert not sorted(named - known), (
        f"keys in SOURCES.md missing from references.bib: {sorted(named - known)}"
    )


def test_every_bib_key_is_named_in_sources():
    """A source the chapters cite needs a row saying what it says (or a mention in the list of uncovered ones)."""
    known = bib_keys()
    assert len(known) >= 30, "references.bib has too few keys: is the extraction broken?"
    named = set(inline_code((ROOT / "SOURCES.md").read_text(encoding="utf-8")))
    assert not sorted(known - named), (
        f"keys in references.bib that SOURCES.md never names: {sorted(known - named)}"
    )


def test_no_text_file_refers_outside_the_repository():
    hits = []
    for name in FILES:
        if name in NOT_SCANNED:
            continue
        data = (ROOT / name).read_bytes()
        if b"\0" in data:
            continue  # binary (images)
        try:
            text = data.decode("utf-8").lower()
        except UnicodeDecodeError:
            continue
        hits += [f"{name}: {s!r}" for s in OUTSIDE if s in text]
    assert not hits, "\n".join(hits)
