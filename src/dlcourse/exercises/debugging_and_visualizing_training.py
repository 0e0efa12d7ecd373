"""Checks for the exercises of Module 13, Debugging and Visualizing Training."""

from __future__ import annotations

import math

from dlcourse.exercises import Exercise

LABELS = ("sigmoid", "ReLU", "ReLU + Kaiming")


def _overfit_three_ways(deep_final: dict) -> str | None:
    if set(deep_final) != set(LABELS):
        return (
            "`deep_final` should have three entries, keyed 'sigmoid', 'ReLU' and 'ReLU + Kaiming'"
        )
    losses = {k: float(v) for k, v in deep_final.items()}
    if not all(math.isfinite(v) and v >= 0 for v in losses.values()):
        return "each value should be the last loss of a run, a finite number"
    if not losses["ReLU + Kaiming"] < 0.05:
        return (
            "with Kaiming initialization the MLP should memorize the 16 examples: re-initialize "
            "every Linear layer's weights for ReLU and zero its biases"
        )
    if not (losses["sigmoid"] > 1 and losses["ReLU"] > 1):
        return (
            "the sigmoid MLP and the ReLU MLP with PyTorch's default init should fail the test: "
            "are they 7 layers deep, as in the gradient-hook section?"
        )
    return None


def _relu_ratio(relu_ratio: float) -> str | None:
    if isinstance(relu_ratio, str):
        return "`relu_ratio` should be a number, not a string"
    ratio = float(relu_ratio)
    if ratio < 1:
        return "the ratio is the last layer's gradient norm divided by the first layer's"
    if ratio > 100:
        return (
            "that is as diminished as the sigmoid MLP: is the MLP built with activation=nn.ReLU, "
            "and is the ratio taken at step 1?"
        )
    return None


EXERCISES = (
    Exercise(
        2,
        "Overfit one batch, three ways",
        names=("deep_final",),
        test=_overfit_three_ways,
        wrong=(
            {"deep_final": {"sigmoid": 2.3, "ReLU": 0.01, "ReLU + Kaiming": 0.01}},  # shallow
            {"deep_final": {"sigmoid": 2.3, "ReLU": 2.3, "ReLU + Kaiming": 2.3}},  # no Kaiming
            {"deep_final": [2.3, 2.3, 0.001]},  # not keyed by model
        ),
    ),
    Exercise(
        3,
        "Gradient norms with ReLU",
        names=("relu_ratio",),
        test=_relu_ratio,
        wrong=(
            {"relu_ratio": 1 / 7.5},  # first over last
            {"relu_ratio": 2.0e4},  # the sigmoid MLP's ratio
            {"relu_ratio": "7.5"},  # a string
        ),
    ),
)
