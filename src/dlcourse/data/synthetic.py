"""Synthetic data sets, generated on the spot: a noisy line, a bending regression, two moons."""

from __future__ import annotations

import torch

__all__ = ["make_line", "make_moons", "make_regression"]


def make_line(n: int = 100, noise: float = 0.5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy points on the line ``y = 3x + 2``: ``x`` uniform in [-1, 1], Gaussian noise.

    Returns ``X`` and ``y`` of shape ``(n, 1)``. The generator is private, so calling it does not
    disturb the global random state. Introduced in *Autograd and Backpropagation*:
    https://dlcourse.github.io/dlcourse/modules/autograd-and-backpropagation.html

    >>> X, y = make_line(n=5)
    >>> X.shape, y.shape
    (torch.Size([5, 1]), torch.Size([5, 1]))
    >>> torch.equal(make_line(n=5, noise=0.0)[1], 3 * X + 2)
    True
    """
    g = torch.Generator().manual_seed(seed)
    X = 2 * torch.rand(n, 1, generator=g) - 1
    y = 3 * X + 2 + noise * torch.randn(n, 1, generator=g)
    return X, y


def make_regression(
    n: int = 256,
    in_features: int = 10,
    noise: float = 0.1,
    frequency: float = 2.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A regression task that bends: ``y = sin(f·x·w₁) + 0.5·relu(f·x·w₂) + noise``.

    ``f`` is ``frequency``: the higher, the further from linear. Returns ``X`` of shape
    ``(n, in_features)`` and ``y`` of shape ``(n, 1)``. The generator is private, so calling it
    does not disturb the global random state. Introduced in *Introduction to Deep Learning*, to
    train :class:`dlcourse.models.SimpleNN` and show what a linear model cannot fit:
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> X, y = make_regression(n=8)
    >>> X.shape, y.shape
    (torch.Size([8, 10]), torch.Size([8, 1]))
    >>> torch.equal(make_regression(n=8)[1], y)
    True
    """
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, in_features, generator=g)
    w1 = torch.randn(in_features, 1, generator=g) / in_features**0.5
    w2 = torch.randn(in_features, 1, generator=g) / in_features**0.5
    y = (
        torch.sin(frequency * X @ w1)
        + 0.5 * torch.relu(frequency * X @ w2)
        + noise * torch.randn(n, 1, generator=g)
    )
    return X, y


def make_moons(
    n: int = 512, noise: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's two interleaving half-moons as tensors (``X`` float32, ``y`` int64).

    Introduced in *Activation Functions and How to Choose Them*:
    https://dlcourse.github.io/dlcourse/modules/activation-functions.html

    >>> X, y = make_moons(n=10)
    >>> X.shape, y.tolist().count(1)
    (torch.Size([10, 2]), 5)
    """
    from sklearn.datasets import make_moons as sk_make_moons

    X, y = sk_make_moons(n_samples=n, noise=noise, random_state=seed)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.int64)
