"""Models: every network of the course, one file per kind, each re-exported here.

- ``mlp``: fully connected networks (``SimpleNN``, ``MLP``, ``DeepMLP``);
- ``initialization``: initialization suited to an activation.

``from dlcourse.models import MLP`` works for every model.
"""

from __future__ import annotations

from dlcourse.models.initialization import init_for_activation
from dlcourse.models.mlp import MLP, DeepMLP, SimpleNN

__all__ = ["MLP", "DeepMLP", "SimpleNN", "init_for_activation"]
