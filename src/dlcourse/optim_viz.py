"""Optimizers on two parameters: test surfaces, trajectories and contour plots.

Module 8 (gradient-descent-and-optimizers) runs the real ``torch.optim`` optimizers on a
2-element tensor and draws their paths over the contours of the surface they descend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import matplotlib
import torch

Surface = Callable[[torch.Tensor], torch.Tensor]
MakeOptimizer = Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer]


def rosenbrock(xy: torch.Tensor, a: float = 1.0, b: float = 100.0) -> torch.Tensor:
    """Rosenbrock's banana valley ``(a - x)² + b (y - x²)²``; minimum 0 at ``(a, a²)``.

    ``xy`` has shape ``(..., 2)``; the result has shape ``(...)``.

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
    *condition number* of the problem.

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
    ``(steps + 1, 2)``: the starting point, then the point after every step.

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


def plot_contours(
    surface: Surface,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: matplotlib.axes.Axes | None = None,
    levels: int = 20,
    resolution: int = 200,
) -> matplotlib.axes.Axes:
    """Draw the contour lines of ``surface``, spaced on a log scale, in light grey.

    >>> ax = plot_contours(rosenbrock, (-2, 2), (-1, 3))
    >>> len(ax.collections) > 0
    True
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots()
    xs = torch.linspace(*xlim, resolution)
    ys = torch.linspace(*ylim, resolution)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)
    values = surface(grid).numpy()
    low = max(float(values.min()), 1e-3)
    ticks = np.geomspace(low, float(values.max()), levels)
    ax.contour(xs.numpy(), ys.numpy(), values, levels=ticks, colors="#9aa5b1", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.grid(False)
    return ax


def plot_trajectories(
    surface: Surface,
    paths: Mapping[str, torch.Tensor],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    minimum: tuple[float, float] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw each path (from :func:`run_trajectory`) over the contours of ``surface``.

    The start is a black dot; the minimum, if given, a star.

    >>> path = torch.tensor([[1.0, 1.0], [0.5, 0.2], [0.0, 0.0]])
    >>> ax = plot_trajectories(elongated_quadratic, {"GD": path}, (-2, 2), (-1, 1))
    >>> [line.get_label() for line in ax.get_lines()][0]
    'GD'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    ax = plot_contours(surface, xlim, ylim, ax=ax)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], lw=1.4, marker=".", markersize=3, label=name)
    first = next(iter(paths.values()))[0]
    ax.plot(first[0], first[1], "o", color="black", markersize=5)
    if minimum is not None:
        ax.plot(*minimum, "*", color="black", markersize=11)
    return ax
