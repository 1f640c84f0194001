"""scripts/execute_chapters.py fills the build's cache as myst-nb would execute.

The book is built with ``execute_notebooks: cache`` after this script has
executed the chapters in parallel.  These tests build a two-notebook book in a
temporary folder and check what the build relies on: myst-nb's own lookup
(``merge_match_into_notebook``, the call its cache mode makes) finds every
notebook that ran, with its outputs and widget state; the kernels see
``VANISHING_BOOK_BUILD=1``; cells tagged ``skip-execution`` are skipped and
``raises-exception`` cells may raise; a notebook with an error is left out of
the cache (so the build executes it again and reports it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_cache import get_cache
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # as when run as `python scripts/execute_chapters.py`
import execute_chapters  # noqa: E402


def _write(path: Path, *cells) -> None:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "_toc.yml").write_text(
        yaml.safe_dump(
            {
                "format": "jb-book",
                "root": "intro",
                "parts": [{"chapters": [{"file": "chapters/good"}, {"file": "chapters/broken"}]}],
            }
        )
    )
    (tmp_path / "_config.yml").write_text(yaml.safe_dump({"execute": {"timeout": 60}}))
    (tmp_path / "intro.md").write_text("# Intro\n")
    _write(
        tmp_path / "chapters" / "good.ipynb",
        new_code_cell(
            "import os\nprint(os.environ.get('VANISHING_BOOK_BUILD'), os.path.basename(os.getcwd()))"
        ),
        new_code_cell("raise RuntimeError('never run')", metadata={"tags": ["skip-execution"]}),
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)"),
        new_code_cell("import time\ntime.sleep(0.5)"),
    )
    _write(tmp_path / "chapters" / "broken.ipynb", new_code_cell("raise ValueError('a chapter that fails')"))
    return tmp_path


def test_the_book_notebooks_are_the_chapters_in_toc_order():
    found = execute_chapters.book_notebooks()
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    assert found == chapters  # chapters are numbered in the order of _toc.yml


def test_the_cache_holds_what_the_build_would_have_executed(book, capsys):
    cache_path = book / "_build" / ".jupyter_cache"
    assert execute_chapters.main(["--root", str(book), "--jobs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "broken.ipynb: FAILED" in printed and "ValueError" in printed
    # the log names the slowest cells, the sleeping one first
    assert re.search(r"good\.ipynb: [\d.]+ s \(slowest cell 4: 0\.[5-9] s, cell \d: ", printed), printed

    cache = get_cache(str(cache_path))
    good = nbformat.read(book / "chapters" / "good.ipynb", as_version=4)
    _, merged = cache.merge_match_into_notebook(good)  # what myst-nb's cache mode does
    first, skipped, raising, widget, _ = merged.cells
    assert first.outputs[0]["text"] == "1 chapters\n"  # the build's variable, the chapter's folder
    assert skipped.outputs == []
    assert raising.outputs[0]["ename"] == "ZeroDivisionError"
    view = widget.outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert (
        view["model_id"] in merged.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    )

    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(book / "chapters" / "broken.ipynb", as_version=4))


def test_a_second_run_executes_only_what_is_missing(book, capsys):
    execute_chapters.main(["--root", str(book), "--jobs", "1"])
    capsys.readouterr()
    execute_chapters.main(["--root", str(book), "--jobs", "1"])
    assert "executing 1 notebooks" in capsys.readouterr().out  # the broken one; the good one is cached


def test_jobs_must_be_positive(book):
    with pytest.raises(SystemExit):
        execute_chapters.main(["--root", str(book), "--jobs", "0"])


def test_kernel_channels_wait_in_slices_so_a_missed_wakeup_costs_at_most_one(monkeypatch):
    # pyzmq's asyncio poll can miss the wake-up for a message that has arrived and then
    # sleep until its timeout (the cell timeout: a build here stalled 300.0 s).  The
    # channels the build and run_notebooks use ask for at most one slice at a time.
    import asyncio
    import queue

    import run_notebooks
    from jupyter_client.channels import AsyncZMQSocketChannel

    asked = []

    async def misses_twice(self, timeout=None):
        asked.append(timeout)
        if len(asked) <= 2:
            raise queue.Empty  # the reply was there, but the poll did not wake up
        return {"msg_type": "execute_reply"}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", misses_twice)
    channel = object.__new__(run_notebooks.SlicedPollChannel)
    assert asyncio.run(channel.get_msg(timeout=300.0)) == {"msg_type": "execute_reply"}
    assert asked == [run_notebooks.POLL_SLICE] * 3

    async def never(self, timeout=None):
        asked.append(timeout)
        raise queue.Empty

    asked.clear()
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", never)
    monkeypatch.setattr(run_notebooks, "POLL_SLICE", 0.01)
    with pytest.raises(queue.Empty):  # the caller's timeout still holds
        asyncio.run(channel.get_msg(timeout=0.05))
    assert len(asked) >= 5 and max(asked) <= 0.01


def test_the_build_and_run_notebooks_use_the_sliced_channels(tmp_path):
    import run_notebooks

    nb = new_notebook(cells=[new_code_cell("1 + 1")])
    with run_notebooks.ipc_client(nb, str(tmp_path / "x.ipynb")) as client:
        km = client.create_kernel_manager()
        assert km.client_factory is run_notebooks.SlicedPollClient
        kc = km.client()
        assert kc.shell_channel_class is run_notebooks.SlicedPollChannel
        assert kc.iopub_channel_class is run_notebooks.SlicedPollChannel
