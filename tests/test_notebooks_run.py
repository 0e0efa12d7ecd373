"""The exported notebooks, run the way a learner runs them: a fresh kernel, outside the docs tree.

Each ``<html>/notebooks/<slug>.ipynb`` runs top to bottom in its own temporary directory, two
at a time. The first cell installs ``dlcourse`` only when it is missing, so here it is a no-op.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from sitebuild import conf_value

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds per cell; the build allows 120 for a page's cells


def run_notebook(path: Path, workdir: Path) -> str | None:
    """Run ``path`` in a fresh kernel with ``workdir`` as its cwd; the error, or None."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    published = nbformat.read(path, as_version=4)
    workdir.mkdir()
    client = NotebookClient(
        notebook, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        return f"{path.name}: a cell failed\n{str(error)[-2000:]}"
    except Exception as error:  # a timeout or a dead kernel: report it with the others
        return f"{path.name}: {type(error).__name__}: {error}"
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
        if _shown(before.outputs) != _shown(after.outputs):
            return (
                f"{name}: cell {number} shows other output when a learner runs it:\n"
                f"published: {_shown(before.outputs)!r:.600}\n"
                f"run:       {_shown(after.outputs)!r:.600}"
            )
    return None


def test_every_exported_notebook_runs_in_a_fresh_kernel(built_site: Path, tmp_path: Path):
    notebooks = sorted((built_site / "notebooks").glob("*.ipynb"))
    assert notebooks, f"no notebooks exported to {built_site / 'notebooks'}"
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = list(pool.map(lambda nb: run_notebook(nb, tmp_path / nb.stem), notebooks))
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
