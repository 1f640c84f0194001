"""Every door a reader uses, entered the way the reader enters it (marker ``doors``).

    ./run doors      (./run test runs these after the unit tests and nbval)

* **The wheel** (Binder and Colab both install one): it holds every module of
  the source tree, and in a fresh environment made as Binder makes it
  (``pip install -r requirements.txt``, then ``pip install .``) every module
  imports from site-packages and chapters run top to bottom with nbclient.
* **Binder**: ``repo2docker --no-build`` on a clean copy writes the Dockerfile
  Binder would build; it names the Python of ``runtime.txt`` and installs the
  requirements and then the library.
* **Colab**: the set-up cell's own pip command, pointed at a local clone,
  installs the library as a wheel from git, from the one repository URL in
  ``_config.yml``.
* **Locally**: the README's ``./run lab`` on a fresh clone starts JupyterLab
  and serves the chapters, with the MyST extension.

``tests/test_jupyterlab.py`` drives a real JupyterLab page in chromium; the
static site has ``tests/test_site.py``.  Fixtures: ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import shlex
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, free_port, reader_environ, run
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

pytestmark = pytest.mark.doors

COLAB = runpy.run_path(str(ROOT / "scripts" / "colab_cell.py"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
# Chapters executed from the wheel: the first one, and the one that parses a
# reader's formula (SymPy, the parser, a text box and a slider).
WHEEL_CHAPTERS = ["01_why_gradients_vanish", "11_your_own_activation"]


def source_modules(tree: Path) -> set[str]:
    """Dotted names of every module and package under ``tree/vanishing``."""
    names = set()
    for path in (tree / "vanishing").rglob("*.py"):
        parts = path.relative_to(tree).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def runtime_version() -> tuple[int, int]:
    found = re.fullmatch(r"python-(\d+)\.(\d+)", RUNTIME)
    assert found, f"runtime.txt must read python-X.Y (repo2docker's form); it reads {RUNTIME!r}"
    return int(found.group(1)), int(found.group(2))


# -- the wheel -------------------------------------------------------------------
def test_the_wheel_holds_every_module_and_nothing_else(clean_copy, tmp_path):
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path, clean_copy])
    (wheel,) = tmp_path.glob("vanishing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    in_wheel = {
        n[: -len(".py")].replace("/", ".").removesuffix(".__init__") for n in names if n.endswith(".py")
    }
    expected = source_modules(clean_copy)
    assert "vanishing.plotting" in expected
    assert in_wheel == expected, f"missing {sorted(expected - in_wheel)}, extra {sorted(in_wheel - expected)}"
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"vanishing"}
    print(f"\n{wheel.name}: {len(in_wheel)} modules, as in the source tree")


_IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
import vanishing
names = sorted(m.name for m in pkgutil.walk_packages(vanishing.__path__, "vanishing."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"file": vanishing.__file__, "modules": ["vanishing", *names], "python": sys.version}))
"""


def import_every_module(reader_env, cwd: Path) -> dict:
    out = run([reader_env.python, "-c", _IMPORT_EVERY_MODULE], cwd=cwd, env=reader_environ())
    return json.loads(out.stdout.strip().splitlines()[-1])


def installed_from(reader_env) -> dict:
    """pip's record of where the installed library came from (PEP 610 direct_url.json)."""
    (record,) = (reader_env.root / "lib").glob("python3*/site-packages/vanishing-*.dist-info/direct_url.json")
    return json.loads(record.read_text(encoding="utf-8"))


def test_binder_install_imports_every_module_from_site_packages(clean_copy, reader_env, tmp_path):
    found = import_every_module(reader_env, tmp_path)
    assert set(found["modules"]) == source_modules(clean_copy)
    assert "site-packages" in found["file"] and found["file"].startswith(str(reader_env.root))
    assert not installed_from(reader_env).get("dir_info", {}).get("editable"), "Binder installs a wheel"
    print(f"\n{len(found['modules'])} modules imported from {Path(found['file']).parent}")


def test_the_colab_cell_installs_the_library_from_git_as_a_wheel(clean_copy, reader_env, tmp_path):
    line = next(ln.strip() for ln in COLAB["SOURCE"].splitlines() if ln.strip().startswith("%pip install"))
    args = shlex.split(line)[2:]
    (spec,) = [a for a in args if a.startswith("vanishing @ ")]
    found = re.fullmatch(r"vanishing @ git\+(\S+)@main", spec)
    assert found, spec
    config_url = COLAB["repository_url"]()
    assert found.group(1) == config_url, "the Colab cell installs from _config.yml's repository url"
    # The same pip command, from a local clone instead of GitHub.  --no-deps:
    # Colab brings its own numpy, SciPy and the rest; here they are Binder's pins.
    # (file://localhost/...: the packaging in Python 3.11's pip refuses a file URL without a host.)
    local_url = f"file://localhost{clean_copy}"
    local = [a.replace(config_url, local_url) for a in args]
    run(
        [reader_env.python, "-m", "pip", "install", *local, "--no-deps", "--force-reinstall"],
        env=reader_environ(),
    )
    origin = installed_from(reader_env)
    assert origin["url"] == local_url and origin["vcs_info"]["vcs"] == "git"
    assert set(import_every_module(reader_env, tmp_path)["modules"]) == source_modules(clean_copy)


_EXECUTE = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys, vanishing\\nprint(vanishing.__file__)\\nprint(sys.executable)"))
start = time.perf_counter()
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps({"seconds": time.perf_counter() - start, "cells": nb.cells}))
"""


@pytest.mark.parametrize("chapter", WHEEL_CHAPTERS)
def test_a_chapter_runs_top_to_bottom_from_the_wheel(chapter, reader_env, tmp_path):
    """As a Binder reader's Run All: the notebook alone, in a folder with no source tree."""
    notebook = tmp_path / f"{chapter}.ipynb"
    notebook.write_bytes((ROOT / "chapters" / notebook.name).read_bytes())
    out = run(
        [reader_env.python, "-c", _EXECUTE, notebook, tmp_path],
        cwd=tmp_path,
        env=reader_environ(OPENBLAS_NUM_THREADS="1"),
        timeout=900,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    cells = [c for c in result["cells"] if c["cell_type"] == "code"]
    problems = [
        (i, o.get("ename") or o.get("text", "")[:200])
        for i, c in enumerate(cells)
        for o in c["outputs"]
        if o["output_type"] == "error" or (o["output_type"] == "stream" and o["name"] == "stderr")
    ]
    assert problems == []
    where = cells[-1]["outputs"][0]["text"].split()
    assert where[0].startswith(str(reader_env.root)) and "site-packages" in where[0], where
    assert where[1].startswith(str(reader_env.root)), "the kernel is the reader environment's Python"
    twins = [c for c in cells if "widgets.twin(" in "".join(c["source"])]
    assert twins and all(c["outputs"] == [] for c in twins), "outside the book build a twin draws nothing"
    figures = sum("image/png" in o.get("data", {}) for c in cells for o in c["outputs"])
    assert figures >= 2
    print(f"\n{chapter}: {len(cells) - 1} code cells, {figures} figures, {result['seconds']:.1f} s")


# -- Binder ----------------------------------------------------------------------
def test_binder_uses_the_python_of_runtime_txt_and_installs_requirements_then_the_library(clean_copy):
    repo2docker = Path(sys.executable).with_name("repo2docker")
    out = run([repo2docker, "--no-build", "--no-run", "--debug", clean_copy], timeout=300)
    text = out.stdout + out.stderr
    major, minor = runtime_version()
    assert f"Building conda environment for python={major}.{minor}" in text
    assert "Python version unspecified" not in text
    pip_lines = [ln for ln in text.splitlines() if ln.startswith("RUN ") and "/bin/pip install" in ln]
    assert len(pip_lines) == 2, pip_lines
    assert pip_lines[0].endswith('-r "requirements.txt"'), "first the requirements"
    assert pip_lines[1].endswith("pip install --no-cache-dir ."), "then the library, as a wheel"
    assert "-e ." not in (clean_copy / "requirements.txt").read_text(encoding="utf-8").split()
    # Binder's own JupyterLab (from repo2docker's base environment) already
    # satisfies requirements.txt, so pip keeps it rather than swapping it.
    conda = Path(repo2docker).parents[1] / "lib"
    (lock,) = conda.glob(
        f"python3*/site-packages/repo2docker/buildpacks/conda/environment.py-{major}.{minor}-linux-64.lock"
    )
    assert f"environment-2epy-2d{major}-2e{minor}-2dlinux-2d64-2elock" in text, (
        "the Dockerfile copies this lock"
    )
    lab = re.search(r"/jupyterlab-(\d+\.\d+\.\d+)-", lock.read_text(encoding="utf-8")).group(1)
    wanted = next(
        Requirement(ln)
        for ln in (clean_copy / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if ln.startswith("jupyterlab") and not ln.startswith("jupyterlab-")
    )
    assert wanted.specifier.contains(lab), (lab, str(wanted))
    print(f"\nrepo2docker: python={major}.{minor}, Binder's JupyterLab {lab} satisfies {wanted}")


def test_the_python_versions_agree_everywhere():
    """runtime.txt, requires-python, the README and the Python that made the stored outputs."""
    major, minor = runtime_version()
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert requires.contains(f"{major}.{minor}") and not requires.contains(f"{major}.{minor - 1}")
    assert f"Python {major}.{minor}" in (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        stored = nbformat.read(path, as_version=4).metadata["language_info"]["version"]
        assert stored.startswith(f"{major}.{minor}."), (path.name, stored)
    # The interpreter running the tests (the one reader_env is made from) is one that works.
    assert requires.contains(".".join(map(str, sys.version_info[:3])))


# -- locally: ./run lab ------------------------------------------------------------
def _get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return response.status, response.read()


def test_run_lab_on_a_fresh_clone_serves_the_chapters_with_myst(clean_copy, tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "lab.log").open("w")
    env = reader_environ(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt")
    )
    args = ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    proc = subprocess.Popen(
        ["./run", "lab", *args],
        cwd=clean_copy,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # the first call creates .venv and installs requirements.txt
        while True:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                if _get(f"{base}/api/status?token={token}", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(1)
        status, body = _get(f"{base}/api/contents/01_why_gradients_vanish.ipynb?content=1&token={token}")
        notebook = json.loads(body)
        assert status == 200 and notebook["type"] == "notebook"
        assert notebook["content"]["cells"][0]["source"].startswith("(ch-why-gradients-vanish)=")
        status, page = _get(f"{base}/lab/tree/01_why_gradients_vanish.ipynb?token={token}")
        assert status == 200 and b"JupyterLab" in page
        status, body = _get(f"{base}/lab/api/extensions?token={token}")
        extensions = {e["name"]: e for e in json.loads(body)}
        assert "jupyterlab-myst" in extensions and extensions["jupyterlab-myst"]["enabled"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
