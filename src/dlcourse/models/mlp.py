"""Fully connected networks: the first network of the course, the MLP, and a deep MLP of
blocks that normalization and residual connections can wrap."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["MLP", "DeepMLP", "SimpleNN"]


class SimpleNN(nn.Module):
    """The network of Module 1: ``Linear(10, 5) → ReLU → Linear(5, 1)``.

    Introduced in *Introduction to Deep Learning*, section "A first network":
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

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
    """A multi-layer perceptron: ``Linear → activation [→ Dropout]`` per hidden size, then
    ``Linear``.

    Dropout (when ``dropout > 0``) follows every hidden activation. Introduced in *Building
    Models with nn.Module*; dropout joins in *Regularization Techniques*:
    https://dlcourse.github.io/dlcourse/modules/building-models-with-nn-module.html

    >>> mlp = MLP(4, [8, 8], 3)
    >>> mlp(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    >>> len([m for m in mlp if isinstance(m, nn.Linear)])
    3
    >>> sum(isinstance(m, nn.Dropout) for m in MLP(64, [256, 256], 10, dropout=0.5))
    2
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        activation: type[nn.Module] = nn.ReLU,
        dropout: float = 0.0,
    ) -> None:
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden]
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), activation()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-1], out_features))
        super().__init__(*layers)


class DeepMLP(nn.Module):
    """A deep MLP of ``depth`` blocks ``Linear → [norm] → ReLU``, optionally residual.

    ``norm`` is ``None``, ``"batch"`` (``nn.BatchNorm1d``) or ``"layer"`` (``nn.LayerNorm``).
    With ``residual=True`` each block computes ``x + block(x)``. The input and output layers
    map ``in_features → width`` and ``width → out_features``. Introduced in *Initialization,
    Normalization and Residual Connections*:
    https://dlcourse.github.io/dlcourse/modules/initialization-and-normalization.html

    >>> model = DeepMLP(64, 32, 10, depth=5, norm="batch", residual=True)
    >>> model(torch.zeros(4, 64)).shape
    torch.Size([4, 10])
    >>> len(model.blocks)
    5
    """

    def __init__(
        self,
        in_features: int,
        width: int,
        out_features: int,
        depth: int,
        norm: str | None = None,
        residual: bool = False,
    ) -> None:
        super().__init__()
        norms: dict[str | None, Callable[[], nn.Module]] = {
            None: nn.Identity,
            "batch": lambda: nn.BatchNorm1d(width),
            "layer": lambda: nn.LayerNorm(width),
        }
        if norm not in norms:
            raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
        self.inp = nn.Linear(in_features, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(width, width), norms[norm](), nn.ReLU()) for _ in range(depth)
        )
        self.residual = residual
        self.out = nn.Linear(width, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inp(x)
        for block in self.blocks:
            x = x + block(x) if self.residual else block(x)
        return self.out(x)
