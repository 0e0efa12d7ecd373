"""Checks for the exercises of Module 5, Activation Functions and How to Choose Them."""

from __future__ import annotations

import math

from dlcourse.exercises import Exercise

NAMES = ("Tanh", "ReLU", "GELU", "SiLU")


def _normal_tail(threshold: float, std: float) -> float:
    """P(|z| > threshold) for z ~ N(0, std²)."""
    return 1 - math.erf(threshold / (std * math.sqrt(2)))


#: sigmoid'(z) = s(1 - s) < 0.01 once |z| > 2 acosh(1 / (2 sqrt(0.01))) = about 4.595
FLAT_BEYOND = 2 * math.acosh(1 / (2 * math.sqrt(0.01)))
FLAT = _normal_tail(FLAT_BEYOND, 3.0)


def _contest(results: dict) -> str | None:
    if set(results) != set(NAMES):
        return "`results` should have four entries, keyed 'Tanh', 'ReLU', 'GELU' and 'SiLU'"
    if not all(isinstance(v, (tuple, list)) and len(v) == 3 for v in results.values()):
        return "each value should be a triple (training loss, validation loss, validation accuracy)"
    for name, (train, val, acc) in results.items():
        if not (0 <= acc <= 1):
            return f"{name}'s validation accuracy should be a fraction between 0 and 1"
        if not (math.isfinite(train) and math.isfinite(val) and train > 0 and val > 0):
            return f"{name}'s losses should be positive and finite"
        if acc < 0.8:
            return (
                f"{name} should classify most validation points right: standardize them with "
                "the training data's mean and std"
            )
    return None


def _dying_slopes(flat: float) -> str | None:
    if isinstance(flat, str):
        return "`flat` should be a number, not a string"
    flat = float(flat)
    if not 0 <= flat <= 1:
        return "`flat` should be a fraction between 0 and 1, not a percentage"
    if abs(flat - FLAT) < 0.03:
        return None
    if abs(flat - FLAT / 2) < 0.015:
        return "you counted one side only: the slope is tiny for large positive and negative z"
    return (
        "`flat` should be the fraction of the slopes, `z.grad`, below 0.01 for z drawn "
        "from N(0, 3²); with few samples it is noisy: draw 10,000"
    )


def _revive(negative: list) -> str | None:
    fractions = [float(f) for f in negative]
    if len(fractions) != 2:
        return "`negative` should hold one fraction per hidden layer: two"
    if not all(0 <= f <= 1 for f in fractions):
        return "each value should be a fraction of the layer's units, between 0 and 1"
    if not any(f > 0 for f in fractions):
        return (
            "Leaky ReLU's outputs are rarely exactly 0, and lr 3.0 pushes many units negative: "
            "count units whose output is <= 0 for every input"
        )
    return None


EXERCISES = (
    Exercise(
        1,
        "A fair contest",
        names=("results",),
        test=_contest,
        wrong=(
            {"results": dict.fromkeys(NAMES, (0.05, 0.06, 97.0))},  # percentages
            {"results": dict.fromkeys(("Tanh", "ReLU"), (0.05, 0.06, 0.97))},  # two only
            {"results": dict.fromkeys(NAMES, (0.05, 0.9, 0.5))},  # unstandardized validation
        ),
    ),
    Exercise(
        2,
        "Where do sigmoid gradients die?",
        names=("flat",),
        test=_dying_slopes,
        wrong=(
            {"flat": 100 * FLAT},  # a percentage
            {"flat": _normal_tail(FLAT_BEYOND, 3.0) / 2},  # sigmoid(z) < 0.01: one side only
            {"flat": _normal_tail(FLAT_BEYOND, 1.0)},  # z from N(0, 1)
            {"flat": 1 - FLAT},  # slopes above 0.01
        ),
    ),
    Exercise(
        3,
        "Revive the dead",
        names=("negative",),
        test=_revive,
        wrong=(
            {"negative": [0.0, 0.0]},  # counted outputs exactly 0, as for ReLU
            {"negative": [25.0, 40.0]},  # percentages
            {"negative": [0.3]},  # one layer only
        ),
    ),
)
