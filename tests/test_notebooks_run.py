"""The exported notebooks, run the way a learner runs them: a fresh kernel, outside the docs tree,
in an environment made from the package's wheel and its dependencies only (no Sphinx).

Each ``<html>/notebooks/<slug>.ipynb`` runs top to bottom in its own temporary directory, two
at a time, and must print what the page prints. The first cell installs ``dlcourse`` only when
that version is missing, so here it is a no-op. Cells the page does not have are held to what
a learner sees: an exercise's check (before the solution, the attempt still empty) says "right"
or "not yet" with a hint; the practice quiz says that it cannot read answers here. Each check
also runs after its solution, where it must say "right".
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from findlinks import find_links
from sitebuild import conf_value

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds per cell; the build allows 120 for a page's cells


#: what a check cell prints in a top-to-bottom run, where the attempt above it is still empty
CHECK_OUTPUT = re.compile(r"^Exercise (\d+) \([^)]*\): (right\.|not yet\. .+)\n$")


def _dlcourse(cell) -> dict:
    return cell.get("metadata", {}).get("dlcourse", {})


def with_checks_after_solutions(notebook) -> tuple[list, list[int]]:
    """The notebook's cells with a copy of each exercise's check after the exercise's last
    solution cell (where the page runs it); and the positions of these copies."""
    checks = {}
    for cell in notebook.cells:
        if _dlcourse(cell).get("part") == "check":
            checks.setdefault(_dlcourse(cell)["exercise"], []).append(cell.source)
    last = {}
    for i, cell in enumerate(notebook.cells):
        if _dlcourse(cell).get("part") == "solution":
            last[_dlcourse(cell)["exercise"]] = i
    cells, probes = [], []
    for i, cell in enumerate(notebook.cells):
        cells.append(cell)
        for number, at in last.items():
            if at == i:
                for source in checks.get(number, []):
                    probes.append(len(cells))
                    cells.append(nbformat.v4.new_code_cell(source))
    return cells, probes


def run_notebook(path: Path, workdir: Path, kernel: str = "python3") -> str | None:
    """Run ``path`` in a fresh kernel with ``workdir`` as its cwd; the error, or None.

    Each exercise's check also runs right after the exercise's solution, as on the page: it
    must say "right" there (in the notebook it stands before the solution, for the learner).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    published = nbformat.read(path, as_version=4)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells, probes = with_checks_after_solutions(notebook)
    workdir.mkdir()
    client = NotebookClient(
        notebook, timeout=TIMEOUT, kernel_name=kernel, resources={"metadata": {"path": workdir}}
    )
    try:
        # predict-output snippets (the practice quiz) get the build's margin on a busy machine
        client.execute(env={**os.environ, "DLCOURSE_SNIPPET_TIMEOUT": "120"})
    except CellExecutionError as error:
        return f"{path.name}: a cell failed\n{str(error)[-2000:]}"
    except Exception as error:  # a timeout or a dead kernel: report it with the others
        return f"{path.name}: {type(error).__name__}: {error}"
    for at in probes:
        shown = _shown(notebook.cells[at].outputs)
        if not (len(shown) == 1 and ": right." in shown[0][1]):
            return f"{path.name}: a check rejects its solution: {shown!r:.600}"
    notebook.cells = [c for i, c in enumerate(notebook.cells) if i not in probes]
    return different_outputs(path.name, published, notebook)


def _shown(outputs) -> list[tuple[str, str]]:
    """The text a reader sees in a cell's outputs, streams merged as the book merges them."""
    from dlcourse.book.notebooks import GLUE_RECORD
    from dlcourse.book.streams import merge_streams

    # glue records show nothing (the export drops them; a run makes them again)
    outputs = [o for o in outputs if not any(m.startswith(GLUE_RECORD) for m in o.get("data", {}))]
    shown = []
    for output in merge_streams(outputs):
        if output.output_type == "stream":
            shown.append((output.name, output.text))
        elif "text/plain" in output.get("data", {}):
            shown.append((output.output_type, output.data["text/plain"]))
    return shown


def different_outputs(name: str, published, run) -> str | None:
    """The first cell whose printout differs between the published notebook and a run of it
    (cells tagged ``timing`` aside): the learner must see the numbers the page shows."""
    for number, (before, after) in enumerate(zip(published.cells, run.cells, strict=True)):
        tags = before.get("metadata", {}).get("tags", [])
        if before.cell_type != "code" or "timing" in tags or before.get("id") == "install-dlcourse":
            continue
        if "practice-quiz" in tags:  # nothing to type answers in here: it says so, and ends
            if "cannot read answers here" not in "".join(t for _, t in _shown(after.outputs)):
                return f"{name}: cell {number} (the practice quiz): {_shown(after.outputs)!r:.600}"
            continue
        if _dlcourse(before).get("part") == "check":  # not run on the page: the learner's
            shown = _shown(after.outputs)
            if len(shown) != 1 or not CHECK_OUTPUT.match(shown[0][1]):
                return f"{name}: cell {number} (a check) printed {shown!r:.600}"
            continue
        if _shown(before.outputs) != _shown(after.outputs):
            return (
                f"{name}: cell {number} shows other output when a learner runs it:\n"
                f"published: {_shown(before.outputs)!r:.600}\n"
                f"run:       {_shown(after.outputs)!r:.600}"
            )
    return None


WHEEL_KERNEL = "dlcourse-wheel"


def pages_extras() -> set[str]:
    """The package extras the module pages ask for in their front matter (``extras: [...]``)."""
    import yaml

    found = set()
    for page in (ROOT / "docs" / "modules").glob("*.md"):
        front = page.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
        found |= set((yaml.safe_load(front) or {}).get("extras", []))
    return found


@pytest.fixture(scope="module")
def wheel_kernel(tmp_path_factory) -> Iterator[str]:
    """A Jupyter kernel in a fresh environment holding only the package's wheel and what it
    depends on (at the versions the book pins), as a learner installs it: no Sphinx."""
    uv = shutil.which("uv")
    assert uv, "uv is needed to make the learner's environment (pip install uv)"
    root = tmp_path_factory.mktemp("learner")
    run = functools.partial(subprocess.run, check=True, capture_output=True, text=True)
    run([uv, "build", "--wheel", "--out-dir", str(root / "dist"), str(ROOT)])
    venv = root / "venv"
    run([uv, "venv", "--python", sys.executable, str(venv)])
    python = str(venv / "bin" / "python")
    (wheel,) = (root / "dist").glob("dlcourse-*.whl")
    lock = ROOT / "requirements" / "build.txt"
    extras = ",".join(sorted(pages_extras()))  # what the notebooks' install cells add
    run([uv, "pip", "install", "--python", python, *find_links(), "-c", str(lock),
         f"{wheel}[{extras}]" if extras else str(wheel), "ipykernel"])  # fmt: skip
    done = subprocess.run([python, "-c", "import sphinx"], capture_output=True, check=False)
    assert done.returncode != 0, "the learner's environment must not have Sphinx"
    run([python, "-m", "ipykernel", "install", "--prefix", str(venv), "--name", WHEEL_KERNEL])
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
    try:
        yield WHEEL_KERNEL
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before


def test_every_exported_notebook_runs_in_a_fresh_kernel(
    built_site: Path, tmp_path: Path, wheel_kernel: str
):
    notebooks = sorted((built_site / "notebooks").glob("*.ipynb"))
    assert notebooks, f"no notebooks exported to {built_site / 'notebooks'}"
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = list(
            pool.map(lambda nb: run_notebook(nb, tmp_path / nb.stem, wheel_kernel), notebooks)
        )
    failed = [e for e in errors if e]
    print(f"{len(notebooks)} notebooks ran in {time.perf_counter() - start:.0f} s")
    assert not failed, "\n\n".join(failed)


def test_open_in_colab_opens_the_exported_notebook_of_each_module(built_site: Path):
    repository, branch = conf_value("dlcourse_repository"), conf_value("dlcourse_branch")
    pages = sorted((built_site / "modules").glob("*.html"))
    assert pages, f"no module pages in {built_site / 'modules'}"
    for page in pages:
        slug = page.stem
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="dl-button" href="([^"]+)"[^>]*>Open in Colab</a>', html)
        assert links == [
            f"https://colab.research.google.com/github/{repository}/blob/{branch}"
            f"/notebooks/{slug}.ipynb"
        ], f"{page.name}: the Open in Colab link is wrong or missing"
        assert (built_site / "notebooks" / f"{slug}.ipynb").is_file(), (
            f"{page.name} links to notebooks/{slug}.ipynb, which the build did not export"
        )
