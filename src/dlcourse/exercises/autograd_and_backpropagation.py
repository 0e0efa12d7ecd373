"""Checks for the exercises of Module 3, Autograd and Backpropagation."""

from __future__ import annotations

import math

from dlcourse.exercises import Exercise

RATES = (0.01, 0.1, 0.9, 1.1)


def _learning_rate(final_loss: dict) -> str | None:
    if sorted(final_loss) != list(RATES):
        return "`final_loss` should have one entry per learning rate: 0.01, 0.1, 0.9 and 1.1"
    final_loss = {k: v.item() if hasattr(v, "item") else v for k, v in final_loss.items()}
    if not all(isinstance(v, (int, float)) for v in final_loss.values()):
        return "each value of `final_loss` should be a float: the last loss of the history"
    low, mid, high, over = (final_loss[lr] for lr in RATES)
    if not (math.isfinite(mid) and math.isfinite(high) and abs(mid - high) < 5e-3 * max(mid, 1)):
        return "with lr 0.1 and 0.9 both runs should converge to the same minimum loss"
    if not low > 2 * mid:
        return (
            "after 100 steps, lr 0.01 should still be far above the minimum: is it the final loss?"
        )
    if math.isfinite(over) and over < 1e3 * max(mid, 1e-3):
        return "at lr 1.1 the loss should blow up"
    return None


def _autograd_vs_calculus(slope: float) -> str | None:
    slope = float(slope)
    if abs(slope - (2 * math.sin(1) + math.cos(1))) < 1e-5:
        return None
    if abs(slope - math.sin(1)) < 1e-5:
        return "that is f(1): the derivative is in `x.grad` after `backward()`"
    return "`slope` should be the derivative autograd stores in `x.grad` at x = 1"


def _find_the_bug(cleared: list) -> str | None:
    if not isinstance(cleared, (list, tuple)):
        return "`cleared` should be a list: the loss of each of the 100 steps"
    losses = [float(v) for v in cleared]
    if len(losses) != 100:
        return "`cleared` should hold the loss of each of the 100 steps"
    if not losses[-1] < 0.5 * losses[0]:
        return "the loss should fall well below where it started"
    rises = sum(b > a + 1e-7 for a, b in zip(losses, losses[1:], strict=False))
    if rises:
        return (
            f"the loss rises at {rises} steps: gradient descent with lr 0.1 on this "
            "loss should never go up, so the gradients still accumulate somewhere"
        )
    return None


_OSCILLATING = [1.0 / (1 + i) * (1.5 if i % 7 == 3 else 1.0) for i in range(100)]

EXERCISES = (
    Exercise(
        1,
        "The learning rate",
        names=("final_loss",),
        test=_learning_rate,
        wrong=(
            {"final_loss": {0.01: 5.0, 0.1: 5.0, 0.9: 5.0, 1.1: 5.0}},  # the first loss
            {"final_loss": {0.01: 0.3, 0.1: 0.25, 0.9: 0.25, 1.1: 0.25}},  # no blow-up at 1.1
            {"final_loss": {0.01: [5.0, 0.3], 0.1: [5.0, 0.25], 0.9: [5.0, 0.25], 1.1: [5.0, 1e9]}},
        ),
    ),
    Exercise(
        2,
        "Autograd vs calculus",
        names=("slope",),
        test=_autograd_vs_calculus,
        wrong=(
            {"slope": math.sin(1)},  # f(1), not f'(1)
            {"slope": 2 * math.sin(1)},  # only one term of the product rule
            {"slope": math.cos(1)},  # the derivative of sin alone
        ),
    ),
    Exercise(
        3,
        "Find the bug",
        names=("cleared",),
        test=_find_the_bug,
        wrong=(
            {"cleared": _OSCILLATING},  # gradients never cleared
            {"cleared": _OSCILLATING[-1]},  # only the final loss
            {"cleared": [1.0] * 100},  # nothing learned
        ),
    ),
)
