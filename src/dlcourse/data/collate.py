"""Collation: turning a list of examples of different lengths into one padded batch."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["pad_collate"]


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, int | torch.Tensor]], padding_value: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Collate ``(sequence, label)`` pairs of different lengths into one padded batch.

    Returns ``padded`` of shape ``(batch, longest, ...)``, the true ``lengths`` and the
    ``labels``. Pass it as ``DataLoader(..., collate_fn=pad_collate)``. Introduced in *Datasets
    and DataLoaders*: https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> batch = [(torch.tensor([1, 2, 3]), 0), (torch.tensor([4]), 1)]
    >>> padded, lengths, labels = pad_collate(batch)
    >>> padded.tolist(), lengths.tolist(), labels.tolist()
    ([[1, 2, 3], [4, 0, 0]], [3, 1], [0, 1])
    """
    sequences = [torch.as_tensor(seq) for seq, _ in batch]
    lengths = torch.tensor([len(seq) for seq in sequences])
    pad = nn.utils.rnn.pad_sequence
    padded = pad(sequences, batch_first=True, padding_value=padding_value)
    labels = torch.as_tensor([int(label) for _, label in batch])
    return padded, lengths, labels
