"""dlcourse: the companion package of the course *Deep Learning with PyTorch*.

What a learner imports lives in the top-level modules (``models``, ``data``, ``training``,
``plotting``, ``quiz``, ``notebook``, ``outline``); they import without Sphinx. The book
machinery — the Sphinx extension that renders the course — lives in :mod:`dlcourse.book` and is
the only place that imports Sphinx.

Importing ``dlcourse`` is cheap: submodules load on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
