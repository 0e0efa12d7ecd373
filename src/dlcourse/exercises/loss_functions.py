"""Checks for the exercises of Module 6, Loss Functions."""

from __future__ import annotations

import math

from dlcourse.exercises import Exercise


def _confidently_wrong(right: float, wrong: float) -> str | None:
    if not right < 1e-3:
        return "`right` (true class 0) should be almost zero: the model is confident and right"
    if not abs(wrong - 10.0) < 0.01:
        return "`wrong` (true class 1) should be about the logit gap, not ln 3"
    if not right < math.log(3) < wrong:
        return "a uniform guess (ln 3) should sit between the two losses"
    return None


EXERCISES = (
    Exercise(
        2,
        "Confidently wrong",
        names=("right", "wrong"),
        test=_confidently_wrong,
        wrong=({"right": math.log(3), "wrong": math.log(3)}, {"right": 0.0, "wrong": 1.0}),
    ),
)
