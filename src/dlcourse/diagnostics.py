"""Debugging helpers: gradient-norm hooks, a bare training loop, overfit-one-batch.

Introduced in *Debugging and Visualizing Training* (Module 13).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator

import torch
from torch import Tensor, nn

__all__ = ["GradNormMonitor", "expected_initial_loss", "silence_stderr", "train_steps"]


def expected_initial_loss(num_classes: int) -> float:
    """Cross-entropy of a classifier that predicts uniform probabilities: ln C.

    A freshly initialized classifier should start close to this value.

    >>> round(expected_initial_loss(10), 4)
    2.3026
    """
    return math.log(num_classes)


class GradNormMonitor:
    """Record the gradient norm of every weight at each backward pass.

    A hook registered with ``Tensor.register_hook`` on each weight runs
    when its gradient is computed and appends the gradient's L2 norm to
    ``history[name]``. Call :meth:`remove` (or use ``with``) when done.

    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> with GradNormMonitor(model) as monitor:
    ...     model(torch.ones(2, 3)).sum().backward()
    >>> sorted(monitor.history), len(monitor.history["0.weight"])
    (['0.weight', '2.weight'], 1)
    """

    def __init__(self, model: nn.Module) -> None:
        self.history: dict[str, list[float]] = {}
        self.handles = []
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.requires_grad:
                self.history[name] = []
                hook = self._make_hook(name)
                self.handles.append(p.register_hook(hook))

    def _make_hook(self, name: str) -> Callable[[Tensor], None]:
        def hook(grad: Tensor) -> None:
            self.history[name].append(grad.norm().item())

        return hook

    def remove(self) -> None:
        """Remove every hook."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def __enter__(self) -> GradNormMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def train_steps(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    num_steps: int = 100,
    lr: float = 0.1,
    zero_grad: bool = True,
) -> list[float]:
    """Full-batch SGD for ``num_steps``; return the loss of every step.

    ``zero_grad=False`` plants a classic bug: gradients accumulate over
    steps instead of being cleared.

    >>> torch.manual_seed(0) and None
    >>> X = torch.randn(32, 2); y = X @ torch.tensor([[2.0], [-1.0]])
    >>> losses = train_steps(nn.Linear(2, 1), X, y, nn.MSELoss(), 50)
    >>> losses[-1] < losses[0] / 100
    True
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        if zero_grad:
            optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@contextlib.contextmanager
def silence_stderr() -> Iterator[None]:
    """Discard everything written to the process's stderr (file descriptor 2).

    ``torch.profiler`` writes time-stamped start/stop notices from C++
    straight to descriptor 2, past Python's ``sys.stderr``; this hides them.

    >>> with silence_stderr():
    ...     print("hidden", file=sys.stderr)
    >>> print("visible")
    visible
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
