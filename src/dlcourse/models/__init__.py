"""Models: every network of the course, one file per kind, each re-exported here.

- ``mlp``: fully connected networks (``SimpleNN``, ``MLP``, ``DeepMLP``);
- ``initialization``: initialization suited to an activation;
- ``embedding``: learned vectors for discrete things (skip-gram, a bag-of-embeddings classifier);
- ``rnn``: recurrent character models.

``from dlcourse.models import MLP`` works for every model.
"""

from __future__ import annotations

from dlcourse.models.embedding import EmbeddingBagClassifier, SkipGram, cosine_neighbours
from dlcourse.models.initialization import init_for_activation
from dlcourse.models.mlp import MLP, DeepMLP, SimpleNN
from dlcourse.models.rnn import CharRNN

__all__ = [
    "MLP",
    "CharRNN",
    "DeepMLP",
    "EmbeddingBagClassifier",
    "SimpleNN",
    "SkipGram",
    "cosine_neighbours",
    "init_for_activation",
]
