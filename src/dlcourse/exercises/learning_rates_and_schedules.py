"""Checks for the exercises of Module 9, Learning Rates and Schedules."""

from __future__ import annotations

import math

import torch
from torch import nn

from dlcourse.exercises import Exercise


def _step_formula(step_lr) -> str | None:
    if not callable(step_lr):
        return "`step_lr` should be a function of the step number"
    for step in range(100):
        expected = 0.1 * 0.3 ** (step // 30)
        got = step_lr(step)
        if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-9):
            if step in (0, 29) and isinstance(got, (int, float)):
                return f"step_lr({step}) is off: the rate stays at its start for the first 30 steps"
            return f"step_lr({step}) is off: StepLR multiplies by gamma once every step_size steps"
    return None


def _param_groups(optimizer) -> str | None:
    if not isinstance(optimizer, torch.optim.AdamW):
        return "`optimizer` should be a torch.optim.AdamW"
    groups = optimizer.param_groups
    if len(groups) != 2:
        return "`optimizer` should have two parameter groups: one with weight decay, one without"
    by_decay = {g["weight_decay"]: g["params"] for g in groups}
    if set(by_decay) != {0.01, 0.0}:
        return "one group should have weight_decay=0.01, the other weight_decay=0"
    if not all(p.ndim > 1 for p in by_decay[0.01]) or not all(p.ndim == 1 for p in by_decay[0.0]):
        return "the weight matrices should decay and the biases should not"
    if sum(p.numel() for g in groups for p in g["params"]) != 64 * 64 + 64 + 64 * 10 + 10:
        return "the two groups should hold all the parameters of MLP(64, [64], 10), once each"
    return None


def _adam_sweep(adam: dict) -> str | None:
    rates = (1e-4, 1e-3, 1e-2, 1e-1)
    if sorted(adam) != list(rates):
        return "`adam` should have one entry per learning rate: 1e-4, 1e-3, 1e-2 and 1e-1"
    adam = {
        k: v.item() if isinstance(v, torch.Tensor) and v.numel() == 1 else v
        for k, v in adam.items()
    }
    if not all(isinstance(v, (int, float)) for v in adam.values()):
        return "each value should be a float: the training loss after the last epoch"
    if min(adam, key=adam.get) != 1e-2:
        return "Adam's best rate here should be an order of magnitude below SGD's: is it Adam?"
    if not adam[1e-4] > 2 * adam[1e-2]:
        return "with lr 1e-4 Adam should be far from done after the same epochs"
    return None


def _mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def _adamw(split) -> torch.optim.Optimizer:
    params = list(_mlp().parameters())
    decay = [p for p in params if split(p)]
    rest = [p for p in params if not split(p)]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=1e-3
    )


EXERCISES = (
    Exercise(
        1,
        "StepLR as a formula",
        names=("step_lr",),
        test=_step_formula,
        wrong=(
            {"step_lr": lambda step: 0.1 * 0.3 ** ((step + 1) // 30)},  # off by one step
            {"step_lr": lambda step: 0.1 * 0.3 ** (step / 30)},  # decays continuously
            {"step_lr": lambda step: 0.1 * 0.3 ** (step // 30 + 1)},  # decays from step 0
            {"step_lr": [0.1 * 0.3 ** (s // 30) for s in range(100)]},  # a list, not a function
        ),
    ),
    Exercise(
        2,
        "No weight decay on biases",
        names=("optimizer",),
        test=_param_groups,
        wrong=(
            {"optimizer": torch.optim.AdamW(_mlp().parameters(), weight_decay=0.01)},  # one group
            {"optimizer": _adamw(lambda p: p.ndim == 1)},  # the groups swapped
            {"optimizer": torch.optim.Adam(_mlp().parameters())},  # not AdamW
        ),
    ),
    Exercise(
        3,
        "Adam's learning-rate range",
        names=("adam",),
        test=_adam_sweep,
        wrong=(
            {"adam": {1e-4: 1.2, 1e-3: 0.4, 1e-2: 0.1, 1e-1: 0.05}},  # SGD's shape: best at 0.1
            {"adam": {1e-4: 1.2, 1e-3: 0.4, 1e-2: 0.1}},  # a rate missing
            {"adam": {1e-4: [2.3, 1.2], 1e-3: [2.3, 0.4], 1e-2: [2.3, 0.1], 1e-1: [2.3, 0.3]}},
        ),
    ),
)
