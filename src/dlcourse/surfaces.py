"""Optimizer test surfaces: functions of two parameters, and the path a real optimizer takes.

*Gradient Descent and Optimizers* runs the ``torch.optim`` optimizers on a 2-element tensor and
draws their paths (with :func:`dlcourse.plot.plot_trajectories`) over these surfaces' contours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

__all__ = ["elongated_quadratic", "rosenbrock", "run_trajectory"]

MakeOptimizer = Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer]
Surface = Callable[[torch.Tensor], torch.Tensor]


def rosenbrock(xy: torch.Tensor, a: float = 1.0, b: float = 100.0) -> torch.Tensor:
    """Rosenbrock's banana valley ``(a - x)² + b (y - x²)²``; minimum 0 at ``(a, a²)``.

    ``xy`` has shape ``(..., 2)``; the result has shape ``(...)``. Introduced in *Gradient
    Descent and Optimizers*: https://dlcourse.github.io/dlcourse/modules/gradient-descent-and-optimizers.html

    >>> rosenbrock(torch.tensor([1.0, 1.0])).item()
    0.0
    >>> rosenbrock(torch.tensor([[0.0, 0.0], [-1.0, 1.0]])).tolist()
    [1.0, 4.0]
    """
    x, y = xy[..., 0], xy[..., 1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def elongated_quadratic(xy: torch.Tensor, condition: float = 25.0) -> torch.Tensor:
    """The ill-conditioned bowl ``(x² + condition · y²) / 2``; minimum 0 at the origin.

    Its curvature along ``y`` is ``condition`` times its curvature along ``x``, the
    *condition number* of the problem. Introduced in *Gradient Descent and Optimizers*:
    https://dlcourse.github.io/dlcourse/modules/gradient-descent-and-optimizers.html

    >>> elongated_quadratic(torch.tensor([2.0, 1.0]), condition=10.0).item()
    7.0
    """
    x, y = xy[..., 0], xy[..., 1]
    return 0.5 * (x**2 + condition * y**2)


def run_trajectory(
    surface: Surface,
    start: tuple[float, float],
    make_optimizer: MakeOptimizer,
    steps: int,
) -> torch.Tensor:
    """Minimize ``surface`` from ``start`` with a real optimizer; return the path.

    ``make_optimizer`` receives the parameter list (one tensor of 2 elements), for example
    ``lambda params: torch.optim.Adam(params, lr=0.1)``. The result has shape
    ``(steps + 1, 2)``: the starting point, then the point after every step. Introduced in
    *Gradient Descent and Optimizers*: https://dlcourse.github.io/dlcourse/modules/gradient-descent-and-optimizers.html

    >>> path = run_trajectory(elongated_quadratic, (2.0, 1.0),
    ...                       lambda ps: torch.optim.SGD(ps, lr=0.02), steps=100)
    >>> path.shape
    torch.Size([101, 2])
    >>> bool(elongated_quadratic(path[-1]) < elongated_quadratic(path[0]) / 10)
    True
    """
    point = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    optimizer = make_optimizer([point])
    path = [point.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        surface(point).backward()
        optimizer.step()
        path.append(point.detach().clone())
    return torch.stack(path)
