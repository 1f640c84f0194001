"""Execute the book's notebooks in parallel into the build's jupyter-cache.

    python scripts/execute_chapters.py [--jobs N] [--root BOOK] [--cache BOOK/_build/.jupyter_cache]

``./run book`` (and so ``./run test``) calls this between wiping ``_build``
and ``jupyter-book build``.  The book is built with ``execute_notebooks:
cache``: myst-nb looks each notebook up in ``_build/.jupyter_cache`` (by the
hash of its code cells) and executes only the ones it does not find, one at a
time.  This script fills that cache first with several kernels at once, so a
clean build executes every chapter exactly once, in parallel, under the same
rules as myst-nb would: the build's environment variable
(``VANISHING_BOOK_BUILD=1``, so the twins are drawn), the chapter's folder as
the working directory, the cell timeout from ``_config.yml``, no errors except
in cells tagged ``raises-exception``, cells tagged ``skip-execution`` skipped,
and the widget state kept for the site.

A notebook that fails here is not cached; myst-nb then executes it again and
the strict build reports the error.  The cache is keyed by the notebooks'
code only, not by the library they import: after changing ``vanishing/``,
delete ``_build`` (``./run book`` always does) before building again.

Each notebook's line in the log gives its time and its two slowest cells (by
index), so that a slow build says where its time went.

Notebooks are started in reverse book order: the later chapters run longer,
so the short early ones fill the gaps at the end and both kernels stay busy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK_BUILD = "VANISHING_BOOK_BUILD"  # vanishing.widgets.BOOK_BUILD


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks ``_toc.yml`` lists, in the book's order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def cell_timeout(root: Path = ROOT) -> int:
    """``execute.timeout`` from ``_config.yml`` (the build's per-cell limit)."""
    import yaml

    return int(yaml.safe_load((root / "_config.yml").read_text())["execute"]["timeout"])


class CellClock:
    """Wall time of every code cell, from nbclient's hooks (``on_cell_execute`` is
    called just before a cell is sent to the kernel, ``on_cell_executed`` when its
    reply arrives), so that the build's log can say where a notebook's time went."""

    def __init__(self):
        self.seconds: dict[int, float] = {}
        self._started: dict[int, float] = {}

    def start(self, cell, cell_index, **_):
        self._started[cell_index] = time.perf_counter()

    def stop(self, cell, cell_index, **_):
        self.seconds[cell_index] = time.perf_counter() - self._started.pop(cell_index, time.perf_counter())

    def slowest(self, n: int = 2) -> str:
        """``"cell 35: 6.1 s, cell 48: 3.5 s"``: the ``n`` slowest cells (index in the notebook)."""
        top = sorted(self.seconds.items(), key=lambda item: -item[1])[:n]
        return ", ".join(f"cell {index}: {seconds:.1f} s" for index, seconds in top)


def execute(path: str, timeout: int) -> tuple[str, float, object, str]:
    """Execute one notebook as the build would.

    Returns (path, seconds, notebook or error text, its slowest cells).
    """
    import nbformat
    from run_notebooks import ipc_client  # this script's folder is on sys.path

    os.environ[BOOK_BUILD] = "1"
    nb = nbformat.read(path, as_version=4)
    clock = CellClock()
    start = time.perf_counter()
    try:
        with ipc_client(
            nb,
            path,
            timeout=timeout,
            allow_errors=False,
            store_widget_state=True,
            record_timing=False,
            on_cell_execute=clock.start,
            on_cell_executed=clock.stop,
        ) as client:
            client.execute()
    except Exception as err:  # noqa: BLE001 - reported, and myst-nb re-runs the notebook
        # A cell's error (nbclient's CellExecutionError) names the exception it raised.
        what = f"{err.ename}: {err.evalue}" if hasattr(err, "ename") else f"{type(err).__name__}: {err}"
        return path, time.perf_counter() - start, what, clock.slowest()
    return path, time.perf_counter() - start, nb, clock.slowest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="kernels at once (default: CPUs)"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the book's folder (default: this repository)"
    )
    parser.add_argument(
        "--cache", type=Path, help="default: ROOT/_build/.jupyter_cache, where the build looks"
    )
    args = parser.parse_args(argv)
    cache_path = args.cache or args.root / "_build" / ".jupyter_cache"
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    todo = []
    for path in book_notebooks(args.root):
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    timeout = cell_timeout(args.root)
    start, failed = time.perf_counter(), 0
    print(f"executing {len(todo)} notebooks, {args.jobs} at a time", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(execute, str(p), timeout) for p in reversed(todo)]
        for future in as_completed(futures):
            path, elapsed, result, slowest = future.result()
            name = Path(path).name
            if isinstance(result, str):
                failed += 1
                print(f"  {name}: FAILED after {elapsed:.1f} s ({result.splitlines()[0][:200]})", flush=True)
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(result, path, data={"execution_seconds": elapsed}),
                check_validity=False,
                overwrite=True,
            )
            print(f"  {name}: {elapsed:.1f} s (slowest {slowest})", flush=True)
    print(
        f"executed in {time.perf_counter() - start:.1f} s ({failed} failed: the build reports them)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
