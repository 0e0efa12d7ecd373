"""pip's find-links, for uv (which ignores pip's configuration): the local torch wheel is there.

Shared by ``noxfile.py`` (the build's environments) and the notebook-run test (the learner's).
"""

from __future__ import annotations

import os
import subprocess
import sys


def find_links() -> list[str]:
    """``--find-links`` arguments from ``$PIP_FIND_LINKS`` or pip's ``global.find-links``."""
    value = os.environ.get("PIP_FIND_LINKS", "")
    if not value:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.find-links"],
            capture_output=True,
            text=True,
            check=False,
        )
        value = done.stdout.strip() if done.returncode == 0 else ""
    return [arg for link in value.split() for arg in ("--find-links", link)]
