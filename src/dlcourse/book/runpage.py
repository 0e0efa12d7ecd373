"""Execute pages on their own, without building the book.

``python -m dlcourse.book.runpage docs/modules/<slug>.md``

For authors iterating on one page (``nox -s page -- docs/modules/<slug>.md``). Each page runs
in a fresh kernel in a temporary directory, with one thread, as the build runs it. A failing
cell is reported with the page, the line where the cell starts and the traceback; the exit
status is non-zero when any page fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from dlcourse.exercises import BUILD_ENV

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def read_page(path: Path) -> nbformat.NotebookNode:
    """A MyST Markdown page as a notebook (code cells carry their line in the page)."""
    return read_myst_markdown_notebook(
        path.read_text(encoding="utf8"), MdParserConfig(), add_source_map=True
    )


def run_page(path: Path, timeout: int = 120) -> tuple[float, str | None]:
    """Execute one page; return its run time and, if a cell failed, the error report."""
    notebook = read_page(path)
    lines = notebook.metadata.get("source_map", [])
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    os.environ[BUILD_ENV] = "1"  # an exercise check that rejects the solution fails the page
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as cwd:
        client = NotebookClient(notebook, timeout=timeout, resources={"metadata": {"path": cwd}})
        try:
            client.execute()
        except CellExecutionError as exc:
            index = next(
                (
                    i
                    for i, c in enumerate(notebook.cells)
                    if c.get("outputs") and any(o.get("output_type") == "error" for o in c.outputs)
                ),
                None,
            )
            line = lines[index] + 1 if index is not None and index < len(lines) else "?"
            return time.perf_counter() - start, f"{path}:{line}: cell failed\n{exc}"
    return time.perf_counter() - start, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path, help="MyST Markdown notebook pages")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = 0
    for page in args.pages:
        seconds, error = run_page(page, args.timeout)
        if error:
            failed += 1
            print(error, file=sys.stderr)
        print(f"{page}: {'FAILED' if error else 'ok'} in {seconds:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
