"""A reader's door: a chapter opened and run in JupyterLab, as on Binder.

    .venv/bin/python -m pytest tests/test_jupyterlab.py -m doors -s

JupyterLab runs from the reader's environment (``reader_env`` in
``conftest.py``: ``pip install -r requirements.txt`` then ``pip install .`` of
a clean copy, Binder's two steps), in a temporary folder that holds only a
copy of the chapter, so ``import vanishing`` can only come from the wheel.
Debian's chromium opens the chapter through Playwright with every request
that leaves 127.0.0.1 aborted, and does what a reader does: Run → Run All
Cells with the mouse, then moves the live widgets' sliders with the keyboard
and picks another option in a dropdown.

Checked, in the chapter with the most kinds of live control (05: an
``IntSlider``, a ``Dropdown`` and ``SelectionSlider``\\ s):

* Run All executes every code cell, and no cell shows an error, a traceback,
  output on stderr or "Error displaying widget" / "model not found";
* jupyterlab-myst renders every markdown cell: the overview is an admonition,
  no raw directive or role (``:::{admonition}``, ``{ref}`` ...) is left, the
  exercises are boxes and their solutions are collapsed;
* each live widget appears once with one figure, and the cells that build the
  website's kernel-free twins show nothing;
* a slider moved with the keyboard (ArrowRight, End, Home) and the dropdown
  (a new option chosen) each change the widget's figure, and still nothing
  shows an error.

With ``-s`` the timings (start-up, Run All, control → new figure) and what
the reader sees but the test tolerates (unresolved cross-references, console
messages) are printed.

Windowing is switched off (``windowingMode: "none"``) so that every cell is in
the DOM.  The server exposes ``window.jupyterapp`` (a read-only hook for this
test): a cell whose source is hidden shows no execution count on screen, so
the counts are read from the notebook model; everything else is read from the
page the reader sees.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import free_port, reader_environ

pytestmark = pytest.mark.doors

CHAPTER = "06_relu.ipynb"
SERVER_START_S = 120  # the first start of a fresh environment compiles nothing, but the machine is slow
LOAD_MS = 180_000  # the page, the notebook and an idle kernel
RUN_ALL_MS = 300_000  # the chapter trains networks; a slow shared 2-core machine takes minutes
REDRAW_MS = 90_000  # one control moved -> one new figure

# User settings, as a reader could set them in Settings: no news or update
# toasts over the notebook, and every cell attached to the DOM (JupyterLab 4
# otherwise skips rendering the cells outside the viewport).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# What a reader must never see in an output area.
ERROR_TEXTS = ("Traceback", "Error displaying widget", "model not found")


def _descendants(pid: int) -> list[tuple[int, str]]:
    """The processes started by ``pid`` (kernels), as (pid, start time) pairs."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append((int(stat.parent.name), fields[19]))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


@dataclass
class Lab:
    base: str
    token: str
    log: Path
    proc: subprocess.Popen

    def api(self, path: str, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-n:]

    def stop(self) -> None:
        """Shut the kernels and the server down, then make sure that they are gone."""
        children = _descendants(self.proc.pid)
        try:
            for kernel in self.api("/api/kernels"):
                self.api(f"/api/kernels/{kernel['id']}", method="DELETE", timeout=30)
            self.api("/api/shutdown", method="POST")
        except (OSError, urllib.error.URLError, ValueError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid, started in children:  # a kernel the server failed to shut down
            if _start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def notebook_file(clean_copy) -> Path:
    return clean_copy / "chapters" / CHAPTER


@pytest.fixture(scope="module")
def lab(reader_env, notebook_file, tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyterlab")
    work = home / "work"  # the server's root: the chapter and nothing else
    work.mkdir()
    shutil.copy2(notebook_file, work / CHAPTER)
    for plugin, values in SETTINGS.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    for name in ("workspaces", "config", "data", "runtime", "ipython"):
        (home / name).mkdir()

    port, token = free_port(), secrets.token_hex(24)
    cmd = [
        reader_env.bin / "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = reader_environ(
        PATH=f"{reader_env.bin}{os.pathsep}{os.environ.get('PATH', '')}",
        OPENBLAS_NUM_THREADS="1",
        # A clean home for Jupyter and IPython, as on Binder: no kernelspec,
        # setting or startup file of this machine's user.
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
    )
    log = home / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Lab(f"http://127.0.0.1:{port}", token, log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status", timeout=5)
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"jupyter lab did not answer within {SERVER_START_S} s:\n{server.log_tail()}"
                    ) from None
                time.sleep(0.5)
        yield server
    finally:
        server.stop()


@dataclass
class Session:
    """The chapter open in JupyterLab after Run All, and what happened on the way."""

    page: object
    cells: list[dict]  # the notebook's cells, as stored
    lab: Lab
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def indices(self, needle: str) -> list[int]:
        return [
            i for i, c in enumerate(self.cells) if c["cell_type"] == "code" and needle in "".join(c["source"])
        ]


# Everything in an output area that a reader would read as a failure.
_PROBLEMS_JS = """
(texts) => {
  const problems = [];
  document.querySelectorAll('.jp-Notebook .jp-Cell').forEach((cell, i) => {
    cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .forEach(o => problems.push(`cell ${i}: stderr output: ${o.textContent.slice(0, 300)}`));
    cell.querySelectorAll('.jp-Cell-outputArea').forEach(area => {
      for (const t of texts) {
        if (area.textContent.includes(t)) {
          problems.push(`cell ${i}: output contains ${JSON.stringify(t)}: ${area.textContent.slice(0, 300)}`);
        }
      }
    });
  });
  return problems;
}
"""

# The notebook model (window.jupyterapp): execution count, outputs and run state of every cell.
_MODEL_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  for (let i = 0; i < panel.content.model.cells.length; i++) {
    const c = panel.content.model.cells.get(i);
    cells.push({type: c.type, count: c.type === 'code' ? c.executionCount : null,
                outputs: c.type === 'code' ? c.outputs.length : 0,
                source: c.sharedModel.getSource()});
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells, kernel: kernel ? kernel.status : null};
}
"""


# The kernel is connected and idle: the notebook's execution indicator (what
# the reader sees) says so, and so does the session (the indicator also says
# "idle" while the kernel is still starting).
_IDLE_JS = """
() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  const indicator = document.querySelector(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle'
    && !!indicator && indicator.dataset.status === 'idle';
}
"""

# Some code cell is queued or running.
_RUNNING_JS = """
() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code' && c.executionState === 'running') return true;
  }
  return false;
}
"""


@pytest.fixture(scope="module")
def session(lab, browser, notebook_file) -> Session:
    cells = json.loads(notebook_file.read_text(encoding="utf-8"))["cells"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    s = Session(page, cells, lab)

    def route(r):
        url = r.request.url
        if url.startswith(lab.base + "/") or url.startswith("data:"):
            r.continue_()
        else:
            s.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page.on(
        "console",
        lambda m: s.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: s.console.append(f"pageerror: {e}"))

    t0 = time.monotonic()
    page.goto(f"{lab.base}/lab/workspaces/test/tree/{CHAPTER}?reset&token={lab.token}")
    page.wait_for_function(
        "(n) => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n",
        arg=len(cells),
        timeout=LOAD_MS,
    )
    try:
        page.wait_for_function(_IDLE_JS, timeout=LOAD_MS)
    except Exception as e:
        raise AssertionError(
            f"the kernel was not idle {LOAD_MS / 1000:.0f} s after the chapter was opened\n"
            f"--- server log ---\n{lab.log_tail()}"
        ) from e
    s.timings["open the chapter until the kernel is idle"] = time.monotonic() - t0
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, f"a dialog covers the notebook: {dialogs.first.inner_text()}"

    # Run -> Run All Cells, with the mouse.
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    t0 = time.monotonic()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # Run All marks every code cell as running at once; it is finished when no
    # cell is running any more and the kernel is idle (a cell that fails
    # cancels the rest, so a failure ends the wait too).
    try:
        page.wait_for_function(_RUNNING_JS, timeout=30_000)
        page.wait_for_function(f"() => !({_RUNNING_JS})() && ({_IDLE_JS})()", timeout=RUN_ALL_MS, polling=250)
    except Exception as e:
        raise AssertionError(
            f"Run All did not finish within {RUN_ALL_MS / 1000:.0f} s\n"
            + "\n".join(_problems(s))
            + f"\n--- server log ---\n{lab.log_tail()}"
        ) from e
    s.timings["Run All Cells"] = time.monotonic() - t0
    yield s
    for kind, n in s.timings.items():
        print(f"[jupyterlab] {kind}: {n:.1f} s")
    unresolved = page.evaluate(
        """() => Array.from(document.querySelectorAll(
             '.jp-MarkdownCell [title="Cross Reference Not Found"], .jp-MarkdownCell [title="Citation Not Found"]'))
             .map(el => `${el.title}: ${el.textContent.trim()}`)"""
    )
    print(f"[jupyterlab] unresolved in JupyterLab (resolved on the website): {len(unresolved)}")
    for line in sorted(set(unresolved)):
        print(f"    {line} (x{unresolved.count(line)})")
    counted: dict[str, int] = {}
    for msg in s.console:
        key = msg.split("\n", 1)[0][:200]
        counted[key] = counted.get(key, 0) + 1
    print(f"[jupyterlab] browser console errors and warnings: {len(s.console)}")
    for key, n in sorted(counted.items(), key=lambda kv: -kv[1]):
        print(f"    x{n} {key}")
    print(f"[jupyterlab] blocked requests: {s.blocked}")
    server = [
        re.sub(r"^\[(\w) [\d-]+ [\d:.]+ ", r"[\1 ", line)[:200]
        for line in lab.log_tail(10**6).splitlines()
        if re.match(r"\[[WE] ", line) or "WARNING" in line
    ]
    print(f"[jupyterlab] server log warnings and errors: {len(server)}")
    for line in dict.fromkeys(server):
        print(f"    {line}")
    context.close()


def _problems(s: Session) -> list[str]:
    """Errors shown in the notebook, and uncaught errors of the page's scripts."""
    crashes = [m for m in s.console if m.startswith("pageerror")]
    return crashes + s.page.evaluate(_PROBLEMS_JS, list(ERROR_TEXTS))


def test_run_all_myst_and_widgets(session):
    s = session
    model = s.page.evaluate(_MODEL_JS)
    assert [c["source"] for c in model["cells"]] == ["".join(c["source"]) for c in s.cells], (
        "the notebook JupyterLab shows is not the chapter"
    )
    counts = [c["count"] for c in model["cells"] if c["type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"Run All did not execute every code cell once, in order, in a fresh kernel: counts {counts}\n"
        + "\n".join(_problems(s))
    )
    assert model["kernel"] == "idle"
    assert _problems(s) == [], "after Run All a cell shows an error"

    # MyST: every markdown cell rendered by jupyterlab-myst.
    md = [i for i, c in enumerate(s.cells) if c["cell_type"] == "markdown"]
    not_myst = [
        i
        for i in md
        if not s.cell(i).evaluate(
            "c => c.classList.contains('jp-mod-rendered') && !!c.querySelector('.myst')"
        )
    ]
    assert not_myst == [], f"markdown cells not rendered by jupyterlab-myst: {not_myst}"
    raw = s.page.evaluate(
        """(markers) => {
             const found = [];
             document.querySelectorAll('.jp-MarkdownCell .myst').forEach(el => {
               for (const m of markers) if (el.textContent.includes(m)) found.push(m);
             });
             return found;
           }""",
        [":::{", "```{", "{admonition}", "{ref}", "{numref}", "{term}", "{cite", "{exercise}", "{solution}"],
    )
    assert raw == [], f"raw MyST markup in rendered markdown: {sorted(set(raw))}"
    overview = s.cell(md[0]).locator("aside.myst-admonition")
    assert overview.count() == 1, "the overview is not rendered as an admonition"
    assert overview.locator(".myst-admonition-header").inner_text().strip() == "Overview"
    assert "You will learn" in overview.locator(".myst-admonition-body").inner_text()

    sources = "".join("".join(c["source"]) for c in s.cells if c["cell_type"] == "markdown")
    n_exercises, n_solutions = sources.count("{exercise}"), sources.count("{solution}")
    assert n_exercises > 0 and n_solutions > 0
    exercises = s.page.locator(".jp-MarkdownCell .myst aside.myst-exercise")
    assert exercises.count() == n_exercises, "an exercise is not rendered as an exercise box"
    solutions = s.page.locator(".jp-MarkdownCell .myst details.myst-exercise")
    assert solutions.count() == n_solutions, "a solution is not rendered as a collapsible box"
    for k in range(n_solutions):
        sol = solutions.nth(k)
        assert sol.locator("summary").inner_text().strip().startswith("Solution")
        assert sol.get_attribute("open") is None, f"solution {k + 1} is open"
        assert not sol.locator(".myst-exercise-body").is_visible(), f"solution {k + 1} is visible"

    # Each live widget once, with one figure; the twins' cells show nothing.
    live, twins = s.indices("widgets.live("), s.indices("widgets.twin(")
    assert live, "the chapter has no live widget"
    assert s.page.locator(".jp-Notebook .widget-interact").count() == len(live)
    for i in live:
        assert s.cell(i).locator(".widget-interact").count() == 1, f"cell {i}: not one live widget"
        assert s.cell(i).locator(".widget-interact .widget-output img").count() == 1, (
            f"cell {i}: the live widget does not show exactly one figure"
        )
    shown = {i: model["cells"][i]["outputs"] for i in twins if model["cells"][i]["outputs"]}
    assert shown == {}, (
        f"cells that build the website's twins show output in JupyterLab (cell: outputs): {shown}; "
        "the reader would meet each widget twice"
    )
    for i in twins:
        assert s.cell(i).locator(".jp-OutputArea-child").count() == 0, f"cell {i}: a twin is drawn"


def _figure(s: Session, cell: int) -> str | None:
    return s.cell(cell).evaluate(
        "c => { const im = c.querySelector('.widget-interact .widget-output img'); return im && im.src; }"
    )


def _changed(s: Session, cell: int, what: str, act) -> None:
    """Do ``act``; the live widget of ``cell`` must show a new figure, exactly one."""
    before = _figure(s, cell)
    assert before, f"cell {cell}: no figure before {what}"
    t0 = time.monotonic()
    act()
    try:
        s.page.wait_for_function(
            """([i, before]) => {
                 const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
                 const ims = c.querySelectorAll('.widget-interact .widget-output img');
                 return ims.length === 1 && ims[0].src !== before && ims[0].complete;
               }""",
            arg=[cell, before],
            timeout=REDRAW_MS,
        )
    except Exception as e:
        raise AssertionError(
            f"cell {cell}: the figure did not change within {REDRAW_MS / 1000:.0f} s after {what}\n"
            + "\n".join(_problems(s))
        ) from e
    s.timings[f"{what} -> new figure"] = time.monotonic() - t0
    assert _problems(s) == [], f"after {what} a cell shows an error"


def test_live_controls_redraw_the_figure(session):
    s = session
    live = s.indices("widgets.live(")
    first = s.cell(live[0])
    first.scroll_into_view_if_needed()
    handle = first.locator(".noUi-handle").first
    readout = first.locator(".widget-readout").first
    start = readout.inner_text().strip()

    def key(name):
        def act():
            handle.focus()
            s.page.keyboard.press(name)

        return act

    _changed(s, live[0], "ArrowRight on the first slider", key("ArrowRight"))
    after_right = readout.inner_text().strip()
    assert after_right != start, f"ArrowRight did not move the slider (readout {start!r})"
    _changed(s, live[0], "End on the first slider", key("End"))
    assert readout.inner_text().strip() == handle.get_attribute("aria-valuetext") != after_right

    dropdowns = [i for i in live if s.cell(i).locator(".widget-dropdown select").count()]
    assert dropdowns, "no live widget has a dropdown"
    select = s.cell(dropdowns[0]).locator(".widget-dropdown select").first
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    current = select.input_value()
    other = next(o for o in options if o != current)
    select.scroll_into_view_if_needed()
    _changed(s, dropdowns[0], f"choosing {other!r} in the dropdown", lambda: select.select_option(other))
    assert select.input_value() == other

    # A slider of the next live widget (05: a SelectionSlider), moved to its other end.
    others = [i for i in live[1:] if s.cell(i).locator(".noUi-handle").count()]
    if others:
        cell = s.cell(others[0])
        cell.scroll_into_view_if_needed()
        h = cell.locator(".noUi-handle").first
        before = cell.locator(".widget-readout").first.inner_text().strip()
        home = "Home" if h.get_attribute("aria-valuenow") != h.get_attribute("aria-valuemin") else "End"

        def press():
            h.focus()
            s.page.keyboard.press(home)

        _changed(s, others[0], f"{home} on a slider of the next live widget", press)
        assert cell.locator(".widget-readout").first.inner_text().strip() != before

    s.page.wait_for_function(_IDLE_JS, timeout=REDRAW_MS)
    assert _problems(s) == [], "after the controls were moved a cell shows an error"
