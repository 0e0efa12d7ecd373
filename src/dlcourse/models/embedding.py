"""Embedding models: skip-gram word vectors, cosine neighbours, a bag-of-embeddings classifier.

Introduced in *Embeddings* (Module 17, https://dlcourse.github.io/dlcourse/modules/embeddings.html).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["EmbeddingBagClassifier", "SkipGram", "cosine_neighbours"]


class SkipGram(nn.Module):
    """Skip-gram with negative sampling: two tables of word vectors, one per role.

    ``center`` holds the vectors of words as the center of a window, ``context`` those of words
    seen around it. The loss asks ``center[c] · context[o]`` to be large for a real pair and
    small for ``k`` random "negative" words: ``-log σ(u·v) - Σ log σ(-u·n)``. The context
    table starts at zero (as in word2vec), so the first loss is exactly ``(1 + k)·ln 2``.
    After training, ``center.weight`` holds the word vectors. Introduced in *Embeddings*
    (Module 17, https://dlcourse.github.io/dlcourse/modules/embeddings.html), section
    "Skip-gram".

    >>> model = SkipGram(vocab_size=10, dim=4)
    >>> loss = model(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[5, 6], [7, 8]]))
    >>> round(loss.item(), 4) == round(3 * 0.693147, 4)
    True
    """

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(
        self, centers: torch.Tensor, contexts: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """Mean negative-sampling loss of ``B`` pairs: ids ``(B,)``, ``(B,)`` and ``(B, k)``."""
        u = self.center(centers)  # (B, d)
        positive = (u * self.context(contexts)).sum(-1)  # (B,)
        negative = (self.context(negatives) @ u.unsqueeze(-1)).squeeze(-1)  # (B, k)
        return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


def cosine_neighbours(
    vectors: torch.Tensor, index: int, k: int = 5
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` rows of ``vectors`` most similar to row ``index`` by cosine, itself excluded.

    Returns their indices and cosine similarities, most similar first. Introduced in
    *Embeddings* (Module 17, https://dlcourse.github.io/dlcourse/modules/embeddings.html),
    section "Nearest neighbours".

    >>> vectors = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    >>> ids, sims = cosine_neighbours(vectors, 0, k=2)
    >>> ids.tolist(), [round(s, 3) for s in sims.tolist()]
    ([1, 2], [0.994, 0.0])
    """
    unit = F.normalize(vectors, dim=1)
    sims = unit @ unit[index]
    sims[index] = -float("inf")
    top = sims.topk(k)
    return top.indices, top.values


class EmbeddingBagClassifier(nn.Module):
    """A text classifier: the mean of a text's word vectors (``nn.EmbeddingBag``), then Linear.

    Takes the word ids of a whole batch in one flat tensor and ``offsets``, where each text
    starts in it, so texts of different lengths need no padding. Introduced in *Embeddings*
    (Module 17, https://dlcourse.github.io/dlcourse/modules/embeddings.html), section
    "Classifying sentences with EmbeddingBag".

    >>> model = EmbeddingBagClassifier(vocab_size=20, dim=8, num_classes=3)
    >>> ids = torch.tensor([4, 5, 6, 7, 8])       # two texts: [4, 5, 6] and [7, 8]
    >>> model(ids, offsets=torch.tensor([0, 3])).shape
    torch.Size([2, 3])
    """

    def __init__(self, vocab_size: int, dim: int, num_classes: int) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.head = nn.Linear(dim, num_classes)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """Logits ``(num_texts, num_classes)`` for the texts packed in ``ids`` at ``offsets``."""
        return self.head(self.bag(ids, offsets))
