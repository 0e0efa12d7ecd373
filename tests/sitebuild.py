"""Paths of the course and a sphinx-build runner shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=900,  # a build that hangs fails the test instead of blocking the whole run
    )
