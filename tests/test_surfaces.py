"""Tests of dlcourse.surfaces: surfaces have their minima, real optimizers descend them."""

from __future__ import annotations

import torch

from dlcourse.surfaces import elongated_quadratic, rosenbrock, run_trajectory


def test_surfaces_have_their_minimum_where_documented() -> None:
    assert rosenbrock(torch.tensor([1.0, 1.0])).item() == 0.0
    assert elongated_quadratic(torch.zeros(2)).item() == 0.0
    grid = torch.randn(100, 2)
    assert (rosenbrock(grid) >= 0).all() and (elongated_quadratic(grid) >= 0).all()


def test_trajectory_with_adam_descends_rosenbrock() -> None:
    path = run_trajectory(rosenbrock, (-1.5, 2.0), lambda ps: torch.optim.Adam(ps, lr=0.1), 500)
    assert path.shape == (501, 2)
    assert rosenbrock(path[-1]) < rosenbrock(path[0]) / 100


def test_trajectory_matches_hand_written_gradient_descent() -> None:
    path = run_trajectory(
        elongated_quadratic, (-4.0, 1.5), lambda ps: torch.optim.SGD(ps, lr=0.05), 3
    )
    point = torch.tensor([-4.0, 1.5])
    for _ in range(3):
        point = point - 0.05 * point * torch.tensor([1.0, 25.0])  # gradient (x, 25y)
    assert torch.allclose(path[-1], point)
