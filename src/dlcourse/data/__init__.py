"""Data: offline data sets as tensors, a ``Dataset`` of images, augmentation and collation.

Nothing here downloads anything. One file per kind of data or step:

- ``synthetic``: generated sets (a noisy line, a bending regression, moons);
- ``tabular``: scikit-learn's bundled tabular sets as tensors;
- ``images``: the 8×8 digits as images and as a ``Dataset``;
- ``preprocess``: a seeded train/test split, standardization;
- ``augment``: augmentation as tensor operations;
- ``collate``: padding a batch of sequences;
- ``text``: the course corpus (written for the course, MIT), its tokenizers and training pairs.

Every public name is re-exported here: ``from dlcourse.data import load_tabular``.
"""

from __future__ import annotations

from dlcourse.data.augment import add_noise, random_flip, random_shift
from dlcourse.data.collate import pad_collate
from dlcourse.data.images import DigitsDataset, load_digit_images
from dlcourse.data.preprocess import standardize, train_test_split
from dlcourse.data.synthetic import make_line, make_moons, make_regression
from dlcourse.data.tabular import load_tabular
from dlcourse.data.text import (
    CORPUS_LICENSE,
    TOPICS,
    CharTokenizer,
    Vocab,
    language_model_batch,
    load_corpus,
    skipgram_pairs,
    split_sentences,
    tokenize,
    topic_sentences,
)

__all__ = [
    "CORPUS_LICENSE",
    "TOPICS",
    "CharTokenizer",
    "DigitsDataset",
    "Vocab",
    "add_noise",
    "language_model_batch",
    "load_corpus",
    "load_digit_images",
    "load_tabular",
    "make_line",
    "make_moons",
    "make_regression",
    "pad_collate",
    "random_flip",
    "random_shift",
    "skipgram_pairs",
    "split_sentences",
    "standardize",
    "tokenize",
    "topic_sentences",
    "train_test_split",
]
