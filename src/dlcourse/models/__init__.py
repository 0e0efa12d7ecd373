"""Models: every network of the course, one file per kind, each re-exported here.

- ``mlp``: fully connected networks (``SimpleNN``, ``MLP``, ``DeepMLP``);
- ``initialization``: initialization suited to an activation;
- ``cnn``: convolutional networks for the 8×8 digits, and the output-size rule;
- ``embedding``: learned vectors for discrete things (skip-gram, a bag-of-embeddings classifier);
- ``rnn``: recurrent character models;
- ``transformer``: sinusoidal positions, the transformer block and a small character GPT.

``from dlcourse.models import MLP`` works for every model.
"""

from __future__ import annotations

from dlcourse.models.cnn import DigitCNN, conv_output_size
from dlcourse.models.embedding import EmbeddingBagClassifier, SkipGram, cosine_neighbours
from dlcourse.models.initialization import init_for_activation
from dlcourse.models.mlp import MLP, DeepMLP, SimpleNN
from dlcourse.models.rnn import CharRNN
from dlcourse.models.transformer import CharGPT, TransformerBlock, sinusoidal_positions

__all__ = [
    "MLP",
    "CharGPT",
    "CharRNN",
    "DigitCNN",
    "DeepMLP",
    "EmbeddingBagClassifier",
    "SimpleNN",
    "SkipGram",
    "TransformerBlock",
    "conv_output_size",
    "cosine_neighbours",
    "init_for_activation",
    "sinusoidal_positions",
]
