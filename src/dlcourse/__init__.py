"""dlcourse: the companion package of the course *Deep Learning with PyTorch*.

The learner's half, what a notebook imports, is organized by what each module holds:

- ``data``: offline data sets (synthetic, scikit-learn's bundled ones, digits as images and as a
  ``Dataset``), splitting and standardization, augmentation, collation;
- ``models``: every network of the course;
- ``train``: the one training engine — an epoch, a run (``fit``), evaluation, prediction, early
  stopping, checkpoints and random state;
- ``metrics``: accuracy, confusion matrix, F1, binary metrics;
- ``diagnostics``: looking inside tensors and models (storage, parameter counts, gradient norms,
  activation statistics, dead units);
- ``distributed``: running a script on several processes with torchrun, comparing replicas;
- ``plot``: every figure helper, in the course style;
- ``surfaces``: optimizer test surfaces and the paths optimizers take on them;
- ``tuning``: hyperparameter search;
- ``serve``: a model behind JSON over HTTP on this machine, and a client to send it requests;
- ``notebook``: ``setup()`` and the tools of a page (glue, claim, show_source);
- ``quiz``, ``exercises`` and ``outline``: quiz data, exercise checks and the course outline.

None of them imports Sphinx. The book machinery, the Sphinx extension that renders the course,
lives in :mod:`dlcourse.book` and is the only place that does.

``import dlcourse`` itself imports none of them (nor torch): ``dlcourse.train`` and the others in
:data:`SUBMODULES` are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: the learner's submodules, imported on first use (``import dlcourse; dlcourse.train.fit(...)``)
SUBMODULES = (
    "data",
    "diagnostics",
    "distributed",
    "exercises",
    "metrics",
    "models",
    "notebook",
    "outline",
    "plot",
    "quiz",
    "serve",
    "surfaces",
    "train",
    "tuning",
)
__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # also sets it on the package
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *SUBMODULES})
