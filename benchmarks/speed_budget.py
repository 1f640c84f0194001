"""The course's speed budget, measured on this machine.

    ./run bench            (or: .venv/bin/python benchmarks/speed_budget.py [--quick])

Prints, with the target beside each figure:

* each chapter's execution time (nbclient, in a scratch copy)       <= 20 s each
* ``./run test`` from a set-up checkout, stage by stage              <= 300 s
* a clean build with execution (a fresh output folder), as
  ``./run book`` does it: the chapters executed two at a time into
  the cache, then ``jupyter-book build``                              <= 90 s
* a build from stored outputs (execution off, fresh output folder)   <= 30 s
* one forward + backward pass of a 20-layer, width-256 MLP on a
  batch of 1,024 in float64 (median of 20)

``--quick`` skips ``./run test`` and the two builds.  A build from stored
outputs has no widget state (the notebooks do not store it; see README), so
its twins do not respond: it measures Sphinx and the theme, not the course's
site.  Nothing here asserts on time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")


def row(label: str, seconds: float, target: float | None = None) -> None:
    mark = "" if target is None else f"  (target <= {target:g} s: {'met' if seconds <= target else 'MISSED'})"
    print(f"  {label:58s} {seconds:7.1f} s{mark}", flush=True)


def chapters() -> None:
    import nbformat
    from nbclient import NotebookClient

    print("Chapter execution (nbclient, one kernel at a time)")
    total = 0.0
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
        total += elapsed
        row(path.stem, elapsed, 20.0 if not path.stem.startswith("08") else 30.0)
    row("all chapters", total)


def timed(cmd: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed


def test_suite() -> None:
    """``./run test`` from a set-up checkout, with the time of each of its stages."""
    print("./run test from a set-up checkout (each stage, then the whole)")
    start = last = time.perf_counter()
    stage, stages = "set-up checks", []
    proc = subprocess.Popen(
        [str(ROOT / "run"), "test"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    tail = []
    for line in proc.stdout:
        tail = (tail + [line])[-40:]
        if line.startswith("==> "):  # run's say(): a new stage begins
            now = time.perf_counter()
            stages.append((stage, now - last))
            stage, last = line[4:].strip()[:56], now
    proc.wait()
    stages.append((stage, time.perf_counter() - last))
    if proc.returncode != 0:
        print("".join(tail))
        raise SystemExit("./run test failed")
    for name, seconds in stages:
        row(name, seconds)
    row("./run test", time.perf_counter() - start, 300.0)


def builds() -> None:
    print("Book builds (fresh output folder each)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clean"
        cache = out / "_build" / ".jupyter_cache"
        executed = timed([str(BIN / "python"), "scripts/execute_chapters.py", "--cache", str(cache)])
        built = timed(
            [str(BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going", "--path-output", str(out)]
        )
        row("  chapters executed, two kernels at once", executed)
        row("  jupyter-book build from that cache", built)
        row("clean build, every notebook executed (./run book)", executed + built, 90.0)
        config = (
            (ROOT / "_config.yml")
            .read_text(encoding="utf-8")
            .replace("execute_notebooks: cache", 'execute_notebooks: "off"')
        )
        if 'execute_notebooks: "off"' not in config:
            raise SystemExit("_config.yml no longer says execute_notebooks: cache; update this script")
        # Beside _config.yml, so that its relative paths (_ext, site) still resolve.
        stored_cfg = ROOT / "_config.stored-outputs.yml"
        stored_cfg.write_text(config, encoding="utf-8")
        try:
            elapsed = timed(
                [
                    str(BIN / "jupyter-book"),
                    "build",
                    ".",
                    "--config",
                    str(stored_cfg),
                    "--path-output",
                    str(Path(tmp) / "stored"),
                ]
            )
        finally:
            stored_cfg.unlink()
        row("build from stored outputs (execution off)", elapsed, 30.0)
        shutil.rmtree(out, ignore_errors=True)


def mlp_pass() -> None:
    from vanishing.core import mlp

    print("One forward + backward pass, 20 layers of width 256, batch 1,024, float64")
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([256] * 21, "relu", "he_normal", rng)
    X = rng.normal(size=(1024, 256))
    targets = rng.normal(size=(1024, 256))
    times = []
    for _ in range(20):
        start = time.perf_counter()
        net.loss_and_gradients(X, targets, "mse")
        times.append(time.perf_counter() - start)
    print(
        f"  median {1e3 * statistics.median(times):.1f} ms, fastest {1e3 * min(times):.1f} ms "
        f"(BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')})"
    )


def main(argv: list[str]) -> int:
    mlp_pass()
    chapters()
    if "--quick" not in argv:
        test_suite()
        builds()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
