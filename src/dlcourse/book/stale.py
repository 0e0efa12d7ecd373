"""Take what a removed page published out of the site: its page, notebook, source and figures.

Sphinx writes the pages it has and never deletes one: a page removed from ``docs/`` would stay
published, reachable by its old address, beside the figures it alone used. After each HTML
build, the files of pages that are gone and the images no page uses any more are deleted.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from dlcourse.outline import OutlineError

logger = logging.getLogger(__name__)
RECORD = "dlcourse-pages.json"  # in the doctree folder: the pages of the last build


def _published_files(app: Sphinx, docname: str) -> list[Path]:
    from dlcourse.book.pages import module_of

    out = Path(app.outdir)
    files = [out / f"{docname}.html", *sorted((out / "_sources").glob(f"{docname}.*"))]
    try:
        module = module_of(docname)
    except OutlineError:
        module = None
    if module is not None:
        files.append(out / "notebooks" / f"{module.slug}.ipynb")
    return files


def remove_stale(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    record = Path(app.doctreedir) / RECORD
    before = set(json.loads(record.read_text())) if record.is_file() else set()
    now = set(app.env.found_docs)
    for docname in sorted(before - now):
        for path in _published_files(app, docname):
            if path.is_file():
                path.unlink()
                logger.info(f"[dlcourse] {docname} was removed: deleted {path}")
    images = Path(app.outdir) / "_images"
    used = {unique for _, unique in app.env.images.values()}
    for path in sorted(images.glob("*")) if images.is_dir() else []:
        if path.is_file() and path.name not in used:
            path.unlink()
    record.write_text(json.dumps(sorted(now), indent=1))


def setup(app: Sphinx) -> None:
    app.connect("build-finished", remove_stale)
