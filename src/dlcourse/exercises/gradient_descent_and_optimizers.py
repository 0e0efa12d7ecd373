"""Checks for the exercises of Module 8, Gradient Descent and Optimizers."""

from __future__ import annotations

import math

import torch

from dlcourse.exercises import Exercise

START = (-1.5, 2.0)


def _rosenbrock(p: torch.Tensor) -> torch.Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _momentum_path(lr: float, mu: float, dampening: float = 0.0) -> torch.Tensor:
    """Where ``torch.optim.SGD`` takes START on Rosenbrock in 20 steps."""
    point = torch.tensor(START, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.SGD([point], lr=lr, momentum=mu, dampening=dampening)
    for _ in range(20):
        optimizer.zero_grad()
        _rosenbrock(point).backward()
        optimizer.step()
    return point.detach()


def _nesterov(first_below: dict) -> str | None:
    if set(first_below) != {False, True}:
        return "`first_below` should have two entries, keyed by `nesterov`: False and True"
    first_below = {
        k: v.item() if isinstance(v, torch.Tensor) and v.numel() == 1 else v
        for k, v in first_below.items()
    }
    if any(v is None for v in first_below.values()):
        return "one run never brought the loss below 1e-3: check lr 0.02 and momentum 0.9"
    if not all(isinstance(v, int) and v > 0 for v in first_below.values()):
        return "each value should be a number of steps, an int"
    if first_below[True] == first_below[False]:
        return "both counts are equal: pass nesterov=True to one of the two optimizers"
    if not first_below[True] < first_below[False]:
        return "Nesterov's look-ahead should damp the overshoot: are the keys the right way round?"
    return None


def _momentum_by_hand(momentum_point: torch.Tensor) -> str | None:
    point = torch.as_tensor(momentum_point).detach().flatten().float()
    if point.shape != (2,):
        return "`momentum_point` should hold the two coordinates (x, y) after 20 steps"
    if torch.allclose(point, torch.tensor(START)):
        return "`momentum_point` is still the start: update it in place in each of the 20 steps"
    if torch.allclose(point, _momentum_path(1e-3, 0.0), atol=1e-5):
        return (
            "that is plain gradient descent: the step should follow the velocity, not the gradient"
        )
    if not torch.allclose(point, _momentum_path(1e-3, 0.9), atol=1e-4):
        return (
            "the point differs from torch.optim.SGD's: velocity = mu * velocity + grad, then a step"
        )
    return None


def _adam_betas(beta_losses: dict) -> str | None:
    if set(beta_losses) != {(0.0, 0.999), (0.9, 0.999)}:
        return (
            "`beta_losses` should have two entries, keyed by betas: (0.0, 0.999) and (0.9, 0.999)"
        )
    a, b = (float(beta_losses[k]) for k in ((0.0, 0.999), (0.9, 0.999)))
    if not (math.isfinite(a) and math.isfinite(b) and 0 < a < 1 and 0 < b < 1):
        return "after 10 epochs both training losses should be well below the initial ln 10"
    if a == b:
        return "both losses are identical: pass `betas` to `optim.Adam`"
    if abs(a - b) > 0.25 * max(a, b):
        return "the two losses should be close: train both with lr 1e-3 from the same seed"
    return None


EXERCISES = (
    Exercise(
        1,
        "Nesterov momentum",
        names=("first_below",),
        test=_nesterov,
        wrong=(
            {"first_below": {False: 60, True: 90}},  # the keys swapped
            {"first_below": {False: 90, True: 90}},  # nesterov never switched on
            {"first_below": {False: None, True: 90}},  # plain momentum never arrived
            {"first_below": [90, 60]},  # not keyed
        ),
    ),
    Exercise(
        2,
        "Momentum by hand",
        names=("momentum_point",),
        test=_momentum_by_hand,
        wrong=(
            {"momentum_point": _momentum_path(1e-3, 0.0)},  # no momentum
            {"momentum_point": _momentum_path(1e-3, 0.9, dampening=0.9)},  # v = mu v + (1 - mu) g
            {"momentum_point": torch.tensor(START)},  # never moved
        ),
    ),
    Exercise(
        3,
        "Adam without momentum",
        names=("beta_losses",),
        test=_adam_betas,
        wrong=(
            {"beta_losses": {(0.0, 0.999): 0.05, (0.9, 0.999): 0.05}},  # betas not passed
            {"beta_losses": {(0.0, 0.999): 2.3, (0.9, 0.999): 0.05}},  # diverged or untrained
            {"beta_losses": {"(0.0, 0.999)": 0.06, "(0.9, 0.999)": 0.05}},  # str keys
        ),
    ),
)
