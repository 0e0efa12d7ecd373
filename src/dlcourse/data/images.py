"""scikit-learn's 8×8 handwritten digits as images: a tensor pair and a ``Dataset``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.utils.data import Dataset

from dlcourse.data.tabular import load_tabular

__all__ = ["DigitsDataset", "load_digit_images"]


def load_digit_images() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 handwritten digits as images: ``X`` of shape ``(N, 1, 8, 8)``
    scaled to [0, 1], and labels ``y``.

    Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> X, y = load_digit_images()
    >>> X.shape, float(X.max()), int(y.max())
    (torch.Size([1797, 1, 8, 8]), 1.0, 9)
    """
    X, y = load_tabular("digits")
    return (X / 16.0).reshape(-1, 1, 8, 8), y


class DigitsDataset(Dataset):
    """scikit-learn's 8×8 digits as a map-style ``Dataset`` of ``(image, label)`` pairs.

    ``image`` has shape ``(1, 8, 8)`` with values in [0, 1]; ``transform``, if given, is applied
    to the image each time an item is read, so random augmentation can differ on every read. In
    DataLoader workers a transform's private ``torch.Generator`` is copied into each worker as
    it was, so workers (and epochs) repeat each other unless ``worker_init_fn`` reseeds it (the
    module shows it). Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> ds = DigitsDataset()
    >>> len(ds)
    1797
    >>> image, label = ds[0]
    >>> image.shape, label.item()
    (torch.Size([1, 8, 8]), 0)
    """

    def __init__(
        self,
        indices: Sequence[int] | None = None,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        images, labels = load_digit_images()
        if indices is not None:
            index = torch.as_tensor(list(indices), dtype=torch.long)
            images, labels = images[index], labels[index]
        self.images, self.labels = images, labels
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = self.images[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[i]
