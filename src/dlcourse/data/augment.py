"""Data augmentation as tensor operations on images ``(C, H, W)`` (no torchvision)."""

from __future__ import annotations

import torch

__all__ = ["add_noise", "random_flip", "random_shift"]


def random_shift(
    image: torch.Tensor, max_shift: int = 1, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Shift an image ``(C, H, W)`` by up to ``max_shift`` pixels each way, filling with 0.

    Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> image = torch.zeros(1, 3, 3); image[0, 1, 1] = 1.0
    >>> g = torch.Generator().manual_seed(0)
    >>> shifted = random_shift(image, generator=g)
    >>> shifted.shape, shifted.sum().item()  # the pixel moved by at most one step
    (torch.Size([1, 3, 3]), 1.0)
    """
    low, high = -max_shift, max_shift + 1
    dy, dx = torch.randint(low, high, (2,), generator=generator).tolist()
    h, w = image.shape[-2:]
    top, left = max(0, dy), max(0, dx)  # where the kept part lands
    bottom, right = h + min(0, dy), w + min(0, dx)
    out = torch.zeros_like(image)  # pixels shifted in from outside are 0
    src = image[..., top - dy : bottom - dy, left - dx : right - dx]
    out[..., top:bottom, left:right] = src
    return out


def random_flip(
    image: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror an image left to right with probability ``p``.

    Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> image = torch.arange(4.0).reshape(1, 2, 2)
    >>> random_flip(image, p=1.0).tolist()
    [[[1.0, 0.0], [3.0, 2.0]]]
    """
    if torch.rand((), generator=generator).item() < p:
        return image.flip(-1)
    return image


def add_noise(
    image: torch.Tensor, std: float = 0.1, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Add Gaussian noise with standard deviation ``std`` and clip back to [0, 1].

    Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> noisy = add_noise(torch.full((1, 8, 8), 0.5), std=0.1)
    >>> noisy.shape, bool((noisy >= 0).all() and (noisy <= 1).all())
    (torch.Size([1, 8, 8]), True)
    """
    noise = torch.randn(image.shape, generator=generator) * std
    return (image + noise).clamp(0.0, 1.0)
