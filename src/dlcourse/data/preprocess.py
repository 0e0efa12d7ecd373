"""Preparing tensors for training: a seeded train/test split and standardization."""

from __future__ import annotations

import torch

__all__ = ["standardize", "train_test_split"]


def train_test_split(
    X: torch.Tensor, y: torch.Tensor, test_fraction: float = 0.25, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shuffle and split tensors into ``X_train, X_test, y_train, y_test``.

    Introduced in *Introduction to Deep Learning*:
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> X, y = torch.arange(8.).reshape(8, 1), torch.arange(8)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25)
    >>> len(X_train), len(X_test)
    (6, 2)
    >>> sorted(torch.cat([y_train, y_test]).tolist()) == list(range(8))
    True
    """
    if len(X) != len(y):
        raise ValueError(f"X and y differ in length: {len(X)} vs {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(X), generator=g)
    n_test = max(1, round(len(X) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X_train: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Standardize features with the training set's mean and standard deviation.

    The statistics come from ``X_train`` only, and are applied to every tensor in ``others``
    too, so no information leaks from validation or test data. Introduced in *Installing
    PyTorch and Tensor Fundamentals*:
    https://dlcourse.github.io/dlcourse/modules/pytorch-setup-and-tensors.html

    >>> a, b = standardize(torch.tensor([[0.0], [2.0]]), torch.tensor([[4.0]]))
    >>> a.squeeze().tolist(), round(b.item(), 4)
    ([-0.7071067690849304, 0.7071067690849304], 2.1213)
    """
    mean = X_train.mean(dim=0)
    std = X_train.std(dim=0).clamp_min(1e-8)
    return tuple((t - mean) / std for t in (X_train, *others))
