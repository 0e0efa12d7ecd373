"""Residual convolutional networks for the 8×8 digits: a residual block and the capstone's model.

Module 12, *Initialization, Normalization and Residual Connections*
(https://dlcourse.github.io/dlcourse/modules/initialization-and-normalization.html), shows why
``x + f(x)`` and batch normalization make deep networks trainable, on an MLP; Module 26,
*Capstone: an End-to-End Digit Reader*
(https://dlcourse.github.io/dlcourse/modules/capstone-project.html), puts the two into the
convolutions of Module 15 and builds :class:`ResidualBlock` and :class:`DigitResNet`.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DigitResNet", "ResidualBlock"]


class ResidualBlock(nn.Module):
    """``ReLU(body(x) + shortcut(x))`` with ``body = conv 3×3 → BN → ReLU → conv 3×3 → BN``.

    The shortcut is the identity when the block keeps the shape of its input. With
    ``stride=2`` (half the height and width) or a change of channels it is a 1×1 convolution
    with the same stride followed by batch norm, so the two branches can be added. The
    convolutions have no bias: the batch norm after each adds its own. Introduced in
    *Capstone: an End-to-End Digit Reader* (Module 26,
    https://dlcourse.github.io/dlcourse/modules/capstone-project.html).

    >>> block = ResidualBlock(16)
    >>> block(torch.zeros(2, 16, 8, 8)).shape, block.shortcut
    (torch.Size([2, 16, 8, 8]), Identity())
    >>> ResidualBlock(16, 32, stride=2)(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 32, 4, 4])
    >>> sum(p.numel() for p in block.parameters())  # 2 convs of 16·16·9, 2 BNs of 2·16
    4672
    """

    def __init__(self, in_channels: int, out_channels: int | None = None, stride: int = 1) -> None:
        super().__init__()
        out_channels = in_channels if out_channels is None else out_channels
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        if stride == 1 and in_channels == out_channels:
            self.shortcut: nn.Module = nn.Identity()
        else:  # match the body's output shape: 1×1 convolution with the same stride
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


class DigitResNet(nn.Module):
    """A small residual CNN for 1×8×8 images, split like :class:`~dlcourse.models.DigitCNN`
    into ``features`` and ``head``.

    ``features``: a stem (conv 3×3 → BN → ReLU, ``channels[0]`` maps of 8×8), a
    :class:`ResidualBlock` at 8×8, a downsampling block to ``channels[1]`` maps of 4×4 and one
    more block at 4×4, then global average pooling to a vector of ``channels[1]`` numbers per
    image. ``head``: one ``nn.Linear`` to ``num_classes`` logits. Introduced in *Capstone: an
    End-to-End Digit Reader* (Module 26,
    https://dlcourse.github.io/dlcourse/modules/capstone-project.html).

    >>> model = DigitResNet()
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    >>> model.features(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 32])
    >>> sum(p.numel() for p in model.parameters())
    38266
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), num_classes: int = 10) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1, bias=False),  # 1×8×8 → c1×8×8
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            ResidualBlock(c1),  # c1×8×8
            ResidualBlock(c1, c2, stride=2),  # → c2×4×4
            ResidualBlock(c2),  # c2×4×4
            nn.AdaptiveAvgPool2d(1),  # → c2×1×1
            nn.Flatten(),  # → c2
        )
        self.head = nn.Linear(c2, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1:] != (1, 8, 8):
            raise ValueError(
                f"DigitResNet expects images of shape (N, 1, 8, 8), got {tuple(x.shape)}: "
                "reshape flat digits with X.reshape(-1, 1, 8, 8)"
            )
        return self.head(self.features(x))
