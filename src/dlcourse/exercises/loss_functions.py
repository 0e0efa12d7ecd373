"""Checks for the exercises of Module 6, Loss Functions."""

from __future__ import annotations

import math

import torch
from torch import nn

from dlcourse.exercises import Exercise

DATA = (1.0, 2.0, 3.0, 4.0, 100.0)


def _huber_minimum(delta: float) -> float:
    """The constant that minimizes the mean Huber loss on DATA (grid of 0.01, as the page)."""
    data = torch.tensor(DATA)
    candidates = torch.linspace(0, 30, 3001)
    losses = nn.HuberLoss(reduction="none", delta=delta)(
        candidates.unsqueeze(1).expand(-1, len(data)), data.expand(len(candidates), -1)
    )
    return candidates[losses.mean(1).argmin()].item()


def _huber_threshold(huber_best: dict) -> str | None:
    if not isinstance(huber_best, dict) or set(huber_best) != {0.5, 5.0, 50.0}:
        return "`huber_best` should be a dict with the keys 0.5, 5.0 and 50.0 (the deltas)"
    mean = sum(DATA) / len(DATA)
    for delta in (0.5, 5.0, 50.0):
        value = float(huber_best[delta])
        if abs(value - _huber_minimum(delta)) <= 0.02:
            continue
        if abs(value - mean) < 0.05:
            return (
                f"at delta={delta} you have the mean, MSE's answer: the outlier's residual "
                "is larger than delta, so Huber treats it linearly"
            )
        return (
            f"huber_best[{delta}] does not minimize the mean Huber loss: search the constant "
            "more finely (the losses are averaged over the five points)"
        )
    return None


def _multilabel(logits: torch.Tensor, targets: torch.Tensor, multilabel_loss) -> str | None:
    if not isinstance(targets, torch.Tensor) or not targets.is_floating_point():
        return "`targets` should be a float tensor: BCEWithLogitsLoss takes 0/1 as floats"
    if not torch.equal(targets, torch.tensor([[1.0, 1.0], [0.0, 1.0]])):
        return "`targets` should be [[1, 1], [0, 1]]: one row per image, one column per label"
    if not isinstance(logits, torch.Tensor) or logits.shape != (2, 2):
        return "`logits` should have shape (2, 2): two examples, one logit per label"
    if not isinstance(multilabel_loss, torch.Tensor) or multilabel_loss.numel() != 1:
        return "`multilabel_loss` should be a scalar tensor (the mean over all four entries)"
    expected = nn.BCEWithLogitsLoss()(logits.float(), targets)
    if not torch.allclose(multilabel_loss.float(), expected, atol=1e-5):
        return (
            "that is not the mean binary cross-entropy over all entries: each label is its "
            "own yes/no problem on its own logit"
        )
    return None


def _confidently_wrong(right: float, wrong: float) -> str | None:
    if not right < 1e-3:
        return "`right` (true class 0) should be almost zero: the model is confident and right"
    if not abs(wrong - 10.0) < 0.01:
        return "`wrong` (true class 1) should be about the logit gap, not ln 3"
    if not right < math.log(3) < wrong:
        return "a uniform guess (ln 3) should sit between the two losses"
    return None


_LOGITS = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
_TARGETS = torch.tensor([[1.0, 1.0], [0.0, 1.0]])

EXERCISES = (
    Exercise(
        1,
        "Huber's threshold",
        names=("huber_best",),
        test=_huber_threshold,
        wrong=(
            {"huber_best": {0.5: 22.0, 5.0: 22.0, 50.0: 22.0}},  # the mean everywhere (MSE)
            {"huber_best": {0.5: 3.0, 5.0: 3.75, 50.0: 22.0}},  # delta 50 taken for MSE
            {"huber_best": {0.5: 3.0, 5.0: 3.0, 50.0: 3.0}},  # the median everywhere (L1)
            {"huber_best": [3.0, 3.75, 15.0]},  # a list, not keyed by delta
        ),
    ),
    Exercise(
        2,
        "Confidently wrong",
        names=("right", "wrong"),
        test=_confidently_wrong,
        wrong=({"right": math.log(3), "wrong": math.log(3)}, {"right": 0.0, "wrong": 1.0}),
    ),
    Exercise(
        3,
        "Multi-label",
        names=("logits", "targets", "multilabel_loss"),
        test=_multilabel,
        wrong=(
            {  # cross-entropy over the two labels, as if they were exclusive classes
                "logits": _LOGITS,
                "targets": _TARGETS,
                "multilabel_loss": nn.CrossEntropyLoss()(_LOGITS, _TARGETS),
            },
            {  # integer targets
                "logits": _LOGITS,
                "targets": torch.tensor([[1, 1], [0, 1]]),
                "multilabel_loss": nn.BCEWithLogitsLoss()(_LOGITS, _TARGETS),
            },
            {  # the sum instead of the mean
                "logits": _LOGITS,
                "targets": _TARGETS,
                "multilabel_loss": nn.BCEWithLogitsLoss(reduction="sum")(_LOGITS, _TARGETS),
            },
        ),
    ),
)
