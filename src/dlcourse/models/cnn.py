"""Convolutional networks for the 8×8 digits: the CNN of Part III and its output-size rule.

Module 15, *Convolutional Neural Networks*
(https://dlcourse.github.io/dlcourse/modules/convolutional-neural-networks.html), introduces
:class:`DigitCNN` and :func:`conv_output_size`; Module 16, *Transfer Learning and Fine-Tuning*
(https://dlcourse.github.io/dlcourse/modules/transfer-learning-and-fine-tuning.html), pretrains
its ``features`` and reuses them for a new task with a new ``head``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DigitCNN", "conv_output_size"]


def conv_output_size(
    size: int, kernel_size: int, padding: int = 0, stride: int = 1, dilation: int = 1
) -> int:
    """Length of one spatial side after a convolution or pooling layer.

    ``floor((size + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1``, the rule
    ``nn.Conv2d`` and ``nn.MaxPool2d`` follow (with ``ceil_mode=False``). ``stride`` defaults
    to 1, as in ``nn.Conv2d``; a pooling layer's stride defaults to its kernel size, so pass it
    explicitly for one. Introduced in *Convolutional Neural Networks* (Module 15,
    https://dlcourse.github.io/dlcourse/modules/convolutional-neural-networks.html).

    >>> conv_output_size(8, kernel_size=3)
    6
    >>> conv_output_size(8, kernel_size=2, stride=2)  # nn.MaxPool2d(2)
    4
    >>> conv_output_size(8, kernel_size=3, padding=1, stride=2)
    4
    >>> conv_output_size(8, kernel_size=3, dilation=2)
    4
    >>> conv_output_size(2, kernel_size=5)
    Traceback (most recent call last):
    ...
    ValueError: a kernel of 5 (dilation 1) does not fit in 2 pixels with padding 0: the output would be empty
    """  # noqa: E501
    if min(size, kernel_size, stride, dilation) < 1 or padding < 0:
        raise ValueError(
            "size, kernel_size, stride and dilation must be at least 1 and padding at least 0, "
            f"got size={size}, kernel_size={kernel_size}, padding={padding}, stride={stride}, "
            f"dilation={dilation}"
        )
    span = dilation * (kernel_size - 1) + 1  # pixels one kernel application covers
    if size + 2 * padding < span:
        raise ValueError(
            f"a kernel of {kernel_size} (dilation {dilation}) does not fit in {size} pixels with "
            f"padding {padding}: the output would be empty"
        )
    return (size + 2 * padding - span) // stride + 1


class DigitCNN(nn.Module):
    """A small CNN for 1×8×8 images: two ``conv 3×3 → ReLU → max-pool 2`` blocks, then a head.

    ``features`` maps ``(N, 1, 8, 8)`` to ``(N, channels[1]·2·2)`` (8 → 4 → 2 pixels a side);
    ``head`` is one ``nn.Linear`` from those features to ``num_classes`` logits. Keeping the two
    apart is what lets Module 16 reuse ``features`` under a new ``head``. Introduced in
    *Convolutional Neural Networks* (Module 15,
    https://dlcourse.github.io/dlcourse/modules/convolutional-neural-networks.html).

    >>> model = DigitCNN()
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    >>> model.features(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 128])
    >>> sum(p.numel() for p in model.parameters())
    6090
    >>> DigitCNN(num_classes=2).head
    Linear(in_features=128, out_features=2, bias=True)
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), num_classes: int = 10) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1),  # 1×8×8 → c1×8×8
            nn.ReLU(),
            nn.MaxPool2d(2),  # → c1×4×4
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),  # → c2×4×4
            nn.ReLU(),
            nn.MaxPool2d(2),  # → c2×2×2
            nn.Flatten(),  # → c2·4
        )
        self.head = nn.Linear(c2 * 2 * 2, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1:] != (1, 8, 8):
            raise ValueError(
                f"DigitCNN expects images of shape (N, 1, 8, 8), got {tuple(x.shape)}: "
                "reshape flat digits with X.reshape(-1, 1, 8, 8)"
            )
        return self.head(self.features(x))
