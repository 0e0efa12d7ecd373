"""The book machinery: a Sphinx extension that renders the course from its outline and data.

This package is the only part of ``dlcourse`` that imports Sphinx. Enable it in ``conf.py``
with ``extensions = ["myst_nb", "dlcourse.book"]``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing a submodule (the warm-kernel server) must not load Sphinx
    from sphinx.application import Sphinx

STATIC = Path(__file__).parent / "static"


def setup(app: Sphinx) -> dict[str, Any]:
    from dlcourse import __version__
    from dlcourse.book import (
        deps,
        execute,
        math,
        notebooks,
        pages,
        problems,
        quizzes,
        report,
        stale,
        theme,
    )

    app.add_config_value("dlcourse_repository", "dlcourse/dlcourse", "html", str)
    app.add_config_value("dlcourse_branch", "gh-pages", "html", str)
    # the install cell's pip requirement; "{version}" becomes dlcourse.__version__
    app.add_config_value("dlcourse_install", "dlcourse=={version}", "html", str)
    app.add_config_value("dlcourse_toolchain_files", [], "env", list)
    app.add_config_value("dlcourse_tracked_packages", ["dlcourse"], "env", list)
    app.add_config_value("dlcourse_words_per_minute", 200, "env", int)
    app.connect("builder-inited", _add_static)

    for part in (pages, problems, deps, execute, math, notebooks, quizzes, report, stale, theme):
        part.setup(app)
    return {
        "version": __version__,
        "env_version": machinery_version(),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def machinery_version(folder: Path = Path(__file__).parents[1]) -> int:
    """A number that changes whenever the code of the ``dlcourse`` package (``folder``) does.

    Sphinx does not see an extension's code as an input: after a change to this package or to
    what it renders with (``dlcourse.quiz``, ``dlcourse.outline``...), an incremental build
    would leave every page it did not otherwise rebuild as the old code made it. Given as the
    extension's ``env_version``, a change makes Sphinx read and write every page again ("build
    environment version not current", under a minute); executed outputs still come from the
    cache, which :mod:`dlcourse.book.deps` keeps up to date on its own. All of the package counts,
    not only what renders pages: simpler to keep right, and an edit to a model re-executes most
    pages anyway. Hidden files and folders (an editor's lock file, ``.ipynb_checkpoints``) do
    not count.

    >>> machinery_version() == machinery_version()
    True
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        name = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in name.parts):
            digest.update(name.as_posix().encode() + b"\0" + path.read_bytes())
    return int.from_bytes(digest.digest()[:4], "big") or 1  # Sphinx ignores an env_version of 0


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file("dlcourse.css")
