"""Paths of the course and a sphinx-build runner shared by the tests."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

from dlcourse.book.bench import sphinx_command

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"


def sphinx_build(
    source: Path, out: Path, *extra: str, env: dict[str, str] | None = None, jobs: str = "1"
) -> subprocess.CompletedProcess[str]:
    """Run sphinx-build as an author would, warnings as errors; return the finished process."""
    command = sphinx_command(source, out, *extra, jobs=jobs)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=900,  # a build that hangs fails the test instead of blocking the whole run
    )


def conf_value(name: str) -> str:
    """A literal assigned in docs/conf.py, read without executing it."""
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"docs/conf.py assigns no {name}")
