"""Re-execute chapters top to bottom and store their outputs in place.

    python scripts/run_notebooks.py                 # every chapter
    python scripts/run_notebooks.py chapters/01_*.ipynb

Strict nbval compares the stored outputs with a fresh run, so run this after
every change to a chapter or to the library code it calls.  Widget state is
not stored (see CONTRIBUTING.md): nbclient must collect it (with
``store_widget_state=False`` nbclient 0.11 raises ``KeyError`` on an output
widget), so it is dropped from the metadata before the file is written, and so
are the outputs that only display a widget (a live widget's view): without its
state a widget view shows as its Python repr, ``interactive(children=...``.
The book build's own executions store the state the site needs.

The library's twins are not drawn here (they are drawn only in the book build,
see ``vanishing.widgets.building_the_book``), so a twin's cell stores no output.
"""

from __future__ import annotations

import contextlib
import glob
import os
import queue
import shutil
import sys
import tempfile
import time

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from traitlets import Type
from traitlets.config import Config

from vanishing import widgets

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _coalesce_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream into one output.

    How a kernel splits its prints into messages depends on timing, so the
    split would change the stored file from run to run with no change in
    what the reader sees.
    """
    out = []
    for o in outputs:
        if o.get("output_type") == "stream" and out and out[-1].get("output_type") == "stream":
            if out[-1]["name"] == o["name"]:
                out[-1]["text"] += o["text"]
                continue
        out.append(o)
    return out


#: The longest a channel waits on the socket before it looks again (seconds).
POLL_SLICE = 1.0


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel that waits for a message at most :data:`POLL_SLICE` at a time.

    nbclient waits for a cell's reply with one ``get_msg(timeout=<the cell
    timeout>)``, and pyzmq's asyncio poll can miss the wake-up for a message
    that has already arrived: it then sleeps until the timeout and, looking
    once more, finds the reply.  A build here stalled exactly 300.0 s (the
    cell timeout) in a cell of ch09 that takes a second or two, and no error was
    reported.  Looking again every slice bounds such a stall to one slice.
    """

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(timeout=min(POLL_SLICE, left))
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollClient(AsyncKernelClient):
    """nbclient's kernel client, with :class:`SlicedPollChannel` for replies and outputs."""

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)


@contextlib.contextmanager
def ipc_client(nb, path: str, **options):
    """An nbclient ``NotebookClient`` for ``nb`` in ``path``'s folder, its kernel on Unix sockets.

    Unix sockets instead of TCP ports: kernels started at the same time by
    other processes (a test run, a JupyterLab, the build's parallel
    execution) cannot take this kernel's ports between jupyter_client
    choosing and binding them, a race that left a run waiting forever on an
    idle kernel.  The socket path is absolute: a relative one is resolved by
    the kernel in the chapter's folder and by this client in the current
    folder.  ``options`` go to ``NotebookClient``; the sockets' folder is
    removed on exit.
    """
    sockets = tempfile.mkdtemp(prefix="vanishing-kernel-")
    try:
        yield NotebookClient(
            nb,
            kernel_name="python3",
            resources={"metadata": {"path": os.path.dirname(path) or "."}},
            config=Config(
                {
                    "KernelManager": {
                        "transport": "ipc",
                        "ip": os.path.join(sockets, "kernel"),
                        "client_factory": SlicedPollClient,
                    }
                }
            ),
            **options,
        )
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def run(path: str) -> float:
    if widgets.building_the_book():
        raise SystemExit(f"unset {widgets.BOOK_BUILD}: stored notebooks hold no twin frames")
    nb = nbformat.read(path, as_version=4)
    with ipc_client(
        nb,
        path,
        timeout=600,
        store_widget_state=True,
        record_timing=False,  # no timestamps in cell metadata: clean diffs
        # The Colab set-up cell is tagged skip-execution so that the book build
        # skips it; here it runs (outside Colab it does nothing), so the stored
        # notebook has an execution count for every code cell.
        skip_cells_with_tag="run-notebooks-skips-nothing",
    ) as client:
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            outputs = [out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {})]
            cell.outputs = _coalesce_streams(outputs)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    paths = paths or sorted(glob.glob("chapters/*.ipynb"))
    for path in paths:
        print(f"{path}: executed in {run(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
