"""The GitHub Actions workflows are valid and do what the README says.

``actionlint`` (from requirements-dev.txt) checks their syntax, expressions and
the inputs of the actions they use; the rest checks their shape: every push
and pull request runs ``./run test``, main publishes the built site to GitHub
Pages, and a weekly run tries the newest releases of the dependencies.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


def _load(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def _lint(*paths):
    assert ACTIONLINT, "actionlint is not installed (requirements-dev.txt)"
    return subprocess.run(
        [ACTIONLINT, "-no-color", *map(str, paths)], capture_output=True, text=True, cwd=ROOT
    )


def test_actionlint_passes_every_workflow():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files
    proc = _lint(*files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_mistyped_input(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8").replace("path: _build/html", "pth: _build/html")
    broken.write_text(text, encoding="utf-8")
    proc = _lint(broken)
    assert proc.returncode != 0 and '"pth" is not defined' in proc.stdout


def test_pushes_and_pull_requests_run_the_readmes_test_command():
    ci = _load("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    runs = [step.get("run", "") for step in ci["jobs"]["test"]["steps"]]
    assert "./run test" in runs
    assert "./run test" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_main_publishes_the_site_it_tested():
    jobs = _load("ci.yml")["jobs"]
    upload = [
        s for s in jobs["test"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact")
    ]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "test" and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])


def test_a_weekly_run_lifts_the_exact_pins():
    latest = _load("latest.yml")
    assert latest["on"]["schedule"][0]["cron"]
    script = "\n".join(s.get("run", "") for s in latest["jobs"]["test-latest"]["steps"])
    assert "s/==" in script and "requirements*.txt" in script and "./run test" in script
