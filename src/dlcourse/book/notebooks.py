"""Publish every module as a Jupyter notebook with its executed outputs.

The notebooks go to ``<html>/notebooks/<slug>.ipynb``: the module header links there for the
download, and "Open in Colab" opens the same path in the published repository branch. The first
cell installs ``dlcourse`` when it is missing (as in a fresh Colab runtime).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

from dlcourse.book.pages import module_of

logger = logging.getLogger(__name__)

INSTALL_CELL = """\
# Run this cell first: it installs the course package when it is missing (e.g. in Colab).
import importlib.util

if importlib.util.find_spec("dlcourse") is None:
    %pip install --quiet {requirement!r}"""


def executed_notebook(app: Sphinx, docname: str) -> nbformat.NotebookNode:
    """The page as a notebook, with the outputs of its last execution from the cache."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import create_nb_reader

    from dlcourse.book.deps import cache_path

    env = app.env
    path = env.doc2path(docname)
    text = Path(path).read_text(encoding="utf8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    notebook = reader.read(text)
    if app.config.nb_execution_mode == "cache":
        try:
            _, notebook = get_cache(cache_path(app)).merge_match_into_notebook(notebook)
        except KeyError:
            logger.warning(
                f"{path}: no executed outputs in the cache; exporting without them",
                type="dlcourse",
                subtype="notebook",
            )
    return notebook


def export_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir) / "notebooks"
    outdir.mkdir(parents=True, exist_ok=True)
    install = INSTALL_CELL.format(requirement=app.config.dlcourse_install)
    for docname in sorted(app.env.found_docs):
        module = module_of(docname)
        if module is None:
            continue
        notebook = executed_notebook(app, docname)
        cell = nbformat.v4.new_code_cell(install, id="install-dlcourse")
        notebook.cells.insert(0, cell)
        notebook.metadata.pop("jupytext", None)
        notebook.metadata["colab"] = {"name": f"{module.number:02d}-{module.slug}.ipynb"}
        for i, each in enumerate(notebook.cells):  # stable ids: two builds, same bytes
            each["id"] = each.get("id") if i == 0 else f"cell-{i}"
        nbformat.write(notebook, outdir / f"{module.slug}.ipynb")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", export_notebooks)
