"""dlcourse: the companion package of the course *Deep Learning with PyTorch*.

What a learner imports lives in the top-level modules (``models``, ``data``, ``training``,
``plotting``, ``quiz``, ``notebook``, ``outline``); they import without Sphinx. The book
machinery — the Sphinx extension that renders the course — lives in :mod:`dlcourse.book` and is
the only place that imports Sphinx.

Importing ``dlcourse`` is cheap: submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: the learner's submodules, imported on first use (``import dlcourse; dlcourse.quiz.ask(...)``)
SUBMODULES = (
    "data",
    "diagnostics",
    "engine",
    "exercises",
    "foundations",
    "models",
    "notebook",
    "optim_viz",
    "outline",
    "pipelines",
    "plotting",
    "quiz",
    "regularize",
    "training",
    "tuning",
)
__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # also sets it on the package
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *SUBMODULES})
