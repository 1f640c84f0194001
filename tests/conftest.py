"""Fixtures for the tests that enter the course the way a reader does (marker ``doors``).

A reader never sees this working copy or its editable install.  Binder and
Colab get a *clone* and a *wheel*; so do these fixtures:

* ``clean_copy``: the tracked files of the repository (as they are in the
  working tree), in a new git repository with one commit on ``main``, in a
  temporary folder outside the source tree;
* ``reader_env``: a fresh virtual environment with what Binder installs,
  in Binder's order: ``pip install -r requirements.txt``, then
  ``pip install .`` run in the clean copy (repo2docker's two steps).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# Debian's chromium, driven by Playwright (tests/test_site.py, tests/test_jupyterlab.py).
# Without the background-networking flags it keeps trying hosts this network refuses.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run(cmd, *, cwd=None, env=None, timeout=900, check=True) -> subprocess.CompletedProcess:
    """Run a command, and on failure show what it printed."""
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
        )
    return proc


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server under test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reader_environ(**extra: str) -> dict[str, str]:
    """The environment of a reader's process: none of the book build's or the runner's settings."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("VANISHING_", "PYTHONPATH", "VIRTUAL_ENV"))
    }
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def clean_copy(tmp_path_factory) -> Path:
    files = run(["git", "ls-files", "-z"], cwd=ROOT).stdout.split("\0")
    dest = tmp_path_factory.mktemp("clone") / "course"
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():  # a tracked file deleted in the working tree is not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    git = ["git", "-c", "user.name=reader", "-c", "user.email=reader@example.org"]
    run([*git, "init", "-q", "-b", "main"], cwd=dest)
    run([*git, "add", "-A"], cwd=dest)
    run([*git, "commit", "-q", "-m", "clean copy of the working tree"], cwd=dest)
    return dest


@dataclass(frozen=True)
class ReaderEnv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


@pytest.fixture(scope="session")
def reader_env(clean_copy, tmp_path_factory) -> ReaderEnv:
    env = ReaderEnv(tmp_path_factory.mktemp("reader") / "venv")
    run([sys.executable, "-m", "venv", env.root])
    pip = [env.python, "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    run([*pip, "-r", "requirements.txt"], cwd=clean_copy, env=reader_environ())
    run([*pip, "."], cwd=clean_copy, env=reader_environ())
    return env


@pytest.fixture
def book_build(monkeypatch):
    """As while ``jupyter-book build`` executes the chapters: twins are drawn."""
    from vanishing import widgets

    monkeypatch.setenv(widgets.BOOK_BUILD, "1")


@pytest.fixture
def reader_kernel(monkeypatch):
    """As in a reader's kernel (JupyterLab, Binder, Colab, nbval): no book build."""
    from vanishing import widgets

    monkeypatch.delenv(widgets.BOOK_BUILD, raising=False)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: install Debian's chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
