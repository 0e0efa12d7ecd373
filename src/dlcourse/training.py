"""Training helpers: the smallest honest training loop, reused across modules."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def fit(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
) -> list[float]:
    """Train ``model`` on ``(X, y)`` and return the mean training loss of every epoch.

    Each step is the five-line loop of Module 1: zero the gradients, forward, loss, backward,
    step. With ``batch_size=None`` every step sees the whole data set (full-batch descent).
    Shuffling uses a private generator seeded with ``seed``.

    >>> torch.manual_seed(0) and None
    >>> X = torch.linspace(-1, 1, 32).unsqueeze(1); y = 3 * X + 2
    >>> model = nn.Linear(1, 1)
    >>> losses = fit(model, X, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 50)
    >>> losses[-1] < losses[0] / 100
    True
    """
    g = torch.Generator().manual_seed(seed)
    n = len(X)
    batch_size = batch_size or n
    history: list[float] = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=g) if batch_size < n else torch.arange(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        history.append(total / n)
    return history
