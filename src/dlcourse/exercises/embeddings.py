"""Checks for the exercises of Module 17, Embeddings."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlcourse.exercises import Exercise


def _lookup(lookup) -> str | None:
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(9, 5, generator=g)
    ids = torch.tensor([8, 0, 3, 3, 7])
    result = lookup(ids, weight)
    if not isinstance(result, torch.Tensor) or result.shape != (5, 5):
        return "`lookup(ids, weight)` should return one row of `weight` per id: (len(ids), dim)"
    if not torch.allclose(result, F.embedding(ids, weight)):
        return "the rows returned are not the rows of `weight` the ids point at"
    return None


def _winter(winter_neighbours) -> str | None:
    words = list(winter_neighbours)
    if len(words) != 3 or not all(isinstance(w, str) for w in words):
        return "`winter_neighbours` should be a list of three words (strings)"
    if "winter" in words:
        return "leave `winter` itself out: its cosine similarity with itself is always 1"
    if set(words) != {"spring", "summer", "autumn"}:
        return "these are not the three words with the largest cosine similarity to `winter`"
    return None


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
        ),
    ),
    Exercise(
        2,
        "The neighbours of winter",
        names=("winter_neighbours",),
        test=_winter,
        wrong=(
            {"winter_neighbours": ["winter", "autumn", "summer"]},
            {"winter_neighbours": ["autumn", "summer", "garden"]},
            {"winter_neighbours": "autumn"},
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
