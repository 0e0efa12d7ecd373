"""Checks for the exercises of Module 17, Embeddings."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from dlcourse.data import Vocab
from dlcourse.exercises import Exercise
from dlcourse.models import cosine_neighbours

#: operations that read rows of ``weight`` by index, which exercise 1 rules out
_INDEXING = {"__getitem__", "index_select", "embedding", "embedding_bag", "gather", "take"}


class _IndexingSpy(TorchFunctionMode):
    """Records whether an indexing operation was applied to one given tensor."""

    def __init__(self, watched: torch.Tensor) -> None:
        super().__init__()
        self.watched = watched
        self.indexed = False

    def __torch_function__(
        self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None
    ) -> Any:
        if getattr(func, "__name__", "") in _INDEXING and any(a is self.watched for a in args):
            self.indexed = True
        return func(*args, **(kwargs or {}))


def _lookup(lookup) -> str | None:
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(9, 5, generator=g)
    ids = torch.tensor([8, 0, 3, 3, 7])
    try:
        with _IndexingSpy(weight) as spy:
            result = lookup(ids, weight)
    except RuntimeError as error:
        if "dtype" in str(error):
            return "F.one_hot returns int64: convert it with .to(weight.dtype) before multiplying"
        raise
    if not isinstance(result, torch.Tensor) or result.shape != (5, 5):
        return "`lookup(ids, weight)` should return one row of `weight` per id: (len(ids), dim)"
    if result.dtype != weight.dtype:
        return f"return rows of `weight`'s dtype ({weight.dtype}), not {result.dtype}"
    if not torch.allclose(result, F.embedding(ids, weight)):
        return "the rows returned are not the rows of `weight` the ids point at"
    if spy.indexed:
        return "right rows, but compute them as a one-hot matrix times `weight`, not by indexing"
    return None


def _winter(winter_neighbours, vectors, vocab) -> str | None:
    words = list(winter_neighbours)
    if len(words) != 3 or not all(isinstance(w, str) for w in words):
        return "`winter_neighbours` should be a list of three words (strings)"
    if "winter" in words:
        return "leave `winter` itself out: its cosine similarity with itself is always 1"
    nearest = vocab.decode(cosine_neighbours(vectors, vocab.stoi["winter"], k=3)[0])
    if set(words) != set(nearest):
        return "these are not the three words with the largest cosine similarity to `winter`"
    if words != nearest:
        return "the right three words, but not in order: nearest first"
    return None


def _toy_vectors() -> dict[str, Any]:
    """A made-up vocabulary whose vectors put winter's neighbours in a known order."""
    vocab = Vocab(["winter", "autumn", "summer", "spring", "garden"])
    vectors = torch.tensor(
        [[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.9, 0.2], [0.7, 0.7], [0.5, 0.9], [0.0, 1.0]]
    )
    return {"vectors": vectors, "vocab": vocab}  # nearest to winter: autumn, summer, spring


def _params(onehot_params, embedding_params) -> str | None:
    if onehot_params != 10_000 * 64 + 64:
        return "`onehot_params`: count the weights (in × out) and the biases of the Linear layer"
    if embedding_params != 10_000 * 16 + 16 * 64 + 64:
        return "`embedding_params`: the embedding's rows × dim, plus the Linear(16, 64) layer"
    return None


EXERCISES = (
    Exercise(
        1,
        "A lookup without nn.Embedding",
        names=("lookup",),
        test=_lookup,
        wrong=(
            {"lookup": lambda ids, weight: weight[: len(ids)]},
            {"lookup": lambda ids, weight: F.one_hot(ids, weight.shape[0]).float()},
            {"lookup": lambda ids, weight: weight[ids]},
            {
                "lookup": lambda ids, weight: (
                    F.one_hot(ids, weight.shape[0]).double() @ weight.double()
                )
            },
        ),
    ),
    Exercise(
        2,
        "The neighbours of winter",
        names=("winter_neighbours", "vectors", "vocab"),
        test=_winter,
        wrong=(
            {"winter_neighbours": ["winter", "autumn", "summer"], **_toy_vectors()},
            {"winter_neighbours": ["autumn", "summer", "garden"], **_toy_vectors()},
            {"winter_neighbours": ["summer", "autumn", "spring"], **_toy_vectors()},
            {"winter_neighbours": "autumn", **_toy_vectors()},
        ),
    ),
    Exercise(
        3,
        "One-hot or embedding?",
        names=("onehot_params", "embedding_params"),
        test=_params,
        wrong=(
            {"onehot_params": 640_000, "embedding_params": 161_088},
            {"onehot_params": 640_064, "embedding_params": 160_000},
            {"onehot_params": 161_088, "embedding_params": 640_064},
        ),
    ),
)
