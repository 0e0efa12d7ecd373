"""Small models used across the course."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlcourse.models.cnn import DigitCNN as DigitCNN
from dlcourse.models.cnn import conv_output_size as conv_output_size


class SimpleNN(nn.Module):
    """The network of Module 1: ``Linear(10, 5) → ReLU → Linear(5, 1)``.

    Introduced in *Introduction to Deep Learning*, section "A first network".

    >>> model = SimpleNN()
    >>> model(torch.zeros(3, 10)).shape
    torch.Size([3, 1])
    >>> sum(p.numel() for p in model.parameters())
    61
    """

    def __init__(self, in_features: int = 10, hidden: int = 5, out_features: int = 1) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


class MLP(nn.Sequential):
    """A multi-layer perceptron: ``Linear → activation`` for each hidden size, then ``Linear``.

    >>> mlp = MLP(4, [8, 8], 3)
    >>> mlp(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    >>> len([m for m in mlp if isinstance(m, nn.Linear)])
    3
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        activation: type[nn.Module] = nn.ReLU,
    ) -> None:
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden]
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), activation()]
        layers.append(nn.Linear(sizes[-1], out_features))
        super().__init__(*layers)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``.

    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
