"""Shared fixtures: the built site (fixture books are in bookfixture.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sitebuild import DOCS, HTML, sphinx_build


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The course built as `nox -s docs` builds it (or the site in $DLCOURSE_SITE)."""
    if os.environ.get("DLCOURSE_SITE"):
        return Path(os.environ["DLCOURSE_SITE"])
    done = sphinx_build(DOCS, HTML, jobs="auto")
    assert done.returncode == 0, (
        f"the site did not build:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    )
    return HTML
