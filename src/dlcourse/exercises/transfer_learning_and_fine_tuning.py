"""Checks for the exercises of Module 16, Transfer Learning and Fine-Tuning."""

from __future__ import annotations

from collections.abc import Callable

import torch

from dlcourse.exercises import Exercise
from dlcourse.models import DigitCNN


def _trainable(n_probe: int, n_finetune: int) -> str | None:
    if n_probe == 128 * 10 + 10:
        return "`n_probe`: the new head has 2 outputs, not 10"
    if n_probe != 128 * 2 + 2:
        return "`n_probe`: only the new head, Linear(128, 2), is trained in a linear probe"
    if n_finetune == 16 * (1 * 9 + 1) + 32 * (16 * 9 + 1):
        return "`n_finetune`: fine-tuning trains the new head too"
    if n_finetune != 16 * (1 * 9 + 1) + 32 * (16 * 9 + 1) + 128 * 2 + 2:
        return "`n_finetune`: fine-tuning trains every parameter of both convolutions and the head"
    return None


def _groups(make_optimizer: Callable[..., torch.optim.Optimizer]) -> str | None:
    # Two pairs of rates, so that an answer with the page's numbers typed in fails.
    for backbone_lr, head_lr in ((1e-4, 1e-2), (3e-3, 5e-2)):
        model = DigitCNN(num_classes=2)
        optimizer = make_optimizer(model, backbone_lr=backbone_lr, head_lr=head_lr)
        groups = optimizer.param_groups
        lr_of = {id(p): group["lr"] for group in groups for p in group["params"]}
        backbone, head = list(model.features.parameters()), list(model.head.parameters())
        if any(id(p) not in lr_of for p in backbone + head):
            return "every parameter of the model should be in one of the optimizer's groups"
        if backbone_lr != 1e-4 and any(lr_of[id(p)] == 1e-4 for p in backbone + head):
            return "use the arguments `backbone_lr` and `head_lr`, not numbers typed in"
        if any(lr_of[id(p)] != backbone_lr for p in backbone):
            return "the parameters of `model.features` should get `backbone_lr`"
        if any(lr_of[id(p)] != head_lr for p in head):
            return "the parameters of `model.head` should get `head_lr`"
        if isinstance(optimizer, torch.optim.AdamW):
            return "the exercise asks for torch.optim.Adam, not AdamW (decoupled weight decay)"
        if not isinstance(optimizer, torch.optim.Adam):
            return "the exercise asks for torch.optim.Adam"
    return None


def _one_group(model, backbone_lr, head_lr):  # a wrong answer: one lr for everything
    return torch.optim.Adam(model.parameters(), lr=head_lr)


def _swapped(model, backbone_lr, head_lr):  # a wrong answer: the rates swapped
    return torch.optim.Adam(
        [
            {"params": model.features.parameters(), "lr": head_lr},
            {"params": model.head.parameters(), "lr": backbone_lr},
        ]
    )


def _head_only(model, backbone_lr, head_lr):  # a wrong answer: the backbone left out
    return torch.optim.Adam(model.head.parameters(), lr=head_lr)


def _typed_in(model, backbone_lr, head_lr):  # a wrong answer: the page's rates, not the arguments
    return torch.optim.Adam(
        [
            {"params": model.features.parameters(), "lr": 1e-4},
            {"params": model.head.parameters(), "lr": 1e-2},
        ]
    )


def _adamw(model, backbone_lr, head_lr):  # a wrong answer: AdamW, an Adam subclass in recent torch
    return torch.optim.AdamW(
        [
            {"params": model.features.parameters(), "lr": backbone_lr},
            {"params": model.head.parameters(), "lr": head_lr},
        ]
    )


EXERCISES = (
    Exercise(
        1,
        "Trainable parameters",
        names=("n_probe", "n_finetune"),
        test=_trainable,
        wrong=(
            {"n_probe": 1290, "n_finetune": 5058},
            {"n_probe": 258, "n_finetune": 4800},
            {"n_probe": 258, "n_finetune": 6090},
        ),
    ),
    Exercise(
        2,
        "An optimizer with two learning rates",
        names=("make_optimizer",),
        test=_groups,
        wrong=(
            {"make_optimizer": _one_group},
            {"make_optimizer": _swapped},
            {"make_optimizer": _head_only},
            {"make_optimizer": _typed_in},
            {"make_optimizer": _adamw},
        ),
    ),
)
