"""Shared fixtures: the built site, and small fixture books built in a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"


def sphinx_build(
    source: Path, out: Path, *extra: str, env: dict[str, str] | None = None, jobs: str = "1"
) -> subprocess.CompletedProcess[str]:
    """Run sphinx-build as an author would, warnings as errors; return the finished process."""
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-j",
        jobs,
        "-W",
        "--keep-going",
        "-d",
        str(out.parent / "doctrees"),  # build state stays outside the published site
        *extra,
        str(source),
        str(out),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


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
